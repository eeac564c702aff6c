"""What `stagesmith generate` writes cannot be bent by its inputs: image references, pip
options, templates, ENV PATH, empty flags and output targets (the QA pass of the new-user
review). Every case runs the real CLI on files in tmp_path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dockerfile


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", "generate", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def _refused(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit 2, one ``stagesmith: error:`` line naming every needle, nothing on stdout."""
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stagesmith: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0]
    assert proc.stdout == ""


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _lint_errors(text: str) -> list[object]:
    if not shutil.which("hadolint"):
        return []
    proc = subprocess.run(
        ["hadolint", "--format", "json", "-"], input=text, capture_output=True, text=True
    )
    return [f for f in json.loads(proc.stdout or "[]") if f["level"] == "error"]


def _req_project(tmp_path: Path) -> Path:
    (tmp_path / "req").mkdir()
    (tmp_path / "req" / "requirements.txt").write_text("flask==3.0.3\n")
    return tmp_path


def _env(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "environment.yaml"
    path.write_text(body)
    return path


ENV_HEAD = "name: app\ndependencies:\n  - python=3.11\n  - numpy=1.26\n"


# 1. image references


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--runtime-base", "python:3.11-slim AS x"),
        ("--runtime-base", "python:3.11-slim\nRUN id"),
        ("--builder-base", "Python:3.11"),
        ("--builder-base", "python:3.11:extra"),
    ],
)
def test_bad_image_flag_is_refused(tmp_path: Path, flag: str, value: str) -> None:
    root = _req_project(tmp_path)
    before = _files(root)
    proc = _run("req/requirements.txt", flag, value, "-o", "Dockerfile", cwd=root)
    _refused(proc, flag)
    assert _files(root) == before


@pytest.mark.parametrize("key", ["runtime_base", "builder_base"])
def test_bad_env_file_base_is_refused(tmp_path: Path, key: str) -> None:
    env = _env(tmp_path, ENV_HEAD + f'{key}: "python:3.11-slim\\nRUN id"\n')
    _refused(_run(str(env), cwd=tmp_path), f"environment.yaml: {key}")


def test_bad_image_map_value_is_refused(tmp_path: Path) -> None:
    root = _req_project(tmp_path)
    (root / "map.yaml").write_text('images:\n  python: "mirror.example/python AS y"\n')
    proc = _run("req/requirements.txt", "--config", "map.yaml", cwd=root)
    _refused(proc, "map.yaml: images: python")


def test_image_map_that_composes_a_bad_reference_is_refused(tmp_path: Path) -> None:
    """A repository key keeps the tag: a value with its own tag makes ``a:1:3.11-slim``."""
    root = _req_project(tmp_path)
    (root / "map.yaml").write_text('images:\n  python: "mirror.example/python:1"\n')
    proc = _run("req/requirements.txt", "--config", "map.yaml", cwd=root)
    _refused(proc, "base image", "map.yaml")


def test_bad_runtime_base_for_another_ecosystem_is_refused(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/x\n\ngo 1.22\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    _refused(_run(".", "--runtime-base", "alpine:3 AS y", cwd=tmp_path), "--runtime-base")


@pytest.mark.parametrize(
    "base",
    [
        "slim",
        "distroless",
        "ubuntu",
        "registry.example:5000/team/python:3.11-slim",
        "python@sha256:" + "ab" * 32,
        "localhost/python:3.11-slim",
    ],
)
def test_valid_references_and_presets_still_work(tmp_path: Path, base: str) -> None:
    root = _req_project(tmp_path)
    proc = _run("req/requirements.txt", "--runtime-base", base, cwd=root)
    assert proc.returncode == 0, proc.stderr
    dockerfile.parse_string(proc.stdout)


# 5. empty flags, `-o -`, --json warnings


@pytest.mark.parametrize("flag", ["--health-url", "--health-cmd", "--builder-base", "--runtime-base"])
def test_empty_flag_is_an_error(tmp_path: Path, flag: str) -> None:
    root = _req_project(tmp_path)
    _refused(_run("req/requirements.txt", f"{flag}=", cwd=root), flag)


def test_dash_output_is_stdout(tmp_path: Path) -> None:
    root = _req_project(tmp_path)
    before = _files(root)
    proc = _run("req/requirements.txt", "-o", "-", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# syntax=")
    assert _files(root) == before  # no file named "-", no .dockerignore


def test_json_warnings_include_the_kept_dockerignore(tmp_path: Path) -> None:
    root = _req_project(tmp_path)
    (root / ".dockerignore").write_text("secret\n")
    proc = _run("req/requirements.txt", "-o", "Dockerfile", "--json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    warnings = json.loads(proc.stdout)["warnings"]
    assert any(".dockerignore exists and was kept" in w for w in warnings)
    assert proc.stderr.count("exists and was kept") == 1
    assert (root / ".dockerignore").read_text() == "secret\n"


# 2. pip options in the env file's pip: list

PIP_OPTIONS = """  - pip:
      - --extra-index-url https://download.pytorch.org/whl/cpu
      - -r requirements.txt
      - flask==3.0.3
"""


def _pip_line(text: str) -> str:
    return next(line for line in text.splitlines() if "pip install" in line)


@pytest.mark.parametrize("mode", ["full-env", "tarball", "export-explicit"])
def test_conda_modes_pass_pip_options_as_separate_words(tmp_path: Path, mode: str) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\n")
    (tmp_path / "conda-lock.txt").write_text("@EXPLICIT\n")
    body = ENV_HEAD + PIP_OPTIONS + "      - -e .\n" + f"deploy: {{mode: {mode}}}\n"
    env = _env(tmp_path, body)
    proc = _run(str(env.name), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    line = _pip_line(proc.stdout)
    assert line.endswith(
        " --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt"
        " flask==3.0.3 -e ."
    ), line
    # the files pip reads are in /app, the working directory, before that RUN
    before = proc.stdout.split(line)[0]
    assert "COPY . /app" in before and before.rindex("WORKDIR /app") > before.rindex("FROM ")
    dockerfile.parse_string(proc.stdout)
    assert _lint_errors(proc.stdout) == []


def test_conda_mode_pip_file_must_exist(tmp_path: Path) -> None:
    env = _env(tmp_path, ENV_HEAD + PIP_OPTIONS + "deploy: {mode: full-env}\n")
    _refused(_run(env.name, cwd=tmp_path), "environment.yaml", "requirements.txt not found")


def test_requirements_mode_follows_pip_requirement_file(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\n-r more.txt\n")
    (tmp_path / "more.txt").write_text("click==8.1.7\n")
    env = _env(tmp_path, ENV_HEAD + PIP_OPTIONS)
    proc = _run(env.name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    line = _pip_line(proc.stdout)
    for word in ("--extra-index-url https://download.pytorch.org/whl/cpu", "requests==2.32.3",
                 "click==8.1.7", "flask==3.0.3"):  # fmt: skip
        assert f" {word}" in line
    assert "needs project files" not in proc.stderr
    assert _lint_errors(proc.stdout) == []


def test_requirements_mode_missing_pip_requirement_file(tmp_path: Path) -> None:
    env = _env(tmp_path, ENV_HEAD + PIP_OPTIONS)
    _refused(_run(env.name, cwd=tmp_path), "requirements.txt not found")


# 3. --template

DOC_TEMPLATE = """{% extends "builtin/python.Dockerfile.j2" %}
{% block production_setup %}
RUN mkdir -p /var/lib/app && chown {{ plan.user }} /var/lib/app
{% endblock %}
{% block production_metadata %}{{ super() }}
LABEL com.example.team="payments"
{% endblock %}
"""


@pytest.mark.parametrize("mode", ["requirements", "full-env", "tarball", "export-explicit"])
def test_documented_blocks_apply_in_every_mode(tmp_path: Path, mode: str) -> None:
    (tmp_path / "conda-lock.txt").write_text("@EXPLICIT\n")
    env = _env(tmp_path, ENV_HEAD + f"deploy: {{mode: {mode}}}\n")
    (tmp_path / "t.j2").write_text(DOC_TEMPLATE)
    plain = _run(env.name, cwd=tmp_path)
    proc = _run(env.name, "--template", "t.j2", cwd=tmp_path)
    assert proc.returncode == 0 and plain.returncode == 0, proc.stderr
    assert proc.stdout != plain.stdout
    last_stage = proc.stdout.split("\nFROM ")[-1]
    setup = last_stage.index("RUN mkdir -p /var/lib/app")
    assert setup < last_stage.index("ENV PATH=")
    assert 'LABEL com.example.team="payments"' in last_stage
    assert "has no effect" not in proc.stderr
    dockerfile.parse_string(proc.stdout)
    assert _lint_errors(proc.stdout) == []


def test_tarball_input_takes_the_documented_blocks(tmp_path: Path) -> None:
    import io
    import tarfile

    with tarfile.open(tmp_path / "env.tar.gz", "w:gz") as tar:
        for name, data in (("conda-meta/python-3.11.9-h_0.json", b"{}"), ("bin/python", b"")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (tmp_path / "t.j2").write_text(DOC_TEMPLATE)
    proc = _run("--tarball", "env.tar.gz", "--template", "t.j2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "RUN mkdir -p /var/lib/app" in proc.stdout.split(" AS production")[1]
    assert 'LABEL com.example.team="payments"' in proc.stdout
    assert _lint_errors(proc.stdout) == []


def test_unknown_and_unused_blocks_warn(tmp_path: Path) -> None:
    env = _env(tmp_path, ENV_HEAD + "deploy: {mode: full-env}\n")
    (tmp_path / "t.j2").write_text(
        '{% extends "builtin/python.Dockerfile.j2" %}\n'
        "{% block nosuchblock %}\nRUN echo lost\n{% endblock %}\n"
        "{% block deps_setup %}\nRUN echo venv-only\n{% endblock %}\n"
    )
    proc = _run(env.name, "--template", "t.j2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert any("'nosuchblock' is not a block of" in w for w in warnings), proc.stderr
    assert any("'deps_setup' is not part of the python-conda full-env" in w for w in warnings)
    assert "echo" not in proc.stdout


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{{ 1/0 }}\n", "ZeroDivisionError"),
        (b"FROM \xff\xfe scratch\n", "not UTF-8"),
        (b"{{ plan.params['nope'] }}\n", "nope"),
    ],
)
def test_broken_template_is_one_error(tmp_path: Path, body: bytes, needle: str) -> None:
    root = _req_project(tmp_path)
    (root / "bad.j2").write_bytes(body)
    before = _files(root)
    proc = _run("req/requirements.txt", "--template", "bad.j2", "-o", "Dockerfile", cwd=root)
    _refused(proc, "bad.j2", needle)
    assert _files(root) == before


# 4. env: {PATH: ...} keeps the interpreter's bin directory first


def _final_env(text: str, key: str) -> str:
    """The value ``key`` has in the last stage, as BuildKit's parser reads the ENV lines."""
    value = ""
    for cmd in dockerfile.parse_string(text):
        if cmd.cmd.upper() == "FROM":
            value = ""
        elif cmd.cmd.upper() == "ENV":
            pairs = list(cmd.value)
            for name, val in zip(pairs[::2], pairs[1::2], strict=True):
                if name == key:
                    value = val.strip("\"")
    return value


@pytest.mark.parametrize(
    ("mode", "bin_dir"),
    [("requirements", "/opt/venv/bin"), ("full-env", "/opt/env/bin"),
     ("export-explicit", "/opt/env/bin")],
)  # fmt: skip
def test_env_path_keeps_the_interpreter_first(tmp_path: Path, mode: str, bin_dir: str) -> None:
    (tmp_path / "conda-lock.txt").write_text("@EXPLICIT\n")
    env = _env(tmp_path, ENV_HEAD + f"deploy: {{mode: {mode}}}\nenv: {{PATH: /custom/bin}}\n")
    proc = _run(env.name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _final_env(proc.stdout, "PATH") == f"{bin_dir}:/custom/bin"
    assert _lint_errors(proc.stdout) == []


def test_env_path_may_extend_the_base_path(tmp_path: Path) -> None:
    env = _env(tmp_path, ENV_HEAD + "env: {PATH: '/custom/bin:$PATH', OTHER: '$PATH'}\n")
    proc = _run(env.name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert 'PATH="/opt/venv/bin:/custom/bin:$PATH"' in proc.stdout
    assert 'OTHER="\\$PATH"' in proc.stdout  # only PATH expands; other values stay literal


def test_env_path_is_explained_by_plan(tmp_path: Path) -> None:
    env = _env(tmp_path, ENV_HEAD + "env: {PATH: /custom/bin}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "stagesmith", "plan", env.name, "--json"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    decisions = {d["key"]: d["value"] for d in json.loads(proc.stdout)["decisions"]}
    assert decisions["env PATH"] == "/opt/venv/bin:/custom/bin"
