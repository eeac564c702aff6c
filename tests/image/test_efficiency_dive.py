"""Our efficiency equals ``dive --json`` on the same archives (dive runs for real)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from stagesmith.image import open_image
from stagesmith.image.efficiency import analyze
from tests.archives import (
    Member,
    char,
    dir_,
    docker_archive,
    file,
    hardlink,
    opaque,
    symlink,
    whiteout,
)
from tests.image.divecheck import assert_same_as_dive

CASES: dict[str, list[list[Member]]] = {
    "duplicates": [
        [dir_("etc"), file("etc/a", 100), file("etc/b", 7)],
        [file("etc/a", 300)],
        [file("etc/a", 30), dir_("etc")],
    ],
    "dir-whiteout-counts-subtree": [
        [dir_("d"), file("d/x", 50), dir_("d/s"), file("d/s/y", 70), file("k", 5)],
        [whiteout("d"), whiteout("k"), file("new", 9)],
        [file("d", 4)],
    ],
    "opaque-dirs": [
        [dir_("o"), file("o/1", 11), dir_("e")],
        [opaque("o"), file("o/2", 3), dir_("e")],
        [opaque("o"), dir_("e")],
    ],
    "links-and-devices": [
        [file("h", 20), symlink("s", "h"), char("dev/null")],
        [hardlink("h2", "h"), symlink("s", "h2"), char("dev/null")],
    ],
    "missing-whiteout-target": [
        [file("a", 5), file("z", 8)],
        [whiteout("missing"), whiteout("dd/x"), file("z", 9), file("b", 1)],
    ],
    "empty-layer": [[file("a", 5)], [], [file("a", 6)]],
    # a file that also has a member below it in the same layer is still stacked by dive, so
    # the directory whiteout of its parent later sizes it (dive 0.9333; we once said 0.8)
    "file-with-members-below": [
        [file("a", 10)],
        [file("b/x", 100), whiteout("b/x/q")],
        [whiteout("b/x"), file("c", 5)],
    ],
}


@pytest.mark.parametrize("legacy", [True, False], ids=["legacy", "engine25"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_equals_dive(tmp_path: Path, case: str, legacy: bool) -> None:
    archive = docker_archive(tmp_path / f"{case}.tar", CASES[case], legacy=legacy)
    assert_same_as_dive(archive, tmp_path)


def _random_layers(seed: int) -> list[list[Member]]:
    rng = random.Random(seed)
    names = [f"d{rng.randrange(4)}/f{i}" for i in range(40)] + [f"top{i}" for i in range(6)]
    layers: list[list[Member]] = []
    alive: set[str] = set()
    for _ in range(rng.randrange(2, 6)):
        layer: list[Member] = []
        used: set[str] = set()
        for _ in range(rng.randrange(1, 25)):
            name = rng.choice(names)
            if name in used:
                continue
            used.add(name)
            roll = rng.random()
            if roll < 0.15 and name in alive:
                layer.append(whiteout(name))
                alive.discard(name)
            elif roll < 0.25:
                d = name.split("/")[0]
                if d.startswith("d") and d not in used:
                    used.add(d)
                    layer.append(dir_(d) if roll < 0.22 else opaque(d))
            elif roll < 0.3:
                d = name.split("/")[0]
                if d.startswith("d") and d not in used:
                    used.add(d)
                    layer.append(whiteout(d))
                    alive = {a for a in alive if not a.startswith(d + "/")}
            else:
                layer.append(file(name, rng.randrange(0, 5000)))
                alive.add(name)
        layers.append(layer)
    return layers


@pytest.mark.parametrize("seed", range(30))
def test_random_images_equal_dive(tmp_path: Path, seed: int) -> None:
    archive = docker_archive(tmp_path / f"r{seed}.tar", _random_layers(seed))
    assert_same_as_dive(archive, tmp_path)


def test_numbers_by_hand(tmp_path: Path) -> None:
    """The definitions themselves, on an image small enough to add up by hand."""
    archive = docker_archive(tmp_path / "h.tar", CASES["dir-whiteout-counts-subtree"])
    with open_image(archive) as img:
        eff = analyze(img)
    # d: 0 (layer 0 leaf? no: d has children) -> d/x 50, d/s/y 70; layer 1 whiteout d = 120
    # (the subtree), k whiteout = 0 (a file); layer 2 file d = 4
    by_path = {i.path: (i.count, i.size) for i in eff.inefficiencies}
    assert by_path == {"/d": (2, 124), "/k": (2, 5)}
    assert eff.wasted_bytes == 129
    # minimums: d/x 50, d/s/y 70, k 0, new 9, d 4 -> 133; cumulative: 50+70+5+9+124 = 258
    assert eff.score == pytest.approx(133 / 258)
    assert eff.layer_sizes == [125, 9, 4]
    assert eff.user_wasted_percent == pytest.approx(129 / 13)
