"""SS117: secrets passed through ARG or ENV."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc, Instr

_SECRET = re.compile(
    r"(^|_)(PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|AUTH)($|_)",
    re.IGNORECASE,
)
_NOT_SECRET = re.compile(
    r"(_FILE|_PATH|_DIR|_URL|_URI|_HOST|_PORT|_USER(NAME)?|_LENGTH|_TIMEOUT|_ENABLED|_DISABLED|"
    r"_MODE|_TYPE|_METHOD|_PROVIDER|_ENDPOINT|_EXPIRY|_EXPIRES|_TTL|_HEADER|_NAME|_ALGORITHM|"
    r"_ID|_REGION)$",
    re.I,
)


def _names(ins: Instr) -> list[str]:
    words = ins.words
    if ins.keyword == "ENV" and words and "=" not in words[0]:
        return [words[0]]  # legacy ``ENV name value``
    return [w.split("=", 1)[0] for w in words if w and (w[0].isalpha() or w[0] == "_")]


@rule("SS117", "secret-in-arg-or-env", Severity.ERROR, hadolint="DL3064", keywords=("ARG", "ENV"))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """An ``ARG`` or ``ENV`` whose name says it holds a secret (``*_TOKEN``, ``PASSWORD``,
    ``API_KEY``...). Both end up in the image history; use ``RUN --mount=type=secret``.

    Bad::

        FROM python:3.12-slim
        ARG PYPI_TOKEN
        RUN pip install --index-url https://u:${PYPI_TOKEN}@pypi.example/simple app

    Good::

        FROM python:3.12-slim
        RUN --mount=type=secret,id=pypi_token \\
            PYPI_TOKEN=$(cat /run/secrets/pypi_token) pip install app
    """
    everything = doc.walk()  # ONBUILD ENV/ARG included
    seen: set[int] = set()
    for ins in everything:
        if ins.keyword not in ("ARG", "ENV") or id(ins) in seen:
            continue
        seen.add(id(ins))
        for name in _names(ins):
            if _SECRET.search(name) and not _NOT_SECRET.search(name):
                yield (
                    ins,
                    f"{ins.keyword} {name} looks like a secret; it stays in the image history",
                )
                break
