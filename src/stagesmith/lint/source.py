"""The linter's view of a Dockerfile: instructions and stages, read through the parser.

Rules work on this small, stable view so that they do not depend on every detail of the
parser's model; it is built only from :mod:`stagesmith.dockerfile` (a parser bug surfaces as
an error instead of being papered over). The stage relations come from the parser's
:class:`~stagesmith.dockerfile.StageGraph` (see :mod:`stagesmith.lint.graph`).

ONBUILD triggers are instructions too: ``ONBUILD RUN apt-get install gcc`` gives an
:class:`Instr` with ``keyword="RUN"``, ``onbuild=True`` and the ONBUILD line's place, listed
in :attr:`Stage.triggers` (not in :attr:`Stage.instructions`: they run in the images built
``FROM`` this one, so rules about what this stage contains do not count them). Rules that
check instructions one by one iterate :meth:`Stage.each`, which includes them.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from stagesmith.dockerfile import Dockerfile, Instruction, ParseError, parse
from stagesmith.dockerfile.record import Identity
from stagesmith.errors import StagesmithError

if TYPE_CHECKING:
    from stagesmith.dockerfile import StageGraph


class LintParseError(StagesmithError):
    """The Dockerfile cannot be read; message is ``file:line:col: why``."""


class Instr(Identity):
    """One instruction: keyword upper-case, args without the flags, flags by name.

    ``resolved_base`` (FROM only): the image after ARG expansion, when the parser resolved
    it; ``onbuild``: an ONBUILD trigger (its lines are the ONBUILD instruction's);
    ``json_form``: the exec-form argument list, or None for shell form; ``node``: the
    parser's instruction this one was read from.
    """

    __slots__ = (
        "_words",
        "args",
        "end_line",
        "flags",
        "heredocs",
        "json_form",
        "keyword",
        "node",
        "onbuild",
        "original",
        "resolved_base",
        "start_line",
    )
    _hidden = ("node", "_words")

    def __init__(
        self,
        keyword: str,
        args: str,
        flags: dict[str, list[str]],
        start_line: int,
        end_line: int,
        original: str,
        heredocs: list[str] | None = None,
        resolved_base: str | None = None,
        onbuild: bool = False,
        json_form: list[str] | None = None,
        node: Instruction | None = None,
    ) -> None:
        self.keyword = keyword
        self.args = args
        self.flags = flags
        self.start_line = start_line
        self.end_line = end_line
        self.original = original
        self.heredocs: list[str] = [] if heredocs is None else heredocs
        self.resolved_base = resolved_base
        self.onbuild = onbuild
        self.json_form = json_form
        self.node = node
        self._words: list[str] | None = None

    def flag(self, name: str) -> str | None:
        values = self.flags.get(name)
        return values[-1] if values else None

    @property
    def words(self) -> list[str]:
        """``args`` split on blanks (computed once)."""
        words = self._words
        if words is None:
            words = self._words = self.args.split()
        return words


class Stage(Identity):
    """One ``FROM`` and the instructions up to the next one; ``triggers``: its ONBUILD
    triggers, in order (see the module docstring)."""

    __slots__ = ("_by_keyword", "base", "from_instr", "index", "instructions", "name", "triggers")
    _hidden = ("_by_keyword",)

    def __init__(
        self,
        index: int,
        base: str,
        name: str | None,
        from_instr: Instr,
        instructions: list[Instr] | None = None,
        triggers: list[Instr] | None = None,
    ) -> None:
        self.index = index
        self.base = base
        self.name = name
        self.from_instr = from_instr
        self.instructions: list[Instr] = [] if instructions is None else instructions
        self.triggers: list[Instr] = [] if triggers is None else triggers
        #: keyword -> this stage's own instructions, built on the first :meth:`of` (rules
        #: ask for the same keywords over and over; the lists are complete once loaded)
        self._by_keyword: dict[str, list[Instr]] | None = None

    @property
    def label(self) -> str:
        return self.name or str(self.index)

    @property
    def describe(self) -> str:
        """How messages name the stage: ``'runtime'`` or ``#3 (line 12)`` when unnamed."""
        if self.name:
            return f"'{self.name}'"
        return f"#{self.index} (line {self.from_instr.start_line})"

    def of(self, *keywords: str) -> list[Instr]:
        """This stage's own instructions with one of ``keywords`` (ONBUILD triggers not), in
        order; a new list each call."""
        index = self._by_keyword
        if index is None:
            index = {}
            for ins in self.instructions:
                found = index.get(ins.keyword)
                if found is None:
                    index[ins.keyword] = [ins]
                else:
                    found.append(ins)
            self._by_keyword = index
        if len(keywords) == 1:
            return list(index.get(keywords[0], ()))
        return [i for i in self.instructions if i.keyword in keywords]

    def each(self, *keywords: str) -> list[Instr]:
        """Like :meth:`of`, ONBUILD triggers included (for rules about single instructions)."""
        found = self.of(*keywords)
        if self.triggers:
            found += [i for i in self.triggers if i.keyword in keywords]
            found.sort(key=lambda i: i.start_line)
        return found


class Doc(Identity):
    """A whole Dockerfile: its text lines, instructions, stages and global ARG defaults;
    ``memo``: for :mod:`stagesmith.lint.graph` (references, final stage...), per document."""

    __slots__ = ("df", "global_args", "instructions", "lines", "memo", "path", "stages")
    _hidden = ("df", "memo")

    def __init__(
        self,
        path: str,
        lines: list[str],
        instructions: list[Instr],
        stages: list[Stage],
        global_args: dict[str, str],
        df: Dockerfile | None = None,
        memo: dict[object, object] | None = None,
    ) -> None:
        self.path = path
        self.lines = lines
        self.instructions = instructions
        self.stages = stages
        self.global_args = global_args
        self.df = df
        self.memo: dict[object, object] = {} if memo is None else memo

    def keywords(self) -> set[str]:
        """Every instruction keyword in the file, ONBUILD triggers' included, and
        :data:`COPY_FROM` when a COPY or ADD has a ``--from`` flag."""
        found = {i.keyword for i in self.instructions}
        triggers = [t for stage in self.stages for t in stage.triggers]
        found.update(t.keyword for t in triggers)
        if ("COPY" in found or "ADD" in found) and any(
            "from" in i.flags for i in (*self.instructions, *triggers) if i.keyword in _COPIES
        ):
            found.add(COPY_FROM)
        return found

    @property
    def graph(self) -> StageGraph:
        """The parser's stage graph (the one ``stagesmith parse --json`` prints)."""
        if self.df is None:  # pragma: no cover - every Doc comes from load()
            raise RuntimeError("document not read through the parser")
        return self.df.graph

    def stage_by_ref(self, ref: str) -> Stage | None:
        """Resolve a ``--from`` reference: a stage name (case-insensitive; the first stage of
        a duplicated name, as the parser's graph does) or an index."""
        low = ref.lower()
        for stage in self.stages:
            if stage.name == low:
                return stage
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None

    def stage_of(self, instr: Instr) -> Stage | None:
        for stage in self.stages:
            if (
                instr is stage.from_instr
                or any(i is instr for i in stage.instructions)
                or any(i is instr for i in stage.triggers)
            ):
                return stage
        return None

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def walk(self) -> list[Instr]:
        """Every instruction in file order, ONBUILD triggers included (after their ONBUILD)."""
        out: list[Instr] = []
        triggers = {t.start_line: t for s in self.stages for t in s.triggers}
        for ins in self.instructions:
            out.append(ins)
            if ins.keyword == "ONBUILD" and ins.start_line in triggers:
                out.append(triggers[ins.start_line])
        return out

    def expand(self, value: str) -> str:
        """Substitute global ARG defaults (``$X``, ``${X}``, ``${X:-d}``) in a FROM line."""

        def sub(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(2)
            default = m.group(3)
            got = self.global_args.get(name, "")
            if not got and default is not None:
                return default
            return got or m.group(0)

        return _VAR.sub(sub, value)


#: In :meth:`Doc.keywords`: some COPY or ADD has a ``--from`` flag (rules about copies
#: between stages and from images name it in ``keywords=``).
COPY_FROM = "COPY --from"
_COPIES = ("COPY", "ADD")
_encode_str = json.encoder.encode_basestring_ascii  # what json.dumps uses for a str
_VAR = re.compile(r"\$(?:(\w+)|\{(\w+)(?::?[-+]([^}]*))?\})")


def _flags(raw: list[str]) -> dict[str, list[str]]:
    flags: dict[str, list[str]] = {}
    for item in raw:
        name, _, value = item.lstrip("-").partition("=")
        flags.setdefault(name.lower(), []).append(value)
    return flags


def _join_args(keyword: str, args: list[str], json_form: bool) -> str:
    """Back to one string: JSON for exec form, ``k=v`` words for ENV/LABEL triples."""
    if json_form:  # json.dumps of a list of strings, without building an encoder each time
        return "[" + ", ".join([_encode_str(a) for a in args]) + "]"
    if keyword in ("ENV", "LABEL") and len(args) % 3 == 0:
        return " ".join(f"{args[i]}={args[i + 1]}" for i in range(0, len(args), 3))
    return " ".join(args)


def _instr(ins: Instruction, *, onbuild_of: Instruction | None = None) -> Instr:
    keyword = ins.keyword.upper()
    where = onbuild_of or ins
    return Instr(
        keyword,
        _join_args(keyword, ins.args, ins.json_form),
        _flags(ins.flags) if ins.flags else {},
        where.start_line,
        where.end_line,
        where.original,
        [h.content for h in ins.heredocs] if ins.heredocs else [],
        None,  # resolved_base: set by load() for FROM
        onbuild_of is not None,
        list(ins.args) if ins.json_form else None,
        ins,
    )


def load(text: str, path: str = "Dockerfile") -> Doc:
    """Build the lint view of ``text``; raise :class:`LintParseError` on unreadable input."""
    if "\x00" in text:
        raise LintParseError(f"{path}:1:1: binary data, not a Dockerfile")
    try:
        df = parse(text, path=path)
    except ParseError as exc:
        raise LintParseError(str(exc)) from exc
    if not df.instructions:
        raise LintParseError(f"{path}:1:1: file with no instructions")
    instructions: list[Instr] = []
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    doc = Doc(path, [x.rstrip("\r\n") for x in df.lines], instructions, stages, global_args, df)
    by_stage = {id(s.from_instruction): s for s in df.stages}
    for node in df.instructions:
        ins = _instr(node)
        instructions.append(ins)
        parsed = by_stage.get(id(node))
        if parsed is not None:
            ins.resolved_base = parsed.resolved_base
            base = parsed.resolved_base or doc.expand(parsed.base)
            stages.append(Stage(parsed.index, base, parsed.name, ins))
            continue
        if not stages:
            if ins.keyword == "ARG":
                for word in ins.words:
                    key, _, value = word.partition("=")
                    global_args[key] = value.strip("\"'")
            continue
        stages[-1].instructions.append(ins)
        if node.next is not None:
            stages[-1].triggers.append(_instr(node.next, onbuild_of=node))
    return doc
