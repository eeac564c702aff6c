"""Typed views of single instructions, for rules that need more than raw arguments.

BuildKit's parser leaves FROM, COPY, ``RUN --mount`` and ENV/LABEL as lists of
strings; the meaning (which word is the alias, which flag names a stage) is applied
later by BuildKit's instruction layer. These helpers apply the same meaning.
"""

from __future__ import annotations

from stagesmith.dockerfile.model import Instruction
from stagesmith.dockerfile.record import FrozenRecord, Record


class FromInfo(FrozenRecord):
    """``FROM [--platform=P] IMAGE [AS NAME]``; ``name`` lower-cased like BuildKit."""

    __slots__ = ("image", "name", "platform")

    def __init__(self, image: str, name: str | None, platform: str | None) -> None:
        self.image = image
        self.name = name
        self.platform = platform

    @property
    def alias(self) -> str | None:
        return self.name


def from_info(ins: Instruction) -> FromInfo:
    """Read a FROM instruction (tolerant: a missing image gives an empty string)."""
    args = ins.args
    image = args[0] if args else ""
    name = None
    if len(args) >= 3 and args[1].lower() == "as":
        name = args[2].lower()
    return FromInfo(image=image, name=name, platform=ins.flag("platform"))


class CopyInfo(FrozenRecord):
    """COPY/ADD sources and destination plus the flags rules ask about."""

    __slots__ = ("chmod", "chown", "dest", "from_", "link", "sources")

    def __init__(
        self,
        sources: list[str],
        dest: str,
        from_: str | None,
        chown: str | None,
        chmod: str | None,
        link: bool,
    ) -> None:
        self.sources = sources
        self.dest = dest
        self.from_ = from_
        self.chown = chown
        self.chmod = chmod
        self.link = link


def copy_info(ins: Instruction) -> CopyInfo:
    """Split COPY/ADD arguments into sources and destination (the last argument)."""
    args = list(ins.args)
    dest = args[-1] if args else ""
    sources = args[:-1]
    link = ins.flag("link")
    return CopyInfo(
        sources=sources,
        dest=dest,
        from_=ins.flag("from"),
        chown=ins.flag("chown"),
        chmod=ins.flag("chmod"),
        link=link is not None and link.lower() not in ("false", "0"),
    )


class Mount(Record):
    """One ``RUN --mount=...`` (BuildKit's defaults: type=bind)."""

    __slots__ = ("from_", "id", "options", "raw", "source", "target", "type")

    def __init__(
        self,
        type: str = "bind",
        from_: str | None = None,
        source: str | None = None,
        target: str | None = None,
        id: str | None = None,
        options: dict[str, str] | None = None,
        raw: str = "",
    ) -> None:
        self.type = type
        self.from_ = from_
        self.source = source
        self.target = target
        self.id = id
        self.options: dict[str, str] = {} if options is None else options
        self.raw = raw


_TARGET_KEYS = ("target", "dst", "destination")
_SOURCE_KEYS = ("source", "src")


def parse_mount(value: str) -> Mount:
    """One ``--mount`` value (comma-separated, CSV-quoted ``key=value`` fields)."""
    mount = Mount(raw=value)
    if not value:
        fields: list[str] = []  # what csv reads from an empty line
    elif '"' not in value and "\r" not in value and "\n" not in value and "\0" not in value:
        fields = value.split(",")  # what csv reads when nothing is quoted (csv not imported)
    else:
        import csv

        try:
            fields = next(csv.reader([value]), [])
        except csv.Error:
            fields = value.split(",")
    for item in fields:
        key, sep, val = item.partition("=")
        key = key.strip().lower()
        if not sep:
            mount.options[key] = "true"
            continue
        if key == "type":
            mount.type = val.lower()
        elif key == "from":
            mount.from_ = val
        elif key in _SOURCE_KEYS:
            mount.source = val
        elif key in _TARGET_KEYS:
            mount.target = val
        elif key == "id":
            mount.id = val
        else:
            mount.options[key] = val
    return mount


def parse_mounts(ins: Instruction) -> list[Mount]:
    """Every ``--mount`` of a RUN instruction, in order."""
    return [parse_mount(v) for v in ins.flag_values("mount")]


def pairs(ins: Instruction) -> list[tuple[str, str]]:
    """ENV/LABEL key-value pairs as written (values keep quotes; expand them to use them)."""
    args = ins.args
    return [(args[i], args[i + 1]) for i in range(0, len(args) - 2, 3)]


env_pairs = pairs
label_pairs = pairs


def command_words(ins: Instruction) -> str | list[str]:
    """The command of RUN/CMD/ENTRYPOINT/HEALTHCHECK: exec list, or the shell string."""
    args = ins.args[1:] if ins.keyword == "HEALTHCHECK" else ins.args
    if ins.json_form:
        return list(args)
    return args[0] if args else ""
