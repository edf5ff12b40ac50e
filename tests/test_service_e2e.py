"""notecheck service end to end: the real server (uvicorn on a free localhost port), `notecheck serve` as a
process, and the page driven in Debian's Chromium by Playwright.

The browser tests skip when /usr/bin/chromium is missing (CI installs it: .ci/run); never `playwright install`.
A screenshot of the page is saved to artifacts/service-e2e.png.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from notecheck.service.app import ServiceConfig, create_app
from notecheck.service.security import LOOPBACK_NAMES

from test_service import GUIDANCE_SENTENCE, MARKER, NO_GUIDANCE_NOTE, SCRIPT_NOTE, hook_request

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
KEY = "e2e-key-0123456789abcdef"
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving create_app(config) in a thread on a free localhost port."""

    def __init__(self, config: ServiceConfig) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=self.port,
                                                    log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def server():
    with LiveServer(ServiceConfig(allowed_hosts=sorted(LOOPBACK_NAMES))) as live:
        yield live


@pytest.fixture(scope="module")
def keyed_server():
    with LiveServer(ServiceConfig(api_key=KEY, allowed_hosts=sorted(LOOPBACK_NAMES))) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.requests = []  # every URL the page asks for
    page.errors = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


# --- the page in Chromium ----------------------------------------------------------------------------------------

@needs_chromium
def test_page_flags_missing_guidance_and_typing_the_sentence_clears_it(page, server):
    from playwright.sync_api import expect

    page.goto(server.url + "/")
    expect(page.locator("#payer")).to_have_value("medicare")
    page.locator("#note").click()
    page.keyboard.type(NO_GUIDANCE_NOTE)  # key by key: one input event per character

    finding = page.locator('#findings li[data-code="GUIDANCE_MISSING"]')
    expect(finding).to_be_visible()
    expect(finding.locator(".fix")).to_contain_text("Fix: Document the modality")
    expect(page.locator("#summary")).to_have_text("1 error · 4 warnings")
    checks = [u for u in page.requests if u.endswith("/v1/check")]
    assert 1 <= len(checks) <= 10, f"{len(checks)} checks for {len(NO_GUIDANCE_NOTE)} keystrokes: not debounced"

    # the note as read, with what was found highlighted
    expect(page.locator("#view")).to_have_text(NO_GUIDANCE_NOTE.replace("\r", ""), use_inner_text=False)
    expect(page.locator("#view mark.hl-level").first).to_have_text("L5-S1")
    expect(page.locator("#view mark.hl-med", has_text="bupivacaine")).to_have_count(1)
    expect(page.locator("#view mark.hl-tolerance", has_text="tolerated")).to_have_count(1)
    expect(page.locator("#view mark.hl-guidance")).to_have_count(0)

    # selecting the finding outlines its evidence in the note
    finding.click()
    expect(page.locator("#view mark.hl-evidence").first).to_be_visible()

    # type the guidance sentence where it belongs, after the injection
    caret = NO_GUIDANCE_NOTE.index("injected. ") + len("injected. ")
    page.evaluate("(pos) => { const t = document.getElementById('note'); t.focus(); t.setSelectionRange(pos, pos); }", caret)
    page.keyboard.type(GUIDANCE_SENTENCE, delay=15)
    expect(page.locator("#note")).to_have_value(NO_GUIDANCE_NOTE[:caret] + GUIDANCE_SENTENCE + NO_GUIDANCE_NOTE[caret:])

    expect(finding).to_have_count(0)
    expect(page.locator("#findings .clean-note")).to_be_visible()
    expect(page.locator("#status")).to_have_attribute("data-state", "ok")
    expect(page.locator("#summary")).to_have_text("0 errors · 4 warnings")
    expect(page.locator("#view mark.hl-guidance", has_text="fluoroscopic")).to_have_count(1)
    expect(page.locator("#codes li")).to_have_text(["64493-RT"])

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "service-e2e.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    elsewhere = [u for u in page.requests if not u.startswith(server.url) and not u.startswith("data:")]
    assert elsewhere == [], "the page must not load anything from another origin"
    assert page.errors == []


@needs_chromium
def test_script_in_a_note_is_shown_as_text_and_never_runs(page, server):
    from playwright.sync_api import expect

    page.goto(server.url + "/")
    page.locator("#note").fill(SCRIPT_NOTE)
    expect(page.locator('#findings li[data-code="GUIDANCE_MISSING"]')).to_be_visible()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#view script, #view img, #findings script, #findings img").count() == 0
    view = page.locator("#view").text_content()
    assert '<script>window.__pwned = 1</script>' in view and '<img src=x onerror="window.__pwned = 2">' in view
    assert page.evaluate("document.querySelectorAll('script').length") == 1  # app.js only
    assert page.errors == []


@needs_chromium
def test_every_report_string_reaches_the_page_as_text(page, server):
    """The real report for the <script> note, with its highlight spans and finding texts made to cover
    markup: every path from the report into the page (marks, messages, fixes, codes) must stay text."""
    from playwright.sync_api import expect

    script_line = SCRIPT_NOTE.splitlines()[0]
    img_start = SCRIPT_NOTE.index("<img")
    img_end = SCRIPT_NOTE.index(">", img_start) + 1

    def hostile(route):
        response = route.fetch()
        report = response.json()
        report["levels"][0]["spans"].append([0, len(script_line)])
        report["medications"][0]["spans"].append([img_start, img_end])
        finding = report["findings"][0]
        finding["message"] += ' <img src=x onerror="window.__pwned = 3">'
        finding["fix"] += " <script>window.__pwned = 4</script>"
        finding["rule"] = "<b>DOC-GUIDE</b>"
        report["codes"] = [{"cpt": "<i>64493</i>", "modifiers": ["<u>RT</u>"], "units": 1}]
        route.fulfill(response=response, json=report)

    page.route("**/v1/check", hostile)
    page.goto(server.url + "/")
    page.locator("#note").fill(SCRIPT_NOTE)
    finding = page.locator('#findings li[data-code="GUIDANCE_MISSING"]')
    expect(finding).to_be_visible()
    expect(page.locator("#view mark.hl-level", has_text="<script>window.__pwned = 1</script>")).to_have_count(1)
    expect(page.locator("#view mark.hl-med", has_text='<img src=x onerror="window.__pwned = 2">')).to_have_count(1)
    expect(finding.locator(".message")).to_contain_text('<img src=x onerror="window.__pwned = 3">')
    expect(finding.locator(".fix")).to_contain_text("<script>window.__pwned = 4</script>")
    expect(finding.locator(".rule")).to_have_text("<b>DOC-GUIDE</b>")
    expect(page.locator("#codes li")).to_have_text(["<i>64493</i>-<u>RT</u>"])
    markup = "#view script, #view img, #findings script, #findings img, #findings b, #codes i, #codes u"
    assert page.locator(markup).count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.errors == []


@needs_chromium
def test_page_asks_for_the_api_key_when_the_server_needs_one(browser, keyed_server):
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(keyed_server.url + "/")  # the page shell is public
        expect(page.locator("#key-label")).to_be_visible()
        page.locator("#note").fill(NO_GUIDANCE_NOTE)
        expect(page.locator("#status")).to_have_text("API key required")
        page.locator("#apikey").fill(KEY)
        page.locator("#apikey").press("Enter")
        expect(page.locator('#findings li[data-code="GUIDANCE_MISSING"]')).to_be_visible()
        expect(page.locator("#input-error")).to_be_hidden()
    finally:
        context.close()


# --- the real server ----------------------------------------------------------------------------------------------

def _status_line(sock: socket.socket) -> str:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode()


def test_streamed_body_over_the_limit_is_413_on_the_wire(server):
    head = (b"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for _ in range(20):  # 1.3 MB > the 1 MB default
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the body ended
        assert _status_line(sock) == "HTTP/1.1 413 Request Entity Too Large"


def test_declared_length_over_the_limit_is_413_before_the_body(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 5000000\r\n\r\n{")
        assert _status_line(sock) == "HTTP/1.1 413 Request Entity Too Large"


def test_live_check_and_cds(server):
    with httpx.Client(base_url=server.url, timeout=30) as client:
        report = client.post("/v1/check", json={"text": NO_GUIDANCE_NOTE}).json()
        assert {f["code"] for f in report["findings"] if f["severity"] == "error"} == {"GUIDANCE_MISSING"}
        cards = client.post("/cds-services/notecheck-note-sign", json=hook_request({"draftNote": NO_GUIDANCE_NOTE})).json()
        assert [c["source"]["topic"]["code"] for c in cards["cards"]] == ["GUIDANCE_MISSING"]
        rebound = client.get("/healthz", headers={"Host": "attacker.example"})
        assert rebound.status_code == 400


def test_serve_command_logs_requests_but_never_note_text(tmp_path):
    """`notecheck serve` as a process: the key from the environment, the access log on stderr with method,
    route and status only — no body, no query string, no path a client made up."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "NOTECHECK_API_KEY"} | {"NOTECHECK_API_KEY": KEY}
    stderr = (tmp_path / "stderr.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "notecheck.cli", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, "notecheck serve did not start"
                time.sleep(0.2)
            note = NO_GUIDANCE_NOTE.replace("Right", f"Right {MARKER}")
            assert client.post("/v1/check", json={"text": note}).status_code == 401
            key = {"X-API-Key": KEY}
            r = client.post("/v1/check", json={"text": note, "note_id": MARKER}, headers=key)
            assert r.status_code == 200 and r.json()["note_id"] == MARKER
            assert client.post("/v1/check", json={"text": [note]}, headers=key).status_code == 422
            assert client.get("/v1/check", params={"text": note}, headers=key).status_code == 405
            assert client.get(f"/notes/{MARKER}", headers=key).status_code == 404
            assert client.post("/cds-services/notecheck-note-sign", headers=key,
                               json=hook_request({"draftNote": note})).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    stderr.seek(0)
    log = stderr.read()
    assert "POST /v1/check 401" in log and "POST /v1/check 200" in log and "POST /v1/check 422" in log
    assert "GET /v1/check 405" in log and "GET (unmatched) 404" in log and "POST /cds-services/{service_id} 200" in log
    assert MARKER not in log
    assert "HTTP/1.1" not in log  # uvicorn's own access log (the full request line) is off
    assert KEY not in log
