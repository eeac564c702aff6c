"""The ``lint:`` configuration section (``.stagesmith.yaml`` or ``[tool.stagesmith.lint]``).

Keys (``-`` and ``_`` are interchangeable)::

    lint:
      ignore: [SS120, DL3015]          # rule ids, ours or hadolint's
      severity: {SS115: warning}       # override a rule's severity
      failure-threshold: warning       # exit 1 at or above this (default: error)
      trusted-registries: [registry.example.com]
      target: runtime                  # the stage that is built (default: the last)
      alternative-targets: [test, dev] # stages built on their own with --target (SS105)
"""

from __future__ import annotations

from typing import Any

from stagesmith.dockerfile.record import Record
from stagesmith.errors import StagesmithError
from stagesmith.lint.model import Severity

#: Stage names that say "build me on my own with --target" (SS105 does not call them, or the
#: stages they need, unused). A name also matches with a suffix: ``test-unit``, ``dev_tools``.
ALTERNATIVE_TARGETS = [
    "test",
    "tests",
    "testing",
    "unittest",
    "integration",
    "e2e",
    "dev",
    "develop",
    "development",
    "devcontainer",
    "debug",
    "lint",
    "check",
    "checks",
    "ci",
    "docs",
    "doc",
    "bench",
    "benchmark",
]


class LintSettings(Record):
    """The settings the linter runs with (defaults: nothing ignored, fail on errors)."""

    __slots__ = (
        "alternative_targets",
        "failure_threshold",
        "ignore",
        "severity",
        "target",
        "trusted_registries",
    )

    def __init__(
        self,
        ignore: list[str] | None = None,
        severity: dict[str, Severity] | None = None,
        failure_threshold: Severity = Severity.ERROR,
        trusted_registries: list[str] | None = None,
        target: str | None = None,
        alternative_targets: list[str] | None = None,
    ) -> None:
        self.ignore: list[str] = [] if ignore is None else ignore
        self.severity: dict[str, Severity] = {} if severity is None else severity
        self.failure_threshold = failure_threshold
        self.trusted_registries: list[str] = (
            [] if trusted_registries is None else trusted_registries
        )
        self.target = target
        self.alternative_targets: list[str] = (
            list(ALTERNATIVE_TARGETS) if alternative_targets is None else alternative_targets
        )


def settings_from(section: dict[str, Any], source: object = None) -> LintSettings:
    """Validate a raw ``lint`` section; one-line :class:`StagesmithError` on bad values.

    pydantic is imported only when there is something to validate: most runs have no
    config, and its import costs more than linting a hundred files.
    """
    if not section:
        return LintSettings()
    from pydantic import ValidationError

    from stagesmith.lint.config_schema import LintSection

    raw = {str(k).replace("-", "_"): v for k, v in section.items()}
    try:
        model = LintSection.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())).replace("_", "-")
        msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if first.get("type") == "extra_forbidden":
            msg = "unknown key"
        prefix = f"{source}: " if source else ""
        raise StagesmithError(f"{prefix}lint config: {where}: {msg}") from None
    return LintSettings(**model.model_dump())
