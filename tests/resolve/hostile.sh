#!/bin/bash
# hostile.sh MXSECD-BINARY OUTDIR: hostile upstreams (tests/resolve/hostile.py,
# doc/testing.md "Hostile upstreams") against mxsecd in recursive and
# forward mode.  Needs root; runs in a private network namespace of its own
# (unshare -n) so that its fixed addresses (127.0.0.50-61, mxsecd on
# 127.0.0.1@5354) cannot meet another test's.  77 (skipped) without root,
# unshare or python3-dnspython.
set -u
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 2 ]; then
	echo "usage: $0 MXSECD-BINARY OUTDIR" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "hostile: needs root: skipped"; exit 77; }
/usr/bin/python3 -c 'import dns.message' 2>/dev/null || { echo "hostile: needs python3-dnspython: skipped"; exit 77; }
if [ -z "${MXSEC_HOSTILE_NETNS:-}" ]; then
	if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
		echo "hostile: needs unshare and ip: skipped"
		exit 77
	fi
	export MXSEC_HOSTILE_NETNS=1
	# shellcheck disable=SC2016 # expanded by the inner shell
	exec unshare -n bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
exec /usr/bin/python3 "$HERE/hostile.py" run "$1" "$2"
