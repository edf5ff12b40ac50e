"""History recognizers: what a payer asks about the patient, read from the whole note (history,
indication and procedure sections alike; never consent text, plans or billing lines).

Pain duration (MED-2), conservative care (MED-2), functional impairment (MED-1), pain scores before and
after (MED-4), relief from earlier blocks and which block this is (MED-5..7), radicular symptoms (MED-3),
sedation and its stated necessity (MED-12), and how an RFA lesion was made (CPT-6). Term lists and
patterns: resources/history.json.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .. import resources
from ..report import (
    Ablation, ConservativeCare, FunctionalImpairment, History, PainDuration, PainScore, PriorRelief, Radicular,
    Sedation,
)
from ..scope import Sentence
from .context import NoteContext

#: Sections whose words describe no fact about this patient's course (what might happen, what is billed).
_SKIP_SECTIONS = {"consent", "plan", "billing", "allergies"}


@lru_cache(maxsize=None)
def _patterns() -> dict:
    h = resources.load("history.json")
    c = re.compile
    return {
        "duration": c(h["duration"]["pattern"], re.I),
        "duration_context": c(h["duration"]["context"], re.I),
        "duration_flare_before": c(h["duration"]["flare_before"]["pattern"], re.I),
        "words": h["duration"]["words"],
        "care": {name: c(p, re.I) for name, p in h["conservative_care"]["terms"].items()},
        "care_negation": c(h["conservative_care"]["negation"], re.I),
        "care_weeks": c(h["conservative_care"]["weeks"], re.I),
        "scales": {name: c(p, re.I) for name, p in h["functional"]["scales"].items()},
        "deficit": c(h["functional"]["deficit"], re.I),
        "pair_cue": c(h["functional"]["pair_cue"], re.I),
        "pair_activity": c(h["functional"]["pair_activity"], re.I),
        "pair_not": c(h["functional"]["pair_not"], re.I),
        "score": c(h["pain_score"]["pattern"], re.I),
        "score_pre": c(h["pain_score"]["pre"], re.I),
        "score_post": c(h["pain_score"]["post"], re.I),
        "heading_pre": c(h["pain_score"]["heading_pre"], re.I),
        "heading_post": c(h["pain_score"]["heading_post"], re.I),
        "score_post_after": c(h["pain_score"]["post_after"], re.I),
        "score_pre_after": c(h["pain_score"]["pre_after"], re.I),
        "score_scales": {name: c(p, re.I) for name, p in h["pain_score"]["scale_names"].items()},
        "relief": c(h["prior_relief"]["pattern"], re.I),
        "relief_earlier": c(h["prior_relief"]["earlier"], re.I),
        "relief_today": c(h["prior_relief"]["today"], re.I),
        "relief_after": {what: c(h["prior_relief"][f"after_{what}"], re.I) for what in ("ablation", "block")},
        "block_second": c(h["block_number"]["second"], re.I),
        "block_first": c(h["block_number"]["first"], re.I),
        "block_not_now": c(h["block_number"]["not_now_before"], re.I),
        "block_not_now_after": c(h["block_number"]["not_now_after"], re.I),
        "blank_field": c(h["blank_field_value"]["pattern"], re.I),
        "radicular": c(h["radicular"]["present"], re.I),
        "radicular_absent": c(h["radicular"]["absent"], re.I),
        "radicular_absent_after": c(h["radicular"]["absent_after"], re.I),
        "sedation_given": c(h["sedation"]["given"], re.I),
        "sedation_none": c(h["sedation"]["none"], re.I),
        "sedation_necessity": c(h["sedation"]["necessity"], re.I),
        "sedation_reason_field": c(h["sedation"]["reason_field"], re.I),
        "sedation_reason_empty": c(h["sedation"]["reason_field_empty"], re.I),
        "temperature": c(h["ablation"]["temperature"], re.I),
        "temperature_superseded": c(h["ablation"]["superseded_before"], re.I),
        "pulsed": c(h["ablation"]["pulsed"], re.I),
        "cooled": c(h["ablation"]["cooled"], re.I),
        "chemical": c(h["ablation"]["chemical"], re.I),
    }


def _number(text: str, words: dict) -> float | None:
    text = text.strip().lower()
    if text in words:
        return float(words[text])
    half = re.fullmatch(r"(\d+)\s*(?:1/2|½)", text)  # "2 1/2 years"
    if half:
        return float(half[1]) + 0.5
    try:
        return float(text)
    except ValueError:
        return None


def _months(n: float, unit: str) -> float:
    unit = unit.lower()
    if unit.startswith(("d",)):
        return round(n / 30.4, 2)
    if unit.startswith("w"):
        return round(n / 4.35, 2)
    if unit.startswith(("y",)):
        return n * 12
    return n


def _sentences(ctx: NoteContext):
    """Sentences that may carry history: not consent, plans or billing; not plan-worded."""
    for s in ctx.sentences:
        if s.section in _SKIP_SECTIONS:
            continue
        yield s


#: The duration pattern's number groups and the unit group each goes with (one pair per way of writing it).
_DURATION_NUMBERS = {"n": "unit", "n2": "unit2", "n5": "unit5", "n6": "unit6", "n7": "unit7", "n8": "unit8",
                     "n9": "unit9", "n10": "unit10"}


def pain_duration(ctx: NoteContext) -> PainDuration | None:
    p = _patterns()
    if not (ctx.may_match(p["duration_context"]) and ctx.may_match(p["duration"])):
        return None
    for s in _sentences(ctx):
        if not ctx.found_in(p["duration_context"], s):
            continue
        for m in p["duration"].finditer(s.text):
            if p["duration_flare_before"].search(s.text[max(0, m.start() - 40):m.start()]):
                continue
            if m["year"] or m["year2"]:
                months = None  # "since 2019": long, but the note date is unknown
            elif m["unit4"]:  # "for a little over a year", "for a year and a half"
                months = _months(1.5 if m["half"] else 1.0, m["unit4"])
            else:
                number = next((g for g in _DURATION_NUMBERS if m[g]), None)
                n = _number(m[number], p["words"]) if number else None
                if n is None:
                    continue
                if number == "n8":  # "two and a half years"
                    n += 0.5
                months = _months(n, m[_DURATION_NUMBERS[number]])
            return PainDuration(text=m.group().strip(), months=months, spans=[(s.start + m.start(), s.start + m.end())])
    return None


def conservative_care(ctx: NoteContext) -> ConservativeCare | None:
    p = _patterns()
    therapies: list[str] = []
    spans: list[tuple[int, int]] = []
    weeks: float | None = None
    care = {name: pattern for name, pattern in p["care"].items() if ctx.may_match(pattern)}
    for s in _sentences(ctx) if care else ():
        if s.section == "medication_list":
            continue  # a medication list is not a documented trial of care
        for name, pattern in care.items():
            for start, end in ctx.spans_in(pattern, s):
                if p["care_negation"].search(s.text[max(0, start - 40):start]) or _blank_field(ctx, p, s.start + end):
                    continue
                if name not in therapies:
                    therapies.append(name)
                spans.append((s.start + start, s.start + end))
                w = p["care_weeks"].search(s.text, start, min(len(s.text), end + 40)) \
                    or p["care_weeks"].search(s.text, max(0, start - 30), start)
                if w and weeks is None:
                    n = _number(w["n"], p["words"])
                    unit = w["unit"].lower()
                    if n is not None and not unit.startswith("session"):
                        weeks = round(_months(n, unit) * 4.35, 1) if not unit.startswith("w") else n
    if not therapies:
        return None
    return ConservativeCare(therapies=therapies, duration_weeks=weeks, spans=sorted(set(spans)))


def _blank_field(ctx: NoteContext, p: dict, label_end: int) -> bool:
    """Is this the label of a field left blank ("Conservative care: _____", "Functional limitation: see HPI")?"""
    return p["blank_field"].match(ctx.text, label_end) is not None


def functional_impairment(ctx: NoteContext) -> FunctionalImpairment:
    p = _patterns()
    scales, spans = [], []
    named = {name: pattern for name, pattern in p["scales"].items() if ctx.may_match(pattern)}
    deficit = p["deficit"] if ctx.may_match(p["deficit"]) else None
    for s in _sentences(ctx) if named or deficit else ():
        for name, pattern in named.items():
            for start, end in ctx.spans_in(pattern, s):
                if name not in scales:
                    scales.append(name)
                spans.append((s.start + start, s.start + end))
        for start, end in ctx.spans_in(deficit, s) if deficit else ():
            if not _blank_field(ctx, p, s.start + end):
                spans.append((s.start + start, s.start + end))
        spans += [(s.start + a, s.start + b) for a, b in _limited_activities(ctx, p, s)]
    return FunctionalImpairment(documented=bool(spans), scales=scales, spans=sorted(set(spans)))


_CLAUSE_BREAK = re.compile(r"[.;:!?]|,\s+(?:and|but|which|while)\b")


def _limited_activities(ctx: NoteContext, p: dict, s) -> list[tuple[int, int]]:
    """A limitation word and an everyday activity in one clause ("standing at his workbench are limited to
    about 15 minutes", "has to sit down after 10 minutes of standing at his job"), not an exam's range of
    motion."""
    out = []
    for cue in (p["pair_cue"].finditer(s.text) if ctx.may_hold(p["pair_cue"], s) else ()):
        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(s.text, 0, cue.start())]
        after = _CLAUSE_BREAK.search(s.text, cue.end())
        clause_start, clause_end = (breaks[-1] if breaks else 0), (after.start() if after else len(s.text))
        clause = s.text[clause_start:clause_end]
        activity = p["pair_activity"].search(clause)
        if activity and not p["pair_not"].search(clause) and not _blank_field(ctx, p, s.start + cue.end()):
            out.append((clause_start + min(activity.start(), cue.start() - clause_start),
                        clause_start + max(activity.end(), cue.end() - clause_start)))
    return out


_SENTENCE_END = re.compile(r"[.;!?](?:\s+|$)")


def _last(pattern: re.Pattern, text: str) -> re.Match | None:
    last = None
    for last in pattern.finditer(text):
        pass
    return last


def _nearest(patterns: dict[str, re.Pattern], text: str) -> str | None:
    """Which pattern's last match ends nearest the end of ``text`` (the word nearest what follows speaks
    for it); on a tie, the first named."""
    ends = {name: hit.end() for name, pattern in patterns.items() if (hit := _last(pattern, text))}
    return max(ends, key=ends.get) if ends else None


def pain_scores(ctx: NoteContext) -> list[PainScore]:
    p = _patterns()
    out: list[PainScore] = []
    scale_before: str | None = None  # "... on the same scale" is the scale of the score before
    for s in _sentences(ctx) if ctx.may_match(p["score"]) else ():
        if not ctx.may_hold(p["score"], s):
            continue
        hits = list(p["score"].finditer(s.text))
        previous_timed_after = False
        for k, m in enumerate(hits):
            scale = _score_scale(m, s, p, scale_before)
            span = [(s.start + m.start(), s.start + m.end())]
            if m["pair_pre"]:  # "NRS 5 -> 1"
                for value, timing in ((m["pair_pre"], "pre"), (m["pair_post"], "post")):
                    if float(value) <= 10:
                        out.append(PainScore(scale=scale, value=float(value), timing=timing, spans=span))
                scale_before = scale
                continue
            value = _number(m["value"] or m["value2"] or m["value3"] or m["value4"] or m["value5"], p["words"])
            if value is None or value > 10:
                continue
            before = s.text[max(0, m.start() - 45):m.start()]
            if k:  # only the words since the previous score speak about this one, less the timing
                before = s.text[max(hits[k - 1].end(), m.start() - 45):m.start()]  # written after that score
                if previous_timed_after:  # ("NRS 6/10 before the block and 1/10 at 30 minutes")
                    own = p["score_pre_after"].match(before) or p["score_post_after"].match(before)
                    before = before[own.end():] if own else before
            # "Pain 6/10 pre", "Pain 2/10 in recovery": the timing written right after the score
            after = s.text[m.end():min(hits[k + 1].start() if k + 1 < len(hits) else len(s.text), m.end() + 30)]
            timing, previous_timed_after = _score_timing(before, after, s.section, k, p,
                                                         _headings_above(ctx.text, s.start + m.start()))
            out.append(PainScore(scale=scale, value=value, timing=timing, spans=span))
            scale_before = scale
    table = _vitals_table_scores(ctx.text)
    if table:  # the table's rows say when each score was taken; its cells alone do not
        inside = [(a, b) for score in table for a, b in score.spans]
        out = [x for x in out if not any(a <= x.spans[0][0] < b for a, b in _row_spans(ctx.text, inside))] + table
        out.sort(key=lambda x: x.spans[0][0])
    _baseline_and_follow_up(out, ctx)
    return out


_CELLS = re.compile(r"[ \t]*\|[ \t]*|\t+|[ \t]{2,}")
_PAIN_COLUMN = re.compile(r"^(?:pain|nrs|vas|pain score|pain\s*\((?:nrs|vas|0-10)\))$", re.I)
_TIME_COLUMN = re.compile(r"^(?:time|clock|hour)$", re.I)
_TABLE_HEADER_HINT = re.compile(r"(?i)(?:time|clock|hour)\b.*\b(?:pain|nrs|vas)|(?:pain|nrs|vas)\b.*\b(?:time|clock|hour)")
_PAIN_CELL = re.compile(r"^(?P<value>\d{1,2})(?:\s*/\s*10)?$")


def _cells(line: str) -> list[tuple[int, str]]:
    """(offset in the line, text) of each cell of a table row written with pipes, tabs or wide gaps."""
    out, pos = [], 0
    for m in _CELLS.finditer(line):
        if m.start() > pos:
            out.append((pos, line[pos:m.start()]))
        pos = m.end()
    if pos < len(line.rstrip()):
        out.append((pos, line[pos:].rstrip()))
    return out


def _vitals_table_scores(text: str) -> list[PainScore]:
    """A vitals table with a time and a pain column ("Time  BP  HR  Pain / 0810 ... 7/10 / 0855 ... 2/10"):
    its first row's pain is before the procedure, its last row's after it, on one scale."""
    if not re.search(r"pain|nrs|vas", text, re.I):
        return []
    lines, offset = [], 0
    for line in text.splitlines(keepends=True):
        lines.append((offset, line.rstrip("\r\n")))
        offset += len(line)
    for i, (start, line) in enumerate(lines):
        if not _TABLE_HEADER_HINT.search(line):
            continue  # most lines: no cells to split
        header = [c.strip() for _, c in _cells(line)]
        pain = next((k for k, c in enumerate(header) if _PAIN_COLUMN.match(c)), None)
        if pain is None or not any(_TIME_COLUMN.match(c) for c in header):
            continue
        rows = []
        for row_start, row in lines[i + 1:]:
            cells = _cells(row)
            if len(cells) != len(header):
                break
            hit = _PAIN_CELL.match(cells[pain][1].strip())
            if hit:
                at = row_start + cells[pain][0]
                rows.append((int(hit["value"]), (at, at + len(cells[pain][1].strip()))))
        if len(rows) >= 2 and all(v <= 10 for v, _ in rows):
            scale = "VAS" if "vas" in header[pain].lower() else "NRS"
            return [PainScore(scale=scale, value=float(rows[0][0]), timing="pre", spans=[rows[0][1]]),
                    PainScore(scale=scale, value=float(rows[-1][0]), timing="post", spans=[rows[-1][1]])]
    return []


def _row_spans(text: str, cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The lines holding these spans."""
    return [(text.rfind("\n", 0, a) + 1, (text.find("\n", b) + 1 or len(text) + 1) - 1) for a, b in cells]


_HISTORY_SECTIONS = ("indication", "history_other", "assessment", "exam")


def _score_scale(m: re.Match, s: Sentence, p: dict, scale_before: str | None) -> str:
    """The scale the score names, else one the sentence names, else the score before's, else NRS."""
    named = m["scale"] or m["pair_scale"]
    scale = named.upper() if named else next((name for name, sp in p["score_scales"].items() if sp.search(s.text)),
                                             scale_before or "NRS")
    return "NRS" if scale == "NPRS" else scale


_SHORT_LINES_ABOVE = re.compile(r"(?:^|\n)(?P<lines>(?:[ \t]*[^\n]{0,40}\n){0,2}[^\n]{0,40})$")


def _headings_above(text: str, at: int) -> str:
    """The one or two short lines above a score's line, and its short line up to it: its headings
    ("PRE-PROCEDURE / Pain score (NRS): 7/10"); empty when the score's line is long prose."""
    hit = _SHORT_LINES_ABOVE.search(text, max(0, at - 120), at)
    return hit["lines"] if hit else ""


def _score_timing(before: str, after: str, section: str | None, k: int, p: dict,
                  above: str = "") -> tuple[str, bool]:
    """(pre / post / unknown, whether the words after the score decided it)."""
    before = _SENTENCE_END.split(before)[-1]  # "90% relief. pain 6/10 pre": not across a full stop
    said = _nearest({"pre": p["score_pre"], "post": p["score_post"]}, before)
    if said:
        return said, False
    if p["score_post_after"].match(after):
        return "post", True
    if p["score_pre_after"].match(after):
        return "pre", True
    heading = _nearest({"pre": p["heading_pre"], "post": p["heading_post"]}, above)
    if heading:
        return heading, False
    if section in ("post_procedure", "findings"):
        return "post", False
    if section in _HISTORY_SECTIONS and k == 0:
        return "pre", False  # a score in the history is the baseline
    return "unknown", False


def _baseline_and_follow_up(scores: list[PainScore], ctx: NoteContext) -> None:
    """A score of unknown timing written before the note's first score after the procedure is its baseline
    ("NRS 6/10 ... NRS 1/10 at 15 min"); one written after its last score before the procedure, in a later
    sentence outside the history, is the follow-up ("7/10 at rest, 9/10 standing" stays the baseline). With no
    score timed before, the first of two in order is the baseline and the last, later and outside the history,
    the follow-up."""
    posts = [i for i, x in enumerate(scores) if x.timing == "post"]
    pres = [i for i, x in enumerate(scores) if x.timing == "pre"]
    for i, x in enumerate(scores):
        if x.timing != "unknown":
            continue
        if posts and not pres and i < posts[0]:
            x.timing = "pre"
        elif pres and not posts and i > pres[-1]:
            here, last_pre = ctx.sentence_of(x.spans[0][0]), ctx.sentence_of(scores[pres[-1]].spans[0][0])
            if here.index > last_pre.index and here.section not in _HISTORY_SECTIONS:
                x.timing = "post"
    if pres or len(scores) < 2:
        return
    # No score is timed before: with two or more, the first of them, in the history ahead of a later one
    # outside it, is the baseline ("She scored her pain at 7/10 ... at two hours rated it at 2/10").
    first, last = scores[0], scores[-1]
    if first.timing == "post" and not any(x.timing == "unknown" for x in scores):
        first_at = ctx.sentence_of(first.spans[0][0])
        if first_at.section in _HISTORY_SECTIONS:
            first.timing = "pre"  # "pain 6/10 right now" in the history, "1/10 at 20 minutes" after
        return
    if posts or first.scale != last.scale:
        return
    first_at, last_at = ctx.sentence_of(first.spans[0][0]), ctx.sentence_of(last.spans[0][0])
    if last_at.index > first_at.index and last_at.section not in _HISTORY_SECTIONS:
        first.timing, last.timing = "pre", "post"


def prior_relief(ctx: NoteContext) -> list[PriorRelief]:
    p = _patterns()
    out = []
    for s in _sentences(ctx) if ctx.may_match(p["relief"]) and ctx.may_match(p["relief_earlier"]) else ():
        if not ctx.found_in(p["relief_earlier"], s) or ctx.found_in(p["relief_today"], s):
            continue
        for m in p["relief"].finditer(s.text):
            for group in ("pct", "pct2", "pct3", "pct4", "pct5"):
                if m[group]:
                    pct = float(m[group])
                    if 0 <= pct <= 100:
                        out.append(PriorRelief(percent=pct, after=_relief_after(p, s.text, m.start(group)),
                                               spans=[(s.start + m.start(group), s.start + m.end(group))]))
    return out


def _relief_after(p: dict, text: str, at: int) -> str | None:
    """ "two blocks, each giving 85% relief, and an RFA with 70% improvement": the nearest procedure word
    before the figure (else the first after it) says which procedure the relief followed."""
    before = _nearest(p["relief_after"], text[:at])
    if before:
        return before
    after = {what: hit.start() for what, pattern in p["relief_after"].items() if (hit := pattern.search(text, at))}
    return min(after, key=after.get) if after else None


def block_number(ctx: NoteContext) -> int | None:
    p = _patterns()
    for s in _sentences(ctx) if ctx.may_match(p["block_second"]) else ():
        if s.section in ("indication",) and re.search(r"\b(?:prior|previous|had)\b", s.text, re.I):
            continue
        if _said_of_today(ctx, p["block_second"], s, p):
            return 2
    for s in _sentences(ctx) if ctx.may_match(p["block_first"]) else ():
        if _said_of_today(ctx, p["block_first"], s, p):
            return 1
    return None


def _said_of_today(ctx: NoteContext, pattern: re.Pattern, s: Sentence, p: dict) -> bool:
    """A match not put as a plan or a condition ("if good, 2nd block", "a second block will be scheduled")."""
    return any(not p["block_not_now"].search(s.text[max(0, start - 60):start])
               and not p["block_not_now_after"].match(s.text, end) for start, end in ctx.spans_in(pattern, s))


def radicular(ctx: NoteContext) -> Radicular:
    p = _patterns()
    present, absent_spans, present_spans = False, [], []
    for s in _sentences(ctx) if ctx.may_match(p["radicular"]) else ():
        for start, end in ctx.spans_in(p["radicular"], s):
            span = (s.start + start, s.start + end)
            before = s.text[max(0, start - 40):start]
            after = s.text[end:end + 40]
            if p["radicular_absent"].search(before) or p["radicular_absent_after"].search(after):
                absent_spans.append(span)
            else:
                present = True
                present_spans.append(span)
    if present:
        return Radicular(present=True, spans=present_spans)
    if absent_spans:
        return Radicular(present=False, spans=absent_spans)
    return Radicular()


def sedation(ctx: NoteContext) -> Sedation:
    p = _patterns()
    agents: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in ctx.current("SEDATIVE"):
        if m.negated or ctx.boxes.unchecked(m.start, m.end):
            continue
        if m.meta.get("generic") not in agents:
            agents.append(m.meta["generic"])
        spans.append((m.start, m.end))
    given = bool(agents)
    necessity = False
    for s in ctx.sentences if ctx.may_match(p["sedation_given"]) else ():
        if s.section in ("consent", "plan", "billing", "medication_list", "allergies"):
            continue
        for start, end in ctx.spans_in(p["sedation_given"], s):
            if ctx.boxes.unchecked(s.start + start, s.start + end):
                continue
            if p["sedation_none"].search(s.text[max(0, start - 25):end + 25]):
                continue
            given = True
            spans.append((s.start + start, s.start + end))
    if given:
        sentences = {i for i, s in enumerate(ctx.sentences) for a, b in spans if s.start <= a < s.end}
        # "Midazolam 2 mg IV and fentanyl 50 mcg IV. Sedation was necessary because ...": the next sentence
        # of the same section gives the reason
        sentences |= {i + 1 for i in sentences if i + 1 < len(ctx.sentences)
                      and ctx.sentences[i + 1].section_start == ctx.sentences[i].section_start}
        necessity = (any(p["sedation_necessity"].search(_without_empty_reason_fields(ctx.sentences[i].text, p))
                         for i in sentences)
                     or _reason_field_filled(ctx, p))
    return Sedation(given=given, agents=agents, necessity_stated=necessity, spans=sorted(set(spans)))


def _reason_field_filled(ctx: NoteContext, p: dict) -> bool:
    """A template's own field for the reason ("Reason for sedation: needle phobia ..."), filled in: the
    reason sits in a line of its own, away from the agents in the sedation record."""
    if not ctx.may_match(p["sedation_reason_field"]):
        return False
    for s in ctx.sentences:
        if s.section in _SKIP_SECTIONS:
            continue
        for m in p["sedation_reason_field"].finditer(s.text):
            if not p["sedation_reason_empty"].match(m["value"]):
                return True
    return False


def _without_empty_reason_fields(text: str, p: dict) -> str:
    """The text less any blank reason field ("Sedation necessity: ____" names necessity and states none)."""
    return p["sedation_reason_field"].sub(lambda m: " " if p["sedation_reason_empty"].match(m["value"]) else m.group(), text)


def ablation(ctx: NoteContext) -> Ablation | None:
    """Lesion temperature and mode, for RFA notes."""
    if ctx.kind != "radiofrequency_ablation":
        return None
    p = _patterns()
    temps, spans = [], []
    superseded: list[float] = []  # "the first lesion was started at 80 C, but all were done at 70 C"
    pulsed = cooled = chemical = False
    for i in ctx.current_sentence_indexes() + [s.index for s in ctx.sentences if s.section == "procedure"]:
        s = ctx.sentences[i]
        for m in p["temperature"].finditer(s.text):
            t = float(m["t"] or m["t2"])
            if 40 <= t <= 100:
                at = m.start("t2") if m["t2"] else m.start()
                before = s.text[max(0, at - 40):at]
                (superseded if p["temperature_superseded"].search(before) else temps).append(t)
                spans.append((s.start + m.start(), s.start + m.end()))
        for flag, key in (("pulsed", "pulsed"), ("cooled", "cooled"), ("chemical", "chemical")):
            # "[ ] Pulsed RF": an empty box's label says nothing was done
            hit = next((h for h in p[key].finditer(s.text)
                        if not ctx.boxes.unchecked(s.start + h.start(), s.start + h.end())), None)
            if hit and not re.search(r"\b(?:not|no|rather than|instead of)\b[^.;]{0,20}$", s.text[:hit.start()], re.I):
                spans.append((s.start + hit.start(), s.start + hit.end()))
                if flag == "pulsed":
                    pulsed = True
                elif flag == "cooled":
                    cooled = True
                else:
                    chemical = True
    temps = temps or superseded
    return Ablation(temperature_c=max(temps) if temps else None, pulsed=pulsed, cooled=cooled, chemical=chemical,
                    spans=sorted(set(spans)))


def recognize_history(ctx: NoteContext) -> History:
    return History(
        pain_duration=pain_duration(ctx), conservative_care=conservative_care(ctx),
        functional_impairment=functional_impairment(ctx), pain_scores=pain_scores(ctx),
        prior_relief=prior_relief(ctx), radicular=radicular(ctx), sedation=sedation(ctx),
    )
