"""`stagesmith build --check` gates come from the config's inspect section, keys with - or _."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagesmith.buildcheck import gates_for_check
from stagesmith.config import load_config

REPORT_ROOT = {
    "findings": [{"id": "root-user", "severity": "warning", "title": "runs as root"}],
    "efficiency": {"score": 1.0, "wasted_bytes": 0},
}


@pytest.mark.parametrize("key", ["fail-on", "fail_on"])
def test_config_fail_on_replaces_the_error_default(tmp_path: Path, key: str) -> None:
    cfg = tmp_path / "stagesmith.yaml"
    cfg.write_text(f"inspect:\n  {key}: [root-user]\n")
    problems = gates_for_check(load_config(cfg)).violations(REPORT_ROOT)
    assert problems and "root-user" in problems[0]


def test_without_fail_on_only_errors_fail(tmp_path: Path) -> None:
    cfg = tmp_path / "stagesmith.yaml"
    cfg.write_text("inspect: {}\n")
    assert gates_for_check(load_config(cfg)).violations(REPORT_ROOT) == []
