"""Command-line entry points of the review sub-package, registered on the main `notecheck` app.

    notecheck review INPUT [--db notecheck.db] [--claims FILE.csv] [--workers N] [--payer P]
    notecheck export --db PATH --format csv|jsonl|html --out PATH [--fees FILE.csv]
    notecheck audit sample (--db PATH | --input PATH) --size N --seed S [--stratify none|provider|cpt|paid] --out DIR
    notecheck audit report --sample DIR --reviewed FILE.csv [--format text|json]

Standard error carries counts and problems, never note text.
Exit status of `review`: 0 no error-level finding, 1 error-level findings (single-note or cross-note),
2 bad usage, or a note or row of the input that could not be read (the rest are still reviewed).
"""

from __future__ import annotations

import json
import logging
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..console import err, usage_error as _usage_error


class InputFormat(str, Enum):
    auto = "auto"
    folder = "folder"
    csv = "csv"
    jsonl = "jsonl"
    fhir = "fhir"


class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    html = "html"


class Stratify(str, Enum):
    none = "none"
    provider = "provider"
    cpt = "cpt"
    paid = "paid"


class Allocation(str, Enum):
    proportional = "proportional"
    equal = "equal"


class ReportFormat(str, Enum):
    text = "text"
    json = "json"


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


def _configure_logging(debug: bool) -> None:
    from ..pipeline import silence_third_party_loggers

    silence_third_party_loggers()
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


def review(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="A folder of .txt notes, a CSV or JSON Lines export, or a FHIR Bundle (.json)."),
    input_format: InputFormat = typer.Option(InputFormat.auto, "--input-format", help="How to read INPUT (auto: from its name)."),
    claims: Optional[Path] = typer.Option(None, "--claims", help="With a folder: CSV note_id,cpt,modifiers,units[,patient_id,date_of_service,provider,payer,paid_amount]."),
    db: Path = typer.Option(Path("notecheck.db"), "--db", help="The review store (SQLite); created if missing."),
    payer: str = typer.Option("medicare", "--payer", help="Payer profile: medicare, aetna, uhc, bcbs, or a profile file."),
    model: bool = typer.Option(False, "--model/--no-model", help="Let the learned sentence model decide scope where rules do not."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, max=64, help="Processes checking notes (the results do not depend on it)."),
    max_bytes: int = typer.Option(1_000_000, "--max-bytes", help="Notes larger than this are refused."),
    crossnote: bool = typer.Option(True, "--crossnote/--no-crossnote", help="Run the cross-note checks over the store afterwards."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="A progress bar on a terminal, periodic lines otherwise."),
    progress_every: float = typer.Option(5.0, "--progress-every", help="Seconds between progress lines when not on a terminal."),
    debug: bool = typer.Option(False, "--debug", help="Debug logging; may include note text."),
) -> None:
    """Review a batch before billing: check every note into a durable store (resumable), then the cross-note checks."""
    _configure_logging(debug)
    from ..profiles import ProfileError
    from ..sentence_model import ModelError
    from .inputs import InputUsageError
    from .runner import run_review
    from .store import Store, StoreError

    try:
        result = run_review(input_path, db, input_format=input_format.value, claims=claims, payer=payer, use_model=model,
                            workers=workers, max_bytes=max_bytes, progress=progress, progress_every=progress_every,
                            crossnote=crossnote)
    except (InputUsageError, StoreError, ProfileError, ModelError) as exc:
        _usage_error(str(exc))
    except KeyboardInterrupt:
        err.print("interrupted; the notes checked so far are in the store — run the same command again to continue")
        raise typer.Exit(130)
    with Store(db, create=False) as store:
        summary = store.source_summary(result.source)
    steady = result.seconds_checking - result.seconds_startup
    rate = (f" ({(result.checked - result.unreadable - 1) / steady:.1f} notes/s after {result.seconds_startup:.1f} s start-up)"
            if steady > 0 and result.checked - result.unreadable > 1 else "")
    err.print(f"{result.notes_in_input} notes in the input: {result.checked} checked now{rate}, "
              f"{result.skipped} already in the store; {summary['unreadable']} could not be read; "
              f"{summary['input_errors']} input rows/resources not used; "
              f"{summary['with_error_findings']} with error findings, {summary['with_warnings']} with warnings")
    if result.crossnote is not None:
        c = result.crossnote
        err.print(f"cross-note checks over the store: {c.frequency} over frequency limits, {c.relief} without the earlier "
                  f"block's relief, {c.clones} cloned; {c.unplaced} facet notes had no patient or date "
                  f"({result.seconds_crossnote:.1f} s)")
    err.print(f"store: {db} (run {result.run_id})")
    if summary["unreadable"] or summary["input_errors"]:
        raise typer.Exit(2)
    raise typer.Exit(1 if summary["with_error_findings"] else 0)


def export_cmd(
    db: Path = typer.Option(Path("notecheck.db"), "--db", help="The review store."),
    fmt: ExportFormat = typer.Option(..., "--format", "-f", help="csv or jsonl worklist, or one self-contained HTML report."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write it."),
    fees: Optional[Path] = typer.Option(None, "--fees", help="Fee schedule CSV (cpt,amount) to rank by revenue at risk."),
    min_severity: Severity = typer.Option(Severity.warning, "--min-severity", help="Lowest finding severity that puts a note on the worklist."),
    max_notes: int = typer.Option(500, "--max-notes", help="HTML: how many worklist entries to show in full."),
) -> None:
    """Write the worklist (CSV / JSON Lines) or the HTML report from the review store."""
    from .export import ExportError, export
    from .store import StoreError

    try:
        items = export(db, fmt.value, out, fees, min_severity.value, max_notes)
    except (ExportError, StoreError) as exc:
        _usage_error(str(exc))
    err.print(f"{len(items)} worklist entries -> {out}")


audit_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                        help="Audit sampling (RAT-STATS style) and appraisal of the reviewed sample.")


@audit_app.command("sample")
def audit_sample(
    out: Path = typer.Option(..., "--out", "-o", help="Folder for frame.csv, random_numbers.csv, sample.csv, spares.csv, sample.json."),
    size: int = typer.Option(..., "--size", "-n", help="Sample size (all strata together)."),
    seed: int = typer.Option(..., "--seed", help="Random seed (record it: it re-creates the sample)."),
    db: Optional[Path] = typer.Option(None, "--db", help="Sample the notes of this review store ..."),
    input_path: Optional[Path] = typer.Option(None, "--input", help="... or of this input (folder, CSV, JSON Lines, FHIR Bundle)."),
    input_format: InputFormat = typer.Option(InputFormat.auto, "--input-format"),
    claims: Optional[Path] = typer.Option(None, "--claims", help="With a folder input: the claims CSV."),
    stratify: Stratify = typer.Option(Stratify.none, "--stratify", help="none (unrestricted), provider, cpt or paid amount."),
    paid_bounds: Optional[str] = typer.Option(None, "--paid-bounds", help="Paid-amount stratum boundaries, e.g. 200,500."),
    paid_strata: int = typer.Option(3, "--paid-strata", help="Without --paid-bounds: this many equal-count paid strata."),
    allocation: Allocation = typer.Option(Allocation.proportional, "--allocation"),
    spares: int = typer.Option(5, "--spares", help="Spare units drawn per stratum."),
    min_per_stratum: int = typer.Option(2, "--min-per-stratum", help="Smallest sample per stratum (2 gives every stratum an SD)."),
    paid_only: bool = typer.Option(False, "--paid-only", help="Frame: only units with a paid amount (paid claims)."),
) -> None:
    """Draw a reproducible audit sample (unrestricted or stratified) from the store or an input."""
    from .audit import AuditError, design_sample, units_from_input, units_from_store, write_design
    from .inputs import InputUsageError
    from .store import StoreError

    if (db is None) == (input_path is None):
        _usage_error("give either --db STORE or --input PATH")
    try:
        bounds = [float(x) for x in paid_bounds.split(",") if x.strip()] if paid_bounds else None
    except ValueError:
        _usage_error(f"--paid-bounds {paid_bounds!r} is not a list of amounts such as 200,500")
    if bounds is not None and stratify is not Stratify.paid:
        _usage_error("--paid-bounds goes with --stratify paid")
    try:
        if db is not None:
            units = units_from_store(db)
            source = {"db": str(db.resolve())}
        else:
            units = units_from_input(input_path, input_format.value, claims)
            source = {"input": str(input_path.resolve())} | ({"claims": str(claims.resolve())} if claims else {})
        design = design_sample(units, size, seed, stratify.value, bounds, paid_strata, allocation.value, spares,
                               min_per_stratum, source, paid_only)
    except (AuditError, InputUsageError, StoreError) as exc:
        _usage_error(str(exc))
    write_design(design, out)
    m = design.manifest
    err.print(f"{m['design']} sample of {m['sample_size']} from a frame of {m['frame']['rows']} "
              f"({len(m['strata'])} strata), seed {m['seed']}, frame SHA-256 {m['frame']['sha256'][:16]}… -> {out}")


@audit_app.command("report")
def audit_report(
    sample: Path = typer.Option(..., "--sample", help="The folder `notecheck audit sample` wrote."),
    reviewed: Path = typer.Option(..., "--reviewed", help="CSV: frame_row, audited_amount and/or error (sample.csv filled in)."),
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the report here instead of standard output."),
) -> None:
    """Appraise a reviewed sample: error rate with its 90% interval; overpayment and underpayment estimates."""
    from .audit import AuditError, appraise, format_report, load_design, read_reviewed

    try:
        manifest, frame, uses = load_design(sample)
        result = appraise(manifest, read_reviewed(reviewed, manifest, frame, uses))
    except AuditError as exc:
        _usage_error(str(exc))
    text = json.dumps(result, indent=2, sort_keys=True) + "\n" if fmt is ReportFormat.json else format_report(result)
    if out:
        out.write_text(text, encoding="utf-8")
        err.print(f"appraisal -> {out}")
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    """Add `review`, `export` and the `audit` group (`sample`, `report`) to the main app."""
    app.command("review")(review)
    app.command("export")(export_cmd)
    app.add_typer(audit_app, name="audit")
