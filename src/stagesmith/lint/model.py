"""Findings and severities: the plain data every rule returns and every formatter prints."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any


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


@dataclass(frozen=True)
class Finding:
    """One problem at one place in one Dockerfile."""

    rule: str
    severity: Severity
    message: str
    path: str
    line: int
    end_line: int
    hadolint: str | None = None
    column: int = 1

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
