"""Errors the CLI turns into one line on stderr and an exit code.

Every layer raises these (or a subclass) for problems the user can fix; anything
else is a bug and shows a traceback only under ``--debug``.
"""

from __future__ import annotations


class StagesmithError(Exception):
    """Bad input: a missing file, malformed YAML, conflicting flags. Exit code 2."""

    exit_code = 2


class UsageError(StagesmithError):
    """Flags that do not make sense together."""


class Failure(StagesmithError):
    """The tool ran fine but the answer is "no": a failed build, findings over a threshold. Exit 1."""

    exit_code = 1
