"""Orchestrator: read the project (spec) → decide (plan) → render the Dockerfile.

``stagesmith build`` calls ``generate(GenerateOptions(...))`` directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stagesmith.config import Config
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
    # The ``# syntax=`` frontend is an image too: the image map renames it, or drops the line
    # when mapped to an empty string (builders that cannot reach Docker Hub).
    if plan.syntax and options.config is not None:
        mapped = options.config.images(plan.syntax)
        if mapped != plan.syntax:
            plan.syntax = mapped or None
            plan.decide("syntax", mapped or "(none)", "renamed by the image map")
    return plan, context


def _make_plan(options: GenerateOptions) -> tuple[BuildPlan, Path]:
    given = [x for x in (options.path, options.file, options.requirements, options.tarball) if x]
    if len(given) > 1 and not (options.path and options.path.is_file()):
        raise UsageError("give one input: a project PATH, --file or --requirements")
    if options.health_cmd and options.health_url:
        raise UsageError("--health-cmd and --health-url are exclusive")
    images = options.config.images if options.config is not None else None
    from stagesmith.config import ImageMap

    images = images or ImageMap()
    target = options.file or options.tarball or options.requirements or options.path or Path(".")
    if not target.exists():
        raise StagesmithError(f"{target}: file not found")
    kw: dict[str, Any] = {
        "builder_base": options.builder_base,
        "runtime_base": options.runtime_base,
        "runtime_apt": options.runtime_apt,
        "health_cmd": options.health_cmd,
        "health_url": options.health_url,
    }
    if target.is_file() and target.suffix in (".yaml", ".yml"):
        spec = python_spec.read_conda(target)
        return python_plan.plan(spec, images, **kw), target.parent
    if target.is_file():
        spec = python_spec.read_project(target.parent, requirements=target)
        return python_plan.plan(spec, images, **kw), target.parent
    if combined.detect(target) is None and python_spec.detect(target):
        spec = python_spec.read_project(target)
        return python_plan.plan(spec, images, **kw), target
    eco = combined.EcoOptions(runtime_base=options.runtime_base, healthcheck=options.health_cmd)
    return combined.plan_project(target, images, eco), target


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
