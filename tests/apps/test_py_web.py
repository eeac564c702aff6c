"""Fixture app (a) built for real: generated image works, has no build tools, runs as non-root
and is smaller than the naive single-stage build of the same app."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from stagesmith.config import load_config
from stagesmith.generate import GenerateOptions, generate
from tests.conftest import ENGINE_CONFIG, FIXTURES

APP = FIXTURES / "apps/py-web"


def _podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=900)


def _build(context: Path, dockerfile: Path, tag: str) -> None:
    proc = _podman(
        "build", "--pull=never", "--layers", "-f", str(dockerfile), "-t", tag, str(context)
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    ctx = tmp_path_factory.mktemp("py-web") / "app"
    shutil.copytree(APP, ctx)
    cfg = load_config(ENGINE_CONFIG, None)
    result = generate(GenerateOptions(path=ctx, config=cfg))
    (ctx / "Dockerfile").write_text(result.dockerfile)
    (ctx / ".dockerignore").write_text(result.dockerignore or "")
    naive = ctx / "Dockerfile.naive"
    naive.write_text(
        naive.read_text().replace("FROM python:3.11", f"FROM {cfg.images('python:3.11')}")
    )
    _build(ctx, ctx / "Dockerfile", "stagesmith-test/py-web:gen")
    _build(ctx, naive, "stagesmith-test/py-web:naive")
    yield "stagesmith-test/py-web:gen", "stagesmith-test/py-web:naive"
    _podman("rmi", "-f", "stagesmith-test/py-web:gen", "stagesmith-test/py-web:naive")


@pytest.mark.engine
def test_generated_image_works_without_build_tools(images: tuple[str, str]) -> None:
    gen, _ = images
    script = (
        "import app; c = app.app.test_client(); r = c.get('/health');"
        " assert r.status_code == 200 and r.data == b'ok', r"
    )
    proc = _podman("run", "--rm", "--network=none", gen, "python", "-c", script)
    assert proc.returncode == 0, proc.stderr
    proc = _podman("run", "--rm", "--network=none", gen, "sh", "-c",
                   "id -u; for t in gcc cc make; do command -v $t && exit 1; done; true")  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split()[0] == "10001"


@pytest.mark.engine
def test_generated_smaller_than_naive(images: tuple[str, str]) -> None:
    gen, naive = images
    sizes = {}
    for tag in (gen, naive):
        proc = _podman("image", "inspect", "--format", "{{.Size}}", tag)
        sizes[tag] = int(proc.stdout.split()[0])
    print(
        f"py-web sizes: generated={sizes[gen]} naive={sizes[naive]} ratio={sizes[gen] / sizes[naive]:.3f}"
    )
    assert sizes[gen] < sizes[naive]
