"""Lint many files in one process: read, parse, run the rules, collect a report."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from stagesmith.dockerfile.record import Record
from stagesmith.errors import StagesmithError
from stagesmith.lint.config import LintSettings, settings_from
from stagesmith.lint.discover import STDIN, expand
from stagesmith.lint.engine import Context, run_rules
from stagesmith.lint.model import Finding, Severity
from stagesmith.lint.source import Doc, load


class Report(Record):
    """Everything the formatters need: the files read (with their lines) and the findings;
    ``errors``: files that could not be read or parsed, one ``path: why`` line each (exit 2)."""

    __slots__ = ("errors", "files", "findings", "lines")

    def __init__(
        self,
        files: list[str] | None = None,
        findings: list[Finding] | None = None,
        lines: dict[str, list[str]] | None = None,
        errors: list[str] | None = None,
    ) -> None:
        self.files: list[str] = [] if files is None else files
        self.findings: list[Finding] = [] if findings is None else findings
        self.lines: dict[str, list[str]] = {} if lines is None else lines
        self.errors: list[str] = [] if errors is None else errors

    def failed(self, threshold: Severity) -> bool:
        return any(f.severity >= threshold for f in self.findings)


def read_text(name: str) -> str:
    """Read a Dockerfile as text the way ``stagesmith parse`` does: bytes that are not UTF-8
    survive as surrogate escapes (shown as ``\\xNN``), so both commands see the same text."""
    try:
        data = sys.stdin.buffer.read() if name == STDIN else _read_bytes(name)
    except IsADirectoryError:
        raise StagesmithError(f"{name}: is a directory") from None
    except OSError as exc:
        raise StagesmithError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="surrogateescape")


def _read_bytes(name: str) -> bytes:
    """The file's bytes with the fewest system calls (open, reads up to an empty one, close;
    ``open()`` adds stat and seek calls, which cost when a thousand files are read)."""
    fd = os.open(name, os.O_RDONLY)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def settings_for(config_file: Path | None, paths: list[str]) -> LintSettings:
    """Settings from ``--config``, else the nearest config at or above the first path.

    Walking up (like ruff) means ``stagesmith lint services/api`` run from the repository
    root still finds the root's ``.stagesmith.yaml``; the current directory is the last resort.
    """
    if config_file is not None:
        from stagesmith.config import load_config

        cfg = load_config(config_file)
        return settings_from(cfg.section("lint"), cfg.source)
    first = next((p for p in paths if p != STDIN), None)
    start = Path(first).resolve() if first else Path.cwd()
    if start.is_file() or not start.exists():
        start = start.parent
    if not os.environ.get("STAGESMITH_CONFIG") and not any(
        _may_hold_config(d) for d in (start, *start.parents, Path.cwd())
    ):
        return LintSettings()  # nothing to read: skip importing the YAML/TOML readers
    from stagesmith.config import load_config

    cfg = load_config(None, start)
    for parent in start.parents:
        if cfg.source is not None:
            break
        cfg = load_config(None, parent)
    if cfg.source is None:
        cfg = load_config(None, Path.cwd())
    return settings_from(cfg.section("lint"), cfg.source)


#: The files :func:`stagesmith.config.load_config` looks for (tests check they match).
CONFIG_FILES = (".stagesmith.yaml", ".stagesmith.yml", "pyproject.toml")


def _may_hold_config(directory: Path) -> bool:
    """A config file is there (a ``pyproject.toml`` only if it mentions stagesmith)."""
    for name in CONFIG_FILES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            if name != "pyproject.toml":
                return True
            try:
                with open(path, "rb") as fh:
                    if b"stagesmith" in fh.read():
                        return True
            except OSError:
                return True  # let the config reader report it
    return False


def _context(settings: LintSettings) -> Context:
    return Context(
        trusted_registries=settings.trusted_registries,
        target=settings.target,
        alternative_targets=settings.alternative_targets,
    )


def _lint_one(doc: Doc, settings: LintSettings, ctx: Context, report: Report) -> None:
    """Lint ``doc`` into ``report``; a ``--target`` it lacks goes to ``report.errors``."""
    if settings.target and doc.stage_by_ref(settings.target) is None:
        names = ", ".join(s.label for s in doc.stages) or "none"
        report.errors.append(
            f"{doc.path}: --target '{settings.target}' names no stage (stages: {names})"
        )
        return
    report.files.append(doc.path)
    report.lines[doc.path] = doc.lines
    report.findings += run_rules(doc, ctx, disabled=settings.ignore, overrides=settings.severity)


def lint_docs(docs: list[Doc], settings: LintSettings) -> Report:
    ctx = _context(settings)
    report = Report()
    for doc in docs:
        _lint_one(doc, settings, ctx, report)
    return report


def lint_paths(paths: list[str], settings: LintSettings) -> Report:
    """Read, parse and lint every file; a file that cannot be read or parsed is recorded in
    ``Report.errors`` (the CLI prints one line each and exits 2) and the others are linted.
    A path that does not exist, or a directory without a Dockerfile, still stops the run
    before anything is read (a typo in the command line).

    Each file is linted as soon as it is parsed and its parse dropped (the report keeps its
    lines): the same report as parsing them all first (read and parse errors listed before
    ``--target`` ones, as :func:`lint_docs` after loading would), without a thousand parse
    trees alive at once for the garbage collector to walk again and again.
    """
    ctx = _context(settings)
    report = Report()
    errors: list[str] = []
    for name in expand(paths):
        try:
            doc = load(read_text(name), "<stdin>" if name == STDIN else name)
        except StagesmithError as exc:
            errors.append(str(exc).replace("\n", " "))
            continue
        _lint_one(doc, settings, ctx, report)
    report.errors = errors + report.errors
    return report
