"""Screening of raw location text before any adapter looks it up or sends it anywhere."""

import re
import unicodedata

from finder.geocoding.base import InvalidQuery

MAX_QUERY_LENGTH = 200
MAX_WORD_LENGTH = 50

# Letters and digits in any script, spaces, and the punctuation that US addresses use.
_ADDRESS_PUNCTUATION = frozenset(",.'’-#/&()")
_LINE_BREAKS = frozenset("\t\n\r")
_DIGITS_ONLY = re.compile(r"^[\d\s-]+$")
_ZIP_SHAPES = re.compile(r"^\d{5}(?:[\s-]?\d{4})?$")


def clean_query(query: object) -> str:
    """Return the query with its whitespace collapsed, or raise InvalidQuery if it is no place."""
    if not isinstance(query, str):
        raise InvalidQuery("The location must be text.")
    if len(query) > MAX_QUERY_LENGTH * 2:
        raise InvalidQuery(_too_long())
    if any(_is_control(char) for char in query):
        raise InvalidQuery("The location contains control characters.")
    text = " ".join(query.split())
    if not text:
        raise InvalidQuery()
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery(_too_long())
    if not any(char.isalnum() for char in text):
        raise InvalidQuery("The location needs letters or digits.")
    if any(not _is_address_character(char) for char in text):
        raise InvalidQuery("The location contains characters that do not appear in addresses.")
    if any(len(word) > MAX_WORD_LENGTH for word in text.split()):
        raise InvalidQuery("The location contains a word too long to be a place name.")
    if _DIGITS_ONLY.match(text) and not _ZIP_SHAPES.match(text):
        raise InvalidQuery("A number alone must be a five-digit ZIP code.")
    return text


def query_key(text: str) -> str:
    """Return a spelling-insensitive form of cleaned text, for caching answers."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[\s,.]+", " ", folded).split())


def _is_control(char: str) -> bool:
    """Tell whether `char` is a control or invisible format character (tabs and newlines pass)."""
    if char in _LINE_BREAKS:
        return False
    return unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}


def _is_address_character(char: str) -> bool:
    """Tell whether `char` can appear in a place name or a street address."""
    if char.isalnum() or char == " " or char in _ADDRESS_PUNCTUATION:
        return True
    return unicodedata.category(char).startswith("M")  # combining accents


def _too_long() -> str:
    return f"The location is longer than {MAX_QUERY_LENGTH} characters."
