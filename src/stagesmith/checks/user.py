"""Who the container runs as, from the config ``User`` and the image's own ``/etc/passwd``.

Bad: no ``USER`` (root), ``USER root``, ``USER 0``, or a name whose uid is 0.
Good: ``RUN useradd -u 10001 app`` then ``USER 10001`` (or ``USER app``).
"""

from __future__ import annotations

from typing import Any

from stagesmith.checks.base import Check, Content, Context
from stagesmith.checks.index import FILE
from stagesmith.checks.model import Finding, Severity

PASSWD = "etc/passwd"


def config_user(config: Any) -> str:
    """The configured user string, whatever the reader named the field."""
    if config is None:
        return ""
    for attr in ("user", "User"):
        value = getattr(config, attr, None)
        if value is None and isinstance(config, dict):
            value = config.get(attr)
        if value:
            return str(value)
    return ""


def parse_passwd(text: str) -> dict[str, int]:
    """name -> uid for every well-formed line of a passwd file."""
    users: dict[str, int] = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[0] and fields[2].isdigit():
            users.setdefault(fields[0], int(fields[2]))
    return users


class RootUserCheck(Check):
    name = "root-user"
    content_only = True

    def __init__(self) -> None:
        self.passwd: tuple[int, dict[str, int]] | None = None

    def wants(self, entry: Any, path: str, kind: str) -> bool:
        return kind == FILE and path == PASSWD

    def visit(self, layer: int, entry: Any, path: str, kind: str, content: Content | None) -> None:
        if path == PASSWD and content is not None:
            data = content.head(4 * 1024 * 1024)
            self.passwd = (layer, parse_passwd(data.decode("utf-8", "replace")))

    def finish(self, ctx: Context) -> list[Finding]:
        raw = config_user(ctx.config)
        user = raw.split(":", 1)[0].strip()
        users: dict[str, int] | None = None
        if self.passwd is not None and ctx.index.alive(PASSWD, self.passwd[0]):
            users = self.passwd[1]
        if user == "":
            return [_root(raw, "no USER is set, so the container runs as root")]
        if user.isdigit():
            if int(user) == 0:
                return [_root(raw, f"USER {raw} is uid 0 (root)")]
            return []
        if users is None:
            return [
                Finding(
                    id="unknown-user",
                    severity=Severity.WARNING,
                    title=f"user {user} cannot be resolved",
                    message=f"USER {raw} but the image has no /etc/passwd to resolve it; "
                    "the container will fail to start",
                    subject=user,
                )
            ]
        if user not in users:
            return [
                Finding(
                    id="unknown-user",
                    severity=Severity.ERROR,
                    title=f"user {user} not in /etc/passwd",
                    message=f"USER {raw} names a user the image's /etc/passwd does not have; "
                    "the container will fail to start",
                    subject=user,
                    paths=[PASSWD],
                )
            ]
        if users[user] == 0:
            return [_root(raw, f"USER {raw} has uid 0 in /etc/passwd")]
        return []


def _root(raw: str, message: str) -> Finding:
    return Finding(
        id="root-user",
        severity=Severity.WARNING,
        title="runs as root",
        message=message + "; add a non-root user and USER 10001",
        subject="root",
        evidence={"user": raw},
    )


def effective_user(config: Any) -> str:
    """For reports: the configured user, or ``root`` when none is set."""
    return config_user(config) or "root"
