"""Worklists and reports from the review store: CSV, JSON Lines and one self-contained HTML file.

The worklist holds every note that needs someone's attention — a finding at or above ``min_severity``
(single-note and cross-note findings), or a note that could not be read — and every input error record.
It is sorted by severity (error, warning, info), then, when a fee schedule is given, by revenue at risk
(largest first), then by the number of error and warning findings, then by source and note id.

Revenue at risk of a note = Σ fee(cpt) × units over the note's billed claim lines (over the codes the
note supports when no claim was given). ``not_billed_amount`` = the fees of documented work that was not
billed (CLAIM_LEVEL_MISMATCH ``not_billed``). Fees come from a CSV ``cpt,amount`` (no fee schedule is
shipped); a CPT missing from it counts 0 and is listed in ``unpriced``.

CSV and JSON Lines carry no note text. The HTML report carries the text of the flagged notes (escaped,
with the evidence marked), so it is PHI like the store.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..claims import ClaimError, parse_billed
from ..codes import format_code
from ..report import Code
from .inputs import parse_amount
from .store import Store

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
_CPT = re.compile(r"^(?:\d{5}|\d{4}[TtFf])$")
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


class ExportError(ValueError):
    """A fee schedule or an option that cannot be used; the message says where and why."""


def read_fees(path: Path) -> dict[str, float]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ExportError(f"{path}: cannot open fee schedule ({exc.strerror})") from None
    fees: dict[str, float] = {}
    with handle:
        reader = csv.DictReader(handle)
        try:
            if not {"cpt", "amount"} <= set(reader.fieldnames or []):
                raise ExportError(f"{path}: a fee schedule needs columns cpt,amount")
            for row in reader:
                where = f"{path}:{reader.line_num}"
                cpt = (row.get("cpt") or "").strip().upper()
                if not _CPT.match(cpt):
                    raise ExportError(f"{where}: CPT code {cpt!r} is not a 5-character code")
                try:
                    amount = parse_amount(row.get("amount"))
                except ValueError as exc:
                    raise ExportError(f"{where}: {exc}") from None
                if amount is None:
                    raise ExportError(f"{where}: amount is empty")
                if cpt in fees and fees[cpt] != amount:
                    raise ExportError(f"{where}: CPT {cpt} appears twice with different amounts")
                fees[cpt] = amount
        except UnicodeDecodeError:
            raise ExportError(f"{path}: fee schedule is not UTF-8 text") from None
        except csv.Error as exc:
            raise ExportError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None
    return fees


@dataclass
class WorkItem:
    severity: str
    status: str  # checked | unreadable | input_error
    note_id: str
    source: str
    locator: str
    note_key: str | None = None
    patient_id: str | None = None
    date_of_service: str | None = None
    provider: str | None = None
    payer: str | None = None
    kind: str | None = None
    region: str | None = None
    paid_amount: float | None = None
    billed: list[dict] = field(default_factory=list)
    supported: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    at_risk: float | None = None
    not_billed_amount: float | None = None
    unpriced: list[str] = field(default_factory=list)
    rank: int = 0

    def counts(self) -> tuple[int, int]:
        return (sum(f["severity"] == "error" for f in self.findings), sum(f["severity"] == "warning" for f in self.findings))


def _fmt_codes(codes: list[dict]) -> str:
    return ", ".join(format_code(Code(**c)) for c in codes)


def _price(codes: list[dict], fees: dict[str, float]) -> tuple[float, list[str]]:
    total, unpriced = 0.0, []
    for c in codes:
        if c["cpt"] in fees:
            total += fees[c["cpt"]] * int(c.get("units") or 1)
        else:
            unpriced.append(c["cpt"])
    return round(total, 2), sorted(set(unpriced))


def _not_billed(findings: list[dict], fees: dict[str, float]) -> float:
    total = 0.0
    for f in findings:
        for line in (f.get("details") or {}).get("not_billed") or []:
            try:
                code = parse_billed(line)
            except ClaimError:
                continue
            total += fees.get(code.cpt, 0.0) * code.units
    return round(total, 2)


def build_worklist(store: Store, fees: dict[str, float] | None = None, min_severity: str = "warning") -> list[WorkItem]:
    limit = SEVERITY_RANK[min_severity]
    by_note = store.findings_by_note()
    items: list[WorkItem] = []
    for row in store.notes():
        findings = sorted(by_note.get(row["key"], []), key=lambda f: (SEVERITY_RANK[f["severity"]], f["origin"] != "note"))
        report = json.loads(row["report"])
        relevant = [f for f in findings if SEVERITY_RANK[f["severity"]] <= limit]
        if row["status"] == "checked" and not relevant:
            continue
        severity = "error" if row["status"] == "unreadable" else min((f["severity"] for f in findings), key=SEVERITY_RANK.__getitem__)
        billed, supported = json.loads(row["billed"]), json.loads(row["supported"])
        item = WorkItem(severity, row["status"], row["note_id"], row["source"], row["locator"], row["key"],
                        row["patient_id"], row["date_of_service"], row["provider"], row["payer_name"], row["kind"],
                        row["region"], row["paid_amount"], billed, supported, findings, list(report.get("errors") or []),
                        list(report.get("warnings") or []))
        if fees is not None:
            item.at_risk, item.unpriced = _price(billed or supported, fees)
            item.not_billed_amount = _not_billed(findings, fees)
        items.append(item)
    for err in store.input_errors():
        if err["note_key"]:
            continue  # shown with its note
        items.append(WorkItem("error", "input_error", err["note_id"], err["source"], err["locator"],
                              errors=[f"{err['stage']}: {err['message']}"]))

    def key(it: WorkItem):
        n_err, n_warn = it.counts()
        risk = -(it.at_risk or 0.0) if fees is not None else 0.0
        return (SEVERITY_RANK[it.severity], risk, -n_err, -n_warn, it.status == "input_error", it.source, it.note_id, it.locator)

    items.sort(key=key)
    for n, it in enumerate(items, start=1):
        it.rank = n
    return items


CSV_COLUMNS = ["rank", "severity", "status", "note_id", "source", "locator", "patient_id", "date_of_service", "provider",
               "payer", "kind", "region", "findings", "n_error_findings", "n_warning_findings", "billed", "supported",
               "paid_amount", "revenue_at_risk", "not_billed_amount", "unpriced_cpt", "errors"]


def _csv_row(it: WorkItem) -> dict[str, Any]:
    n_err, n_warn = it.counts()
    return {"rank": it.rank, "severity": it.severity, "status": it.status, "note_id": it.note_id, "source": it.source,
            "locator": it.locator, "patient_id": it.patient_id or "", "date_of_service": it.date_of_service or "",
            "provider": it.provider or "", "payer": it.payer or "", "kind": it.kind or "", "region": it.region or "",
            "findings": ";".join(f["code"] for f in it.findings), "n_error_findings": n_err, "n_warning_findings": n_warn,
            "billed": _fmt_codes(it.billed), "supported": _fmt_codes(it.supported),
            "paid_amount": "" if it.paid_amount is None else f"{it.paid_amount:.2f}",
            "revenue_at_risk": "" if it.at_risk is None else f"{it.at_risk:.2f}",
            "not_billed_amount": "" if it.not_billed_amount is None else f"{it.not_billed_amount:.2f}",
            "unpriced_cpt": ";".join(it.unpriced), "errors": " | ".join(it.errors)}


def write_csv(items: list[WorkItem], out: Path) -> None:
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for it in items:
            writer.writerow(_csv_row(it))


def write_jsonl(items: list[WorkItem], out: Path) -> None:
    with out.open("w", encoding="utf-8") as handle:
        for it in items:
            handle.write(json.dumps(asdict(it), sort_keys=True) + "\n")


# --- HTML ------------------------------------------------------------------------------------------------------

ELEMENT_LABELS = (("procedure", "PROCEDURE"), ("levels", "LEVEL"), ("medications", "DRUG"), ("guidance", "GUIDANCE"),
                  ("tolerance", "TOLERANCE"))


@dataclass
class Segment:
    text: str
    labels: list[str] = field(default_factory=list)
    css: str = ""
    ends: list[str] = field(default_factory=list)  # labels of spans that end here (shown as tags)


def evidence_spans(report: dict[str, Any], findings: list[dict]) -> list[tuple[int, int, str, str]]:
    """(start, end, label, css class) for the findings' spans and the extracted elements' spans."""
    spans: list[tuple[int, int, str, str]] = []
    for f in findings:
        for s in f.get("spans") or []:
            spans.append((int(s[0]), int(s[1]), f["code"], f"sev-{f['severity']}"))
    for key, label in ELEMENT_LABELS:
        value = report.get(key)
        entries = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for entry in entries:
            for s in (entry or {}).get("spans") or []:
                spans.append((int(s[0]), int(s[1]), label, "element"))
    return spans


def highlight(text: str, spans: list[tuple[int, int, str, str]]) -> list[Segment]:
    """The text cut at every span boundary; each piece knows which spans cover it (displaCy-style marks).
    Overlaps are fine; empty and out-of-range spans are dropped."""
    n = len(text)
    spans = [(max(0, a), min(n, b), label, css) for a, b, label, css in spans if a < b and a < n and b > 0]
    cuts = sorted({0, n, *(a for a, _, _, _ in spans), *(b for _, b, _, _ in spans)})
    order = {"sev-error": 0, "sev-warning": 1, "sev-info": 2, "element": 3}
    segments = []
    for a, b in zip(cuts, cuts[1:]):
        covering = sorted((s for s in spans if s[0] <= a and s[1] >= b), key=lambda s: order[s[3]])  # stable: errors first
        labels = list(dict.fromkeys(s[2] for s in covering))
        css = min((s[3] for s in covering), key=order.__getitem__, default="")
        ends = list(dict.fromkeys(s[2] for s in covering if s[1] == b))
        segments.append(Segment(text[a:b], labels, css, ends))
    return segments


def bar_chart(rows: list[tuple[str, int]], width: int = 520, bar: int = 18, label_w: int = 230) -> dict[str, Any]:
    """Geometry of a horizontal bar chart; the template draws it as inline SVG (labels escaped there)."""
    top = max((v for _, v in rows), default=0) or 1
    span = width - label_w - 60
    bars = [{"label": label, "value": value, "y": i * (bar + 6), "w": max(1, round(value / top * span)) if value else 0}
            for i, (label, value) in enumerate(rows)]
    return {"width": width, "height": max(1, len(rows) * (bar + 6)), "bar": bar, "label_w": label_w, "bars": bars}


def html_context(store: Store, items: list[WorkItem], fees: dict[str, float] | None, max_notes: int) -> dict[str, Any]:
    notes_total = store.note_count()
    status = Counter(r["status"] for r in store.notes(columns="status"))
    by_code: Counter = Counter()
    severity_of: dict[str, str] = {}
    for f in (f for fs in store.findings_by_note().values() for f in fs):
        by_code[f["code"]] += 1
        severity_of[f["code"]] = f["severity"]
    flagged_by_provider: Counter = Counter()
    notes_by_provider: Counter = Counter(r["provider"] or "(none)" for r in store.notes(columns="provider"))
    for it in items:
        if it.status != "input_error":
            flagged_by_provider[it.provider or "(none)"] += 1
    codes_rows = sorted(by_code.items(), key=lambda kv: (SEVERITY_RANK[severity_of[kv[0]]], -kv[1], kv[0]))
    provider_rows = sorted(notes_by_provider, key=lambda p: (-flagged_by_provider[p], p))
    shown = []
    for it in items[:max_notes]:
        entry: dict[str, Any] = {"item": it, "segments": [], "n": it.counts()}
        if it.note_key:
            row = next(store.notes("WHERE key=?", (it.note_key,), "text, report"))
            if row["text"]:
                entry["segments"] = highlight(row["text"], evidence_spans(json.loads(row["report"]), it.findings))
        shown.append(entry)
    runs = store.runs()
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "version": __version__,
        "store": str(store.path), "meta": store.meta(), "last_run": runs[-1] if runs else None, "n_runs": len(runs),
        "notes_total": notes_total, "status": status, "worklist_total": len(items),
        "by_severity": Counter(it.severity for it in items),
        "codes": [{"code": c, "count": n, "severity": severity_of[c]} for c, n in codes_rows],
        "codes_chart": bar_chart([(c, n) for c, n in codes_rows]),
        "providers": [{"provider": p, "notes": notes_by_provider[p], "flagged": flagged_by_provider[p]} for p in provider_rows],
        "providers_chart": bar_chart([(p, flagged_by_provider[p]) for p in provider_rows[:20]]),
        "shown": shown, "omitted": max(0, len(items) - max_notes), "fees": fees is not None,
        "at_risk_total": round(sum(it.at_risk or 0 for it in items), 2) if fees is not None else None,
        "fmt_codes": _fmt_codes,
    }


def render_html(context: dict[str, Any]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = lambda v: "" if v is None else f"{v:,.2f}"
    env.filters["json"] = lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False)
    return env.get_template("report.html.j2").render(**context)


def write_html(store: Store, items: list[WorkItem], out: Path, fees: dict[str, float] | None, max_notes: int = 500) -> None:
    out.write_text(render_html(html_context(store, items, fees, max_notes)), encoding="utf-8")


def export(db: Path, fmt: str, out: Path, fees_path: Path | None = None, min_severity: str = "warning",
           max_notes: int = 500) -> list[WorkItem]:
    if min_severity not in SEVERITY_RANK:
        raise ExportError(f"--min-severity must be one of {', '.join(SEVERITY_RANK)}")
    fees = read_fees(fees_path) if fees_path else None
    store = Store(db, create=False)
    try:
        items = build_worklist(store, fees, min_severity)
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            write_csv(items, out)
        elif fmt == "jsonl":
            write_jsonl(items, out)
        elif fmt == "html":
            write_html(store, items, out, fees, max_notes)
        else:
            raise ExportError(f"unknown format {fmt!r}; use csv, jsonl or html")
        return items
    finally:
        store.close()
