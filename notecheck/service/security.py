"""The service's safety layer, as plain ASGI middleware (outermost first):

    Guard        catches every exception (500 JSON, no stack trace, no message), adds security headers,
                 checks the Host header when bound to loopback (DNS rebinding), writes the access log
                 line: method, route template, status, milliseconds — never a query string, a raw path
                 or a body.
    ApiKey       401 JSON without the key (X-API-Key or Authorization: Bearer), except the page shell
                 and /healthz.
    BodyLimit    413 JSON above the limit: by Content-Length before reading, and by counting a streamed
                 (chunked) body as it arrives.

Clinical notes are PHI: nothing here logs or echoes request content.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import time
import traceback
from typing import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("notecheck.service.access")
error_log = logging.getLogger("notecheck.service.error")

#: Paths served without the API key: the static page shell (no data) and the health check.
PUBLIC_PATHS = frozenset({"/", "/healthz", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
KNOWN_PATHS = frozenset({"/v1/check", "/v1/rules", "/v1/payers", "/cds-services", "/docs", "/redoc", "/openapi.json",
                         "/docs/oauth2-redirect"})

#: The page's policy: its own script and style only, fetches to itself only, nothing inline.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "form-action 'none'; base-uri 'none'; frame-ancestors 'none'")


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, "localhost")."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def json_body(status: int, message: str, **extra) -> bytes:
    return json.dumps({"error": message, "status": status, **extra}).encode("utf-8")


async def send_json(send: Send, status: int, message: str, headers: Iterable[tuple[bytes, bytes]] = (), **extra) -> None:
    body = json_body(status, message, **extra)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


def _host_name(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1:value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def route_template(scope: Scope) -> str:
    """What the access log shows for a request: the matched route's template, never the raw path."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if template:
        return template
    # Not routed (refused before the router: 401, 413, bad Host): name it only if it is one of ours.
    path = scope.get("path", "")
    if path.startswith("/static/"):
        return "/static/{file}"
    if path in PUBLIC_PATHS or path in KNOWN_PATHS:
        return path
    if path.startswith("/cds-services/"):
        return "/cds-services/{service_id}/feedback" if path.endswith("/feedback") else "/cds-services/{service_id}"
    return "(unmatched)"


class Guard:
    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] | None = None) -> None:
        self.app = app
        self.allowed_hosts = {h.lower().strip("[]") for h in allowed_hosts} if allowed_hosts else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = {"status": 0, "started": False}
        path = scope.get("path", "")
        page = path == "/" or path.startswith("/static/")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                            (b"x-frame-options", b"DENY")]
                if page:
                    headers.append((b"content-security-policy", PAGE_CSP.encode()))
                else:  # reports carry PHI: never cache them
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if self.allowed_hosts is not None:
                host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
                if _host_name(host) not in self.allowed_hosts:
                    await send_json(send_wrapper, 400, "invalid Host header for a server bound to loopback")
                    return
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback, no message out
            # The message of an exception may quote the note (pydantic does); log the class and the frames only.
            frames = "".join(traceback.format_tb(exc.__traceback__))
            error_log.error("unhandled %s on %s %s\n%s", exc.__class__.__name__, scope.get("method"),
                            route_template(scope), frames)
            if not state["started"]:
                await send_json(send_wrapper, 500, "internal error; the request was not processed")
        finally:
            access_log.info("%s %s %s %.1fms", scope.get("method"), route_template(scope), state["status"] or "-",
                            (time.perf_counter() - started) * 1000)


class ApiKey:
    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app = app
        self.key = api_key.encode("utf-8") if api_key else None

    def _authorised(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"x-api-key":
                given = value.strip()
            elif name == b"authorization" and value[:7].lower() == b"bearer ":
                given = value[7:].strip()
            else:
                continue
            if hmac.compare_digest(given, self.key):
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.key is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        public = scope.get("method") in ("GET", "HEAD") and (path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES))
        if public or self._authorised(scope):
            await self.app(scope, receive, send)
            return
        await send_json(send, 401, "missing or wrong API key (send it as X-API-Key or Authorization: Bearer)",
                        headers=[(b"www-authenticate", b'Bearer realm="notecheck"')])


class BodyLimit:
    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def _too_large(self, send: Send) -> None:
        await send_json(send, 413, f"request body is larger than the limit of {self.max_body:,} bytes",
                        headers=[(b"connection", b"close")])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await send_json(send, 400, "invalid Content-Length header")
                return
            if declared > self.max_body:
                await self._too_large(send)
                return
        # Read the whole body first (it is at most max_body), counting what actually arrives: a chunked
        # body has no Content-Length, and a declared length is only a claim.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
