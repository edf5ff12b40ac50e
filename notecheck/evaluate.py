"""`notecheck eval`: the pipeline against annotated notes, per element precision / recall / F1, and each miss.

Gold files follow corpora/ANNOTATION.md: ``NAME.json`` beside ``NAME.txt``, or one JSON Lines file of
gold records (``--gold``) for notes kept elsewhere (the real notes in ../shared stay there).

Each element is scored as sets of items per note, summed over notes (micro-averaged):
levels (joint), laterality (joint, side), medications (generic name), volume (name, mL), guidance
(modality, negated), tolerance (documented), procedure kind (one label per note). Evidence is scored
as the share of matched gold items whose ``evidence`` overlaps a predicted span.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .check import check_note
from .profiles import DEFAULT_PAYER, load_profile
from .reading import read_note_file
from .report import Code, NoteReport

ELEMENTS = ("levels", "laterality", "medications", "volume", "guidance", "tolerance", "procedure_kind")
EXTRA_ELEMENTS = ("derived", "injectate", "concentration", "dose", "complications", "region", "intent")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Miss:
    note_id: str
    element: str
    kind: str  # "missed" (in gold, not found) or "spurious" (found, not in gold)
    item: Any


@dataclass
class EvalResult:
    scores: dict[str, Score] = field(default_factory=lambda: {e: Score() for e in ELEMENTS + EXTRA_ELEMENTS})
    misses: list[Miss] = field(default_factory=list)
    evidence_matched: int = 0
    evidence_total: int = 0
    notes: int = 0
    unreadable: list[str] = field(default_factory=list)
    kind_confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Per finding code, and overall for error-severity codes (notes whose gold has expected_findings).
    findings: dict[str, Score] = field(default_factory=dict)
    findings_errors: Score = field(default_factory=Score)
    findings_all: Score = field(default_factory=Score)
    findings_notes: int = 0
    #: Supported codes: notes whose predicted codes equal the gold exactly.
    codes_exact: int = 0
    codes_notes: int = 0
    code_lines: Score = field(default_factory=Score)

    @property
    def codes_exact_rate(self) -> float:
        return self.codes_exact / self.codes_notes if self.codes_notes else 1.0

    @property
    def evidence_rate(self) -> float:
        return self.evidence_matched / self.evidence_total if self.evidence_total else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "notes": self.notes,
            "elements": {k: v.as_dict() for k, v in self.scores.items()},
            "evidence_overlap": round(self.evidence_rate, 4),
            "kind_confusion": self.kind_confusion,
            "findings": {
                "notes": self.findings_notes, "errors": self.findings_errors.as_dict(), "all": self.findings_all.as_dict(),
                "per_code": {k: v.as_dict() for k, v in sorted(self.findings.items())},
            },
            "codes": {"notes": self.codes_notes, "exact_match": round(self.codes_exact_rate, 4),
                      "lines": self.code_lines.as_dict()},
            "misses": [m.__dict__ for m in self.misses],
            "unreadable": self.unreadable,
        }


# --- item extraction: the same functions read gold and predictions ---------------------------------

def _levels(d: dict) -> set:
    return {lv["joint"] for lv in d.get("levels", [])}


def _laterality(d: dict) -> set:
    return {(lv["joint"], lv.get("laterality")) for lv in d.get("levels", [])}


def _derived(d: dict) -> set:
    return {(lv["joint"], bool(lv.get("derived_from_nerves"))) for lv in d.get("levels", [])}


#: The generic names the annotation guide writes (corpora/ANNOTATION.md); any other drug is annotated
#: "other", so a report that names it ("levobupivacaine", "mepivacaine") is compared as "other".
ANNOTATED_DRUG_NAMES = frozenset({
    "bupivacaine", "lidocaine", "ropivacaine", "triamcinolone", "methylprednisolone", "betamethasone",
    "dexamethasone", "iohexol", "iopamidol", "contrast", "phenol", "alcohol", "glycerol", "saline", "other"})


def _name(m: dict) -> str:
    name = m["name"].lower()
    return name if name in ANNOTATED_DRUG_NAMES else "other"


def _meds(d: dict) -> set:
    return {_name(m) for m in d.get("medications", [])}


def _volume(d: dict) -> set:
    return {(_name(m), round(float(m["volume_ml"]), 3)) for m in d.get("medications", []) if m.get("volume_ml") is not None}


def _injectate(d: dict) -> set:
    return {(_name(m), bool(m.get("injectate", True))) for m in d.get("medications", [])}


def _norm(s: str | None) -> str | None:
    return None if s is None else "".join(str(s).lower().split())


def _concentration(d: dict) -> set:
    return {(_name(m), _norm(m.get("concentration"))) for m in d.get("medications", []) if m.get("concentration")}


def _dose(d: dict) -> set:
    return {(_name(m), _norm(m.get("dose"))) for m in d.get("medications", []) if m.get("dose")}


def _guidance(d: dict) -> set:
    return {(g["modality"], bool(g.get("negated"))) for g in d.get("guidance", [])}


def _tolerance(d: dict) -> set:
    return {"documented"} if d.get("tolerance", {}).get("documented") else set()


def _complications(d: dict) -> set:
    return set(d.get("tolerance", {}).get("complications", []) or [])


def _kind(d: dict) -> set:
    return {d.get("procedure", {}).get("kind")}


def _region(d: dict) -> set:
    r = d.get("procedure", {}).get("region")
    return {r} if r else set()


def _intent(d: dict) -> set:
    i = d.get("procedure", {}).get("intent")
    return {i} if i else set()


ITEMS: dict[str, Callable[[dict], set]] = {
    "levels": _levels, "laterality": _laterality, "medications": _meds, "volume": _volume,
    "guidance": _guidance, "tolerance": _tolerance, "procedure_kind": _kind,
    "derived": _derived, "injectate": _injectate, "concentration": _concentration, "dose": _dose,
    "complications": _complications, "region": _region, "intent": _intent,
}


# --- corpus loading -----------------------------------------------------------------------------------

def load_gold(corpus: Path, gold_file: Path | None = None) -> list[tuple[Path, dict]]:
    """(note path, gold record) pairs, sorted by note id."""
    pairs: list[tuple[Path, dict]] = []
    if gold_file is not None:
        for line_no, line in enumerate(gold_file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{gold_file}:{line_no}: not valid JSON ({exc.msg})") from None
            pairs.append((corpus / f"{record['note_id']}.txt", record))
    else:
        for gold_path in sorted(corpus.glob("*.json")):
            try:
                record = json.loads(gold_path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{gold_path}: not valid JSON ({exc.msg})") from None
            pairs.append((gold_path.with_suffix(".txt"), record))
    return sorted(pairs, key=lambda p: p[0].stem)


def _evidence_span(text: str, item: dict) -> tuple[int, int] | None:
    evidence = item.get("evidence")
    if not evidence:
        return None
    start = -1
    for _ in range(int(item.get("evidence_occurrence", 1))):
        start = text.find(evidence, start + 1)
        if start < 0:
            return None
    return start, start + len(evidence)


def _overlaps(span: tuple[int, int], spans: Iterable) -> bool:
    return any(s < span[1] and span[0] < e for s, e in spans)


def score_evidence(text: str, gold: dict, pred: dict, result: EvalResult) -> None:
    """For gold items with evidence that were found: does a predicted span overlap the evidence?"""
    keyed = (
        ("levels", "joint", lambda x: x["joint"]),
        ("medications", "name", _name),
        ("guidance", "modality", lambda x: (x["modality"], bool(x.get("negated")))),
    )
    for element, _, key in keyed:
        predicted = {key(x): x.get("spans", []) for x in pred.get(element, [])}
        for item in gold.get(element, []):
            span = _evidence_span(text, item)
            if span is None or key(item) not in predicted:
                continue
            result.evidence_total += 1
            if _overlaps(span, predicted[key(item)]):
                result.evidence_matched += 1


def _code_key(code: dict) -> tuple:
    return (str(code["cpt"]).upper(), tuple(sorted(m.upper() for m in code.get("modifiers", []))), int(code.get("units", 1)))


def score_rules(gold: dict, pred: dict, result: EvalResult, severity_of: dict[str, str]) -> None:
    """Findings per code (sets of codes per note) and supported codes (exact list match per note)."""
    if "expected_findings" in gold:
        result.findings_notes += 1
        g, p = set(gold["expected_findings"]), {f["code"] for f in pred["findings"]}
        for code in g | p:
            score = result.findings.setdefault(code, Score())
            score.tp += code in g and code in p
            score.fp += code in p and code not in g
            score.fn += code in g and code not in p
            for total, wanted in ((result.findings_all, True), (result.findings_errors, severity_of.get(code) == "error")):
                if wanted:
                    total.tp += code in g and code in p
                    total.fp += code in p and code not in g
                    total.fn += code in g and code not in p
        for code in sorted(g - p):
            result.misses.append(Miss(pred["note_id"], "findings", "missed", code))
        for code in sorted(p - g):
            result.misses.append(Miss(pred["note_id"], "findings", "spurious", code))
    if "expected_codes" in gold:
        result.codes_notes += 1
        g = sorted(_code_key(c) for c in gold["expected_codes"])
        p = sorted(_code_key(c) for c in pred["codes"])
        result.codes_exact += g == p
        result.code_lines.tp += len(set(g) & set(p))
        result.code_lines.fp += len(set(p) - set(g))
        result.code_lines.fn += len(set(g) - set(p))
        if g != p:
            result.misses.append(Miss(pred["note_id"], "codes", "differ", {"gold": g, "predicted": p}))


def evaluate(pairs: list[tuple[Path, dict]], checker: Callable = check_note, payer: str = DEFAULT_PAYER,
             use_model: bool | None = None) -> EvalResult:
    result = EvalResult()
    profile = load_profile(payer)
    severity_of = {r.code: r.severity for r in profile.requirements}
    for path, gold in pairs:
        note = read_note_file(path)
        billed = [Code(cpt=str(c["cpt"]), modifiers=list(c.get("modifiers", [])), units=int(c.get("units", 1)))
                  for c in gold.get("billed", [])]
        report: NoteReport = checker(note, profile, billed) if use_model is None else checker(note, profile, billed, use_model)
        result.notes += 1
        if report.errors:
            result.unreadable.append(path.name)
        pred = report.model_dump()
        for element, items in ITEMS.items():
            g, p = items(gold), items(pred)
            score = result.scores[element]
            score.tp += len(g & p)
            score.fp += len(p - g)
            score.fn += len(g - p)
            if element in ELEMENTS:
                result.misses += [Miss(report.note_id, element, "missed", x) for x in sorted(g - p, key=str)]
                result.misses += [Miss(report.note_id, element, "spurious", x) for x in sorted(p - g, key=str)]
        gk, pk = gold.get("procedure", {}).get("kind"), pred["procedure"]["kind"]
        result.kind_confusion.setdefault(gk, {}).setdefault(pk, 0)
        result.kind_confusion[gk][pk] += 1
        if note.text:
            score_evidence(note.text, gold, pred, result)
        score_rules(gold, pred, result, severity_of)
    return result
