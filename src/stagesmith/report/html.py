"""One self-contained HTML file per report: inline CSS and SVG, no scripts, no external assets.

Rendered through Jinja2 with autoescaping, so paths and ``created_by`` strings from a hostile
image cannot inject markup.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from stagesmith import __version__
from stagesmith.report.fmt import human_size, short
from stagesmith.report.svg import bar_chart


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("stagesmith.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def _num(n: Any) -> dict[str, Any]:
    return {"cls": "num", "text": human_size(n)}


def _code(text: str) -> dict[str, Any]:
    return {"cls": "", "text": text, "code": True}


def _findings_section(findings: list[dict[str, Any]], title: str) -> dict[str, Any]:
    rows = [
        [
            {"cls": f"sev-{f['severity']}", "text": f["severity"]},
            _code(f["id"]),
            f["message"],
            "" if f.get("layer") is None else str(f["layer"]),
        ]
        for f in findings
    ]
    return {
        "title": f"{title} ({len(findings)})",
        "head": ["severity", "id", "finding", "layer"],
        "rows": rows,
        "empty": "None.",
    }


def _inspect_parts(
    report: dict[str, Any],
) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """KPIs and sections of an inspect report, shared by inspect and build --check."""
    totals = report["totals"]
    eff = report.get("efficiency")
    kpis = [
        ("size", human_size(totals["size"])),
        ("layers", str(totals["layers"])),
        ("files", str(totals["files"])),
        ("user", report["config"]["user"] or "root"),
        ("errors", str(report["counts"].get("error", 0))),
        ("warnings", str(report["counts"].get("warning", 0))),
    ]
    if eff is not None:
        kpis[3:3] = [
            ("efficiency", f"{eff['score'] * 100:.2f} %"),
            ("wasted", human_size(eff["wasted_bytes"])),
        ]
    layers = report["layers"]
    sections: list[dict[str, Any]] = [
        {
            "title": "Layer sizes",
            "svg": bar_chart(
                [(f"#{r['index']} {short(r['created_by'], 30)}", r["size"]) for r in layers],
                title="Layer sizes",
            ),
            "head": ["#", "size", "created by"],
            "rows": [[str(r["index"]), _num(r["size"]), _code(r["created_by"])] for r in layers],
        }
    ]
    if eff is not None:
        sections.append(
            {
                "title": "Wasted space (files stored in more than one layer)",
                "svg": bar_chart(
                    [("/" + r["path"], r["wasted_bytes"]) for r in eff["inefficient"][:15]],
                    color="#f97316",
                    title="Largest wasted files",
                ),
                "head": ["count", "wasted", "path"],
                "rows": [
                    [str(r["count"]), _num(r["wasted_bytes"]), _code("/" + r["path"])]
                    for r in eff["inefficient"]
                ],
                "empty": "No file is stored in more than one layer.",
            }
        )
    sections.append(_findings_section(report["findings"], "Findings"))
    return kpis, sections


def _page(title: str, subtitle: str, kpis: list[tuple[str, str]], sections: list[Any]) -> str:
    return (
        _env()
        .get_template("report.html.j2")
        .render(title=title, subtitle=subtitle, kpis=kpis, sections=sections, version=__version__)
    )


def render_inspect_html(report: dict[str, Any]) -> str:
    kpis, sections = _inspect_parts(report)
    return _page(
        f"stagesmith inspect: {report['image']}",
        "Layers, wasted space and findings.",
        kpis,
        sections,
    )


def render_check_html(
    image: str, inspect: dict[str, Any], verify: dict[str, Any], problems: list[str]
) -> str:
    """``build --check``: the build's verdict, the verify results, then the inspect report."""
    kpis, sections = _inspect_parts(inspect)
    verdict = "failed" if problems else "passed"
    kpis = [
        ("check", verdict),
        ("verify", f"{verify['pass']} passed, {verify['fail']} failed"),
        *kpis,
    ]
    rows = []
    for result in verify["results"]:
        status = "skipped" if result.get("skipped") else ("pass" if result["passed"] else "fail")
        cls = {"pass": "sev-info", "fail": "sev-error", "skipped": "sev-warning"}[status]
        detail = "; ".join(result.get("errors") or []) or (result.get("skipped") or "")
        rows.append([{"cls": cls, "text": status}, result["kind"], _code(result["name"]), detail])
    verify_section = {
        "title": f"Verify ({len(rows)} tests)",
        "head": ["result", "kind", "test", "detail"],
        "rows": rows,
        "empty": "No tests ran.",
    }
    problem_section = {
        "title": f"Problems ({len(problems)})",
        "head": ["problem"],
        "rows": [[p] for p in problems],
        "empty": "None: the image passed every check.",
    }
    return _page(
        f"stagesmith build --check: {image}",
        "Build, then inspect and verify: one report.",
        kpis,
        [problem_section, verify_section, *sections],
    )


def render_compare_html(diff: dict[str, Any], changes: list[str]) -> str:
    size = diff["size"]
    kpis = [
        ("A", human_size(size["a"])),
        ("B", human_size(size["b"])),
        ("reduction", f"{size['reduction_percent']:.1f} %"),
        ("files", f"{diff['files']['a']} → {diff['files']['b']}"),
        ("user", f"{diff['user']['a']} → {diff['user']['b']}"),
    ]
    sections: list[dict[str, Any]] = [
        {
            "title": "Image sizes",
            "svg": bar_chart([("A " + diff["a"], size["a"]), ("B " + diff["b"], size["b"])]),
        },
        {
            "title": "Directories by size change (B − A)",
            "svg": bar_chart(
                [("/" + d["path"], d["delta"]) for d in diff["directories"]],
                color="#dc2626",
                title="Directory deltas",
            ),
            "head": ["directory", "A", "B", "delta"],
            "rows": [
                [_code("/" + d["path"]), _num(d["a"]), _num(d["b"]), _num(d["delta"])]
                for d in diff["directories"]
            ],
            "empty": "No directory changed size.",
        },
    ]
    for side, label in (("only_in_a", "A"), ("only_in_b", "B")):
        only = diff[side]
        sections.append(
            {
                "title": f"Only in {label}: {only['count']} files, {human_size(only['bytes'])}",
                "head": ["size", "path"],
                "rows": [[_num(r["size"]), _code("/" + r["path"])] for r in only["largest"]],
                "empty": "None.",
            }
        )
    sections.append(
        {
            "title": "Changes",
            "head": ["change"],
            "rows": [[c] for c in changes],
            "empty": "No finding appeared or disappeared.",
        }
    )
    sections.append(_findings_section(diff["findings"]["added"], "New findings in B"))
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            title=f"stagesmith compare: {diff['a']} → {diff['b']}",
            subtitle="Sizes, directories, files only on one side, and findings that changed.",
            kpis=kpis,
            sections=sections,
            version=__version__,
        )
    )
