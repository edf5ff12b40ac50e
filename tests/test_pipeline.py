"""The pipeline as spaCy components: registered factories, one shared Language, silent third-party loggers."""

import io
import logging

import pytest
import spacy

from notecheck.pipeline import build_nlp, get_nlp
from notecheck.sentences import ClinicalSentenceSplitter


def test_pipeline_is_built_from_medspacy_parts_and_notecheck_factories():
    names = get_nlp().pipe_names
    assert names == ["notecheck_sentences", "notecheck_sectionizer", "notecheck_targets", "notecheck_context",
                     "notecheck_scope", "notecheck_extractor"]


def test_pipeline_is_shared_per_process():
    assert get_nlp() is get_nlp()


def test_notecheck_sentence_splitter_can_be_added_to_another_pipeline():
    import notecheck.sentences  # noqa: F401  (registers the factory)

    nlp = spacy.blank("en")
    nlp.add_pipe("notecheck_sentences")
    doc = nlp("PROCEDURE:\nBilateral L4-5 facet injections.\n\nThe patient tolerated it well. Dr. Smith left.")
    sents = [s.text.strip() for s in doc.sents]
    assert "The patient tolerated it well." in sents
    assert not any(s == "Dr." for s in sents)  # an abbreviation does not end a sentence


def test_sentence_splitter_keeps_wrapped_lines_together_and_splits_list_lines():
    nlp = spacy.blank("en")
    nlp.add_pipe("notecheck_sentences")
    doc = nlp("The needle was advanced to the\nleft L4-5 facet joint.\n- Side: left\n- Level: L4-5")
    sents = [s.text.strip() for s in doc.sents]
    assert sents[0] == "The needle was advanced to the\nleft L4-5 facet joint."
    assert "- Side: left" in sents and "- Level: L4-5" in sents
    assert isinstance(nlp.get_pipe("notecheck_sentences"), ClinicalSentenceSplitter)


@pytest.mark.parametrize("text, expected", [
    # lower-case typing: a clause opener after a full stop starts a sentence ...
    ("omnipaque showed an arthrogram, no vascular runoff. then kenalog 20mg was injected.",
     ["omnipaque showed an arthrogram, no vascular runoff.", "then kenalog 20mg was injected."]),
    # ... an abbreviation or an ordinary word does not
    ("approx. then 2 mL", ["approx. then 2 mL"]),
    ("the joint was entered. bupivacaine was given.", ["the joint was entered. bupivacaine was given."]),
])
def test_sentence_splitter_on_lower_case_notes(text, expected):
    nlp = spacy.blank("en")
    nlp.add_pipe("notecheck_sentences")
    assert [s.text.strip() for s in nlp(text).sents] == expected


def test_extraction_is_on_the_doc():
    doc = get_nlp()("PROCEDURE: Right L4-5 facet joint injection under fluoroscopy. The patient tolerated it well.")
    assert doc._.notecheck.levels[0].joint == "L4-L5"
    assert any(m.label == "LEVEL" and m.current for m in doc._.nc_mentions)


def test_a_pipeline_without_extractor_stops_at_scope():
    nlp = build_nlp(extract=False)
    assert "notecheck_extractor" not in nlp.pipe_names
    doc = nlp("PROCEDURE: Right L4-5 facet joint injection.")
    assert doc._.nc_mentions


def test_third_party_loggers_do_not_print_note_text(capfd):
    """PyRuSH logs every token at DEBUG through loguru; building and running the pipeline must stay silent."""
    from loguru import logger

    sink = io.StringIO()
    handler = logger.add(sink, level="DEBUG")
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        nlp = build_nlp()
        nlp("PROCEDURE: Right L4-5 facet joint injection ZZSECRET under fluoroscopy.")
        from medspacy.sentence_splitting import PyRuSHSentencizer  # the component that logs

        rush = PyRuSHSentencizer(nlp) if callable(PyRuSHSentencizer) else None
        if rush is not None:
            rush(spacy.blank("en")("Needle placed ZZSECRET. Tolerated well."))
    finally:
        logger.remove(handler)
        logging.getLogger().setLevel(logging.WARNING)
    captured = capfd.readouterr()
    assert "ZZSECRET" not in sink.getvalue()
    assert "ZZSECRET" not in captured.err


def test_faster_regex_matcher_finds_what_medspacys_own_finds():
    """The drop-in RegexMatcher.__call__ must return exactly medspaCy's matches (same ids, spans, order),
    whether or not the note's text was stored on the Doc (doctext.py)."""
    import glob

    from medspacy.common.regex_matcher import RegexMatcher

    from notecheck.doctext import doc_text

    nlp = get_nlp()
    matchers = [nlp.get_pipe("notecheck_sectionizer")._Sectionizer__matcher._MedspacyMatcher__regex_matcher,
                nlp.get_pipe("notecheck_context")._ConText__matcher._MedspacyMatcher__regex_matcher]
    notes = sorted(glob.glob("corpora/dev*/*.txt"))[:25]
    assert notes
    for path in notes:
        doc = nlp.make_doc(open(path, encoding="utf-8").read())
        for matcher in matchers:
            assert RegexMatcher.__call__(matcher, doc) == RegexMatcher._original_call(matcher, doc)
        assert doc._.notecheck_text is None  # a Doc from another pipeline is left as it was
        doc_text(doc)
        for matcher in matchers:
            assert RegexMatcher.__call__(matcher, doc) == RegexMatcher._original_call(matcher, doc)


def test_doc_text_is_stored_once_and_read_again_for_a_different_doc():
    import warnings

    from spacy.tokens import Doc

    from notecheck.doctext import doc_text

    nlp = get_nlp()
    first, second = nlp.make_doc("Left L4-5 facet injection.  "), nlp.make_doc("\nTolerated well.")
    assert doc_text(first) == first.text and first._.notecheck_text == first.text
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        merged = Doc.from_docs([first, second], ensure_whitespace=False)
    assert not any("L4-5" in str(w.message) for w in caught)  # spaCy names the extension, never the note
    merged._.notecheck_text = first.text  # as if a stale text had been carried over
    assert doc_text(merged) == merged.text
    assert doc_text(nlp.make_doc("")) == ""
