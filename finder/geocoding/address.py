"""Readings of location text as street, city, state and ZIP, by usaddress and by our own rules."""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import usaddress

from finder.geocoding.names import name_key, words
from finder.geocoding.regions import COUNTRY_SUFFIXES, state_at_end

# Tells whether a city name key exists in a state (or, given None, in any state).
CityCheck = Callable[[str, str | None], bool]

_ZIP_WORDS = re.compile(r"^\d{5}(?:\d{4})?$")
_PLUS_FOUR = re.compile(r"^\d{4}$")
_PO_BOX = re.compile(r"^(?:p\.?\s?o\.?\s?)?box\s", re.IGNORECASE)
_STREET_LABELS_LEFT_OUT = frozenset(
    {"PlaceName", "StateName", "ZipCode", "ZipPlus4", "CountryName", "Recipient", "NotAddress"}
)
_LONGEST_CITY = 5  # words, e.g. "Saint Marys City" or "Lake In The Hills"


@dataclass(frozen=True)
class AddressParts:
    """One reading of a location: each part as typed (state and ZIP normalised), or None."""

    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    words: tuple[str, ...]
    after_comma: bool


def looks_like_street(text: str) -> bool:
    """Tell whether text starts like a street line: a house number or a post office box."""
    first = text.split(maxsplit=1)[0]
    return (first[0].isdigit() and " " in text) or bool(_PO_BOX.match(text))


def readings(text: str, *, is_city: CityCheck) -> list[AddressParts]:
    """Return the plausible readings of cleaned text, the likeliest first."""
    found: list[AddressParts] = []
    street = looks_like_street(text)
    if street and (tagged := tagged_reading(text, is_city=is_city)) is not None:
        found.append(tagged)
    found.extend(rule_readings(text, street=street, is_city=is_city))
    return list(dict.fromkeys(found))


def tagged_reading(text: str, *, is_city: CityCheck) -> AddressParts | None:
    """Read a street address with usaddress; None when its reading disagrees with the gazetteer."""
    try:
        tags, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return None
    if kind not in {"Street Address", "PO Box"}:
        return None
    state = zip_code = None
    if "StateName" in tags:
        state_words = _without_country(words(tags["StateName"]))
        match = state_at_end(state_words)
        if match is None or match[1] != len(state_words):
            return None
        state = match[0]
    if "ZipCode" in tags:
        zip_words = words(tags["ZipCode"])
        if not zip_words or not _ZIP_WORDS.match(zip_words[0]):
            return None
        zip_code = zip_words[0][:5]
    city = tags.get("PlaceName")
    if city is None and state is not None:
        return None
    if city is not None and not is_city(name_key(words(city)), state):
        return None
    street_parts = [value for label, value in tags.items() if label not in _STREET_LABELS_LEFT_OUT]
    street = " ".join(street_parts).strip(" ,") or None
    return AddressParts(street=street, city=city, state=state, zip=zip_code)


def rule_readings(text: str, *, street: bool, is_city: CityCheck) -> list[AddressParts]:
    """Read text from its end: country, ZIP, state, then the city the gazetteer recognises."""
    tokens = _tokens(text)
    tokens = _drop_country(tokens)
    tokens, zip_code = _take_zip(tokens)
    tokens = _drop_country(tokens)
    tokens, state = _take_state(tokens)
    if not tokens:
        return [AddressParts(state=state, zip=zip_code)]
    anchored = state is not None or zip_code is not None
    split = _city_start(tokens, street=street, anchored=anchored, state=state, is_city=is_city)
    if split is None:
        first = AddressParts(street=_text(tokens), state=state, zip=zip_code)
    else:
        street_text = _text(tokens[:split]) or None
        first = AddressParts(street_text, _text(tokens[split:]), state, zip_code)
    found = [first]
    if state is not None and zip_code is None and not street:
        found.append(AddressParts(city=_text(_drop_country(_tokens(text)))))
    return found


def _city_start(
    tokens: Sequence[_Token], *, street: bool, anchored: bool, state: str | None, is_city: CityCheck
) -> int | None:
    """Return where the city begins among the tokens left once ZIP and state are taken."""
    first_possible = 1 if street else 0
    comma = max((at for at, token in enumerate(tokens) if token.after_comma), default=None)
    if not anchored:
        if not street:
            return 0
        return comma if comma is not None and comma >= first_possible else None
    if (
        comma is not None
        and comma >= first_possible
        and (is_city(_key(tokens[comma:]), state) or comma == len(tokens) - 1)
    ):
        return comma
    if not street and is_city(_key(tokens), state):
        return 0
    for start in range(max(first_possible, len(tokens) - _LONGEST_CITY), len(tokens)):
        if is_city(_key(tokens[start:]), state):
            return start
    return None if street else 0


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    for at, segment in enumerate(text.split(",")):
        for index, raw in enumerate(segment.split()):
            found.append(_Token(raw, tuple(words(raw)), at > 0 and index == 0))
    return [token for token in found if token.words]


def _drop_country(tokens: list[_Token]) -> list[_Token]:
    for count in range(min(4, len(tokens) - 1), 0, -1):
        if "".join(word for token in tokens[-count:] for word in token.words) in COUNTRY_SUFFIXES:
            return tokens[:-count]
    return tokens


def _without_country(state_words: list[str]) -> list[str]:
    for count in range(min(4, len(state_words) - 1), 0, -1):
        if "".join(state_words[-count:]) in COUNTRY_SUFFIXES:
            return state_words[:-count]
    return state_words


def _take_zip(tokens: list[_Token]) -> tuple[list[_Token], str | None]:
    if not tokens:
        return tokens, None
    last = tokens[-1].words
    if len(last) == 1 and _ZIP_WORDS.match(last[0]):
        return tokens[:-1], last[0][:5]
    if len(last) == 2 and _ZIP_WORDS.match(last[0]) and _PLUS_FOUR.match(last[1]):
        return tokens[:-1], last[0][:5]
    if len(tokens) > 1 and _PLUS_FOUR.match(last[0]) and len(last) == 1:
        before = tokens[-2].words
        if len(before) == 1 and len(before[0]) == 5 and before[0].isdigit():
            return tokens[:-2], before[0]
    return tokens, None


def _take_state(tokens: list[_Token]) -> tuple[list[_Token], str | None]:
    for count in range(min(4, len(tokens)), 0, -1):
        tail = [word for token in tokens[-count:] for word in token.words]
        match = state_at_end(tail)
        if match is not None and match[1] == len(tail):
            return tokens[:-count], match[0]
    return tokens, None


def _key(tokens: Sequence[_Token]) -> str:
    return name_key([word for token in tokens for word in token.words])


def _text(tokens: Sequence[_Token]) -> str:
    return " ".join(token.raw for token in tokens).strip(" ,.")
