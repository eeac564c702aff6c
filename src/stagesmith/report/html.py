"""One self-contained HTML file per report: inline CSS and SVG, no scripts, no external assets.

Rendered through Jinja2 with autoescaping, so paths and ``created_by`` strings from a hostile
image cannot inject markup.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from stagesmith import __version__
from stagesmith.report.fmt import human_size, percent, short, unsurrogate
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
            ("efficiency", f"{percent(eff['score'])} %"),
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
    chart = findings_chart(report["findings"])
    findings = _findings_section(report["findings"], "Findings")
    if chart:
        findings["svg"] = chart
    sections.append(findings)
    return kpis, sections


_SEVERITY_COLORS = {"error": "#dc2626", "warning": "#f59e0b", "info": "#0ea5e9"}


def findings_chart(findings: list[dict[str, Any]]) -> str:
    """Bars of finding counts by id, colored by severity (most severe first)."""
    counts: dict[tuple[str, str], int] = {}
    for f in findings:
        key = (f["severity"], f["id"])
        counts[key] = counts.get(key, 0) + 1
    order = {"error": 0, "warning": 1, "info": 2}
    rows = sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], 3), -kv[1], kv[0][1]))
    return bar_chart(
        [(f"{sev} {fid}", n) for (sev, fid), n in rows],
        colors=[_SEVERITY_COLORS.get(sev, "#64748b") for (sev, _), _ in rows],
        fmt=lambda v: str(int(v)),
        title="Findings by kind and severity",
    )


def _page(title: str, subtitle: str, kpis: list[tuple[str, str]], sections: list[Any]) -> str:
    # a name that was not UTF-8 (lone surrogate) is shown as its bytes (``\\xe9``): the page
    # must encode as UTF-8
    return unsurrogate(
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


def _build_section(build: dict[str, Any]) -> dict[str, Any]:
    """What the engine did: engine, image ID, duration, arguments, labels."""
    failed = bool(build.get("failed"))
    status = {"cls": "sev-error" if failed else "sev-info", "text": "failed" if failed else "built"}
    rows: list[list[Any]] = [
        ["status", status],
        ["engine", build.get("engine", "")],
    ]
    if build.get("builder"):
        rows.append(["builder", _code(build["builder"])])
    rows.append(["image", _code(build.get("image", ""))])
    if build.get("image_id"):
        rows.append(["image ID", _code(build["image_id"])])
    if build.get("seconds") is not None:
        rows.append(["duration", f"{build['seconds']:.1f} s"])
    for key, value in (build.get("build_args") or {}).items():
        rows.append(["build arg", _code(f"{key}={value}")])
    for key, value in (build.get("labels") or {}).items():
        rows.append(["label", _code(f"{key}={value}")])
    if build.get("failed_step"):
        rows.append(["failed step", _code(build["failed_step"])])
    return {"title": "Build", "head": ["", ""], "rows": rows}


def _steps_section(build: dict[str, Any]) -> dict[str, Any]:
    steps = build.get("steps") or []
    return {
        "title": f"Build steps ({len(steps)})",
        "head": ["step"],
        "rows": [[_code(step)] for step in steps],
        "empty": "The engine reported no steps.",
    }


def render_check_html(
    image: str,
    inspect: dict[str, Any] | None,
    verify: dict[str, Any] | None,
    problems: list[str],
    build: dict[str, Any] | None = None,
) -> str:
    """``build --check``: the verdict, the build, the verify results, then the inspect report.

    A failed build has no image to inspect or verify: ``inspect`` and ``verify`` are None and
    the report shows the build, its failing step and the tail of its log.
    """
    kpis: list[tuple[str, str]] = []
    sections: list[dict[str, Any]] = []
    if inspect is not None:
        kpis, sections = _inspect_parts(inspect)
    verdict = "failed" if problems else "passed"
    head: list[tuple[str, str]] = [("check", verdict)]
    if build is not None:
        head.append(("engine", str(build.get("engine", ""))))
        if build.get("seconds") is not None:
            head.append(("build", f"{build['seconds']:.1f} s"))
    if verify is not None:
        head.append(("verify", f"{verify['pass']} passed, {verify['fail']} failed"))
    kpis = [*head, *kpis]
    problem_section = {
        "title": f"Problems ({len(problems)})",
        "head": ["problem"],
        "rows": [[p] for p in problems],
        "empty": "None: the image passed every check.",
    }
    parts: list[dict[str, Any]] = [problem_section]
    if build is not None:
        parts += [_build_section(build), _steps_section(build)]
        if build.get("failed"):
            parts.append(
                {
                    "title": "Build log (tail)",
                    "head": ["line"],
                    "rows": [[_code(line)] for line in build.get("log_tail") or []],
                    "empty": "The engine printed nothing.",
                }
            )
    if verify is not None:
        rows = []
        for result in verify["results"]:
            status = (
                "skipped" if result.get("skipped") else ("pass" if result["passed"] else "fail")
            )
            cls = {"pass": "sev-info", "fail": "sev-error", "skipped": "sev-warning"}[status]
            detail = "; ".join(result.get("errors") or []) or (result.get("skipped") or "")
            rows.append(
                [{"cls": cls, "text": status}, result["kind"], _code(result["name"]), detail]
            )
        parts.append(
            {
                "title": f"Verify ({len(rows)} tests)",
                "head": ["result", "kind", "test", "detail"],
                "rows": rows,
                "empty": "No tests ran.",
            }
        )
    return _page(
        f"stagesmith build --check: {image}",
        "Build, then inspect and verify: one report.",
        kpis,
        [*parts, *sections],
    )


def render_compare_html(diff: dict[str, Any], changes: list[str]) -> str:
    size = diff["size"]
    kpis = [
        ("A", human_size(size["a"])),
        ("B", human_size(size["b"])),
        ("reduction", f"{size['reduction_percent'] or 0.0:.1f} %"),
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
    return unsurrogate(
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
