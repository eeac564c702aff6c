"""Build tools, root user, setuid files and secrets on layered tar images."""

from __future__ import annotations

from stagesmith.checks.model import Finding
from stagesmith.checks.runner import run_checks
from tests.checks.synth import Config, Sym, SynthImage

ELF_LESS = b"#!/bin/sh\necho this is a stand-in for a compiler driver\n"
KEY = (
    b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n"
    b"-----END OPENSSH PRIVATE KEY-----\n"
)
PASSWD = b"root:x:0:0:root:/root:/bin/bash\napp:x:10001:10001::/home/app:/bin/sh\nboss:x:0:0::/:/bin/sh\n"


def ids(findings: list[Finding]) -> set[tuple[str, str]]:
    return {f.key for f in findings}


def test_gcc_present_then_removed_by_a_later_layer() -> None:
    tools = {
        "usr/bin/gcc-12": (ELF_LESS, 0o755),
        "usr/bin/gcc": Sym("gcc-12"),
        "usr/bin/x86_64-linux-gnu-gcc-12": (ELF_LESS, 0o755),
        "opt/conda/bin/x86_64-conda-linux-gnu-gcc": (ELF_LESS, 0o755),
        "usr/bin/make": (ELF_LESS, 0o755),
        "usr/bin/python3": (ELF_LESS, 0o755),
    }
    found = run_checks(SynthImage([tools], Config(user="10001")))
    assert {s for i, s in ids(found) if i == "build-tool"} == {"gcc", "make"}
    gcc = next(f for f in found if f.subject == "gcc")
    assert "opt/conda/bin/x86_64-conda-linux-gnu-gcc" in gcc.paths
    removed = SynthImage(
        [tools, {"usr/bin/.wh.gcc": b"", "usr/bin/.wh.gcc-12": b"", "usr/bin/.wh.make": b""}],
        Config(user="10001"),
    )
    assert {s for i, s in ids(run_checks(removed)) if i == "build-tool"} == {"gcc"}  # conda's


def test_opaque_directory_hides_lower_layers() -> None:
    lower = {"opt/tc/bin/gcc": (ELF_LESS, 0o755)}
    upper = {"opt/tc/bin/.wh..wh..opq": b"", "opt/tc/bin/python": (ELF_LESS, 0o755)}
    assert not [f for f in run_checks(SynthImage([lower, upper])) if f.id == "build-tool"]


def test_caches_headers_and_apt_lists() -> None:
    layer = {f"usr/include/h{i}.h": b"int x;\n" for i in range(60)}
    layer |= {
        "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease": b"x" * 1000,
        "var/lib/apt/lists/lock": b"",
        "root/.cache/pip/http/a/b": b"y" * 500,
    }
    found = run_checks(SynthImage([layer], Config(user="app")))
    keys = ids(found)
    assert ("headers", "usr/include") in keys
    assert ("apt-lists", "apt-lists") in keys
    assert ("package-cache", "pip-cache") in keys
    lists = next(f for f in found if f.id == "apt-lists")
    assert lists.evidence == {"files": 1, "bytes": 1000}


def test_root_user_resolution_through_passwd() -> None:
    base = {"etc/passwd": PASSWD}
    assert ("root-user", "root") in ids(run_checks(SynthImage([base])))
    assert ("root-user", "root") in ids(run_checks(SynthImage([base], Config(user="0:0"))))
    assert ("root-user", "root") in ids(run_checks(SynthImage([base], Config(user="boss"))))
    assert not ids(run_checks(SynthImage([base], Config(user="10001"))))
    assert not ids(run_checks(SynthImage([base], Config(user="app:app"))))
    assert ("unknown-user", "ghost") in ids(run_checks(SynthImage([base], Config(user="ghost"))))


def test_setuid_and_setgid_files() -> None:
    layer = {
        "usr/bin/su": (ELF_LESS, 0o4755),
        "usr/bin/wall": (ELF_LESS, 0o2755),
        "usr/bin/ls": (ELF_LESS, 0o755),
    }
    found = [f for f in run_checks(SynthImage([layer], Config(user="1"))) if f.id == "setuid"]
    assert {f.subject: f.evidence["mode"] for f in found} == {
        "usr/bin/su": "4755",
        "usr/bin/wall": "2755",
    }
    fixed = SynthImage([layer, {"usr/bin/su": (ELF_LESS, 0o755)}], Config(user="1"))
    assert {f.subject for f in run_checks(fixed) if f.id == "setuid"} == {"usr/bin/wall"}


def test_secrets_by_content_and_by_name_even_when_deleted_later() -> None:
    layer = {
        "app/deploy.pem": KEY,
        "app/.env": b"DATABASE_URL=postgres://u:p@db/app\n",
        "root/.aws/credentials": b"[default]\naws_access_key_id=AKIAEXAMPLE\n",
        "root/.docker/config.json": b'{"auths": {"reg.example": {"auth": "dTpw"}}}',
        "home/app/.docker/config.json": b'{"auths": {}, "credsStore": "desktop"}',
        "root/.npmrc": b"//registry.npmjs.org/:_authToken=npm_abcdef\n",
        "app/.git/HEAD": b"ref: refs/heads/main\n",
        "app/README.md": b"-----BEGIN PUBLIC KEY----- is fine to ship, nothing secret here\n",
    }
    found = run_checks(SynthImage([layer, {"app/.wh.deploy.pem": b""}], Config(user="1")))
    secrets = {f.subject: f for f in found if f.id == "secret"}
    assert set(secrets) == {
        "app/deploy.pem",
        "app/.env",
        "root/.aws/credentials",
        "root/.docker/config.json",
        "root/.npmrc",
    }
    assert secrets["app/deploy.pem"].evidence == {"kind": "private-key", "deleted": True}
    assert "OPENSSH" in secrets["app/deploy.pem"].title
    assert ("git-dir", "app/.git") in ids(found)
    assert all(b"npm_abcdef" not in repr(f.to_dict()).encode() for f in found)


def test_cloud_credentials_gcloud_kube_azure() -> None:
    sa_key = (
        b'{"type": "service_account", "project_id": "p", "private_key_id": "k1",\n'
        b' "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----\\n",\n'
        b' "client_email": "ci@p.iam.gserviceaccount.com"}'
    )
    layer = {
        "root/.config/gcloud/application_default_credentials.json": (
            b'{"client_id": "x.apps.googleusercontent.com", "refresh_token": "1//0abc",'
            b' "type": "authorized_user"}'
        ),
        "root/.config/gcloud/access_tokens.db": b"SQLite format 3\0" + b"\0" * 64,
        "app/keys/deployer-4f2a.json": sa_key,
        "root/.kube/config": (
            b"apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n"
            b"    token: eyJhbGciOiJSUzI1NiJ9.payload.sig\n"
        ),
        "home/app/.kube/config": b"apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n",
        "root/.azure/msal_token_cache.json": b'{"AccessToken": {"k": {"secret": "eyJ0"}}}',
        "app/settings.json": b'{"type": "service_account_docs", "note": "no key in here at all"}',
    }
    found = run_checks(SynthImage([layer], Config(user="1")))
    kinds = {f.subject: f.evidence["kind"] for f in found if f.id == "secret"}
    assert kinds == {
        "root/.config/gcloud/application_default_credentials.json": "gcloud-credentials",
        "root/.config/gcloud/access_tokens.db": "gcloud-credentials",
        "app/keys/deployer-4f2a.json": "gcp-service-account",
        "root/.kube/config": "kubeconfig",
        "root/.azure/msal_token_cache.json": "azure-credentials",
    }
    assert all(b"eyJhbGci" not in repr(f.to_dict()).encode() for f in found)


def test_clean_image_has_no_findings() -> None:
    layer = {"etc/passwd": PASSWD, "app/main.py": b"print('hi')\n", "usr/bin/python3": Sym("x")}
    assert run_checks(SynthImage([layer], Config(user="10001"))) == []


def test_key_material_is_searched_in_small_files_and_credential_names_further() -> None:
    padding = b"# generated settings\n" * 500  # ~10 KiB before the key
    layer = {
        "srv/app/settings.conf": padding + KEY,  # ~11 KiB, unnamed: searched
        "srv/app/big.dat": padding * 2 + KEY,  # ~21 KiB, unnamed: past the 16 KiB limit
        "root/.kube/config": padding * 2 + b"users:\n- user:\n    token: abc\n",  # named: 64 KiB
    }
    found = run_checks(SynthImage([layer], Config(user="1")))
    kinds = {f.subject: f.evidence["kind"] for f in found if f.id == "secret"}
    assert kinds == {"srv/app/settings.conf": "private-key", "root/.kube/config": "kubeconfig"}
