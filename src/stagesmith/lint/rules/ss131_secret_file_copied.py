"""SS131: private keys and credential files copied into an image."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import copy_sources
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc

_SECRET_FILE = re.compile(
    r"(^|/)(\.env(\.[\w-]+)?|\.npmrc|\.pypirc|\.netrc|\.git-credentials|\.dockercfg|"
    r"id_(rsa|dsa|ecdsa|ed25519)|\.aws/credentials|\.aws|\.ssh|\.docker/config\.json|"
    r"credentials\.json|service-account[\w-]*\.json|[\w.-]+\.(pem|key|p12|pfx))/?$",
    re.IGNORECASE,
)
_HARMLESS = re.compile(r"\.env\.(example|sample|template|dist)$|(^|/)\.envrc$", re.IGNORECASE)


@rule("SS131", "secret-file-copied", Severity.ERROR, keywords=("COPY", "ADD"))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``COPY``/``ADD`` of SSH keys, ``.env``, ``.npmrc``, ``.pypirc``, cloud credentials or
    ``*.pem``/``*.key`` files: they stay in a layer even if a later step deletes them. Use
    ``RUN --mount=type=secret`` (or ``--mount=type=ssh``) instead.

    Bad::

        FROM node:20-slim
        COPY .npmrc /root/.npmrc
        RUN npm ci && rm /root/.npmrc

    Good::

        FROM node:20-slim
        RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    """
    for stage in doc.stages:
        for ins in stage.each("COPY", "ADD"):
            if ins.flag("from"):
                continue  # copying between stages is SS109/SS107's business
            for src in copy_sources(ins):
                if _SECRET_FILE.search(src) and not _HARMLESS.search(src):
                    yield ins, f"copies {src} into the image; pass secrets with --mount=type=secret"
                    break
