"""`stagesmith build` end to end, through the real CLI process and real engines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from stagesmith.engine import Engine
from tests.engine.conftest import BASE, Dockerd, Registry, free_port, unique_tag, write_context

pytestmark = pytest.mark.engine

LABELLED = f"""\
FROM {BASE} AS build
RUN echo built > /artifact
FROM {BASE}
ARG BUILD_DATE
ARG VCS_REF
LABEL org.opencontainers.image.created=$BUILD_DATE org.opencontainers.image.revision=$VCS_REF
COPY --from=build /artifact /artifact
CMD ["cat", "/artifact"]
"""


def stagesmith(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=600,
    )


def split(image: str) -> tuple[str, str]:
    repo, _, tag = image.rpartition(":")
    return repo, tag


def git_repo(path: Path) -> str:
    run = {"cwd": path, "check": True, "capture_output": True, "text": True}
    if not (path / ".git").exists():
        subprocess.run(["git", "init", "-q"], **run)  # type: ignore[call-overload]
    subprocess.run(["git", "add", "."], **run)  # type: ignore[call-overload]
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x"],
        **run,  # type: ignore[call-overload]
    )
    proc = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], **run)  # type: ignore[call-overload]
    return proc.stdout.strip()


def test_build_dockerfile_with_metadata_and_archive(
    tmp_path: Path, podman: Engine, cleanup_images: list[str]
) -> None:
    ctx = tmp_path / "ctx"
    dockerfile = write_context(ctx, LABELLED)
    commit = git_repo(ctx)
    repo, tag = split(unique_tag())
    image = f"{repo}:{tag}"
    cleanup_images.append(image)
    archive = tmp_path / "image.tar"
    proc = stagesmith(
        "build",
        "--dockerfile",
        str(dockerfile),
        "--repository",
        repo,
        "--tag",
        tag,
        "--engine",
        "podman",
        "--output",
        str(archive),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == image
    assert f"built {image}" in proc.stderr
    labels = json.loads(
        subprocess.run(
            ["podman", "image", "inspect", "--format", "{{json .Labels}}", image],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert labels["org.opencontainers.image.revision"] == commit
    created = labels["org.opencontainers.image.created"]
    assert len(created) == 20 and created.endswith("Z") and created[10] == "T"
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()
    assert podman.run(image, check=True).stdout == "built\n"

    # A new commit, same Dockerfile: the layer cache must not keep the old revision
    # (podman 4.3 reuses later-stage layers whose ARG values changed).
    (ctx / "note.txt").write_text("second commit\n")
    second = git_repo(ctx)
    assert second != commit
    rebuilt = stagesmith(
        "build",
        "--dockerfile",
        str(dockerfile),
        "--repository",
        repo,
        "--tag",
        tag,
        "--engine",
        "podman",
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    revision = subprocess.run(
        [
            "podman",
            "image",
            "inspect",
            "--format",
            '{{index .Labels "org.opencontainers.image.revision"}}',
            image,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert revision == second

    # The archive exists now: refused without --force, before anything is built.
    before = archive.stat().st_mtime_ns
    again = stagesmith(
        "build",
        "--dockerfile",
        str(dockerfile),
        "--repository",
        repo,
        "--tag",
        "other",
        "--engine",
        "podman",
        "--output",
        str(archive),
    )
    assert again.returncode == 2
    assert again.stderr.startswith("stagesmith: error:") and "--force" in again.stderr
    assert archive.stat().st_mtime_ns == before
    assert not podman.image_exists(f"{repo}:other")
    forced = stagesmith(
        "build",
        "--dockerfile",
        str(dockerfile),
        "--repository",
        repo,
        "--tag",
        tag,
        "--engine",
        "podman",
        "--output",
        str(archive),
        "--force",
        "--output-format",
        "oci-archive",
        "--target",
        "build",
    )
    assert forced.returncode == 0, forced.stderr
    with tarfile.open(archive) as tar:
        assert "index.json" in tar.getnames()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".image")] == []


def test_failing_build_exit_1_step_and_tail(tmp_path: Path, podman: Engine) -> None:
    dockerfile = write_context(
        tmp_path, f"FROM {BASE}\nRUN echo first\nRUN echo the-log-says-why >&2; exit 7\n"
    )
    repo, tag = split(unique_tag())
    proc = stagesmith(
        "build",
        "--dockerfile",
        str(dockerfile),
        "--repository",
        repo,
        "--tag",
        tag,
        "--engine",
        "podman",
    )
    assert proc.returncode == 1
    # podman counts the engine-level --label as one more step, hence "3/" and not "3/3".
    failed = [line for line in proc.stderr.splitlines() if line.startswith("failed step: ")]
    assert failed and failed[0].startswith("failed step: 3/")
    assert "RUN echo the-log-says-why" in failed[0]
    # stderr is a pipe, not a terminal: one plain line per step the engine started.
    steps = [line for line in proc.stderr.splitlines() if line.startswith("step ")]
    assert steps[:3] == [
        f"step 1/4: FROM {BASE}",
        "step 2/4: RUN echo first",
        "step 3/4: RUN echo the-log-says-why >&2; exit 7",
    ], proc.stderr
    assert "| the-log-says-why" in proc.stderr
    assert (
        proc.stderr.rstrip().splitlines()[-1].startswith("stagesmith: error: podman build failed")
    )
    assert "Traceback" not in proc.stderr
    assert not podman.image_exists(f"{repo}:{tag}")


def test_missing_base_image(tmp_path: Path) -> None:
    dockerfile = write_context(tmp_path, "FROM localhost/stagesmith-absent:0\n")
    proc = stagesmith(
        "build",
        "--dockerfile",
        str(dockerfile),
        "--repository",
        "localhost/x",
        "--engine",
        "podman",
    )
    assert proc.returncode == 1
    assert "stagesmith-absent" in proc.stderr


def test_failed_save_after_tagging_is_a_failure_not_a_usage_error(
    tmp_path: Path, podman: Engine, cleanup_images: list[str]
) -> None:
    dockerfile = write_context(tmp_path, f"FROM {BASE}\nRUN echo saved > /s\n")
    repo, tag = split(unique_tag())
    cleanup_images.append(f"{repo}:{tag}")
    # /proc exists and is a directory, so the flags pass; no file can be created there.
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", repo, "--tag", tag,
        "--engine", "podman", "--output", "/proc/stagesmith-image.tar",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"stagesmith: error: built and tagged {repo}:{tag}, but saving failed:")
    assert "Traceback" not in proc.stderr
    assert podman.image_exists(f"{repo}:{tag}")


def test_push_and_push_failure(
    tmp_path: Path, podman: Engine, registry: Registry, cleanup_images: list[str]
) -> None:
    dockerfile = write_context(tmp_path, f"FROM {BASE}\nRUN echo cli-push > /p\n")
    repo = f"{registry.address}/stagesmith/cli"
    image = f"{repo}:1"
    cleanup_images.append(image)
    proc = stagesmith(
        "build",
        "--dockerfile",
        str(dockerfile),
        "--repository",
        repo,
        "--tag",
        "1",
        "--engine",
        "podman",
        "--push",
        "--no-tls-verify",
    )
    assert proc.returncode == 0, proc.stderr
    assert f"pushed {image}" in proc.stderr
    podman.remove(image)
    podman.pull(image, tls_verify=False)
    assert podman.run(image, ["cat", "/p"], check=True).stdout == "cli-push\n"

    nowhere = f"127.0.0.1:{free_port()}/stagesmith/cli"
    cleanup_images.append(f"{nowhere}:1")
    failed = stagesmith(
        "build",
        "--dockerfile",
        str(dockerfile),
        "--repository",
        nowhere,
        "--tag",
        "1",
        "--engine",
        "podman",
        "--push",
        "--no-tls-verify",
    )
    assert failed.returncode == 1
    assert f"built and tagged {nowhere}:1, but the push failed" in failed.stderr


def test_docker_remote_builder_and_cache_to(tmp_path: Path, dockerd: Dockerd) -> None:
    dockerfile = write_context(tmp_path, LABELLED)
    repo, tag = split(unique_tag())
    env = {"DOCKER_HOST": "unix:///nonexistent.sock"}
    proc = stagesmith(
        "build",
        "--dockerfile",
        str(dockerfile),
        "--repository",
        repo,
        "--tag",
        tag,
        "--engine",
        "docker",
        "--builder",
        dockerd.tcp,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"with docker on {dockerd.tcp}" in proc.stderr
    refused = stagesmith(
        "build",
        "--dockerfile",
        str(dockerfile),
        "--repository",
        repo,
        "--tag",
        tag,
        "--engine",
        "docker",
        "--builder",
        dockerd.tcp,
        "--cache-to",
        "type=local,dest=/tmp/c",
        env=env,
    )
    assert refused.returncode == 2
    assert "--cache-to needs the buildx plugin" in refused.stderr
