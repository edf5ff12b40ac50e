"""The executor side of the Spark job: what runs inside each Spark Python worker.

`check_batches` is the `mapInPandas` function. Per Python worker process it silences PyRuSH/loguru (PHI;
PyRuSH logs every token), loads the payer profile and builds the pipeline once (`notecheck.pipeline.get_nlp`
is cached per process, and Spark reuses Python workers between tasks), then checks each row of each pandas
batch with `notecheck.check.check_note`. A row that cannot be checked — no text, empty, binary, oversized,
a claim line that does not parse, an exception anywhere — becomes a report row with ``errors`` filled and
status ``error``: never a failed task. Error texts name the problem, never note text.

This module imports nothing from notecheck at import time, so it can be pickled by value and shipped to
executors where notecheck is not installed (``spark-submit --py-files dist/notecheck-*.whl``):
`ensure_notecheck` then finds the wheel among the Spark files and extracts it once per machine, because
notecheck and medspaCy read their rule files from the file system, which a zipped package does not offer.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import sys
import tempfile
import zipfile
import zipimport
from pathlib import Path
from typing import Any, Iterable, Iterator

#: The reports DataFrame, one row per input note (see docs/scale.md for each column).
REPORT_COLUMNS = ["note_id", "status", "kind", "region", "intent", "levels", "codes", "billed", "n_findings",
                  "n_errors", "n_warnings", "finding_codes", "errors", "warnings", "payer", "report"]
REPORT_SCHEMA = ("note_id string, status string, kind string, region string, intent string, levels array<string>, "
                 "codes array<string>, billed array<string>, n_findings int, n_errors int, n_warnings int, "
                 "finding_codes array<string>, errors array<string>, warnings array<string>, payer string, report string")
#: Rows per output batch: memory stays bounded whatever spark.sql.execution.arrow.maxRecordsPerBatch is.
OUTPUT_ROWS = 256


# --- making notecheck importable on an executor -----------------------------------------------------------------

def _package_archive() -> str | None:
    """The zip/wheel notecheck was imported from, None if it is installed as files; ImportError if absent."""
    import notecheck

    loader = getattr(getattr(notecheck, "__spec__", None), "loader", None)
    return loader.archive if isinstance(loader, zipimport.zipimporter) else None


def _shipped_wheel() -> str | None:
    """A notecheck wheel/zip given to spark-submit --py-files: among the Spark files (executors) or on
    sys.path (the driver, where spark-submit puts --py-files on PYTHONPATH)."""
    candidates: list[Path] = []
    try:
        from pyspark import SparkFiles

        root = Path(SparkFiles.getRootDirectory())
        candidates += sorted(root.glob("notecheck-*.whl")) + sorted(root.glob("notecheck*.zip"))
    except Exception:  # no Spark context here (the driver before its session starts)
        pass
    candidates += [Path(p) for p in sys.path
                   if Path(p).name.startswith("notecheck") and Path(p).suffix in (".whl", ".zip") and Path(p).is_file()]
    return str(candidates[0]) if candidates else None


def _extract(archive: str) -> Path:
    """Extract the notecheck package from a wheel/zip once per machine and content (shared by workers)."""
    digest = hashlib.sha256(Path(archive).read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"notecheck-pkg-{digest}"
    if (target / ".complete").exists():
        return target
    tmp = Path(tempfile.mkdtemp(prefix=f"notecheck-pkg-{digest}-", dir=tempfile.gettempdir()))
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp, [n for n in zf.namelist() if n.startswith("notecheck/")])
    (tmp / ".complete").touch()
    try:
        os.rename(tmp, target)
    except OSError:  # another worker got there first
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def ensure_notecheck() -> str | None:
    """Make ``import notecheck`` give a package whose rule files are on disk: a shipped wheel (preferred, so
    the code that was submitted is the code that runs), else the installed package. Returns the archive
    the package was extracted from, None when the installed package is used. Cheap after the first call."""
    archive = _shipped_wheel()
    if archive is None:
        try:
            archive = _package_archive()
        except ImportError:
            raise ImportError("notecheck is not installed on this Spark executor and no notecheck wheel was shipped "
                              "(spark-submit --py-files dist/notecheck-*.whl, or install notecheck on every node)") from None
        if archive is None:
            return None
    target = _extract(archive)
    current = sys.modules.get("notecheck")
    if current is not None and Path(getattr(current, "__file__", "") or "/").resolve().is_relative_to(target.resolve()):
        return archive  # already imported from the extracted files
    for name in [m for m in sys.modules if m == "notecheck" or m.startswith("notecheck.")]:
        del sys.modules[name]
    if str(target) in sys.path:
        sys.path.remove(str(target))
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    return archive


# --- per process ----------------------------------------------------------------------------------------------

def worker_profile(profile_json: str):
    """Once per Python worker process (and payer profile): loggers silenced, profile loaded, pipeline built."""
    ensure_notecheck()
    from notecheck.spark._state import STATE

    key = hashlib.sha256(profile_json.encode()).hexdigest()
    if STATE.get("profile_key") != key:
        from notecheck.pipeline import get_nlp, silence_third_party_loggers
        from notecheck.profiles import PayerProfile

        silence_third_party_loggers()
        STATE["profile"] = PayerProfile.model_validate_json(profile_json)
        STATE["profile_key"] = key
        get_nlp()
        STATE["pid"] = os.getpid()
    return STATE["profile"]


# --- per row --------------------------------------------------------------------------------------------------

def code_text(code) -> str:
    """Code(cpt=64494, modifiers=[50, KX], units=2) → "64494-50-KXx2" (the --billed form)."""
    return code.cpt + "".join(f"-{m}" for m in code.modifiers) + (f"x{code.units}" if code.units > 1 else "")


def _strings(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        return [value]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if value != value:  # NaN from pandas
            return None
    except Exception:
        pass
    return value if isinstance(value, str) else str(value)


def read_text(note_id: str, value: Any, max_bytes: int):
    """The text cell → NoteInput, with the checks of reading a note file. Bytes (how job.prepare sends the
    text, so no invalid UTF-8 can break the Arrow transfer) are decoded like a file: BOM, empty, binary,
    UTF-8 with a warned cp1252 fallback. Text a reader already decoded with replacement characters (Spark's
    CSV and JSON readers turn undecodable bytes into U+FFFD, and the CSV reader drops NUL bytes) gets a
    warning, or is refused as binary when it is mostly such characters."""
    from notecheck.reading import NoteInput, decode_note, looks_garbled, note_from_text

    if value is None:
        return NoteInput(note_id, None, "", ["note text is missing"])
    if isinstance(value, (bytes, bytearray, memoryview)):
        text, errors, warnings = decode_note(bytes(value), max_bytes)
        note = NoteInput(note_id, text, "", errors, warnings)
    else:
        note = note_from_text(_text(value), note_id, max_bytes)
    if note.text:
        replaced = note.text.count("\ufffd")
        if replaced:
            if looks_garbled(note.text):
                return NoteInput(note_id, None, "", ["note is binary, not text"], note.warnings)
            note.warnings.append(f"note text has {replaced} undecodable character(s), shown as U+FFFD")
    return note


def check_row(note_id: Any, text: Any, billed: Any, cpts: Any, modifiers: Any, units: Any, profile,
              max_bytes: int):
    """One input row → its NoteReport. Never raises for what is in the row."""
    from notecheck.check import check_note
    from notecheck.claims import ClaimError, parse_billed, parse_claim_fields
    from notecheck.reading import NoteInput
    from notecheck.report import NoteReport

    nid = _text(note_id) or ""
    try:
        problems: list[str] = [] if nid.strip() else ["note_id is missing"]
        codes = []
        try:
            for value in _strings(billed):
                codes.append(parse_billed(_text(value) or ""))
            cpt_list, mod_list, unit_list = _strings(cpts), _strings(modifiers), _strings(units)
            for i, cpt in enumerate(cpt_list):
                mods = _text(mod_list[i]) if i < len(mod_list) else None
                n = _text(unit_list[i]) if i < len(unit_list) else None
                codes.append(parse_claim_fields(_text(cpt) or "", mods or "", n or "1", f"claim line {i + 1}"))
        except ClaimError as exc:
            problems.append(str(exc))
        note = read_text(nid, text, max_bytes)
        if problems:
            note = NoteInput(nid, None, "", problems + note.errors, note.warnings)
        return check_note(note, profile, codes)
    except Exception as exc:  # anything else: an error row naming the exception class, not its message (PHI)
        return NoteReport(note_id=nid, errors=[f"internal error while checking the note ({exc.__class__.__name__})"],
                          payer=getattr(profile, "id", None))


def report_row(report) -> dict[str, Any]:
    severities = [f.severity for f in report.findings]
    if report.errors:
        status = "error"
    elif "error" in severities:
        status = "flagged"
    else:
        status = "ok"
    p = report.procedure
    return {
        "note_id": report.note_id, "status": status, "kind": p.kind, "region": p.region, "intent": p.intent,
        "levels": [lv.joint + (f" {lv.laterality}" if lv.laterality else "") for lv in report.levels],
        "codes": [code_text(c) for c in report.codes], "billed": [code_text(c) for c in report.billed],
        "n_findings": len(report.findings), "n_errors": severities.count("error"),
        "n_warnings": severities.count("warning"), "finding_codes": [f.code for f in report.findings],
        "errors": list(report.errors), "warnings": list(report.warnings), "payer": report.payer,
        "report": report.model_dump_json(),
    }


def check_batches(batches: Iterable, profile_json: str, max_bytes: int) -> Iterator:
    """The mapInPandas function: pandas batches of (note_id, text, billed, claim_cpt, claim_modifiers,
    claim_units) → pandas batches of report rows (REPORT_SCHEMA)."""
    import pandas as pd

    profile = worker_profile(profile_json)
    rows: list[dict[str, Any]] = []
    for pdf in batches:
        cols = {c: pdf[c].tolist() if c in pdf.columns else [None] * len(pdf)
                for c in ("note_id", "text", "billed", "claim_cpt", "claim_modifiers", "claim_units")}
        for i in range(len(pdf)):
            report = check_row(cols["note_id"][i], cols["text"][i], cols["billed"][i], cols["claim_cpt"][i],
                               cols["claim_modifiers"][i], cols["claim_units"][i], profile, max_bytes)
            try:
                rows.append(report_row(report))
            except Exception as exc:  # pragma: no cover - a report that cannot be serialised
                from notecheck.report import NoteReport

                rows.append(report_row(NoteReport(
                    note_id=report.note_id, payer=report.payer,
                    errors=[f"internal error while writing the report ({exc.__class__.__name__})"])))
            if len(rows) >= OUTPUT_ROWS:
                yield pd.DataFrame(rows, columns=REPORT_COLUMNS)
                rows = []
    if rows:
        yield pd.DataFrame(rows, columns=REPORT_COLUMNS)
