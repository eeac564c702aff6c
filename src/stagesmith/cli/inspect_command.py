"""`stagesmith inspect IMAGE|ARCHIVE`: layers, waste and findings, with CI gates.

The command's flags are parsed here with argparse, and ``stagesmith inspect ...`` is routed here by
``cli/main.py`` before Typer is imported: Typer (>= 0.20) builds a pydantic TypeAdapter for every
typed parameter when it parses, and importing Typer and pydantic for that was about half of the
CPU time of inspecting a 200 MB archive (and 18 MB of its peak memory). ``cli/inspect.py``
registers the same command on the Typer app for ``stagesmith --help`` and ``inspect --help``.
Rich (``cli.console``) is imported only when something is printed through it: ``--json`` with
no warning or threshold output does not need it (it was a fifth of the start-up).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from stagesmith.errors import Failure, UsageError

HELP = "Read an image with no daemon: layer table, wasted space and findings."


class _Parser(argparse.ArgumentParser):
    """argparse with the project's error convention: one line, exit 2 (via UsageError)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"inspect: {message}")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="stagesmith inspect", description=HELP, add_help=True)
    p.add_argument(
        "source",
        help="docker-archive/oci-archive file, OCI layout dir, or local engine image name.",
    )
    p.add_argument("--json", dest="as_json", action="store_true", help="Print JSON on stdout.")
    p.add_argument("--html", type=Path, help="Write a self-contained HTML report.")
    p.add_argument("--force", action="store_true", help="Overwrite the --html file.")
    p.add_argument("--platform", help="os/arch[/variant] to pick.")
    p.add_argument("--engine", help="Engine to export image names.")
    p.add_argument("--config", type=Path, help="Config file (section 'inspect').")
    p.add_argument(
        "--fail-on-efficiency-below",
        dest="min_efficiency",
        type=float,
        metavar="X",
        help="Exit 1 if efficiency (0..1) is lower.",
    )
    p.add_argument(
        "--fail-on-wasted-bytes",
        dest="max_wasted",
        metavar="SIZE",
        help="Exit 1 if wasted bytes exceed this (e.g. 50MB).",
    )
    p.add_argument(
        "--fail-on", metavar="LIST", help="Exit 1 on these finding ids or on a severity and above."
    )
    p.add_argument("--no-efficiency", action="store_true", help="Skip the wasted-space analysis.")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)  # read by main
    return p


def run(args: argparse.Namespace) -> None:
    from stagesmith.checks.source import inspect_source
    from stagesmith.checks.thresholds import Gates
    from stagesmith.config import load_config
    from stagesmith.fsutil import check_writable, write_atomic

    section = load_config(args.config).section("inspect")
    gates = Gates.build(section, args.min_efficiency, args.max_wasted, args.fail_on)
    if args.no_efficiency and gates.needs_efficiency:
        flag = (
            "--fail-on-efficiency-below"
            if args.min_efficiency is not None
            else "--fail-on-wasted-bytes"
            if args.max_wasted is not None
            else "the config's inspect fail-on-efficiency-below/fail-on-wasted-bytes"
        )
        raise UsageError(f"--no-efficiency cannot be combined with {flag}, which needs it")
    unknown_ids = gates.unknown_ids()
    if unknown_ids:
        from stagesmith.cli.console import warn

        for unknown in unknown_ids:
            warn(f"--fail-on: no check emits finding id {unknown!r}")
    html: Path | None = args.html
    if html is not None:
        check_writable(html, args.force)
    result = inspect_source(
        args.source, platform=args.platform, engine=args.engine, efficiency=not args.no_efficiency
    )
    report = result.report
    # renderers are imported only when used: Jinja2 and Rich tables cost start-up time
    if args.as_json:
        from stagesmith.report.json import to_json

        sys.stdout.write(to_json(report))
        sys.stdout.flush()
    else:
        from stagesmith.cli.console import out
        from stagesmith.report.text import render_inspect

        render_inspect(out, report)
    if html is not None:
        from stagesmith.cli.console import err
        from stagesmith.report.html import render_inspect_html

        write_atomic(html, render_inspect_html(report), force=args.force)
        err.print(f"wrote {html}")
    problems = gates.violations(report)
    if problems:
        from stagesmith.cli.console import err

        for line in problems:
            err.print(f"threshold: {line}", highlight=False, markup=False)
        raise Failure(f"{len(problems)} threshold(s) crossed: {problems[0]}")


def handles(args: list[str]) -> bool:
    """True for ``[--debug] inspect ...`` without ``--help`` (help comes from the Typer app)."""
    i = 0
    while i < len(args) and args[i] == "--debug":
        i += 1
    if i >= len(args) or args[i] != "inspect":
        return False
    return not any(a in ("--help", "-h", "--version") for a in args[i + 1 :])


def main(args: list[str]) -> int:
    """Run ``[--debug] inspect ...``; errors are raised as :class:`StagesmithError`."""
    rest = args[args.index("inspect") + 1 :]
    run(parser().parse_args(rest))
    return 0


if __name__ == "__main__":  # pragma: no cover
    run(parser().parse_args(sys.argv[1:]))
