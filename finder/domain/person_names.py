"""A patient's name as people write it: "Ana  María López-Díaz", "ana maria lopez diaz" and
"ANA MARÍA LÓPEZ DÍAZ" are one patient. The key folds case and accents, reads hyphens,
apostrophes, dots and commas as spaces and collapses runs of spaces; a name is never changed,
only compared by its key. A near match (the same words in another order, or one word more or
less) is a question for the person typing, never decided here."""

import unicodedata

_SEPARATORS = str.maketrans({mark: " " for mark in "-\u2010\u2011\u2012\u2013\u2014'’`.,_"})


def name_key(name: str) -> str:
    """The name folded for comparison: no case, no accents, one space between words."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.translate(_SEPARATORS).split())


def same_name(first: str, second: str) -> bool:
    return name_key(first) == name_key(second)


def near_name(first: str, second: str) -> bool:
    """Not the same key, but the same words in another order, or one set inside the other
    with at least two words in common ("Ana López" and "Ana María López")."""
    one, two = name_key(first).split(), name_key(second).split()
    if one == two:
        return False
    words_one, words_two = set(one), set(two)
    if words_one == words_two:
        return True
    common = words_one & words_two
    return len(common) >= 2 and common in (words_one, words_two)
