"""File, metadata and default checks over a merged tree, pass and fail for every test kind."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from stagesmith.verify.config import (
    EnvVar,
    FileContentTest,
    FileExistenceTest,
    MetadataTest,
)
from stagesmith.verify.defaults import check_build_tools, check_non_root
from stagesmith.verify.files import expand_env, go_mode_string, run_content, run_existence
from stagesmith.verify.metadata import run_metadata
from stagesmith.verify.report import CheckResult, VerifyReport, to_junit
from stagesmith.verify.view import ImageMeta, Node, TreeView

CONTENT = {
    "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"
    b"admin:x:0:0::/root:/bin/sh\n",
    "/usr/bin/tool": b"#!/bin/sh\necho hi\n",
    "/usr/lib/gcc-real": b"\x7fELF",
}


def _tree() -> TreeView:
    nodes = [
        Node("/etc", "dir", 0o755),
        Node("/etc/passwd", "file", 0o644, size=len(CONTENT["/etc/passwd"])),
        Node("/usr", "dir", 0o755),
        Node("/usr/bin", "dir", 0o755),
        Node("/usr/lib", "dir", 0o755),
        Node("/bin", "symlink", 0o777, linkname="usr/bin"),
        Node("/usr/bin/tool", "file", 0o4750, uid=1000, gid=50),
        Node("/usr/bin/link", "symlink", 0o777, linkname="tool"),
        Node("/usr/bin/abs", "symlink", 0o777, linkname="/usr/bin/tool"),
        Node("/usr/bin/hard", "hardlink", 0o644, linkname="usr/bin/tool"),
        Node("/usr/bin/loop", "symlink", 0o777, linkname="loop"),
        Node("/usr/bin/dangling", "symlink", 0o777, linkname="/nowhere"),
        Node("/tmp", "dir", 0o1777),
        Node("/dev", "dir", 0o755),
        Node("/dev/null", "char", 0o666),
        Node("/run", "dir", 0o755),
        Node("/run/fifo", "fifo", 0o644),
        Node("/srv", "dir", 0o2775, uid=1000, gid=1000),
    ]
    read_calls.clear()

    def read(paths: list[str]) -> dict[str, bytes]:
        read_calls.append(paths)
        return {p: CONTENT[p] for p in paths if p in CONTENT}

    meta = ImageMeta(
        user="app",
        env=["PATH=/usr/local/bin:/usr/bin:/bin", "TOOL=/usr/bin/tool", "EMPTY="],
        cmd=["/usr/bin/tool"],
        labels={"version": "1.2.3"},
        exposed_ports=["8080/tcp", "53/udp"],
        working_dir="/srv",
        volumes=["/data"],
    )
    return TreeView({n.path: n for n in nodes}, meta, read)


read_calls: list[list[str]] = []


@pytest.mark.parametrize(
    ("path", "mode"),
    [
        ("/usr/bin/tool", "urwxr-x---"),
        ("/usr/bin/link", "Lrwxrwxrwx"),
        ("/tmp", "dtrwxrwxrwx"),
        ("/srv", "dgrwxrwxr-x"),
        ("/etc/passwd", "-rw-r--r--"),
        ("/dev/null", "Dcrw-rw-rw-"),
        ("/run/fifo", "prw-r--r--"),
        ("/usr/bin/hard", "urwxr-x---"),
        ("/bin/tool", "urwxr-x---"),
    ],
)
def test_go_mode_strings(path: str, mode: str) -> None:
    view = _tree()
    node = view.lstat(path)
    assert node is not None
    assert go_mode_string(node) == mode


def test_existence_pass_and_fail() -> None:
    view = _tree()
    meta = view.meta
    ok = [
        FileExistenceTest("tool", "/usr/bin/tool", permissions="urwxr-x---", uid=1000, gid=50),
        FileExistenceTest("via env", "${TOOL}", is_executable_by="owner"),
        FileExistenceTest("via env short", "$TOOL"),
        FileExistenceTest("gone", "/nope", should_exist=False, permissions="-rw-r--r--"),
        FileExistenceTest("dangling link exists", "/usr/bin/dangling"),
        FileExistenceTest("through /bin symlink", "/bin/tool", is_executable_by="group"),
        FileExistenceTest("trailing slash", "/usr/bin/"),
        FileExistenceTest("relative", "etc/passwd"),
    ]
    for test in ok:
        result = run_existence(test, view, meta)
        assert result.passed, (test, result.errors)
    bad = {
        "missing": FileExistenceTest("missing", "/nope"),
        "present": FileExistenceTest("present", "/etc/passwd", should_exist=False),
        "perms": FileExistenceTest("perms", "/etc/passwd", permissions="-rwxr-xr-x"),
        "uid": FileExistenceTest("uid", "/usr/bin/tool", uid=0),
        "gid": FileExistenceTest("gid", "/usr/bin/tool", gid=0),
        "exec-other": FileExistenceTest("exec-other", "/usr/bin/tool", is_executable_by="other"),
        "exec-any": FileExistenceTest("exec-any", "/etc/passwd", is_executable_by="any"),
        "through file": FileExistenceTest("through file", "/etc/passwd/x"),
        "loop": FileExistenceTest("loop", "/usr/bin/loop/x"),
    }
    for key, test in bad.items():
        result = run_existence(test, view, meta)
        assert not result.passed, key
        assert result.errors


def test_content_pass_fail_and_one_read_per_file() -> None:
    view = _tree()
    meta = view.meta
    ok = FileContentTest("ok", "/etc/passwd", [r"^root:", r"app:x:1000"], [r"nobody"])
    assert run_content(ok, view, meta).passed
    assert run_content(FileContentTest("link", "/usr/bin/abs", ["echo hi"]), view, meta).passed
    assert run_content(FileContentTest("hard", "/usr/bin/hard", ["echo hi"]), view, meta).passed
    # ^ anchors at the start of the file only, like Go's regexp without (?m)
    assert not run_content(FileContentTest("anchor", "/etc/passwd", ["^app:"]), view, meta).passed
    assert run_content(FileContentTest("multi", "/etc/passwd", ["(?m)^app:"]), view, meta).passed
    excl = run_content(FileContentTest("excl", "/etc/passwd", [], ["admin"]), view, meta)
    assert not excl.passed and "admin" in excl.errors[0]
    assert not run_content(FileContentTest("dir", "/usr/bin", [], ["x"]), view, meta).passed
    assert not run_content(FileContentTest("missing", "/nope", [], ["x"]), view, meta).passed
    assert not run_content(FileContentTest("fifo", "/run/fifo", [], []), view, meta).passed
    sources = [p for call in read_calls for p in call]
    assert sources.count("/etc/passwd") == 1  # cached after the first read


def test_prefetch_reads_many_files_in_one_call() -> None:
    view = _tree()
    view.prefetch(["/etc/passwd", "/usr/bin/link", "/nope", "/usr/bin/hard"])
    assert read_calls == [["/etc/passwd", "/usr/bin/tool"]]
    assert view.read("/bin/link") == CONTENT["/usr/bin/tool"]
    assert len(read_calls) == 1


def test_metadata_all_fields_pass() -> None:
    meta = _tree().meta
    test = MetadataTest(
        env_vars=[EnvVar("PATH", "/usr/bin", True), EnvVar("EMPTY", "")],
        unbound_env_vars=["DEBUG"],
        exposed_ports=["8080", "53/udp", "8080/tcp"],
        unexposed_ports=["22"],
        entrypoint=[],
        cmd=["/usr/bin/tool"],
        workdir="/srv",
        volumes=["/data"],
        unmounted_volumes=["/tmp"],
        labels=[EnvVar("version", r"^1\.2", True)],
        user="app",
    )
    result = run_metadata(test, meta)
    assert result.passed, result.errors
    assert result.name == "Metadata Test"


@pytest.mark.parametrize(
    "test",
    [
        MetadataTest(env_vars=[EnvVar("PATH", "/usr/bin")]),
        MetadataTest(env_vars=[EnvVar("MISSING", "x")]),
        MetadataTest(unbound_env_vars=["TOOL"]),
        MetadataTest(exposed_ports=["9090"]),
        MetadataTest(exposed_ports=["53"], unexposed_ports=["8080"]),
        MetadataTest(entrypoint=["/bin/sh"]),
        MetadataTest(cmd=[]),
        MetadataTest(cmd=["/usr/bin/tool", "-x"]),
        MetadataTest(workdir="/app"),
        MetadataTest(volumes=["/var"]),
        MetadataTest(unmounted_volumes=["/data"]),
        MetadataTest(labels=[EnvVar("version", "1.2")]),
        MetadataTest(labels=[EnvVar("missing", "x")]),
        MetadataTest(user="root"),
    ],
)
def test_metadata_each_field_fails(test: MetadataTest) -> None:
    result = run_metadata(test, _tree().meta)
    assert not result.passed
    assert len(result.errors) == 1


def test_expand_env_like_go() -> None:
    env = {"A": "x", "B_1": "y"}
    assert expand_env("$A/${B_1}/$C/${D}/z", env) == "x/y/$C/${D}/z"


def test_build_tools_found_through_path_and_symlinks() -> None:
    view = _tree()
    assert check_build_tools(view, view.meta).passed
    nodes = dict(view.nodes)
    nodes["/usr/bin/x86_64-linux-gnu-gcc-12"] = Node(
        "/usr/bin/x86_64-linux-gnu-gcc-12", "file", 0o755
    )
    nodes["/usr/bin/gcc"] = Node("/usr/bin/gcc", "symlink", linkname="x86_64-linux-gnu-gcc-12")
    nodes["/usr/bin/cc"] = Node(
        "/usr/bin/cc", "symlink", linkname="/etc/alternatives/cc"
    )  # dangling
    nodes["/usr/bin/makeself"] = Node("/usr/bin/makeself", "file", 0o755)  # not a build tool
    nodes["/usr/lib/make"] = Node("/usr/lib/make", "file", 0o755)  # not on PATH
    with_tools = TreeView(nodes, view.meta, lambda paths: {})
    result = check_build_tools(with_tools, view.meta)
    assert not result.passed
    assert result.details["build_tools"] == ["/usr/bin/gcc", "/usr/bin/x86_64-linux-gnu-gcc-12"]


@pytest.mark.parametrize(
    ("user", "passed"),
    [
        ("app", True),
        ("1000:1000", True),
        ("", False),
        ("root", False),
        ("0", False),
        ("0:0", False),
        ("admin", False),
    ],
)
def test_non_root(user: str, passed: bool) -> None:
    view = _tree()
    view.meta.user = user
    assert check_non_root(view, view.meta).passed is passed


def test_junit_is_valid_and_counts_failures() -> None:
    report = VerifyReport("img", "cfg.yaml")
    report.results = [
        CheckResult("fileExistence", "ok", True),
        CheckResult("fileExistence", "bad", False, ["nope \x00 <&>"]),
        CheckResult("command", "cmd", False, ["exit 1"], stdout="out", stderr="err\x1b"),
    ]
    root = ET.fromstring(to_junit(report))
    assert root.tag == "testsuites"
    assert root.get("tests") == "3" and root.get("failures") == "2"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"fileExistence", "command"}
    assert suites["fileExistence"].get("failures") == "1"
    failures = {c.get("name"): c.find("failure") for c in root.iter("testcase")}
    assert failures["ok"] is None
    assert failures["bad"] is not None and failures["bad"].get("message") == "nope  <&>"
    assert failures["cmd"] is not None and failures["cmd"].get("type") == "command"
    assert root.find(".//testcase/system-out").text == "out"  # type: ignore[union-attr]
    assert report.exit_code == 1
    assert report.to_dict()["fail"] == 2


def test_junit_marks_skipped_and_they_do_not_fail() -> None:
    report = VerifyReport("img.tar", None)
    skipped = CheckResult("default", "command-starts", True)
    skipped.skip("no container engine available to run commands")
    report.results = [skipped, CheckResult("default", "non-root-user", True)]
    root = ET.fromstring(to_junit(report))
    assert root.get("skipped") == "1" and root.get("failures") == "0"
    case = next(c for c in root.iter("testcase") if c.get("name") == "command-starts")
    assert case.find("skipped") is not None and case.find("failure") is None
    assert report.exit_code == 0
    assert (report.passed, report.skipped) == (1, 1)
