"""notecheck.claims: `--billed` values and `--claims` CSV files are parsed up front; a bad one is a ClaimError
whose message says where and why."""

from __future__ import annotations

import pytest

from notecheck.claims import ClaimError, parse_billed, read_claims
from notecheck.report import Code


@pytest.mark.parametrize("value, cpt, modifiers, units", [
    ("64493-50", "64493", ["50"], 1),
    ("64636x2", "64636", [], 2),
    ("0216T", "0216T", [], 1),
    ("0216t", "0216T", [], 1),
    ("64493-RT-KX", "64493", ["RT", "KX"], 1),
    ("64493-rt-kx", "64493", ["RT", "KX"], 1),
    ("64493", "64493", [], 1),
    ("64494-50x2", "64494", ["50"], 2),
    (" 64493-50 ", "64493", ["50"], 1),
    ("64636 x 99", "64636", [], 99),
])
def test_parse_billed_good(value, cpt, modifiers, units):
    assert parse_billed(value) == Code(cpt=cpt, modifiers=modifiers, units=units)


@pytest.mark.parametrize("value, message", [
    ("6449", "not of the form"),
    ("64493-5", "not of the form"),
    ("abc", "not of the form"),
    ("", "not of the form"),
    ("64493-50-", "not of the form"),
    ("644931", "not of the form"),
    ("64493x100", "not of the form"),
    ("64493x0", "units must be at least 1"),
])
def test_parse_billed_bad(value, message):
    with pytest.raises(ClaimError) as info:
        parse_billed(value)
    assert message in str(info.value)
    assert repr(value) in str(info.value)  # the message names the offending code


def test_parse_billed_none_is_a_claim_error():
    with pytest.raises(ClaimError):
        parse_billed(None)  # type: ignore[arg-type]


# --- read_claims -------------------------------------------------------------------------------------------

HEADER = "note_id,cpt,modifiers,units\n"

# (id, file bytes, expected mapping)
GOOD_FILES = [
    ("basic",
     HEADER + "n1,64493,50,1\nn1,64494,50,1\nn2,64490,RT,1\n",
     {"n1": [Code(cpt="64493", modifiers=["50"]), Code(cpt="64494", modifiers=["50"])],
      "n2": [Code(cpt="64490", modifiers=["RT"])]}),
    ("semicolon_modifiers",
     HEADER + "n1,64493,50;KX,1\n",
     {"n1": [Code(cpt="64493", modifiers=["50", "KX"])]}),
    ("quoted_comma_modifiers_lowercase",
     HEADER + 'n1,64493,"rt, kx",1\n',
     {"n1": [Code(cpt="64493", modifiers=["RT", "KX"])]}),
    ("no_modifiers_units_2",
     HEADER + "n1,64636,,2\n",
     {"n1": [Code(cpt="64636", units=2)]}),
    ("empty_units_default_1",
     HEADER + "n1,64493,50,\n",
     {"n1": [Code(cpt="64493", modifiers=["50"])]}),
    ("only_required_columns",
     "note_id,cpt\nn1,0216t\n",
     {"n1": [Code(cpt="0216T")]}),
    ("columns_in_other_order_and_padding",
     "units,cpt,note_id,modifiers\n 3 , 64636 , n9 , 50 \n",
     {"n9": [Code(cpt="64636", modifiers=["50"], units=3)]}),
    ("header_only",
     HEADER,
     {}),
    ("crlf_line_endings",
     HEADER.replace("\n", "\r\n") + "n1,64493,50,1\r\n",
     {"n1": [Code(cpt="64493", modifiers=["50"])]}),
]


@pytest.mark.parametrize("content, expected", [c[1:] for c in GOOD_FILES], ids=[c[0] for c in GOOD_FILES])
def test_read_claims_good(tmp_path, content, expected):
    path = tmp_path / "claims.csv"
    path.write_bytes(content.encode("utf-8"))
    assert read_claims(path) == expected


def test_read_claims_utf8_bom(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "n1,64493,50;KX,1\n").encode())
    assert read_claims(path) == {"n1": [Code(cpt="64493", modifiers=["50", "KX"])]}


# (id, file text, line named in the message or None, substrings the message must contain)
BAD_FILES = [
    ("missing_cpt_column", "note_id,code,units\nn1,64493,1\n", None,
     ["needs columns note_id, cpt, modifiers, units", "missing cpt"]),
    ("missing_both_columns", "id,code\nn1,64493\n", None, ["missing note_id, cpt"]),
    ("empty_file", "", None, ["missing note_id, cpt"]),
    ("bad_cpt_line_3", HEADER + "n1,64493,50,1\nn2,6449,50,1\n", 3, ["CPT code '6449'"]),
    ("letters_cpt_line_2", HEADER + "n1,abcde,50,1\n", 2, ["CPT code 'ABCDE'"]),
    ("bad_units_line_2", HEADER + "n1,64493,50,two\n", 2, ["units 'two' is not a whole number"]),
    ("zero_units_line_3", HEADER + "n1,64493,50,1\nn1,64494,50,0\n", 3, ["units 0 is outside 1-99"]),
    ("units_100_line_2", HEADER + "n1,64493,50,100\n", 2, ["units 100 is outside 1-99"]),
    ("bad_modifier_line_2", HEADER + "n1,64493,5,1\n", 2, ["modifier '5'"]),
    ("empty_note_id_line_3", HEADER + "n1,64493,50,1\n,64494,50,1\n", 3, ["empty note_id"]),
    ("blank_note_id_line_2", HEADER + "   ,64493,50,1\n", 2, ["empty note_id"]),
    ("missing_cpt_value_line_2", HEADER + "n1\n", 2, ["CPT code ''"]),
]


@pytest.mark.parametrize("content, line, parts", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_read_claims_bad(tmp_path, content, line, parts):
    path = tmp_path / "claims.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ClaimError) as info:
        read_claims(path)
    message = str(info.value)
    if line is None:
        assert message.startswith(f"{path}: ")
    else:
        assert message.startswith(f"{path}:{line}: ")
    for part in parts:
        assert part in message


@pytest.mark.parametrize("make", [
    lambda tmp: tmp / "absent.csv",
    lambda tmp: tmp,  # a directory
], ids=["missing_file", "directory"])
def test_read_claims_unopenable(tmp_path, make):
    path = make(tmp_path)
    with pytest.raises(ClaimError) as info:
        read_claims(path)
    assert str(info.value).startswith(f"{path}: cannot open claims file")


def test_read_claims_line_number_after_blank_line(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(HEADER + "\n" + "n1,64493,50,1\n" + "n2,6449,50,1\n", encoding="utf-8")  # bad row on line 4
    with pytest.raises(ClaimError) as info:
        read_claims(path)
    assert str(info.value).startswith(f"{path}:4: ")


def test_read_claims_non_utf8_is_a_claim_error(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_bytes(HEADER.encode() + b"n1,64493,50,1\nJos\xe9,64494,50,1\n")
    with pytest.raises(ClaimError) as info:
        read_claims(path)
    assert str(info.value).startswith(f"{path}")
