"""Bench: generated vs naive single-stage image size, and warm rebuild (source-only edit) vs
cold build, for Python apps. Prints JSON and saves it under bench/results/.

Run as root with podman and the stand-in bases: ``python bench/python_images.py``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stagesmith.config import load_config  # noqa: E402
from stagesmith.generate import GenerateOptions, generate  # noqa: E402

APPS = {
    "py-web": ROOT / "tests/fixtures/apps/py-web",
    "ml-app": ROOT / "examples/ml-app",
}
CONFIG = ROOT / "tests/fixtures/engine-images.yaml"


def podman(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["podman", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"podman {' '.join(args[:2])} failed: {proc.stderr[-500:]}")
    return proc


def build(ctx: Path, dockerfile: Path, tag: str, *, cache: bool) -> float:
    start = time.monotonic()
    podman("build", "--pull=never", "--layers", *([] if cache else ["--no-cache"]),
           "-f", str(dockerfile), "-t", tag, str(ctx))  # fmt: skip
    return time.monotonic() - start


def size(tag: str) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.split()[0])


def bench_app(name: str, src: Path) -> dict[str, object]:
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
        (ctx / "Dockerfile").write_text(result.dockerfile)
        (ctx / ".dockerignore").write_text(result.dockerignore or "")
        naive = ctx / "Dockerfile.naive"
        naive.write_text(
            naive.read_text().replace("FROM python:3.11", f"FROM {cfg.images('python:3.11')}")
        )
        gen_tag, naive_tag = f"stagesmith-bench/{name}:gen", f"stagesmith-bench/{name}:naive"
        cold = build(ctx, ctx / "Dockerfile", gen_tag, cache=False)
        (ctx / "app.py").write_text((ctx / "app.py").read_text() + "\n# edit\n")
        warm = build(ctx, ctx / "Dockerfile", gen_tag, cache=True)
        build(ctx, naive, naive_tag, cache=True)
        gen_size, naive_size = size(gen_tag), size(naive_tag)
        podman("rmi", "-f", gen_tag, naive_tag)
    return {
        "generated_bytes": gen_size,
        "naive_bytes": naive_size,
        "size_ratio": round(gen_size / naive_size, 3),
        "cold_build_s": round(cold, 2),
        "warm_rebuild_s": round(warm, 2),
        "rebuild_ratio": round(warm / cold, 3),
    }


def main() -> None:
    results = {name: bench_app(name, path) for name, path in APPS.items()}
    payload = {"bench": "python_images", "targets": {"size_ratio": 0.30, "rebuild_ratio": 0.05},
               "apps": results}  # fmt: skip
    text = json.dumps(payload, indent=2)
    print(text)
    out = ROOT / "bench/results/python_images.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
