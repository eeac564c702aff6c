"""SS103 (ss103_copy_from_later_stage): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM alpine:3.20 AS app\nCOPY --from=build /a /a\nFROM alpine:3.20 AS build\n",
        {},
        id="copy from later",
    ),
    pytest.param("FROM base AS app\nFROM alpine:3.20 AS base\n", {}, id="FROM later stage"),
    pytest.param(
        "FROM alpine:3.20\nRUN --mount=from=1,target=/x true\nFROM alpine:3.20\n",
        {},
        id="mount from later index",
    ),
    pytest.param(
        "FROM alpine:3.20\nRUN --mount=from=late,target=/x true\nFROM alpine:3.20 AS late\n",
        {},
        id="mount from later name",
    ),
    pytest.param(
        "FROM alpine:3.20 AS app\nONBUILD COPY --from=build /a /a\nFROM alpine:3.20 AS build\n",
        {},
        id="ONBUILD trigger copying from later",
    ),
]

PASSES = [
    pytest.param(
        "FROM alpine:3.20 AS build\nFROM alpine:3.20\nCOPY --from=build /a /a\n",
        {},
        id="earlier stage",
    ),
    pytest.param(
        "FROM alpine:3.20 AS build\nFROM alpine:3.20 AS app\nCOPY --from=build /a /a\n"
        "FROM alpine:3.20 AS build\n",
        {},
        id="duplicate name: the first stage of the name counts, as in the parser's graph",
    ),
    pytest.param(
        "FROM alpine:3.20 AS base\nFROM base AS app\nFROM alpine:3.20 AS base\n",
        {},
        id="duplicate name in FROM",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS103", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS103", text, **context)
