"""Everything ``inspect`` reports about one image, as plain data (the JSON schema, v1).

The report formats (text, JSON, HTML) only render the dict built here, and ``compare`` diffs
two of them, so all numbers come from one place.

Schema (``stagesmith.inspect/v1``)::

    {"schema": "stagesmith.inspect/v1", "image": str,
     "source": {"format": str, "platform": str, "reference": str},
     "config": {"user": str, "entrypoint": [...]|null, "cmd": [...]|null, "workdir": str,
                "exposed_ports": [str], "healthcheck": bool},
     "layers": [{"index": int, "digest": str, "size": int,
                 "compressed_size": int|null (null: the blob is not compressed),
                 "created_by": str, "empty": bool}],
     "totals": {"layers": int, "size": int, "compressed_size": int|null, "files": int},
     "efficiency": {"score": float, "wasted_bytes": int, "user_wasted_percent": float,
                    "inefficient": [{"path": str, "count": int, "wasted_bytes": int}]} | null,
     "findings": [{"id", "severity", "title", "message", "subject", "paths", "layer",
                   "evidence"}],
     "counts": {"error": int, "warning": int, "info": int}}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stagesmith.checks.base import Check
from stagesmith.checks.index import FILE, Index
from stagesmith.checks.model import Finding, Severity
from stagesmith.checks.protocol import ImageLike
from stagesmith.checks.runner import run_checks_with_index
from stagesmith.checks.user import config_user
from stagesmith.record import Record

SCHEMA = "stagesmith.inspect/v1"
TOP_WASTE = 20


class Inspection(Record):
    """The report dict plus the merged index (``compare`` needs per-path sizes)."""

    __slots__ = ("findings", "index", "report")

    def __init__(self, report: dict[str, Any], findings: list[Finding], index: Index) -> None:
        self.report, self.findings, self.index = report, findings, index


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return default


def layer_rows(image: ImageLike, index: Index) -> list[dict[str, Any]]:
    """One row per layer; sizes the reader does not know come from the walk just done."""
    rows = []
    for i, layer in enumerate(image.layers or []):
        size = _get(layer, "size")
        if size is None:
            size = index.layer_bytes.get(i, 0)
        empty = _get(layer, "empty")
        if empty is None:
            empty = index.layer_entries.get(i, 0) == 0
        rows.append(
            {
                "index": i,
                "digest": str(_get(layer, "digest", "diff_id", default="")),
                "size": int(size or 0),
                # an uncompressed blob (docker save's legacy layer.tar) has no compressed
                # size: its tar size is neither that nor the content size
                "compressed_size": None
                if _get(layer, "compression") == "none"
                else _get(layer, "compressed_size"),
                "created_by": str(_get(layer, "created_by", default="") or ""),
                "empty": bool(empty),
            }
        )
    return rows


def config_summary(config: Any) -> dict[str, Any]:
    ports = _get(config, "exposed_ports", default=None) or []
    return {
        "user": config_user(config),
        "entrypoint": _listy(_get(config, "entrypoint")),
        "cmd": _listy(_get(config, "cmd")),
        "workdir": str(_get(config, "working_dir", "workdir", default="") or ""),
        "exposed_ports": sorted(str(p) for p in ports),
        "healthcheck": bool(_get(config, "healthcheck")),
    }


def _listy(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def efficiency_summary(eff: Any) -> dict[str, Any] | None:
    """Normalise the reader's efficiency result (dive's definitions) for reports."""
    if eff is None:
        return None
    items = _get(eff, "inefficient", "inefficiencies", "paths", default=[]) or []
    rows: list[dict[str, Any]] = []
    for item in items:
        rows.append(
            {
                "path": str(_get(item, "path", default="")).lstrip("/"),
                "count": int(_get(item, "count", "layers", "occurrences", default=0) or 0),
                "wasted_bytes": int(
                    _get(item, "wasted_bytes", "cumulative_size", "size", default=0) or 0
                ),
            }
        )
    rows.sort(key=lambda r: (-r["wasted_bytes"], r["path"]))
    return {
        "score": float(_get(eff, "efficiency", "score", default=1.0)),
        "wasted_bytes": int(_get(eff, "wasted_bytes", default=0)),
        "user_wasted_percent": float(_get(eff, "user_wasted_percent", default=0.0)),
        "inefficient": rows[:TOP_WASTE],
    }


def inspect_image(
    image: ImageLike,
    name: str,
    efficiency: Any = None,
    checks: Sequence[Check] | None = None,
    collector: Any = None,
) -> Inspection:
    """Run all checks in one walk; ``collector`` (``add(layer, entry)``/``finish()``, e.g. the
    reader's ``EfficiencyCollector``) computes wasted space during that same walk."""
    observers = [collector.add] if collector is not None else []
    findings, index = run_checks_with_index(image, checks, observers)
    if collector is not None and efficiency is None:
        efficiency = collector.finish()
    layers = layer_rows(image, index)
    compressed = [r["compressed_size"] for r in layers]
    report = {
        "schema": SCHEMA,
        "image": name,
        "source": {
            "format": str(_get(image, "source_format", default="") or ""),
            "platform": str(_get(image, "platform", default="") or ""),
            "reference": str(_get(image, "reference", default="") or ""),
        },
        "config": config_summary(image.config),
        "layers": layers,
        "totals": {
            "layers": len(layers),
            "size": sum(r["size"] for r in layers),
            "compressed_size": sum(compressed)
            if compressed and all(c is not None for c in compressed)
            else None,
            "files": sum(1 for n in index.nodes.values() if n.kind == FILE),
        },
        "efficiency": efficiency_summary(efficiency),
        "findings": [f.to_dict() for f in findings],
        "counts": {s.label: sum(1 for f in findings if f.severity == s) for s in Severity},
    }
    return Inspection(report, findings, index)
