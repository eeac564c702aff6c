"""`stagesmith compare A B`: sizes, directories, files and findings that changed."""

from __future__ import annotations

from pathlib import Path

import typer

from stagesmith.checks.compare import change_lines
from stagesmith.checks.compare import compare as compare_images
from stagesmith.checks.source import inspect_source
from stagesmith.cli.app import app, err, out, write_stdout
from stagesmith.errors import UsageError
from stagesmith.fsutil import check_writable, write_atomic
from stagesmith.report.html import render_compare_html
from stagesmith.report.json import to_json
from stagesmith.report.text import render_compare


@app.command()
def compare(
    a: str = typer.Argument(..., help="The first image (e.g. single-stage)."),
    b: str = typer.Argument(..., help="The second image (e.g. multi-stage)."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
    html: Path | None = typer.Option(None, "--html", help="Write a self-contained HTML report."),
    force: bool = typer.Option(False, "--force", help="Overwrite the --html file."),
    platform: str | None = typer.Option(None, "--platform", help="os/arch[/variant] to pick."),
    engine: str | None = typer.Option(None, "--engine", help="Engine to export image names."),
    depth: int = typer.Option(3, "--depth", help="Directory depth for size deltas."),
    top: int = typer.Option(10, "--top", help="How many directories/files to list."),
) -> None:
    """Compare two images: what got smaller, what is only on one side, what got fixed."""
    if depth < 1 or top < 1:
        raise UsageError("--depth and --top must be at least 1")
    if html is not None:
        check_writable(html, force)
    left = inspect_source(a, platform=platform, engine=engine)
    right = inspect_source(b, platform=platform, engine=engine)
    diff = compare_images(left, right, depth=depth, top=top)
    changes = change_lines(diff)
    diff["changes"] = changes
    if as_json:
        write_stdout(to_json(diff))
    else:
        render_compare(out, diff, changes)
    if html is not None:
        write_atomic(html, render_compare_html(diff, changes), force=force)
        err.print(f"wrote {html}")
