"""Table-driven tests per extractor: note text → expected items, with evidence spans into the text.

The notes here are short and written for the tests; the traps are the ones the issue names (MRI
levels, prior injections, plans, consent boilerplate, generic technique text).
"""

import pytest

from notecheck.check import check_text

FLUORO = "Under fluoroscopic guidance in AP and oblique views, "
TOL = " The patient tolerated the procedure well."


def _levels(text):
    return [(lv.joint, lv.laterality, lv.derived_from_nerves) for lv in check_text(text).levels]


# --- levels and laterality -------------------------------------------------------------------------

LEVEL_CASES = [
    ("bilateral pair",
     "PROCEDURE: Bilateral L4-5 and L5-S1 facet joint injections.\n" + FLUORO + "22-gauge needles were placed into each joint." + TOL,
     [("L4-L5", "bilateral", False), ("L5-S1", "bilateral", False)]),
    ("compact list",
     "PROCEDURE: Bilateral facet injections at L34, L45, L5S1.\n" + FLUORO + "needles were placed into each joint." + TOL,
     [("L3-L4", "bilateral", False), ("L4-L5", "bilateral", False), ("L5-S1", "bilateral", False)]),
    ("range through",
     "Right L3-4 through L5-S1 intra-articular facet injections were performed. " + FLUORO + "needles were advanced." + TOL,
     [("L3-L4", "right", False), ("L4-L5", "right", False), ("L5-S1", "right", False)]),
    ("vertebra range",
     "Lumbar facet injections bilat L3 to S1 under fluoro. Needles were placed into each joint." + TOL,
     [("L3-L4", "bilateral", False), ("L4-L5", "bilateral", False), ("L5-S1", "bilateral", False)]),
    ("slash and en dash",
     "PROCEDURE: Left L4/5 and L5–S1 facet joint injections.\n" + FLUORO + "the needles were placed." + TOL,
     [("L4-L5", "left", False), ("L5-S1", "left", False)]),
    ("mixed sides per joint",
     "PROCEDURE: Left L4-5 and bilateral L5-S1 facet joint injections.\n" + FLUORO + "needles were placed." + TOL,
     [("L4-L5", "left", False), ("L5-S1", "bilateral", False)]),
    ("abbreviated sides",
     "Procedure: B/L C5/C6 facet injections under fluoro. Needles placed into each joint." + TOL,
     [("C5-C6", "bilateral", False)]),
    ("Rt before level",
     "- Proc: Rt T7-8 facet jt injection, intra-articular\n- Image: fluoro AP/lateral\n- Tol: well",
     [("T7-T8", "right", False)]),
    ("other side",
     "CERVICAL FACET JOINT INJECTION.\nA 25-gauge needle was passed to the C4-5 facet joint under fluoroscopic control. "
     "Needle was removed and the same procedure carried out on the other side. No complications.",
     [("C4-C5", "bilateral", False)]),
    ("repeated on the right",
     "Lumbar facet injections. Under fluoroscopy a needle was placed into the L4-5 facet on the left side. "
     "This exact same procedure was then repeated on the right side." + TOL,
     [("L4-L5", "bilateral", False)]),
    ("nerves to joints",
     "PROCEDURE: Left lumbar medial branch block.\nUnder fluoroscopy, the left L3, L4 medial branches and L5 dorsal ramus "
     "were blocked with 0.5 mL of 0.5% bupivacaine each." + TOL,
     [("L4-L5", "left", True), ("L5-S1", "left", True)]),
    ("joint named wins over nerves",
     "PROCEDURE: Right L4-5 medial branch block (right L3 and L4 medial branches).\n" + FLUORO + "needles were placed." + TOL,
     [("L4-L5", "right", False)]),
    ("R third occipital nerve",
     "P: Diagnostic block #1, R third occipital nerve.\nProcedure note: lateral fluoro view; 25g needle placed to 3 points "
     "along the R TON. 0.3 mL 0.5% bupivacaine at each point. Pt tolerated well.",
     [("C2-C3", "right", True)]),
    ("third occipital nerve",
     "Left third occipital nerve block, diagnostic. Using fluoroscopic lateral views, needles were placed and 0.3 mL of "
     "0.5% bupivacaine was injected at each of three points. She tolerated it well.",
     [("C2-C3", "left", True)]),
    ("thoracolumbar",
     "PROCEDURE: Left T12-L1 and L1-2 facet joint injections.\n" + FLUORO + "needles were placed." + TOL,
     [("T12-L1", "left", False), ("L1-L2", "left", False)]),
    ("side in a field",
     "FACET INJ\n- Lvl: L4-5, L5-S1\n- Side: Lt\n- Type: intra-articular facet inj\n- Image: fluoro\n- Pt tolerated well",
     [("L4-L5", "left", False), ("L5-S1", "left", False)]),
    ("side not stated",
     "PROCEDURE: L4-5 facet joint injection.\n" + FLUORO + "a needle was placed into the joint." + TOL,
     [("L4-L5", None, False)]),
    ("left and then the right",
     "PROCEDURE: C5-6 facet joint injection.\n" + FLUORO + "a 25g needle was placed into the left and then the right "
     "C5-6 facet joint." + TOL,
     [("C5-C6", "bilateral", False)]),
    ("a numbered diagnosis list under its heading",
     "Preoperative diagnoses:\n1. Cervical facet arthropathy, right.\n2. Disc osteophyte complex at C5-6 (incidental).\n\n"
     "Procedure(s):\n1. Right C3-4 facet joint injection.\n2. Fluoroscopic guidance.\n\n" + FLUORO
     + "a needle was placed into the right C3-4 joint and 0.5 mL of 0.5% bupivacaine was injected." + TOL,
     [("C3-C4", "right", False)]),
    ("an interventional history list",
     "Interventional history:\n  - 06/2021 left L3-4 intra-articular facet injection - partial relief x 3 weeks\n\n"
     "PROCEDURE TODAY: Right L4-5 facet joint injection.\n" + FLUORO + "a needle was placed into the joint." + TOL,
     [("L4-L5", "right", False)]),
    ("earlier procedures with their dates",
     "Procedures: MBB #1 05/06, b/l L4 MB + L5 DR - good relief. R L3-4 IA injection 2020, no benefit.\n"
     "PMH/procedures: C5-6 interlaminar ESI 2020.\n\nPROCEDURE TODAY: Bilateral L5-S1 facet joint injections.\n" + FLUORO
     + "needles were placed into each joint." + TOL,
     [("L5-S1", "bilateral", False)]),
    ("right at one level, both at the next",
     "Procedure: intra-articular injection of the right L4/5 joint and both L5/S1 joints. " + FLUORO
     + "each joint was entered and 0.5 ml Marcain injected." + TOL,
     [("L4-L5", "right", False), ("L5-S1", "bilateral", False)]),
    ("the other level on both sides",
     "PROCEDURE: Facet joint injections. " + FLUORO + "I lined up the right L4-5 facet and put a needle into the joint, "
     "then did the L5-S1 facet on both right and left the same way." + TOL,
     [("L4-L5", "right", False), ("L5-S1", "bilateral", False)]),
    ("a range of nerves",
     "PROCEDURE: Bilateral lumbar medial branch blocks.\n" + FLUORO + "needles were advanced bilaterally at L2, L3, L4 "
     "and L5 for the L1 through L4 medial branches, and to the sacral ala for the L5 dorsal rami." + TOL,
     [("L2-L3", "bilateral", True), ("L3-L4", "bilateral", True), ("L4-L5", "bilateral", True),
      ("L5-S1", "bilateral", True)]),
    ("past procedures and procedures to date",
     "Past procedures: b/l L4-5 RFA 2021; L L5-S1 IA injection 2019.\nProcedures to date: R L2-3 facet injection.\n\n"
     "PROCEDURE: Bilateral C5-6 facet joint injections.\n" + FLUORO + "needles were placed into each joint." + TOL,
     [("C5-C6", "bilateral", False)]),
    ("headings that end with a full stop, after a patient block",
     "OPERATION NOTE\n\nPatient: Mr D. A., 69. Operating surgeon: Mr A. C. F.\n\nIndication. Left-sided low back pain for "
     "five years; the MRI demonstrates facet arthropathy from L2/3 to L5/S1.\n\nProcedure. Injection of the left L4/5 "
     "zygapophyseal joint under image intensifier control with 0.5ml Marcain." + TOL,
     [("L4-L5", "left", False)]),
    ("nerves in clinic shorthand",
     "First diagnostic MBNB, bilat, lumbar Z joints.\nWHERE: Bilat L3, L4 MBs and DPR of L5 (6 targets).\n" + FLUORO
     + "needles to the SAP/TP junctions. 0.5% bupivacaine 0.5 mL per nerve." + TOL,
     [("L4-L5", "bilateral", True), ("L5-S1", "bilateral", True)]),
    ("a nerve range and the vertebrae targeted",
     "WHAT: first diagnostic MBNB, b/l C3 through C7 MBs.\nHOW: Lateral C-arm view; 25g needles to the centroid of each "
     "articular pillar from C3 to C6, and to the base of the SAP at C7. 0.5% bupivacaine 0.3 mL per nerve." + TOL,
     [("C3-C4", "bilateral", True), ("C4-C5", "bilateral", True), ("C5-C6", "bilateral", True),
      ("C6-C7", "bilateral", True)]),
    ("a ticked checklist whose lines are fields",
     "FJI CHECKLIST\n[x] Pt: 70 yo F, low back pain x 2 yrs\n[x] Imaging: SPECT-CT uptake Rt L4-5 and Lt L5-S1 facets; L3-4 "
     "normal\n[x] Prior: b/l L3-4 MBNBs 2022 - negative\n[x] Procedure: therapeutic FJI, Rt L4-L5 and Lt L5-S1, "
     "intra-articular\n[x] Guidance: C-arm, oblique views\n[x] Injectate per joint: 0.5 mL 0.5% Marcaine\n[x] Tolerated well",
     [("L4-L5", "right", False), ("L5-S1", "left", False)]),
    ("the junctions of a range of vertebrae",
     "PROCEDURE: Left radiofrequency ablation of the L2, L3, L4 medial branches and L5 dorsal ramus.\n" + FLUORO
     + "cannulae were laid parallel to each nerve along the SAP/TP junction (L2-L4) and the sacral ala. Lesions at "
     "80 C for 90 s." + TOL,
     [("L3-L4", "left", True), ("L4-L5", "left", True), ("L5-S1", "left", True)]),
    ("a teaching paragraph names levels not treated",
     "PROCEDURE: Right C5-6 medial branch radiofrequency ablation.\n\nAnatomy refresher for the fellow: from C3 to C6 the "
     "medial branches cross the waist of the articular pillar. Below it the C3-4 joint is supplied by the C3 and C4 "
     "medial branches, and so on down to C7-T1.\n\n" + FLUORO + "cannulae were placed at the right C5 and C6 medial "
     "branches and lesions made at 80 C for 90 s." + TOL,
     [("C5-C6", "right", False)]),
    ("the same targets blocked on the other side",
     "PROCEDURE(S): First diagnostic lumbar medial branch block\nLEVEL(S): L3 medial branch, L4 medial branch, L5 dorsal "
     "ramus\n\n" + FLUORO + "needles were walked to the left L3 and L4 medial branches and the left L5 dorsal ramus. "
     "0.5 mL of 0.5% bupivacaine was deposited at each site. The same three targets were then blocked on the right in "
     "the same manner." + TOL,
     [("L4-L5", "bilateral", True), ("L5-S1", "bilateral", True)]),
    ("telegraphic, with a typo in the nerve word",
     "Procedure: rt lumbar radiofrequency ablation, thermal.\nUnder flouroscopy 18 g RF cannulas placed along rt L3, L4 "
     "medial brances and rt L5 dorsal ramus. Lesions 85 C x 90 sec. No cx.",
     [("L4-L5", "right", True), ("L5-S1", "right", True)]),
    ("a radiology-style FINDINGS line names levels only imaged",
     "TECHNIQUE: Under fluoroscopy, needles were placed at the left L1 and L2 medial branches and 0.5 mL of 0.5% "
     "bupivacaine was injected at each." + TOL + "\n\nFINDINGS: Mild left-sided facet arthropathy at L3-L4 and L4-L5. "
     "Needle positions as described.\n\nIMPRESSION: Fluoroscopy-guided left L1 and L2 medial branch blocks.",
     [("L2-L3", "left", True)]),
    ("FINDINGS naming levels 'which were not injected'",
     "TECHNIQUE: Under fluoroscopy, needles were placed into the bilateral L4-L5 facet joints and 1 mL of 0.5% "
     "bupivacaine was injected into each." + TOL + "\n\nFINDINGS: Hypertrophic facet arthropathy, greatest at L4-L5. "
     "Degenerative facet changes are also seen at L2-L3 and at T12-L1, which were not injected.",
     [("L4-L5", "bilateral", False)]),
    ("one side aborted",
     "PROCEDURE: Bilateral L4-5 facet nerve blocks (L3 and L4 medial branches).\n" + FLUORO + "starting on the left, "
     "needles were advanced to the left L3 and L4 medial branch targets and 0.5 mL of 0.25% bupivacaine was injected at "
     "each. She then had a vasovagal reaction and recovered supine. The right side was not done today.",
     [("L4-L5", "left", False)]),
    ("an addendum corrects the levels",
     "PROCEDURE PERFORMED: Diagnostic bilateral L4-5 and L5-S1 medial branch blocks.\n" + FLUORO + "needles were placed "
     "at the target nerves on both sides and 0.5 mL of 0.5% bupivacaine was injected at each." + TOL + "\n\n"
     "ADDENDUM (attending): Correction: levels were L3-4 and L4-5, not L4-5 and L5-S1. No block was done at L5-S1.",
     [("L3-L4", "bilateral", False), ("L4-L5", "bilateral", False)]),
    ("an addendum corrects the side",
     "PROCEDURE: Right C5, C6 and C7 medial branch radiofrequency ablation.\n" + FLUORO + "cannulae were placed and "
     "lesions made at 80 C for 90 seconds." + TOL + "\n\n"
     "ADDENDUM (attending): The header was dictated from a template and carries the wrong side. The lesions were made "
     "on the left C5, C6 and C7 medial branches, as the saved images show; the right side was not treated.",
     [("C5-C6", "left", True), ("C6-C7", "left", True)]),
    ("an addendum that agrees changes nothing",
     "PROCEDURE: Bilateral L4-5 facet joint injections.\n" + FLUORO + "needles were placed into each joint." + TOL
     + "\n\nAttending addendum: I was present for the whole procedure and agree with the note.",
     [("L4-L5", "bilateral", False)]),
    ("voice recognition, unedited",
     "therapeutic lumbar fascia joint injections she has had low back pain for about two years using fluoro I "
     "identified the L four five and L five S one fascia joints bilaterally and a needle was placed into each joint "
     "then each joint got one cc of Kenna log forty milligram per mL she tolerated that fine",
     [("L4-L5", "bilateral", False), ("L5-S1", "bilateral", False)]),
    ("a nerve that was not lesioned",
     "PROCEDURE: Bilateral radiofrequency ablation.\n" + FLUORO + "cannulae were placed along the L3 and L4 medial "
     "branches bilaterally. The L5 dorsal rami were not lesioned. Lesions at 90 C for 90 seconds." + TOL,
     [("L4-L5", "bilateral", True)]),
    ("a nerve that could not be reached",
     "PROCEDURE: Bilateral radiofrequency ablation.\n" + FLUORO + "cannulae were placed along the L3 and L4 medial "
     "branches bilaterally. The L5 dorsal ramus targets could not be reached because of the fusion mass. Lesions "
     "at 90 C for 90 seconds." + TOL,
     [("L4-L5", "bilateral", True)]),
    ("a region word between the nerves and 'medial branch'",
     "Procedure: Left T6, T7 and T8 thoracic medial branch blocks, diagnostic\n" + FLUORO + "needles were placed. "
     "General note on thoracic targets: each medial branch crosses the transverse process below it; for example, the "
     "T4 medial branch is found on the T5 transverse process. 0.5 mL of 0.5% bupivacaine at each site." + TOL,
     [("T7-T8", "left", True), ("T8-T9", "left", True)]),
    ("a parenthesised teaching aside ends before the next sentence",
     "PROCEDURE: Right third occipital nerve, C3 and C4 medial branch radiofrequency ablation.\n(For C3 to C6 the "
     "medial branch crosses the waist of the articular pillar, the usual target on the lateral view.) The skin was "
     "infiltrated with 1% lidocaine." + TOL,
     [("C2-C3", "right", True), ("C3-C4", "right", True)]),
    ("abbreviation then nerves", "Proc: bilat LMBB L2, L3, L4 (medial branch nerve blocks)\n" + FLUORO
     + "0.5 mL of 0.5% bupivacaine per nerve." + TOL, [("L3-L4", "bilateral", True), ("L4-L5", "bilateral", True)]),
    ("a table of nerves written 'medial br.'",
     "Procedure: Lumbar medial branch block, left\n" + FLUORO + "the targets below were blocked.\n"
     "L3 medial br.     Left   0.5% bupivacaine    0.5 mL\nL4 medial br.     Left   0.5% bupivacaine    0.5 mL\n"
     "L5 dorsal ramus   Left   0.5% bupivacaine    0.5 mL\n" + TOL,
     [("L4-L5", "left", True), ("L5-S1", "left", True)]),
    ("a joint counted from is a landmark",
     "PROCEDURE: Left C3-4 facet joint injection.\nUnder fluoroscopy the C3-4 joint was identified by counting down "
     "from the C2-3 joint and a needle was placed into it." + TOL, [("C3-C4", "left", False)]),
    ("dermatomes in the examination are not levels",
     "EXAM: Sensation intact to light touch in C5 through T1 dermatomes.\nPROCEDURE: Right C3-4 facet joint "
     "injection under fluoroscopy. A needle was placed into the joint." + TOL, [("C3-C4", "right", False)]),
    ("an MRI sentence inside the procedure section",
     "PROCEDURE: Left L4/5 facet joint injection under fluoroscopy. Her MRI last autumn showed facet joint "
     "arthropathy from L4/5 down to L5/S1 and mild degenerative disc change at L2/3.\nA needle was placed into the "
     "left L4/5 joint." + TOL, [("L4-L5", "left", False)]),
    ("a side field in a pipe table",
     "Procedure              | Thoracolumbar medial branch block\nSide                   | B/L\n"
     "Targets                | T11, T12 and L1 medial branches\nImaging                | Fluoroscopy\n" + TOL,
     [("T12-L1", "bilateral", True), ("L1-L2", "bilateral", True)]),
    ("a lesion table's side column",
     "Procedure: Radiofrequency neurotomy\n" + FLUORO + "cannulae placed.\nLesions:\n  Nerve     Side    Temp    Time\n"
     "  L3 MB     L       85 C    90 s\n  L4 MB     L       85 C    90 s\n  L5 DR     L       85 C    90 s\n"
     "  L4 MB     R       85 C    90 s\n  L5 DR     R       85 C    90 s\n" + TOL,
     [("L4-L5", "left", True), ("L5-S1", "bilateral", True)]),
    ("nerves misspelt, and a range of nerves after the nerve word",
     "Procedure: Bilateral L3, L4 medial branhces and L5 dorsal rami radiofrequency ablation.\n" + FLUORO
     + "cannulae placed." + TOL,
     [("L4-L5", "bilateral", True), ("L5-S1", "bilateral", True)]),
    ("range of nerves",
     "Procedure: Diagnostic medial branch blocks -- bilateral, medial branches of L2-L4.\n" + FLUORO
     + "needles placed." + TOL,
     [("L3-L4", "bilateral", True), ("L4-L5", "bilateral", True)]),
    ("a side not injected, and its exam finding",
     "Today: intra-articular injections, left C6-7 and bilateral C7-T1.\nProcedure\n- " + FLUORO + "needles placed.\n"
     "- Left C6-7: entered the joint.\n- Left C7-T1: same.\n- Right C7-T1: same.\n- Right C6-7 NOT injected (no right "
     "C6-7 tenderness).\n" + TOL + "\nDiscussed that if short-lived, we can talk about medial branch blocks at C6-7 and "
     "C7-T1 next time.",
     [("C6-C7", "left", False), ("C7-T1", "bilateral", False)]),
    ("a dictated list left as spoken",
     "PROCEDURE PERFORMED:\n1. First diagnostic right C3 comma C4 and C5 cervical medial branch blocks.\n" + FLUORO
     + "needles were placed." + TOL,
     [("C3-C4", "right", True), ("C4-C5", "right", True)]),
    ("bilateral nerves, the joints named again for the second side",
     "Procedure: Diagnostic cervical medial branch blocks, bilateral C4, C5, C6 and C7 medial branches.\n" + FLUORO
     + "needles were placed on the left. The same procedure was then carried out on the right side at C4 through C7." + TOL,
     [("C4-C5", "bilateral", False), ("C5-C6", "bilateral", False), ("C6-C7", "bilateral", False)]),
    ("bilateral nerves and one more on one side",
     "Lesions: L3 and L4 medial branches bilaterally; additionally the L5 dorsal ramus on the right.\n" + FLUORO
     + "cannulae were placed parallel to each nerve and lesions made at 90 C." + TOL,
     [("L4-L5", "bilateral", True), ("L5-S1", "right", True)]),
    ("nerves after a side abbreviation in a log line",
     "DOS 11/05 | 55 yo F | MBB b/l L2, L3 | fluoro | bupi 0.5% 0.5cc/nerve | tol well\nNext case: RFA.",
     [("L3-L4", "bilateral", True)]),
    ("one side first, the same repeated on the R",
     "Cervical MBB - C5, C6, C7 MB\nTech:\n- fluoro lateral + AP\n- L side first: 25g to the C5, C6 pillar waists and "
     "the C7 SAP apex\n- 0.5% bupi 0.3cc each\n- same procedure repeated on the R\nTol well.",
     [("C5-C6", "bilateral", True), ("C6-C7", "bilateral", True)]),
    ("a side written inside the nerve list",
     "Proc: Rt T4-5 and Lt T5-6 facet medial branch blocks (Rt T3 + T4 MB; Lt T4 + T5 MB).\n" + FLUORO
     + "needles placed; 0.5 mL 0.5% bupivacaine per nerve." + TOL,
     [("T4-T5", "right", False), ("T5-T6", "left", False)]),
    ("a laterality field, the second side's nerves written out",
     "PROCEDURE(S): First diagnostic cervical medial branch block\nLATERALITY: Bilateral\nLEVEL(S): C5 and C6 medial "
     "branches\n\nNARRATIVE: Time-out. Prone. Under lateral fluoroscopy, 25-gauge needles were placed at the left C5 and C6 articular "
     "pillars. The same steps were carried out at the right C5 and C6 medial branches." + TOL,
     [("C5-C6", "bilateral", True)]),
    ("nerves on the left and then the right",
     "PROCEDURE: Diagnostic medial branch block #1.\n" + FLUORO + "22-gauge needles were placed at the T11, T12 and L1 "
     "medial branches on the left and then the right. 0.5 mL of 0.5% bupivacaine at each nerve." + TOL,
     [("T12-L1", "bilateral", True), ("L1-L2", "bilateral", True)]),
    ("then the same targets on the other side",
     "PROCEDURE: Diagnostic lumbar medial branch block #1, bilateral.\nDESCRIPTION: Prone. Time-out. " + FLUORO
     + "a needle was advanced to the L3 and L4 medial branches and the L5 dorsal ramus on the left, then to the same "
     "three targets on the right. 0.5 mL of 0.5% bupivacaine at each nerve." + TOL,
     [("L4-L5", "bilateral", True), ("L5-S1", "bilateral", True)]),
    ("starting on one side, the identical procedure on the other",
     "PROCEDURE: Diagnostic cervical medial branch blocks.\nDESCRIPTION: Prone. Starting on the right, the skin was "
     "anesthetized. A needle was advanced to the pillar waist for each of the C3, C4 and C5 medial branches. The "
     "identical procedure was then carried out on the left side at the same three targets." + TOL,
     [("C3-C4", "bilateral", True), ("C4-C5", "bilateral", True)]),
    ("a hyphenated range of nerves",
     "Procedure: Right T5-T7 MBs (thoracic medial branch blocks), diagnostic #1\n" + FLUORO + "needles placed; 0.5 mL "
     "0.5% bupivacaine per nerve." + TOL,
     [("T6-T7", "right", True), ("T7-T8", "right", True)]),
    ("a dictated range to L five S1, the other side done the same way",
     "PROCEDURE: Bilateral L three four through L five S1 intraarticular facet joint injections under fluoroscopic "
     "guidance.\nDESCRIPTION: A needle was guided into the right L three four, L four five and L five S1 facet joints "
     "in turn. The left side was then done in the same way at all three levels." + TOL,
     [("L3-L4", "bilateral", False), ("L4-L5", "bilateral", False), ("L5-S1", "bilateral", False)]),
    ("a level named by its region, in words",
     "Seen today for a therapeutic injection of the lumbar four-five facet joints, both sides. " + FLUORO
     + "needles were placed into both joints." + TOL,
     [("L4-L5", "bilateral", False)]),
    ("the lumbosacral facet joints",
     "Procedure: Bilateral intra-articular injection of the lumbosacral facet joints under fluoroscopic guidance. "
     "Needles placed into both joints." + TOL,
     [("L5-S1", "bilateral", False)]),
    ("a side field with a lone letter",
     "Procedure: Diagnostic cervical medial branch block - third occipital nerve, C3 MBN and C4 MBN.\nSide: R\n" + FLUORO
     + "needles placed; 0.3 mL 0.5% bupivacaine per nerve." + TOL,
     [("C2-C3", "right", True), ("C3-C4", "right", True)]),
    ("slashed joints before 'facet joints' after a block word",
     "Procedure: Bilateral diagnostic medial branch blocks, T12/L1 and L1/2 facet joints (T11, T12 and L1 medial "
     "branches, both sides)\n" + FLUORO + "needles placed." + TOL,
     [("T12-L1", "bilateral", False), ("L1-L2", "bilateral", False)]),
    ("'medial' mistyped",
     "PROCEDURE: Rt lumbar RFA, Rt L3, L4 medail branches, under flouroscopy." + TOL,
     [("L4-L5", "right", True)]),
    ("side words mistyped", "Procedure: Bilaterla L5-S1 facet joint injecton w/ fluoroscopy\nA needle was advanced "
     "into the left L5-S1 facet joint. Same was done on the rigth L5-S1 facet joint." + TOL,
     [("L5-S1", "bilateral", False)]),
]


@pytest.mark.parametrize("name, text, expected", LEVEL_CASES, ids=[c[0] for c in LEVEL_CASES])
def test_levels_and_laterality(name, text, expected):
    assert _levels(text) == expected


TRAP_CASES = [
    ("MRI levels",
     "INDICATION: MRI shows L3-4 stenosis and an L2-3 disc bulge.\nPROCEDURE: Right L5-S1 facet joint injection.\n"
     + FLUORO + "a needle was placed." + TOL,
     ["L5-S1"]),
    ("prior injection in history",
     "She had bilateral L3-4 facet injections in March 2023 with 80% relief. Today, under fluoroscopy, bilateral L4-5 "
     "intra-articular facet injections were performed with 0.5 mL of 0.5% bupivacaine per joint." + TOL,
     ["L4-L5"]),
    ("plan for the future",
     "PROCEDURE: Bilateral L4-5 medial branch blocks (L3 and L4 medial branches).\n" + FLUORO + "needles were placed." + TOL
     + "\nPLAN: If she has 80% relief we will schedule L5-S1 radiofrequency ablation.",
     ["L4-L5"]),
    ("generic technique text",
     "OPERATION PERFORMED: Cervical medial branch blocks under fluoroscopic control.\nThe needles were placed at the affected "
     "levels that were previously mentioned. For C3 to C6, the medial branch lies along the waist of the articular pillar. "
     "For a C7 medial branch block, the needle tip is positioned more superiorly. The patient tolerated the procedure well.",
     []),
    ("a level that could be evaluated later",
     "PROCEDURE: Right L4-5 facet joint injection.\n" + FLUORO + "a needle was placed." + TOL
     + "\nShould the upper lumbar joints become symptomatic, L1-2 could be evaluated separately.",
     ["L4-L5"]),
    ("a dated addendum corrects the levels",
     "PROCEDURE: Left L3-4, L4-5 and L5-S1 facet joint injections.\n" + FLUORO + "needles were placed into the left "
     "L3-4 and L4-5 joints and directed toward the left L5-S1 joint." + TOL + "\n\nADDENDUM, same day, 4:40 p.m.: On "
     "review of the images the needle at the third site never entered the joint. Correct procedure: left L3-4 and L4-5 "
     "facet joint injections only. L5-S1 was not treated today.",
     ["L3-L4", "L4-L5"]),
    ("an epidural done the same day",
     "PROCEDURES:\n1.  Right L3-4 and L4-5 intra-articular facet joint injections.\n2.  L5-S1 interlaminar epidural "
     "steroid injection under fluoroscopy.\n\nFacet joints:  " + FLUORO + "needles were passed into the right L3-4 and "
     "L4-5 joints.\nEpidural:  The L5-S1 interlaminar space was then identified in the AP view and a Tuohy needle "
     "advanced." + TOL,
     ["L3-L4", "L4-L5"]),
    ("an earlier note pasted below today's",
     "PROCEDURE: Right T6-7 facet joint injection.\n" + FLUORO + "a needle was placed into the joint." + TOL
     + "\n\n==== Previous procedure note copied forward (02/02/2024) ====\nPROCEDURE: Right C4-5 and C5-6 facet joint "
     "injections.\nTechnique: needles placed into both joints under fluoroscopy.\n==== end ====\n\nSigned.",
     ["T6-T7"]),
    ("a pasted note with no end marker runs to the end",
     "PROCEDURE: Left L5-S1 facet joint injection.\n" + FLUORO + "a needle was placed." + TOL
     + "\n\n-- pasted from the 01/10 note --\nPROCEDURE: Left L3-4 facet joint injection.",
     ["L5-S1"]),
    ("a template header names more than was actually done",
     "== ORDER TEMPLATE ==\nProcedure: Bilateral L3-4, L4-5 facet joint injections\n==\n\nThe injections actually "
     "performed today were limited to the right L4-5 joint; nothing else was injected.\n\nPROCEDURE: " + FLUORO
     + "a needle was placed into the joint." + TOL,
     ["L4-L5"]),
    ("a paragraph of general technique notes",
     "PROCEDURE: Left T9 and T10 medial branch radiofrequency ablation (T10-11 joint).\n\nTechnique note (general): "
     "the target varies; in the upper thoracic spine (T1-T4) and at T11-T12 the cannula is moved toward the superior "
     "articular process.\n\nTechnique: " + FLUORO
     + "cannulae were placed and lesions made at 80 C." + TOL,
     ["T10-T11"]),
    ("an X-ray line names another level",
     "Procedure: right L5S1 facet injection under fluoro\nXR: L5S1 DJD, L45 disc narrowing\n\nneedle into the "
     "R L5S1 jt, 1 cc 0.25% marcaine." + TOL,
     ["L5-S1"]),
    ("a planning CT names the levels scanned",
     "TECHNIQUE: A limited axial CT from L2 through S1 was obtained for planning. Under CT guidance a needle was "
     "advanced into the left L3-L4 facet joint." + TOL,
     ["L3-L4"]),
    ("contrast spread along a range of vertebrae",
     "PROCEDURE: Left L5-S1 facet joint injection under fluoroscopy. A needle was placed; contrast spread along the "
     "joint capsule and tracked from L4 to S1 without vascular uptake." + TOL,
     ["L5-S1"]),
    ("an image finding that opens with 'advanced'",
     "TECHNIQUE: Under CT guidance needles were placed at the right L3 and L4 medial branches and the L5 dorsal "
     "ramus.\n\nFINDINGS: Advanced facet arthropathy at L4-L5 and L5-S1, moderate at L2-L3." + TOL,
     ["L4-L5", "L5-S1"]),
    ("a joint left out because it was not painful",
     "Lesions: L3 and L4 medial branches on the left (left L2-3 was not painful on the blocks).\n" + FLUORO
     + "cannulae were placed and lesions made at 80 C." + TOL,
     ["L4-L5"]),
    ("a pre-procedure diagnosis names a facet level",
     "R SIJ injection - procedure note\nPre-dx: R sacroiliitis vs L5-S1 facet pain.\n\n- fluoro, inferior third of the R "
     "SI joint targeted\n- 22g spinal into the R SI joint, 2cc 0.25% bupivacaine" + TOL,
     []),
    ("an X-ray heading with its region and date",
     "XR L-spine (today): DDD L4-5, facet sclerosis L5S1 R>L.\n\nProc: Rt L5S1 facet jt inj\nGuidance: fluoro.\nNeedle "
     "-> R L5S1 jt, 1 mL 0.25% Marcaine." + TOL,
     ["L5-S1"]),
    ("an imaging report one level per line",
     "COMPARISON IMAGING:\nMRI cervical spine 05/2024: C2-3 normal.\nC4-5 left facet arthropathy with small effusion.\n"
     "C6-7 solid ACDF.\nC7-T1 normal.\n\nPROCEDURE: Left C4-5 and C5-6 facet joint injections.\n" + FLUORO
     + "needles were placed into both joints." + TOL,
     ["C4-C5", "C5-C6"]),
    ("MRI lines that open with a level, after the study line",
     "CT myelogram (2025): solid C5-6 fusion.\nC6-7 left facet arthropathy with joint space narrowing.\nT1-T2 normal.\n\n"
     "Procedure: left C7-T1 intra-articular injection. " + FLUORO + "a needle was placed into the joint." + TOL,
     ["C7-T1"]),
    ("general technique after a short heading",
     "Procedure: Left C5, C6 and C7 medial branch radiofrequency neurotomy.\n\nTechnique note: For C3 through C6 the "
     "medial branch crosses the waist of the articular pillar, whereas at C7 it lies higher.\n\n" + FLUORO
     + "cannulas were placed and lesions made at 80 C." + TOL,
     ["C5-C6", "C6-C7"]),
    ("a dictated correction takes a level back",
     "Procedure: Left L2-3 comma correction comma left L3-4 and right L4-5 facet joint injections, intra-articular, "
     "under fluoroscopy period. Needles placed into each joint." + TOL,
     ["L3-L4", "L4-L5"]),
    ("an MRI sentence broken over two lines",
     "MRI shows mod facet arthrosis\nL4-5 L5-S1 and mild DDD L3-4.\n\nProcedure: bilateral L4-5 and L5-S1 facet "
     "injections. " + FLUORO + "needles placed into each joint." + TOL,
     ["L4-L5", "L5-S1"]),
    ("a bracketed template note on technique",
     "Procedure: Right C4 and C5 medial branch blocks.\n" + FLUORO + "needles placed at the right C4 and C5 "
     "pillars.\n(Department template: for C3 to C6 the medial branch is targeted at the waist of the pillar.)" + TOL,
     ["C4-C5"]),
    ("an anatomy note at a range of vertebrae",
     "Procedure: bilateral C5, C6 and C7 medial branch blocks.\n\nAnatomy note: at C3 through C6 the medial branch "
     "crosses the waist of the articular pillar, whereas at C7 it lies higher.\n\n" + FLUORO + "needles placed." + TOL,
     ["C5-C6", "C6-C7"]),
    ("a department's standard technique paragraph",
     "Right cervical radiofrequency neurotomy, C5, C6 and C7 medial branches.\n\nTECHNIQUE NOTE (standard department "
     "description): For the C3 through C6 medial branches the cannula is laid along the waist of the pillar;\nand for "
     "the third occipital nerve, three lesions are stacked across the C2-3 joint.\n\n" + FLUORO + "cannulae were "
     "placed and lesions made at 80 C." + TOL,
     ["C5-C6", "C6-C7"]),
    ("general technique 'by way of' introduction",
     "Right C4, C5 and C6 cervical medial branch blocks, diagnostic, under fluoroscopic guidance.\n\nBy way of general "
     "technique, the cervical medial branches from C3 through C7 cross the waist of the articular pillar. For this "
     "patient, the right C4, C5 and C6 articular pillars were identified and needles placed." + TOL,
     ["C4-C5", "C5-C6"]),
    ("a differential on its heading's line",
     "Differential considered: cervical facet-mediated pain (favoured), myofascial pain,\ncervicogenic headache from "
     "C2-3 (occipital component minor).\n\nProcedure: right C3 and C4 and C5 medial branch blocks. " + FLUORO
     + "needles placed." + TOL,
     ["C3-C4", "C4-C5"]),
    ("levels never named",
     "Lumbar facet injections under fluoroscopic control. 1 cc of 0.5% Marcaine was injected into each facet." + TOL,
     []),
]


@pytest.mark.parametrize("name, text, joints", TRAP_CASES, ids=[c[0] for c in TRAP_CASES])
def test_only_this_procedure_counts(name, text, joints):
    assert [lv.joint for lv in check_text(text).levels] == joints


def test_level_spans_point_at_the_written_level():
    text = "PROCEDURE: Bilateral L4-5 facet joint injections.\n" + FLUORO + "needles were placed into the L4-5 joints." + TOL
    (level,) = check_text(text).levels
    assert level.spans and all(text[s:e] == "L4-5" for s, e in level.spans)
    assert len(level.spans) == 2


# --- medications ---------------------------------------------------------------------------------------

MED_CASES = [
    ("British brand names",
     "PROCEDURE: Left L4/5 facet joint injection.\nUsing the image intensifier the skin was infiltrated with 1% "
     "lignocaine. Into the joint 1 ml of 0.5% Marcain containing 20 mg Depo-Medrone was injected; then 40 mg Kenacort "
     "was given at the same site." + TOL,
     [("lidocaine", "anesthetic", "1%", None, None, False), ("bupivacaine", "anesthetic", "0.5%", None, 1.0, True),
      ("methylprednisolone", "steroid", None, "20 mg", 1.0, True), ("triamcinolone", "steroid", None, "40 mg", None, True)]),
    ("brand to generic with skin local",
     "PROCEDURE: Right L4-5 facet joint injection.\n" + FLUORO + "a skin wheal was raised with 1% lidocaine. "
     "0.5 mL of Omnipaque 240 confirmed intra-articular spread. 1cc of a 10cc solution of Marcaine 0.5% and 80 mg of "
     "Depo-Medrol was injected." + TOL,
     [("lidocaine", "anesthetic", "1%", None, None, False), ("iohexol", "contrast", "240", None, 0.5, True),
      ("bupivacaine", "anesthetic", "0.5%", None, 1.0, True), ("methylprednisolone", "steroid", None, "80 mg", 1.0, True)]),
    ("sedation and home medications are not injectate",
     "MEDICATIONS: lisinopril 10 mg daily, gabapentin 300 mg t.i.d.\nPROCEDURE: Bilateral L5-S1 facet injections.\n"
     "Sedation with Versed 2 mg and fentanyl 50 mcg. " + FLUORO + "0.5 mL of 0.25% ropivacaine with 10 mg Kenalog was "
     "injected into each joint." + TOL,
     [("ropivacaine", "anesthetic", "0.25%", None, 0.5, True), ("triamcinolone", "steroid", None, "10 mg", 0.5, True)]),
    ("consent lists are not medications",
     "INFORMED CONSENT: Risks discussed include reactions to contrast agents, local anesthetics and corticosteroids.\n"
     "PROCEDURE: Left C5-6 facet joint injection. " + FLUORO + "0.3 mL of 0.5% bupivacaine was injected." + TOL,
     [("bupivacaine", "anesthetic", "0.5%", None, 0.3, True)]),
    ("volume in the next sentence",
     "PROCEDURE: Bilateral L4-5 medial branch blocks.\n" + FLUORO + "needles were placed. The injectate was 0.5% "
     "bupivacaine. 0.5 mL was injected at each level." + TOL,
     [("bupivacaine", "anesthetic", "0.5%", None, 0.5, True)]),
    ("phenol neurolysis",
     "PROCEDURE: Chemical neurolysis of the right L3 and L4 medial branches and L5 dorsal ramus. " + FLUORO
     + "0.5 mL of 6% aqueous phenol was injected at each nerve." + TOL,
     [("phenol", "neurolytic", "6%", None, 0.5, True)]),
    ("a drug of an earlier block named in contrast with today's",
     "PROCEDURE: Bilateral L4-5 medial branch blocks.\n" + FLUORO + "each nerve then received 0.5 mL of 0.75% "
     "ropivacaine, a different anesthetic from the bupivacaine used at the first block." + TOL,
     [("ropivacaine", "anesthetic", "0.75%", None, 0.5, True)]),
    ("a negation ends at a spaced slash",
     "Tech: prone / prep / fluoro AP + L obl / 22g to the L5 SAP-TP junction / neg asp / Omnipaque 180 0.1cc, no "
     "venous / bupi 0.75% 0.5cc each. Tol well.",
     [("iohexol", "contrast", "180", None, 0.1, True), ("bupivacaine", "anesthetic", "0.75%", None, 0.5, True)]),
    ("a sentence saying consent was obtained is not a consent section",
     "TECHNIQUE\nInformed consent. Prone, prep and drape. The skin at each entry was anesthetized with 1% lidocaine. "
     + FLUORO + "cannulae were placed at the left L3 and L4 medial branches. 0.5 mL of 0.5% ropivacaine was injected "
     "through each cannula, then lesions were made at 85 C." + TOL,
     [("lidocaine", "anesthetic", "1%", None, None, False), ("ropivacaine", "anesthetic", "0.5%", None, 0.5, True)]),
    ("a form's chosen values in brackets, with their own volume labels",
     "Procedure: [Medial Branch Block - Lumbar]\nLaterality: [Right]\nNerves: [L3 medial branch] [L4 medial branch]\n"
     "Guidance: [Fluoroscopy]\nBlock anesthetic: [Bupivacaine 0.75%]   Volume per nerve: [0.4 mL]\nTolerance: [Good]",
     [("bupivacaine", "anesthetic", "0.75%", None, 0.4, True)]),
    ("a skin-local label on the line above, a total volume before the drug",
     "Procedure details: " + FLUORO + "needles to the left L4 and L5 SAP/TP junctions. Skin local:\n1% lidocaine, "
     "1 mL per site.\nInjected 1 mL total of 0.5% bupivicaine with 20 mg Kenalog." + TOL,
     [("lidocaine", "anesthetic", "1%", None, 1.0, False), ("bupivacaine", "anesthetic", "0.5%", None, 1.0, True),
      ("triamcinolone", "steroid", None, "20 mg", 1.0, True)]),
    ("a drug taken back in dictation",
     "PROCEDURE: Right C5 and C6 medial branch RFA under fluoroscopy. Skin local with 1% lidocaine, 1 mL per site. "
     "0.5 mL of 2% lidocaine... no, correction, 0.5 mL of 0.5% bupivacaine was injected through each cannula." + TOL,
     [("lidocaine", "anesthetic", "1%", None, 1.0, False), ("bupivacaine", "anesthetic", "0.5%", None, 0.5, True)]),
    ("a medication record with leader dots",
     "PROCEDURE: Right L4-5 medial branch block under fluoroscopy. Skin wheal with 1% lidocaine, 0.5 mL per site."
     + " 0.3 mL of 0.5% bupivacaine at each nerve." + TOL + "\n\nMedication record\n  Lidocaine 1% ..... 1.5 mL total, "
     "skin\n",
     [("lidocaine", "anesthetic", "1%", None, 0.5, False), ("bupivacaine", "anesthetic", "0.5%", None, 0.3, True)]),
    ("a line wrapped after 'of' before the drug's strength",
     "PROCEDURE: Left L4-5 medial branch RFA under fluoroscopy. Each site received 1 mL of\n0.25% bupivacaine through "
     "the cannula, and lesions were made at 85 degrees C." + TOL,
     [("bupivacaine", "anesthetic", "0.25%", None, 1.0, True)]),
    ("a consent on its heading's line, the procedure on the next",
     "Procedure: Left C5-6 facet joint injection under fluoroscopy.\nConsent: signed, risks reviewed (bleeding, "
     "infection).\nPt placed prone. Skin numbed w/ 1% xylocaine 2cc. 22g needle into the jt, 0.5 mL 0.5% bupivacaine "
     "injected." + TOL,
     [("lidocaine", "anesthetic", "1%", None, 2.0, False), ("bupivacaine", "anesthetic", "0.5%", None, 0.5, True)]),
    ("a contrast allergy is not contrast given",
     "PROCEDURE: Right L4-5 facet joint injection.\nContrast: none (iodinated contrast allergy - hives)\n" + FLUORO
     + "0.5 mL of 0.5% bupivacaine was injected into the joint." + TOL,
     [("bupivacaine", "anesthetic", "0.5%", None, 0.5, True)]),
    ("Omni 240 (slang for Omnipaque)",
     "PROCEDURE: Right L4-5 facet joint injection.\n" + FLUORO + "Omni 240 0.2 cc confirmed the joint, then 0.5 mL of "
     "0.5% bupivacaine was injected." + TOL,
     [("iohexol", "contrast", "240", None, 0.2, True), ("bupivacaine", "anesthetic", "0.5%", None, 0.5, True)]),
    ("the skin at each site",
     "PROCEDURE: Right L4-5 medial branch block.\n" + FLUORO + "the skin at each site was anesthetized with 1% lidocaine, "
     "1 mL per site. 0.5 mL of 0.5% bupivacaine was injected at each nerve." + TOL,
     [("lidocaine", "anesthetic", "1%", None, 1.0, False), ("bupivacaine", "anesthetic", "0.5%", None, 0.5, True)]),
    ("a table of meds administered",
     "Procedure: Left L5S1 facet joint injection, intra-articular\n\nVitals\n Time   BP       HR\n 0810   146/90   88\n\n"
     "Meds administered\n Drug                 Dose/Conc"
     "     Vol         Site\n Lidocaine            1%            2 mL        skin\n Bupivacaine          0.25%         "
     "1 mL        joint\n\n" + FLUORO + "a needle was placed into the joint." + TOL,
     [("lidocaine", "anesthetic", "1%", None, 2.0, False), ("bupivacaine", "anesthetic", "0.25%", None, 1.0, True)]),
    ("a volume per nerve in a table under the injectate",
     "Procedure: Left thoracic medial branch block.\nGuidance: CT.\nSkin: 1% lidocaine, 1 mL per site.\nInjectate: 0.5% "
     "bupivacaine.\n\nNerve | Side | Volume\nT6 medial branch | Left | 0.4 mL\nT7 medial branch | Left | 0.4 mL\n" + TOL,
     [("lidocaine", "anesthetic", "1%", None, 1.0, False), ("bupivacaine", "anesthetic", "0.5%", None, 0.4, True)]),
    ("a drug in a history line after a wrapped semicolon",
     "INDICATION: Axial pain for 3 years. Failed physical therapy, acetaminophen\nand topical NSAIDs; oral NSAIDs stopped.\n"
     "Two blocks (lidocaine, then bupivacaine) gave 90% relief.\nPROCEDURE: Right L4-5 medial branch block.\n" + FLUORO
     + "the skin was numbed with 1% lidocaine, 0.5 mL per site. 0.5 mL of 0.5% bupivacaine was given at each nerve." + TOL,
     [("lidocaine", "anesthetic", "1%", None, 0.5, False), ("bupivacaine", "anesthetic", "0.5%", None, 0.5, True)]),
    ("a named contrast, then its volume as 'contrast'",
     "Procedure: Right L4-5 medial branch block\nContrast: Omnipaque 240\nInjectate: 0.5% bupivacaine 0.5 mL per nerve\n"
     + FLUORO + "needles were placed. Physician comment: 0.2 mL contrast each." + TOL,
     [("iohexol", "contrast", "240", None, 0.2, True), ("bupivacaine", "anesthetic", "0.5%", None, 0.5, True)]),
]


@pytest.mark.parametrize("name, text, expected", MED_CASES, ids=[c[0] for c in MED_CASES])
def test_medications(name, text, expected):
    meds = check_text(text).medications
    assert [(m.name, m.role, m.concentration, m.dose, m.volume_ml, m.injectate) for m in meds] == expected


def test_medication_spans_cover_the_drug_name():
    text = "PROCEDURE: Right L4-5 facet joint injection. " + FLUORO + "0.5 mL of Kenalog 40 mg/mL was injected." + TOL
    (med,) = check_text(text).medications
    assert "Kenalog" in [text[s:e] for s, e in med.spans]


# --- guidance -----------------------------------------------------------------------------------------

GUIDANCE_CASES = [
    ("fluoroscopy with detail",
     "PROCEDURE: Right L4-5 facet joint injection.\nUnder fluoroscopy in AP and lateral views the needle was placed; "
     "contrast confirmed intra-articular spread and images were saved." + TOL,
     [("fluoroscopy", False)], ["AP view", "lateral view", "contrast confirmation", "images saved"]),
    ("C-arm unavailable, landmark technique",
     "PROCEDURE: Right L4-5 facet joint injection.\nThe C-arm was unavailable today. The needle was placed using a "
     "landmark technique and 0.5 mL of 0.5% bupivacaine was injected." + TOL,
     [("fluoroscopy", True)], []),
    ("without fluoroscopy",
     "Bilateral L4-5 facet injections were performed without fluoroscopy. Needles placed by palpation." + TOL,
     [("fluoroscopy", True)], []),
    ("CT guided",
     "PROCEDURE: CT-guided right T7-8 facet joint injection. A 22-gauge needle was advanced into the joint." + TOL,
     [("ct", False)], []),
    ("ultrasound",
     "PROCEDURE: Ultrasound-guided left C5-6 facet joint injection. The needle was advanced in plane into the joint." + TOL,
     [("ultrasound", False)], []),
    ("MRI in the history is not guidance",
     "HISTORY: MRI of the lumbar spine showed L4-5 facet arthropathy.\nPROCEDURE: Right L4-5 facet joint injection. "
     "The needle was placed into the joint and 0.5 mL of 0.5% bupivacaine was injected." + TOL,
     [], []),
    ("under II",
     "PROCEDURE: Right L4-5 facet joint injection.\nUnder II, oblique view, a 22g needle into the joint cleft." + TOL,
     [("fluoroscopy", False)], []),
    ("ultrasound rather than fluoroscopy",
     "PROCEDURE: Bilateral L4-5 facet joint injections under ultrasound guidance.\nThe injections were done with "
     "ultrasound rather than fluoroscopy at the patient's request. Needles were advanced in plane." + TOL,
     [("ultrasound", False), ("fluoroscopy", True)], []),
    ("C-arm failed its check",
     "PROCEDURE: Right L4-5 facet joint injection.\nThe C-arm in procedure room 2 failed its morning check and no "
     "replacement unit was available. The block was performed without fluoroscopy." + TOL,
     [("fluoroscopy", True)], []),
    ("fluoroscopy declined",
     "PROCEDURE: Right C5-6 facet joint injection.\nFluoroscopy declined by the patient. Under ultrasound guidance "
     "the needle was advanced in plane into the joint." + TOL,
     [("ultrasound", False), ("fluoroscopy", True)], []),
    ("fluoroscopy that showed the joint is guidance",
     "PROCEDURE: Bilateral L4-5 facet joint injections.\nUnder fluoroscopy, oblique views showed the L4-5 joint lines, "
     "and 22-gauge needles were introduced into each joint. 0.5 mL of 0.5% bupivacaine was injected." + TOL,
     [("fluoroscopy", False)], []),
    ("a CT scan that showed arthropathy is not guidance",
     "PROCEDURE: Bilateral L4-5 facet joint injections.\nCT scan of the lumbar spine showed L4-5 facet arthropathy. "
     "Needles were introduced into each joint and 0.5 mL of 0.5% bupivacaine was injected." + TOL,
     [], []),
    ("the C-arm out for service",
     "PROCEDURE: Right C5-6 facet joint injection.\nFluoroscopy was unavailable today because the C-arm was out for "
     "service. Under ultrasound guidance the needle was advanced in plane into the joint." + TOL,
     [("ultrasound", False), ("fluoroscopy", True)], []),
    ("form fields that say no",
     "PROCEDURE: Right L4-5 facet joint injection.\nFluoroscopy used: No   (C-arm out of service)\nUltrasound used: No\n"
     "The joint was located by palpation and a needle was walked into the joint line." + TOL,
     [("fluoroscopy", True), ("ultrasound", True)], []),
    ("a yes/no guidance row",
     "PROCEDURE: Right L4-5 facet joint injection.\nIMAGE GUIDANCE:  Fluoroscopy - Yes   CT - No   Ultrasound - No\n"
     "Contrast: no vascular uptake. A needle was placed into the joint." + TOL,
     [("fluoroscopy", False), ("ct", True), ("ultrasound", True)], []),
    ("guidance that had been planned",
     "PROCEDURE: Bilateral L4-5 facet joint injections.\nNote on imaging: fluoroscopy had been planned, but the C-arm "
     "was unavailable. The injections were therefore performed without fluoroscopy. Needles were placed." + TOL,
     [("fluoroscopy", True)], []),
    ("the C-arm room was booked",
     "Procedure: Right L4-5 facet joint injection.\nPerformed in the clinic without fluoroscopy (the C-arm room was "
     "booked). A needle was advanced to the joint." + TOL,
     [("fluoroscopy", True)], []),
    ("a finding healed on CT is a study",
     "Pain for 7 months after an old L1 compression deformity was ruled out (stable, healed on CT).\n"
     "Procedure: Bilateral T12-L1 facet joint injections under fluoroscopy. Needles placed." + TOL,
     [("fluoroscopy", False)], []),
    ("fluoroscopy for a repeat if needed",
     "Procedure: R L4-5 facet joint injection - landmark technique\nNote: the C-arm was out of service today.\nA: "
     "Tolerated OK.\nP: f/u 4 wks; repeat under fluoroscopy if needed.",
     [("fluoroscopy", True)], []),
    ("an ultrasound's transverse oblique view",
     "PROCEDURE: Bilateral L5-S1 facet joint injections under ultrasound guidance. In the transverse oblique view the "
     "L5-S1 facet joint line was visualised and a needle advanced in plane." + TOL,
     [("ultrasound", False)], []),
    ("CT that had been requested was not used",
     "PROCEDURE: Right L4-5 facet joint injection.\nCT guidance had been requested because of his scoliosis, but the "
     "CT suite was unavailable today; the procedure was done under fluoroscopy instead. A needle was placed." + TOL,
     [("fluoroscopy", False), ("ct", True)], []),
]


@pytest.mark.parametrize("name, text, expected, details", GUIDANCE_CASES, ids=[c[0] for c in GUIDANCE_CASES])
def test_guidance(name, text, expected, details):
    report = check_text(text)
    assert [(g.modality, g.negated) for g in report.guidance] == expected
    if details:
        assert report.guidance[0].details == details


def test_a_plan_that_says_how_todays_injection_was_done():
    text = ("PROCEDURE: Left C3-4 intra-articular facet joint injection. A 25-gauge needle was advanced into the joint "
            "and 0.5 mL of 0.5% bupivacaine was injected." + TOL + "\n\nPlan:\nEMG ordered for the arm symptoms. The "
            "C-arm was unavailable today because of a service repair, and after discussing this with him we performed "
            "the injection using landmark technique.")
    report = check_text(text)
    assert report.landmark_technique and "GUIDANCE_NOT_COVERED" in {f.code for f in report.findings}


def test_landmark_technique_is_recorded_with_its_span():
    text = "PROCEDURE: Right L4-5 facet joint injection. The C-arm was unavailable; a landmark technique was used." + TOL
    report = check_text(text)
    assert report.landmark_technique
    assert all("landmark" in text[s:e].lower() for s, e in report.landmark_technique)


# --- tolerance ----------------------------------------------------------------------------------------

TOLERANCE_CASES = [
    ("misspelt, doubled letter", "PROCEDURE: Right L4-5 facet injection under fluoroscopy. pt toleratted well.", True, []),
    ("a table row", "PROCEDURE: Right L4-5 facet injection under fluoroscopy.\nCOMPLICATIONS | None\nTOLERANCE | Good", True, []),
    ("a field left unfilled", "PROCEDURE: Right L4-5 facet injection under fluoroscopy. Needle placed.\nPatient tolerated "
                              "procedure: ***", False, []),
    ("activity as tolerated is an instruction", "PROCEDURE: Right L4-5 facet injection under fluoroscopy. Needle "
                                                "placed.\nPlan: Activity as tolerated, ice, return in 4 weeks.", False, []),
    ("tolerance under a vitals table",
     "PROCEDURE: Left L4-5 facet joint injection under fluoroscopy. Needle placed.\n\nVitals:\n pre   BP 150/92  "
     "pain 8/10\n post  BP 128/74  pain 2/10\n\nPatient tolerated the procedure well, no complications.", True, []),
    ("tolerated well", "PROCEDURE: Right L4-5 facet injection under fluoroscopy. The patient tolerated the procedure well.", True, []),
    ("complications none", "PROCEDURE: Right L4-5 facet injection under fluoroscopy. Needle placed.\nCOMPLICATIONS: None.", True, []),
    ("vasovagal", "PROCEDURE: Right L4-5 facet injection under fluoroscopy. Needle placed. The patient had a brief vasovagal "
                  "reaction that resolved with leg elevation.", True, ["vasovagal reaction"]),
    ("negated complications", "PROCEDURE: Right L4-5 facet injection under fluoroscopy. Negative aspiration; no blood or "
                              "CSF return, no paresthesias.", False, []),
    ("consent risks only", "INFORMED CONSENT: Risks include bleeding, infection, dural puncture and vasovagal reaction.\n"
                           "PROCEDURE: Right L4-5 facet injection under fluoroscopy. A needle was placed into the joint.", False, []),
    ("stimulation paresthesia is not a complication",
     "PROCEDURE: Right L3 and L4 medial branch radiofrequency ablation under fluoroscopy. Sensory stimulation at 50 Hz "
     "produced concordant paresthesias at 0.4 volts. Lesions were made at 80 degrees for 90 seconds. Tolerated well.", True, []),
    ("a long consent risk list names no complication that happened",
     "PROCEDURE: Right L4-5 facet injection under fluoroscopy. Informed consent was obtained after discussion of the "
     "risks, which include bleeding, infection, nerve injury, headache, worsening pain and allergic reaction. A needle "
     "was placed into the joint. Tolerated well.", True, []),
    ("discharge teaching names what to watch for",
     "PROCEDURE: Right L4-5 facet injection under fluoroscopy. A needle was placed into the joint. Tolerated well.\n"
     "The patient was counseled on positional headache and infection and told to call if fever develops.", True, []),
    ("a non-vascular contrast pattern is not intravascular uptake",
     "PROCEDURE: Right L4-5 facet injection under fluoroscopy. 0.2 mL of Omnipaque showed a non-vascular pattern and "
     "excluded vascular uptake. Tolerated well.", True, []),
    ("the reaction behind a contrast allergy is history",
     "PROCEDURE: Right L4-5 facet injection under fluoroscopy. No contrast was used because of a documented iodinated "
     "contrast allergy (hives). Tolerated well.", True, []),
    ("uptake listed under COMPLICATIONS counts even when corrected",
     "PROCEDURE: Right L4-5 facet injection under fluoroscopy. A needle was placed into the joint.\n"
     "COMPLICATIONS: Intravascular uptake at one site, corrected by repositioning.", True, ["intravascular uptake"]),
    ("the symptoms of a vasovagal reaction are that reaction",
     "PROCEDURE: Right L4-5 facet injection under fluoroscopy. During the procedure the patient became diaphoretic, "
     "lightheaded and bradycardic: vasovagal reaction, resolved with leg elevation.", True, ["vasovagal reaction"]),
    ("ticked boxes on a procedure form",
     "PROCEDURE: Right L4-5 facet injection under fluoroscopy. A needle was placed into the joint.\n"
     "Complications: [X] None   [ ] Vasovagal   [ ] Bleeding\nPatient tolerance: [X] Good   [ ] Fair   [ ] Poor", True, []),
    ("a radiology impression sums up the procedure",
     "PROCEDURE: Under CT guidance a needle was advanced into the left L4-5 facet joint.\n\nIMPRESSION:\n1. Technically "
     "successful CT-guided left L4-5 facet joint injection.\n2. The patient tolerated the procedure well without "
     "immediate complication.", True, []),
    ("a clinic assessment about the last block is not today's tolerance",
     "ASSESSMENT: She tolerated her last injection well.\nPROCEDURE: Right L4-5 facet injection under fluoroscopy. "
     "A needle was placed into the joint.", False, []),
    ("a function test after the block is not tolerance",
     "PROCEDURE: Right L4-5 facet injection under fluoroscopy. A needle was placed into the joint.\n\nAt 30 minutes he "
     "was able to bend and lift a light box without difficulty.", False, []),
    ("a sedation reason is history", "PROCEDURE: Right L4-5 facet injection under fluoroscopy. Sedation: Versed 1 mg IV - "
     "hx vasovagal syncope w/ prior inj. A needle was placed into the joint. Tolerated well.", True, []),
]


@pytest.mark.parametrize("name, text, documented, complications", TOLERANCE_CASES, ids=[c[0] for c in TOLERANCE_CASES])
def test_tolerance(name, text, documented, complications):
    tolerance = check_text(text).tolerance
    assert tolerance.documented is documented
    assert tolerance.complications == complications
    assert bool(tolerance.spans) is documented


# --- procedure kind -----------------------------------------------------------------------------------

KIND_CASES = [
    ("intra-articular", "PROCEDURE: Bilateral L4-5 intra-articular facet joint injections under fluoroscopy. Needles placed." + TOL,
     "facet_injection", "lumbar_sacral"),
    ("medial branch block", "PROCEDURE: Diagnostic bilateral C4-5 medial branch blocks under fluoroscopy. Needles placed." + TOL,
     "medial_branch_block", "cervical_thoracic"),
    ("rfa", "PROCEDURE: Right L3-4 and L4-5 radiofrequency ablation of the medial branches. Lesions were made at 80 C." + TOL,
     "radiofrequency_ablation", "lumbar_sacral"),
    ("epidural mentioning facets", "PROCEDURE: Left L5-S1 transforaminal epidural steroid injection.\nThe superior articular "
     "process of the L5-S1 facet was visualized under fluoroscopy and the needle was advanced." + TOL, "not_facet", "lumbar_sacral"),
    ("SI joint", "BILATERAL SACROILIAC JOINT INJECTIONS\nUnder fluoroscopy a needle was directed into each joint." + TOL,
     "not_facet", "lumbar_sacral"),
    ("SI-joint RF", "PROCEDURE: Bilateral L5, S1, S2 and S3 radiofrequency ablation.\nThe dorsal ramus of L5 and the lateral "
     "branches of S1, S2 and S3 were lesioned under fluoroscopy for sacroiliac joint pain." + TOL, "not_facet", "lumbar_sacral"),
    ("clinic note", "HISTORY OF PRESENT ILLNESS: Low back pain for two years. She had L4-5 facet injections last year.\n"
     "PHYSICAL EXAMINATION: Tender over the lower lumbar facets.\nASSESSMENT: Lumbar facet syndrome.\n"
     "PLAN: We will schedule bilateral L4-5 medial branch blocks.", "not_facet", None),
    ("facet block of unknown type", "PROCEDURE: Right L4-5 facet block under fluoroscopy. A needle was placed." + TOL,
     "unknown", "lumbar_sacral"),
    ("third occipital nerve block named only by its nerve",
     "P: Diagnostic block #1, R third occipital nerve.\nProcedure note: lateral fluoro view; 25g needle placed to 3 points "
     "along the R TON. 0.3 mL 0.5% bupivacaine at each point. Pt tolerated well.", "medial_branch_block",
     "cervical_thoracic"),
    ("SOAP note: the history names other procedures",
     "S: 57 y/o M w/ axial neck pain x 3 yrs. Two dx MBBs gave 80% and 90% relief. RFA not an option: pt has an ICD.\n"
     "O: Tender b/l lower cervical facets.\nA: Cervical facet arthropathy C5-7.\n"
     "P: Therapeutic b/l C5-6 and C6-7 IA facet injections.\n\nProcedure note: lateral fluoro used to enter each joint. "
     "0.5 mL of 0.25% bupivacaine per joint. Pt tolerated well.", "facet_injection", "cervical_thoracic"),
    ("RFN shorthand", "RFN Lt L5-S1\nProc: Lt L4 MB and DPR of L5. C-arm oblique; 18g cannulae; lesions 80 C x 90 s."
     + TOL, "radiofrequency_ablation", "lumbar_sacral"),
    ("SOAP A/P names today's procedure",
     "S: 41 y/o M, low back pain x 6 weeks.\nO: Paraspinal tenderness.\n\nA/P: Diagnostic medial branch blocks, L4-5 and "
     "L5-S1 facet joints.\nUnder fluoroscopy, needles to the L3 and L4 medial branches and the L5 dorsal ramus. 0.5% "
     "bupivacaine, 0.5 mL per nerve.\nTolerated well, no complications.", "medial_branch_block", "lumbar_sacral"),
    ("R before the region", "R lumbar MBB - diagnostic\nFluoro-guided, AP/oblique. 22g needles to the R medial "
     "branches at the affected levels. Each: 0.5 mL 0.75% ropivacaine. No sedation. No complications.",
     "medial_branch_block", "lumbar_sacral"),
    ("a radiology-style EXAMINATION line names the study", "EXAMINATION: PROVOCATIVE LUMBAR DISCOGRAPHY, L3-L4, L4-L5 AND "
     "L5-S1\n\nTECHNIQUE: Under fluoroscopic guidance needles were placed into each disc. Prior facet injections "
     "gave no relief." + TOL, "not_facet", "lumbar_sacral"),
    ("an EXAMINATION line naming a neurolysis", "EXAMINATION: CT-GUIDED CHEMICAL NEUROLYSIS OF RIGHT LUMBAR MEDIAL "
     "BRANCHES (PHENOL)\n\nTECHNIQUE: Under CT guidance needles were placed at the right L3 and L4 medial branches and "
     "0.5 mL of 6% phenol was injected at each." + TOL, "radiofrequency_ablation", "lumbar_sacral"),
    ("a physical EXAMINATION heading stays the examination", "EXAMINATION: Tender over the L4-5 facets, negative "
     "straight leg raise.\n\nPROCEDURE: Right L5-S1 facet joint injection under fluoroscopy. A needle was placed." + TOL,
     "facet_injection", "lumbar_sacral"),
    ("an accession number is not an RF cue", "ACCESSION: RF-22-41907\nPROCEDURE: CT-guided left L3-L4 intra-articular "
     "facet joint injection. A needle was placed into the joint." + TOL, "facet_injection", "lumbar_sacral"),
    ("a SOAP 'P/Procedure' line", "S: Axial LBP x 2 yrs.\nA: Lumbar facet syndrome.\n\nP/Procedure: Diagnostic medial "
     "branch blocks, L3 and L4 medial branches bilaterally.\n- 25g spinal needles to L3 and L4 SAP-TP junctions.\n- Fluoroscopic guidance, AP + oblique.\n- 0.5 mL 0.5% "
     "bupivacaine per nerve.\n- Tolerated well.", "medial_branch_block", "lumbar_sacral"),
    ("typed in a hurry", "proc: L4-L5 bilatreal facit jt injection under flouro\n22g needle into each L4-L5 facit jt, "
     "AP/obl views ok. 1cc bupivicane 0.5% ea jt. pt tolorated well", "facet_injection", "lumbar_sacral"),
]

# Other names physicians give the same procedures: the title alone must say which kind.
_NAMED_BODY = ("\nUnder fluoroscopic guidance a 22-gauge needle was advanced to the target bilaterally at L4-L5 and "
               "L5-S1. 0.5 mL of 0.5% bupivacaine was injected at each level." + TOL)
KIND_CASES += [(title, "PROCEDURE: " + title + _NAMED_BODY, kind, "lumbar_sacral") for title, kind in [
    ("Bilateral L4-5 and L5-S1 posterior primary ramus blocks", "medial_branch_block"),
    ("Lumbar dorsal rami blocks", "medial_branch_block"),
    ("Lumbar zygapophysial joint nerve blocks", "medial_branch_block"),
    ("Lumbar facet medial nerve blocks", "medial_branch_block"),
    ("LMBB bilateral", "medial_branch_block"),
    ("Lumbar FJI bilateral", "facet_injection"),
    ("Facet joint steroid injections", "facet_injection"),
    ("Bilateral lumbar apophyseal joint injections", "facet_injection"),
    ("Lumbar Z-jt injection", "unknown"),
]]

KIND_CASES += [
    ("'branch' mistyped", "Procedure: Lt lumbar medial brnach blocks for the Lt L4-5 facet joint - diagnostic\n"
     + FLUORO + "needles to the Lt L4 and L5 SAP/TP junctions; 0.5cc of 0.5% bupivacaine at each." + TOL,
     "medial_branch_block", "lumbar_sacral"),
    ("facet arthropathy names no procedure",
     "This 63 year old man has left leg pain for 4 months, and mild facet arthropathy at L4-5 and L5-S1, so under "
     "fluoroscopic guidance the left L5-S1 foramen was targeted. Contrast showed epidural spread, then 10 mg of "
     "dexamethasone was injected." + TOL, "not_facet", "lumbar_sacral"),
    ("IA beside facet in a title", "CERVICAL FACET IA - R C5-6,C6-7\nTech:\n- fluoro lateral view\n- 22g into R C5-6 "
     "then C6-7\n- each: Kenalog 20 mg + 0.5cc 0.5% bupi" + TOL, "facet_injection", "cervical_thoracic"),
    ("the next case in a day log", "ASC DAILY LOG - case 6 of 14\nDOS 11/05 | MBB b/l L2, L3 | fluoro | bupi 0.5% 0.5cc/nerve | tol well\n"
     "Next case: RFA.", "medial_branch_block", "lumbar_sacral"),
    ("a differential on its heading line ends at its paragraph",
     "Bilateral L4-5 facet blocks, fluoroscopy.\n\nDdx: facet pain vs disc.\n\nConsent signed. Prone. Under fluoroscopic "
     "guidance, 22 g needles to the bilateral L4-5 facet targets. 0.5 mL of 0.5% bupivacaine per side." + TOL,
     "unknown", "lumbar_sacral"),
    ("a clinic plan that says the injection was done today",
     "ASSESSMENT:\nLumbar facet arthropathy L4-5.\n\nPLAN:\nWe talked through the options. She wished to go ahead, so we "
     "proceeded today with therapeutic bilateral L4-5 intra-articular facet joint injections.\n\nProcedure: Prone, "
     "sterile prep. Under fluoroscopic guidance a 22-gauge needle was advanced into the right and left L4-5 joints. "
     "0.5 mL of 0.5% bupivacaine was injected into each joint." + TOL, "facet_injection", "lumbar_sacral"),
    ("a 'Plan / procedure' heading writes up the visit's procedure",
     "Assessment: Right cervical facet arthropathy, C5-6.\n\nPlan / procedure:\nAfter discussing options, she chose to "
     "proceed with a therapeutic right C5-6 facet joint injection. Under fluoroscopy a 25-gauge needle was advanced "
     "into the joint and 0.5 mL of 0.5% bupivacaine was injected." + TOL, "facet_injection", "cervical_thoracic"),
    ("a clinic plan to proceed later is not today's procedure",
     "HISTORY: Low back pain for two years.\nEXAM: Tender over the L4-5 facets.\nASSESSMENT: Lumbar facet arthropathy.\n"
     "PLAN: She would like to go ahead; we will proceed with bilateral L4-5 medial branch blocks next week under "
     "fluoroscopy.", "not_facet", None),
    ("a needle into a spinal joint, no other name", "Procedure: Prone, sterile prep. Under fluoroscopy a needle was "
     "advanced into the right L4-5 joint and intra-articular position confirmed. 0.5 mL of 0.5% bupivacaine was "
     "injected." + TOL, "facet_injection", "lumbar_sacral"),
    ("a radiology EXAM line names the study", "EXAM: CT GUIDED LEFT LUMBAR SYMPATHETIC BLOCK\nPROCEDURE: Under CT "
     "guidance a needle was advanced to the anterolateral L3 vertebral body and 10 mL of 0.25% bupivacaine was "
     "injected." + TOL, "not_facet", "lumbar_sacral"),
    ("a performed heading over a table leaves the title to name the procedure",
     "LUMBAR MEDIAL BRANCH BLOCK - SECOND DIAGNOSTIC BLOCK\n\nProcedure performed today (per level):\n\n"
     "| Joint | Side | Nerves blocked |\n| L4-5 | Right | L3 MB, L4 MB |\n\nUnder fluoroscopy 0.5 mL of 0.5% "
     "bupivacaine per nerve." + TOL + "\nAssessment/plan: discussed that RF ablation may follow.",
     "medial_branch_block", "lumbar_sacral"),
    ("the C-arm's caudal tilt is not a caudal epidural",
     "The patient is here for right lumbar radiofrequency ablation at the target levels. Under fluoroscopy, with "
     "oblique and caudal tilt, three RF cannulas were placed along the target nerves. Lesions were made at 80 degrees "
     "Celsius for 90 seconds." + TOL, "radiofrequency_ablation", "lumbar_sacral"),
    ("basivertebral nerve ablation", "Procedure: Basivertebral nerve ablation, L4 and L5 vertebral bodies\nUnder "
     "fluoroscopy an introducer was advanced through each pedicle and ablation was performed at 85 degrees C." + TOL,
     "not_facet", "lumbar_sacral"),
]


@pytest.mark.parametrize("name, text, kind, region", KIND_CASES, ids=[c[0] for c in KIND_CASES])
def test_procedure_kind_and_region(name, text, kind, region):
    procedure = check_text(text).procedure
    assert procedure.kind == kind
    assert procedure.region == region


def test_an_exam_on_its_heading_line_ends_with_its_paragraph():
    # the procedure paragraph after a one-paragraph exam is not exam findings
    text = ("Exam: tender R paraspinal at about L4/5, pain on extension.\n\nR L4/5 facet block done today under "
            "image intensifier. 22G needle placed at the R L4/5 facet; 1 mL 0.5% bupivacaine." + TOL
            + "\n\nConsent: bleeding, infection discussed. Signed.")
    report = check_text(text)
    assert report.procedure.kind != "not_facet"
    assert [(lv.joint, lv.laterality) for lv in report.levels] == [("L4-L5", "right")]


def test_a_statement_of_what_was_done_overrides_the_template_title():
    text = ("Procedure (from scheduling template): Diagnostic lumbar medial branch block\n\nClarification: the header "
            "was carried over from the order. The procedure performed today was a therapeutic intra-articular facet "
            "joint injection of the right L4-5 joint, not a medial branch block.\n\nDescription: " + FLUORO
            + "a needle was advanced into the joint; 0.5 mL of 0.5% bupivacaine was injected." + TOL)
    procedure = check_text(text).procedure
    assert (procedure.kind, procedure.intent) == ("facet_injection", "therapeutic")


def test_bracketed_form_values_read_as_their_text():
    text = ("Procedure: [Medial Branch Block - Lumbar]\nLaterality: [Right]\nJoint level(s): [L4-L5]\n"
            "Guidance: [Fluoroscopy]\nBlock anesthetic: [Bupivacaine 0.5%]   Volume per nerve: [0.5 mL]\n"
            "Complications: [None]\nTolerance: [Good]\nSedation: [ ] Yes  [x] No")
    report = check_text(text)
    assert [(lv.joint, lv.laterality) for lv in report.levels] == [("L4-L5", "right")]
    assert report.tolerance.documented and [g.modality for g in report.guidance] == ["fluoroscopy"]
    (span,) = [s for lv in report.levels for s in lv.spans]
    assert text[span[0]:span[1]] == "L4-L5"  # spans still point into the note as written


def test_clinic_note_reports_nothing_as_done():
    report = check_text(KIND_CASES[6][1])
    assert report.levels == [] and report.medications == [] and report.guidance == []
    assert report.tolerance.documented is False
    assert "no procedure" in report.procedure.described_as


@pytest.mark.parametrize("text, intent", [
    ("PROCEDURE: Diagnostic right L4-5 medial branch block under fluoroscopy. Needle placed." + TOL, "diagnostic"),
    ("PROCEDURE: Therapeutic bilateral L4-5 facet joint injections under fluoroscopy. Needles placed." + TOL, "therapeutic"),
    ("PROCEDURE: Right L4-5 facet joint injection under fluoroscopy with 40 mg Kenalog. Needle placed." + TOL, None),
    ("Indication: His first diagnostic block gave 90% relief. Today is the second (confirmatory) diagnostic block.\n"
     "Description of procedure: under fluoroscopy needles were placed at the L3 and L4 medial branches." + TOL,
     "diagnostic"),
    ("Indication: His first diagnostic block gave 90% relief.\nDescription of procedure: under fluoroscopy needles "
     "were placed at the L3 and L4 medial branches." + TOL, None),
    # the intent stated in a "Procedure planned" line or the assessment, of the same kind of block
    ("Procedure planned: bilateral diagnostic L3, L4 medial branch blocks\nProcedure performed: right L3 and L4 "
     "medial branch blocks only\nProcedure: under fluoroscopy needles were placed at the L3 and L4 medial branches."
     + TOL, "diagnostic"),
    ("PROCEDURE: Right L4-5 medial branch block.\nDESCRIPTION: under fluoroscopy needles were placed at the L3 and L4 "
     "medial branches." + TOL + "\nASSESSMENT: Diagnostic block done on the right only.", "diagnostic"),
    # a plan for another kind of block is not this one's intent
    ("PROCEDURE: Right L4-5 facet joint injection.\nDESCRIPTION: under fluoroscopy a needle was placed into the "
     "joint." + TOL + "\nPLAN:\nDiagnostic medial branch blocks at L4-5 in two weeks.", None),
])
def test_intent_only_where_stated(text, intent):
    assert check_text(text).procedure.intent == intent


def test_history_paragraph_does_not_flip_the_procedure_side():
    """A left-sided procedure in the history must not overrule a right-sided procedure line, even when the
    description repeats the level without a side of its own (found by the throughput benchmark)."""
    text = ("PROCEDURE: Diagnostic intra-articular facet injection, right L1-2.\n\n"
            "PRIOR TREATMENT: A left L5-S1 transforaminal epidural steroid injection in 2018 gave 15% relief.\n\n"
            "DESCRIPTION: After consent the patient was positioned prone.  the right L1-2 facet joint was identified "
            "under fluoroscopy and 1 mL of 0.5% bupivacaine was injected. Tolerated well.")
    assert [(lv.joint, lv.laterality) for lv in check_text(text).levels] == [("L1-L2", "right")]


def test_a_voice_recognition_note_reads_like_a_typed_one():
    report = check_text(
        "therapeutic lumbar fascia joint injections she has had low back pain for about two years\n\n"
        "procedure she was placed prone using fluoro I identified the L four five and L five S one fascia joints bilaterally and a needle was placed into each joint "
        "then each joint got one cc of Kenna log forty milligram per mL she tolerated that fine")
    assert report.procedure.kind == "facet_injection"
    assert [(m.name, m.volume_ml) for m in report.medications] == [("triamcinolone", 1.0)]
    assert [g.modality for g in report.guidance] == ["fluoroscopy"]
    assert report.codes and report.codes[0].cpt == "64493"


def test_telegraphic_notes_state_side_and_complications():
    report = check_text("R lumbar MBB - diagnostic\nFluoro-guided. 22g needles to the R medial branches at the affected "
                        "levels. Each: 0.5 mL 0.75% ropivacaine. No cx.")
    assert report.procedure.laterality == "right"
    assert report.tolerance.documented
