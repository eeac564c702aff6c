"""What rules need from a RUN command's shell string: simple commands and package installs.

This is deliberately shallow: split on ``&&``, ``||``, ``;``, ``|`` and newlines, split words
with shell quoting (falling back to whitespace), and recognise package-manager invocations.
"""

from __future__ import annotations

import re

from stagesmith.dockerfile.record import Record
from stagesmith.lint.engine import per_document_memo
from stagesmith.lint.source import Instr

_SEPARATORS = re.compile(r"&&|\|\||;|\||\n")
#: What makes ``shlex.split(chunk, comments=True)`` differ from ``chunk.split()``: quotes,
#: escapes, comments, and blanks other than shlex's four (``str.split`` splits on those too).
_NEEDS_SHLEX = re.compile(r"['\"\\#]|[^\S \t\r\n]")
_ASSIGNMENT = re.compile(r"^\w+=")
_PIP = re.compile(r"pip[0-9.]*")
#: Several rules ask about the same RUN; each text is read once per document (the engine
#: empties these before each file, so nothing carries over from one file to the next).
_COMMANDS: dict[str, tuple[tuple[str, ...], ...]] = per_document_memo()
_INSTALLS: dict[str, tuple[Install, ...]] = per_document_memo()


def run_text(instr: Instr) -> str:
    """The shell text of a RUN: exec form joined by spaces, heredoc bodies appended."""
    form = instr.json_form
    text = " ".join(form) if form is not None else instr.args
    if instr.heredocs:
        text = "\n".join([text, *instr.heredocs])
    return text


def commands(text: str) -> list[list[str]]:
    """Simple commands as word lists; env assignments and ``sudo`` in front are dropped."""
    return [list(c) for c in _commands(text)]


_PREFIX_WORDS = frozenset(("sudo", "exec", "then", "do", "(", "{"))


def _commands(text: str) -> tuple[tuple[str, ...], ...]:
    found = _COMMANDS.get(text)
    if found is not None:
        return found
    result: list[tuple[str, ...]] = []
    for chunk in _SEPARATORS.split(text):
        if _NEEDS_SHLEX.search(chunk) is None:
            words = chunk.split()  # what shlex gives for plain words, without its tokenizer
        else:
            import shlex

            try:
                words = shlex.split(chunk, comments=True)
            except ValueError:
                words = chunk.split()
        while words and (_ASSIGNMENT.match(words[0]) or words[0] in _PREFIX_WORDS):
            words = words[1:]
        if words:
            result.append(tuple(words))
    found = _COMMANDS[text] = tuple(result)
    return found


class Install(Record):
    """One package-manager invocation that installs things: the manager (apt, apk, yum,
    pip, conda, npm), the whole simple command, the positional arguments after the install
    verb, and apk's ``--virtual NAME``."""

    __slots__ = ("group", "manager", "packages", "words")

    def __init__(
        self, manager: str, words: list[str], packages: list[str], group: str | None = None
    ) -> None:
        self.manager = manager
        self.words = words
        self.packages = packages
        self.group = group


_APT = {"apt-get", "apt", "aptitude"}
_YUM = {"yum", "dnf", "microdnf", "tdnf", "zypper"}
_CONDA = {"conda", "mamba", "micromamba"}


def _positional(words: list[str]) -> list[str]:
    return [w for w in words if not w.startswith("-")]


_PIP_VALUE_OPTIONS = {
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "-f",
    "--find-links",
    "--trusted-host",
    "--cache-dir",
    "--platform",
    "--python-version",
}


def _pip_packages(words: list[str]) -> list[str]:
    """Requirement specifiers of ``pip install``, skipping option values (``-r file``)."""
    pkgs: list[str] = []
    skip = False
    for w in words:
        if skip:
            skip = False
        elif w in _PIP_VALUE_OPTIONS:
            skip = True
        elif not w.startswith("-"):
            pkgs.append(w)
    return pkgs


def installs(text: str) -> list[Install]:
    """Every install command in ``text`` with the packages it names."""
    return list(_installs(text))


def _installs(text: str) -> tuple[Install, ...]:
    cached = _INSTALLS.get(text)
    if cached is None:
        cached = _INSTALLS[text] = _read_installs(text)
    return cached


def _read_installs(text: str) -> tuple[Install, ...]:
    found: list[Install] = []
    for words in commands(text):
        tool = words[0].rsplit("/", 1)[-1]
        rest = words[1:]
        if tool in ("python", "python3") and rest[:2] == ["-m", "pip"]:
            tool, rest = "pip", rest[2:]
        if _PIP.fullmatch(tool) or (tool == "uv" and rest[:1] == ["pip"]):
            if tool == "uv":
                rest = rest[1:]
            if rest[:1] == ["install"]:
                found.append(Install("pip", words, _pip_packages(rest[1:])))
        elif tool in _APT:
            if "install" in rest:
                after = rest[rest.index("install") + 1 :]
                found.append(Install("apt", words, _positional(after)))
        elif tool == "apk":
            if "add" in rest:
                after = rest[rest.index("add") + 1 :]
                pkgs: list[str] = []
                group = None
                skip = False
                for i, w in enumerate(after):
                    if skip:
                        skip = False
                    elif w in ("--virtual", "-t", "--repository", "-X", "--root", "-p"):
                        skip = True
                        if w in ("--virtual", "-t") and i + 1 < len(after):
                            group = after[i + 1]
                    elif not w.startswith("-"):
                        pkgs.append(w)
                found.append(Install("apk", words, pkgs, group))
        elif tool in _YUM:
            if "install" in rest:
                after = rest[rest.index("install") + 1 :]
                found.append(Install("yum", words, _positional(after)))
        elif tool in _CONDA:
            verbs = [w for w in rest if not w.startswith("-")]
            if verbs and verbs[0] in ("install", "create"):
                after = rest[rest.index(verbs[0]) + 1 :]
                pkgs = []
                skip = False
                for w in after:
                    if skip:
                        skip = False
                        continue
                    if w in ("-n", "--name", "-p", "--prefix", "-c", "--channel", "-f", "--file"):
                        skip = True
                        continue
                    if not w.startswith("-"):
                        pkgs.append(w)
                found.append(Install("conda", words, pkgs))
        elif tool in ("npm", "yarn", "pnpm") and rest[:1] in (["install"], ["ci"], ["add"], ["i"]):
            found.append(Install("npm", words, _positional(rest[1:])))
    return tuple(found)


_REMOVE_VERBS = {
    "apt": ("purge", "remove", "autoremove"),
    "apk": ("del",),
    "yum": ("remove", "erase", "autoremove"),
}


def removed(text: str) -> set[str]:
    """Package (and apk ``--virtual`` group) names a command in ``text`` uninstalls."""
    names: set[str] = set()
    for words in _commands(text):
        tool = words[0].rsplit("/", 1)[-1]
        manager = (
            "apt" if tool in _APT else "apk" if tool == "apk" else "yum" if tool in _YUM else ""
        )
        if not manager:
            continue  # no remove verbs to look for
        verbs = _REMOVE_VERBS[manager]
        hit = next((i for i, w in enumerate(words) if w in verbs), None)
        if hit is not None:
            names.update(package_name(w) for w in words[hit + 1 :] if not w.startswith("-"))
    return names


_BUILD_TOOL_NAMES = {
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "llvm",
    "make",
    "cmake",
    "ninja",
    "ninja-build",
    "build-essential",
    "build-base",
    "autoconf",
    "automake",
    "libtool",
    "pkg-config",
    "pkgconf",
    "git",
    "gfortran",
    "rustc",
    "cargo",
    "golang",
    "golang-go",
    "go",
    "compilers",
    "c-compiler",
    "cxx-compiler",
    "fortran-compiler",
    "gcc_linux-64",
    "gxx_linux-64",
    "gfortran_linux-64",
    "clang_osx-64",
    "binutils",
    "gcc-c++",
    "musl-dev",
    "openjdk-17-jdk",
    "default-jdk",
    "maven",
}


_VERSION_START = re.compile(r"[=<>~!\[ ]")
_VERSIONED_COMPILER = re.compile(r"(gcc|g\+\+|clang|cpp|gfortran)-[0-9.]+")
_CONDA_COMPILER = re.compile(r"(gcc|gxx|gfortran|clang|clangxx)_(linux|osx|win)-[a-z0-9_]+")


def package_name(spec: str) -> str:
    """``gcc=12.2*`` / ``gcc>=1`` / ``conda-forge::gcc`` / ``gcc:amd64`` -> ``gcc``."""
    name = spec.split("::")[-1]
    name = _VERSION_START.split(name, maxsplit=1)[0]
    return name.split(":")[0].lower()


def is_build_tool(spec: str) -> bool:
    """True for compilers, build systems, VCS and development headers."""
    name = package_name(spec)
    if name in _BUILD_TOOL_NAMES:
        return True
    if _VERSIONED_COMPILER.fullmatch(name) or _CONDA_COMPILER.fullmatch(name):
        return True
    return name.endswith(("-dev", "-devel")) or name.endswith("-headers")


#: Paths that hold compilers when copied from another stage.
BUILD_TOOL_PATHS = re.compile(
    r"^/usr/(local/)?(bin/(gcc|g\+\+|cc|c\+\+|clang|make|cmake|git|ld|as)(-[0-9.]+)?|lib/gcc|libexec/gcc)(/|$)"
)
