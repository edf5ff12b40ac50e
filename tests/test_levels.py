"""Written levels and nerves → canonical joints (pure functions; facet-rules.md CPT-2, Nerves → joints)."""

import pytest

from notecheck.levels import (
    joints_between, joints_from_nerves, parse_level, parse_nerves, region_of, session_region,
)


@pytest.mark.parametrize("written, joints", [
    ("L4-5", ["L4-L5"]),
    ("L4/5", ["L4-L5"]),
    ("L4-L5", ["L4-L5"]),
    ("L4–5", ["L4-L5"]),          # en dash
    ("L45", ["L4-L5"]),
    ("L4 5", ["L4-L5"]),
    ("L5S1", ["L5-S1"]),
    ("L5/S1", ["L5-S1"]),
    ("L5-1", ["L5-S1"]),
    ("C5/C6", ["C5-C6"]),
    ("C2-3", ["C2-C3"]),
    ("C7-T1", ["C7-T1"]),
    ("T12-L1", ["T12-L1"]),
    ("T12-1", ["T12-L1"]),
    ("l4-5", ["L4-L5"]),
    ("L3 to S1", ["L3-L4", "L4-L5", "L5-S1"]),
    ("L3 through L5", ["L3-L4", "L4-L5"]),
    ("L3-S1", ["L3-L4", "L4-L5", "L5-S1"]),
    ("L3-5", ["L3-L4", "L4-L5"]),
    ("C34", ["C3-C4"]),
    # dictated by voice recognition
    ("L four five", ["L4-L5"]),
    ("L five S one", ["L5-S1"]),
    ("T twelve L one", ["T12-L1"]),
    ("L three to S one", ["L3-L4", "L4-L5", "L5-S1"]),
])
def test_every_common_writing_of_a_level(written, joints):
    assert parse_level(written) == joints


@pytest.mark.parametrize("written", [
    "T12",      # a vertebra, not T1-T2
    "L4 8",     # not neighbours
    "L48",
    "L5-4",     # backwards
    "C1-2",     # not a facet joint here
    "L1-S1 x",  # not a level atom at all
])
def test_things_that_are_not_levels(written):
    assert parse_level(written) == []


def test_list_shorthand_takes_the_letter_of_the_previous_level():
    assert parse_level("4-5", previous="L3-L4") == ["L4-L5"]
    assert parse_level("5-S1", previous="L4-L5") == ["L5-S1"]
    assert parse_level("4-5") == []  # a bare pair with nothing before it is not a level


@pytest.mark.parametrize("phrase, nerves, joints", [
    ("L3, L4 medial branches and L5 dorsal ramus", ["L3", "L4", "L5"], ["L4-L5", "L5-S1"]),
    ("L4 medial branch and L5 dorsal ramus", ["L4", "L5"], ["L5-S1"]),
    ("medial branches of L2, 3 and 4", ["L2", "L3", "L4"], ["L3-L4", "L4-L5"]),
    ("C3, C4, C5 medial branches", ["C3", "C4", "C5"], ["C3-C4", "C4-C5"]),
    ("C7 and C8 medial branches", ["C7", "C8"], ["C7-T1"]),
    ("T11 and T12 medial branches", ["T11", "T12"], ["T12-L1"]),
    ("T12 and L1 medial branches", ["T12", "L1"], ["L1-L2"]),
    ("L4 medial branch", ["L4"], []),                     # one nerve covers no whole joint
    ("S1, S2, S3 lateral branches", ["S1", "S2", "S3"], []),  # SI joint, not facet nerves
    ("C four C five and C six medial brand nerves", ["C4", "C5", "C6"], ["C4-C5", "C5-C6"]),  # voice recognition
    ("L4 MB and L5 DPR", ["L4", "L5"], ["L5-S1"]),  # dorsal primary ramus
    ("L3, L4 MBs and DPR of L5", ["L3", "L4", "L5"], ["L4-L5", "L5-S1"]),
])
def test_nerves_to_joints(phrase, nerves, joints):
    assert parse_nerves(phrase) == nerves
    assert joints_from_nerves(nerves) == joints


def test_third_occipital_nerve_supplies_c2_c3():
    assert joints_from_nerves([], third_occipital=True) == ["C2-C3"]
    assert joints_from_nerves(["C3", "C4"], third_occipital=True) == ["C2-C3", "C3-C4"]


def test_ranges_are_bounded():
    assert joints_between("L5", "L3") == []
    assert joints_between("C2", "S1") == []  # a "range" of 23 joints is a typo, not a session


@pytest.mark.parametrize("joints, region", [
    (["L4-L5", "L5-S1"], "lumbar_sacral"),
    (["C5-C6"], "cervical_thoracic"),
    (["T12-L1"], "cervical_thoracic"),               # T12-L1 alone is thoracic
    (["T12-L1", "L1-L2"], "lumbar_sacral"),           # with L1-2 it is one lumbar session (CPT-7)
    ([], None),
])
def test_session_region(joints, region):
    assert session_region(joints) == region
    for joint in joints:
        assert region_of(joint) in ("cervical_thoracic", "lumbar_sacral")
