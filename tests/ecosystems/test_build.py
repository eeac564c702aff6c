"""Every fixture app generated, built for real on podman, run, and checked.

Each app is built once per session; the runtime must run the app, run it as non-root and
contain no compiler or SDK from its builder stage.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, engine_problem
from tests.ecosystems.engine import build, ensure_standins, file_list, image_config, podman

pytestmark = pytest.mark.engine

APPS = FIXTURES / "apps"
#: Files that betray a toolchain left in the runtime (suffix match on absolute paths).
TOOLCHAIN = (
    "/bin/go",
    "/bin/gofmt",
    "/bin/rustc",
    "/bin/cargo",
    "/bin/javac",
    "/bin/mvn",
    "/bin/gcc",
    "/bin/cc",
)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """Build an app the first time it is asked for; later calls reuse the image."""
    if engine_problem() is not None:
        pytest.skip(engine_problem() or "")
    ensure_standins()
    workdir = tmp_path_factory.mktemp("eco-build")
    images: dict[str, str] = {}

    def get(app: str) -> str:
        if app not in images:
            tag = f"localhost/stagesmith-test/app-{app}:latest"
            proc = build(APPS / app, tag, workdir)
            if proc.returncode != 0:
                # Other test sessions share this engine and may remove images under us:
                # restore missing stand-ins and try once more before failing.
                ensure_standins()
                proc = build(APPS / app, tag, workdir)
            assert proc.returncode == 0, proc.stderr[-3000:]
            images[app] = tag
        return images[app]

    return get


def run(image: str, *args: str) -> str:
    proc = podman("run", "--rm", image, *args, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def assert_no_toolchain(image: str, extra: tuple[str, ...] = ()) -> set[str]:
    files = file_list(image)
    leaked = sorted(f for f in files if f.endswith(TOOLCHAIN + extra))
    assert not leaked, f"toolchain in runtime: {leaked[:10]}"
    return files


def test_go_static_binary_on_distroless(built: Callable[[str], str]) -> None:
    image = built("go-hello")
    assert run(image, "--once").strip() == "go-hello ok uid=65532 zone=Europe/Paris"
    files = assert_no_toolchain(image)
    assert "/usr/local/bin/go-hello" in files and not any(
        f.startswith("/usr/lib/go") for f in files
    )
    assert not any(f.endswith("/libc.so.6") for f in files)  # static: no libc in the image
    assert image_config(image, "User") == "65532:65532"


def test_rust_release_binary_on_slim(built: Callable[[str], str]) -> None:
    image = built("rust-hello")
    found = re.fullmatch(r"rust-hello ok uid=(\d+)", run(image).strip())
    assert found is not None and found.group(1) != "0"
    files = assert_no_toolchain(image)
    assert "/usr/local/bin/rust-hello" in files
    assert not any("/rustlib/" in f for f in files)
    assert image_config(image, "User") == "app"


def test_java_jar_on_jre(built: Callable[[str], str]) -> None:
    image = built("java-hello")
    assert run(image).strip() == "java-hello ok user=app java=17"
    files = assert_no_toolchain(image)
    assert "/app/app.jar" in files
    assert any(f.endswith("/bin/java") for f in files)
    assert not any(f.startswith("/usr/share/maven") for f in files)


def test_node_api_production_deps_only(built: Callable[[str], str]) -> None:
    image = built("node-api")
    out = run(image, "node", "server.js", "--once").strip()
    assert out == "node-api ok uid=1000 ms=172800000 devdep=absent"
    files = assert_no_toolchain(image)
    assert "/app/node_modules/ms/package.json" in files
    assert "/app/node_modules/is-number/package.json" not in files
    assert image_config(image, "User") == "node"


def test_node_static_served_by_busybox(built: Callable[[str], str]) -> None:
    image = built("node-static")
    files = assert_no_toolchain(image, ("/bin/node", "/bin/nodejs"))
    assert {"/srv/www/index.html", "/srv/www/app.js"} <= files
    cid = podman("run", "-d", image).stdout.strip()
    try:
        body = ""
        for _ in range(50):
            proc = podman(
                "exec", cid, "busybox", "wget", "-qO-", "http://127.0.0.1:8080/", check=False
            )
            if proc.returncode == 0:
                body = proc.stdout
                break
            time.sleep(0.2)
        assert "built-by-node" in body
        user = podman("exec", cid, "busybox", "id", "-u").stdout.strip()
        assert user == "65534"
    finally:
        podman("rm", "-f", "-t", "0", cid, check=False)


def test_python_with_node_assets(built: Callable[[str], str]) -> None:
    image = built("pynode-app")
    out = run(image, "python", "app.py", "--once").strip()
    assert out.startswith("pynode-app ok uid=") and out.endswith("assets=yes")
    assert "uid=0 " not in out
    files = assert_no_toolchain(image, ("/bin/node", "/bin/nodejs", "/bin/npm"))
    assert "/app/frontend/dist/index.html" in files
    assert "/tmp/tests-passed" in files
    assert not any("/node_modules/" in f for f in files)


def test_failing_tests_fail_the_build(built: Callable[[str], str], tmp_path: Path) -> None:
    built("pynode-app")  # warms the shared layers (assets, venv)
    app = tmp_path / "pynode-app"
    shutil.copytree(APPS / "pynode-app", app)
    test = app / "selftest.py"
    test.write_text(test.read_text().replace('"dist"', '"not-dist"'))
    proc = build(app, "localhost/stagesmith-test/app-pynode-broken:latest", tmp_path)
    assert proc.returncode != 0
    assert "FAILED" in proc.stderr or "AssertionError" in proc.stderr


def test_go_on_scratch_gets_ca_and_tzdata(built: Callable[[str], str], tmp_path: Path) -> None:
    built("go-hello")  # warms the builder layers and the Go caches
    tag = "localhost/stagesmith-test/app-go-hello-scratch:latest"
    proc = build(APPS / "go-hello", tag, tmp_path, scratch=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    try:
        # time.LoadLocation only succeeds because the plan copied zoneinfo into scratch.
        assert run(tag, "--once").strip() == "go-hello ok uid=65532 zone=Europe/Paris"
        files = file_list(tag)
        assert "/etc/ssl/certs/ca-certificates.crt" in files
        assert "/usr/share/zoneinfo/Europe/Paris" in files
        assert not any(f.startswith(("/bin/", "/usr/bin/")) for f in files)
    finally:
        podman("rmi", "-f", tag, check=False)


def test_healthcheck_and_labels_reach_the_image(
    built: Callable[[str], str], tmp_path: Path
) -> None:
    """podman drops HEALTHCHECK from OCI-format images; the docker format keeps it."""
    built("rust-hello")
    tag = "localhost/stagesmith-test/app-rust-hello-hc:latest"
    proc = build(
        APPS / "rust-hello",
        tag,
        tmp_path,
        "--format",
        "docker",
        healthcheck="/usr/local/bin/rust-hello",
        labels={"org.opencontainers.image.source": "https://example.com/r"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    try:
        (info,) = json.loads(podman("image", "inspect", tag).stdout)
        assert info["Healthcheck"]["Test"] == ["CMD-SHELL", "/usr/local/bin/rust-hello"]
        config = info["Config"]
        assert config["Labels"]["org.opencontainers.image.source"] == "https://example.com/r"
        assert config["Labels"]["org.opencontainers.image.title"] == "rust-hello"
    finally:
        podman("rmi", "-f", tag, check=False)
