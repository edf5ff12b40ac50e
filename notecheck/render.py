"""Reports for people: findings first, then each extracted element with its quoted evidence."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .evaluate import ELEMENTS, EXTRA_ELEMENTS, EvalResult
from .report import NoteReport

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _merge(spans) -> list[tuple[int, int]]:
    """Adjacent evidence ("1%" and "lidocaine") reads better as one quote ("1% lidocaine")."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] <= 2:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _quote(text: str, spans, limit: int = 3) -> str:
    spans = _merge(spans)
    quotes = []
    for start, end in spans[:limit]:
        snippet = " ".join(text[start:end].split())
        quotes.append(f"“{snippet[:80]}” @{start}")
    more = f" (+{len(spans) - limit})" if len(spans) > limit else ""
    return escape("; ".join(quotes) + more)


def print_report(console: Console, report: NoteReport, text: str | None) -> None:
    text = text or ""
    console.rule(f"[bold]{escape(report.note_id)}")
    if report.errors:
        for error in report.errors:
            console.print(f"[bold red]ERROR[/] {escape(error)}")
        return
    for warning in report.warnings:
        console.print(f"[yellow]warning[/] {escape(warning)}")
    if report.findings:
        console.print("[bold]Findings[/]")
        for f in report.findings:
            style = _SEVERITY_STYLE.get(f.severity, "")
            console.print(f"  [{style}]{f.severity.upper():7}[/] {escape(f.code)}: {escape(f.message)} [dim]({escape(f.rule)})[/]")
            if f.fix:
                console.print(f"           fix: {escape(f.fix)}")
            if f.spans:
                console.print(f"           evidence: {_quote(text, f.spans)}")
    else:
        console.print("[green]No findings.[/]")
    p = report.procedure
    kind = p.kind + (f" ({p.described_as})" if p.described_as else "")
    console.print(f"[bold]Procedure[/] {escape(kind)}; region {p.region or '—'}; intent {p.intent or 'not stated'}"
                  + (f"  {_quote(text, p.spans, 2)}" if p.spans else ""))
    if report.levels:
        console.print("[bold]Levels[/]")
        for lv in report.levels:
            derived = " [dim](derived from nerves)[/]" if lv.derived_from_nerves else ""
            console.print(f"  {lv.joint} {lv.laterality or 'side not stated'}{derived}  {_quote(text, lv.spans)}")
    else:
        console.print("[bold]Levels[/] none documented")
    if report.medications:
        console.print("[bold]Medications[/]")
        for m in report.medications:
            parts = [m.name, m.role, m.concentration or "", m.dose or "",
                     f"{m.volume_ml:g} mL" if m.volume_ml is not None else "no volume",
                     "" if m.injectate else "(skin local only)"]
            console.print(f"  {escape(' '.join(x for x in parts if x))}  {_quote(text, m.spans, 2)}")
    else:
        console.print("[bold]Medications[/] none documented")
    if report.guidance or report.landmark_technique:
        console.print("[bold]Guidance[/]")
        for g in report.guidance:
            state = "NOT used" if g.negated else "used"
            details = f" [{', '.join(g.details)}]" if g.details else ""
            console.print(f"  {g.modality} {state}{escape(details)}  {_quote(text, g.spans, 2)}")
        if report.landmark_technique:
            console.print(f"  landmark technique  {_quote(text, report.landmark_technique, 2)}")
    else:
        console.print("[bold]Guidance[/] none documented")
    t = report.tolerance
    comp = f"; complications: {', '.join(t.complications)}" if t.complications else ""
    console.print(f"[bold]Tolerance[/] {'documented' if t.documented else 'not documented'}{escape(comp)}"
                  + (f"  {_quote(text, t.spans, 2)}" if t.spans else ""))
    if report.billed:
        billed = ", ".join(f"{c.cpt}{''.join('-' + m for m in c.modifiers)}" + (f" x{c.units}" if c.units > 1 else "") for c in report.billed)
        console.print(f"[bold]Billed[/] {escape(billed)}")


def print_eval(console: Console, result: EvalResult, title: str, max_misses: int | None) -> None:
    table = Table(title=f"{escape(title)}: {result.notes} notes")
    for col in ("element", "precision", "recall", "F1", "TP", "FP", "FN"):
        table.add_column(col, justify="right" if col != "element" else "left")
    for name in ELEMENTS + EXTRA_ELEMENTS:
        s = result.scores[name]
        style = "" if name in ELEMENTS else "dim"
        table.add_row(name, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.fp), str(s.fn), style=style)
    console.print(table)
    console.print(f"evidence spans overlapping the gold evidence: {result.evidence_rate:.3f} "
                  f"({result.evidence_matched}/{result.evidence_total})")
    if result.unreadable:
        console.print(f"[red]unreadable notes:[/] {', '.join(result.unreadable)}")
    kinds = Table(title="procedure kind (gold → predicted)")
    kinds.add_column("gold"); kinds.add_column("predicted")
    for gold, preds in sorted(result.kind_confusion.items(), key=lambda x: str(x[0])):
        kinds.add_row(str(gold), ", ".join(f"{k}: {n}" for k, n in sorted(preds.items())))
    console.print(kinds)
    if result.findings_notes:
        ft = Table(title=f"findings ({result.findings_notes} notes with gold findings)")
        for col in ("code", "precision", "recall", "F1", "TP", "FP", "FN"):
            ft.add_column(col, justify="right" if col != "code" else "left")
        for name, sc in sorted(result.findings.items()):
            ft.add_row(name, f"{sc.precision:.3f}", f"{sc.recall:.3f}", f"{sc.f1:.3f}", str(sc.tp), str(sc.fp), str(sc.fn))
        for name, sc in (("ALL error codes", result.findings_errors), ("ALL codes", result.findings_all)):
            ft.add_row(name, f"{sc.precision:.3f}", f"{sc.recall:.3f}", f"{sc.f1:.3f}", str(sc.tp), str(sc.fp), str(sc.fn), style="bold")
        console.print(ft)
    if result.codes_notes:
        cl = result.code_lines
        console.print(f"supported codes: exact match {result.codes_exact_rate:.3f} ({result.codes_exact}/{result.codes_notes} notes); "
                      f"lines P {cl.precision:.3f} R {cl.recall:.3f}")
    misses = result.misses if max_misses is None else result.misses[:max_misses]
    if misses:
        console.print(f"[bold]Misses[/] ({len(result.misses)})")
        for m in misses:
            console.print(f"  {escape(m.note_id):12} {m.element:15} {m.kind:9} {escape(str(m.item))}")
        if len(misses) < len(result.misses):
            console.print(f"  … {len(result.misses) - len(misses)} more (--max-misses)")


def print_rules(console: Console, profile, available: list[str]) -> None:
    console.rule(f"[bold]{escape(profile.name)}[/] (profile {escape(profile.id)} v{escape(profile.version)})")
    console.print(f"[dim]source:[/] {escape(profile.source)}")
    console.print(f"[dim]other profiles:[/] {escape(', '.join(p for p in available if p != profile.id))}")
    params = Table(title="parameters", show_header=False)
    for name, value in profile.parameters.model_dump().items():
        params.add_row(name, escape(str(value)))
    console.print(params)
    table = Table(title="requirements", show_lines=True)
    for col in ("code", "severity", "rule", "message", "fix"):
        table.add_column(col, overflow="fold")
    for r in profile.requirements:
        table.add_row(r.code, r.severity, r.rule, escape(r.message), escape(r.fix))
    console.print(table)


def print_compare(console: Console, results: dict) -> None:
    """F1 per element, findings and codes, for each pipeline variant side by side."""
    table = Table(title="with and without the sentence model (F1)")
    table.add_column("element")
    for name in results:
        table.add_column(name, justify="right")
    for element in ELEMENTS:
        table.add_row(element, *(f"{r.scores[element].f1:.3f}" for r in results.values()))
    table.add_row("error findings", *(f"{r.findings_errors.f1:.3f}" for r in results.values()))
    table.add_row("codes exact", *(f"{r.codes_exact_rate:.3f}" for r in results.values()))
    console.print(table)
