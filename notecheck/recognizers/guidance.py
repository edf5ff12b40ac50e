"""Guidance recognizer: imaging modality used for this procedure, or said not to be (DOC-GUIDE, MED-11, CPT-5).

Supporting detail is kept where stated: views, contrast confirmation, images saved.
"""

from __future__ import annotations

import re

from ..report import Guidance
from .context import NoteContext

_NEGATION_SECTIONS = {"section:indication", "section:consent"}
#: Where a procedure took place is not how the needle was guided.
_PLACE_ONLY = re.compile(r"^(?:fluoro(?:scopy|scopic)?)\s+(?:suite|table|room|unit|lab)", re.I)
_DETAILS = (
    ("AP view", re.compile(r"\b(?:ap|a/p|pa|anteroposterior)\b(?:\s+(?:and|&)\s+\w+)?\s+(?:fluoroscopic\s+)?(?:views?|projections?|images?|radiographs?)", re.I)),
    ("lateral view", re.compile(r"\blateral\s+(?:fluoroscopic\s+)?(?:views?|projections?|images?|imaging|radiographs?)|\b(?:and|&)\s+lateral\b", re.I)),
    ("oblique view", re.compile(r"\boblique(?:ly)?\b", re.I)),
    ("contrast confirmation", re.compile(r"(?:contrast|dye|omnipaque|isovue|arthrogram)\b[^.]{0,80}?(?:confirm|spread|outlin|pattern|flow|arthrogram|opacif|visuali)|(?:confirm\w*|verif\w*)[^.]{0,60}?(?:contrast|dye)", re.I)),
    ("images saved", re.compile(r"images?\s+(?:were\s+|was\s+)?(?:saved|stored|archived|recorded|retained|printed|captured)|(?:saved|stored|archived)\s+(?:fluoroscopic\s+)?images?|hard cop(?:y|ies)|permanent record", re.I)),
)


def recognize_guidance(ctx: NoteContext) -> tuple[list[Guidance], list[tuple[int, int]]]:
    if not ctx.performed:
        return [], []
    items: dict[tuple[str, bool], Guidance] = {}
    # "She is pregnant, so fluoroscopy was not used" is often said with the indication: a negated
    # modality there still describes this procedure (unless it is history).
    mentions = [m for m in ctx.of("GUIDANCE") if m.current or (
        m.negated and m.reason in _NEGATION_SECTIONS and "HISTORICAL" not in m.modifiers)]
    # "CT fluoroscopy" is CT: a mention inside another modality's mention is part of it.
    mentions = [m for m in mentions if not any(o is not m and o.start <= m.start and m.end <= o.end
                                               and (o.end - o.start) > (m.end - m.start) for o in mentions)]
    for m in mentions:
        modality = m.meta.get("modality")
        if modality == "fluoroscopy" and re.search(r"\bCT[\s-]+$", ctx.text[max(0, m.start - 4):m.start], re.I):
            continue  # "under CT fluoroscopy" is CT guidance
        if _PLACE_ONLY.match(ctx.text[m.start:m.end + 12]):
            continue
        if modality == "generic":
            if not m.negated:
                continue  # "under image guidance" names no modality; "without imaging guidance" negates fluoroscopy
            modality = "fluoroscopy"
        key = (modality, m.negated)
        item = items.get(key)
        if item is None:
            item = items[key] = Guidance(modality=modality, negated=m.negated)
        item.spans.append((m.start, m.end))
    landmark = [(m.start, m.end) for m in ctx.current("LANDMARK") if not m.negated]
    # Detail for the positive modalities, read from the sentences that state them.
    for (modality, negated), item in items.items():
        if negated:
            continue
        sentences = {m.sentence for m in ctx.current("GUIDANCE") if (m.start, m.end) in item.spans}
        sentences |= set(ctx.current_sentence_indexes()) if modality == "fluoroscopy" else set()
        text = " ".join(ctx.sentence(i).text for i in sorted(sentences) if not ctx.sentence(i).excluded_by_section)
        item.details = [name for name, pattern in _DETAILS if pattern.search(text)]
    # Used and "not used" for one modality: a negation near a later mention ("no vascular flow on live
    # fluoro", "a post-procedure fluoroscopic image was not needed") does not undo its use.
    for modality in {m for m, negated in items if not negated}:
        items.pop((modality, True), None)
    for item in items.values():
        item.spans = sorted(set(item.spans))
    return sorted(items.values(), key=lambda g: (g.negated, g.modality)), landmark
