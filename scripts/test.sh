#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine: installs stagesmith with its
# test tools, a real engine with local base images (when root), then runs pytest.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -m "not engine"`).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v -e '^WARNING: Location' -e 'Running pip as the' >&2 || true
python3 -c 'import stagesmith' # fail early if the install did not work
bash scripts/setup-engine.sh
python3 -m ruff check src tests bench
python3 -m mypy
exec python3 -m pytest "$@"
