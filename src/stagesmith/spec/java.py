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
        return JavaSpec(
            source="pom.xml",
            tool="maven",
            artifact=_text(tree, "m:artifactId") or root.name,
            version=_text(tree, "m:version") or "",
            java_version=release.removeprefix("1."),
            main_class=props.get("main.class") or props.get("start-class"),
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
        artifact=root.name,
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
