"""Image size: stagesmith's multi-stage images against a naive single-stage build, per ecosystem.

For every fixture app (Go, Rust, Java, Node API, Node static site, Python + Node assets) the
generated Dockerfile and a hand-written single-stage Dockerfile (the toolchain image, copy
everything, build, run) are built in the same run with ``--no-cache``, on podman, with the
same local stand-in images (tests/ecosystems/images.yaml). Prints and saves JSON.

    python bench/ecosystem_images.py [--apps go-hello,rust-hello] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ecosystems.engine import (  # noqa: E402
    IMAGE_MAP,
    ensure_standins,
    generate,
    image_size,
    podman,
)

from stagesmith.config import load_config  # noqa: E402

APPS = ROOT / "tests" / "fixtures" / "apps"

#: The single-stage Dockerfile a hurried user writes: the toolchain image is the runtime.
NAIVE = {
    "go-hello": """FROM {golang:1.19}
WORKDIR /src
COPY . .
RUN go build -o /usr/local/bin/go-hello .
ENTRYPOINT ["/usr/local/bin/go-hello"]
""",
    "rust-hello": """FROM {rust:1-slim}
WORKDIR /src
COPY . .
RUN cargo build --release --offline
ENTRYPOINT ["/src/target/release/rust-hello"]
""",
    "java-hello": """FROM {maven:3-eclipse-temurin-17}
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package
ENTRYPOINT ["java", "-cp", "/src/target/java-hello-1.0.0.jar", "dev.stagesmith.hello.Main"]
""",
    "node-api": """FROM {node:20}
WORKDIR /app
COPY . .
RUN npm ci
CMD ["node", "server.js"]
""",
    "node-static": """FROM {node:20}
WORKDIR /app
COPY . .
RUN npm ci && npm run build
CMD ["node", "-e", "require('http').createServer((q, s) => s.end('')).listen(8080)"]
""",
    "pynode-app": """FROM {python:3.11}
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm
WORKDIR /app
COPY . .
RUN cd frontend && npm ci && npm run build
RUN pip install --break-system-packages -r requirements.txt
CMD ["python3", "app.py"]
""",
}


def naive_dockerfile(app: str) -> str:
    images = load_config(IMAGE_MAP).images
    text = NAIVE[app]
    for official in (
        "golang:1.19",
        "rust:1-slim",
        "maven:3-eclipse-temurin-17",
        "node:20",
        "python:3.11",
    ):
        text = text.replace("{" + official + "}", images(official))
    return text


def timed_build(dockerfile: str, context: Path, tag: str, workdir: Path) -> float:
    path = workdir / (tag.rsplit("/", 1)[-1].replace(":", "_") + ".Dockerfile")
    path.write_text(dockerfile)
    start = time.perf_counter()
    proc = podman(
        "build", "--pull=never", "--force-rm", "--no-cache", "-q", "-f", str(path), "-t", tag,
        str(context), check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"build of {tag} failed:\n{proc.stderr[-2000:]}")
    return elapsed


def measure(app: str, workdir: Path) -> dict[str, object]:
    plan, dockerfile, _ = generate(APPS / app)
    multi = f"localhost/stagesmith-bench/{app}:multi"
    naive = f"localhost/stagesmith-bench/{app}:naive"
    t_multi = timed_build(dockerfile, APPS / app, multi, workdir)
    t_naive = timed_build(naive_dockerfile(app), APPS / app, naive, workdir)
    s_multi, s_naive = image_size(multi), image_size(naive)
    runtime = plan.base("runtime")
    s_base = 0 if runtime == "scratch" else image_size(runtime)
    row: dict[str, object] = {
        "app": app,
        "ecosystem": plan.ecosystem,
        "runtime_base": plan.base("runtime"),
        "multistage_bytes": s_multi,
        "naive_bytes": s_naive,
        "size_ratio": round(s_multi / s_naive, 4),
        "saved_mb": round((s_naive - s_multi) / 1e6, 1),
        "runtime_base_bytes": s_base,
        "added_over_base_bytes": s_multi - s_base,
        "multistage_build_s": round(t_multi, 1),
        "naive_build_s": round(t_naive, 1),
        "build_time_ratio": round(t_multi / t_naive, 2),
    }
    podman("rmi", "-f", multi, naive, check=False)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default=",".join(NAIVE))
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "results" / "ecosystem_images.json"
    )
    args = parser.parse_args()
    ensure_standins()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(app, Path(tmp)) for app in args.apps.split(",")]
    result = {
        "benchmark": "ecosystem_images",
        "engine": subprocess.run(
            ["podman", "--version"], capture_output=True, text=True
        ).stdout.strip(),
        "note": "sizes as reported by podman (uncompressed); base images are local Debian stand-ins",
        "apps": rows,
    }
    text = json.dumps(result, indent=2)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")


if __name__ == "__main__":
    main()
