"""The review store: one embedded SQLite file (WAL mode) holding every note checked, its findings as rows,
the parameters of each run and the error records of what could not be read.

Tables (see docs/review.md for the full schema):

    meta         key/value: schema version, the payer profile and sentence-model setting the store is bound to
    runs         one row per `notecheck review` invocation: input, payer, rule file versions, model setting,
                 notecheck version, workers, counts, started/finished, status (running | completed | failed;
                 a run killed with -9 stays "running")
    notes        one row per note (UNIQUE source + note_id): key, content hash, metadata, text, report JSON
    findings     one row per finding: note_key, note_id, code, severity, rule, message, fix, spans, details,
                 origin = note (the single-note check) | crossnote (the cross-note checks, recomputed each run)
    input_errors one row per error record: a note that could not be read, a broken CSV row, an invalid FHIR
                 resource (UNIQUE key, so re-reading the same input adds nothing)

The store holds note text (the HTML report and the clone check need it): it is PHI. The file is created
readable by its owner only (0600).

Resume: a note's row, its findings and its error records are written in one transaction, committed before
the next note, so after a kill -9 a note is either wholly in the store or not at all; a rerun skips the
keys already present.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id            INTEGER PRIMARY KEY,
    started_at        TEXT NOT NULL,
    finished_at       TEXT,
    status            TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    input             TEXT NOT NULL,
    input_format      TEXT NOT NULL,
    claims            TEXT,
    payer             TEXT NOT NULL,
    profile_version   TEXT NOT NULL,
    rule_versions     TEXT NOT NULL,   -- JSON {file: version} from notecheck.resources.versions()
    use_model         INTEGER NOT NULL,
    notecheck_version TEXT NOT NULL,
    python_version    TEXT NOT NULL,
    workers           INTEGER NOT NULL,
    max_bytes         INTEGER NOT NULL,
    notes_in_input    INTEGER,
    notes_checked     INTEGER,         -- by this run
    notes_skipped     INTEGER,         -- already in the store (a resumed or repeated run)
    notes_unreadable  INTEGER,         -- by this run
    input_errors      INTEGER,
    seconds_checking  REAL,
    seconds_crossnote REAL
);
CREATE TABLE IF NOT EXISTS notes (
    key             TEXT PRIMARY KEY,  -- sha256(source, note_id, content_hash)
    source          TEXT NOT NULL,     -- resolved path of the input
    note_id         TEXT NOT NULL,
    locator         TEXT NOT NULL,     -- file name, CSV row(s), Bundle entry
    content_hash    TEXT NOT NULL,     -- text/bytes + claim lines + metadata
    run_id          INTEGER NOT NULL REFERENCES runs(run_id),
    checked_at      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('checked', 'unreadable')),
    patient_id      TEXT,
    date_of_service TEXT,              -- ISO date
    provider        TEXT,
    payer_name      TEXT,              -- the payer named by the input (the profile is in runs.payer)
    paid_amount     REAL,
    kind            TEXT,
    region          TEXT,
    intent          TEXT,
    worst_severity  TEXT,              -- of the single-note findings
    billed          TEXT NOT NULL,     -- JSON [{cpt, modifiers, units}]
    supported       TEXT NOT NULL,     -- JSON [{cpt, modifiers, units}]
    text            TEXT,              -- the note as read (PHI)
    report          TEXT NOT NULL,     -- the NoteReport JSON of the single-note check
    UNIQUE (source, note_id)
);
CREATE TABLE IF NOT EXISTS findings (
    id        INTEGER PRIMARY KEY,
    note_key  TEXT NOT NULL REFERENCES notes(key) ON DELETE CASCADE,
    note_id   TEXT NOT NULL,
    code      TEXT NOT NULL,
    severity  TEXT NOT NULL,
    rule      TEXT NOT NULL,
    message   TEXT NOT NULL,
    fix       TEXT,
    spans     TEXT NOT NULL,            -- JSON [[start, end], ...]
    details   TEXT NOT NULL,            -- JSON
    origin    TEXT NOT NULL CHECK (origin IN ('note', 'crossnote'))
);
CREATE INDEX IF NOT EXISTS findings_note ON findings(note_key);
CREATE INDEX IF NOT EXISTS findings_code ON findings(code, severity);
CREATE TABLE IF NOT EXISTS input_errors (
    key       TEXT PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES runs(run_id),
    note_key  TEXT REFERENCES notes(key) ON DELETE CASCADE,   -- set for a note that could not be read
    source    TEXT NOT NULL,
    locator   TEXT NOT NULL,
    note_id   TEXT NOT NULL,
    stage     TEXT NOT NULL,            -- read | csv | jsonl | fhir | claims
    message   TEXT NOT NULL
);
CREATE VIEW IF NOT EXISTS finding_rows AS
    SELECT f.note_id, f.code, f.severity, f.rule, f.origin, n.source, n.provider, n.patient_id,
           n.date_of_service, n.kind, f.note_key
    FROM findings f JOIN notes n ON n.key = f.note_key;
"""


class StoreError(ValueError):
    """The store cannot be used as asked (another payer profile, a newer schema, not a store)."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _create_private(path: Path) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


class Store:
    def __init__(self, path: Path | str, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no such review store (run `notecheck review` first)")
        if create:
            _create_private(self.path)
        self.db = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a committed note survives kill -9
            self.db.execute("PRAGMA foreign_keys=ON")
            version = self._meta("schema_version") if self._has_table("meta") else None
            if version is not None and version != SCHEMA_VERSION:
                raise StoreError(f"{self.path}: store schema {version}; this notecheck reads schema {SCHEMA_VERSION}")
            if create:
                self.db.executescript(SCHEMA)
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('created_at', ?)", (_now(),))
            elif version is None:
                raise StoreError(f"{self.path}: not a notecheck review store")
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StoreError(f"{self.path}: not a usable SQLite store ({exc})") from None

    # --- basics ---------------------------------------------------------------------------------------------

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _has_table(self, name: str) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def meta(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.db.execute("SELECT key, value FROM meta")}

    def bind(self, payer: str, use_model: bool) -> None:
        """A store holds results of one payer profile and one model setting; mixing them would make the
        worklist and the cross-note checks compare unlike things."""
        wanted = {"payer": payer, "use_model": "1" if use_model else "0"}
        current = {k: self._meta(k) for k in wanted}
        for k, v in wanted.items():
            if current[k] is not None and current[k] != v:
                shown = {"payer": f"payer profile {current[k]!r}", "use_model": "--model" if current[k] == "1" else "--no-model"}[k]
                raise StoreError(f"{self.path} holds results checked with {shown}; use another --db for this setting")
        self.db.execute("BEGIN IMMEDIATE")
        for k, v in wanted.items():
            self.db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (k, v))
        self.db.execute("COMMIT")

    # --- runs -----------------------------------------------------------------------------------------------

    def start_run(self, params: dict[str, Any]) -> int:
        cols = ["started_at", "status", "input", "input_format", "claims", "payer", "profile_version", "rule_versions",
                "use_model", "notecheck_version", "python_version", "workers", "max_bytes", "notes_in_input"]
        values = [_now(), "running"] + [params.get(c) for c in cols[2:]]
        values[cols.index("rule_versions")] = json.dumps(params["rule_versions"], sort_keys=True)
        values[cols.index("use_model")] = 1 if params.get("use_model") else 0
        cur = self.db.execute(f"INSERT INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values)
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        sets = ", ".join(f"{k}=?" for k in counts)
        self.db.execute(f"UPDATE runs SET status=?, finished_at=?{', ' + sets if sets else ''} WHERE run_id=?",
                        [status, _now(), *counts.values(), run_id])

    def runs(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY run_id")]

    # --- notes ------------------------------------------------------------------------------------------------

    def done_keys(self, source: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT key FROM notes WHERE source=?", (source,))}

    def write_note(self, item, report: dict[str, Any], run_id: int) -> None:
        """One note, its findings and its error records, in one transaction. A note of the same source and
        note_id with other content (an edited note, corrected claims) is replaced: one result per note."""
        errors = report.get("errors") or []
        proc = report.get("procedure") or {}
        order = {"error": 0, "warning": 1, "info": 2}
        findings = report.get("findings") or []
        worst = min((f["severity"] for f in findings), key=order.__getitem__, default=None)
        meta = item.meta
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM notes WHERE source=? AND note_id=? AND key<>?", (item.source, item.note_id, item.key))
            db.execute(
                "INSERT INTO notes (key, source, note_id, locator, content_hash, run_id, checked_at, status, patient_id,"
                " date_of_service, provider, payer_name, paid_amount, kind, region, intent, worst_severity, billed,"
                " supported, text, report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (item.key, item.source, item.note_id, item.locator, item.content_hash, run_id, _now(),
                 "unreadable" if errors else "checked", meta.patient_id, meta.date_of_service, meta.provider,
                 meta.payer, meta.paid_amount, None if errors else proc.get("kind"), proc.get("region"),
                 proc.get("intent"), worst, json.dumps(report.get("billed") or []), json.dumps(report.get("codes") or []),
                 item.note.text, json.dumps(report, sort_keys=True)))
            db.executemany(
                "INSERT INTO findings (note_key, note_id, code, severity, rule, message, fix, spans, details, origin)"
                " VALUES (?,?,?,?,?,?,?,?,?, 'note')",
                [(item.key, item.note_id, f["code"], f["severity"], f["rule"], f["message"], f.get("fix"),
                  json.dumps(f.get("spans") or []), json.dumps(f.get("details") or {}, sort_keys=True)) for f in findings])
            from .inputs import _sha  # local: the same key function as the inputs' error records

            db.executemany(
                "INSERT OR IGNORE INTO input_errors (key, run_id, note_key, source, locator, note_id, stage, message)"
                " VALUES (?,?,?,?,?,?, 'read', ?)",
                [(_sha("read", item.key, msg), run_id, item.key, item.source, item.locator, item.note_id, msg) for msg in errors])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def add_input_errors(self, errors: Iterable, run_id: int) -> int:
        rows = [(e.key, run_id, e.source, e.locator, e.note_id, e.stage, e.message) for e in errors]
        if not rows:
            return 0
        self.db.execute("BEGIN IMMEDIATE")
        before = self.db.total_changes
        self.db.executemany("INSERT OR IGNORE INTO input_errors (key, run_id, source, locator, note_id, stage, message)"
                            " VALUES (?,?,?,?,?,?,?)", rows)
        added = self.db.total_changes - before
        self.db.execute("COMMIT")
        return added

    def notes(self, where: str = "", params: tuple = (), columns: str = "*") -> Iterator[sqlite3.Row]:
        yield from self.db.execute(f"SELECT {columns} FROM notes {where} ORDER BY rowid", params)

    def note_count(self, source: str | None = None) -> int:
        if source is None:
            return self.db.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM notes WHERE source=?", (source,)).fetchone()[0]

    def findings(self, note_key: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM findings" + (" WHERE note_key=?" if note_key else "") + " ORDER BY id"
        rows = self.db.execute(sql, (note_key,) if note_key else ())
        return [_finding(r) for r in rows]

    def findings_by_note(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for r in self.db.execute("SELECT * FROM findings ORDER BY id"):
            out.setdefault(r["note_key"], []).append(_finding(r))
        return out

    def source_summary(self, source: str) -> dict[str, int]:
        """Counts over the notes of one input, for the exit status of `notecheck review`."""
        one = lambda sql: self.db.execute(sql, (source,)).fetchone()[0]  # noqa: E731
        return {
            "notes": one("SELECT COUNT(*) FROM notes WHERE source=?"),
            "unreadable": one("SELECT COUNT(*) FROM notes WHERE source=? AND status='unreadable'"),
            "input_errors": one("SELECT COUNT(*) FROM input_errors WHERE source=? AND note_key IS NULL"),
            "with_error_findings": one("SELECT COUNT(DISTINCT f.note_key) FROM findings f JOIN notes n ON n.key=f.note_key"
                                       " WHERE n.source=? AND f.severity='error'"),
            "with_warnings": one("SELECT COUNT(DISTINCT f.note_key) FROM findings f JOIN notes n ON n.key=f.note_key"
                                 " WHERE n.source=? AND f.severity='warning'"),
        }

    def input_errors(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM input_errors ORDER BY rowid")]

    # --- cross-note findings ------------------------------------------------------------------------------------

    def replace_crossnote(self, findings: list[tuple[str, str, dict[str, Any]]]) -> None:
        """All cross-note findings at once, replacing the previous ones: (note_key, note_id, finding)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM findings WHERE origin='crossnote'")
            db.executemany(
                "INSERT INTO findings (note_key, note_id, code, severity, rule, message, fix, spans, details, origin)"
                " VALUES (?,?,?,?,?,?,?,?,?, 'crossnote')",
                [(key, nid, f["code"], f["severity"], f["rule"], f["message"], f.get("fix"), json.dumps(f.get("spans") or []),
                  json.dumps(f.get("details") or {}, sort_keys=True)) for key, nid, f in findings])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def _finding(row: sqlite3.Row) -> dict[str, Any]:
    return {"code": row["code"], "severity": row["severity"], "rule": row["rule"], "message": row["message"],
            "fix": row["fix"], "spans": [tuple(s) for s in json.loads(row["spans"])], "details": json.loads(row["details"]),
            "origin": row["origin"]}
