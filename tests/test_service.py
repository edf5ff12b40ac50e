"""notecheck service: the JSON API, CDS Hooks, the page's static files and the safety layer, through
FastAPI's TestClient (the app's lifespan runs, so the pipeline is loaded as in `notecheck serve`).

The browser and the real server (uvicorn, the CLI, chunked bodies on a socket) are in test_service_e2e.py.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import sys
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from notecheck.check import check_text
from notecheck.cli import app as cli_app
from notecheck.profiles import PROFILE_DIR, load_profile
from notecheck.service import app as service_app
from notecheck.service import cds
from notecheck.service.app import ServiceConfig, create_app
from notecheck.service.security import is_loopback

STATIC = Path(service_app.__file__).parent / "static"
MARKER = "ZZPHIMARKER"
KEY = "test-key-0123456789abcdef"

#: Well documented: levels and sides, fluoroscopy, drug + volume, tolerance (and the history Medicare asks for).
CLEAN_NOTE = """PROCEDURE NOTE - INTERVENTIONAL PAIN

PROCEDURE: Diagnostic bilateral L4-5 and L5-S1 lumbar facet joint injections (intra-articular), first diagnostic block.

INDICATION: Axial low back pain for 14 months, worse with extension and rotation, without radiation below the knee. She completed 12 weeks of physical therapy and a course of naproxen without lasting relief. ODI 44%; she cannot stand for more than 20 minutes at work. MRI shows bilateral L4-5 and L5-S1 facet arthropathy. Neurologic examination is normal and there are no radicular symptoms.

SEDATION: None.

DESCRIPTION: Risks, benefits and alternatives were discussed and written consent was obtained. The patient was placed prone and the lumbar region was prepped with chlorhexidine and draped in sterile fashion. Under fluoroscopic guidance in AP and oblique views, the bilateral L4-5 and L5-S1 facet joints were identified. The skin over each entry point was anesthetized with 1% lidocaine. A 22-gauge 3.5-inch spinal needle was advanced into each joint and intra-articular position was confirmed with 0.2 mL of Omnipaque 240 at each joint, with no vascular uptake. Then 0.5 mL of 0.5% bupivacaine was injected into each joint (4 joints). Images were saved.

Pre-procedure pain was 7/10 on the NRS; at 30 minutes it was 1/10 with extension.

COMPLICATIONS: None. The patient tolerated the procedure well and was discharged home in stable condition.

PLAN: Return in 2 weeks with a pain diary.
"""
GUIDANCE_SENTENCE = "Needle position was confirmed under fluoroscopic guidance in AP and oblique views."
NO_GUIDANCE_NOTE = (
    "PROCEDURE: Right L5-S1 lumbar facet joint injection.\n\n"
    "DESCRIPTION: After informed consent, the patient was placed prone and the low back was prepped and draped. "
    "A 22-gauge spinal needle was advanced into the right L5-S1 facet joint. 1 mL of 0.5% bupivacaine with 20 mg of "
    "triamcinolone was injected. "
    "\n\nThe patient tolerated the procedure well. There were no complications.\n"
)
SCRIPT_NOTE = "<script>window.__pwned = 1</script>\n<img src=x onerror=\"window.__pwned = 2\">\n" + NO_GUIDANCE_NOTE


def errors_of(report: dict) -> set[str]:
    return {f["code"] for f in report["findings"] if f["severity"] == "error"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def document_reference(text: str, content_type: str = "text/plain; charset=utf-8") -> dict:
    return {"resourceType": "DocumentReference", "status": "current", "docStatus": "preliminary",
            "content": [{"attachment": {"contentType": content_type, "data": b64(text)}}]}


def claim(*lines: tuple[str, list[str]]) -> dict:
    return {"resourceType": "Claim", "status": "draft", "use": "claim",
            "item": [{"sequence": i + 1,
                      "productOrService": {"coding": [{"system": cds.CPT_SYSTEM, "code": cpt}]},
                      "modifier": [{"coding": [{"code": m}]} for m in mods],
                      "quantity": {"value": 1}} for i, (cpt, mods) in enumerate(lines)]}


def hook_request(context: dict | None = None, prefetch: dict | None = None, **extra) -> dict:
    body = {"hook": cds.HOOK, "hookInstance": str(uuid.uuid4()), "context": {"userId": "Practitioner/example", **(context or {})}}
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body | extra


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture(scope="module")
def keyed():
    with TestClient(create_app(ServiceConfig(api_key=KEY, max_body=4096))) as c:
        yield c


CDS_URL = f"/cds-services/{cds.SERVICE_ID}"


# --- the notes themselves ------------------------------------------------------------------------------------

def test_test_notes_say_what_the_tests_assume():
    clean = check_text(CLEAN_NOTE)
    assert not clean.errors and not clean.has_error_findings, [f.code for f in clean.findings]
    assert [lv.joint for lv in clean.levels] == ["L4-L5", "L5-S1"] and all(lv.laterality == "bilateral" for lv in clean.levels)
    assert {g.modality for g in clean.guidance if not g.negated} == {"fluoroscopy"} and clean.tolerance.documented
    flawed = check_text(NO_GUIDANCE_NOTE)
    assert {f.code for f in flawed.findings if f.severity == "error"} == {"GUIDANCE_MISSING"}
    fixed = check_text(NO_GUIDANCE_NOTE.replace("injected. ", "injected. " + GUIDANCE_SENTENCE))
    assert not fixed.has_error_findings


# --- JSON API --------------------------------------------------------------------------------------------------

def test_healthz_after_startup(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["default_payer"] == "medicare"


def test_healthz_is_503_until_the_pipeline_is_loaded():
    c = TestClient(create_app())  # no `with`: the lifespan (pipeline load) has not run
    r = c.get("/healthz")
    assert r.status_code == 503 and r.json()["status"] == "starting"


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/check", "/v1/rules", "/v1/payers", "/healthz", "/cds-services", "/cds-services/{service_id}",
                 "/cds-services/{service_id}/feedback"):
        assert path in spec["paths"], path
    check_schema = spec["paths"]["/v1/check"]["post"]
    assert "NoteReport" in json.dumps(check_schema["responses"]["200"])
    assert "CheckRequest" in json.dumps(check_schema["requestBody"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text


def test_check_returns_the_report_contract_for_a_flawed_note(client):
    r = client.post("/v1/check", json={"text": NO_GUIDANCE_NOTE, "note_id": "n1"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    report = r.json()
    assert errors_of(report) == {"GUIDANCE_MISSING"}
    finding = next(f for f in report["findings"] if f["code"] == "GUIDANCE_MISSING")
    assert finding["fix"] and "fluoroscop" in finding["fix"]
    # exactly what the library says for the same note
    assert report == json.loads(check_text(NO_GUIDANCE_NOTE, "n1").model_dump_json())
    assert r.headers["cache-control"] == "no-store"


def test_check_clean_note_and_adding_the_sentence_clears_the_finding(client):
    assert errors_of(client.post("/v1/check", json={"text": CLEAN_NOTE}).json()) == set()
    fixed = NO_GUIDANCE_NOTE.replace("injected. ", "injected. " + GUIDANCE_SENTENCE)
    report = client.post("/v1/check", json={"text": fixed}).json()
    assert errors_of(report) == set()
    assert report["codes"] == [{"cpt": "64493", "modifiers": ["RT"], "units": 1}]


def test_check_with_billed_codes_and_payer(client):
    no_kx = client.post("/v1/check", json={"text": CLEAN_NOTE, "billed": ["64493-50", "64494-50"]}).json()
    assert errors_of(no_kx) == {"CLAIM_KX_MISSING"}
    assert no_kx["billed"] == [{"cpt": "64493", "modifiers": ["50"], "units": 1},
                               {"cpt": "64494", "modifiers": ["50"], "units": 1}]
    with_kx = client.post("/v1/check", json={"text": CLEAN_NOTE, "billed": ["64493-50-KX", "64494-50-KX"]}).json()
    assert errors_of(with_kx) == set() and with_kx["payer"] == "medicare"
    aetna = client.post("/v1/check", json={"text": CLEAN_NOTE, "billed": ["64493-50", "64494-50"], "payer": "Aetna"}).json()
    assert aetna["payer"] == "aetna" and errors_of(aetna) == set()  # KX is a Medicare modifier


def test_bad_billed_code_is_422_naming_it(client):
    r = client.post("/v1/check", json={"text": CLEAN_NOTE, "billed": ["64493-50", "6449X"]})
    assert r.status_code == 422
    assert "6449X" in r.json()["error"] and r.json()["status"] == 422


@pytest.mark.parametrize("payer", ["nopayer", str(PROFILE_DIR / "aetna.json"), "../../etc/passwd"])
def test_unknown_payer_is_422_and_never_a_file(client, payer):
    r = client.post("/v1/check", json={"text": CLEAN_NOTE, "payer": payer})
    assert r.status_code == 422
    assert "unknown payer profile" in r.json()["error"] and "medicare" in r.json()["error"]


@pytest.mark.parametrize("text,error", [
    ("", "note is empty"), ("   \n\t ", "note is empty"), ("\x00\x01\x02binary" * 20, "note is binary, not text"),
])
def test_unreadable_note_is_a_report_with_errors(client, text, error):
    r = client.post("/v1/check", json={"text": text})
    assert r.status_code == 200
    assert r.json()["errors"] == [error] and r.json()["findings"] == []


@pytest.mark.parametrize("body,field", [
    ({}, "text"), ({"text": 12}, "text"), ({"text": None}, "text"), ({"text": "x", "colour": "red"}, "colour"),
    ({"text": "x", "billed": "64493-50"}, "billed"),
])
def test_malformed_request_is_422_json(client, body, field):
    r = client.post("/v1/check", json=body)
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == field and field in r.json()["error"]


def test_validation_errors_never_echo_the_input(client):
    r = client.post("/v1/check", json={"text": [f"{MARKER} pain at L4-5"], "note_id": "x"})
    assert r.status_code == 422 and MARKER not in r.text
    r = client.post("/v1/check", content=f'{{"text": "{MARKER}'.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["problems"][0]["type"] == "json_invalid"
    assert MARKER not in r.text and "Traceback" not in r.text


def test_script_note_is_plain_json(client):
    r = client.post("/v1/check", json={"text": SCRIPT_NOTE})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json" and r.headers["x-content-type-options"] == "nosniff"
    assert errors_of(r.json()) == {"GUIDANCE_MISSING"}


def test_rules_and_payers(client):
    default = client.get("/v1/rules").json()
    assert default["id"] == "medicare"
    assert default == json.loads(load_profile("medicare").model_dump_json())
    assert client.get("/v1/rules", params={"payer": "uhc"}).json()["id"] == "uhc"
    bad = client.get("/v1/rules", params={"payer": "nope"})
    assert bad.status_code == 422 and "nope" in bad.json()["error"]
    assert client.get("/v1/payers").json() == {"default": "medicare", "available": ["aetna", "bcbs", "medicare", "uhc"]}


def test_default_payer_comes_from_the_config():
    with TestClient(create_app(ServiceConfig(default_payer="aetna"))) as c:
        assert c.post("/v1/check", json={"text": CLEAN_NOTE}).json()["payer"] == "aetna"
        assert c.get("/v1/rules").json()["id"] == "aetna"


# --- the page ---------------------------------------------------------------------------------------------------

def test_page_is_served_with_a_strict_policy(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "unsafe-inline" not in csp
    assert '<script src="/static/app.js"' in r.text and 'href="/static/app.css"' in r.text
    for name, kind in (("app.js", "javascript"), ("app.css", "text/css")):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200 and kind in asset.headers["content-type"]


def test_page_loads_nothing_from_elsewhere():
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path.name  # no CDN, no external URL
        assert "<script>" not in text or path.suffix != ".html"  # no inline script in the page


def test_page_script_builds_the_dom_from_text_only():
    js = (STATIC / "app.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", js, flags=re.S)  # comments may name what the code must not do
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "DOMParser", "createContextualFragment", "srcdoc", "localStorage", "sessionStorage"):
        assert sink not in code, sink
    assert "textContent" in code and "createTextNode" in code
    assert re.search(r"setTimeout\(check, DEBOUNCE_MS\)", code) and "const DEBOUNCE_MS = 300" in code
    assert 'fetch("/v1/check"' in code


# --- CDS Hooks ------------------------------------------------------------------------------------------------------

def test_cds_discovery(client):
    services = client.get("/cds-services").json()["services"]
    assert len(services) == 1
    service = services[0]
    assert service["id"] == "notecheck-note-sign" and service["hook"] == "org.notecheck.note-sign"
    assert re.fullmatch(r"[a-z]+(\.[a-z-]+)+", service["hook"])  # reverse-domain custom hook name
    assert service["title"] and service["description"] and "{{context.draftNoteId}}" in service["prefetch"]["draftNote"]


def test_cds_card_for_missing_guidance(client):
    r = client.post(CDS_URL, json=hook_request({"draftNote": document_reference(NO_GUIDANCE_NOTE)}))
    assert r.status_code == 200
    cards = r.json()["cards"]
    assert [c["source"]["topic"]["code"] for c in cards] == ["GUIDANCE_MISSING"]
    card = cards[0]
    uuid.UUID(card["uuid"])
    assert len(card["summary"]) < 140 and "guidance" in card["summary"].lower()
    assert card["indicator"] == "warning" and card["source"]["label"] == "notecheck"
    assert "**Fix:**" in card["detail"] and "fluoroscopic guidance" in card["detail"]
    assert "**In the note:**" in card["detail"] and "facet joint injection" in card["detail"]  # the evidence quote
    assert {r["code"] for r in card["overrideReasons"]} == {"documented-elsewhere", "not-applicable", "will-amend"}
    assert "_code" not in card


def test_cds_clean_note_has_no_cards(client):
    r = client.post(CDS_URL, json=hook_request({"draftNote": document_reference(CLEAN_NOTE)}))
    assert r.status_code == 200 and r.json() == {"cards": []}


@pytest.mark.parametrize("where", ["context-text", "context-documentReference", "prefetch", "prefetch-bundle"])
def test_cds_note_from_context_or_prefetch(client, where):
    doc = document_reference(NO_GUIDANCE_NOTE)
    body = {
        "context-text": hook_request({"draftNote": NO_GUIDANCE_NOTE}),
        "context-documentReference": hook_request({"documentReference": doc}),
        "prefetch": hook_request({"draftNoteId": "dr1"}, {"draftNote": doc}),
        "prefetch-bundle": hook_request({}, {"draftNote": {"resourceType": "Bundle", "type": "searchset",
                                                           "entry": [{"resource": doc}]}}),
    }[where]
    r = client.post(CDS_URL, json=body)
    assert r.status_code == 200
    assert [c["source"]["topic"]["code"] for c in r.json()["cards"]] == ["GUIDANCE_MISSING"]


def test_cds_planned_claim_from_context_or_prefetched_claim(client):
    doc = document_reference(CLEAN_NOTE)
    by_context = client.post(CDS_URL, json=hook_request({"draftNote": doc, "billedCodes": ["64493-50", "64494-50"]})).json()
    by_claim = client.post(CDS_URL, json=hook_request({"draftNote": doc}, {
        "claim": claim(("64493", ["50"]), ("64494", ["50"]))})).json()
    for result in (by_context, by_claim):
        assert [c["source"]["topic"]["code"] for c in result["cards"]] == ["CLAIM_KX_MISSING"]
        assert result["cards"][0]["indicator"] == "warning"
    ok = client.post(CDS_URL, json=hook_request({"draftNote": doc}, {
        "claim": claim(("64493", ["50", "KX"]), ("64494", ["50", "KX"]))})).json()
    assert ok == {"cards": []}


def test_cds_payer_in_context(client):
    body = hook_request({"draftNote": document_reference(CLEAN_NOTE), "billedCodes": ["64493-50", "64494-50"], "payer": "aetna"})
    assert client.post(CDS_URL, json=body).json() == {"cards": []}
    body["context"]["payer"] = "nobody"
    r = client.post(CDS_URL, json=body)
    assert r.status_code == 400 and "nobody" in r.json()["error"]


@pytest.mark.parametrize("context,prefetch,says", [
    ({}, None, "the draft note is missing"),
    ({}, {"draftNote": None}, "the draft note is missing"),  # the client could not prefetch it
    ({"draftNote": {"resourceType": "DocumentReference", "status": "current",
                    "content": [{"attachment": {"contentType": "text/plain", "url": "Binary/123"}}]}},
     None, "refers to its text by url; notecheck never fetches"),
    ({"draftNote": {"resourceType": "DocumentReference", "status": "current",
                    "content": [{"attachment": {"contentType": "application/pdf", "data": b64("%PDF")}}]}},
     None, "has no text/plain attachment with data"),
])
def test_cds_missing_note_is_412(client, context, prefetch, says):
    r = client.post(CDS_URL, json=hook_request(context, prefetch))
    assert r.status_code == 412 and r.json()["status"] == 412
    assert says in r.json()["error"]


@pytest.mark.parametrize("mutate,status,words", [
    (lambda b: b.update(hook="patient-view"), 400, "hook"),
    (lambda b: b.pop("hookInstance"), 400, "hookInstance"),
    (lambda b: b.pop("context"), 400, "context"),
    (lambda b: b["context"].update(draftNote={"resourceType": "Patient"}), 400, "DocumentReference"),
    (lambda b: b["context"]["draftNote"]["content"][0]["attachment"].update(data="not base64!"), 400, "base64"),
    (lambda b: b["context"].update(billedCodes=["64493_50"]), 400, "64493_50"),
    (lambda b: b["context"].update(billedCodes="64493-50"), 400, "billedCodes"),
])
def test_cds_bad_requests_are_400(client, mutate, status, words):
    body = hook_request({"draftNote": document_reference(NO_GUIDANCE_NOTE)})
    mutate(body)
    r = client.post(CDS_URL, json=body)
    assert r.status_code == status and words in r.json()["error"]


def test_cds_unknown_service_is_404(client):
    r = client.post("/cds-services/another-service", json=hook_request({"draftNote": NO_GUIDANCE_NOTE}))
    assert r.status_code == 404 and r.json()["status"] == 404


def test_cds_unreadable_note_is_one_info_card(client):
    r = client.post(CDS_URL, json=hook_request({"draftNote": document_reference("   \n")}))
    cards = r.json()["cards"]
    assert r.status_code == 200 and len(cards) == 1
    assert cards[0]["indicator"] == "info" and "note is empty" in cards[0]["summary"]


def test_cds_card_indicator_follows_the_requirement_category():
    """An error-level finding outside documentation/policy/claim (here: a profile that makes a necessity
    requirement an error) is an "info" card; documentation errors are "warning" cards."""
    base = load_profile("medicare")
    requirements = [r.model_copy(update={"severity": "error"}) if r.code == "PAIN_SCORE_MISSING" else r
                    for r in base.requirements]
    profile = base.model_copy(update={"requirements": requirements})
    report = check_text(NO_GUIDANCE_NOTE, profile=profile)
    cards = {c["_code"]: c for c in cds.cards_for(report, NO_GUIDANCE_NOTE, profile)}
    assert set(cards) == {"GUIDANCE_MISSING", "PAIN_SCORE_MISSING"}
    assert cards["GUIDANCE_MISSING"]["indicator"] == "warning" and cards["PAIN_SCORE_MISSING"]["indicator"] == "info"
    assert all(len(c["summary"]) < 140 for c in cards.values())


def test_card_summaries_fit_for_every_requirement_of_every_payer():
    from notecheck.profiles import available_profiles

    for name in available_profiles():
        for requirement in load_profile(name).requirements:
            summary = cds.summary_for(requirement.code, requirement.message.replace("{", "").replace("}", "") * 3)
            assert 0 < len(summary) < 140, (name, requirement.code)
    assert len(cds.summary_for("SOME_FUTURE_CODE", "x" * 300)) < 140  # codes added later get a plain title


def test_card_detail_cannot_carry_markup_from_the_note():
    hostile = "[click me](http://evil.example/x) <img src=x onerror=alert(1)> **bold** `code`"
    escaped = cds.md_escape(hostile)
    assert not re.search(r"(?<!\\)[\[\]()<>`*]", escaped)  # every markdown/HTML character is backslash-escaped
    assert escaped.replace("\\", "") == hostile
    quotes = cds.evidence_quotes("a" * 10 + "X" * 300, [(10, 310)])
    assert len(quotes[0]) == 120 and quotes[0].endswith("…")


# --- CDS feedback ---------------------------------------------------------------------------------------------------

def test_cds_feedback_is_counted_per_finding_code_without_text():
    with TestClient(create_app()) as c:
        cards = c.post(CDS_URL, json=hook_request({"draftNote": document_reference(NO_GUIDANCE_NOTE)})).json()["cards"]
        card = cards[0]["uuid"]
        r = c.post(f"{CDS_URL}/feedback", json={"feedback": [
            {"card": card, "outcome": "accepted", "outcomeTimestamp": "2025-06-20T10:00:00Z"},
            {"card": card, "outcome": "overridden", "outcomeTimestamp": "2025-06-20T10:01:00Z",
             "overrideReason": {"reason": {"system": cds.OVERRIDE_SYSTEM, "code": "documented-elsewhere"},
                                "userComment": f"{MARKER} fluoroscopy is in the nursing note"}},
            {"card": card, "outcome": "overridden", "outcomeTimestamp": "2025-06-20T10:02:00Z",
             "overrideReason": {"reason": {"code": MARKER}}},
            {"card": str(uuid.uuid4()), "outcome": "accepted", "outcomeTimestamp": "2025-06-20T10:03:00Z"},
        ]})
        assert r.status_code == 200 and r.json() == {"recorded": 4}
        counts = c.get(f"{CDS_URL}/feedback").json()
        assert counts["outcomes"] == {"GUIDANCE_MISSING": {"accepted": 1, "overridden": 2}, "unknown-card": {"accepted": 1}}
        assert counts["overrideReasons"] == {"GUIDANCE_MISSING": {"documented-elsewhere": 1, "other": 1}}
        assert MARKER not in json.dumps(counts)
        store = c.app.state.feedback
        assert MARKER not in repr(vars(store))

        bad = c.post(f"{CDS_URL}/feedback", json={"feedback": [{"card": card, "outcome": "liked"}]})
        assert bad.status_code == 400 and "outcome" in bad.json()["error"]
        assert c.post(f"{CDS_URL}/feedback", json={"feedback": []}).status_code == 400


def test_feedback_store_is_bounded():
    store = cds.FeedbackStore(max_cards=3)
    store.issue([{"uuid": f"u{i}", "_code": "GUIDANCE_MISSING"} for i in range(5)])
    store.record([cds.FeedbackItem(card="u0", outcome="accepted"), cds.FeedbackItem(card="u4", outcome="accepted")])
    assert store.counts()["outcomes"] == {"GUIDANCE_MISSING": {"accepted": 1}, "unknown-card": {"accepted": 1}}


# --- safety ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("POST", "/v1/check"), ("GET", "/v1/rules"), ("GET", "/v1/payers"), ("GET", "/cds-services"),
    ("POST", CDS_URL), ("POST", f"{CDS_URL}/feedback"), ("GET", "/openapi.json"), ("GET", "/docs"),
])
def test_api_key_required(keyed, method, path):
    r = keyed.request(method, path, json={"text": CLEAN_NOTE})
    assert r.status_code == 401 and r.json()["status"] == 401 and "API key" in r.json()["error"]
    wrong = keyed.request(method, path, json={"text": CLEAN_NOTE}, headers={"X-API-Key": KEY[:-1] + "x"})
    assert wrong.status_code == 401


def test_api_key_accepted_as_header_or_bearer(keyed):
    body = {"text": NO_GUIDANCE_NOTE}
    assert errors_of(keyed.post("/v1/check", json=body, headers={"X-API-Key": KEY}).json()) == {"GUIDANCE_MISSING"}
    assert keyed.post("/v1/check", json=body, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert keyed.post(CDS_URL, json=hook_request({"draftNote": NO_GUIDANCE_NOTE}),
                      headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_page_shell_and_health_need_no_key(keyed):
    for path in ("/", "/static/app.js", "/static/app.css", "/healthz"):
        assert keyed.get(path).status_code == 200, path
    assert keyed.post("/healthz").status_code == 401  # only GET/HEAD of the public paths


def test_body_over_the_limit_is_413(keyed):
    big = {"text": "x" * 5000}
    r = keyed.post("/v1/check", json=big, headers={"X-API-Key": KEY})
    assert r.status_code == 413 and r.json()["status"] == 413 and "4,096" in r.json()["error"]

    def chunks():  # no Content-Length: the body is counted as it streams in
        for _ in range(10):
            yield b"x" * 1000

    r = keyed.post("/v1/check", content=chunks(), headers={"X-API-Key": KEY, "Content-Type": "application/json"})
    assert "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
    assert r.status_code == 413 and r.json()["status"] == 413

    def small():
        yield json.dumps({"text": NO_GUIDANCE_NOTE[:300]}).encode()

    r = keyed.post("/v1/check", content=small(), headers={"X-API-Key": KEY, "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["note_id"] == "note"


def test_body_limit_applies_to_cds(keyed):
    r = keyed.post(CDS_URL, json=hook_request({"draftNote": document_reference("x" * 5000)}), headers={"X-API-Key": KEY})
    assert r.status_code == 413


def test_host_header_checked_when_bound_to_loopback():
    app = create_app(ServiceConfig(allowed_hosts=["127.0.0.1", "localhost", "::1"]))
    with TestClient(app, base_url="http://127.0.0.1:8123") as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/healthz", headers={"Host": "localhost:8123"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "[::1]:8123"}).status_code == 200
        rebound = c.post("/v1/check", json={"text": CLEAN_NOTE}, headers={"Host": "attacker.example:8123"})
        assert rebound.status_code == 400 and "Host" in rebound.json()["error"]


def test_unexpected_errors_are_json_without_trace_or_note_text(monkeypatch, caplog):
    def boom(note, profile, billed=None, use_model=None):
        raise RuntimeError(f"failed on {note.text}")

    caplog.set_level(logging.DEBUG)
    with TestClient(create_app()) as c:
        monkeypatch.setattr(service_app, "check_note", boom)  # after start-up, which checks a warm-up note
        r = c.post("/v1/check", json={"text": f"{MARKER} L4-5 facet injection"})
        assert r.status_code == 500
        assert r.json() == {"error": "internal error; the request was not processed", "status": 500}
        r = c.post(CDS_URL, json=hook_request({"draftNote": f"{MARKER} L4-5 facet injection"}))
        assert r.status_code == 500 and MARKER not in r.text
    assert "unhandled RuntimeError on POST /v1/check" in caplog.text
    assert "unhandled RuntimeError on POST /cds-services/{service_id}" in caplog.text
    assert MARKER not in caplog.text


def test_no_note_text_in_any_log(caplog):
    caplog.set_level(logging.DEBUG)
    note = NO_GUIDANCE_NOTE.replace("Right", f"Right {MARKER}")
    with TestClient(create_app(ServiceConfig(max_body=8000))) as c:
        c.post("/v1/check", json={"text": note, "note_id": MARKER})
        c.post("/v1/check", json={"text": note, "billed": [MARKER]})
        c.post("/v1/check", json={"text": [note]})
        c.post("/v1/check", json={"text": note * 40})  # 413
        c.post(CDS_URL, json=hook_request({"draftNote": document_reference(note)}))
        c.get(f"/v1/{MARKER}", params={"text": MARKER})  # 404, note text in path and query
        c.get("/v1/check", params={"text": MARKER})  # 405
    # Everything the server side logged (the test's own HTTP client logs its request URLs: not the server's).
    server_side = [r for r in caplog.records if not r.name.startswith("httpx")]
    assert server_side and not any(MARKER in r.getMessage() or MARKER in str(r.args) for r in server_side)
    access = [r.getMessage() for r in caplog.records if r.name == "notecheck.service.access"]
    assert "POST /v1/check 200" in " ".join(access) and "POST /v1/check 413" in " ".join(access)
    assert any(a.startswith("GET (unmatched) 404") for a in access)
    assert any(a.startswith("GET /v1/check 405") for a in access)


# --- the CLI ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("host,loopback", [
    ("127.0.0.1", True), ("127.5.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False),
])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_serve_refuses_a_public_address_without_a_key():
    runner = CliRunner()
    r = runner.invoke(cli_app, ["serve", "--host", "0.0.0.0", "--port", "8000"], env={"NOTECHECK_API_KEY": None})
    assert r.exit_code == 2 and "requires an API key" in r.output
    r = runner.invoke(cli_app, ["serve", "--host", "0.0.0.0"], env={"NOTECHECK_API_KEY": "short"})
    assert r.exit_code == 2 and "at least 16 characters" in r.output
    r = runner.invoke(cli_app, ["serve", "--payer", "nopayer"], env={"NOTECHECK_API_KEY": None})
    assert r.exit_code == 2 and "unknown payer profile" in r.output


def test_serve_is_a_command():
    r = CliRunner().invoke(cli_app, ["serve", "--help"])
    assert r.exit_code == 0
    for option in ("--host", "--port", "--api-key", "--max-body", "--payer", "NOTECHECK_API_KEY"):
        assert option in r.output


def test_service_log_lines_follow_the_current_stderr(monkeypatch):
    """The handler must not keep the stderr of the moment it was configured: a server thread logging after that
    stream was closed printed "--- Logging error ---" (seen with pytest's capture)."""
    import io

    from notecheck.service.cli import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    try:
        configure_logging()
        first.close()
        second = io.StringIO()
        monkeypatch.setattr(sys, "stderr", second)
        logging.getLogger("notecheck.service.access").info("%s %s %s", "POST", "/v1/check", 200)
        assert "POST /v1/check 200" in second.getvalue()
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
