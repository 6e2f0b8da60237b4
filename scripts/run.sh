#!/usr/bin/env bash
# The README's run command: install what is missing, build, and run mxsecd
# in the foreground on its built-in defaults.  Ctrl-C stops it.
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh run
[ -d build ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
exec build/daemon/mxsecd -f "$@"
