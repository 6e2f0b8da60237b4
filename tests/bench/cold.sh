#!/usr/bin/env bash
# Cold resolution, mxsecd next to Debian's unbound on the same signed test
# world: a secure MX, then A, AAAA and TLSA for its host, one after another,
# each resolver started fresh (empty cache) for every round.
#
#   tests/bench/cold.sh [MXSECD] [ROUNDS]
#
# All iterate from the world's root on 127.0.0.11; mxsecd validates with the
# world's root anchor, and is compared with unbound validating the same way
# (world.sh start-validator) and with unbound as a plain iterator.  Needs
# root (port 53 on 127.0.0.x).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mxsecd=${1:-$top/build/daemon/mxsecd}
rounds=${2:-10}
export PATH="$PATH:/usr/sbin:/sbin"
out=$(mktemp -d /tmp/mxsec-bench.XXXXXX)
world=$out/world
lookups="dane-ee.test/MX mx.dane-ee.test/A mx.dane-ee.test/AAAA _25._tcp.mx.dane-ee.test/TLSA"
mxpid=

cleanup() {
	[ -n "$mxpid" ] && kill "$mxpid" 2>/dev/null && wait "$mxpid" 2>/dev/null
	"$top/tests/world/world.sh" stop-unbound "$world" >/dev/null 2>&1 || true
	"$top/tests/world/world.sh" stop "$world" >/dev/null 2>&1 || true
	rm -rf "$out"
}
trap cleanup EXIT

"$top/tests/world/world.sh" start "$world" >/dev/null
cat >"$out/mxsecd.conf" <<CONF
mode recursive
root-hints $world/root.hints
trust-anchor-file $world/root.key
listen-dns 127.0.0.1@5399
api-socket $out/mxsecd.sock
cache-dir $out/cache
query-loopback yes
log stderr
CONF

wait_answer() {  # addr port
	for _ in $(seq 100); do
		dig +time=1 +tries=1 -p "$2" "@$1" . NS >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "cold.sh: no answer from $1@$2" >&2
	return 1
}

mx_times=() ub_times=() uv_times=()
for i in $(seq "$rounds"); do
	"$mxsecd" -f -c "$out/mxsecd.conf" 2>"$out/mxsecd.log" &
	mxpid=$!
	wait_answer 127.0.0.1 5399
	mx_times+=("$(/usr/bin/python3 "$here/seqtime.py" 127.0.0.1 5399 $lookups)")
	kill "$mxpid"; wait "$mxpid" || true; mxpid=
	"$top/tests/world/world.sh" start-validator "$world" >/dev/null
	uv_times+=("$(/usr/bin/python3 "$here/seqtime.py" 127.0.0.21 53 $lookups)")
	"$top/tests/world/world.sh" stop-validator "$world" >/dev/null
	"$top/tests/world/world.sh" start-unbound "$world" >/dev/null
	ub_times+=("$(/usr/bin/python3 "$here/seqtime.py" 127.0.0.20 53 $lookups)")
	"$top/tests/world/world.sh" stop-unbound "$world" >/dev/null
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
m=$(median "${mx_times[@]}")
v=$(median "${uv_times[@]}")
u=$(median "${ub_times[@]}")
echo "cold MX+A+AAAA+TLSA of dane-ee.test, $rounds rounds, median ms:"
echo "  mxsecd (validating)            $m"
echo "  unbound (validating)           $v"
echo "  unbound (iterator only)        $u"
awk -v m="$m" -v v="$v" 'BEGIN { printf "ratio mxsecd/unbound, both validating: %.2f\n", m / v }'
