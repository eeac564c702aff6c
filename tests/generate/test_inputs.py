"""Inputs that used to be misread or dropped: build context of a requirements file in a
subdirectory, env-file health and apt keys, wrongly typed values, includes, --json with
--output, dev dependencies, conda-pack tarballs, Python-only flags on other ecosystems,
.dockerignore placement and exclusive writes."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import dockerfile
from stagesmith.errors import StagesmithError
from stagesmith.fsutil import write_atomic
from stagesmith.generate import GenerateOptions, generate
from tests.conftest import FIXTURES
from tests.generate.test_generate import GOLDEN, lint_errors


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *args], capture_output=True, text=True, cwd=cwd
    )


def _one_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stagesmith: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _copy(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / "apps" / name, dest)
    return dest


def _env(tmp_path: Path, body: str) -> Path:
    env = tmp_path / "environment.yaml"
    env.write_text("name: svc\ndependencies: [python=3.11, flask=3.0]\n" + body)
    return env


# 1. a requirements file in a subdirectory keeps the project as the build context


def test_requirements_in_subdirectory_keeps_project_context(tmp_path: Path) -> None:
    project = _copy("py-reqs", tmp_path)
    out = tmp_path / "Dockerfile"
    proc = _run("generate", "--requirements", "requirements/prod.txt", "-o", str(out),
                cwd=project)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "COPY requirements/prod.txt ./requirements/prod.txt" in text
    assert "COPY requirements/base.txt ./requirements/base.txt" in text
    assert "pip install -r requirements/prod.txt" in text
    assert 'CMD ["python", "app.py"]' in text  # app.py found at the project root
    assert (project / ".dockerignore").is_file()
    assert not (project / "requirements/.dockerignore").exists()
    result = generate(GenerateOptions(path=project, requirements=Path("requirements/prod.txt")))
    assert result.context == project


def test_explicit_context_for_requirements(tmp_path: Path) -> None:
    """``stagesmith build --context DIR --requirements DIR/...`` can hand its context over."""
    project = _copy("py-reqs", tmp_path)
    opts = GenerateOptions(requirements=project / "requirements/prod.txt", context=project)
    result = generate(opts)
    assert result.context == project
    assert "pip install -r requirements/prod.txt" in result.dockerfile


def test_requirements_outside_context_is_one_error(tmp_path: Path) -> None:
    project = _copy("py-reqs", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = _run("generate", "--requirements", str(project / "requirements/prod.txt"),
                cwd=elsewhere)  # fmt: skip
    _one_error(proc, "outside the build context")


# 2. runtime presets


def test_distroless_preset_needs_no_shell() -> None:
    result = generate(GenerateOptions(path=FIXTURES / "apps/py-web", runtime_base="distroless",
                                      health_cmd="python -c pass"))  # fmt: skip
    prod = result.dockerfile.split(" AS production", 1)[1]
    assert result.plan.base("runtime") == "gcr.io/distroless/python3-debian12:nonroot"
    assert result.plan.base("builder") == "debian:bookworm-slim"
    assert "\nRUN " not in prod  # no shell in distroless
    assert "USER 65532:65532" in prod and "ENTRYPOINT []" in prod
    assert 'CMD ["python", "-c", "pass"]' in prod  # HEALTHCHECK in exec form
    assert "RUN /usr/bin/python3.11 -m venv /opt/venv" in result.dockerfile
    assert lint_errors(result.dockerfile) == []


def test_distroless_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    web = FIXTURES / "apps/py-web"
    _one_error(_run("generate", str(web), "--runtime-base", "distroless", "--runtime-apt",
                    "libpq5", cwd=tmp_path), "no shell or package manager", "libpq5")  # fmt: skip
    _one_error(_run("generate", str(web), "--runtime-base", "distroless", "--health-cmd",
                    "curl -f http://x/ || exit 1", cwd=tmp_path), "needs a shell")  # fmt: skip
    (tmp_path / "p").mkdir()
    (tmp_path / "p/requirements.txt").write_text("flask\n")
    (tmp_path / "p/.python-version").write_text("3.12\n")
    _one_error(_run("generate", "p", "--runtime-base", "distroless", cwd=tmp_path),
               "Python is Debian 12's 3.11.2")  # fmt: skip


def test_ubuntu_preset_pairs_the_release_python(tmp_path: Path) -> None:
    result = generate(GenerateOptions(path=FIXTURES / "apps/py-uv", runtime_base="ubuntu"))
    assert result.plan.base("builder") == result.plan.base("runtime") == "ubuntu:24.04"
    assert "RUN /usr/bin/python3.12 -m venv /opt/venv" in result.dockerfile
    prod = result.dockerfile.split(" AS production", 1)[1]
    assert "install -y --no-install-recommends python3 " in prod
    (tmp_path / "p").mkdir()
    (tmp_path / "p/requirements.txt").write_text("flask\n")
    (tmp_path / "p/.python-version").write_text("3.11\n")
    _one_error(_run("generate", "p", "--runtime-base", "ubuntu", cwd=tmp_path),
               "no Ubuntu LTS ships Python 3.11")  # fmt: skip


def test_named_builder_with_a_preset_warns(tmp_path: Path) -> None:
    proc = _run("generate", str(FIXTURES / "apps/py-web"), "--runtime-base", "distroless",
                "--builder-base", "python:3.11", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0 and "/usr/bin/python3.11, which the builder must have" in (
        proc.stderr
    ), proc.stderr


def test_musl_runtime_with_glibc_builder_warns(tmp_path: Path) -> None:
    proc = _run("generate", str(FIXTURES / "apps/py-web"), "--runtime-base",
                "python:3.11-alpine", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0 and "musl/glibc" in proc.stderr, proc.stderr


# 3. env-file health keys and runtime packages are used; conda modes get them too


def test_env_file_health_url_used_and_cli_wins(tmp_path: Path) -> None:
    env = _env(tmp_path, "health_url: http://127.0.0.1:8000/ok\n")
    text = generate(GenerateOptions(file=env)).dockerfile
    assert "urlopen('http://127.0.0.1:8000/ok'" in text
    text = generate(GenerateOptions(file=env, health_cmd="true")).dockerfile
    assert "urlopen" not in text and "HEALTHCHECK" in text


@pytest.mark.parametrize("mode", ["full-env", "tarball", "export-explicit"])
def test_conda_modes_keep_health_and_runtime_apt(tmp_path: Path, mode: str) -> None:
    env = _env(tmp_path, f"deploy: {{mode: {mode}}}\nruntime_apt: [libgomp1]\n")
    text = generate(GenerateOptions(file=env, health_url="http://127.0.0.1:1/h",
                                    runtime_apt=["libpq5"])).dockerfile  # fmt: skip
    assert "HEALTHCHECK" in text and "urlopen('http://127.0.0.1:1/h'" in text
    assert "--no-install-recommends libgomp1 libpq5 " in text
    dockerfile.parse_string(text)
    assert lint_errors(text) == []


# 4. wrongly typed env-file values


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("builder_base: [a]\n", "'builder_base' must be a non-empty string"),
        ("health_cmd: [1]\n", "'health_cmd' must be a non-empty string"),
        ("runtime_apt: libfoo\n", "'runtime_apt' must be a list"),
        ('runtime_apt: ["x; rm -rf /"]\n', "not a Debian package name"),
        ("env: {A: null}\n", "env: A has no value"),
        ("env: {A: [1]}\n", "env: A must be a string"),
        ("channels: conda-forge\n", "'channels' must be a list"),
        ("name: [x]\n", "'name' must be a string"),
    ],
)
def test_wrongly_typed_env_values(tmp_path: Path, body: str, needle: str) -> None:
    env = tmp_path / "e.yaml"
    env.write_text("dependencies: [flask]\n" + body)
    out = tmp_path / "Dockerfile"
    _one_error(_run("generate", "--file", str(env), "-o", str(out), cwd=tmp_path), needle)
    assert not out.exists()


@pytest.mark.parametrize(
    "pyproject",
    [
        '[project]\nname = "x"\ndependencies = "flask"\n',
        '[project]\nname = "x"\nrequires-python = 3.11\n',
        '[project]\nname = "x"\nscripts = ["a"]\n',
        '[tool.poetry]\nname = "x"\ndependencies = ["flask"]\n',
        '[project]\nname = "x"\n[build-system]\nrequires = "hatchling"\n',
        'build-system = 1\n[project]\nname = "x"\n',
    ],
)
def test_wrongly_typed_pyproject_values(tmp_path: Path, pyproject: str) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/pyproject.toml").write_text(pyproject)
    _one_error(_run("generate", "p", cwd=tmp_path), "must be a")


@pytest.mark.parametrize(
    ("build_system", "installed"),
    [
        (
            '[build-system]\nrequires = ["hatchling>=1.20", "hatch-vcs"]\n',
            "'hatchling>=1.20' hatch-vcs",
        ),
        ("", "'setuptools>=40.8.0'"),  # no table: what pip assumes
    ],
)
def test_build_backend_named_in_the_dockerfile(
    tmp_path: Path, build_system: str, installed: str
) -> None:
    """The backend is read at generate time: the Dockerfile names it (reviewable, cacheable)."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = ["flask"]\n' + build_system
    )
    text = generate(GenerateOptions(path=tmp_path)).dockerfile
    assert f"pip install --target /opt/build uv {installed}\n" in text
    assert text.index("/opt/build uv") < text.index("COPY . .")


def test_cli_runtime_apt_checked(tmp_path: Path) -> None:
    _one_error(_run("generate", str(FIXTURES / "apps/py-web"), "--runtime-apt", "a b",
                    cwd=tmp_path), "not a Debian package name")  # fmt: skip


def test_name_error_wording(tmp_path: Path) -> None:
    env = tmp_path / "e.yaml"
    env.write_text('name: "a/b"\ndependencies: [flask]\n')
    proc = _run("generate", "--file", str(env), cwd=tmp_path)
    _one_error(proc, "may contain only letters")
    assert "spaces" not in proc.stderr


# 5. includes


def test_include_without_space_is_followed(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-rinline.txt\n-cpins.txt\nflask\n")
    (tmp_path / "inline.txt").write_text("itsdangerous\n")
    (tmp_path / "pins.txt").write_text("itsdangerous==2.2.0\n")
    text = generate(GenerateOptions(path=tmp_path)).dockerfile
    assert "COPY inline.txt ./inline.txt" in text and "COPY pins.txt ./pins.txt" in text


def test_include_escaping_the_context_is_refused(tmp_path: Path) -> None:
    (tmp_path / "shared.txt").write_text("flask\n")
    (tmp_path / "p").mkdir()
    (tmp_path / "p/requirements.txt").write_text("-r ../shared.txt\n")
    _one_error(_run("generate", "p", cwd=tmp_path), "../shared.txt", "outside the build context")


# 6. --json with --output writes the files and prints the JSON


def test_json_with_output_writes_files(tmp_path: Path) -> None:
    project = _copy("py-web", tmp_path)
    out = tmp_path / "Dockerfile"
    proc = _run("generate", str(project), "--json", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert out.read_text() == payload["dockerfile"]
    assert (project / ".dockerignore").read_text() == payload["dockerignore"]


# 7. development target installs dev dependencies


@pytest.mark.parametrize(
    ("files", "source", "line"),
    [
        ({"pyproject.toml": '[project]\nname = "d"\nversion = "0"\ndependencies = ["flask"]\n'
                            '[project.optional-dependencies]\ndev = ["pytest>=8", "d[x]"]\n'},
         "[project.optional-dependencies].dev", "pip install 'pytest>=8'\n"),
        ({"pyproject.toml": '[project]\nname = "d"\nversion = "0"\n[dependency-groups]\n'
                            'lint = ["ruff"]\ndev = ["pytest", {include-group = "lint"}]\n'},
         "[dependency-groups].dev", "pip install pytest ruff\n"),
        ({"requirements.txt": "flask\n", "requirements-dev.txt": "-r requirements.txt\npytest\n"},
         "requirements-dev.txt", "pip install -r requirements-dev.txt\n"),
    ],
)  # fmt: skip
def test_development_gets_dev_dependencies(
    tmp_path: Path, files: dict[str, str], source: str, line: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "tests").mkdir()
    result = generate(GenerateOptions(path=tmp_path))
    dev = result.dockerfile.split(" AS development", 1)[1].split("\nFROM ", 1)[0]
    assert line in dev and 'CMD ["bash"]' in dev
    assert any(d.key == "development" and d.value == source for d in result.plan.decisions)
    # the test target installs them too, before pytest runs
    test = result.dockerfile.split(" AS test", 1)[1].split("\nFROM ", 1)[0]
    assert test.index(line) < test.index("pytest -q")
    dockerfile.parse_string(result.dockerfile)
    assert lint_errors(result.dockerfile) == []


def test_uv_and_poetry_dev_groups() -> None:
    uv = generate(GenerateOptions(path=FIXTURES / "apps/py-uv")).dockerfile
    assert "uv sync --frozen --no-install-project --inexact" in uv.split(" AS development")[1]
    poetry = generate(GenerateOptions(path=FIXTURES / "apps/py-poetry"))
    dev = poetry.dockerfile.split(" AS development")[1]
    assert "pip install -c /tmp/poetry-lock.txt 'pytest>=8.0,<9'" in dev


# 8. --tarball: a conda-pack environment


def _conda_pack(path: Path, unpack: bool = True) -> None:
    with tarfile.open(path, "w:gz") as tar:
        files = {"conda-meta/python-3.11.9-h955ad1f_0.json": b"{}", "bin/python": b""}
        if unpack:
            files["bin/conda-unpack"] = b"#!/usr/bin/env python\n"
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_tarball_golden_and_both_commands(tmp_path: Path) -> None:
    project = tmp_path / "packed"
    project.mkdir()
    (project / "app.py").write_text("print('hi')\n")
    _conda_pack(project / "env.tar.gz")
    proc = _run("generate", "--tarball", "env.tar.gz", cwd=project)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    golden = GOLDEN / "conda-pack.Dockerfile"
    import os

    if os.environ.get("STAGESMITH_UPDATE_GOLDEN") == "1":
        golden.write_text(text)
    assert text == golden.read_text()
    assert "tar -xf /app/env.tar.gz -C /opt/env" in text and "conda-unpack" in text
    dockerfile.parse_string(text)
    assert lint_errors(text) == []
    built = _run("build", "--tarball", "env.tar.gz", "--print", cwd=project)
    assert built.returncode == 0, built.stderr
    assert built.stdout == text


def test_tarball_that_is_not_conda_pack(tmp_path: Path) -> None:
    (tmp_path / "junk.tar.gz").write_bytes(b"\x1f\x8b not really")
    _one_error(_run("generate", "--tarball", "junk.tar.gz", cwd=tmp_path), "not a conda-pack")
    with tarfile.open(tmp_path / "plain.tar", "w") as tar:
        info = tarfile.TarInfo("readme")
        tar.addfile(info, io.BytesIO(b""))
    _one_error(_run("generate", "--tarball", "plain.tar", cwd=tmp_path), "no conda-meta/")


# 9. Python-only flags on another ecosystem


@pytest.mark.parametrize("flag", [["--health-url", "http://a/"], ["--runtime-apt", "libpq5"],
                                  ["--builder-base", "golang:1.22"]])  # fmt: skip
def test_python_only_flags_refused_for_go(tmp_path: Path, flag: list[str]) -> None:
    proc = _run("generate", str(FIXTURES / "apps/go-hello"), *flag, cwd=tmp_path)
    _one_error(proc, flag[0], "go projects")


# 11. unknown deploy keys


def test_unknown_deploy_key_warns(tmp_path: Path) -> None:
    env = _env(tmp_path, "deploy: {mode: requirements, base_image: x}\n")
    proc = _run("generate", "--file", str(env), cwd=tmp_path)
    assert proc.returncode == 0 and "deploy.base_image" in proc.stderr, proc.stderr


# 12. .dockerignore at the context root, an existing one kept


def test_existing_dockerignore_kept_dockerfile_written(tmp_path: Path) -> None:
    project = _copy("py-web", tmp_path)
    (project / ".dockerignore").write_text("mine\n")
    out = tmp_path / "Dockerfile"
    proc = _run("generate", str(project), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and (project / ".dockerignore").read_text() == "mine\n"
    assert "was kept" in proc.stderr
    proc = _run("generate", str(project), "-o", str(out), "--force", cwd=tmp_path)
    assert proc.returncode == 0 and ".venv" in (project / ".dockerignore").read_text()


# 13. header, escaping, exclusive writes


def test_header_has_no_absolute_path(tmp_path: Path) -> None:
    env = _env(tmp_path, "")
    text = generate(GenerateOptions(file=env)).dockerfile
    assert str(tmp_path) not in text and "(detected from environment.yaml)" in text


def test_health_url_is_escaped() -> None:
    url = "http://127.0.0.1:8000/h?q='x'"
    result = generate(GenerateOptions(path=FIXTURES / "apps/py-web", health_url=url))
    cmd = json.loads(result.plan.healthcheck or "")
    assert cmd[:2] == ["python", "-c"]
    compile(cmd[2], "<healthcheck>", "exec")  # valid Python
    assert repr(url) in cmd[2]


def test_write_atomic_never_replaces_a_file_created_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile"

    class Sneaky(str):
        """A str whose encoding creates the target first (a file appearing mid-write)."""

        def encode(self, *args: object, **kwargs: object) -> bytes:
            target.write_text("theirs")
            return b"ours"

    with pytest.raises(StagesmithError, match="already exists"):
        write_atomic(target, Sneaky("ours"))
    assert target.read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]  # no temporary file left
    write_atomic(target, "ours", force=True)
    assert target.read_text() == "ours"


@pytest.mark.parametrize(("preset", "rendered"), [
    (None, "CMD python -c pass"),
    ("ubuntu", "CMD python -c pass"),
    ("distroless", 'CMD ["python", "-c", "pass"]'),
])  # fmt: skip
def test_health_cmd_form_follows_the_runtime_shell(preset: str | None, rendered: str) -> None:
    result = generate(GenerateOptions(path=FIXTURES / "apps/py-web", runtime_base=preset,
                                      health_cmd="python -c pass"))  # fmt: skip
    line = next(x for x in result.dockerfile.splitlines() if x.startswith("HEALTHCHECK"))
    assert line.endswith(rendered), line
    reason = next(d.reason for d in result.plan.decisions if d.key == "healthcheck")
    assert ("shell form" in reason) == (preset != "distroless"), reason
