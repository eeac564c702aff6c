"""Engine helpers for the ecosystem tests: stand-in bases, one build per fixture, file lists.

Stand-ins replace official images no registry can serve here (golang, rust, maven/JDK, JRE,
node, busybox, distroless static); they are built once from ``standins/*.Dockerfile`` with
Debian's toolchains, and ``images.yaml`` maps the official names onto them.
"""

from __future__ import annotations

import hashlib
import subprocess
import tarfile
from pathlib import Path

from stagesmith.config import load_config
from stagesmith.plan.combined import EcoOptions, EcoPlan, plan_project, render

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
    images = load_config(IMAGE_MAP).images
    plan = plan_project(root, images, EcoOptions.model_validate(options))
    dockerfile, ignore = render(plan)
    return plan, dockerfile, ignore


def build(
    root: Path, tag: str, workdir: Path, *engine_args: str, **options: object
) -> subprocess.CompletedProcess[str]:
    """Generate into a copy-free build: the Dockerfile and .dockerignore go next to the context."""
    _, dockerfile, ignore = generate(root, **options)
    path = workdir / f"{tag.replace('/', '_').replace(':', '_')}.Dockerfile"
    path.write_text(dockerfile)
    (path.parent / (path.name + ".dockerignore")).write_text(ignore)
    return podman(
        "build", "--pull=never", "--force-rm", "-q", "-f", str(path),
        "--ignorefile", str(path.parent / (path.name + ".dockerignore")), "-t", tag,
        *engine_args, str(root),
        check=False,
    )  # fmt: skip


def file_list(image: str) -> set[str]:
    """Every path in the image's flattened file system, read from ``podman export``."""
    cid = podman("create", image).stdout.strip()
    try:
        proc = subprocess.Popen(["podman", "export", cid], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            names = {"/" + m.name.removeprefix("./").lstrip("/") for m in tar}
        proc.wait()
        return names
    finally:
        podman("rm", "-f", cid, check=False)


def image_config(image: str, field: str) -> str:
    return podman("image", "inspect", "--format", "{{.Config." + field + "}}", image).stdout.strip()


def image_size(image: str) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", image).stdout.strip())
