"""Detection: which ecosystem a directory is, and the facts read from its files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from stagesmith.errors import StagesmithError
from stagesmith.plan.combined import detect
from stagesmith.spec import go, java, node, rust
from tests.conftest import FIXTURES

APPS = FIXTURES / "apps"


@pytest.mark.parametrize(
    ("app", "kind"),
    [
        ("go-hello", "go"),
        ("rust-hello", "rust"),
        ("java-hello", "java"),
        ("node-api", "node"),
        ("node-static", "node"),
        ("pynode-app", "pynode"),
    ],
)
def test_fixture_apps_are_detected(app: str, kind: str) -> None:
    assert detect(APPS / app) == kind


def test_nothing_detected_in_an_empty_dir(tmp_path: Path) -> None:
    assert detect(tmp_path) is None


def test_python_without_frontend_is_not_ours(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask\n")
    assert detect(tmp_path) is None
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "package.json").write_text("{}")
    assert detect(tmp_path) == "pynode"


def test_go_facts_from_fixture() -> None:
    spec = go.read(APPS / "go-hello")
    assert spec.module == "example.com/go-hello"
    assert spec.go_version == "1.19"
    assert spec.binary == "go-hello"
    assert spec.main_package == "."
    assert not spec.cgo and not spec.vendored
    assert spec.uses_tls and spec.uses_tzdata


def test_go_cgo_vendor_and_cmd_dir(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module github.com/acme/tool\n\ngo 1.22.3\n")
    (tmp_path / "cmd" / "tool").mkdir(parents=True)
    (tmp_path / "cmd" / "tool" / "main.go").write_text(
        'package main\n\n// #include <stdio.h>\nimport "C"\n\nfunc main() {}\n'
    )
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "modules.txt").write_text("# none\n")
    spec = go.read(tmp_path)
    assert spec.go_version == "1.22"
    assert spec.binary == "tool"
    assert spec.main_package == "./cmd/tool"
    assert spec.cgo and spec.vendored
    assert not spec.uses_tls


def test_go_mod_without_module_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("go 1.21\n")
    with pytest.raises(StagesmithError, match="no 'module' line"):
        go.read(tmp_path)


def test_rust_facts(tmp_path: Path) -> None:
    spec = rust.read(APPS / "rust-hello")
    assert (spec.package, spec.binary, spec.has_lock) == ("rust-hello", "rust-hello", True)
    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "svc"\nversion = "0.1.0"\n\n[[bin]]\nname = "svcd"\npath = "src/main.rs"\n'
    )
    spec = rust.read(tmp_path)
    assert spec.binary == "svcd" and not spec.has_lock


def test_rust_malformed_toml(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text("[package\n")
    with pytest.raises(StagesmithError, match="malformed TOML"):
        rust.read(tmp_path)


def test_java_maven_facts() -> None:
    spec = java.read(APPS / "java-hello")
    assert spec.tool == "maven" and spec.source == "pom.xml"
    assert spec.artifact == "java-hello" and spec.java_version == "17"
    assert spec.main_class == "dev.stagesmith.hello.Main"
    assert not spec.spring_boot


def test_java_gradle_kts_spring_boot(tmp_path: Path) -> None:
    (tmp_path / "build.gradle.kts").write_text(
        'plugins { id("org.springframework.boot") version "3.3.0" }\n'
        "java { toolchain { languageVersion = JavaLanguageVersion.of(21) } }\n"
    )
    (tmp_path / "gradlew").write_text("#!/bin/sh\n")
    spec = java.read(tmp_path)
    assert spec.tool == "gradle" and spec.source == "build.gradle.kts"
    assert spec.java_version == "21" and spec.spring_boot and spec.wrapper


def test_java_malformed_pom(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text("<project>")
    with pytest.raises(StagesmithError, match="cannot parse"):
        java.read(tmp_path)


@pytest.mark.parametrize(
    ("lockfile", "manager"),
    [("package-lock.json", "npm"), ("yarn.lock", "yarn"), ("pnpm-lock.yaml", "pnpm")],
)
def test_node_manager_from_lockfile(tmp_path: Path, lockfile: str, manager: str) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "x", "main": "index.js"}))
    (tmp_path / lockfile).write_text("")
    spec = node.read(tmp_path)
    assert spec.manager == manager and spec.lockfile == lockfile


def test_node_static_vs_server() -> None:
    api = node.read(APPS / "node-api")
    assert not api.static and api.has_dev_dependencies and api.scripts["start"]
    web = node.read(APPS / "node-static")
    assert web.static and web.output_dir == "dist"


def test_node_engines_and_react_output(tmp_path: Path) -> None:
    doc = {"name": "w", "engines": {"node": ">=18.17"}, "scripts": {"build": "react-scripts build"}}
    (tmp_path / "package.json").write_text(json.dumps(doc))
    spec = node.read(tmp_path)
    assert spec.node_major == "18" and spec.static and spec.output_dir == "build"


def test_node_malformed_package_json(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": ')
    with pytest.raises(StagesmithError, match="malformed JSON"):
        node.read(tmp_path)


def test_fixture_copy_detects_the_same(tmp_path: Path) -> None:
    shutil.copytree(APPS / "pynode-app", tmp_path / "p")
    assert detect(tmp_path / "p") == "pynode"


def test_gradle_spring_boot_version(tmp_path: Path) -> None:
    (tmp_path / "build.gradle").write_text(
        "plugins {\n  id 'org.springframework.boot' version '3.1.5'\n}\n"
        "application { mainClass = 'com.acme.App' }\n"
    )
    spec = java.read(tmp_path)
    assert spec.spring_boot_version == "3.1.5" and spec.main_class == "com.acme.App"


def test_node_output_vite_public_is_input_not_output(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"build": "vite build"}}))
    (tmp_path / "public").mkdir()
    spec = node.read(tmp_path)
    assert spec.output_dir == "dist" and "Vite" in spec.output_source and not spec.warnings
    (tmp_path / "vite.config.mts").write_text('export default { build: { outDir: "site" } }\n')
    assert node.read(tmp_path).output_dir == "site"


def test_node_engines_source_is_kept(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"engines": {"node": "^22.2"}}))
    spec = node.read(tmp_path)
    assert spec.node_major == "22" and spec.node_source == 'engines.node "^22.2"'


@pytest.mark.parametrize(
    ("doc", "kind"),
    [
        ({"devDependencies": {"prettier": "3"}, "scripts": {"lint": "prettier -c ."}}, None),
        ({"scripts": {"build": "tsc"}}, "node"),
        ({"main": "index.js"}, "node"),
    ],
)
def test_python_with_root_package_json(tmp_path: Path, doc: dict[str, object], kind: str) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n')
    (tmp_path / "package.json").write_text(json.dumps(doc))
    assert detect(tmp_path) == kind
