"""Python plan: venv built in a builder stage, copied into a slim runtime (no compilers).

Conda env files in ``requirements`` mode are mapped to PyPI packages installed into a venv
(conda-forge is not needed, so the seed example builds anywhere PyPI is reachable);
``full-env``/``tarball`` are single-stage micromamba images, ``export-explicit`` a
micromamba builder whose environment is copied into a slim runtime.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import BaseModel, Field

from stagesmith.config import ImageMap
from stagesmith.errors import StagesmithError
from stagesmith.plan.combined import EcoPlan, Stage
from stagesmith.spec.python import (
    PythonSpec,
    check_apt_names,
    conda_to_pip,
    is_build_only,
    parse_conda,
    read_requirements,
)

#: Runtime shared libraries needed by compiled packages (from the packages' own install docs:
#: scikit-learn/lightgbm use OpenMP, psycopg2 links libpq, lxml libxml2/libxslt, ...).
RUNTIME_LIBS = {
    "scikit-learn": ["libgomp1"],
    "lightgbm": ["libgomp1"],
    "xgboost": ["libgomp1"],
    "psycopg2": ["libpq5"],
    "mysqlclient": ["libmariadb3"],
    "lxml": ["libxml2", "libxslt1.1"],
    "pillow": ["libjpeg62-turbo", "zlib1g"],
}
#: Conda names that differ on PyPI.
CONDA_TO_PYPI = {
    "pytorch": "torch", "py-opencv": "opencv-python-headless", "opencv": "opencv-python-headless",
    "matplotlib-base": "matplotlib", "pytables": "tables", "msgpack-python": "msgpack",
    "py-xgboost": "xgboost", "tensorflow-base": "tensorflow", "pyqt": "PyQt5",
    "python-graphviz": "graphviz", "jupyterlab_server": "jupyterlab-server",
}  # fmt: skip
#: Conda packages that are not Python packages (toolkits, system libraries, other languages):
#: there is nothing to pip-install; the wheels of PyPI packages bundle what they need.
NO_PYPI = {
    "cudatoolkit", "cudnn", "nccl", "mkl", "mkl-service", "blas", "libblas", "libcblas",
    "liblapack", "openblas", "libopenblas", "openjdk", "nodejs", "ffmpeg", "libgcc-ng",
    "libstdcxx-ng", "libgomp", "llvm-openmp", "openssl", "ca-certificates", "certifi-conda",
    "tk", "xz", "zlib", "libffi", "ncurses", "readline", "sqlite", "bzip2", "tzdata",
    "ld_impl_linux-64", "libuuid", "git", "curl", "hdf5", "gdal", "proj", "geos", "r-base",
    "pytorch-cuda", "cuda", "magma", "boost", "eigen", "libxml2", "libpq", "graphviz",
}  # fmt: skip
NO_PYPI_PREFIXES = ("r-", "cuda-", "_")
BUILD_APT = {"psycopg2": ["libpq-dev"], "mysqlclient": ["default-libmysqlclient-dev"]}
PRESETS = ("slim", "distroless", "ubuntu")
UID = 10001
#: distroless has no shell, so no ``useradd``: its ``:nonroot`` tag has user 65532 in /etc/passwd.
DISTROLESS = "gcr.io/distroless/python3-debian12:nonroot"
DISTROLESS_UID = 65532
#: System Python of each distribution release the presets pair with (runtime and builder must
#: have the same interpreter: the venv's ``bin/python`` is a symlink to it).
DEBIAN12_PYTHON = "3.11.2"
UBUNTU_PYTHON = (("24.04", "3.12.3"), ("22.04", "3.10.12"))
#: What an OS builder needs to make a venv and compile C extensions (python:X has these).
OS_BUILDER_APT = ["build-essential", "python3-dev", "python3-venv"]
#: What ``python -m venv`` seeds; the runtime never runs pip, so these are uninstalled from the
#: venv it receives unless the project itself depends on them (``pkg_resources`` users).
SEED_PACKAGES = ("pip", "setuptools", "wheel")
#: Import packages whose ``tests`` sub-directories are their own test suites, never imported by
#: the library at run time (numpy/scipy/scikit-learn/pandas ship 30 MB of them together);
#: ``pandas.test()``/``numpy.test()`` therefore do not work in the runtime image.
PRUNE_TESTS = ("numpy", "scipy", "sklearn", "pandas", "matplotlib", "statsmodels")
_SHELL_CHARS = re.compile(r"[|&;<>()$`\\\n*?~]")


def _env_word(key: str, value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise StagesmithError(f"env: {key!r} is not a valid environment variable name")
    if "\n" in value or "\r" in value:
        raise StagesmithError(f"env: the value of {key} spans several lines")
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")


def env_args(env: dict[str, str], bin_dir: str | None = None) -> str:
    """``K="v"`` pairs for one ``ENV`` line: Dockerfile double quotes, ``\\ " $`` escaped.

    With ``bin_dir`` (the venv's or the environment's ``bin``) ``PATH`` is left out: it is
    :func:`env_path`'s, the ``PATH=`` the template writes itself.
    """
    out = [f'{key}="{_env_word(key, value)}"' for key, value in sorted(env.items())
           if not (bin_dir is not None and key == "PATH")]  # fmt: skip
    return " ".join(out)


def env_path(env: dict[str, str], bin_dir: str) -> str:
    """The runtime's ``PATH=`` word: ``bin_dir`` first, so ``CMD ["python", ...]`` finds the
    interpreter. ``env: {PATH: /custom/bin}`` gives ``/opt/venv/bin:/custom/bin`` (the
    user's PATH, after the venv); ``$PATH``/``${PATH}`` in it is the base image's PATH."""
    if "PATH" not in env:
        return f"{bin_dir}:$PATH"
    quoted = _env_word("PATH", env["PATH"])
    quoted = re.sub(r"\\\$(?:\{PATH\}|PATH(?![A-Za-z0-9_]))", "$PATH", quoted)
    if quoted.split(":")[0] != bin_dir:
        quoted = f"{bin_dir}:{quoted}" if quoted else bin_dir
    return f'"{quoted}"'


class Pairing(BaseModel):
    """Runtime image and the builder that makes a venv which runs in it."""

    runtime: str
    builder: str | None  # None: the caller's default (python:X.Y)
    preset: str  # slim | distroless | ubuntu | custom
    python: str  # X.Y the venv is built for
    venv_python: str = "python"  # interpreter that creates /opt/venv in the builder
    builder_apt: list[str] = Field(default_factory=list)
    runtime_apt: list[str] = Field(default_factory=list)
    shell: bool = True
    uid: int = UID
    reason: str = "same image family as the builder so /opt/venv runs as is"


def _python_fits(spec: PythonSpec, full: str) -> bool:
    """Whether the distribution's Python ``full`` (X.Y.Z) satisfies what the project asks."""
    if spec.python_source == "default":
        return True
    if spec.python_requires:
        try:
            return SpecifierSet(spec.python_requires).contains(full)
        except InvalidSpecifier:
            pass
    return full.startswith(spec.python_version + ".")


def _pairing(spec: PythonSpec, base: str | None, builder_given: bool) -> Pairing:
    v = spec.python_version
    if base is None or base == "slim":
        return Pairing(runtime=f"python:{v}-slim", builder=None, preset="slim", python=v)
    if base == "distroless":
        if not _python_fits(spec, DEBIAN12_PYTHON):
            raise StagesmithError(
                f"--runtime-base distroless: its Python is Debian 12's {DEBIAN12_PYTHON}, but the"
                f" project asks for Python {spec.python_requires or v} ({spec.python_source});"
                " use --runtime-base slim or an image with that Python"
            )
        return Pairing(
            runtime=DISTROLESS, builder="debian:bookworm-slim", preset="distroless",
            python="3.11", venv_python="/usr/bin/python3.11",
            builder_apt=[] if builder_given else OS_BUILDER_APT, shell=False,
            uid=DISTROLESS_UID,
            reason="no shell or package manager; the venv is made on debian:bookworm-slim with"
            f" Debian 12's python3.11 ({DEBIAN12_PYTHON}), the interpreter distroless ships at"
            " /usr/bin/python3.11, so /opt/venv/bin/python resolves",
        )  # fmt: skip
    if base == "ubuntu":
        fit = next(((r, full) for r, full in UBUNTU_PYTHON if _python_fits(spec, full)), None)
        if fit is None:
            offered = ", ".join(f"{r}: {full}" for r, full in UBUNTU_PYTHON)
            raise StagesmithError(
                f"--runtime-base ubuntu: no Ubuntu LTS ships Python {spec.python_requires or v}"
                f" ({spec.python_source}; {offered}); use --runtime-base slim or an image"
            )
        release, full = fit
        xy = ".".join(full.split(".")[:2])
        return Pairing(
            runtime=f"ubuntu:{release}", builder=f"ubuntu:{release}", preset="ubuntu", python=xy,
            venv_python=f"/usr/bin/python{xy}",
            builder_apt=[] if builder_given else OS_BUILDER_APT, runtime_apt=["python3"],
            reason=f"Ubuntu {release} with its python{xy} ({full}) in both builder and runtime"
            " (the venv links the system interpreter, installed in the runtime with apt)",
        )  # fmt: skip
    if base.isidentifier() and ":" not in base and "/" not in base:
        raise StagesmithError(f"unknown runtime base preset {base!r} (slim, distroless, ubuntu)")
    return Pairing(runtime=base, builder=None, preset="custom", python=v,
                   reason="given; it must have the builder's Python at the same path")  # fmt: skip


def _runtime(base: str | None, version: str) -> str:
    """Runtime image for the conda modes (self-contained environments, any glibc image)."""
    if base is None or base == "slim":
        return "debian:bookworm-slim" if base is None else f"python:{version}-slim"
    if base == "distroless":
        return "gcr.io/distroless/base-debian12:nonroot"
    if base == "ubuntu":
        return "ubuntu:24.04"
    if base.isidentifier() and ":" not in base and "/" not in base:
        raise StagesmithError(f"unknown runtime base preset {base!r} (slim, distroless, ubuntu)")
    return base


def _musl(image: str) -> bool:
    return "alpine" in image.lower() or "musl" in image.lower()


def healthcheck(
    health_cmd: str | None, health_url: str | None, shell: bool
) -> tuple[str | None, str]:
    """``HEALTHCHECK ... CMD`` argument and the decision text; exec form without a shell."""
    if health_url:
        if not re.fullmatch(r"https?://[^\s]+", health_url):
            raise StagesmithError(f"health URL {health_url!r} must be http(s)://... without spaces")
        code = ("import sys, urllib.request; sys.exit(0 if urllib.request.urlopen("
                f"{health_url!r}, timeout=4).status < 400 else 1)")  # fmt: skip
        return json.dumps(["python", "-c", code]), "urllib, works without curl"
    if health_cmd:
        if "\n" in health_cmd or "\r" in health_cmd:
            raise StagesmithError("health command spans several lines")
        if shell:
            return health_cmd, "shell form"
        if _SHELL_CHARS.search(health_cmd):
            raise StagesmithError(
                f"health command {health_cmd!r} needs a shell, which the runtime image has not;"
                " give a plain command (or --health-url)"
            )
        return json.dumps(shlex.split(health_cmd)), "exec form: the runtime has no shell"
    return None, ""


def _pkg_name(req: str) -> str:
    m = re.match(r"[A-Za-z0-9_.\-]+", req)
    return (m.group(0) if m else req).lower().replace("_", "-")


def _health(
    spec: PythonSpec, health_cmd: str | None, health_url: str | None
) -> tuple[str | None, str | None, str]:
    """Health command/URL: a CLI flag wins over the env file's ``health_cmd``/``health_url``."""
    if health_cmd or health_url:
        return health_cmd, health_url, "command line"
    if spec.health_cmd and spec.health_url:
        raise StagesmithError(f"{spec.source}: health_cmd and health_url are exclusive")
    return spec.health_cmd, spec.health_url, spec.source


def _set_health(
    result: EcoPlan, spec: PythonSpec, cmd: str | None, url: str | None, shell: bool
) -> None:
    cmd, url, origin = _health(spec, cmd, url)
    check, how = healthcheck(cmd, url, shell)
    if check is not None:
        result.healthcheck = check
        result.decide("healthcheck", url or cmd, f"{origin}; {how}")


def _libs(names: list[str], spec: PythonSpec, runtime_apt: list[str] | None) -> list[str]:
    declared = check_apt_names(list(runtime_apt or []), "--runtime-apt")
    inferred = {lib for n in names for lib in RUNTIME_LIBS.get(n, [])}
    return sorted(inferred | set(declared) | set(spec.runtime_apt))


def plan(
    spec: PythonSpec,
    images: ImageMap,
    *,
    builder_base: str | None = None,
    runtime_base: str | None = None,
    runtime_apt: list[str] | None = None,
    health_cmd: str | None = None,
    health_url: str | None = None,
    root: Path | None = None,
) -> EcoPlan:
    """The plan; ``root`` is the build context of an env file (its ``pip: [-r FILE]``)."""
    conda_mode = spec.kind == "conda" and spec.mode != "requirements"
    if conda_mode:
        return _plan_conda(spec, images, builder_base, runtime_base, runtime_apt,
                           health_cmd, health_url, root)  # fmt: skip
    given_builder = builder_base or spec.builder_base
    pair = _pairing(spec, runtime_base or spec.runtime_base, given_builder is not None)
    v = pair.python
    builder = images(given_builder or pair.builder or f"python:{v}")
    runtime = images(pair.runtime)
    dropped: list[str] = []
    converted: list[str] = []
    notes: list[str] = []
    if spec.kind == "conda":
        converted, dropped, notes = _conda_as_pypi(spec)
        pip_list, more = _pip_entries(spec.pip_packages, spec.source, root)
        notes += more
    else:
        pip_list = list(spec.pip_packages)
    pip = converted + pip_list
    names = [_pkg_name(p) for p in pip]
    libs = _libs(names, spec, runtime_apt)
    if not pair.shell and libs:
        raise StagesmithError(
            f"--runtime-base {pair.preset}: the runtime has no shell or package manager, so"
            f" {' '.join(libs)} cannot be installed there; use --runtime-base slim"
        )
    libs = sorted(set(libs) | set(pair.runtime_apt))
    build_apt = sorted({lib for n in names for lib in BUILD_APT.get(n, [])} | set(pair.builder_apt))
    installed = pip if spec.kind in ("conda", "pyproject") and spec.lock != "uv" else []
    entry = spec.entry or ["python", "app.py"]
    if spec.kind == "pyproject" and spec.entry and len(spec.entry) == 1:
        entry = [f"/opt/venv/bin/{spec.entry[0]}"]
    uid = pair.uid
    result = EcoPlan(
        ecosystem="python",
        detected_from=[spec.source],
        template="python.Dockerfile.j2",
        stages=[
            Stage(name="deps", base=builder, role="builder"),
            Stage(name="venv", base="deps", role="prune"),
            Stage(name="builder", base="deps", role="source"),
            Stage(name="test", base="builder", role="test"),
            Stage(name="development", base="builder", role="development"),
            Stage(name="production", base=runtime, role="runtime"),
        ],
        user=f"{uid}:{uid}",
        runtime_shell=pair.shell,
        params={
            "name": spec.name,
            "kind": spec.kind,
            "mode": spec.mode,
            "requirements_file": spec.requirements_file,
            "requirements_includes": spec.requirements_includes,
            "pip_packages": installed,
            "pip_args": " ".join(shlex.quote(d) for d in installed),
            "constraints": spec.poetry_pins,
            "constraints_args": " ".join(shlex.quote(d) for d in spec.poetry_pins),
            "prune_packages": [n for n in SEED_PACKAGES if n not in names],
            "prune_tests": list(PRUNE_TESTS),
            "project_deps": not spec.deps_known,
            "project_install": _project_install(spec),
            "build_requires_args": " ".join(shlex.quote(r) for r in spec.build_requires),
            "lock": spec.lock,
            "build_apt": build_apt,
            "runtime_apt": libs,
            "venv_python": pair.venv_python,
            "preset": pair.preset,
            "shell": pair.shell,
            "dev_source": spec.dev_source,
            "dev_args": " ".join(shlex.quote(d) for d in spec.dev_packages),
            "dev_requirements": spec.dev_requirements,
            "env": spec.env,
            "env_args": env_args(spec.env, "/opt/venv/bin"),
            "env_path": env_path(spec.env, "/opt/venv/bin"),
            "entry": entry,
            "tests": spec.has_tests,
            "uid": uid,
        },
        labels={"org.opencontainers.image.title": spec.name, **spec.labels},
        dockerignore=[".git", ".venv", "venv", "**/__pycache__", "**/*.pyc", ".pytest_cache",
                      "Dockerfile*", ".dockerignore", "*.egg-info", "dist", "build"],
    )  # fmt: skip
    result.decide("builder", builder, f"Python {v} ({spec.python_source}); has compilers/headers"
                  + (f"; apt: {' '.join(pair.builder_apt)}" if pair.builder_apt else ""))  # fmt: skip
    result.decide("runtime", runtime, pair.reason)
    if given_builder and pair.preset in ("distroless", "ubuntu"):
        result.warnings.append(
            f"builder {builder} with the {pair.preset} runtime: the venv is made by"
            f" {pair.venv_python}, which the builder must have (the runtime's interpreter);"
            " no packages are added to a builder you name"
        )
    if _musl(runtime) != _musl(builder):
        result.warnings.append(
            f"runtime {runtime} and builder {builder} use different C libraries (musl/glibc):"
            " compiled packages in the venv will not load; use bases of the same family"
        )
    if dropped:
        result.decide(
            "build-only",
            ", ".join(dropped),
            f"{spec.source}: compilers/tools and python itself stay out of the venv",
        )
    result.decide("dependencies", spec.lock or spec.requirements_file or "pip list",
                  "manifests are copied and installed before the source so source edits reuse the layer")  # fmt: skip
    if result.params["project_install"] == "uv":
        result.decide(
            "project",
            "uv pip install --offline --no-deps --no-build-isolation --prefix /opt/project",
            "[build-system].requires are installed to /opt/build before the source is copied"
            " (cached with the dependencies); after a source edit only the project itself is"
            " built and installed, with no index, resolver or build environment (uv, builder"
            " only); /opt/project is copied over the runtime's venv in a layer of its own",
        )
    elif result.params["project_install"] == "pip":
        result.decide(
            "project",
            "pip install --target /opt/project/... (with its dependencies)",
            "dependencies are dynamic: they are only known once the project is built, so they"
            " are installed with it, after the source",
        )
    if spec.poetry_pins:
        result.decide("lock", f"poetry.lock: {len(spec.poetry_pins)} pinned versions",
                      "the lock's main-group versions are pip constraints (-c), so pip installs"
                      " exactly the locked version of every package it needs")  # fmt: skip
    if libs:
        result.decide(
            "runtime-apt",
            " ".join(libs),
            "shared libraries of compiled packages (RUNTIME_LIBS table) or declared"
            + ("; python3 is the interpreter the venv links" if pair.runtime_apt else ""),
        )
    result.decide("user", f"{uid}:{uid}", "fixed non-root UID/GID"
                  + (" (distroless's nonroot user; no useradd without a shell)"
                     if not pair.shell else ""))  # fmt: skip
    result.decide("pruning", "*.a, share/doc, share/man, __pycache__, pip cache (cache mount)",
                  "never needed at run time; bytecode is recompiled lazily and not stored")  # fmt: skip
    seeds = ", ".join(n for n in SEED_PACKAGES if n not in names)
    result.decide("runtime-venv", f"without {seeds or 'nothing'}; tests/ of {', '.join(PRUNE_TESTS)}",
                  "the runtime never installs packages; those test suites are not imported")  # fmt: skip
    result.decide("development", spec.dev_source or "none declared",
                  "the development target is the builder plus these dev dependencies and bash"
                  if spec.dev_source else
                  "no dev group, [project.optional-dependencies].dev or requirements-dev.txt;"
                  " the development target is the builder plus bash")  # fmt: skip
    _set_health(result, spec, health_cmd, health_url, pair.shell)
    _decide_path(result, spec)
    result.warnings += spec.warnings + notes
    if spec.kind != "requirements" and not spec.lock and not installed and spec.deps_known:
        result.warnings.append(f"{spec.source}: no packages to install; the venv stays empty")
    return result


def _decide_path(result: EcoPlan, spec: PythonSpec) -> None:
    if "PATH" in spec.env:
        result.decide("env PATH", result.params["env_path"].strip('"'),
                      f"{spec.source}: env PATH, after the interpreter's bin directory so"
                      " CMD still finds python ($PATH in it is the base image's PATH)")  # fmt: skip


def _project_install(spec: PythonSpec) -> str | None:
    """How a pyproject project itself is installed: ``uv`` (alone, offline: its dependencies are
    already in the venv), ``pip`` (dynamic dependencies come with it) or None (not a package)."""
    if spec.kind != "pyproject":
        return None
    return "uv" if spec.deps_known else "pip"


def _conda_as_pypi(spec: PythonSpec) -> tuple[list[str], list[str], list[str]]:
    """Conda packages as PyPI requirements: (converted, dropped as build-only, warnings)."""
    converted: list[str] = []
    dropped: list[str] = []
    notes: list[str] = []
    for dep in spec.conda_packages:
        name = parse_conda(dep)[0].lower()
        if name in ("python", "pip") or is_build_only(name):
            dropped.append(dep)
        elif name in NO_PYPI or name.startswith(NO_PYPI_PREFIXES):
            notes.append(f"{spec.source}: conda package '{dep}' has no PyPI equivalent; skipped"
                         " (add a system library with runtime_apt, or use deploy mode full-env)")  # fmt: skip
        else:
            req = conda_to_pip(dep)
            if name in CONDA_TO_PYPI:
                req = CONDA_TO_PYPI[name] + req[len(name) :]
                notes.append(f"{spec.source}: conda '{name}' installed as PyPI"
                             f" '{CONDA_TO_PYPI[name]}'")  # fmt: skip
            elif "|" in dep:
                notes.append(f"{spec.source}: '{dep}': alternative versions (|) dropped: {req}")
            converted.append(req)
    return converted, dropped, notes


#: pip options whose value is a file of the project (or the project itself, ``-e .``).
_FILE_OPTIONS = ("-r", "--requirement", "-c", "--constraint", "-e", "--editable")


def _pip_words(text: str, source: str) -> list[str]:
    """One ``pip:`` entry as pip arguments: an option line is split from its value."""
    if not text.startswith("-"):
        return [text]
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise StagesmithError(f"{source}: pip entry {text!r}: {exc}") from exc
    if words[0].startswith("--") and "=" in words[0]:
        option, _, value = words[0].partition("=")  # ``--index-url=URL``: two words too
        words[:1] = [option, value]
    return words


def _file_option(words: list[str]) -> tuple[str, str | None] | None:
    """(option, value) when the entry names a project file or directory, else None."""
    first = words[0]
    for option in _FILE_OPTIONS:
        if first == option:
            return option, words[1] if len(words) > 1 else None
        if first.startswith(option + "=") and option.startswith("--"):
            return option, first.partition("=")[2]
        if len(option) == 2 and first.startswith(option) and not first.startswith("--"):
            return option, first[2:]  # ``-rfile``, as pip accepts
    if first.startswith((".", "/", "file:")):
        return "path", first
    return None


def _pip_entries(
    entries: list[str], source: str, root: Path | None = None
) -> tuple[list[str], list[str]]:
    """An env file's ``pip:`` sub-list as ``pip install`` arguments (requirements mode).

    Options such as ``--index-url URL`` or ``--pre`` are split into words; ``-r FILE`` is read
    (relative to the env file's directory, includes followed) and its lines installed with
    the rest; entries that need the project's files at install time (``-c``, ``-e``, local
    paths) cannot be installed before the source is copied, so they are left out with a
    warning.
    """
    out: list[str] = []
    notes: list[str] = []
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        words = _pip_words(text, source)
        named = _file_option(words)
        if named is not None and named[0] in ("-r", "--requirement") and root is not None:
            if not named[1]:
                raise StagesmithError(f"{source}: pip entry {text!r} names no file")
            if not (root / named[1]).is_file():
                raise StagesmithError(
                    f"{source}: pip entry {text!r}: {named[1]} not found next to {source}"
                )
            lines = read_requirements(root / named[1], root=root)
            more, inner = _pip_entries(lines, f"{source} ({named[1]})")
            out += more
            notes += inner
        elif named is not None:
            notes.append(f"{source}: pip entry '{text}' needs project files; skipped"
                         " (use a requirements.txt or pyproject.toml project instead)")  # fmt: skip
        else:
            out += words
    return out, notes


def _conda_pip(
    entries: list[str], source: str, root: Path | None
) -> tuple[list[str], list[str]]:
    """The ``pip:`` sub-list for the micromamba modes: (pip arguments, files they read).

    Each option is its own argument, split from its value (``--extra-index-url URL`` is two);
    ``-r``/``-c`` files must exist in the build context (the env file's directory), and any
    entry that reads project files (``-r``, ``-c``, ``-e .``, a local path) makes the template
    copy the project into /app before pip runs there.
    """
    args: list[str] = []
    files: list[str] = []
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        words = _pip_words(text, source)
        named = _file_option(words)
        if named is not None:
            option, value = named
            if value is None:
                raise StagesmithError(f"{source}: pip entry {text!r} names no file")
            if option in ("-e", "--editable") and not value.startswith((".", "/", "file:")):
                named = None  # an editable VCS URL: nothing from the project
            elif (
                option in ("-r", "--requirement", "-c", "--constraint")
                and root is not None
                and not (root / value).is_file()
            ):
                raise StagesmithError(
                    f"{source}: pip entry {text!r}: {value} not found next to {source}"
                    " (the build context)"
                )
            if named is not None:
                files.append(value)
        args += words
    return args, files


def _plan_conda(
    spec: PythonSpec,
    images: ImageMap,
    builder_base: str | None,
    runtime_base: str | None,
    runtime_apt: list[str] | None,
    health_cmd: str | None,
    health_url: str | None,
    root: Path | None = None,
) -> EcoPlan:
    builder = images(builder_base or spec.builder_base or "mambaorg/micromamba:1.5")
    pip_args, pip_files = _conda_pip(spec.pip_packages, spec.source, root)
    single = spec.mode in ("full-env", "tarball")
    stages = [Stage(name="builder", base=builder, role="builder")]
    base = runtime_base or spec.runtime_base
    if single and base:
        spec.warnings.append(f"deploy mode {spec.mode} builds a single stage; runtime base"
                             f" {base!r} is not used")  # fmt: skip
    shell = True
    if not single:
        runtime = images(_runtime(base, spec.python_version))
        shell = base != "distroless"
        stages.append(Stage(name="production", base=runtime, role="runtime"))
    libs = _libs([], spec, runtime_apt)
    if not shell and libs:
        raise StagesmithError(
            "--runtime-base distroless: the runtime has no shell or package manager, so"
            f" {' '.join(libs)} cannot be installed there"
        )
    uid = UID if shell else DISTROLESS_UID
    result = EcoPlan(
        ecosystem="python-conda",
        detected_from=[spec.source],
        template="python.Dockerfile.j2",
        stages=stages,
        user=f"{uid}:{uid}",
        runtime_shell=shell,
        params={"name": spec.name, "kind": "conda", "mode": spec.mode, "channels": spec.channels,
                "conda_packages": spec.conda_packages, "pip_packages": spec.pip_packages,
                "pip_args": " ".join(shlex.quote(d) for d in pip_args),
                "pip_files": pip_files,
                "runtime_packages": [d for d in spec.conda_packages if d not in spec.build_only],
                "build_only": [d for d in spec.conda_packages if d in spec.build_only],
                "runtime_apt": libs, "shell": shell,
                "env": spec.env, "env_args": env_args(spec.env, "/opt/env/bin"),
                "env_path": env_path(spec.env, "/opt/env/bin"),
                "entry": spec.entry or ["python"], "uid": uid, "single": single},
        labels={"org.opencontainers.image.title": spec.name, **spec.labels},
        dockerignore=[".git", "**/__pycache__", "Dockerfile*", ".dockerignore"],
    )  # fmt: skip
    result.decide("mode", spec.mode, f"{spec.source}: deploy.mode")
    if spec.mode == "export-explicit" and root is not None:
        # the lock is what gets installed; generating before it exists is fine (CI may make
        # it), but the build needs it next to the env file, so say so now, not at build time
        if not (root / "conda-lock.txt").is_file():
            result.warnings.append(
                f"{spec.source}: export-explicit installs {root / 'conda-lock.txt'}, which does "
                "not exist yet; write it with `micromamba env export --explicit > "
                "conda-lock.txt` (or conda-lock --kind explicit) before building"
            )
        if spec.conda_packages:
            result.warnings.append(
                f"{spec.source}: export-explicit installs exactly what conda-lock.txt lists; "
                "the env file's conda dependencies are not read in this mode (pip: entries are)"
            )
    if libs:
        result.decide("runtime-apt", " ".join(libs), "declared")
    _set_health(result, spec, health_cmd, health_url, shell)
    _decide_path(result, spec)
    result.warnings += spec.warnings
    return result


def plan_conda_pack(
    spec: PythonSpec,
    images: ImageMap,
    *,
    builder_base: str | None = None,
    runtime_base: str | None = None,
    runtime_apt: list[str] | None = None,
    health_cmd: str | None = None,
    health_url: str | None = None,
) -> EcoPlan:
    """A conda-pack tarball unpacked in a stage, ``conda-unpack`` run, /opt/env copied over."""
    unpacker = images(builder_base or "debian:bookworm-slim")
    base = runtime_base or "debian:bookworm-slim"
    runtime = images(_runtime(base, spec.python_version))
    shell = base != "distroless"
    libs = _libs([], spec, runtime_apt)
    if not shell and libs:
        raise StagesmithError(
            "--runtime-base distroless: the runtime has no shell or package manager, so"
            f" {' '.join(libs)} cannot be installed there"
        )
    uid = UID if shell else DISTROLESS_UID
    result = EcoPlan(
        ecosystem="python-conda-pack",
        detected_from=[spec.source],
        template="python.Dockerfile.j2",
        stages=[Stage(name="unpack", base=unpacker, role="builder"),
                Stage(name="production", base=runtime, role="runtime")],
        user=f"{uid}:{uid}",
        runtime_shell=shell,
        params={"name": spec.name, "kind": "conda-pack", "mode": "tarball",
                "tarball": spec.source, "tarball_args": shlex.quote("/app/" + spec.source),
                "conda_unpack": spec.conda_unpack, "runtime_apt": libs, "shell": shell,
                "env": spec.env, "env_args": env_args(spec.env, "/opt/env/bin"),
                "env_path": env_path(spec.env, "/opt/env/bin"),
                "entry": spec.entry or ["python"], "uid": uid},
        labels={"org.opencontainers.image.title": spec.name},
        dockerignore=[".git", "**/__pycache__", "Dockerfile*", ".dockerignore"],
    )  # fmt: skip
    result.decide("tarball", spec.source, "conda-pack environment unpacked to /opt/env"
                  + ("; conda-unpack rewrites its prefixes" if spec.conda_unpack else ""))  # fmt: skip
    result.decide("runtime", runtime, "conda environments carry their own Python and libraries;"
                  " any glibc image runs them")  # fmt: skip
    if _musl(runtime):
        result.warnings.append(f"runtime {runtime} uses musl; conda-forge builds need glibc")
    if libs:
        result.decide("runtime-apt", " ".join(libs), "declared")
    _set_health(result, spec, health_cmd, health_url, shell)
    _decide_path(result, spec)
    result.warnings += spec.warnings
    return result
