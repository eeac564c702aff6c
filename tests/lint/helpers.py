"""Small helpers for rule tests: lint a snippet and look at one rule's findings."""

from __future__ import annotations

import textwrap

from stagesmith.lint.engine import Context, run_rules
from stagesmith.lint.model import Finding
from stagesmith.lint.source import load


def lint(text: str, **context: object) -> list[Finding]:
    doc = load(textwrap.dedent(text).lstrip("\n"), "Dockerfile")
    return run_rules(doc, Context(**context))  # type: ignore[arg-type]


def hits(rule_id: str, text: str, **context: object) -> list[Finding]:
    """Findings of ``rule_id`` only (and never an internal error)."""
    found = lint(text, **context)
    assert not [f for f in found if f.rule == "SS000"], found
    return [f for f in found if f.rule == rule_id]


def catches(rule_id: str, text: str, **context: object) -> list[Finding]:
    found = hits(rule_id, text, **context)
    assert found, f"{rule_id} should report on:\n{text}"
    return found


def passes(rule_id: str, text: str, **context: object) -> None:
    found = hits(rule_id, text, **context)
    assert not found, f"{rule_id} should not report: {found}"
