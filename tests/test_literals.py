"""Required literals: a rule scan is skipped only where the rule cannot match."""

import re
import sys
from pathlib import Path

import pytest

from notecheck.literals import CASE_FOLD_EXCEPTIONS, can_skip, might_match, required_literals
from notecheck.pipeline import build_nlp, get_nlp
from notecheck.recognizers import history

CORPORA = Path(__file__).resolve().parents[1] / "corpora"


@pytest.mark.parametrize("pattern, expected", [
    ("physical therapy|physiotherapy|(?-i:\\bPT\\b)", {"physical therapy", "physiotherapy", "pt"}),
    (r"\d+ mg", {" mg"}),
    (r"(?<![A-Za-z])(?:(?:fluoro(?:scopy)?)|(?:c-arm))(?![A-Za-z])", {"fluoro", "c-arm"}),
    (r"(?!foo)bar", {"bar"}),                # a negative lookahead requires nothing
    (r"(?=.*kenalog)x", {"kenalog"}),        # a positive one requires its text in the note
    (r"(?:abc)+", {"abc"}),
    (r"(?:abc)*def", {"def"}),               # what may repeat zero times is not required
    (r"ab(?:c|d)efgh", {"efgh"}),            # the most selective part of a sequence
    ("\u00b5g", {"g"}),                      # a non-ASCII literal is never required text
    (r"KENALOG", {"kenalog"}),               # compared lower-case
])
def test_required_literals(pattern, expected):
    assert set(required_literals(pattern, re.IGNORECASE)) == set(expected)


@pytest.mark.parametrize("pattern", [r"\d+", r"x?", r"(?:a|\d)", r"(?:foo|)", r"[a-z]+", "(unbalanced"])
def test_patterns_without_required_text_are_always_scanned(pattern):
    assert required_literals(pattern, re.IGNORECASE) is None
    assert might_match(None, "")


def test_case_fold_exceptions_are_every_character_that_folds_to_ascii_unlike_str_lower():
    letter = re.compile("[a-z]", re.IGNORECASE)
    found = set()
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        if letter.fullmatch(char) and not (len(char.lower()) == 1 and char.lower().isascii()):
            found.add(char)
    assert found == set(CASE_FOLD_EXCEPTIONS)


def test_a_note_with_a_case_fold_exception_is_scanned_in_full():
    assert not can_skip("1 mL \u017faline")  # "ſaline": matches "saline" case-insensitively, lower() keeps ſ
    doc = get_nlp()("Left L4-5 facet joint injection under fluoroscopy with 1 mL \u017faline. Tolerated well.")
    assert [m for m in doc._.nc_mentions if m.label == "DRUG" and m.text == "\u017faline"]


def all_rule_patterns():
    nlp = build_nlp(extract=False)
    patterns = [pattern for _, pattern in nlp.get_pipe("notecheck_targets").rules]
    for name, attribute in (("notecheck_context", "_ConText__matcher"), ("notecheck_sectionizer", "_Sectionizer__matcher")):
        matcher = getattr(nlp.get_pipe(name), attribute)._MedspacyMatcher__regex_matcher
        patterns += [p for group in matcher._patterns.values() for p in group]

    def walk(value):
        if isinstance(value, re.Pattern):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from walk(item)

    from notecheck.recognizers.context import _NOT_NOW

    return patterns + list(walk(history._patterns())) + [_NOT_NOW]


def test_no_rule_is_skipped_where_it_matches():
    """Every rule pattern in the resources, on every annotated note: skipped means no match."""
    patterns = all_rule_patterns()
    assert len(patterns) > 150
    notes = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("**/*.txt"))]
    skipped = 0
    for text in notes:
        lowered = text.lower()
        for pattern in patterns:
            if not might_match(required_literals(pattern.pattern, pattern.flags), lowered):
                skipped += 1
                assert pattern.search(text) is None, pattern.pattern[:80]
    assert skipped > len(notes) * len(patterns) / 5  # and the check does skip a good share of scans


def test_lower_casing_keeps_offsets_wherever_the_checks_are_used():
    """Sentence candidates are found by position in the lower-cased note: only "İ" lower-cases to two
    characters, and can_skip refuses notes holding it."""
    longer = {chr(c) for c in range(sys.maxunicode + 1) if len(chr(c).lower()) != 1}
    assert longer == {"\u0130"} and "\u0130" in CASE_FOLD_EXCEPTIONS


def test_sentence_candidates_skip_only_sentences_that_cannot_match():
    from notecheck.recognizers.context import NoteContext

    nlp = get_nlp()
    pattern = history._patterns()["care"]["NSAIDs"]
    for path in sorted(CORPORA.glob("dev*/*.txt"))[:80]:
        doc = nlp(path.read_text(encoding="utf-8"))
        ctx = NoteContext(doc.text, doc._.nc_mentions, doc._.nc_sentences)
        for s in ctx.sentences:
            assert ctx.spans_in(pattern, s) == [m.span() for m in pattern.finditer(s.text)]
            assert ctx.found_in(pattern, s) == bool(pattern.search(s.text))
            assert ctx.may_hold(pattern, s) or not pattern.search(s.text)
    score = history._patterns()["score"]
    for path in sorted(CORPORA.glob("dev*/*.txt"))[::7]:
        doc = nlp(path.read_text(encoding="utf-8"))
        ctx = NoteContext(doc.text, doc._.nc_mentions, doc._.nc_sentences)
        assert all(ctx.may_hold(score, s) or not score.search(s.text) for s in ctx.sentences)
