"""Go projects: what ``go.mod`` and the sources say (module, Go version, cgo, CA/tzdata needs).

Only facts are read here; choosing bases and stages is the plan's job.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import BaseModel

from stagesmith.errors import StagesmithError

_GO_DIRECTIVE = re.compile(r"^go\s+(\d+\.\d+)(?:\.\d+)?\s*$", re.MULTILINE)
_MODULE = re.compile(r"^module\s+(\S+)\s*$", re.MULTILINE)


class GoSpec(BaseModel):
    """Facts about a Go module, each traceable to the file it came from."""

    source: str = "go.mod"
    module: str
    go_version: str
    binary: str
    main_package: str = "."
    other_mains: list[str] = []
    #: Every main package -> the binary ``go build -o DIR/`` names after it.
    commands: dict[str, str] = {}
    cgo: bool = False
    vendored: bool = False
    has_go_sum: bool = False
    uses_tls: bool = False
    uses_tzdata: bool = False


def detect(root: Path) -> bool:
    return (root / "go.mod").is_file()


def read(root: Path) -> GoSpec:
    """Read ``go.mod`` and scan the module's ``*.go`` files for main packages, cgo, TLS, tzdata."""
    gomod = root / "go.mod"
    try:
        text = gomod.read_text(encoding="utf-8")
    except OSError as exc:
        raise StagesmithError(f"{gomod}: cannot read: {exc.strerror}") from exc
    module = _MODULE.search(text)
    if module is None:
        raise StagesmithError(f"{gomod}: no 'module' line")
    version = _GO_DIRECTIVE.search(text)
    sources = _sources(root)
    code = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sources)
    mains = sorted(
        {
            p.parent
            for p in sources
            if re.search(r"^package\s+main\b", p.read_text("utf-8", "replace"), re.M)
        }
    )
    names = ["." if m == root else "./" + m.relative_to(root).as_posix() for m in mains]
    path = module.group(1)
    module_name = path.rstrip("/").rsplit("/", 1)[-1] or "app"
    commands = {n: module_name if n == "." else n.rsplit("/", 1)[-1] for n in names}
    main_package = _entry_package(names, module_name)
    return GoSpec(
        module=path,
        go_version=version.group(1) if version else "1.22",
        binary=commands.get(main_package, module_name),
        main_package=main_package,
        other_mains=[n for n in names if n != main_package],
        commands=commands,
        cgo=bool(re.search(r'^\s*import\s+"C"', code, re.MULTILINE)),
        vendored=(root / "vendor" / "modules.txt").is_file(),
        has_go_sum=(root / "go.sum").is_file(),
        uses_tls=any(s in code for s in ('"net/http"', '"crypto/tls"', '"net/smtp"')),
        uses_tzdata="time.LoadLocation" in code or '"time/tzdata"' in code,
    )


#: ``//go:build ignore`` (or the old ``// +build ignore``): ``go build`` skips the file.
_IGNORE_TAG = re.compile(r"^//\s*(?:go:build|\+build)\s+ignore\s*$", re.MULTILINE)


def _sources(root: Path) -> list[Path]:
    """The ``.go`` files ``go build ./...`` would compile for this module.

    Like the go tool: ``vendor/`` and ``testdata/`` directories, directories and files whose
    name starts with ``_`` or ``.``, nested modules (a directory with its own ``go.mod``),
    ``*_test.go`` files and files constrained with the ``ignore`` build tag are left out.
    """
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in ("vendor", "testdata")
            and not d.startswith(("_", "."))
            and not (here / d / "go.mod").is_file()
        )
        for name in sorted(filenames):
            if not name.endswith(".go") or name.endswith("_test.go"):
                continue
            if name.startswith(("_", ".")):
                continue
            path = here / name
            if not _ignored(path.read_text(encoding="utf-8", errors="replace")):
                found.append(path)
    return sorted(found)


def _ignored(text: str) -> bool:
    """A build constraint with the ``ignore`` tag before the package clause."""
    package = re.search(r"^package\s", text, re.MULTILINE)
    header = text[: package.start()] if package else text
    return bool(_IGNORE_TAG.search(header))


def _entry_package(names: list[str], module_name: str) -> str:
    """The command the image runs: the root package, else the one named like the module."""
    if "." in names or not names:
        return "."
    return next((n for n in names if n.rsplit("/", 1)[-1] == module_name), names[0])
