"""ONBUILD triggers are linted like instructions, tagged and reported at the ONBUILD line."""

from __future__ import annotations

from tests.lint.helpers import hits, lint

TEXT = """\
FROM debian:bookworm-slim AS base
ONBUILD COPY --from=nowhere /a /b
ONBUILD RUN apt-get install -y gcc
ONBUILD ENV API_TOKEN=x
USER 1000
"""


def test_triggers_are_linted_at_their_onbuild_line() -> None:
    found = {(f.rule, f.line) for f in lint(TEXT)}
    assert {("SS101", 2), ("SS114", 3), ("SS116", 3), ("SS117", 4)} <= found
    assert all(f.message.startswith("ONBUILD trigger: ") for f in lint(TEXT) if f.line in (2, 3, 4))


def test_triggers_do_not_count_as_what_the_stage_itself_does() -> None:
    # the gcc install runs in images built FROM this one, not in this final stage
    assert hits("SS106", TEXT) == []
    # an ONBUILD USER does not make this stage non-root
    assert [f.line for f in hits("SS108", "FROM debian:bookworm-slim\nONBUILD USER 1000\n")] == [1]


def test_inline_ignore_above_the_onbuild_line() -> None:
    text = TEXT.replace("ONBUILD RUN", "# hadolint ignore=DL3015\nONBUILD RUN")
    assert hits("SS116", text) == []
    assert hits("SS114", text) != []


def test_onbuild_copy_from_an_existing_stage_is_fine() -> None:
    text = "FROM alpine:3.20 AS tools\nFROM alpine:3.20\nONBUILD COPY --from=tools /t /t\nUSER 1\n"
    assert hits("SS101", text) == []
