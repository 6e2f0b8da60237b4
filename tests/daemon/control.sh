#!/usr/bin/env bash
# Control requests through the API socket (doc/protocol.md, "Control") and
# the graceful stop, with no network beyond loopback: the upstream is a
# black hole that reads queries and never answers.
#   control.sh MXSECD MXSEC
# 1. STATS, TA, FLUSH, FLUSH-SUBTREE, FLUSH-ALL, DUMP, RELOAD from root and
#    from the daemon's own uid work; from another uid they get "denied"
#    (mxsec exits 77).
# 2. RELOAD of a broken file fails with FILE:LINE and the daemon goes on.
# 3. SIGTERM with requests stuck upstream: they end with SERVFAIL
#    "shutting down" after the 2 s grace, the daemon exits 0 within 4 s,
#    and the cache opens cleanly afterwards (mxsecd --dump-cache).
set -u
mxsecd=$1
mxsec=$2
[ "$(id -u)" -eq 0 ] || { echo "needs root (setpriv to other uids)"; exit 77; }
command -v setpriv >/dev/null || { echo "needs setpriv"; exit 77; }
command -v dig >/dev/null || { echo "needs dig"; exit 77; }
tmp=$(mktemp -d)
chmod 755 "$tmp"
pid= bh=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$bh" ] && kill "$bh" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
pass() { echo "ok - $1"; }
fail() { echo "not ok - $1"; fails=$((fails + 1)); }

bhport=$((20000 + RANDOM % 10000))
port=$((bhport + 1))
python3 - "$bhport" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    s.recvfrom(4096)      # read, never answer
PY
bh=$!
sock=$tmp/mxsecd.sock
cat >"$tmp/c.conf" <<CONF
mode forward
forward 127.0.0.1@$bhport
listen-dns 127.0.0.1@$port
api-socket $sock
cache-dir $tmp/cache
query-loopback yes
CONF
chmod 644 "$tmp/c.conf"
"$mxsecd" -f -c "$tmp/c.conf" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && "$mxsec" -s "$sock" ping >/dev/null 2>&1 && break; sleep 0.05; done
"$mxsec" -s "$sock" ping >/dev/null || { cat "$tmp/log"; echo "not ok - daemon did not start"; exit 1; }
duid=$(awk '/^Uid:/ {print $3}' "/proc/$pid/status")
echo "# daemon runs as uid $duid"
chmod 0666 "$sock"   # so that any uid may connect: the check is the daemon's
other=4242
[ "$duid" = "$other" ] && other=4243

as() {  # uid command...
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --clear-groups "$@"
}

# 1. who may ask
for verb in stats "ta list" dump "flush example.com" "flush --subtree example.com" "flush --all" reload; do
	# shellcheck disable=SC2086
	"$mxsec" -s "$sock" $verb >"$tmp/out" 2>&1 && pass "root: $verb" ||
		{ cat "$tmp/out"; fail "root: $verb"; }
	# shellcheck disable=SC2086
	as "$other" "$mxsec" -s "$sock" $verb >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 77 ] && grep -q denied "$tmp/out" && pass "uid $other: $verb denied" ||
		{ cat "$tmp/out"; fail "uid $other: $verb not denied (exit $rc)"; }
done
as "$other" "$mxsec" -s "$sock" -j stats >"$tmp/out" 2>/dev/null
grep -q '^{"ok":false,"error":"denied"' "$tmp/out" && pass "denied reply is JSON" ||
	{ cat "$tmp/out"; fail "denied JSON"; }
as "$other" "$mxsec" -s "$sock" ping >/dev/null 2>&1 && pass "uid $other may still PING" ||
	fail "uid $other: ping"
if [ "$duid" != 0 ]; then
	as "$duid" "$mxsec" -s "$sock" stats >"$tmp/out" 2>&1 &&
		pass "daemon's uid $duid: stats" || { cat "$tmp/out"; fail "daemon uid stats"; }
fi
"$mxsec" -s "$sock" stats >"$tmp/stats"
for k in queries.requests cache.entries cache.hits cache.misses status.secure \
    status.bogus upstreams.known memory.rss_bytes api.denied reloads.ok; do
	grep -q "^$k [0-9]" "$tmp/stats" && pass "stats has $k" || fail "stats lacks $k"
done
grep -q "^api.denied [1-9]" "$tmp/stats" && pass "denials counted" || fail "api.denied"
"$mxsec" -s "$sock" ta list >"$tmp/out"
grep -q '^\. DS 20326 alg 8 static' "$tmp/out" && pass "ta list: built-in root anchor, static" ||
	{ cat "$tmp/out"; fail "ta list"; }
"$mxsec" -s "$sock" -j flush --all | grep -q '"ok":true' && pass "-j flush --all" || fail "-j flush"
"$mxsec" -s "$sock" flush 'bad..name' >/dev/null 2>&1; [ $? -eq 64 ] && pass "bad name: exit 64" ||
	fail "flush bad name"

# 2. a broken file is refused, with its line
echo "frobnicate yes" >>"$tmp/c.conf"
line=$(wc -l <"$tmp/c.conf")
"$mxsec" -s "$sock" reload >"$tmp/out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "c.conf:$line: " "$tmp/out" && pass "reload of a broken file: c.conf:$line" ||
	{ cat "$tmp/out"; fail "broken reload (exit $rc)"; }
grep -q "c.conf:$line: .*reload failed\|reload failed.*c.conf:$line" "$tmp/log" && pass "logged with file:line" ||
	fail "log of the failed reload"
"$mxsec" -s "$sock" ping >/dev/null && pass "still running" || fail "gone after a bad reload"
sed -i '/frobnicate/d' "$tmp/c.conf"

# 3. stop with requests stuck upstream
clients=
for i in 1 2 3 4; do
	dig +tries=1 +time=8 -p "$port" @127.0.0.1 "stuck$i.example" A >"$tmp/dig$i" 2>&1 &
	clients="$clients $!"
done
for i in 1 2 3; do
	"$mxsec" -s "$sock" -t 10 a "api$i.example" >"$tmp/api$i" 2>&1 &
	clients="$clients $!"
done
sleep 0.5
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$?
t1=$(date +%s%N)
pid=
ms=$(( (t1 - t0) / 1000000 ))
[ $rc -eq 0 ] && pass "exit status 0 after SIGTERM" || fail "exit status $rc"
[ $ms -ge 1500 ] && [ $ms -lt 4000 ] && pass "stopped after the grace ($ms ms)" ||
	fail "stop took $ms ms"
# shellcheck disable=SC2086
wait $clients 2>/dev/null
n=0
for i in 1 2 3 4; do grep -q "status: SERVFAIL" "$tmp/dig$i" && n=$((n + 1)); done
[ $n -eq 4 ] && pass "DNS clients got SERVFAIL" || { cat "$tmp/dig1"; fail "DNS clients: $n of 4 SERVFAIL"; }
n=0
for i in 1 2 3; do grep -q "shutting down" "$tmp/api$i" && n=$((n + 1)); done
[ $n -eq 3 ] && pass "API clients got 'shutting down'" || { cat "$tmp/api1"; fail "API clients: $n of 3"; }
grep -q "ending them with SERVFAIL" "$tmp/log" && pass "logged" || fail "no log of the abort"
"$mxsecd" --dump-cache -c "$tmp/c.conf" >/dev/null 2>"$tmp/out" && pass "cache opens after the stop" ||
	{ cat "$tmp/out"; fail "cache after stop"; }
[ $fails -eq 0 ] || { echo "--- log"; cat "$tmp/log"; }
echo "$fails failed"
[ $fails -eq 0 ]
