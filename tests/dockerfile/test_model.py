"""The model the linter reads: stages, graph, helpers, heredocs, directives, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagesmith.dockerfile import (
    ParseError,
    command_words,
    copy_info,
    env_pairs,
    environment,
    from_info,
    global_env,
    parse,
    parse_file,
    parse_mounts,
)
from stagesmith.dockerfile.shell import ShellError, expand, split_words
from tests.conftest import FIXTURES

GRAPH = (FIXTURES / "dockerfiles" / "stage-graph.Dockerfile").read_text()


def test_stages_names_bases_and_instructions() -> None:
    df = parse(GRAPH)
    assert [s.name for s in df.stages] == ["base", "deps", "unused", "final"]
    assert [s.base_stage for s in df.stages] == [None, 0, 0, 1]
    assert [len(s.instructions) for s in df.stages] == [1, 2, 2, 2]
    assert all(i.stage_index == s.index for s in df.stages for i in s.instructions)
    assert df.graph.stage("DEPS") is df.stages[1]
    assert df.graph.stage(3) is df.stages[3]
    assert df.graph.stage("nope") is None


def test_graph_edges_reachability_and_unused() -> None:
    graph = parse(GRAPH).graph
    edges = {(e.stage, e.depends_on, e.kind) for e in graph.edges}
    assert edges == {
        (1, 0, "from"),
        (1, 0, "mount"),
        (2, 0, "from"),
        (3, 1, "from"),
        (3, 1, "copy"),
    }
    assert graph.reachable() == {0, 1, 3}
    assert graph.reachable("unused") == {0, 2}
    assert [s.name for s in graph.unused()] == ["unused"]
    assert graph.target() is graph.stages[-1]
    assert graph.external_images() == ["alpine"]


def test_copy_from_index_image_and_bad_refs() -> None:
    df = parse(
        "FROM alpine AS a\nFROM a\nCOPY --from=0 / /\nCOPY --from=nginx:1 /x /x\n"
        "COPY --from=5 / /\nCOPY --from=1 / /\n"
    )
    graph = df.graph
    assert [(e.stage, e.depends_on, e.ref) for e in graph.edges] == [(1, 0, "a"), (1, 0, "0")]
    assert graph.external_images() == ["alpine", "nginx:1"]
    assert [(u.ref, u.reason) for u in graph.unknown_refs] == [
        ("5", "index out of range"),
        ("1", "refers to its own stage"),
    ]


def test_scratch_is_not_an_external_image() -> None:
    graph = parse("FROM busybox AS b\nFROM scratch\nCOPY --from=b /f /f\n").graph
    assert graph.external_images() == ["busybox"]
    assert graph.reachable() == {0, 1}


def test_global_args_resolve_bases_and_stay_out_of_stages() -> None:
    df = parse(
        "ARG REG=docker.io\nARG IMG=${REG}/library/alpine\nARG TAG\n"
        "FROM ${IMG}:${TAG:-3.19} AS one\nARG REG\nFROM $IMG\n"
    )
    assert [i.args for i in df.global_args] == [
        ["REG=docker.io"],
        ["IMG=${REG}/library/alpine"],
        ["TAG"],
    ]
    assert global_env(df) == {"REG": "docker.io", "IMG": "docker.io/library/alpine"}
    assert [s.resolved_base for s in df.stages] == [
        "docker.io/library/alpine:3.19",
        "docker.io/library/alpine",
    ]
    assert [s.base for s in df.stages] == ["${IMG}:${TAG:-3.19}", "$IMG"]
    assert all(i.stage_index is None for i in df.instructions[:3])
    assert df.stages[0].instructions[-1].keyword == "ARG"


def test_from_info_platform_and_case_insensitive_alias() -> None:
    ins = parse("FROM --platform=$BUILDPLATFORM golang:1.22 as Build\n").instructions[0]
    info = from_info(ins)
    assert (info.image, info.name, info.platform) == ("golang:1.22", "build", "$BUILDPLATFORM")


def test_flags_and_copy_info() -> None:
    ins = parse("FROM a\nCOPY --link --chown=1:1 --chmod=644 --from=b x y /dst/\n").instructions[1]
    assert ins.flags == ["--link", "--chown=1:1", "--chmod=644", "--from=b"]
    assert ins.flag("link") == "" and ins.flag("missing") is None
    info = copy_info(ins)
    assert (info.sources, info.dest, info.from_, info.chown, info.chmod, info.link) == (
        ["x", "y"],
        "/dst/",
        "b",
        "1:1",
        "644",
        True,
    )


def test_mounts() -> None:
    ins = parse(
        "FROM a\nRUN --mount=type=cache,target=/root/.cache,id=pip,sharing=locked "
        '--mount=from=build,src=/w,dst=/w --mount="type=secret,id=tok" pip install\n'
    ).instructions[1]
    mounts = parse_mounts(ins)
    assert [(m.type, m.target, m.id, m.from_, m.source) for m in mounts] == [
        ("cache", "/root/.cache", "pip", None, None),
        ("bind", "/w", None, "build", "/w"),
        ("secret", None, "tok", None, None),
    ]
    assert mounts[0].options == {"sharing": "locked"}


def test_env_label_pairs_and_command_words() -> None:
    df = parse(
        'FROM a\nENV A=1 B="two words"\nENV LEGACY value with spaces\n'
        'CMD ["python", "-m", "app"]\nRUN echo hi && true\nHEALTHCHECK CMD curl -f x\n'
    )
    env1, env2, cmd, run, health = df.instructions[1:]
    assert env_pairs(env1) == [("A", "1"), ("B", '"two words"')]
    assert env_pairs(env2) == [("LEGACY", "value with spaces")]
    assert command_words(cmd) == ["python", "-m", "app"] and cmd.json_form
    assert command_words(run) == "echo hi && true" and not run.json_form
    assert command_words(health) == "curl -f x"


def test_heredoc_fields_and_lines() -> None:
    df = parse(
        "FROM a\nRUN <<-EOT sh && 3<<'RAW' cat\n\techo $HOME\n\tEOT\nkeep $HOME\nRAW\nCMD x\n"
    )
    run = df.instructions[1]
    assert (run.start_line, run.end_line) == (2, 6)
    first, second = run.heredocs
    assert (first.name, first.chomp, first.expand, first.content) == (
        "EOT",
        True,
        True,
        "\techo $HOME\n",
    )
    assert (second.name, second.fd, second.expand, second.content) == (
        "RAW",
        3,
        False,
        "keep $HOME\n",
    )
    assert df.instructions[2].start_line == 7


def test_unterminated_heredoc_is_a_parse_error_at_its_instruction() -> None:
    with pytest.raises(ParseError) as info:
        parse("FROM a\n\nRUN <<EOF\nno end\n", path="x/Dockerfile")
    assert (info.value.line, info.value.column) == (3, 5)
    assert str(info.value) == "x/Dockerfile:3:5: unterminated heredoc EOF"


def test_directives_escape_and_line_ranges() -> None:
    df = parse("# Syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN echo `\n  # gone\n  b\n")
    assert df.directives == {"syntax": "docker/dockerfile:1", "escape": "`"}
    assert df.escape == "`"
    run = df.instructions[1]
    assert run.args == ["echo   b"]
    assert (run.start_line, run.end_line) == (4, 6)
    assert df.line_text(4) == "RUN echo `"


def test_directive_after_an_instruction_is_a_comment() -> None:
    df = parse("FROM a\n# escape=`\nRUN echo `\n")
    assert df.directives == {} and df.escape == "\\"
    assert df.instructions[1].args == ["echo `"]


def test_duplicate_and_invalid_directives_fail() -> None:
    with pytest.raises(ParseError, match="only one escape parser directive"):
        parse("# escape=`\n# escape=`\nFROM a\n")
    with pytest.raises(ParseError, match="invalid escape token"):
        parse("# escape=x\nFROM a\n")


def test_empty_continuation_lines_warn() -> None:
    df = parse("FROM a\nRUN echo a \\\n\n  b\n")
    assert df.instructions[1].args == ["echo a   b"]
    assert [w.line for w in df.warnings] == [4]


def test_onbuild_trigger_is_an_instruction() -> None:
    df = parse("FROM a\nONBUILD COPY --from=x . /app\n")
    onbuild = df.instructions[1]
    assert onbuild.args == [] and onbuild.next is not None
    assert onbuild.next.keyword == "COPY" and onbuild.next.flag("from") == "x"
    assert [i.keyword for i in df.walk()] == ["FROM", "ONBUILD", "COPY"]


def test_invalid_json_falls_back_to_shell_form() -> None:
    df = parse("FROM a\nCMD ['single']\nCMD [\"ok\"] trailing\n")
    assert df.instructions[1].args == ["['single']"] and not df.instructions[1].json_form
    assert df.instructions[2].args == ["ok"] and df.instructions[2].json_form


def test_parse_file_keeps_path_and_crlf_bom(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"\xef\xbb\xbfFROM a\r\nRUN x \\\r\n  y\r\n")
    df = parse_file(path)
    assert df.path == str(path)
    assert [i.args for i in df.instructions] == [["a"], ["x   y"]]


def test_shell_expand_and_split() -> None:
    env = {"A": "one two", "EMPTY": ""}
    assert expand("${A:-x}-${EMPTY:-def}-${EMPTY-def}-${B:+set}", env) == "one two-def--"
    assert split_words('x $A "$A"', env) == ["x", "one", "two", "one two"]
    assert expand("${A#one }/${A%% *}/${A/o/0}", env) == "two/one/0ne two"
    assert expand("a`$A", env, escape="`") == "a$A"
    with pytest.raises(ShellError, match="must be set"):
        expand("${MISSING:?must be set}", env)


def test_environment_follows_buildkit_scoping() -> None:
    df = parse(
        "ARG V=1\nARG ONLY_GLOBAL=g\nFROM a AS base\nARG V\nENV HOME=/root P=${HOME}/bin\n"
        "ARG LOCAL=x-${V}\nRUN one\nFROM base\nRUN two\n"
    )
    run_one, run_two = df.stages[0].instructions[-1], df.stages[1].instructions[-1]
    assert environment(df, run_one) == {"V": "1", "HOME": "/root", "P": "/root/bin", "LOCAL": "x-1"}
    # a stage built FROM another inherits its ENV, not its ARGs
    assert environment(df, run_two) == {"HOME": "/root", "P": "/root/bin"}
    assert environment(df, df.global_args[1]) == {"V": "1"}


def test_json_lone_surrogate_becomes_replacement_char_like_go() -> None:
    ins = parse('FROM a\nCMD ["\\u00e9", "\\ud800x"]\n').instructions[1]
    assert ins.json_form and ins.args == ["é", "\ufffdx"]


def test_pathological_inputs_stay_parse_errors_or_parse() -> None:
    deep = "${a:-" * 3000 + "x" + "}" * 3000
    with pytest.raises(ShellError, match="nested too deeply"):
        expand(deep, {})
    df = parse(f"FROM {deep}\nRUN echo {deep}\nCMD [{'[' * 5000}\n")
    assert df.stages[0].resolved_base is None
    assert not df.instructions[2].json_form
    huge_fd = parse("FROM a\nRUN " + "9" * 5000 + "<<EOF cat\nbody\nEOF\n").instructions[1]
    assert [(h.name, h.fd) for h in huge_fd.heredocs] == [("EOF", 0)]


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("FROM a\n  ENV FOO\n", 2, 7),  # the argument that lacks a value
        ("FROM a\nLABEL a=b  c\n", 2, 12),  # the word without '='
        ("FROM a\nRUN  [1, 2]\n", 2, 6),  # the JSON array that is not all strings
        ("FROM a\nRUN echo \\\n   && cat <<EOF\nx\n", 3, 11),  # heredoc word on a continuation
        ("FROM a\nRUN x <<A <<B\nbody\nA\n", 2, 11),  # the heredoc that is not terminated
        ("  # syntax=a\n # syntax=b\nFROM a\n", 2, 2),  # the repeated directive
        ("# escape=x\nFROM a\n", 1, 1),
    ],
)
def test_parse_errors_carry_the_column(text: str, line: int, column: int) -> None:
    with pytest.raises(ParseError) as info:
        parse(text, path="D")
    assert (info.value.line, info.value.column) == (line, column)
    assert str(info.value).startswith(f"D:{line}:{column}: ")
