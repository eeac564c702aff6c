"""Results of a verify run, and the two machine formats: JSON and JUnit XML.

A ``VerifyReport`` is plain data so ``stagesmith build --check`` can fold it into its HTML
report; the CLI only chooses a format.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from typing import Any

#: Kinds, in the order results are reported (CST's order, then our built-in checks).
KINDS = ("command", "fileExistence", "fileContent", "metadata", "default")


@dataclass
class CheckResult:
    """One test: ``passed`` with the reasons it did not, and what the command printed."""

    kind: str
    name: str
    passed: bool
    errors: list[str] = field(default_factory=list)
    stdout: str | None = None
    stderr: str | None = None
    duration: float = 0.0
    #: Extra facts a check measured (e.g. ``startup_seconds``), kept for reports.
    details: dict[str, Any] = field(default_factory=dict)
    #: Why the test could not run here (no engine for an archive); not a failure.
    skipped: str | None = None

    def fail(self, message: str) -> None:
        self.passed = False
        self.errors.append(message)

    def skip(self, reason: str) -> None:
        self.passed = True
        self.skipped = reason


@dataclass
class VerifyReport:
    image: str
    config: str | None
    results: list[CheckResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duration: float = 0.0

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed and not r.skipped)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.results if r.skipped)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.passed)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "image": self.image,
            "config": self.config,
            "pass": self.passed,
            "fail": self.failed,
            "skipped": self.skipped,
            "total": len(self.results),
            "duration": round(self.duration, 3),
            "warnings": list(self.warnings),
            "results": [_result_dict(r) for r in self.results],
        }


def _result_dict(result: CheckResult) -> dict[str, Any]:
    data = asdict(result)
    data["duration"] = round(result.duration, 3)
    return {k: v for k, v in data.items() if v is not None and v != {}}


def to_junit(report: VerifyReport) -> str:
    """JUnit XML that CI tools read: one testsuite per kind, a failure element per failed test."""
    root = ET.Element(
        "testsuites",
        name="stagesmith verify",
        tests=str(len(report.results)),
        failures=str(report.failed),
        errors="0",
        skipped=str(report.skipped),
        time=f"{report.duration:.3f}",
    )
    for kind in KINDS:
        results = [r for r in report.results if r.kind == kind]
        if not results:
            continue
        suite = ET.SubElement(
            root,
            "testsuite",
            name=kind,
            tests=str(len(results)),
            failures=str(sum(1 for r in results if not r.passed)),
            errors="0",
            skipped=str(sum(1 for r in results if r.skipped)),
            time=f"{sum(r.duration for r in results):.3f}",
        )
        for result in results:
            case = ET.SubElement(
                suite,
                "testcase",
                name=result.name,
                classname=f"stagesmith.verify.{kind}",
                time=f"{result.duration:.3f}",
            )
            if result.skipped:
                ET.SubElement(case, "skipped", message=_clean(result.skipped))
            if not result.passed:
                message = result.errors[0] if result.errors else "failed"
                failure = ET.SubElement(case, "failure", message=_clean(message), type=kind)
                failure.text = _clean("\n".join(result.errors))
            if result.stdout:
                ET.SubElement(case, "system-out").text = _clean(result.stdout)
            if result.stderr:
                ET.SubElement(case, "system-err").text = _clean(result.stderr)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (command output may hold any byte)."""
    return "".join(
        ch
        for ch in text
        if ch in "\t\n\r"
        or 0x20 <= ord(ch) <= 0xD7FF
        or 0xE000 <= ord(ch) <= 0xFFFD
        or 0x10000 <= ord(ch) <= 0x10FFFF
    )
