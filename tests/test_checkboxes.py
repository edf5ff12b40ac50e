"""Checkbox lines: an empty box's label documents nothing, a ticked box's label is documented."""

import pytest

from notecheck.check import check_text
from notecheck.checkboxes import BoxIndex, find_boxes


def _label(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


@pytest.mark.parametrize("line, unchecked, documented", [
    # box before its label, up to the next box
    ("Side:  ☑ Bilateral  ☐ Left  ☐ Right", ["Left", "Right"], ["Bilateral"]),
    ("Imaging:  [x] Fluoroscopy  [ ] CT  [ ] Ultrasound", ["CT", "Ultrasound"], ["Fluoroscopy"]),
    (" [ ] Facet joint injection (intra-articular)", ["intra-articular", "Facet joint injection"], []),
    ("( ) Left (x) Right", ["Left"], ["Right"]),
    ("[X] Lumbar [] Cervical", ["Cervical"], ["Lumbar"]),
    # box after its label (the line ends with a box)
    ("Guidance: Fluoroscopy [x]   CT [ ]", ["CT"], ["Fluoroscopy"]),
    ("Fluoroscopy ☐   Ultrasound ☑", ["Fluoroscopy"], ["Ultrasound"]),
])
def test_a_box_governs_its_label(line, unchecked, documented):
    boxes = BoxIndex(line)
    for word in unchecked:
        assert boxes.unchecked(*_label(line, word)), word
    for word in documented:
        assert not boxes.unchecked(*_label(line, word)), word


def test_a_box_governs_nothing_past_its_line():
    text = "Side: [x] Bilateral [ ] Left\nLevels: L4-5 and L5-S1 on the left"
    boxes = BoxIndex(text)
    assert boxes.unchecked(*_label(text, "Left"))
    assert not boxes.unchecked(*_label(text, "L4-5"))
    assert not boxes.unchecked(text.rindex("left"), text.rindex("left") + 4)


def test_no_boxes_in_ordinary_text():
    assert find_boxes("Bilateral L4-5 facet injections (intra-articular) under fluoroscopy [see images].") == []


_TEMPLATE = """PROCEDURE:  ☐ Facet joint injection (intra-articular)  ☑ Medial branch block  ☐ RF ablation  ☐ Sacroiliac joint injection
Nerves: L3, L4 medial branches and L5 dorsal ramus
Side:  ☐ Bilateral  ☐ Left  ☑ Right
Imaging:  [ ] Fluoroscopy  [x] CT  [ ] Ultrasound
Sedation:  [ ] MAC  [ ] Moderate  [x] None / local only

Time-out. Prone. Needles placed under CT at each target. 0.5 mL of 0.5% bupivacaine at each nerve.
Tolerated well. Complications: none.
"""


def test_a_template_reads_only_its_ticked_boxes():
    report = check_text(_TEMPLATE)
    assert report.procedure.kind == "medial_branch_block"
    assert [(lv.joint, lv.laterality) for lv in report.levels] == [("L4-L5", "right"), ("L5-S1", "right")]
    assert {g.modality for g in report.guidance if not g.negated} == {"ct"}
    assert "SEDATION_UNJUSTIFIED" not in {f.code for f in report.findings}


def test_the_same_template_with_other_ticks_reads_differently():
    text = (_TEMPLATE.replace("☐ RF ablation", "☑ RF ablation").replace("☑ Medial branch block", "☐ Medial branch block")
            .replace("☐ Bilateral", "☑ Bilateral").replace("☑ Right", "☐ Right"))
    report = check_text(text)
    assert report.procedure.kind == "radiofrequency_ablation"
    assert {lv.laterality for lv in report.levels} == {"bilateral"}
