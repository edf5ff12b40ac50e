"""The `notecheck_sectionizer` component: medspaCy's Sectionizer with the same rules and the same results,
without a Python call per token.

Why: after finding the headings, medspaCy's Sectionizer writes ``token._.section`` token by token through
spaCy's extension machinery (an ``Underscore`` object and a key per token) — measured here, three quarters
of the component's time. This one writes the same values into ``doc.user_data`` under the key spaCy uses
for a token extension, ``("._.", name, token.idx, None)``, in one update per section, so
``token._.section`` reads exactly as before. Everything else is medspaCy's code path: the matcher, the
start/end-line filters, parent sections, scopes and span attributes. `tests/test_sectionizer.py` checks
sections, sentence starts and every token's section against medspaCy's on every annotated note.
"""

from typing import Any, Dict, Optional, Union

from medspacy.section_detection import Sectionizer
from medspacy.section_detection.section import Section
from spacy.attrs import IDX
from spacy.language import Language
from spacy.tokens import Doc


@Language.factory("notecheck_sectionizer", default_config={
    "rules": "default", "language_code": "en", "max_section_length": None, "phrase_matcher_attr": "LOWER",
    "require_start_line": False, "require_end_line": False, "newline_pattern": r"[\n\r]+[\s]*$",
    "input_span_type": "ents", "span_group_name": "medspacy_spans", "span_attrs": "default",
    "apply_sentence_boundary": False,
})
def make_sectionizer(nlp: Language, name: str, rules: Optional[str], language_code: str,
                     max_section_length: Optional[int], phrase_matcher_attr: str, require_start_line: bool,
                     require_end_line: bool, newline_pattern: str, input_span_type: Optional[str],
                     span_group_name: str, span_attrs: Union[str, Dict[str, Dict[str, Any]], None],
                     apply_sentence_boundary: bool) -> "BulkSectionizer":
    """The same settings as ``medspacy_sectionizer``."""
    return BulkSectionizer(
        nlp, name=name, rules=rules, language_code=language_code, max_section_length=max_section_length,
        phrase_matcher_attr=phrase_matcher_attr, require_start_line=require_start_line,
        require_end_line=require_end_line, newline_pattern=newline_pattern, input_span_type=input_span_type,
        span_group_name=span_group_name, span_attrs=span_attrs, apply_sentence_boundary=apply_sentence_boundary)


class BulkSectionizer(Sectionizer):
    """medspaCy's Sectionizer writing ``token._.section`` in bulk (see the module docstring)."""

    def __call__(self, doc: Doc) -> Doc:
        # medspaCy's Sectionizer.__call__, except where marked.
        matcher = self._Sectionizer__matcher
        matches = matcher(doc)
        if self.require_start_line:
            matches = self.filter_start_lines(doc, matches)
        if self.require_end_line:
            matches = self.filter_end_lines(doc, matches)
        if self._parent_sections:
            matches = self.set_parent_sections(matches)

        doc._.sections = []
        if len(matches) == 0:
            doc._.sections.append(Section(None, 0, 0, 0, len(doc)))
            return doc

        section_list = []
        if matches[0][1] != 0:
            section_list.append(Section(None, 0, 0, 0, matches[0][1]))
        for i, match in enumerate(matches):
            parent = None
            if len(match) == 4:
                match_id, start, end, parent_idx = match
                if parent_idx is not None:
                    parent = section_list[parent_idx]
            else:
                match_id, start, end = match
            if self._apply_sentence_boundary:
                # a heading starts a sentence, and so does the text after it
                doc[start].is_sent_start = True
                if end < len(doc):
                    doc[end].is_sent_start = True
            rule = matcher.rule_map[self.nlp.vocab.strings[match_id]]
            if i == len(matches) - 1:
                body_end = len(doc)
                if self.max_section_length is not None or rule.max_scope is not None:
                    scope = rule.max_scope if rule.max_scope is not None else self.max_section_length
                    body_end = min(end + scope, doc[-1].i + 1)
            else:
                body_end = matches[i + 1][1]
                if self.max_section_length is not None or rule.max_scope is not None:
                    scope = rule.max_scope if rule.max_scope is not None else self.max_section_length
                    body_end = min(end + scope, body_end)
            section_list.append(Section(rule.category, start, end, end, body_end, parent, rule))

        # Changed: token._.section in one dict update per section, under spaCy's own key for it.
        offsets = doc.to_array([IDX]).tolist()
        for section in section_list:
            doc._.sections.append(section)
            start, end = section.section_span
            doc.user_data.update({("._.", "section", offset, None): section for offset in offsets[start:end]})

        if self.assertion_attributes_mapping:
            if self._input_span_type.lower() == "ents":
                self.set_assertion_attributes(doc.ents)
            elif self._input_span_type.lower() == "group":
                self.set_assertion_attributes(doc.spans[self._span_group_name])
        return doc
