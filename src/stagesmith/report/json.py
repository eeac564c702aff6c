"""JSON output: the report dicts as they are, and the JSON Schemas that pin their shape.

The schemas (``schemas/inspect.schema.json``, ``schemas/compare.schema.json``) ship with the
package so CI users can validate what they parse; tests validate every report against them.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def to_json_bytes(report: dict[str, Any]) -> bytes:
    """:func:`to_json` as UTF-8 for stdout or a file: a name that was not UTF-8 (a lone
    surrogate from surrogateescape) is written as its JSON escape (``"caf\\udce9"``), so the
    output stays valid JSON and reversible instead of failing to encode."""
    return to_json(report).encode("utf-8", errors="backslashreplace")


def load_schema(name: str) -> dict[str, Any]:
    """``name`` is ``inspect`` or ``compare``."""
    text = resources.files("stagesmith.report").joinpath(f"schemas/{name}.schema.json").read_text()
    doc: dict[str, Any] = json.loads(text)
    return doc
