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


def load_schema(name: str) -> dict[str, Any]:
    """``name`` is ``inspect`` or ``compare``."""
    text = resources.files("stagesmith.report").joinpath(f"schemas/{name}.schema.json").read_text()
    doc: dict[str, Any] = json.loads(text)
    return doc
