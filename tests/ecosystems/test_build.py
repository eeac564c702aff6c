"""Every fixture app built through the product, as a user would, then checked and run.

``stagesmith build APP --config images.yaml --engine podman --output app.tar`` generates the
Dockerfile and builds it; ``stagesmith inspect app.tar --json`` and the image reader
(``open_image(...).tree()``) then check the saved image with no daemon: no build tools, no
missing libraries, a non-root user, no toolchain file. Each app is built once per session.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, engine_problem
from tests.ecosystems.engine import (
    IMAGE_MAP,
    build,
    ensure_standins,
    file_list,
    inspect_json,
    podman,
    stagesmith,
)

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
NODE_TOOLS = ("/bin/node", "/bin/nodejs", "/bin/npm")
#: Findings that must never appear on a generated image.
FORBIDDEN = {"build-tool", "missing-library", "missing-interpreter", "root-user", "unknown-user"}


@dataclass
class Built:
    """One app built by ``stagesmith build``: the engine tag, its saved archive, the report."""

    tag: str
    archive: Path
    report: dict[str, Any]
    files: set[str] = field(default_factory=set)

    @property
    def finding_ids(self) -> set[str]:
        return {f["id"] for f in self.report["findings"]}


def build_app(root: Path, tag: str, workdir: Path, *cli_args: str) -> Built:
    archive = workdir / (tag.rsplit("/", 1)[-1].replace(":", "_") + ".tar")
    proc = build(root, tag, archive, *cli_args)
    if proc.returncode != 0:
        # Other sessions share this engine and may remove images under us: restore the
        # stand-ins and try once more before failing.
        ensure_standins()
        proc = build(root, tag, archive, *cli_args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == tag  # the CLI prints the image it built
    return Built(tag, archive, inspect_json(archive), file_list(archive))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Built]:
    """Build an app the first time it is asked for; later calls reuse the image."""
    if engine_problem() is not None:
        pytest.skip(engine_problem() or "")
    ensure_standins()
    workdir = tmp_path_factory.mktemp("eco-build")
    cache: dict[str, Built] = {}

    def get(app: str) -> Built:
        if app not in cache:
            cache[app] = build_app(
                APPS / app, f"localhost/stagesmith-test/app-{app}:latest", workdir
            )
        return cache[app]

    return get


def run(image: str, *args: str) -> str:
    proc = podman("run", "--rm", image, *args, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def assert_clean(
    image: Built, extra: tuple[str, ...] = (), allow: frozenset[tuple[str, str]] = frozenset()
) -> set[str]:
    """No forbidden finding, a non-root user, and no toolchain file in the runtime."""
    bad = [
        f"{f['id']}: {f['message']}"
        for f in image.report["findings"]
        if f["id"] in FORBIDDEN and (f["id"], f["subject"]) not in allow
    ]
    assert not bad, bad
    user = image.report["config"]["user"]
    assert user and user.split(":")[0] not in ("root", "0")
    leaked = sorted(f for f in image.files if f.endswith(TOOLCHAIN + extra))
    assert not leaked, f"toolchain in runtime: {leaked[:10]}"
    return image.files


def jvm_allowance(image: Built) -> frozenset[tuple[str, str]]:
    """Tolerate only ``libjvm.so``, and only as needed by the JVM's own libraries."""
    jvm = [f for f in image.report["findings"] if f["id"] == "missing-library"]
    assert all(f["subject"] == "libjvm.so" for f in jvm), jvm
    assert all(p.startswith("usr/lib/jvm/") for f in jvm for p in f["paths"])
    return frozenset({("missing-library", "libjvm.so")})


def test_go_static_binary_on_distroless(built: Callable[[str], Built]) -> None:
    image = built("go-hello")
    assert run(image.tag, "--once").strip() == "go-hello ok uid=65532 zone=Europe/Paris"
    files = assert_clean(image)
    assert "/usr/local/bin/go-hello" in files and not any(
        f.startswith("/usr/lib/go") for f in files
    )
    assert not any(f.endswith("/libc.so.6") for f in files)  # static: no libc in the image
    assert image.report["config"]["user"] == "65532:65532"


def test_rust_release_binary_on_slim(built: Callable[[str], Built]) -> None:
    image = built("rust-hello")
    found = re.fullmatch(r"rust-hello ok uid=(\d+)", run(image.tag).strip())
    assert found is not None and found.group(1) != "0"
    files = assert_clean(image)
    assert "/usr/local/bin/rust-hello" in files
    assert not any("/rustlib/" in f for f in files)
    assert image.report["config"]["user"] == "10001:10001"  # numeric (runAsNonRoot)


def test_java_jar_on_jre(built: Callable[[str], Built]) -> None:
    image = built("java-hello")
    assert run(image.tag).strip() == "java-hello ok user=app java=17"
    # Known limit of the ELF check (docs/inspect.md: dlopen is not seen): the java launcher
    # dlopen()s lib/server/libjvm.so by full path, and the JDK's own libraries that need
    # "libjvm.so" are loaded after it, when glibc matches the already loaded soname. The run
    # above proves it loads; only that soname, needed only inside the JVM, is tolerated.
    files = assert_clean(image, allow=jvm_allowance(image))
    assert "/app/app.jar" in files
    assert any(f.endswith("/bin/java") for f in files)
    assert not any(f.startswith("/usr/share/maven") for f in files)


def test_node_api_production_deps_only(built: Callable[[str], Built]) -> None:
    image = built("node-api")
    out = run(image.tag, "node", "server.js", "--once").strip()
    assert out == "node-api ok uid=1000 ms=172800000 devdep=absent"
    files = assert_clean(image)
    assert "/app/node_modules/ms/package.json" in files
    assert "/app/node_modules/is-number/package.json" not in files
    assert image.report["config"]["user"] == "1000:1000"  # the node user, by number


def test_node_static_served_by_busybox(built: Callable[[str], Built]) -> None:
    image = built("node-static")
    files = assert_clean(image, NODE_TOOLS)
    assert {"/srv/www/index.html", "/srv/www/app.js"} <= files
    cid = podman("run", "-d", image.tag).stdout.strip()
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


def test_python_with_node_assets(built: Callable[[str], Built]) -> None:
    image = built("pynode-app")
    out = run(image.tag, "python", "app.py", "--once").strip()
    assert out.startswith("pynode-app ok uid=") and out.endswith("assets=yes")
    assert "uid=0 " not in out
    files = assert_clean(image, NODE_TOOLS)
    assert "/app/frontend/dist/index.html" in files
    assert "/tmp/tests-passed" in files
    assert not any("/node_modules/" in f for f in files)


def test_failing_tests_fail_the_build(built: Callable[[str], Built], tmp_path: Path) -> None:
    built("pynode-app")  # warms the shared layers (assets, venv)
    app = tmp_path / "pynode-app"
    shutil.copytree(APPS / "pynode-app", app)
    test = app / "selftest.py"
    test.write_text(test.read_text().replace('"dist"', '"not-dist"'))
    tag = "localhost/stagesmith-test/app-pynode-broken:latest"
    proc = build(app, tag, tmp_path / "broken.tar")
    assert proc.returncode == 1, proc.stderr[-2000:]  # a failed build is a Failure (exit 1)
    assert "FAILED" in proc.stderr or "AssertionError" in proc.stderr
    assert not (tmp_path / "broken.tar").exists()


def test_go_on_scratch_gets_ca_and_tzdata(built: Callable[[str], Built], tmp_path: Path) -> None:
    built("go-hello")  # warms the builder layers and the Go caches
    tag = "localhost/stagesmith-test/app-go-hello-scratch:latest"
    image = build_app(APPS / "go-hello", tag, tmp_path, "--runtime-base", "scratch")
    try:
        # time.LoadLocation only succeeds because the plan copied zoneinfo into scratch.
        assert run(tag, "--once").strip() == "go-hello ok uid=65532 zone=Europe/Paris"
        assert "/etc/ssl/certs/ca-certificates.crt" in image.files
        assert "/usr/share/zoneinfo/Europe/Paris" in image.files
        assert not any(f.startswith(("/bin/", "/usr/bin/")) for f in image.files)
        # Numeric user on scratch: no passwd, yet not root.
        assert image.report["config"]["user"] == "65532:65532"
        assert not image.finding_ids & {"build-tool", "missing-library", "root-user"}
    finally:
        podman("rmi", "-f", tag, check=False)


def test_healthcheck_and_labels_reach_the_image(
    built: Callable[[str], Built], tmp_path: Path
) -> None:
    """``generate --health-cmd`` then ``build --dockerfile --label``: both reach the image."""
    built("rust-hello")
    # a copy: generate writes .dockerignore at the root of the build context
    project = shutil.copytree(APPS / "rust-hello", tmp_path / "rust-hello")
    dockerfile = tmp_path / "Dockerfile"
    gen = stagesmith(
        "generate", str(project), "--config", str(IMAGE_MAP), "--output",
        str(dockerfile), "--health-cmd", "/usr/local/bin/rust-hello",
    )  # fmt: skip
    assert gen.returncode == 0, gen.stderr
    assert (project / ".dockerignore").read_text().splitlines()[0] == ".git"
    tag = "localhost/stagesmith-test/app-rust-hello-hc:latest"
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--context", str(project),
        "--config", str(IMAGE_MAP), "--engine", "podman", "--repository", tag.rsplit(":", 1)[0],
        "--tag", "latest", "--label", "org.opencontainers.image.source=https://example.com/r",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    try:
        (info,) = json.loads(podman("image", "inspect", tag).stdout)
        assert info["Healthcheck"]["Test"] == ["CMD-SHELL", "/usr/local/bin/rust-hello"]
        config = info["Config"]
        assert config["Labels"]["org.opencontainers.image.source"] == "https://example.com/r"
        assert config["Labels"]["org.opencontainers.image.title"] == "rust-hello"
        assert inspect_json(tag)["config"]["healthcheck"] is True
    finally:
        podman("rmi", "-f", tag, check=False)


#: Projects written to try the tool as a new user (layouts the first fixtures did not have):
#: app -> (command after the image name, expected output pattern, files that must be there).
NEW_PROJECTS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "go-multi-cmd": ((), r"fleetctl ok fleet 0\.3\.1", ("/usr/local/bin/fleetd",)),
    "go-cgo": (
        (),
        r"go-cgo ok twice=42 uid=65532 zone=Asia/Tokyo",
        ("/usr/local/bin/go-cgo", "/usr/share/zoneinfo/Asia/Tokyo"),
    ),
    "rust-workspace": ((), r"wsk ok core=linked uid=[1-9]\d*", ("/usr/local/bin/wsk",)),
    "rust-binlib": ((), r"textkit-cli ok BINLIB", ("/usr/local/bin/textkit-cli",)),
    # [[bench]], [[test]], [[example]] in the manifest, and a build.rs whose value is printed.
    "rust-targets": ((), r"meter ok built=by-build-rs parts=3", ("/usr/local/bin/meter",)),
    "java-multimodule": (
        (),
        r"shop-app ok greeter=linked user=app",
        ("/app/app.jar", "/app/lib/greeter-2.1.0.jar"),
    ),
    # Gradle multi-project (no root build script), built by Debian's Gradle 4.4 stand-in.
    "java-gradle-multi": (
        (),
        r"depot ok greeter=linked user=app",
        ("/app/app.jar", "/app/lib/greeter.jar"),
    ),
    "node-yarn": (
        (),
        r"node-yarn ok uid=1000 ms=3600000 devdep=absent",
        ("/app/node_modules/ms/package.json",),
    ),
    "node-pnpm": ((), r"node-pnpm ok uid=1000 ms=3600000 devdep=absent", ()),
    "node-nolock": ((), r"node-nolock ok uid=1000 ms=60000", ()),
    "pynode-web": (
        ("python", "main.py", "--once"),
        r"pynode-web ok uid=[1-9]\d* assets=yes",
        ("/app/web/dist/index.html",),
    ),
    "pynode-client": (
        ("python", "server.py", "--once"),
        r"pynode-client ok uid=[1-9]\d* page=built",
        ("/app/client/public/index.html", "/tmp/tests-passed"),
    ),
}


@pytest.mark.parametrize("app", sorted(NEW_PROJECTS))
def test_new_projects_build_run_and_stay_clean(built: Callable[[str], Built], app: str) -> None:
    args, expected, present = NEW_PROJECTS[app]
    image = built(app)
    out = run(image.tag, *args).strip()
    assert re.fullmatch(expected, out), out
    extra = NODE_TOOLS if app.startswith("pynode-") else ()
    allow = jvm_allowance(image) if app.startswith("java-") else frozenset()
    files = assert_clean(image, extra, allow)
    missing = [f for f in present if f not in files]
    assert not missing, missing


def test_go_every_command_is_installed(built: Callable[[str], Built]) -> None:
    """cmd/fleetctl runs by default (CMD); cmd/fleetd is in the image and runs too."""
    image = built("go-multi-cmd")
    assert run(image.tag, "/usr/local/bin/fleetd").strip() == "fleetd ok fleet 0.3.1 uid=65532"
    assert sorted(f for f in image.files if f.startswith("/usr/local/bin/")) == [
        "/usr/local/bin/fleetctl",
        "/usr/local/bin/fleetd",
    ]


def test_go_cgo_binary_links_glibc_found_by_the_reader(built: Callable[[str], Built]) -> None:
    """The cgo binary is dynamic: the ELF check resolved its libc inside the slim runtime."""
    image = built("go-cgo")
    assert any(f.endswith("/libc.so.6") for f in image.files)
    # the runtime apt step (ca-certificates, tzdata) leaves no package caches behind
    assert not [f for f in image.files if f.startswith("/var/cache/apt/") and f.endswith(".bin")]
    assert image.report["config"]["user"] == "65532:65532"


def test_rust_stubs_do_not_reach_the_build(built: Callable[[str], Built]) -> None:
    """Only the real binary target is built and installed; no stub main survives."""
    image = built("rust-binlib")
    assert sorted(f for f in image.files if f.startswith("/usr/local/bin/")) == [
        "/usr/local/bin/textkit-cli"
    ]


def test_rust_stub_targets_do_not_reach_the_image(built: Callable[[str], Built]) -> None:
    """The bench, test and example of rust-targets were stubs for the fetch: only meter ships."""
    image = built("rust-targets")
    assert sorted(f for f in image.files if f.startswith("/usr/local/bin/")) == [
        "/usr/local/bin/meter"
    ]
    assert image.report["config"]["user"] == "10001:10001"


def test_rust_on_distroless_cc(built: Callable[[str], Built], tmp_path: Path) -> None:
    """``--runtime-base gcr.io/distroless/cc-debian12``: glibc + libgcc from the base, no shell."""
    built("rust-hello")  # warms the builder layers and the cargo caches
    tag = "localhost/stagesmith-test/app-rust-hello-cc:latest"
    image = build_app(
        APPS / "rust-hello", tag, tmp_path, "--runtime-base", "gcr.io/distroless/cc-debian12"
    )
    try:
        assert run(tag).strip() == "rust-hello ok uid=65532"
        files = assert_clean(image)
        assert "/usr/local/bin/rust-hello" in files
        assert any(f.endswith("/libc.so.6") for f in files)
        assert any(f.endswith("/libgcc_s.so.1") for f in files)
        assert not any(f.endswith(("/bin/sh", "/bin/bash", "/bin/dash")) for f in files)
        assert image.report["config"]["user"] == "65532:65532"
    finally:
        podman("rmi", "-f", tag, check=False)
