"""Findings and severities: the plain data every rule returns and every formatter prints."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from stagesmith.dockerfile.record import FrozenRecord


class Severity(IntEnum):
    """Ordered so a threshold compares with ``>=`` (style is the mildest)."""

    STYLE = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity '{value}' (expected one of: {names})") from None

    def __str__(self) -> str:
        return self.name.lower()


class Finding(FrozenRecord):
    """One problem at one place in one Dockerfile (not changed once made)."""

    __slots__ = ("column", "end_line", "hadolint", "line", "message", "path", "rule", "severity")

    def __init__(
        self,
        rule: str,
        severity: Severity,
        message: str,
        path: str,
        line: int,
        end_line: int,
        hadolint: str | None = None,
        column: int = 1,
    ) -> None:
        self.rule = rule
        self.severity = severity
        self.message = message
        self.path = path
        self.line = line
        self.end_line = end_line
        self.hadolint = hadolint
        self.column = column

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "hadolint": self.hadolint,
            "column": self.column,
        }
