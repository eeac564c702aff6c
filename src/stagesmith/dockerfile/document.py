"""Instructions to stages: who belongs where, and what each FROM really names."""

from __future__ import annotations

from pathlib import Path

from stagesmith.dockerfile.helpers import from_info
from stagesmith.dockerfile.model import Dockerfile, Instruction, Stage
from stagesmith.dockerfile.parser import parse_instructions, read_text
from stagesmith.dockerfile.shell import Lexer, ShellError, expand


def parse(text: str, *, path: str | None = None) -> Dockerfile:
    """Parse Dockerfile text; raise :class:`ParseError` where BuildKit would."""
    instructions, directives, escape, lines, warnings = parse_instructions(text, path)
    df = Dockerfile(
        instructions=instructions,
        stages=[],
        directives=directives,
        escape=escape,
        lines=lines,
        path=path,
        warnings=warnings,
    )
    _build_stages(df)
    return df


def parse_file(path: str | Path) -> Dockerfile:
    """Parse a Dockerfile on disk (for stdin, read it and call :func:`parse`)."""
    return parse(read_text(path), path=str(path))


def _arg_defaults(ins: Instruction, escape: str, env: dict[str, str]) -> dict[str, str | None]:
    """``ARG a b=c`` to {a: None, b: expanded c}."""
    out: dict[str, str | None] = {}
    for word in ins.args:
        key, sep, value = word.partition("=")
        if sep:
            try:
                out[key] = Lexer(escape).process(value, env)[0]
            except ShellError:
                out[key] = value
        else:
            out[key] = None
    return out


def global_env(df: Dockerfile) -> dict[str, str]:
    """Global ARG defaults, as a FROM line sees them (no build args given)."""
    env: dict[str, str] = {}
    for ins in df.global_args:
        for key, value in _arg_defaults(ins, df.escape, env).items():
            if value is not None:
                env[key] = value
    return env


def _build_stages(df: Dockerfile) -> None:
    current: Stage | None = None
    names: dict[str, int] = {}
    env: dict[str, str] = {}
    for ins in df.instructions:
        if ins.keyword == "FROM":
            info = from_info(ins)
            stage = Stage(
                index=len(df.stages),
                name=info.name,
                base=info.image,
                from_instruction=ins,
                platform=info.platform,
            )
            try:
                stage.resolved_base = expand(info.image, env, df.escape)
            except ShellError:
                stage.resolved_base = None
            ref = (stage.resolved_base or info.image).lower()
            if ref in names:
                stage.base_stage = names[ref]
            if info.name is not None and info.name not in names:
                names[info.name] = stage.index
            df.stages.append(stage)
            current = stage
        elif current is None and ins.keyword == "ARG":
            df.global_args.append(ins)
            for key, value in _arg_defaults(ins, df.escape, env).items():
                if value is not None:
                    env[key] = value
        if current is not None:
            ins.stage_index = current.index
            if ins.next is not None:
                ins.next.stage_index = current.index
            current.instructions.append(ins)


def instruction_dict(ins: Instruction) -> dict[str, object]:
    """One instruction as JSON-ready data (``stagesmith parse --json``)."""
    return {
        "keyword": ins.keyword,
        "flags": ins.flags,
        "args": ins.args,
        "json": ins.json_form,
        "heredocs": [
            {"name": h.name, "content": h.content, "chomp": h.chomp, "expand": h.expand, "fd": h.fd}
            for h in ins.heredocs
        ],
        "start_line": ins.start_line,
        "end_line": ins.end_line,
        "stage": ins.stage_index,
        "original": ins.original,
        "next": None if ins.next is None else instruction_dict(ins.next),
    }


def to_dict(df: Dockerfile) -> dict[str, object]:
    """The whole parse as JSON-ready data: instructions, directives, stage graph, warnings."""
    return {
        "path": df.path,
        "directives": df.directives,
        "escape": df.escape,
        "instructions": [instruction_dict(i) for i in df.instructions],
        "graph": df.graph.to_dict(),
        "warnings": [{"line": w.line, "message": w.message} for w in df.warnings],
    }


def environment(df: Dockerfile, ins: Instruction) -> dict[str, str]:
    """Variables an instruction's words are expanded with (defaults only, no build args).

    BuildKit's scoping: a stage inherits the ENV of a stage it is built FROM, never
    its ARGs; a global ARG is visible inside a stage only once redeclared there by
    name (taking the global default unless given its own); ARG and ENV values are
    expanded with what is visible at their own line.
    """
    if ins.stage_index is None:
        env: dict[str, str] = {}
        for glob in df.global_args:
            if glob is ins:
                break
            _apply(glob, df.escape, env, {})
        return env
    return _stage_env(df, df.stages[ins.stage_index], ins, set())


def _stage_env(
    df: Dockerfile, stage: Stage, upto: Instruction | None, seen: set[int]
) -> dict[str, str]:
    env: dict[str, str] = {}
    seen.add(stage.index)
    if stage.base_stage is not None and stage.base_stage not in seen:
        base = df.stages[stage.base_stage]
        env = {
            k: v for k, v in _stage_env(df, base, None, seen).items() if k not in _arg_names(base)
        }
    globals_ = global_env(df)
    for item in stage.instructions:
        if item is upto:
            break
        _apply(item, df.escape, env, globals_)
    return env


def _arg_names(stage: Stage) -> set[str]:
    names: set[str] = set()
    for ins in stage.instructions:
        if ins.keyword == "ARG":
            names.update(word.partition("=")[0] for word in ins.args)
    return names


def _apply(ins: Instruction, escape: str, env: dict[str, str], globals_: dict[str, str]) -> None:
    if ins.keyword == "ARG":
        for key, value in _arg_defaults(ins, escape, env).items():
            if value is not None:
                env[key] = value
            elif key in globals_:
                env[key] = globals_[key]
    elif ins.keyword == "ENV":
        args = ins.args
        for i in range(0, len(args) - 2, 3):
            try:
                env[args[i]] = Lexer(escape).process(args[i + 1], env)[0]
            except ShellError:
                env[args[i]] = args[i + 1]
