"""Plain data classes without :mod:`dataclasses`.

The parser's and the linter's data classes are written out by hand (``__slots__`` and an
``__init__``) on top of these bases, which give equality, hashing and ``repr`` from the
fields named in ``__slots__``. The reason is start-up time: importing :mod:`dataclasses`
pulls in :mod:`inspect`, and each decorated class compiles its generated methods at import,
a millisecond or so per class on a small machine; ``stagesmith lint`` on one file (a
pre-commit hook, an editor) paid tens of milliseconds for it before reading a line.
"""

from __future__ import annotations

from typing import Any

_FIELDS: dict[type, tuple[str, ...]] = {}


def fields_of(cls: type) -> tuple[str, ...]:
    """The ``__slots__`` of ``cls`` and its bases, base classes' first."""
    found = _FIELDS.get(cls)
    if found is None:
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            slots = klass.__dict__.get("__slots__", ())
            names += [slots] if isinstance(slots, str) else list(slots)
        found = _FIELDS[cls] = tuple(names)
    return found


def _repr(obj: object, hidden: tuple[str, ...]) -> str:
    shown = ", ".join(
        f"{name}={getattr(obj, name)!r}" for name in fields_of(type(obj)) if name not in hidden
    )
    return f"{type(obj).__name__}({shown})"


class Identity:
    """Compared by identity (like an ``eq=False`` data class); ``repr`` from the fields."""

    __slots__ = ()
    #: Fields left out of ``repr`` (back-references, caches).
    _hidden: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return _repr(self, self._hidden)


class Record(Identity):
    """Equal when of the same class with equal fields. Mutable, so not hashable."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in fields_of(type(self)))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()


class FrozenRecord(Record):
    """A record nobody changes once made: hashable by its fields."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self._values())
