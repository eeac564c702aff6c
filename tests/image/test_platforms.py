"""Multi-platform and nested indexes, platform choice, and reader semantics of walk()."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagesmith.image import ImageError, open_image
from tests.archives import build, dir_, docker_archive, file, hardlink, oci_archive, oci_layout

MULTI = {
    "linux/amd64": [[file("arch", b"amd64")]],
    "linux/arm64/v8": [[file("arch", b"arm64")]],
    "linux/arm/v7": [[file("arch", b"armv7")]],
}


def _arch(src: Path, **kw: str) -> bytes:
    with open_image(src, **kw) as img:  # type: ignore[arg-type]
        for _, _entry, reader in img.walk(lambda e: e.path == "arch"):
            if reader is not None:
                return reader.read()
    raise AssertionError("no arch file")


@pytest.mark.parametrize("maker", [oci_layout, oci_archive], ids=["layout", "archive"])
def test_multi_platform_default_and_choice(tmp_path: Path, maker) -> None:  # type: ignore[no-untyped-def]
    src = maker(tmp_path / "m", MULTI)
    assert _arch(src) == b"amd64"  # linux/amd64 by default
    assert _arch(src, platform="linux/arm64") == b"arm64"  # variant optional
    assert _arch(src, platform="linux/arm/v7") == b"armv7"
    with open_image(src, platform="linux/arm64/v8") as img:
        assert img.platform == "linux/arm64/v8" and img.config.variant == "v8"


def test_no_default_platform_lists_the_choices(tmp_path: Path) -> None:
    src = oci_layout(tmp_path / "m", {k: v for k, v in MULTI.items() if "arm" in k})
    with pytest.raises(ImageError, match=r"choose one with --platform .*linux/arm/v7"):
        open_image(src)


def test_single_platform_is_taken_whatever_it_is(tmp_path: Path) -> None:
    src = oci_layout(tmp_path / "m", {"linux/riscv64": [[file("arch", b"rv")]]})
    assert _arch(src) == b"rv"


@pytest.mark.parametrize("with_platform", [True, False])
def test_nested_index(tmp_path: Path, with_platform: bool) -> None:
    b = build([[file("arch", b"nested")]], compression="zstd")
    src = oci_archive(tmp_path / "n.tar", b, nested=True, platforms_in_index=with_platform)
    assert _arch(src) == b"nested"


def test_doubly_nested_multi_platform(tmp_path: Path) -> None:
    images = [build(v, platform=p, compression="gzip") for p, v in MULTI.items()]
    src = oci_layout(tmp_path / "n", images, nested=True)
    assert _arch(src, platform="linux/arm/v7") == b"armv7"


def test_reader_partial_reads_do_not_desync_the_walk(tmp_path: Path) -> None:
    layers = [[file("a", 5000), file("b", b"bee"), file("c", 70000), file("d", b"dee")]]
    for comp in ("none", "gzip", "zstd"):
        src = docker_archive(
            tmp_path / f"{comp}.tar", build(layers, compression=comp), legacy=False
        )
        with open_image(src) as img:
            got = {}
            for _, entry, reader in img.walk(lambda e: True):
                assert reader is not None
                got[entry.path] = reader.read(3)  # read only a little of each
            assert got["b"] == b"bee" and got["d"] == b"dee"
            assert len(got["a"]) == 3


def test_want_none_gives_no_readers_and_counts_sizes(tmp_path: Path) -> None:
    src = docker_archive(tmp_path / "x.tar", [[dir_("x"), file("x/a", 10)], [file("x/a", 20)]])
    with open_image(src) as img:
        assert all(r is None for _, _, r in img.walk())
        assert [layer.size for layer in img.layers] == [10, 20]
        assert img.total_size == 30
        assert [h.created_by for h in img.history] == ["layer 0", "layer 1"]
        assert img.layers[0].diff_id.startswith("sha256:")


def test_total_size_without_a_walk(tmp_path: Path) -> None:
    src = oci_archive(tmp_path / "x.tar", [[file("a", 10)], [], [file("b", 7)]], compression="gzip")
    with open_image(src) as img:
        assert img.total_size == 17
        assert [layer.empty for layer in img.layers] == [False, True, False]


def test_hardlinks_and_long_names(tmp_path: Path) -> None:
    deep = "/".join(["d" * 60] * 5) + "/file"
    src = docker_archive(tmp_path / "x.tar", [[file(deep, b"x"), hardlink("h", deep)]])
    with open_image(src) as img:
        entries = {e.path: e for _, e, _ in img.walk()}
        assert entries["h"].linkname == deep
        tree = img.tree()
        assert tree.get(deep) is not None and tree.get("h").type == "hardlink"


def test_docker_archive_with_identical_layers(tmp_path: Path) -> None:
    """docker save writes one layer.tar for identical layers; both are read."""
    src = docker_archive(tmp_path / "x.tar", [[file("a", b"1")], [file("a", b"1")]])
    with open_image(src) as img:
        assert [i for i, _, _ in img.walk()] == [0, 1]


def test_arm64_and_arm64_v8_name_the_same_platform_both_ways(tmp_path: Path) -> None:
    # a descriptor without the variant (as many indexes write it) and a request with it
    src = oci_layout(
        tmp_path / "m",
        {"linux/amd64": [[file("arch", b"amd64")]], "linux/arm64": [[file("arch", b"arm64")]]},
    )
    assert _arch(src, platform="linux/arm64/v8") == b"arm64"
    assert _arch(src, platform="linux/arm64") == b"arm64"
    with pytest.raises(ImageError, match="no image for platform linux/arm64/v7"):
        open_image(src, platform="linux/arm64/v7")
    # and the other way round: the descriptor names v8, the request does not
    src2 = oci_layout(tmp_path / "n", {"linux/arm64/v8": [[file("arch", b"v8")]]})
    assert _arch(src2, platform="linux/arm64") == b"v8"
