"""Who the container runs as, from the config ``User`` and the image's own ``/etc/passwd``.

Bad: no ``USER`` (root), ``USER root``, ``USER 0``, or a name whose uid is 0.
Good: ``RUN useradd -u 10001 app`` then ``USER 10001`` (or ``USER app``).
"""

from __future__ import annotations

from typing import Any

from stagesmith.checks.base import Check, Content, Context
from stagesmith.checks.index import FILE
from stagesmith.checks.model import Finding, Severity
from stagesmith.errors import StagesmithError

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


#: Base names of files that may hold the passwd content ``/etc/passwd`` leads to: the file
#: itself (under ``/etc``, or the directory a symlinked ``/etc`` points to), its ``passwd-``
#: backup (a hard link target) and base-passwd's ``passwd.master``.
_CANDIDATES = frozenset({"passwd", "passwd-", "passwd.master"})
MAX_PASSWD = 4 * 1024 * 1024


def _candidate(path: str, mode: int) -> bool:
    if "passwd" not in path:
        return False  # the common case, cheap: this runs for every file
    if path.rpartition("/")[2] not in _CANDIDATES:
        return False
    return path == PASSWD or not mode & 0o111  # /usr/bin/passwd is the tool, not the file


class RootUserCheck(Check):
    name = "root-user"
    content_only = True

    def __init__(self) -> None:
        #: candidate passwd contents by path: (layer, bytes); /etc/passwd may be a symlink or
        #: a hard link (or /etc a symlink), so which one counts is decided in finish
        self.passwd: dict[str, tuple[int, bytes]] = {}

    def wants(self, entry: Any, path: str, kind: str) -> bool:
        if kind != FILE or "passwd" not in path:
            return False  # the common case, without a call: this runs for every entry
        return _candidate(path, int(entry.mode or 0)) and int(entry.size or 0) <= MAX_PASSWD

    def visit(self, layer: int, entry: Any, path: str, kind: str, content: Content | None) -> None:
        if content is not None and _candidate(path, int(entry.mode or 0)):
            self.passwd[path] = (layer, content.head(MAX_PASSWD))

    def _users(self, ctx: Context) -> tuple[dict[str, int] | None, str | None]:
        """The users of the passwd file /etc/passwd leads to in the final image, and that
        file's path; ``(None, path)`` when it exists but its content was not read."""
        index = ctx.index
        try:
            real = index.resolve(PASSWD)
        except StagesmithError:
            return None, None  # a symlink loop: the container cannot read it either
        if real is None:
            return None, None
        kept = self.passwd.get(real)
        if kept is None or not index.alive(real, kept[0]):
            return None, real
        return parse_passwd(kept[1].decode("utf-8", "replace")), real

    def finish(self, ctx: Context) -> list[Finding]:
        raw = config_user(ctx.config)
        user = raw.split(":", 1)[0].strip()
        users, real = self._users(ctx)
        if user == "":
            return [_root(raw, "no USER is set, so the container runs as root")]
        if user.isdigit():
            if int(user) == 0:
                return [_root(raw, f"USER {raw} is uid 0 (root)")]
            return []
        if users is None and real is not None:
            return [
                Finding(
                    id="unknown-user",
                    severity=Severity.INFO,
                    title=f"user {user} could not be checked",
                    message=f"USER {raw}: /etc/passwd leads to /{real}, whose content was not "
                    "read, so whether the user exists was not checked",
                    subject=user,
                    paths=[PASSWD],
                )
            ]
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
