"""Generate a synthetic review batch: facet and non-facet procedure notes from templates, claims with made-up
paid amounts, patients with several sessions over time, and ~1% bad notes mixed in.

    .venv/bin/python bench/generate_batch.py OUT_DIR --notes 5000 --seed 7 [--format folder|csv]

folder (default): OUT_DIR/notes/*.txt and OUT_DIR/claims.csv (note_id,cpt,modifiers,units,patient_id,
date_of_service,provider,payer,paid_amount); csv: OUT_DIR/batch.csv (one row per claim line, note_id,text,...).

Everything is synthetic: names are "Synthetic" placeholders, amounts are made up (not a fee schedule).
What is mixed in, on purpose:
- facet notes: lumbar/cervical/thoracic medial branch blocks (first and second), intra-articular injections,
  thermal and (rarely) pulsed RFA; levels 1-3, left/right/bilateral, several drugs, volumes and voices;
- non-facet notes: transforaminal epidurals, SI-joint injections, trigger points;
- documentation gaps: no guidance, no tolerance, no pain scores, a third level, sedation without reason;
- claim errors: an extra level billed, KX left off, LT billed for a bilateral level;
- cross-note cases: patients with more sessions than the frequency caps, second blocks after a poor
  first block, and cloned notes (another patient's note with the name and date changed);
- bad notes (~1%): empty, binary, non-UTF-8 (cp1252; readable with a warning) and oversized (> 1 MB).
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

LUMBAR = ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"]
CERVICAL = ["C2-C3", "C3-C4", "C4-C5", "C5-C6", "C6-C7"]
THORACIC = ["T5-T6", "T6-T7", "T7-T8", "T8-T9"]
PROVIDERS = [f"Dr. {a} Synthetic" for a in ("Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Gray",
                                               "Harper", "Indigo", "Jordan", "Kai", "Logan")]
PAYERS = ["Medicare", "Medicare", "Medicare", "Aetna", "UHC", "BCBS"]
FIRST_NAMES = ["Alex", "Sam", "Robin", "Jamie", "Taylor", "Morgan", "Riley", "Quinn", "Rowan", "Sage", "Reese", "Drew"]
LAST_NAMES = ["Testperson", "Placeholder", "Example", "Sample", "Mockwell", "Fakeley", "Dummond", "Synthia"]
FEES = {"64490": 210.0, "64491": 95.0, "64492": 90.0, "64493": 190.0, "64494": 88.0, "64495": 85.0,
        "64633": 420.0, "64634": 150.0, "64635": 410.0, "64636": 140.0, "0216T": 160.0, "64483": 230.0,
        "27096": 120.0, "20552": 60.0}  # made-up amounts for the synthetic claims


def short(joint: str) -> str:
    """L4-L5 → L4-5 (how notes usually write it)."""
    a, b = joint.split("-")
    return f"{a}-{b[1:]}" if a[0] == b[0] else joint


def medial_branches(joint: str) -> list[str]:
    a, b = joint.split("-")
    if a[0] == "C":
        return [a, b] if a != "C2" else ["third occipital nerve"]
    prev = f"{a[0]}{int(a[1:]) - 1}"
    return [prev, a] if b != "S1" else ["L4", "L5 dorsal ramus"]


@dataclass
class Session:
    patient: dict
    day: date
    kind: str  # mbb | ia | rfa | tfesi | si | tpi
    region: str
    joints: list[str]
    side: str
    block_number: int | None = None
    relief_prior: list[int] = field(default_factory=list)
    post_relief_good: bool = True
    gaps: set[str] = field(default_factory=set)
    clone_of: str | None = None
    intent: str | None = None


class Writer:
    def __init__(self, rng: random.Random):
        self.r = rng

    def pick(self, *options):
        return self.r.choice(options)

    def header(self, s: Session, title: str) -> str:
        p = s.patient
        d = s.day.strftime("%m/%d/%Y")
        style = self.r.randrange(3)
        if style == 0:
            return f"{title}\n\nPatient: {p['name']} (synthetic)     Age: {p['age']}     MRN: {p['mrn']}\nDate of service: {d}\nAttending: {p['provider']}\n"
        if style == 1:
            return f"{title.upper()} - INTERVENTIONAL PAIN SERVICE\n\nDATE OF SERVICE: {d}\nPATIENT: {p['name']}   MRN: {p['mrn']}\nPROVIDER: {p['provider']}\n"
        return f"Procedure note — {title.lower()}\nPt: {p['name']}, {p['age']} y/o, seen {d} by {p['provider']}.\n"

    def sides_text(self, s: Session) -> str:
        return {"bilateral": self.pick("bilateral", "bilateral", "left and right"), "left": "left", "right": "right"}[s.side]

    def joints_text(self, s: Session) -> str:
        names = [short(j) for j in s.joints]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def indication(self, s: Session) -> str:
        area = {"lumbar": "low back", "cervical": "neck", "thoracic": "mid back"}[s.region]
        months = self.r.choice([4, 6, 8, 10, 14, 18, 24, 36]) if "duration" not in s.gaps else None
        care = self.r.choice([
            f"Failed {self.r.choice([6, 8, 10, 12, 16])} weeks of physical therapy and NSAIDs.",
            f"Completed {self.r.choice([8, 12])} weeks of supervised physical therapy with a home exercise program, without lasting benefit.",
            f"Tried chiropractic care for {self.r.choice([6, 10])} weeks, naproxen and acetaminophen with little relief.",
            "Conservative care with physical therapy, activity modification and meloxicam has failed.",
        ]) if "care" not in s.gaps else ""
        dur = (self.r.choice([f"Axial {area} pain for {months} months", f"{s.side.capitalize()} {area} pain for {months} months",
                              f"Chronic {area} pain, present for {months} months"]) if months else f"Axial {area} pain")
        worse = self.pick("worse with extension and rotation", "worse with standing and twisting",
                          "aggravated by prolonged sitting and extension", "worse in the morning and with facet loading")
        rad = self.pick("no radiation below the knee", "no radicular symptoms", "without arm or leg symptoms",
                        "neurologic examination is normal")
        score = f" Baseline NRS {s.patient['baseline']}/10" if "scores" not in s.gaps else ""
        odi = self.pick(f", ODI {self.r.randrange(28, 56)}%.", f", Oswestry {self.r.randrange(24, 50)}%.",
                        f", NDI {self.r.randrange(20, 44)}%.") if score else ""
        prior = ""
        if s.relief_prior:
            if len(s.relief_prior) == 1:
                prior = f" The first diagnostic block gave {s.relief_prior[0]}% relief for the duration of the anesthetic."
            else:
                prior = (f" Two diagnostic medial branch blocks of the same nerves gave {s.relief_prior[0]}% and "
                         f"{s.relief_prior[1]}% relief for the duration of the anesthetic.")
        imaging = self.pick("MRI shows facet arthropathy at the treated levels.", "Imaging shows facet hypertrophy with small effusions.",
                            "X-rays show multilevel spondylosis.", "")
        return f"INDICATION: {dur}, {worse}, {rad}. {care}{score}{odi}{prior} {imaging}".replace("  ", " ").strip() + "\n"

    def sedation(self, s: Session) -> str:
        if "sedation" in s.gaps:
            return f"SEDATION: {self.pick('Midazolam 2 mg IV', 'Fentanyl 50 mcg and midazolam 1 mg IV')}.\n"
        return self.pick("SEDATION: None.\n", "ANESTHESIA: Local only.\n", "SEDATION: None; local anesthetic only.\n",
                         "Sedation: none.\n")

    def guidance(self, s: Session, views: bool = True) -> str:
        if "guidance" in s.gaps:
            return self.pick("Using surface landmarks,", "By palpation of the landmarks,", "")
        if s.region == "thoracic" and self.r.random() < 0.5:
            return "Under CT guidance with intermittent axial images,"
        return self.pick("Under fluoroscopic guidance,", "Using fluoroscopy in AP and oblique views,",
                         "With fluoroscopic guidance and the endplates squared,", "Under fluoroscopy,")

    def tolerance(self, s: Session) -> str:
        if "tolerance" in s.gaps:
            return self.pick("Bandages were applied.", "The needles were removed.")
        return self.pick("COMPLICATIONS: None. The patient tolerated the procedure well.",
                         "No complications. Tolerated well.",
                         "The patient tolerated the procedure without complications.",
                         "There were no complications; the patient was discharged in stable condition.")

    def post(self, s: Session) -> str:
        if "scores" in s.gaps:
            return "Discharged home with written instructions."
        base = s.patient["baseline"]
        post = self.r.choice([0, 1]) if s.post_relief_good else base - self.r.randrange(1, 4)
        return self.pick(f"POST-PROCEDURE: NRS {post}/10 at 30 minutes.", f"Post-procedure pain NRS {post}/10.",
                         f"After the procedure NRS {post}/10 with provocative maneuvers.")

    def anesthetic(self) -> tuple[str, str]:
        drug = self.r.choice([("bupivacaine", ["0.25%", "0.5%", "0.75%"]), ("lidocaine", ["1%", "2%"]),
                              ("ropivacaine", ["0.2%", "0.5%"])])
        return drug[0], self.r.choice(drug[1])

    def steroid(self) -> str:
        return self.pick("triamcinolone 40 mg/mL", "methylprednisolone 40 mg", "dexamethasone 4 mg",
                         "Depo-Medrol 80 mg", "Kenalog 20 mg")

    def contrast(self) -> str:
        return self.pick("Omnipaque 240", "Omnipaque 180", "Isovue-M 200", "iohexol 300")

    def facet_note(self, s: Session) -> str:
        sides, joints = self.sides_text(s), self.joints_text(s)
        region_word = s.region
        anesthetic, conc = self.anesthetic()
        if s.kind == "mbb":
            nerves = sorted({n for j in s.joints for n in medial_branches(j)}, key=lambda x: (len(x), x))
            nerve_text = ", ".join(nerves)
            which = {1: "first diagnostic block", 2: "second (confirmatory) diagnostic block"}.get(s.block_number, "diagnostic block")
            title = f"{region_word.capitalize()} medial branch block"
            proc = self.pick(
                f"PROCEDURE: Diagnostic {sides} {region_word} medial branch blocks, {nerve_text} medial branches ({joints} facet joints), {which}.",
                f"PROCEDURE: {sides.capitalize()} {joints} medial branch blocks ({nerve_text}), {which}.",
            )
            vol = self.pick("0.5 mL", "0.3 mL", "0.4 mL")
            desc = (f"DESCRIPTION: Informed consent was obtained and a time-out was performed. The patient was placed prone and "
                    f"prepped and draped. {self.guidance(s)} the target points for the {nerve_text} medial branches were identified "
                    f"on the {sides} side{'s' if s.side == 'bilateral' else ''}. The skin was anesthetized with 1% lidocaine. "
                    f"A {self.pick('22-gauge', '25-gauge')} spinal needle was advanced to each target. "
                    f"{self.contrast()}, 0.2 mL, showed no vascular uptake. Then {vol} of {conc} {anesthetic} was injected at each nerve. "
                    f"{self.pick('No steroid was given.', 'Images were saved.', 'No particulate steroid was used.')}")
        elif s.kind == "ia":
            title = f"{region_word.capitalize()} facet joint injection"
            intent = s.intent = self.pick("therapeutic", "therapeutic", "diagnostic")
            proc = self.pick(f"PROCEDURE: {sides.capitalize()} {joints} {region_word} facet joint injections (intra-articular), {intent}.",
                             f"PROCEDURE: {intent.capitalize()} intra-articular facet injection, {sides} {joints}.")
            vol = self.pick("1 mL", "0.5 mL", "0.75 mL", "1.2 mL")
            desc = (f"DESCRIPTION: After consent the patient was positioned prone and the skin was prepped. {self.guidance(s)} "
                    f"the {sides} {joints} facet joints were identified. The skin was anesthetized with 1% lidocaine. "
                    f"A {self.pick('22-gauge 3.5-inch', '25-gauge 2.5-inch', '20-gauge')} needle was placed into each joint. "
                    f"{self.contrast()} 0.1 mL confirmed an arthrogram. Each joint was injected with {vol} of a mixture of {conc} "
                    f"{anesthetic} and {self.steroid()}.")
        else:  # rfa
            title = f"{region_word.capitalize()} radiofrequency ablation"
            nerves = sorted({n for j in s.joints for n in medial_branches(j)}, key=lambda x: (len(x), x))
            temp = self.r.choice([80, 85, 90]) if "pulsed" not in s.gaps else None
            proc = self.pick(f"PROCEDURE: {sides.capitalize()} {region_word} radiofrequency ablation, {joints} facet joints ({', '.join(nerves)} medial branches).",
                             f"PROCEDURE: Radiofrequency neurotomy of the {', '.join(nerves)} medial branches, {sides} ({joints} facet joints).")
            lesion = (f"a thermal lesion was made at {temp} degrees Celsius for {self.r.choice([60, 90, 120])} seconds"
                      if temp else "pulsed radiofrequency was applied at 42 degrees Celsius for 120 seconds")
            desc = (f"TECHNIQUE: The patient was placed prone, prepped and draped. {self.guidance(s)} "
                    f"{self.pick('18-gauge', '20-gauge')} RF cannulae were advanced parallel to the {', '.join(nerves)} medial branches. "
                    f"Sensory stimulation at 50 Hz was concordant below {self.pick('0.5', '0.4', '0.6')} V and motor stimulation at 2 Hz "
                    f"produced multifidus contraction only. At each site 1 mL of {conc} {anesthetic} was injected and {lesion}.")
        plan = self.pick("PLAN: Follow up in 2 weeks with a pain diary.", "PLAN: Return in 4 weeks.",
                         "PLAN: Pain diary; consider radiofrequency ablation if relief is 80% or more.",
                         "Follow-up in 6 weeks with NRS and ODI.")
        parts = [self.header(s, title), proc, "", self.indication(s), self.sedation(s), desc, "",
                 self.tolerance(s), "", self.post(s), "", plan]
        return "\n".join(parts) + "\n"

    def other_note(self, s: Session) -> str:
        side = self.pick("Right", "Left")
        if s.kind == "tfesi":
            title = "Transforaminal epidural steroid injection"
            body = (f"PROCEDURE: {side} L5-S1 transforaminal epidural steroid injection under fluoroscopic guidance.\n\n"
                    f"INDICATION: {side} leg pain to the foot for {self.r.choice([6, 8, 12])} weeks with numbness; MRI shows a foraminal protrusion.\n"
                    f"{self.sedation(s)}"
                    f"DESCRIPTION: Consent obtained. Using an oblique fluoroscopic view the foramen was identified. A 22-gauge needle was advanced "
                    f"and {self.contrast()} 1 mL outlined the nerve root. Then {self.pick('dexamethasone 10 mg', 'triamcinolone 40 mg')} was injected.\n\n"
                    f"{self.tolerance(s)}\n")
        elif s.kind == "si":
            title = "Sacroiliac joint injection"
            body = (f"PROCEDURE: {side} sacroiliac joint injection under fluoroscopy.\n\n"
                    f"INDICATION: {side} buttock pain for {self.r.choice([4, 9, 12])} months with positive provocation tests.\n"
                    f"DESCRIPTION: The inferior joint line was identified and a 22-gauge needle entered the joint. "
                    f"{self.contrast()} confirmed an arthrogram and 2 mL of 0.25% bupivacaine with {self.steroid()} was injected.\n\n"
                    f"{self.tolerance(s)}\n")
        else:
            title = "Trigger point injections"
            body = (f"PROCEDURE: Trigger point injections, {self.pick('bilateral trapezius', 'lumbar paraspinal', 'left quadratus lumborum')} muscles.\n\n"
                    f"INDICATION: Myofascial pain with taut bands and referred pain.\n"
                    f"DESCRIPTION: Each trigger point was injected with 1 mL of 1% lidocaine using a 27-gauge needle.\n\n"
                    f"{self.tolerance(s)}\n")
        return self.header(s, title) + "\n" + body


def codes_for(s: Session, rng: random.Random) -> list[tuple[str, str, int]]:
    """Claim lines (cpt, modifiers, units): mostly right, sometimes with a typical error."""
    mod = {"bilateral": "50", "left": "LT", "right": "RT"}[s.side]
    if s.kind == "tfesi":
        return [("64483", mod if mod != "50" else "RT", 1)]
    if s.kind == "si":
        return [("27096", "", 1)]
    if s.kind == "tpi":
        return [("20552", "", 1)]
    n = len(s.joints)
    cervical = s.region in ("cervical", "thoracic")
    if s.kind == "rfa":
        first, add = ("64633", "64634") if cervical else ("64635", "64636")
        lines = [(first, mod, 1)] + ([(add, mod, n - 1)] if n > 1 else [])
    else:
        fam = ["64490", "64491", "64492"] if cervical else ["64493", "64494", "64495"]
        kx = ";KX" if s.kind == "mbb" or s.intent == "diagnostic" else ""
        lines = [(fam[i], mod + kx, 1) for i in range(min(n, 3))]
    roll = rng.random()
    if roll < 0.05 and s.kind != "rfa":  # an extra level billed
        fam_next = {"64493": "64494", "64490": "64491", "64494": "64495", "64491": "64492"}
        last = lines[-1][0]
        if last in fam_next:
            lines.append((fam_next[last], lines[-1][1], 1))
    elif roll < 0.08:  # KX left off / LT for a bilateral level
        lines = [(c, m.replace(";KX", "").replace("50", "LT"), u) for c, m, u in lines]
    return lines


def plan_patient(rng: random.Random, pid: int, start: date) -> list[Session]:
    region = rng.choice(["lumbar"] * 6 + ["cervical"] * 3 + ["thoracic"])
    joints_pool = {"lumbar": LUMBAR, "cervical": CERVICAL, "thoracic": THORACIC}[region]
    n = rng.choices([1, 2, 3], weights=[45, 48, 7])[0]
    i = rng.randrange(0, len(joints_pool) - n + 1)
    joints = joints_pool[i:i + n]
    side = rng.choice(["bilateral", "bilateral", "left", "right"])
    patient = {"id": f"P{pid:05d}", "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", "age": rng.randrange(38, 88),
               "mrn": f"{rng.randrange(10**6, 10**7)}", "provider": rng.choice(PROVIDERS), "payer": rng.choice(PAYERS),
               "baseline": rng.randrange(6, 10)}
    day = start + timedelta(days=rng.randrange(0, 300))
    plan = rng.random()
    sessions: list[Session] = []

    def gaps() -> set[str]:
        g = set()
        for name, p in (("guidance", 0.04), ("tolerance", 0.06), ("scores", 0.08), ("care", 0.05), ("duration", 0.05),
                        ("sedation", 0.04)):
            if rng.random() < p:
                g.add(name)
        return g

    def add(kind, **kw):
        nonlocal day
        sessions.append(Session(patient, day, kind, region, joints, side, gaps=gaps(), **kw))
        day = day + timedelta(days=rng.randrange(14, 60))

    if plan < 0.10:  # non-facet
        add(rng.choice(["tfesi", "si", "tpi"]))
    elif plan < 0.40:  # MBB series then RFA
        good = rng.random() > 0.15
        add("mbb", block_number=1, post_relief_good=good)
        add("mbb", block_number=2, relief_prior=[rng.choice([85, 90, 80]) if good else rng.choice([40, 60])])
        if rng.random() < 0.7:
            extra = {"pulsed"} if rng.random() < 0.03 else set()
            s = len(sessions)
            add("rfa", relief_prior=[rng.choice([80, 85, 90]), rng.choice([80, 85, 90])])
            sessions[s].gaps |= extra
    elif plan < 0.75:  # therapeutic IA injections, sometimes too many
        for _ in range(rng.choice([1, 1, 2, 3, 5]) ):
            add("ia")
    elif plan < 0.80:  # too many RFAs in a year
        add("mbb", block_number=1)
        add("mbb", block_number=2, relief_prior=[90])
        for _ in range(3):
            add("rfa", relief_prior=[90, 85])
    else:
        add("mbb", block_number=1, post_relief_good=rng.random() > 0.2)
    return sessions


def bad_note(rng: random.Random, kind: str) -> bytes:
    if kind == "empty":
        return rng.choice([b"", b"   \n\n", b"\xef\xbb\xbf"])
    if kind == "binary":
        return bytes(rng.randrange(256) for _ in range(2048)) + b"\x00\x00PK\x03\x04"
    if kind == "oversized":
        line = b"PROCEDURE NOTE ADDENDUM. Repeated pasted chart content for the synthetic batch.\n"
        return line * (1_100_000 // len(line) + 1)
    raise ValueError(kind)


def generate(out: Path, notes: int = 5000, seed: int = 7, fmt: str = "folder", bad_fraction: float = 0.01,
             clone_fraction: float = 0.004) -> dict:
    rng = random.Random(seed)
    writer = Writer(rng)
    out.mkdir(parents=True, exist_ok=True)
    sessions: list[Session] = []
    pid = 0
    while len(sessions) < notes:
        pid += 1
        sessions.extend(plan_patient(rng, pid, date(2024, 1, 2)))
    sessions = sessions[:notes]
    rng.shuffle(sessions)
    records = []  # (note_id, bytes, session, claim lines)
    n_bad = max(1, round(notes * bad_fraction)) if bad_fraction > 0 else 0
    bad_kinds = ["empty", "binary", "non_utf8", "oversized"]
    bad_at = set(rng.sample(range(notes), n_bad))
    clone_at = set(rng.sample(sorted(set(range(notes)) - bad_at), max(0, round(notes * clone_fraction))))
    texts: list[str] = []
    counts = {"notes": notes, "bad": {}, "clones": 0, "with_claims": 0, "non_facet": 0}
    for i, s in enumerate(sessions):
        note_id = f"n{i + 1:05d}"
        text = writer.other_note(s) if s.kind in ("tfesi", "si", "tpi") else writer.facet_note(s)
        counts["non_facet"] += s.kind in ("tfesi", "si", "tpi")
        if i in clone_at and texts:
            src_text, src = rng.choice(texts)  # another patient's note, with the name, MRN and date swapped
            if src.patient["id"] != s.patient["id"]:
                text = (src_text.replace(src.patient["name"], s.patient["name"]).replace(src.patient["mrn"], s.patient["mrn"])
                        .replace(src.day.strftime("%m/%d/%Y"), s.day.strftime("%m/%d/%Y")))
                s.clone_of = "yes"
                counts["clones"] += 1
        texts.append((text, s))
        data = text.encode("utf-8")
        if i in bad_at:
            kind = bad_kinds[len(counts["bad"]) % len(bad_kinds)] if len(counts["bad"]) < 4 else rng.choice(bad_kinds)
            counts["bad"][kind] = counts["bad"].get(kind, 0) + 1
            data = (text.replace("tolerated", "toler\u00e9ted").encode("cp1252") if kind == "non_utf8" else bad_note(rng, kind))
        lines = codes_for(s, rng) if rng.random() < 0.8 else []
        counts["with_claims"] += bool(lines)
        records.append((note_id, data, s, lines))
    paid = lambda s, lines: [round(FEES.get(c, 100.0) * u * (1.5 if "50" in m.split(";") else 1.0) * rng.uniform(0.78, 0.82), 2)  # noqa: E731
                             for c, m, u in lines]
    if fmt == "folder":
        notes_dir = out / "notes"
        notes_dir.mkdir(exist_ok=True)
        with (out / "claims.csv").open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(["note_id", "cpt", "modifiers", "units", "patient_id", "date_of_service", "provider", "payer", "paid_amount"])
            for note_id, data, s, lines in records:
                (notes_dir / f"{note_id}.txt").write_bytes(data)
                for (c, m, u), amount in zip(lines, paid(s, lines)):
                    w.writerow([note_id, c, m, u, s.patient["id"], s.day.isoformat(), s.patient["provider"], s.patient["payer"], f"{amount:.2f}"])
    else:
        with (out / "batch.csv").open("w", newline="", encoding="utf-8", errors="surrogateescape") as handle:
            w = csv.writer(handle)
            w.writerow(["note_id", "text", "patient_id", "date_of_service", "provider", "payer", "cpt", "modifiers", "units", "paid_amount"])
            for note_id, data, s, lines in records:
                text = data.decode("utf-8", "surrogateescape")
                meta = [s.patient["id"], s.day.isoformat(), s.patient["provider"], s.patient["payer"]]
                if not lines:
                    w.writerow([note_id, text, *meta, "", "", "", ""])
                for (c, m, u), amount in zip(lines, paid(s, lines)):
                    w.writerow([note_id, text, *meta, c, m, u, f"{amount:.2f}"])
    return counts


def write_fees(path: Path) -> None:
    """A made-up fee schedule for the synthetic batch (cpt,amount) — not real payment rates."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["cpt", "amount"])
        for cpt, amount in sorted(FEES.items()):
            w.writerow([cpt, f"{amount:.2f}"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--notes", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--format", choices=["folder", "csv"], default="folder")
    ap.add_argument("--bad-fraction", type=float, default=0.01)
    args = ap.parse_args()
    counts = generate(args.out, args.notes, args.seed, args.format, args.bad_fraction)
    write_fees(args.out / "fees.csv")
    print(counts)


if __name__ == "__main__":
    main()
