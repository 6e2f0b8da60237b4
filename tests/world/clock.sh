#!/usr/bin/env bash
# Signature validity windows with an injected clock: mxsecd (recursive mode)
# runs under libfaketime, the world's servers and dig under the real clock.
#   clock.sh MXSECD OUTDIR
# Good zones are signed from now-1d to now+30d (doc/testworld.md, "Time
# window"), so
#   real clock  dane-ee.test. MX secure (AD), expired.test. MX bogus EDE 7
#   +20d        still inside the window: the same
#   +40d        after every good signature's expiration: bogus, EDE 7
#   -3d         before every good signature's inception: bogus, EDE 8
# Each run is a fresh mxsecd with an empty cache directory.
#
# libfaketime is preloaded directly (LD_PRELOAD + FAKETIME, what
# `faketime -f` does) because the faketime wrapper forks, and the test must
# signal mxsecd itself. FAKETIME_DONT_FAKE_MONOTONIC=1: libfaketime 0.9.10
# otherwise replaces CLOCK_MONOTONIC with the faked wall clock as well.
# mxsecd reads the wall clock only through time() (daemon/serve.c), and
# its timers run on CLOCK_MONOTONIC, which must stay real.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || { echo "usage: $0 MXSECD OUTDIR" >&2; exit 2; }
mxsecd=$1
out=$2
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
lib=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
	[ -f "$f" ] && { lib=$f; break; }
done
[ -n "$lib" ] || { echo "libfaketime not installed (apt-get install faketime): skipped"; exit 77; }
# libfaketime preloaded into an AddressSanitizer binary can hang in start-up
# (both wrap the C library's early calls); the plain build runs this test.
if grep -qa __asan_init "$mxsecd"; then
	echo "ASan build: libfaketime cannot be preloaded reliably; skipped"
	exit 77
fi

port=5396
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$here/world.sh" stop "$out" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
"$here/world.sh" start "$out" >/dev/null || exit 1
# shellcheck disable=SC1091
. "$out/world.env"
now=$(date +%s)
day=86400
# the offsets below must fall outside / inside the window of this world
if [ $((now + 40 * day)) -le "$WORLD_SIG_EXPIRATION" ] ||
	[ $((now - 3 * day)) -ge "$WORLD_SIG_INCEPTION" ] ||
	[ $((now + 20 * day)) -ge "$WORLD_SIG_EXPIRATION" ]; then
	echo "FAIL: world's signature window $WORLD_SIG_INCEPTION..$WORLD_SIG_EXPIRATION does not suit the offsets (now $now)"
	exit 1
fi

fails=0 passes=0 n=0
start_mxsecd() {  # FAKETIME-offset or ""
	n=$((n + 1))
	local d=$tmp/run$n
	mkdir -p "$d"
	{
		echo "mode recursive"
		echo "root-hints $out/root.hints"
		echo "trust-anchor-file $out/root.key"
		echo "listen-dns 127.0.0.1@$port"
		echo "api-socket $d/mxsecd.sock"
		echo "cache-dir $d/cache"
		echo "query-loopback yes"
	} >"$d/mxsecd.conf"
	if [ -n "$1" ]; then
		LD_PRELOAD=$lib FAKETIME="$1" FAKETIME_DONT_FAKE_MONOTONIC=1 \
			FAKETIME_NO_CACHE=1 "$mxsecd" -f -c "$d/mxsecd.conf" 2>"$d/mxsecd.log" &
	else
		"$mxsecd" -f -c "$d/mxsecd.conf" 2>"$d/mxsecd.log" &
	fi
	pid=$!
	for _ in $(seq 200); do
		dig +time=1 +tries=1 -p $port @127.0.0.1 . NS >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "FAIL clock ${1:-real}: mxsecd does not answer"
	cat "$d/mxsecd.log"
	fails=$((fails + 1))
	return 1
}
stop_mxsecd() {  # label
	local rc
	kill "$pid"
	wait "$pid"
	rc=$?
	pid=
	if [ $rc -ne 0 ]; then
		echo "FAIL clock $1: mxsecd exit status $rc"
		fails=$((fails + 1))
	fi
}
check() {  # label name type want-rcode want-ad(secure|insecure) want-ede(-|N)
	local res got_rc got_ad got_ede bad=
	res=$(dig @127.0.0.1 -p $port "$2" "$3" +dnssec +tries=1 +time=10 +noall +comments 2>&1)
	got_rc=$(echo "$res" | sed -n 's/.*status: \([A-Z]*\).*/\1/p' | head -1)
	got_ad=insecure
	echo "$res" | grep -q "flags:[a-z ]* ad[ ;]" && got_ad=secure
	got_ede=$(echo "$res" | sed -n 's/.*EDE: \([0-9]*\).*/\1/p' | head -1)
	[ "$got_rc" = "$4" ] || bad="rcode ${got_rc:-none}"
	[ "$got_ad" = "$5" ] || bad="$bad AD $got_ad"
	[ "${got_ede:--}" = "$6" ] || bad="$bad EDE ${got_ede:-none}"
	if [ -z "$bad" ]; then
		passes=$((passes + 1))
		echo "ok   clock $1: $2 $3 $4 $5 EDE $6"
	else
		fails=$((fails + 1))
		echo "FAIL clock $1: $2 $3: want $4 $5 EDE $6, got:$bad"
		echo "$res" | grep -E 'status:|flags:|EDE' | sed 's/^/     /'
	fi
}

for offset in "" +20d +40d -3d; do
	label=${offset:-real}
	start_mxsecd "$offset" || { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=; continue; }
	case $label in
	real | +20d)
		check "$label" dane-ee.test. MX NOERROR secure -
		check "$label" _25._tcp.mx.dane-ee.test. TLSA NOERROR secure -
		check "$label" expired.test. MX SERVFAIL insecure 7
		check "$label" notyet.test. MX SERVFAIL insecure 8
		;;
	+40d)
		check "$label" dane-ee.test. MX SERVFAIL insecure 7
		check "$label" _25._tcp.mx.dane-ee.test. TLSA SERVFAIL insecure 7
		;;
	-3d)
		check "$label" dane-ee.test. MX SERVFAIL insecure 8
		check "$label" _25._tcp.mx.dane-ee.test. TLSA SERVFAIL insecure 8
		;;
	esac
	stop_mxsecd "$label"
done
echo "$passes checks right, $fails wrong"
[ $fails -eq 0 ]
