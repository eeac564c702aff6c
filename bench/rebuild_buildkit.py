"""Bench: warm rebuild after a source-only edit vs cold build, on BuildKit (docker), per Python
fixture app. The same generated Dockerfiles as ``bench/python_images.py`` (which measures
podman), built by a private dockerd from Debian's docker.io with BuildKit, on the same local
stand-in bases. Cold = ``--no-cache`` with the builder cache (pip cache mounts included)
pruned first; no-op = nothing changed; warm = one line added to a source file. The warm
rebuild runs with ``--progress=plain``: each step BuildKit did not take from its cache is
recorded with the seconds BuildKit gives it (``warm_steps``), so where the time goes is shown.

Run as root after scripts/setup-engine.sh: ``python bench/rebuild_buildkit.py [APP ...]``.
Prints JSON and saves it under bench/results/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.python_images import APPS, CONFIG, chosen_apps, emit  # noqa: E402

from stagesmith.config import load_config  # noqa: E402
from stagesmith.generate import GenerateOptions, generate  # noqa: E402

DOCKER = "/usr/bin/docker"  # Debian's client: BuildKit built in, no buildx plugin needed
#: ``--progress=plain`` lines: ``#12 [builder 2/3] RUN ...``, ``#12 CACHED``, ``#12 DONE 0.4s``
VERTEX = re.compile(r"^#(\d+) (?:(CACHED)|DONE (\d+(?:\.\d+)?)s|(\[.*|[a-z].*))$")


def docker(*args: str, env: dict[str, str]) -> tuple[float, str]:
    """Seconds, and what the client printed on stderr (BuildKit's progress)."""
    start = time.monotonic()
    proc = subprocess.run([DOCKER, *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"docker {' '.join(args[:2])} failed: {proc.stderr[-1500:]}")
    return time.monotonic() - start, proc.stderr


def steps_run(progress: str) -> list[dict[str, object]]:
    """The steps of a ``--progress=plain`` build that ran (not CACHED), with BuildKit's seconds;
    context transfer, metadata loads and ``FROM`` (the base, never re-run) are left out, the
    image export is kept."""
    names: dict[str, str] = {}
    done: dict[str, float] = {}
    cached: set[str] = set()
    for line in progress.splitlines():
        m = VERTEX.match(line)
        if m is None:
            continue
        vid = m.group(1)
        if m.group(2):
            cached.add(vid)
        elif m.group(3):
            done[vid] = float(m.group(3))
        elif vid not in names:
            names[vid] = m.group(4)
    skip = ("[internal]", "load ", "resolve ")
    ran = [v for v in names if v in done and v not in cached]
    return [
        {"step": names[v][:100], "s": done[v]}
        for v in ran
        if not names[v].startswith(skip) and "] FROM " not in names[v]
    ]


def start_dockerd(root: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    sock = root / "d.sock"
    log = (root / "dockerd.log").open("wb")
    proc = subprocess.Popen(
        ["dockerd", "--data-root", str(root / "data"), "--exec-root", str(root / "exec"),
         "--pidfile", str(root / "pid"), "--host", f"unix://{sock}",
         "--iptables=false", "--ip-masq=false"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    env = {**os.environ, "DOCKER_HOST": f"unix://{sock}", "DOCKER_BUILDKIT": "1"}
    for _ in range(100):
        ok = subprocess.run([DOCKER, "version"], capture_output=True, env=env).returncode == 0
        if ok:
            return proc, env
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"dockerd did not start: {(root / 'dockerd.log').read_text()[-1500:]}")


def bench_app(name: str, src: Path, edit: str, env: dict[str, str], tmp: Path) -> dict[str, object]:
    cfg = load_config(CONFIG, None)
    ctx = tmp / name
    shutil.copytree(src, ctx)
    env_file = ctx / "environment.yaml"
    opts = GenerateOptions(file=env_file) if env_file.is_file() else GenerateOptions(path=ctx)
    result = generate(opts.model_copy(update={"config": cfg}))
    # the `# syntax=` frontend would be pulled from Docker Hub: the built-in frontend is used
    text = "\n".join(
        line for line in result.dockerfile.splitlines() if not line.startswith("# syntax=")
    )
    dockerfile = tmp / f"{name}.Dockerfile"
    dockerfile.write_text(text + "\n")
    (ctx / ".dockerignore").write_text(result.dockerignore or "")
    tag = f"stagesmith-bench/{name}:bk"
    common = ["build", "--network", "host", "-f", str(dockerfile), "-t", tag, str(ctx)]
    docker("builder", "prune", "-af", env=env)
    cold, _ = docker(*common[:1], "-q", "--no-cache", *common[1:], env=env)
    noop, _ = docker(*common[:1], "-q", *common[1:], env=env)
    edited = ctx / edit
    edited.write_text(edited.read_text() + "\n# edit\n")
    warm, progress = docker(*common[:1], "--progress=plain", *common[1:], env=env)
    return {
        "cold_build_s": round(cold, 2),
        "warm_rebuild_s": round(warm, 2),
        "rebuild_ratio": round(warm / cold, 3),
        "noop_rebuild_s": round(noop, 2),
        "warm_steps": steps_run(progress),
    }


def main() -> None:
    chosen = chosen_apps()
    cfg = load_config(CONFIG, None)
    with tempfile.TemporaryDirectory(prefix="ssb-") as tmp_name:
        tmp = Path(tmp_name)
        proc, env = start_dockerd(tmp)
        try:
            for base in ("python:3.11", "python:3.11-slim"):
                archive = tmp / "base.tar"
                subprocess.run(["podman", "save", "--quiet", "-o", str(archive),
                                cfg.images(base)], check=True)  # fmt: skip
                docker("load", "-q", "-i", str(archive), env=env)
                archive.unlink()
            apps = {n: bench_app(n, *APPS[n], env, tmp) for n in chosen}
            version = subprocess.run([DOCKER, "version", "--format", "{{.Server.Version}}"],
                                     capture_output=True, text=True, env=env).stdout.strip()  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    payload = {
        "bench": "rebuild_buildkit",
        "engine": f"dockerd {version} (BuildKit)",
        "target": {"rebuild_ratio": 0.05},
        "apps": apps,
    }
    emit(payload, "rebuild_buildkit")


if __name__ == "__main__":
    main()
