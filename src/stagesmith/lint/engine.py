"""The rule engine: a registry of rules (one module each), running them safely, ignores.

A rule is a function decorated with :func:`rule`; it receives the :class:`Doc` and a
:class:`Context` and yields ``(instruction, message)`` pairs. A rule that can only report
on some instructions names them (``keywords=``): it is not called for a file that has none
of them (ONBUILD triggers count), which it would have nothing to say about anyway;
``COPY_FROM`` (:mod:`stagesmith.lint.source`) stands for a COPY or ADD with ``--from``. The engine turns those into
:class:`Finding` objects, applies inline ignores and configuration, and guarantees that one
rule raising an exception never stops the run (it becomes an ``SS000`` finding instead).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from stagesmith.dockerfile.record import FrozenRecord, Record
from stagesmith.lint.model import Finding, Severity
from stagesmith.lint.source import Doc, Instr

Hit = tuple[Instr, str]
CheckFn = Callable[[Doc, "Context"], Iterable[Hit]]


class Context(Record):
    """What rules may consult beyond the Dockerfile: trusted registries, the build target,
    the stage names meant to be built on their own (``--target test``; None: the defaults)."""

    __slots__ = ("alternative_targets", "target", "trusted_registries")

    def __init__(
        self,
        trusted_registries: list[str] | None = None,
        target: str | None = None,
        alternative_targets: list[str] | None = None,
    ) -> None:
        self.trusted_registries: list[str] = (
            [] if trusted_registries is None else trusted_registries
        )
        self.target = target
        self.alternative_targets = alternative_targets


class Rule(FrozenRecord):
    """A registered rule (see :func:`rule`); not changed once made."""

    __slots__ = ("check", "doc", "hadolint", "id", "keywords", "name", "severity")

    def __init__(
        self,
        id: str,
        name: str,
        severity: Severity,
        hadolint: str | None,
        check: CheckFn,
        doc: str,
        keywords: frozenset[str] | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.severity = severity
        self.hadolint = hadolint
        self.check = check
        self.doc = doc
        #: The rule only reports on files with one of these instructions (None: any file).
        self.keywords = keywords

    @property
    def hadolint_ids(self) -> tuple[str, ...]:
        """hadolint's equivalent codes (some rules cover two, e.g. DL3006 and DL3007)."""
        return tuple(self.hadolint.split(",")) if self.hadolint else ()

    @property
    def names(self) -> frozenset[str]:
        """Our id and hadolint's, the ids an ignore may use."""
        return frozenset((self.id, *self.hadolint_ids))

    def named_by(self, ids: set[str] | frozenset[str]) -> bool:
        """True when ``ids`` names this rule by our id or one of hadolint's."""
        return not self.names.isdisjoint(ids)

    @property
    def summary(self) -> str:
        """The docstring's first paragraph on one line, reStructuredText quotes simplified."""
        first = self.doc.strip().split("\n\n")[0]
        return " ".join(first.split()).replace("``", "`") or self.name


_RULES: dict[str, Rule] = {}

#: Memos of helpers that work on text rather than on a :class:`Doc` (the shell reading of a
#: RUN line): :func:`run_rules` empties them before each document, so the rules of one file
#: share the work and nothing is carried from one file to the next (a corpus of copies must
#: not lint faster than distinct files).
_PER_DOCUMENT: list[dict[Any, Any]] = []


def per_document_memo() -> dict[Any, Any]:
    """A dict that :func:`run_rules` empties before each document."""
    memo: dict[Any, Any] = {}
    _PER_DOCUMENT.append(memo)
    return memo


def rule(
    id: str,
    name: str,
    severity: Severity,
    hadolint: str | None = None,
    *,
    keywords: Iterable[str] | None = None,
) -> Callable[[CheckFn], CheckFn]:
    """Register ``check`` as rule ``id``; its docstring (bad and good example) is the rule's
    doc. ``keywords``: the instructions it can report on, when it cannot report on a file
    without any of them (the engine then skips it there)."""
    gate = frozenset(keywords) if keywords is not None else None

    def register(check: CheckFn) -> CheckFn:
        _RULES[id] = Rule(id, name, severity, hadolint, check, check.__doc__ or "", gate)
        return check

    return register


INTERNAL = Rule("SS000", "internal-error", Severity.ERROR, None, lambda d, c: (), "A rule crashed.")


def _rule_modules(package_path: Iterable[str]) -> list[str]:
    """Module names in the rules package: its ``*.py`` files, listed directly (pkgutil's
    listing imports :mod:`inspect`, a tenth of the start-up), else as pkgutil finds them."""
    names: set[str] = set()
    for folder in package_path:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            stem, dot, ext = entry.partition(".")
            if dot and ext == "py" and stem.isidentifier() and not stem.startswith("_"):
                names.add(stem)
    if not names:  # not a plain directory (a zip, sourceless modules)
        import pkgutil

        names = {info.name for info in pkgutil.iter_modules(list(package_path))}
    return sorted(names)


def all_rules() -> dict[str, Rule]:
    """Every rule, importing each module of :mod:`stagesmith.lint.rules` once."""
    if not _RULES:
        from stagesmith.lint import rules

        for name in _rule_modules(rules.__path__):
            importlib.import_module(f"{rules.__name__}.{name}")
    return dict(sorted(_RULES.items()))


#: (rules, [(rule, its ids)]) for the current registry, so each run does not rebuild it.
_PLAN: tuple[tuple[Rule, ...], list[tuple[Rule, frozenset[str]]]] | None = None


def _plan() -> list[tuple[Rule, frozenset[str]]]:
    global _PLAN
    if not _RULES:
        all_rules()
    key = tuple(_RULES.values())
    if _PLAN is None or _PLAN[0] != key:
        _PLAN = (key, [(r, r.names) for r in all_rules().values()])
    return _PLAN[1]


_IGNORE = re.compile(r"^#\s*(stagesmith|hadolint)\s+ignore\s*=\s*([A-Za-z0-9_, ]+)")


def inline_ignores(doc: Doc, instr: Instr) -> set[str]:
    """IDs named by ``# stagesmith ignore=`` / ``# hadolint ignore=`` comments just above."""
    ids: set[str] = set()
    line = instr.start_line - 2  # 0-based index of the line above
    while line >= 0:
        text = doc.lines[line].strip()
        if not text.startswith("#"):
            break
        m = _IGNORE.match(text)
        if m:
            ids.update(x.strip().upper() for x in m.group(2).split(",") if x.strip())
        line -= 1
    return ids


_GLOBAL_IGNORE = re.compile(r"^#\s*(stagesmith|hadolint)\s+global\s+ignore\s*=\s*([A-Za-z0-9_, ]+)")


def global_ignores(doc: Doc) -> set[str]:
    """IDs named by ``# stagesmith global ignore=`` / ``# hadolint global ignore=`` anywhere."""
    ids: set[str] = set()
    for line in doc.lines:
        text = line.strip()
        if text.startswith("#") and "global" in text:
            m = _GLOBAL_IGNORE.match(text)
            if m:
                ids.update(x.strip().upper() for x in m.group(2).split(",") if x.strip())
    return ids


def run_rules(
    doc: Doc,
    context: Context | None = None,
    *,
    disabled: Iterable[str] = (),
    overrides: dict[str, Severity] | None = None,
) -> list[Finding]:
    """Run every enabled rule on ``doc`` and return sorted findings."""
    ctx = context or Context()
    for memo in _PER_DOCUMENT:
        memo.clear()
    skip = {x.upper() for x in disabled} | global_ignores(doc)
    overrides = overrides or {}
    findings: list[Finding] = []
    ignore_cache: dict[int, set[str]] = {}
    present = doc.keywords()
    for r, names in _plan():
        if skip and not names.isdisjoint(skip):
            continue
        gate = r.keywords
        if gate is not None and gate.isdisjoint(present):
            continue  # nothing it could report on in this file
        try:
            hits = list(r.check(doc, ctx))
        except Exception as exc:  # a rule bug must not take the run down
            findings.append(
                Finding(
                    INTERNAL.id,
                    Severity.ERROR,
                    f"rule {r.id} crashed: {type(exc).__name__}: {exc}",
                    doc.path,
                    1,
                    1,
                )
            )
            continue
        if not hits:
            continue
        severity = r.severity
        if overrides:
            severity = next(
                (overrides[k] for k in (r.id, *r.hadolint_ids) if k in overrides), r.severity
            )
        for instr, message in hits:
            key = id(instr)
            if key not in ignore_cache:
                ignore_cache[key] = inline_ignores(doc, instr)
            ignored = ignore_cache[key]
            if ignored and not names.isdisjoint(ignored):
                continue
            if instr.onbuild:
                message = f"ONBUILD trigger: {message}"
            findings.append(
                Finding(
                    r.id, severity, message, doc.path, instr.start_line, instr.end_line, r.hadolint
                )
            )
    return sorted(findings, key=_order)


def _order(f: Finding) -> tuple[str, int, str]:
    return (f.path, f.line, f.rule)
