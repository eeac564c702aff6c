"""Consoles and message helpers shared by every command. Rich only (no Typer, no pydantic), so a
command that parses its own arguments (``inspect``) stays cheap to start."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

#: Messages, progress and tables go to stderr; stdout carries only the product
#: (a Dockerfile, JSON) so it can be piped.
err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """One warning line on stderr; ``message`` is printed as written (``[build-system]``
    stays, it is not read as Rich markup)."""
    err.print(
        f"[yellow]warning:[/yellow] {escape(message)}", markup=True, highlight=False, soft_wrap=True
    )


def write_stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
