"""stagesmith.render: a plan in, Dockerfile and .dockerignore text out; no decisions here.

Built-in templates live in ``templates/``. A user template directory goes first on the search
path, so a file there named like a built-in one replaces it; every built-in template is also
reachable as ``builtin/NAME``, so a user ``python.Dockerfile.j2`` can still
``{% extends "builtin/python.Dockerfile.j2" %}`` and override only its blocks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from stagesmith.errors import StagesmithError

if TYPE_CHECKING:
    import jinja2

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
    shown = str(template_dir / plan.template) if template_dir is not None else plan.template
    used: set[str] | None = None
    if template_dir is not None:
        used = set()
        env.context_class = _recording_context(used)
    try:
        template = env.get_template(plan.template)
        text = template.render(plan=plan)
    except StagesmithError:
        raise
    except jinja2.TemplateError as exc:
        raise StagesmithError(f"template {shown}: {_one_line(exc)}") from exc
    except RecursionError:
        raise StagesmithError(
            f"template {plan.template}: it extends or includes itself"
            f' (use "builtin/{plan.template}" for the built-in one)'
        ) from None
    except UnicodeDecodeError as exc:
        raise StagesmithError(f"template {shown}: not UTF-8 text ({exc.reason})") from exc
    except Exception as exc:  # a user template's own expression failed ({{ 1/0 }})
        if template_dir is None:
            raise
        raise StagesmithError(
            f"template {shown}: {type(exc).__name__}: {_one_line(exc)}"
        ) from exc
    if used is not None:
        plan.warnings += _unused_blocks(env, template, used, shown, plan)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n", "\n".join(plan.dockerignore) + "\n"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class _Recorded(dict[str, Any]):
    """A context's block table that notes every block looked up to be rendered."""

    used: set[str]

    def __getitem__(self, name: str) -> Any:
        self.used.add(name)
        return super().__getitem__(name)


def _recording_context(used: set[str]) -> type:
    """A Jinja2 context class whose block look-ups (``{% block %}``, ``self.x()``) land in ``used``.

    A block a user template overrides is rendered only where the chosen built-in template
    (for the plan's mode) places it, so a block never looked up had no effect.
    """
    import jinja2.runtime

    class Context(jinja2.runtime.Context):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            table = _Recorded(self.blocks)
            table.used = used
            self.blocks = table

    return Context


def _parents(env: jinja2.Environment, template: jinja2.Template) -> list[jinja2.Template]:
    """The templates ``template`` extends, nearest first (literal names only)."""
    from jinja2 import nodes

    found: list[jinja2.Template] = []
    current = template
    while current.name is not None and len(found) < 20:
        assert env.loader is not None
        source = env.loader.get_source(env, current.name)[0]
        names = [
            n.template.value
            for n in env.parse(source).find_all(nodes.Extends)
            if isinstance(n.template, nodes.Const) and isinstance(n.template.value, str)
        ]
        if not names:
            break
        current = env.get_template(names[0])
        found.append(current)
    return found


def _unused_blocks(
    env: jinja2.Environment, template: jinja2.Template, used: set[str], shown: str, plan: EcoPlan
) -> list[str]:
    parents = _parents(env, template)
    if not parents:
        return []  # a template of its own: every block is where it put it
    known = {name for parent in parents for name in parent.blocks}
    where = f"{plan.ecosystem} {plan.params.get('mode') or ''}".strip()
    out = []
    for name in template.blocks:
        if name in used:
            continue
        if name not in known:
            out.append(
                f"template {shown}: block '{name}' is not a block of {parents[0].name}"
                f" (blocks: {', '.join(sorted(known))}); it has no effect"
            )
        else:
            out.append(
                f"template {shown}: block '{name}' is not part of the {where} Dockerfile;"
                " it has no effect"
            )
    return out
