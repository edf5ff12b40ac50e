"""Medications recognizer: each drug given in this procedure, with concentration, dose and volume (DOC-MED,
DOC-VOL). Skin-wheal local anaesthetic is kept but marked ``injectate=False``; sedation agents are not
medications here (they document sedation, DOC-SED)."""

from __future__ import annotations

import re
from dataclasses import replace

from ..quantities import attribute_quantities, standalone_volume
from ..resources import load
from ..report import Medication
from .context import NoteContext

_SKIN = re.compile(
    r"skin|subcutaneous(?:ly)?|s\.?q\.?|wheal|weal|superficial|local infiltration|infiltrat\w*|dermal|track|"
    r"anesthetized the|anaesthetized the|raised|numb(?:ed)? the",
    re.I,
)
_TARGET = re.compile(
    r"into (?:the|each) (?:\w+ )?(?:joint|facet)|intra-?articular|(?:at|onto|to) (?:the|each) (?:\w+ )?(?:medial branch|nerve|level)|"
    r"injected (?:at|into|onto) each|per (?:level|joint|nerve|site|target|cannula)|each (?:level|joint|nerve|site|target|cannula)|"
    r"to anesthetize the medial|before lesioning|prior to lesioning",
    re.I,
)
#: the skin is what the drug numbed ("The skin at each site was anesthetized with 1% lidocaine, 1 mL per site",
#: "Skin: 1% lidocaine 1 mL per site"): "per site" there counts skin sites, not targets
_SKIN_SUBJECT = re.compile(
    r"(?<![A-Za-z])(?:skin|subcutaneous tissues?|superficial tissues?|skin and (?:subcutaneous|subq|soft) tissues?)"
    r"(?:\s+(?:local(?:\s+an[a]?esthetic)?|an[a]?esthetic|an[a]?esthesia|infiltration|wheals?))?"  # "Skin local: 1% lidocaine"
    r"(?:\s+(?:at|over|overlying)\s+(?:each|the|all)(?:\s+[\w-]+){0,3})?"
    r"\s*(?::|(?:was|were)\s+(?:then\s+)?(?:anesthetized|anaesthetized|anesthetised|anaesthetised|infiltrated|numbed)\s+with)"
    r"[^.;]{0,25}$",
    re.I,
)
#: the drug's own words say skin ("1% lidocaine skin infiltration, 1 mL per site", "lido 1% skin wheal")
#: ("Lidocaine 1% ..... 1.5 mL total, skin" in a medication record)
_SKIN_NEXT = re.compile(
    r"(?:[\s,.:|-]|\([^)]{0,20}\)|\d*\.?\d+\s*(?:%|ml|cc)?|total\b)*(?:(?:for|to|at)\s+(?:the\s+)?)?"
    r"(?:skin|subcutaneous|subq|s\.q\.|wheals?|local infiltration)(?![A-Za-z])",
    re.I,
)
#: ... or the words just before it do ("Skin wheals with 1% lidocaine, 2 mL per site")
_SKIN_BEFORE = re.compile(
    r"(?<![A-Za-z])(?:skin|wheals?|subcutaneous(?:\s+tissues?)?)(?:\s+[a-z]+){0,2}?\s+(?:with|of|using)\s+"
    r"(?:\d*\.?\d+\s*%\s*)?$",
    re.I,
)
#: a drug said and at once taken back in dictation (scope.json "correction")
_RETRACTED = re.compile(load("scope.json")["correction"]["retracted_after"], re.I)
#: "T6 medial branch | Left | 0.4 mL": a table row's volume cell, under the injectate named above the table
_VOLUME_CELL = re.compile(r"\|\s*\d*\.?\d+\s*(?:ml|cc)\s*(?:\||$)", re.I)
_INJECT = re.compile(r"inject\w*|instill\w*|administer\w*|deliver\w*|placed|per (?:level|joint|site|nerve)|each (?:level|joint|site)", re.I)


def _is_skin_local(sentence: str, start: int, end: int, role: str, alone: bool, label: str = "") -> bool:
    """Skin-wheal / subcutaneous local anaesthetic: a skin cue near the drug (anywhere in the sentence when
    it names no other drug) and no cue that it went to the joint or nerve. ``label``: the sentence before,
    which may be the field label the drug is the value of ("Skin local:")."""
    if role != "anesthetic":
        return False
    if _SKIN_SUBJECT.search(sentence, 0, start):
        return True
    if label.rstrip().endswith(":") and _SKIN_SUBJECT.search(label.rstrip() + " " + sentence[:start]):
        return True  # "Skin local:" on the line above "1% lidocaine, 1 mL per site."
    if _SKIN_NEXT.match(sentence, end, end + 40) or _SKIN_BEFORE.search(sentence, max(0, start - 50), start):
        # "per site" then counts skin sites; a joint or nerve still wins
        return not any("site" not in m.group().lower()
                       for m in _TARGET.finditer(sentence[max(0, start - 40): end + 60]))
    window = sentence if alone else sentence[max(0, start - 70): end + 70]
    return bool(_SKIN.search(window)) and not _TARGET.search(sentence[max(0, start - 40): end + 60])


def recognize_medications(ctx: NoteContext) -> list[Medication]:
    if not ctx.performed:
        return []
    current = ctx.current("DRUG")
    # "No contrast was given because of a contrast allergy": once a sentence says a drug was not
    # given, its later mentions in that sentence are about the same absence.
    absent_from = {}
    for m in current:
        if m.negated:
            absent_from.setdefault((m.sentence, m.meta["generic"]), m.start)
    mentions = [m for m in current if not m.negated
                and m.start < absent_from.get((m.sentence, m.meta["generic"]), m.start + 1)
                and not _RETRACTED.match(ctx.text, m.end, m.end + 40)]  # "2% lidocaine... no, correction, ..."
    named_contrast = [m for m in mentions if m.meta["role"] == "contrast" and m.meta["generic"] != "contrast"]
    # "Omnipaque 240 dye": the generic word is the same drug; once a contrast is named, "contrast" is that one
    # ("Contrast: Omnipaque 240" ... "0.2 mL contrast each" is the Omnipaque's volume).
    if named_contrast:
        names = {m.meta["generic"] for m in named_contrast}
        if len(names) == 1:
            named = dict(named_contrast[0].meta)
            mentions = [replace(m, meta=named) if m.meta["generic"] == "contrast" else m for m in mentions]
        else:
            mentions = [m for m in mentions if m.meta["generic"] != "contrast"]
    # Overlapping aliases ("Depo-Medrol" and "Medrol"): keep the longest.
    kept = []
    for m in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)

    merged: dict[str, Medication] = {}
    order: list[str] = []
    by_sentence: dict[int, list] = {}
    for m in kept:
        by_sentence.setdefault(m.sentence, []).append(m)
    last_injectates: list[str] = []
    for index in sorted(set(by_sentence) | set(ctx.current_sentence_indexes())):
        sent = ctx.sentence(index)
        drugs = by_sentence.get(index, [])
        if not drugs:
            # "0.5 mL was injected at each level": the volume of the drugs named just before.
            vol = standalone_volume(sent.text) if _INJECT.search(sent.text) or _VOLUME_CELL.search(sent.text) else None
            if vol and last_injectates:
                for name in last_injectates:
                    med = merged[name]
                    if med.volume_ml is None and med.role != "contrast":
                        med.volume_ml = vol[0]
                        med.spans.append((sent.start + vol[1][0], sent.start + vol[1][1]))
            continue
        rel = [(m.start - sent.start, m.end - sent.start) for m in drugs]
        quantities = attribute_quantities(sent.text, rel, [m.meta["role"] == "contrast" for m in drugs])
        names_here = []
        for m, q, (rs, re_) in zip(drugs, quantities, rel):
            name, role = m.meta["generic"], m.meta["role"]
            injectate = not _is_skin_local(sent.text, rs, re_, role, alone=len(drugs) == 1,
                                           label=ctx.sentences[index - 1].text if index else "")
            spans = [(m.start, m.end)] + [(sent.start + s, sent.start + e) for s, e in q.spans]
            med = merged.get(name)
            if med is None:
                med = Medication(name=name, role=role, injectate=injectate, spans=[])
                merged[name] = med
                order.append(name)
            # An injectate mention's values win over a skin-wheal mention's.
            if injectate and not med.injectate:
                med.injectate = True
                med.concentration, med.dose, med.volume_ml = q.concentration, q.dose, q.volume_ml
            elif injectate or not med.injectate:
                med.concentration = med.concentration or q.concentration
                med.dose = med.dose or q.dose
                if med.volume_ml is None:
                    med.volume_ml = q.volume_ml
            med.spans.extend(spans)
            if injectate:
                names_here.append(name)
        if names_here:
            last_injectates = names_here
    for med in merged.values():
        med.spans = sorted(set(med.spans))
    return [merged[n] for n in order]
