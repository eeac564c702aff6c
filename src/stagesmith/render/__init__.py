"""stagesmith.render: a plan in, Dockerfile and .dockerignore text out; no decisions here.

Built-in templates live in ``templates/``. A user template directory goes first on the search
path, so a file there named like a built-in one replaces it; every built-in template is also
reachable as ``builtin/NAME``, so a user ``python.Dockerfile.j2`` can still
``{% extends "builtin/python.Dockerfile.j2" %}`` and override only its blocks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from stagesmith.errors import StagesmithError

if TYPE_CHECKING:
    from stagesmith.plan.combined import EcoPlan


def render(plan: EcoPlan, template_dir: Path | None = None) -> tuple[str, str]:
    """Format a plan through its template. Returns (Dockerfile, .dockerignore)."""
    import jinja2

    builtin = jinja2.PackageLoader("stagesmith.render", "templates")
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(template_dir)))
    loaders += [builtin, jinja2.PrefixLoader({"builtin": builtin})]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    try:
        text = env.get_template(plan.template).render(plan=plan)
    except jinja2.TemplateError as exc:
        raise StagesmithError(f"template {plan.template}: {exc}") from exc
    except RecursionError:
        raise StagesmithError(
            f"template {plan.template}: it extends or includes itself"
            f' (use "builtin/{plan.template}" for the built-in one)'
        ) from None
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n", "\n".join(plan.dockerignore) + "\n"
