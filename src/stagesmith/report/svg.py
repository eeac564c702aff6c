"""Inline SVG bar charts for the HTML report (no JavaScript, no external assets)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from stagesmith.report.fmt import human_size


def bar_chart(
    rows: list[tuple[str, float]],
    *,
    width: int = 720,
    bar: int = 18,
    label_width: int = 220,
    color: str = "#3b82f6",
    title: str = "",
    colors: list[str] | None = None,
    fmt: Callable[[float], str] = human_size,
) -> str:
    """Horizontal bars, one per ``(label, value)``; values are byte counts unless ``fmt``
    formats them otherwise (``str`` for counts). ``colors`` gives each bar its own color."""
    if not rows:
        return ""
    top = max((abs(v) for _, v in rows), default=0) or 1
    plot = width - label_width - 90
    height = len(rows) * (bar + 6) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = 18 + i * (bar + 6)
        w = max(1, round(plot * abs(value) / top)) if value else 0
        fill = (colors[i] if colors else color) if value >= 0 else "#16a34a"
        shown = label if len(label) <= 34 else "…" + label[-33:]
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar - 5}" text-anchor="end" '
            f'class="lbl">{escape(shown)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{w}" height="{bar}" fill="{fill}">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
            f'<text x="{label_width + w + 6}" y="{y + bar - 5}" class="val">'
            f"{escape(fmt(value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
