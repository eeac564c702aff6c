"""The Typer application every command module registers on, and shared CLI helpers."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from stagesmith import __version__

app = typer.Typer(
    name="stagesmith",
    help="Production container images, the multi-stage way: generate, lint, build, inspect, verify.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

#: Messages, progress and tables go to stderr; stdout carries only the product
#: (a Dockerfile, JSON) so it can be piped.
err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


class State:
    debug = False


state = State()


def _version(value: bool) -> None:
    if value:
        print(f"stagesmith {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    state.debug = debug


def warn(message: str) -> None:
    """One warning line on stderr; ``message`` is printed as written (``[build-system]``
    stays, it is not read as Rich markup)."""
    err.print(
        f"[yellow]warning:[/yellow] {escape(message)}", markup=True, highlight=False, soft_wrap=True
    )


def write_stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
