"""SS105 (ss105_unreachable_stage): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM alpine:3.20 AS assets\nRUN echo\nFROM alpine:3.20 AS app\n",
        {},
        id="stage never copied",
    ),
    pytest.param(
        "FROM alpine:3.20 AS a\nFROM a AS b\nFROM alpine:3.20 AS c\nCOPY --from=a /x /x\n",
        {},
        id="chain broken",
    ),
    pytest.param(
        "FROM alpine:3.20 AS test\nRUN echo\nFROM alpine:3.20 AS app\n",
        {"alternative_targets": ["qa"]},
        id="configured list replaces the defaults",
    ),
    pytest.param(
        "FROM alpine:3.20 AS testament\nFROM alpine:3.20 AS app\n",
        {},
        id="a name that only starts like a target name",
    ),
]

PASSES = [
    pytest.param(
        "FROM alpine:3.20 AS a\nFROM a AS b\nFROM alpine:3.20\nCOPY --from=b /x /x\n",
        {},
        id="used through FROM chain and copy",
    ),
    pytest.param(
        "FROM alpine:3.20 AS deps\nFROM alpine:3.20\nRUN --mount=from=deps,target=/d ls\n",
        {},
        id="used by a mount",
    ),
    pytest.param("FROM alpine:3.20\n", {}, id="single stage"),
    pytest.param(
        "FROM python:3.11 AS deps\nFROM deps AS venv\nFROM deps AS builder\n"
        "FROM builder AS test\nRUN pytest\nFROM builder AS development\n"
        "FROM python:3.11-slim AS production\nCOPY --from=venv /opt/venv /opt/venv\n",
        {},
        id="generated python: test and development targets and the builder they need",
    ),
    pytest.param(
        "FROM alpine:3.20 AS base\nFROM base AS test-unit\nFROM alpine:3.20 AS app\n",
        {},
        id="target name with a suffix",
    ),
    pytest.param(
        "FROM alpine:3.20 AS qa\nFROM alpine:3.20 AS app\n",
        {"alternative_targets": ["qa"]},
        id="configured target name",
    ),
    pytest.param(
        "FROM alpine:3.20 AS app\nRUN --mount=from=late,target=/d ls\nFROM alpine:3.20 AS late\n",
        {"target": "app"},
        id="needed through a forward mount (SS103 reports the order)",
    ),
    pytest.param(
        "ARG SRC=a\nFROM alpine:3.20 AS a\nFROM alpine:3.20 AS b\nFROM alpine:3.20\nCOPY --from=${SRC} /x /x\n",
        {},
        id="reference through an ARG",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS105", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS105", text, **context)
