#!/bin/sh
# Build everything, then run every test (host unit tests, generator tests, QEMU boots).
# Usage: tools/run-tests.sh [builddir] [pytest args...]
# The last line printed is pytest's summary; the exit status is non-zero on any failure.
set -e
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ $# -gt 0 ] && shift
ninja -C "$BUILD" all
# configure.py recorded a Python that has pytest (Debian's, when pyenv's lacks it).
PY=$(sed -n 's/^test_python = //p' "$BUILD/build.ninja")
[ -n "$PY" ] && [ "$PY" != false ] || { echo "no Python with pytest found; install python3-pytest" >&2; exit 1; }
WREN_BUILD=$(cd "$BUILD" && pwd) exec "$PY" -m pytest -q -p no:cacheprovider tests "$@"
