"""`notecheck_sectionizer` gives the same sections, sentence starts and token sections as medspaCy's."""

from pathlib import Path

import pytest

from notecheck.pipeline import build_nlp
from notecheck.sectionizer import BulkSectionizer

CORPORA = Path(__file__).resolve().parents[1] / "corpora"


@pytest.fixture(scope="module")
def pipelines():
    stock = build_nlp(extract=False, sectionizer_factory="medspacy_sectionizer")
    ours = build_nlp(extract=False)
    return stock, ours


def section_signature(doc):
    sections = [(s.category, s.title_start, s.title_end, s.body_start, s.body_end,
                 s.parent.category if s.parent is not None else None) for s in doc._.sections]
    token_sections = [None if t._.section is None else (t._.section.category, t._.section.section_span) for t in doc]
    return sections, [t.is_sent_start for t in doc], token_sections, [t._.section_category for t in doc]


def test_same_sections_as_medspacy_on_every_annotated_note(pipelines):
    stock, ours = pipelines
    assert isinstance(ours.get_pipe("notecheck_sectionizer"), BulkSectionizer)
    paths = sorted(CORPORA.glob("**/*.txt"))
    assert len(paths) > 300
    differing = [p.name for p in paths
                 if section_signature(stock(p.read_text(encoding="utf-8"))) != section_signature(ours(p.read_text(encoding="utf-8")))]
    assert differing == []


@pytest.mark.parametrize("text", ["", "no headings at all", "PROCEDURE:", "PROCEDURE: left L4-5\nPLAN: follow up\n"])
def test_same_sections_on_edge_cases(pipelines, text):
    stock, ours = pipelines
    assert section_signature(stock(text)) == section_signature(ours(text))


def test_token_sections_are_set(pipelines):
    doc = pipelines[1]("INDICATION: low back pain.\nPROCEDURE: Left L4-5 facet injection.")
    categories = {t._.section_category for t in doc}
    assert {"indication", "procedure"} <= categories
