#!/usr/bin/env bash
# KeyTrap and NSEC3 floods against mxsecd (doc/validation.md, "KeyTrap and
# NSEC3 floods"): while an attacker hammers keytrap.test. and
# nsec3flood.mail. with fresh random names, an ordinary client's queries
# must all still be answered correctly.
#   attack.sh MXSECD OUTDIR
# Prints the ordinary client's p50/p99 latency quiet and under attack, and
# the attack's answer rate and rcodes. Latency is measured, never failed.
# Fails when an ordinary query gets a wrong or no answer, or when mxsecd
# does not exit 0 on SIGTERM. MXSEC_ATTACK_RATE (queries/s, default 2000)
# and MXSEC_ATTACK_SECONDS (default 10) set the attack.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tools=$here/../tools
mxsecd=$1
out=$2
rate=${MXSEC_ATTACK_RATE:-2000}
secs=${MXSEC_ATTACK_SECONDS:-10}
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
# Latency under a sanitizer says nothing, and the slower binary makes the
# attack starve the world's servers: the plain build runs this test.
if grep -qa __asan_init "$mxsecd"; then
	echo "ASan build: timing test skipped"
	exit 77
fi
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
/usr/bin/python3 -c 'import dns.message' 2>/dev/null || { echo "needs python3-dnspython"; exit 77; }
port=5395
tmp=$(mktemp -d)
pid='' apid=''
cleanup() {
	[ -n "$apid" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$here/world.sh" stop "$out" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
"$here/world.sh" start "$out" >/dev/null || exit 1

cat >"$tmp/mxsecd.conf" <<CONF
mode recursive
root-hints $out/root.hints
trust-anchor-file $out/root.key
listen-dns 127.0.0.1@$port
api-socket $tmp/mxsecd.sock
cache-dir $tmp/cache
query-loopback yes
CONF
"$mxsecd" -f -c "$tmp/mxsecd.conf" 2>"$tmp/mxsecd.log" &
pid=$!
for _ in $(seq 100); do
	dig +time=1 +tries=1 -p $port @127.0.0.1 . NS >/dev/null 2>&1 && break
	sleep 0.05
done

fails=0
# warm up: the zones' keys and the cached names of the ordinary client
for q in "mx.dane-ee.test A" "dane-ta.test MX" "nx.dane-ee.test A" "www.keytrap.test A" "www.nsec3flood.mail A"; do
	# shellcheck disable=SC2086
	dig -p $port @127.0.0.1 $q +dnssec +tries=1 +time=10 >/dev/null 2>&1
done
"$tools/attack.py" measure 127.0.0.1 $port --count 200 --label quiet || fails=$((fails + 1))

"$tools/attack.py" flood 127.0.0.1 $port --rate "$rate" --seconds "$secs" >"$tmp/flood.out" &
apid=$!
sleep 0.5
"$tools/attack.py" measure 127.0.0.1 $port --count 200 --seconds "$((secs - 1))" --label "under attack" || fails=$((fails + 1))
wait "$apid"
apid=
cat "$tmp/flood.out"

# the ordinary client once more, after the attack
"$tools/attack.py" measure 127.0.0.1 $port --count 200 --label after || fails=$((fails + 1))

kill "$pid"
wait "$pid"
rc=$?
pid=
if [ $rc -ne 0 ]; then
	echo "FAIL: mxsecd exit status $rc"
	tail -5 "$tmp/mxsecd.log"
	fails=$((fails + 1))
fi
[ $fails -eq 0 ] && echo "attack: every ordinary query answered correctly, mxsecd exited 0"
[ $fails -eq 0 ]
