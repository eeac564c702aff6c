"""No input makes the linter crash: it either reports findings or a one-line parse error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stagesmith.errors import StagesmithError
from stagesmith.lint.engine import run_rules
from stagesmith.lint.source import load

KEYWORDS = [
    "FROM",
    "RUN",
    "COPY",
    "ADD",
    "USER",
    "WORKDIR",
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "ARG",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "ONBUILD",
    "SHELL",
]
WORDS = st.sampled_from(
    [
        "alpine",
        "python:3.12-slim",
        "AS",
        "builder",
        "--from=builder",
        "--from=0",
        "--from=9",
        "--mount=type=cache,target=/root/.cache",
        "--mount=from=x",
        "/",
        ".",
        "/usr/local/lib/python3.10/site-packages",
        "apt-get",
        "install",
        "-y",
        "gcc",
        "&&",
        "pip",
        "'",
        '"',
        "[",
        '["a",',
        "]",
        "\\",
        "$X",
        "${X:-y}",
        "<<EOF",
        "root",
        "0",
        "=",
        "conda",
        "create",
        "-p",
    ]
)
LINE = st.builds(
    lambda k, ws: " ".join([k, *ws]),
    st.sampled_from(KEYWORDS),
    st.lists(WORDS, max_size=6),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(LINE, st.text(max_size=20)), min_size=1, max_size=12))
def test_rules_never_crash(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    try:
        doc = load(text, "D")
    except StagesmithError as exc:
        assert str(exc).startswith("D:") and "\n" not in str(exc)
        return
    findings = run_rules(doc)
    assert not [f for f in findings if f.rule == "SS000"], findings
