"""Names of the covered states and territories, and of foreign places people commonly type."""

from collections.abc import Sequence

from finder.geocoding.names import name_key

STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam",
}  # fmt: skip
# USPS codes that are real ZIP areas but not places a patient can be located from.
MILITARY_STATES = frozenset({"AA", "AE", "AP"})
UNCOVERED_TERRITORIES = frozenset({"AS", "MP"})
FREELY_ASSOCIATED_STATES = frozenset({"FM", "MH", "PW"})

_OTHER_STATE_SPELLINGS = {
    "ala": "AL", "ariz": "AZ", "ark": "AR", "calif": "CA", "cal": "CA", "colo": "CO",
    "conn": "CT", "del": "DE", "fla": "FL", "ill": "IL", "ind": "IN",
    "kan": "KS", "kans": "KS", "ky": "KY", "mass": "MA", "mich": "MI", "minn": "MN",
    "miss": "MS", "mont": "MT", "neb": "NE", "nebr": "NE", "nev": "NV", "okla": "OK",
    "ore": "OR", "oreg": "OR", "penn": "PA", "penna": "PA", "tenn": "TN", "tex": "TX",
    "wash": "WA", "wva": "WV", "westva": "WV", "wis": "WI", "wisc": "WI", "wyo": "WY",
    "virginislands": "VI", "usvirginislands": "VI", "usvi": "VI",
}  # fmt: skip
STATE_SPELLINGS: dict[str, str] = {
    **{code.lower(): code for code in STATE_NAMES},
    **{name_key(name.lower().replace(".", "").split()): code for code, name in STATE_NAMES.items()},
    **_OTHER_STATE_SPELLINGS,
}
LONGEST_STATE_NAME = 4  # words, e.g. "u s virgin islands"

COUNTRY_SUFFIXES = frozenset({"usa", "us", "unitedstates", "unitedstatesofamerica", "america"})

# Countries, Canadian and Mexican provinces, and big foreign cities that share no name with a
# US city. Consulted only after the US reading of a query has failed.
FOREIGN_NAMES = frozenset(
    name_key(name.split())
    for name in (
        "canada", "mexico", "united kingdom", "uk", "great britain", "england", "scotland",
        "wales", "ireland", "northern ireland", "france", "germany", "deutschland", "spain",
        "italy", "portugal", "netherlands", "belgium", "switzerland", "austria", "sweden",
        "norway", "denmark", "finland", "poland", "greece", "turkey", "russia", "ukraine",
        "israel", "egypt", "india", "pakistan", "china", "japan", "korea", "south korea",
        "philippines", "vietnam", "thailand", "indonesia", "australia", "new zealand", "brazil",
        "argentina", "chile", "colombia", "venezuela", "cuba", "dominican republic", "haiti",
        "jamaica", "bahamas", "guatemala", "honduras", "el salvador", "nicaragua", "costa rica",
        "panama", "nigeria", "kenya", "south africa", "saudi arabia", "united arab emirates",
        "uae", "iran", "iraq", "afghanistan", "bangladesh", "micronesia", "marshall islands",
        "palau", "ontario", "quebec", "british columbia", "alberta", "manitoba", "saskatchewan",
        "nova scotia", "new brunswick", "newfoundland", "prince edward island", "yukon",
        "nunavut", "northwest territories", "baja california", "jalisco", "nuevo leon",
        "chihuahua", "sonora", "mexico city", "ciudad de mexico", "cdmx", "guadalajara",
        "monterrey", "tijuana", "toronto", "montreal", "ottawa", "calgary", "edmonton",
        "winnipeg", "berlin", "madrid", "tokyo", "beijing", "shanghai", "mumbai", "delhi",
    )
)  # fmt: skip
CANADIAN_PROVINCE_CODES = frozenset(
    {"on", "qc", "bc", "ab", "mb", "sk", "ns", "nb", "nl", "pe", "yt", "nt", "nu"}
)


def state_at_end(name_words: Sequence[str]) -> tuple[str, int] | None:
    """Find a state spelled by the last words; return its code and how many words it took."""
    longest = min(LONGEST_STATE_NAME, len(name_words))
    for count in range(longest, 0, -1):
        tail = name_words[-count:]
        code = STATE_SPELLINGS.get("".join(tail)) or STATE_SPELLINGS.get(name_key(tail))
        if code is not None:
            return code, count
    return None


def names_foreign_place(name_words: Sequence[str]) -> bool:
    """Tell whether some run of the words names a foreign country, province or city."""
    if len(name_words) > 1 and name_words[-1] in CANADIAN_PROVINCE_CODES:
        return True
    for size in range(1, 4):
        for start in range(len(name_words) - size + 1):
            if name_key(name_words[start : start + size]) in FOREIGN_NAMES:
                return True
    return False
