"""End-to-end review of a generated batch with 1 and 2 workers: notes/s and peak memory.

    .venv/bin/python bench/run_batch.py [--notes 5000] [--seed 7] [--out /tmp/notecheck-bench] [--workers 1 2]

Generates the batch (bench/generate_batch.py: ~1% empty / binary / non-UTF-8 / oversized notes, claims,
a made-up fee schedule), then for each worker count runs `notecheck review` in a fresh process (so the
peak memory is that run's alone), checks the stores are identical, and times the exports and an audit
sample on the result. Peak memory is resource.getrusage ru_maxrss: the reviewing process itself, and its
largest child (a pool worker) — RUSAGE_CHILDREN reports the largest descendant, not a sum; with 2
workers the total resident memory is about parent + 2 × child.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def measure(args) -> None:
    """Child mode: one review, then its figures as JSON on stdout."""
    sys.path.insert(0, str(ROOT))
    from notecheck.review.runner import run_review

    workers = args.workers[0]
    t0 = time.perf_counter()
    result = run_review(Path(args.input), Path(args.db), claims=Path(args.claims), workers=workers,
                        progress=True, progress_every=30.0)
    wall = time.perf_counter() - t0
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    readable = result.checked - result.unreadable
    steady = result.seconds_checking - result.seconds_startup
    print(json.dumps({
        "workers": workers, "notes": result.notes_in_input, "checked": result.checked,
        "unreadable": result.unreadable, "input_errors": result.input_errors,
        "wall_s": round(wall, 2), "startup_s": round(result.seconds_startup, 2),
        "checking_s": round(result.seconds_checking, 2), "crossnote_s": round(result.seconds_crossnote, 2),
        "notes_per_s_end_to_end": round(result.notes_in_input / wall, 1),
        "notes_per_s_checking": round(readable / result.seconds_checking, 1),
        "notes_per_s_steady": round((readable - 1) / steady, 1) if steady > 0 else None,
        "peak_rss_mb_self": round(self_kb / 1024, 1),
        # with 1 worker there is no worker process: the only child is numpy's `lscpu` probe at import time
        # (a fork of this process), so the figure would say nothing about the review
        "peak_rss_mb_largest_worker": round(child_kb / 1024, 1) if workers > 1 else None,
        "crossnote": vars(result.crossnote) if result.crossnote else None,
    }))


def dump(db: Path) -> tuple:
    con = sqlite3.connect(db)
    notes = sorted(con.execute("SELECT key, note_id, status, report FROM notes"))
    findings = sorted(con.execute("SELECT note_key, code, severity, message, spans, details, origin FROM findings"))
    errors = sorted(con.execute("SELECT key, message FROM input_errors"))
    con.close()
    return notes, findings, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("/tmp/notecheck-bench"))
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--input"), ap.add_argument("--claims"), ap.add_argument("--db")
    args = ap.parse_args()
    if args.measure:
        measure(args)
        return

    sys.path.insert(0, str(HERE))
    import generate_batch

    out: Path = args.out
    if out.exists():
        import shutil

        shutil.rmtree(out)
    t0 = time.perf_counter()
    counts = generate_batch.generate(out, args.notes, args.seed)
    generate_batch.write_fees(out / "fees.csv")
    print(f"generated {args.notes} notes in {time.perf_counter() - t0:.1f} s: {counts}", flush=True)

    runs = []
    for w in args.workers:
        db = out / f"review-w{w}.db"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", "--workers", str(w), "--input", str(out / "notes"),
               "--claims", str(out / "claims.csv"), "--db", str(db)]
        print(f"reviewing with {w} worker(s) ...", flush=True)
        proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), flush=True)
    dbs = [out / f"review-w{w}.db" for w in args.workers]
    identical = all(dump(db) == dump(dbs[0]) for db in dbs[1:])
    print(f"stores identical across worker counts: {identical}", flush=True)

    exports = {}
    for fmt in ("csv", "jsonl", "html"):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "notecheck.cli", "export", "--db", str(dbs[0]), "--format", fmt, "--out",
                        str(out / f"worklist.{fmt}"), "--fees", str(out / "fees.csv")], cwd=ROOT, check=True,
                       stderr=subprocess.DEVNULL)
        exports[fmt] = {"seconds": round(time.perf_counter() - t, 2),
                        "mb": round((out / f"worklist.{fmt}").stat().st_size / 1e6, 2)}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "notecheck.cli", "audit", "sample", "--db", str(dbs[0]), "--size", "100",
                    "--seed", "20250601", "--stratify", "paid", "--paid-only", "--out", str(out / "sample")],
                   cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
    exports["audit_sample_100"] = {"seconds": round(time.perf_counter() - t, 2)}
    con = sqlite3.connect(dbs[0])
    by_code = dict(con.execute("SELECT code, COUNT(*) FROM findings GROUP BY code ORDER BY 2 DESC"))
    status = dict(con.execute("SELECT status, COUNT(*) FROM notes GROUP BY status"))
    errors = con.execute("SELECT COUNT(*) FROM input_errors").fetchone()[0]
    con.close()
    summary = {"machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count(),
                           "platform": platform.platform(terse=True)},
               "generated": counts, "runs": runs, "identical": identical, "exports": exports,
               "store": {"notes_by_status": status, "error_records": errors, "findings_by_code": by_code,
                         "db_mb": round(dbs[0].stat().st_size / 1e6, 1)}}
    (out / "results.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
