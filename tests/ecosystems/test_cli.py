"""`stagesmith plan` / `stagesmith generate` through the CLI, as a new user runs them.

Every fixture project (the first six and the ones written to try the tool on unseen layouts)
gives a Dockerfile BuildKit's parser accepts and a plan that names what was detected, from
which file, and why each decision was taken; projects it cannot build are one exit-2 line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import dockerfile
from tests.conftest import FIXTURES
from tests.ecosystems.engine import IMAGE_MAP, stagesmith

APPS = FIXTURES / "apps"
PREFIXES = ("go-", "rust-", "java-", "node-", "pynode-")
PROJECTS = sorted(
    p.name for p in APPS.iterdir() if p.name.startswith(PREFIXES) and p.name != "node-frontend-only"
)
EXPECTED = {
    "go-hello": "go",
    "go-multi-cmd": "go",
    "go-cgo": "go",
    "rust-hello": "rust",
    "rust-workspace": "rust",
    "rust-binlib": "rust",
    "rust-targets": "rust",
    "java-hello": "java",
    "java-multimodule": "java",
    "java-gradle": "java",
    "java-gradle-multi": "java",
    "node-api": "node",
    "node-static": "node",
    "node-yarn": "node",
    "node-pnpm": "node",
    "node-nolock": "node",
    "pynode-app": "python+node",
    "pynode-web": "python+node",
    "pynode-client": "python+node",
}


def test_every_fixture_has_an_expected_ecosystem() -> None:
    assert set(PROJECTS) == set(EXPECTED)


@pytest.mark.parametrize("app", PROJECTS)
def test_plan_json_and_text_name_sources_stages_and_reasons(app: str) -> None:
    proc = stagesmith("plan", str(APPS / app), "--json", "--config", str(IMAGE_MAP))
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["ecosystem"] == EXPECTED[app]
    for source in plan["detected_from"]:
        assert (APPS / app / source).is_file(), source
    assert plan["decisions"] and all(d["reason"] for d in plan["decisions"])
    assert [s["role"] for s in plan["stages"]][-1] == "runtime"
    assert plan["user"] not in ("", "root", "0")
    # Warnings go to stderr, one `warning:` line each, and are in the JSON too.
    assert [line for line in proc.stderr.splitlines() if line] == [
        f"warning: {w}" for w in plan["warnings"]
    ]

    text_proc = stagesmith("plan", str(APPS / app), "--config", str(IMAGE_MAP))
    assert text_proc.returncode == 0, text_proc.stderr
    text = text_proc.stdout
    assert text.startswith(
        f"ecosystem: {plan['ecosystem']} (detected from {', '.join(plan['detected_from'])})\n"
    )
    for stage in plan["stages"]:
        assert f"  {stage['name']:<10} {stage['role']:<14} FROM {stage['base']}\n" in text
    for d in plan["decisions"]:
        assert f"  {d['key']}: {d['value']}\n      because {d['reason']}\n" in text


@pytest.mark.parametrize("app", PROJECTS)
def test_generate_writes_a_dockerfile_buildkit_parses(app: str, tmp_path: Path) -> None:
    # a copy: .dockerignore is written at the root of the build context, the project itself
    project = shutil.copytree(APPS / app, tmp_path / app)
    out = tmp_path / "Dockerfile"
    proc = stagesmith("generate", str(project), "--config", str(IMAGE_MAP), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    commands = dockerfile.parse_string(text)
    froms = [c for c in commands if c.cmd.upper() == "FROM"]
    assert len(froms) >= 3, "multi-stage"
    assert froms[-1].value[-1] in ("runtime", "production")
    assert any(c.cmd.upper() == "USER" for c in commands)
    assert (project / ".dockerignore").read_text().startswith(".git\n")
    assert not (tmp_path / ".dockerignore").exists()
    # A second run refuses to overwrite without --force, and leaves the file untouched.
    again = stagesmith("generate", str(project), "--output", str(out))
    assert again.returncode == 2 and again.stdout == ""
    errors = [line for line in again.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(errors) == 1 and errors[0].endswith("already exists; use --force to overwrite it")
    assert out.read_text() == text


POM_WITH_MISSING_MODULE = (
    '<project xmlns="http://maven.apache.org/POM/4.0.0"><modules>'
    "<module>gone</module></modules></project>"
)


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("stagesmith: error: "), proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    return lines[0]


@pytest.mark.parametrize("command", ["plan", "generate"])
def test_empty_dir_and_readme_only_are_one_clear_error(command: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    line = _one_error_line(stagesmith(command, str(empty)))
    assert "no go.mod, Cargo.toml, pom.xml, build.gradle, package.json" in line
    assert "environment.yml" in line  # a conda project is found by its env file too
    readme = tmp_path / "readme"
    readme.mkdir()
    (readme / "README.md").write_text("# just words\n")
    assert "environment.yml/.yaml found" in _one_error_line(stagesmith(command, str(readme)))


def test_frontend_only_repository_points_at_the_directory(tmp_path: Path) -> None:
    line = _one_error_line(stagesmith("generate", str(APPS / "node-frontend-only")))
    assert line.endswith("found frontend/package.json: give that directory as PATH")
    proc = stagesmith("plan", str(APPS / "node-frontend-only" / "frontend"), "--json")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["params"]["static"] is True
    assert plan["stages"][-1]["base"] == "busybox:stable"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"go.mod": "go 1.22\n"}, "no 'module' line"),
        ({"go.mod": "module example.com/lib\n", "lib.go": "package lib\n"}, "no 'package main'"),
        ({"Cargo.toml": "[package\n"}, "malformed TOML"),
        ({"Cargo.toml": '[package]\nname = "l"\n', "src/lib.rs": ""}, "no binary target"),
        ({"Cargo.toml": '[workspace]\nmembers = ["nope/*"]\n'}, "no binary target"),
        ({"pom.xml": "<project"}, "cannot parse"),
        ({"pom.xml": POM_WITH_MISSING_MODULE}, "module 'gone' has no gone/pom.xml"),
        ({"package.json": "{"}, "malformed JSON"),
        ({"package.json": "[]"}, "must be a JSON object"),
    ],
)
def test_malformed_projects_are_one_line(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    for command in ("plan", "generate"):
        assert message in _one_error_line(stagesmith(command, str(tmp_path)))


def test_copied_fixture_plans_the_same_outside_the_repository(tmp_path: Path) -> None:
    """Detection reads only the project directory (no path or repository assumptions)."""
    app = tmp_path / "checkout"
    shutil.copytree(APPS / "rust-workspace", app)
    here = json.loads(stagesmith("plan", str(APPS / "rust-workspace"), "--json").stdout)
    there = json.loads(stagesmith("plan", "checkout", "--json", cwd=tmp_path).stdout)
    assert there["decisions"] == here["decisions"]
