"""Doses, concentrations and volumes written in the many shapes notes use, attached to their drug.

"0.5 cc of 0.5% Marcaine", "1/2 cc", "1cc of a 10cc solution of Marcaine 0.5% and 100 milligrams of
methylprednisolone", "Kenalog 40 mg/1 mL", "0.5 mL per level", "a total of 3 mL" (facet-rules.md §6).
Everything here is a pure function of one sentence's text and the drug mentions in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD_NUMBERS = {
    "one-half": 0.5, "one half": 0.5, "half": 0.5, "one-quarter": 0.25, "a quarter": 0.25,
    "one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "six": 6.0, "ten": 10.0,
}
_DIGIT_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9"}
_DIGIT_WORD = "(?:" + "|".join(_DIGIT_WORDS) + ")"
#: Dictated by voice: "zero point two five" (0.25), "point five" (0.5), "one tenth" (0.1).
_SPOKEN_DECIMAL = re.compile(rf"^(?:(?P<int>{_DIGIT_WORD})\s+)?point(?P<frac>(?:\s+{_DIGIT_WORD})+)$", re.I)
_NUM = (r"(?:\d+\s*/\s*\d+(?:st|nd|rd|th)?|\d*\.\d+|\d+(?:\.\d+)?|one[- ]half|one[- ]quarter|a quarter|half|"
        rf"(?:{_DIGIT_WORD}\s+)?point(?:\s+{_DIGIT_WORD}){{1,3}}|(?:one|two|three|four|five)[- ]tenths?|"
        r"one|two|three|four|five|six|ten)")
_ML = r"(?:cc'?s?|c\.c\.|ml'?s?|milli-?lit(?:er|re)s?)(?![A-Za-z])"
#: A percentage: "0.5%", "0.5 percent", dictated "zero point five percent", "one percent".
_PCT = rf"(?:\d*\.?\d+\s*(?:%|per ?cent\b)|(?:(?:zero\s+)?point(?:\s+{_DIGIT_WORD}){{1,3}}|one|two|three|four|five|ten)\s+per ?cent\b)"
VOLUME = re.compile(
    rf"(?<![A-Za-z0-9.])(?P<total>(?:a\s+)?total(?:\s+volume)?\s+of\s+)?(?P<lo>{_NUM})(?:\s*(?:-|–|to)\s*(?P<hi>{_NUM}))?"
    rf"\s*(?:(?:of\s+(?:a|an|one)\s+)?{_ML})",
    re.I,
)
CONCENTRATION = re.compile(
    rf"(?<![A-Za-z0-9.])(?:(?P<pct>{_PCT})|(?P<mgml>\d+(?:\.\d+)?\s*(?:mg|mcg)\s*(?:/|per)\s*(?:1\s*)?(?:ml|cc)))(?![A-Za-z])",
    re.I,
)
DOSE = re.compile(
    r"(?<![A-Za-z0-9.])(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>mg|milligrams?|mcg|micrograms?|units?)(?!\s*(?:/|per)\s*(?:1\s*)?(?:ml|cc))(?![A-Za-z])",
    re.I,
)
MIXTURE = re.compile(
    rf"(?P<vol>{VOLUME.pattern})\s*(?:(?:into|in|to|at)\s+)?(?:(?:per|each|/)\s*(?:of\s+the\s+(?:\w+\s+)?)?(?:joints?|levels?|sites?|nerves?|sides?|targets?)\s+)?(?:total\s+)?(?:of\s+)?(?:(?:a|an|the|this|same)\s+)?(?:(?:{_NUM})\s*{_ML}\s+)?"
    rf"(?:\d+\s*:\s*\d+\s+|(?:equal[- ]parts?|equal[- ]volumes?|50/50|1:1)[- ]?\s*)?(?:(?:{_PCT}|\d+\s*mg\s*/\s*ml)\s+)?(?:steroid\s+|treatment\s+|injectate\s+|local\s+anesthetic\s+)?"
    r"(?:solution|mixture|mix|combination|cocktail|injectate|preparation|medications?|medication\s+mixture|"
    r"(?=containing|consisting of|comprised of|made up of))\b",
    re.I,
)
#: "... had been prepared, and 0.5 cc of this mixture was injected": the volume of a mixture named before it.
MIXTURE_BACKREF = re.compile(
    rf"(?:(?P<vol>{VOLUME.pattern})\s+(?:of\s+)?(?:this|that|the|the above|the same|said)\s+(?:mixture|solution|injectate|mix|combination|preparation)\b"
    rf"|(?:diluted|brought|made up|drawn up)\s+(?:up\s+)?to\s+(?:a\s+(?:total|volume)\s+(?:volume\s+)?of\s+)?{VOLUME.pattern.replace('?P<total>', '?:').replace('?P<lo>', '?P<lo2>').replace('?P<hi>', '?P<hi2>')})",
    re.I,
)
#: "Injected 0.8 mL per side: Depo-Medrol 40 mg in 0.5% bupivacaine" — a volume introducing a list.
MIXTURE_COLON = re.compile(rf"(?P<vol>{VOLUME.pattern})(?:\s+(?:each|total|in total|per\s+\w+))?\s*[:(=]", re.I)
_TABLE_GAP = re.compile(r"[^\S\n]*\|[^\S\n]*|")
_CONTRAST_STRENGTH = re.compile(r"(?<![0-9.])(?P<n>1[4-9]0|2[0-9]0|3[0-7]0)(?![0-9])", re.I)
_ATTACH_BEFORE = re.compile(
    rf"^\s*,?\s*(?:(?:per|each|/)\s*(?:joint|level|site|nerve|side|target|injection)\s+)?(?:(?:in\s+)?total\s+)?(?:of\s+)?(?:(?:a|an|the)\s+)?(?:(?:{_PCT}|\d+(?:\.\d+)?\s*mg(?:\s*/\s*(?:1\s*)?ml)?|preservative[- ]free|pf|plain|"
    r"sterile|nonionic|non-ionic)\s*(?:of\s+)?)*$",
    re.I,
)
_ATTACH_AFTER = re.compile(
    rf"^\s*\)?\s*(?:\([^)]{{0,30}}\)\s*)?(?:(?:was|were)\s+(?:used|given|injected|administered)\s*[:,-]\s*)?(?:\d+(?:\.\d+)?\s*mg\s+(?:diluted\s+|mixed\s+)?(?:in|into|to)\s+(?:a\s+total\s+of\s+)?$)?(?:,?\s*(?:approximately|approx\.?|about|~)\s*)?(?:[,|]?\s*(?:{_PCT}|\d+(?:\.\d+)?\s*mg(?:\s*/\s*(?:1\s*)?ml)?|[1-3][0-9]0))*\s*[,:()|-]*\s*(?:(?:plain|preservative[- ]free|pf|with epi(?:nephrine)?)\s*)?(?:(?:approximately|approx\.?|about|~)\s*)?"
    # a form's own label for the volume: "Bupivacaine 0.75%   Volume per nerve: 0.4 mL"
    r"(?:(?:total\s+)?vol(?:ume)?(?:\s*(?:per|/)\s*(?:nerve|level|joint|site|side|cannula|target|injection))?\s*[:=]?\s*)?"
    r"(?:x\s*)?$",
    re.I,
)
_DOSE_BEFORE = re.compile(r"^\s*(?:o[fn]\s+)?(?:(?:preservative[- ]free|pf)\s+)?$", re.I)
_DOSE_AFTER = re.compile(rf"^\s*(?:\([^)]{{0,30}}\)\s*)?(?:,?\s*{_PCT}\s*)?[,:(-]?\s*$", re.I)
_CONC_BEFORE = re.compile(r"^\s*(?:of\s+)?(?:(?:preservative[- ]free|pf|plain)\s+)?(?:solution\s+of\s+)?$", re.I)
_CONC_AFTER = re.compile(r"^\s*\)?\s*(?:\([^)]{0,30}\)\s*)?[,:(|-]?\s*$", re.I)  # "|": a medication table's cell
_TRAILING_TOTAL = re.compile(
    r"^[^.;]{0,40}?(?:[,;(]|\bto\b|\bfor\b)\s*(?:(?:for\s+)?(?:a\s+)?total(?:\s+(?:volume|injectate|of))*\s*(?:of\s+)?(?P<vol>[\d./]+\s*(?:cc|ml|mls)\b)"
    r"|(?P<vol_>[\d./]+\s*(?:cc|ml|mls))\s+(?:(?:in\s+)?total(?:\s+vol(?:ume)?)?|per\s+(?:joint|jt|jnt|level|lvl|site|nerve|side|target|injection)|each|ea)\b)",
    re.I,
)
_JOINED = re.compile(
    rf"^\s*(?:(?:{_PCT}|\d+(?:\.\d+)?\s*mg\s*/\s*(?:1\s*)?ml)\s*)?(?:[\d./]+\s*(?:cc|ml)\s+)?(?:(?:plain|preservative[- ]free|pf)\s+)?(?:,\s*)?(?:with|\+|plus|and|&|/|mixed with|combined with|containing|in)\s*"
    rf"(?:(?:\d+(?:\.\d+)?\s*(?:mg|mcg|milligrams?)|{_PCT})\s*(?:of\s+)?)?(?:preservative[- ]free\s+)?$",
    re.I,
)
_MIXED_INTO = re.compile(
    r"^\s*(?:\d+(?:\.\d+)?\s*mg(?:\s*/\s*ml)?\s*)?\)?\s*(?:(?:mixed|combined|diluted|drawn up)\s+(?:1\s*:\s*1\s+)?(?:with|in|into)|\+|plus|and|with|in)\s+"
    rf"(?:[\d./]+\s*(?:cc|ml)\s*(?:of\s+)?)?(?:(?:preservative[- ]free|pf|normal|sterile|{_PCT})\s*)*$",
    re.I,
)
_MIX_GAP_BREAK = re.compile(r"\bwas\b|\bwere\b|;|\binjected\b|\.\s", re.I)


def parse_number(text: str) -> float | None:
    t = text.strip().lower()
    tenths = re.match(r"^(one|two|three|four|five)[- ]tenths?$", t)
    if tenths:
        return _WORD_NUMBERS[tenths[1]] / 10
    t = re.sub(r"(st|nd|rd|th)$", "", t)
    if t in _WORD_NUMBERS:
        return _WORD_NUMBERS[t]
    spoken = _SPOKEN_DECIMAL.match(t)
    if spoken:
        whole = _DIGIT_WORDS[spoken["int"].lower()] if spoken["int"] else "0"
        return float(whole + "." + "".join(_DIGIT_WORDS[w.lower()] for w in spoken["frac"].split()))
    if "/" in t:
        num, den = (p.strip() for p in t.split("/", 1))
        try:
            return float(num) / float(den) if float(den) else None
        except ValueError:
            return None
    try:
        return float(t)
    except ValueError:
        return None


def _volume_value(m: re.Match) -> float | None:
    return _volume_value_of(m["lo"], m["hi"])


def _volume_value_of(lo_text: str | None, hi_text: str | None) -> float | None:
    if lo_text is None:
        return None
    lo = parse_number(lo_text)
    hi = parse_number(hi_text) if hi_text else None
    value = hi if hi is not None else lo
    return round(value, 4) if value is not None and 0 < value <= 100 else None


def normalise_concentration(text: str) -> str:
    spoken = re.match(r"^(.*?)\s+per ?cent$", text.strip(), re.I)  # "zero point five percent" (dictated)
    if spoken and re.search(r"[a-z]", spoken[1], re.I):
        value = parse_number(spoken[1])
        if value is not None:
            return f"{value:g}%"
    t = re.sub(r"\s+", "", text.lower()).replace("percent", "%")
    if t.endswith("%"):
        num = t[:-1]
        return f"{'0' + num if num.startswith('.') else num}%"
    m = re.match(r"(\d+(?:\.\d+)?)(mg|mcg)(?:/|per)(?:1)?(?:ml|cc)", t)
    return f"{m.group(1)} {m.group(2)}/mL" if m else text.strip()


def normalise_dose(num: str, unit: str) -> str:
    unit = unit.lower()
    unit = {"milligram": "mg", "milligrams": "mg", "microgram": "mcg", "micrograms": "mcg", "unit": "units"}.get(unit, unit)
    value = float(num)
    return f"{int(value) if value.is_integer() else value:g} {unit}"


@dataclass
class DrugQuantities:
    concentration: str | None = None
    dose: str | None = None
    volume_ml: float | None = None
    #: Where each value was read, as (start, end) offsets into the sentence.
    spans: tuple[tuple[int, int], ...] = ()


def _starts_line(text: str, at: int) -> bool:
    """Is ``at`` the first non-blank character of its line (a list row's first word)?"""
    line_start = text.rfind("\n", 0, at) + 1
    return line_start > 0 and not text[line_start:at].strip(" \t-*\u2022")


def attribute_quantities(sentence: str, drugs: list[tuple[int, int]], contrast: list[bool] | None = None) -> list[DrugQuantities]:
    """For each drug mention (offsets into ``sentence``), the concentration, dose and volume written for it.

    A volume attached to the drug ("0.5 cc of Marcaine", "Marcaine 0.5%, 1 mL") wins over the volume of
    a mixture that contains it ("1cc of a 10cc solution of Marcaine and Depo-Medrol").
    """
    contrast = contrast or [False] * len(drugs)
    volumes = [(m.start(), m.end(), _volume_value(m)) for m in VOLUME.finditer(sentence)]
    volumes = [v for v in volumes if v[2] is not None]
    concs = [(m.start(), m.end(), normalise_concentration(m.group())) for m in CONCENTRATION.finditer(sentence)]
    doses = [(m.start(), m.end(), normalise_dose(m["num"], m["unit"])) for m in DOSE.finditer(sentence)]
    mixtures = [(m.start(), m.end(), _volume_value(m)) for pattern in (MIXTURE, MIXTURE_COLON) for m in pattern.finditer(sentence)]
    mixtures = [x for x in mixtures if x[2] is not None]
    out: list[DrugQuantities] = []
    for i, (ds, de) in enumerate(drugs):
        prev_end = drugs[i - 1][1] if i else 0
        next_start = drugs[i + 1][0] if i + 1 < len(drugs) else len(sentence)
        q = DrugQuantities()
        spans: list[tuple[int, int]] = []
        # concentration
        for s, e, c in reversed(concs):
            if e <= ds and s >= prev_end and _CONC_BEFORE.match(sentence[e:ds]):
                q.concentration = c; spans.append((s, e)); break
        if q.concentration is None:
            for s, e, c in concs:
                if s >= de and e <= next_start and _CONC_AFTER.match(sentence[de:s]):
                    q.concentration = c; spans.append((s, e)); break
        if q.concentration is None:
            # "a 40 mg/mL solution of Kenalog"
            for s, e, c in reversed(concs):
                if e <= ds and s >= prev_end and re.match(r"^\s*(?:solution|suspension|concentration)\s+of\s+$", sentence[e:ds], re.I):
                    q.concentration = c; spans.append((s, e)); break
        if q.concentration is None and contrast[i]:
            # "Omnipaque 240", "Isovue-M200" (the tokenizer may keep the strength inside the mention)
            cells = _TABLE_GAP.match(sentence, de).end() - de  # "Isovue-M     | 200 |": the next cell
            m = _CONTRAST_STRENGTH.search(sentence, ds, min(next_start, de + max(12, cells + 3)))
            if m:
                q.concentration = m["n"]; spans.append((m.start("n"), m.end("n")))
        # dose
        for s, e, d in reversed(doses):
            if e <= ds and s >= prev_end and _DOSE_BEFORE.match(sentence[e:ds]):
                q.dose = d; spans.append((s, e)); break
        if q.dose is None:
            for s, e, d in doses:
                if s >= de and e <= next_start and _DOSE_AFTER.match(sentence[de:s]):
                    q.dose = d; spans.append((s, e)); break
        # volume: attached to this drug
        for s, e, v in reversed(volumes):
            # not the volume closing the row above, whose own drug it follows ("iohexol 240 - 0.4 mL\n
            # methylprednisolone acetate - 80 mg"); a wrapped sentence ("... 40 mg with 1 mL\nbupivacaine") is no row
            own_line_drug = (i > 0 and "\n" in sentence[e:ds] and "\n" not in sentence[prev_end:s]
                             and _starts_line(sentence, ds) and _starts_line(sentence, drugs[i - 1][0]))
            if e <= ds and s >= prev_end and _ATTACH_BEFORE.match(sentence[e:ds]) and not own_line_drug:
                q.volume_ml = v; spans.append((s, e)); break
        if q.volume_ml is None:
            for s, e, v in volumes:
                if s >= de and e <= next_start and _ATTACH_AFTER.match(sentence[de:s]):
                    q.volume_ml = v; spans.append((s, e)); break
        recipe = _recipe_volume(sentence, ds, mixtures)
        if recipe is not None and q.volume_ml is not None and q.volume_ml > recipe:
            q.volume_ml = None  # "1/2 cc of solution (9 cc Marcaine + 1 cc Kenalog)": the recipe, not the dose
        # volume: the mixture this drug is part of
        if q.volume_ml is None:
            for s, e, v in reversed(mixtures):
                if e <= ds and not _MIX_GAP_BREAK.search(sentence[e:ds]):
                    q.volume_ml = v; spans.append((s, e)); break
        # "0.5 mL of 0.5% Sensorcaine with 40 mg Kenalog": a drug joined to the previous one shares its volume
        if q.volume_ml is None and i and out and out[-1].volume_ml is not None and _JOINED.match(sentence[prev_end:ds]):
            q.volume_ml = out[-1].volume_ml
        q.spans = tuple(spans)
        out.append(q)
    # "10 mg of dexamethasone mixed with 1 mL of saline": a drug mixed into the next one shares its volume.
    for i in range(len(drugs) - 1, 0, -1):
        prev_q, q = out[i - 1], out[i]
        if prev_q.volume_ml is None and q.volume_ml is not None and _MIXED_INTO.match(sentence[drugs[i - 1][1]:drugs[i][0]]):
            prev_q.volume_ml = q.volume_ml
    # "0.5 cc of this mixture was injected": the injected volume of everything mixed before it.
    if drugs:
        back = [m for m in MIXTURE_BACKREF.finditer(sentence) if m.start() >= drugs[-1][1] or m.start() >= drugs[0][1]]
        if back:
            hit = back[-1]
            value = _volume_value(hit) if hit["lo"] else _volume_value_of(hit["lo2"], hit["hi2"])
            if value is not None:
                for q in out:
                    q.volume_ml = value
                    q.spans = q.spans + ((back[-1].start(), back[-1].end()),)
    # "Kenalog 40 mg + 0.5% Marcaine, total 1 mL": a total after the last drug is the mixture's volume.
    if drugs:
        tail = _TRAILING_TOTAL.match(sentence[drugs[-1][1]:])
        if tail:
            group = "vol" if tail.group("vol") else "vol_"
            value = _volume_value(VOLUME.search(tail.group(group)))
            for q in out:
                if q.volume_ml is None and value is not None:
                    q.volume_ml = value
                    q.spans = q.spans + ((drugs[-1][1] + tail.start(group), drugs[-1][1] + tail.end(group)),)
    return out


def _recipe_volume(sentence: str, drug_start: int, mixtures: list[tuple[int, int, float | None]]) -> float | None:
    """The injected volume of a mixture whose recipe names this drug ("1/2 cc of solution (9 cc of 0.5%
    Marcaine with 1 cc of Triamcinolone)"), or None."""
    for s, e, v in mixtures:
        gap = sentence[e:drug_start]
        if e <= drug_start and re.search(r"\(|consisting of|containing|made (?:up )?of|prepared (?:with|from)|composed of", gap, re.I) \
                and not _MIX_GAP_BREAK.search(gap):
            return v
    return None


def standalone_volume(sentence: str) -> tuple[float, tuple[int, int]] | None:
    """A volume in a sentence that names no drug ("0.5 mL was injected at each level")."""
    for m in VOLUME.finditer(sentence):
        v = _volume_value(m)
        if v is not None:
            return v, (m.start(), m.end())
    return None
