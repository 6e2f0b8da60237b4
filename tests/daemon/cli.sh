#!/usr/bin/env bash
# mxsecd's command line, config errors with file:line, and clean stops on
# SIGTERM and SIGINT.  Usage: cli.sh PATH-TO-MXSECD
set -u
mxsecd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "ok - $1"; }
fail() { echo "not ok - $1"; fails=$((fails + 1)); }

"$mxsecd" --help >"$tmp/out" 2>&1 && grep -q -- "--config" "$tmp/out" &&
	pass "--help" || fail "--help"
"$mxsecd" --version | grep -Eq '^mxsecd [0-9]+\.[0-9]+' && pass "--version" || fail "--version"
"$mxsecd" --bogus >/dev/null 2>&1; [ $? -eq 2 ] && pass "bad option exits 2" || fail "bad option"

cat >"$tmp/good.conf" <<CONF
# a comment
mode forward
forward 127.0.0.20 127.0.0.21@5353   # trailing comment
listen-dns 127.0.0.1@5300
api-socket $tmp/mxsecd.sock
cache-dir $tmp/cache
cache-size 64M
query-loopback yes
domain-insecure example.test
CONF
"$mxsecd" -n -c "$tmp/good.conf" >"$tmp/out" 2>&1 && pass "-n accepts a good file" ||
	{ cat "$tmp/out"; fail "-n good file"; }

check_bad() {  # line-number expected-substring config-text
	printf '%s\n' "$3" >"$tmp/bad.conf"
	if "$mxsecd" -n -c "$tmp/bad.conf" >"$tmp/out" 2>&1; then
		fail "accepted: $3"
	elif grep -q "bad.conf:$1: .*$2" "$tmp/out"; then
		pass "rejected with bad.conf:$1: $2"
	else
		cat "$tmp/out"
		fail "message for: $3"
	fi
}
check_bad 2 "unknown" "mode recursive
frobnicate yes"
check_bad 1 "mode" "mode sideways"
check_bad 3 "cache-size" "# x

cache-size lots"
check_bad 1 "forward" "forward 300.1.2.3"
check_bad 1 "query-loopback" "query-loopback maybe"
"$mxsecd" -n -c "$tmp/nonexistent.conf" >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "nonexistent.conf" "$tmp/out" && pass "missing file named" ||
	fail "missing file"

# Runs in the foreground and stops cleanly on SIGTERM and SIGINT.
for sig in TERM INT; do
	"$mxsecd" -f -c "$tmp/good.conf" >"$tmp/run.log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do grep -q "starting" "$tmp/run.log" && break; sleep 0.1; done
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	[ $rc -eq 0 ] && pass "SIG$sig stops with status 0" ||
		{ cat "$tmp/run.log"; fail "SIG$sig exit status $rc"; }
done

echo "$fails failed"
[ $fails -eq 0 ]
