"""Python plan: venv built in a builder stage, copied into a slim runtime (no compilers).

Conda env files in ``requirements`` mode are mapped to PyPI packages installed into a venv
(conda-forge is not needed, so the seed example builds anywhere PyPI is reachable);
``full-env``/``tarball`` are single-stage micromamba images, ``export-explicit`` a
micromamba builder whose environment is copied into a slim runtime.
"""

from __future__ import annotations

import re
import shlex

from stagesmith.config import ImageMap
from stagesmith.errors import StagesmithError
from stagesmith.plan.combined import EcoPlan, Stage
from stagesmith.spec.python import PythonSpec, conda_to_pip, is_build_only, parse_conda

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
PRESETS = {
    "slim": "python:{v}-slim",
    "ubuntu": "ubuntu:24.04",
    "distroless": "gcr.io/distroless/python3-debian12",
}
UID = 10001
#: What ``python -m venv`` seeds; the runtime never runs pip, so these are uninstalled from the
#: venv it receives unless the project itself depends on them (``pkg_resources`` users).
SEED_PACKAGES = ("pip", "setuptools", "wheel")
#: Import packages whose ``tests`` sub-directories are their own test suites, never imported by
#: the library at run time (numpy/scipy/scikit-learn/pandas ship 30 MB of them together);
#: ``pandas.test()``/``numpy.test()`` therefore do not work in the runtime image.
PRUNE_TESTS = ("numpy", "scipy", "sklearn", "pandas", "matplotlib", "statsmodels")


def env_args(env: dict[str, str]) -> str:
    """``K="v"`` pairs for one ``ENV`` line: Dockerfile double quotes, ``\\ " $`` escaped."""
    out = []
    for key, value in sorted(env.items()):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise StagesmithError(f"env: {key!r} is not a valid environment variable name")
        if "\n" in value or "\r" in value:
            raise StagesmithError(f"env: the value of {key} spans several lines")
        quoted = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
        out.append(f'{key}="{quoted}"')
    return " ".join(out)


def _runtime(base: str | None, version: str) -> str:
    if base is None:
        return f"python:{version}-slim"
    if base in PRESETS:
        return PRESETS[base].format(v=version)
    if base.isidentifier() and ":" not in base and "/" not in base:
        raise StagesmithError(f"unknown runtime base preset {base!r} (slim, distroless, ubuntu)")
    return base


def _pkg_name(req: str) -> str:
    m = re.match(r"[A-Za-z0-9_.\-]+", req)
    return (m.group(0) if m else req).lower().replace("_", "-")


def plan(
    spec: PythonSpec,
    images: ImageMap,
    *,
    builder_base: str | None = None,
    runtime_base: str | None = None,
    runtime_apt: list[str] | None = None,
    health_cmd: str | None = None,
    health_url: str | None = None,
) -> EcoPlan:
    v = spec.python_version
    conda_mode = spec.kind == "conda" and spec.mode != "requirements"
    if conda_mode:
        return _plan_conda(spec, images, builder_base, runtime_base)
    builder = images(builder_base or spec.builder_base or f"python:{v}")
    runtime = images(_runtime(runtime_base or spec.runtime_base, v))
    dropped: list[str] = []
    converted: list[str] = []
    notes: list[str] = []
    if spec.kind == "conda":
        converted, dropped, notes = _conda_as_pypi(spec)
        pip_list, more = _pip_entries(spec.pip_packages, spec.source)
        notes += more
    else:
        pip_list = list(spec.pip_packages)
    pip = converted + pip_list
    names = [_pkg_name(p) for p in pip]
    libs = sorted(
        {lib for n in names for lib in RUNTIME_LIBS.get(n, [])}
        | set(runtime_apt or [])
        | set(spec.runtime_apt)
    )
    build_apt = sorted({lib for n in names for lib in BUILD_APT.get(n, [])})
    installed = pip if spec.kind in ("conda", "pyproject") and spec.lock != "uv" else []
    entry = spec.entry or ["python", "app.py"]
    if spec.kind == "pyproject" and spec.entry and len(spec.entry) == 1:
        entry = [f"/opt/venv/bin/{spec.entry[0]}"]
    result = EcoPlan(
        ecosystem="python",
        detected_from=[spec.source],
        template="python.Dockerfile.j2",
        stages=[
            Stage(name="deps", base=builder, role="builder"),
            Stage(name="builder", base="deps", role="source"),
            Stage(name="test", base="builder", role="test"),
            Stage(name="development", base="builder", role="development"),
            Stage(name="production", base=runtime, role="runtime"),
        ],
        user=f"{UID}:{UID}",
        params={
            "name": spec.name,
            "kind": spec.kind,
            "mode": spec.mode,
            "requirements_file": spec.requirements_file,
            "requirements_includes": spec.requirements_includes,
            "pip_packages": installed,
            "pip_args": " ".join(shlex.quote(d) for d in installed),
            "prune_packages": [n for n in SEED_PACKAGES if n not in names],
            "prune_tests": list(PRUNE_TESTS),
            "project_deps": not spec.deps_known,
            "lock": spec.lock,
            "build_apt": build_apt,
            "runtime_apt": libs,
            "env": spec.env,
            "env_args": env_args(spec.env),
            "entry": entry,
            "tests": spec.has_tests,
            "uid": UID,
        },
        labels={"org.opencontainers.image.title": spec.name, **spec.labels},
        dockerignore=[".git", ".venv", "venv", "**/__pycache__", "**/*.pyc", ".pytest_cache",
                      "Dockerfile*", ".dockerignore", "*.egg-info", "dist", "build"],
    )  # fmt: skip
    result.decide("builder", builder, f"Python {v} ({spec.python_source}); has compilers/headers")
    result.decide("runtime", runtime, "same image family as the builder so /opt/venv runs as is")
    if dropped:
        result.decide(
            "build-only",
            ", ".join(dropped),
            f"{spec.source}: compilers/tools and python itself stay out of the venv",
        )
    result.decide("dependencies", spec.lock or spec.requirements_file or "pip list",
                  "manifests are copied and installed before the source so source edits reuse the layer")  # fmt: skip
    if libs:
        result.decide(
            "runtime-apt",
            " ".join(libs),
            "shared libraries of compiled packages (RUNTIME_LIBS table) or declared",
        )
    result.decide("user", f"{UID}:{UID}", "fixed non-root UID/GID")
    result.decide("pruning", "*.a, share/doc, share/man, __pycache__, pip cache (cache mount)",
                  "never needed at run time; bytecode is recompiled lazily and not stored")  # fmt: skip
    seeds = ", ".join(n for n in SEED_PACKAGES if n not in names)
    result.decide("runtime-venv", f"without {seeds or 'nothing'}; tests/ of {', '.join(PRUNE_TESTS)}",
                  "the runtime never installs packages; those test suites are not imported")  # fmt: skip
    if health_url:
        result.healthcheck = (
            '["python", "-c", "import sys, urllib.request; '
            f"sys.exit(0 if urllib.request.urlopen('{health_url}', timeout=4).status < 400 else 1)\"]"
        )
        result.decide("healthcheck", health_url, "--health-url: urllib, works without curl")
    elif health_cmd:
        result.healthcheck = health_cmd
        result.decide("healthcheck", health_cmd, "--health-cmd")
    result.warnings += spec.warnings + notes
    if spec.kind != "requirements" and not spec.lock and not installed:
        result.warnings.append(f"{spec.source}: no packages to install; the venv stays empty")
    return result


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


def _pip_entries(entries: list[str], source: str) -> tuple[list[str], list[str]]:
    """An env file's ``pip:`` sub-list as ``pip install`` arguments.

    Options such as ``--index-url URL`` or ``--pre`` are split into words; entries that need
    files from the project (``-r``, ``-c``, ``-e``, local paths) cannot be installed before the
    source is copied, so they are left out with a warning.
    """
    out: list[str] = []
    notes: list[str] = []
    for entry in entries:
        text = entry.strip()
        if text.startswith(("-r", "--requirement", "-c", "--constraint", "-e", "--editable")) or (
            text.startswith((".", "/", "file:"))
        ):
            notes.append(f"{source}: pip entry '{text}' needs project files; skipped"
                         " (use a requirements.txt or pyproject.toml project instead)")  # fmt: skip
        elif text.startswith("-"):
            out += shlex.split(text.replace("=", " ", 1) if text.startswith("--") else text)
        elif text:
            out.append(text)
    return out, notes


def _plan_conda(
    spec: PythonSpec, images: ImageMap, builder_base: str | None, runtime_base: str | None
) -> EcoPlan:
    builder = images(builder_base or spec.builder_base or "mambaorg/micromamba:1.5")
    single = spec.mode in ("full-env", "tarball")
    stages = [Stage(name="builder", base=builder, role="builder")]
    if not single:
        stages.append(
            Stage(
                name="production",
                base=images(
                    _runtime(
                        runtime_base or spec.runtime_base or "debian:bookworm-slim",
                        spec.python_version,
                    )
                ),
                role="runtime",
            )
        )
    result = EcoPlan(
        ecosystem="python-conda",
        detected_from=[spec.source],
        template="python.Dockerfile.j2",
        stages=stages,
        user=f"{UID}:{UID}",
        params={"name": spec.name, "kind": "conda", "mode": spec.mode, "channels": spec.channels,
                "conda_packages": spec.conda_packages, "pip_packages": spec.pip_packages,
                "pip_args": " ".join(shlex.quote(d) for d in spec.pip_packages),
                "runtime_packages": [d for d in spec.conda_packages if d not in spec.build_only],
                "env": spec.env, "env_args": env_args(spec.env), "entry": spec.entry or ["python"], "uid": UID, "single": single},
        labels={"org.opencontainers.image.title": spec.name, **spec.labels},
        dockerignore=[".git", "**/__pycache__", "Dockerfile*", ".dockerignore"],
    )  # fmt: skip
    result.decide("mode", spec.mode, f"{spec.source}: deploy.mode")
    result.warnings += spec.warnings
    return result
