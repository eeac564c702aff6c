"""`stagesmith build` refusals that need no engine: they run without root or podman.

Every flag is checked before an engine is looked for, so with an empty PATH a bad flag still
gets its own one-line error (not "no engine"), and nothing is built or written.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.engine.conftest import BASE, write_context
from tests.engine.test_cli_build import LABELLED, stagesmith

NO_ENGINE_HINT = (
    "stagesmith: error: no usable container engine found: install podman "
    "(apt-get install podman), or docker with a running daemon (apt-get install docker.io), "
    "or buildah (apt-get install buildah)"
)


def _empty_path(tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "empty"
    empty.mkdir(exist_ok=True)
    return {"PATH": str(empty), "DOCKER_HOST": "", "CONTAINER_HOST": ""}


def one_error(proc: subprocess.CompletedProcess[str], message: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stagesmith: error:"), proc.stderr
    assert message in lines[0], lines[0]


def test_no_engine_on_path(tmp_path: Path) -> None:
    dockerfile = write_context(tmp_path, f"FROM {BASE}\n")
    env = _empty_path(tmp_path)
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", "localhost/x", env=env
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [NO_ENGINE_HINT]
    for name, package in (("docker", "docker.io"), ("podman", "podman"), ("buildah", "buildah")):
        named = stagesmith(
            "build", "--dockerfile", str(dockerfile), "--repository", "localhost/x",
            "--engine", name, env=env,
        )  # fmt: skip
        one_error(named, f"'{name}' is not on PATH (apt-get install {package})")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--build-arg", "NOEQUALS"], "--build-arg expects KEY=VALUE"),
        (["--label", "=x"], "--label expects KEY=VALUE"),
        (["--engine", "rocket"], "unknown --engine"),
        (["--tag", "bad tag"], "invalid --tag"),
        (["--output-format", "zip", "--output", "x.tar"], "unknown --output-format"),
        (["--requirements", "r.txt"], "give one of"),
        (["--repository", "Localhost/App"], "invalid repository 'Localhost/App'"),
        (["--repository", "my app"], "invalid repository 'my app'"),
        (["--repository", "localhost/app:1"], "put the tag in --tag"),
        (["--output", "no-such-dir/x.tar"], "does not exist"),
        (
            ["--engine", "docker", "--output", "x.tar", "--output-format", "oci-archive"],
            "docker cannot save oci-archive",
        ),
        (["--builder", "no-such-context-or-connection"], "add --engine docker or --engine podman"),
        (["--builder", "unix:///run/engine.sock"], "cannot tell which engine --builder"),
        (["--builder", "tcp://127.0.0.1:1"], "engine 'docker' is not installed"),
        (["--builder", "buildx:fleet"], "engine 'docker' is not installed"),
        (["--builder", "unix:///run/podman/podman.sock"], "engine 'podman' is not installed"),
        (["--report", "r.html"], "--verify-config and --report go with --check"),
        (["--check", "--report", "no-such-dir/r.html"], "does not exist"),
    ],
)
def test_bad_flags_refused_before_any_engine(tmp_path: Path, args: list[str], message: str) -> None:
    """An empty PATH: each refusal must come from flag checking, never from the engine."""
    dockerfile = write_context(tmp_path, f"FROM {BASE}\n")
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", "localhost/x",
        "--engine", "podman", *args, cwd=tmp_path, env=_empty_path(tmp_path),
    ) if "--engine" not in args and "--builder" not in args else stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", "localhost/x",
        *args, cwd=tmp_path, env=_empty_path(tmp_path),
    )  # fmt: skip
    one_error(proc, message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "empty"]


def test_repository_required(tmp_path: Path) -> None:
    dockerfile = write_context(tmp_path, f"FROM {BASE}\n")
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--engine", "podman",
        cwd=tmp_path, env=_empty_path(tmp_path),
    )  # fmt: skip
    one_error(proc, "--repository")


def test_print_shows_dockerfile(tmp_path: Path) -> None:
    dockerfile = write_context(tmp_path, LABELLED)
    proc = stagesmith("build", "--dockerfile", str(dockerfile), "--print")
    assert proc.returncode == 0 and proc.stdout == LABELLED


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI (no daemon)")
def test_docker_installed_but_daemon_down(tmp_path: Path) -> None:
    dockerfile = write_context(tmp_path, f"FROM {BASE}\n")
    sock = f"unix://{tmp_path}/nothing.sock"
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", "localhost/x",
        "--engine", "docker", env={"DOCKER_HOST": sock},
    )  # fmt: skip
    one_error(proc, f"docker is installed but its daemon at {sock} is not running")


def test_context_flag_reaches_the_generator(tmp_path: Path) -> None:
    """--requirements inside --context, run from elsewhere: the context is --context."""
    project = tmp_path / "proj"
    (project / "requirements").mkdir(parents=True)
    (project / "requirements" / "prod.txt").write_text("flask==3.0.3\n")
    (project / "app.py").write_text("print('hi')\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = stagesmith(
        "build", "--requirements", str(project / "requirements" / "prod.txt"),
        "--context", str(project), "--print", cwd=elsewhere,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "requirements/prod.txt" in proc.stdout
