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
import gc
import sys
from pathlib import Path
from typing import NoReturn

from stagesmith.errors import Failure, UsageError

HELP = "Read an image with no daemon: layer table, wasted space and findings."
#: Engines that can export an image given by name (``<engine> save``).
ENGINES = ("podman", "docker")


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
    p.add_argument("--html", help="Write a self-contained HTML report.")
    p.add_argument("--force", action="store_true", help="Overwrite the --html file.")
    p.add_argument("--platform", help="os/arch[/variant] to pick.")
    p.add_argument("--engine", help=f"Engine to export image names ({', '.join(ENGINES)}).")
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
        "--fail-on",
        action="append",
        metavar="LIST",
        help="Exit 1 on these finding ids or on a severity and above (repeatable, comma list).",
    )
    p.add_argument("--no-efficiency", action="store_true", help="Skip the wasted-space analysis.")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)  # read by main
    return p


def check_engine(engine: str | None) -> None:
    """``--engine`` names one of :data:`ENGINES` (checked before any image is read)."""
    if engine is not None and engine not in ENGINES:
        raise UsageError(f"--engine: unknown engine {engine!r} (choose from {', '.join(ENGINES)})")


def check_config_path(path: Path | None) -> None:
    if path is not None and path.is_dir():
        raise UsageError(f"--config {path} is a directory, not a config file")


def inspect_named(source: str, **kwargs: object) -> object:
    """:func:`inspect_source`, with errors that do not say which image they are about (a
    malformed config, a symlink loop) prefixed with ``source``."""
    from stagesmith.checks.source import inspect_source
    from stagesmith.errors import StagesmithError

    try:
        return inspect_source(source, **kwargs)  # type: ignore[arg-type]
    except StagesmithError as exc:
        from stagesmith.report.fmt import printable

        message = str(exc)
        named = message if source in message else f"{source}: {message}"
        if named == message and printable(message) == message:
            raise
        # image-derived names in the message reach the terminal escaped
        raise type(exc)(printable(named)) from exc


def run(args: argparse.Namespace) -> None:
    from stagesmith.checks.summary import Inspection
    from stagesmith.checks.thresholds import Gates
    from stagesmith.config import load_config

    check_engine(args.engine)
    check_config_path(args.config)
    config = load_config(args.config)
    section = config.section("inspect")
    gates = Gates.build(section, args.min_efficiency, args.max_wasted, args.fail_on, config.source)
    if args.no_efficiency and gates.needs_efficiency:
        flag = (
            "--fail-on-efficiency-below"
            if args.min_efficiency is not None
            else "--fail-on-wasted-bytes"
            if args.max_wasted is not None
            else "the config's inspect fail-on-efficiency-below/fail-on-wasted-bytes"
        )
        raise UsageError(f"--no-efficiency cannot be combined with {flag}, which needs it")
    html: Path | None = None
    if args.html is not None:
        from stagesmith.report.output import check_output

        html = check_output(args.html, args.force, [args.source])
    unknown_ids = gates.unknown_ids()
    if unknown_ids:
        from stagesmith.cli.console import warn

        for unknown in unknown_ids:
            warn(f"--fail-on: no check emits finding id {unknown!r}")
    result = inspect_named(
        args.source, platform=args.platform, engine=args.engine, efficiency=not args.no_efficiency
    )
    assert isinstance(result, Inspection)
    report = result.report
    # renderers are imported only when used: Jinja2 and Rich tables cost start-up time
    if args.as_json:
        from stagesmith.report.json import to_json_bytes

        sys.stdout.buffer.write(to_json_bytes(report))
        sys.stdout.flush()
    else:
        from stagesmith.cli.console import out
        from stagesmith.report.text import render_inspect

        render_inspect(out, report)
    if html is not None:
        from stagesmith.cli.console import err
        from stagesmith.report.fmt import printable
        from stagesmith.report.html import render_inspect_html
        from stagesmith.report.output import write_output

        write_output(html, render_inspect_html(report), args.force, [args.source])
        err.print(f"wrote {printable(html)}", markup=False, highlight=False)
    problems = gates.violations(report)
    if problems:
        from stagesmith.cli.console import err
        from stagesmith.report.fmt import printable

        for line in problems:
            err.print(f"threshold: {printable(line)}", highlight=False, markup=False)
        raise Failure(f"{len(problems)} threshold(s) crossed: {printable(problems[0])}")


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
    # The walk makes a few objects per tar member and reference counting frees them as it
    # goes; the cyclic collector would only re-traverse the growing index, again and again
    # (~9 % of the run of a 9k-member image), to find next to nothing. Off for the command.
    collecting = gc.isenabled()
    gc.disable()
    try:
        run(parser().parse_args(rest))
    finally:
        if collecting:
            gc.enable()
    return 0


if __name__ == "__main__":  # pragma: no cover
    run(parser().parse_args(sys.argv[1:]))
