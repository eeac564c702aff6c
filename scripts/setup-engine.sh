#!/usr/bin/env bash
# Install real container engines (podman + buildah, runc; Debian's docker.io daemon
# with BuildKit, docker-registry and openssh-server, which the tests start privately) and build the local
# stand-in base images the test suite maps official names onto.
# Idempotent; needs root and Debian 12. Nothing here is committed: the proxy CA
# is copied from this machine into the local images only.
set -euo pipefail

log() { printf 'setup-engine: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "not root: skipping engine install (engine tests will be skipped)"
  exit 0
fi

need_pkgs=()
for p in buildah podman runc skopeo mmdebstrap ca-certificates uidmap fuse-overlayfs docker.io docker-registry openssh-server; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  apt-get update -qq
  # policy-rc.d keeps the packages from starting system-wide daemons: tests start their own.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

mkdir -p /etc/containers/containers.conf.d
cat > /etc/containers/containers.conf.d/50-stagesmith-local.conf <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Copies this machine's extra CAs into the image so HTTPS through the
# intercepting proxy works inside builds.
ca_hook='mkdir -p "$1/usr/local/share/ca-certificates" && cp /usr/local/share/ca-certificates/*.crt "$1/usr/local/share/ca-certificates/" 2>/dev/null; chroot "$1" update-ca-certificates >/dev/null 2>&1 || true'
# What the official python images give: `python`/`pip` on PATH, no PEP 668 lock.
py_hook='ln -sf /usr/bin/python3 "$1/usr/local/bin/python"; ln -sf /usr/bin/python3 "$1/usr/local/bin/python3"; rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED'
# Stand-in images are slimmer than nothing: drop docs and apt lists like official images.
clean_hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/usr/share/doc/* "$1"/usr/share/man/* "$1"/var/cache/apt/*.bin'

env_changes=(
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'
  --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt'
  --change 'ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt'
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'
  --change 'ENV UV_NATIVE_TLS=1'
  --change 'ENV LANG=C.UTF-8'
)

have_image() { podman image exists "$1" 2>/dev/null; }

make_image() {
  local name=$1 include=$2 cmd=$3; shift 3
  if have_image "$name"; then log "$name present"; return; fi
  log "building $name"
  local tar="$work/$(echo "$name" | tr '/:' '__').tar"
  mmdebstrap --quiet --variant=minbase --include="$include" \
    --customize-hook="$ca_hook" "$@" --customize-hook="$clean_hook" \
    bookworm "$tar" /etc/apt/sources.list.d/debian.sources
  podman import --quiet "${env_changes[@]}" --change "CMD [\"$cmd\"]" "$tar" "$name" >/dev/null
  rm -f "$tar"
}

make_image localhost/debian:bookworm ca-certificates /bin/bash
make_image localhost/debian:bookworm-slim ca-certificates /bin/bash
make_image localhost/python:3.11-slim ca-certificates,python3,python3-venv python3 --customize-hook="$py_hook"
make_image localhost/python:3.11 ca-certificates,python3,python3-venv,python3-pip,python3-dev,build-essential,pkg-config,git,curl python3 --customize-hook="$py_hook"

podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' >&2
