"""The `distroless` runtime preset built for real: py-web on a distroless python3 stand-in.

No registry is reachable, so ``gcr.io/distroless/python3-debian12:nonroot`` is mapped onto a
local stand-in (tests/ecosystems/standins/distroless-python3.Dockerfile: Debian 12's python3.11
and its libraries, no shell, no package manager, user 65532), which is what the real image is.
The venv is built on debian:bookworm-slim by the same python3.11, so its interpreter link
resolves in the runtime.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.apps.conftest import APPS, FLASK_CHECK, inspect_json, podman, stagesmith
from tests.conftest import ENGINE_CONFIG
from tests.ecosystems.engine import ensure_standins

pytestmark = pytest.mark.engine


def test_py_web_on_distroless_runs_without_a_shell(tmp_path: Path) -> None:
    ensure_standins()
    ctx = tmp_path / "py-web"
    shutil.copytree(APPS["py-web"].source, ctx)
    tag = "localhost/stagesmith-test/py-web:distroless"
    proc = stagesmith(
        "build", str(ctx), "--runtime-base", "distroless", "--config", str(ENGINE_CONFIG),
        "--engine", "podman", "--repository", tag.rsplit(":", 1)[0], "--tag", "distroless",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    try:
        ran = podman("run", "--rm", "--network=none", tag, "python", "-c", FLASK_CHECK)
        assert ran.stdout.strip() == "health ok"
        shell = podman("run", "--rm", tag, "sh", "-c", "true", check=False)
        assert shell.returncode != 0  # no shell in the runtime
        report = inspect_json(tag)
        assert report["config"]["user"] == "65532:65532"
        ids = {f["id"] for f in report["findings"]}
        assert not ids & {"build-tool", "root-user", "missing-library", "unknown-user"}, ids
        # far smaller than the slim runtime base alone
        assert report["totals"]["size"] < 100_000_000
    finally:
        podman("rmi", "-f", tag, check=False)
