"""One ``stagesmith build``: what to build, with which metadata, and what happens after.

The CLI collects flags into a :class:`BuildJob`; :func:`run_job` builds to an image ID, tags
only after success, then optionally saves an archive (atomically, never over an existing file
without ``force``) and pushes. Temporary files (a generated Dockerfile, its ignore file) live in
a temporary directory that is always removed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from stagesmith.engine.base import (
    SAVE_FORMATS,
    BuildFailure,
    BuildRequest,
    BuildResult,
    Engine,
    LineCallback,
    SaveFormat,
    _noop,
)
from stagesmith.errors import Failure, StagesmithError
from stagesmith.fsutil import check_writable


def rfc3339_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date_tag() -> str:
    """Absconda's default tag: the UTC date as YYYYMMDD."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d")


def vcs_ref(directory: Path) -> str | None:
    """The commit the context is at, or None outside a git work tree."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


_ARG_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:=|$)")


def declared_args(dockerfile_text: str) -> set[str]:
    """Every name an ``ARG`` instruction declares; one instruction may declare several
    (``ARG BUILD_DATE VCS_REF=unknown``), and may continue over ``\\`` lines."""
    text = re.sub(r"\\[ \t]*\r?\n", " ", dockerfile_text)
    names: set[str] = set()
    for line in text.splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) != 2 or parts[0].upper() != "ARG":
            continue
        try:
            words = shlex.split(parts[1], comments=True)
        except ValueError:
            words = parts[1].split()
        for word in words:
            match = _ARG_NAME.match(word)
            if match:
                names.add(match.group(1))
    return names


def automatic_build_args(dockerfile_text: str, context: Path) -> dict[str, str]:
    """BUILD_DATE / VCS_REF, for the ones the Dockerfile declares (no unused-arg warnings)."""
    declared = declared_args(dockerfile_text)
    args: dict[str, str] = {}
    if "BUILD_DATE" in declared:
        args["BUILD_DATE"] = rfc3339_now()
    if "VCS_REF" in declared:
        ref = vcs_ref(context)
        if ref:
            args["VCS_REF"] = ref
    return args


def stamp_labels(context: Path, args: dict[str, str]) -> dict[str, str]:
    """OCI created/revision labels, applied by the engine at commit time.

    The Dockerfile's own ``LABEL ...=$BUILD_DATE`` is not enough: podman 4.3 with ``--layers``
    reuses a cached later-stage layer even when an ARG it reads changed, so the label would
    show the date and commit of an older build. An engine-level ``--label`` carries its value
    in the instruction itself and is always current.
    """
    labels = {"org.opencontainers.image.created": args.get("BUILD_DATE") or rfc3339_now()}
    ref = args.get("VCS_REF") or vcs_ref(context)
    if ref:
        labels["org.opencontainers.image.revision"] = ref
    return labels


_SLUG = re.compile(r"[^a-z0-9._-]+")
#: The image-reference grammar (distribution/reference): a path component, and a registry host.
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN = re.compile(
    r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
    r"(?:\.(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*(?::[0-9]+)?"
    r"|\[[0-9A-Fa-f:.]+\](?::[0-9]+)?"
)


def check_repository(repository: str) -> None:
    """Refuse a repository no engine would tag (uppercase, spaces, a tag or digest in it)."""
    parts = repository.split("/")
    first = parts[0]
    has_domain = len(parts) > 1 and ("." in first or ":" in first or first == "localhost")
    path = parts[1:] if has_domain else parts
    ok = (
        len(repository) <= 255
        and bool(path)
        and (not has_domain or bool(_DOMAIN.fullmatch(first)))
        and all(_PATH_COMPONENT.fullmatch(part) for part in path)
    )
    if not ok:
        hint = " (put the tag in --tag)" if ":" in parts[-1] or "@" in repository else ""
        raise StagesmithError(
            f"invalid repository {repository!r}: lowercase letters, digits and '.', '_', '-' "
            f"separators in '/'-separated parts, optionally after a registry host[:port]/{hint}"
        )


def slugify(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-._") or "image"


def image_reference(
    repository: str | None,
    tag: str | None,
    *,
    name: str,
    settings: dict[str, object],
) -> str:
    """``repository:tag`` as Absconda forms it.

    ``repository`` defaults to ``<registry>/<organization>/<name>`` from the ``build:`` config
    section (or just ``<organization>/<name>`` without a registry); ``tag`` to today's date.
    """
    if repository is None:
        configured = settings.get("repository")
        org = settings.get("organization")
        if isinstance(configured, str) and configured:
            repository = configured
        elif isinstance(org, str) and org:
            registry = settings.get("registry")
            prefix = f"{registry}/" if isinstance(registry, str) and registry else ""
            repository = f"{prefix}{org}/{slugify(name)}"
        else:
            raise StagesmithError(
                "no --repository given and no 'build: organization' (or 'repository') in config"
            )
    check_repository(repository)
    if tag is not None and (not tag or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag)):
        raise StagesmithError(f"invalid --tag {tag!r}: letters, digits, '_', '.', '-' only")
    return f"{repository}:{tag or date_tag()}"


@dataclass
class BuildJob:
    dockerfile_text: str
    context: Path
    image: str
    target: str | None = None
    build_args: dict[str, str] = field(default_factory=dict)
    platform: str | None = None
    network: str | None = None
    cache_from: list[str] = field(default_factory=list)
    cache_to: list[str] = field(default_factory=list)
    no_cache: bool = False
    pull: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    dockerignore: str | None = None
    #: An existing Dockerfile is built in place (BuildKit resolves relative paths next to it).
    dockerfile_path: Path | None = None
    output: Path | None = None
    output_format: SaveFormat = "docker-archive"
    force: bool = False
    push: bool = False
    tls_verify: bool = True


@dataclass
class JobResult:
    build: BuildResult
    image: str
    output: Path | None = None
    pushed: bool = False
    build_args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def check_job(job: BuildJob) -> None:
    """Everything that can be refused before the engine starts."""
    if not job.context.is_dir():
        raise StagesmithError(f"build context {job.context} is not a directory")
    if job.output_format not in SAVE_FORMATS:
        raise StagesmithError(
            f"unknown --output-format {job.output_format!r}: use {', '.join(SAVE_FORMATS)}"
        )
    if job.output is not None:
        check_writable(job.output, job.force)
        if not job.output.parent.is_dir():
            raise StagesmithError(f"directory {job.output.parent} does not exist")


def check_output_format(engine: type[Engine], job: BuildJob) -> None:
    """Refuse an ``--output-format`` the engine cannot write, before anything is built."""
    if job.output is not None and job.output_format not in engine.save_formats:
        raise StagesmithError(
            f"{engine.name} cannot save {job.output_format} (it writes "
            f"{', '.join(engine.save_formats)}): use --engine podman or buildah, "
            "or convert the archive with skopeo"
        )


def run_job(
    engine: Engine,
    job: BuildJob,
    on_line: LineCallback = _noop,
    on_phase: Callable[[str], None] = _noop,
) -> JobResult:
    check_job(job)
    args = {**automatic_build_args(job.dockerfile_text, job.context), **job.build_args}
    labels = {**stamp_labels(job.context, args), **job.labels}
    with tempfile.TemporaryDirectory(prefix="stagesmith-") as tmp:
        dockerfile = job.dockerfile_path
        if dockerfile is None:
            dockerfile = Path(tmp) / "Dockerfile"
            dockerfile.write_text(job.dockerfile_text, encoding="utf-8")
        ignorefile = None
        if job.dockerignore is not None:
            ignorefile = Path(tmp) / "Dockerfile.dockerignore"
            ignorefile.write_text(job.dockerignore, encoding="utf-8")
        request = BuildRequest(
            context=job.context,
            dockerfile=dockerfile,
            tags=[job.image],
            target=job.target,
            build_args=args,
            platform=job.platform,
            network=job.network,
            cache_from=list(job.cache_from),
            cache_to=list(job.cache_to),
            no_cache=job.no_cache,
            pull=job.pull,
            labels=labels,
            ignorefile=ignorefile,
            tls_verify=job.tls_verify,
        )
        try:
            result = engine.build(request, on_line)
        except BuildFailure as exc:
            exc.build_args, exc.labels = args, labels
            raise
    output = None
    if job.output is not None:
        on_phase(f"saving {job.image} to {job.output}")
        try:
            output = _save_atomic(engine, job)
        except StagesmithError as exc:
            raise Failure(f"built and tagged {job.image}, but saving failed: {exc}") from exc
    pushed = False
    if job.push:
        on_phase(f"pushing {job.image}")
        try:
            engine.push(job.image, tls_verify=job.tls_verify)
        except StagesmithError as exc:
            raise Failure(f"built and tagged {job.image}, but the push failed: {exc}") from exc
        pushed = True
    return JobResult(
        build=result,
        image=job.image,
        output=output,
        pushed=pushed,
        build_args=args,
        labels=labels,
    )


def _save_atomic(engine: Engine, job: BuildJob) -> Path:
    assert job.output is not None
    dest = job.output
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        engine.save(job.image, tmp, job.output_format)
        check_writable(dest, job.force)
        if dest.is_dir() and job.force:
            raise StagesmithError(f"{dest} is a directory")
        os.replace(tmp, dest)
    finally:
        if tmp.is_dir():
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
    return dest
