"""Python projects: what a conda env file, requirements.txt or pyproject.toml says.

Only facts are read here (packages, Python version, deploy mode, labels); the plan chooses
stages and bases. Conda env keys follow Absconda 0.1.0's schema (name, channels,
dependencies with a ``pip:`` sub-list, deploy.mode, labels, env, builder/runtime bases).
"""

from __future__ import annotations

import re
import tarfile
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, Field

from stagesmith.errors import StagesmithError

MODES = ("requirements", "full-env", "tarball", "export-explicit")
KNOWN_KEYS = {
    "name", "channels", "dependencies", "deploy", "labels", "env", "variables", "prefix",
    "builder_base", "runtime_base", "builder-base", "runtime-base", "runtime_apt",
    "runtime-apt", "health_cmd", "health_url",
}  # fmt: skip

#: Packages only needed to compile: kept in builder stages, never in the runtime.
BUILD_ONLY = {
    "gcc", "gxx", "gfortran", "gcc_linux-64", "gxx_linux-64", "gfortran_linux-64",
    "compilers", "c-compiler", "cxx-compiler", "fortran-compiler", "make", "cmake",
    "ninja", "pkg-config", "cython", "build-essential", "autoconf", "automake",
    "libtool", "binutils", "swig", "meson", "setuptools-scm",
}  # fmt: skip

_CONDA_NAME = re.compile(r"^(?:[A-Za-z0-9_.\-/]+::)?([A-Za-z0-9_.\-]+)\s*(.*)$")
_CONDA_OP = re.compile(r"^(==|>=|<=|~=|!=|=|>|<)?\s*(\S+)")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
#: Debian policy 5.6.7: lower-case letters, digits, ``+ - .``; two or more characters, starting
#: with a letter or digit. Anything else (``x; rm -rf /``) never reaches a ``RUN`` line.
APT_NAME = re.compile(r"^[a-z0-9][a-z0-9+.\-]+$")
DEPLOY_KEYS = {"mode"}
DEFAULT_PYTHON = "3.11"
#: CPython minors with ``python:X.Y`` images; a version range picks one of them.
PYTHON_MINORS = tuple(f"3.{n}" for n in range(8, 15))
#: A conda channel: a name (``conda-forge``, ``pytorch/label/nightly``) or an http(s)/file URL
#: without whitespace or shell metacharacters (channels are written unquoted into a ``RUN``).
_CHANNEL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_.\-]+)*|(?:https?|file)://[A-Za-z0-9._~:/%@+=,\-]+"
)
_CONDA_VER = r"[A-Za-z0-9_.*+!]+"
_CONDA_ONE = rf"(?:(?:==|>=|<=|~=|!=|=|>|<)\s*)?{_CONDA_VER}"
#: The match-spec forms read here: ``name``, ``name=1.2``, ``name==1.2``, ``name>=1,<2``,
#: ``name 1.2.*``, ``name=1.2=build``, ``name 1.2 build``, each with an optional ``channel::``.
_CONDA_SPEC = re.compile(
    r"(?:[A-Za-z0-9][A-Za-z0-9_.\-/]*::)?[A-Za-z0-9_][A-Za-z0-9_.\-]*"
    rf"(?:\s*{_CONDA_ONE}(?:\s*[,|]\s*{_CONDA_ONE})*(?:=[A-Za-z0-9_.*+]+|\s+[A-Za-z0-9_.*+]+)?)?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: A requirement given as a URL (``git+https://...``, a wheel's address): pip reads it as is.
_URL_LINE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\S+")


class PythonSpec(BaseModel):
    """Facts about a Python project, each traceable to its source file."""

    kind: str  # conda | requirements | pyproject
    source: str
    name: str
    python_version: str = "3.11"
    python_source: str = "default"
    #: ``requires-python`` when the version came from it (a range: other versions may satisfy it).
    python_requires: str | None = None
    mode: str = "requirements"
    channels: list[str] = Field(default_factory=list)
    conda_packages: list[str] = Field(default_factory=list)
    pip_packages: list[str] = Field(default_factory=list)
    build_only: list[str] = Field(default_factory=list)
    requirements_file: str | None = None
    requirements_includes: list[str] = Field(default_factory=list)
    lock: str | None = None  # uv | poetry
    deps_known: bool = True  # False: dependencies are dynamic, installed with the project
    #: ``[build-system].requires`` of a pyproject project (pip's default when there is none).
    build_requires: list[str] = Field(default_factory=list)
    has_tests: bool = False
    #: Development dependencies: PEP 508 lines, or ``requirements-dev.txt``, or the uv dev group.
    dev_packages: list[str] = Field(default_factory=list)
    dev_requirements: str | None = None
    dev_source: str | None = None
    #: ``name==version`` pins of poetry.lock's main group (installed as pip constraints).
    poetry_pins: list[str] = Field(default_factory=list)
    conda_unpack: bool = False  # conda-pack tarball ships bin/conda-unpack
    entry: list[str] | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    env: dict[str, str] = Field(default_factory=dict)
    runtime_apt: list[str] = Field(default_factory=list)
    builder_base: str | None = None
    runtime_base: str | None = None
    health_cmd: str | None = None
    health_url: str | None = None
    warnings: list[str] = Field(default_factory=list)


def is_build_only(name: str) -> bool:
    low = name.lower()
    return low in BUILD_ONLY or low.endswith("-dev") or low.endswith("-devel")


#: Conda environment files a project directory is planned from, first found wins (when it has
#: neither pyproject.toml nor requirements.txt).
ENV_FILES = ("environment.yml", "environment.yaml")


def detect(root: Path) -> bool:
    return any(
        (root / n).is_file()
        for n in ("pyproject.toml", "requirements.txt", "setup.py", *ENV_FILES)
    )


def env_file(root: Path) -> Path | None:
    """The conda environment file of a project directory, if it has one."""
    return next((root / n for n in ENV_FILES if (root / n).is_file()), None)


def _minor_fits(minor: str, sets: list[SpecifierSet]) -> bool:
    """Whether some release X.Y.Z of ``minor`` satisfies one of ``sets`` (alternatives)."""
    return any(s.contains(f"{minor}.{patch}") for s in sets for patch in range(100))


def pick_python(sets: list[SpecifierSet]) -> str | None:
    """The default Python when it satisfies ``sets``, else the satisfying minor nearest to it
    (the newer of two as near), else None."""
    default = int(DEFAULT_PYTHON.split(".")[1])
    order = sorted(PYTHON_MINORS, key=lambda m: (abs(int(m.split(".")[1]) - default),
                                                 -int(m.split(".")[1])))  # fmt: skip
    return next((m for m in order if _minor_fits(m, sets)), None)


def _conda_python_sets(rest: str) -> list[SpecifierSet]:
    """A conda version constraint (``3.11``, ``>=3.9,<3.12``, ``3.10|3.11``, ``3.12.1=h_0``) as
    PEP 440 alternatives; conda's ``=3.11`` and ``3.11`` are prefix matches (``==3.11.*``)."""
    rest = rest.strip()
    single = re.fullmatch(r"(==?)?\s*(\d[\w.*+!]*)(?:=\S*|\s+\S+)?", rest)
    alternatives = [(single.group(1) or "=") + single.group(2)] if single else rest.split("|")
    sets: list[SpecifierSet] = []
    for alt in alternatives:
        parts = []
        for item in alt.split(","):
            m = re.fullmatch(r"\s*(==|>=|<=|~=|!=|=|>|<)?\s*(\S+?)\s*", item)
            if not m:
                raise InvalidSpecifier(item)
            op, ver = m.group(1) or "=", m.group(2)
            if op == "=":
                op, ver = "==", ver if ver.endswith(".*") else ver.rstrip("*").rstrip(".") + ".*"
            parts.append(op + ver)
        sets.append(SpecifierSet(",".join(parts)))
    return sets


def check_requirement(value: Any, where: str, line: str | None = None) -> str:
    """A PEP 508 requirement string, or one error naming ``where`` and the bad value (the whole
    ``line`` it was read from, when given)."""
    shown = value if line is None else line
    if not isinstance(value, str):
        raise StagesmithError(f"{where}: {value!r} is not a requirement (a string)")
    if _CONTROL.search(value):
        raise StagesmithError(f"{where}: requirement {shown!r} contains a newline or control"
                              " character")  # fmt: skip
    try:
        Requirement(value)
    except InvalidRequirement as exc:
        why = (str(exc).splitlines() or [""])[0]
        raise StagesmithError(
            f"{where}: {shown!r} is not a valid PEP 508 requirement ({why})"
        ) from None
    return value


def check_channel(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _CHANNEL.fullmatch(value):
        raise StagesmithError(
            f"{where}: channel {value!r} is not a conda channel name (like conda-forge or"
            " pytorch/label/nightly) or an https:// or file:// URL"
        )
    return value


def check_conda_spec(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise StagesmithError(
            f"{where}: dependency {value!r} must be a string (a conda match spec); quote it"
        )
    if not _CONDA_SPEC.fullmatch(value.strip()):
        raise StagesmithError(
            f"{where}: {value!r} is not a conda match spec (name, name=1.2, name>=1,<2,"
            " name 1.2.*, name=1.2=build, channel::name)"
        )
    return value.strip()


def _check_pip_entry(value: Any, where: str) -> str:
    """An entry of a conda ``pip:`` sub-list: a requirement, or a pip option line as is."""
    if not isinstance(value, str):
        raise StagesmithError(f"{where}: pip entry {value!r} must be a string")
    text = value.strip()
    if _CONTROL.search(text):
        raise StagesmithError(
            f"{where}: pip entry {value!r} contains a newline or control character"
        )
    if text.startswith(("-", ".", "/", "file:")) or _URL_LINE.fullmatch(text):
        return value
    return check_requirement(text, where)


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StagesmithError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise StagesmithError(f"{path}:{where} malformed YAML").with_traceback(None) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise StagesmithError(f"{path}: cannot read ({exc})") from exc


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _str_map(value: Any, key: str, path: Path) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise StagesmithError(f"{path}: '{key}' must be a mapping")
    out: dict[str, str] = {}
    for k, v in value.items():
        text = _scalar(v)
        if text is None:
            what = "has no value" if v is None else f"must be a string, not {type(v).__name__}"
            raise StagesmithError(f"{path}: {key}: {k} {what}")
        out[str(k)] = text
    return out


def _env_vars(data: dict[str, Any], path: Path, warnings: list[str]) -> dict[str, str]:
    """``env:`` and conda's own ``variables:`` (what ``conda env config vars`` sets), merged;
    ``env:`` wins for a name in both."""
    variables = _str_map(data.get("variables"), "variables", path)
    env = _str_map(data.get("env"), "env", path)
    for key in sorted(variables.keys() & env.keys()):
        if variables[key] != env[key]:
            warnings.append(f"{path.name}: {key} is in both 'variables' and 'env'; using env's")
    return {**variables, **env}


def _opt_str(data: dict[str, Any], keys: tuple[str, ...], path: Path) -> str | None:
    """A string-valued key (first of its spellings present); a list or mapping is an error."""
    for key in keys:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise StagesmithError(f"{path}: '{key}' must be a non-empty string")
        return value.strip()
    return None


def check_apt_names(names: list[str], where: str) -> list[str]:
    """Debian package names, or one error naming the first bad one."""
    for name in names:
        if not APT_NAME.match(name):
            raise StagesmithError(
                f"{where}: {name!r} is not a Debian package name"
                " (lower-case letters, digits, '+', '-', '.')"
            )
    return names


def _apt_list(data: dict[str, Any], path: Path) -> list[str]:
    for key in ("runtime_apt", "runtime-apt"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise StagesmithError(f"{path}: '{key}' must be a list of package names")
        return check_apt_names([x.strip() for x in value], f"{path}: {key}")
    return []


def read_conda(path: Path) -> PythonSpec:
    """Read an Absconda-compatible environment file."""
    data = _load_yaml(path)
    if not isinstance(data, dict):
        raise StagesmithError(f"{path}: an environment file must be a YAML mapping")
    warnings = [f"{path.name}: unknown key '{k}' ignored" for k in data if k not in KNOWN_KEYS]
    raw_name = data.get("name")
    if raw_name is not None and not isinstance(raw_name, str | int | float):
        raise StagesmithError(f"{path}: 'name' must be a string")
    name = str(raw_name or path.parent.resolve().name or "app")
    if not _NAME_RE.match(name):
        raise StagesmithError(
            f"{path}: environment name {name!r} may contain only letters, digits, '_', '.', '-'"
        )
    deploy = data.get("deploy") or {}
    if not isinstance(deploy, dict):
        raise StagesmithError(f"{path}: 'deploy' must be a mapping")
    warnings += [f"{path.name}: unknown key 'deploy.{k}' ignored" for k in deploy
                 if k not in DEPLOY_KEYS]  # fmt: skip
    channels = data.get("channels") or []
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise StagesmithError(f"{path}: 'channels' must be a list of channel names")
    for channel in channels:
        check_channel(channel, str(path))
    mode = str(deploy.get("mode", "requirements"))
    if mode not in MODES:
        raise StagesmithError(f"{path}: unknown deploy mode {mode!r} (one of {', '.join(MODES)})")
    deps = data.get("dependencies")
    if not isinstance(deps, list) or not deps:
        raise StagesmithError(f"{path}: 'dependencies' must be a non-empty list")
    conda: list[str] = []
    pip: list[str] = []
    for dep in deps:
        if isinstance(dep, dict) and "pip" in dep:
            if not isinstance(dep["pip"], list | None):
                raise StagesmithError(f"{path}: the 'pip' entry must be a list of requirements")
            pip += [_check_pip_entry(p, str(path)) for p in dep["pip"] or []]
        elif isinstance(dep, str):
            conda.append(check_conda_spec(dep, str(path)))
        elif isinstance(dep, int | float):
            check_conda_spec(dep, str(path))
        else:
            raise StagesmithError(f"{path}: unsupported dependency entry {dep!r}")
    version, vsource = DEFAULT_PYTHON, "default"
    for dep in conda:
        name_, op, ver = parse_conda(dep)
        if name_ != "python" or not ver:
            continue
        rest = _CONDA_NAME.match(dep)
        try:
            sets = _conda_python_sets(rest.group(2) if rest else "")
        except InvalidSpecifier:
            raise StagesmithError(f"{path}: {dep!r} is not a Python version constraint") from None
        m = re.match(r"(\d+)\.(\d+)", ver)
        named = f"{m.group(1)}.{m.group(2)}" if m and op in ("=", "==", ">=", "<=", "~=") else None
        if named is not None and _minor_fits(named, sets):
            version, vsource = named, f"{path.name}: {dep}"
            continue
        picked = pick_python(sets)
        if picked is None:
            raise StagesmithError(
                f"{path}: no Python {PYTHON_MINORS[0]}-{PYTHON_MINORS[-1]} satisfies {dep!r}"
            )
        version, vsource = picked, f"{path.name}: {dep}"
        warnings.append(f"{path.name}: '{dep}' does not name one Python version; using"
                        f" {picked} (write python=X.Y to choose)")  # fmt: skip
    runtime_apt = _apt_list(data, path)
    if mode == "requirements":
        conda = _conda_only_dropped(conda, path, warnings, runtime_apt)
    spec = PythonSpec(
        kind="conda",
        source=path.name,
        name=name,
        python_version=version,
        python_source=vsource,
        mode=mode,
        channels=channels,
        conda_packages=conda,
        pip_packages=pip,
        build_only=[d for d in conda if is_build_only(_conda_name(d))],
        labels=_str_map(data.get("labels"), "labels", path),
        env=_env_vars(data, path, warnings),
        runtime_apt=runtime_apt,
        builder_base=_opt_str(data, ("builder_base", "builder-base"), path),
        runtime_base=_opt_str(data, ("runtime_base", "runtime-base"), path),
        health_cmd=_opt_str(data, ("health_cmd",), path),
        health_url=_opt_str(data, ("health_url",), path),
        warnings=warnings,
    )
    _project_facts(spec, path.parent)
    return spec


#: Conda package names whose PyPI distribution has another name (beyond the plan's own table).
CONDA_PIP_NAMES = {"pytorch-cpu": "torch", "pytorch-gpu": "torch"}
#: Conda-only packages (metapackages that select builds, servers) that are never pip-installed
#: in requirements mode, with why; ``None``: a system library the runtime gets with apt.
CONDA_ONLY = {
    "cpuonly": "a conda metapackage selecting CPU-only pytorch builds; PyPI's torch wheels"
               " include CUDA: CPU-only wheels come from https://download.pytorch.org/whl/cpu"
               " (add `--extra-index-url https://download.pytorch.org/whl/cpu` to the pip: list)",
    "nomkl": "a conda metapackage selecting non-MKL builds; PyPI wheels bundle their own BLAS",
    "postgresql": "the PostgreSQL database server, which is not installed in the image (run it as"
                  " its own container, or use deploy mode full-env); client libraries are libpq",
}  # fmt: skip
#: Conda system libraries with a Debian runtime package.
CONDA_APT = {"libpq": "libpq5"}


def _conda_only_dropped(
    conda: list[str], path: Path, warnings: list[str], runtime_apt: list[str]
) -> list[str]:
    """Requirements mode: conda-only packages taken out of what becomes pip requirements (a
    warning each), system libraries with a Debian package added to ``runtime_apt``."""
    kept: list[str] = []
    for dep in conda:
        name = _conda_name(dep).lower()
        if name in CONDA_ONLY:
            warnings.append(f"{path.name}: conda package '{dep}' is not installed with pip:"
                            f" {CONDA_ONLY[name]}")  # fmt: skip
        elif name in CONDA_APT:
            apt = CONDA_APT[name]
            if apt not in runtime_apt:
                runtime_apt.append(apt)
            warnings.append(f"{path.name}: conda package '{dep}' is a system library; the"
                            f" runtime gets the Debian package {apt}")  # fmt: skip
        else:
            if name in CONDA_PIP_NAMES:
                warnings.append(f"{path.name}: conda '{name}' installed as PyPI"
                                f" '{CONDA_PIP_NAMES[name]}'")  # fmt: skip
            kept.append(dep)
    return kept


def parse_conda(dep: str) -> tuple[str, str | None, str | None]:
    """A conda match spec as (name, operator, version); channel prefix and build string dropped.

    Handles ``numpy``, ``numpy=1.26``, ``numpy 1.26.*`` (space form, same as ``=``),
    ``numpy>=1.24,<2``, ``conda-forge::numpy=1.26.4=py312h_0`` and ``numpy 1.26.4 py312h_0``.
    """
    m = _CONDA_NAME.match(dep.strip())
    if not m:
        return dep, None, None
    name, rest = m.group(1), m.group(2).strip()
    op_m = _CONDA_OP.match(rest)
    if not rest or not op_m:
        return name, None, None
    op, ver = op_m.group(1) or "=", op_m.group(2)
    if op in ("=", "=="):
        ver = ver.split("=")[0]  # build string
    return name, op, ver or None


def _conda_name(dep: str) -> str:
    return parse_conda(dep)[0]


def conda_to_pip(dep: str) -> str:
    """``numpy=1.26`` (conda: prefix match) becomes ``numpy==1.26.*``; ``>=`` etc. are kept."""
    name, op, ver = parse_conda(dep)
    name = CONDA_PIP_NAMES.get(name.lower(), name)
    if not op or not ver or "|" in ver:
        return name
    if op == "=":
        return f"{name}=={ver}" if ver.count(".") >= 2 or "*" in ver else f"{name}=={ver}.*"
    return f"{name}{op}{ver}"


_INCLUDE = re.compile(
    r"^(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?<=^-r)|(?<=^-c))(\S.*)$"
)


def include_target(line: str) -> str | None:
    """The file named by an include line: ``-r f``, ``-rf`` (as pip accepts), ``--requirement=f``."""
    m = _INCLUDE.match(line)
    return m.group(1).strip() if m else None


def read_requirements(
    path: Path,
    seen: set[Path] | None = None,
    files: list[Path] | None = None,
    root: Path | None = None,
) -> list[str]:
    """Requirement lines with ``-r``/``-c`` includes followed relative to the including file.

    With ``root`` (the build context), an include whose resolved path leaves it is an error:
    the file could not be copied into the image. ``seen`` holds the files of the current
    include chain: only a file that includes itself through it is a cycle (two files may both
    include a third).
    """
    seen = set() if seen is None else seen
    real = path.resolve()
    if real in seen:
        raise StagesmithError(f"{path}: include cycle")
    seen.add(real)
    try:
        return _requirement_lines(path, seen, files, root)
    finally:
        seen.discard(real)


def _requirement_lines(
    path: Path, seen: set[Path], files: list[Path] | None, root: Path | None
) -> list[str]:
    if files is not None:
        files.append(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise StagesmithError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise StagesmithError(f"{path}: cannot read as a requirements file ({exc})") from exc
    lines: list[str] = []
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        target = include_target(line)
        if target is not None:
            inc = path.parent / target
            if root is not None and not inc.resolve().is_relative_to(root.resolve()):
                raise StagesmithError(
                    f"{path}: {line!r} names a file outside the build context {root.resolve()};"
                    " move it into the project"
                )
            lines += read_requirements(inc, seen, files, root)
            continue
        editable = _option_value(line, "-e", "--editable")
        if editable is not None and not _is_local(editable):
            raise StagesmithError(f"{path}: editable VCS line {line!r} is not supported")
        links = _option_value(line, "-f", "--find-links")
        if links is not None and ("://" not in links or links.startswith("file:")):
            raise StagesmithError(
                f"{path}: {line!r} names a local directory of packages, which is not copied"
                " into the image before `pip install -r`; give an http(s) URL, or list the"
                " packages from PyPI"
            )
        local = editable if editable is not None else line.split()[0].split(";")[0]
        if _is_local(local) or (not line.startswith("-") and "/" in local and "@" not in local
                                and not _URL_LINE.fullmatch(local)):  # fmt: skip
            raise StagesmithError(
                f"{path}: {line!r} installs from the project's own files, which are copied"
                " after the dependencies; list only dependencies there, or use pyproject.toml"
            )
        if not line.startswith("-") and not _URL_LINE.fullmatch(line):
            # per-requirement options (``--hash=...``) follow the requirement itself
            head = re.split(r"\s+--?[A-Za-z]", line, maxsplit=1)[0]
            check_requirement(head, str(path), line)
        lines.append(line)
    return lines


def _option_value(line: str, short: str, long: str) -> str | None:
    """The value of pip option ``short``/``long`` on ``line`` (``-e X``, ``-eX``, ``--editable X``,
    ``--editable=X``), or None when the line is not that option."""
    m = re.match(rf"^(?:{re.escape(long)}(?:\s*=\s*|\s+)|{re.escape(short)}\s*)(\S*)", line)
    if m is None or (line.startswith("--") and not line.startswith(long)):
        return None
    return m.group(1)


def _is_local(value: str) -> bool:
    """A pip argument naming a path (``.``, ``./lib``, ``/abs``, ``file:...``)."""
    return value.startswith((".", "/", "file:"))


def _reject_conda_env(req: Path) -> None:
    """``--requirements env.yaml``: a conda env file is not a requirements file."""
    if req.suffix not in (".yaml", ".yml") or not req.is_file():
        return
    try:
        data = yaml.safe_load(req.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return
    if isinstance(data, dict) and "dependencies" in data:
        raise StagesmithError(
            f"{req}: a conda environment file (it has 'dependencies:'), not a pip requirements"
            f" file; give it with --file {req}"
        )


def read_project(root: Path, requirements: Path | None = None) -> PythonSpec:
    """A project directory: pyproject.toml (PEP 621, uv/poetry lock) or requirements.txt."""
    if not root.is_dir():
        raise StagesmithError(f"{root}: not a directory")
    req = requirements or (root / "requirements.txt")
    pyproject = root / "pyproject.toml"
    conda_env = env_file(root) if requirements is None else None
    if conda_env is not None and not pyproject.is_file() and not req.is_file():
        spec = read_conda(conda_env)
        spec.source = conda_env.name
        others = [n for n in ENV_FILES if n != conda_env.name and (root / n).is_file()]
        if others:
            spec.warnings.append(f"{root}: both {conda_env.name} and {others[0]}: planned from"
                                 f" {conda_env.name} (give --file {root / others[0]} for the"
                                 " other)")  # fmt: skip
        return spec
    if conda_env is not None:
        used = "pyproject.toml" if pyproject.is_file() else req.name
        spec_note = (f"{root}: both {conda_env.name} and {used}: planned from {used}"
                     f" (give --file {conda_env} to plan from the conda environment)")  # fmt: skip
    else:
        spec_note = None
    if requirements is None and pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise StagesmithError(f"{pyproject}: malformed TOML ({exc})") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise StagesmithError(f"{pyproject}: cannot read as UTF-8 text ({exc})") from exc
        project = data.get("project") or {}
        if not isinstance(project, dict):
            raise StagesmithError(f"{pyproject}: [project] must be a table")
        poetry = (data.get("tool") or {}).get("poetry") or {}
        name = str(project.get("name") or poetry.get("name") or root.resolve().name)
        spec = PythonSpec(kind="pyproject", source="pyproject.toml", name=_safe(name))
        deps = project.get("dependencies") or []
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise StagesmithError(f"{pyproject}: [project].dependencies must be a list of strings")
        spec.pip_packages = [
            check_requirement(d, f"{pyproject}: [project].dependencies") for d in deps
        ]
        rp = project.get("requires-python")
        if rp is not None and not isinstance(rp, str):
            raise StagesmithError(f"{pyproject}: [project].requires-python must be a string")
        for table in ("scripts", "optional-dependencies"):
            if not isinstance(project.get(table) or {}, dict):
                raise StagesmithError(f"{pyproject}: [project.{table}] must be a table")
        if not isinstance(poetry, dict) or not isinstance(poetry.get("dependencies") or {}, dict):
            raise StagesmithError(f"{pyproject}: [tool.poetry.dependencies] must be a table")
        if not project and poetry:
            spec.pip_packages, rp = _poetry_dependencies(
                poetry, spec.warnings, locked=(root / "poetry.lock").is_file()
            )
            for dep in spec.pip_packages:
                check_requirement(dep, f"{pyproject}: [tool.poetry.dependencies]")
            try:
                rp = _poetry_version(rp) if rp else rp  # ``^3.11`` -> ``>=3.11,<4``
            except _NoPep440:
                raise StagesmithError(
                    f"{pyproject}: [tool.poetry.dependencies] python = {str(rp)!r}: PEP 440"
                    " cannot express these alternatives (their versions are not one range)"
                ) from None
            scripts = poetry.get("scripts") or {}
            if scripts:
                spec.entry = [next(iter(scripts))]
        if "dependencies" in (project.get("dynamic") or []):
            spec.deps_known = False
            spec.warnings.append("pyproject.toml: dependencies are dynamic; they are installed"
                                 " with the project, after the source (no separate layer)")  # fmt: skip
        build_system = data.get("build-system")
        if build_system is None:
            spec.build_requires = ["setuptools>=40.8.0"]  # what pip assumes without the table
            if not poetry:
                spec.warnings.append(
                    "pyproject.toml: no [build-system]; pip builds it with setuptools"
                )
        elif not isinstance(build_system, dict):
            raise StagesmithError(f"{pyproject}: [build-system] must be a table")
        else:
            spec.build_requires = _pep508_list(
                build_system.get("requires"), "[build-system].requires"
            )
        if rp:
            try:
                wanted = SpecifierSet(str(rp))
            except InvalidSpecifier:
                raise StagesmithError(
                    f"{pyproject}: requires-python {str(rp)!r} is not a version specifier"
                    " (like >=3.10 or >=3.9,<3.13)"
                ) from None
            picked = pick_python([wanted])
            if picked is None:
                raise StagesmithError(
                    f"{pyproject}: no Python {PYTHON_MINORS[0]}-{PYTHON_MINORS[-1]} satisfies"
                    f" requires-python {str(rp)!r}"
                )
            spec.python_version = picked
            spec.python_source = f"pyproject.toml requires-python {rp}"
            spec.python_requires = str(rp)
        if (root / "uv.lock").is_file():
            _check_uv_lock(root / "uv.lock")
            spec.lock = "uv"
        elif (root / "poetry.lock").is_file():
            spec.lock = "poetry"
            spec.poetry_pins = _poetry_lock_pins(root / "poetry.lock", spec.warnings)
        scripts = project.get("scripts") or {}
        if scripts:
            spec.entry = [next(iter(scripts))]
        _dev_dependencies(spec, data, root)
    elif req.is_file():
        _reject_conda_env(req)
        croot = root.resolve()
        real = req.resolve()
        if not real.is_relative_to(croot):
            raise StagesmithError(
                f"{req}: the requirements file is outside the build context {root.resolve()}"
                " (run from the project directory, or give that directory as PATH)"
            )
        spec = PythonSpec(
            kind="requirements",
            source=real.relative_to(croot).as_posix(),
            name=_safe(croot.name),
        )
        included: list[Path] = []
        spec.pip_packages = read_requirements(req, files=included, root=root)
        spec.requirements_includes = sorted(
            {f.resolve().relative_to(croot).as_posix() for f in included[1:]}
        )
        spec.requirements_file = real.relative_to(croot).as_posix()
        if (root / "requirements-dev.txt").is_file() and spec.requirements_file != (
            "requirements-dev.txt"
        ):
            spec.dev_requirements = "requirements-dev.txt"
            spec.dev_source = "requirements-dev.txt"
    else:
        raise StagesmithError(
            f"{root}: no pyproject.toml, requirements.txt, environment.yml or environment.yaml"
            " found"
        )
    if spec_note is not None:
        spec.warnings.append(spec_note)
    _project_facts(spec, root)
    return spec


def _pep508_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise StagesmithError(f"pyproject.toml: {where} must be a list of requirements")
    return [check_requirement(v, f"pyproject.toml: {where}") for v in value]


def _dependency_group(groups: dict[str, Any], name: str, seen: tuple[str, ...] = ()) -> list[str]:
    """PEP 735 group, with ``{include-group = "..."}`` entries expanded."""
    if name in seen:
        raise StagesmithError(f"pyproject.toml: dependency group {name!r} includes itself")
    out: list[str] = []
    entries = groups.get(name)
    if not isinstance(entries, list):
        raise StagesmithError(f"pyproject.toml: [dependency-groups].{name} must be a list")
    for entry in entries:
        if isinstance(entry, str):
            out.append(check_requirement(entry, f"pyproject.toml: [dependency-groups].{name}"))
        elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
            out += _dependency_group(groups, entry["include-group"], (*seen, name))
    return out


def _dev_dependencies(spec: PythonSpec, data: dict[str, Any], root: Path) -> None:
    """Where the development dependencies are declared (first found wins)."""
    project = data.get("project") or {}
    own = _safe(spec.name)
    optional = project.get("optional-dependencies") or {}
    groups = data.get("dependency-groups") or {}
    poetry = (data.get("tool") or {}).get("poetry") or {}
    poetry_dev = ((poetry.get("group") or {}).get("dev") or {}).get("dependencies") or poetry.get(
        "dev-dependencies"
    )
    uv_dev = ((data.get("tool") or {}).get("uv") or {}).get("dev-dependencies")
    if spec.lock == "uv" and ((isinstance(groups, dict) and "dev" in groups) or uv_dev):
        spec.dev_source = "uv.lock dev group"
    elif isinstance(optional, dict) and "dev" in optional:
        deps = _pep508_list(optional["dev"], "[project.optional-dependencies].dev")
        # ``myproj[test]`` refers to the project itself, installed already in the builder
        spec.dev_packages = [d for d in deps if _safe(re.split(r"[\[<>=!~; ]", d)[0]) != own]
        spec.dev_source = "[project.optional-dependencies].dev"
    elif isinstance(groups, dict) and "dev" in groups:
        spec.dev_packages = _dependency_group(groups, "dev")
        spec.dev_source = "[dependency-groups].dev"
    elif isinstance(poetry_dev, dict) and poetry_dev:
        spec.dev_packages, _ = _poetry_dependencies(
            {"dependencies": poetry_dev, "source": poetry.get("source")},
            spec.warnings,
            locked=(root / "poetry.lock").is_file(),
        )
        spec.dev_source = "poetry dev group"
    elif (root / "requirements-dev.txt").is_file():
        spec.dev_requirements = "requirements-dev.txt"
        spec.dev_source = "requirements-dev.txt"


def _read_lock_toml(lock: Path) -> dict[str, Any]:
    """A lock file's TOML, or one error line (a lock that cannot be read fails the build)."""
    try:
        return tomllib.loads(lock.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StagesmithError(f"{lock}: malformed TOML ({exc})") from exc
    except OSError as exc:
        raise StagesmithError(f"{lock}: cannot read ({exc})") from exc


def _check_uv_lock(lock: Path) -> None:
    """uv.lock must be a uv lock (TOML with an integer ``version``): ``uv sync --frozen`` would
    fail on anything else, at build time."""
    data = _read_lock_toml(lock)
    packages = data.get("package", [])
    if (
        not isinstance(data.get("version"), int)
        or isinstance(data.get("version"), bool)
        or not isinstance(packages, list)
        or not all(isinstance(p, dict) for p in packages)
    ):
        raise StagesmithError(
            f"{lock}: not a uv lock file (no integer 'version', or 'package' is not a list of"
            " tables); run `uv lock` again"
        )


def _poetry_lock_pins(lock: Path, warnings: list[str]) -> list[str]:
    """``name==version`` of every package in poetry.lock, for pip's ``-c`` (constraints).

    Constraints never add a package, they only fix the version of what pip installs, so the
    pins of all groups can be given: the runtime gets the main group, development the dev one.
    """
    data = _read_lock_toml(lock)
    pins: list[str] = []
    for pkg in data.get("package") or []:
        if not isinstance(pkg, dict) or not pkg.get("name") or not pkg.get("version"):
            continue
        name, version = str(pkg["name"]).lower(), str(pkg["version"])
        source = pkg.get("source") or {}
        if source.get("type") in ("git", "directory", "file", "url"):
            warnings.append(f"poetry.lock: {name} comes from a {source['type']} source;"
                            " its version is not pinned")  # fmt: skip
        elif _NAME_RE.match(name) and re.fullmatch(r"[A-Za-z0-9.+!_\-]+", version):
            pins.append(f"{name}=={version}")
    if not pins:
        warnings.append("poetry.lock: no packages found; versions are not pinned")
    return sorted(pins)


def _poetry_one(text: str) -> str:
    """One poetry alternative (no ``||``) → PEP 440: ``^1.2.3`` → ``>=1.2.3,<2.0.0``,
    ``~1.2`` → ``>=1.2,<1.3``, ``1.2`` → ``==1.2``; PEP 440 operators are kept."""
    parts: list[str] = []
    for item in text.split(","):
        item = item.strip()
        if item in ("", "*"):
            continue
        if item[:1] in ("^", "~") and item[1:2] != "=":
            base = item[1:].strip()
            nums = [int(n) for n in re.findall(r"\d+", base)[:3]] or [0]
            if item[0] == "^":
                idx = next((i for i, n in enumerate(nums) if n != 0), len(nums) - 1)
            else:
                idx = 1 if len(nums) > 1 else 0
            upper = nums[: idx + 1]
            upper[-1] += 1
            parts += [f">={base}", "<" + ".".join(str(n) for n in upper)]
        elif item[:1].isdigit():
            parts.append(f"=={item}")
        else:
            parts.append(item)
    return ",".join(parts)


class _NoPep440(ValueError):
    """A poetry ``||`` constraint whose alternatives are not one contiguous version range."""


def _interval(spec: str) -> tuple[Any, bool, Any, bool] | None:
    """``spec`` (PEP 440, no ``||``) as (lower, inclusive, upper, inclusive), None bounds open;
    None when it is not a plain range (``==1.*``, ``!=``, ``~=``)."""
    low: tuple[Any, bool] = (None, True)
    high: tuple[Any, bool] = (None, True)
    for item in SpecifierSet(spec):
        if item.operator not in (">=", ">", "<=", "<", "==") or "*" in item.version:
            return None
        try:
            ver = Version(item.version)
        except InvalidVersion:
            return None
        if item.operator in (">=", ">", "=="):
            incl = item.operator != ">"
            if low[0] is None or ver > low[0] or (ver == low[0] and not incl):
                low = (ver, incl)
        if item.operator in ("<=", "<", "=="):
            incl = item.operator != "<"
            if high[0] is None or ver < high[0] or (ver == high[0] and not incl):
                high = (ver, incl)
    return low[0], low[1], high[0], high[1]


def _union(alternatives: list[str]) -> str:
    """PEP 440 alternatives as one range when their union is contiguous, else ``_NoPep440``."""
    ranges = [_interval(a) for a in alternatives]
    if any(r is None for r in ranges) or not ranges:
        raise _NoPep440
    key = [r for r in ranges if r is not None]
    key.sort(key=lambda r: (r[0] is not None, r[0] or Version("0"), not r[1]))
    low, low_incl, high, high_incl = key[0]
    for lo, lo_incl, hi, hi_incl in key[1:]:
        if high is not None and lo is not None and (
            lo > high or (lo == high and not (lo_incl or high_incl))
        ):
            raise _NoPep440  # a gap between the ranges
        if high is not None and (hi is None or hi > high or (hi == high and hi_incl)):
            high, high_incl = hi, hi_incl
    parts = []
    if low is not None:
        parts.append((">=" if low_incl else ">") + str(low))
    if high is not None:
        parts.append(("<=" if high_incl else "<") + str(high))
    return ",".join(parts)


def _poetry_alternatives(spec: Any) -> list[str]:
    """A poetry constraint as PEP 440 alternatives (one per ``||``); ``[""]`` for any version."""
    text = str(spec).strip()
    return [_poetry_one(alt) for alt in re.split(r"\s*\|\|?\s*", text)] or [""]


def _poetry_version(spec: Any) -> str:
    """Poetry constraint → PEP 440: ``^1.2.3`` → ``>=1.2.3,<2.0.0``, ``~1.2`` → ``>=1.2,<1.3``;
    ``^1.2 || ^2.0`` → ``>=1.2,<3`` (``_NoPep440`` when the alternatives leave a gap)."""
    alternatives = _poetry_alternatives(spec)
    if len(alternatives) == 1 or "" in alternatives:
        return alternatives[0] if len(alternatives) == 1 else ""
    return _union(alternatives)


def _python_marker(spec: Any) -> str:
    """A poetry ``python = "..."`` restriction as a PEP 508 marker (``python_version < "3.11"``)."""
    alternatives = []
    for alt in _poetry_alternatives(spec):
        terms = []
        for item in SpecifierSet(alt):
            var = "python_full_version" if item.version.count(".") >= 2 else "python_version"
            terms.append(f'{var} {item.operator} "{item.version}"')
        if not terms:
            return ""  # any Python
        alternatives.append(" and ".join(terms))
    if len(alternatives) == 1:
        return alternatives[0]
    return " or ".join(f"({a})" if " and " in a else a for a in alternatives)


def _poetry_dependencies(
    poetry: dict[str, Any], warnings: list[str], locked: bool = False
) -> tuple[list[str], Any]:
    """``[tool.poetry.dependencies]`` as PEP 508 requirements, and the python constraint.

    ``locked``: a poetry.lock pins the versions, so a constraint PEP 440 cannot express is left
    to the lock (the requirement is the name alone) instead of refused.
    """
    deps = poetry.get("dependencies") or {}
    sources = poetry.get("source") or []
    urls = {
        str(s.get("name")): str(s.get("url"))
        for s in (sources if isinstance(sources, list) else [])
        if isinstance(s, dict) and s.get("name") and s.get("url")
    }
    where = "pyproject.toml: [tool.poetry.dependencies]"
    out: list[str] = []
    python = None
    for name, value in deps.items():
        if name == "python":
            python = value
            continue
        if isinstance(value, dict):
            if value.get("optional"):
                continue
            if "version" not in value:
                warnings.append(f"pyproject.toml: poetry dependency {name} ({value}) skipped:"
                                " only version constraints are supported")  # fmt: skip
                continue
            extras = value.get("extras") or []
            constraint = value["version"]
        elif isinstance(value, list):
            warnings.append(f"pyproject.toml: poetry dependency {name} has several constraints;"
                            " installed without a version")  # fmt: skip
            out.append(name)
            continue
        else:
            extras, constraint = [], value
        try:
            version = _poetry_version(constraint)
        except _NoPep440:
            if not locked:
                raise StagesmithError(
                    f"{where}: {name} = {str(constraint)!r}: PEP 440 cannot express these"
                    " alternatives (their versions are not one range); give one range, or add"
                    " a poetry.lock (`poetry lock`), whose pins are used when present"
                ) from None
            warnings.append(f"pyproject.toml: poetry dependency {name} {str(constraint)!r} is"
                            " not one PEP 440 range; its version comes from poetry.lock")  # fmt: skip
            version = ""
        except InvalidSpecifier:
            raise StagesmithError(
                f"{where}: {name} = {str(constraint)!r} is not a version constraint"
            ) from None
        req = name + (f"[{','.join(extras)}]" if extras else "") + version
        markers = []
        if isinstance(value, dict):
            if value.get("python") is not None:
                try:
                    py = _python_marker(value["python"])
                except (InvalidSpecifier, _NoPep440):
                    raise StagesmithError(
                        f"{where}: {name}: python = {str(value['python'])!r} is not a version"
                        " constraint"
                    ) from None
                if py:
                    markers.append(py)
            if value.get("markers"):
                markers.append(str(value["markers"]))
            if value.get("source"):
                source = str(value["source"])
                url = f" ({urls[source]})" if source in urls else ""
                warnings.append(
                    f"pyproject.toml: poetry dependency {name} comes from source"
                    f" {source!r}{url}, but pip is given no index but PyPI; add that index"
                    " (pip's --extra-index-url, PIP_EXTRA_INDEX_URL) or the build may fail"
                )
        if len(markers) == 1:
            req += f"; {markers[0]}"
        elif markers:
            req += "; " + " and ".join(f"({m})" for m in markers)
        out.append(req)
    return out, python


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]+", "-", name).strip("-").lower() or "app"


def _project_facts(spec: PythonSpec, root: Path) -> None:
    pv = root / ".python-version"
    if pv.is_file() and (spec.python_source == "default" or spec.python_requires):
        try:
            text = pv.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise StagesmithError(f"{pv}: cannot read ({exc})") from exc
        m = re.match(r"\s*(3\.\d+)(\.\d+)?", text)
        if m and spec.python_requires:
            wanted = SpecifierSet(spec.python_requires)
            if not (wanted.contains(m.group(0).strip()) if m.group(2) else
                    _minor_fits(m.group(1), [wanted])):  # fmt: skip
                raise StagesmithError(
                    f"{pv}: Python {m.group(0).strip()} does not satisfy requires-python"
                    f" {spec.python_requires!r} of pyproject.toml"
                )
        elif m:
            spec.python_version, spec.python_source = m.group(1), ".python-version"
    spec.has_tests = (root / "tests").is_dir()
    if spec.entry is None:
        for n in ("app.py", "main.py", "server.py"):
            if (root / n).is_file():
                spec.entry = ["python", n]
                break


def read_conda_pack(tarball: Path, root: Path) -> PythonSpec:
    """A conda-pack tarball (Absconda's ``--tarball``): a relocatable environment to unpack.

    It must be a tar archive inside the build context with ``conda-meta/`` at its top; the
    Python version comes from ``conda-meta/python-X.Y.Z-*.json`` when present.
    """
    croot, real = root.resolve(), tarball.resolve()
    if not real.is_relative_to(croot):
        raise StagesmithError(
            f"{tarball}: the tarball is outside the build context {root.resolve()}"
            " (run from the project directory, or give that directory as PATH)"
        )
    try:
        with tarfile.open(real) as tar:
            members = tar.getnames()
    except (tarfile.TarError, OSError) as exc:
        raise StagesmithError(f"{tarball}: not a conda-pack tarball ({exc})") from exc
    names = {n.removeprefix("./") for n in members}
    if not any(n == "conda-meta" or n.startswith("conda-meta/") for n in names):
        raise StagesmithError(f"{tarball}: not a conda-pack tarball (no conda-meta/ at its top)")
    spec = PythonSpec(
        kind="conda-pack", source=real.relative_to(croot).as_posix(), name=_safe(croot.name)
    )
    for n in sorted(names):
        m = re.match(r"conda-meta/python-(3\.\d+)\.[^-]*-[^/]*\.json$", n)
        if m:
            spec.python_version, spec.python_source = m.group(1), f"{spec.source}: {n}"
    spec.conda_unpack = "bin/conda-unpack" in names and "bin/python" in names
    if not spec.conda_unpack:
        spec.warnings.append(f"{spec.source}: no bin/conda-unpack (not made by conda-pack?);"
                             " prefixes in the environment are not rewritten")  # fmt: skip
    if "bin/python" not in names:
        spec.warnings.append(f"{spec.source}: no bin/python in the environment")
    _project_facts(spec, root)
    return spec
