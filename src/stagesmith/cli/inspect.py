"""`stagesmith inspect IMAGE|ARCHIVE`: layers, waste and findings, with CI gates."""

from __future__ import annotations

from pathlib import Path

import typer

from stagesmith.checks.source import inspect_source
from stagesmith.checks.thresholds import Gates
from stagesmith.cli.app import app, err, out, warn, write_stdout
from stagesmith.config import load_config
from stagesmith.errors import Failure, UsageError
from stagesmith.fsutil import check_writable, write_atomic


@app.command()
def inspect(
    source: str = typer.Argument(
        ..., help="docker-archive/oci-archive file, OCI layout dir, or local engine image name."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
    html: Path | None = typer.Option(None, "--html", help="Write a self-contained HTML report."),
    force: bool = typer.Option(False, "--force", help="Overwrite the --html file."),
    platform: str | None = typer.Option(None, "--platform", help="os/arch[/variant] to pick."),
    engine: str | None = typer.Option(None, "--engine", help="Engine to export image names."),
    config: Path | None = typer.Option(None, "--config", help="Config file (section 'inspect')."),
    min_efficiency: float | None = typer.Option(
        None, "--fail-on-efficiency-below", help="Exit 1 if efficiency (0..1) is lower."
    ),
    max_wasted: str | None = typer.Option(
        None, "--fail-on-wasted-bytes", help="Exit 1 if wasted bytes exceed this (e.g. 50MB)."
    ),
    fail_on: str | None = typer.Option(
        None, "--fail-on", help="Exit 1 on these finding ids or on a severity and above."
    ),
    no_efficiency: bool = typer.Option(
        False, "--no-efficiency", help="Skip the wasted-space analysis."
    ),
) -> None:
    """Read an image with no daemon: layer table, wasted space and findings."""
    section = load_config(config).section("inspect")
    gates = Gates.build(section, min_efficiency, max_wasted, fail_on)
    if no_efficiency and gates.needs_efficiency:
        flag = (
            "--fail-on-efficiency-below"
            if min_efficiency is not None
            else "--fail-on-wasted-bytes"
            if max_wasted is not None
            else "the config's inspect fail-on-efficiency-below/fail-on-wasted-bytes"
        )
        raise UsageError(f"--no-efficiency cannot be combined with {flag}, which needs it")
    for unknown in gates.unknown_ids():
        warn(f"--fail-on: no check emits finding id {unknown!r}")
    if html is not None:
        check_writable(html, force)
    result = inspect_source(source, platform=platform, engine=engine, efficiency=not no_efficiency)
    report = result.report
    # renderers are imported only when used: Jinja2 and Rich tables cost start-up time
    if as_json:
        from stagesmith.report.json import to_json

        write_stdout(to_json(report))
    else:
        from stagesmith.report.text import render_inspect

        render_inspect(out, report)
    if html is not None:
        from stagesmith.report.html import render_inspect_html

        write_atomic(html, render_inspect_html(report), force=force)
        err.print(f"wrote {html}")
    problems = gates.violations(report)
    if problems:
        for line in problems:
            err.print(f"threshold: {line}", highlight=False, markup=False)
        raise Failure(f"{len(problems)} threshold(s) crossed: {problems[0]}")
