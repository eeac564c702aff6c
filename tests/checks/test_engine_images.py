"""Real images from the local engine: a true missing ``libgomp.so.1`` that the loader confirms.

An OpenMP program compiled on the host needs ``libgomp.so.1``; ``localhost/python:3.11``
(build-essential) has it, ``localhost/python:3.11-slim`` does not. ``inspect`` must report
exactly that library for that file on the slim image (no false positives from the Debian base),
and ``podman run`` must really fail with the loader error there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.checks.cbuild import need_gcc

pytestmark = pytest.mark.engine

OMP_C = '#include <omp.h>\n#include <stdio.h>\nint main(void){printf("%d\\n", omp_get_max_threads());return 0;}\n'


def stagesmith(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *map(str, args)], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def omp_images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    gcc = need_gcc()
    ctx = tmp_path_factory.mktemp("omp")
    (ctx / "omp.c").write_text(OMP_C)
    subprocess.run([gcc, "-fopenmp", "-o", str(ctx / "omp"), str(ctx / "omp.c")], check=True)
    tag = uuid.uuid4().hex[:8]
    specs = {
        "slim": "FROM localhost/python:3.11-slim\nCOPY omp /usr/local/bin/omp\nUSER 10001\n",
        "full": "FROM localhost/python:3.11\nCOPY omp /usr/local/bin/omp\n",
    }
    out: dict[str, object] = {}
    names = []
    try:
        for key, dockerfile in specs.items():
            (ctx / f"Dockerfile.{key}").write_text(dockerfile)
            name = f"localhost/stagesmith-test-omp-{key}:{tag}"
            names.append(name)
            subprocess.run(
                ["podman", "build", "-q", "--pull=never", "--force-rm", "-f",
                 str(ctx / f"Dockerfile.{key}"), "-t", name, str(ctx)],
                check=True, capture_output=True,
            )  # fmt: skip
            archive = ctx / f"{key}.oci"  # an uncompressed OCI layout: quick to save and read
            subprocess.run(
                [
                    "podman",
                    "save",
                    "-q",
                    "--format",
                    "oci-dir",
                    "--uncompressed",
                    "-o",
                    str(archive),
                    name,
                ],
                check=True,
                capture_output=True,
            )
            out[key] = archive
            out[key + "_name"] = name
        yield out
    finally:
        for name in names:
            subprocess.run(["podman", "rmi", "-f", name], capture_output=True)


def findings(archive: object) -> list[dict[str, object]]:
    proc = stagesmith("inspect", str(archive), "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["findings"]  # type: ignore[no-any-return]


def test_slim_image_misses_libgomp_and_the_loader_agrees(omp_images: dict[str, object]) -> None:
    found = findings(omp_images["slim"])
    missing = {f["subject"]: f["paths"] for f in found if f["id"] == "missing-library"}
    assert missing == {"libgomp.so.1": ["usr/local/bin/omp"]}
    assert not [f for f in found if f["id"] in ("build-tool", "root-user", "missing-interpreter")]
    run = subprocess.run(
        ["podman", "run", "--rm", str(omp_images["slim_name"]), "/usr/local/bin/omp"],
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "libgomp.so.1: cannot open shared object file" in run.stderr


def test_full_image_has_libgomp_but_ships_gcc_as_root(omp_images: dict[str, object]) -> None:
    found = findings(omp_images["full"])
    assert not [f for f in found if f["id"].startswith("missing-")]  # type: ignore[attr-defined]
    keys = {(f["id"], f["subject"]) for f in found}
    assert ("build-tool", "gcc") in keys and ("root-user", "root") in keys
    run = subprocess.run(
        ["podman", "run", "--rm", str(omp_images["full_name"]), "/usr/local/bin/omp"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


def test_compare_full_against_slim(omp_images: dict[str, object]) -> None:
    proc = stagesmith("compare", str(omp_images["full"]), str(omp_images["slim"]), "--json")
    assert proc.returncode == 0, proc.stderr
    diff = json.loads(proc.stdout)
    assert diff["size"]["reduction_percent"] > 30
    assert "gcc removed" in diff["changes"]
    assert "runs as root → uid 10001" in diff["changes"]
    assert [f["subject"] for f in diff["findings"]["added"] if f["id"] == "missing-library"] == [
        "libgomp.so.1"
    ]
    assert diff["only_in_a"]["count"] > 1000


def test_inspect_by_engine_image_name_matches_the_archive(omp_images: dict[str, object]) -> None:
    by_name = findings(omp_images["slim_name"])
    assert by_name == findings(omp_images["slim"])
    assert ("missing-library", "libgomp.so.1") in {(f["id"], f["subject"]) for f in by_name}
