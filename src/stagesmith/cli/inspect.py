"""`stagesmith inspect` on the Typer app: only for ``stagesmith --help`` and ``inspect --help``.

Runs go through :mod:`stagesmith.cli.inspect_command` (argparse, no Typer or pydantic), which
``cli/main.py`` calls before Typer is loaded; this wrapper hands Typer's arguments to it too.
"""

from __future__ import annotations

import typer

from stagesmith.cli.app import app
from stagesmith.cli.inspect_command import HELP, parser, run


@app.command(
    help=HELP,
    add_help_option=False,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def inspect(ctx: typer.Context) -> None:
    """Read an image with no daemon: layer table, wasted space and findings."""
    args = parser().parse_args(list(ctx.args))
    run(args)
