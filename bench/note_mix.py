"""Synthetic facet notes of realistic length (150-1,500 words) for the throughput benchmark and the Spark test.

    .venv/bin/python bench/note_mix.py OUT.jsonl --notes 1000 --seed 11     # note_id, text, billed, words

bench/generate_batch.py writes the procedure itself (~140-210 words for a facet note, ~60-100 for an
epidural, SI-joint or trigger-point note). Real procedure notes are often longer: an H&P carried into the
note, a long review of systems, the examination, the imaging report, technique boilerplate and discharge
instructions. This module pads a generated note to a target length with such paragraphs — placed where
they occur in real notes (history and examination after the indication, technique detail and instructions
before the plan) — and keeps the claim lines generate_batch made for it.

The padding is clinically ordinary text that the pipeline must still read: prior procedures at other
levels, home medications (gabapentin, a lidocaine patch), an MRI report naming levels, negated findings,
so a long note costs what a long note costs, not what a long run of filler words costs.

Everything is synthetic: no real patient, names are placeholders.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _generate_batch():
    """bench/generate_batch.py as a module (bench/ is not a package)."""
    if "generate_batch" in sys.modules:
        return sys.modules["generate_batch"]
    spec = importlib.util.spec_from_file_location("generate_batch", HERE / "generate_batch.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_batch"] = module
    spec.loader.exec_module(module)
    return module


g = _generate_batch()

#: (low, high, weight): the length mix of the benchmark set, in words. Median ~380, mean ~500.
LENGTH_MIX = [(150, 300, 35), (300, 500, 30), (500, 800, 20), (800, 1200, 10), (1200, 1500, 5)]
NON_FACET = ("tfesi", "si", "tpi")


@dataclass
class Note:
    note_id: str
    text: str
    billed: list[str] = field(default_factory=list)  # "64493-50-KX", "64494-50" ... (parse_billed form)
    kind: str = ""
    words: int = 0

    def as_dict(self) -> dict:
        return {"note_id": self.note_id, "text": self.text, "billed": self.billed, "kind": self.kind, "words": self.words}


def words(text: str) -> int:
    return len(text.split())


# --- padding: paragraphs of an ordinary procedure note ---------------------------------------------------------

class Padder:
    """Sentences by section, with random slots; each section yields sentences without repeats until its
    pool is used up (then it starts again, as templated notes do)."""

    def __init__(self, rng: random.Random, region: str):
        self.r = rng
        self.region = region
        self.area = {"lumbar": "low back", "cervical": "neck", "thoracic": "mid back"}.get(region, "low back")
        self.limb = {"lumbar": "leg", "cervical": "arm", "thoracic": "chest wall"}.get(region, "leg")
        self.levels = {"lumbar": g.LUMBAR, "cervical": g.CERVICAL, "thoracic": g.THORACIC}.get(region, g.LUMBAR)

    def pick(self, *options):
        return self.r.choice(options)

    def level(self) -> str:
        return g.short(self.r.choice(self.levels))

    def n(self, lo: int, hi: int) -> int:
        return self.r.randint(lo, hi)

    # pre-procedure sections -----------------------------------------------------------------------------------
    def hpi(self) -> list[str]:
        a = self.area
        return [
            f"The patient reports {a} pain that began {self.n(1, 6)} years ago after {self.pick('lifting boxes at work', 'a fall on ice', 'a motor vehicle collision', 'no specific injury', 'yard work')}.",
            f"The pain is described as {self.pick('dull and aching', 'deep and achy', 'sharp with certain movements', 'constant with intermittent flares')} and is rated {self.n(5, 9)}/10 at its worst and {self.n(2, 5)}/10 at its best.",
            f"It is worse {self.pick('in the morning', 'at the end of the day', 'after prolonged standing', 'with driving')} and improves with {self.pick('rest', 'heat', 'changing positions', 'lying supine with the knees bent')}.",
            "The patient denies bowel or bladder incontinence, saddle anesthesia, fevers, chills or unintentional weight loss.",
            "There is no history of cancer, intravenous drug use or recent infection.",
            f"Sleep is disturbed {self.n(2, 5)} nights a week because of the pain.",
            f"The patient has missed {self.n(2, 20)} days of work in the last three months and has reduced hours.",
            f"Walking tolerance is about {self.n(2, 6)} blocks before the pain forces a rest.",
            f"The patient stopped {self.pick('golfing', 'gardening', 'going to the gym', 'playing with the grandchildren', 'bowling')} because of the pain.",
            f"Occasional referral into the {self.pick('buttocks', 'posterior thighs', 'shoulders', 'paraspinal region')} is reported, but nothing below the {self.pick('knee', 'elbow')}.",
            f"The patient has tried {self.pick('ice and heat', 'a TENS unit', 'topical diclofenac', 'massage therapy', 'yoga')} with only brief benefit.",
            f"A home exercise program is done {self.n(2, 5)} times a week as instructed by the therapist.",
            f"There has been no new weakness, numbness or tingling in the {self.limb}s.",
            f"The pain interferes with household chores, particularly {self.pick('vacuuming', 'laundry', 'carrying groceries', 'reaching overhead')}.",
            "The patient prefers to avoid surgery and would like to continue with interventional options.",
            "Opioids were prescribed in the past by another provider and were stopped because of constipation.",
            "Mood has been affected by the chronic pain; the patient denies suicidal ideation.",
            f"The patient uses {self.pick('no assistive device', 'a cane for longer distances', 'a shopping cart for support in stores')}.",
            f"Standing for more than {self.n(10, 30)} minutes, such as while cooking, reproduces the pain.",
            "Turning the head to check blind spots while driving is difficult." if self.region == "cervical" else
            "Getting up from a low chair is difficult and requires pushing off with the arms.",
        ]

    def prior(self) -> list[str]:
        y = self.r.randint(2015, 2023)
        return [
            f"A {self.pick('right', 'left')} {self.level()} transforaminal epidural steroid injection in {y} gave {self.n(10, 40)}% relief for about two weeks.",
            f"An interlaminar epidural steroid injection at {self.level()} in {y - 1} did not help the axial pain.",
            f"Trigger point injections to the paraspinal muscles in {y} gave no lasting relief.",
            "No prior facet procedures were performed at other practices.",
            f"Physical therapy in {y} focused on core stabilization and McKenzie extension exercises.",
            f"A chiropractor treated the patient in {y - 2} with temporary benefit.",
            f"Acupuncture was tried for {self.n(4, 10)} sessions without meaningful change.",
        ]

    def pmh(self) -> list[str]:
        conds = ["hypertension", "type 2 diabetes mellitus", "hyperlipidemia", "gastroesophageal reflux disease",
                 "obstructive sleep apnea on CPAP", "osteoarthritis of both knees", "hypothyroidism", "depression",
                 "generalized anxiety disorder", "benign prostatic hyperplasia", "asthma", "migraine", "osteopenia",
                 "chronic kidney disease stage 2", "atrial fibrillation, rate controlled"]
        self.r.shuffle(conds)
        surg = ["appendectomy", "cholecystectomy", "right total knee arthroplasty", "carpal tunnel release",
                "hysterectomy", "inguinal hernia repair", "tonsillectomy", "cataract surgery"]
        self.r.shuffle(surg)
        return [
            f"Past medical history includes {', '.join(conds[:3])} and {conds[3]}.",
            f"The patient also carries a diagnosis of {conds[4]}.",
            f"Past surgical history: {', '.join(surg[:2])} and {surg[2]}; no spine surgery.",
            "There were no complications with anesthesia in the past.",
        ]

    def home_meds(self) -> list[str]:
        meds = ["gabapentin 300 mg three times daily", "meloxicam 15 mg daily", "acetaminophen 1000 mg twice daily",
                "cyclobenzaprine 5 mg at bedtime", "duloxetine 60 mg daily", "lisinopril 20 mg daily",
                "metformin 500 mg twice daily", "atorvastatin 40 mg nightly", "omeprazole 20 mg daily",
                "levothyroxine 75 mcg daily", "a lidocaine 4% patch as needed", "tramadol 50 mg as needed, rarely"]
        self.r.shuffle(meds)
        k = self.n(4, 7)
        return [f"Home medications: {', '.join(meds[:k - 1])} and {meds[k - 1]}.",
                f"The patient {self.pick('is not taking any anticoagulant or antiplatelet medication', 'stopped aspirin 81 mg seven days ago as instructed', 'takes no blood thinners')}.",
                "No herbal supplements."]

    def social(self) -> list[str]:
        return [
            f"Social history: works as {self.pick('a warehouse supervisor', 'a school teacher', 'a truck driver', 'an office manager', 'a retired electrician', 'a nurse')}.",
            f"{self.pick('Never smoker', 'Former smoker, quit 10 years ago', 'Smokes half a pack a day; cessation was discussed')}; {self.pick('drinks alcohol socially', 'no alcohol use', 'one or two beers on weekends')}.",
            f"Lives with {self.pick('a spouse', 'an adult daughter', 'a partner', 'alone')} in a {self.pick('one-story home', 'second-floor apartment', 'two-story house')}.",
            f"Family history is notable for {self.pick('coronary artery disease in the father', 'breast cancer in the mother', 'diabetes in a sibling', 'rheumatoid arthritis in the mother')}; no bleeding disorders.",
        ]

    def ros(self) -> list[str]:
        return [
            "Review of systems: constitutional negative for fever, chills, night sweats and weight loss.",
            "Eyes: no vision changes. ENT: no sore throat or hearing loss.",
            "Cardiovascular: no chest pain, palpitations or leg swelling.",
            "Respiratory: no cough, wheezing or shortness of breath.",
            "Gastrointestinal: no nausea, vomiting, abdominal pain, diarrhea or blood in the stool.",
            "Genitourinary: no dysuria, hematuria or incontinence.",
            f"Musculoskeletal: positive for {self.area} pain and stiffness as above; no joint swelling elsewhere.",
            "Skin: no rashes or wounds over the procedure site.",
            "Neurological: no seizures, syncope, focal weakness or gait change.",
            "Psychiatric: mood as above; no hallucinations.",
            "Endocrine: no heat or cold intolerance. Hematologic: no easy bruising or bleeding.",
            "All other systems were reviewed and are negative.",
        ]

    def exam(self) -> list[str]:
        return [
            f"Vital signs: BP {self.n(112, 148)}/{self.n(68, 92)}, HR {self.n(58, 92)}, RR {self.n(12, 18)}, SpO2 {self.n(95, 99)}% on room air, BMI {self.n(22, 36)}.",
            "General: alert, oriented, in mild discomfort, well nourished.",
            "HEENT: normocephalic, atraumatic. Neck supple." if self.region != "cervical" else
            f"Cervical spine: tenderness over the facet columns, extension and rotation limited to {self.n(30, 60)} degrees with pain.",
            "Cardiovascular: regular rate and rhythm. Lungs: clear to auscultation bilaterally.",
            f"Spine: paraspinal tenderness over the {self.area}, pain with extension-rotation on both sides, no midline step-off.",
            f"Range of motion of the {self.area} is reduced in extension; flexion is better tolerated.",
            f"Strength is 5/5 in all major muscle groups of the {self.limb}s.",
            f"Sensation to light touch is intact in the {self.limb}s. Reflexes are 2+ and symmetric.",
            "Straight leg raise is negative on both sides." if self.region == "lumbar" else "Spurling's test is negative on both sides.",
            "Gait is normal; the patient can heel and toe walk.",
            "Skin over the procedure area is intact without signs of infection.",
            "Hip and sacroiliac provocation tests are negative." if self.region == "lumbar" else "Shoulder range of motion is full and painless.",
        ]

    def imaging(self) -> list[str]:
        a, b = self.level(), self.level()
        return [
            f"MRI of the {self.region} spine from {self.r.randint(2022, 2024)}: mild degenerative disc disease at {a} with facet hypertrophy at {b}.",
            f"There is no significant central canal stenosis and the foramina are patent at {a}.",
            "No fracture, marrow signal abnormality or mass.",
            "Flexion-extension radiographs show no instability.",
            f"Labs from last month: hemoglobin A1c {self.r.choice(['5.8', '6.4', '7.1'])}%, platelets and INR within normal limits.",
        ]

    # post-procedure sections ----------------------------------------------------------------------------------
    def technique(self) -> list[str]:
        return [
            "Before the procedure, the risks, benefits and alternatives were reviewed again, including bleeding, infection, nerve injury, allergic reaction and a temporary increase in pain, and all questions were answered.",
            "The consent form was signed and witnessed and placed in the chart.",
            "A universal protocol time-out was completed with the nurse and the radiology technologist, confirming the patient, procedure, side and site.",
            "The site was marked before the procedure.",
            f"Monitoring consisted of pulse oximetry, blood pressure every {self.pick('5', '10')} minutes and continuous observation by the nurse.",
            "A pillow was placed under the abdomen to reduce lumbar lordosis." if self.region == "lumbar" else "The head was supported in a neutral position on a foam headrest.",
            "The skin was prepped with chlorhexidine three times and allowed to dry, and sterile drapes were applied.",
            "Sterile gloves, mask and cap were used throughout the procedure.",
            "Each needle position was checked in two views before any injectate was given.",
            "Aspiration was negative for blood and cerebrospinal fluid before each injection.",
            "No paresthesias were reported during needle placement.",
            "The needles were flushed before removal to avoid tracking of injectate.",
            "Hemostasis was obtained with gentle pressure and adhesive bandages were applied.",
            "The patient was monitored in the recovery area for 20 minutes with stable vital signs.",
            "The fluoroscopy time and dose were recorded in the imaging log.",
        ]

    def instructions(self) -> list[str]:
        return [
            "Discharge instructions were given verbally and in writing.",
            "The patient was told to call the clinic for fever, increasing redness or swelling at the injection sites, new weakness or numbness, or loss of bowel or bladder control.",
            "Driving is not allowed for the rest of the day; a family member will drive the patient home.",
            "The patient may shower tonight but should avoid baths, pools and hot tubs for 24 hours.",
            "Ice may be applied for 20 minutes at a time for soreness at the needle sites.",
            "Usual medications may be resumed today.",
            "The patient should keep a pain diary every hour for the next six hours, noting activities that normally provoke the pain.",
            "A temporary increase in soreness for a day or two is common and is not a cause for alarm.",
            "Diabetic patients were told that blood glucose may be elevated for several days after steroid." ,
            "Work restrictions: light duty for the rest of the day, full duty tomorrow.",
        ]


PRE = [("HISTORY OF PRESENT ILLNESS", "hpi", 0.22), ("PRIOR TREATMENT", "prior", 0.08), ("PAST MEDICAL HISTORY", "pmh", 0.05),
       ("HOME MEDICATIONS", "home_meds", 0.05), ("SOCIAL AND FAMILY HISTORY", "social", 0.05),
       ("REVIEW OF SYSTEMS", "ros", 0.10), ("PHYSICAL EXAMINATION", "exam", 0.12), ("IMAGING AND LABS", "imaging", 0.05)]
POST = [("PROCEDURE DETAILS", "technique", 0.17), ("DISCHARGE INSTRUCTIONS", "instructions", 0.11)]
#: Where a long note runs out of distinct sentences: an earlier visit's history and examination, carried
#: forward (as EHR notes do), with its own numbers.
COPIED_FORWARD = "INTERVAL HISTORY FROM THE LAST CLINIC VISIT (copied forward)"


def _section(padder: Padder, heading: str, methods: tuple[str, ...], budget: int, repeat: bool = False) -> tuple[str, int]:
    """Sentences of one section up to about ``budget`` words, each sentence once (``repeat``: the pool
    is drawn again, with new random slots, when it runs out). Returns (paragraph, words used)."""
    out: list[str] = []
    used = 0
    pool = [x for m in methods for x in getattr(padder, m)()]
    padder.r.shuffle(pool)
    while used < budget:
        if not pool:
            if not repeat:
                break
            pool = [x for m in methods for x in getattr(padder, m)()]
            padder.r.shuffle(pool)
        sentence = pool.pop()
        out.append(sentence)
        used += words(sentence)
    return (f"{heading}: " + " ".join(out) + "\n", used + len(heading.split())) if out else ("", 0)


def pad(text: str, target: int, region: str, rng: random.Random) -> str:
    """``text`` with history/exam paragraphs after its INDICATION line and technique/instructions paragraphs
    before its last line (the plan), grown to about ``target`` words."""
    missing = target - words(text)
    if missing <= 15:
        return text
    padder = Padder(rng, region)
    total = sum(share for *_, share in PRE + POST)
    carry = 0.0
    parts: dict[str, list[str]] = {"pre": [], "post": []}
    for where, sections in (("pre", PRE), ("post", POST)):
        for heading, method, share in sections:
            budget = missing * share / total + carry
            if budget < 8:
                carry = budget
                continue
            paragraph, used = _section(padder, heading, (method,), int(budget))
            carry = budget - used
            if paragraph:
                parts[where].append(paragraph)
    if carry >= 8:
        paragraph, _ = _section(padder, COPIED_FORWARD, ("hpi", "exam"), int(carry), repeat=True)
        parts["pre"].append(paragraph)
    pre, post = "\n".join(parts["pre"]), "\n".join(parts["post"])
    lines = text.rstrip("\n").split("\n")
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("INDICATION")), 2)
    lines[at:at] = ["", pre.rstrip("\n")] if pre else []
    if post:
        lines[-1:-1] = [post.rstrip("\n"), ""]
    return "\n".join(lines) + "\n"


# --- the sets -----------------------------------------------------------------------------------------------------

def _sessions(rng: random.Random, n: int) -> list:
    sessions: list = []
    pid = 0
    while len(sessions) < n:
        pid += 1
        sessions.extend(g.plan_patient(rng, pid, date(2024, 1, 2)))
    sessions = sessions[:n]
    rng.shuffle(sessions)
    return sessions


def _base(writer, s) -> str:
    return writer.other_note(s) if s.kind in NON_FACET else writer.facet_note(s)


def _billed(s, rng: random.Random) -> list[str]:
    out = []
    for cpt, mods, units in g.codes_for(s, rng):
        code = cpt + "".join(f"-{m}" for m in mods.split(";") if m)
        out.append(code + (f"x{units}" if units > 1 else ""))
    return out


def target_length(rng: random.Random) -> int:
    lo, hi, _ = rng.choices(LENGTH_MIX, weights=[w for *_, w in LENGTH_MIX])[0]
    return rng.randint(lo, hi)


def mixed_notes(n: int = 1000, seed: int = 11, claim_share: float = 0.8) -> list[Note]:
    """``n`` notes with lengths from LENGTH_MIX (150-1,500 words), ~10 % non-facet, most with claim lines."""
    rng = random.Random(seed)
    writer = g.Writer(rng)
    notes = []
    for i, s in enumerate(_sessions(rng, n)):
        text = pad(_base(writer, s), target_length(rng), s.region, rng)
        billed = _billed(s, rng) if rng.random() < claim_share else []
        notes.append(Note(f"m{i + 1:05d}", text, billed, s.kind, words(text)))
    return notes


def short_notes(n: int = 300, seed: int = 5, claim_share: float = 0.8) -> list[Note]:
    """generate_batch's notes as they are (~60-210 words), for tests that need many quick notes."""
    rng = random.Random(seed)
    writer = g.Writer(rng)
    notes = []
    for i, s in enumerate(_sessions(rng, n)):
        text = _base(writer, s)
        billed = _billed(s, rng) if rng.random() < claim_share else []
        notes.append(Note(f"s{i + 1:05d}", text, billed, s.kind, words(text)))
    return notes


def length_pairs(n: int = 100, seed: int = 23, short: tuple[int, int] = (140, 165), factor: int = 10) -> tuple[list[Note], list[Note]]:
    """``n`` facet notes of ~150 words (``short`` range) and the same notes padded to ``factor`` × their
    length (~1,500 words): the same procedures, so the only difference is length."""
    rng = random.Random(seed)
    writer = g.Writer(rng)
    small, big = [], []
    while len(small) < n:
        for s in _sessions(rng, 50):
            if s.kind in NON_FACET or len(small) >= n:
                continue
            text = _base(writer, s)
            w = words(text)
            if not short[0] <= w <= short[1]:
                continue
            long_text = pad(text, factor * w, s.region, rng)
            small.append(Note(f"p{len(small) + 1:04d}s", text, [], s.kind, w))
            big.append(Note(f"p{len(big) + 1:04d}l", long_text, [], s.kind, words(long_text)))
    return small, big


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="JSON Lines file: note_id, text, billed, kind, words")
    ap.add_argument("--notes", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--short", action="store_true", help="generate_batch's short notes, unpadded")
    args = ap.parse_args()
    notes = short_notes(args.notes, args.seed) if args.short else mixed_notes(args.notes, args.seed)
    with args.out.open("w", encoding="utf-8") as handle:
        for note in notes:
            handle.write(json.dumps(note.as_dict()) + "\n")
    lengths = sorted(n.words for n in notes)
    print(f"{len(notes)} notes, words min {lengths[0]} median {lengths[len(lengths) // 2]} max {lengths[-1]}")


if __name__ == "__main__":
    main()
