"""CLI for the rules issue: rules listing, --payer, claims in reports, train, eval of findings and codes."""

import json

from typer.testing import CliRunner

from notecheck.cli import app

runner = CliRunner()
NOTE = ("HISTORY: Neck pain for 3 years, failed PT and NSAIDs, unable to drive. Pain 6/10.\n"
        "PROCEDURE: Diagnostic right C4-5 and C5-6 medial branch blocks under fluoroscopy.\n"
        "The right C4, C5 and C6 medial branches were blocked with 0.5 mL of 0.5% bupivacaine each. "
        "Tolerated well, no complications. Post 1/10.\n")


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_rules_lists_a_profile_for_a_biller():
    result = run("rules", "--payer", "aetna")
    assert result.exit_code == 0
    assert "LEVELS_EXCEED_LIMIT" in result.stdout and "max_levels_per_session" in result.stdout
    assert "PAY-AETNA" in result.stdout
    data = json.loads(run("rules", "--format", "json").stdout)
    assert data["id"] == "medicare" and len(data["requirements"]) >= 20


def test_unknown_payer_is_a_usage_error(tmp_path):
    note = tmp_path / "n.txt"
    note.write_text(NOTE)
    result = run("check", note, "--payer", "nosuch")
    assert result.exit_code == 2 and "unknown payer profile" in result.stderr


def test_check_reports_codes_findings_and_payer(tmp_path):
    note = tmp_path / "n.txt"
    note.write_text(NOTE)
    result = run("check", note, "--format", "json", "--billed", "64490-RT", "--billed", "64491-RT")
    report = json.loads(result.stdout)
    assert report["payer"] == "medicare"
    assert [(c["cpt"], c["modifiers"]) for c in report["codes"]] == [("64490", ["RT", "KX"]), ("64491", ["RT", "KX"])]
    assert "CLAIM_KX_MISSING" in {f["code"] for f in report["findings"]}
    assert result.exit_code == 1  # a claim error is an error-level finding
    ok = run("check", note, "--format", "json", "--billed", "64490-RT-KX", "--billed", "64491-RT-KX")
    assert ok.exit_code == 0 and not [f for f in json.loads(ok.stdout)["findings"] if f["severity"] == "error"]


def test_sentences_refuses_the_test_split(tmp_path):
    result = run("sentences", "corpora/test", "--out", tmp_path / "s.jsonl")
    assert result.exit_code == 2 and "never used" in result.stderr


def test_train_writes_a_model_and_card(tmp_path):
    rows = []
    for i in range(30):
        rows.append({"note": f"a/{i}", "section": "procedure", "label": "procedure",
                     "text": f"A 22-gauge needle was advanced into the L4-5 joint and {i % 3 + 1} mL was injected."})
        rows.append({"note": f"b/{i}", "section": "indication", "label": "other",
                     "text": f"She had L3-4 injections {i % 5 + 2} years ago with relief and will return for RFA."})
    data = tmp_path / "s.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("train", data, "--heldout", "b/2", "--out", tmp_path / "m")
    assert result.exit_code == 0, result.stdout
    card = json.loads((tmp_path / "m" / "sentence_scope.card.json").read_text())
    assert card["sha256"] and card["metrics"]["train_sentences"] > 0 and "features" in card
    assert (tmp_path / "m" / "sentence_scope.skops").exists()


def test_eval_reports_findings_and_codes(tmp_path):
    (tmp_path / "n1.txt").write_text(NOTE)
    gold = {"note_id": "n1", "procedure": {"kind": "medial_branch_block", "region": "cervical_thoracic", "intent": "diagnostic"},
            "levels": [{"joint": "C4-C5", "laterality": "right", "derived_from_nerves": False},
                       {"joint": "C5-C6", "laterality": "right", "derived_from_nerves": False}],
            "medications": [{"name": "bupivacaine", "role": "anesthetic", "volume_ml": 0.5, "injectate": True}],
            "guidance": [{"modality": "fluoroscopy", "negated": False}], "tolerance": {"documented": True, "complications": []},
            "expected_codes": [{"cpt": "64490", "modifiers": ["RT", "KX"], "units": 1},
                               {"cpt": "64491", "modifiers": ["RT", "KX"], "units": 1}],
            "expected_findings": []}
    (tmp_path / "n1.json").write_text(json.dumps(gold))
    result = run("eval", tmp_path, "--format", "json", "--no-model")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["codes"]["exact_match"] == 1.0 and data["codes"]["notes"] == 1
    assert data["findings"]["notes"] == 1
    assert data["pipeline"] == "rules only"
