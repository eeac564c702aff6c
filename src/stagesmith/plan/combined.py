"""Plans for compiled/JS ecosystems and their combinations (Python backend + Node assets).

The plan is plain data (``EcoPlan``, JSON round-trip): stages, bases (already through the image
map), and every decision with the reason it was taken. Each ecosystem module (``plan.go``,
``plan.rust``, ``plan.java``, ``plan.node``) fills one; this module detects which applies, in a
fixed order, and also owns the Python + Node "asset builder" combination.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from stagesmith.config import ImageMap
from stagesmith.errors import StagesmithError


class Decision(BaseModel):
    """One choice the planner made, and why (shown by ``stagesmith plan``)."""

    key: str
    value: str
    reason: str


class Stage(BaseModel):
    """A build stage: its name, base image (after the image map) and role."""

    name: str
    base: str
    role: str


def _label_map(value: Any) -> Any:
    """Label values must be scalars: a mapping or list has no Dockerfile form (one error)."""
    if not isinstance(value, dict):
        return value
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool):
            out[str(key)] = "true" if item else "false"
        elif isinstance(item, str | int | float):
            out[str(key)] = str(item)
        else:
            kind = "a mapping" if isinstance(item, dict) else type(item).__name__
            raise StagesmithError(
                f"label {key}: the value must be a string or a number, not {kind}"
            )
    return out


class EcoOptions(BaseModel):
    """User choices that every ecosystem honours (same guarantees as Python images)."""

    runtime_base: str | None = None
    healthcheck: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    user: str | None = None
    with_tests: bool = True
    scratch: bool = False
    #: Python + Node only (passed to the Python planner): ``--builder-base``, ``--runtime-apt``,
    #: ``--health-url``.
    builder_base: str | None = None
    runtime_apt: list[str] = Field(default_factory=list)
    health_url: str | None = None

    _labels = field_validator("labels", mode="before")(_label_map)


class EcoPlan(BaseModel):
    """Everything the template needs; nothing in here is Dockerfile syntax."""

    #: The BuildKit frontend named on the ``# syntax=`` line (through the image map; None drops
    #: the line, for air-gapped builders whose built-in frontend is enough).
    syntax: str | None = "docker/dockerfile:1"
    ecosystem: str
    detected_from: list[str]
    template: str
    stages: list[Stage]
    decisions: list[Decision] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    healthcheck: str | None = None
    #: Whether the runtime image has ``/bin/sh``: True renders HEALTHCHECK in shell form, False
    #: in exec form (distroless, scratch), None (unknown) exec form unless the command needs a
    #: shell. ``finish()`` fills it from the runtime image name when a plan leaves it None.
    runtime_shell: bool | None = None
    user: str
    dockerignore: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    _labels = field_validator("labels", mode="before")(_label_map)

    def decide(self, key: str, value: object, reason: str) -> None:
        self.decisions.append(Decision(key=key, value=str(value), reason=reason))

    def base(self, role: str) -> str:
        return next(s.base for s in self.stages if s.role == role)

    def label_pairs(self) -> list[tuple[str, str]]:
        """``(key, "value")`` for ``LABEL key="value"`` lines, sorted like Jinja's dictsort."""
        labels = _label_map(self.labels)
        return [(_label_key(k), dockerfile_quote(labels[k], f"label {k}"))
                for k in sorted(labels, key=str.lower)]  # fmt: skip

    def healthcheck_command(self) -> str:
        """What follows ``HEALTHCHECK ... CMD``: exec form (JSON) unless a shell runs it."""
        cmd = (self.healthcheck or "").strip()
        if "\n" in cmd or "\r" in cmd:
            raise StagesmithError("healthcheck: the command spans several lines")
        if cmd.startswith("[") or self.runtime_shell:
            return cmd
        words = exec_words(cmd)
        if words is not None:
            return json.dumps(words)
        if self.runtime_shell is False:
            raise StagesmithError(
                f"healthcheck {cmd!r} needs a shell (operators, quotes or $ expansion), and the "
                f"runtime image {self.base('runtime')} has none: give a plain command"
            )
        return cmd


#: Shell operators: a command with one of these is not an argv.
_SHELL_OPERATORS = set("();<>|&")


def exec_words(cmd: str) -> list[str] | None:
    """The argv of a command that needs no shell, or None (operators, ``$``, backquotes)."""
    if not cmd or "$" in cmd or "`" in cmd:
        return None
    lexer = shlex.shlex(cmd, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:
        return None
    if not words or any(w and set(w) <= _SHELL_OPERATORS for w in words):
        return None
    return words


def dockerfile_quote(value: str, what: str = "value") -> str:
    """A Dockerfile double-quoted word (BuildKit: only backslash, ``"`` and ``$`` escape)."""
    if "\n" in value or "\r" in value:
        raise StagesmithError(f"{what}: the value spans several lines")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


def _label_key(key: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]*", key):
        raise StagesmithError(
            f"label {key!r}: a label key is letters, digits and . _ / - (no spaces, quotes or =)"
        )
    return key


#: Image families whose every variant has /bin/sh (last path element, before the tag).
_SHELL_FAMILIES = (
    "debian", "ubuntu", "alpine", "busybox", "python", "node", "golang", "rust", "maven",
    "gradle", "eclipse-temurin", "openjdk", "amazoncorretto", "fedora", "centos", "rockylinux",
    "almalinux", "amazonlinux", "ubi", "nginx", "httpd", "jre", "jdk",
)  # fmt: skip


def image_has_shell(image: str) -> bool | None:
    """Whether an image has /bin/sh: False for scratch/distroless/chainguard, None if unknown."""
    name = image.lower().split("@", 1)[0]
    repo, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
    if repo == "scratch":
        return False
    if "distroless" in repo:
        return "debug" in tag
    if "chainguard" in repo:
        return "dev" in tag
    last = repo.rsplit("/", 1)[-1]
    return True if last.startswith(_SHELL_FAMILIES) else None


COMMON_IGNORES = [".git", ".stagesmith.yaml", "Dockerfile*", ".dockerignore", "**/.DS_Store"]


#: The non-root user of images whose runtime can create one (Rust, Java), and the distroless one.
APP_UID = "10001"
NONROOT = "65532:65532"


def runtime_user(no_shell: bool) -> str:
    """Numeric, so runAsNonRoot can check it: distroless's nonroot, or an ``app`` user we create."""
    return NONROOT if no_shell else f"{APP_UID}:{APP_UID}"


def decide_user(plan: EcoPlan, options: EcoOptions, no_shell: bool) -> None:
    """Record the user decision, unless the user chose one (``finish`` applies that)."""
    if options.user:
        return
    plan.decide(
        "user",
        plan.user,
        "the distroless nonroot user (numeric; nothing can be created without a shell)"
        if no_shell
        else f"numeric non-root user {APP_UID}:{APP_UID} created as app (runAsNonRoot can "
        "check a numeric user)",
    )


def finish(plan: EcoPlan, options: EcoOptions) -> EcoPlan:
    """Apply the options every ecosystem shares: labels, healthcheck, user override."""
    plan.labels = {**plan.labels, **options.labels}
    plan.labels.setdefault("org.opencontainers.image.title", str(plan.params.get("name", "")))
    if options.user:
        plan.user = options.user
        plan.decide("user", options.user, "requested by the user")
    if plan.runtime_shell is None:
        plan.runtime_shell = image_has_shell(plan.base("runtime"))
    if options.healthcheck:
        plan.healthcheck = options.healthcheck
        # A command the runtime cannot run fails here, at plan time.
        form = "shell" if plan.healthcheck_command() == options.healthcheck.strip() else "exec"
        plan.decide(
            "healthcheck",
            f"{form} form: {plan.healthcheck_command()}",
            "requested with --health-cmd; "
            + {
                True: "the runtime has /bin/sh",
                False: "the runtime has no shell (exec form, no /bin/sh -c)",
                None: "runtime shell unknown: exec form unless the command needs a shell",
            }[plan.runtime_shell],
        )
    plan.dockerignore = list(
        dict.fromkeys([*COMMON_IGNORES, *(i for i in plan.dockerignore if i not in COMMON_IGNORES)])
    )
    return plan


def image(images: ImageMap, official: str) -> str:
    return images(official)


#: Detection order: the first ecosystem whose marker file exists wins (a Python project with
#: a Node ``frontend/`` is the combination, checked first).
ORDER = ("pynode", "go", "rust", "java", "node")

FRONTEND_DIRS = ("frontend", "web", "client", "ui")
PYTHON_MARKERS = ("pyproject.toml", "requirements.txt", "setup.py", "uv.lock")


def detect(root: Path) -> str | None:
    """The ecosystem of a project directory, or None when none of ours applies.

    A Python project whose root ``package.json`` neither starts, serves nor builds anything
    (prettier, eslint, husky only) is Python: None here, so the Python planner takes it.
    """
    from stagesmith.spec import go, java, node, rust

    if _python_marker(root) and _frontend_dir(root):
        return "pynode"
    for name, mod in (("go", go), ("rust", rust), ("java", java), ("node", node)):
        if mod.detect(root):
            if name == "node" and _python_marker(root) and not node_entry_points(root):
                return None
            return name
    return None


def node_entry_points(root: Path) -> list[str]:
    """What makes a root ``package.json`` an application: ``main``, a start or build script."""
    try:
        doc = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(doc, dict):
        return []
    raw = doc.get("scripts")
    scripts: dict[str, Any] = raw if isinstance(raw, dict) else {}
    found = ["main"] if "main" in doc else []
    return found + [f"scripts.{n}" for n in ("start", "build") if n in scripts]


def tool_package_reason(root: Path) -> str | None:
    """Why a Python project with a root ``package.json`` is planned as Python (None: no such file)."""
    marker = _python_marker(root)
    if marker is None or not (root / "package.json").is_file() or node_entry_points(root):
        return None
    return (
        f"{marker} at the root; package.json has no main, start or build script, so it only "
        "holds development tools (prettier, eslint, ...)"
    )


def _python_marker(root: Path) -> str | None:
    return next((n for n in PYTHON_MARKERS if (root / n).is_file()), None)


def _frontend_dir(root: Path) -> str | None:
    return next((d for d in FRONTEND_DIRS if (root / d / "package.json").is_file()), None)


def plan_project(
    root: Path, images: ImageMap | None = None, options: EcoOptions | None = None
) -> EcoPlan:
    """Detect and plan; bad input raises ``StagesmithError`` (one line, exit 2)."""
    images = images or ImageMap()
    options = options or EcoOptions()
    if not root.is_dir():
        raise StagesmithError(f"{root}: not a directory")
    kind = detect(root)
    if kind == "pynode":
        return plan_pynode(root, images, options)
    if kind is not None:
        spec_mod = importlib.import_module(f"stagesmith.spec.{kind}")
        plan_mod = importlib.import_module(f"stagesmith.plan.{kind}")
        result: EcoPlan = plan_mod.plan(spec_mod.read(root), images, options, root)
        marker = _python_marker(root)
        if kind == "node" and marker:
            entry = ", ".join(node_entry_points(root))
            result.warnings.append(
                f"both {marker} and package.json ({entry}) at the root: planned as Node; "
                "put the front-end in frontend/ for Python + Node, or drop the package.json "
                "script to plan it as Python"
            )
            result.decide("ecosystem", "node", f"package.json has {entry} (also {marker})")
        return result
    from stagesmith.spec import python as python_spec

    if python_spec.detect(root):
        return plan_python(root, images, options)
    hint = _nested_projects(root)
    raise StagesmithError(
        f"{root}: no go.mod, Cargo.toml, pom.xml, build.gradle, package.json, pyproject.toml, "
        "requirements.txt or environment.yml/.yaml found"
        + (f"; found {', '.join(hint)}: give that directory as PATH" if hint else "")
    )


_MARKERS = ("go.mod", "Cargo.toml", "pom.xml", "build.gradle", "build.gradle.kts", "package.json")


def _nested_projects(root: Path) -> list[str]:
    """Marker files one level down (a repository whose code lives in ``frontend/``)."""
    try:
        subdirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    found = [
        f"{sub.name}/{marker}"
        for sub in subdirs
        if sub.name != "node_modules"
        for marker in (*_MARKERS, *PYTHON_MARKERS)
        if (sub / marker).is_file()
    ]
    return found[:3]


def _python_backend(root: Path, images: ImageMap, options: EcoOptions) -> EcoPlan:
    """The real Python plan (``stagesmith.plan.python``) for the project at ``root``."""
    from stagesmith.plan import python as python_plan
    from stagesmith.spec import python as python_spec

    result = python_plan.plan(
        python_spec.read_project(root),
        images,
        builder_base=options.builder_base,
        runtime_base=options.runtime_base,
        runtime_apt=list(options.runtime_apt),
        health_cmd=None if options.health_url else options.healthcheck,
        health_url=options.health_url,
    )
    result.labels = {**result.labels, **options.labels}
    if options.user:
        result.user = options.user
        result.decide("user", options.user, "requested by the user")
    if result.runtime_shell is None:
        result.runtime_shell = image_has_shell(result.base("runtime"))
    return result


def plan_python(root: Path, images: ImageMap, options: EcoOptions) -> EcoPlan:
    """A Python-only project through ``plan_project`` (``stagesmith generate`` calls the Python
    planner itself); a tool-only root ``package.json`` is named in the decisions."""
    result = _python_backend(root, images, options)
    reason = tool_package_reason(root)
    if reason:
        result.decide("ecosystem", "python", reason)
    return result


#: Test modules at the project root that pytest is given by name when there is no ``tests/``.
ROOT_TEST_GLOBS = ("test_*.py", "*_test.py", "selftest.py")


def _setuptools_discovers(root: Path) -> bool:
    """Whether ``pip install .`` runs setuptools' automatic (flat-layout) package discovery."""
    import tomllib

    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    backend = str((data.get("build-system") or {}).get("build-backend") or "setuptools")
    tool = (data.get("tool") or {}).get("setuptools") or {}
    src_layout = (root / "src").is_dir()
    return (
        "setuptools" in backend and not src_layout and not ({"packages", "py-modules"} & set(tool))
    )


def plan_pynode(root: Path, images: ImageMap, options: EcoOptions) -> EcoPlan:
    """Python backend + a Node-built front-end: the "asset builder" pattern.

    The backend is planned by the Python planner (same Python version, lock files, entry
    point, tests, numeric user and targets as a Python-only project); a Node ``assets`` stage
    is added before it and rendered by ``combined.Dockerfile.j2``, which extends the Python
    template and fills its blocks: the test stage sees the built assets, the production stage
    copies them (and a marker from the test stage, so failing tests fail the build).
    """
    from stagesmith.plan import node as node_plan
    from stagesmith.spec import node as node_spec

    frontend = _frontend_dir(root)
    python_marker = _python_marker(root)
    assert frontend is not None and python_marker is not None
    fe = node_spec.read(root / frontend)
    plan = _python_backend(root, images, options)
    install, _ = node_plan.installs(fe)
    run = node_plan.run_prefix(fe.manager)
    builder = images(f"node:{fe.node_major}")
    node_tests = options.with_tests and "test" in fe.scripts
    py_tests = bool(plan.params.get("tests"))
    root_tests = (
        []
        if py_tests or not options.with_tests
        else sorted({p.name for g in ROOT_TEST_GLOBS for p in root.glob(g) if p.is_file()})
    )
    has_py = any("node_modules" not in p.parts for p in (root / frontend).rglob("*.py"))
    plan.ecosystem = "python+node"
    plan.detected_from = [*plan.detected_from, f"{frontend}/package.json"]
    plan.template = "combined.Dockerfile.j2"
    plan.stages.insert(0, Stage(name="assets", base=builder, role="asset-builder"))
    plan.params["assets"] = {
        "dir": frontend,
        "manifests": node_plan.manifests(fe),
        "install": install,
        "cache": node_plan.CACHES[fe.manager],
        "run": run,
        "build": "build" in fe.scripts,
        "tests": node_tests,
        "output": fe.output_dir.strip("/"),
        # setuptools' flat-layout discovery takes every top-level directory for a package
        # ("Multiple top-level packages discovered"): the front-end source leaves the tree the
        # project is installed from (its built output comes back from the assets stage).
        "hide_from_install": not has_py and _setuptools_discovers(root),
    }
    plan.params["root_tests"] = root_tests
    plan.params["gate_tests"] = options.with_tests
    plan.dockerignore = list(
        dict.fromkeys(
            [
                *COMMON_IGNORES,
                *plan.dockerignore,
                f"{frontend}/node_modules",
                *(f"{frontend}/{i}" for i in node_plan.output_ignored(fe)),
                *(f"{frontend}/{i}" for i in node_plan.FRONTEND_ENV_IGNORES),
                *node_plan.SERVER_ENV_IGNORES,
            ]
        )
    )
    plan.decisions.insert(0, Decision(
        key="ecosystem",
        value="python+node",
        reason=f"{python_marker} at the root and {frontend}/package.json: the Python planner "
        "plans the backend, a Node stage builds the assets",
    ))  # fmt: skip
    node_plan.decide_basics(plan, fe, install, builder, where="assets ")
    if "build" in fe.scripts:
        plan.decide("assets build", f"{run} build", f"{frontend}/package.json has a build script")
    plan.decide(
        "assets",
        f"{frontend}/{fe.output_dir}",
        f"{fe.output_source}; only the output reaches the runtime (no Node, no node_modules)",
    )
    if node_tests:
        plan.decide("assets tests", f"{run} test", f"{frontend}/package.json has a test script")
    entry = plan.params.get("entry") or []
    plan.decide(
        "entry",
        " ".join(entry),
        "[project.scripts] (installed into /opt/venv/bin)"
        if entry and entry[0].startswith("/opt/venv/bin/")
        else "the first of app.py, main.py, server.py at the root"
        if len(entry) == 2 and entry[0] == "python"
        else "from the Python project",
    )
    if py_tests:
        plan.decide("tests", "pytest tests", "tests/ exists; run with the built assets in place")
    elif root_tests:
        plan.decide(
            "tests",
            "pytest " + " ".join(root_tests),
            "no tests/ directory; root test modules are given to pytest by name",
        )
    if options.with_tests:
        plan.decide(
            "test stage",
            "test",
            "the production stage copies a marker from it, so failing tests fail the build"
            + ("" if py_tests or root_tests else " (no tests found: compileall only)"),
        )
    if plan.params["assets"]["hide_from_install"]:
        plan.decide(
            "install tree",
            f"{frontend}/ removed before `pip install .`",
            "setuptools flat-layout discovery would take it for a second top-level package",
        )
    plan.decide(".dockerignore", f"{frontend}/node_modules, {frontend}/{fe.output_dir}, .env*",
                "built inside the image; environment files hold secrets")  # fmt: skip
    plan.warnings += node_plan.pin_warnings(fe, where=f"{frontend}: ")
    return plan


def node_install(manager: str, lockfile: str | None) -> str:
    """The frozen install command for a package manager (falls back when there is no lock)."""
    if manager == "yarn":
        return "yarn install --frozen-lockfile"
    if manager == "pnpm":
        return "corepack enable && pnpm install --frozen-lockfile"
    return "npm ci" if lockfile else "npm install"


def describe(plan: EcoPlan) -> str:
    """The plan as text for ``stagesmith plan PATH``: what was detected, stages, decisions."""
    lines = [f"ecosystem: {plan.ecosystem} (detected from {', '.join(plan.detected_from)})"]
    lines.append("stages:")
    lines += [f"  {s.name:<10} {s.role:<14} FROM {s.base}" for s in plan.stages]
    lines.append("decisions:")
    lines += [f"  {d.key}: {d.value}\n      because {d.reason}" for d in plan.decisions]
    # Warnings are not repeated here: the CLI prints them once, as ``warning:`` lines on stderr.
    return "\n".join(lines) + "\n"
