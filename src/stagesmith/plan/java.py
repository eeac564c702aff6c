"""Java plan: Maven or Gradle builder, JRE (never JDK) runtime, Spring Boot layered jars."""

from __future__ import annotations

from pathlib import Path

from stagesmith.config import ImageMap
from stagesmith.plan.combined import EcoOptions, EcoPlan, Stage, finish
from stagesmith.spec.java import JavaSpec


def boot_launcher(version: str | None) -> str:
    """Spring Boot 3.2 moved the launcher to ``loader.launch``; older jars keep ``loader``."""
    try:
        major, minor = (int(x) for x in (version or "3.2").split(".")[:2])
    except ValueError:
        return "org.springframework.boot.loader.launch.JarLauncher"
    if (major, minor) >= (3, 2):
        return "org.springframework.boot.loader.launch.JarLauncher"
    return "org.springframework.boot.loader.JarLauncher"


def plan(
    spec: JavaSpec, images: ImageMap, options: EcoOptions, root: Path | None = None
) -> EcoPlan:
    release = spec.java_version
    if spec.tool == "maven":
        builder = f"maven:3-eclipse-temurin-{release}"
        tool = "./mvnw" if spec.wrapper else "mvn"
        deps_cmd = f"{tool} -B -q dependency:resolve"
        build_cmd = f"{tool} -B -q -DskipTests package"
        jar_glob = "target/*.jar"
        cache = "/root/.m2"
        inputs = ["pom.xml", *([".mvn/", "mvnw"] if spec.wrapper else [])]
    else:
        builder = f"gradle:8-jdk{release}"
        tool = "./gradlew" if spec.wrapper else "gradle"
        deps_cmd = f"{tool} --no-daemon -q dependencies"
        build_cmd = f"{tool} --no-daemon -q {'bootJar' if spec.spring_boot else 'jar'} -x test"
        jar_glob = "build/libs/*.jar"
        cache = "/root/.gradle"
        inputs = [
            spec.source,
            *(
                n
                for n in ("settings.gradle", "settings.gradle.kts")
                if root and (root / n).is_file()
            ),
        ]
        inputs += ["gradle/", "gradlew"] if spec.wrapper else []
    runtime = options.runtime_base or f"eclipse-temurin:{release}-jre"
    result = EcoPlan(
        ecosystem="java",
        detected_from=[spec.source],
        template="java.Dockerfile.j2",
        stages=[
            Stage(name="deps", base=images(builder), role="builder"),
            Stage(name="build", base="deps", role="build"),
            Stage(name="runtime", base=images(runtime), role="runtime"),
        ],
        user="app",
        params={
            "name": spec.artifact,
            "inputs": inputs,
            "deps_cmd": deps_cmd,
            "build_cmd": build_cmd,
            "jar_glob": jar_glob,
            "cache": cache,
            "spring_boot": spec.spring_boot,
            "main_class": spec.main_class,
            "launcher": boot_launcher(spec.spring_boot_version),
        },
        dockerignore=["target/", "build/", ".gradle/", "*.iml", ".idea/"],
    )
    result.decide(
        "build tool", f"{spec.tool}{' (wrapper)' if spec.wrapper else ''}", f"{spec.source} found"
    )
    result.decide(
        "builder", result.base("builder"), f"Java release {release} declared by {spec.source}"
    )
    result.decide(
        "dependencies",
        deps_cmd,
        f"resolved from {inputs[0]} alone, before sources are copied; {cache} is a cache mount",
    )
    result.decide(
        "runtime",
        result.base("runtime"),
        "a JRE runs the jar; the JDK, Maven and Gradle stay in the builder",
    )
    if spec.spring_boot:
        result.decide(
            "layout",
            "Spring Boot layered jar (dependencies, loader, snapshots, application)",
            f"Spring Boot {spec.spring_boot_version or '(version unknown)'} detected: dependency layers stay cached when only the application changes; launcher {boot_launcher(spec.spring_boot_version)}",
        )
    elif spec.main_class:
        result.decide(
            "entrypoint",
            f"java -cp app.jar {spec.main_class}",
            "main class declared in the build file",
        )
    else:
        result.decide(
            "entrypoint",
            "java -jar app.jar",
            "no main class declared: the jar manifest must name one",
        )
    return finish(result, options)
