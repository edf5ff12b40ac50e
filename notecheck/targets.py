"""The `notecheck_targets` component: medspaCy TargetRules (resources/target_rules.json, drugs.json)
matched as regular expressions over the note, results in a span group for ConText.

Why not medspaCy's TargetMatcher for these rules: its regex matcher rebuilds ``doc.text_with_ws`` once
per rule and resolves every match to tokens in Python; measured here that was ~13 ms of a ~21 ms note.
This component reads the same TargetRule objects, scans ``doc.text`` once per rule and lets spaCy align
the match to tokens (``char_span(..., alignment_mode="expand")``, as medspaCy does) — same spans, a
fraction of the time. Scans take scan.py's two exact shortcuts: a rule none of whose required words
occur in the note is not scanned at all (about two thirds of the rules, in a typical note), and the
others run as case-sensitive twins on the lower-cased note.
"""

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from .doctext import doc_scan
from .scan import pattern_spans
from .scope import SPAN_GROUP

if not Span.has_extension("target_rule"):
    Span.set_extension("target_rule", default=None)


@Language.factory("notecheck_targets", default_config={"span_group": SPAN_GROUP})
def make_targets(nlp: Language, name: str, span_group: str) -> "TargetFinder":
    from .pipeline import target_rules

    return TargetFinder(target_rules(), span_group)


class TargetFinder:
    def __init__(self, rules, span_group: str = SPAN_GROUP):
        self.span_group = span_group
        self.rules = [(rule, re.compile(rule.pattern, re.IGNORECASE)) for rule in rules]

    def __call__(self, doc: Doc) -> Doc:
        note = doc_scan(doc)
        spans: list[Span] = []
        rules = []
        for rule, pattern in self.rules:
            for start, end in pattern_spans(pattern, note):
                span = doc.char_span(start, end, label=rule.category, alignment_mode="expand")
                if span is None or not len(span):
                    continue
                spans.append(span)
                rules.append(rule)
        doc.spans[self.span_group] = spans
        for span, rule in zip(doc.spans[self.span_group], rules):
            span._.target_rule = rule
        return doc
