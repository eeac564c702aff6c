"""Plans for compiled/JS ecosystems and their combinations (Python backend + Node assets).

The plan is plain data (``EcoPlan``, JSON round-trip): stages, bases (already through the image
map), and every decision with the reason it was taken. Each ecosystem module (``plan.go``,
``plan.rust``, ``plan.java``, ``plan.node``) fills one; this module detects which applies, in a
fixed order, and also owns the Python + Node "asset builder" combination.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

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


class EcoOptions(BaseModel):
    """User choices that every ecosystem honours (same guarantees as Python images)."""

    runtime_base: str | None = None
    healthcheck: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    user: str | None = None
    with_tests: bool = True
    scratch: bool = False


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
    user: str
    dockerignore: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def decide(self, key: str, value: object, reason: str) -> None:
        self.decisions.append(Decision(key=key, value=str(value), reason=reason))

    def base(self, role: str) -> str:
        return next(s.base for s in self.stages if s.role == role)


COMMON_IGNORES = [".git", ".stagesmith.yaml", "Dockerfile*", ".dockerignore", "**/.DS_Store"]


def finish(plan: EcoPlan, options: EcoOptions) -> EcoPlan:
    """Apply the options every ecosystem shares: labels, healthcheck, user override."""
    plan.labels = {**plan.labels, **options.labels}
    plan.labels.setdefault("org.opencontainers.image.title", str(plan.params.get("name", "")))
    if options.healthcheck:
        plan.healthcheck = options.healthcheck
        plan.decide("healthcheck", options.healthcheck, "requested with --healthcheck")
    if options.user:
        plan.user = options.user
        plan.decide("user", options.user, "requested by the user")
    plan.dockerignore = [*COMMON_IGNORES, *plan.dockerignore]
    return plan


def image(images: ImageMap, official: str) -> str:
    return images(official)


#: Detection order: the first ecosystem whose marker file exists wins (a Python project with
#: a Node ``frontend/`` is the combination, checked first).
ORDER = ("pynode", "go", "rust", "java", "node")

FRONTEND_DIRS = ("frontend", "web", "client", "ui")
PYTHON_MARKERS = ("pyproject.toml", "requirements.txt", "setup.py", "uv.lock")


def detect(root: Path) -> str | None:
    """The ecosystem of a project directory, or None when none of ours applies."""
    from stagesmith.spec import go, java, node, rust

    if _python_marker(root) and _frontend_dir(root):
        return "pynode"
    for name, mod in (("go", go), ("rust", rust), ("java", java), ("node", node)):
        if mod.detect(root):
            return name
    return None


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
        return result
    hint = _nested_projects(root)
    raise StagesmithError(
        f"{root}: no go.mod, Cargo.toml, pom.xml, build.gradle, package.json, pyproject.toml "
        "or requirements.txt found"
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


def plan_pynode(root: Path, images: ImageMap, options: EcoOptions) -> EcoPlan:
    """Python backend + a Node-built front-end: the "asset builder" pattern.

    A Node stage builds the assets, a Python stage installs the backend into a venv, an
    optional test stage runs both test suites, and the runtime copies the venv and the built
    assets only. The runtime copies a marker from the test stage so every engine (BuildKit
    skips unreferenced stages) must run the tests for the build to pass.
    """
    from stagesmith.spec import node as node_spec

    frontend = _frontend_dir(root)
    python_marker = _python_marker(root)
    assert frontend is not None and python_marker is not None
    fe = node_spec.read(root / frontend)
    runtime = options.runtime_base or "python:3.11-slim"
    plan = EcoPlan(
        ecosystem="python+node",
        detected_from=[python_marker, f"{frontend}/package.json"],
        template="combined.Dockerfile.j2",
        stages=[
            Stage(name="assets", base=images(f"node:{fe.node_major}"), role="asset-builder"),
            Stage(name="builder", base=images("python:3.11"), role="builder"),
            Stage(name="runtime", base=images(runtime), role="runtime"),
        ],
        user="app",
        params={
            "name": root.name,
            "frontend": frontend,
            "manager": fe.manager,
            "lockfile": fe.lockfile,
            "output": fe.output_dir,
            "install": node_install(fe.manager, fe.lockfile),
            "build_script": "build" in fe.scripts,
            "requirements": (root / "requirements.txt").is_file(),
            "pyproject": (root / "pyproject.toml").is_file(),
            "entry": _python_entry(root),
            "python_tests": _python_tests(root) if options.with_tests else None,
            "node_tests": options.with_tests and "test" in fe.scripts,
        },
        dockerignore=[
            f"{frontend}/node_modules",
            f"{frontend}/{fe.output_dir}",
            "**/__pycache__",
            ".venv",
        ],
    )
    plan.decide(
        "ecosystem", "python+node", f"{python_marker} at the root and {frontend}/package.json"
    )
    plan.decide(
        "assets",
        f"{frontend}/{fe.output_dir}",
        f"built by `{fe.manager} run build` in a Node stage; only the output reaches the runtime",
    )
    plan.decide("runtime", plan.base("runtime"), "Python slim runtime: no Node, no compilers")
    if options.with_tests and (plan.params["python_tests"] or plan.params["node_tests"]):
        plan.stages.insert(2, Stage(name="test", base="builder", role="test"))
        plan.decide(
            "test stage", "test", "runtime copies a marker from it, so failing tests fail the build"
        )
    if not fe.lockfile:
        plan.warnings.append(f"{frontend}: no lock file; `npm install` is not reproducible")
    return finish(plan, options)


def node_install(manager: str, lockfile: str | None) -> str:
    """The frozen install command for a package manager (falls back when there is no lock)."""
    if manager == "yarn":
        return "yarn install --frozen-lockfile"
    if manager == "pnpm":
        return "corepack enable && pnpm install --frozen-lockfile"
    return "npm ci" if lockfile else "npm install"


def _python_entry(root: Path) -> str:
    for name in ("app.py", "main.py", "server.py"):
        if (root / name).is_file():
            return name
    return "app.py"


def _python_tests(root: Path) -> str | None:
    if (root / "tests").is_dir():
        return "python -m unittest discover -s tests"
    if (root / "selftest.py").is_file():
        return "python -m unittest selftest"
    return None


def describe(plan: EcoPlan) -> str:
    """The plan as text for ``stagesmith plan PATH``: what was detected, stages, decisions."""
    lines = [f"ecosystem: {plan.ecosystem} (detected from {', '.join(plan.detected_from)})"]
    lines.append("stages:")
    lines += [f"  {s.name:<10} {s.role:<14} FROM {s.base}" for s in plan.stages]
    lines.append("decisions:")
    lines += [f"  {d.key}: {d.value}\n      because {d.reason}" for d in plan.decisions]
    lines += [f"warning: {w}" for w in plan.warnings]
    return "\n".join(lines) + "\n"
