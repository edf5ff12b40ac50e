"""`notecheck_context` gives the same ConText graph as medspaCy's own `medspacy_context`, only faster."""

from pathlib import Path

import pytest
import spacy

from notecheck.context import SentenceScopedConText, SentenceScopedGraph, sentence_index
from notecheck.pipeline import build_nlp, context_rules
from notecheck.scope import SPAN_GROUP

CORPORA = Path(__file__).resolve().parents[1] / "corpora"


@pytest.fixture(scope="module")
def pipelines():
    return build_nlp(extract=False, context_factory="medspacy_context"), build_nlp(extract=False)


def graph_signature(doc):
    """Everything ConText decided: each modifier's span and final scope, each edge, each target's modifiers."""
    graph = doc._.context_graph
    modifiers = [(m.category, m.modifier_span, m.scope_span, tuple((t.start, t.end) for t in m._targets))
                 for m in graph.modifiers]
    edges = [((t.start, t.end, t.label_), m.modifier_span) for t, m in graph.edges]
    targets = [(s.start, s.end, s.label_, tuple((m.category, m.modifier_span) for m in s._.modifiers))
               for s in doc.spans[SPAN_GROUP]]
    return modifiers, edges, targets


def test_same_graph_as_medspacy_on_every_annotated_note(pipelines):
    stock, ours = pipelines
    paths = sorted(CORPORA.glob("**/*.txt"))
    assert len(paths) > 300
    differing = [p.name for p in paths
                 if graph_signature(stock(p.read_text(encoding="utf-8"))) != graph_signature(ours(p.read_text(encoding="utf-8")))]
    assert differing == []


@pytest.mark.parametrize("text", [
    "",
    "No fluoroscopy",
    # modifiers and targets in neighbouring sentences, a terminator, a forward scope at a sentence end
    "The patient has a history of L4-5 facet injections. No fluoroscopy was used; Kenalog was not given. "
    "Without",
    "Prior RFA at L3-4 and L4-5 but today only L5-S1 was injected without contrast.\nPlan: repeat L4-5 block.",
])
def test_same_graph_on_edge_cases(pipelines, text):
    stock, ours = pipelines
    assert graph_signature(stock(text)) == graph_signature(ours(text))


def test_it_pairs_fewer_modifiers_than_medspacy(pipelines, monkeypatch):
    """The point of the component: modifiers in different sentences are never compared."""
    from medspacy.context import ConTextModifier

    calls = {"n": 0}
    original = ConTextModifier.limit_scope

    def counting(self, other):
        calls["n"] += 1
        return original(self, other)

    monkeypatch.setattr(ConTextModifier, "limit_scope", counting)
    text = "\n".join(f"History of L{i}-{i + 1} injection without fluoroscopy." for i in range(1, 5)) * 3
    stock, ours = pipelines
    stock(text)
    stock_calls, calls["n"] = calls["n"], 0
    ours(text)
    assert 0 < calls["n"] < stock_calls / 4


def test_window_scope_falls_back_to_medspacy_graph():
    """With ``max_scope`` a modifier's window may cross sentences: medspaCy's own graph is used."""
    import notecheck.sentences, notecheck.targets  # noqa: F401  (register their factories)

    docs = []
    for factory in ("medspacy_context", "notecheck_context"):
        nlp = spacy.blank("en")
        nlp.add_pipe("notecheck_sentences")
        nlp.add_pipe("notecheck_targets", config={"span_group": SPAN_GROUP})
        component = nlp.add_pipe(factory, config={"rules": None, "max_scope": 6, "input_span_type": "group",
                                                  "span_group_name": SPAN_GROUP, "span_attrs": None})
        component.add(context_rules())
        docs.append(nlp("Fluoroscopy was not used. Kenalog given. No contrast. L4-5 injected."))
    assert isinstance(component, SentenceScopedConText)
    assert type(docs[1]._.context_graph) is not SentenceScopedGraph
    stock = docs[0]
    assert any(m.scope_span[1] > stock[m.modifier_span[0]].sent.end for m in stock._.context_graph.modifiers)
    assert graph_signature(docs[0]) == graph_signature(docs[1])


def test_sentence_index_covers_every_token():
    nlp = spacy.blank("en")
    nlp.add_pipe("notecheck_sentences")
    doc = nlp("PROCEDURE:\nLeft L4-5.\n\nTolerated well. Dr. Lee.")
    sentence_of, bounds = sentence_index(doc)
    assert len(sentence_of) == len(doc)
    assert bounds == [(s.start, s.end) for s in doc.sents]
    assert all(bounds[n][0] <= i < bounds[n][1] for i, n in enumerate(sentence_of))
