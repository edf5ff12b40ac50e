"""Throughput of the full check against stock medspaCy and the tokenizer floor — a benchmark, not a test.

    .venv/bin/python bench/throughput.py                        # everything, ~6-8 minutes on 2 cores
    .venv/bin/python bench/throughput.py --notes 300 --quick    # a smoke run (smaller sets, no profile)

On one set of generated notes (bench/note_mix.py: facet and non-facet notes padded with history,
examination and technique paragraphs to 150-1,500 words, median ~420) it measures, in one run:

- notecheck: the full check, `notecheck.check.check_note` (pipeline + extraction + rules + codes), one process;
- stock medspaCy: `medspacy.load()` (medspaCy tokenizer, PyRuSH sentences, target matcher loaded with
  notecheck's own TargetRules from `notecheck.pipeline.target_rules()`, ConText with medspaCy's default rules);
- the floor: spaCy's tokenizer alone (`spacy.blank("en")`; medspaCy's tokenizer, which notecheck uses, is
  shown too);
- the ratios notecheck/medspaCy throughput (target >= 5) and notecheck/tokenizer time (target <= 6, stretch <= 4);
- 1 vs 2 worker processes (spawn; each builds the pipeline once and silences PyRuSH/loguru, as the review
  runner and the Spark job do), after start-up, with each process's peak resident memory (/proc VmHWM for
  the workers, resource.getrusage for this process; target >= 1.8x);
- cost against length: ms/note for ~150-word notes and the same notes padded to 10x (target <= 12x);
- where the time goes: per pipeline component (plus rules/codes and the report), and cProfile of the full
  check on --profile-notes notes, top 20 by cumulative and by own time; the profile text goes to
  artifacts/throughput-profile.txt and all figures to artifacts/throughput.json.

Single-process figures are wall time; CPU time (time.process_time) is shown beside them because this
machine may be shared — if the two differ much, something else was running.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing
import os
import platform
import pstats
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import note_mix

TARGETS = {"vs_medspacy": 5.0, "vs_tokenizer": 6.0, "vs_tokenizer_stretch": 4.0, "two_workers": 1.8, "ten_x_length": 12.0}


# --- machine and memory ----------------------------------------------------------------------------------------

def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import medspacy
    import spacy

    return {"nproc": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)), "cpu": model,
            "python": platform.python_version(), "spacy": spacy.__version__,
            "medspacy": getattr(medspacy, "__version__", "?"), "platform": platform.platform(terse=True),
            "loadavg_start": os.getloadavg(), "core_code_sha256": code_fingerprint(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def proc_status_kb(pid: int | str, field: str) -> int | None:
    """VmHWM (peak resident) or VmRSS of a process, in kB, from /proc/PID/status."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def code_fingerprint() -> str:
    """SHA-256 (first 12) over notecheck's core code and rule files: which code state the figures belong to."""
    import hashlib

    h = hashlib.sha256()
    pkg = ROOT / "notecheck"
    files = sorted(list(pkg.glob("*.py")) + list((pkg / "recognizers").glob("*.py")) + list((pkg / "resources").rglob("*.json")))
    for f in files:
        h.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def rss_mb() -> float:
    return round((proc_status_kb("self", "VmRSS") or 0) / 1024, 1)


# --- timing helpers ---------------------------------------------------------------------------------------------

def timed(fn, items) -> dict:
    """Call ``fn`` on each item; wall and CPU time of the whole loop, and the per-item wall times."""
    per = []
    w0, c0 = time.perf_counter(), time.process_time()
    for item in items:
        t = time.perf_counter()
        fn(item)
        per.append((time.perf_counter() - t) * 1000)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    per.sort()
    n = len(per)
    return {"n": n, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "notes_per_s": round(n / wall, 2),
            "ms_per_note": round(wall * 1000 / n, 3), "cpu_ms_per_note": round(cpu * 1000 / n, 3),
            "p50_ms": round(per[n // 2], 3), "p95_ms": round(per[min(n - 1, int(n * 0.95))], 3), "max_ms": round(per[-1], 3)}


def note_inputs(notes):
    """(NoteInput, billed codes) per note, prepared outside the timed loops."""
    from notecheck.claims import parse_billed
    from notecheck.reading import note_from_text

    return [(note_from_text(n.text, n.note_id), [parse_billed(b) for b in n.billed]) for n in notes]


# --- the pipelines ----------------------------------------------------------------------------------------------

def notecheck_checker():
    from notecheck.check import check_note
    from notecheck.pipeline import get_nlp, silence_third_party_loggers
    from notecheck.profiles import load_profile

    silence_third_party_loggers()
    t0 = time.perf_counter()
    get_nlp()
    build = time.perf_counter() - t0
    profile = load_profile("medicare")
    return (lambda item: check_note(item[0], profile, item[1])), build


def medspacy_nlp():
    """Stock medspaCy: medspacy.load() with notecheck's TargetRules in its target matcher.

    Built in a process where notecheck's pipeline was never built: `notecheck.pipeline.build_nlp` speeds up
    medspaCy's RegexMatcher for the whole process (`speed_up_medspacy`), which would flatter "stock"."""
    from notecheck.pipeline import silence_third_party_loggers, target_rules

    silence_third_party_loggers()  # PyRuSH logs every token through loguru otherwise
    import medspacy
    from medspacy.common.regex_matcher import RegexMatcher

    original = getattr(RegexMatcher, "_original_call", None)
    if original is not None:  # patched in this process after all: measure medspaCy as shipped
        RegexMatcher.__call__ = original
    t0 = time.perf_counter()
    nlp = medspacy.load()
    nlp.get_pipe("medspacy_target_matcher").add(target_rules())
    stock = RegexMatcher.__call__.__module__.startswith("medspacy")
    return nlp, time.perf_counter() - t0, stock


def _medspacy_run(texts: list[str]) -> dict:
    """In a fresh process: build stock medspaCy, warm up, time every note, then time each component."""
    med, build, stock = medspacy_nlp()
    for t in texts[:10]:
        med(t)
    result = timed(med, texts)
    result["build_s"] = round(build, 2)
    result["stock_regex_matcher"] = stock
    result["rss_mb_after"] = rss_mb()
    result["components"] = medspacy_breakdown(med, texts[:100])
    return result


def medspacy_breakdown(nlp, texts) -> list[dict]:
    """Time each component of the stock medspaCy pipeline, note by note."""
    names = ["tokenizer"] + [name for name, _ in nlp.pipeline]
    spent = dict.fromkeys(names, 0.0)
    for text in texts:
        t = time.perf_counter()
        doc = nlp.make_doc(text)
        spent["tokenizer"] += time.perf_counter() - t
        for name, proc in nlp.pipeline:
            t = time.perf_counter()
            doc = proc(doc)
            spent[name] += time.perf_counter() - t
    total = sum(spent.values())
    return [{"part": k, "ms_per_note": round(v * 1000 / len(texts), 3), "share": round(v / total, 4)} for k, v in spent.items()]


def component_breakdown(items) -> list[dict]:
    """Time each pipeline component, the report, and rules + codes, note by note (no profiler overhead)."""
    from notecheck.check import report_from_extraction
    from notecheck.pipeline import get_nlp
    from notecheck.profiles import load_profile
    from notecheck.rules import evaluate

    nlp = get_nlp()
    profile = load_profile("medicare")
    names = ["tokenizer"] + [name for name, _ in nlp.pipeline] + ["report (pydantic)", "rules + codes"]
    spent = dict.fromkeys(names, 0.0)
    for note, billed in items:
        t = time.perf_counter()
        doc = nlp.make_doc(note.text)
        spent["tokenizer"] += time.perf_counter() - t
        for name, proc in nlp.pipeline:
            t = time.perf_counter()
            doc = proc(doc)
            spent[name] += time.perf_counter() - t
        t = time.perf_counter()
        report = report_from_extraction(note.note_id, doc._.notecheck, note.warnings)
        report.payer, report.billed = profile.id, list(billed)
        spent["report (pydantic)"] += time.perf_counter() - t
        t = time.perf_counter()
        report.findings, report.codes = evaluate(report, profile, report.billed)
        spent["rules + codes"] += time.perf_counter() - t
    total = sum(spent.values())
    return [{"part": k, "ms_per_note": round(v * 1000 / len(items), 3), "share": round(v / total, 4)} for k, v in spent.items()]


# --- worker processes -------------------------------------------------------------------------------------------

_W: dict = {}


def _init_worker() -> None:
    """Once per worker: silence PyRuSH/loguru (PHI, and it would log every token), build the pipeline."""
    from notecheck.pipeline import get_nlp, silence_third_party_loggers
    from notecheck.profiles import load_profile

    silence_third_party_loggers()
    _W["profile"] = load_profile("medicare")
    get_nlp()


def _check(payload: tuple[str, str, list[str]]) -> str:
    """(note_id, text, billed) → the report as JSON (what a worker sends back to a writer)."""
    from notecheck.check import check_note
    from notecheck.claims import parse_billed
    from notecheck.reading import note_from_text

    note_id, text, billed = payload
    return check_note(note_from_text(text, note_id), _W["profile"], [parse_billed(b) for b in billed]).model_dump_json()


def _pid(_: int) -> int:
    time.sleep(0.05)  # so that each worker takes one of the warm-up probes
    return os.getpid()


def _maxrss(_: int) -> tuple[int, float]:
    """(pid, this worker's peak resident memory in MB by resource.getrusage)."""
    time.sleep(0.2)  # long enough that every worker takes one probe
    return os.getpid(), round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_workers(notes, workers: int, chunksize: int = 4) -> dict:
    payloads = [(n.note_id, n.text, n.billed) for n in notes]
    ctx = multiprocessing.get_context("spawn")
    t0 = time.perf_counter()
    pool = ctx.Pool(workers, initializer=_init_worker)
    try:
        pool.map(_pid, range(workers * 4), chunksize=1)  # all workers up and their pipelines built
        pool.map(_check, payloads[:workers * 8], chunksize=1)  # warm-up, not timed
        startup = time.perf_counter() - t0
        t1 = time.perf_counter()
        out = list(pool.imap(_check, payloads, chunksize=chunksize))
        wall = time.perf_counter() - t1
        peaks = [round((proc_status_kb(p.pid, "VmHWM") or 0) / 1024, 1) for p in pool._pool]
        own = dict(pool.map(_maxrss, range(workers * 3), chunksize=1))
    finally:
        pool.close()
        pool.join()
    assert len(out) == len(payloads)
    return {"workers": workers, "n": len(payloads), "startup_s": round(startup, 2), "wall_s": round(wall, 3),
            "notes_per_s": round(len(payloads) / wall, 2), "peak_rss_mb_per_worker": peaks,
            "peak_rss_mb_per_worker_getrusage": sorted(own.values()),
            "loadavg_after": os.getloadavg()}


# --- the profile ------------------------------------------------------------------------------------------------

def profile_check(check, items, out: Path, top: int = 20) -> dict:
    prof = cProfile.Profile()
    prof.enable()
    for item in items:
        check(item)
    prof.disable()
    full = io.StringIO()
    stats = pstats.Stats(prof, stream=full)
    stats.sort_stats("cumulative").print_stats(80)
    stats.sort_stats("tottime").print_stats(80)
    stats.sort_stats("tottime").print_callers(25)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"cProfile of notecheck.check.check_note on {len(items)} notes\n\n" + full.getvalue())
    stats = pstats.Stats(prof)
    total = max(stats.total_tt, max(ct for _, _, _, ct, _ in stats.stats.values()))  # type: ignore[attr-defined]
    rows = {}
    for key in ("cumulative", "tottime"):
        s = pstats.Stats(prof)
        s.sort_stats(key)
        entries = []
        for func in s.fcn_list[:top]:  # type: ignore[attr-defined]
            _, nc, tt, ct, _ = s.stats[func]  # type: ignore[attr-defined]
            entries.append({"function": f"{_where(func[0])}:{func[1]}({func[2]})", "calls": nc,
                            "tottime_s": round(tt, 3), "cumtime_s": round(ct, 3),
                            "share": round((ct if key == "cumulative" else tt) / total, 4)})
        rows[key] = entries
    return {"notes": len(items), "profiled_total_s": round(total, 3), "top": rows}


def _where(filename: str) -> str:
    """A profile entry's file, short but unambiguous: notecheck/targets.py, medspacy/context/context.py."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    try:
        return str(Path(filename).resolve().relative_to(ROOT))
    except ValueError:
        return filename if filename.startswith(("~", "<")) else Path(filename).name


# --- printing ---------------------------------------------------------------------------------------------------

def table(rows: list[list], header: list[str]) -> str:
    cols = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cols) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in cols[1:]])


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", type=int, default=1000, help="notes in the benchmark set (>= 1,000 for the report)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--length-notes", type=int, default=100, help="notes in each of the ~150 / ~1,500-word sets")
    ap.add_argument("--profile-notes", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-medspacy", action="store_true")
    ap.add_argument("--quick", action="store_true", help="smaller sets and no profile: a smoke run")
    ap.add_argument("--out", type=Path, default=ROOT / "artifacts", help="where the profile and the JSON figures go")
    args = ap.parse_args()
    if args.quick:
        args.length_notes, args.profile_notes = min(args.length_notes, 20), 0

    info = machine()
    print(f"machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, spaCy {info['spacy']}, "
          f"medspaCy {info['medspacy']}, {info['platform']}; load average {info['loadavg_start'][0]:.2f}; "
          f"core code {info['core_code_sha256']} at {info['date']}", flush=True)
    notes = note_mix.mixed_notes(args.notes, args.seed)
    lengths = sorted(n.words for n in notes)
    texts = [n.text for n in notes]
    items = note_inputs(notes)
    print(f"notes: {len(notes)} (words min {lengths[0]}, median {lengths[len(lengths) // 2]}, "
          f"mean {statistics.fmean(lengths):.0f}, max {lengths[-1]}; {sum(n.kind in note_mix.NON_FACET for n in notes)} non-facet, "
          f"{sum(bool(n.billed) for n in notes)} with claim lines)", flush=True)
    results: dict = {"machine": info, "set": {"notes": len(notes), "seed": args.seed, "words_min": lengths[0],
                                              "words_median": lengths[len(lengths) // 2],
                                              "words_mean": round(statistics.fmean(lengths), 1), "words_max": lengths[-1]},
                     "rss_mb": {"start": rss_mb()}}

    # 1. the floor: tokenizers
    import spacy
    from medspacy.custom_tokenizer import create_medspacy_tokenizer

    blank = spacy.blank("en")
    for t in texts[:20]:
        blank.tokenizer(t)
    results["tokenizer"] = timed(blank.tokenizer, texts)
    med_tok_nlp = spacy.blank("en")
    med_tok = create_medspacy_tokenizer(med_tok_nlp)
    for t in texts[:20]:
        med_tok(t)
    results["medspacy_tokenizer"] = timed(med_tok, texts)
    print(f"tokenizer floor: {results['tokenizer']['ms_per_note']:.2f} ms/note", flush=True)

    # 2. notecheck: the full check
    check, build = notecheck_checker()
    for item in items[:20]:
        check(item)
    results["rss_mb"]["after_notecheck_build"] = rss_mb()
    results["notecheck"] = timed(check, items)
    results["notecheck"]["build_s"] = round(build, 2)
    print(f"notecheck: {results['notecheck']['notes_per_s']:.1f} notes/s", flush=True)

    # 3. stock medspaCy
    if not args.skip_medspacy:
        with multiprocessing.get_context("spawn").Pool(1) as pool:  # a process notecheck's build never touched
            med = pool.apply(_medspacy_run, (texts,))
        results["medspacy_components"] = med.pop("components")
        results["rss_mb"]["medspacy_process"] = med.pop("rss_mb_after")
        results["medspacy"] = med
        print(f"medspaCy: {results['medspacy']['notes_per_s']:.1f} notes/s (own process; RegexMatcher as shipped: "
              f"{med['stock_regex_matcher']})", flush=True)

    # 4. cost against length
    short, long_ = note_mix.length_pairs(args.length_notes)
    s_items, l_items = note_inputs(short), note_inputs(long_)
    results["length"] = {
        "short_words_mean": round(statistics.fmean(n.words for n in short), 1),
        "long_words_mean": round(statistics.fmean(n.words for n in long_), 1),
        "short": timed(check, s_items), "long": timed(check, l_items),
        "short_tokenizer": timed(blank.tokenizer, [n.text for n in short]),
        "long_tokenizer": timed(blank.tokenizer, [n.text for n in long_]),
    }
    L = results["length"]
    L["words_ratio"] = round(L["long_words_mean"] / L["short_words_mean"], 2)
    L["time_ratio"] = round(L["long"]["ms_per_note"] / L["short"]["ms_per_note"], 2)
    L["tokenizer_time_ratio"] = round(L["long_tokenizer"]["ms_per_note"] / L["short_tokenizer"]["ms_per_note"], 2)
    # the same figure for exactly 10x the words, assuming cost linear in length between the two points
    L["time_ratio_at_10x"] = round(1 + (L["time_ratio"] - 1) * 9 / (L["words_ratio"] - 1), 2)
    print(f"length: {L['short']['ms_per_note']:.1f} ms ({L['short_words_mean']:.0f} words) vs "
          f"{L['long']['ms_per_note']:.1f} ms ({L['long_words_mean']:.0f} words)", flush=True)

    # 5. where the time goes
    sample = items[:args.profile_notes or 200]
    results["components"] = component_breakdown(sample)
    if args.profile_notes:
        results["profile"] = profile_check(check, items[:args.profile_notes], args.out / "throughput-profile.txt")
    results["rss_mb"]["peak_this_process"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    # 6. worker processes
    results["workers"] = []
    for w in sorted({1, args.workers}):
        print(f"{w} worker process(es) ...", flush=True)
        results["workers"].append(run_workers(notes, w))
    results["machine"]["loadavg_end"] = os.getloadavg()

    # --- the report
    nc, tok = results["notecheck"], results["tokenizer"]
    ratios = {"vs_tokenizer": round(nc["ms_per_note"] / tok["ms_per_note"], 2),
              "vs_tokenizer_cpu": round(nc["cpu_ms_per_note"] / tok["cpu_ms_per_note"], 2),
              "vs_medspacy_tokenizer": round(nc["ms_per_note"] / results["medspacy_tokenizer"]["ms_per_note"], 2)}
    if "medspacy" in results:
        ratios["vs_medspacy"] = round(nc["notes_per_s"] / results["medspacy"]["notes_per_s"], 2)
        ratios["vs_medspacy_cpu"] = round(results["medspacy"]["cpu_ms_per_note"] / nc["cpu_ms_per_note"], 2)
    w1 = results["workers"][0]
    wn = results["workers"][-1]
    ratios["workers_speedup"] = round(wn["notes_per_s"] / w1["notes_per_s"], 2)
    results["ratios"] = ratios
    results["targets"] = TARGETS

    print()
    print(f"== throughput on {len(notes)} notes (median {lengths[len(lengths) // 2]} words), one process ==")
    rows = []
    for key, label in (("notecheck", "notecheck full check (check_note)"), ("medspacy", "stock medspaCy (medspacy.load + notecheck TargetRules)"),
                       ("medspacy_tokenizer", "medspaCy tokenizer alone (notecheck's tokenizer)"), ("tokenizer", 'spaCy tokenizer alone (spacy.blank("en"))')):
        if key in results:
            r = results[key]
            rows.append([label, f"{r['notes_per_s']:.1f}", f"{r['ms_per_note']:.2f}", f"{r['cpu_ms_per_note']:.2f}",
                         f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}", f"{r['max_ms']:.1f}"])
    print(table(rows, ["pipeline", "notes/s", "ms/note", "CPU ms/note", "p50 ms", "p95 ms", "max ms"]))
    print()
    print("== ratios ==")
    rows = []
    if "vs_medspacy" in ratios:
        rows.append(["notecheck / medspaCy throughput", f"{ratios['vs_medspacy']:.2f}x (CPU {ratios['vs_medspacy_cpu']:.2f}x)", ">= 5", verdict(ratios["vs_medspacy"] >= 5)])
    rows.append(["notecheck / tokenizer time", f"{ratios['vs_tokenizer']:.2f}x (CPU {ratios['vs_tokenizer_cpu']:.2f}x)", "<= 6 (stretch <= 4)",
                 verdict(ratios["vs_tokenizer"] <= 6) + (", stretch met" if ratios["vs_tokenizer"] <= 4 else "")])
    rows.append([f"{wn['workers']} workers / 1 worker throughput", f"{ratios['workers_speedup']:.2f}x", ">= 1.8", verdict(ratios["workers_speedup"] >= 1.8)])
    rows.append([f"10x longer note / time ({L['long_words_mean']:.0f} vs {L['short_words_mean']:.0f} words, {L['words_ratio']:.2f}x)",
                 f"{L['time_ratio']:.2f}x (at exactly 10x: {L['time_ratio_at_10x']:.2f}x; tokenizer {L['tokenizer_time_ratio']:.2f}x)",
                 "<= 12", verdict(L["time_ratio_at_10x"] <= 12)])
    print(table(rows, ["measure", "value", "target", ""]))
    print()
    print("== worker processes (spawn; after start-up; same notes) ==")
    rows = [[r["workers"], f"{r['notes_per_s']:.1f}", f"{r['wall_s']:.1f}", f"{r['startup_s']:.1f}",
             " / ".join(f"{m:.0f}" for m in r["peak_rss_mb_per_worker"])] for r in results["workers"]]
    print(table(rows, ["workers", "notes/s", "wall s", "start-up s", "peak RSS per worker MB (/proc VmHWM)"]))
    print("  by the workers' own resource.getrusage (on Linux a spawned child's ru_maxrss keeps the parent's resident "
          "size at fork time across exec, so /proc VmHWM above is the worker's own figure): "
          + "; ".join(f"{r['workers']} worker(s) " + " / ".join(f"{m:.0f}" for m in r["peak_rss_mb_per_worker_getrusage"]) + " MB"
                      for r in results["workers"]))
    print(f"this process (tokenizers, the notecheck pipeline, the notes, the profiler): peak RSS {results['rss_mb']['peak_this_process']:.0f} MB "
          f"(getrusage); RSS after the notecheck build {results['rss_mb']['after_notecheck_build']:.0f} MB"
          + (f"; the medspaCy process {results['rss_mb']['medspacy_process']:.0f} MB" if "medspacy_process" in results["rss_mb"] else ""))
    print()
    print("== cost against length (full check) ==")
    rows = [[f"~{L['short_words_mean']:.0f} words", f"{L['short']['ms_per_note']:.2f}", f"{L['short_tokenizer']['ms_per_note']:.3f}"],
            [f"~{L['long_words_mean']:.0f} words", f"{L['long']['ms_per_note']:.2f}", f"{L['long_tokenizer']['ms_per_note']:.3f}"]]
    print(table(rows, ["notes", "check ms/note", "tokenizer ms/note"]))
    print()
    print(f"== where the time goes: per component, {len(sample)} notes ==")
    print(table([[c["part"], f"{c['ms_per_note']:.2f}", f"{c['share'] * 100:.1f}%"] for c in results["components"]],
                ["part", "ms/note", "share"]))
    if "medspacy_components" in results:
        print()
        print(f"== stock medspaCy per component, {min(100, len(texts))} notes ==")
        print(table([[c["part"], f"{c['ms_per_note']:.2f}", f"{c['share'] * 100:.1f}%"] for c in results["medspacy_components"]],
                    ["part", "ms/note", "share"]))
    if "profile" in results:
        p = results["profile"]
        print()
        print(f"== cProfile, {p['notes']} notes ({p['profiled_total_s']:.1f} s under the profiler); full text: "
              f"{(args.out / 'throughput-profile.txt').relative_to(ROOT) if (args.out / 'throughput-profile.txt').is_relative_to(ROOT) else args.out / 'throughput-profile.txt'} ==")
        for key, label in (("cumulative", "top 20 by cumulative time"), ("tottime", "top 20 by own (total) time")):
            print(f"-- {label} --")
            print(table([[e["function"], e["calls"], f"{e['tottime_s']:.3f}", f"{e['cumtime_s']:.3f}", f"{e['share'] * 100:.1f}%"]
                         for e in p["top"][key]], ["function", "calls", "tottime s", "cumtime s", "share"]))
    print()
    print(f"load average at start {info['loadavg_start'][0]:.2f}, at end {results['machine']['loadavg_end'][0]:.2f} "
          f"(on {info['nproc']} CPUs; above ~0.5 at the start, something else was running)")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "throughput.json").write_text(json.dumps(results, indent=2))
    print(f"figures: {args.out / 'throughput.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
