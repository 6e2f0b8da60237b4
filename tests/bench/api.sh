#!/usr/bin/env bash
# The socket API next to Debian's validating unbound, on the same signed
# test world, in one run:
#
#   tests/bench/api.sh [MXSECD] [SECONDS] [ROUNDS]
#
#  1. cached lookups: mxsecd's API answering MX and TLSA requests, and DANE
#     requests, from its cache (tests/bench/apiload: one connection, 64
#     requests pipelined), against unbound answering the same MX and TLSA
#     questions from its cache over DNS (dnsperf: one client, one thread,
#     100 in flight).  The goal is twice unbound's queries per second.
#  2. cold DANE verdicts: for each domain, mxsecd's DANE request (its
#     lookups in parallel) against the lookups an MTA makes one after
#     another through unbound (tests/bench/mtaseq.py: MX, then A, AAAA and
#     TLSA of each host).  Both start with empty caches each round; the
#     median round is reported.  The goal is half unbound's time or less.
#
# SECONDS: each throughput run (default 10); ROUNDS: cold rounds (5).
# Prints numbers; this is no pass/fail test.  Needs root (port 53 on
# 127.0.0.x); only one world can run on a machine at a time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mxsecd=${1:-$top/build/daemon/mxsecd}
seconds=${2:-10}
rounds=${3:-5}
apiload=$(dirname "$(dirname "$mxsecd")")/tests/bench/apiload
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C
world_sh=$top/tests/world/world.sh
cmdline=$(printf '%q ' "$0" "$@")
ub_addr=127.0.0.21
domains="dane-ee.test dane-ta.test dane-bad.test dane-pkix.test dane-big.test
cname.test anything.wild.test anything.wild3.mail insecure.test nomx.test"

[ "$(id -u)" -eq 0 ] || { echo "api.sh: needs root" >&2; exit 1; }
[ -x "$mxsecd" ] || { echo "api.sh: no mxsecd at $mxsecd" >&2; exit 1; }
[ -x "$apiload" ] || { echo "api.sh: no apiload at $apiload (build the tree)" >&2; exit 1; }
command -v dnsperf >/dev/null || { echo "api.sh: needs dnsperf" >&2; exit 1; }

out=$(mktemp -d /tmp/mxsec-bench-api.XXXXXX)
world=$out/world
mxpid=
cleanup() {
	[ -n "$mxpid" ] && kill "$mxpid" 2>/dev/null && wait "$mxpid" 2>/dev/null
	"$world_sh" stop-validator "$world" >/dev/null 2>&1 || true
	"$world_sh" stop "$world" >/dev/null 2>&1 || true
	rm -rf "$out"
}
trap cleanup EXIT

"$world_sh" start "$world" >/dev/null
"$world_sh" start-validator "$world" "$ub_addr" >/dev/null

start_mxsecd() {  # cache directory
	cat >"$out/mxsecd.conf" <<CONF
mode recursive
root-hints $world/root.hints
trust-anchor-file $world/root.key
listen-dns 127.0.0.1@5397
api-socket $out/mxsecd.sock
cache-dir $1
query-loopback yes
prefetch no
CONF
	"$mxsecd" -f -c "$out/mxsecd.conf" 2>>"$out/mxsecd.log" &
	mxpid=$!
	for _ in $(seq 100); do
		[ -S "$out/mxsecd.sock" ] && /usr/bin/python3 - "$out/mxsecd.sock" <<'PY' && return 0
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"PING\n")
sys.exit(0 if s.recv(100).startswith(b'{"ok":true') else 1)
PY
		sleep 0.05
	done
	echo "api.sh: mxsecd did not start" >&2
	cat "$out/mxsecd.log" >&2
	exit 1
}
stop_mxsecd() {
	kill "$mxpid" && wait "$mxpid" || true
	mxpid=
}

# ------------------------------------------------------------ cached
: >"$out/api-lookups" ; : >"$out/api-dane" ; : >"$out/dns"
for d in $domains; do
	echo "MX $d" >>"$out/api-lookups"
	echo "$d MX" >>"$out/dns"
	echo "DANE $d" >>"$out/api-dane"
done
for h in mx.dane-ee.test mx.dane-ta.test mx.dane-bad.test mx.dane-pkix.test mx.wild.test; do
	echo "TLSA _25._tcp.$h" >>"$out/api-lookups"
	echo "_25._tcp.$h TLSA" >>"$out/dns"
done
start_mxsecd "$out/cache"
# Warm both: every question once (DANE warms the hosts' lookups too).
"$apiload" -s "$out/mxsecd.sock" -f "$out/api-dane" -c 1 -d 1 -t 1 >/dev/null
"$apiload" -s "$out/mxsecd.sock" -f "$out/api-lookups" -c 1 -d 1 -t 1 >/dev/null
dig @"$ub_addr" -f "$out/dns" +dnssec +tries=1 >/dev/null

ub_qps=$(dnsperf -s "$ub_addr" -d "$out/dns" -l "$seconds" -c 1 -T 1 -q 100 -D 2>&1 |
	sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p')
look=$("$apiload" -s "$out/mxsecd.sock" -f "$out/api-lookups" -c 1 -d 64 -t "$seconds")
dane=$("$apiload" -s "$out/mxsecd.sock" -f "$out/api-dane" -c 1 -d 64 -t "$seconds")
look4=$("$apiload" -s "$out/mxsecd.sock" -f "$out/api-lookups" -c 4 -d 64 -t "$seconds")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$mxpid/status")
ub_rss=$(awk '/VmRSS/ {print $2}' "/proc/$(cat "$world/run/validator.pid")/status" 2>/dev/null || echo "?")
stop_mxsecd

field() { echo "$1" | awk -v k="$2" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }

echo "== cached lookups ($seconds s each; command: $cmdline)"
printf '%-44s %10s %8s %8s %7s\n' "" "per sec" "p50 us" "p99 us" "errors"
printf '%-44s %10.0f %8s %8s %7s\n' "unbound DNS, MX+TLSA (dnsperf, 1 client)" "$ub_qps" - - -
for row in "mxsecd API, MX+TLSA (1 conn, 64 deep)|$look" \
	"mxsecd API, MX+TLSA (4 conns, 64 deep)|$look4" \
	"mxsecd API, DANE (1 conn, 64 deep)|$dane"; do
	label=${row%%|*} r=${row#*|}
	printf '%-44s %10s %8s %8s %7s\n' "$label" "$(field "$r" rps)" \
		"$(field "$r" p50_us)" "$(field "$r" p99_us)" "$(field "$r" errors)"
done
echo "ratio mxsecd API MX+TLSA / unbound DNS: $(ratio "$(field "$look" rps)" "$ub_qps")"
echo "ratio mxsecd API DANE / unbound DNS:    $(ratio "$(field "$dane" rps)" "$ub_qps") (one DANE reply holds MX, A, AAAA and TLSA of every host)"
echo "RSS after the load: mxsecd ${rss} kB, unbound ${ub_rss} kB"

# ------------------------------------------------------------ cold
echo
echo "== cold DANE verdicts, $rounds rounds, empty caches each round"
: >"$out/cold"
for r in $(seq "$rounds"); do
	rm -rf "$out/cold-cache"
	start_mxsecd "$out/cold-cache"
	m=$("$here/danetime.py" "$out/mxsecd.sock" $domains | awk '/^total/ {print $2}')
	stop_mxsecd
	"$world_sh" stop-validator "$world" >/dev/null
	"$world_sh" start-validator "$world" "$ub_addr" >/dev/null
	u=$("$here/mtaseq.py" "$ub_addr" 53 $domains | awk '/^total/ {print $2}')
	echo "$m $u" >>"$out/cold"
done
med() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
mx_med=$(awk '{print $1}' "$out/cold" | med)
ub_med=$(awk '{print $2}' "$out/cold" | med)
printf '%-52s %10s\n' "" "ms (median)"
printf '%-52s %10s\n' "mxsecd: DANE request per domain ($(echo $domains | wc -w) domains)" "$mx_med"
printf '%-52s %10s\n' "unbound: MX, then A, AAAA, TLSA per host, in turn" "$ub_med"
echo "ratio mxsecd / unbound: $(ratio "$mx_med" "$ub_med")"
echo "per-round totals (mxsecd unbound):"; cat "$out/cold"
