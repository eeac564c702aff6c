"""The ``lint:`` configuration section (``.stagesmith.yaml`` or ``[tool.stagesmith.lint]``).

Keys (``-`` and ``_`` are interchangeable)::

    lint:
      ignore: [SS120, DL3015]          # rule ids, ours or hadolint's
      severity: {SS115: warning}       # override a rule's severity
      failure-threshold: warning       # exit 1 at or above this (default: error)
      trusted-registries: [registry.example.com]
      target: runtime                  # the stage that is built (default: the last)
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from stagesmith.errors import StagesmithError
from stagesmith.lint.model import Severity


class LintSettings(BaseModel):
    """Validated lint settings; unknown keys are an error so typos do not go unnoticed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    failure_threshold: Severity = Severity.ERROR
    trusted_registries: list[str] = Field(default_factory=list)
    target: str | None = None

    @field_validator("ignore", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v for v in value.split(",")]
        if isinstance(value, list):
            return [str(v).strip().upper() for v in value if str(v).strip()]
        return value

    @field_validator("severity", mode="before")
    @classmethod
    def _severities(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k).upper(): _severity(v) for k, v in value.items()}
        return value

    @field_validator("failure_threshold", mode="before")
    @classmethod
    def _threshold(cls, value: Any) -> Any:
        return _severity(value)


def _severity(value: Any) -> Severity:
    if isinstance(value, Severity):
        return value
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise ValueError(str(exc)) from None


def settings_from(section: dict[str, Any], source: object = None) -> LintSettings:
    """Validate a raw ``lint`` section; one-line :class:`StagesmithError` on bad values."""
    raw = {str(k).replace("-", "_"): v for k, v in section.items()}
    try:
        return LintSettings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())).replace("_", "-")
        msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if first.get("type") == "extra_forbidden":
            msg = "unknown key"
        prefix = f"{source}: " if source else ""
        raise StagesmithError(f"{prefix}lint config: {where}: {msg}") from None
