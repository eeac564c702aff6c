"""The findings model shared by every check and every report format.

A finding is plain data so the JSON report is a straight dump of it and ``compare`` can match
findings of two images by ``(id, subject)``: "gcc present" in A and not in B reads "gcc removed".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """Ordered so that ``--fail-on warning`` also fails on errors."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(text) from None


@dataclass
class Finding:
    """One fact about an image worth a human's attention.

    ``subject`` names what the finding is about (a tool, a soname, a user, a path) so two
    images' findings can be matched; ``paths`` are the image paths (no leading ``/``) involved;
    ``layer`` is the index of the layer that added the (first) path, when one did.
    """

    id: str
    severity: Severity
    title: str
    message: str
    subject: str = ""
    paths: list[str] = field(default_factory=list)
    layer: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.subject)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.label
        return data


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by id and subject, so reports are stable."""
    return sorted(findings, key=lambda f: (-int(f.severity), f.id, f.subject, f.paths[:1]))
