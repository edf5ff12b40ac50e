"""Tolerance recognizer: how the patient tolerated the procedure and which complications happened (DOC-TOL).

Risks listed in a consent paragraph are not a tolerance statement (scoped out by section and ConText);
negated complications ("no paresthesias", "no CSF flow") are not complications.
"""

from __future__ import annotations

import re

from .. import resources
from ..report import Tolerance
from .context import NoteContext

#: Blood or CSF seen and dealt with by moving the needle is technique, not a complication.
_HANDLED = re.compile(r"reposition\w*|redirect\w*|withdrawn slightly|adjust\w*|pulled back|re-?direct", re.I)
_TECHNIQUE_ONLY = {"bleeding", "dural puncture", "intravascular uptake", "paresthesia"}
#: Paresthesia during sensory stimulation is the test working, not a complication.
_STIMULATION = re.compile(r"stimulat\w*|volts?\b|\bhz\b|concordant", re.I)
#: Consent risks and discharge teaching name complications that might happen, not ones that did.
_RISK_LIST = re.compile(resources.load("scope.json")["risk_list_sentence"]["pattern"], re.I)


#: "was able to bend and lift a light box without difficulty": a test of function after the block, not how
#: the procedure was tolerated ("tolerated it without difficulty" has its own cue word)
_ACTIVITY_BEFORE = re.compile(r"(?:bend|lift|walk|stand|sit|turn|rotat|driv|climb|squat|reach|twist|mov)\w*"
                              r"(?:\s+[\w,]+){0,8}\s*$", re.I)


def _activity(ctx: NoteContext, m) -> bool:
    return m.text.lower().startswith("without") and bool(_ACTIVITY_BEFORE.search(ctx.text, max(0, m.start - 60), m.start))


#: Sections that sum up the visit: "IMPRESSION: ... The patient tolerated the procedure well."
_SUMMARY_SECTIONS = {"section:assessment", "section:plan"}


def _summarised(ctx: NoteContext) -> list:
    """Tolerance stated in a procedure note's impression or plan, in a sentence with no word that puts it in
    the past or future (a clinic note's "tolerated her last block well" has one)."""
    return [m for m in ctx.of("TOLERANCE", "NO_COMPLICATION")
            if not m.current and m.reason in _SUMMARY_SECTIONS and not m.modifiers
            and not ctx.sentence_excluded_cue[m.sentence]]


def recognize_tolerance(ctx: NoteContext) -> Tolerance:
    if not ctx.performed:
        return Tolerance(documented=False)
    spans: list[tuple[int, int]] = []
    complications: list[str] = []
    symptom_of: dict[str, list[str]] = {}
    documented = False
    for m in ctx.current("TOLERANCE", "NO_COMPLICATION") + _summarised(ctx):
        if m.label == "TOLERANCE" and (m.negated or _activity(ctx, m)):
            continue
        documented = True
        spans.append((m.start, m.end))
    for m in ctx.current("COMPLICATION"):
        if m.negated:
            continue
        name = m.meta.get("name", m.text.lower())
        sentence = ctx.sentence(m.sentence)
        if _RISK_LIST.search(sentence.text):
            continue
        # Listed under a COMPLICATIONS heading, the author counts it, however it was handled.
        if name in _TECHNIQUE_ONLY and _HANDLED.search(sentence.text) and sentence.section != "complications":
            continue
        if name == "paresthesia" and _STIMULATION.search(sentence.text):
            continue
        documented = True
        spans.append((m.start, m.end))
        if name not in complications:
            complications.append(name)
        if m.meta.get("symptom_of"):
            symptom_of[name] = m.meta["symptom_of"]
    # "diaphoretic and bradycardic: vasovagal reaction" is one complication, named by what it was.
    complications = [c for c in complications if not set(symptom_of.get(c, ())) & set(complications)]
    return Tolerance(documented=documented, complications=complications, spans=sorted(set(spans)))
