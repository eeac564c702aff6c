"""Record: equality and repr by the slots, for the plain data classes inspect loads."""

from __future__ import annotations

import pytest

from stagesmith.image.model import Entry, EntryType, ImageConfig
from stagesmith.record import Record


def test_equal_by_fields_and_type() -> None:
    a = Entry("etc/passwd", EntryType.FILE, 10, uid=0)
    assert a == Entry("etc/passwd", EntryType.FILE, 10)
    assert a != Entry("etc/passwd", EntryType.FILE, 11)
    assert a != Entry("etc/shadow", EntryType.FILE, 10)

    class Other(Record):
        __slots__ = ("path",)

        def __init__(self, path: str) -> None:
            self.path = path

    assert Other("x") == Other("x") and Other("x") != Other("y")
    assert Other("x") != Entry("x", EntryType.FILE)  # another type is never equal


def test_repr_names_every_field_and_fields_is_a_shallow_dict() -> None:
    e = Entry("bin/sh", EntryType.SYMLINK, linkname="dash")
    text = repr(e)
    assert text.startswith("Entry(") and "path='bin/sh'" in text and "linkname='dash'" in text
    assert e.fields()["linkname"] == "dash" and set(e.fields()) == set(Entry.__slots__)


def test_mutable_defaults_are_not_shared_and_records_are_unhashable() -> None:
    a, b = ImageConfig(), ImageConfig()
    a.env["X"] = "1"
    assert b.env == {}
    with pytest.raises(TypeError):
        hash(a)
