"""SS111: ``site-packages`` copied for another Python version than the runtime's."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import copies_from, copy_dest, copy_sources, image_of
from stagesmith.lint.model import Severity
from stagesmith.lint.source import COPY_FROM, Doc

_PYDIR = re.compile(r"python(\d+\.\d+)")
_IMAGE_PY = re.compile(r"(?:^|/)(?:python|pypy):(\d+\.\d+)")


#: The ``python3`` of common distribution bases (used for ``/usr/lib/pythonX.Y`` paths).
_DISTRO_PY = [
    (re.compile(r"(^|/)debian:(bullseye|11)"), "3.9"),
    (re.compile(r"(^|/)debian:(bookworm|12)"), "3.11"),
    (re.compile(r"(^|/)debian:(trixie|13)"), "3.13"),
    (re.compile(r"(^|/)ubuntu:(focal|20\.04)"), "3.8"),
    (re.compile(r"(^|/)ubuntu:(jammy|22\.04)"), "3.10"),
    (re.compile(r"(^|/)ubuntu:(noble|24\.04)"), "3.12"),
]
#: Copies that carry an environment built for one interpreter version.
_ENV_PATH = re.compile(r"venv|/\.local\b|^/install\b|site-packages|dist-packages")


def _runtime_python(image: str) -> str | None:
    m = _IMAGE_PY.search(image.lower())
    return m.group(1) if m else None


def _system_python(image: str) -> str | None:
    low = image.lower()
    return next((v for pattern, v in _DISTRO_PY if pattern.search(low)), None)


@rule("SS111", "site-packages-python-mismatch", Severity.ERROR, keywords=(COPY_FROM,))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A ``.../pythonX.Y/site-packages`` path is copied into a stage whose base runs another
    Python version (or copied to a destination of another version): the packages are
    invisible to the interpreter, and compiled extensions would not load anyway. Also a venv,
    ``--prefix``/``--user`` install built on one ``python:X.Y`` image and copied into another,
    and ``/usr/lib/pythonX.Y`` copied into a Debian/Ubuntu release whose python3 differs.

    Bad::

        FROM python:3.10 AS builder
        RUN pip install -r requirements.txt
        FROM python:3.12-slim
        COPY --from=builder /usr/local/lib/python3.10/site-packages /usr/local/lib/python3.10/site-packages

    Good::

        FROM python:3.12 AS builder
        RUN pip install -r requirements.txt
        FROM python:3.12-slim
        COPY --from=builder /usr/local/lib/python3.12/site-packages /usr/local/lib/python3.12/site-packages
    """
    for stage in doc.stages:
        runtime = _runtime_python(image_of(doc, stage))
        for ins, src_stage in copies_from(doc, stage):
            dest = _PYDIR.search(copy_dest(ins))
            builder = _runtime_python(image_of(doc, src_stage))
            envs = [p for p in copy_sources(ins) if _ENV_PATH.search(p) and not _PYDIR.search(p)]
            if envs and runtime and builder and builder != runtime:
                yield (
                    ins,
                    (
                        f"copies {envs[0]} built with Python {builder} ('{src_stage.label}') into a "
                        f"Python {runtime} base; the environment will not load"
                    ),
                )
                continue
            system = _system_python(image_of(doc, stage))
            for src in copy_sources(ins):
                if "-packages" not in src:
                    continue
                m = _PYDIR.search(src)
                if not m:
                    continue
                got = m.group(1)
                if (
                    not runtime
                    and system
                    and got != system
                    and copy_dest(ins).startswith("/usr/lib/python")
                ):
                    yield (
                        ins,
                        f"copies Python {got} packages into /usr/lib of "
                        f"{image_of(doc, stage)}, whose python3 is {system}",
                    )
                    break
                if runtime and got != runtime:
                    yield (
                        ins,
                        (
                            f"copies site-packages of Python {got} into a Python {runtime} base "
                            f"({image_of(doc, stage)})"
                        ),
                    )
                    break
                if dest and dest.group(1) != got:
                    yield ins, f"copies Python {got} site-packages to a python{dest.group(1)} path"
                    break
                builder_py = _runtime_python(image_of(doc, src_stage))
                if builder_py and builder_py != got:
                    yield (
                        ins,
                        (
                            f"copies python{got} site-packages from '{src_stage.label}', "
                            f"whose base is Python {builder_py}"
                        ),
                    )
                    break
