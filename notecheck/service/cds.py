"""CDS Hooks 2.0: a custom hook for checking a draft facet procedure note before it is signed.

    GET  /cds-services                          discovery
    POST /cds-services/notecheck-note-sign      {hook, hookInstance, context, prefetch?} → {"cards": [...]}
    POST /cds-services/notecheck-note-sign/feedback   accepted / overridden outcomes, counted in memory

The hook is custom, so it is named in reverse-domain form (``org.notecheck.note-sign``). Its context:

    userId        who is signing (as in the standard hooks; not used)
    patientId     optional; not used
    encounterId   optional; only used by the Claim prefetch template
    draftNote     the unsigned note: a FHIR DocumentReference (content[].attachment text/plain, base64
                  ``data``) or the plain text itself. ``documentReference`` is accepted as an alias.
    draftNoteId   the DocumentReference id, when the client prefers to prefetch it
    billedCodes   optional planned claim lines, e.g. ["64493-50", "64494-50"]
    payer         optional payer profile id (medicare, aetna, uhc, bcbs)

The note (and planned claim, as a FHIR Claim) may instead come in ``prefetch``. No FHIR server is ever
called: a note that is in neither place is HTTP 412.

One card per error-level finding: ``warning`` for reimbursement problems (documentation, policy and
claim findings, as the Da Vinci CRD guide advises for coverage problems), ``info`` otherwise. Cards
quote the note as evidence (markdown-escaped); nothing about the note is kept after the response:
feedback is counted per finding code and outcome, and an override's free-text comment is dropped.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import uuid
from collections import Counter, OrderedDict
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..claims import ClaimError, parse_billed, parse_claim_fields
from ..profiles import PayerProfile
from ..reading import NoteInput, decode_note, note_from_text
from ..report import Code, NoteReport

SERVICE_ID = "notecheck-note-sign"
HOOK = "org.notecheck.note-sign"
FINDING_SYSTEM = "urn:notecheck:finding-code"
OVERRIDE_SYSTEM = "urn:notecheck:override-reason"
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
REIMBURSEMENT = frozenset({"documentation", "policy", "claim"})
SUMMARY_MAX = 139  # the spec: "SHOULD be under 140 characters"

OVERRIDE_REASONS = [
    {"system": OVERRIDE_SYSTEM, "code": "documented-elsewhere", "display": "Documented elsewhere in the record"},
    {"system": OVERRIDE_SYSTEM, "code": "not-applicable", "display": "Does not apply to this procedure"},
    {"system": OVERRIDE_SYSTEM, "code": "will-amend", "display": "I will amend the note before billing"},
]
_OFFERED_REASONS = {r["code"] for r in OVERRIDE_REASONS}

#: Short card titles for the fixed finding vocabulary (profiles.FINDING_CODES).
TITLES = {
    "LEVEL_MISSING": "Facet level not documented",
    "LATERALITY_MISSING": "Side not documented for every level",
    "GUIDANCE_MISSING": "Image guidance not documented",
    "GUIDANCE_NOT_COVERED": "Guidance modality not covered",
    "MEDICATION_MISSING": "Injected drug not documented",
    "VOLUME_MISSING": "Injected volume not documented",
    "TOLERANCE_MISSING": "Tolerance / complications not documented",
    "LEVELS_EXCEED_LIMIT": "More levels than the payer allows",
    "REGIONS_MULTIPLE": "Two spinal regions in one session",
    "RFA_NOT_THERMAL": "Ablation is not thermal radiofrequency",
    "CLAIM_NOT_SUPPORTED": "Facet codes billed for a non-facet note",
    "CLAIM_UNBUNDLED": "Guidance billed separately (it is bundled)",
    "CLAIM_REGION_MISMATCH": "Billed region differs from the note",
    "CLAIM_LEVEL_MISMATCH": "Billed levels differ from the note",
    "CLAIM_LATERALITY_MISMATCH": "Billed side modifiers differ from the note",
    "CLAIM_KX_MISSING": "Modifier KX missing on a diagnostic block",
    "PAIN_DURATION_MISSING": "Pain duration not documented",
    "PAIN_DURATION_SHORT": "Pain duration under the payer minimum",
    "CONSERVATIVE_CARE_MISSING": "Conservative care not documented",
    "PAIN_SCORE_MISSING": "Pre/post pain scores not documented",
    "FUNCTIONAL_IMPAIRMENT_MISSING": "Functional impairment not documented",
    "RADICULAR_SYMPTOMS": "Radicular symptoms documented",
    "SEDATION_UNJUSTIFIED": "Sedation without a stated necessity",
    "PRIOR_RELIEF_MISSING": "Relief from the earlier block not documented",
    "PRIOR_RELIEF_INSUFFICIENT": "Relief from the earlier block under the threshold",
    "NOT_FACET_PROCEDURE": "Not a facet joint procedure",
    # cross-note codes of `notecheck review` (not raised by a single-note check, titled in case a profile does)
    "FREQUENCY_EXCEEDED": "More sessions than the payer allows",
    "SERIES_RELIEF_NOT_SHOWN": "Relief across the block series not shown",
    "RFA_BLOCK_RELIEF_NOT_SHOWN": "Block relief before RFA not shown",
    "DOCUMENTATION_CLONED": "Documentation looks cloned",
}


class CdsError(Exception):
    """A request the service cannot answer: 400 (malformed) or 412 (the draft note is not there)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- request / response models (also the OpenAPI schema) ---------------------------------------------------

class CdsRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    hook: str
    hookInstance: str
    fhirServer: str | None = None
    fhirAuthorization: dict[str, Any] | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None


class Coding(BaseModel):
    model_config = ConfigDict(extra="allow")
    system: str | None = None
    code: str | None = None
    display: str | None = None


class OverrideReason(BaseModel):
    model_config = ConfigDict(extra="allow")
    reason: Coding | None = None
    userComment: str | None = None  # accepted, never stored


class FeedbackItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    card: str = Field(max_length=100)
    outcome: Literal["accepted", "overridden"]
    outcomeTimestamp: str | None = None
    acceptedSuggestions: list[dict[str, Any]] = Field(default_factory=list)
    overrideReason: OverrideReason | None = None


class FeedbackRequest(BaseModel):
    feedback: list[FeedbackItem] = Field(min_length=1, max_length=500)


def discovery() -> dict[str, Any]:
    return {"services": [{
        "hook": HOOK,
        "id": SERVICE_ID,
        "title": "notecheck: facet procedure note check before sign-off",
        "description": ("Checks a draft facet-joint procedure note (and the planned claim lines) for what the payer "
                        "requires — levels, sides, image guidance, drug and volume, tolerance — and returns one card "
                        "per problem that would get the claim denied, each with the evidence and the fix."),
        "prefetch": {
            "draftNote": "DocumentReference/{{context.draftNoteId}}",
            "claim": "Claim?encounter={{context.encounterId}}&status=draft",
        },
        "usageRequirements": ("Send the draft note in context.draftNote (FHIR DocumentReference with a text/plain "
                              "attachment, or plain text) or prefetch.draftNote; optional context.billedCodes "
                              "(e.g. [\"64493-50\"]) or a draft FHIR Claim in prefetch.claim; optional context.payer."),
    }]}


# --- reading the request ------------------------------------------------------------------------------------

def _resources(value: Any) -> list[dict]:
    """A prefetch value as resources: a resource, or the entries of a Bundle."""
    if not isinstance(value, dict):
        return []
    if value.get("resourceType") == "Bundle":
        return [e["resource"] for e in value.get("entry") or [] if isinstance(e, dict) and isinstance(e.get("resource"), dict)]
    return [value]


def _prefetched(request: CdsRequest, resource_type: str) -> list[dict]:
    found = []
    for value in (request.prefetch or {}).values():
        found += [r for r in _resources(value) if r.get("resourceType") == resource_type]
    return found


def note_from_document(doc: dict, where: str, max_bytes: int) -> NoteInput:
    """The text of a DocumentReference's first text/plain attachment (base64 ``data``)."""
    if doc.get("resourceType") != "DocumentReference":
        raise CdsError(400, f"{where} must be a FHIR DocumentReference or the note text")
    contents = doc.get("content")
    if not isinstance(contents, list) or not contents:
        raise CdsError(412, f"{where} has no content; send the draft note as a text/plain attachment")
    by_url = False
    for i, content in enumerate(contents):
        attachment = content.get("attachment") if isinstance(content, dict) else None
        if not isinstance(attachment, dict):
            continue
        media = str(attachment.get("contentType") or "text/plain").split(";")[0].strip().lower()
        if media != "text/plain":
            continue
        data = attachment.get("data")
        if data is None:
            by_url = by_url or bool(attachment.get("url"))
            continue
        if not isinstance(data, str):
            raise CdsError(400, f"{where}.content[{i}].attachment.data must be a base64 string")
        try:
            raw = base64.b64decode(re.sub(r"\s+", "", data), validate=True)
        except (binascii.Error, ValueError):
            raise CdsError(400, f"{where}.content[{i}].attachment.data is not valid base64") from None
        text, errors, warnings = decode_note(raw, max_bytes)
        return NoteInput("draftNote", text, "", errors, warnings)
    if by_url:
        raise CdsError(412, f"{where} refers to its text by url; notecheck never fetches — send it inline as base64 data")
    raise CdsError(412, f"{where} has no text/plain attachment with data")


def draft_note(request: CdsRequest, max_bytes: int) -> NoteInput:
    """The draft note from context (draftNote / documentReference) or prefetch; 412 when it is not there."""
    for key in ("draftNote", "documentReference"):
        value = request.context.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            return note_from_text(value, "draftNote", max_bytes)
        if isinstance(value, dict):
            return note_from_document(value, f"context.{key}", max_bytes)
        raise CdsError(400, f"context.{key} must be a FHIR DocumentReference or the note text")
    docs = _prefetched(request, "DocumentReference")
    if docs:
        return note_from_document(docs[0], "prefetch DocumentReference", max_bytes)
    raise CdsError(412, "the draft note is missing: send it in context.draftNote or prefetch.draftNote "
                        "(a DocumentReference with a text/plain attachment)")


def _claim_codes(claim: dict) -> list[Code]:
    codes = []
    for i, item in enumerate(claim.get("item") or []):
        if not isinstance(item, dict):
            raise CdsError(400, f"prefetch Claim item[{i}] is not an object")
        where = f"prefetch Claim item[{i}]"
        codings = ((item.get("productOrService") or {}).get("coding") or [])
        cpt = next((c.get("code") for c in codings if isinstance(c, dict) and c.get("system") == CPT_SYSTEM), None) \
            or next((c.get("code") for c in codings if isinstance(c, dict) and c.get("code")), None)
        if not cpt:
            raise CdsError(400, f"{where} has no productOrService.coding code")
        mods = [c.get("code") for m in item.get("modifier") or [] if isinstance(m, dict)
                for c in (m.get("coding") or [])[:1] if isinstance(c, dict) and c.get("code")]
        quantity = (item.get("quantity") or {}).get("value", 1)
        units = str(int(quantity)) if isinstance(quantity, (int, float)) and float(quantity).is_integer() else str(quantity)
        try:
            codes.append(parse_claim_fields(str(cpt), ";".join(str(m) for m in mods), units, where))
        except ClaimError as exc:
            raise CdsError(400, str(exc)) from None
    return codes


def planned_claim(request: CdsRequest) -> list[Code]:
    """Planned claim lines: context.billedCodes, else the items of a prefetched FHIR Claim."""
    billed = request.context.get("billedCodes")
    if billed is not None:
        if not isinstance(billed, list) or not all(isinstance(b, str) for b in billed) or len(billed) > 50:
            raise CdsError(400, "context.billedCodes must be a list of codes such as \"64493-50\"")
        try:
            return [parse_billed(b) for b in billed]
        except ClaimError as exc:
            raise CdsError(400, f"context.billedCodes: {exc}") from None
    claims = _prefetched(request, "Claim")
    return _claim_codes(claims[0]) if claims else []


# --- cards --------------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.:!|<>&~=])")


def md_escape(text: str) -> str:
    """Markdown-escape text so a note can never add links, HTML or formatting to a card."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _merge(spans) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] <= 2:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def evidence_quotes(text: str, spans, limit: int = 3, width: int = 120) -> list[str]:
    quotes = []
    for start, end in _merge(spans)[:limit]:
        snippet = " ".join(text[start:end].split())
        if len(snippet) > width:
            snippet = snippet[:width - 1].rstrip() + "…"
        quotes.append(snippet)
    return quotes


def summary_for(code: str, message: str) -> str:
    title = TITLES.get(code, code.replace("_", " ").capitalize())
    first = message.split(". ")[0].rstrip(".") + "."
    combined = f"{title}: {first}"
    if len(combined) <= SUMMARY_MAX:
        return combined
    return title[:SUMMARY_MAX]


def indicator_for(code: str, profile: PayerProfile) -> str:
    requirement = profile.requirement(code)
    return "warning" if requirement is not None and requirement.category in REIMBURSEMENT else "info"


def cards_for(report: NoteReport, text: str | None, profile: PayerProfile) -> list[dict[str, Any]]:
    """One card per error-level finding; a note that could not be read gets one info card saying why."""
    if report.errors:
        reason = "; ".join(report.errors)
        summary = f"notecheck could not check the draft note: {reason}"
        if len(summary) > SUMMARY_MAX:
            summary = summary[:SUMMARY_MAX - 1] + "…"
        return [{
            "uuid": str(uuid.uuid4()), "summary": summary, "indicator": "info",
            "detail": md_escape(reason), "source": {"label": "notecheck"}, "_code": "NOTE_UNREADABLE",
        }]
    cards = []
    for finding in report.findings:
        if finding.severity != "error":
            continue
        quotes = evidence_quotes(text or "", finding.spans)
        lines = [md_escape(finding.message), ""]
        if quotes:
            lines += ["**In the note:** " + "; ".join(f"“{md_escape(q)}”" for q in quotes), ""]
        if finding.fix:
            lines += [f"**Fix:** {md_escape(finding.fix)}", ""]
        lines.append(f"_{md_escape(finding.code)} · rule {md_escape(finding.rule)} · {md_escape(profile.name)}_")
        title = TITLES.get(finding.code, finding.code)
        cards.append({
            "uuid": str(uuid.uuid4()),
            "summary": summary_for(finding.code, finding.message),
            "indicator": indicator_for(finding.code, profile),
            "detail": "\n".join(lines),
            "source": {"label": "notecheck",
                       "topic": {"system": FINDING_SYSTEM, "code": finding.code, "display": title}},
            "overrideReasons": OVERRIDE_REASONS,
            "_code": finding.code,
        })
    return cards


# --- feedback -----------------------------------------------------------------------------------------------

class FeedbackStore:
    """Outcome counts per finding code. Holds card uuid → finding code (bounded) and integers; no note text,
    no comments, nothing about the patient."""

    def __init__(self, max_cards: int = 20_000) -> None:
        self._cards: OrderedDict[str, str] = OrderedDict()
        self._max = max_cards
        self._outcomes: dict[str, Counter] = {}
        self._reasons: dict[str, Counter] = {}
        self._lock = threading.Lock()

    def issue(self, cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Remember each card's finding code (popping the internal ``_code`` key) and return the cards."""
        with self._lock:
            for card in cards:
                self._cards[card["uuid"]] = card.pop("_code")
                while len(self._cards) > self._max:
                    self._cards.popitem(last=False)
        return cards

    def record(self, items: list[FeedbackItem]) -> int:
        with self._lock:
            for item in items:
                code = self._cards.get(item.card, "unknown-card")
                self._outcomes.setdefault(code, Counter())[item.outcome] += 1
                if item.outcome == "overridden":
                    reason = item.overrideReason.reason.code if item.overrideReason and item.overrideReason.reason else None
                    key = reason if reason in _OFFERED_REASONS else ("none" if reason is None else "other")
                    self._reasons.setdefault(code, Counter())[key] += 1
        return len(items)

    def counts(self) -> dict[str, Any]:
        with self._lock:
            return {
                "outcomes": {code: dict(c) for code, c in sorted(self._outcomes.items())},
                "overrideReasons": {code: dict(c) for code, c in sorted(self._reasons.items())},
            }
