#!/usr/bin/env bash
# Live round trip: start the world, record a response for every zone and
# case (tests/tools/world_queries.py), and check that each one parses,
# prints, reads back and writes back unchanged (tests/fuzz/roundtrip).
# Usage: roundtrip.sh OUTDIR ROUNDTRIP-PROGRAM
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=$1
prog=$2
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
tmp=$(mktemp -d)
cleanup() { "$here/world.sh" stop "$out" >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT
"$here/world.sh" start "$out" || exit 1
/usr/bin/python3 "$here/../tools/world_queries.py" "$out" >"$tmp/queries" || exit 1
/usr/bin/python3 "$here/../tools/record.py" "$tmp/resp" --list "$tmp/queries" || exit 1
"$prog" "$tmp/resp"
