"""Engine helpers for the ecosystem tests: stand-in bases, one build per fixture, file lists.

Stand-ins replace official images no registry can serve here (golang, rust, maven/JDK, JRE,
node, busybox, distroless static); they are built once from ``standins/*.Dockerfile`` with
Debian's toolchains, and ``images.yaml`` maps the official names onto them.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from stagesmith.config import load_config
from stagesmith.plan.combined import EcoOptions, EcoPlan, plan_project
from stagesmith.render import render

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"
IMAGE_MAP = HERE / "images.yaml"
PREFIX = "localhost/stagesmith-test"
DIGEST_LABEL = "dev.stagesmith.standin-digest"


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=check)


def ensure_standins() -> list[str]:
    """Build the stand-in images that are missing or stale (about 3 minutes from nothing).

    Each carries a label with the hash of its Dockerfile, so editing a stand-in rebuilds it.
    """
    built = []
    for dockerfile in sorted(STANDINS.glob("*.Dockerfile")):
        tag = f"{PREFIX}/{dockerfile.name.removesuffix('.Dockerfile')}:latest"
        digest = hashlib.sha256(dockerfile.read_bytes()).hexdigest()[:16]
        fmt = '{{ index .Labels "' + DIGEST_LABEL + '" }}'
        current = podman("image", "inspect", "--format", fmt, tag, check=False)
        if current.returncode == 0 and current.stdout.strip() == digest:
            continue
        proc = podman(
            "build", "--pull=never", "--force-rm", "-q", "-f", str(dockerfile), "-t", tag,
            "--label", f"{DIGEST_LABEL}={digest}", str(STANDINS), check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"building stand-in {tag} failed:\n{proc.stderr[-3000:]}")
        built.append(tag)
    return built


def generate(root: Path, **options: object) -> tuple[EcoPlan, str, str]:
    """Plan and render in-process (unit-level helper; engine tests go through the CLI)."""
    images = load_config(IMAGE_MAP).images
    plan = plan_project(root, images, EcoOptions.model_validate(options))
    dockerfile, ignore = render(plan)
    return plan, dockerfile, ignore


def stagesmith(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI the way a user does (``python -m stagesmith`` = ``stagesmith``)."""
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def build(root: Path, tag: str, archive: Path, *cli_args: str) -> subprocess.CompletedProcess[str]:
    """``stagesmith build ROOT --config images.yaml --engine podman``, saved as docker-archive.

    ``tag`` is ``repository:tag``; the archive is what the daemonless reader checks afterwards.
    """
    repository, _, version = tag.rpartition(":")
    return stagesmith(
        "build", str(root), "--config", str(IMAGE_MAP), "--engine", "podman",
        "--repository", repository, "--tag", version, "--output", str(archive), "--force",
        *cli_args,
    )  # fmt: skip


def inspect_json(source: Path | str) -> dict[str, Any]:
    """``stagesmith inspect SOURCE --json`` (no efficiency: only the findings matter here)."""
    proc = stagesmith("inspect", str(source), "--json", "--no-efficiency", "--engine", "podman")
    assert proc.returncode == 0, proc.stderr[-2000:]
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def file_list(source: Path | str) -> set[str]:
    """Every path of the merged file system, read by the product's image reader (no daemon)."""
    from stagesmith.image import open_image

    with open_image(str(source), engine="podman") as image:
        return {"/" + node.path for node in image.tree().walk() if node.path}


def image_config(image: str, field: str) -> str:
    return podman("image", "inspect", "--format", "{{.Config." + field + "}}", image).stdout.strip()


def image_size(image: str) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", image).stdout.strip())
