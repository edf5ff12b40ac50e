"""Command-line entry points of this sub-package, registered on the main `notecheck` app."""

import typer


def register(app: typer.Typer) -> None:
    """Add this sub-package's commands to the main app (filled in by its issue)."""
