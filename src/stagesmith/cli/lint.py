"""`stagesmith lint`: check Dockerfiles for multi-stage and production mistakes.

This Typer command gives ``stagesmith lint --help`` and the command list; runs of
``stagesmith lint ...`` are parsed without Typer by :mod:`stagesmith.lint.command` (start-up
matters for a hook run once per file). Both call :func:`stagesmith.lint.command.run`, so the
options below and that module's parser must stay in step (tests/lint/test_cli.py checks).
"""

from __future__ import annotations

from pathlib import Path

import typer

from stagesmith.cli.app import app
from stagesmith.lint.command import run


@app.command()
def lint(
    paths: list[str] = typer.Argument(
        None, help="Dockerfiles or directories (default: ./Dockerfile); '-' reads stdin."
    ),
    fmt: str = typer.Option("text", "--format", "-f", help="text, json, sarif or github."),
    config: Path | None = typer.Option(None, "--config", help="Config file (section 'lint:')."),
    threshold: str | None = typer.Option(
        None, "--failure-threshold", "-t", help="Exit 1 at or above: error, warning, info, style."
    ),
    ignore: list[str] = typer.Option([], "--ignore", help="Rule id to skip (repeatable)."),
    target: str | None = typer.Option(None, "--target", help="The stage that is built."),
    color: bool | None = typer.Option(None, "--color/--no-color", help="Colour text output."),
    list_rules: bool = typer.Option(False, "--list-rules", help="List the rules and exit."),
) -> None:
    """Lint Dockerfiles; exit 1 when a finding reaches the failure threshold."""
    code = run(paths, fmt, config, threshold, ignore, target, color, list_rules)
    if code:
        raise typer.Exit(code)
