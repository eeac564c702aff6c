"""The parsed Dockerfile: plain data the linter and the rest of stagesmith read.

The shape follows BuildKit's parse tree closely (keyword, flags, arguments as
BuildKit splits them, heredocs, line range) so that a rule can never disagree with
``docker build`` about what a line says; typed helpers (``from_info``,
``copy_info``, ``parse_mounts``...) sit on top for convenience.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stagesmith.dockerfile.record import Identity, Record
from stagesmith.errors import StagesmithError

if TYPE_CHECKING:
    from stagesmith.dockerfile.graph import StageGraph


class ParseError(StagesmithError):
    """A Dockerfile BuildKit would reject; carries where, 1-based."""

    def __init__(self, what: str, *, path: str | None, line: int, column: int = 1) -> None:
        self.what = what
        self.path = path or "Dockerfile"
        self.line = line
        self.column = column
        super().__init__(f"{self.path}:{line}:{column}: {what}")


class Heredoc(Record):
    """``<<EOF`` body attached to RUN/COPY/ADD. ``content`` keeps its line endings."""

    __slots__ = ("chomp", "content", "expand", "fd", "name")

    def __init__(
        self, name: str, content: str, chomp: bool = False, expand: bool = True, fd: int = 0
    ) -> None:
        self.name = name
        self.content = content
        self.chomp = chomp
        self.expand = expand
        self.fd = fd


class Warning(Record):
    """A problem BuildKit only warns about (today: empty continuation lines)."""

    __slots__ = ("line", "message")

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message


class Instruction(Identity):
    """One instruction; ``args`` are exactly the arguments of BuildKit's dump."""

    __slots__ = (
        "args",
        "comments",
        "end_line",
        "flags",
        "heredocs",
        "json_form",
        "keyword",
        "next",
        "original",
        "stage_index",
        "start_line",
    )

    def __init__(
        self,
        keyword: str,
        args: list[str] | None = None,
        flags: list[str] | None = None,
        json_form: bool = False,
        heredocs: list[Heredoc] | None = None,
        original: str = "",
        start_line: int = 0,
        end_line: int = 0,
        next: Instruction | None = None,
        stage_index: int | None = None,
        comments: list[str] | None = None,
    ) -> None:
        self.keyword = keyword
        self.args: list[str] = [] if args is None else args
        self.flags: list[str] = [] if flags is None else flags
        self.json_form = json_form
        self.heredocs: list[Heredoc] = [] if heredocs is None else heredocs
        self.original = original
        self.start_line = start_line
        self.end_line = end_line
        self.next = next
        self.stage_index = stage_index
        self.comments: list[str] = [] if comments is None else comments

    def flag(self, name: str) -> str | None:
        """Value of the last ``--name[=value]`` flag ("" when given without a value), or None."""
        values = self.flag_values(name)
        return values[-1] if values else None

    def flag_values(self, name: str) -> list[str]:
        """Values of every ``--name[=value]`` flag, in order (repeatable flags like --mount)."""
        prefix = "--" + name
        out: list[str] = []
        for raw in self.flags:
            if raw == prefix:
                out.append("")
            elif raw.startswith(prefix + "="):
                out.append(raw[len(prefix) + 1 :])
        return out

    @property
    def line(self) -> int:
        return self.start_line

    def __repr__(self) -> str:
        return f"Instruction({self.keyword} {self.args!r} lines {self.start_line}-{self.end_line})"


class Stage(Identity):
    """A build stage: a FROM and the instructions that follow it."""

    __slots__ = (
        "base",
        "base_stage",
        "from_instruction",
        "index",
        "instructions",
        "name",
        "platform",
        "resolved_base",
    )

    def __init__(
        self,
        index: int,
        name: str | None,
        base: str,
        from_instruction: Instruction,
        platform: str | None = None,
        base_stage: int | None = None,
        resolved_base: str | None = None,
        instructions: list[Instruction] | None = None,
    ) -> None:
        self.index = index
        self.name = name
        self.base = base
        self.from_instruction = from_instruction
        self.platform = platform
        self.base_stage = base_stage
        self.resolved_base = resolved_base
        self.instructions: list[Instruction] = [] if instructions is None else instructions

    @property
    def label(self) -> str:
        """How messages refer to the stage: its name, or its index."""
        return self.name if self.name is not None else str(self.index)


class Dockerfile(Identity):
    """A whole parsed Dockerfile."""

    __slots__ = (
        "_graph",
        "directives",
        "escape",
        "global_args",
        "instructions",
        "lines",
        "path",
        "stages",
        "warnings",
    )

    def __init__(
        self,
        instructions: list[Instruction],
        stages: list[Stage],
        directives: dict[str, str],
        escape: str,
        lines: list[str],
        path: str | None = None,
        global_args: list[Instruction] | None = None,
        warnings: list[Warning] | None = None,
        _graph: StageGraph | None = None,
    ) -> None:
        self.instructions = instructions
        self.stages = stages
        self.directives = directives
        self.escape = escape
        self.lines = lines
        self.path = path
        self.global_args: list[Instruction] = [] if global_args is None else global_args
        self.warnings: list[Warning] = [] if warnings is None else warnings
        self._graph = _graph

    @property
    def graph(self) -> StageGraph:
        if self._graph is None:
            from stagesmith.dockerfile.graph import StageGraph

            self._graph = StageGraph(self)
        return self._graph

    def line_text(self, number: int) -> str:
        """Source line ``number`` (1-based) without its line ending, '' when out of range."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1].rstrip("\r\n")
        return ""

    def walk(self) -> list[Instruction]:
        """Every instruction, ONBUILD triggers included (after their ONBUILD)."""
        out: list[Instruction] = []
        for ins in self.instructions:
            out.append(ins)
            if ins.next is not None:
                out.append(ins.next)
        return out
