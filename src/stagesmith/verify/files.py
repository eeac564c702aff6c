"""File existence and file content tests, answered from the image's own layers (no container).

Semantics follow container-structure-test's tar driver: the path may name image env vars
(``$HOME``, ``${APP_DIR}``); existence and mode look at the path itself (a symlink reports
``Lrwxrwxrwx``), content follows symlinks; permissions compare Go's ``FileMode.String()``
(``-rwxr-xr-x``, ``drwxrwxrwt`` is written ``dtrwxrwxrwx``, setuid ``urwxr-xr-x``).
Unlike CST's tar driver, ``uid``/``gid`` are checked (CST reports an ownership error for any
uid/gid test on a tar image).
"""

from __future__ import annotations

import re
import time

from stagesmith.verify.config import FileContentTest, FileExistenceTest
from stagesmith.verify.report import CheckResult
from stagesmith.verify.view import (
    BLOCK,
    CHAR,
    DIR,
    FIFO,
    SYMLINK,
    ImageMeta,
    Node,
    PathError,
    TreeView,
)

_EXEC_BITS = {"any": 0o111, "owner": 0o100, "group": 0o010, "other": 0o001}
_VAR = re.compile(r"\$(?:\{([^}]*)\}|([A-Za-z0-9_]+))")


def expand_env(text: str, env: dict[str, str]) -> str:
    """Replace ``$X`` and ``${X}`` with the image env's value; unknown names are kept as
    written, so a shell inside the container can still expand variables set at run time."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or ""
        return env.get(name, m.group(0))

    return _VAR.sub(sub, text)


def go_mode_string(node: Node) -> str:
    """``FileMode.String()`` of what ``os.Lstat`` would report for this node once extracted."""
    letters = ""
    if node.kind == DIR:
        letters += "d"
    if node.kind == SYMLINK:
        letters += "L"
    if node.kind in (CHAR, BLOCK):
        letters += "D"
    if node.kind == FIFO:
        letters += "p"
    if node.mode & 0o4000:
        letters += "u"
    if node.mode & 0o2000:
        letters += "g"
    if node.kind == CHAR:
        letters += "c"
    if node.mode & 0o1000:
        letters += "t"
    perm = 0o777 if node.kind == SYMLINK else node.mode
    rwx = "".join(c if perm & (1 << (8 - i)) else "-" for i, c in enumerate("rwxrwxrwx"))
    return (letters or "-") + rwx


def run_existence(test: FileExistenceTest, view: TreeView, meta: ImageMeta) -> CheckResult:
    start = time.monotonic()
    result = CheckResult("fileExistence", test.name, True)
    path = expand_env(test.path, meta.env_map())
    node = view.lstat(path)
    if node is None:
        if test.should_exist:
            result.fail(f"{test.path} should exist but does not")
    elif not test.should_exist:
        result.fail(f"{test.path} should not exist but does")
    if node is not None:
        mode = go_mode_string(node)
        if test.permissions and mode != test.permissions:
            result.fail(
                f"{test.path} has incorrect permissions. Expected: {test.permissions}, Actual: {mode}"
            )
        if test.is_executable_by:
            # CST reads the mode of the path itself, so a symlink is always "executable".
            perm = 0o777 if node.kind == SYMLINK else node.mode
            if not perm & _EXEC_BITS[test.is_executable_by]:
                result.fail(
                    f"{test.path} is not executable by {test.is_executable_by} (mode {mode})"
                )
        if test.uid is not None and node.uid != test.uid:
            result.fail(
                f"{test.path} has incorrect user ownership. Expected: {test.uid}, Actual: {node.uid}"
            )
        if test.gid is not None and node.gid != test.gid:
            result.fail(
                f"{test.path} has incorrect group ownership. Expected: {test.gid}, Actual: {node.gid}"
            )
    result.duration = time.monotonic() - start
    return result


def run_content(test: FileContentTest, view: TreeView, meta: ImageMeta) -> CheckResult:
    start = time.monotonic()
    result = CheckResult("fileContent", test.name, True)
    path = expand_env(test.path, meta.env_map())
    try:
        contents = view.read(path).decode("utf-8", errors="replace")
    except PathError as exc:
        result.fail(f"failed to open {test.path}: {exc}")
        result.duration = time.monotonic() - start
        return result
    for pattern in test.expected_contents:
        if not re.search(pattern, contents):
            result.fail(f"expected content {pattern!r} not found in {test.path}")
    for pattern in test.excluded_contents:
        if re.search(pattern, contents):
            result.fail(f"excluded content {pattern!r} found in {test.path}")
    result.duration = time.monotonic() - start
    return result
