"""The merged index: whiteouts touch only the subtree they delete (no scan of every path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from stagesmith.checks.index import Index
from stagesmith.errors import StagesmithError


@dataclass
class E:
    path: str
    type: str = "file"
    size: int = 1
    mode: int = 0o644
    linkname: str = ""


def _fill(index: Index, n: int, dirs: int) -> list[str]:
    paths = [f"d{i % dirs}/f{i}" for i in range(n)]
    for p in paths:
        index.add(0, E(p))
    return paths


@pytest.mark.parametrize("n", [1_000, 8_000])
def test_whiteouts_of_missing_paths_visit_nothing(n: int) -> None:
    # the 10k files + 10k whiteouts case that took 20 s: each whiteout used to scan every path
    index = Index()
    _fill(index, n, 100)
    for i in range(n):
        index.add(1, E(f"z{i % 100}/.wh.nope{i}"))
    assert index.delete_visits == 0
    assert len(index.nodes) == n


@pytest.mark.parametrize("n", [1_000, 8_000])
def test_directory_whiteouts_visit_each_deleted_path_once(n: int) -> None:
    index = Index()
    _fill(index, n, 100)
    for d in range(100):
        index.add(1, E(f".wh.d{d}"))
    assert index.nodes == {}
    assert index.delete_visits == n  # linear: every path below the dirs, once


def test_opaque_keeps_this_layers_entries_and_implied_dirs_follow() -> None:
    index = Index()
    for p in ("a/b/old", "a/keep", "c/x"):
        index.add(0, E(p))
    index.add(1, E("a/b/new"))
    index.add(1, E("a/.wh..wh..opq"))
    assert sorted(index.nodes) == ["a/b/new", "c/x"]
    assert index.resolve("a/b/new") == "a/b/new"
    assert index.listdir("a/b") == ["new"]
    index.add(2, E(".wh.c"))
    assert index.resolve("c/x") is None and index.listdir("c") == []
    assert index.listdir("") == []  # "a" is only implied: not an entry of its own


def test_a_file_replacing_a_directory_hides_what_was_below() -> None:
    index = Index()
    index.add(0, E("d", type="dir"))
    index.add(0, E("d/x"))
    index.add(1, E("d"))
    assert sorted(index.nodes) == ["d"] and index.kind("d") == "file"


def test_a_symlink_loop_met_while_resolving_is_an_error() -> None:
    index = Index()
    index.add(0, E("a", type="symlink", linkname="b"))
    index.add(0, E("b", type="symlink", linkname="/a"))
    index.add(0, E("ok", type="symlink", linkname="real"))
    index.add(0, E("real"))
    assert index.resolve("ok") == "real"
    with pytest.raises(StagesmithError, match="symlink loop resolving /a/x"):
        index.resolve("a/x")


def _resolve_by_hand(index: Index, path: str, max_links: int = 40) -> str | None:
    """Component by component from the root, as the kernel does (no memo): the reference."""
    from stagesmith.checks.index import HARDLINK, SYMLINK, norm

    parts = [p for p in norm(path).split("/") if p]
    done: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        current = "/".join([*done, part])
        node = index.nodes.get(current)
        if node is None:
            if parts and current in index._kids:
                done.append(part)
                continue
            return None
        if node.kind == SYMLINK:
            hops += 1
            if hops > max_links:
                raise StagesmithError("loop")
            done = [] if node.linkname.startswith("/") else done
            parts = [p for p in node.linkname.split("/") if p] + parts
            continue
        if node.kind == HARDLINK and not parts:
            return norm(node.linkname) if norm(node.linkname) in index.nodes else current
        done.append(part)
    return "/".join(done)


@pytest.mark.parametrize("seed", range(6))
def test_resolve_with_remembered_directories_equals_the_plain_walk(seed: int) -> None:
    import random

    rng = random.Random(seed)
    names = ["a", "b", "c", "lib", "usr", ".", ".."]
    index = Index()
    for _ in range(120):
        depth = rng.randint(1, 4)
        path = "/".join(rng.choice(names[:5]) for _ in range(depth))
        kind = rng.choice(["file", "file", "dir", "symlink", "symlink", "hardlink"])
        target = "/".join(rng.choice(names) for _ in range(rng.randint(1, 3)))
        if kind == "symlink" and rng.random() < 0.4:
            target = "/" + target
        index.add(rng.randint(0, 2), E(path, kind, 1, 0o644, target if "link" in kind else ""))
    queries = ["/".join(rng.choice(names) for _ in range(rng.randint(1, 5))) for _ in range(400)]

    def outcome(resolve: Any, q: str) -> str | type | None:
        try:
            result: str | None = resolve(q)
        except StagesmithError:
            return StagesmithError
        return result

    for q in queries * 2:  # the second round is answered from the remembered directories
        assert outcome(index.resolve, q) == outcome(lambda p: _resolve_by_hand(index, p), q), q
    index.add(3, E("lib", "symlink", 0, 0o777, "usr"))  # a change forgets what was remembered
    for q in queries:
        assert outcome(index.resolve, q) == outcome(lambda p: _resolve_by_hand(index, p), q), q
