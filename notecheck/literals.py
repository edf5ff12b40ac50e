"""Words a regular expression cannot match without: an exact pre-check that skips most rule scans.

Python's regex engine has no fast path for a case-insensitive alternation of many terms: it tries the
pattern at every character, ~20 ns a character for each rule, and a note is scanned by some 150 rule
patterns (targets, ConText, sections, history). Most rules' terms never occur in a given note.
`required_literals` reads a pattern's parse tree and returns lower-case strings such that every match
contains one of them; when none occurs in the lower-cased note, the rule cannot match there and its scan
is skipped. Only a sure answer is given: a pattern whose matches need no fixed text (``\\d+ mg``) gets
None and is always scanned.

Why it is exact: a literal ASCII character matches a text character, case-insensitively or not, only if
the text character lower-cases to it — except "İ", "ı" and "ſ", which Python's case-insensitive matching
equates with "i" and "s" although ``str.lower`` does not; a note holding one of those is always scanned
in full (`can_skip`). Non-ASCII literals in a pattern are never used as required text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

try:  # the stdlib's own regex parser (re._parser from Python 3.11; sre_parse before)
    from re import _constants as _c, _parser as _p
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c
    import sre_parse as _p

#: Text characters Python's case-insensitive matching equates with an ASCII letter that ``str.lower``
#: does not lower to it (tests/test_literals.py checks this list against every code point).
CASE_FOLD_EXCEPTIONS = frozenset("\u0130\u0131\u017f")  # İ ı ſ

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}


def can_skip(text: str) -> bool:
    """Whether required-literal checks are exact for this note (see the module docstring)."""
    return not any(ch in text for ch in CASE_FOLD_EXCEPTIONS)


@lru_cache(maxsize=4096)
def required_literals(pattern: str, flags: int = 0) -> tuple[str, ...] | None:
    """Lower-case strings one of which every match of ``pattern`` contains, or None if there are none
    to be sure of (or the pattern cannot be read). Shortest first: the likeliest to occur, so a note
    that has one is found with the fewest searches."""
    try:
        tree = _p.parse(pattern, flags)
    except Exception:  # noqa: BLE001 - an unreadable pattern is simply always scanned
        return None
    found = _sequence(list(tree))
    if not found or "" in found:
        return None
    return tuple(sorted(found, key=lambda word: (len(word), word)))


def might_match(literals: tuple[str, ...] | None, lowered_text: str) -> bool:
    """False only when none of the pattern's required literals occurs in the (lower-cased) note."""
    return literals is None or any(word in lowered_text for word in literals)


def _sequence(items: Iterable) -> set[str] | None:
    """Required strings of a sequence: the most selective of its literal runs and its parts' own sets."""
    candidates: list[set[str]] = []
    run = ""
    for op, av in items:
        if op is _c.LITERAL and av < 128:
            run += chr(av).lower()
            continue
        if run:
            candidates.append({run})
            run = ""
        if op is _c.SUBPATTERN:
            found = _sequence(list(av[-1]))
        elif op is _c.BRANCH:
            found = _branch(av[1])
        elif op in _REPEATS:
            found = _sequence(list(av[2])) if av[0] >= 1 else None
        elif op is _c.ASSERT:  # a lookahead's text must be in the note too (never a negative one)
            found = _sequence(list(av[1]))
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            found = _sequence(list(av))
        else:
            found = None
        if found:
            candidates.append(found)
    if run:
        candidates.append({run})
    if not candidates:
        return None
    return max(candidates, key=lambda words: (min(map(len, words)), -len(words)))


def _branch(alternatives) -> set[str] | None:
    """Every alternative must require something, or the alternation requires nothing."""
    found: set[str] = set()
    for alternative in alternatives:
        words = _sequence(list(alternative))
        if not words:
            return None
        found |= words
    return found
