"""Every rule documents itself with a bad and a good Dockerfile; both must be true."""

from __future__ import annotations

import re
import textwrap

import pytest

from stagesmith.lint.engine import all_rules
from tests.lint.helpers import catches, passes

RULES = all_rules()


def _example(doc: str, label: str) -> str:
    m = re.search(rf"^\s*{label}::\n\n(.*?)(?:\n\s*\n(?=\s*\S+::)|\Z)", doc, re.S | re.M)
    assert m, f"no '{label}::' example"
    return textwrap.dedent(m.group(1)).replace("\\\\\n", "\\\n")


def test_there_are_at_least_twenty_rules() -> None:
    assert len(RULES) >= 20
    assert all(re.fullmatch(r"SS1\d\d", r) for r in RULES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_bad_example_is_caught(rule_id: str) -> None:
    rule = RULES[rule_id]
    context = {"trusted_registries": ["registry.example.com"]} if rule_id == "SS125" else {}
    catches(rule_id, _example(rule.doc, "Bad"), **context)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_good_example_passes(rule_id: str) -> None:
    rule = RULES[rule_id]
    context = {"trusted_registries": ["registry.example.com"]} if rule_id == "SS125" else {}
    passes(rule_id, _example(rule.doc, "Good"), **context)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_file_and_test_file_share_a_name(rule_id: str) -> None:
    from pathlib import Path

    from stagesmith.lint import rules

    src = list(Path(rules.__path__[0]).glob(f"{rule_id.lower()}_*.py"))
    assert len(src) == 1
    test = Path(__file__).parent / "rules" / f"test_{src[0].name}"
    assert test.is_file(), f"missing {test}"
