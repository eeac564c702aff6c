"""Java projects: Maven (``pom.xml``) or Gradle (``build.gradle[.kts]``), Java release, Spring Boot."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from stagesmith.errors import StagesmithError

_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


class JavaSpec(BaseModel):
    """Build tool, artifact, Java release and main class as declared by the project."""

    source: str
    tool: Literal["maven", "gradle"]
    artifact: str
    version: str = ""
    java_version: str = "17"
    #: Where the Java release came from (``None``: nothing declares one, 17 is assumed).
    java_declared: str | None = None
    main_class: str | None = None
    spring_boot: bool = False
    spring_boot_version: str | None = None
    wrapper: bool = False
    #: Maven ``<modules>`` (directories holding a ``pom.xml``), in reactor order.
    modules: list[str] = []
    #: Directory of the module that produces the runnable jar (``.`` = the root project).
    app_module: str = "."
    #: Gradle ``application`` plugin: ``installDist`` gives the jar and its runtime classpath.
    application_plugin: bool = False
    #: Gradle subprojects (``include`` in the settings file), as directories.
    subprojects: list[str] = []
    #: Build files of the subprojects that have one (copied before the dependency step).
    subproject_builds: list[str] = []
    #: Gradle build inputs besides the build files, present in the project (copied before the
    #: dependency step): ``gradle/`` (version catalog, wrapper), ``gradle.properties``,
    #: ``buildSrc/``.
    gradle_inputs: list[str] = []


#: A Gradle build is marked by a build script, or (multi-project builds) only a settings file.
MARKERS = (
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
)


def detect(root: Path) -> bool:
    return any((root / n).is_file() for n in MARKERS)


def _text(node: ET.Element, path: str) -> str | None:
    found = node.find(path, _NS)
    return found.text.strip() if found is not None and found.text else None


def read(root: Path) -> JavaSpec:
    pom = root / "pom.xml"
    if pom.is_file():
        try:
            tree = ET.parse(pom).getroot()
        except (OSError, ET.ParseError) as exc:
            raise StagesmithError(f"{pom}: cannot parse: {exc}") from exc
        props = {
            el.tag.split("}")[-1]: (el.text or "").strip()
            for el in tree.findall("m:properties/*", _NS)
        }
        key = next(
            (
                k
                for k in ("maven.compiler.release", "java.version", "maven.compiler.target")
                if props.get(k)
            ),
            None,
        )
        release = props[key] if key else "17"
        raw = pom.read_text(encoding="utf-8", errors="replace")
        modules = _modules(root, tree)
        app_module, app_tree, app_props = ".", tree, props
        if modules:
            app_module, app_tree, app_props = _app_module(root, modules)
            app_props = {**props, **app_props}
            raw += "".join(
                (root / m / "pom.xml").read_text(encoding="utf-8", errors="replace")
                for m in modules
            )
        return JavaSpec(
            source="pom.xml",
            tool="maven",
            artifact=_text(app_tree, "m:artifactId") or root.name,
            version=_text(app_tree, "m:version") or _text(tree, "m:version") or "",
            java_version=release.removeprefix("1."),
            java_declared=f"pom.xml <{key}>" if key else None,
            main_class=app_props.get("main.class") or app_props.get("start-class"),
            modules=modules,
            app_module=app_module,
            spring_boot="spring-boot" in raw,
            spring_boot_version=_boot_parent_version(tree),
            wrapper=(root / "mvnw").is_file(),
        )
    return _read_gradle(root)


#: Ways a Gradle build declares its Java release, most specific first.
_GRADLE_RELEASE = (
    ("toolchain", re.compile(r"JavaLanguageVersion\.of\(\s*[\"']?(\d+)[\"']?\s*\)")),
    ("jvmToolchain", re.compile(r"\bjvmToolchain\(\s*(\d+)\s*\)")),
    ("options.release", re.compile(r"\brelease(?:\.set\(|\s*=\s*)\s*(\d+)")),
    (
        "sourceCompatibility",
        re.compile(
            r"\b(?:source|target)Compatibility(?:\.set\(|\s*=\s*)\s*"
            r"(?:JavaVersion\.VERSION_(?:1_)?(\d+)|[\"']?(?:1\.)?(\d+)[\"']?)"
        ),
    ),
)
_APPLICATION = re.compile(
    r"^\s*(application\b|id\s*\(?\s*[\"']application[\"']|apply\s+plugin:\s*[\"']application[\"'])",
    re.M,
)
_MAIN_CLASS = re.compile(r"mainClass(?:Name)?(?:\.set\(|\s*=\s*)\s*[\"']([\w.$]+)[\"']")
_BOOT = re.compile(r"org\.springframework\.boot[\"')]*\)?\s*version\s*[\"']([\d.]+)")


def _build_file(directory: Path) -> Path | None:
    for name in ("build.gradle.kts", "build.gradle"):
        if (directory / name).is_file():
            return directory / name
    return None


def _gradle_release(text: str) -> tuple[str, str] | None:
    """(release, how it is declared) from a Gradle build script, or None."""
    for how, pattern in _GRADLE_RELEASE:
        found = pattern.search(text)
        if found:
            return next(g for g in found.groups() if g), how
    return None


def _read_gradle(root: Path) -> JavaSpec:
    """A Gradle build: the root script, and with ``include`` in the settings the subprojects.

    The application subproject is the one applying the ``application`` plugin (or naming a
    main class), else the one applying Spring Boot; without subprojects it is the root.
    """
    build = _build_file(root)
    settings = next(
        (n for n in ("settings.gradle.kts", "settings.gradle") if (root / n).is_file()), ""
    )
    source = build.name if build is not None else settings
    texts = {".": build.read_text(encoding="utf-8", errors="replace") if build else ""}
    subprojects = _gradle_includes(root)
    builds: list[str] = []
    for sub in subprojects:
        sub_build = _build_file(root / sub)
        if sub_build is not None:
            builds.append(sub_build.relative_to(root).as_posix())
            texts[sub] = sub_build.read_text(encoding="utf-8", errors="replace")
    app = next(
        (
            d
            for d, t in texts.items()
            if d != "." and (_APPLICATION.search(t) or _MAIN_CLASS.search(t))
        ),
        next((d for d, t in texts.items() if d != "." and "org.springframework.boot" in t), "."),
    )
    text = texts[app]
    # The release may be declared in the application's script or for all projects at the root.
    own = _gradle_release(text)
    declared = own or _gradle_release(texts["."])
    script = source if app == "." else next(b for b in builds if b.startswith(app + "/"))
    where = script if own else source
    everything = "\n".join(texts.values())
    boot = _BOOT.search(everything)
    main = _MAIN_CLASS.search(text)
    return JavaSpec(
        source=source,
        tool="gradle",
        artifact=_gradle_name(root) or (app.rsplit("/", 1)[-1] if app != "." else root.name),
        application_plugin=bool(_APPLICATION.search(text)),
        java_version=declared[0] if declared else "17",
        java_declared=f"{where} ({declared[1]})" if declared else None,
        main_class=main.group(1) if main else None,
        spring_boot="org.springframework.boot" in text,
        spring_boot_version=boot.group(1) if boot else None,
        wrapper=(root / "gradlew").is_file(),
        app_module=app,
        subprojects=subprojects,
        subproject_builds=builds,
        gradle_inputs=[
            n
            for n in ("gradle/", "gradle.properties", "buildSrc/")
            if (root / n.rstrip("/")).exists()
        ],
    )


def _gradle_includes(root: Path) -> list[str]:
    """Subproject directories named by ``include`` in the settings file (``:a:b`` -> ``a/b``)."""
    for name in ("settings.gradle.kts", "settings.gradle"):
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        text = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
        found: list[str] = []
        for line in re.findall(r"^\s*include\b(?!Build)\s*\(?(.*)$", text, re.M):
            for project in re.findall(r"[\"']([^\"']+)[\"']", line):
                directory = project.strip(":").replace(":", "/")
                if directory and directory not in found:
                    found.append(directory)
        return found
    return []


def _boot_parent_version(tree: ET.Element) -> str | None:
    """Spring Boot's version when the POM inherits from ``spring-boot-starter-parent``."""
    if _text(tree, "m:parent/m:artifactId") == "spring-boot-starter-parent":
        return _text(tree, "m:parent/m:version")
    return None


def _parse(pom: Path) -> ET.Element:
    try:
        return ET.parse(pom).getroot()
    except (OSError, ET.ParseError) as exc:
        raise StagesmithError(f"{pom}: cannot parse: {exc}") from exc


def _modules(root: Path, tree: ET.Element) -> list[str]:
    """``<modules>`` entries; a listed module without a ``pom.xml`` is an error (Maven's too)."""
    names = [(el.text or "").strip().rstrip("/") for el in tree.findall("m:modules/m:module", _NS)]
    for name in names:
        if not (root / name / "pom.xml").is_file():
            raise StagesmithError(f"{root / 'pom.xml'}: module {name!r} has no {name}/pom.xml")
    return [n for n in names if n]


def _app_module(root: Path, modules: list[str]) -> tuple[str, ET.Element, dict[str, str]]:
    """The module that builds the application: it names a main class, else the last jar module."""
    parsed = []
    for name in modules:
        tree = _parse(root / name / "pom.xml")
        props = {
            el.tag.split("}")[-1]: (el.text or "").strip()
            for el in tree.findall("m:properties/*", _NS)
        }
        parsed.append((name, tree, props))
    with_main = [m for m in parsed if m[2].get("main.class") or m[2].get("start-class")]
    if with_main:
        return with_main[0]
    jars = [m for m in parsed if (_text(m[1], "m:packaging") or "jar") == "jar"]
    return jars[-1] if jars else parsed[-1]


def _gradle_name(root: Path) -> str | None:
    for name in ("settings.gradle.kts", "settings.gradle"):
        path = root / name
        if path.is_file():
            found = re.search(
                r"rootProject\.name\s*=\s*[\"']([^\"']+)[\"']",
                path.read_text(encoding="utf-8", errors="replace"),
            )
            if found:
                return found.group(1)
    return None
