"""Bad values in Python inputs (env files, pyproject.toml, requirements files, locks) are one
``stagesmith: error:`` line and exit 2 with nothing written, never text pasted into a ``RUN``;
the real CLI runs on files written to tmp_path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stagesmith.errors import StagesmithError
from stagesmith.spec.python import read_project


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *args], capture_output=True, text=True, cwd=cwd
    )


def _refused(cwd: Path, *args: str, needles: tuple[str, ...] = ()) -> str:
    """Run ``generate ARGS -o Dockerfile``: exit 2, one error line, no Dockerfile written."""
    proc = _run("generate", *args, "-o", "Dockerfile", cwd=cwd)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stagesmith: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not (cwd / "Dockerfile").exists()
    return lines[0]


def _generated(cwd: Path, *args: str) -> tuple[str, str]:
    """The Dockerfile ``generate ARGS`` prints, and its stderr (warnings)."""
    proc = _run("generate", *args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def _env(tmp_path: Path, body: str, name: str = "env.yaml") -> str:
    (tmp_path / name).write_text(body)
    return name


# 1. conda channels


@pytest.mark.parametrize(
    "channel", ["conda-forge;id;", "conda-forge id", "$(id)", "https://x/a b", "https://x/`id`"]
)
def test_channel_with_shell_text_is_refused(tmp_path: Path, channel: str) -> None:
    env = _env(tmp_path, f"name: x\nchannels: [{channel!r}]\ndependencies: [flask]\n")
    _refused(tmp_path, "--file", env, needles=("env.yaml", repr(channel)))


def test_channel_names_and_urls_are_kept(tmp_path: Path) -> None:
    channels = ["conda-forge", "bioconda", "nodefaults", "defaults", "pytorch/label/nightly",
                "https://conda.anaconda.org/mine", "file:///opt/channel"]  # fmt: skip
    env = _env(tmp_path, f"name: x\nchannels: {channels}\ndependencies: [flask]\n"
               "deploy: {mode: full-env}\n")  # fmt: skip
    text, _ = _generated(tmp_path, "--file", env)
    assert "".join(f" -c {c}" for c in channels) in text


# 2. requirement strings and conda match specs


@pytest.mark.parametrize(
    ("files", "needles"),
    [
        ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["flask\\nRUN id"]\n'},
         ("pyproject.toml", "[project].dependencies", "'flask\\nRUN id'")),
        ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["flask ==== 3"]\n'},
         ("pyproject.toml", "'flask ==== 3'", "PEP 508")),
        ({"pyproject.toml": '[project]\nname = "x"\n[build-system]\n'
                            'requires = ["setuptools\\nRUN id"]\n'},
         ("pyproject.toml", "[build-system].requires", "'setuptools\\nRUN id'")),
        ({"pyproject.toml": '[project]\nname = "x"\n[build-system]\nrequires = [3]\n'},
         ("[build-system].requires", "3")),
        ({"pyproject.toml": '[project]\nname = "x"\n[project.optional-dependencies]\n'
                            'dev = ["pytest; ;"]\n'},
         ("[project.optional-dependencies].dev", "'pytest; ;'")),
        ({"requirements.txt": "flask ==== 3\n"}, ("requirements.txt", "'flask ==== 3'")),
        ({"requirements.txt": "-r more.txt\n", "more.txt": "flask; rm -rf /\n"},
         ("more.txt", "'flask; rm -rf /'")),
    ],
)  # fmt: skip
def test_invalid_requirements_are_refused(
    tmp_path: Path, files: dict[str, str], needles: tuple[str, ...]
) -> None:
    (tmp_path / "p").mkdir()
    for name, body in files.items():
        (tmp_path / "p" / name).write_text(body)
    _refused(tmp_path, "p", needles=needles)


def test_requirements_file_forms_pip_accepts_are_kept(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/requirements.txt").write_text(
        "--index-url https://pypi.example/simple\n"
        "flask==3.0.3 --hash=sha256:0123abcd\n"
        "foo @ https://example.com/foo-1.0-py3-none-any.whl\n"
        "requests[socks]>=2.31; python_version >= '3.8'\n"
    )
    _generated(tmp_path, "p")


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ('"requests\\nRUN id"', "newline"),
        ('"--extra-index-url https://x/simple\\nRUN id"', "newline"),
        ('"requests ==== 3"', "PEP 508"),
        ("3", "must be a string"),
    ],
)
def test_invalid_pip_entries_of_an_env_file_are_refused(
    tmp_path: Path, entry: str, needle: str
) -> None:
    env = _env(tmp_path, f"name: x\ndependencies:\n  - flask\n  - pip: [{entry}]\n")
    _refused(tmp_path, "--file", env, needles=("env.yaml", needle))


def test_pip_option_lines_of_an_env_file_still_pass(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("itsdangerous\n")
    env = _env(tmp_path, "name: x\ndependencies:\n  - flask\n  - pip:\n"
               "      - --extra-index-url https://pypi.example/simple\n"
               "      - -r requirements.txt\n      - -e .\n      - requests>=2\n")  # fmt: skip
    text, _ = _generated(tmp_path, "--file", env)
    assert "https://pypi.example/simple" in text and "'requests>=2'" in text


@pytest.mark.parametrize(
    ("dep", "needle"),
    [
        ('"flask; rm -rf /"', "'flask; rm -rf /'"),
        ('"flask ==== 3"', "'flask ==== 3'"),
        ('"flask $(id)"', "'flask $(id)'"),
        ('"numpy\\"; id; \\""', "not a conda match spec"),
        ("3", "must be a string"),
        ("3.11", "must be a string"),
    ],
)
def test_invalid_conda_specs_are_refused(tmp_path: Path, dep: str, needle: str) -> None:
    env = _env(tmp_path, f"name: x\ndependencies: [flask, {dep}]\n")
    _refused(tmp_path, "--file", env, needles=("env.yaml", needle))


def test_usual_conda_spec_forms_are_kept(tmp_path: Path) -> None:
    specs = ["python=3.11", "numpy=1.26", "scipy==1.11.4", "pandas>=1,<3", "pyarrow 14.0.*",
             "zlib=1.2.13=hd590300_5", "conda-forge::requests", "openssl 3.1.4 hd590300_0",
             "libblas=*=*mkl", "flask>=2|<1"]  # fmt: skip
    env = _env(tmp_path, "name: x\ndeploy: {mode: full-env}\ndependencies:\n"
               + "".join(f"  - {s}\n" for s in specs))  # fmt: skip
    text, _ = _generated(tmp_path, "--file", env)
    for spec in specs:
        assert f'"{spec}"' in text, spec


# 3. requires-python, .python-version and a conda python range


@pytest.mark.parametrize(
    ("requires", "python"),
    [("<3.12", "3.11"), (">=3.9,!=3.9.*,!=3.10.*", "3.11"), (">=3.12", "3.12"),
     ("<3.11", "3.10"), ("==3.13.1", "3.13"), (">=3.11", "3.11")],
)  # fmt: skip
def test_requires_python_picks_a_satisfying_version(
    tmp_path: Path, requires: str, python: str
) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/pyproject.toml").write_text(
        f'[project]\nname = "x"\nrequires-python = "{requires}"\n'
    )
    text, _ = _generated(tmp_path, "p")
    assert f"FROM python:{python} AS deps" in text and f"FROM python:{python}-slim" in text


@pytest.mark.parametrize(
    ("requires", "needle"),
    [("garbage", "'garbage' is not a version specifier"), ("3.11", "not a version specifier"),
     ("<3.6", "satisfies requires-python '<3.6'")],
)  # fmt: skip
def test_requires_python_nothing_satisfies_is_refused(
    tmp_path: Path, requires: str, needle: str
) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/pyproject.toml").write_text(
        f'[project]\nname = "x"\nrequires-python = "{requires}"\n'
    )
    _refused(tmp_path, "p", needles=("pyproject.toml", needle))


def test_python_version_file_must_satisfy_requires_python(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.12"\n')
    (tmp_path / "p/.python-version").write_text("3.11\n")
    _refused(tmp_path, "p", needles=(".python-version", "3.11", "'>=3.12'"))
    (tmp_path / "p/.python-version").write_text("3.12.3\n")
    text, _ = _generated(tmp_path, "p")
    assert "FROM python:3.12 AS deps" in text


@pytest.mark.parametrize(
    ("dep", "python"),
    [("python<3.11", "3.10"), ("python<3.12", "3.11"), ("python>=3.10", "3.10"),
     ("python>=3.9,<3.11", "3.9"), ("python 3.12.*", "3.12"), ("python=3.12.1=h2755cc3_0", "3.12")],
)  # fmt: skip
def test_conda_python_range_picks_a_satisfying_version(
    tmp_path: Path, dep: str, python: str
) -> None:
    env = _env(tmp_path, f"name: x\ndependencies: ['{dep}', flask]\n")
    text, _ = _generated(tmp_path, "--file", env)
    assert f"FROM python:{python} AS deps" in text


def test_conda_python_nothing_satisfies_is_refused(tmp_path: Path) -> None:
    env = _env(tmp_path, "name: x\ndependencies: ['python>3.20', flask]\n")
    _refused(tmp_path, "--file", env, needles=("env.yaml", "'python>3.20'"))


# 4. requirement includes: a file reached twice is no cycle, a file including itself is


@pytest.mark.parametrize(
    "files",
    [
        {"requirements.txt": "-r b.txt\n-r c.txt\n", "b.txt": "-r d.txt\n",
         "c.txt": "-r d.txt\n", "d.txt": "flask\n"},
        {"requirements.txt": "-r d.txt\n-c d.txt\n", "d.txt": "flask\n"},
    ],
)  # fmt: skip
def test_a_file_included_twice_is_not_a_cycle(tmp_path: Path, files: dict[str, str]) -> None:
    (tmp_path / "p").mkdir()
    for name, body in files.items():
        (tmp_path / "p" / name).write_text(body)
    text, _ = _generated(tmp_path, "p")
    for name in files:
        assert f"COPY {name} ./{name}" in text


def test_a_real_include_cycle_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/requirements.txt").write_text("-r b.txt\n")
    (tmp_path / "p/b.txt").write_text("flask\n-r c.txt\n")
    (tmp_path / "p/c.txt").write_text("-r b.txt\n")
    _refused(tmp_path, "p", needles=("b.txt", "include cycle"))


# 6. unreadable pyproject.toml and uv.lock


def test_non_utf8_pyproject_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/pyproject.toml").write_bytes(b'[project]\nname = "caf\xe9"\n')
    for command in ("generate", "plan"):
        proc = _run(command, "p", cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("stagesmith: error: p/pyproject.toml: cannot read")
        assert len(proc.stderr.strip().splitlines()) == 1 and "internal" not in proc.stderr
    _refused(tmp_path, "p", needles=("pyproject.toml", "UTF-8"))


@pytest.mark.parametrize(
    ("lock", "needle"),
    [(b"", "not a uv lock file"), (b"version = [\n", "malformed TOML"),
     (b"\x00\xff\xfe\x89PNG", "malformed TOML"), (b'version = "one"\n', "not a uv lock file"),
     (b"version = 1\npackage = 3\n", "not a uv lock file")],
)  # fmt: skip
def test_broken_uv_lock_is_refused(tmp_path: Path, lock: bytes, needle: str) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/pyproject.toml").write_text('[project]\nname = "x"\ndependencies = []\n')
    (tmp_path / "p/uv.lock").write_bytes(lock)
    _refused(tmp_path, "p", needles=("uv.lock", needle))


def test_minimal_uv_lock_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/pyproject.toml").write_text('[project]\nname = "x"\ndependencies = []\n')
    (tmp_path / "p/uv.lock").write_text('version = 1\n[[package]]\nname = "x"\nversion = "0"\n')
    text, _ = _generated(tmp_path, "p")
    assert "uv sync --frozen" in text


# 7. a directory with only a conda environment file


@pytest.mark.parametrize("name", ["environment.yaml", "environment.yml"])
def test_directory_with_only_an_env_file_is_planned_from_it(tmp_path: Path, name: str) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / name).write_text("name: svc\ndependencies: [python=3.12, flask=3.0]\n")
    text, _ = _generated(tmp_path, "p")
    assert f"detected from {name}" in text and "FROM python:3.12 AS deps" in text
    proc = _run("plan", "p", cwd=tmp_path)
    assert proc.returncode == 0 and f"(detected from {name})" in proc.stdout, proc.stderr


def test_env_file_next_to_requirements_is_named_in_a_warning(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p/environment.yml").write_text("name: svc\ndependencies: [flask]\n")
    (tmp_path / "p/requirements.txt").write_text("requests\n")
    text, err = _generated(tmp_path, "p")
    assert "detected from requirements.txt" in text
    assert "both environment.yml and requirements.txt: planned from requirements.txt" in err


def test_empty_directory_error_names_the_env_files(tmp_path: Path) -> None:
    with pytest.raises(StagesmithError, match=r"environment\.yml or environment\.yaml"):
        read_project(tmp_path)


# 8. conda's standard ``variables:`` key


def test_conda_variables_become_env(tmp_path: Path) -> None:
    env = _env(tmp_path, "name: x\ndependencies: [flask]\nvariables: {MODE: prod, N: 3}\n"
               "env: {LOG: debug}\n")  # fmt: skip
    text, err = _generated(tmp_path, "--file", env)
    assert 'LOG="debug" MODE="prod" N="3"' in text
    assert "unknown key" not in err


def test_conda_variables_conflicting_with_env_warn(tmp_path: Path) -> None:
    env = _env(tmp_path, "name: x\ndependencies: [flask]\nvariables: {MODE: a}\nenv: {MODE: b}\n")
    text, err = _generated(tmp_path, "--file", env)
    assert 'MODE="b"' in text and "MODE is in both 'variables' and 'env'" in err


@pytest.mark.parametrize(
    ("body", "needle"),
    [("variables: {'MY VAR': 1}", "'MY VAR' is not a valid environment variable name"),
     ("variables: {A: [1]}", "variables: A must be a string"),
     ("variables: {A: null}", "variables: A has no value"),
     ("variables: [A]", "'variables' must be a mapping"),
     ('variables: {A: "x\\ny"}', "spans several lines")],
)  # fmt: skip
def test_bad_conda_variables_are_refused(tmp_path: Path, body: str, needle: str) -> None:
    env = _env(tmp_path, f"name: x\ndependencies: [flask]\n{body}\n")
    _refused(tmp_path, "--file", env, needles=(needle,))


def test_export_explicit_says_when_the_lock_is_missing(tmp_path: Path) -> None:
    """export-explicit installs conda-lock.txt from the env file's directory: generating
    before it exists works (CI may write it), with a warning naming it and the conda list the
    mode does not read; once the lock is there, no such warning."""
    env = _env(
        tmp_path,
        "name: a\ndependencies: [python=3.11, numpy]\ndeploy: {mode: export-explicit}\n",
    )
    text, err = _generated(tmp_path, "--file", env)
    assert "COPY conda-lock.txt /tmp/explicit.txt" in text
    assert "conda-lock.txt, which does not exist yet" in err
    assert "conda dependencies are not read" in err
    (tmp_path / "conda-lock.txt").write_text("@EXPLICIT\n")
    _, err = _generated(tmp_path, "--file", env)
    assert "does not exist yet" not in err


# poetry constraints (QA pass)

_POETRY_HEAD = '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n\n'


def _poetry(tmp_path: Path, deps: str, extra: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f'{_POETRY_HEAD}[tool.poetry.dependencies]\npython = "^3.11"\n{deps}\n{extra}'
    )
    return tmp_path


def test_poetry_or_constraint_is_one_range_when_contiguous(tmp_path: Path) -> None:
    """``^1.2 || ^2.0`` is each alternative translated and joined (``>=1.2,<3``), never the
    half-translated ``a16>=1.2 || ^2.0,<2`` pip cannot read."""
    _poetry(tmp_path, 'a16 = "^1.2 || ^2.0"\nb = {version = "^0.2 | ^0.3"}')
    assert read_project(tmp_path).pip_packages == ["a16>=1.2,<3", "b>=0.2,<0.4"]
    text, _ = _generated(tmp_path, str(tmp_path))
    assert "'a16>=1.2,<3'" in text and "||" not in text


def test_poetry_or_constraint_with_a_gap_is_refused(tmp_path: Path) -> None:
    _poetry(tmp_path, 'a16 = "^1.0 || ^3.0"')
    _refused(tmp_path, str(tmp_path), needles=("a16", "PEP 440 cannot express", "poetry.lock"))


def test_poetry_or_constraint_with_a_gap_is_left_to_the_lock_pins(tmp_path: Path) -> None:
    """With a poetry.lock, the locked version is what pip installs (a constraint): the name is
    required without a version, and the pin wins."""
    _poetry(tmp_path, 'a16 = "^1.0 || ^3.0"')
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "a16"\nversion = "3.1.0"\n\n[metadata]\ncontent-hash = "x"\n'
    )
    spec = read_project(tmp_path)
    assert spec.pip_packages == ["a16"] and spec.poetry_pins == ["a16==3.1.0"]
    text, err = _generated(tmp_path, str(tmp_path))
    assert "a16==3.1.0" in text and "-c /tmp/poetry-lock.txt" in text
    assert "its version comes from poetry.lock" in err


def test_poetry_python_restriction_becomes_a_marker(tmp_path: Path) -> None:
    _poetry(
        tmp_path,
        'a9 = {version = "^1.0", python = "<3.11"}\n'
        'a10 = {version = "^2.0", python = "^3.8", markers = "sys_platform == \'linux\'"}\n'
        'a11 = {version = "1.5", python = "<3.9 || >=3.12.1"}',
    )
    assert read_project(tmp_path).pip_packages == [
        'a9>=1.0,<2; python_version < "3.11"',
        'a10>=2.0,<3; (python_version >= "3.8" and python_version < "4")'
        " and (sys_platform == 'linux')",
        'a11==1.5; python_version < "3.9" or python_full_version >= "3.12.1"',
    ]
    text, _ = _generated(tmp_path, str(tmp_path))
    assert """'a9>=1.0,<2; python_version < "3.11"'""" in text


def test_poetry_bad_python_restriction_is_refused(tmp_path: Path) -> None:
    _poetry(tmp_path, 'a9 = {version = "^1.0", python = ">>3"}')
    _refused(tmp_path, str(tmp_path), needles=("a9", "'>>3'"))


def test_poetry_private_source_is_warned_about(tmp_path: Path) -> None:
    _poetry(
        tmp_path,
        'a = {version = "^1.0", source = "private"}\nb = {version = "^1.0", source = "other"}',
        '\n[[tool.poetry.source]]\nname = "private"\nurl = "https://pkgs.example.com/simple"\n',
    )
    _, err = _generated(tmp_path, str(tmp_path))
    assert "poetry dependency a comes from source 'private' (https://pkgs.example.com/simple)" in err
    assert "poetry dependency b comes from source 'other', but" in err


# requirements.txt local paths (QA pass)


@pytest.mark.parametrize("line", ["./mylib", "mylib/", "mylib/sub", "-e .", "--editable=.",
                                  "--editable .", "-e./mylib"])  # fmt: skip
def test_requirements_project_paths_are_refused_alike(tmp_path: Path, line: str) -> None:
    """``mylib/`` is as much a project path as ``./mylib``, and ``--editable=.`` as ``-e .``:
    each is the same clear error (the project is copied after the dependencies)."""
    (tmp_path / "mylib").mkdir()
    (tmp_path / "requirements.txt").write_text(f"flask\n{line}\n")
    _refused(tmp_path, str(tmp_path), needles=(repr(line), "installs from the project's own files"))


@pytest.mark.parametrize("line", ["--find-links ./wheels", "-f ./wheels", "-f./wheels",
                                  "--find-links=wheels", "--find-links file:///w"])  # fmt: skip
def test_requirements_local_find_links_is_refused(tmp_path: Path, line: str) -> None:
    (tmp_path / "wheels").mkdir()
    (tmp_path / "requirements.txt").write_text(f"{line}\nflask\n")
    _refused(tmp_path, str(tmp_path), needles=(repr(line), "local directory of packages"))


def test_requirements_find_links_url_and_vcs_lines_are_kept(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "--find-links https://download.pytorch.org/whl/cpu\n"
        "pkg @ https://example.com/pkg-1.0.tar.gz\nflask>=2; sys_platform == 'linux'\n"
    )
    assert read_project(tmp_path).pip_packages[0] == (
        "--find-links https://download.pytorch.org/whl/cpu"
    )
    (tmp_path / "requirements.txt").write_text("-e git+https://example.com/x.git#egg=x\n")
    _refused(tmp_path, str(tmp_path), needles=("editable VCS line",))


@pytest.mark.parametrize("name", ["env.yaml", "env.yml"])
def test_requirements_flag_with_a_conda_env_file_suggests_file(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("name: x\ndependencies: [python=3.11, flask]\n")
    _refused(tmp_path, "--requirements", name, needles=(name, "conda environment", "--file"))


# conda names in requirements mode (QA pass)


def test_conda_pytorch_variants_install_torch(tmp_path: Path) -> None:
    env = _env(tmp_path, "name: x\ndependencies: [python=3.11, pytorch-cpu=2.3, pytorch-gpu]\n")
    text, err = _generated(tmp_path, "--file", env)
    assert "'torch==2.3.*'" in text and "pytorch-" not in text.split("pip install", 1)[1]
    assert "conda 'pytorch-cpu' installed as PyPI 'torch'" in err


def test_conda_only_metapackages_never_reach_pip(tmp_path: Path) -> None:
    names = ["cpuonly", "nomkl", "mkl", "blas", "libblas", "_libgcc_mutex", "_openmp_mutex"]
    env = _env(tmp_path, f"name: x\ndependencies: [python=3.11, flask, {', '.join(names)}]\n")
    text, err = _generated(tmp_path, "--file", env)
    installs = " ".join(line for line in text.splitlines() if "pip install" in line)
    assert "flask" in installs
    for name in names:
        assert name not in installs and f"'{name}'" in err, name
    assert "https://download.pytorch.org/whl/cpu" in err


def test_conda_postgresql_and_libpq(tmp_path: Path) -> None:
    """The server is not installed (a warning says so); libpq is the runtime's libpq5."""
    env = _env(tmp_path, "name: x\ndependencies: [python=3.11, flask, postgresql=16, libpq]\n")
    text, err = _generated(tmp_path, "--file", env)
    installs = " ".join(line for line in text.splitlines() if "pip install" in line)
    assert "postgresql" not in installs and "libpq" not in installs
    assert "PostgreSQL database server, which is not installed" in err
    assert "install -y --no-install-recommends libpq5" in text.split(" AS production", 1)[1]
