"""Findings a new-user QA pass showed wrong: each case on a real layered tar image.

Off-search-path libraries (the JDK's ``lib/server/libjvm.so``), ``.git`` directories and tool
symlinks deleted by whiteouts, ``/etc/passwd`` reached through links, and prose that merely
names a private key's BEGIN line.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from stagesmith.checks.buildtools import BuildToolsCheck
from stagesmith.checks.model import Finding, Severity
from stagesmith.checks.runner import run_checks
from stagesmith.checks.secrets import SecretsCheck
from stagesmith.checks.sharedlibs import SharedLibsCheck
from stagesmith.checks.user import RootUserCheck
from tests.checks.cbuild import build_lib_and_app
from tests.checks.synth import Config, Dir, Entry, Hard, Sym, SynthImage, layer_tar

STUB = b"not an ELF, stands in for a system library" * 2
BASE = {
    "lib64/ld-linux-x86-64.so.2": STUB,
    "lib/x86_64-linux-gnu/libc.so.6": STUB,
}
TOOL = (b"#!/bin/sh\necho a stand-in for a compiler driver\n", 0o755)
PASSWD = b"root:x:0:0:root:/root:/bin/bash\napp:x:10001:10001::/home/app:/bin/sh\n"


class LinkImage(SynthImage):
    """SynthImage whose layers may also hold hard links (``Hard``)."""

    def __init__(self, layers: list[dict[str, Any]], config: Config | None = None) -> None:
        super().__init__([{} for _ in layers], config)
        self.tars = [layer_tar(files) for files in layers]
        self.layers = self.tars

    def walk(self, want: Callable[[Any], bool]) -> Iterator[tuple[int, Any, IO[bytes] | None]]:
        kinds = {tarfile.LNKTYPE: "hardlink", tarfile.SYMTYPE: "symlink", tarfile.DIRTYPE: "dir"}
        for i, raw in enumerate(self.tars):
            with tarfile.open(fileobj=io.BytesIO(raw), mode="r|") as tar:
                for info in tar:
                    entry = Entry(
                        info.name,
                        kinds.get(info.type, "file" if info.isfile() else "other"),
                        info.size,
                        info.mode,
                        info.uid,
                        info.gid,
                        info.linkname,
                    )
                    reader = tar.extractfile(info) if info.isfile() and want(entry) else None
                    yield i, entry, reader


def by_id(findings: list[Finding], fid: str) -> dict[str, Finding]:
    return {f.subject: f for f in findings if f.id == fid}


# -- 1. a needed library present in the image, only not on the search path -----------------


@pytest.fixture(scope="module")
def jdk(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """``libfoo.so`` and an object needing it with RUNPATH ``$ORIGIN`` (libjava/libjvm)."""
    lib, app = build_lib_and_app(tmp_path_factory.mktemp("jdk"), runpath="$ORIGIN")
    return {"lib": lib, "app": app}


def test_library_present_off_the_search_path_is_a_warning_saying_where(
    jdk: dict[str, bytes],
) -> None:
    layer = {
        "usr/lib/jvm/jdk/lib/libjava.so": (jdk["app"], 0o755),
        "usr/lib/jvm/jdk/lib/libzip.so": (jdk["app"], 0o755),
        "usr/lib/jvm/jdk/lib/server/libfoo.so": jdk["lib"],
    }
    found = by_id(run_checks(SynthImage([BASE, layer]), [SharedLibsCheck()]), "missing-library")
    lib = found["libfoo.so"]
    assert lib.severity == Severity.WARNING
    assert lib.paths == ["usr/lib/jvm/jdk/lib/libjava.so", "usr/lib/jvm/jdk/lib/libzip.so"]
    assert lib.evidence["found_at"] == ["/usr/lib/jvm/jdk/lib/server/libfoo.so"]
    assert "/usr/lib/jvm/jdk/lib" in lib.evidence["searched"]
    assert "/usr/lib/jvm/jdk/lib/server/libfoo.so" in lib.message
    assert "loaded first" in lib.message


def test_library_present_nowhere_stays_an_error(jdk: dict[str, bytes]) -> None:
    lower = {
        "usr/lib/jvm/jdk/lib/libjava.so": (jdk["app"], 0o755),
        "usr/lib/jvm/jdk/lib/server/libfoo.so": jdk["lib"],
        "opt/libfoo.so": Sym("/nowhere/libfoo.so"),  # a dangling link of that name is no copy
        "srv/libfoo.so": STUB,  # nor a file of that name that is not an ELF object
    }
    deleted = {"usr/lib/jvm/jdk/lib/.wh.server": b""}
    found = by_id(
        run_checks(SynthImage([BASE, lower, deleted]), [SharedLibsCheck()]), "missing-library"
    )
    assert found["libfoo.so"].severity == Severity.ERROR
    assert "found_at" not in found["libfoo.so"].evidence
    assert "/srv/libfoo.so, which is not an ELF object" in found["libfoo.so"].message


def test_library_reached_by_a_symlink_off_the_search_path(jdk: dict[str, bytes]) -> None:
    layer = {
        "usr/lib/jvm/jdk/lib/libjava.so": (jdk["app"], 0o755),
        "opt/real/libfoo.so.1": jdk["lib"],
        "usr/lib/jvm/jdk/lib/server/libfoo.so": Sym("/opt/real/libfoo.so.1"),
    }
    found = by_id(run_checks(SynthImage([BASE, layer]), [SharedLibsCheck()]), "missing-library")
    assert found["libfoo.so"].severity == Severity.WARNING
    assert found["libfoo.so"].evidence["found_at"] == ["/usr/lib/jvm/jdk/lib/server/libfoo.so"]


def test_library_on_the_search_path_is_no_finding(jdk: dict[str, bytes]) -> None:
    layer = {
        "usr/lib/jvm/jdk/lib/libjava.so": (jdk["app"], 0o755),
        "usr/lib/jvm/jdk/lib/libfoo.so": Sym("server/libfoo.so"),
        "usr/lib/jvm/jdk/lib/server/libfoo.so": jdk["lib"],
    }
    assert run_checks(SynthImage([BASE, layer]), [SharedLibsCheck()]) == []


# -- 2. a .git directory deleted by a later layer --------------------------------------------

GIT = {"src/.git/": Dir(), "src/.git/HEAD": b"ref: refs/heads/main\n", "src/main.py": b"x\n"}


@pytest.mark.parametrize(
    "deletion",
    [{"src/.wh..git": b""}, {"src/.wh..wh..opq": b"", "src/main.py": b"y\n"}, {".wh.src": b""}],
    ids=["whiteout", "opaque-parent", "parent-whiteout"],
)
def test_deleted_git_dir_is_reported_as_deleted_but_still_shipped(
    deletion: dict[str, Any],
) -> None:
    found = by_id(run_checks(SynthImage([GIT, deletion]), [SecretsCheck()]), "git-dir")
    git = found["src/.git"]
    assert git.evidence == {"deleted": True}
    assert git.layer == 0
    assert "deleted later, but still in layer 0" in git.message


def test_live_git_dir_even_without_a_directory_entry() -> None:
    implied = {"app/.git/HEAD": b"ref: refs/heads/main\n"}
    for layers in ([GIT], [GIT, {"src/other.txt": b"z\n"}], [implied]):
        (git,) = by_id(run_checks(SynthImage(layers), [SecretsCheck()]), "git-dir").values()
        assert git.evidence == {"deleted": False}
        assert "deleted" not in git.message
    # deleted, then copied in again by a later layer: present
    again = [GIT, {"src/.wh..git": b""}, {"src/.git/HEAD": b"ref: refs/heads/dev\n"}]
    git = by_id(run_checks(SynthImage(again), [SecretsCheck()]), "git-dir")["src/.git"]
    assert git.evidence == {"deleted": False}


# -- 3. tool symlinks whose target is gone ---------------------------------------------------


def test_dangling_tool_symlink_is_not_a_tool() -> None:
    tools = {"usr/bin/gcc": TOOL, "usr/bin/g++": Sym("gcc"), "usr/bin/c++": Sym("/usr/bin/g++")}
    present = by_id(run_checks(SynthImage([tools]), [BuildToolsCheck()]), "build-tool")
    assert set(present) == {"gcc", "g++", "c++"}
    gone = SynthImage([tools, {"usr/bin/.wh.gcc": b""}])
    assert by_id(run_checks(gone, [BuildToolsCheck()]), "build-tool") == {}


def test_tool_symlink_loop_is_not_a_tool() -> None:
    loop = {"usr/bin/cc": Sym("c++"), "usr/bin/c++": Sym("cc"), "usr/bin/make": TOOL}
    found = by_id(run_checks(SynthImage([loop]), [BuildToolsCheck()]), "build-tool")
    assert set(found) == {"make"}


# -- 4. /etc/passwd through symlinks and hard links ------------------------------------------


@pytest.mark.parametrize(
    "layers",
    [
        [{"usr/etc/passwd": PASSWD, "etc/passwd": Sym("../usr/etc/passwd")}],
        [{"usr/etc/passwd": PASSWD, "etc/passwd": Sym("/usr/etc/passwd")}],
        [{"etc": Sym("usr/etc"), "usr/etc/passwd": PASSWD}],
        [{"private/etc/passwd": PASSWD}, {"etc": Sym("/private/etc")}],
        [{"etc/passwd-": PASSWD, "etc/passwd": Hard("etc/passwd-")}],
        [
            {"usr/share/base-passwd/passwd.master": PASSWD},
            {"etc/passwd": Sym("/usr/share/base-passwd/passwd.master")},
        ],
    ],
    ids=["relative", "absolute", "etc-symlink", "etc-symlink-later", "hardlink", "master"],
)
def test_passwd_is_read_through_links(layers: list[dict[str, Any]]) -> None:
    assert run_checks(LinkImage(layers, Config(user="app")), [RootUserCheck()]) == []
    ghost = run_checks(LinkImage(layers, Config(user="ghost")), [RootUserCheck()])
    assert [(f.id, f.severity) for f in ghost] == [("unknown-user", Severity.ERROR)]


def test_passwd_link_to_a_file_not_read_is_not_a_start_failure() -> None:
    layer = {"srv/users.db": PASSWD, "etc/passwd": Sym("/srv/users.db")}
    (finding,) = run_checks(LinkImage([layer], Config(user="app")), [RootUserCheck()])
    assert finding.id == "unknown-user" and finding.severity == Severity.INFO
    assert "fail to start" not in finding.message and "/srv/users.db" in finding.message


def test_dangling_or_replaced_passwd_links() -> None:
    dangling = {"etc/passwd": Sym("/usr/etc/passwd")}
    (finding,) = run_checks(LinkImage([dangling], Config(user="app")), [RootUserCheck()])
    assert finding.id == "unknown-user" and "no /etc/passwd" in finding.message
    # the symlink's target replaced by a later layer: the later content counts
    moved = [
        {"usr/etc/passwd": PASSWD, "etc/passwd": Sym("/usr/etc/passwd")},
        {"usr/etc/passwd": b"root:x:0:0::/root:/bin/sh\n"},
    ]
    (finding,) = run_checks(LinkImage(moved, Config(user="app")), [RootUserCheck()])
    assert finding.id == "unknown-user" and finding.severity == Severity.ERROR
    # /usr/bin/passwd (the tool) is not a passwd file
    tool = {"usr/bin/passwd": (PASSWD, 0o4755), "etc/passwd": Sym("/usr/bin/passwd")}
    (finding,) = run_checks(LinkImage([tool], Config(user="app")), [RootUserCheck()])
    assert finding.severity == Severity.INFO


# -- 5. private keys need key material -------------------------------------------------------


def secrets(layer: dict[str, Any]) -> dict[str, str]:
    found = run_checks(SynthImage([layer], Config(user="1")), [SecretsCheck()])
    return {f.subject: f.evidence["kind"] for f in found if f.id == "secret"}


def test_prose_and_placeholders_naming_a_private_key_are_not_secrets() -> None:
    layer = {
        "app/notes.txt": b"Paste the key that starts with -----BEGIN PRIVATE KEY----- here.\n",
        "app/docs.md": (
            b"# Setup\n\n```\n-----BEGIN RSA PRIVATE KEY-----\n...\n"
            b"-----END RSA PRIVATE KEY-----\n```\n"
            b"or inline: -----BEGIN OPENSSH PRIVATE KEY----- ... -----END OPENSSH PRIVATE KEY-----\n"
        ),
        "app/sample.pem": b"-----BEGIN EC PRIVATE KEY-----\n<your key here>\n-----END EC PRIVATE KEY-----\n",
        "app/short.pem": b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN...\n-----END PRIVATE KEY-----\n",
    }
    assert secrets(layer) == {}


def test_key_material_in_pem_pgp_crlf_and_json_escapes_is_a_secret() -> None:
    body = b"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCqdAakWzeuBN3v"
    pgp = (
        b"-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\nComment: test\n\n"
        + body
        + b"\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n"
    )
    layer = {
        "srv/a.txt": b"prose first: -----BEGIN PRIVATE KEY-----\n\n-----BEGIN PRIVATE KEY-----\n"
        + body
        + b"\n-----END PRIVATE KEY-----\n",
        "srv/b.asc": pgp,
        "srv/c.pem": b"-----BEGIN RSA PRIVATE KEY-----\r\n" + body + b"\r\n-----END RSA "
        b"PRIVATE KEY-----\r\n",
        "srv/d.json": b'{"tls": {"key": "-----BEGIN EC PRIVATE KEY-----\\n' + body + b'\\n"}}',
        "srv/e.yaml": b"tls:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    Proc-Type: 4,"
        b"ENCRYPTED\n    DEK-Info: AES-128-CBC,23F64374CA26C73C\n\n    " + body + b"\n",
    }
    assert secrets(layer) == dict.fromkeys(layer, "private-key")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def test_generated_keys_still_match(tmp_path: Path) -> None:
    ssh = _tool("ssh-keygen")
    subprocess.run(
        [ssh, "-q", "-t", "ed25519", "-N", "", "-C", "qa", "-f", str(tmp_path / "ed")],
        check=True,
    )
    layer = {"srv/deploy-ed25519": (tmp_path / "ed").read_bytes()}
    openssl = shutil.which("openssl")
    if openssl is not None:
        rsa, enc = tmp_path / "rsa.pem", tmp_path / "enc.pem"
        subprocess.run(
            [
                openssl,
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                str(rsa),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                openssl,
                "rsa",
                "-in",
                str(rsa),
                "-traditional",
                "-aes128",
                "-passout",
                "pass:qa",
                "-out",
                str(enc),
            ],
            check=True,
            capture_output=True,
        )
        assert b"Proc-Type: 4,ENCRYPTED" in enc.read_bytes()
        layer |= {"srv/rsa.pem": rsa.read_bytes(), "srv/enc.key": enc.read_bytes()}
    found = run_checks(SynthImage([layer], Config(user="1")), [SecretsCheck()])
    kinds = {f.subject: (f.evidence["kind"], f.title) for f in found if f.id == "secret"}
    assert set(kinds) == set(layer)
    assert all(kind == "private-key" for kind, _ in kinds.values())
    assert "OPENSSH" in kinds["srv/deploy-ed25519"][1]
    if openssl is not None:
        assert "PKCS#8" in kinds["srv/rsa.pem"][1] and "RSA" in kinds["srv/enc.key"][1]


# -- all five through the real archive reader ------------------------------------------------


def test_qa_cases_through_the_image_reader(tmp_path: Path) -> None:
    from stagesmith.image import open_image
    from tests.archives import dir_, file, hardlink, oci_archive, opaque, symlink, whiteout

    layers = [
        [
            dir_("etc"),
            file("etc/passwd-", PASSWD),
            hardlink("etc/passwd", "etc/passwd-"),
            file("usr/bin/gcc", *TOOL),
            symlink("usr/bin/g++", "gcc"),
            dir_("src"),
            dir_("src/.git"),
            file("src/.git/HEAD", b"ref: refs/heads/main\n"),
            dir_("app"),
            dir_("app/.git"),
            file("app/.git/HEAD", b"ref: refs/heads/main\n"),
            file("app/notes.txt", b"Keys look like -----BEGIN PRIVATE KEY----- then base64.\n"),
        ],
        [whiteout("usr/bin/gcc"), whiteout("src/.git"), opaque("app"), file("app/x", b"1\n")],
    ]
    archive = oci_archive(tmp_path / "qa.tar", layers, config={"User": "app"})
    with open_image(str(archive)) as image:
        found = run_checks(image)
    assert {(f.id, f.subject): f.evidence for f in found} == {
        ("git-dir", "app/.git"): {"deleted": True},
        ("git-dir", "src/.git"): {"deleted": True},
    }
