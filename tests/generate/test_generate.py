"""Golden, parse and hadolint tests for generated Python Dockerfiles, plus bad-input handling."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dockerfile
from stagesmith.config import load_config
from stagesmith.generate import GenerateOptions, generate
from stagesmith.plan import BuildPlan
from tests.conftest import ENGINE_CONFIG, FIXTURES, ROOT

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
CASES = {
    "ml-app": {"file": ROOT / "examples/ml-app/environment.yaml"},
    "py-web": {"path": FIXTURES / "apps/py-web", "health_url": "http://127.0.0.1:8000/health"},
    "py-pyproject": {"path": FIXTURES / "apps/py-pyproject"},
    "full-env": {"file": HERE / "envs/full-env.yaml"},
    "tarball": {"file": HERE / "envs/tarball.yaml"},
    "export-explicit": {"file": HERE / "envs/export-explicit.yaml"},
    "py-uv": {"path": FIXTURES / "apps/py-uv"},
    "py-cext": {"path": FIXTURES / "apps/py-cext"},
    "py-poetry": {"path": FIXTURES / "apps/py-poetry"},
    "py-reqs-includes": {
        "path": FIXTURES / "apps/py-reqs", "requirements": Path("requirements/prod.txt"),
    },
    "py-web-distroless": {
        "path": FIXTURES / "apps/py-web", "runtime_base": "distroless",
        "health_url": "http://127.0.0.1:8000/health",
    },
    "py-web-ubuntu": {
        "path": FIXTURES / "apps/py-web", "runtime_base": "ubuntu",
        "health_cmd": "test -f /app/app.py || exit 1",
    },
    "py-uv-distroless": {"path": FIXTURES / "apps/py-uv", "runtime_base": "distroless"},
    "py-uv-ubuntu": {"path": FIXTURES / "apps/py-uv", "runtime_base": "ubuntu"},
    "export-explicit-distroless": {
        "file": HERE / "envs/export-explicit.yaml", "runtime_base": "distroless",
        "health_cmd": "python -c pass",
    },
}  # fmt: skip


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_parse_and_lint(case: str) -> None:
    result = generate(GenerateOptions(**CASES[case]))
    text = result.dockerfile.replace(str(ROOT), "<ROOT>")
    golden = GOLDEN / f"{case}.Dockerfile"
    if os.environ.get("STAGESMITH_UPDATE_GOLDEN") == "1":
        golden.write_text(text)
    assert text == golden.read_text()
    parsed = dockerfile.parse_string(result.dockerfile)
    assert parsed[0].cmd.lower() == "from"
    if shutil.which("hadolint"):
        proc = subprocess.run(
            ["hadolint", "--format", "json", "-"],
            input=result.dockerfile,
            capture_output=True,
            text=True,
        )
        findings = json.loads(proc.stdout or "[]")
        assert [f for f in findings if f["level"] == "error"] == []


def lint_errors(text: str) -> list[dict[str, object]]:
    """hadolint's error-level findings (the oracle the goldens are held to)."""
    if not shutil.which("hadolint"):
        return []
    proc = subprocess.run(
        ["hadolint", "--format", "json", "-"], input=text, capture_output=True, text=True
    )
    return [f for f in json.loads(proc.stdout or "[]") if f["level"] == "error"]


def test_seed_example_keeps_compilers_out_of_runtime() -> None:
    result = generate(GenerateOptions(file=ROOT / "examples/ml-app/environment.yaml"))
    runtime = result.dockerfile.split("AS production", 1)[1]
    assert "gcc" not in result.dockerfile and "make" not in runtime
    assert "libgomp1" in runtime
    assert "USER 10001:10001" in runtime
    assert any(d.key == "build-only" and "gcc_linux-64" in d.value for d in result.plan.decisions)


def test_plan_json_round_trip() -> None:
    result = generate(GenerateOptions(**CASES["py-web"]))
    again = BuildPlan.model_validate_json(result.plan.model_dump_json())
    assert again == result.plan
    proc = _run("plan", str(FIXTURES / "apps/py-web"), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["ecosystem"] == "python"


def test_image_map_renames_every_base() -> None:
    cfg = load_config(ENGINE_CONFIG, None)
    result = generate(GenerateOptions(path=FIXTURES / "apps/py-web", config=cfg))
    froms = [s.base for s in result.plan.stages if s.role in ("builder", "runtime")]
    assert all(b.startswith("localhost/") for b in froms), froms


def test_dependencies_installed_before_source() -> None:
    text = generate(GenerateOptions(**CASES["py-web"])).dockerfile
    assert text.index("pip install -r requirements.txt") < text.index("COPY . .")


def test_output_written_and_not_overwritten(tmp_path: Path) -> None:
    project = tmp_path / "ml-app"
    shutil.copytree(ROOT / "examples/ml-app", project)
    env = str(project / "environment.yaml")
    out = tmp_path / "out" / "Dockerfile"
    out.parent.mkdir()
    proc = _run("generate", "--file", env, "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("# syntax=docker/dockerfile:1")
    # the .dockerignore belongs to the build context, not next to the Dockerfile
    assert (project / ".dockerignore").is_file()
    assert not (out.parent / ".dockerignore").exists()
    out.write_text("mine")
    proc = _run("generate", "--file", env, "--output", str(out))
    assert proc.returncode == 2 and out.read_text() == "mine"
    assert "already exists" in proc.stderr and "Traceback" not in proc.stderr


BAD = {
    "malformed.yaml": "name: x\ndependencies: [a\n",
    "mode.yaml": "name: x\ndependencies: [numpy]\ndeploy: {mode: bogus}\n",
    "spaces.yaml": "name: my env\ndependencies: [numpy]\n",
    "empty.yaml": "name: x\ndependencies: []\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_env_files(tmp_path: Path, name: str) -> None:
    env = tmp_path / name
    env.write_text(BAD[name])
    out = tmp_path / "Dockerfile"
    proc = _run("generate", "--file", str(env), "--output", str(out))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "error" in proc.stderr
    assert not out.exists()


def test_bad_flags(tmp_path: Path) -> None:
    env = CASES["ml-app"]["file"]
    cases = [
        ("generate", "--file", str(tmp_path / "missing.yaml")),
        ("generate", "--file", str(env), "--runtime-base", "bogus"),
        ("generate", "--file", str(env), "--health-cmd", "x", "--health-url", "http://a/"),
        ("generate", str(FIXTURES / "apps/py-web"), "--file", str(env)),
    ]
    for args in cases:
        proc = _run(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_unknown_key_warns(tmp_path: Path) -> None:
    env = tmp_path / "e.yaml"
    env.write_text("name: x\ndependencies: [numpy]\nsurprise: 1\n")
    proc = _run("generate", "--file", str(env))
    assert proc.returncode == 0 and "surprise" in proc.stderr and "FROM" in proc.stdout


def test_user_template_extends_builtin_blocks(tmp_path: Path) -> None:
    """A template named like the built-in one replaces it and can still extend it by block."""
    base = generate(GenerateOptions(path=FIXTURES / "apps/py-web")).dockerfile
    (tmp_path / "python.Dockerfile.j2").write_text(
        '{% extends "builtin/python.Dockerfile.j2" %}\n'
        "{% block production_setup %}\n"
        "RUN mkdir -p /var/lib/app && chown {{ plan.user }} /var/lib/app\n"
        "{% endblock %}\n"
        "{% block production_metadata %}{{ super() }}\n"
        'LABEL com.example.team="payments"\n'
        "{% endblock %}\n"
    )
    opts = GenerateOptions(
        path=FIXTURES / "apps/py-web", template=tmp_path / "python.Dockerfile.j2"
    )
    text = generate(opts).dockerfile
    added = [line for line in text.splitlines() if line not in base.splitlines()]
    assert added == [
        "RUN mkdir -p /var/lib/app && chown 10001:10001 /var/lib/app",
        'LABEL com.example.team="payments"',
    ]
    lines = text.splitlines()
    # the added step sits in the production stage, before the venv is copied in
    final = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    assert final < lines.index(added[0]) < lines.index("COPY --from=venv /opt/venv /opt/venv")
    dockerfile.parse_string(text)


def test_user_template_with_own_name_extends_builtin(tmp_path: Path) -> None:
    (tmp_path / "mine.j2").write_text(
        '{% extends "python.Dockerfile.j2" %}\n'
        "{% block header %}\n# syntax=registry.internal/df:1\n{% endblock %}\n"
    )
    opts = GenerateOptions(path=FIXTURES / "apps/py-web", template=tmp_path / "mine.j2")
    assert generate(opts).dockerfile.startswith("# syntax=registry.internal/df:1\n")


def test_self_extending_template_is_one_clean_error(tmp_path: Path) -> None:
    (tmp_path / "python.Dockerfile.j2").write_text('{% extends "python.Dockerfile.j2" %}')
    proc = _run("generate", str(FIXTURES / "apps/py-web"), "--template",
                str(tmp_path / "python.Dockerfile.j2"))  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "stagesmith: error: template python.Dockerfile.j2: it extends or includes itself"
        ' (use "builtin/python.Dockerfile.j2" for the built-in one)'
    ]


@pytest.mark.parametrize("case", sorted(CASES))
def test_plan_stages_are_the_rendered_stages(case: str) -> None:
    """`stagesmith plan` lists exactly the stages the Dockerfile has, in order."""
    result = generate(GenerateOptions(**CASES[case]))
    froms = [c for c in dockerfile.parse_string(result.dockerfile) if c.cmd.upper() == "FROM"]
    assert [f.value[-1] for f in froms] == [s.name for s in result.plan.stages]


def test_goldens_have_no_finding_of_our_own_linter(tmp_path: Path) -> None:
    """What stagesmith writes, stagesmith's linter accepts at every severity (a rule that
    misreads our own output, e.g. the project-only install after ``COPY . .``, shows here)."""
    proc = subprocess.run(
        [sys.executable, "-m", "stagesmith", "lint", "-t", "style", "-f", "json", str(GOLDEN)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout
    assert len(list(GOLDEN.glob("*.Dockerfile"))) >= 10
