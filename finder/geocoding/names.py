"""Spelling-insensitive keys for place names: case, accents, punctuation and USPS abbreviations."""

import re
import unicodedata
from collections.abc import Sequence

# Both the gazetteer's names and people's input go through the same table, so "St Louis",
# "St. Louis" and "Saint Louis" meet on one key whichever spelling either side uses.
_WORD_FORMS = {
    "st": "saint",
    "ste": "sainte",
    "ft": "fort",
    "mt": "mount",
    "mtn": "mountain",
    "pt": "point",
    "hts": "heights",
    "twp": "township",
    "bch": "beach",
    "vlg": "village",
    "cty": "city",
    "ctr": "center",
    "hls": "hills",
    "vly": "valley",
    "lk": "lake",
    "lks": "lakes",
    "jct": "junction",
    "spgs": "springs",
    "fls": "falls",
    "mls": "mills",
    "hbr": "harbor",
    "crk": "creek",
    "grv": "grove",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
}
_DOTTED_INITIALS = re.compile(r"\b(?:[a-z]\.){2,}")
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Return `text` in lower case without accents, so "Mayagüez" and "MAYAGUEZ" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.casefold()


def words(text: str) -> list[str]:
    """Split text into folded words; "N.Y." becomes one word, "Coeur d'Alene" three."""
    folded = text.lower() if text.isascii() else fold(text)
    if "." in folded:
        folded = _DOTTED_INITIALS.sub(lambda found: found.group().replace(".", ""), folded)
    return _WORD.findall(folded)


def name_key(name_words: Sequence[str]) -> str:
    """Return the lookup key of a place name given as folded words."""
    return "".join(_WORD_FORMS.get(word, word) for word in name_words)


def key_of(name: str) -> str:
    """Return the lookup key of a place name given as text."""
    return name_key(words(name))
