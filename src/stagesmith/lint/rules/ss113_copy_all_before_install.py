"""SS113: ``COPY . .`` before the dependency install busts the layer cache."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import copy_sources
from stagesmith.lint.model import Severity
from stagesmith.lint.shell import installs, run_text
from stagesmith.lint.source import Doc

_MANIFEST_INSTALLS = ("-r", "--requirement", ".", "-e", "--editable")


def _installs_from_manifest(text: str) -> bool:
    for inst in installs(text):
        if inst.manager == "npm" and not inst.packages:
            return True
        if (
            inst.manager == "pip"
            and any(w in _MANIFEST_INSTALLS for w in inst.words)
            and "--no-deps" not in inst.words  # the project alone: its deps came before
        ):
            return True
    words = text.split()
    return any(w in ("poetry", "pipenv", "bundle", "composer", "uv") for w in words[:3]) and any(
        w in ("install", "sync") for w in words
    )


@rule("SS113", "copy-all-before-install", Severity.INFO, keywords=("COPY", "ADD"))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The whole build context is copied before installing dependencies from a manifest, so
    any source edit re-runs the install. Copy the manifest first, install, then copy the rest.

    Bad::

        FROM python:3.12-slim
        COPY . .
        RUN pip install --no-cache-dir -r requirements.txt

    Good::

        FROM python:3.12-slim
        COPY requirements.txt .
        RUN pip install --no-cache-dir -r requirements.txt
        COPY . .
    """
    for stage in doc.stages:
        copy_all = None
        for ins in stage.instructions:
            if ins.keyword in ("COPY", "ADD") and not ins.flag("from"):
                if copy_all is None and any(s in (".", "./", "./.") for s in copy_sources(ins)):
                    copy_all = ins
            elif (
                ins.keyword == "RUN"
                and copy_all is not None
                and _installs_from_manifest(run_text(ins))
            ):
                yield (
                    copy_all,
                    (
                        f"the whole context is copied before the dependency install on line "
                        f"{ins.start_line}; copy the manifest first to keep the cache"
                    ),
                )
                break
