"""Missing shared libraries: the ``libgomp.so.1`` that crashes the container at import time.

For every ELF executable and shared object (Python extension modules included) the check reads
``DT_NEEDED``, ``DT_RPATH``/``DT_RUNPATH`` and the interpreter during the single walk, then
resolves each needed soname the way glibc's loader would, but inside the image: ``DT_RPATH``
(only when there is no ``DT_RUNPATH``), ``LD_LIBRARY_PATH`` from the image config,
``DT_RUNPATH``, the ``DT_RPATH`` of the objects up the loading chain (when the needing object
has no ``DT_RUNPATH``), the directories of ``/etc/ld.so.conf`` and its ``include`` files, then the
default directories (multiarch ``/lib/<triplet>``, ``/usr/lib/<triplet>``, ``/lib64``,
``/usr/lib64``, ``/lib``, ``/usr/lib``). ``$ORIGIN``, ``$LIB`` and ``$PLATFORM`` are expanded and
symlinks are followed inside the image. A candidate of the wrong ELF class or machine is
skipped, like the loader does. A soname that does not resolve but is in the image under that
name elsewhere (the JDK's ``lib/server/libjvm.so``, loaded first by the ``java`` launcher) is a
warning saying where, not an error.

Bad: ``FROM python:3.11-slim`` + ``COPY --from=builder /venv /venv`` where scikit-learn's
``_openmp_helpers.so`` needs ``libgomp.so.1`` and nothing installs ``libgomp1``.
Good: ``RUN apt-get install -y --no-install-recommends libgomp1`` in the runtime stage.

Known limits: ``ld.so.conf`` directories count as searched even if ``ldconfig`` was not run;
``dlopen`` by name at run time is not seen.
"""

from __future__ import annotations

import fnmatch
import posixpath
from typing import Any

from stagesmith.checks.base import Check, Content, Context
from stagesmith.checks.elf import MULTIARCH, ElfError, ElfInfo, parse_elf
from stagesmith.checks.index import FILE, HARDLINK, Index, norm
from stagesmith.checks.model import Finding, Severity
from stagesmith.errors import StagesmithError
from stagesmith.record import Record

LD_SO_CONF = "etc/ld.so.conf"
_SKIP_PREFIXES = ("usr/lib/debug/", "proc/", "sys/")
_PLATFORM = {62: "x86_64", 183: "aarch64", 3: "i686"}


def looks_like_elf_candidate(path: str, mode: int) -> bool:
    """Cheap filter before reading magic bytes: executables and ``*.so*`` names."""
    if path.startswith(_SKIP_PREFIXES):
        return False
    if mode & 0o111:
        return True
    base = path.rpartition("/")[2]
    return base.endswith(".so") or ".so." in base


class _Elf(Record):
    __slots__ = ("info", "layer")

    def __init__(self, layer: int, info: ElfInfo) -> None:
        self.layer, self.info = layer, info


class SharedLibsCheck(Check):
    name = "shared-libs"
    content_only = True

    def __init__(self) -> None:
        self.elves: dict[str, _Elf] = {}
        self.conf: dict[str, tuple[int, str]] = {}  # ld.so.conf files: path -> (layer, text)
        self.broken: dict[str, tuple[int, str]] = {}

    def wants(self, entry: Any, path: str, kind: str) -> bool:
        if kind != FILE:
            return False
        if path.startswith("etc/") and (
            path == LD_SO_CONF or path.startswith("etc/ld.so.conf.d/") or _is_musl_path(path)
        ):
            return True
        # looks_like_elf_candidate, inline: this runs for every regular file
        size = entry.size
        if type(size) is not int:
            size = int(size or 0)
        if size < 52 or path.startswith(_SKIP_PREFIXES):
            return False
        mode = entry.mode
        if type(mode) is not int:
            mode = int(mode or 0)
        if mode & 0o111:
            return True
        base = path[path.rfind("/") + 1 :]
        return base.endswith(".so") or ".so." in base

    def visit(self, layer: int, entry: Any, path: str, kind: str, content: Content | None) -> None:
        if content is None:
            return
        if path[:4] == "etc/" and (
            path == LD_SO_CONF or path.startswith("etc/ld.so.conf.d/") or _is_musl_path(path)
        ):
            self.conf[path] = (layer, content.head(256 * 1024).decode("utf-8", "replace"))
            return
        try:
            info = parse_elf(content.read_at, retain=not content.random_access)
        except ElfError as exc:
            self.broken[path] = (layer, str(exc))
            return
        if info is not None:
            self.elves[path] = _Elf(layer, info)

    # -- resolution -----------------------------------------------------------------------

    def finish(self, ctx: Context) -> list[Finding]:
        index = ctx.index
        conf = {p: text for p, (layer, text) in self.conf.items() if index.alive(p, layer)}
        conf_dirs = ld_so_conf_dirs(conf, index)
        env_dirs = _ld_library_path(ctx.config)
        interp_missing: dict[str, list[str]] = {}
        layers: dict[str, int] = {}
        # first pass: each object's own search path; remember who loads whom
        unresolved: list[tuple[str, str, list[str]]] = []  # (needing path, soname, dirs)
        loaded_by: dict[str, list[str]] = {}  # resolved library path -> objects needing it
        # most objects search the same directories for the same few sonames (libc.so.6...):
        # both depend only on what the keys hold while the index stays as it is
        dirs_memo: dict[tuple[Any, ...], list[str]] = {}
        found_memo: dict[tuple[Any, ...], str | None] = {}
        for path, elf in sorted(self.elves.items()):
            if not index.alive(path, elf.layer):
                continue
            info = elf.info
            if info.interpreter and index.resolve(info.interpreter) is None:
                interp_missing.setdefault(info.interpreter, []).append(path)
                layers.setdefault(info.interpreter, elf.layer)
            if not info.needed:
                continue
            musl = bool(info.interpreter and "ld-musl" in info.interpreter)
            # the object's own directory matters only to expand $ORIGIN in its paths
            origin = posixpath.dirname(path) if info.rpath or info.runpath else ""
            key = (
                origin,
                tuple(info.rpath),
                tuple(info.runpath),
                info.machine,
                info.elf_class,
                musl,
            )
            dirs = dirs_memo.get(key)
            if dirs is None:
                dirs = dirs_memo[key] = self._search_dirs(
                    path, info, env_dirs, conf_dirs, conf, musl
                )
            dirs_key = (tuple(dirs), info.elf_class, info.machine)
            for soname in info.needed:
                if "/" in soname:  # a path: relative to the needing object
                    real = self._find(soname, dirs, info, index, path)
                else:
                    lookup = (soname, dirs_key)
                    if lookup in found_memo:
                        real = found_memo[lookup]
                    else:
                        real = found_memo[lookup] = self._find(soname, dirs, info, index, path)
                if real is None:
                    unresolved.append((path, soname, dirs))
                else:
                    loaded_by.setdefault(real, []).append(path)
        # second pass: glibc also searches the DT_RPATH of every object up the loading chain
        # (when the needing object has no DT_RUNPATH); auditwheel-repaired wheels rely on it
        missing: dict[str, dict[str, list[str]]] = {}  # soname -> needing path -> searched
        for path, soname, dirs in unresolved:
            info = self.elves[path].info
            if not info.runpath:
                extra = self._inherited_rpath(path, loaded_by)
                if extra and self._find(soname, extra, info, index, path) is not None:
                    continue
            missing.setdefault(soname, {})[path] = dirs
            layers.setdefault(soname, self.elves[path].layer)
        out: list[Finding] = []
        elsewhere = self._elsewhere(set(missing), index) if missing else {}
        for soname, needers in sorted(missing.items()):
            found = elsewhere.get(soname, [])
            # a soname that is in the image, only not on the search path, loads when something
            # (the java launcher loading lib/server/libjvm.so, a dlopen by full path) has
            # loaded it first: glibc then matches the needed name to the loaded soname
            located = {
                p: hits
                for p in needers
                if (hits := [f for f, real in found if self._usable(real, self.elves[p].info)])
            }
            absent = {p: d for p, d in needers.items() if p not in located}
            if not absent:
                searched = needers[min(located)]
                out.append(self._off_path(soname, located, layers[soname], searched))
                continue
            # one finding per soname: the error, for the objects no copy in the image can serve
            needers = absent
            paths = sorted(needers)
            shown = ", ".join("/" + p for p in paths[:3]) + (", ..." if len(paths) > 3 else "")
            out.append(
                Finding(
                    id="missing-library",
                    severity=Severity.ERROR,
                    title=f"{soname} missing",
                    message=f"{soname} is needed by {shown} but is not in the image"
                    + (
                        f" (only at {', '.join('/' + f for f, _ in found[:3])}, which is "
                        "not an ELF object of its class and machine)"
                        if found
                        else ""
                    )
                    + "; loading fails with 'cannot open shared object file'",
                    subject=soname,
                    paths=paths,
                    layer=layers[soname],
                    evidence={
                        "needed_by": paths,
                        "searched": ["/" + d for d in needers[paths[0]]],
                    },
                )
            )
        broken = {p: v for p, v in self.broken.items() if index.alive(p, v[0])}
        if broken:
            paths = sorted(broken)
            out.append(
                Finding(
                    id="unreadable-elf",
                    severity=Severity.INFO,
                    title=f"{len(paths)} ELF file(s) could not be parsed",
                    message="these files start like ELF but their headers do not hold together "
                    "(truncated or corrupt), so their libraries were not checked: "
                    + ", ".join("/" + p for p in paths[:3])
                    + (", ..." if len(paths) > 3 else ""),
                    subject="elf",
                    paths=paths,
                    layer=min(v[0] for v in broken.values()),
                    evidence={"reasons": {p: broken[p][1] for p in paths[:50]}},
                )
            )
        for interp, paths in sorted(interp_missing.items()):
            out.append(
                Finding(
                    id="missing-interpreter",
                    severity=Severity.ERROR,
                    title=f"ELF interpreter {interp} missing",
                    message=f"{interp} (the dynamic loader) is not in the image; "
                    f"/{paths[0]} cannot start",
                    subject=interp,
                    paths=sorted(paths),
                    layer=layers[interp],
                )
            )
        return out

    def _elsewhere(self, sonames: set[str], index: Index) -> dict[str, list[tuple[str, str]]]:
        """soname -> (path, the file it leads to) for every path of that name anywhere in the
        final image (one pass over the index, run only when some soname did not resolve)."""
        hits: dict[str, list[tuple[str, str]]] = {}
        for path in index.nodes:
            base = path.rpartition("/")[2]
            if base not in sonames or path.startswith(_SKIP_PREFIXES):
                continue
            try:
                real = index.resolve(path)
            except StagesmithError:
                continue
            if real is not None and index.kind(real) in (FILE, HARDLINK):
                hits.setdefault(base, []).append((path, real))
        return {k: sorted(v) for k, v in hits.items()}

    def _usable(self, path: str, info: ElfInfo) -> bool:
        """Whether the file at ``path`` can satisfy an object of ``info``'s class/machine: only
        an ELF object of the same class and machine can (the loader skips others)."""
        other = self.elves.get(path)
        return other is not None and (
            other.info.elf_class == info.elf_class and other.info.machine == info.machine
        )

    def _off_path(
        self, soname: str, located: dict[str, list[str]], layer: int, searched: list[str]
    ) -> Finding:
        paths = sorted(located)
        shown = ", ".join("/" + p for p in paths[:3]) + (", ..." if len(paths) > 3 else "")
        where = sorted({f for hits in located.values() for f in hits})
        at = ", ".join("/" + f for f in where[:3]) + (", ..." if len(where) > 3 else "")
        return Finding(
            id="missing-library",
            severity=Severity.WARNING,
            title=f"{soname} not on the library search path",
            message=f"{soname} is needed by {shown} and is in the image at {at}, but not in "
            "a directory the loader searches for them; this works only if that library is "
            "loaded first (by a launcher such as java's, or by dlopen with its full path), "
            "otherwise loading fails with 'cannot open shared object file'",
            subject=soname,
            paths=paths,
            layer=layer,
            evidence={
                "needed_by": paths,
                "searched": ["/" + d for d in searched],
                "found_at": ["/" + f for f in where],
            },
        )

    def _inherited_rpath(self, path: str, loaded_by: dict[str, list[str]]) -> list[str]:
        """DT_RPATH directories of the objects that (transitively) load ``path``."""
        dirs: list[str] = []
        seen = {path}
        todo = list(loaded_by.get(path, []))
        while todo and len(seen) < 10_000:
            loader = todo.pop()
            if loader in seen:
                continue
            seen.add(loader)
            info = self.elves[loader].info
            if info.rpath and not info.runpath:
                origin = posixpath.dirname(loader)
                dirs.extend(_expand(d, origin, info) for d in info.rpath)
            todo.extend(loaded_by.get(loader, []))
        return list(dict.fromkeys(dirs))

    def _search_dirs(
        self,
        path: str,
        info: ElfInfo,
        env_dirs: list[str],
        conf_dirs: list[str],
        conf: dict[str, str],
        musl: bool,
    ) -> list[str]:
        origin = posixpath.dirname(path)
        dirs: list[str] = []
        if info.rpath and not info.runpath:
            dirs += [_expand(d, origin, info) for d in info.rpath]
        dirs += env_dirs
        dirs += [_expand(d, origin, info) for d in info.runpath]
        if musl:
            musl_dirs = [
                d.strip("/")
                for p, text in sorted(conf.items())
                if _is_musl_path(p)
                for line in text.splitlines()
                for d in line.replace(":", "\n").splitlines()
                if d.strip()
            ]
            return dirs + (musl_dirs or ["lib", "usr/local/lib", "usr/lib"])
        dirs += conf_dirs
        triplet = MULTIARCH.get(info.machine)
        if triplet:
            dirs += [f"lib/{triplet}", f"usr/lib/{triplet}"]
        if info.elf_class == 64:
            dirs += ["lib64", "usr/lib64"]
        else:
            dirs += ["lib32", "usr/lib32"]
        dirs += ["lib", "usr/lib"]
        seen: set[str] = set()
        return [d for d in dirs if not (d in seen or seen.add(d))]  # type: ignore[func-returns-value]

    def _find(
        self, soname: str, dirs: list[str], info: ElfInfo, index: Index, path: str
    ) -> str | None:
        if "/" in soname:
            return index.resolve(soname if soname.startswith("/") else posixpath.join(path, soname))
        for d in dirs:
            real = index.resolve(posixpath.join(d, soname))
            if real is None or index.kind(real) not in (FILE, None):
                continue
            other = self.elves.get(real)
            if other is not None and (
                other.info.elf_class != info.elf_class or other.info.machine != info.machine
            ):
                continue  # the loader skips objects of the wrong class/machine
            return real
        return None


def _is_musl_path(path: str) -> bool:
    return path.startswith("etc/ld-musl-") and path.endswith(".path")


def _expand(d: str, origin: str, info: ElfInfo) -> str:
    lib = "lib64" if info.elf_class == 64 else "lib"
    platform = _PLATFORM.get(info.machine, "")
    for token, value in (("ORIGIN", "/" + origin), ("LIB", lib), ("PLATFORM", platform)):
        d = d.replace("${" + token + "}", value).replace("$" + token, value)
    return norm(d)


def _ld_library_path(config: Any) -> list[str]:
    env = getattr(config, "env", None) if config is not None else None
    items: list[str] = []
    if isinstance(env, dict):
        items = [f"{k}={v}" for k, v in env.items()]
    elif isinstance(env, list | tuple):
        items = [str(x) for x in env]
    for item in items:
        key, _, value = item.partition("=")
        if key == "LD_LIBRARY_PATH":
            return [norm(p) for p in value.split(":") if p.strip()]
    return []


def ld_so_conf_dirs(conf: dict[str, str], index: Index) -> list[str]:
    """Directories listed by /etc/ld.so.conf, following ``include`` globs in the image."""
    dirs: list[str] = []
    seen: set[str] = set()

    def read(path: str, depth: int) -> None:
        if path in seen or depth > 8 or path not in conf:
            return
        seen.add(path)
        for raw in conf[path].splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("include"):
                for pattern in line.split()[1:]:
                    pattern = norm(pattern if pattern.startswith("/") else "etc/" + pattern)
                    folder = posixpath.dirname(pattern)
                    real = index.resolve(folder) or folder
                    for name in index.listdir(real):
                        if fnmatch.fnmatchcase(name, posixpath.basename(pattern)):
                            read(posixpath.join(folder, name), depth + 1)
            elif line.startswith("hwcap"):
                continue
            else:
                dirs.extend(norm(d) for d in line.replace(",", " ").split() if d.strip())

    read(LD_SO_CONF, 0)
    return dirs
