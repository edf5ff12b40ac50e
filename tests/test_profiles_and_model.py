"""Payer profiles as data (validation, snapshot of the catalogue) and the sentence model file (skops,
checksum, trusted types)."""

import json
import os
import shutil
from pathlib import Path

import pytest

from notecheck.profiles import ProfileError, available_profiles, load_profile, load_profile_file
from notecheck.sentence_model import ModelError, load_model, model_paths

SNAPSHOT = Path(__file__).parent / "snapshots" / "profiles.json"


def catalogue() -> dict:
    return {name: json.loads(load_profile(name).model_dump_json()) for name in available_profiles()}


def test_profile_catalogue_matches_snapshot():
    """A change to any payer rule is a visible diff here. After an intended change, regenerate with
    UPDATE_SNAPSHOTS=1 pytest tests/test_profiles_and_model.py and review the diff."""
    current = catalogue()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_bundled_profiles():
    assert {"medicare", "aetna", "uhc", "bcbs"} <= set(available_profiles())
    medicare = load_profile("medicare")
    assert medicare.parameters.max_levels_per_session == 2
    assert medicare.parameters.diagnostic_relief_pct == 80
    assert all(r.rule.startswith(("CPT-", "MED-", "DOC-", "PAY-")) for r in medicare.requirements)
    assert load_profile("aetna").parameters.max_levels_per_session == 3


def _write(tmp_path, mutate) -> Path:
    data = json.loads(load_profile("medicare").model_dump_json())
    mutate(data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["parameters"].__setitem__("max_levels_per_session", "two"), "parameters.max_levels_per_session"),
    (lambda d: d["parameters"].__setitem__("diagnostic_relief_pct", 180), "parameters.diagnostic_relief_pct"),
    (lambda d: d["parameters"].pop("covered_guidance"), "parameters.covered_guidance"),
    (lambda d: d["requirements"][0].__setitem__("code", "MADE_UP"), "requirements[0].code"),
    (lambda d: d["requirements"][2].__setitem__("rule", "LCD"), "requirements[2].rule"),
    (lambda d: d["requirements"][1].__setitem__("severity", "fatal"), "requirements[1].severity"),
    (lambda d: d.__setitem__("surprise", 1), "surprise"),
], ids=["wrong type", "out of range", "missing", "unknown code", "uncited rule", "bad severity", "extra field"])
def test_broken_profile_names_file_and_field(tmp_path, mutate, field):
    path = _write(tmp_path, mutate)
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert str(path) in str(err.value)
    assert f"field {field}" in str(err.value)


def test_profile_that_is_not_json(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{ not json")
    with pytest.raises(ProfileError, match="not valid JSON"):
        load_profile_file(path)


def test_duplicate_requirement_codes_are_refused(tmp_path):
    path = _write(tmp_path, lambda d: d["requirements"].append(dict(d["requirements"][0])))
    with pytest.raises(ProfileError, match="more than once"):
        load_profile_file(path)


def test_unknown_profile_name_lists_the_available_ones():
    with pytest.raises(ProfileError, match="available: aetna, bcbs, medicare, uhc"):
        load_profile("nosuchpayer")


# --- the sentence model file -------------------------------------------------------------------------------

@pytest.fixture
def model_copy(tmp_path):
    model, card = model_paths()
    if not model.exists():
        pytest.skip("no trained model shipped")
    shutil.copy(model, tmp_path / model.name)
    shutil.copy(card, tmp_path / card.name)
    return tmp_path / model.name


def test_shipped_model_loads_and_predicts(model_copy):
    model = load_model(model_copy)
    assert model.card["sha256"]
    p = model.p_procedure(["SECTION_procedure 22-gauge needle was advanced into the joint and LEVELTOKEN was injected",
                           "SECTION_indication she had injections last year with good relief"])
    assert p[0] > p[1]


def test_tampered_model_is_refused(model_copy):
    data = bytearray(model_copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model_copy.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match the checksum"):
        load_model(model_copy)


def test_missing_model_and_card_are_clear_errors(model_copy):
    card = model_copy.with_suffix("").with_suffix(".card.json")
    card.unlink()
    with pytest.raises(ModelError, match="model card .* is missing"):
        load_model(model_copy)
    model_copy.unlink()
    with pytest.raises(ModelError, match="is missing; run `notecheck train`"):
        load_model(model_copy)


def test_model_with_untrusted_types_is_refused(tmp_path):
    """A file whose checksum matches its card but that carries code-bearing types is still refused."""
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from notecheck.sentence_model import sha256

    path = tmp_path / "sentence_scope.skops"
    sio.dump(Pipeline([("f", FunctionTransformer(func=json.loads))]), path)
    (tmp_path / "sentence_scope.card.json").write_text(json.dumps({"sha256": sha256(path)}))
    with pytest.raises(ModelError, match="not trusted"):
        load_model(path)
