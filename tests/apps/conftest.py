"""Fixture apps generated and built for real through the product, once per session.

Each app is built twice on podman: by ``stagesmith build`` (generation + build in one go, the way
a user runs it) and naively from the app's own ``Dockerfile.naive`` (``FROM python:3.11``,
``COPY . .``, ``pip install``). Bases come from the test image map (local stand-ins).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from stagesmith.config import load_config
from tests.conftest import ENGINE_CONFIG, FIXTURES, ROOT


@dataclass(frozen=True)
class App:
    """A fixture app: where it lives, how ``stagesmith build`` is pointed at it, how to run it."""

    name: str
    source: Path
    build_input: list[str]  # arguments naming the input, relative to the copied app dir
    run: list[str]  # command run in the built image (network off)
    expect: str  # text the command must print
    extra: dict[str, Any] = field(default_factory=dict)


FLASK_CHECK = (
    "import app; c = app.app.test_client(); r = c.get('/health');"
    " assert r.status_code == 200 and r.data == b'ok', r; print('health ok')"
)
ML_CHECK = (
    "import app, numpy; c = app.app.test_client();"
    " assert c.get('/health').data == b'ok';"
    " y = c.get('/predict/3.0').get_json()['y']; assert abs(y - 7.0) < 1e-9, y;"
    " print('predict ok', numpy.__version__)"
)
POETRY_CHECK = (
    "import importlib.metadata as m, poetry_svc; c = poetry_svc.app.test_client();"
    " assert c.get('/health').data == b'ok';"
    " print('flask', m.version('flask'), 'werkzeug', m.version('werkzeug'), 'health ok')"
)

APPS = {
    "py-web": App("py-web", FIXTURES / "apps/py-web", ["{dir}"],
                  ["python", "-c", FLASK_CHECK], "health ok"),
    "py-cext": App("py-cext", FIXTURES / "apps/py-cext", ["{dir}"],
                   ["fastsum", "1000"], "sum_squares(1000) = 332833500"),
    "py-uv": App("py-uv", FIXTURES / "apps/py-uv", ["{dir}"], [], 'newer = "1.10"'),
    # flask = "^3.0" would resolve to the newest 3.x; poetry.lock pins 3.0.3 / werkzeug 3.0.3
    "py-poetry": App("py-poetry", FIXTURES / "apps/py-poetry", ["{dir}"],
                     ["python", "-c", POETRY_CHECK], "flask 3.0.3 werkzeug 3.0.3 health ok"),
    # run from the project directory: the context is the cwd, requirements in a subdirectory
    "py-reqs": App("py-reqs", FIXTURES / "apps/py-reqs",
                   ["--requirements", "requirements/prod.txt"],
                   ["python", "-c", FLASK_CHECK], "health ok", {"cwd": True}),
    "ml-app": App("ml-app", ROOT / "examples/ml-app", ["--file", "{dir}/environment.yaml"],
                  ["python", "-c", ML_CHECK], "predict ok 1.26."),
}  # fmt: skip


@dataclass
class Built:
    app: App
    context: Path
    generated: str
    naive: str
    sizes: dict[str, int]
    build_log: str


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=1800)
    if check:
        assert proc.returncode == 0, (
            f"podman {args[:3]}: {proc.stdout[-1500:]}{proc.stderr[-1500:]}"
        )
    return proc


def stagesmith(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed CLI, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *args],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=cwd,
    )


def image_size(image: str) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", image).stdout.split()[0])


def inspect_json(image: str) -> dict[str, Any]:
    """``stagesmith inspect IMAGE --json``: the product's daemonless reader."""
    proc = stagesmith("inspect", image, "--json", "--no-efficiency", "--engine", "podman")
    assert proc.returncode == 0, proc.stderr[-2000:]
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def build_generated(
    app: App, ctx: Path, repository: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    args = [a.replace("{dir}", str(ctx)) for a in app.build_input]
    return stagesmith(
        "build", *args, "--config", str(ENGINE_CONFIG), "--engine", "podman",
        "--repository", repository, *extra, cwd=ctx if app.extra.get("cwd") else None,
    )  # fmt: skip


def build_naive(ctx: Path, tag: str) -> None:
    """The naive single-stage build, with ``python:3.11`` mapped like the generated one."""
    cfg = load_config(ENGINE_CONFIG, None)
    naive = ctx / "Dockerfile.naive"
    text = naive.read_text().replace("FROM python:3.11", f"FROM {cfg.images('python:3.11')}")
    dockerfile = ctx.parent / "Dockerfile.naive"
    dockerfile.write_text(text)
    podman("build", "--pull=never", "--layers", "-f", str(dockerfile), "-t", tag, str(ctx))


@pytest.fixture(scope="session", params=sorted(APPS))
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    """Each app built once per session (generated and naive); images removed afterwards."""
    app = APPS[request.param]
    ctx = tmp_path_factory.mktemp(app.name) / app.name
    shutil.copytree(app.source, ctx)
    repository = f"localhost/stagesmith-test/{app.name}"
    generated, naive = f"{repository}:gen", f"{repository}:naive"
    proc = build_generated(app, ctx, repository, "--tag", "gen")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == generated, proc.stdout
    assert not (ctx / "Dockerfile").exists(), "build must not write into the project"
    build_naive(ctx, naive)
    sizes = {"generated": image_size(generated), "naive": image_size(naive)}
    try:
        yield Built(app, ctx, generated, naive, sizes, proc.stderr)
    finally:
        podman("rmi", "-f", generated, naive, check=False)
