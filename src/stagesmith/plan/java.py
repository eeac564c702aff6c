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
    module = "" if spec.app_module == "." else spec.app_module + "/"
    lib_dir: str | None = None
    if spec.tool == "maven":
        builder = f"maven:3-eclipse-temurin-{release}"
        tool = "./mvnw" if spec.wrapper else "mvn"
        # Maven 3 cannot resolve a module's dependency on a sibling that is not built yet;
        # --fail-never still fills the cache with everything else, package resolves the rest.
        deps_cmd = f"{tool} -B -q {'--fail-never ' if spec.modules else ''}dependency:resolve"
        build_cmd = f"{tool} -B -q -DskipTests package"
        if not spec.spring_boot:
            build_cmd += (
                " dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/lib"
            )
            lib_dir = f"{module}target/lib"
        jar_glob = f"{module}target/*.jar"
        cache = "/root/.m2"
        inputs = ["pom.xml", *([".mvn/", "mvnw"] if spec.wrapper else [])]
    else:
        builder = f"gradle:8-jdk{release}"
        tool = "./gradlew" if spec.wrapper else "gradle"
        deps_cmd = f"{tool} --no-daemon -q dependencies"
        task = (
            "bootJar" if spec.spring_boot else "installDist" if spec.application_plugin else "jar"
        )
        build_cmd = f"{tool} --no-daemon -q {task} -x test"
        if task == "installDist":
            lib_dir = "build/install/*/lib"
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
            "module_poms": [(f"{m}/pom.xml", f"{m}/") for m in spec.modules],
            "lib_dir": lib_dir,
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
    if spec.modules:
        result.decide(
            "modules",
            ", ".join(spec.modules) + f"; the application is {spec.app_module}",
            f"<modules> in pom.xml; {spec.app_module} "
            + ("declares the main class" if spec.main_class else "is the last jar module"),
        )
    result.decide(
        "dependencies",
        deps_cmd,
        f"resolved from {' and '.join([inputs[0], *(m for m, _ in result.params['module_poms'])])}"
        f" alone, before sources are copied; {cache} is a cache mount",
    )
    if lib_dir is not None:
        result.decide(
            "classpath",
            f"/app/app.jar + /app/lib/* (from {lib_dir})",
            "a plain jar holds no dependencies: runtime jars are copied next to it, in a layer "
            "that changes only when dependencies do",
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
            f"java -cp app.jar:lib/* {spec.main_class}",
            "main class declared in the build file",
        )
    else:
        result.decide(
            "entrypoint",
            "java -jar app.jar",
            "no main class declared: the jar manifest must name one",
        )
    return finish(result, options)
