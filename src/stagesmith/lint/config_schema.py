"""The pydantic schema of the ``lint:`` section (kept apart so it is imported only when used)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stagesmith.lint.config import ALTERNATIVE_TARGETS
from stagesmith.lint.model import Severity


class LintSection(BaseModel):
    """Validated lint settings; unknown keys are an error so typos do not go unnoticed."""

    model_config = ConfigDict(extra="forbid")

    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    failure_threshold: Severity = Severity.ERROR
    trusted_registries: list[str] = Field(default_factory=list)
    target: str | None = None
    alternative_targets: list[str] = Field(default_factory=lambda: list(ALTERNATIVE_TARGETS))

    @field_validator("alternative_targets", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return [str(v).strip().lower() for v in value if str(v).strip()]
        return value

    @field_validator("ignore", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
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
    return Severity.parse(str(value))
