"""`stagesmith compare A B`: sizes, directories, files and findings that changed."""

from __future__ import annotations

import sys

import typer

from stagesmith.checks.compare import change_lines
from stagesmith.checks.compare import compare as compare_images
from stagesmith.checks.summary import Inspection
from stagesmith.cli.app import app, err, out
from stagesmith.cli.inspect_command import ENGINES, check_engine, inspect_named
from stagesmith.errors import UsageError
from stagesmith.report.fmt import printable
from stagesmith.report.html import render_compare_html
from stagesmith.report.json import to_json_bytes
from stagesmith.report.output import check_output, write_output
from stagesmith.report.text import render_compare


@app.command(context_settings={"help_option_names": ["-h", "--help"]})
def compare(
    a: str = typer.Argument(..., help="The first image (e.g. single-stage)."),
    b: str = typer.Argument(..., help="The second image (e.g. multi-stage)."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
    html: str | None = typer.Option(None, "--html", help="Write a self-contained HTML report."),
    force: bool = typer.Option(False, "--force", help="Overwrite the --html file."),
    platform: str | None = typer.Option(None, "--platform", help="os/arch[/variant] to pick."),
    engine: str | None = typer.Option(
        None, "--engine", help=f"Engine to export image names ({', '.join(ENGINES)})."
    ),
    depth: int = typer.Option(3, "--depth", help="Directory depth for size deltas."),
    top: int = typer.Option(10, "--top", help="How many directories/files to list."),
) -> None:
    """Compare two images: what got smaller, what is only on one side, what got fixed."""
    if depth < 1 or top < 1:
        raise UsageError("--depth and --top must be at least 1")
    check_engine(engine)
    target = None if html is None else check_output(html, force, [a, b])
    left = inspect_named(a, platform=platform, engine=engine)
    right = inspect_named(b, platform=platform, engine=engine)
    assert isinstance(left, Inspection) and isinstance(right, Inspection)
    diff = compare_images(left, right, depth=depth, top=top)
    changes = change_lines(diff)
    diff["changes"] = changes
    if as_json:
        sys.stdout.buffer.write(to_json_bytes(diff))
        sys.stdout.flush()
    else:
        render_compare(out, diff, changes)
    if target is not None:
        write_output(target, render_compare_html(diff, changes), force, [a, b])
        err.print(f"wrote {printable(target)}", markup=False, highlight=False)
