"""Doses, concentrations and volumes attached to their drug (facet-rules.md §6 shapes)."""

import pytest

from notecheck.quantities import attribute_quantities, parse_number, standalone_volume


def _run(sentence, drugs, contrast=()):
    spans = []
    for name in drugs:
        start = sentence.index(name)
        spans.append((start, start + len(name)))
    flags = [name in contrast for name in drugs]
    return [(q.concentration, q.dose, q.volume_ml) for q in attribute_quantities(sentence, spans, flags)]


@pytest.mark.parametrize("sentence, drugs, expected", [
    ("0.5 cc of 0.5% Marcaine was injected.", ["Marcaine"], [("0.5%", None, 0.5)]),
    ("Naropin (ropivacaine) 0.5%, 0.5 mL per nerve, was injected.", ["Naropin", "ropivacaine"],
     [(None, None, None), ("0.5%", None, 0.5)]),  # the generic in brackets carries the quantities after them
    ("I then injected 1 mL of an equal-parts mixture of 0.5% bupivacaine and triamcinolone 40 mg/mL.",
     ["bupivacaine", "triamcinolone"], [("0.5%", None, 1.0), ("40 mg/mL", None, 1.0)]),
    ("Injected 1 mL total of 0.5% bupivicaine with 20 mg Kenalog.", ["bupivicaine", "Kenalog"],
     [("0.5%", None, 1.0), (None, "20 mg", 1.0)]),
    ("MAR:\n  iohexol 240 - 0.4 mL\n  methylprednisolone - 80 mg total", ["iohexol", "methylprednisolone"],
     [(None, None, 0.4), (None, "80 mg", None)]),  # a row's volume is not the next row's
    ("Because of the allergy, 2% lidocaine was used: 0.5 mL per nerve.", ["lidocaine"], [("2%", None, 0.5)]),
    ("Methylprednisolone 40 mg with 1 mL\nbupivacaine 0.25% injected.", ["Methylprednisolone", "bupivacaine"],
     [(None, "40 mg", 1.0), ("0.25%", None, 1.0)]),  # a wrapped line is no row
    ("1/2 cc of 0.25% bupivacaine was injected into the joint.", ["bupivacaine"], [("0.25%", None, 0.5)]),
    ("1cc of a 10cc solution of Marcaine 0.5% and 100 milligrams of methylprednisolone was injected.",
     ["Marcaine", "methylprednisolone"], [("0.5%", None, 1.0), (None, "100 mg", 1.0)]),
    ("Kenalog 40 mg/1 mL, 0.5 mL per level.", ["Kenalog"], [("40 mg/mL", None, 0.5)]),
    ("A total of 3 mL of 0.5% bupivacaine was injected across the sites.", ["bupivacaine"], [("0.5%", None, 3.0)]),
    ("1 mL of a mixture of 0.5 mL of 1% lidocaine and 0.5 mL of Celestone was injected.",
     ["lidocaine", "Celestone"], [("1%", None, 0.5), (None, None, 0.5)]),
    ("0.25 - 0.5 cc of Omnipaque 240 was injected.", ["Omnipaque"], [("240", None, 0.5)]),
    ("1/8th of a cc of Omnipaque 240 dye was then injected.", ["Omnipaque"], [("240", None, 0.125)]),
    ("One-half cc of contrast was injected.", ["contrast"], [(None, None, 0.5)]),
    ("Depo-Medrol 80 mg plus 1 cc of 4% preservative-free lidocaine was injected.",
     ["Depo-Medrol", "lidocaine"], [(None, "80 mg", 1.0), ("4%", None, 1.0)]),  # shares (ANNOTATION.md)
    ("1 mL of a 40 mg/mL solution of Kenalog was injected.", ["Kenalog"], [("40 mg/mL", None, 1.0)]),
    ("0.5 mL of 0.5% Sensorcaine with 40 mg Kenalog was injected into each joint.",
     ["Sensorcaine", "Kenalog"], [("0.5%", None, 0.5), (None, "40 mg", 0.5)]),
    ("Inj: Kenalog 40 mg + 0.5% Marcaine, total 1 mL", ["Kenalog", "Marcaine"], [(None, "40 mg", 1.0), ("0.5%", None, 1.0)]),
    ("Injected 0.8 mL per side: Depo-Medrol 40 mg in 0.5% bupivacaine.",
     ["Depo-Medrol", "bupivacaine"], [(None, "40 mg", 0.8), ("0.5%", None, 0.8)]),
    # a recipe inside parentheses is how the solution was made, not what was injected
    ("1/2 cc of solution (Solution consisting of 9 cc of 0.5% Marcaine with 1 cc of Triamcinolone) was injected.",
     ["Marcaine", "Triamcinolone"], [("0.5%", None, 0.5), (None, None, 0.5)]),
    ("Isovue-M200 1 mL was injected.", ["Isovue-M"], [("200", None, 1.0)]),
    # a volume per site before a mixture, and a medication table row
    ("0.75 mL into each of the three joints of a 1:1 mixture of dexamethasone 10 mg/mL and 0.5% bupivacaine.",
     ["dexamethasone", "bupivacaine"], [("10 mg/mL", None, 0.75), ("0.5%", None, 0.75)]),
    ("0.75 mL per joint of Kenalog 40 mg/mL and 0.5% bupivacaine mixed 1:2.",
     ["Kenalog", "bupivacaine"], [("40 mg/mL", None, 0.75), ("0.5%", None, 0.75)]),
    ("Ropivacaine     | 0.5%  | 0.5 mL        | 3      | 1.5 mL", ["Ropivacaine"], [("0.5%", None, 0.5)]),
    ("Isovue-M        | 200   | 0.2 mL        | 3      | 0.6 mL", ["Isovue-M"], [("200", None, 0.2)]),
    ("each joint got 1 cc of 0.5 percent bupivacaine mixed with 10 mg of Kenalog",
     ["bupivacaine", "Kenalog"], [("0.5%", None, 1.0), (None, "10 mg", 1.0)]),
    # dictated by voice recognition
    ("then zero point five cc of bupivacaine at each nerve", ["bupivacaine"], [(None, None, 0.5)]),
    ("then zero point five cc of zero point two five percent bupivacaine at each nerve", ["bupivacaine"],
     [("0.25%", None, 0.5)]),
    ("Omnipaque one tenth of a cc at each showed no vascular uptake", ["Omnipaque"], [(None, None, 0.1)]),
    # drugs that share the volume of the one they are given with
    ("SENSORCAINE 0.5% 0.5 CC AND KENALOG 10 MG WERE INJECTED INTO EACH JOINT.", ["SENSORCAINE", "KENALOG"],
     [("0.5%", None, 0.5), (None, "10 mg", 0.5)]),
    ("Into each joint 1 ml of 0.5% Marcain containing 20 mg Depo-Medrone was then injected.", ["Marcain", "Depo-Medrone"],
     [("0.5%", None, 1.0), (None, "20 mg", 1.0)]),
    ("80 mg Depo-Medrone in 10 ml 0.25% Marcain was then injected slowly.", ["Depo-Medrone", "Marcain"],
     [(None, "80 mg", 10.0), ("0.25%", None, 10.0)]),
    ("Then betamethasone 6 mg (Celestone Soluspan) with 0.5 mL of 0.25% bupivacaine was injected.",
     ["Celestone Soluspan", "bupivacaine"], [(None, None, 0.5), ("0.25%", None, 0.5)]),
    ("Injectate per joint: 0.6 mL total = 0.5% bupivacaine + triamcinolone 10 mg", ["bupivacaine", "triamcinolone"],
     [("0.5%", None, 0.6), (None, "10 mg", 0.6)]),
    ("A small amount, 0.1 mL, of Isovue-M 200 confirmed no vascular runoff.", ["Isovue-M"], [("200", None, 0.1)]),
])
def test_quantities_attach_to_their_drug(sentence, drugs, expected):
    contrast = {d for d in drugs if d.lower().startswith(("omnipaque", "isovue", "contrast", "dye"))}
    assert _run(sentence, drugs, contrast) == expected


@pytest.mark.parametrize("text, value", [
    ("zero point two five", 0.25), ("point five", 0.5), ("one tenth", 0.1), ("two tenths", 0.2),
    ("1/2", 0.5), ("1/8th", 0.125), (".5", 0.5), ("one-half", 0.5), ("two", 2.0), ("x", None), ("1/0", None),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_volume_in_a_sentence_without_a_drug():
    assert standalone_volume("0.5 mL was injected at each level.")[0] == 0.5
    assert standalone_volume("The needle was advanced 2 cm.") is None
