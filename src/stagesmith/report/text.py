"""Rich text for ``inspect`` and ``compare``: tables of layers, waste, findings, deltas."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from stagesmith.report.fmt import human_size, percent, printable, short

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render_inspect(console: Console, report: dict[str, Any]) -> None:
    totals = report["totals"]
    source = report.get("source") or {}
    where = printable(
        ", ".join(str(v) for v in (source.get("format"), source.get("platform")) if v)
    )
    console.print(
        f"[bold]{escape(printable(report['image']))}[/bold]"
        + (f" ({escape(where)})" if where else ""),
        markup=True,
    )
    table = Table(title="Layers", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("digest")
    table.add_column("size", justify="right")
    table.add_column("compressed", justify="right")
    table.add_column("created by", overflow="fold")
    for row in report["layers"]:
        table.add_row(
            str(row["index"]),
            Text(printable(short_digest(row["digest"]))),
            human_size(row["size"]),
            _maybe_size(row.get("compressed_size")),
            Text(short(printable(row["created_by"]))),
        )
    table.add_row(
        "",
        "",
        human_size(totals["size"]),
        _maybe_size(totals.get("compressed_size")),
        f"total: {totals['layers']} layers, {totals['files']} files",
    )
    console.print(table)
    eff = report.get("efficiency")
    if eff is not None:
        console.print(
            f"efficiency: {percent(eff['score'])} %   wasted: {human_size(eff['wasted_bytes'])}"
            f"   user wasted: {percent(eff['user_wasted_percent'])} %"
        )
        if eff["inefficient"]:
            waste = Table(title="Largest wasted files", title_justify="left")
            waste.add_column("count", justify="right")
            waste.add_column("wasted", justify="right")
            waste.add_column("path", overflow="fold")
            for row in eff["inefficient"][:10]:
                waste.add_row(
                    str(row["count"]),
                    human_size(row["wasted_bytes"]),
                    Text("/" + printable(row["path"])),
                )
            console.print(waste)
    render_findings(console, report["findings"])


def short_digest(digest: str) -> str:
    """``sha256:0123456789ab`` (12 hex digits, as ``docker images`` shows ids)."""
    algo, _, hexd = (digest or "").partition(":")
    return f"{algo}:{hexd[:12]}" if hexd else (digest or "")[:19]


def _maybe_size(value: Any) -> str:
    return "-" if value is None else human_size(value)


def render_findings(
    console: Console, findings: list[dict[str, Any]], title: str = "Findings"
) -> None:
    if not findings:
        console.print(f"{title}: none")
        return
    table = Table(title=f"{title} ({len(findings)})", title_justify="left")
    table.add_column("severity")
    table.add_column("id")
    table.add_column("finding", overflow="fold")
    for f in findings:
        sev = f["severity"]
        table.add_row(
            Text(printable(sev), style=_STYLE.get(sev, "")),
            Text(printable(f["id"])),
            Text(printable(f["message"])),
        )
    console.print(table)


def _size_change(size: dict[str, Any]) -> str:
    """``12.5 % smaller``, ``3.0 % larger`` or ``same size`` (never ``-0.0 % larger``)."""
    if size["delta"] == 0:
        return "same size"
    word = "smaller" if size["delta"] < 0 else "larger"
    if not size["a"]:
        return word
    return f"{abs(size['reduction_percent']):.1f} % {word}"


def render_compare(console: Console, diff: dict[str, Any], changes: list[str]) -> None:
    size = diff["size"]
    console.print(
        f"[bold]{escape(printable(diff['a']))}[/bold] {human_size(size['a'])} → "
        f"[bold]{escape(printable(diff['b']))}[/bold] {human_size(size['b'])}  "
        f"({_size_change(size)})",
        markup=True,
    )
    console.print(f"files: {diff['files']['a']} → {diff['files']['b']}", markup=False)
    if diff["directories"]:
        table = Table(title="Directories by size change", title_justify="left")
        table.add_column("directory", overflow="fold")
        table.add_column("A", justify="right")
        table.add_column("B", justify="right")
        table.add_column("delta", justify="right")
        for d in diff["directories"]:
            table.add_row(
                Text("/" + printable(d["path"])),
                human_size(d["a"]),
                human_size(d["b"]),
                human_size(d["delta"]),
            )
        console.print(table)
    for side, label in (("only_in_a", "A"), ("only_in_b", "B")):
        only = diff[side]
        console.print(f"only in {label}: {only['count']} files, {human_size(only['bytes'])}")
        for row in only["largest"][:5]:
            console.print(Text(f"  {human_size(row['size']):>10}  /{printable(row['path'])}"))
    if changes:
        console.print("[bold]changes[/bold]", markup=True)
        for line in changes:
            console.print(Text(f"  {printable(line)}"))
