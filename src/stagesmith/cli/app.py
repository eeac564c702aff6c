"""The Typer application every command module registers on. The message helpers live in
:mod:`stagesmith.cli.console` and are re-exported here for the command modules."""

from __future__ import annotations

import typer

from stagesmith import __version__
from stagesmith.cli.console import err, out, warn, write_stdout

__all__ = ["app", "err", "out", "state", "warn", "write_stdout"]

app = typer.Typer(
    name="stagesmith",
    help="Production container images, the multi-stage way: generate, lint, build, inspect, verify.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

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
