"""Dockerfiles generated for inputs the goldens do not cover pass stagesmith's own linter at
every severity: where a finding is true but intended (build tools in a single development
stage, the source before a dynamic-dependency install), the file says why and ignores it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *args], capture_output=True, text=True, cwd=cwd
    )


def _lint_clean(path: Path) -> None:
    proc = _run("lint", "-t", "style", str(path), cwd=path.parent)
    assert proc.returncode == 0 and "0 findings" in proc.stdout, proc.stdout


def test_full_env_with_compilers_says_why_they_stay(tmp_path: Path) -> None:
    (tmp_path / "environment.yaml").write_text(
        "name: m\nchannels: [conda-forge]\n"
        "dependencies: [gcc_linux-64=12.3, make=4.3, python=3.11, numpy=1.26]\n"
        "deploy: {mode: full-env}\n"
    )
    proc = _run("generate", "--file", "environment.yaml", "-o", "Dockerfile", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "Dockerfile").read_text()
    assert "gcc_linux-64=12.3, make=4.3 stay on purpose" in text
    _lint_clean(tmp_path / "Dockerfile")
    # without compilers there is nothing to explain
    (tmp_path / "environment.yaml").write_text(
        "name: m\ndependencies: [python=3.11, numpy=1.26]\ndeploy: {mode: full-env}\n"
    )
    proc = _run("generate", "--file", "environment.yaml", "-o", "D2", cwd=tmp_path)
    assert proc.returncode == 0 and "ignore=SS106" not in (tmp_path / "D2").read_text()


def test_dynamic_dependencies_copy_the_source_first_on_purpose(tmp_path: Path) -> None:
    project = tmp_path / "dyn"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "dyn"\nversion = "0.1"\ndynamic = ["dependencies"]\n'
        '[tool.setuptools.dynamic]\ndependencies = {file = ["requirements.in"]}\n'
    )
    (project / "requirements.in").write_text("flask\n")
    proc = _run("generate", "dyn", "-o", "dyn/Dockerfile", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # the dependencies come with the project: the venv is not "empty"
    assert "no packages to install" not in proc.stderr
    assert "dependencies are dynamic" in proc.stderr
    _lint_clean(project / "Dockerfile")
