"""`stagesmith verify` bad input: one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", "verify", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def _one_line_exit_2(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("stagesmith: error:") and needle in lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("schemaVersion: 2.0.0\nfileExistenceTests: [\n", "malformed YAML"),
        ("schemaVersion: 1.0.0\n", "unsupported schemaVersion"),
        ("fileExistenceTests: []\n", "schemaVersion is missing"),
        (
            "schemaVersion: 2.0.0\nfileContentTests:\n- {name: a, path: /a, expectedContents: ['[']}\n",
            "invalid regex",
        ),
    ],
)
def test_bad_config_is_exit_2_before_the_image_is_touched(
    tmp_path: Path, text: str, needle: str
) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(text)
    junit = tmp_path / "out.xml"
    proc = run("no-such-image.tar", "--config", str(cfg), "--junit", str(junit))
    _one_line_exit_2(proc, needle)
    assert not junit.exists()


def test_missing_config_file(tmp_path: Path) -> None:
    _one_line_exit_2(run("img", "--config", str(tmp_path / "nope.yaml")), "not found")


def test_existing_junit_is_not_overwritten_without_force(tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    junit.write_text("keep me")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("schemaVersion: 2.0.0\n")
    _one_line_exit_2(run("img", "--config", str(cfg), "--junit", str(junit)), "--force")
    assert junit.read_text() == "keep me"


def test_nothing_to_run(tmp_path: Path) -> None:
    _one_line_exit_2(run("img", "--no-defaults"), "nothing to run")


def test_bad_timeout() -> None:
    _one_line_exit_2(run("img", "--timeout", "0"), "must be positive")


@pytest.mark.parametrize("name", ["./missing.tar", "/nonexistent/image.tar", "out/app.oci"])
def test_archive_path_that_does_not_exist(name: str, tmp_path: Path) -> None:
    _one_line_exit_2(run(name, cwd=tmp_path), f"image archive {name} not found")


def test_no_engine_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "stagesmith", "verify", "localhost/app:1"],
        capture_output=True,
        text=True,
        env={"PATH": str(tmp_path / "empty"), "HOME": str(tmp_path)},
    )
    _one_line_exit_2(proc, "no container engine is available: install podman (apt-get install")
