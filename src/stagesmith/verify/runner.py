"""``run_verify``: open the image once, run every test in CST's order, then the built-in checks.

Order of results: command tests, file existence, file content, metadata (as
container-structure-test reports them), then the defaults (``no-build-tools``,
``non-root-user``, ``command-starts``). Defaults run when there is no config, or when asked.
"""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from stagesmith.errors import StagesmithError
from stagesmith.image import Image, open_image
from stagesmith.verify.commands import run_command_test
from stagesmith.verify.config import VerifyConfig, load_verify_config
from stagesmith.verify.defaults import check_build_tools, check_non_root, check_starts
from stagesmith.verify.engine_api import EngineLike
from stagesmith.verify.files import run_content, run_existence
from stagesmith.verify.metadata import run_metadata
from stagesmith.verify.report import CheckResult, VerifyReport
from stagesmith.verify.source import archive_kind, view_from_image
from stagesmith.verify.view import TreeView


def _open_image(
    stack: ExitStack,
    image: str,
    platform: str | None,
    engine: EngineLike | None,
    archive: Path | None = None,
) -> Image:
    """Open an archive directly; export an engine image to a docker-archive first.

    The export goes through our engine adapter rather than the reader's own ``save``, so the
    chosen engine and remote builders are honoured. docker-archive, not an OCI layout: its
    layers stay uncompressed, which is several times faster to write and to read.
    """
    if archive is not None:
        return stack.enter_context(open_image(archive, platform=platform))
    path = Path(image)
    if engine is not None and not (path.exists() and archive_kind(path)):
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stagesmith-verify-")))
        archive = engine.save(image, tmp / "image.tar", "docker-archive")
        return stack.enter_context(open_image(archive, platform=platform))
    return stack.enter_context(open_image(image, platform=platform))


#: What to install when no engine is usable (same wording as ``stagesmith build``).
INSTALL_HINT = (
    "install podman (apt-get install podman), or docker with a running daemon "
    "(apt-get install docker.io), or buildah (apt-get install buildah)"
)
_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.zst", ".oci", ".oci.tar")


def looks_like_path(image: str) -> bool:
    """An argument that names a file, not an image: ``./x``, ``/x``, ``~/x`` or an archive
    suffix. Image references never start with ``.``, ``/`` or ``~``."""
    return image.startswith(("/", "./", "../", "~")) or image.lower().endswith(_ARCHIVE_SUFFIXES)


def _runnable_ref(image: str, engine: EngineLike | None) -> tuple[str | None, str]:
    """How the engine names ``image`` for ``run``, or None and why it cannot run it."""
    path = Path(image)
    kind = archive_kind(path) if path.exists() else None
    if kind is None:
        if engine is None:
            return None, f"no container engine available to run commands: {INSTALL_HINT}"
        return image, ""
    if engine is None:
        return None, f"{image} is an archive and no container engine is available: {INSTALL_HINT}"
    if engine.container_engine().name != "podman":
        return None, f"{engine.name} cannot run an archive directly; load it first"
    return f"{kind}:{path.resolve()}", ""


def _resolve_engine(engine: EngineLike | str | None, needed: bool) -> EngineLike | None:
    if engine is None or not isinstance(engine, str):
        return engine
    if not needed:
        return None
    from stagesmith.engine import get_engine

    try:
        return get_engine(engine)
    except StagesmithError:
        if engine != "auto":
            raise
        return None


def run_verify(
    image: str | os.PathLike[str],
    config: VerifyConfig | str | os.PathLike[str] | None = None,
    *,
    engine: EngineLike | str | None = "auto",
    defaults: bool | None = None,
    platform: str | None = None,
    timeout: float = 60.0,
    start_grace: float = 5.0,
    archive: Path | None = None,
) -> VerifyReport:
    """Verify ``image`` (an engine image name or an archive path) against ``config``.

    ``engine`` is an adapter, an engine name (``"auto"`` picks one, and finding none only
    skips what needs a container), or None for file/metadata tests only. ``archive`` is an
    export of ``image`` already on disk (``build --check`` saves once): file and metadata tests
    read it instead of exporting the image again. Bad input raises
    ``StagesmithError``; failed tests are in the report (``report.exit_code`` is 1).
    """
    started = time.monotonic()
    if config is not None and not isinstance(config, VerifyConfig):
        config = load_verify_config(Path(config))
    run_defaults = config is None if defaults is None else defaults
    cfg = config or VerifyConfig(source="")
    name = os.fspath(image)
    if looks_like_path(name) and not Path(name).expanduser().exists():
        raise StagesmithError(f"image archive {name} not found")
    is_archive = Path(name).exists() and archive_kind(Path(name)) is not None
    needs_engine = bool(cfg.command_tests) or run_defaults or not is_archive
    eng = _resolve_engine(engine, needs_engine)
    if not is_archive and eng is None:
        raise StagesmithError(
            f"{name} is not an image archive and no container engine is available: {INSTALL_HINT}"
        )
    report = VerifyReport(image=name, config=cfg.source or None, warnings=list(cfg.warnings))

    with ExitStack() as stack:
        opened = _open_image(stack, name, platform, eng, archive)
        view: TreeView = view_from_image(opened)
        meta = view.meta
        view.prefetch([t.path for t in cfg.file_content_tests] + ["/etc/passwd"])
        ref, why_not = _runnable_ref(name, eng)

        for test in cfg.command_tests:
            if ref is None or eng is None:
                result = CheckResult("command", test.name, True)
                result.skip(why_not)
            else:
                result = run_command_test(
                    test,
                    ref,
                    eng,
                    meta.env_map(),
                    cfg.global_env_vars,
                    cfg.run_options,
                    timeout,
                    dict(os.environ),
                )
            report.results.append(result)
        for existence in cfg.file_existence_tests:
            report.results.append(run_existence(existence, view, meta))
        for content in cfg.file_content_tests:
            report.results.append(run_content(content, view, meta))
        if not cfg.metadata_test.is_empty():
            report.results.append(run_metadata(cfg.metadata_test, meta))
        if run_defaults:
            report.results.append(check_build_tools(view, meta))
            report.results.append(check_non_root(view, meta))
            if ref is None or eng is None:
                skipped = CheckResult("default", "command-starts", True)
                skipped.skip(why_not)
                report.results.append(skipped)
            else:
                report.results.append(check_starts(eng, ref, meta, start_grace))
    report.duration = time.monotonic() - started
    return report
