"""``Record``: equality and repr for plain data classes that list their fields in ``__slots__``.

For the classes ``stagesmith inspect`` loads: ``@dataclass`` builds each class's methods with
``exec`` at import, ~0.8 ms a class, which for the ~15 classes on that path was a fifth of the
command's import time. These classes write their ``__init__`` out (typed, and fast: ``Entry``
is made once per tar member) and get the rest here.
"""

from __future__ import annotations

from typing import Any


class Record:
    """Fields are the ``__slots__`` of the class; equal when of the same type with equal
    fields; not hashable (like a mutable dataclass)."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def _names(self) -> tuple[str, ...]:
        names: tuple[str, ...] = type(self).__slots__
        return names

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._names())

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._names())
        return f"{type(self).__name__}({fields})"

    def fields(self) -> dict[str, Any]:
        """The fields as a dict (a shallow copy, unlike ``dataclasses.asdict``)."""
        return {f: getattr(self, f) for f in self._names()}
