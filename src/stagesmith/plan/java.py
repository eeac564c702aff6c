"""Java plan: Maven or Gradle builder, JRE (never JDK) runtime, Spring Boot layered jars."""

from __future__ import annotations

from pathlib import Path

from stagesmith.config import ImageMap
from stagesmith.plan.combined import (
    APP_UID,
    EcoOptions,
    EcoPlan,
    Stage,
    decide_user,
    finish,
    runtime_user,
)
from stagesmith.spec.java import JavaSpec

#: Where a release is looked for, by build tool (named in the reason when none is found).
RELEASE_SOURCES = {
    "maven": "maven.compiler.release, java.version or maven.compiler.target in pom.xml",
    "gradle": "toolchain, jvmToolchain, release or sourceCompatibility in the build scripts",
}


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
        inputs = ["pom.xml", *(["mvnw"] if spec.wrapper else [])]
        input_dirs = [".mvn/"] if spec.wrapper and root and (root / ".mvn").is_dir() else []
        sub_files = [(f"{m}/pom.xml", f"{m}/") for m in spec.modules]
    else:
        builder = f"gradle:8-jdk{release}"
        tool = "./gradlew" if spec.wrapper else "gradle"
        # In a multi-project build the tasks of the application subproject only (``:app:``).
        task_prefix = (
            "" if spec.app_module == "." else ":" + spec.app_module.replace("/", ":") + ":"
        )
        deps_cmd = f"{tool} --no-daemon -q {task_prefix}dependencies"
        task = (
            "bootJar" if spec.spring_boot else "installDist" if spec.application_plugin else "jar"
        )
        build_cmd = f"{tool} --no-daemon -q {task_prefix}{task} -x test"
        if task == "installDist":
            lib_dir = f"{module}build/install/*/lib"
        jar_glob = f"{module}build/libs/*.jar"
        cache = "/root/.gradle"
        inputs = [
            *([spec.source] if root is None or (root / spec.source).is_file() else []),
            *(
                n
                for n in ("settings.gradle", "settings.gradle.kts")
                if n != spec.source and root and (root / n).is_file()
            ),
            *(n for n in spec.gradle_inputs if not n.endswith("/")),
            *(["gradlew"] if spec.wrapper else []),
        ]
        input_dirs = [n for n in spec.gradle_inputs if n.endswith("/")]
        if spec.wrapper and "gradle/" not in input_dirs:
            input_dirs.insert(0, "gradle/")
        sub_files = [(b, b.rsplit("/", 1)[0] + "/") for b in spec.subproject_builds]
    runtime = options.runtime_base or f"eclipse-temurin:{release}-jre"
    # Distroless Java images have no shell: their nonroot user (65532) is used as it is.
    no_shell = runtime.startswith("gcr.io/distroless/")
    result = EcoPlan(
        ecosystem="java",
        detected_from=[spec.source],
        template="java.Dockerfile.j2",
        stages=[
            Stage(name="deps", base=images(builder), role="builder"),
            Stage(name="build", base="deps", role="build"),
            Stage(name="runtime", base=images(runtime), role="runtime"),
        ],
        runtime_shell=not no_shell,
        user=runtime_user(no_shell),
        params={
            "name": spec.artifact,
            "inputs": inputs,
            "input_dirs": input_dirs,
            "module_poms": sub_files,
            "uid": APP_UID,
            "create_user": not no_shell,
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
        "builder",
        result.base("builder"),
        f"Java release {release} declared by {spec.java_declared}"
        if spec.java_declared
        else f"no Java release declared ({RELEASE_SOURCES[spec.tool]}): {release} assumed",
    )
    if spec.subprojects:
        result.decide(
            "subprojects",
            ", ".join(spec.subprojects) + f"; the application is {spec.app_module}",
            "include in the settings file; "
            + (
                f"{spec.app_module} applies the application plugin or names the main class"
                if spec.application_plugin or spec.main_class
                else f"{spec.app_module} applies Spring Boot"
                if spec.spring_boot
                else "no subproject applies the application plugin: the root project"
            ),
        )
    if spec.modules:
        result.decide(
            "modules",
            ", ".join(spec.modules) + f"; the application is {spec.app_module}",
            f"<modules> in pom.xml; {spec.app_module} "
            + ("declares the main class" if spec.main_class else "is the last jar module"),
        )
    copied = [*inputs, *input_dirs, *(f for f, _ in sub_files)]
    result.decide(
        "dependencies",
        deps_cmd,
        f"resolved from {', '.join(copied)} alone, before the sources are copied; {cache} is "
        "a cache mount",
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
        "requested with --runtime-base; the JDK, Maven and Gradle stay in the builder"
        if options.runtime_base
        else "a JRE runs the jar; the JDK, Maven and Gradle stay in the builder",
    )
    if spec.spring_boot:
        result.decide(
            "layout",
            "Spring Boot layered jar (dependencies, loader, snapshots, application)",
            f"Spring Boot {spec.spring_boot_version or '(version unknown)'} detected: dependency layers stay cached when only the application changes; launcher {boot_launcher(spec.spring_boot_version)}",
        )
        result.decide(
            "entrypoint",
            f"java {boot_launcher(spec.spring_boot_version)}",
            "the extracted layers are on the launcher's classpath (no -jar, no fat jar to unpack)",
        )
    elif spec.main_class:
        classpath = "/app/app.jar" + (":/app/lib/*" if lib_dir is not None else "")
        result.decide(
            "entrypoint",
            f"java -cp {classpath} {spec.main_class}",
            "main class declared in the build file",
        )
    else:
        result.decide(
            "entrypoint",
            "java -jar /app/app.jar",
            "no main class declared: the jar manifest must name one",
        )
    decide_user(result, options, no_shell)
    return finish(result, options)
