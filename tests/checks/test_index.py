"""The merged index: whiteouts touch only the subtree they delete (no scan of every path)."""

from __future__ import annotations

from dataclasses import dataclass

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
