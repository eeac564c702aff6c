"""Differences between two inspected images (``stagesmith compare A B``), as plain data.

Schema (``stagesmith.compare/v1``)::

    {"schema": "stagesmith.compare/v1", "a": str, "b": str,
     "size": {"a": int, "b": int, "delta": int, "reduction_percent": float},
     "files": {"a": int, "b": int},
     "directories": [{"path": str, "a": int, "b": int, "delta": int}],   # top by |delta|
     "only_in_a": {"count": int, "bytes": int, "largest": [{"path": str, "size": int}]},
     "only_in_b": {...same...},
     "findings": {"removed": [finding], "added": [finding], "kept": int},
     "user": {"a": str, "b": str},
     "efficiency": {"a": float|null, "b": float|null}}
"""

from __future__ import annotations

from typing import Any

from stagesmith.checks.index import FILE, HARDLINK, SYMLINK, Index
from stagesmith.checks.summary import Inspection

SCHEMA = "stagesmith.compare/v1"


def _dir_sizes(index: Index, depth: int) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for path, node in index.nodes.items():
        if node.kind != FILE:
            continue
        parts = path.split("/")[:-1][:depth]
        key = "/".join(parts) or "."
        sizes[key] = sizes.get(key, 0) + node.size
    return sizes


def _files(index: Index) -> dict[str, int]:
    return {p: n.size for p, n in index.nodes.items() if n.kind in (FILE, SYMLINK, HARDLINK)}


def _only(files: dict[str, int], other: dict[str, int], top: int) -> dict[str, Any]:
    only = {p: s for p, s in files.items() if p not in other}
    largest = sorted(only.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return {
        "count": len(only),
        "bytes": sum(only.values()),
        "largest": [{"path": p, "size": s} for p, s in largest],
    }


def _user_label(user: str) -> str:
    if not user or user.split(":")[0] in ("root", "0"):
        return "root"
    name = user.split(":")[0]
    return f"uid {name}" if name.isdigit() else f"user {name}"


def compare(a: Inspection, b: Inspection, depth: int = 3, top: int = 10) -> dict[str, Any]:
    ra, rb = a.report, b.report
    size_a, size_b = ra["totals"]["size"], rb["totals"]["size"]
    da, db = _dir_sizes(a.index, depth), _dir_sizes(b.index, depth)
    dirs: list[dict[str, Any]] = [
        {"path": d, "a": da.get(d, 0), "b": db.get(d, 0), "delta": db.get(d, 0) - da.get(d, 0)}
        for d in sorted(set(da) | set(db))
    ]
    dirs = [d for d in dirs if d["delta"]]
    dirs.sort(key=lambda d: (-abs(d["delta"]), d["path"]))
    fa, fb = _files(a.index), _files(b.index)
    keys_a = {(f["id"], f["subject"]): f for f in ra["findings"]}
    keys_b = {(f["id"], f["subject"]): f for f in rb["findings"]}
    removed = [keys_a[k] for k in sorted(set(keys_a) - set(keys_b))]
    added = [keys_b[k] for k in sorted(set(keys_b) - set(keys_a))]
    eff_a, eff_b = ra.get("efficiency"), rb.get("efficiency")
    return {
        "schema": SCHEMA,
        "a": ra["image"],
        "b": rb["image"],
        "size": {
            "a": size_a,
            "b": size_b,
            "delta": size_b - size_a,
            "reduction_percent": round(100.0 * (size_a - size_b) / size_a, 2) if size_a else 0.0,
        },
        "files": {"a": ra["totals"]["files"], "b": rb["totals"]["files"]},
        "directories": dirs[:top],
        "only_in_a": _only(fa, fb, top),
        "only_in_b": _only(fb, fa, top),
        "findings": {"removed": removed, "added": added, "kept": len(set(keys_a) & set(keys_b))},
        "user": {"a": _user_label(ra["config"]["user"]), "b": _user_label(rb["config"]["user"])},
        "efficiency": {
            "a": eff_a["score"] if eff_a else None,
            "b": eff_b["score"] if eff_b else None,
        },
    }


def change_lines(diff: dict[str, Any]) -> list[str]:
    """Human sentences for the finding changes: "gcc removed", "runs as root → uid 10001"."""
    lines = []
    for f in diff["findings"]["removed"]:
        if f["id"] == "root-user":
            lines.append(f"runs as root → {diff['user']['b']}")
        elif f["id"] == "build-tool":
            lines.append(f"{f['subject']} removed")
        else:
            lines.append(f"fixed: {f['title']}")
    for f in diff["findings"]["added"]:
        if f["id"] == "root-user":
            lines.append(f"{diff['user']['a']} → runs as root")
        elif f["id"] == "build-tool":
            lines.append(f"{f['subject']} added")
        else:
            lines.append(f"new: {f['title']}")
    return lines
