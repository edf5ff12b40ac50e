"""Command-line entry points of the Spark sub-package, registered on the main `notecheck` app."""

import typer


def register(app: typer.Typer) -> None:
    """Add the Spark commands to the main app (filled in by its issue)."""
