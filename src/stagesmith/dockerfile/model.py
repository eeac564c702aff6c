"""The parsed Dockerfile: plain data the linter and the rest of stagesmith read.

The shape follows BuildKit's parse tree closely (keyword, flags, arguments as
BuildKit splits them, heredocs, line range) so that a rule can never disagree with
``docker build`` about what a line says; typed helpers (``from_info``,
``copy_info``, ``parse_mounts``...) sit on top for convenience.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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


@dataclass(slots=True)
class Heredoc:
    """``<<EOF`` body attached to RUN/COPY/ADD. ``content`` keeps its line endings."""

    name: str
    content: str
    chomp: bool = False
    expand: bool = True
    fd: int = 0


@dataclass(slots=True)
class Warning:
    """A problem BuildKit only warns about (today: empty continuation lines)."""

    line: int
    message: str


@dataclass(slots=True, eq=False)
class Instruction:
    """One instruction; ``args`` are exactly the arguments of BuildKit's dump."""

    keyword: str
    args: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    json_form: bool = False
    heredocs: list[Heredoc] = field(default_factory=list)
    original: str = ""
    start_line: int = 0
    end_line: int = 0
    next: Instruction | None = None
    stage_index: int | None = None
    comments: list[str] = field(default_factory=list)

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


@dataclass(slots=True, eq=False)
class Stage:
    """A build stage: a FROM and the instructions that follow it."""

    index: int
    name: str | None
    base: str
    from_instruction: Instruction
    platform: str | None = None
    base_stage: int | None = None
    resolved_base: str | None = None
    instructions: list[Instruction] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How messages refer to the stage: its name, or its index."""
        return self.name if self.name is not None else str(self.index)


@dataclass(slots=True, eq=False)
class Dockerfile:
    """A whole parsed Dockerfile."""

    instructions: list[Instruction]
    stages: list[Stage]
    directives: dict[str, str]
    escape: str
    lines: list[str]
    path: str | None = None
    global_args: list[Instruction] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    _graph: StageGraph | None = None

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
