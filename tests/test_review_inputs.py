"""Reading review batches: folder + claims, CSV and JSON Lines exports, FHIR Bundles — and bad rows and
resources becoming error records instead of stopping the batch."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from notecheck.review.inputs import InputUsageError, read_input
from review_helpers import ia_note, mbb_note, write_export_csv, write_jsonl

MARKER = "ZZPHIMARKER"


# --- folder + claims ---------------------------------------------------------------------------------------------

def test_folder_with_claims_and_metadata(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text(mbb_note("2024-01-10"))
    (notes / "b.txt").write_bytes(b"")
    claims = tmp_path / "claims.csv"
    claims.write_text("note_id,cpt,modifiers,units,patient_id,date_of_service,provider,payer,paid_amount\n"
                      "a,64493,50;KX,1,P1,01/10/2024,Dr X,Medicare,150.00\n"
                      "a,64494,50;KX,1,P1,2024-01-10,Dr X,Medicare,70.50\n"
                      "ghost,64493,LT,1,P9,2024-01-10,Dr X,Medicare,10\n")
    batch = read_input(notes, claims=claims)
    assert batch.fmt == "folder"
    a, b = batch.items
    assert (a.note_id, b.note_id) == ("a", "b")
    assert [c.cpt for c in a.billed] == ["64493", "64494"] and a.billed[0].modifiers == ["50", "KX"]
    assert a.meta.patient_id == "P1" and a.meta.date_of_service == "2024-01-10"
    assert a.meta.paid_amount == pytest.approx(220.50)  # the note's lines are added up
    assert b.note.text is None and b.note.errors == ["note is empty"]
    # claims for a note that is not in the folder: an error record, not silence
    assert [(e.note_id, e.stage) for e in batch.errors] == [("ghost", "claims")]
    # the same input read twice gives the same keys (what resume relies on); other content, another key
    assert [it.key for it in read_input(notes, claims=claims).items] == [a.key, b.key]
    (notes / "a.txt").write_text(mbb_note("2024-01-11"))
    assert read_input(notes, claims=claims).items[0].key != a.key


def test_folder_claims_file_with_a_bad_line_is_a_usage_error(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    claims = tmp_path / "claims.csv"
    claims.write_text("note_id,cpt,modifiers,units\na,6449,50,1\n")
    with pytest.raises(InputUsageError, match="CPT code"):
        read_input(tmp_path, "folder", claims=claims)


def test_unknown_format_and_missing_input(tmp_path):
    with pytest.raises(InputUsageError, match="no such file"):
        read_input(tmp_path / "nope.csv")
    odd = tmp_path / "batch.xlsx"
    odd.write_bytes(b"PK")
    with pytest.raises(InputUsageError, match="input format"):
        read_input(odd)


# --- CSV export ----------------------------------------------------------------------------------------------------

def test_csv_export_groups_claim_lines_and_keeps_going_past_broken_rows(tmp_path):
    note_a, note_b = mbb_note("2024-01-10"), ia_note("2024-02-01")
    path = write_export_csv(tmp_path / "batch.csv", [
        {"note_id": "a", "text": note_a, "patient_id": "P1", "date_of_service": "2024-01-10", "provider": "Dr X",
         "cpt": "64493", "modifiers": "50;KX", "units": "1", "paid_amount": "150"},
        {"note_id": "a", "text": "", "cpt": "64494", "modifiers": "50;KX", "units": "1", "paid_amount": "70"},
        {"note_id": "a", "text": "", "cpt": "99", "modifiers": "", "units": "1"},            # bad CPT
        {"note_id": "b", "text": note_b, "patient_id": "P2", "date_of_service": "2024-02-01"},
        {"note_id": "", "text": "orphan row"},                                                # no note_id
        {"note_id": "c", "text": ia_note("2024-03-01"), "date_of_service": "31/31/2024"},     # bad date
        {"note_id": "d", "text": ia_note("2024-03-02"), "paid_amount": "lots"},               # bad amount
    ])
    with path.open("a", encoding="utf-8") as handle:
        handle.write('e,"too few fields"\n')                                                 # wrong field count
        handle.write('f,"' + ia_note("2024-04-01").replace('"', '""') + '",P3,2024-04-01,,,,,,\n')
    batch = read_input(path)
    assert batch.fmt == "csv"
    ids = [it.note_id for it in batch.items]
    assert ids == ["a", "b", "f"]  # c and d had only a broken row each; e's row is broken
    a = batch.items[0]
    assert [c.cpt for c in a.billed] == ["64493", "64494"] and a.meta.paid_amount == 220
    assert any("not used" in w for w in a.note.warnings)  # its broken claim line is said, not hidden
    problems = {(e.note_id, e.message.split(" ")[0]) for e in batch.errors}
    assert len(batch.errors) == 5
    assert ("a", "CPT") in problems and ("", "note_id") in problems
    assert any(e.note_id == "c" and "date" in e.message for e in batch.errors)
    assert any(e.note_id == "d" and "paid amount" in e.message for e in batch.errors)
    assert any(e.note_id == "e" and "fields" in e.message for e in batch.errors)
    assert all(e.locator.startswith("row at line") for e in batch.errors)


def test_csv_text_conflicts_non_utf8_and_oversized_cells(tmp_path):
    path = tmp_path / "batch.csv"
    big = "x " * 600_000
    legacy = "PROCEDURE: Left L5-S1 facet joint injection for Jos\xe9.".encode("cp1252")
    path.write_bytes(b"note_id,text\n"
                     + b'a,"' + mbb_note("2024-01-10").encode() + b'"\n'
                     + b'a,"a different text for the same id"\n'
                     + b'w,"' + legacy + b'"\n'
                     + b'big,"' + big.encode() + b'"\n')
    batch = read_input(path)
    by_id = {it.note_id: it for it in batch.items}
    assert set(by_id) == {"a", "w", "big"}
    assert [e.note_id for e in batch.errors] == ["a"] and "differs" in batch.errors[0].message
    assert by_id["w"].note.text.endswith("Jos\u00e9.") and "cp1252" in by_id["w"].note.warnings[0]
    assert by_id["big"].note.text is None and "too large" in by_id["big"].note.errors[0]


def test_csv_without_text_column_is_a_usage_error(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("note_id,cpt\na,64493\n")
    with pytest.raises(InputUsageError, match="note_id and text"):
        read_input(path)


# --- JSON Lines ------------------------------------------------------------------------------------------------------

def test_jsonl_export(tmp_path):
    path = write_jsonl(tmp_path / "batch.jsonl", [
        {"note_id": "a", "text": mbb_note("2024-01-10"), "patient_id": "P1", "date_of_service": "2024-01-10",
         "cpt": "64493", "modifiers": ["50", "KX"], "units": 1, "paid_amount": 150.25},
        {"note_id": 7, "text": ia_note("2024-01-11")},
        {"note_id": "x", "text": ["not", "a", "string"]},
    ])
    with path.open("a") as handle:
        handle.write("{not json\n")
        handle.write("[1, 2]\n")
    batch = read_input(path)
    assert batch.fmt == "jsonl"
    assert [it.note_id for it in batch.items] == ["a", "7"]
    assert batch.items[0].billed[0].modifiers == ["50", "KX"] and batch.items[0].meta.paid_amount == 150.25
    assert sorted(e.locator for e in batch.errors) == ["line 3", "line 4", "line 5"]


# --- FHIR --------------------------------------------------------------------------------------------------------------

def _doc(rid: str, text: bytes | None, **extra) -> dict:
    content = {"attachment": {"contentType": "text/plain; charset=utf-8"}}
    if text is not None:
        content["attachment"]["data"] = base64.b64encode(text).decode()
    return {"resourceType": "DocumentReference", "id": rid, "status": "current", "subject": {"reference": "Patient/p1"},
            "date": "2024-01-10T09:00:00Z", "author": [{"reference": "Practitioner/d1", "display": "Dr X"}],
            "content": [content], **extra}


def _claim(cid: str, doc: str | None, lines: list[tuple[str, list[str], int]], **extra) -> dict:
    claim = {"resourceType": "Claim", "id": cid, "status": "active",
             "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
             "use": "claim", "patient": {"reference": "Patient/p1"}, "created": "2024-01-10",
             "provider": {"reference": "Practitioner/d1"}, "priority": {"coding": [{"code": "normal"}]},
             "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/1"}}],
             "item": [{"sequence": n, "productOrService": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": cpt}]},
                       "modifier": [{"coding": [{"code": m}]} for m in mods], "quantity": {"value": units},
                       "servicedDate": "2024-01-10"} for n, (cpt, mods, units) in enumerate(lines, start=1)], **extra}
    if doc:
        claim["supportingInfo"] = [{"sequence": 1, "category": {"coding": [{"code": "info"}]},
                                    "valueReference": {"reference": f"DocumentReference/{doc}"}}]
    return claim


def _bundle(path: Path, resources: list[dict]) -> Path:
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": [{"fullUrl": f"urn:uuid:{n}", "resource": r} for n, r in enumerate(resources)]}))
    return path


def test_fhir_bundle_notes_claims_and_payments(tmp_path):
    response = {"resourceType": "ClaimResponse", "id": "r1", "status": "active", "type": {"coding": [{"code": "professional"}]},
                "use": "claim", "patient": {"reference": "Patient/p1"}, "created": "2024-02-01", "insurer": {"display": "MAC"},
                "outcome": "complete", "request": {"reference": "Claim/c1"}, "payment": {"type": {"coding": [{"code": "complete"}]},
                                                                                      "amount": {"value": 212.34, "currency": "USD"}}}
    path = _bundle(tmp_path / "bundle.json", [
        {"resourceType": "Patient", "id": "p1"},
        _doc("n1", mbb_note("2024-01-10").encode(), context={"period": {"start": "2024-01-09"}}),
        _doc("n2", None),  # no inline data
        _claim("c1", "n1", [("64493", ["50", "KX"], 1), ("64494", ["50", "KX"], 1)]),
        response,
    ])
    batch = read_input(path)
    assert batch.fmt == "fhir" and batch.errors == []
    n1, n2 = batch.items
    assert n1.note.text.startswith("PROCEDURE NOTE")
    assert [(c.cpt, c.modifiers) for c in n1.billed] == [("64493", ["50", "KX"]), ("64494", ["50", "KX"])]
    assert n1.meta.patient_id == "Patient/p1" and n1.meta.date_of_service == "2024-01-09"  # context.period wins
    assert n1.meta.provider == "Practitioner/d1" and n1.meta.paid_amount == pytest.approx(212.34)
    assert n2.note.text is None and "not inline" in n2.note.errors[0]


def test_invalid_fhir_resources_become_error_records(tmp_path):
    bad_b64 = _doc("bad1", b"x")
    bad_b64["content"][0]["attachment"]["data"] = "!!!notbase64"
    missing_content = _doc("bad2", b"x")
    del missing_content["content"]
    bad_date = _doc("bad3", b"x", date=MARKER)  # the offending value must not reach the message
    path = _bundle(tmp_path / "bundle.json", [
        _doc("ok", mbb_note("2024-01-10").encode()),
        bad_b64, missing_content, bad_date,
        {"resourceType": "Claim", "id": "c9", "status": "active"},                  # invalid Claim
        _claim("c2", "nowhere", [("64493", [], 1)], patient={"reference": "Patient/other"}),  # links to nothing
        _claim("c3", "ok", [("6449", [], 1), ("64493", ["50"], 1)]),                # one bad line
        _doc("ok", b"duplicate id"),
        "not an object",
    ])
    batch = read_input(path)
    assert [it.note_id for it in batch.items] == ["ok"]
    assert [c.cpt for c in batch.items[0].billed] == ["64493"]
    assert any("not used" in w for w in batch.items[0].note.warnings)
    by_locator = {e.locator: e.message for e in batch.errors}
    assert "Base64" in by_locator["entry 2 (DocumentReference/bad1)"]
    assert "content" in by_locator["entry 3 (DocumentReference/bad2)"]
    assert "date" in by_locator["entry 4 (DocumentReference/bad3)"]
    assert by_locator["entry 5 (Claim/c9)"].startswith("invalid Claim")
    assert "links to no DocumentReference" in by_locator["entry 6 (Claim/c2)"]
    assert "CPT code" in by_locator["entry 7 (Claim/c3)"]
    assert "came earlier" in by_locator["entry 8 (DocumentReference/ok)"]
    assert "no resource" in by_locator["entry 9"]
    assert all(MARKER not in m for m in by_locator.values())


def test_a_json_file_that_is_not_a_bundle_is_a_usage_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"resourceType": "Patient"}')
    with pytest.raises(InputUsageError, match="Bundle"):
        read_input(path)
    path.write_text("{broken")
    with pytest.raises(InputUsageError, match="not valid JSON"):
        read_input(path)
