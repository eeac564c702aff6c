"""`stagesmith lint` without Typer: the command's logic and a small argument parser.

``stagesmith lint`` runs once per file from pre-commit hooks and editors, so its start-up
matters more than any other command's. The Typer app (which pulls in Rich and pydantic) is
only imported for ``--help`` and the other commands; ``stagesmith lint ...`` is parsed here with
:mod:`argparse`, accepting exactly the options the Typer command declares
(:mod:`stagesmith.cli.lint`), and both call :func:`run`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stagesmith.errors import UsageError

FORMAT_NAMES = ("text", "json", "sarif", "github")


def run(
    paths: list[str] | None,
    fmt: str = "text",
    config: Path | None = None,
    threshold: str | None = None,
    ignore: list[str] | None = None,
    target: str | None = None,
    color: bool | None = None,
    list_rules: bool = False,
) -> int:
    """Lint ``paths`` and write the report to stdout; return the exit code (0, 1 or 2)."""
    from stagesmith.lint.engine import all_rules
    from stagesmith.lint.model import Severity
    from stagesmith.lint.runner import lint_paths, settings_for

    if list_rules:
        lines = []
        for r in all_rules().values():
            hd = f" ({r.hadolint})" if r.hadolint else ""
            lines.append(f"{r.id}{hd} {r.severity} {r.name}: {r.summary}\n")
        _write("".join(lines))
        return 0
    if fmt not in FORMAT_NAMES:
        raise UsageError(f"unknown --format '{fmt}' (expected one of: {', '.join(FORMAT_NAMES)})")
    names = list(paths or ["Dockerfile"])
    settings = settings_for(config, names)
    if threshold is not None:
        try:
            settings.failure_threshold = Severity.parse(threshold)
        except ValueError as exc:
            raise UsageError(f"--failure-threshold: {exc}") from None
    settings.ignore += [i.strip().upper() for x in ignore or [] for i in x.split(",") if i.strip()]
    if target:
        settings.target = target
    report = lint_paths(names, settings)
    from stagesmith.lint.formats import render

    use_color = sys.stdout.isatty() if color is None else color
    if report.files:  # when no file could be read, stdout stays empty (only the errors)
        _write(render(report, fmt, color=use_color))
    for line in report.errors:
        sys.stderr.write(f"stagesmith: error: {line}\n")
    if report.errors:
        return 2
    return 1 if report.failed(settings.failure_threshold) else 0


def _write(text: str) -> None:
    """Write to stdout; bytes that were not UTF-8 (surrogate escapes) print as ``\\xNN``."""
    if not text.isascii():
        text = "".join(
            f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else c for c in text
        )
    sys.stdout.write(text)
    sys.stdout.flush()


if TYPE_CHECKING:
    import argparse


def parser() -> argparse.ArgumentParser:
    """The reference parser of ``stagesmith lint`` options (:func:`parse_simple` takes the
    common cases without importing argparse)."""
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # type: ignore[override]
            raise UsageError(message)

    ap = _Parser(prog="stagesmith lint", add_help=False, allow_abbrev=False)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("-f", "--format", dest="fmt", default="text")
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("-t", "--failure-threshold", dest="threshold", default=None)
    ap.add_argument("--ignore", action="append", default=[])
    ap.add_argument("--target", default=None)
    ap.add_argument("--color", dest="color", action="store_true", default=None)
    ap.add_argument("--no-color", dest="color", action="store_false")
    ap.add_argument("--list-rules", action="store_true")
    return ap


def handles(args: list[str]) -> bool:
    """True when ``args`` (after the program name) are a ``lint`` run this module can parse:
    ``[--debug] lint ...`` without ``--help`` (help text comes from the Typer app)."""
    i = 0
    while i < len(args) and args[i] == "--debug":
        i += 1
    if i >= len(args) or args[i] != "lint":
        return False
    rest = args[i + 1 :]
    head = rest[: rest.index("--")] if "--" in rest else rest
    return not any(a in ("--help", "-h", "--version") for a in head)


#: Options taking a value, and switches, as :func:`parser` declares them (tests compare).
_VALUE_OPTIONS = {
    "-f": "fmt",
    "--format": "fmt",
    "--config": "config",
    "-t": "threshold",
    "--failure-threshold": "threshold",
    "--ignore": "ignore",
    "--target": "target",
}
_SWITCHES = {"--color": ("color", True), "--no-color": ("color", False)}
_SWITCHES["--list-rules"] = ("list_rules", True)


def parse_simple(args: list[str]) -> dict[str, Any] | None:
    """The usual command lines without :mod:`argparse` (importing it and its gettext set-up
    are a few milliseconds of every run): one run of paths, options spelt in full with the
    value as the next word (or after ``=`` for long ones). Anything else (``-fjson``, ``--``,
    a value or path starting with ``-``, paths on both sides of an option, unknown options)
    gives None and goes through :func:`parser`, which decides and words every error."""
    ns: dict[str, Any] = {
        "paths": [],
        "fmt": "text",
        "config": None,
        "threshold": None,
        "ignore": [],
        "target": None,
        "color": None,
        "list_rules": False,
    }
    paths_done = False  # argparse takes the paths (nargs="*") as one run
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        if arg == "-" or not arg.startswith("-"):
            if paths_done:
                return None
            while i < n and (args[i] == "-" or not args[i].startswith("-")):
                ns["paths"].append(args[i])
                i += 1
            paths_done = True
            continue
        name, eq, value = arg.partition("=")
        if name in _VALUE_OPTIONS and (not eq or name.startswith("--")):
            if not eq:
                if i + 1 >= n or args[i + 1].startswith("-"):
                    return None
                i += 1
                value = args[i]
            dest = _VALUE_OPTIONS[name]
            if dest == "ignore":
                ns["ignore"].append(value)
            else:
                ns[dest] = Path(value) if dest == "config" else value
        elif arg in _SWITCHES:
            dest, flag = _SWITCHES[arg]
            ns[dest] = flag
        else:
            return None
        if ns["paths"]:
            paths_done = True
        i += 1
    return ns


def main(args: list[str]) -> int:
    """Run ``[--debug] lint ...``; raise :class:`UsageError` for bad arguments."""
    i = 0
    while args[i] == "--debug":
        i += 1
    ns = parse_simple(args[i + 1 :])
    if ns is None:
        ns = vars(parser().parse_args(args[i + 1 :]))
    return run(
        ns["paths"],
        ns["fmt"],
        ns["config"],
        ns["threshold"],
        ns["ignore"],
        ns["target"],
        ns["color"],
        ns["list_rules"],
    )
