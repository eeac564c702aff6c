"""Likely secrets baked into a layer: private keys, credential files, ``.git`` directories.

A secret in any layer is published with the image even if a later layer deletes it, so this
check reports deleted ones too (as errors, with the layer that added them); a deleted ``.git``
directory likewise stays a ``git-dir`` warning, marked deleted (``evidence.deleted``).

Bad: ``COPY . /app`` with ``.env`` and ``id_rsa`` in the context; ``COPY .aws /root/.aws``.
Good: a ``.dockerignore``; ``RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci``.
Evidence never contains the secret itself, only where it is and what it looks like.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any

from stagesmith.checks.base import Check, Content, Context
from stagesmith.checks.index import DIR, FILE
from stagesmith.checks.model import Finding, Severity

#: Files with a credential-like name are read up to this much.
MAX_SCAN = 64 * 1024
#: Any other file is searched for key material only up to this size: a PEM private key is a
#: few KiB (RSA-16384 is ~12.5 KiB), and reading every mid-sized file was most of the cost
#: of the secrets check.
MAX_KEY_FILE = 16 * 1024
#: A private key's BEGIN line only counts when key material follows it: optional armor or PEM
#: headers (``Proc-Type:``, ``DEK-Info:``, ``Version:``) and a blank line, then a body line of
#: at least 40 base64 characters. A sentence or a ``...`` placeholder naming the BEGIN line is
#: not a key. Line breaks may be real or ``\n`` escapes (a key pasted into JSON or YAML).
_NL = rb"(?:\r?\n|(?:\\r)?\\n)"
KEY_RE = re.compile(
    rb"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----[ \t]*NL"  # the BEGIN line
    rb"(?:[ \t]*[A-Za-z][A-Za-z0-9-]*:[^\r\n\\]*NL)*"  # headers: Proc-Type, DEK-Info, ...
    rb"(?:[ \t]*NL)?"  # the blank line after headers
    rb"[ \t]*[A-Za-z0-9+/=]{40,}".replace(b"NL", _NL)  # the first body line
)
_SKIP_PREFIXES = (
    "usr/share/doc/",
    "usr/share/man/",
    "usr/share/locale/",
    "usr/share/zoneinfo/",
    "usr/share/i18n/",
    "usr/share/terminfo/",
    "usr/share/info/",
    "usr/include/",
    "proc/",
    "sys/",
)
_SKIP_EXT = (
    ".py",
    ".pyc",
    ".pyi",
    ".h",
    ".c",
    ".so",
    ".mo",
    ".gz",
    ".png",
    ".svg",
    ".html",
    ".js",
    ".css",
    ".pod",
    ".pm",
    ".a",
    ".o",
    ".whl",
    ".zip",
)
KEY_NAMES = {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"}
NPM_TOKEN_RE = re.compile(rb"(_authToken|_auth|_password)\s*=\s*\S+")


#: Base names (besides dot files) that may hold credentials; anything else is skipped fast.
_CANDIDATE_NAMES = frozenset(
    {
        *KEY_NAMES,
        "credentials",
        "config.json",
        "config",
        "application_default_credentials.json",
        "adc.json",
        "credentials.db",
        "access_tokens.db",
        "accessTokens.json",
        "msal_token_cache.json",
        "msal_token_cache.bin",
        "service_principal_entries.json",
    }
)
_AZURE_TOKENS = frozenset(
    {
        "accessTokens.json",
        "msal_token_cache.json",
        "msal_token_cache.bin",
        "service_principal_entries.json",
    }
)
KUBE_CRED_RE = re.compile(
    rb"^\s*(token|client-key-data|client-key|password|id-token|refresh-token)\s*:\s*\S", re.M
)


def _named_kind(path: str) -> str | None:
    """A secret recognised by name alone, or a name that needs its content checked."""
    head, _, base = path.rpartition("/")
    if base[:1] != "." and base not in _CANDIDATE_NAMES:
        return None  # the common case, cheap: this runs for every file
    parent = head.rpartition("/")[2]
    if base in KEY_NAMES:
        return "ssh-key"
    if base == ".env" or (base.startswith(".env.") and base not in (".env.example", ".env.sample")):
        return "dotenv"
    if parent == ".aws" and base == "credentials":
        return "aws-credentials"
    if parent == ".docker" and base == "config.json":
        return "?docker-config"
    if parent == ".kube" and base == "config":
        return "?kubeconfig"
    if "/gcloud" in f"/{head}":
        if base in ("credentials.db", "access_tokens.db"):
            return "gcloud-credentials"
        if base in ("application_default_credentials.json", "adc.json"):
            return "?gcloud-adc"
    if parent == ".azure" and base in _AZURE_TOKENS:
        return "azure-credentials"
    if base == ".npmrc":
        return "?npmrc"
    if base in (".pypirc", ".netrc", ".git-credentials"):
        return "?credentials"
    return None


class SecretsCheck(Check):
    name = "secrets"
    kinds = frozenset({FILE, DIR})

    def __init__(self) -> None:
        self.hits: dict[tuple[str, int], tuple[str, str]] = {}  # (path, layer) -> (kind, detail)
        self.git_dirs: dict[str, int] = {}

    def wants(self, entry: Any, path: str, kind: str) -> bool:
        if kind != FILE:
            return False
        size = entry.size
        if type(size) is not int:
            size = int(size or 0)
        if 40 <= size <= MAX_KEY_FILE and not (
            path.startswith(_SKIP_PREFIXES) or path.endswith(_SKIP_EXT)
        ):
            return True
        # otherwise only a credential-like name (the test _named_kind starts with, inline)
        base = path[path.rfind("/") + 1 :]
        if base[:1] != "." and base not in _CANDIDATE_NAMES:
            return False
        return _named_kind(path) is not None

    def visit(self, layer: int, entry: Any, path: str, kind: str, content: Content | None) -> None:
        if kind == DIR:
            if path[-4:] == ".git" and path[path.rfind("/") + 1 :] == ".git":
                self.git_dirs.setdefault(path, layer)
            return
        if kind == FILE and ".git/" in path and (path.startswith(".git/") or "/.git/" in path):
            root = f"/{path}".split("/.git/")[0].lstrip("/")
            self.git_dirs.setdefault(posixpath.join(root, ".git"), layer)
        if content is None:
            return
        named = _named_kind(path)
        data = content.head(MAX_SCAN)
        # a Google service-account key file, whatever it is called (it embeds a private key)
        if b"service_account" in data and b'"private_key"' in data and _service_account(data):
            self.hits[(path, layer)] = ("gcp-service-account", "Google service-account key")
            return
        # a plain substring test first (fast C search); the regex only runs on a candidate
        m = KEY_RE.search(data) if b"PRIVATE KEY" in data else None
        if m:
            label = (m.group(1) or b"").decode().strip() or "PKCS#8"
            self.hits[(path, layer)] = ("private-key", f"{label} private key")
            return
        if named is None:
            return
        if named == "?docker-config":
            if _docker_auths(data):
                self.hits[(path, layer)] = ("docker-config", "registry credentials in auths")
        elif named == "?kubeconfig":
            if KUBE_CRED_RE.search(data):
                self.hits[(path, layer)] = ("kubeconfig", "Kubernetes credentials in kubeconfig")
        elif named == "?gcloud-adc":
            if b"refresh_token" in data or b"private_key" in data:
                self.hits[(path, layer)] = ("gcloud-credentials", "gcloud application credentials")
        elif named == "?npmrc":
            if NPM_TOKEN_RE.search(data):
                self.hits[(path, layer)] = ("npmrc", "npm auth token")
        elif named == "?credentials":
            if re.search(rb"(password|passwd|login)\s", data) or b"://" in data:
                self.hits[(path, layer)] = ("credentials", "credentials file")
        else:
            self.hits[(path, layer)] = (named, named.replace("-", " "))

    def finish(self, ctx: Context) -> list[Finding]:
        out: list[Finding] = []
        for (path, layer), (kind, detail) in sorted(self.hits.items()):
            alive = ctx.index.alive(path, layer)
            where = "" if alive else f" (deleted later, but still in layer {layer})"
            out.append(
                Finding(
                    id="secret",
                    severity=Severity.ERROR,
                    title=f"{detail}: /{path}",
                    message=f"/{path} looks like a secret ({detail}){where}; anyone who pulls "
                    "the image can read it",
                    subject=path,
                    paths=[path],
                    layer=layer,
                    evidence={"kind": kind, "deleted": not alive},
                )
            )
        for path, layer in sorted(self.git_dirs.items()):
            # like a deleted secret: a whiteout (of .git, of a parent, or an opaque parent)
            # hides the directory, but the layer that added it still ships its history
            alive = ctx.index.is_dir(path)
            where = "" if alive else f" (deleted later, but still in layer {layer})"
            out.append(
                Finding(
                    id="git-dir",
                    severity=Severity.WARNING,
                    title=f".git directory /{path}" + ("" if alive else " (deleted later)"),
                    message=f"/{path} ships the repository history (and possibly credentials "
                    f"in .git/config){where}; add .git to .dockerignore",
                    subject=path,
                    paths=[path],
                    layer=layer,
                    evidence={"deleted": not alive},
                )
            )
        return out


def _docker_auths(data: bytes) -> bool:
    try:
        doc = json.loads(data.decode("utf-8", "replace"))
    except ValueError:
        return b'"auth"' in data
    auths = doc.get("auths") if isinstance(doc, dict) else None
    if not isinstance(auths, dict):
        return False
    return any(isinstance(v, dict) and (v.get("auth") or v.get("password")) for v in auths.values())


def _service_account(data: bytes) -> bool:
    try:
        doc = json.loads(data.decode("utf-8", "replace"))
    except ValueError:
        return b'"type": "service_account"' in data or b'"type":"service_account"' in data
    return (
        isinstance(doc, dict)
        and doc.get("type") == "service_account"
        and bool(doc.get("private_key"))
    )
