"""Orchestrator: read the project (spec) → decide (plan) → render the Dockerfile.

``stagesmith build`` calls ``generate(GenerateOptions(...))`` directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stagesmith.config import Config, check_image
from stagesmith.errors import StagesmithError, UsageError
from stagesmith.plan import BuildPlan, combined
from stagesmith.plan import python as python_plan
from stagesmith.render import render
from stagesmith.spec import python as python_spec


class GenerateOptions(BaseModel):
    """What the user asked for; every field is optional except one input."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: Path | None = None
    file: Path | None = None
    requirements: Path | None = None
    tarball: Path | None = None
    #: Build context for a requirements file or tarball (``stagesmith build --context``);
    #: default: PATH when it is a directory, else the current directory.
    context: Path | None = None
    runtime_base: str | None = None
    builder_base: str | None = None
    template: Path | None = None
    runtime_apt: list[str] = Field(default_factory=list)
    health_cmd: str | None = None
    health_url: str | None = None
    config: Config | None = None

    def __init__(self, **data: Any) -> None:
        """Keyword-only construction; callers pass what they have (``stagesmith build``)."""
        super().__init__(**data)


class GenerateResult(BaseModel):
    dockerfile: str
    dockerignore: str | None
    plan: BuildPlan
    context: Path
    warnings: list[str] = Field(default_factory=list)


def make_plan(options: GenerateOptions) -> tuple[BuildPlan, Path]:
    """The plan and the build context directory for the options."""
    plan, context = _make_plan(options)
    _check_images(plan, options)
    # The ``# syntax=`` frontend is an image too: the image map renames it, or drops the line
    # when mapped to an empty string (builders that cannot reach Docker Hub).
    if plan.syntax and options.config is not None:
        mapped = options.config.images(plan.syntax)
        if mapped != plan.syntax:
            plan.syntax = mapped or None
            plan.decide("syntax", mapped or "(none)", "renamed by the image map")
    return plan, context


def _check_images(plan: BuildPlan, options: GenerateOptions) -> None:
    """Every image the Dockerfile will name is a valid reference (all ecosystems, all modes).

    The values the user gave are checked where they came from first (``_make_plan``); this is
    what the planner made of them after the image map, so nothing else can reach a ``FROM``.
    """
    stages: set[str] = set()
    source = options.config.source if options.config is not None else None
    where = f" (after the image map of {source})" if source else ""
    for stage in plan.stages:
        if stage.base not in stages:
            check_image(stage.base, f"the {stage.name} stage's base image{where}")
        stages.add(stage.name)
    if plan.syntax:
        check_image(plan.syntax, f"the # syntax= frontend image{where}")


def _check_given(options: GenerateOptions) -> None:
    for flag, value in (("--runtime-base", options.runtime_base),
                        ("--builder-base", options.builder_base)):  # fmt: skip
        if value is not None:
            if not value.strip():
                raise UsageError(f"{flag} is empty: give an image or leave the flag out")
            check_image(value, flag)
    for flag, text in (("--health-cmd", options.health_cmd), ("--health-url", options.health_url)):
        if text is not None and not text.strip():
            raise UsageError(f"{flag} is empty: give a value or leave the flag out")


def _check_env_file(spec: python_spec.PythonSpec) -> None:
    """An env file's ``builder_base``/``runtime_base`` (presets are valid references too)."""
    for key in ("builder_base", "runtime_base"):
        value = getattr(spec, key)
        if value is not None:
            check_image(value, f"{spec.source}: {key}")


#: Flags the ecosystem planners (Go, Rust, Java, Node) have no equivalent for.
_PYTHON_ONLY = {
    "health_url": "--health-url",
    "runtime_apt": "--runtime-apt",
    "builder_base": "--builder-base",
}


def _inside(path: Path, root: Path, what: str) -> Path:
    """``path`` (as given, else relative to ``root``) when it lies inside ``root``."""
    if not path.is_absolute() and not path.exists() and (root / path).exists():
        path = root / path
    if not path.exists():
        raise StagesmithError(f"{path}: file not found")
    if not path.resolve().is_relative_to(root.resolve()):
        raise StagesmithError(
            f"{path}: the {what} is outside the build context {root.resolve()}"
            " (run from the project directory, or give that directory as PATH)"
        )
    return path


def _make_plan(options: GenerateOptions) -> tuple[BuildPlan, Path]:
    path_is_dir = options.path is not None and options.path.is_dir()
    named = [x for x in (options.file, options.requirements, options.tarball) if x]
    if len(named) > 1 or (options.path is not None and named and not path_is_dir):
        raise UsageError("give one input: a project PATH, --file, --requirements or --tarball")
    if options.file and options.path:
        raise UsageError("give one input: a project PATH or --file")
    if options.health_cmd and options.health_url:
        raise UsageError("--health-cmd and --health-url are exclusive")
    _check_given(options)
    images = options.config.images if options.config is not None else None
    from stagesmith.config import ImageMap

    images = images or ImageMap()
    kw: dict[str, Any] = {
        "builder_base": options.builder_base,
        "runtime_base": options.runtime_base,
        "runtime_apt": options.runtime_apt,
        "health_cmd": options.health_cmd,
        "health_url": options.health_url,
    }
    # The build context is the project directory: PATH when it is one, else the current
    # directory; requirements files and tarballs are named relative to it.
    root = options.context or (options.path if options.path is not None and path_is_dir else None)
    root = root or Path(".")
    if not root.is_dir():
        raise StagesmithError(f"{root}: the build context is not a directory")
    target = options.file or options.tarball or options.requirements or options.path or root
    if options.tarball is not None or (target.is_file() and _is_tarball(target)):
        tarball = _inside(target, root, "tarball")
        spec = python_spec.read_conda_pack(tarball, root)
        return python_plan.plan_conda_pack(spec, images, **kw), root
    if not target.exists() and not (root / target).exists():
        raise StagesmithError(f"{target}: file not found")
    if options.requirements is None and target.suffix in (".yaml", ".yml"):
        spec = python_spec.read_conda(target)
        _check_env_file(spec)
        return python_plan.plan(spec, images, root=target.parent, **kw), target.parent
    if options.requirements is not None or target.is_file():
        req = _inside(target, root, "requirements file")
        spec = python_spec.read_project(root, requirements=req)
        return python_plan.plan(spec, images, **kw), root
    if combined.detect(target) is None and python_spec.detect(target):
        spec = python_spec.read_project(target)
        return python_plan.plan(spec, images, **kw), target
    kind = combined.detect(target)
    for field, flag in _PYTHON_ONLY.items():
        if kind is not None and getattr(options, field):
            raise UsageError(f"{flag} is not supported for {kind} projects (Python only)")
    eco = combined.EcoOptions(runtime_base=options.runtime_base, healthcheck=options.health_cmd)
    return combined.plan_project(target, images, eco), target


def _is_tarball(path: Path) -> bool:
    return path.name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz"))


def generate(options: GenerateOptions) -> GenerateResult:
    plan, context = make_plan(options)
    template_dir = None
    if options.template is not None:
        if not options.template.is_file():
            raise StagesmithError(f"{options.template}: template not found")
        template_dir = options.template.parent
        plan.template = options.template.name
    dockerfile, ignore = render(plan, template_dir)
    return GenerateResult(
        dockerfile=dockerfile,
        dockerignore=ignore,
        plan=plan,
        context=context,
        warnings=list(plan.warnings),
    )
