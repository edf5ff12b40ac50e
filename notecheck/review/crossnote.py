"""Checks across notes, over everything the store holds, reported as findings on the later note.

FREQUENCY_EXCEEDED (MED-10)
    Sessions per patient, per spinal region, per rolling window (profile ``frequency_caps``: Medicare 12
    months, 4 diagnostic injection sessions, 4 therapeutic injection sessions, 2 RFA sessions). A session is
    one date of service of one category in one region: two notes of the same patient, date, region and
    category are one session. The window of a session on date d is (d − window_months, d]. Every session
    past the cap in its window is flagged.
    Category: RFA → rfa; an injection (facet injection, medial branch block, unknown kind with levels) with
    intent diagnostic → diagnostic; a medial branch block whose intent is not stated → diagnostic (MBBs
    are diagnostic procedures); any other injection → therapeutic (CPT-8: a block not billed as
    diagnostic counts as therapeutic). Region: the report's procedure region, else the levels' regions.

SERIES_RELIEF_NOT_SHOWN (MED-5) and RFA_BLOCK_RELIEF_NOT_SHOWN (MED-7)
    A diagnostic block with an earlier diagnostic block of the same patient and region in the store (since
    the last RFA there) is a second block: the earlier block's relief must meet the profile's
    ``diagnostic_relief_pct``. A first RFA of a patient and region needs each of the (up to) two most
    recent earlier diagnostic blocks to meet it. A repeat RFA (an earlier RFA of the same patient and
    region is in the store) is judged by MED-7's repeat rule, which this check does not cover.
    Which relief counts — decided here and documented in docs/review.md: the earlier block's own note is
    the record of its result, so its measured relief (post-procedure pain against the baseline on the same
    scale: (pre − post) / pre) comes first. Where the earlier note does not measure it, the later note's
    statement (its ``history.prior_relief``) stands in: matched to the blocks in date order when it states
    as many values as there are blocks, otherwise its best value for each. A block with neither, or with
    relief under the threshold, gives the finding.

DOCUMENTATION_CLONED (DOC-HIST)
    Near-identical notes for different patients or different dates: TF-IDF (word 1-3 grams, sublinear
    tf; dates and numbers of 4+ digits masked, since a clone differs from its source in exactly those) cosine similarity ≥ the profile's ``clone_similarity_threshold`` between two readable
    notes of at least ``MIN_CLONE_WORDS`` words. Two notes of the same patient and date (both known) are a
    duplicate, not a clone, and are not reported. The finding is on the later note (later date of service
    when both are known and differ, otherwise the one stored later) and lists the pair(s) and similarity.
    The vocabulary and idf are those of the whole store, so a similarity can move a little as the store grows.

Notes without a patient id or a date of service cannot be placed in a patient's history: they take part
only in the clone check.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..levels import region_of, session_region
from ..profiles import PayerProfile
from .store import Store

MIN_CLONE_WORDS = 30
REGION_NAMES = {"cervical_thoracic": "cervical/thoracic", "lumbar_sacral": "lumbar/sacral"}
CATEGORY_NAMES = {"diagnostic": "diagnostic injection", "therapeutic": "therapeutic injection", "rfa": "radiofrequency ablation"}
INJECTION_KINDS = {"facet_injection", "medial_branch_block", "unknown"}


@dataclass
class Session:
    key: str
    note_id: str
    seq: int
    patient: str | None
    day: date | None
    category: str | None
    regions: list[str]
    report: dict[str, Any] = field(repr=False)

    @property
    def spans(self) -> list:
        return list((self.report.get("procedure") or {}).get("spans") or [])[:1]


def category_of(report: dict[str, Any]) -> str | None:
    proc = report.get("procedure") or {}
    kind, intent = proc.get("kind"), proc.get("intent")
    if report.get("errors") or kind in (None, "not_facet"):
        return None
    if kind == "radiofrequency_ablation":
        return "rfa"
    if kind == "unknown" and not report.get("levels"):
        return None  # nothing says a facet procedure was done
    if intent == "diagnostic" or (kind == "medial_branch_block" and intent is None):
        return "diagnostic"
    return "therapeutic"


def regions_of(report: dict[str, Any]) -> list[str]:
    region = (report.get("procedure") or {}).get("region")
    if region:
        return [region]
    joints = [lv["joint"] for lv in report.get("levels") or []]
    one = session_region(joints)
    if one:
        return [one]
    return sorted({region_of(j) for j in joints})


def _slim(report: dict[str, Any]) -> dict[str, Any]:
    """What the cross-note checks read of a report (a whole store of full reports is a lot of memory)."""
    proc = report.get("procedure") or {}
    history = report.get("history") or {}
    return {"errors": report.get("errors") or [],
            "procedure": {k: proc.get(k) for k in ("kind", "intent", "region", "spans")},
            "levels": [{"joint": lv["joint"]} for lv in report.get("levels") or []],
            "history": {"pain_scores": history.get("pain_scores") or [], "prior_relief": history.get("prior_relief") or []}}


def load_sessions(store: Store) -> list[Session]:
    out = []
    for row in store.notes("WHERE status='checked'", (), "rowid AS seq, key, note_id, patient_id, date_of_service, report"):
        report = _slim(json.loads(row["report"]))
        day = date.fromisoformat(row["date_of_service"]) if row["date_of_service"] else None
        out.append(Session(row["key"], row["note_id"], row["seq"], row["patient_id"], day, category_of(report),
                           regions_of(report), report))
    return out


def months_before(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, m, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def make_finding(profile: PayerProfile, code: str, params: dict[str, Any], spans: list, details: dict[str, Any]):
    """A finding dict worded by the profile's requirement; None when this payer does not ask for it."""
    req = profile.requirement(code)
    if req is None:
        return None
    p = profile.parameters
    values = _Params(payer=profile.name.split(" (")[0], diagnostic_relief_pct=f"{p.diagnostic_relief_pct:g}",
                     window_months=p.frequency_caps.window_months, **params)
    return {"code": code, "severity": req.severity, "rule": req.rule, "message": req.message.format_map(values),
            "fix": req.fix.format_map(values), "spans": [tuple(s) for s in spans], "details": details}


def _placed(sessions: list[Session]) -> dict[tuple[str, str], list[Session]]:
    """(patient, region) → that patient's facet sessions there, in date order."""
    groups: dict[tuple[str, str], list[Session]] = defaultdict(list)
    for s in sessions:
        if s.patient and s.day and s.category:
            for region in s.regions:
                groups[(s.patient, region)].append(s)
    for group in groups.values():
        group.sort(key=lambda s: (s.day, s.seq))
    return groups


def frequency_findings(sessions: list[Session], profile: PayerProfile) -> list[tuple[Session, dict]]:
    caps = profile.parameters.frequency_caps
    limit = {"diagnostic": caps.diagnostic_injection_sessions, "therapeutic": caps.therapeutic_injection_sessions,
             "rfa": caps.rfa_sessions}
    out = []
    for (patient, region), group in sorted(_placed(sessions).items()):
        for category in ("diagnostic", "therapeutic", "rfa"):
            members = [s for s in group if s.category == category]
            days = sorted({s.day for s in members})
            for s in members:
                start = months_before(s.day, caps.window_months)
                window = [d for d in days if start < d <= s.day]
                if len(window) <= limit[category]:
                    continue
                earlier = [{"note_id": o.note_id, "date_of_service": o.day.isoformat()} for o in members
                           if start < o.day <= s.day and o.key != s.key]
                f = make_finding(profile, "FREQUENCY_EXCEEDED", {
                    "category": CATEGORY_NAMES[category], "region": REGION_NAMES.get(region, region),
                    "count": len(window), "cap": limit[category]}, s.spans, {
                    "category": category, "region": region, "sessions_in_window": len(window), "cap": limit[category],
                    "window_months": caps.window_months, "window_start_exclusive": start.isoformat(),
                    "other_notes": earlier})
                if f:
                    out.append((s, f))
    return out


def measured_relief(report: dict[str, Any]) -> float | None:
    """Relief a note measures for its own procedure: baseline vs post-procedure pain on one scale."""
    scores = (report.get("history") or {}).get("pain_scores") or []
    best = None
    for scale in {s["scale"] for s in scores}:
        pre = [s["value"] for s in scores if s["scale"] == scale and s["timing"] == "pre"]
        post = [s["value"] for s in scores if s["scale"] == scale and s["timing"] == "post"]
        if pre and post and max(pre) > 0:
            relief = max(0.0, (max(pre) - min(post)) / max(pre) * 100)
            best = relief if best is None else max(best, relief)
    return None if best is None else round(best, 1)


def stated_relief(report: dict[str, Any]) -> list[float]:
    items = (report.get("history") or {}).get("prior_relief") or []
    items = sorted(items, key=lambda r: (r.get("spans") or [[0, 0]])[0][0])
    return [float(r["percent"]) for r in items]


def relief_findings(sessions: list[Session], profile: PayerProfile) -> list[tuple[Session, dict]]:
    threshold = profile.parameters.diagnostic_relief_pct
    flagged: dict[str, tuple[Session, dict]] = {}
    for (patient, region), group in sorted(_placed(sessions).items()):
        for s in group:
            if s.category not in ("diagnostic", "rfa") or s.key in flagged:
                continue
            before = [o for o in group if o.day < s.day]
            last_rfa = max((o.day for o in before if o.category == "rfa"), default=None)
            if s.category == "rfa" and last_rfa is not None:
                continue  # a repeat RFA: MED-7's repeat rule, not this check
            blocks = [o for o in before if o.category == "diagnostic" and (last_rfa is None or o.day > last_rfa)]
            if not blocks:
                continue
            considered = blocks[-1:] if s.category == "diagnostic" else blocks[-2:]
            stated = stated_relief(s.report)
            rows, failing = [], False
            for i, b in enumerate(considered):
                measured = measured_relief(b.report)
                if measured is not None:
                    relief, source = measured, "earlier note (pre/post pain score)"
                elif stated:
                    relief = stated[i] if len(stated) == len(considered) else max(stated)
                    source = "this note (prior relief stated)"
                else:
                    relief, source = None, None
                ok = relief is not None and relief >= threshold
                failing |= not ok
                rows.append({"note_id": b.note_id, "date_of_service": b.day.isoformat(), "relief_pct": relief,
                             "relief_from": source, "meets_threshold": ok})
            if not failing:
                continue
            code = "SERIES_RELIEF_NOT_SHOWN" if s.category == "diagnostic" else "RFA_BLOCK_RELIEF_NOT_SHOWN"
            shown = "; ".join(f"{r['note_id']} on {r['date_of_service']}: "
                              + (f"{r['relief_pct']:g}% relief" if r["relief_pct"] is not None else "no relief documented")
                              for r in rows)
            f = make_finding(profile, code, {"blocks": shown, "region": REGION_NAMES.get(region, region)}, s.spans,
                             {"region": region, "threshold_pct": threshold, "earlier_blocks": rows,
                              "stated_in_this_note": stated})
            if f:
                flagged[s.key] = (s, f)
    return list(flagged.values())


_WORD = re.compile(r"(?u)\b\w\w+\b")
#: Dates and long numbers (MRNs, years, account numbers) differ between a note and its clone by design:
#: they are masked so that the comparison is of the wording.
_IDENTIFIERS = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b|\b\d{4,}\b")


def clone_text(text: str) -> str:
    return _IDENTIFIERS.sub(" 0 ", text.lower())


def clone_pairs(store: Store, threshold: float) -> list[dict[str, Any]]:
    """Pairs of readable notes with TF-IDF cosine similarity ≥ threshold (i < j in store order)."""
    rows = [r for r in store.notes("WHERE status='checked' AND text IS NOT NULL", (),
                                   "rowid AS seq, key, note_id, patient_id, date_of_service, text")
            if len(_WORD.findall(r["text"])) >= MIN_CLONE_WORDS]
    if len(rows) < 2:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer
    import numpy as np

    vectorizer = TfidfVectorizer(preprocessor=clone_text, ngram_range=(1, 3), sublinear_tf=True, dtype=np.float64)
    matrix = vectorizer.fit_transform([r["text"] for r in rows])  # rows are L2-normalised: dot = cosine
    pairs = []
    chunk = 256
    for start in range(0, len(rows), chunk):
        # rows start..start+chunk against rows start.. (the upper triangle only), filtered in numpy
        block = (matrix[start:start + chunk] @ matrix[start:].T).tocoo()
        keep = (block.col > block.row) & (block.data >= threshold - 1e-12)
        for i, j, v in zip(block.row[keep], block.col[keep], block.data[keep]):
            i, j = int(i) + start, int(j) + start
            a, b = rows[i], rows[j]
            if a["patient_id"] and a["patient_id"] == b["patient_id"] and a["date_of_service"] and \
                    a["date_of_service"] == b["date_of_service"]:
                continue  # the same patient and day: a duplicate, not cloned documentation
            pairs.append({"a": dict(a), "b": dict(b), "similarity": float(min(v, 1.0))})
    return pairs


def clone_findings(store: Store, profile: PayerProfile) -> list[tuple[str, str, dict]]:
    threshold = profile.parameters.clone_similarity_threshold
    by_later: dict[str, dict[str, Any]] = {}
    for pair in clone_pairs(store, threshold):
        a, b = pair["a"], pair["b"]
        if a["date_of_service"] and b["date_of_service"] and a["date_of_service"] != b["date_of_service"]:
            later, earlier = (a, b) if a["date_of_service"] > b["date_of_service"] else (b, a)
        else:
            later, earlier = (a, b) if a["seq"] > b["seq"] else (b, a)
        entry = by_later.setdefault(later["key"], {"note": later, "pairs": []})
        relation = ("a different patient" if later["patient_id"] != earlier["patient_id"] or not later["patient_id"]
                    else "the same patient on another date")
        entry["pairs"].append({"note_id": earlier["note_id"], "note_key": earlier["key"],
                               "patient_id": earlier["patient_id"], "date_of_service": earlier["date_of_service"],
                               "similarity": round(pair["similarity"], 4), "relation": relation})
    out = []
    for key, entry in by_later.items():
        pairs = sorted(entry["pairs"], key=lambda p: (-p["similarity"], p["note_id"]))
        best = pairs[0]
        others = f" and {len(pairs) - 1} other note(s)" if len(pairs) > 1 else ""
        f = make_finding(profile, "DOCUMENTATION_CLONED", {
            "similarity": f"{best['similarity'] * 100:.1f}", "other": best["note_id"] + others,
            "relation": best["relation"], "threshold": f"{threshold * 100:g}"}, [], {
            "threshold": threshold, "method": "tfidf-cosine (word 1-3 grams, sublinear tf, dates and long numbers masked)", "pairs": pairs[:20],
            "pairs_total": len(pairs)})
        if f:
            out.append((key, entry["note"]["note_id"], f))
    return out


@dataclass
class CrossnoteSummary:
    frequency: int = 0
    relief: int = 0
    clones: int = 0
    unplaced: int = 0  # facet notes without patient id or date of service


def compute(store: Store, profile: PayerProfile) -> tuple[list[tuple[str, str, dict]], CrossnoteSummary]:
    sessions = load_sessions(store)
    summary = CrossnoteSummary()
    summary.unplaced = sum(1 for s in sessions if s.category and not (s.patient and s.day))
    found: list[tuple[str, str, dict]] = []
    freq = frequency_findings(sessions, profile)
    relief = relief_findings(sessions, profile)
    clones = clone_findings(store, profile)
    summary.frequency, summary.relief, summary.clones = len(freq), len(relief), len(clones)
    found += [(s.key, s.note_id, f) for s, f in freq]
    found += [(s.key, s.note_id, f) for s, f in relief]
    found += clones
    return found, summary


def refresh(store: Store, profile: PayerProfile) -> CrossnoteSummary:
    """Recompute every cross-note finding of the store and replace the previous ones (one transaction)."""
    found, summary = compute(store, profile)
    store.replace_crossnote(found)
    return summary
