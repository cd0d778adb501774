"""Places to suggest when a query names none: a misspelt city ("Chicgo" → Chicago, IL) or a
US place typed by its Spanish name ("Nueva York" → New York, NY).

Misspellings are matched with difflib's ratio against the gazetteer's city names (compared as
lookup keys, so case, accents and "St."/"Saint" do not count), within the state typed if one
was, and the closest are offered, the cities with most ZIP codes first among equals.

Spanish names: only the traditional Spanish names of US states that the Fundéu (Fundación del
Español Urgente, advised by the Real Academia Española) recommends, "Estados Unidos: nombres de
los estados", https://www.fundeu.es/recomendacion/estados-unidos-nombres-de-los-estados-toponimos/
(checked 2026-12-06). "Nueva York" names the city as well as the state; the city is offered
first, as the likelier meaning of a search.
"""

import difflib
import threading
from collections.abc import Sequence

from finder.geocoding.base import Place
from finder.geocoding.gazetteer import City, Gazetteer
from finder.geocoding.names import name_key, words
from finder.geocoding.regions import COUNTRY_SUFFIXES, state_at_end

MAX_SUGGESTIONS = 5
CUTOFF = 0.8  # difflib ratio: "chicgo"/"chicago" is 0.92, "chicgo"/"chico" 0.91
SHORTEST_KEY = 4  # shorter names match too many places to suggest any

# Fundéu's Spanish names of US states (key of the Spanish name → USPS code); see above.
SPANISH_STATE_NAMES = {
    name_key(words(spanish)): code
    for spanish, code in (
        ("Carolina del Norte", "NC"),
        ("Carolina del Sur", "SC"),
        ("Dakota del Norte", "ND"),
        ("Dakota del Sur", "SD"),
        ("Hawái", "HI"),
        ("Luisiana", "LA"),
        ("Misisipi", "MS"),
        ("Misuri", "MO"),
        ("Nuevo Hampshire", "NH"),
        ("Nueva Jersey", "NJ"),
        ("Nueva York", "NY"),
        ("Nuevo México", "NM"),
        ("Oregón", "OR"),
        ("Pensilvania", "PA"),
        ("Tejas", "TX"),
        ("Virginia Occidental", "WV"),
    )
}
# Spanish names that are also a city's (the state's namesake city), offered before the state.
SPANISH_CITY_NAMES = {name_key(["nueva", "york"]): ("newyork", "NY")}

_keys_lock = threading.Lock()
_keys: list[tuple[Gazetteer, tuple[str, ...]]] = []  # the last gazetteer asked and its keys


def spanish_name(text: str, gazetteer: Gazetteer) -> tuple[Place, ...]:
    """The places a Spanish name of a US state (or its namesake city) stands for, else ()."""
    found: list[Place] = []
    name_words = _without_country(words(text))
    key = name_key(name_words)
    city = SPANISH_CITY_NAMES.get(key)
    if city is not None:
        located = gazetteer.city(*city)
        if located is not None:
            found.append(city_place(located))
    code = SPANISH_STATE_NAMES.get(key)
    if code is not None and code in gazetteer.states:
        state = gazetteer.states[code]
        found.append(Place(state.lat, state.lon, "state", state.name, state.code))
    return tuple(found)


def close_places(text: str, gazetteer: Gazetteer) -> tuple[Place, ...]:
    """Cities whose names are spelt like the query's, within the state typed if any."""
    name_words = _without_country(words(text))
    state = None
    ending = state_at_end(name_words) if len(name_words) > 1 else None
    if ending is not None:
        state, taken = ending
        name_words = name_words[:-taken]
    key = name_key(name_words)
    if len(key) < SHORTEST_KEY or any(word.isdigit() for word in name_words):
        return ()
    keys = _city_keys(gazetteer)
    matches = difflib.get_close_matches(key, keys, n=MAX_SUGGESTIONS * 4, cutoff=CUTOFF)
    cities: list[tuple[float, int, City]] = []
    for match in matches:
        if match == key:
            continue
        ratio = round(difflib.SequenceMatcher(None, key, match).ratio(), 2)
        for city in gazetteer.cities_named(match):
            if state is None or city.state == state:
                cities.append((ratio, city.zip_count, city))
    # The closest spelling first; among spellings as close, the city with most ZIP codes.
    cities.sort(key=lambda found: (-found[0], -found[1], found[2].name, found[2].state))
    return tuple(city_place(city) for _, _, city in cities[:MAX_SUGGESTIONS])


def city_place(city: City) -> Place:
    return Place(city.lat, city.lon, "city", f"{city.name}, {city.state}", city.state)


def _without_country(name_words: Sequence[str]) -> list[str]:
    kept = list(name_words)
    if len(kept) > 1 and kept[-1] in COUNTRY_SUFFIXES:
        kept.pop()
    return kept


def _city_keys(gazetteer: Gazetteer) -> tuple[str, ...]:
    """Every city key of the gazetteer, built once for it."""
    with _keys_lock:
        if not _keys or _keys[0][0] is not gazetteer:  # one gazetteer a process, or a test's
            _keys[:] = [(gazetteer, tuple(sorted(gazetteer.states_by_city)))]
        return _keys[0][1]
