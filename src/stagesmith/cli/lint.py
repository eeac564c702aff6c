"""`stagesmith lint`: check Dockerfiles for multi-stage and production mistakes."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from stagesmith.cli.app import app, write_stdout
from stagesmith.errors import UsageError
from stagesmith.lint.engine import all_rules
from stagesmith.lint.formats import FORMATS, render
from stagesmith.lint.model import Severity
from stagesmith.lint.runner import lint_paths, settings_for


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
    if list_rules:
        for r in all_rules().values():
            hd = f" ({r.hadolint})" if r.hadolint else ""
            write_stdout(f"{r.id}{hd} {r.severity} {r.name}: {r.summary}\n")
        return
    if fmt not in FORMATS:
        raise UsageError(f"unknown --format '{fmt}' (expected one of: {', '.join(FORMATS)})")
    names = list(paths or ["Dockerfile"])
    settings = settings_for(config, names)
    if threshold is not None:
        try:
            settings.failure_threshold = Severity.parse(threshold)
        except ValueError as exc:
            raise UsageError(f"--failure-threshold: {exc}") from None
    settings.ignore += [i.strip().upper() for x in ignore for i in x.split(",") if i.strip()]
    if target:
        settings.target = target
    report = lint_paths(names, settings)
    use_color = sys.stdout.isatty() if color is None else color
    write_stdout(render(report, fmt, color=use_color))
    if report.failed(settings.failure_threshold):
        raise typer.Exit(1)
