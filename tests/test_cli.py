"""The front door: entry points, one-line errors and exit codes, atomic writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stagesmith import __version__
from stagesmith.config import ImageMap, load_config
from stagesmith.errors import StagesmithError
from stagesmith.fsutil import write_atomic
from tests.conftest import ROOT


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *args], capture_output=True, text=True, cwd=cwd
    )


def test_python_dash_m_and_console_script_agree() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"stagesmith {__version__}"
    script = subprocess.run(["stagesmith", "--version"], capture_output=True, text=True)
    assert script.stdout == proc.stdout


def test_unknown_command_is_one_line_exit_2() -> None:
    proc = run("no-such-command")
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stagesmith: error:")
    assert "Traceback" not in proc.stderr


def test_write_atomic_refuses_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile"
    write_atomic(target, "FROM a\n")
    with pytest.raises(StagesmithError, match="--force"):
        write_atomic(target, "FROM b\n")
    assert target.read_text() == "FROM a\n"
    write_atomic(target, "FROM b\n", force=True)
    assert target.read_text() == "FROM b\n"
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]  # no temp files left


def test_image_map_renames_exact_and_repository_keys() -> None:
    images = ImageMap({"python:3.11-slim": "mirror/py:slim", "node": "registry.local:5000/node"})
    assert images("python:3.11-slim") == "mirror/py:slim"
    assert images("python:3.12-slim") == "python:3.12-slim"
    assert images("node:20-slim") == "registry.local:5000/node:20-slim"
    assert images("node@sha256:abc") == "registry.local:5000/node@sha256:abc"


def test_config_lookup_yaml_then_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAGESMITH_CONFIG", raising=False)
    (tmp_path / "pyproject.toml").write_text('[tool.stagesmith.images]\n"python" = "m/python"\n')
    assert load_config(directory=tmp_path).images("python:3.11") == "m/python:3.11"
    (tmp_path / ".stagesmith.yaml").write_text("images:\n  python: y/python\n")
    assert load_config(directory=tmp_path).images("python:3.11") == "y/python:3.11"
    (tmp_path / "bad.yaml").write_text("images: [unclosed\n")
    with pytest.raises(StagesmithError, match="malformed YAML"):
        load_config(tmp_path / "bad.yaml")
    with pytest.raises(StagesmithError, match="not found"):
        load_config(tmp_path / "missing.yaml")


def test_pyproject_without_our_table_is_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project's pyproject.toml is ours to read only when it names stagesmith: one without
    the name gives the defaults even when it is broken TOML; a broken one with our table is an
    error (exit 2 at the CLI)."""
    monkeypatch.delenv("STAGESMITH_CONFIG", raising=False)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n[tool.other\n')
    assert load_config(directory=tmp_path).images("python:3.11") == "python:3.11"
    pyproject.write_text('[tool.stagesmith.images]\n"python" = [unclosed\n')
    with pytest.raises(StagesmithError, match="cannot read"):
        load_config(directory=tmp_path)
    pyproject.write_bytes(b"[tool.stagesmith]\n\xff\xfe")
    with pytest.raises(StagesmithError, match="cannot read"):
        load_config(directory=tmp_path)


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in readme
    assert "scripts/test.sh" in ci


def test_warning_keeps_bracketed_text(capsys: pytest.CaptureFixture[str]) -> None:
    """Project text in a warning is not Rich markup: "[build-system]" must print as written."""
    from stagesmith.cli.app import warn

    warn("pyproject.toml: no [build-system] table; [bold]x[/bold] \\[y]")
    err = capsys.readouterr().err
    assert "no [build-system] table; [bold]x[/bold] \\[y]" in err


def test_inspect_in_process_leaves_the_garbage_collector_as_it_was(tmp_path: Path) -> None:
    """The command turns the cyclic GC off for its walk; called from Python, it must not
    leave it off for the caller."""
    import gc

    from stagesmith.cli import inspect_command
    from tests.archives import docker_archive, file

    archive = docker_archive(tmp_path / "a.tar", [[file("app/x", b"x")]])
    assert gc.isenabled()
    assert inspect_command.main(["inspect", str(archive), "--json", "--no-efficiency"]) == 0
    assert gc.isenabled()
    gc.disable()
    try:
        inspect_command.main(["inspect", str(archive), "--json"])
        assert not gc.isenabled()
    finally:
        gc.enable()
