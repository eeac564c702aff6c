"""podman adapter, for real: build to an ID then tag, run, save, size, failures."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from stagesmith.engine import BuildFailure, BuildRequest, Engine, EngineError, get_engine
from tests.engine.conftest import BASE, unique_tag, write_context

pytestmark = pytest.mark.engine


def test_build_tags_runs_saves(tmp_path: Path, podman: Engine, cleanup_images: list[str]) -> None:
    dockerfile = write_context(
        tmp_path / "ctx",
        f"FROM {BASE}\nARG GREETING=hi\nCOPY hello.txt /hello.txt\n"
        'RUN echo "$GREETING" > /greeting\nCMD ["cat", "/greeting"]\n',
        {"hello.txt": "from the context\n"},
    )
    tag = unique_tag()
    cleanup_images.append(tag)
    lines: list[str] = []
    result = podman.build(
        BuildRequest(
            context=tmp_path / "ctx",
            dockerfile=dockerfile,
            tags=[tag],
            build_args={"GREETING": "bonjour"},
            labels={"org.example.test": "yes"},
        ),
        on_line=lines.append,
    )
    assert result.image_id and result.tags == [tag]
    assert any(line.startswith("STEP 1/") for line in lines)
    assert podman.image_exists(tag)
    assert result.image_id.removeprefix("sha256:") == podman.image_id(tag).removeprefix("sha256:")
    assert podman.image_size(tag) > 1_000_000

    proc = podman.run(tag, check=True)
    assert proc.stdout.strip() == "bonjour"
    proc = podman.run(tag, ["/hello.txt"], entrypoint="cat", user="65534", check=True)
    assert proc.stdout == "from the context\n"
    proc = podman.run(
        tag, ["-c", "echo $FOO; id -u"], entrypoint="sh", env={"FOO": "bar"}, user="1234"
    )
    assert proc.stdout.split() == ["bar", "1234"]

    archive = podman.save(tag, tmp_path / "img.tar")
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()
    oci = podman.save(tag, tmp_path / "img-oci.tar", fmt="oci-archive")
    with tarfile.open(oci) as tar:
        assert "index.json" in tar.getnames()
    layout = podman.save(tag, tmp_path / "layout", fmt="oci-dir")
    assert (layout / "oci-layout").is_file()

    podman.remove(tag)
    assert not podman.image_exists(tag)


def test_target_stage(tmp_path: Path, podman: Engine, cleanup_images: list[str]) -> None:
    dockerfile = write_context(
        tmp_path,
        f"FROM {BASE} AS build\nRUN echo build > /stage\n"
        f"FROM {BASE} AS final\nRUN echo final > /stage\n",
    )
    tag = unique_tag()
    cleanup_images.append(tag)
    lines: list[str] = []
    podman.build(
        BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[tag], target="build"),
        on_line=lines.append,
    )
    assert podman.run(tag, ["cat", "/stage"], check=True).stdout == "build\n"


def test_failing_run_leaves_no_tag(tmp_path: Path, podman: Engine) -> None:
    dockerfile = write_context(
        tmp_path,
        f"FROM {BASE}\nRUN echo before\nRUN echo about-to-fail && exit 3\nRUN echo never\n",
    )
    tag = unique_tag()
    with pytest.raises(BuildFailure) as info:
        podman.build(BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[tag]))
    failure = info.value
    assert failure.exit_code == 1
    assert failure.step is not None and "exit 3" in failure.step.instruction
    assert failure.step.number == 3
    assert any("about-to-fail" in line for line in failure.log_tail)
    assert not podman.image_exists(tag)


def test_missing_base_image_is_clear(tmp_path: Path, podman: Engine) -> None:
    dockerfile = write_context(tmp_path, "FROM localhost/stagesmith-no-such-image:1\nRUN true\n")
    with pytest.raises(BuildFailure) as info:
        podman.build(BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[unique_tag()]))
    assert "stagesmith-no-such-image" in "\n".join(info.value.log_tail)
    assert info.value.step is not None and info.value.step.number == 1


def test_run_with_detach_and_stop(tmp_path: Path, podman: Engine) -> None:
    proc = podman.run(BASE, ["sleep", "30"], detach=True, name=f"stagesmith-{tmp_path.name}")
    container = proc.stdout.strip()
    assert proc.returncode == 0 and container
    listed = podman._run(["ps", "--quiet", "--no-trunc"], what="ps").stdout
    assert container in listed
    podman.stop(container)
    assert container not in podman._run(["ps", "--all", "--quiet", "--no-trunc"], what="ps").stdout


def test_errors_are_engine_errors(tmp_path: Path, podman: Engine) -> None:
    with pytest.raises(EngineError, match="no-such"):
        podman.image_size("localhost/no-such:image")
    with pytest.raises(EngineError, match="cache"):
        podman.build(
            BuildRequest(
                context=tmp_path,
                dockerfile=write_context(tmp_path, f"FROM {BASE}\n"),
                cache_to=["type=registry,ref=x"],
            )
        )


def test_buildah_bud(tmp_path: Path, cleanup_images: list[str]) -> None:
    buildah = get_engine("buildah")
    dockerfile = write_context(tmp_path, f"FROM {BASE}\nRUN echo via-buildah > /who\n")
    tag = unique_tag()
    cleanup_images.append(tag)
    lines: list[str] = []
    result = buildah.build(
        BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[tag]), on_line=lines.append
    )
    assert any(line.startswith("STEP 2/2") for line in lines)
    assert buildah.image_exists(tag) and result.image_id
    assert buildah.run(tag, ["cat", "/who"], check=True).stdout == "via-buildah\n"
    archive = buildah.save(tag, tmp_path / "b.tar")
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()


@pytest.mark.parametrize("name", ["podman", "buildah"])
def test_healthcheck_survives(tmp_path: Path, name: str, cleanup_images: list[str]) -> None:
    """Built in docker format: an OCI-format build would drop HEALTHCHECK."""
    engine = get_engine(name)
    dockerfile = write_context(tmp_path, f'FROM {BASE}\nHEALTHCHECK --interval=7s CMD ["true"]\n')
    tag = unique_tag()
    cleanup_images.append(tag)
    engine.build(BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[tag]))
    inspect = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{json .HealthCheck}}", tag],
        capture_output=True,
        text=True,
        check=True,
    )
    health = json.loads(inspect.stdout)
    assert health["Test"] == ["CMD", "true"] and health["Interval"] == 7_000_000_000


@pytest.mark.parametrize("name", ["podman", "buildah"])
def test_network_mode_reaches_run_steps(
    tmp_path: Path, name: str, cleanup_images: list[str]
) -> None:
    """`--network none` leaves RUN steps only the loopback interface; the default has more."""
    engine = get_engine(name)
    probe = "RUN ls /sys/class/net > /interfaces\n"
    dockerfile = write_context(tmp_path, f"FROM {BASE}\n{probe}")
    isolated, default = unique_tag(), unique_tag()
    cleanup_images += [isolated, default]
    engine.build(BuildRequest(tmp_path, dockerfile, tags=[isolated], network="none"))
    engine.build(BuildRequest(tmp_path, dockerfile, tags=[default], no_cache=True))
    runner = get_engine("podman")
    assert runner.run(isolated, ["cat", "/interfaces"], check=True).stdout.split() == ["lo"]
    assert runner.run(default, ["cat", "/interfaces"], check=True).stdout.split() != ["lo"]
