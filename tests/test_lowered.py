"""Lower-case twins: the same match spans as the case-insensitive originals, where they are used."""

import re
import sys
from pathlib import Path

import pytest

from notecheck.lowered import lowered_twin, twin_ok
from notecheck.scan import NoteForScan, pattern_spans
from test_literals import all_rule_patterns

CORPORA = Path(__file__).resolve().parents[1] / "corpora"


def test_every_rule_pattern_twin_gives_the_original_spans_on_every_note():
    patterns = all_rule_patterns()
    twins = [(p, lowered_twin(p.pattern, p.flags)) for p in patterns if p.flags & re.IGNORECASE]
    assert sum(t is not None for _, t in twins) > 100  # nearly every rule has one
    notes = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("**/*.txt"))]
    # Twins are used only on notes whose non-ASCII characters have no case ("Müller", "É" fall back to
    # the originals); nearly all notes are such.
    usable = [n for n in notes if twin_ok(n)]
    assert len(usable) > 0.95 * len(notes)
    for text in usable:
        lowered = text.lower()
        for pattern, twin in twins:
            if twin is not None:
                assert [m.span() for m in twin.finditer(lowered)] == [m.span() for m in pattern.finditer(text)], pattern.pattern[:80]


@pytest.mark.parametrize("pattern, text", [
    (r"(?<![A-Za-z])(?:fluoro(?:scopy)?|c-arm)(?![A-Za-z])", "Under FLUOROSCOPY; C-Arm. xfluoro fluoroscopyx"),
    (r"[^a-c]+", "ABCDEF abcdef"),                  # a negated class
    (r"(?P<w>ab)\s+(?P=w)", "AB ab Ab aB"),          # a back-reference compares without case
    (r"\bL(?:[1-5])\s*-\s*(?:S1|L[1-5])\b", "l4-L5, L5 - s1"),
    (r"[\u2013\u2014-]", "L4\u20135 L5\u2014S1 C5-6"),  # uncased non-ASCII characters in a class
    (r"(?m)^\s*(?:procedure|plan):", "PROCEDURE: x\n  Plan: y"),
    (r"k|s|i", "KELVIN Sign Ice"),
])
def test_twin_matches_like_the_original(pattern, text):
    original = re.compile(pattern, re.IGNORECASE)
    twin = lowered_twin(pattern, re.IGNORECASE)
    assert twin is not None
    assert [m.span() for m in twin.finditer(text.lower())] == [m.span() for m in original.finditer(text)]


@pytest.mark.parametrize("pattern, flags", [
    (r"(?-i:PT)\b", re.IGNORECASE),  # a case-sensitive part: "PT" and "pt" look alike once lower-cased
    (r"fluoro", 0),                  # not case-insensitive at all: nothing to gain
    (r"caf\u00e9", re.IGNORECASE),   # a cased non-ASCII literal can only meet text a twin never sees
    ("(unbalanced", re.IGNORECASE),
])
def test_patterns_without_a_twin(pattern, flags):
    assert lowered_twin(pattern, flags) is None


def test_notes_with_cased_non_ascii_characters_use_the_original_patterns():
    assert twin_ok("L4\u20135, 40\u00b0C, \u2022 bullet")      # dash, degree sign, bullet: uncased
    assert not twin_ok("Patient: Jos\u00e9 \u00c1lvarez")     # accented letters are cased
    assert not twin_ok("\u017faline")                          # ſ folds to s
    note = NoteForScan.of("Dr. Jos\u00e9 injected 1 mL \u017faline under FLUOROSCOPY")
    assert not note.twin_exact and not note.skip_exact
    pattern = re.compile(r"saline|fluoroscopy", re.IGNORECASE)
    assert list(pattern_spans(pattern, note)) == [m.span() for m in pattern.finditer(note.text)] != []


def test_uncased_characters_are_case_insensitively_equal_only_to_themselves():
    """What twin_ok relies on: no other character lower-cases to an uncased one, and Python's regex
    engine lists no extra case-insensitive equivalents for one."""
    from re._casefix import _EXTRA_CASES

    uncased_targets = set()
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        lower = char.lower()
        if len(lower) == 1 and lower != char and lower == lower.upper():
            uncased_targets.add(lower)
    assert not uncased_targets
    for key, values in _EXTRA_CASES.items():
        for code in (key, *values):
            char = chr(code)
            assert not (char.lower() == char == char.upper())
