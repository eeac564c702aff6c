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


def detect(root: Path) -> bool:
    return any((root / n).is_file() for n in ("pom.xml", "build.gradle", "build.gradle.kts"))


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
        release = (
            props.get("maven.compiler.release")
            or props.get("java.version")
            or props.get("maven.compiler.target")
            or "17"
        )
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
            main_class=app_props.get("main.class") or app_props.get("start-class"),
            modules=modules,
            app_module=app_module,
            spring_boot="spring-boot" in raw,
            spring_boot_version=_boot_parent_version(tree),
            wrapper=(root / "mvnw").is_file(),
        )
    name = "build.gradle.kts" if (root / "build.gradle.kts").is_file() else "build.gradle"
    text = (root / name).read_text(encoding="utf-8", errors="replace")
    found = re.search(r"languageVersion\s*(?:=|\.set\()\s*JavaLanguageVersion\.of\((\d+)\)", text)
    boot = re.search(r"org\.springframework\.boot[\"')]*\)?\s*version\s*[\"']([\d.]+)", text)
    main = re.search(r"mainClass(?:\.set\(|\s*=\s*)\s*[\"']([\w.]+)[\"']", text)
    return JavaSpec(
        source=name,
        tool="gradle",
        artifact=_gradle_name(root) or root.name,
        application_plugin=bool(
            re.search(r"^\s*(application\b|id\s*\(?\s*[\"']application[\"'])", text, re.M)
        ),
        java_version=found.group(1) if found else "17",
        main_class=main.group(1) if main else None,
        spring_boot="org.springframework.boot" in text,
        spring_boot_version=boot.group(1) if boot else None,
        wrapper=(root / "gradlew").is_file(),
    )


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
