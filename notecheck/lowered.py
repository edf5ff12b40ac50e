"""Case-insensitive rule patterns matched as case-sensitive twins on the lower-cased note.

Why: Python's regex engine matches a case-insensitive pattern by lower-casing the text character by
character at every position it tries, for every alternative; the rule files hold ~120 such patterns
(targets, ConText, sections), so most of a note's matching time went on lower-casing. The same pattern,
rewritten to match lower-case text case-sensitively, runs ~2.5x faster on the note lower-cased once.

`lowered_twin` rewrites the pattern's parse tree: each literal and character class is replaced by the
set of characters it matches case-insensitively, worked out by asking Python's own engine (for ASCII) and
kept as written (for other characters). The twin gives exactly the original's match spans on any note
that `twin_ok` accepts — one whose non-ASCII characters are all uncased (dashes, quotes, degree signs,
bullets: lower() and upper() leave them as they are, so lower-casing the note maps each character to
one character and no case-insensitive comparison differs). Notes with other characters (accented names,
Greek) use the original pattern. A pattern with a case-sensitive part (``(?-i:PT)``) has no twin.
Only spans are the same: a twin's groups hold lower-cased text, so callers that read groups do not use
it. `tests/test_lowered.py` checks every rule pattern's twin against the original on every note.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:
    from re import _compiler as _k, _constants as _c, _parser as _p
except ImportError:  # pragma: no cover - before Python 3.11
    import sre_compile as _k
    import sre_constants as _c
    import sre_parse as _p

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII = [chr(i) for i in range(128)]
_UPPER = set(range(ord("A"), ord("Z") + 1))


class NoTwin(Exception):
    """The pattern holds something a lower-case twin cannot express exactly."""


def twin_ok(text: str) -> bool:
    """Whether twins give the original patterns' spans on this note: every non-ASCII character uncased."""
    if text.isascii():
        return True
    return all(ch.lower() == ch == ch.upper() for ch in set(_NON_ASCII.findall(text)))


@lru_cache(maxsize=4096)
def lowered_twin(pattern: str, flags: int = 0) -> re.Pattern | None:
    """The case-sensitive twin of a case-insensitive pattern, for the lower-cased note; None if the
    pattern is case-sensitive, cannot be read, or holds a case-sensitive part."""
    try:
        tree = _p.parse(pattern, flags)
        if not tree.state.flags & re.IGNORECASE:
            return None
        _rewrite(tree, tree.state.flags)
        tree.state.flags &= ~re.IGNORECASE
        return _k.compile(tree, (flags | tree.state.flags) & ~re.IGNORECASE)
    except (NoTwin, re.error, RecursionError, TypeError, ValueError, IndexError):
        return None


def _matches_ascii(items, flags: int) -> list[int]:
    """The ASCII characters a class (as parsed) matches under the original flags, asked of the engine."""
    return list(_ascii_hits(tuple(items), flags))


@lru_cache(maxsize=None)
def _ascii_hits(items: tuple, flags: int) -> tuple[int, ...]:
    probe = _p.SubPattern(_p.State(), [(_c.IN, list(items))])
    probe.state.flags = flags
    compiled = _k.compile(probe, flags)
    return tuple(ord(ch) for ch in _ASCII if compiled.fullmatch(ch))


def _cased(code: int) -> bool:
    ch = chr(code)
    return not (ch.lower() == ch == ch.upper())


def _rewrite(sub, flags: int) -> None:
    """Replace, in place, every case-insensitive literal and class of a parsed pattern by its twin."""
    data = sub.data
    for i, (op, av) in enumerate(data):
        if op is _c.LITERAL:
            data[i] = _twin_class([(_c.LITERAL, av)], flags, negate=False)
        elif op is _c.NOT_LITERAL:
            data[i] = _twin_class([(_c.LITERAL, av)], flags, negate=True)
        elif op is _c.IN:
            negate = bool(av) and av[0][0] is _c.NEGATE
            data[i] = _twin_class(av[1:] if negate else av, flags, negate)
        elif op is _c.SUBPATTERN:
            group, add_flags, del_flags, inner = av
            if del_flags & re.IGNORECASE or add_flags & (re.ASCII | re.LOCALE):
                raise NoTwin  # a case-sensitive part, or other character rules
            _rewrite(inner, flags | add_flags)
            data[i] = (op, (group, add_flags & ~re.IGNORECASE, del_flags, inner))
        elif op is _c.BRANCH:
            for alternative in av[1]:
                _rewrite(alternative, flags)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            _rewrite(av[2], flags)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _rewrite(av[1], flags)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            _rewrite(av, flags)
        elif op is _c.GROUPREF_EXISTS:
            _rewrite(av[1], flags)
            if av[2] is not None:
                _rewrite(av[2], flags)
        elif op in (_c.AT, _c.ANY, _c.GROUPREF):
            continue  # case plays no part (a back-reference compares two lower-cased stretches of the note)
        else:
            raise NoTwin


def _twin_class(items, flags: int, negate: bool):
    """The characters ``items`` match case-insensitively, as a case-sensitive class on lower-cased text:
    the ASCII ones the engine says match, plus the class's own non-ASCII items where those are uncased
    (a cased one can only meet cased text, which `twin_ok` keeps from twins)."""
    for kind, value in items:
        if kind is _c.RANGE and value[1] >= 128 and any(_cased(c) for c in range(max(value[0], 128), value[1] + 1)):
            raise NoTwin
    if negate:  # the ASCII characters the negated class lets through, asked of the engine: the twin refuses the rest
        ascii_hits = set(range(128)) - set(_matches_ascii([(_c.NEGATE, None)] + list(items), flags))
    else:
        ascii_hits = set(_matches_ascii(items, flags))
    ascii_hits -= _UPPER  # lower-cased text holds no upper-case ASCII letters
    kept = [(_c.LITERAL, code) for code in sorted(ascii_hits)]
    for kind, value in items:
        if kind is _c.LITERAL and value >= 128 and not _cased(value):
            kept.append((kind, value))
        elif kind is _c.RANGE and value[1] >= 128:
            kept.append((kind, (max(value[0], 128), value[1])))
        elif kind is _c.CATEGORY:
            kept.append((kind, value))  # \d, \s, \w: no case, same on lower-cased text
    if negate:
        return _c.IN, [(_c.NEGATE, None)] + kept
    if not kept:
        raise NoTwin  # matches nothing a twin may see: leave the pattern to the original
    if len(kept) == 1 and kept[0][0] is _c.LITERAL:
        return kept[0]  # a plain literal: the engine's fastest test
    return _c.IN, kept
