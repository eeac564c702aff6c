"""docker with BuildKit (Debian's docker.io daemon, started privately), for real."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

from stagesmith.engine import BuildFailure, BuildRequest, Engine, EngineError, get_engine
from tests.engine.conftest import BASE, Dockerd, Registry, unique_tag, write_context

pytestmark = pytest.mark.engine

MULTI = f"""\
# syntax-free on purpose: no frontend image can be pulled here
FROM {BASE} AS build
RUN --mount=type=cache,target=/cache echo cached > /cache/x && cp /cache/x /built
FROM {BASE} AS final
COPY --from=build /built /built
COPY keep.txt /keep.txt
CMD ["cat", "/built"]
"""


def test_buildkit_build_target_cache_mount(tmp_path: Path, docker: Engine) -> None:
    dockerfile = write_context(tmp_path, MULTI, {"keep.txt": "k\n"})
    tag = unique_tag()
    lines: list[str] = []
    result = docker.build(
        BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[tag], labels={"a": "b"}),
        on_line=lines.append,
    )
    assert result.image_id.startswith("sha256:")
    assert any(line.startswith("#") and "[final 2/3]" in line for line in lines), lines
    assert docker.run(tag, check=True).stdout == "cached\n"
    assert docker.image_size(tag) > 1_000_000

    build_tag = unique_tag()
    docker.build(
        BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[build_tag], target="build")
    )
    assert docker.run(build_tag, ["ls", "/keep.txt"]).returncode != 0
    archive = docker.save(tag, tmp_path / "img.tar")
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()
    with pytest.raises(EngineError, match="docker-archive only"):
        docker.save(tag, tmp_path / "x", fmt="oci-dir")
    for image in (tag, build_tag):
        docker.remove(image)
        assert not docker.image_exists(image)


def test_failing_run_names_the_buildkit_step(tmp_path: Path, docker: Engine) -> None:
    dockerfile = write_context(
        tmp_path, f"FROM {BASE} AS b\nRUN echo ok\nRUN echo doomed && false\nRUN echo never\n"
    )
    tag = unique_tag()
    with pytest.raises(BuildFailure) as info:
        docker.build(BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[tag]))
    step = info.value.step
    # BuildKit omits the stage name when the Dockerfile has a single stage.
    assert step is not None and step.stage is None and step.number == 3
    assert "doomed" in step.instruction
    assert not docker.image_exists(tag)


def test_separate_ignorefile_is_honoured(tmp_path: Path, docker: Engine) -> None:
    ctx = tmp_path / "ctx"
    dockerfile = write_context(
        ctx, f"FROM {BASE}\nCOPY . /app\n", {"keep.txt": "k", "secret.env": "TOKEN=1"}
    )
    ignore = tmp_path / "ignore"
    ignore.write_text("secret.env\nDockerfile\n")
    tag = unique_tag()
    docker.build(BuildRequest(context=ctx, dockerfile=dockerfile, tags=[tag], ignorefile=ignore))
    listing = docker.run(tag, ["ls", "/app"], check=True).stdout.split()
    assert listing == ["keep.txt"]
    assert not (ctx / ".dockerignore").exists()
    docker.remove(tag)


def test_cache_to_without_buildx_is_refused(tmp_path: Path, docker: Engine) -> None:
    if getattr(docker, "has_buildx", False):
        pytest.skip("this docker has buildx: --cache-to is supported")
    dockerfile = write_context(tmp_path, f"FROM {BASE}\n")
    with pytest.raises(EngineError, match="buildx"):
        docker.build(
            BuildRequest(
                context=tmp_path, dockerfile=dockerfile, cache_to=["type=local,dest=/tmp/c"]
            )
        )


def test_remote_daemon_over_tcp_and_context(
    tmp_path: Path, dockerd: Dockerd, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    dockerfile = write_context(tmp_path / "ctx", f"FROM {BASE}\nRUN echo remote > /r\n")
    remote = get_engine("docker", builder=dockerd.tcp)
    tag = unique_tag()
    remote.build(BuildRequest(context=tmp_path / "ctx", dockerfile=dockerfile, tags=[tag]))
    assert remote.run(tag, ["cat", "/r"], check=True).stdout == "remote\n"

    subprocess.run(
        [dockerd.executable, "context", "create", "ss-test", "--docker", f"host={dockerd.socket}"],
        check=True,
        capture_output=True,
    )
    via_context = get_engine("docker", builder="ss-test")
    assert via_context.image_exists(tag)
    via_context.remove(tag)
    assert not remote.image_exists(tag)


def test_docker_daemon_not_answering(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    with pytest.raises(Exception, match="does not answer"):
        get_engine("docker")


def test_push_pull_through_local_registry(
    tmp_path: Path, docker: Engine, registry: Registry
) -> None:
    dockerfile = write_context(tmp_path, f"FROM {BASE}\nRUN echo pushed > /p\n")
    tag = unique_tag()
    docker.build(BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[tag]))
    dest = f"{registry.address}/stagesmith/docker-push:1"
    docker.push(tag, dest)
    docker.remove(dest)
    docker.remove(tag)
    assert not docker.image_exists(dest)
    docker.pull(dest)
    assert docker.run(dest, ["cat", "/p"], check=True).stdout == "pushed\n"
    docker.remove(dest)
