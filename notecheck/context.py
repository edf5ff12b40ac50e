"""The `notecheck_context` component: medspaCy's ConText, with the same rules and the same results, in time
that grows with the modifiers and targets of each sentence instead of the whole note.

Why: medspaCy's ConTextGraph compares every modifier with every other modifier (``update_scopes``) and
every target with every modifier (``apply_modifiers``), and re-reads the span group for each modifier while
pruning. A 1,500-word note has ~150 modifiers and ~300 targets, so most of ConText's time went on pairs
in different sentences, which can never interact. Measured here that was ~60 % of ConText's time.

When every modifier's span and scope lie inside its own sentence — always, with sentence scopes and no
window (``max_scope``) on the component — a modifier in one sentence can neither limit the scope of one
in another nor reach its targets, so ``SentenceScopedGraph`` only compares modifiers of one sentence and
only offers a modifier the targets its scope can overlap. It calls medspaCy's own ``limit_scope`` and
``modifies`` on those pairs in medspaCy's order, so scopes, edges and their order are the same. Any doc
where the premise fails (a modifier straddling a sentence boundary, a window scope) takes medspaCy's
own code. `tests/test_context.py` checks both give the same graph on every annotated note.
"""


from bisect import bisect_left, bisect_right
from typing import Any, Dict, Iterable, Optional, Set

from medspacy.context import ConText, ConTextGraph, ConTextModifier
from medspacy.util import tuple_overlaps
from spacy.language import Language
from spacy.tokens import Doc


class SentenceScopedGraph(ConTextGraph):
    """A ConTextGraph that pairs modifiers and targets sentence by sentence (see the module docstring)."""

    def __init__(self, sentence_of: list[int], sentence_bounds: list[tuple[int, int]], **kwargs):
        super().__init__(**kwargs)
        self._sentence_of = sentence_of  # token index -> sentence number
        self._bounds = sentence_bounds  # sentence number -> (first token, end token)

    def _sentence_groups(self) -> list[list[ConTextModifier]] | None:
        """Modifiers by sentence, in their original order; None if one strays outside its sentence."""
        groups: dict[int, list[ConTextModifier]] = {}
        for modifier in self.modifiers:
            start, end = modifier.modifier_span
            sentence = self._sentence_of[start]
            first, stop = self._bounds[sentence]
            scope_start, scope_end = modifier.scope_span
            if end > stop or scope_start is None or scope_end is None or scope_start < first or scope_end > stop:
                return None
            groups.setdefault(sentence, []).append(modifier)
        return list(groups.values())

    def update_scopes(self):
        """medspaCy's pairwise scope limiting, within each sentence only.

        Across sentences it is a no-op: a forward scope is cut at a later modifier's start, which lies at
        or after the end of this sentence, and a backward scope at an earlier modifier's end, at or before
        its start."""
        groups = self._sentence_groups()
        if groups is None:
            return super().update_scopes()
        for modifiers in groups:
            for i in range(len(modifiers) - 1):
                modifier1 = modifiers[i]
                for j in range(i + 1, len(modifiers)):
                    modifier2 = modifiers[j]
                    modifier1.limit_scope(modifier2)
                    modifier2.limit_scope(modifier1)

    def apply_modifiers(self):
        """medspaCy's target/modifier pairing, offering each modifier only the targets its scope overlaps."""
        if self._sentence_groups() is None:
            return super().apply_modifiers()
        targets = list(self.targets)  # a SpanGroup builds a new Span on every iteration
        spans = [(target.start, target.end) for target in targets]
        if self.prune_on_modifier_overlap:
            covering: dict[int, list[int]] = {}
            for index, (start, end) in enumerate(spans):
                for token in range(start, end):
                    covering.setdefault(token, []).append(index)
            kept = []
            for modifier in self.modifiers:
                span = modifier.modifier_span
                near = {index for token in range(*span) for index in covering.get(token, ())}
                if not any(tuple_overlaps(spans[index], span) for index in near):
                    kept.append(modifier)
            self.modifiers = kept

        by_start = sorted(range(len(spans)), key=lambda index: spans[index][0])
        starts = [spans[index][0] for index in by_start]
        by_end = sorted(range(len(spans)), key=lambda index: spans[index][1])
        ends = [spans[index][1] for index in by_end]
        for modifier in self.modifiers:
            scope_start, scope_end = modifier.scope_span
            # tuple_overlaps(scope, target): the target starts in [scope_start, scope_end) or ends in
            # (scope_start, scope_end]; no other target can be modified.
            near = set(by_start[bisect_left(starts, scope_start):bisect_left(starts, scope_end)])
            near.update(by_end[bisect_right(ends, scope_start):bisect_right(ends, scope_end)])
            for index in sorted(near):  # target order, as medspaCy's outer loop
                if modifier.modifies(targets[index]):
                    modifier.modify(targets[index])

        edges = []
        for modifier in self.modifiers:
            modifier.reduce_targets()
            for target in modifier._targets:
                edges.append((target, modifier))
        self.edges = edges


class _Sentence:
    __slots__ = ("start", "end", "sent")

    def __init__(self, start: int, end: int):
        self.start, self.end = start, end
        self.sent = self  # table[i].sent is token i's sentence


class _SentenceTable:
    """Stands in for the Doc while a ConTextModifier sets its scope, which only asks ``doc[i].sent``:
    here a lookup, where spaCy's ``Token.sent`` rescans the whole Doc's annotations on every call."""

    def __init__(self, sentence_of: list[int], bounds: list[tuple[int, int]]):
        self._sentence_of = sentence_of
        self._sentences = [_Sentence(start, end) for start, end in bounds]

    def __getitem__(self, i: int) -> _Sentence:
        return self._sentences[self._sentence_of[i]]


def sentence_index(doc: Doc) -> tuple[list[int], list[tuple[int, int]]]:
    """Token index -> sentence number, and each sentence's (first token, end token)."""
    sentence_of: list[int] = []
    bounds: list[tuple[int, int]] = []
    for number, sent in enumerate(doc.sents):
        sentence_of.extend([number] * (sent.end - sent.start))
        bounds.append((sent.start, sent.end))
    return sentence_of, bounds


@Language.factory("notecheck_context", default_config={
    "rules": "default", "language_code": "en", "phrase_matcher_attr": "LOWER", "allowed_types": None,
    "excluded_types": None, "terminating_types": None, "max_scope": None, "max_targets": None,
    "prune_on_modifier_overlap": True, "prune_on_target_overlap": False, "span_attrs": "default",
    "input_span_type": "ents", "span_group_name": "medspacy_spans",
})
def make_context(nlp: Language, name: str, rules: Optional[str], language_code: str, phrase_matcher_attr: str,
                 allowed_types: Optional[Set[str]], excluded_types: Optional[Set[str]],
                 terminating_types: Optional[Dict[str, Iterable[str]]], max_scope: Optional[int],
                 max_targets: Optional[int], prune_on_modifier_overlap: bool, prune_on_target_overlap: bool,
                 span_attrs: Any, input_span_type: str, span_group_name: str) -> "SentenceScopedConText":
    """The same settings as ``medspacy_context``."""
    return SentenceScopedConText(
        nlp, name=name, rules=rules, language_code=language_code, phrase_matcher_attr=phrase_matcher_attr,
        allowed_types=allowed_types, excluded_types=excluded_types, terminating_types=terminating_types,
        max_scope=max_scope, max_targets=max_targets, prune_on_modifier_overlap=prune_on_modifier_overlap,
        prune_on_target_overlap=prune_on_target_overlap, span_attrs=span_attrs, input_span_type=input_span_type,
        span_group_name=span_group_name)


class SentenceScopedConText(ConText):
    """medspaCy's ConText component with `SentenceScopedGraph` (see the module docstring)."""

    def __call__(self, doc: Doc, targets: str = None) -> Doc:
        # medspaCy's ConText.__call__, but for the graph it builds.
        if not targets and self.input_span_type == "ents":
            targets = doc.ents
        elif not targets and self.input_span_type == "group":
            targets = doc.spans[self.span_group_name]
        elif targets:
            targets = getattr(doc._, targets)
        matcher = self._ConText__matcher
        if self.max_scope:  # window scopes may cross sentences: medspaCy's graph as is
            graph = ConTextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
            scope_doc = doc
        else:
            sentence_of, bounds = sentence_index(doc)
            graph = SentenceScopedGraph(sentence_of, bounds, prune_on_modifier_overlap=self.prune_on_target_overlap)
            scope_doc = _SentenceTable(sentence_of, bounds)
        graph.targets = targets
        graph.modifiers = []
        for match_id, start, end in matcher(doc):
            rule = matcher.rule_map[self.nlp.vocab.strings[match_id]]  # vocab[id].text builds a Lexeme
            graph.modifiers.append(ConTextModifier(rule, start, end, scope_doc, max_scope=self.max_scope))
        graph.update_scopes()
        graph.apply_modifiers()
        for target, modifier in graph.edges:
            target._.modifiers += (modifier,)
        if self.context_attributes_mapping:
            self.set_context_attributes(graph.edges)
        doc._.context_graph = graph
        return doc
