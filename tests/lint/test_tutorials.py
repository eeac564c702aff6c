"""Tutorial-style Dockerfiles with planted mistakes: every planted rule fires, nothing else.

Each file's first line is ``# expect: SSxxx ...``: the exact set of rules it must trigger.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stagesmith.lint.engine import run_rules
from stagesmith.lint.source import load

FILES = sorted((Path(__file__).parent / "fixtures" / "tutorials").glob("*.Dockerfile"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_planted_mistakes_are_found(path: Path) -> None:
    text = path.read_text()
    first = text.splitlines()[0]
    assert first.startswith("# expect:")
    expected = set(first.removeprefix("# expect:").split())
    found = {f.rule for f in run_rules(load(text, str(path)))}
    assert found == expected


def test_there_are_tutorial_fixtures() -> None:
    assert len(FILES) >= 5
