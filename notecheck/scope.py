"""Which target mentions describe *this* procedure — the `notecheck_scope` component.

Runs after medspaCy's Sectionizer, TargetMatcher and ConText. For every target span it records a
`Mention`: what was found, where, in which section and sentence, and whether it counts (current) or
why not (the section it is in, or the ConText modifier that scopes it out: history, plan, consent,
imaging report, generic technique text). Recognizers read only these plain records.
"""


import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from . import resources
from .checkboxes import BoxIndex
from .doctext import doc_text

SPAN_GROUP = "notecheck"
#: The mention types the sentence model was trained to judge (sentence_model.SITE_LABELS, and nerves).
MODEL_LABELS = {"LEVEL", "LEVEL_CONT", "NERVE", "DRUG", "GUIDANCE"}

if not Doc.has_extension("nc_mentions"):
    Doc.set_extension("nc_mentions", default=None)
if not Doc.has_extension("nc_sentences"):
    Doc.set_extension("nc_sentences", default=None)
if not Doc.has_extension("nc_boxes"):
    Doc.set_extension("nc_boxes", default=None)  # the note's checkboxes (checkboxes.BoxIndex), found once


@dataclass
class Sentence:
    index: int
    start: int  # character offsets into the note
    end: int
    section: str | None
    text: str
    excluded_by_section: bool
    generic_technique: bool = False
    #: Token index where this sentence's section heading starts (-1 before any heading).
    section_start: int = -1


@dataclass
class Mention:
    label: str
    start: int
    end: int
    text: str
    sentence: int
    section: str | None
    current: bool
    negated: bool
    reason: str  # why it counts or not, for explanations and debugging
    meta: dict[str, Any] = field(default_factory=dict)
    modifiers: tuple[str, ...] = ()


@Language.factory("notecheck_scope", default_config={"span_group": SPAN_GROUP, "model_path": None})
def make_scope(nlp: Language, name: str, span_group: str, model_path: str | None) -> "TargetScope":
    return TargetScope(span_group, model_path)


class TargetScope:
    """Decides scope from sections and ConText; where neither decides (a sentence with no heading and no
    cue word), an optional learned sentence model does (sentence_model.py)."""

    def __init__(self, span_group: str = SPAN_GROUP, model_path: str | None = None):
        table = resources.load("scope.json")
        self.span_group = span_group
        self.model = None
        if model_path:
            from .sentence_model import load_model

            self.model = load_model(Path(model_path))
        self.model_threshold = float(table["sentence_model"]["threshold"])
        rescue = table["sentence_model"].get("rescue_threshold")
        self.rescue_threshold = float(rescue) if rescue is not None else None
        self.model_sections = set(table["sentence_model"]["sections"])
        self.current_sections = set(table["sections"]["current"])
        self.excluded_sections = set(table["sections"]["excluded"])
        self.excluding = set(table["excluding_modifiers"])
        self.negating = set(table["negating_modifiers"])
        self.unknown_heading = re.compile(table["unknown_heading"])
        self.one_line_sections = set(table["sections"]["ended_by_any_heading"])
        self.paragraph_sections = set(table["sections"]["ended_by_blank_line"])
        self.inline_paragraph_sections = set(table["sections"]["ended_by_blank_line_if_inline"])
        self.list_sections = set(table["sections"]["ended_by_numbered_list"])
        self.one_line_heading = re.compile(table["one_line_headings"]["pattern"], re.I)
        self.content_decided = {
            category: (re.compile(rule["current_if"], re.I), re.compile(rule["unless"], re.I), rule["current"], rule["excluded"])
            for category, rule in table["content_decided_sections"].items() if not category.startswith("_")
        }
        self.heading_value_negation = re.compile(table["heading_value_negation"]["pattern"], re.I)
        self.field_value_negation = re.compile(table["field_value_negation"]["pattern"], re.I)
        self.imaging_report = re.compile(table["imaging_report_sentence"]["pattern"], re.I)
        self.findings_pathology = re.compile(table["findings_pathology_sentence"]["pathology"], re.I)
        self.findings_done = re.compile(table["findings_pathology_sentence"]["done"], re.I)
        self.level_led = re.compile(table["findings_pathology_sentence"]["level_led"], re.I)
        self.unfilled_template = re.compile(table["unfilled_template"]["pattern"])
        self.placeholder_value = re.compile(table["placeholder_value"]["pattern"])
        generic = table["generic_technique_sentence"]
        self.generic = tuple(re.compile(generic[k], re.I) for k in ("starts", "present", "past"))
        self.teaching = re.compile(table["teaching_paragraph"]["pattern"])
        self.copied_start = re.compile(table["copied_note"]["start"])
        self.copied_end = re.compile(table["copied_note"]["end"])
        done_today = table["done_today_sentence"]
        self.done_today = re.compile(done_today["pattern"], re.I)
        self.done_today_sections = set(done_today["sections"])

    def _apply_model(self, mentions: list[Mention], sentences: list[Sentence]) -> None:
        """Sentences the rules left undecided (no heading that settles it, no ConText cue) go to the model;
        mentions in those it judges not to describe today's procedure are scoped out."""
        from .sentence_model import features

        judged = [m for m in mentions if m.label in MODEL_LABELS and m.current and not m.modifiers
                  and sentences[m.sentence].section in self.model_sections]
        undecided = sorted({m.sentence for m in judged})
        if not undecided:
            return
        probabilities = self.model.p_procedure([features(sentences[i].text, sentences[i].section) for i in undecided])
        out = {i for i, p in zip(undecided, probabilities) if p < self.model_threshold}
        for m in judged:
            if m.sentence in out:
                m.current = False
                m.reason = "model:not this procedure"
        if self.rescue_threshold is None:
            return
        # The other way: a mention that only a cue word scoped out, in a sentence the model is sure
        # describes the procedure ("the previously marked L4-5 joint was entered").
        cued = [m for m in mentions if m.label in MODEL_LABELS and not m.current and m.reason.startswith("modifier:")
                and not (set(m.modifiers) & {"NEGATED_EXISTENCE", "CONSENT", "UNCHECKED"})
                and sentences[m.sentence].section not in self.excluded_sections]
        candidates = sorted({m.sentence for m in cued})
        if not candidates:
            return
        probabilities = self.model.p_procedure([features(sentences[i].text, sentences[i].section) for i in candidates])
        sure = {i for i, p in zip(candidates, probabilities) if p >= self.rescue_threshold}
        for m in cued:
            if m.sentence in sure:
                m.current = True
                m.reason = "model:this procedure"

    def _end_one_line_fields(self, doc: Doc, text: str, token_section: list[str | None]) -> None:
        """'Hx: chronic LBP x 2 yrs' holds one line; what follows it is not history."""
        for section in getattr(doc._, "sections", None) or ():
            if section.category not in self.excluded_sections:
                continue
            title = doc[section.title_start:section.body_end]
            if not self.one_line_heading.match(text[title.start_char:title.start_char + 20]):
                continue
            newline = text.find("\n", doc[section.body_start].idx if section.body_start < len(doc) else title.end_char,
                                    title.end_char)
            if newline < 0:
                continue
            rest = doc.char_span(newline, title.end_char, alignment_mode="expand")
            for i in range(rest.start if rest is not None else section.body_end, section.body_end):
                if token_section[i] == section.category:
                    token_section[i] = None

    def _decide_by_content(self, doc: Doc, token_section: list[str | None]) -> None:
        """Headings like "IMAGING:" or "MEDICATIONS:" take their meaning from what follows them."""
        for section in getattr(doc._, "sections", None) or ():
            rule = self.content_decided.get(section.category)
            if rule is None:
                continue
            current_if, unless, current, excluded = rule
            body = doc[section.body_start:section.body_end]
            body = doc_text(doc)[body.start_char:body.end_char]
            category = current if current_if.search(body) and not unless.search(body) else excluded
            for i in range(section.title_start, section.body_end):
                if token_section[i] == section.category:
                    token_section[i] = category

    def _mark_copied_notes(self, doc: Doc, text: str, token_section: list[str | None]) -> None:
        """An earlier note pasted between divider lines is history, headings and all: its "PROCEDURE:" is
        not today's."""
        at = 0
        while (start := self.copied_start.search(text, at)) is not None:
            end = self.copied_end.search(text, start.end())
            stop = end.end() if end is not None else len(text)
            span = doc.char_span(start.start(), stop, alignment_mode="expand")
            if span is not None:
                token_section[span.start:span.end] = ["copied_note"] * (span.end - span.start)
            at = stop

    def _describes_images(self, sentence_text: str) -> bool:
        """A FINDINGS sentence (or an unheaded line opening with a level: "C7-T1 left facet arthropathy.")
        about what the images show, not about what was done to a level."""
        done = [m for m in self.findings_done.finditer(sentence_text)
                if not re.search(r"\bnot\s+(?:\w+\s+)?$", sentence_text[max(0, m.start() - 12):m.start()], re.I)]
        return bool(self.findings_pathology.search(sentence_text)) and not done  # "... which were not injected"

    def is_generic_technique(self, sentence_text: str) -> bool:
        starts, present, past = self.generic
        return bool(starts.search(sentence_text) and present.search(sentence_text) and not past.search(sentence_text))

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        token_section = _token_sections(doc, text, self.unknown_heading, self.one_line_sections, self.paragraph_sections,
                                        self.list_sections, self.inline_paragraph_sections)
        self._decide_by_content(doc, token_section)
        self._end_one_line_fields(doc, text, token_section)
        self._mark_copied_notes(doc, text, token_section)
        teaching = [m.span() for m in self.teaching.finditer(text)]  # "Anatomy refresher for the fellow: ..."
        sentences: list[Sentence] = []
        token_sentence = [0] * len(doc)
        section_starts = _token_section_starts(doc)
        for i, sent in enumerate(doc.sents):
            section = token_section[sent.start] if len(doc) else None
            # A sentence that holds a heading belongs to the section the heading opens.
            token_sentence[sent.start:sent.end] = [i] * (sent.end - sent.start)
            sent_text = text[sent.start_char:sent.end_char]  # == sent.text, without joining its tokens again
            sentences.append(Sentence(i, sent.start_char, sent.end_char, section, sent_text,
                                      section in self.excluded_sections,
                                      self.is_generic_technique(sent_text)
                                      or any(a <= sent.start_char < b for a, b in teaching),
                                      section_starts[sent.start] if len(doc) else -1))
        unfilled = [m.span() for m in self.unfilled_template.finditer(text)]
        boxes = BoxIndex(text)
        titles = {i: section for section in (getattr(doc._, "sections", None) or ())
                  for i in range(section.title_start, section.title_end)}
        mentions: list[Mention] = []
        group = doc.spans[self.span_group] if self.span_group in doc.spans else []
        for span in group:
            section = token_section[span.start]
            mods = tuple(sorted({m.category for m in getattr(span._, "modifiers", ()) or ()}))
            rule = getattr(span._, "target_rule", None)
            meta = dict(rule.metadata or {}) if rule is not None and rule.metadata else {}
            sentence = sentences[token_sentence[span.start]]
            sentence_text = sentence.text
            if section in self.excluded_sections and not (
                    section in self.done_today_sections and self.done_today.search(sentence_text)):
                current, reason = False, f"section:{section}"
            elif sentence.generic_technique:
                current, reason = False, "sentence:generic_technique"
            elif self.imaging_report.search(sentence_text) and span.label_ != "PROC":
                current, reason = False, "sentence:imaging_report"
            elif span.label_ in ("LEVEL", "LEVEL_CONT", "NERVE") and (
                    section == "findings" or (section is None and self.level_led.match(sentence_text))) \
                    and self._describes_images(sentence_text):
                current, reason = False, "sentence:imaging_finding"
            elif any(s <= span.start_char and span.end_char <= e for s, e in unfilled):
                current, reason = False, "unfilled_template"
            elif boxes.unchecked(span.start_char, span.end_char):
                current, reason = False, "checkbox:unchecked"
                mods = tuple(sorted({*mods, "UNCHECKED"}))
            else:
                blocking = [m for m in mods if m in self.excluding]
                current = not blocking
                reason = f"modifier:{blocking[0]}" if blocking else f"section:{section or 'none'}"
            negated = any(m in self.negating for m in mods)
            if self.placeholder_value.match(text[span.end_char:span.end_char + 40]) \
                    or self.field_value_negation.match(text, span.end_char, span.end_char + 40):
                negated = True  # "Fluoroscopy used: ***", "CT - No"
            heading = titles.get(span.start)
            if heading is not None:  # "Contrast: none" — the heading is the mention, its value says no
                value = doc[heading.title_end:heading.body_end].text[:60]
                negated = negated or bool(self.heading_value_negation.match(value))
            mentions.append(Mention(
                label=span.label_, start=span.start_char, end=span.end_char, text=span.text,
                sentence=token_sentence[span.start], section=section, current=current,
                negated=negated, reason=reason, meta=meta, modifiers=mods,
            ))
        mentions.sort(key=lambda m: (m.start, -m.end))
        if self.model is not None:
            self._apply_model(mentions, sentences)
        doc._.nc_mentions = mentions
        doc._.nc_sentences = sentences
        doc._.nc_boxes = boxes
        return doc


def _token_section_starts(doc: Doc) -> list[int]:
    out = [-1] * len(doc)
    for section in getattr(doc._, "sections", None) or ():
        if section.category is None:
            continue
        for i in range(section.title_start, section.body_end):
            out[i] = section.title_start
    return out


def _inline(doc: Doc, text: str, section) -> bool:
    """Does the section's text start on its heading's line ("Exam: tender ...")?"""
    start = doc[section.body_start].idx
    line_end = text.find("\n", start)
    return bool(text[start:line_end if line_end >= 0 else len(text)].strip())


_BLANK_LINE = re.compile(r"\S[^\S\n]*\n[^\S\n]*\n")


_NUMBERED_LINE = re.compile(r"\n[ \t]*\d{1,2}[.)][ \t]+\S")


def _token_sections(doc: Doc, text: str, unknown_heading: re.Pattern, ended_by_any_heading: set[str],
                    ended_by_blank_line: set[str] = frozenset(), ended_by_numbered_list: set[str] = frozenset(),
                    ended_by_blank_line_if_inline: set[str] = frozenset()) -> list[str | None]:
    """Section category per token. A section such as "Dx:" or "CONSENT:" ends at the next line that looks
    like any heading ("- Lvl: L4-5", "TIME OUT:"), known or not, and a one-paragraph section ends at a
    blank line (some, such as "Exam: tender at L4/5 ...", only when written on the heading's own line), so
    neither swallows the procedure narrative that follows it."""
    out: list[str | None] = [None] * len(doc)
    sections = list(getattr(doc._, "sections", None) or ())
    for section in sections:
        end = section.body_end
        if section.body_start < section.body_end and (section.category in ended_by_blank_line or (
                section.category in ended_by_blank_line_if_inline and _inline(doc, text, section))):
            body = doc[section.body_start:section.body_end]
            blank = _BLANK_LINE.search(text, body.start_char, body.end_char)
            if section.category in ended_by_numbered_list:
                numbered = _NUMBERED_LINE.search(text, body.start_char, body.end_char)
                if numbered and not text[body.start_char:numbered.start()].strip():
                    numbered = None  # the heading's own list ("Preoperative diagnoses:\n1. ...\n2. ...")
                if numbered and (blank is None or numbered.start() < blank.start()):
                    blank = numbered
            if blank:
                cut = doc.char_span(blank.end() - (1 if blank.re is _NUMBERED_LINE else 0), body.end_char,
                                    alignment_mode="expand")
                end = cut.start if cut is not None else end
        for i in range(section.title_start, end):
            out[i] = section.category
    if not any(s.category in ended_by_any_heading for s in sections):
        return out
    title_starts = sorted(s.title_start for s in sections if s.category is not None)
    titles = {i for s in sections for i in range(s.title_start, s.title_end)}
    for hit in unknown_heading.finditer(text):
        span = doc.char_span(hit.start(), hit.end(), alignment_mode="expand")
        if span is None or span.start in titles or out[span.start] not in ended_by_any_heading:
            continue
        stop = next((t for t in title_starts if t > span.start), len(doc))
        for i in range(span.start, stop):
            out[i] = None
    return out
