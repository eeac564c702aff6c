"""The findings model shared by every check and every report format.

A finding is plain data so the JSON report is a straight dump of it and ``compare`` can match
findings of two images by ``(id, subject)``: "gcc present" in A and not in B reads "gcc removed".
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from stagesmith.record import Record


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


class Finding(Record):
    """One fact about an image worth a human's attention.

    ``subject`` names what the finding is about (a tool, a soname, a user, a path) so two
    images' findings can be matched; ``paths`` are the image paths (no leading ``/``) involved;
    ``layer`` is the index of the layer that added the (first) path, when one did.
    """

    __slots__ = ("evidence", "id", "layer", "message", "paths", "severity", "subject", "title")

    def __init__(
        self,
        id: str,
        severity: Severity,
        title: str,
        message: str,
        subject: str = "",
        paths: list[str] | None = None,
        layer: int | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> None:
        self.id, self.severity, self.title, self.message = id, severity, title, message
        self.subject, self.layer = subject, layer
        self.paths: list[str] = [] if paths is None else paths
        self.evidence: dict[str, Any] = {} if evidence is None else evidence

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.subject)

    def to_dict(self) -> dict[str, Any]:
        """The report's row: every field in this order, lists and dicts copied (changing the
        row leaves the finding alone), the severity as its label."""
        return {
            "id": self.id,
            "severity": self.severity.label,
            "title": self.title,
            "message": self.message,
            "subject": self.subject,
            "paths": _copy(self.paths),
            "layer": self.layer,
            "evidence": _copy(self.evidence),
        }


_ATOMS = (str, int, bool, float, type(None))


def _copy(value: Any) -> Any:
    """A deep copy of JSON-like data (as ``dataclasses.asdict`` makes one: tuples stay tuples);
    strings and numbers are shared, being immutable, anything else is deep-copied."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is list:
        return [_copy(v) for v in value]
    if kind is dict:
        return {_copy(k): _copy(v) for k, v in value.items()}
    if kind is tuple:
        return tuple(_copy(v) for v in value)
    import copy

    return copy.deepcopy(value)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by id and subject, so reports are stable."""
    return sorted(findings, key=lambda f: (-int(f.severity), f.id, f.subject, f.paths[:1]))
