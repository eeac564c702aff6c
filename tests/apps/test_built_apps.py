"""Fixture apps generated and built for real (podman): (a) web app from requirements.txt,
(b) C extension compiled from source, (c) pyproject + uv.lock, (d) the numpy/scikit-learn seed
example, plus a poetry project (the locked versions are what runs) and requirements in a
subdirectory (``--requirements requirements/prod.txt`` from the project directory). For each: the app works, the product's own reader finds no gcc/cc/make and no root
user, and the image is smaller than the naive single-stage build (both sizes printed)."""

from __future__ import annotations

import pytest

from tests.apps.conftest import Built, inspect_json, podman

BUILD_TOOLS = {"gcc", "cc", "make", "g++", "c++", "ld"}


@pytest.mark.engine
def test_app_runs(built: Built) -> None:
    proc = podman("run", "--rm", "--network=none", built.generated, *built.app.run, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert built.app.expect in proc.stdout


@pytest.mark.engine
def test_no_build_tools_and_not_root(built: Built) -> None:
    report = inspect_json(built.generated)
    tools = {f["subject"] for f in report["findings"] if f["id"] == "build-tool"}
    assert not tools & BUILD_TOOLS, tools
    assert not [f for f in report["findings"] if f["id"] in ("root-user", "headers")]
    assert report["config"]["user"] == "10001:10001"
    # The same reader sees gcc in the naive image: the check is not blind.
    naive = inspect_json(built.naive)
    assert {"gcc", "make"} <= {f["subject"] for f in naive["findings"] if f["id"] == "build-tool"}


@pytest.mark.engine
def test_no_pip_in_runtime_venv(built: Built) -> None:
    proc = podman("run", "--rm", "--network=none", built.generated, "sh", "-c",
                  "ls /opt/venv/bin; python -c 'import pip' 2>/dev/null && echo HAS-PIP; true")  # fmt: skip
    assert "HAS-PIP" not in proc.stdout and "pip" not in proc.stdout.split(), proc.stdout


@pytest.mark.engine
def test_smaller_than_naive(built: Built, record_property: pytest.RecordProperty) -> None:
    gen, naive = built.sizes["generated"], built.sizes["naive"]
    record_property("generated_bytes", gen)
    record_property("naive_bytes", naive)
    print(f"\n{built.app.name}: generated={gen} naive={naive} ratio={gen / naive:.3f}")
    assert gen < naive
