"""The generated ``test`` target runs the project's tests: a failing test fails the build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.apps.conftest import podman, stagesmith
from tests.conftest import ENGINE_CONFIG, FIXTURES


@pytest.mark.engine
def test_failing_test_fails_the_test_target(tmp_path: Path) -> None:
    project = tmp_path / "py-cext"
    shutil.copytree(FIXTURES / "apps/py-cext", project)
    test_file = project / "tests/test_speed.py"
    text = test_file.read_text()
    assert "== 0 + 1 + 4 + 9" in text
    test_file.write_text(text.replace("== 0 + 1 + 4 + 9", "== 15  # broken on purpose"))
    repository = "localhost/stagesmith-test/py-cext-failing"
    proc = stagesmith(
        "build", str(project), "--config", str(ENGINE_CONFIG), "--engine", "podman",
        "--repository", repository, "--tag", "test", "--target", "test",
    )  # fmt: skip
    try:
        assert proc.returncode == 1, (proc.returncode, proc.stderr[-3000:])
        # it failed in pytest, on the broken assertion, not for another reason
        assert "1 failed" in proc.stderr + proc.stdout, proc.stderr[-3000:]
    finally:
        podman("rmi", "-f", f"{repository}:test", check=False)
