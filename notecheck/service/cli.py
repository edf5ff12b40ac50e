"""Command-line entry points of this sub-package, registered on the main `notecheck` app.

    notecheck serve [--host 127.0.0.1] [--port 8000] [--api-key KEY | env NOTECHECK_API_KEY]
                    [--max-body 1000000] [--payer medicare]
"""

from __future__ import annotations

import logging
import sys
from typing import Optional

import typer

from ..console import usage_error as _fail

MIN_KEY_LENGTH = 16


class _CurrentStderr(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is when a record is emitted. A stream bound once goes stale
    when stderr is swapped (a test runner's capture, a daemon's redirect) and a server thread then logs into a
    closed file ("--- Logging error ---")."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass  # always the current sys.stderr


def configure_logging() -> None:
    """Our access/error lines and uvicorn's start-up lines to stderr; third-party loggers quiet (PHI)."""
    from ..pipeline import silence_third_party_loggers

    handler = _CurrentStderr()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for name in ("notecheck.service", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.INFO)
    # uvicorn's own access log prints the request line, query string included: ours replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    silence_third_party_loggers()


def register(app: typer.Typer) -> None:
    """Add `notecheck serve` to the main app."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to bind. Anything but loopback needs an API key."),
        port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port (0: any free port)."),
        api_key: Optional[str] = typer.Option(None, "--api-key", envvar="NOTECHECK_API_KEY", show_default=False,
                                              help="Key every API request must send (X-API-Key or Authorization: "
                                                   "Bearer). Prefer the environment variable: arguments show in `ps`."),
        max_body: int = typer.Option(1_000_000, "--max-body", min=1024, help="Largest request body in bytes (413 above)."),
        payer: str = typer.Option("medicare", "--payer", help="Default payer profile: medicare, aetna, uhc, bcbs, or a file."),
    ) -> None:
        """Serve the check-before-sign-off page, the JSON API and the CDS Hooks service."""
        from ..profiles import ProfileError
        from .security import LOOPBACK_NAMES, is_loopback

        loopback = is_loopback(host)
        if api_key is not None and len(api_key.strip()) < MIN_KEY_LENGTH:
            _fail(f"the API key must be at least {MIN_KEY_LENGTH} characters")
        if not loopback and not api_key:
            _fail(f"binding {host} (not a loopback address) requires an API key: "
                  "give --api-key or set NOTECHECK_API_KEY")
        configure_logging()
        import uvicorn

        from .app import ServiceConfig, create_app

        try:
            service = create_app(ServiceConfig(default_payer=payer, api_key=api_key.strip() if api_key else None,
                                               max_body=max_body,
                                               allowed_hosts=sorted(LOOPBACK_NAMES) if loopback else None))
        except ProfileError as exc:
            _fail(str(exc))
        logging.getLogger("notecheck.service").info(
            "notecheck service on http://%s:%s (API key %s, max body %s bytes)",
            f"[{host}]" if ":" in host else host, port, "required" if api_key else "off", f"{max_body:,}")
        uvicorn.run(service, host=host, port=port, log_config=None, access_log=False, server_header=False,
                    log_level="info")
