"""The command line's stderr console and its usage error, shared by `notecheck` and its sub-commands."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

#: Counts and problems go to stderr; note text never does (the commands print none).
err = Console(stderr=True, highlight=False, soft_wrap=True)


def usage_error(message: str) -> None:
    """Print ``message`` (escaped: file names may hold markup characters) and exit with status 2."""
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False)
    raise typer.Exit(2)
