"""Formatters: the same :class:`Report` as Rich text, JSON, SARIF 2.1.0 or GitHub annotations.

Formatters never compute findings; they only render them. Each returns a string so the CLI
writes it in one go and tests can compare it with golden files.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any
from urllib.parse import quote

from stagesmith import __version__
from stagesmith.lint.engine import all_rules
from stagesmith.lint.model import Finding, Severity
from stagesmith.lint.runner import Report

FORMATS = ("text", "json", "sarif", "github")
_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
    Severity.STYLE: "dim",
}


def summary(report: Report) -> str:
    counts = Counter(f.severity for f in report.findings)
    plural = {Severity.ERROR: "errors", Severity.WARNING: "warnings"}
    parts = [
        f"{counts[s]} {plural.get(s, str(s)) if counts[s] != 1 else s}"
        for s in sorted(counts, reverse=True)
    ]
    n = len(report.findings)
    files = len(report.files)
    detail = f" ({', '.join(parts)})" if parts else ""
    return f"{n} finding{'s' if n != 1 else ''}{detail} in {files} file{'s' if files != 1 else ''}"


def _shown(report: Report, f: Finding) -> tuple[list[tuple[int, str]], int]:
    """The source lines printed under a finding (up to six) and how many more it spans."""
    lines = report.lines.get(f.path, [])
    shown = range(f.line, min(f.end_line, f.line + 5) + 1)
    rows = [(n, lines[n - 1]) for n in shown if 1 <= n <= len(lines)]
    return rows, max(0, f.end_line - shown[-1])


#: Characters Rich drops from printed text; plain output drops them too so both agree.
_CONTROL = {ord(c): None for c in "\x07\x08\x0b\x0c\r"}


def _plain(text: str) -> str:
    return text.translate(_CONTROL).expandtabs(8)


def render_text(report: Report, color: bool = False, width: int = 120) -> str:
    """``file:line severity ID message [DLxxxx]`` then the offending lines, then a summary.

    Without colour this is plain string work; Rich is imported only to colour a terminal.
    """
    if not color:
        out: list[str] = []
        for f in report.findings:
            hd = f" [{f.hadolint}]" if f.hadolint else ""
            out.append(_plain(f"{f.path}:{f.line} {f.severity} {f.rule} {f.message}{hd}") + "\n")
            rows, more = _shown(report, f)
            out += [_plain(f"{n:>5} | {line}") + "\n" for n, line in rows]
            if more:
                out.append(f"      | ... ({more} more lines)\n")
        out.append(summary(report) + "\n")
        return "".join(out)
    return render_rich(report, color, width)


def render_rich(report: Report, color: bool = True, width: int = 120) -> str:
    """The text format through Rich (colour); without colour it equals the plain rendering."""
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        highlight=False,
        soft_wrap=True,
    )
    for f in report.findings:
        head = Text.assemble(
            (f"{f.path}:{f.line}", "bold"),
            " ",
            (str(f.severity), _STYLE[f.severity]),
            " ",
            (f.rule, "bold"),
            " ",
            f.message,
        )
        if f.hadolint:
            head.append(f" [{f.hadolint}]", "dim")
        console.print(head)
        rows, more = _shown(report, f)
        for number, line in rows:
            console.print(Text.assemble((f"{number:>5} | ", "dim"), line))
        if more:
            console.print(Text(f"      | ... ({more} more lines)", "dim"))
    console.print(summary(report))
    return buf.getvalue()


def render_json(report: Report) -> str:
    """The report as JSON, laid out exactly as ``json.dumps(data, indent=2)`` would (a test
    checks), but with each finding written from a template: Python's indenting encoder is
    pure Python and was a tenth of a large run."""
    counts = Counter(str(f.severity) for f in report.findings)
    head = {"tool": "stagesmith", "version": __version__, "files": report.files}
    summary = {
        "findings": len(report.findings),
        **{str(s): counts.get(str(s), 0) for s in Severity},
    }
    text = json.dumps(head, indent=2)[:-2]  # without the closing "\n}"
    findings = ",\n".join(_finding_json(f) for f in report.findings)
    text += ',\n  "findings": ' + (f"[\n{findings}\n  ]" if findings else "[]")
    text += ',\n  "summary": ' + json.dumps(summary, indent=2).replace("\n", "\n  ")
    return text + "\n}\n"


_encode_str = json.encoder.encode_basestring_ascii  # what json.dumps uses for a str


def _finding_json(f: Finding) -> str:
    """One finding as ``json.dumps(f.to_dict(), indent=2)`` lays it out inside the list (the
    keys of :meth:`Finding.to_dict`, in its order, written out: this runs once per finding)."""
    enc = _encode_str
    hd = "null" if f.hadolint is None else enc(f.hadolint)
    return (
        f'    {{\n      "rule": {enc(f.rule)},\n      "severity": "{f.severity}",\n'
        f'      "message": {enc(f.message)},\n      "path": {enc(f.path)},\n'
        f'      "line": {f.line},\n      "end_line": {f.end_line},\n'
        f'      "hadolint": {hd},\n      "column": {f.column}\n    }}'
    )


_SARIF_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.STYLE: "note",
}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(path: str) -> str:
    """A URI reference for SARIF: relative paths stay relative, absolute ones become file:."""
    posix = path.replace("\\", "/").removeprefix("./")
    if posix.startswith("/"):
        return "file://" + quote(posix)
    return quote(posix)


def render_sarif(report: Report) -> str:
    """A SARIF 2.1.0 log with one run; every rule is described, results point at lines."""
    rules = all_rules()
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for r in rules.values():
        index[r.id] = len(descriptors)
        props: dict[str, Any] = {"tags": ["dockerfile"]}
        if r.hadolint:
            props["hadolint"] = r.hadolint
        descriptors.append(
            {
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": " ".join(r.doc.split())},
                "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
                "help": {"text": r.doc.strip()},
                "properties": props,
            }
        )
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path)},
                        "region": {
                            "startLine": f.line,
                            "endLine": max(f.end_line, f.line),
                            "startColumn": f.column,
                        },
                    }
                }
            ],
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "stagesmith",
                        "version": __version__,
                        "informationUri": "https://github.com/stagesmith/stagesmith",
                        "rules": descriptors,
                    }
                },
                "artifacts": [{"location": {"uri": _uri(p)}} for p in report.files],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


_GH_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.STYLE: "notice",
}


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(report: Report) -> str:
    """GitHub Actions workflow commands: one ``::error file=...,line=...::msg`` per finding."""
    out = []
    for f in report.findings:
        props = (
            f"file={_gh_escape(f.path.removeprefix('./'), True)},line={f.line},endLine={max(f.end_line, f.line)},"
            f"title={_gh_escape(f.rule, True)}"
        )
        out.append(f"::{_GH_LEVEL[f.severity]} {props}::{_gh_escape(f.rule + ' ' + f.message)}\n")
    return "".join(out)


def render(report: Report, fmt: str, color: bool = False) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "sarif":
        return render_sarif(report)
    if fmt == "github":
        return render_github(report)
    return render_text(report, color=color)
