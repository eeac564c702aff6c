"""Auto-detection order with real binaries, PATH narrowed per case (no mocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stagesmith.engine import get_engine
from stagesmith.errors import StagesmithError
from tests.engine.conftest import Dockerd

pytestmark = pytest.mark.engine


def only(tmp_path: Path, *names: str) -> str:
    """A PATH directory holding just these executables (symlinks to the real ones)."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    for name in names:
        real = shutil.which(name, path="/usr/bin:/usr/sbin:/bin")
        assert real, name
        (bindir / name).symlink_to(real)
    return str(bindir)


def test_auto_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAGESMITH_ENGINE", raising=False)
    monkeypatch.delenv("STAGESMITH_DOCKER", raising=False)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/none.sock")
    monkeypatch.setenv("PATH", only(tmp_path, "podman", "buildah", "docker"))
    assert get_engine().name == "podman"
    monkeypatch.setenv("STAGESMITH_ENGINE", "buildah")
    assert get_engine().name == "buildah"
    monkeypatch.delenv("STAGESMITH_ENGINE")
    (tmp_path / "bin" / "podman").unlink()
    # docker is installed but its daemon does not answer: skipped for buildah.
    assert get_engine().name == "buildah"
    (tmp_path / "bin" / "buildah").unlink()
    with pytest.raises(StagesmithError, match="no usable container engine found: install podman"):
        get_engine()


def test_auto_picks_answering_docker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dockerd: Dockerd
) -> None:
    monkeypatch.delenv("STAGESMITH_ENGINE", raising=False)
    monkeypatch.setenv("DOCKER_HOST", dockerd.socket)
    monkeypatch.setenv("PATH", only(tmp_path, "docker", "buildah"))
    assert get_engine().name == "docker"


def test_unknown_engine_name() -> None:
    with pytest.raises(StagesmithError, match="unknown engine 'rkt'"):
        get_engine("rkt")
