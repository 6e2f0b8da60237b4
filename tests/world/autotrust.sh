#!/usr/bin/env bash
# RFC 5011 in the daemon: auto-trust-anchor-file.
#   autotrust.sh MXSECD OUTDIR
# 1. Seeded from the world's root DS, mxsecd writes the state file, probes
#    the root DNSKEY RRset and records the key as valid; answers are secure.
# 2. Restarted with the state file alone (no trust-anchor-file: the
#    built-in IANA anchors would fail here), answers are still secure: the
#    file's trusted key is what validates.
# 3. A corrupt state file stops start-up with its file:line.
# The hold-down and revocation rules are unit-tested with an injected
# clock (tests/unit/test_rfc5011.c).
set -u
here=$(cd "$(dirname "$0")" && pwd)
mxsecd=$1
out=$2
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
port=5393
tmp=$(mktemp -d)
pid=
fails=0
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$here/world.sh" stop "$out" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
"$here/world.sh" start "$out" >/dev/null || exit 1

conf() {  # file, with-ds(yes|no)
	{
		echo "mode recursive"
		echo "root-hints $out/root.hints"
		[ "$2" = yes ] && echo "trust-anchor-file $out/root.ds"
		echo "auto-trust-anchor-file $tmp/root.state"
		echo "listen-dns 127.0.0.1@$port"
		echo "api-socket $tmp/mxsecd.sock"
		echo "cache-dir $tmp/cache"
		echo "query-loopback yes"
		# The state file lives in this root-only temp directory: keep
		# root (without capabilities) so that it can be rewritten.
		echo "user root"
	} >"$1"
}
start() {
	"$mxsecd" -f -c "$1" 2>>"$tmp/log" &
	pid=$!
	for _ in $(seq 100); do
		dig +time=1 +tries=1 -p $port @127.0.0.1 . NS >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
stop() {
	kill "$pid"
	wait "$pid"
	local rc=$?
	pid=
	[ $rc -eq 0 ] || bad "mxsecd exit status $rc"
}
secure() {  # label
	if dig @127.0.0.1 -p $port dane-ee.test MX +dnssec +tries=1 +time=10 +noall +comments |
		grep -q "flags:[a-z ]* ad[ ;]"; then ok "$1: dane-ee.test MX secure"; else bad "$1: dane-ee.test MX not secure"; fi
}

conf "$tmp/seed.conf" yes
start "$tmp/seed.conf" || bad "seeded: mxsecd does not answer"
secure seeded
for _ in $(seq 50); do
	grep -q "DNSKEY.*;state=valid" "$tmp/root.state" 2>/dev/null && break
	sleep 0.1
done
if grep -q "DNSKEY.*;state=valid" "$tmp/root.state" && ! grep -q ";state=seed" "$tmp/root.state"; then
	ok "state file: the root DNSKEY became valid, the DS seed is gone"
else
	bad "state file: no valid root DNSKEY"; cat "$tmp/root.state"
fi
stop

conf "$tmp/file.conf" no
start "$tmp/file.conf" || bad "from the file: mxsecd does not answer"
secure "from the state file alone"
stop

echo "nonsense line here" >>"$tmp/root.state"
if "$mxsecd" -f -c "$tmp/file.conf" 2>"$tmp/err.log"; then
	bad "a corrupt state file was accepted"
elif grep -q "root.state:[0-9]*: " "$tmp/err.log"; then
	ok "a corrupt state file stops start-up: $(grep -o 'root.state:[0-9]*: .*' "$tmp/err.log")"
else
	bad "corrupt state file: no file:line in the message"; cat "$tmp/err.log"
fi

[ $fails -eq 0 ] || { cat "$tmp/log"; exit 1; }
echo "all autotrust checks right"
