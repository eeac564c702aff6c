"""Image size: stagesmith's multi-stage images against a naive single-stage build, per ecosystem.

Everything goes through the product as a user would run it: ``stagesmith build APP --config
tests/ecosystems/images.yaml --engine podman --no-cache --output multi.tar`` builds the
generated Dockerfile, ``stagesmith build --dockerfile naive.Dockerfile`` builds a hand-written
single-stage one (the toolchain image, copy everything, build, run) in the same run, and
``stagesmith compare naive.tar multi.tar --json`` / ``stagesmith inspect multi.tar --json``
read both archives with no daemon (sizes are the reader's: sum of layer contents). Prints and
saves JSON.

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
    build,
    ensure_standins,
    inspect_json,
    podman,
    stagesmith,
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
    "go-cgo": """FROM {golang:1.19}
WORKDIR /src
COPY . .
RUN go build -o /usr/local/bin/go-cgo .
ENTRYPOINT ["/usr/local/bin/go-cgo"]
""",
    "java-multimodule": """FROM {maven:3-eclipse-temurin-17}
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package
ENTRYPOINT ["java", "-cp", "/src/app/target/shop-app-2.1.0.jar:/src/greeter/target/greeter-2.1.0.jar", "dev.stagesmith.app.Main"]
""",
    "node-yarn": """FROM {node:20}
WORKDIR /app
COPY . .
RUN yarn install --frozen-lockfile
CMD ["node", "index.js"]
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


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    proc = stagesmith(*args)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"stagesmith {' '.join(args[:2])} failed:\n{proc.stderr[-2000:]}")
    return elapsed


def measure(app: str, workdir: Path) -> dict[str, object]:
    multi_tar, naive_tar = workdir / f"{app}-multi.tar", workdir / f"{app}-naive.tar"
    multi = f"localhost/stagesmith-bench/{app}:multi"
    naive = f"localhost/stagesmith-bench/{app}:naive"
    plan = json.loads(
        stagesmith("plan", str(APPS / app), "--json", "--config", str(IMAGE_MAP)).stdout
    )
    start = time.perf_counter()
    proc = build(APPS / app, multi, multi_tar, "--no-cache")
    t_multi = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"stagesmith build {app} failed:\n{proc.stderr[-2000:]}")
    naive_file = workdir / f"{app}.naive.Dockerfile"
    naive_file.write_text(naive_dockerfile(app))
    repository, _, tag = naive.rpartition(":")
    t_naive = timed(
        ["build", "--dockerfile", str(naive_file), "--context", str(APPS / app), "--engine",
         "podman", "--repository", repository, "--tag", tag, "--no-cache",
         "--output", str(naive_tar), "--force"]
    )  # fmt: skip
    compared = json.loads(stagesmith("compare", str(naive_tar), str(multi_tar), "--json").stdout)
    report = inspect_json(multi_tar)
    runtime = plan["stages"][-1]["base"]
    s_base = 0 if runtime == "scratch" else image_size(runtime)
    s_multi, s_naive = compared["size"]["b"], compared["size"]["a"]
    row: dict[str, object] = {
        "app": app,
        "ecosystem": plan["ecosystem"],
        "runtime_base": runtime,
        "multistage_bytes": s_multi,
        "naive_bytes": s_naive,
        "size_ratio": round(s_multi / s_naive, 4),
        "reduction_percent": compared["size"]["reduction_percent"],
        "saved_mb": round((s_naive - s_multi) / 1e6, 1),
        "runtime_base_bytes": s_base,
        "added_over_base_bytes": s_multi - s_base,
        "findings_multistage": sorted({f["id"] for f in report["findings"]}),
        "changes": compared["changes"],
        "multistage_build_s": round(t_multi, 1),
        "naive_build_s": round(t_naive, 1),
        "build_time_ratio": round(t_multi / t_naive, 2),
    }
    podman("rmi", "-f", multi, naive, check=False)
    return row


def image_size(name: str) -> int:
    """Size of a base image as the product's reader counts it (sum of layer contents)."""
    report = inspect_json(name)
    return int(report["totals"]["size"])


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
        "note": "sizes from stagesmith compare/inspect (sum of layer contents, as dive counts); base images are local Debian stand-ins",
        "apps": rows,
    }
    text = json.dumps(result, indent=2)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")


if __name__ == "__main__":
    main()
