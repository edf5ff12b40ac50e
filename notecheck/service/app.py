"""The notecheck service: the check-before-sign-off page, the JSON API and the CDS Hooks service.

    GET  /                      the page (static HTML/JS/CSS from notecheck/service/static/, no CDN)
    POST /v1/check              {text, note_id?, payer?, billed?} → the report contract (NoteReport)
    GET  /v1/rules?payer=       a payer profile's parameters and requirements
    GET  /v1/payers             the payer profiles a request may name, and the default
    GET  /healthz               liveness; the pipeline is loaded before the server accepts requests
    GET  /cds-services          CDS Hooks discovery (see cds.py)
    POST /cds-services/{id}     CDS Hooks call → {"cards": [...]}
    POST /cds-services/{id}/feedback, GET the same: outcome counts
    GET  /docs, /openapi.json   FastAPI's OpenAPI docs

`create_app(ServiceConfig(...))` builds the app; `notecheck serve` (service/cli.py) runs it with uvicorn.
"""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.to_thread
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware

from .. import __version__
from ..check import check_note
from ..claims import ClaimError, parse_billed
from ..pipeline import get_nlp, silence_third_party_loggers
from ..profiles import DEFAULT_PAYER, PayerProfile, available_profiles, load_profile
from ..reading import DEFAULT_MAX_BYTES, NoteInput, note_from_text
from ..report import Code, NoteReport
from . import cds
from .security import ApiKey, BodyLimit, Guard

STATIC_DIR = Path(__file__).parent / "static"
DEFAULT_MAX_BODY = 1_000_000
#: Checked once at start-up so the first real request does not pay for lazy initialisation.
WARM_UP_NOTE = ("PROCEDURE: Left L4-5 facet joint injection under fluoroscopic guidance. 0.5 mL of 0.5% bupivacaine "
                "was injected. The patient tolerated the procedure well.")
#: FastAPI >= 0.16x records exception messages and request data through OpenTelemetry when a provider or
#: FASTAPI_OTEL_AUTO_CONFIGURE is present; an exception message can quote a note, so all of it is off.
TELEMETRY_OFF = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False, "auto_configure": False}


@dataclass
class ServiceConfig:
    default_payer: str = DEFAULT_PAYER
    api_key: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    #: Host header names accepted (None: any). `notecheck serve` sets the loopback names when bound to loopback.
    allowed_hosts: list[str] | None = None


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- request / response models ------------------------------------------------------------------------------

class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "text": "PROCEDURE: Bilateral L4-5 facet joint injections ...", "note_id": "draft-1",
        "payer": "medicare", "billed": ["64493-50"]}]})
    text: StrictStr = Field(description="The note text (UTF-8). Empty, binary or oversized text gives a report with `errors`.")
    note_id: str = Field("note", max_length=200, description="Echoed as the report's note_id.")
    payer: str | None = Field(None, max_length=64, description="Payer profile id; default: the server's --payer.")
    billed: list[StrictStr] = Field(default_factory=list, max_length=50,
                                    description="Planned claim lines, e.g. [\"64493-50\", \"64494-50\"].")


class ErrorBody(BaseModel):
    error: str
    status: int
    problems: list[dict[str, Any]] | None = None


class Health(BaseModel):
    status: Literal["ok", "starting"]
    version: str
    default_payer: str


class Payers(BaseModel):
    default: str
    available: list[str]


class CdsCard(BaseModel):
    model_config = ConfigDict(extra="allow")
    uuid: str
    summary: str
    indicator: Literal["info", "warning", "critical"]
    detail: str | None = None
    source: dict[str, Any]


class CdsResponse(BaseModel):
    cards: list[CdsCard]


_ERRORS = {422: {"model": ErrorBody, "description": "Bad input (field, billed code or payer), named in `error`."},
           401: {"model": ErrorBody, "description": "API key required."},
           413: {"model": ErrorBody, "description": "Request body over the limit."}}
_CDS_ERRORS = {400: {"model": ErrorBody, "description": "Malformed request, billed code or payer."},
               401: _ERRORS[401], 412: {"model": ErrorBody, "description": "The draft note is missing."},
               413: _ERRORS[413]}


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    config = config or ServiceConfig()
    default_profile = load_profile(config.default_payer)  # a bad profile is the operator's error, at start-up
    payer_ids = sorted(set(available_profiles()) | {default_profile.id})
    note_limit = max(DEFAULT_MAX_BYTES, config.max_body)
    feedback = cds.FeedbackStore()

    def resolve_payer(name: Any, status: int) -> PayerProfile:
        """Only bundled profiles (and the operator's default): a request may never name a file."""
        if name is None or name == "":
            return default_profile
        if not isinstance(name, str):
            raise ApiError(status, "payer must be a profile id such as medicare")
        key = name.strip().lower()
        if key == default_profile.id:
            return default_profile
        if key in payer_ids:
            return load_profile(key)
        shown = name if len(name) <= 40 else name[:40] + "…"
        raise ApiError(status, f"unknown payer profile {shown!r}; available: {', '.join(payer_ids)}")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        silence_third_party_loggers()
        get_nlp()  # the pipeline, once, before the first request
        check_note(note_from_text(WARM_UP_NOTE, "warm-up"), default_profile)
        app.state.limiter = anyio.CapacityLimiter(1)
        # The pipeline is ~170k long-lived objects: a full collection over them takes ~80 ms here (a request
        # that happens to trigger one would stall). Frozen, they are never scanned again.
        gc.collect()
        gc.freeze()
        app.state.ready = True
        yield
        app.state.ready = False

    app = FastAPI(
        title="notecheck", version=__version__, lifespan=lifespan, telemetry=TELEMETRY_OFF,
        description=("Checks a facet-joint procedure note for what a payer requires, before it is signed and billed. "
                     "Clinical notes are PHI: nothing is stored and no note text is logged."),
        middleware=[
            Middleware(Guard, allowed_hosts=config.allowed_hosts),
            Middleware(ApiKey, api_key=config.api_key),
            Middleware(BodyLimit, max_body=config.max_body),
        ],
    )
    app.state.ready = False
    app.state.config = config
    app.state.feedback = feedback

    async def run_check(note: NoteInput, profile: PayerProfile, billed: list[Code]) -> NoteReport:
        # One check at a time: the spaCy pipeline is shared, and the GIL gives no parallel speed-up anyway;
        # the thread keeps the event loop answering /healthz while a note is checked.
        limiter = getattr(app.state, "limiter", None)
        if limiter is None:
            limiter = app.state.limiter = anyio.CapacityLimiter(1)
        return await anyio.to_thread.run_sync(partial(check_note, note, profile, billed), limiter=limiter)

    # --- errors: JSON, no stack traces, no echoed input ---------------------------------------------------

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.message, "status": exc.status}, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        return JSONResponse({"error": message, "status": exc.status_code}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # pydantic's errors carry the offending input (the note): keep location, message and type only.
        problems = [{"field": "body" if e.get("type") == "json_invalid"
                     else ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body",
                     "message": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
        status = 400 if request.url.path.startswith("/cds-services") else 422
        first = problems[0] if problems else {"field": "body", "message": "invalid"}
        return JSONResponse({"error": f"invalid request: {first['field']}: {first['message']}", "status": status,
                             "problems": problems}, status_code=status)

    # --- the page ------------------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # --- the JSON API ----------------------------------------------------------------------------------------

    @app.get("/healthz", response_model=Health, tags=["service"])
    async def healthz() -> JSONResponse:
        ready = bool(getattr(app.state, "ready", False))
        return JSONResponse({"status": "ok" if ready else "starting", "version": __version__,
                             "default_payer": default_profile.id}, status_code=200 if ready else 503)

    @app.post("/v1/check", response_model=NoteReport, tags=["check"], responses=_ERRORS,
              summary="Check one note", description="The report contract of `notecheck check --format json`.")
    async def check(body: CheckRequest) -> Response:
        profile = resolve_payer(body.payer, 422)
        try:
            billed = [parse_billed(b) for b in body.billed]
        except ClaimError as exc:
            raise ApiError(422, str(exc)) from None
        report = await run_check(note_from_text(body.text, body.note_id, note_limit), profile, billed)
        return Response(report.model_dump_json(), media_type="application/json")

    @app.get("/v1/rules", response_model=PayerProfile, tags=["check"], responses=_ERRORS,
             summary="A payer profile's parameters and requirements")
    async def rules(payer: str | None = Query(None, max_length=64, description="Profile id; default: the server's")) -> Response:
        return Response(resolve_payer(payer, 422).model_dump_json(), media_type="application/json")

    @app.get("/v1/payers", response_model=Payers, tags=["check"])
    async def payers() -> dict[str, Any]:
        return {"default": default_profile.id, "available": payer_ids}

    # --- CDS Hooks -------------------------------------------------------------------------------------------

    def _service(service_id: str) -> None:
        if service_id != cds.SERVICE_ID:
            raise ApiError(404, f"no CDS service with id {service_id[:60]!r}; see GET /cds-services")

    @app.get("/cds-services", tags=["cds-hooks"], summary="CDS Hooks discovery")
    async def cds_discovery() -> dict[str, Any]:
        return cds.discovery()

    @app.post("/cds-services/{service_id}", response_model=CdsResponse, tags=["cds-hooks"], responses=_CDS_ERRORS,
              summary="CDS Hooks call: cards for the draft note")
    async def cds_call(service_id: str, body: cds.CdsRequest) -> dict[str, Any]:
        _service(service_id)
        if body.hook != cds.HOOK:
            raise ApiError(400, f"this service answers the hook {cds.HOOK!r}")
        try:
            note = cds.draft_note(body, note_limit)
            billed = cds.planned_claim(body)
        except cds.CdsError as exc:
            raise ApiError(exc.status, exc.message) from None
        profile = resolve_payer(body.context.get("payer"), 400)
        report = await run_check(note, profile, billed)
        return {"cards": feedback.issue(cds.cards_for(report, note.text, profile))}

    @app.post("/cds-services/{service_id}/feedback", tags=["cds-hooks"], responses=_CDS_ERRORS,
              summary="CDS Hooks feedback: accepted / overridden outcomes (counted, nothing else kept)")
    async def cds_feedback(service_id: str, body: cds.FeedbackRequest) -> dict[str, Any]:
        _service(service_id)
        return {"recorded": feedback.record(body.feedback)}

    @app.get("/cds-services/{service_id}/feedback", tags=["cds-hooks"], summary="Feedback counts per finding code")
    async def cds_feedback_counts(service_id: str) -> dict[str, Any]:
        _service(service_id)
        return {"service": service_id, **feedback.counts()}

    return app
