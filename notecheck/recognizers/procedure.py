"""Procedure recognizer: was a procedure performed, which kind, region, intent (DOC-TYPE).

The kind is read first from the note's title and procedure headings (what the note says it is), and
only then from the body: an epidural note that mentions "the facet joints" in its technique is still an
epidural; a clinic note that plans facet injections describes no procedure.
"""

from __future__ import annotations

import re

from .. import resources
from ..levels import session_region
from ..report import Procedure
from .context import NoteContext

_PERFORMED = re.compile(resources.load("scope.json")["performed_cues"], re.I)
#: Sections that make a note look like a clinic visit (a procedure note has indications and plans too).
_NOT_A_PROCEDURE_NOTE = re.compile(resources.load("scope.json")["not_a_procedure_note"]["pattern"], re.I | re.M)
_CLINIC_SECTIONS = set(resources.load("scope.json")["clinic_sections"])
_NO_PROCEDURE = re.compile(resources.load("scope.json")["no_procedure_statement"]["pattern"], re.I)
#: Cue words that by themselves say a facet procedure (not just any spine procedure).
_FACET = {"facet", "mbb", "ia_facet"}
_REGION_WORDS = (
    (re.compile(r"\b(?:cervical|thoracic|cervicothoracic|occipital|stellate|neck)\b", re.I), "cervical_thoracic"),
    (re.compile(r"\b(?:lumbar|lumbosacral|sacral|lumbo-sacral|sacroiliac|sacrum|si[- ]joint|caudal)\b", re.I), "lumbar_sacral"),
    (re.compile(r"\b[CT]\s?(?:1[0-2]|[1-9])\b"), "cervical_thoracic"),
    (re.compile(r"\b[LS]\s?[1-5]\b"), "lumbar_sacral"),
)


def procedure_performed(ctx: NoteContext) -> bool:
    """A procedure note, not a clinic/consult note that only talks about procedures.

    A procedure heading that describes something done settles it; without one, a note laid out as a
    clinic visit (history, exam, assessment, plan) needs two sentences that say something was done now,
    any other note one (or a documented drug, guidance or tolerance statement, as terse notes have).
    """
    if ctx.sentences and _NOT_A_PROCEDURE_NOTE.search(ctx.text[:200]):
        return False
    if ctx.may_match(_NO_PROCEDURE) and any(ctx.found_in(_NO_PROCEDURE, ctx.sentences[i])
                                            for i in ctx.current_sentence_indexes()):
        return False  # "No procedure was performed": the visit's procedure did not happen
    proc_cues = {m.sentence for m in ctx.current("PROC")}
    for s in ctx.sentences:
        if s.section == "procedure" and not ctx.sentence_excluded_cue[s.index] \
                and (s.index in proc_cues or _PERFORMED.search(s.text)):
            return True
    cue_sentences = sum(1 for i in ctx.current_sentence_indexes() if _PERFORMED.search(ctx.sentences[i].text))
    if any(s.section in _CLINIC_SECTIONS for s in ctx.sentences):
        return cue_sentences >= 2
    return cue_sentences >= 1 or bool(ctx.current("DRUG", "GUIDANCE", "TOLERANCE", "NO_COMPLICATION"))


def _cue_kinds(mentions) -> set[str]:
    """Cue words → kinds: rfa, mbb, ia, ia_facet (an intra-articular cue that names the facet), facet,
    dorsal_ramus (a dorsal ramus block: facet MBB at L5, or part of an SI-joint block), non_facet."""
    kinds = set()
    for m in mentions:
        cue = m.meta.get("cue")
        if m.label == "NERVE":  # the third occipital nerve is the C2-3 joint's medial branch
            kinds.add("mbb")
        elif cue == "mbb" and re.search(r"dorsal ram|posterior (?:primary )?ram|\b[dp]prs?\b", m.text, re.I):
            kinds.add("dorsal_ramus")
        elif cue == "ia" and re.search(r"facet|zygapo|z-?joint", m.text, re.I):
            kinds.update({"ia", "ia_facet"})
        elif cue:
            kinds.add(cue)
    return kinds


def _facet_evidence(kinds: set[str]) -> bool:
    return bool(kinds & _FACET) or ("dorsal_ramus" in kinds and "non_facet" not in kinds)


def _facet_kind(kinds: set[str]) -> str | None:
    if "rfa" in kinds:
        return "radiofrequency_ablation"
    if kinds & {"mbb", "dorsal_ramus"}:
        return "medial_branch_block"
    if kinds & {"ia", "ia_facet"}:
        return "facet_injection"
    return None


def _classify(title: set[str], body: set[str], has_sites: bool) -> str | None:
    """Kind from the cues of the title and of the body; None when the title says nothing."""
    strong = title & {"mbb", "ia_facet", "rfa"} or ("dorsal_ramus" in title and "non_facet" not in title)
    if "non_facet" in title and not strong:
        return "not_facet"  # "Transforaminal epidural ... facet" — the facet word is anatomy here
    if _facet_evidence(title) or ("ia" in title and "non_facet" not in title):
        return _facet_kind(title) or _facet_kind(body) or "unknown"
    if "non_facet" in title:
        return "not_facet"
    if "rfa" in title:  # "Radiofrequency ablation at L5, S1, S2": the body says of what
        if "non_facet" in body and not body & {"mbb", "facet", "ia_facet"}:
            return "not_facet"
        return "radiofrequency_ablation" if _facet_evidence(body) or has_sites else "unknown"
    return None


_SPINE_REGION = re.compile(r"\b(?:cervical|thoracic|lumbar|lumbosacral)\b", re.I)


def _spine_rfa(ctx: NoteContext, cues) -> bool:
    """ "Right lumbar radiofrequency ablation at the target levels": an ablation of the spine whose
    levels are not named is still a facet RFA (its missing level is a finding, not another procedure)."""
    return any(m.meta.get("cue") == "rfa" and _SPINE_REGION.search(ctx.sentences[m.sentence].text) for m in cues)


def _classify_body(cues: set[str], has_sites: bool, has_levels: bool = False) -> str:
    """No title to go by: a procedure that mentions facets only in passing beside an epidural is an epidural;
    a needle "into the right L4-5 joint" with nothing else named is a facet joint injection."""
    strong = cues & {"mbb", "ia_facet"} or ("rfa" in cues and _facet_evidence(cues))
    if "non_facet" in cues and not strong:
        return "not_facet"
    if _facet_evidence(cues):
        return _facet_kind(cues) or "unknown"
    if "rfa" in cues and has_sites:
        return "radiofrequency_ablation"
    if "ia" in cues and has_levels:
        return "facet_injection"
    return "not_facet"


_PERFORMED_HEADING = re.compile(resources.load("scope.json")["performed_heading"]["pattern"], re.I)


def _is_heading_of(ctx: NoteContext, s) -> bool:
    """Is this sentence the heading that opens its section (its first sentence)?"""
    before = ctx.sentences[s.index - 1] if s.index > 0 else None
    return before is None or before.section_start != s.section_start


_ACTUALLY_DONE = re.compile(resources.load("scope.json")["correction"]["statement"], re.I)


def actually_done_sentences(ctx: NoteContext) -> list[int]:
    """Sentences outside history and plans that say what was actually done ("The procedure actually
    performed today was limited to ...", "The procedure performed today was ..., not a medial branch block")."""
    if not ctx.may_match(_ACTUALLY_DONE):
        return []
    return [s.index for s in ctx.sentences if s.section != "addendum" and not s.excluded_by_section
            and ctx.found_in(_ACTUALLY_DONE, s)]


def title_sentence_indexes(ctx: NoteContext) -> list[int]:
    """The note's first sentence and the first two sentences of each procedure heading (the heading and
    what it names); or, where the note says what was actually done, that statement, over a template title."""
    stated = {m.sentence for m in ctx.of("PROC") if not m.negated} & set(actually_done_sentences(ctx))
    if stated:
        return sorted(stated)
    out: set[int] = set()
    performed_starts = {s.section_start for s in ctx.sentences
                        if s.section == "procedure" and s.index > 0 and s.section_start >= 0
                        and _is_heading_of(ctx, s) and _PERFORMED_HEADING.search(s.text)}
    if ctx.sentences and not ctx.sentences[0].excluded_by_section and not performed_starts:
        out.add(0)
    seen: dict[int, int] = {}
    for s in ctx.sentences:
        if performed_starts and s.section_start not in performed_starts:
            continue  # "Procedure performed: X" names today's procedure; a template title does not
        if s.section == "procedure" and any(ch.isalnum() for ch in s.text):
            count = seen.get(s.section_start, 0)
            if count < 2:
                out.add(s.index)
            seen[s.section_start] = count + 1
    return sorted(out)


def _third_occipital(nerves: list) -> list:
    """ "Diagnostic block #1, R third occipital nerve": the nerve names the procedure, a medial branch block."""
    return [m for m in nerves if m.meta.get("ton")]


def _title_cues(ctx: NoteContext, titles: set[int]) -> list:
    """What the procedure line names is today's procedure, even beside "prior" or "planned" words."""
    return [m for m in ctx.of("PROC") + _third_occipital(ctx.of("NERVE"))
            if m.sentence in titles and not m.negated and "UNCHECKED" not in m.modifiers
            and (m.current or (m.reason.startswith("modifier:") and ctx.sentences[m.sentence].section == "procedure"))]


def recognize_procedure(ctx: NoteContext) -> Procedure:
    ctx.performed = procedure_performed(ctx)
    titles = set(title_sentence_indexes(ctx))
    cues = ctx.current("PROC") + _third_occipital(ctx.current("NERVE"))
    title_cues = _title_cues(ctx, titles)
    if not title_cues and ctx.sentences and 0 not in titles and not ctx.sentences[0].excluded_by_section:
        # "Procedure performed today (per level):" over a table names nothing; the note's title does.
        titles.add(0)
        title_cues = _title_cues(ctx, titles)
    body_cues = [m for m in cues if m.sentence not in titles]
    if not ctx.performed:
        ctx.kind = "not_facet"
        return Procedure(kind="not_facet", described_as="clinic or consult note; no procedure performed in it")
    # Where an ablation was done: levels or nerves, or at least the spine ("right lumbar RFA at the target levels").
    has_sites = bool(ctx.current("LEVEL", "NERVE")) or _spine_rfa(ctx, title_cues + cues)
    kind = _classify(_cue_kinds(title_cues), _cue_kinds(body_cues), has_sites)
    if kind is None:  # no title: decide from the whole note
        kind = _classify_body(_cue_kinds(cues), has_sites, bool(ctx.current("LEVEL")))
    ctx.kind = kind
    described = None
    evidence = title_cues or cues
    if kind == "not_facet":
        whats = [m.meta.get("what") for m in title_cues + body_cues if m.meta.get("what")]
        described = whats[0] if whats else "a procedure that is not a facet joint procedure"
        evidence = [m for m in title_cues + body_cues if m.meta.get("cue") == "non_facet"][:4]
    else:
        evidence = [m for m in evidence if m.meta.get("cue") != "non_facet"][:4]
    return Procedure(
        kind=kind, intent=_intent(ctx, titles), described_as=described,
        spans=_outermost([(m.start, m.end) for m in evidence]),
    )


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans with those inside another removed ("FACET JOINT INJECTION" holds the cue "FACET")."""
    spans = sorted(set(spans), key=lambda s: (s[0], -s[1]))
    out: list[tuple[int, int]] = []
    for s in spans:
        if out and s[0] >= out[-1][0] and s[1] <= out[-1][1]:
            continue
        out.append(s)
    return out


_TODAY = re.compile(resources.load("scope.json")["today_statement"]["pattern"], re.I)
_INTENT_ELSEWHERE = {"assessment", "plan"}


def _intent(ctx: NoteContext, titles: set[int]) -> str | None:
    # "(diagnostic, first block)": "first block" reads as history to ConText, but on the procedure line
    # or in a procedure field it describes this block.
    mentions = [m for m in ctx.of("INTENT") if m.current or (
        not m.negated and set(m.modifiers) <= {"HISTORICAL"} and m.modifiers
        and (m.sentence in titles or ctx.sentences[m.sentence].section == "procedure")) or (
        # "Today is the second (confirmatory) diagnostic block", in the indication paragraph
        not m.negated and set(m.modifiers) <= {"HISTORICAL"} and _TODAY.match(ctx.sentences[m.sentence].text))]
    if not mentions:
        # "Procedure planned: bilateral diagnostic MBB", "Assessment: diagnostic block done on the right":
        # the intent of today's block, stated outside the procedure's own lines in plain words.
        # Not "Plan: diagnostic MBB in two weeks" after an intra-articular injection: another kind's intent.
        mentions = [m for m in ctx.of("INTENT") if not m.negated and not m.modifiers
                    and ctx.sentences[m.sentence].section in _INTENT_ELSEWHERE
                    and _facet_kind(_cue_kinds(p for p in ctx.of("PROC") if p.sentence == m.sentence)) in (None, ctx.kind)]
    if not mentions:
        return None
    in_title = [m for m in mentions if m.sentence in titles]
    chosen = (in_title or mentions)
    intents = {m.meta.get("intent") for m in chosen}
    if len(intents) == 1:
        return intents.pop()
    return chosen[0].meta.get("intent")


def region_for(ctx: NoteContext, joints: list[str]) -> str | None:
    region = session_region(joints)
    if region:
        return region
    for indexes in (title_sentence_indexes(ctx), ctx.current_sentence_indexes()):
        for i in indexes:
            for pattern, name in _REGION_WORDS:
                if pattern.search(ctx.sentences[i].text):
                    return name
    return None
