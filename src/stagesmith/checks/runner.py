"""Run every check in a single pass over the image's layers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from stagesmith.checks.base import Check, Content, Context
from stagesmith.checks.index import Index, kind_of, norm, whiteout_target
from stagesmith.checks.model import Finding, sort_findings
from stagesmith.checks.protocol import ImageLike
from stagesmith.image.model import Entry, EntryType


def default_checks() -> list[Check]:
    """One instance of every built-in check (checks keep state, so make new ones per image)."""
    from stagesmith.checks.buildtools import BuildToolsCheck
    from stagesmith.checks.devices import DeviceFilesCheck
    from stagesmith.checks.secrets import SecretsCheck
    from stagesmith.checks.setuid import SetuidCheck
    from stagesmith.checks.sharedlibs import SharedLibsCheck
    from stagesmith.checks.user import RootUserCheck

    return [
        BuildToolsCheck(),
        RootUserCheck(),
        SetuidCheck(),
        SecretsCheck(),
        SharedLibsCheck(),
        DeviceFilesCheck(),
    ]


def run_checks(image: ImageLike, checks: Sequence[Check] | None = None) -> list[Finding]:
    """Walk the layers once, feeding every check, and return all findings sorted."""
    findings, _ = run_checks_with_index(image, checks)
    return findings


def run_checks_with_index(
    image: ImageLike,
    checks: Sequence[Check] | None = None,
    observers: Sequence[Callable[[int, Any], None]] = (),
) -> tuple[list[Finding], Index]:
    """The single walk. ``observers`` see every entry too (whiteouts included), which is how
    the efficiency collector rides along instead of walking the layers a second time.

    Everything here runs for every entry of every layer, so the reader's own entries take a
    fast path: their path is already normalised and their type is an ``EntryType`` (the
    defensive ``norm``/``kind_of``/``whiteout_target`` serve other entry kinds)."""
    active = list(checks) if checks is not None else default_checks()
    index = Index()
    # only checks that override ``wants`` are asked (the base answers False for every entry)
    asks = [(c, c.wants) for c in active if type(c).wants is not Check.wants]
    # want() runs just before the walk yields that same entry: remember what it computed
    p_entry: Any = None
    p_path = p_kind = ""
    p_wo: tuple[str, bool] | None = None
    p_takers: list[Check] | None = None

    def want(entry: Any) -> bool:
        nonlocal p_entry, p_path, p_kind, p_wo, p_takers
        p_entry = entry
        p_path, p_kind, p_wo = path, kind, wo = _describe(entry)
        if wo is not None:
            p_takers = None
            return False
        takers = None
        for check, wants in asks:
            if wants(entry, path, kind):
                if takers is None:
                    takers = [check]
                else:
                    takers.append(check)
        p_takers = takers
        return takers is not None

    # per kind: the bound ``visit`` of the checks that run without content, and for entries
    # with content every check in order with its ``visit`` and whether it runs without
    by_kind: dict[str, list[Callable[..., None]]] = {}
    order: dict[str, list[tuple[Check, Callable[..., None], bool]]] = {}

    def visiting(kind: str) -> list[Callable[..., None]]:
        without = [c for c in active if not c.content_only and (c.kinds is None or kind in c.kinds)]
        order[kind] = [(c, c.visit, c in without) for c in active]
        visits = by_kind[kind] = [c.visit for c in without]
        return visits

    put, delete = index.put, index.delete
    layer_entries, layer_bytes = index.layer_entries, index.layer_bytes
    current, count, total = -1, 0, 0  # entries and content bytes of the layer being walked
    for layer, entry, reader in image.walk(want):
        if p_entry is entry:
            path, kind, wo, takers = p_path, p_kind, p_wo, p_takers
            p_entry = None
        else:  # the reader did not ask (not a regular file): compute here
            takers = None
            path, kind, wo = _describe(entry)
        if layer != current:
            if count:
                layer_entries[current] = layer_entries.get(current, 0) + count
                layer_bytes[current] = layer_bytes.get(current, 0) + total
            current, count, total = layer, 0, 0
        size = entry.size or 0
        count += 1
        total += size
        if wo is not None:
            delete(layer, wo[0], wo[1])
            for observe in observers:
                observe(layer, entry)
            continue
        put(layer, entry, path, kind, size)
        for observe in observers:
            observe(layer, entry)
        if reader is None or takers is None:
            visits = by_kind.get(kind)
            if visits is None:
                visits = visiting(kind)
            for visit in visits:
                visit(layer, entry, path, kind, None)
            continue
        content = Content(reader)
        if kind not in order:
            visiting(kind)
        for check, visit, alone in order[kind]:
            if check in takers:
                visit(layer, entry, path, kind, content)
            elif alone:
                visit(layer, entry, path, kind, None)
    if count:
        layer_entries[current] = layer_entries.get(current, 0) + count
        layer_bytes[current] = layer_bytes.get(current, 0) + total
    ctx = Context(index, image.config)
    findings: list[Finding] = []
    for check in active:
        findings.extend(check.finish(ctx))
    return sort_findings(findings), index


#: ``kind_of`` for each ``EntryType`` (a StrEnum: hashed like its string value).
_ENTRY_KINDS: dict[Any, str] = {t: kind_of(Entry(path="", type=t)) for t in EntryType}


def _describe(entry: Any) -> tuple[str, str, tuple[str, bool] | None]:
    """``(path, kind, whiteout target)`` of an entry, as ``norm``, ``kind_of`` and
    ``whiteout_target`` give them, cheaply for the reader's entries."""
    if type(entry) is not Entry:
        return norm(entry.path), kind_of(entry), whiteout_target(entry)
    path = entry.path
    if path.strip() is not path:  # normalised by the reader, except surrounding blanks
        path = norm(path)
    kind = _ENTRY_KINDS.get(entry.type) or kind_of(entry)
    if entry.whiteout is None and not entry.opaque and ".wh." not in entry.path:
        return path, kind, None
    return path, kind, whiteout_target(entry)
