"""CI gates for ``inspect``: efficiency, wasted bytes, finding ids or a severity.

Flags win over the ``inspect`` section of the config file; a crossed gate makes the command
exit 1 after the report is printed.
"""

from __future__ import annotations

import re
from typing import Any

from stagesmith.checks.model import Severity
from stagesmith.errors import StagesmithError
from stagesmith.record import Record

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
#: Every finding id the built-in checks emit (``--fail-on`` warns about other names).
KNOWN_IDS = frozenset(
    {
        "missing-library",
        "missing-interpreter",
        "secret",
        "git-dir",
        "root-user",
        "unknown-user",
        "build-tool",
        "headers",
        "package-cache",
        "apt-lists",
        "setuid",
        "device-file",
        "unreadable-elf",
    }
)
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str | int | float) -> int:
    """``50MB`` → 50_000_000, ``1.5GiB`` → bytes; plain numbers are bytes."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        if text < 0:
            raise StagesmithError(f"invalid size {text!r}")
        return int(text)
    m = _SIZE_RE.match(str(text))
    if not m or m.group(2).lower() not in _UNITS:
        raise StagesmithError(f"invalid size {text!r} (use e.g. 50MB, 20MiB, 1000000)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


#: The keys of the ``inspect`` config section (``_`` is accepted for ``-``, as in ``lint``).
SECTION_KEYS = ("fail-on-efficiency-below", "fail-on-wasted-bytes", "fail-on")


def section_settings(section: dict[str, Any], source: object = None) -> dict[str, Any]:
    """The ``inspect`` section with ``_`` in keys read as ``-``; an unknown key is an error
    (exit 2), so a typo cannot switch a CI gate off."""
    out: dict[str, Any] = {}
    prefix = f"{source}: " if source else ""
    for key, value in section.items():
        name = str(key).replace("_", "-")
        if name not in SECTION_KEYS:
            raise StagesmithError(f"{prefix}inspect config: {name}: unknown key")
        if name in out:
            raise StagesmithError(f"{prefix}inspect config: {name}: given twice")
        out[name] = value
    return out


def _fail_on_items(spec: Any) -> list[str]:
    """Items of ``--fail-on`` values (each a comma list) or of the config's ``fail-on``."""
    if isinstance(spec, str):
        spec = [spec]
    if not isinstance(spec, list) or not all(isinstance(i, str) for i in spec):
        raise StagesmithError(
            f"invalid fail-on {spec!r} (a list of finding ids or severities, or a comma list)"
        )
    return [item.strip() for value in spec for item in value.split(",") if item.strip()]


def ratio_text(score: float, threshold: float) -> str:
    """``score`` with at least four digits, and as many more as it takes to read below
    ``threshold`` (``0.99998`` is not ``1.0000``)."""
    for digits in range(4, 18):
        text = f"{score:.{digits}f}"
        if float(text) < threshold:
            return text
    return repr(score)


class Gates(Record):
    __slots__ = ("fail_ids", "fail_severity", "max_wasted_bytes", "min_efficiency")

    def __init__(
        self,
        min_efficiency: float | None = None,
        max_wasted_bytes: int | None = None,
        fail_ids: set[str] | None = None,
        fail_severity: Severity | None = None,
    ) -> None:
        self.min_efficiency, self.max_wasted_bytes = min_efficiency, max_wasted_bytes
        self.fail_ids: set[str] = set() if fail_ids is None else fail_ids
        self.fail_severity = fail_severity

    @classmethod
    def build(
        cls,
        section: dict[str, Any],
        efficiency: float | None,
        wasted: str | None,
        fail_on: str | list[str] | None,
        source: object = None,
    ) -> Gates:
        """Flags first, then the config section (keys named like the flags). Repeated
        ``--fail-on`` flags (a list here) add up; each may be a comma list."""
        section = section_settings(section, source)
        prefix = f"{source}: " if source else ""

        def origin(flag: str, key: str) -> str:
            return flag if flag else f"{prefix}inspect config: {key}"

        gates = cls()
        eff: Any = efficiency if efficiency is not None else section.get("fail-on-efficiency-below")
        if eff is not None:
            where = origin(
                "--fail-on-efficiency-below" if efficiency is not None else "",
                "fail-on-efficiency-below",
            )
            if isinstance(eff, bool):
                raise StagesmithError(f"{where}: invalid efficiency {eff!r} (a number 0..1)")
            try:
                gates.min_efficiency = float(eff)
            except (TypeError, ValueError):
                raise StagesmithError(
                    f"{where}: invalid efficiency {eff!r} (a number 0..1)"
                ) from None
            if not 0 <= gates.min_efficiency <= 1:
                raise StagesmithError(f"{where}: efficiency threshold {eff} is not between 0 and 1")
        size = wasted if wasted is not None else section.get("fail-on-wasted-bytes")
        if size is not None:
            where = origin(
                "--fail-on-wasted-bytes" if wasted is not None else "", "fail-on-wasted-bytes"
            )
            try:
                gates.max_wasted_bytes = parse_size(size)
            except StagesmithError as exc:
                raise StagesmithError(f"{where}: {exc}") from None
        spec: Any = fail_on if fail_on is not None else section.get("fail-on")
        if spec is not None:
            where = origin("--fail-on" if fail_on is not None else "", "fail-on")
            try:
                items = _fail_on_items(spec)
            except StagesmithError as exc:
                raise StagesmithError(f"{where}: {exc}") from None
            for item in items:
                try:
                    sev = Severity.parse(item)
                except ValueError:
                    gates.fail_ids.add(item)
                else:
                    if gates.fail_severity is None or sev < gates.fail_severity:
                        gates.fail_severity = sev
        return gates

    @property
    def needs_efficiency(self) -> bool:
        """True when a gate reads the efficiency analysis (so it cannot be skipped)."""
        return self.min_efficiency is not None or self.max_wasted_bytes is not None

    def unknown_ids(self) -> list[str]:
        return sorted(self.fail_ids - KNOWN_IDS)

    def violations(self, report: dict[str, Any]) -> list[str]:
        out: list[str] = []
        eff = report.get("efficiency")
        if eff is None and self.needs_efficiency:
            # never pass a gate silently because the number it reads was not computed
            raise StagesmithError(
                "an efficiency or wasted-bytes gate is set but the report has no efficiency analysis"
            )
        if (
            eff is not None
            and self.min_efficiency is not None
            and eff["score"] < self.min_efficiency
        ):
            out.append(
                f"efficiency {ratio_text(eff['score'], self.min_efficiency)}"
                f" is below {self.min_efficiency}"
            )
        if (
            eff is not None
            and self.max_wasted_bytes is not None
            and eff["wasted_bytes"] > self.max_wasted_bytes
        ):
            out.append(f"wasted bytes {eff['wasted_bytes']} exceed {self.max_wasted_bytes}")
        for f in report["findings"]:
            if f["id"] in self.fail_ids or (
                self.fail_severity is not None
                and Severity.parse(f["severity"]) >= self.fail_severity
            ):
                out.append(f"{f['severity']} {f['id']}: {f['title']}")
        return out
