"""Plans and rendered Dockerfiles: decisions with reasons, layer order, caches, non-root."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from stagesmith.config import ImageMap
from stagesmith.errors import StagesmithError
from stagesmith.plan.combined import EcoOptions, EcoPlan, plan_project
from stagesmith.render import render
from tests.conftest import FIXTURES

APPS = FIXTURES / "apps"
ALL = ["go-hello", "rust-hello", "java-hello", "node-api", "node-static", "pynode-app"]


def dockerfile(app: str | Path, **options: object) -> tuple[EcoPlan, str]:
    root = app if isinstance(app, Path) else APPS / app
    plan = plan_project(root, ImageMap(), EcoOptions.model_validate(options))
    text, _ = render(plan)
    return plan, text


def runtime_section(text: str) -> str:
    return text[text.rindex("\nFROM ") :]


@pytest.mark.parametrize("app", ALL)
def test_every_plan_round_trips_and_explains_itself(app: str) -> None:
    plan, _ = dockerfile(app)
    again = EcoPlan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert plan.decisions and all(d.reason for d in plan.decisions)
    assert any(d.key == "runtime" for d in plan.decisions)


@pytest.mark.parametrize("app", ALL)
def test_every_dockerfile_is_multistage_nonroot_with_absolute_cache_mounts(app: str) -> None:
    _, text = dockerfile(app)
    assert text.count("\nFROM ") >= 2
    targets = re.findall(r"--mount=type=cache,target=(\S+)", text)
    assert targets and all(t.startswith("/") for t in targets)
    users = re.findall(r"^USER (\S+)$", runtime_section(text), re.M)
    assert users and users[-1] not in ("root", "0", "0:0")
    assert 'LABEL org.opencontainers.image.title="' in text


@pytest.mark.parametrize("app", ALL)
def test_dependency_manifests_are_copied_before_the_sources(app: str) -> None:
    _, text = dockerfile(app)
    install = re.search(r"(go mod download|cargo fetch|dependency:resolve|npm ci)", text)
    assert install is not None
    sources = re.search(r"^COPY (\. |[a-z]+/ \./$)", text, re.M)
    assert sources is not None and install.start() < sources.start()


def test_official_images_by_default_and_image_map_applies() -> None:
    _plan, text = dockerfile("go-hello")
    assert "FROM --platform=$BUILDPLATFORM golang:1.19 AS deps" in text
    assert "FROM gcr.io/distroless/static-debian12:nonroot AS runtime" in text
    mapped = plan_project(APPS / "go-hello", ImageMap({"golang": "mirror.local/golang"}))
    assert mapped.base("builder") == "mirror.local/golang:1.19"


def test_go_static_cross_build() -> None:
    _, text = dockerfile("go-hello")
    assert "ARG TARGETOS" in text and "ARG TARGETARCH" in text
    assert "    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build" in text
    assert "USER 65532:65532" in text
    assert "zoneinfo" not in text  # distroless static already has tzdata and CA certs


def test_go_on_scratch_copies_ca_and_tzdata() -> None:
    plan, text = dockerfile("go-hello", scratch=True)
    runtime = runtime_section(text)
    assert runtime.startswith("\nFROM scratch AS runtime")
    assert "ca-certificates.crt" in runtime and "/usr/share/zoneinfo" in runtime
    assert {d.key for d in plan.decisions} >= {"ca-certificates", "tzdata"}


def test_go_cgo_gets_glibc_runtime_and_no_cross(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module x/cgoapp\n\ngo 1.21\n")
    (tmp_path / "main.go").write_text('package main\n\nimport "C"\n\nfunc main() {}\n')
    _, text = dockerfile(tmp_path)
    assert "$BUILDPLATFORM" not in text and "CGO_ENABLED=1" in text
    assert "FROM debian:bookworm-slim AS runtime" in text
    assert "useradd" in runtime_section(text)


def test_rust_native_crates_get_runtime_libraries(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "tls"\nversion = "0.1.0"\n')
    _main_rs(tmp_path)
    (tmp_path / "Cargo.lock").write_text('[[package]]\nname = "openssl-sys"\nversion = "0.9.0"\n')
    plan, text = dockerfile(tmp_path)
    assert "libssl-dev" in text.split("AS build")[0]
    assert "libssl3" in runtime_section(text) and "ca-certificates" in runtime_section(text)
    assert any(d.key == "runtime libraries" for d in plan.decisions)


def test_rust_release_binary_on_slim() -> None:
    _, text = dockerfile("rust-hello")
    assert (
        "    CARGO_PROFILE_RELEASE_STRIP=symbols cargo build --release --offline --locked" in text
    )
    assert "--mount=type=cache,target=/src/target" in text
    assert "FROM debian:bookworm-slim AS runtime" in text


def test_java_jre_runtime_and_spring_boot_layers(tmp_path: Path) -> None:
    _, text = dockerfile("java-hello")
    assert "FROM maven:3-eclipse-temurin-17 AS deps" in text
    assert "FROM eclipse-temurin:17-jre AS runtime" in text
    (tmp_path / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><artifactId>boot</artifactId>'
        "<parent><artifactId>spring-boot-starter-parent</artifactId></parent>"
        "<properties><java.version>21</java.version></properties></project>"
    )
    _plan, text = dockerfile(tmp_path)
    assert "eclipse-temurin:21-jre" in text
    assert "jarmode=layertools" in text
    runtime = runtime_section(text)
    layers = ["dependencies", "spring-boot-loader", "snapshot-dependencies", "application"]
    positions = [runtime.index(f"/out/layers/{name}/") for name in layers]
    assert positions == sorted(positions)


def test_gradle_builder(tmp_path: Path) -> None:
    (tmp_path / "build.gradle").write_text("plugins { id 'java' }\n")
    (tmp_path / "settings.gradle").write_text("rootProject.name = 'g'\n")
    _, text = dockerfile(tmp_path)
    assert "FROM gradle:8-jdk17 AS deps" in text
    assert "COPY build.gradle settings.gradle ./" in text
    assert "--mount=type=cache,target=/root/.gradle" in text


def test_node_server_production_deps_only_and_test_gate() -> None:
    _plan, text = dockerfile("node-api")
    assert "npm ci --omit=dev" in text
    runtime = runtime_section(text)
    assert "COPY --from=prod-deps /app/node_modules ./node_modules" in runtime
    assert "COPY --from=test /tmp/tests-passed" in runtime
    assert 'CMD ["node", "server.js"]' in runtime and "USER 1000:1000" in runtime
    _, untested = dockerfile("node-api", with_tests=False)
    assert "AS test" not in untested


@pytest.mark.parametrize(
    ("lockfile", "install", "prod"),
    [
        (
            "yarn.lock",
            "yarn install --frozen-lockfile",
            "yarn install --frozen-lockfile --production",
        ),
        (
            "pnpm-lock.yaml",
            "pnpm install --frozen-lockfile",
            "pnpm install --frozen-lockfile --prod",
        ),
    ],
)
def test_node_yarn_and_pnpm(tmp_path: Path, lockfile: str, install: str, prod: str) -> None:
    doc = {"name": "s", "scripts": {"start": "node index.js"}}
    (tmp_path / "package.json").write_text(json.dumps(doc))
    (tmp_path / lockfile).write_text("")
    _, text = dockerfile(tmp_path)
    assert f"COPY package.json {lockfile} ./" in text
    assert install in text and prod in text


def test_node_static_served_by_small_web_server() -> None:
    _, text = dockerfile("node-static")
    runtime = runtime_section(text)
    assert runtime.startswith("\nFROM busybox:stable AS runtime")
    assert "COPY --from=build /app/dist/ /srv/www/" in runtime
    assert "node" not in runtime.replace("node-static", "")


def test_pynode_asset_builder_and_test_stage() -> None:
    plan, text = dockerfile("pynode-app")
    names = [s.name for s in plan.stages]
    assert names[0] == "assets" and names[-1] == "production" and "test" in names
    runtime = runtime_section(text)
    assert runtime.startswith("\nFROM python:3.11-slim AS production")
    assert "COPY --from=assets /src/frontend/dist /app/frontend/dist" in runtime
    assert "COPY --from=test /tmp/tests-passed" in runtime
    assert "frontend/node_modules" in plan.dockerignore


def test_shared_options_healthcheck_labels_user_runtime_base() -> None:
    _plan, text = dockerfile(
        "rust-hello",
        healthcheck="/usr/local/bin/rust-hello",
        labels={"org.opencontainers.image.source": "https://example.com/r"},
        runtime_base="gcr.io/distroless/cc-debian12",
    )
    # distroless has no shell: the healthcheck is exec form
    assert 'HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/usr/local/bin/rust-hello"]' in text
    assert 'LABEL org.opencontainers.image.source="https://example.com/r"' in text
    assert "FROM gcr.io/distroless/cc-debian12 AS runtime" in text
    assert "useradd" not in runtime_section(text) and "USER 65532:65532" in text


def test_dockerignore_has_common_and_ecosystem_entries() -> None:
    plan = plan_project(APPS / "rust-hello")
    _, ignore = render(plan)
    assert ".git" in ignore.splitlines() and "target/" in ignore.splitlines()


def test_user_template_overrides_and_includes_fragments(tmp_path: Path) -> None:
    (tmp_path / "go.Dockerfile.j2").write_text(
        '{% import "combined_fragments.j2" as f %}{{ f.header(plan) }}\n'
        'FROM {{ plan.base("runtime") }}\n'
    )
    plan = plan_project(APPS / "go-hello")
    text, _ = render(plan, tmp_path)
    assert text.startswith("# syntax=docker/dockerfile:1")
    assert text.rstrip().endswith("FROM gcr.io/distroless/static-debian12:nonroot")


def test_broken_template_is_one_clean_error(tmp_path: Path) -> None:
    (tmp_path / "go.Dockerfile.j2").write_text("{{ plan.nope.deeper }}")
    # the message names the template by its path, and says what went wrong in it
    with pytest.raises(StagesmithError, match=r"template \S*/go\.Dockerfile\.j2: .*nope"):
        render(plan_project(APPS / "go-hello"), tmp_path)


def test_unknown_project_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StagesmithError, match=r"no go\.mod"):
        plan_project(tmp_path)
    with pytest.raises(StagesmithError, match="not a directory"):
        plan_project(tmp_path / "missing")


@pytest.mark.parametrize(
    ("version", "launcher"),
    [
        ("3.3.1", "org.springframework.boot.loader.launch.JarLauncher"),
        ("2.7.18", "org.springframework.boot.loader.JarLauncher"),
    ],
)
def test_spring_boot_launcher_follows_the_parent_version(
    tmp_path: Path, version: str, launcher: str
) -> None:
    (tmp_path / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><artifactId>boot</artifactId>'
        f"<parent><artifactId>spring-boot-starter-parent</artifactId><version>{version}</version>"
        "</parent></project>"
    )
    _, text = dockerfile(tmp_path)
    assert f'ENTRYPOINT ["java", "{launcher}"]' in text


def test_go_several_mains_warns(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module x/multi\n\ngo 1.21\n")
    for name in ("api", "worker"):
        (tmp_path / "cmd" / name).mkdir(parents=True)
        (tmp_path / "cmd" / name / "main.go").write_text("package main\n\nfunc main() {}\n")
    plan, text = dockerfile(tmp_path)
    # Every command is built and installed; none is named like the module, so the first runs.
    assert 'go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/api ./cmd/worker\n' in text
    assert "COPY --from=build /out/ /usr/local/bin/\n" in text
    assert text.endswith('CMD ["/usr/local/bin/api"]\n') and "ENTRYPOINT" not in text
    assert plan.warnings == ["several main packages: api runs by default; worker also installed"]
    assert 'org.opencontainers.image.title="multi"' in text


def test_go_command_named_like_the_module_runs_by_default(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/acme/fleetd\n\ngo 1.21\n")
    for name in ("admin", "fleetd"):
        (tmp_path / "cmd" / name).mkdir(parents=True)
        (tmp_path / "cmd" / name / "main.go").write_text("package main\n\nfunc main() {}\n")
    plan, text = dockerfile(tmp_path)
    assert text.endswith('CMD ["/usr/local/bin/fleetd"]\n')
    decision = next(d for d in plan.decisions if d.key == "main package")
    assert decision.value == "./cmd/fleetd (fleetd)"
    assert decision.reason == "the command named like the module"


def test_go_library_without_main_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/lib\n\ngo 1.21\n")
    (tmp_path / "lib.go").write_text("package lib\n\nfunc F() {}\n")
    with pytest.raises(StagesmithError, match=r"no 'package main' in any \.go file"):
        plan_project(tmp_path)


def test_yarn_berry_and_npmrc(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "b", "main": "i.js"}))
    (tmp_path / "yarn.lock").write_text("__metadata:\n  version: 8\n")
    (tmp_path / ".yarnrc.yml").write_text("nodeLinker: node-modules\n")
    plan, text = dockerfile(tmp_path)
    assert "COPY package.json yarn.lock .yarnrc.yml ./" in text
    assert "yarn install --immutable" in text and "--frozen-lockfile" not in text
    assert "yarn workspaces focus --all --production" in text
    assert any(d.key == "yarn" for d in plan.decisions)


def test_go_vendored_builds_without_download(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module x/v\n\ngo 1.21\n")
    (tmp_path / "go.sum").write_text("")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "modules.txt").write_text("# none\n")
    _, text = dockerfile(tmp_path)
    assert "go mod download" not in text
    assert "COPY go.mod go.sum ./\nCOPY vendor/ ./vendor/" in text
    assert "go build -mod=vendor" in text


def test_node_without_lockfile_warns_and_installs(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "n", "main": "i.js"}))
    plan, text = dockerfile(tmp_path)
    assert "    npm install\n" in text and "npm install --omit=dev" in text
    assert plan.warnings == ["no lock file: the install is not reproducible"]
    assert 'CMD ["node", "i.js"]' in text


def test_describe_lists_detection_stages_and_reasons() -> None:
    from stagesmith.plan.combined import describe

    plan = plan_project(APPS / "pynode-app")
    text = describe(plan)
    assert text.startswith(
        "ecosystem: python+node (detected from requirements.txt, frontend/package.json)\n"
    )
    for stage in plan.stages:
        assert f"FROM {stage.base}" in text
    for decision in plan.decisions:
        assert f"because {decision.reason}" in text


def test_rust_keeps_a_configured_release_profile(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "p"\nversion = "0.1.0"\n\n[profile.release]\ndebug = true\n'
    )
    _main_rs(tmp_path)
    _, text = dockerfile(tmp_path)
    assert "CARGO_PROFILE_RELEASE_STRIP" not in text


def _main_rs(root: Path) -> None:
    (root / "src").mkdir()
    (root / "src" / "main.rs").write_text("fn main() {}\n")
