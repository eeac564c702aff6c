"""Inputs a new user brings (env files, requirements, pyproject/poetry projects not written for
stagesmith): generate never crashes. Each case ends in a Dockerfile that BuildKit's parser and
hadolint accept plus the expected warnings, or in one clear ``stagesmith: error:`` line, exit 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dockerfile

# name -> (files, expected exit code, substrings of stderr, substrings of the Dockerfile)
Case = tuple[dict[str, str], int, list[str], list[str]]
CASES: dict[str, Case] = {
    "env-pip-sublist-odd-specs": (
        {"environment.yml": """\
name: sci
channels: [conda-forge, defaults]
dependencies:
  - python>=3.10
  - numpy>=1.24,<2
  - pandas
  - cudatoolkit=11.8
  - pip
  - pip:
      - requests[security]>=2.31
      - "torch==2.1.0; platform_system == 'Linux'"
      - -e .
"""},
        0,
        ["'cudatoolkit=11.8' has no PyPI equivalent", "pip entry '-e .' needs project files"],
        ["FROM python:3.10 AS deps", "'numpy>=1.24,<2' pandas 'requests[security]>=2.31'"],
    ),
    "env-build-strings-channel-prefix": (
        {"env.yaml": """\
name: r
dependencies:
  - python=3.12.1=h2755cc3_0_cpython
  - conda-forge::scipy=1.11.4=py312heda63a1_0
  - r-base
  - openjdk
  - numpy 1.26.*
"""},
        0,
        ["'r-base' has no PyPI equivalent", "'openjdk' has no PyPI equivalent"],
        ["FROM python:3.12 AS deps", "pip install scipy==1.11.4 'numpy==1.26.*'"],
    ),
    "env-python-upper-bound": (
        {"env.yaml": "name: x\ndependencies: ['python<3.12', flask]\n"},
        0,
        ["'python<3.12' does not name one Python version; using 3.11"],
        ["FROM python:3.11 AS deps", "pip install flask"],
    ),
    "env-only-python-null-pip": (
        {"env.yaml": "dependencies:\n  - python=3.11\n  - pip:\n"},
        0,
        ["no packages to install"],
        ["FROM python:3.11-slim AS production"],
    ),
    "env-conda-names-and-index": (
        {"env.yaml": """\
name: torchy
dependencies:
  - pytorch=2.1
  - py-opencv
  - librosa
  - pip:
      - --extra-index-url=https://download.pytorch.org/whl/cpu
      - --pre
"""},
        0,
        ["conda 'pytorch' installed as PyPI 'torch'"],
        ["'torch==2.1.*' opencv-python-headless librosa --extra-index-url"
         " https://download.pytorch.org/whl/cpu --pre"],
    ),
    "env-pip-not-a-list": (
        {"env.yaml": "name: x\ndependencies: [numpy, {pip: requests}]\n"},
        2, ["the 'pip' entry must be a list"], [],
    ),
    "env-bad-env-key": (
        {"env.yaml": "name: x\ndependencies: [numpy]\nenv: {'MY VAR': 1}\n"},
        2, ["'MY VAR' is not a valid environment variable name"], [],
    ),
    "env-env-values-quoted": (
        {"env.yaml": "name: x\ndependencies: [numpy]\nenv: {GREETING: 'say \"hi\" $HOME <x>'}\n"},
        0, [], ['GREETING="say \\"hi\\" \\$HOME <x>"'],
    ),
    "requirements-hashes-markers-extras-index": (
        {"requirements.txt": """\
--index-url https://pypi.org/simple
flask[async]==3.0.3 \\
    --hash=sha256:34e815dfaa43340d1d15a5c3a02b8476004037eb4840b34910c6e21679d288f3
uvloop>=0.19; sys_platform != "win32"  # fast loop
-c constraints.txt
""", "constraints.txt": "werkzeug<4\n", "app.py": "print('x')\n"},
        0, [],
        ["COPY requirements.txt ./requirements.txt", "COPY constraints.txt ./constraints.txt",
         "pip install -r requirements.txt", 'CMD ["python", "app.py"]'],
    ),
    "requirements-local-editable": (
        {"requirements.txt": "flask\n-e .\n", "setup.py": "from setuptools import setup\nsetup()\n"},
        2, ["installs from the project's own files"], [],
    ),
    "requirements-vcs-editable": (
        {"requirements.txt": "-e git+https://github.com/pallets/flask#egg=flask\n"},
        2, ["editable VCS line"], [],
    ),
    "requirements-missing-include": (
        {"requirements.txt": "-r base.txt\nflask\n"},
        2, ["base.txt: file not found"], [],
    ),
    "pyproject-optional-groups-scripts": (
        {"pyproject.toml": """\
[project]
name = "My Tool"
version = "1.0"
requires-python = ">=3.11"
dependencies = ["httpx>=0.27", "rich"]

[project.optional-dependencies]
yaml = ["pyyaml"]

[dependency-groups]
dev = ["pytest"]

[project.scripts]
mytool = "mytool.cli:main"
other = "mytool.cli:other"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
""", "mytool/__init__.py": "", "tests/test_x.py": "def test_x():\n    pass\n"},
        0, [],
        ["pip install 'httpx>=0.27' rich", 'CMD ["/opt/venv/bin/mytool"]',
         "LABEL org.opencontainers.image.title=\"my-tool\"", "pytest -q -p no:cacheprovider tests"],
    ),
    "poetry-project": (
        {"pyproject.toml": """\
[tool.poetry]
name = "svc"
version = "0.1.0"
description = ""
authors = ["A <a@example.com>"]

[tool.poetry.dependencies]
python = "^3.11"
fastapi = "^0.110"
uvicorn = {version = "~0.29", extras = ["standard"]}
boto3 = {version = "*", optional = true}
mylib = {path = "../mylib"}

[tool.poetry.scripts]
svc = "svc.main:run"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
""", "poetry.lock": "# lock\n", "svc/__init__.py": ""},
        0,
        ["poetry.lock: no packages found", "poetry dependency mylib"],
        ["pip install 'fastapi>=0.110,<0.111' 'uvicorn[standard]>=0.29,<0.30'",
         'CMD ["/opt/venv/bin/svc"]'],
    ),
    "pyproject-dynamic-dependencies": (
        {"pyproject.toml": """\
[project]
name = "dyn"
version = "1"
dynamic = ["dependencies"]
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"
""", "setup.py": "from setuptools import setup\nsetup(install_requires=['six'])\n"},
        0, ["dependencies are dynamic"], ["pip install --no-compile --target"],
    ),
    "pyproject-malformed": (
        {"pyproject.toml": "[project\nname = 1\n"}, 2, ["malformed TOML"], [],
    ),
}  # fmt: skip


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_unseen_input(case: str, tmp_path: Path) -> None:
    files, code, in_stderr, in_dockerfile = CASES[case]
    project = tmp_path / "project"
    for rel, text in files.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    env = next((n for n in files if n.endswith((".yaml", ".yml"))), None)
    target = ["--file", str(project / env)] if env else [str(project)]
    out = tmp_path / "Dockerfile"
    proc = _run("generate", *target, "--output", str(out), cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    for text in in_stderr:
        assert text in proc.stderr, proc.stderr
    if code != 0:
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert proc.stderr.startswith("stagesmith: error: ")
        assert not out.exists()
        return
    generated = out.read_text()
    for text in in_dockerfile:
        assert text in generated, generated
    assert dockerfile.parse_string(generated)[0].cmd.lower() == "from"
    if shutil.which("hadolint"):
        lint = subprocess.run(
            ["hadolint", "--format", "json", "-"], input=generated, capture_output=True, text=True
        )
        errors = [f for f in json.loads(lint.stdout or "[]") if f["level"] == "error"]
        assert errors == [], errors
