"""Running a review: read the batch, skip what the store already holds, check the rest in N processes,
write each result (the parent is the only writer), then run the cross-note checks over the whole store.

Workers are this module's own `multiprocessing` pool (spawn context): an initializer builds the spaCy
pipeline once per process and silences PyRuSH/loguru there (spaCy's ``n_process`` cannot carry medspaCy's
span extensions between processes). Results come back in input order, so the store's content does not
depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .. import __version__
from ..reading import DEFAULT_MAX_BYTES, NoteInput
from ..report import Code
from .inputs import ReviewInput, ReviewItem, read_input
from .store import Store

# --- the worker side ------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def init_worker(payer: str, use_model: bool, ignore_sigint: bool = True) -> None:
    """Once per process: silence third-party loggers (PHI), load the profile, build the pipeline."""
    from ..pipeline import get_nlp, silence_third_party_loggers
    from ..profiles import load_profile

    if ignore_sigint:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    silence_third_party_loggers()
    _WORKER["profile"] = load_profile(payer)
    _WORKER["use_model"] = use_model
    get_nlp(use_model=use_model)


Payload = tuple[str, str, str | None, list[str], list[str], list[dict]]


def check_payload(payload: Payload) -> tuple[str, dict[str, Any]]:
    """(key, note_id, text, errors, warnings, billed) → (key, report as JSON-ready dict)."""
    from ..check import check_note

    key, note_id, text, errors, warnings, billed = payload
    note = NoteInput(note_id, text, "", list(errors), list(warnings))
    report = check_note(note, _WORKER["profile"], [Code(**b) for b in billed], use_model=_WORKER["use_model"])
    return key, report.model_dump(mode="json")


def _payload(item: ReviewItem) -> Payload:
    n = item.note
    return (item.key, item.note_id, n.text, list(n.errors), list(n.warnings), [c.model_dump() for c in item.billed])


def _ordered(pool, fn: Callable, payloads: Iterable, window: int) -> Iterator:
    """Like pool.imap, but with at most ``window`` tasks in flight (bounded memory) and results in order."""
    pending: deque = deque()
    for p in payloads:
        pending.append(pool.apply_async(fn, (p,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


# --- progress -----------------------------------------------------------------------------------------------------

class _Progress:
    """A rich progress bar (count, rate, ETA) on a terminal; plain periodic lines otherwise. Counts only."""

    def __init__(self, total: int, skipped: int, enabled: bool = True, every: float = 5.0, stream=None):
        self.total, self.skipped, self.done = total, skipped, 0
        self.stream = stream or sys.stderr
        self.every, self.start, self.last = every, time.monotonic(), time.monotonic()
        self.bar = None
        self.enabled = enabled
        if enabled and total and getattr(self.stream, "isatty", lambda: False)():
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            class _Rate(TextColumn):
                def render(self, task):  # notes per second over the run so far
                    from rich.text import Text
                    return Text(f"{task.completed / task.elapsed:.1f} notes/s" if task.elapsed else "")

            self.bar = Progress(TextColumn("review"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                                _Rate(""), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                console=Console(file=self.stream), transient=False)
            self.bar.start()
            self.task = self.bar.add_task("review", total=total)
        elif enabled:
            msg = f"review: {total} notes to check"
            if skipped:
                msg += f" ({skipped} already in the store)"
            print(msg, file=self.stream, flush=True)

    def advance(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.advance(self.task)
            return
        now = time.monotonic()
        if self.enabled and (now - self.last >= self.every):
            self.last = now
            self._line(now)

    def _line(self, now: float) -> None:
        elapsed = now - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        print(f"review: {self.done}/{self.total} notes ({rate:.1f} notes/s, ETA {_hms(eta)})", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        elif self.enabled and self.total:
            self._line(time.monotonic())


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


# --- the run ------------------------------------------------------------------------------------------------------

@dataclass
class ReviewResult:
    run_id: int
    source: str
    notes_in_input: int
    checked: int
    skipped: int
    unreadable: int
    input_errors: int
    seconds_checking: float  # from the start of checking to the last result, start-up included
    seconds_crossnote: float
    seconds_startup: float = 0.0  # until the first checked note came back (pipeline build, worker start)
    keys: list[str] = field(default_factory=list)
    crossnote: Any = None  # crossnote.CrossnoteSummary when the cross-note checks ran


def run_review(input_path: Path, db: Path, *, input_format: str = "auto", claims: Path | None = None,
               payer: str = "medicare", use_model: bool = False, workers: int = 1,
               max_bytes: int = DEFAULT_MAX_BYTES, progress: bool = True, progress_every: float = 5.0,
               crossnote: bool = True, start_method: str = "spawn", stream=None) -> ReviewResult:
    """Review one input into the store at ``db``. Raises InputUsageError / StoreError / ProfileError /
    ModelError for what is the caller's problem; bad notes and rows become error records."""
    from .. import resources
    from ..profiles import load_profile

    profile = load_profile(payer)
    if use_model:  # a missing or tampered model is a usage error before anything is written
        from ..pipeline import default_model_path
        from ..sentence_model import ModelError

        if default_model_path() is None:
            raise ModelError("the sentence model is missing; run `notecheck train` to create it")
    batch: ReviewInput = read_input(input_path, input_format, claims, max_bytes)
    store = Store(db)
    try:
        store.bind(profile.id, use_model)
        run_id = store.start_run({
            "input": batch.source, "input_format": batch.fmt, "claims": str(claims.resolve()) if claims else None,
            "payer": profile.id, "profile_version": profile.version, "rule_versions": resources.versions(),
            "use_model": use_model, "notecheck_version": __version__, "python_version": sys.version.split()[0],
            "workers": workers, "max_bytes": max_bytes, "notes_in_input": len(batch.items),
        })
        try:
            result = _check_batch(store, batch, run_id, payer, use_model, workers, progress, progress_every,
                                  start_method, stream)
            if crossnote:
                from .crossnote import refresh

                t0 = time.perf_counter()
                result.crossnote = refresh(store, profile)
                result.seconds_crossnote = time.perf_counter() - t0
        except BaseException:
            store.finish_run(run_id, "failed", {})
            raise
        store.finish_run(run_id, "completed", {
            "notes_checked": result.checked, "notes_skipped": result.skipped, "notes_unreadable": result.unreadable,
            "input_errors": result.input_errors, "seconds_checking": round(result.seconds_checking, 3),
            "seconds_crossnote": round(result.seconds_crossnote, 3),
        })
        return result
    finally:
        store.close()


def _check_batch(store: Store, batch: ReviewInput, run_id: int, payer: str, use_model: bool, workers: int,
                 progress: bool, progress_every: float, start_method: str, stream) -> ReviewResult:
    added_errors = store.add_input_errors(batch.errors, run_id)
    done = store.done_keys(batch.source)
    seen: set[str] = set()
    todo: list[ReviewItem] = []
    for item in batch.items:
        if item.key in done or item.key in seen:
            continue
        seen.add(item.key)
        todo.append(item)
    result = ReviewResult(run_id, batch.source, len(batch.items), 0, len(batch.items) - len(todo), 0, added_errors,
                          0.0, 0.0, keys=[it.key for it in batch.items])
    readable = [it for it in todo if it.note.text is not None]
    by_key = {it.key: it for it in todo}
    bar = None
    t0 = time.perf_counter()
    pool = None
    try:
        # unreadable notes need no pipeline: their reports are written first, in input order
        if len(readable) < len(todo):
            from ..check import check_note
            from ..profiles import load_profile

            profile = load_profile(payer)
            for item in todo:
                if item.note.text is None:
                    report = check_note(item.note, profile, item.billed).model_dump(mode="json")
                    store.write_note(item, report, run_id)
                    result.unreadable += 1
                    result.checked += 1
        if readable:
            if workers <= 1:
                init_worker(payer, use_model, ignore_sigint=False)
                results: Iterator = map(check_payload, (_payload(it) for it in readable))
            else:
                ctx = multiprocessing.get_context(start_method)
                pool = ctx.Pool(workers, initializer=init_worker, initargs=(payer, use_model))
                results = _ordered(pool, check_payload, (_payload(it) for it in readable), window=workers * 8)
            bar = _Progress(len(readable), result.skipped, progress, progress_every, stream)
            for key, report in results:
                if not result.seconds_startup:
                    result.seconds_startup = time.perf_counter() - t0
                store.write_note(by_key[key], report, run_id)
                result.checked += 1
                if report.get("errors"):
                    result.unreadable += 1
                bar.advance()
    finally:
        if bar is not None:
            bar.close()
        if pool is not None:
            pool.terminate()
            pool.join()
    result.seconds_checking = time.perf_counter() - t0
    return result
