"""Latency of POST /v1/check against a running `notecheck serve` — a benchmark, not a unit test.

    .venv/bin/python bench/latency.py                      # 1,000 sequential requests, ~400-word note
    .venv/bin/python bench/latency.py --requests 200 --json

Starts the server as a subprocess (`python -m notecheck.cli serve`) on a free localhost port, waits for
/healthz, sends `--warmup` requests that are not counted, then `--requests` sequential POST /v1/check
over one keep-alive connection with the same synthetic ~400-word facet note, and prints p50/p95/p99 in
milliseconds (client-side, request sent → response read). Then, for comparison, the same note checked
in-process with `check_note` (no HTTP), so the service's own overhead is visible. Target: p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 50.0

#: A synthetic, well-documented diagnostic lumbar facet injection note (~400 words; no real patient).
NOTE = (
    'PROCEDURE NOTE - INTERVENTIONAL PAIN MEDICINE\n'
    '\n'
    'Date of service: 06/20/2025\n'
    'Attending: Interventional pain physician (synthetic example)\n'
    'Referring: Primary care\n'
    '\n'
    'PROCEDURE: Diagnostic bilateral L4-5 and L5-S1 lumbar facet joint injections (intra-articular), first diagnostic block.\n'
    '\n'
    'PREOPERATIVE DIAGNOSIS: Lumbar spondylosis without myelopathy or radiculopathy; bilateral axial low back pain.\n'
    'POSTOPERATIVE DIAGNOSIS: Same.\n'
    '\n'
    'INDICATION: The patient is a 64-year-old woman with axial low back pain for 14 months, worse with extension, rotation and prolonged standing, and better with sitting and forward flexion. The pain does not radiate below the buttocks. She completed 12 weeks of supervised physical therapy with a home exercise program, a course of naproxen and six weeks of acetaminophen without lasting relief. ODI 44%; she cannot stand for more than 20 minutes at work and has stopped gardening. MRI of the lumbar spine shows bilateral L4-5 and L5-S1 facet arthropathy with small effusions and no foraminal stenosis. Neurologic examination is normal, with intact strength, sensation and reflexes in both legs, and there are no radicular symptoms. Straight leg raise is negative bilaterally. Facet loading reproduces her pain on both sides.\n'
    '\n'
    'ALLERGIES: No known drug allergies. ANTICOAGULATION: None.\n'
    '\n'
    'SEDATION: None. The patient remained awake and conversant throughout.\n'
    '\n'
    'DESCRIPTION: Risks, benefits and alternatives, including bleeding, infection, nerve injury and a temporary increase in pain, were discussed and written consent was obtained. A time-out confirmed the patient, procedure, levels and sides. The patient was placed prone on the fluoroscopy table with a pillow under the abdomen, and the lumbar region was prepped with chlorhexidine and draped in sterile fashion. Under fluoroscopic guidance in AP and oblique views, the bilateral L4-5 and L5-S1 facet joints were identified. The skin over each entry point was anesthetized with 1% lidocaine. A 22-gauge 3.5-inch spinal needle was advanced into each joint using a coaxial technique, and intra-articular position was confirmed with 0.2 mL of Omnipaque 240 at each joint, with an arthrogram and no vascular uptake. Then 0.5 mL of 0.5% bupivacaine was injected into each joint (4 joints). The needles were removed intact and bandages were applied. Images were saved to the record.\n'
    '\n'
    'Pre-procedure pain was 7/10 on the NRS; at 30 minutes it was 1/10 with extension and standing, about 86% relief.\n'
    '\n'
    'COMPLICATIONS: None. The patient tolerated the procedure well and was discharged home in stable condition with a driver.\n'
    '\n'
    'PLAN: Return in 2 weeks with a pain diary. If relief is 80% or more for the duration of the anesthetic, a confirmatory second block will be scheduled.\n'
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, -(-len(sorted_ms) * p // 100))
    return sorted_ms[int(rank) - 1]


def summarise(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    return {"n": len(s), "p50": percentile(s, 50), "p95": percentile(s, 95), "p99": percentile(s, 99),
            "mean": statistics.fmean(s), "min": s[0], "max": s[-1]}


def start_server(port: int, log) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "NOTECHECK_API_KEY"}
    return subprocess.Popen([sys.executable, "-m", "notecheck.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)


def wait_ready(client: httpx.Client, proc: subprocess.Popen, timeout: float = 120) -> float:
    started = time.perf_counter()
    while True:
        try:
            if client.get("/healthz").status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        if time.perf_counter() - started > timeout:
            raise SystemExit("the server did not become ready")
        time.sleep(0.1)


def in_process(n: int) -> dict[str, float]:
    from notecheck.check import check_note
    from notecheck.pipeline import get_nlp
    from notecheck.profiles import load_profile
    from notecheck.reading import note_from_text

    get_nlp()
    profile = load_profile("medicare")
    for _ in range(10):
        check_note(note_from_text(NOTE), profile)
    ms = []
    for _ in range(n):
        t0 = time.perf_counter()
        check_note(note_from_text(NOTE), profile).model_dump_json()
        ms.append((time.perf_counter() - t0) * 1000)
    return summarise(ms)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--in-process", type=int, default=300, help="in-process checks for comparison (0: skip)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    port = free_port()
    body = json.dumps({"text": NOTE, "note_id": "bench", "payer": "medicare"}).encode()
    headers = {"Content-Type": "application/json"}
    with tempfile.TemporaryFile("w+") as log:
        proc = start_server(port, log)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                ready_s = wait_ready(client, proc)
                for _ in range(args.warmup):
                    client.post("/v1/check", content=body, headers=headers).raise_for_status()
                ms = []
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    r = client.post("/v1/check", content=body, headers=headers)
                    r.read()
                    ms.append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        raise SystemExit(f"request failed: HTTP {r.status_code}")
                report = r.json()
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    if report["errors"] or any(f["severity"] == "error" for f in report["findings"]):
        raise SystemExit("the benchmark note should check clean; it does not")
    http = summarise(ms)
    local = in_process(args.in_process) if args.in_process else None
    result = {"note_words": len(NOTE.split()), "note_chars": len(NOTE), "server_ready_s": round(ready_s, 2),
              "cpus": os.cpu_count(), "http_ms": {k: round(v, 2) for k, v in http.items()},
              "in_process_ms": {k: round(v, 2) for k, v in local.items()} if local else None,
              "target_p95_ms": TARGET_P95_MS, "met": http["p95"] < TARGET_P95_MS}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"POST /v1/check: {http['n']} sequential requests, {result['note_words']}-word note, "
              f"{os.cpu_count()} CPUs (server ready in {ready_s:.1f} s)")
        print(f"  p50 {http['p50']:.1f} ms   p95 {http['p95']:.1f} ms   p99 {http['p99']:.1f} ms   "
              f"mean {http['mean']:.1f} ms   max {http['max']:.1f} ms")
        if local:
            print(f"in-process check_note (no HTTP), {local['n']} runs: p50 {local['p50']:.1f} ms   "
                  f"p95 {local['p95']:.1f} ms   p99 {local['p99']:.1f} ms")
            print(f"  service overhead at p50: {http['p50'] - local['p50']:.1f} ms")
        print(f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if result['met'] else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
