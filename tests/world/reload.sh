#!/usr/bin/env bash
# SIGHUP and SIGTERM over the signed test world (issue 7).
#   reload.sh MXSECD OUTDIR
# 1. SIGHUP with a changed file (log-level info, and cache-size, which
#    needs a restart): the new level takes effect, cache-size is logged as
#    needing a restart, and cached answers stay (answered again with no
#    upstream query).
# 2. SIGHUP with a broken file: the log names FILE:LINE, the daemon answers
#    as before, the cache is untouched.
# 3. 'mxsec reload' adding 'domain-insecure expired.test': the bogus zone
#    becomes insecure (NOERROR without AD), the cache is flushed and that
#    is logged.
# 4. SIGTERM under load (DNS and API clients): every client gets an answer
#    or a clean error, exit status 0, and the next start finds the cache
#    intact (cached answers come back with no upstream query).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mxsecd-lib.sh
. "$here/mxsecd-lib.sh"
mxsecd=$1
out=$2
mxsec=$(cd "$(dirname "$mxsecd")/.." && pwd)/api/client/mxsec
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
[ -x "$mxsec" ] || { echo "no mxsec CLI at $mxsec"; exit 77; }
port=5388
tmp=$(mktemp -d)
chmod 755 "$tmp"    # the daemon drops root: it reads its file again as its user
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$here/world.sh" stop "$out" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
"$here/world.sh" start "$out" >/dev/null || exit 1
fails=0
pass() { echo "ok - $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
sock=$tmp/mxsecd.sock
conf=$tmp/m.conf
log=$tmp/log

q() {  # name type -> "RCODE AD|noad"
	local r
	r=$(dig @127.0.0.1 -p $port "$1" "$2" +dnssec +tries=1 +time=5 +noall +comments 2>&1)
	printf '%s %s\n' "$(echo "$r" | sed -n 's/.*status: \([A-Z]*\).*/\1/p')" \
	    "$(echo "$r" | grep -q 'flags:[a-z ]* ad[ ;]' && echo AD || echo noad)"
}
stat() { "$mxsec" -s "$sock" stats | awk -v k="$1" '$1 == k {print $2}'; }
start() {
	"$mxsecd" -f -c "$conf" >>"$log" 2>&1 &
	pid=$!
	mx_wait $port "$pid" || { cat "$log"; echo "FAIL mxsecd did not start"; exit 1; }
}
logwait() {  # pattern: wait up to 3 s for it in the log
	for _ in $(seq 60); do grep -q "$1" "$log" && return 0; sleep 0.05; done
	return 1
}

mx_conf "$conf" "$out" "$tmp" $port "trust-anchor-file $out/root.key"
chmod 644 "$conf"
start
secure="mx.dane-ee.test A"
[ "$(q $secure)" = "NOERROR AD" ] && pass "secure answer" || fail "secure: $(q $secure)"
[ "$(q expired.test MX)" = "SERVFAIL noad" ] && pass "expired.test is bogus" || fail "expired: $(q expired.test MX)"
"$mxsec" -s "$sock" a mx.dane-ee.test >/dev/null
entries0=$(stat cache.entries)
up0=$(stat queries.upstream)
[ "${entries0:-0}" -gt 0 ] && pass "cache has $entries0 entries" || fail "no cache entries"

# 1. a changed file
cp "$conf" "$conf.1"
echo "log-level info" >>"$conf"
echo "cache-size 64M" >>"$conf"
kill -HUP "$pid"
logwait "reloaded" && pass "SIGHUP: reloaded" || fail "SIGHUP: no reload line"
grep -q "cache-size changed: needs a restart" "$log" && pass "cache-size needs a restart" ||
	fail "cache-size not reported"
"$mxsec" -s "$sock" flush nothing.test >/dev/null
logwait "control: flushed nothing.test" && pass "log-level info took effect" ||
	fail "log-level info not applied"
[ "$(q $secure)" = "NOERROR AD" ] && pass "answers the same" || fail "after reload: $(q $secure)"
[ "$(stat queries.upstream)" = "$up0" ] && pass "from the cache (no upstream query)" ||
	fail "upstream queries $up0 -> $(stat queries.upstream)"
[ "$(stat cache.entries)" -ge "$entries0" ] && pass "cache entries kept" || fail "entries lost"

# 2. a broken file
cp "$conf" "$conf.2"
echo "frobnicate yes" >>"$conf"
line=$(wc -l <"$conf")
kill -HUP "$pid"
logwait "m.conf:$line: " && pass "broken file: m.conf:$line logged" || fail "broken file: no file:line"
grep -q "reload failed, the running configuration stays" "$log" && pass "old configuration kept" ||
	fail "no 'running configuration stays'"
kill -0 "$pid" && [ "$(q $secure)" = "NOERROR AD" ] && [ "$(q expired.test MX)" = "SERVFAIL noad" ] &&
	pass "answers as before" || fail "answers changed"
[ "$(stat queries.upstream)" = "$up0" ] && [ "$(stat cache.entries)" -ge "$entries0" ] &&
	pass "cache untouched" || fail "cache after a failed reload"
"$mxsec" -s "$sock" reload >"$tmp/out" 2>&1
[ $? -ne 0 ] && grep -q "m.conf:$line:" "$tmp/out" && pass "mxsec reload reports m.conf:$line" ||
	{ cat "$tmp/out"; fail "mxsec reload of a broken file"; }

# 3. a negative trust anchor, through the socket
cp "$conf.2" "$conf"
echo "domain-insecure expired.test" >>"$conf"
"$mxsec" -s "$sock" reload >"$tmp/out" 2>&1 && grep -q "cache flushed" "$tmp/out" &&
	pass "mxsec reload: $(cat "$tmp/out")" || { cat "$tmp/out"; fail "mxsec reload"; }
[ "$(q expired.test MX)" = "NOERROR noad" ] && pass "expired.test now insecure" ||
	fail "expired.test after NTA: $(q expired.test MX)"
[ "$(q $secure)" = "NOERROR AD" ] && pass "others still secure" || fail "secure after NTA"
grep -q "trust anchors changed, cache flushed" "$log" && pass "flush logged" || fail "flush not logged"

# 4. SIGTERM under load
for n in mx.dane-ee.test mx.dane-ta.test dane-ee.test; do q "$n" A >/dev/null; q "$n" MX >/dev/null; done
clients=
for i in $(seq 60); do
	dig @127.0.0.1 -p $port "r$i-$RANDOM.dane-ee.test" A +tries=1 +time=4 >"$tmp/d$i" 2>&1 &
	clients="$clients $!"
	"$mxsec" -s "$sock" -t 5 dane "dane-ee.test" >"$tmp/a$i" 2>&1 &
	clients="$clients $!"
	echo $! >"$tmp/a$i.pid"
done
sleep 0.2
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] && pass "SIGTERM under load: exit 0" || fail "exit status $rc"
api_bad=0
for i in $(seq 60); do
	wait "$(cat "$tmp/a$i.pid")"
	x=$?
	# 0/1: an answer; 69: unreachable (the socket went away); 3: defer.
	case $x in 0|1|3|69) ;; *) api_bad=$((api_bad + 1)); echo "# api client $i exit $x: $(head -2 "$tmp/a$i")" ;; esac
done
# shellcheck disable=SC2086
wait $clients 2>/dev/null
[ $api_bad -eq 0 ] && pass "API clients: answers or clean errors" || fail "$api_bad API clients malformed"
dns_ok=$(grep -l "status: NXDOMAIN\|status: NOERROR\|status: SERVFAIL" "$tmp"/d* | wc -l)
echo "# $dns_ok of 60 DNS clients answered before the stop (the rest timed out: UDP is no longer read)"
grep -q "malformed\|Segmentation\|AddressSanitizer" "$tmp"/a* "$log" && fail "crash or malformed reply" ||
	pass "no malformed reply"
"$mxsecd" --dump-cache -c "$conf" >"$tmp/dump" 2>&1 && grep -q "^mx.dane-ee.test." "$tmp/dump" &&
	pass "cache intact after the stop ($(grep -c '^;' "$tmp/dump") entries)" ||
	{ head "$tmp/dump"; fail "cache after stop"; }
start
up1=$(stat queries.upstream)   # mx_wait's '. NS' may have gone upstream
[ "$(q $secure)" = "NOERROR AD" ] && [ "$(stat queries.upstream)" = "$up1" ] &&
	pass "next start answers from the cache" || fail "next start: $(q $secure), upstream $up1 -> $(stat queries.upstream)"
kill "$pid"; wait "$pid"; rc=$?; pid=
[ $rc -eq 0 ] || fail "second stop: exit $rc"
[ $fails -eq 0 ] || { echo "--- log"; tail -40 "$log"; }
echo "$fails failed"
[ $fails -eq 0 ]
