"""SS107 (ss107_build_tools_copied_to_final): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM gcc:13 AS b\nFROM debian:bookworm-slim\nCOPY --from=b /usr/local/bin/gcc /usr/local/bin/gcc\n",
        {},
        id="gcc binary copied",
    ),
    pytest.param(
        "FROM condaforge/miniforge3:24.3.0-0 AS b\nRUN conda create -p /opt/env -y python=3.12 compilers\nFROM debian:bookworm-slim\nCOPY --from=b /opt/env /opt/env\n",
        {},
        id="conda env with compilers",
    ),
]

PASSES = [
    pytest.param(
        "FROM condaforge/miniforge3:24.3.0-0 AS b\nRUN conda create -p /opt/env -y python=3.12 numpy\nFROM debian:bookworm-slim\nCOPY --from=b /opt/env /opt/env\n",
        {},
        id="conda env without compilers",
    ),
    pytest.param(
        "FROM gcc:13 AS b\nRUN gcc -o /out/app app.c\nFROM debian:bookworm-slim\nCOPY --from=b /out/app /app\n",
        {},
        id="copy app only",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS107", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS107", text, **context)
