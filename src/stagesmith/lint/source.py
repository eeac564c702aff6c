"""The linter's view of a Dockerfile: instructions and stages, read through the parser.

Rules work on this small, stable view so that they do not depend on every detail of the
parser's model. ``load`` uses :mod:`stagesmith.dockerfile` when it offers ``parse``; until then
(and as a safety net) a minimal reader joins continuation lines, skips comments, keeps
heredoc bodies and splits leading ``--flags``. It never interprets shell beyond that.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from stagesmith.errors import StagesmithError


class LintParseError(StagesmithError):
    """The Dockerfile cannot be read; message is ``file:line:col: why``."""


@dataclass
class Instr:
    """One instruction: keyword upper-case, args without the flags, flags by name."""

    keyword: str
    args: str
    flags: dict[str, list[str]]
    start_line: int
    end_line: int
    original: str
    heredocs: list[str] = field(default_factory=list)
    #: FROM only: the image after ARG expansion, when the parser resolved it.
    resolved_base: str | None = None

    def flag(self, name: str) -> str | None:
        values = self.flags.get(name)
        return values[-1] if values else None

    @property
    def json_form(self) -> list[str] | None:
        """The exec-form argument list, or None for shell form."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        return None

    @property
    def words(self) -> list[str]:
        return self.args.split()


@dataclass
class Stage:
    """One ``FROM`` and the instructions up to the next one."""

    index: int
    base: str
    name: str | None
    from_instr: Instr
    instructions: list[Instr] = field(default_factory=list)

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
        return [i for i in self.instructions if i.keyword in keywords]


@dataclass
class Doc:
    """A whole Dockerfile: its text lines, instructions, stages and global ARG defaults."""

    path: str
    lines: list[str]
    instructions: list[Instr]
    stages: list[Stage]
    global_args: dict[str, str]

    def stage_by_ref(self, ref: str) -> Stage | None:
        """Resolve a ``--from`` reference: a stage name (case-insensitive) or index."""
        low = ref.lower()
        for stage in self.stages:
            if stage.name == low:
                return stage
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None

    def stage_of(self, instr: Instr) -> Stage | None:
        for stage in self.stages:
            if instr is stage.from_instr or instr in stage.instructions:
                return stage
        return None

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

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


_VAR = re.compile(r"\$(?:(\w+)|\{(\w+)(?::?[-+]([^}]*))?\})")
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_HEREDOC = re.compile(r"<<(-?)\s*([\"']?)([A-Za-z0-9_.-]+)\2")


def _split_flags(rest: str) -> tuple[dict[str, list[str]], str]:
    flags: dict[str, list[str]] = {}
    text = rest.lstrip()
    while text.startswith("--"):
        token, _, remainder = text.partition(" ")
        name, eq, value = token[2:].partition("=")
        flags.setdefault(name.lower(), []).append(value if eq else "")
        text = remainder.lstrip()
    return flags, text


def _reader(text: str, path: str) -> list[Instr]:
    """Minimal reader used when the project parser is unavailable (see module docstring)."""
    lines = text.splitlines()
    escape = "\\"
    # parser directives: only at the very top, before any instruction or other comment
    for raw in lines:
        m = _DIRECTIVE.match(raw.strip())
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("`", "\\"):
            escape = m.group(2)
    out: list[Instr] = []
    i = 0
    n = len(lines)
    while i < n:
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i
        parts: list[str] = []
        while True:
            line = lines[i].rstrip()
            if line.endswith(escape) and i + 1 < n:
                parts.append(line[:-1])
                i += 1
                # comments and blank lines inside a continuation are dropped
                while i < n and (not lines[i].strip() or lines[i].strip().startswith("#")):
                    i += 1
                if i >= n:
                    break
                continue
            parts.append(line)
            break
        logical = " ".join(p.strip() for p in parts)
        keyword, _, rest = logical.partition(" ")
        keyword = keyword.upper()
        flags: dict[str, list[str]] = {}
        if keyword in ("RUN", "COPY", "ADD", "FROM"):
            flags, rest = _split_flags(rest)
        heredocs: list[str] = []
        if keyword in ("RUN", "COPY", "ADD"):
            for m in _HEREDOC.finditer(rest):
                body: list[str] = []
                i += 1
                while i < n and (lines[i].strip() if m.group(1) else lines[i]) != m.group(3):
                    body.append(lines[i])
                    i += 1
                if i >= n:
                    raise LintParseError(f"{path}:{start + 1}:1: unterminated heredoc {m.group(3)}")
                heredocs.append("\n".join(body))
        end = min(i, n - 1)
        out.append(
            Instr(
                keyword,
                rest.strip(),
                flags,
                start + 1,
                end + 1,
                "\n".join(lines[start : end + 1]),
                heredocs,
            )
        )
        i += 1
    return out


def _from_parser(text: str, path: str) -> list[Instr] | None:
    """Read through :mod:`stagesmith.dockerfile` if it is there; None when it is not."""
    try:
        from stagesmith import dockerfile as dfmod
    except ImportError:  # pragma: no cover
        return None
    parse = getattr(dfmod, "parse", None)
    if parse is None:
        return None
    parse_error = getattr(dfmod, "ParseError", None)
    try:
        parsed = parse(text, path=path)
    except Exception as exc:
        if parse_error is not None and isinstance(exc, parse_error):
            line = getattr(exc, "line", None) or 1
            col = getattr(exc, "column", None) or getattr(exc, "col", None) or 1
            msg = getattr(exc, "message", None) or str(exc)
            if str(msg).startswith(f"{path}:"):
                raise LintParseError(str(msg)) from exc
            raise LintParseError(f"{path}:{line}:{col}: {msg}") from exc
        # a parser bug must not stop the lint run: fall back to the minimal reader
        return None
    resolved: dict[int, str] = {}
    for st in getattr(parsed, "stages", None) or []:
        base = getattr(st, "resolved_base", None)
        if base:
            resolved[id(getattr(st, "from_instruction", None))] = str(base)
    out: list[Instr] = []
    for ins in getattr(parsed, "instructions", []):
        original = str(getattr(ins, "original", ""))
        keyword = str(getattr(ins, "keyword", "")).upper()
        flags: dict[str, list[str]] = {}
        raw_flags = getattr(ins, "flags", None) or {}
        items = raw_flags.items() if isinstance(raw_flags, dict) else _flag_pairs(raw_flags)
        for name, value in items:
            vals = value if isinstance(value, list) else [value]
            flags.setdefault(str(name).lstrip("-").lower(), []).extend(str(v) for v in vals)
        args = getattr(ins, "args", "")
        if isinstance(args, list | tuple):
            args = _join_args(keyword, [str(a) for a in args], bool(getattr(ins, "json_form", 0)))
        heredocs = []
        for h in getattr(ins, "heredocs", None) or []:
            heredocs.append(str(getattr(h, "content", getattr(h, "body", h))))
        out.append(
            Instr(
                keyword,
                str(args),
                flags,
                int(getattr(ins, "start_line", 1)),
                int(getattr(ins, "end_line", getattr(ins, "start_line", 1))),
                original,
                heredocs,
                resolved.get(id(ins)),
            )
        )
    return out


def _join_args(keyword: str, args: list[str], json_form: bool) -> str:
    """Back to one string: JSON for exec form, ``k=v`` words for ENV/LABEL triples."""
    if json_form:
        return json.dumps(args)
    if keyword in ("ENV", "LABEL") and len(args) % 3 == 0:
        return " ".join(f"{args[i]}={args[i + 1]}" for i in range(0, len(args), 3))
    return " ".join(args)


def _flag_pairs(raw: object) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in raw if isinstance(raw, list | tuple) else []:
        text = str(item).lstrip("-")
        name, _, value = text.partition("=")
        pairs.append((name, value))
    return pairs


def load(text: str, path: str = "Dockerfile") -> Doc:
    """Build the lint view of ``text``; raise :class:`LintParseError` on unreadable input."""
    if "\x00" in text:
        raise LintParseError(f"{path}:1:1: binary data, not a Dockerfile")
    instructions = _from_parser(text, path)
    if instructions is None:
        instructions = _reader(text, path)
    if not instructions:
        raise LintParseError(f"{path}:1:1: file with no instructions")
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    doc = Doc(path, text.splitlines(), instructions, stages, global_args)
    for ins in instructions:
        if ins.keyword == "FROM":
            words = ins.words
            base = ins.resolved_base or (doc.expand(words[0]) if words else "")
            name = None
            if len(words) >= 3 and words[1].lower() == "as":
                name = words[2].lower()
            stages.append(Stage(len(stages), base, name, ins))
        elif not stages:
            if ins.keyword == "ARG":
                for word in ins.words:
                    key, _, value = word.partition("=")
                    global_args[key] = value.strip("\"'")
        else:
            stages[-1].instructions.append(ins)
    return doc
