#!/usr/bin/env bash
# The TLS policy service (doc/postfix.md, "TLS policy") next to what a
# Postfix host does without it, on the signed test world:
#
#   tests/bench/policy.sh [MXSECD] [SECONDS]
#
#  1. cached answers: mxsecd's socketmap 'policy' map, one connection, one
#     request at a time as Postfix asks (tests/bench/policymap.py), over a
#     mix of destinations (DANE for every host, DANE for some, MTA-STS
#     enforce, nothing); against Debian's validating unbound answering,
#     from its cache, the DNS lookups Postfix's smtp makes for the same
#     DANE decision one after another (MX, then A, AAAA and TLSA of every
#     host, prebuilt UDP packets: tests/bench/dnsseq.py).  Time per
#     destination, and the ratio.
#  2. cold answers: the first 'policy' lookup of each destination on an
#     empty cache, MTA-STS fetch over HTTPS (nginx on 127.0.3.1:443)
#     included; against unbound's cold MX, A, AAAA, TLSA lookups, which
#     do not include the MTA-STS part at all.
#
# Prints numbers; no pass/fail.  Needs root, nginx and the world's tools;
# runs in a private network namespace (unshare -n) unless
# MXSEC_BENCH_NETNS=no.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mxsecd=${1:-$top/build/daemon/mxsecd}
seconds=${2:-10}
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C
world_sh=$top/tests/world/world.sh
ub_addr=127.0.0.21
domains="dane-ee.test dane-mix.test sts-enforce.test sts-nosts.test"

[ "$(id -u)" -eq 0 ] || { echo "policy.sh: needs root" >&2; exit 1; }
[ -x "$mxsecd" ] || { echo "policy.sh: no mxsecd at $mxsecd" >&2; exit 1; }
command -v nginx >/dev/null || { echo "policy.sh: needs nginx" >&2; exit 1; }
if [ "${MXSEC_BENCH_NETNS:-yes}" != no ] && [ "${MXSEC_BENCH_IN_NETNS:-}" != yes ]; then
	export MXSEC_BENCH_IN_NETNS=yes
	exec unshare -n bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$mxsecd" "$seconds"
fi

out=$(mktemp -d /tmp/mxsec-bench-policy.XXXXXX)
world=$out/world
mxpid=
cleanup() {
	[ -n "$mxpid" ] && kill "$mxpid" 2>/dev/null && wait "$mxpid" 2>/dev/null
	"$world_sh" stop "$world" >/dev/null 2>&1 || true
	rm -rf "$out"
}
trap cleanup EXIT

"$top/tests/world/gen.sh" "$world" >/dev/null
"$world_sh" start "$world" >/dev/null
"$world_sh" start-https "$world" >/dev/null
"$world_sh" start-validator "$world" "$ub_addr" >/dev/null

start_mxsecd() {  # cache directory
	cat >"$out/mxsecd.conf" <<CONF
mode recursive
root-hints $world/root.hints
trust-anchor-file $world/root.key
listen-dns 127.0.0.1@5398
api-socket $out/mxsecd.sock
policy-socket $out/policy.sock
sts-ca-file $world/certs/webpki-root.crt
cache-dir $1
query-loopback yes
prefetch no
user root
CONF
	"$mxsecd" -f -c "$out/mxsecd.conf" 2>>"$out/mxsecd.log" &
	mxpid=$!
	for _ in $(seq 100); do
		[ -S "$out/policy.sock" ] && return 0
		sleep 0.05
	done
	echo "policy.sh: mxsecd did not start" >&2
	cat "$out/mxsecd.log" >&2
	exit 1
}
stop_mxsecd() {
	kill "$mxpid" && wait "$mxpid" || true
	mxpid=
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
field() { echo "$1" | awk -v k="$2" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }
n=$(echo $domains | wc -w)

# ------------------------------------------------------------ cached
start_mxsecd "$out/cache"
/usr/bin/python3 "$here/policymap.py" "$out/policy.sock" policy once $domains >/dev/null
map=$(/usr/bin/python3 "$here/policymap.py" "$out/policy.sock" policy "$seconds" $domains)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$mxpid/status")
stop_mxsecd
/usr/bin/python3 "$here/mtaseq.py" "$ub_addr" 53 $domains >/dev/null
ub=$(/usr/bin/python3 "$here/dnsseq.py" "$ub_addr" 53 "$seconds" $domains)
map_us=$(awk -v r="$(field "$(echo "$map" | head -1)" rps)" 'BEGIN { printf "%.0f", 1e6 / r }')
ub_us=$(field "$ub" us_per_dest)
echo "== cached ($seconds s; $n destinations: $domains)"
echo "$map" | sed 's/^/  /'
printf '%-60s %8s\n' "" "us/dest"
printf '%-60s %8s\n' "mxsecd: one socketmap 'policy' request" "$map_us"
printf '%-60s %8s\n' "unbound: MX, then A, AAAA, TLSA per host, in turn" "$ub_us"
echo "  unbound: $ub"
echo "ratio mxsecd / unbound: $(ratio "$map_us" "$ub_us") (mxsecd also answers MTA-STS)"
echo "mxsecd RSS after the load: $rss kB"

# ------------------------------------------------------------ cold
echo
echo "== cold: the first lookup on empty caches"
rm -rf "$out/cold"
start_mxsecd "$out/cold"
/usr/bin/python3 "$here/policymap.py" "$out/policy.sock" policy once $domains | sed 's/^/  mxsecd policy map: /'
stop_mxsecd
"$world_sh" stop-validator "$world" >/dev/null
"$world_sh" start-validator "$world" "$ub_addr" >/dev/null
/usr/bin/python3 "$here/mtaseq.py" "$ub_addr" 53 $domains | sed 's/^/  unbound MX+A+AAAA+TLSA: /'
