"""SS115: pip install that keeps its download cache in the layer."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import lineage, mount_options
from stagesmith.lint.model import Severity
from stagesmith.lint.shell import installs, run_text
from stagesmith.lint.source import Doc, Instr


def _env_disables_cache(doc: Doc, ins: Instr, uv: bool) -> bool:
    stage = doc.stage_of(ins)
    if stage is None:
        return False
    name = "UV_NO_CACHE=" if uv else "PIP_NO_CACHE_DIR="
    for env in [i for s in lineage(doc, stage) for i in s.of("ENV", "ARG")]:
        text = env.args.replace(" ", "=")
        if name in text and f"{name}0" not in text:
            return True
    return False


def _cache_kept(doc: Doc, ins: Instr, words: list[str]) -> str | None:
    """What the install leaves behind, worded for its tool, or None."""
    if words[0].rsplit("/", 1)[-1] == "uv":
        off = "--no-cache" in words or "-n" in words or "UV_NO_CACHE=1" in ins.args
        message = "uv pip install without --no-cache or a cache mount"
        uv = True
    else:
        off = "--no-cache-dir" in words
        message = "pip install without --no-cache-dir or a cache mount"
        uv = False
    return None if off or _env_disables_cache(doc, ins, uv) else message


@rule("SS115", "pip-cache-in-layer", Severity.INFO, hadolint="DL3042", keywords=("RUN",))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``pip install`` without ``--no-cache-dir``, ``PIP_NO_CACHE_DIR`` or a cache mount on
    ``/root/.cache`` (``uv pip install``: without ``--no-cache`` or ``UV_NO_CACHE``): the wheel
    cache stays in the image.

    Bad::

        FROM python:3.12-slim
        RUN pip install flask

    Good::

        FROM python:3.12-slim
        RUN --mount=type=cache,target=/root/.cache/pip pip install flask
    """
    for stage in doc.stages:
        for ins in stage.each("RUN"):
            pips = [i for i in installs(run_text(ins)) if i.manager == "pip"]
            if not pips:
                continue
            if any(
                mount_options(m).get("type") == "cache" and ".cache" in m
                for m in ins.flags.get("mount", [])
            ):
                continue
            for install in pips:
                message = _cache_kept(doc, ins, install.words)
                if message:
                    yield ins, message
                    break
