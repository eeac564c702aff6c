"""Run every check in a single pass over the image's layers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from stagesmith.checks.base import Check, Content, Context
from stagesmith.checks.index import Index, kind_of, norm, whiteout_target
from stagesmith.checks.model import Finding, sort_findings
from stagesmith.checks.protocol import ImageLike


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
    the efficiency collector rides along instead of walking the layers a second time."""
    active = list(checks) if checks is not None else default_checks()
    index = Index()
    # want() runs just before the walk yields that same entry: remember what it computed
    pending: list[Any] = [None, "", "", None, []]
    # only checks that override ``wants`` are asked (the base answers False for every entry)
    askers = [c for c in active if type(c).wants is not Check.wants]

    def want(entry: Any) -> bool:
        wo = whiteout_target(entry)
        path, kind = norm(entry.path), kind_of(entry)
        takers = [] if wo is not None else [c for c in askers if c.wants(entry, path, kind)]
        pending[:] = [entry, path, kind, wo, takers]
        return bool(takers)

    def visiting(kind: str) -> list[Check]:
        """The checks whose ``visit`` runs without content for this kind of entry."""
        return [
            c for c in active if not c.content_only and (c.kinds is None or kind in c.kinds)
        ]

    # bound methods looked up once per kind: this loop runs for every entry of every layer
    by_kind: dict[str, list[Callable[..., None]]] = {}
    plain: dict[str, list[Check]] = {}
    add = index.add
    for layer, entry, reader in image.walk(want):
        if pending[0] is entry:
            _, path, kind, wo, takers = pending
        else:  # the reader did not ask (e.g. a whiteout): compute here
            wo, path, kind, takers = whiteout_target(entry), norm(entry.path), kind_of(entry), []
        pending[0] = None
        add(layer, entry, path, kind, wo, known=True)
        for observe in observers:
            observe(layer, entry)
        if wo is not None:
            continue
        if reader is None or not takers:
            visits = by_kind.get(kind)
            if visits is None:
                plain[kind] = visiting(kind)
                visits = by_kind[kind] = [c.visit for c in plain[kind]]
            for visit in visits:
                visit(layer, entry, path, kind, None)
            continue
        content = Content(reader)
        if kind not in plain:
            plain[kind] = visiting(kind)
        without = plain[kind]
        for check in active:
            if check in takers:
                check.visit(layer, entry, path, kind, content)
            elif check in without:
                check.visit(layer, entry, path, kind, None)
    ctx = Context(index, image.config)
    findings: list[Finding] = []
    for check in active:
        findings.extend(check.finish(ctx))
    return sort_findings(findings), index
