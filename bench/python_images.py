"""Bench: generated vs naive single-stage image size, and warm rebuild (source-only edit) vs
cold build, for the Python fixture apps. Prints JSON and saves it under bench/results/.

Run as root with podman and the stand-in bases: ``python bench/python_images.py [APP ...]``.
Builds use the flags ``stagesmith build`` passes to podman (``--layers --format docker``).
Each app is also built with ``--runtime-base distroless`` where the generator accepts it
(a distroless python3 stand-in; apps needing runtime apt packages are refused, and the reason is
recorded). Besides the timings, each app reports which steps the warm rebuild re-ran (podman prints
``--> Using cache`` for the others) and a no-change rebuild: the engine's fixed cost, the floor
of any warm rebuild.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ecosystems.engine import ensure_standins  # noqa: E402

from stagesmith.config import load_config  # noqa: E402
from stagesmith.errors import StagesmithError  # noqa: E402
from stagesmith.generate import GenerateOptions, generate  # noqa: E402

#: app -> (directory, the source file a "source-only edit" touches)
APPS = {
    "py-web": (ROOT / "tests/fixtures/apps/py-web", "app.py"),
    "py-cext": (ROOT / "tests/fixtures/apps/py-cext", "fastsum/__init__.py"),
    "py-uv": (ROOT / "tests/fixtures/apps/py-uv", "uvdemo.py"),
    "ml-app": (ROOT / "examples/ml-app", "app.py"),
}
CONFIG = ROOT / "tests/fixtures/engine-images.yaml"
#: podman prints ``[2/6] STEP 3/7: RUN ...`` in multi-stage builds (the stage, then the step)
STEP = re.compile(r"^(?:\[\d+/\d+\] )?STEP (\d+)/(\d+): (.*)$")


def podman(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["podman", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"podman {' '.join(args[:2])} failed: {proc.stderr[-800:]}")
    return proc


def build(ctx: Path, dockerfile: Path, tag: str, *, cache: bool) -> tuple[float, list[str]]:
    """Seconds, and the steps that ran (were not taken from the layer cache)."""
    start = time.monotonic()
    proc = podman("build", "--pull=never", "--force-rm", "--layers", "--format", "docker",
                  *([] if cache else ["--no-cache"]), "-f", str(dockerfile), "-t", tag, str(ctx))  # fmt: skip
    seconds = time.monotonic() - start
    ran: list[str] = []
    current: str | None = None
    for line in proc.stdout.splitlines():
        m = STEP.match(line)
        if m:
            if current is not None:
                ran.append(current)
            current = m.group(3)[:90]
        elif line.startswith("--> Using cache") and current is not None:
            current = None
    if current is not None:
        ran.append(current)
    return seconds, ran


def size(tag: str) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.split()[0])


def bench_app(name: str, src: Path, edit: str) -> dict[str, object]:
    cfg = load_config(CONFIG, None)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Path(tmp) / name
        shutil.copytree(src, ctx)
        env = ctx / "environment.yaml"
        opts = (
            GenerateOptions(file=env, config=cfg)
            if env.is_file()
            else GenerateOptions(path=ctx, config=cfg)
        )
        result = generate(opts)
        dockerfile = Path(tmp) / "Dockerfile"
        dockerfile.write_text(result.dockerfile)
        (ctx / ".dockerignore").write_text(result.dockerignore or "")
        naive = Path(tmp) / "Dockerfile.naive"
        naive.write_text(
            (ctx / "Dockerfile.naive")
            .read_text()
            .replace("FROM python:3.11", f"FROM {cfg.images('python:3.11')}")
        )
        gen_tag, naive_tag = f"stagesmith-bench/{name}:gen", f"stagesmith-bench/{name}:naive"
        cold, _ = build(ctx, dockerfile, gen_tag, cache=False)
        noop, _ = build(ctx, dockerfile, gen_tag, cache=True)
        edited = ctx / edit
        edited.write_text(edited.read_text() + "\n# edit\n")
        warm, ran = build(ctx, dockerfile, gen_tag, cache=True)
        build(ctx, naive, naive_tag, cache=True)
        gen_size, naive_size = size(gen_tag), size(naive_tag)
        podman("rmi", "-f", gen_tag, naive_tag)
        lean = leaner_runtime(opts, ctx, Path(tmp), name, naive_size)
    return {
        "generated_bytes": gen_size,
        "naive_bytes": naive_size,
        "size_ratio": round(gen_size / naive_size, 3),
        "cold_build_s": round(cold, 2),
        "warm_rebuild_s": round(warm, 2),
        "rebuild_ratio": round(warm / cold, 3),
        "noop_rebuild_s": round(noop, 2),
        "warm_steps_rerun": ran,
        "distroless": lean,
    }


def leaner_runtime(
    opts: GenerateOptions, ctx: Path, tmp: Path, name: str, naive_size: int
) -> dict[str, object]:
    """The same app with ``--runtime-base distroless`` (the python3-debian12 stand-in, 52 MB
    against the slim stand-in's 209 MB): how far a leaner runtime base takes the ratio."""
    try:
        result = generate(opts.model_copy(update={"runtime_base": "distroless"}))
    except StagesmithError as exc:
        return {"refused": str(exc)}
    dockerfile = tmp / "Dockerfile.distroless"
    dockerfile.write_text(result.dockerfile)
    tag = f"stagesmith-bench/{name}:distroless"
    seconds, _ = build(ctx, dockerfile, tag, cache=True)
    lean = size(tag)
    podman("rmi", "-f", tag)
    return {"bytes": lean, "size_ratio": round(lean / naive_size, 3), "build_s": round(seconds, 2)}


def chosen_apps() -> list[str]:
    """The apps named on the command line (all by default); an unknown name ends the run."""
    chosen = sys.argv[1:] or list(APPS)
    unknown = [a for a in chosen if a not in APPS]
    if unknown:
        raise SystemExit(f"unknown app(s) {unknown}; choose from {sorted(APPS)}")
    return chosen


def emit(payload: Mapping[str, object], name: str) -> None:
    """Print the results and save them as bench/results/NAME.json."""
    text = json.dumps(payload, indent=2)
    print(text)
    out = ROOT / f"bench/results/{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")


def main() -> None:
    chosen = chosen_apps()
    ensure_standins()  # the distroless python3 stand-in
    base = load_config(CONFIG, None).images("python:3.11-slim")
    results = {name: bench_app(name, *APPS[name]) for name in chosen}
    payload = {
        "bench": "python_images",
        "targets": {"size_ratio": 0.30, "rebuild_ratio": 0.05},
        "runtime_base": {"image": base, "bytes": size(base)},
        "apps": results,
    }
    emit(payload, "python_images")


if __name__ == "__main__":
    main()
