"""Worklists (CSV, JSON Lines) and the HTML report: order by severity and revenue at risk, one
self-contained file, evidence marked in the note text, and note text escaped everywhere."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from notecheck.cli import app
from notecheck.review.export import ExportError, highlight, read_fees
from notecheck.review.runner import run_review
from review_helpers import ia_note, mbb_note, write_export_csv

runner = CliRunner()
SCRIPT = '<script>alert("x")</script>'
EVIL_PROVIDER = "<b>Evil & Co</b>"

NO_GUIDANCE = (
    "PROCEDURE: Left L4-5 facet joint injection.\n\n"
    f"INDICATION: Low back pain for 2 years. {SCRIPT} Physical therapy for 12 weeks failed.\n\n"
    "DESCRIPTION: A 22-gauge needle was placed into the left L4-5 joint and 1 mL of 0.5% bupivacaine was injected.\n\n"
    "The patient tolerated the procedure well.\n"
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    rows = [
        # error findings (no guidance), two billed lines worth 150 with the fee fixture
        {"note_id": "script", "text": NO_GUIDANCE, "patient_id": "P1", "date_of_service": "2024-01-10",
         "provider": EVIL_PROVIDER, "cpt": "64493", "modifiers": "LT", "units": "1", "paid_amount": "95"},
        {"note_id": "script", "text": "", "cpt": "64494", "modifiers": "LT", "units": "1", "paid_amount": "40"},
        # error findings too (over-billed: one joint, three lines), but worth more: 400
        {"note_id": "overbilled", "text": mbb_note("2024-01-11", name="Sam Example"), "patient_id": "P2",
         "date_of_service": "2024-01-11", "provider": "Dr Two", "cpt": "64493", "modifiers": "50;KX", "units": "1"},
        {"note_id": "overbilled", "text": "", "cpt": "64494", "modifiers": "50;KX", "units": "1"},
        {"note_id": "overbilled", "text": "", "cpt": "64495", "modifiers": "50;KX", "units": "1"},
        # a warning only (no pain score), a claim matching the note
        {"note_id": "warn", "text": mbb_note("2024-01-12", name="Robin Mockwell", post=None), "patient_id": "P3",
         "date_of_service": "2024-01-12", "provider": "Dr Two", "cpt": "64493", "modifiers": "50;KX", "units": "1"},
        # clean: not on the worklist
        {"note_id": "clean", "text": ia_note("2024-01-13", name="Quinn Fakeley", flavour="Pain for 2 years, failed PT 12 weeks.")},
        # could not be read
        {"note_id": "empty", "text": "   ", "provider": "Dr Two"},
        # a broken row: an input error record
        {"note_id": "broken", "text": "x", "date_of_service": "yesterday"},
    ]
    path = write_export_csv(tmp / "batch.csv", rows)
    db = tmp / "s.db"
    run_review(path, db, progress=False)
    fees = tmp / "fees.csv"
    fees.write_text("cpt,amount\n64493,100.00\n64494,50.00\n64495,250.00\n")  # made-up amounts
    return tmp, db, fees


def test_csv_worklist_order_and_revenue_at_risk(store):
    tmp, db, fees = store
    out = tmp / "worklist.csv"
    result = runner.invoke(app, ["export", "--db", str(db), "--format", "csv", "--out", str(out), "--fees", str(fees)])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    order = [(r["severity"], r["status"], r["note_id"]) for r in rows]
    assert ("warning", "checked", "warn") in order and all(r["note_id"] != "clean" for r in rows)
    errors = [r for r in rows if r["severity"] == "error"]
    assert [r["severity"] for r in rows] == sorted((r["severity"] for r in rows), key=["error", "warning", "info"].index)
    by_id = {r["note_id"]: r for r in rows}
    assert by_id["overbilled"]["revenue_at_risk"] == "400.00" and by_id["script"]["revenue_at_risk"] == "150.00"
    risks = [float(r["revenue_at_risk"] or 0) for r in errors]
    assert risks == sorted(risks, reverse=True)  # within a severity: most money first
    assert by_id["empty"]["status"] == "unreadable" and "note is empty" in by_id["empty"]["errors"]
    assert by_id["broken"]["status"] == "input_error" and "date" in by_id["broken"]["errors"]
    assert "GUIDANCE_MISSING" in by_id["script"]["findings"].split(";")
    assert by_id["script"]["billed"] == "64493-LT, 64494-LT" and by_id["script"]["paid_amount"] == "135.00"
    assert SCRIPT not in out.read_text()  # the worklist carries no note text


def test_jsonl_worklist(store):
    tmp, db, _ = store
    out = tmp / "worklist.jsonl"
    result = runner.invoke(app, ["export", "--db", str(db), "--format", "jsonl", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    items = [json.loads(line) for line in out.read_text().splitlines()]
    assert [i["rank"] for i in items] == list(range(1, len(items) + 1))
    script = next(i for i in items if i["note_id"] == "script")
    assert any(f["code"] == "GUIDANCE_MISSING" and f["fix"] and f["rule"] for f in script["findings"])
    assert script["at_risk"] is None  # no fee schedule given
    assert "text" not in script and SCRIPT not in out.read_text()


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.data: list[str] = []
        self.marks: list[tuple[str, str]] = []  # (title, text)
        self.pre: list[str] = []
        self._mark: list[str] | None = None
        self._title = ""
        self._in_pre = self._in_tag = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "pre" and a.get("class") == "note-text":
            self._in_pre = True
            self.pre.append("")
        if tag == "mark":
            self._mark, self._title = [], a.get("title", "")
        if tag == "span" and a.get("class") == "tag":
            self._in_tag = True

    def handle_endtag(self, tag):
        if tag == "pre":
            self._in_pre = False
        if tag == "mark" and self._mark is not None:
            self.marks.append((self._title, "".join(self._mark)))
            self._mark = None
        if tag == "span":
            self._in_tag = False

    def handle_data(self, data):
        self.data.append(data)
        if self._in_tag:
            return
        if self._in_pre:
            self.pre[-1] += data
        if self._mark is not None:
            self._mark.append(data)


def test_html_report_is_self_contained_escaped_and_marks_evidence(store):
    tmp, db, fees = store
    out = tmp / "report.html"
    result = runner.invoke(app, ["export", "--db", str(db), "--format", "html", "--out", str(out), "--fees", str(fees)])
    assert result.exit_code == 0, result.stderr
    html = out.read_text()
    p = _Collect()
    p.feed(html)
    p.close()
    tags = [t for t, _ in p.tags]
    assert "script" not in tags and not {"link", "img", "iframe", "object", "embed"} & set(tags)
    for _, attrs in p.tags:
        for value in attrs.values():
            assert "http" not in (value or "") and not (value or "").startswith("//")
    assert "svg" in tags and tags.count("rect") >= 2  # the two charts
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert SCRIPT in "".join(p.data)  # shown as text, never as a tag
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in html and EVIL_PROVIDER in "".join(p.data)
    # the note text survives highlighting exactly, and its evidence is marked
    assert NO_GUIDANCE in p.pre
    assert ("LEVEL", "L4-5") in p.marks
    assert any("GUIDANCE_MISSING" in title for title, _ in p.marks)  # where guidance was expected
    assert any(title == "DRUG" and text.lower() == "bupivacaine" for title, text in p.marks)
    text = "".join(p.data)
    for needed in ("Findings by code", "By provider", "Worklist", "supported by the note", "billed",
                   "64493-LT, 64494-LT", "GUIDANCE_MISSING", "note is empty"):
        assert needed in text
    fix = "Document the modality and the confirmation"
    assert fix in text  # the fix text is there


def test_highlight_handles_overlaps_and_keeps_text():
    text = "Left L4-5 facet joint injection."
    segs = highlight(text, [(5, 9, "LEVEL", "element"), (0, 31, "GUIDANCE_MISSING", "sev-error"), (40, 50, "X", "element"),
                            (3, 3, "EMPTY", "element")])
    assert "".join(s.text for s in segs) == text
    level = next(s for s in segs if s.text == "L4-5")
    assert level.labels == ["GUIDANCE_MISSING", "LEVEL"] and level.css == "sev-error" and level.ends == ["LEVEL"]
    assert all("X" not in s.labels and "EMPTY" not in s.labels for s in segs)


def test_fee_schedule_errors(tmp_path):
    bad = tmp_path / "fees.csv"
    bad.write_text("cpt,amount\n64493,abc\n")
    with pytest.raises(ExportError, match=r"fees.csv:2"):
        read_fees(bad)
    bad.write_text("code,price\n")
    with pytest.raises(ExportError, match="cpt,amount"):
        read_fees(bad)


def test_export_of_a_missing_store_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["export", "--db", str(tmp_path / "none.db"), "--format", "csv", "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "no such review store" in result.stderr
