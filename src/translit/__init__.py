"""translit: canonical forms and variant spellings of Hungarian, Serbo-Croatian and Russian names.

    >>> import translit
    >>> translit.transliterate("Хрущёв", "ru-de")
    'Chruschtschow'
    >>> translit.lookup("Hruscsovval").best.person.native
    'Никита Сергеевич Хрущёв'
"""

from __future__ import annotations

from functools import lru_cache

from .authority import STYLES, Authority
from .errors import (
    DecodeError,
    InputError,
    NotFoundError,
    StoreError,
    TableError,
    TranslitError,
    UnknownSchemeError,
)
from .loader import Tables, get_tables
from .lookup import Lookup, LookupResult, Match
from .model import Person, Variant
from .store import Store

__all__ = [
    "Authority", "DecodeError", "InputError", "Lookup", "LookupResult", "Match", "NotFoundError", "Person",
    "STYLES", "Store", "StoreError", "TableError", "Tables", "TranslitError", "UnknownSchemeError", "Variant",
    "fold", "identify", "lookup", "reverse", "schemes", "transliterate", "transliterate_many",
]
__version__ = "0.1.0"


def transliterate(text: str, scheme: str) -> str:
    """`text` in the scheme with id `scheme` (see `schemes()`)."""
    if not isinstance(text, str):
        raise InputError(f"text must be str, not {type(text).__name__}")
    return get_tables().schemes[scheme].transliterate(text)


def transliterate_many(texts: list[str], scheme: str) -> list[str]:
    """Each of `texts` in the scheme with id `scheme`, as `transliterate` gives it, in one pass (a list of
    names goes through like one long text: several times faster than a call per name)."""
    bad = next((t for t in texts if not isinstance(t, str)), None)
    if bad is not None:
        raise InputError(f"texts must be str, not {type(bad).__name__}")
    return get_tables().schemes[scheme].transliterate_many(texts)


def schemes() -> list[dict]:
    """Every scheme: id, name, standard, source, target, direction."""
    return [s.info() for s in get_tables().schemes]


def fold(text: str) -> str:
    """The matching key of `text`: lower case, no diacritics, ё as е, punctuation as spaces."""
    return get_tables().folder.fold(text)


def reverse(text: str, limit: int = 5) -> list[tuple[str, float, list[str]]]:
    """Russian Cyrillic candidates for a romanized name, best first: (cyrillic, score, schemes)."""
    from .reverse_search import reverse_candidates

    if not isinstance(text, str):
        raise InputError(f"text must be str, not {type(text).__name__}")
    return reverse_candidates(text, get_tables(), limit=limit)


def identify(text: str) -> list[tuple[str, float]]:
    """The national practices (scheme ids) a romanized Russian name may follow, best first: (id, probability)."""
    from .reverse_search import identify as _identify

    if not isinstance(text, str):
        raise InputError(f"text must be str, not {type(text).__name__}")
    return _identify(text, get_tables())


@lru_cache(maxsize=1)
def _default_lookup() -> Lookup:
    return Lookup(Authority())


def lookup(query: str, style: str = "en") -> LookupResult:
    """The person a spelling denotes (or `best is None`), with candidates, score and reason."""
    if not isinstance(query, str):
        raise InputError(f"query must be str, not {type(query).__name__}")
    return _default_lookup().lookup(query, style=style)
