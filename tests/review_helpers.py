"""Small synthetic notes and batches for the review tests (everything here is made up)."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_generator():
    """bench/generate_batch.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("generate_batch", ROOT / "bench" / "generate_batch.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_batch", module)
    spec.loader.exec_module(module)
    return module


def mbb_note(day: str, name: str = "Alex Testperson", block: int = 1, pre: int | None = 8, post: int | None = 1,
             prior: str = "", level: str = "L4-5", nerves: str = "L3 and L4", flavour: str = "") -> str:
    which = {1: "first diagnostic block", 2: "second diagnostic block"}[block]
    pre_text = f" Baseline NRS {pre}/10, ODI 40%." if pre is not None else ""
    post_text = f"\n\nPOST-PROCEDURE: NRS {post}/10 at 30 minutes." if post is not None else ""
    return (
        f"PROCEDURE NOTE\n\nPatient: {name} (synthetic)\nDate of service: {day}\n\n"
        f"PROCEDURE: Diagnostic bilateral lumbar medial branch blocks, {nerves} medial branches ({level} facet joints), {which}.\n\n"
        f"INDICATION: Axial low back pain for 2 years, worse with extension, no radiation below the knee. "
        f"Failed 12 weeks of physical therapy and NSAIDs.{pre_text}{prior} {flavour}\n\n"
        "SEDATION: None.\n\n"
        "DESCRIPTION: Consent was obtained. Under fluoroscopic guidance the target points were identified on both sides. "
        "The skin was anesthetized with 1% lidocaine. A 22-gauge spinal needle was advanced to each target and "
        "0.5 mL of 0.5% bupivacaine was injected at each nerve.\n\n"
        f"COMPLICATIONS: None. The patient tolerated the procedure well.{post_text}\n"
    )


def rfa_note(day: str, name: str = "Alex Testperson", prior: str = "", level: str = "L4-5", flavour: str = "") -> str:
    return (
        f"RADIOFREQUENCY ABLATION\n\nPatient: {name} (synthetic)\nDate: {day}\n\n"
        f"PROCEDURE: Bilateral lumbar radiofrequency ablation, {level} facet joints (L3 and L4 medial branches).\n\n"
        f"INDICATION: Chronic axial low back pain for more than 3 years.{prior} Physical therapy for 12 weeks has failed. "
        f"Baseline NRS 7/10, ODI 44%. {flavour}\n\n"
        "SEDATION: None.\n\n"
        "TECHNIQUE: Under fluoroscopic guidance 18-gauge RF cannulae were advanced parallel to the L3 and L4 medial "
        "branches on both sides. Sensory stimulation was concordant below 0.5 V. At each site 1 mL of 2% lidocaine was "
        "injected and a thermal lesion was made at 80 degrees Celsius for 90 seconds.\n\n"
        "COMPLICATIONS: None. The patient tolerated the procedure well.\n\nPOST-PROCEDURE: NRS 2/10.\n"
    )


def ia_note(day: str, name: str = "Alex Testperson", region: str = "lumbar", flavour: str = "") -> str:
    joint = "L4-5" if region == "lumbar" else "C5-6"
    return (
        f"FACET JOINT INJECTION\n\nPatient: {name} (synthetic)\nDate: {day}\n\n"
        f"PROCEDURE: Right {joint} {region} facet joint injection (intra-articular), therapeutic.\n\n"
        f"INDICATION: Right-sided axial pain for 14 months. Physical therapy for 10 weeks gave little benefit. "
        f"NRS 6/10, disability index 34%. {flavour}\n\n"
        f"DESCRIPTION: Using fluoroscopy, the right {joint} facet joint was entered with a 25-gauge needle and injected "
        "with 0.5 mL of 0.5% bupivacaine and triamcinolone 40 mg/mL.\n\n"
        "COMPLICATIONS: None. The patient tolerated the procedure well.\n\nPOST-PROCEDURE: NRS 2/10.\n"
    )


EXPORT_COLUMNS = ["note_id", "text", "patient_id", "date_of_service", "provider", "payer", "cpt", "modifiers", "units", "paid_amount"]


def write_export_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        w = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
        w.writeheader()
        for row in rows:
            w.writerow({k: row.get(k, "") for k in EXPORT_COLUMNS})
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
