"""Reading a review batch: a folder of notes (+ claims CSV), a CSV or JSON Lines export, or a FHIR Bundle.

Every input becomes a list of `ReviewItem`s (one per note, in input order) and a list of `InputError`s
(rows or resources that could not be used). Nothing here raises for a bad row or resource: it becomes an
error record and the batch goes on. Only an input that cannot be opened at all (missing file, not a
Bundle, a claims file that fails `notecheck.claims.read_claims`) is a usage error (`InputUsageError`).

Error messages name the file, the row or resource and the problem, never the note's text (PHI).

Keys: a note is identified by ``sha256(source, note_id, content_hash)`` where ``source`` is the resolved
path of the input and ``content_hash`` covers the note's bytes/text, its claim lines and its metadata.
The same input read again gives the same keys, which is what lets a stopped run resume.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..claims import ClaimError, parse_claim_fields, read_claims
from ..reading import DEFAULT_MAX_BYTES, NoteInput, decode_note, expand_paths, note_from_text, read_note_file
from ..report import Code

FORMATS = ("auto", "folder", "csv", "jsonl", "fhir")
META_COLUMNS = ("patient_id", "date_of_service", "provider", "payer", "paid_amount")
CLAIM_FIELDS = ("cpt", "modifiers", "units")
_CSV_FIELD_LIMIT = 256 * 1024 * 1024
CPT_SYSTEMS = ("http://www.ama-assn.org/go/cpt", "urn:oid:2.16.840.1.113883.6.12")


class InputUsageError(ValueError):
    """The input as a whole cannot be read (missing, wrong kind of file, a claims file that fails)."""


@dataclass
class NoteMeta:
    patient_id: str | None = None
    date_of_service: str | None = None  # ISO date
    provider: str | None = None
    payer: str | None = None
    paid_amount: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in META_COLUMNS}


@dataclass
class ReviewItem:
    source: str
    note_id: str
    locator: str
    note: NoteInput
    billed: list[Code] = field(default_factory=list)
    meta: NoteMeta = field(default_factory=NoteMeta)
    content_hash: str = ""

    @property
    def key(self) -> str:
        return note_key(self.source, self.note_id, self.content_hash)


@dataclass
class InputError:
    source: str
    locator: str
    note_id: str
    stage: str  # csv | jsonl | fhir | claims
    message: str
    raw_hash: str = ""

    @property
    def key(self) -> str:
        return _sha("error", self.source, self.locator, self.note_id, self.message, self.raw_hash)


@dataclass
class ReviewInput:
    fmt: str
    source: str
    items: list[ReviewItem]
    errors: list[InputError]


# --- helpers -------------------------------------------------------------------------------------------------

def _sha(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogateescape"))
        h.update(b"\x00")
    return h.hexdigest()


def note_key(source: str, note_id: str, content_hash: str) -> str:
    return _sha("note", source, note_id, content_hash)


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)


def content_hash(payload: bytes | str | None, billed: list[Code], meta: NoteMeta, errors: list[str] = ()) -> str:
    h = hashlib.sha256()
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogateescape")
    h.update(payload or b"")
    h.update(b"\x00" + _canonical({"billed": [c.model_dump() for c in billed], "meta": meta.as_dict(),
                                    "errors": list(errors)}).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d", "%m/%d/%y")


def parse_date(value: Any) -> str | None:
    """ISO date (YYYY-MM-DD) from 2025-06-12, 2025-06-12T10:00:00Z, 06/12/2025; None for blank."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    head = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}([T ].*)?$", text) else text
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(head, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"date {text[:40]!r} is not a date such as 2025-06-12 or 06/12/2025")


_AMOUNT = re.compile(r"^\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")


def parse_amount(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"paid amount {value} is negative")
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    m = _AMOUNT.match(text)
    if not m:
        raise ValueError(f"paid amount {text[:40]!r} is not an amount such as 1234.50")
    return float(m.group(1).replace(",", "") + (m.group(2) or ""))


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _note_from_cell(text: str, note_id: str, source: str, max_bytes: int) -> NoteInput:
    """A note given as a CSV/JSON cell: invalid UTF-8 bytes (kept as surrogates) get the same fallback
    decoding, with a warning, as a note file."""
    if _has_surrogates(text):
        decoded, errors, warnings = decode_note(text.encode("utf-8", "surrogateescape"), max_bytes)
        return NoteInput(note_id, decoded, source, errors, warnings)
    note = note_from_text(text, note_id, max_bytes)
    note.source = source
    return note


def _meta_from_row(row: dict[str, Any]) -> NoteMeta:
    """Metadata columns of one row; raises ValueError naming the bad column."""
    meta = NoteMeta()
    for col in ("patient_id", "provider", "payer"):
        value = row.get(col)
        if isinstance(value, str) and _has_surrogates(value):
            raise ValueError(f"column {col} is not valid UTF-8")
        if value is not None and not isinstance(value, (str, int)):
            raise ValueError(f"column {col} must be text")
        setattr(meta, col, _clean(value))
    for col in ("date_of_service", "paid_amount"):
        value = row.get(col)
        if isinstance(value, str) and _has_surrogates(value):
            raise ValueError(f"column {col} is not valid UTF-8")
    meta.date_of_service = parse_date(row.get("date_of_service"))
    meta.paid_amount = parse_amount(row.get("paid_amount"))
    return meta


def _merge_meta(into: NoteMeta, other: NoteMeta, paid_sum: bool) -> list[str]:
    """Fill blanks of ``into`` from ``other``; returns the columns that disagree."""
    conflicts = []
    for col in ("patient_id", "date_of_service", "provider", "payer"):
        a, b = getattr(into, col), getattr(other, col)
        if a is None:
            setattr(into, col, b)
        elif b is not None and a != b:
            conflicts.append(col)
    if other.paid_amount is not None:
        into.paid_amount = (into.paid_amount or 0.0) + other.paid_amount if paid_sum else other.paid_amount
    return conflicts


# --- format detection ---------------------------------------------------------------------------------------

def detect_format(path: Path) -> str:
    if path.is_dir():
        return "folder"
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "fhir"
    if suffix == ".txt":
        return "folder"
    raise InputUsageError(f"{path}: cannot tell the input format from the name; give --input-format "
                          "folder, csv, jsonl or fhir")


def read_input(path: Path, fmt: str = "auto", claims: Path | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> ReviewInput:
    if not path.exists():
        raise InputUsageError(f"{path}: no such file or folder")
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in FORMATS[1:]:
        raise InputUsageError(f"unknown input format {fmt!r}; use one of {', '.join(FORMATS)}")
    if claims is not None and fmt != "folder":
        raise InputUsageError("--claims goes with a folder of .txt notes; a CSV, JSON Lines or FHIR input carries its own claims")
    source = str(path.resolve())
    if fmt == "folder":
        return _read_folder(path, source, claims, max_bytes)
    if fmt == "csv":
        return _read_table(path, source, max_bytes, jsonl=False)
    if fmt == "jsonl":
        return _read_table(path, source, max_bytes, jsonl=True)
    return _read_fhir(path, source, max_bytes)


# --- folder of .txt notes -------------------------------------------------------------------------------------

def _claims_meta(path: Path) -> dict[str, NoteMeta]:
    """Optional metadata columns (patient_id, date_of_service, provider, payer, paid_amount) of a claims
    file already validated by read_claims; paid amounts of one note's lines are added up."""
    metas: dict[str, NoteMeta] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not set(META_COLUMNS) & set(reader.fieldnames or []):
            return {}
        for row in reader:
            where = f"{path}:{reader.line_num}"
            try:
                meta = _meta_from_row(row)
            except ValueError as exc:
                raise InputUsageError(f"{where}: {exc}") from None
            nid = (row.get("note_id") or "").strip()
            existing = metas.setdefault(nid, NoteMeta())
            conflicts = _merge_meta(existing, meta, paid_sum=True)
            if conflicts:
                raise InputUsageError(f"{where}: {', '.join(conflicts)} differs from an earlier line of note {nid}")
    return metas


def _read_folder(path: Path, source: str, claims: Path | None, max_bytes: int) -> ReviewInput:
    if claims is not None:
        try:
            claim_map = read_claims(claims)
        except ClaimError as exc:
            raise InputUsageError(str(exc)) from None
        meta_map = _claims_meta(claims)
    else:
        claim_map, meta_map = {}, {}
    files = list(expand_paths([path]))
    items = []
    for file in files:
        note = read_note_file(file, max_bytes)
        raw = _file_digest(file, max_bytes)
        billed = claim_map.get(file.stem, [])
        meta = meta_map.get(file.stem, NoteMeta())
        items.append(ReviewItem(source, file.stem, file.name, note, billed, meta,
                                content_hash(raw, billed, meta, note.errors)))
    stems = {f.stem for f in files}
    errors = [InputError(source, f"{claims.name}: note {nid}", _safe_id(nid), "claims",
                         "claim lines for a note that is not in the folder", _sha(nid))
              for nid in claim_map if nid not in stems] if claims is not None else []
    return ReviewInput("folder", source, items, errors)


def _file_digest(file: Path, max_bytes: int) -> bytes:
    """What the note's identity is computed from: its bytes, or for a file too large to read, its size."""
    try:
        size = file.stat().st_size
        if size > max_bytes:
            return f"oversized:{size}".encode()
        with file.open("rb") as handle:
            return hashlib.sha256(handle.read(max_bytes + 1)).digest()
    except OSError as exc:
        return f"unreadable:{exc.__class__.__name__}".encode()


# --- CSV and JSON Lines exports ------------------------------------------------------------------------------------

@dataclass
class _Row:
    where: str
    values: dict[str, Any]
    raw_hash: str


def _csv_rows(path: Path, source: str, errors: list[InputError]) -> list[_Row]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputUsageError(f"{path}: cannot read ({exc.strerror})") from None
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "surrogateescape")
    # a note cell may be a whole note (up to --max-bytes, and an oversized one must become "too large", not
    # a CSV error): raise the csv module's 128 kB field limit
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputUsageError(f"{path}: the CSV file is empty") from None
    except csv.Error as exc:
        raise InputUsageError(f"{path}: the header is not valid CSV ({exc})") from None
    header = [h.strip() for h in header]
    missing = [c for c in ("note_id", "text") if c not in header]
    if missing:
        raise InputUsageError(f"{path}: a CSV export needs columns note_id and text; missing {', '.join(missing)}")
    rows: list[_Row] = []
    start = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            where = f"row at line {start}"
            errors.append(InputError(source, where, "", "csv", f"not valid CSV ({exc})", str(start)))
            start = reader.line_num + 1
            continue
        where = f"row at line {start}" if reader.line_num == start else f"row at lines {start}-{reader.line_num}"
        start = reader.line_num + 1
        raw_hash = _sha(*fields)
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # a blank line
        if len(fields) != len(header):
            note_id = fields[header.index("note_id")].strip() if header.index("note_id") < len(fields) else ""
            errors.append(InputError(source, where, _safe_id(note_id), "csv",
                                     f"row has {len(fields)} fields; the header has {len(header)}", raw_hash))
            continue
        rows.append(_Row(where, dict(zip(header, fields)), raw_hash))
    return rows


def _jsonl_rows(path: Path, source: str, errors: list[InputError]) -> list[_Row]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputUsageError(f"{path}: cannot read ({exc.strerror})") from None
    rows = []
    for n, line in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if not line.strip():
            continue
        where = f"line {n}"
        raw_hash = hashlib.sha256(line).hexdigest()
        try:
            obj = json.loads(line.decode("utf-8", "surrogateescape"))
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            errors.append(InputError(source, where, "", "jsonl", f"not valid JSON ({msg})", raw_hash))
            continue
        if not isinstance(obj, dict):
            errors.append(InputError(source, where, "", "jsonl", "not a JSON object", raw_hash))
            continue
        rows.append(_Row(where, obj, raw_hash))
    return rows


def _safe_id(value: Any) -> str:
    text = str(value or "").strip()
    return text[:200] if text and not _has_surrogates(text) else ""


def _row_claim(values: dict[str, Any], where: str) -> Code | None:
    cpt = values.get("cpt")
    if cpt is None or (isinstance(cpt, str) and not cpt.strip()):
        if _clean(values.get("modifiers")) or _clean(values.get("units")):
            raise ClaimError(f"{where}: modifiers or units without a CPT code")
        return None
    mods = values.get("modifiers")
    if isinstance(mods, list):
        mods = ";".join(str(m) for m in mods)
    units = values.get("units")
    for name, value in (("cpt", cpt), ("modifiers", mods), ("units", units)):
        if isinstance(value, str) and _has_surrogates(value):
            raise ClaimError(f"{where}: column {name} is not valid UTF-8")
    return parse_claim_fields(str(cpt), str(mods or ""), "" if units is None else str(units), where)


def _read_table(path: Path, source: str, max_bytes: int, jsonl: bool) -> ReviewInput:
    stage = "jsonl" if jsonl else "csv"
    errors: list[InputError] = []
    rows = _jsonl_rows(path, source, errors) if jsonl else _csv_rows(path, source, errors)
    # note_id → accumulated note, in order of first appearance
    notes: dict[str, dict[str, Any]] = {}
    for row in rows:
        v = row.values
        note_id = v.get("note_id")
        if isinstance(note_id, int) and not isinstance(note_id, bool):
            note_id = str(note_id)
        if not isinstance(note_id, str) or not note_id.strip() or _has_surrogates(note_id):
            errors.append(InputError(source, row.where, "", stage, "note_id is missing or not text", row.raw_hash))
            continue
        note_id = note_id.strip()
        text = v.get("text")
        if text is not None and not isinstance(text, str):
            errors.append(InputError(source, row.where, _safe_id(note_id), stage, "text must be a string", row.raw_hash))
            continue
        try:
            meta = _meta_from_row(v)
            claim = _row_claim(v, f"{path.name} {row.where}")
        except (ValueError, ClaimError) as exc:
            errors.append(InputError(source, row.where, note_id, stage, str(exc).replace(f"{path.name} {row.where}: ", ""),
                                     row.raw_hash))
            notes.setdefault(note_id, _empty_note(row.where))["dropped"].append(row.where)
            continue
        acc = notes.setdefault(note_id, _empty_note(row.where))
        if text and text.strip():
            if acc["text"] is None:
                acc["text"], acc["text_where"] = text, row.where
            elif acc["text"] != text:
                errors.append(InputError(source, row.where, note_id, stage,
                                         f"the note text differs from the one at {acc['text_where']} for the same note_id",
                                         row.raw_hash))
                acc["dropped"].append(row.where)
                continue
        conflicts = _merge_meta(acc["meta"], meta, paid_sum=True)
        if conflicts:
            errors.append(InputError(source, row.where, note_id, stage,
                                     f"{', '.join(conflicts)} differs from an earlier row of the same note", row.raw_hash))
            acc["dropped"].append(row.where)
            continue
        if claim is not None:
            acc["billed"].append(claim)
        acc["rows"].append(row.where)
    items = []
    for note_id, acc in notes.items():
        if not acc["rows"]:
            continue  # every row of this note failed: its error records say why
        locator = acc["rows"][0] if len(acc["rows"]) == 1 else f"{acc['rows'][0]} (+{len(acc['rows']) - 1} rows)"
        note = _note_from_cell(acc["text"] or "", note_id, source, max_bytes)
        if acc["dropped"]:
            note.warnings.append(f"{len(acc['dropped'])} row(s) of this note were not used ({', '.join(acc['dropped'])}); "
                                 "see the error records")
        items.append(ReviewItem(source, note_id, locator, note, acc["billed"], acc["meta"],
                                content_hash(acc["text"] or "", acc["billed"], acc["meta"], note.errors + note.warnings)))
    return ReviewInput(stage, source, items, errors)


def _empty_note(where: str) -> dict[str, Any]:
    return {"text": None, "text_where": where, "meta": NoteMeta(), "billed": [], "rows": [], "dropped": []}


# --- FHIR Bundle ---------------------------------------------------------------------------------------------

def _validation_summary(exc: Exception) -> str:
    """Where and what, never the offending value (it may be note text)."""
    try:
        problems = exc.errors(include_input=False, include_url=False)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001
        return exc.__class__.__name__
    parts = []
    for p in problems[:3]:
        loc = ".".join(str(x) for x in p.get("loc", ())) or "(resource)"
        parts.append(f"{loc}: {str(p.get('msg', 'invalid'))[:160]}")
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return "; ".join(parts) + more


def _ref(reference) -> str | None:
    if reference is None:
        return None
    if reference.reference:
        return reference.reference
    if reference.identifier is not None and reference.identifier.value:
        return reference.identifier.value
    return reference.display


def _cpt_code(item) -> str | None:
    codings = list(item.productOrService.coding or []) if item.productOrService else []
    for coding in codings:
        if coding.system in CPT_SYSTEMS and coding.code:
            return coding.code
    return next((c.code for c in codings if c.code), None)


def _read_fhir(path: Path, source: str, max_bytes: int) -> ReviewInput:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise InputUsageError(f"{path}: cannot read ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputUsageError(f"{path}: not valid JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InputUsageError(f"{path}: a FHIR input must be a Bundle (resourceType \"Bundle\")")
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise InputUsageError(f"{path}: Bundle.entry must be a list")
    from fhir.resources.R4B import get_fhir_model_class

    models = {name: get_fhir_model_class(name) for name in ("DocumentReference", "Claim", "ClaimResponse")}
    errors: list[InputError] = []
    docs: list[tuple[str, str, Any, str]] = []  # (locator, full_url, DocumentReference, raw_hash)
    claims: list[tuple[str, str, Any]] = []
    responses: list[tuple[str, Any]] = []
    for n, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            errors.append(InputError(source, f"entry {n}", "", "fhir", "entry has no resource", str(n)))
            continue
        rtype = resource.get("resourceType")
        rid = resource.get("id") if isinstance(resource.get("id"), str) else ""
        locator = f"entry {n} ({rtype}/{rid})" if rid else f"entry {n} ({rtype})"
        raw_hash = hashlib.sha256(_canonical(resource).encode("utf-8", "surrogateescape")).hexdigest()
        if rtype not in models:
            continue  # Patient, Practitioner, ...: not needed for the review
        try:
            model = models[rtype].model_validate(resource)
        except Exception as exc:  # noqa: BLE001 - pydantic ValidationError, or a value the model rejects
            errors.append(InputError(source, locator, _safe_id(rid), "fhir",
                                     f"invalid {rtype}: {_validation_summary(exc)}", raw_hash))
            continue
        full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else ""
        if rtype == "DocumentReference":
            docs.append((locator, full_url, model, raw_hash))
        elif rtype == "Claim":
            claims.append((locator, full_url, model))
        else:
            responses.append((locator, model))

    paid_by_claim: dict[str, float] = {}
    for locator, resp in responses:
        request = _ref(resp.request)
        if request and resp.payment is not None and resp.payment.amount is not None and resp.payment.amount.value is not None:
            paid_by_claim[request] = paid_by_claim.get(request, 0.0) + float(resp.payment.amount.value)

    items: list[ReviewItem] = []
    by_ref: dict[str, ReviewItem] = {}
    seen_ids: set[str] = set()
    for locator, full_url, doc, raw_hash in docs:
        note_id = doc.id or next((i.value for i in doc.identifier or [] if i.value), None) or locator.split(" (")[0].replace(" ", "-")
        if note_id in seen_ids:
            errors.append(InputError(source, locator, note_id, "fhir", "a DocumentReference with this id came earlier in the Bundle", raw_hash))
            continue
        seen_ids.add(note_id)
        note, payload = _doc_note(doc, note_id, source, max_bytes)
        dos = None
        if doc.context is not None and doc.context.period is not None and doc.context.period.start is not None:
            dos = parse_date(doc.context.period.start)
        if dos is None and doc.date is not None:
            dos = parse_date(doc.date)
        meta = NoteMeta(patient_id=_ref(doc.subject), date_of_service=dos,
                        provider=next((_ref(a) for a in doc.author or [] if _ref(a)), None))
        item = ReviewItem(source, note_id, locator, note, [], meta, payload)  # hash completed below
        items.append(item)
        for ref in (f"DocumentReference/{doc.id}" if doc.id else None, full_url or None):
            if ref:
                by_ref[ref] = item

    for locator, full_url, claim in claims:
        targets = {_ref(s.valueReference) for s in claim.supportingInfo or [] if s.valueReference is not None}
        linked = [by_ref[t] for t in targets if t in by_ref]
        if not linked:  # no supportingInfo link: the one note of the same patient and date of service
            dates = {parse_date(i.servicedDate) for i in claim.item or [] if i.servicedDate is not None}
            if claim.billablePeriod is not None and claim.billablePeriod.start is not None:
                dates.add(parse_date(claim.billablePeriod.start))
            patient = _ref(claim.patient)
            linked = [it for it in items if it.meta.patient_id == patient and it.meta.date_of_service in dates]
        if len(linked) != 1:
            why = "links to no DocumentReference in the Bundle" if not linked else "matches several DocumentReferences"
            errors.append(InputError(source, locator, _safe_id(claim.id), "fhir",
                                     f"claim {why} (use supportingInfo.valueReference)", locator))
            continue
        item = linked[0]
        for n, line in enumerate(claim.item or [], start=1):
            cpt = _cpt_code(line)
            mods = ";".join(c.code for m in line.modifier or [] for c in (m.coding or [])[:1] if c.code)
            units = line.quantity.value if line.quantity is not None and line.quantity.value is not None else 1
            try:
                if units != int(units):
                    raise ClaimError(f"item {n}: units {units} is not a whole number")
                item.billed.append(parse_claim_fields(cpt or "", mods, str(int(units)), f"item {n}"))
            except ClaimError as exc:
                errors.append(InputError(source, locator, item.note_id, "fhir", f"claim line not used: {exc}", f"{locator}:{n}"))
                item.note.warnings.append(f"a claim line ({locator} item {n}) was not used; see the error records")
        paid = paid_by_claim.get(f"Claim/{claim.id}") if claim.id else None
        if paid is None and full_url:
            paid = paid_by_claim.get(full_url)
        if paid is not None:
            item.meta.paid_amount = (item.meta.paid_amount or 0.0) + paid
        if item.meta.provider is None:
            item.meta.provider = _ref(claim.provider)
        if item.meta.payer is None:
            item.meta.payer = _ref(claim.insurer)

    for item in items:
        item.content_hash = content_hash(item.content_hash, item.billed, item.meta, item.note.errors + item.note.warnings)
    return ReviewInput("fhir", source, items, errors)


def _doc_note(doc, note_id: str, source: str, max_bytes: int) -> tuple[NoteInput, str]:
    """(the note, a hash of its payload). The text is the first inline text/plain attachment."""
    attachments = [c.attachment for c in doc.content or [] if c.attachment is not None]
    texts = [a for a in attachments if (a.contentType or "text/plain").split(";")[0].strip().lower() == "text/plain"]
    if not texts:
        kinds = sorted({(a.contentType or "?").split(";")[0] for a in attachments})
        return NoteInput(note_id, None, source, [f"no text/plain attachment (found {', '.join(kinds) or 'none'})"]), _sha(note_id, "no-text")
    attachment = texts[0]
    if attachment.data is None:
        what = "a URL" if attachment.url else "nothing"
        return NoteInput(note_id, None, source, [f"the text/plain attachment is not inline (it has {what}, no data)"]), _sha(note_id, "no-data")
    data = attachment.data
    if isinstance(data, str):  # pragma: no cover - fhir.resources decodes base64 already
        try:
            data = base64.b64decode(data, validate=True)
        except binascii.Error:
            return NoteInput(note_id, None, source, ["attachment data is not base64"]), _sha(note_id, "bad-b64")
    charset = re.search(r"charset\s*=\s*\"?([\w.-]+)", attachment.contentType or "", re.I)
    warnings: list[str] = []
    if charset and charset.group(1).lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii", "ascii"):
        try:
            data = data.decode(charset.group(1)).encode("utf-8")
        except (LookupError, UnicodeDecodeError):
            warnings.append(f"the attachment's charset {charset.group(1)[:30]!r} did not decode it")
    text, errors, more = decode_note(data, max_bytes)
    if len(texts) > 1:
        warnings.append(f"{len(texts)} text/plain attachments; the first was checked")
    payload = hashlib.sha256(data).hexdigest()
    return NoteInput(note_id, text, source, errors, warnings + more), payload
