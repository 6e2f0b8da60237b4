#!/usr/bin/env bash
# End-to-end DANE: Postfix's own DANE client (posttls-finger) resolves MX,
# A and TLSA through mxsecd's loopback DNS listener, with the libc resolver
# trusting the AD bit, and connects to STARTTLS servers of the signed test
# world. Proves that an MTA gets authenticated TLS for DANE domains, a
# failure (never a plain-text fallback) for broken ones, and opportunistic
# TLS for unsigned ones.
#   postfix.sh MXSECD WORLD_OUTDIR
# WORLD_OUTDIR is made by the world-smoke test (tests/world/smoke.sh).
#
# Everything runs in a private network namespace, mxsec-e2e-PID, whose
# /etc/resolv.conf (a bind mount of /etc/netns/NAME/resolv.conf) points at
# mxsecd on 127.0.0.1:53: the world's NSDs (127.0.0.11-14), mxsecd, and one
# SMTP server (smtpd.py) listening on the world's MX addresses (127.0.2.N).
# On exit every process in the namespace, the namespace and its resolv.conf
# are removed.
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
world=$here/../world
# shellcheck source-path=SCRIPTDIR source=../world/mxsecd-lib.sh
. "$world/mxsecd-lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 MXSECD WORLD_OUTDIR" >&2; exit 2; }
mxsecd=$1
out=$2
skip() { echo "e2e-postfix: skipped: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace, ports 53 and 25)"
if [ ! -f "$out/root.hints" ] || [ ! -f "$out/root.key" ] || [ ! -f "$out/certs/ee.crt" ]; then
	skip "no test world in $out: the world-smoke test generates it (meson test world-smoke e2e-postfix)"
fi
command -v ip >/dev/null 2>&1 || skip "ip not installed (apt-get install iproute2)"
command -v posttls-finger >/dev/null 2>&1 || skip "posttls-finger not installed (apt-get install postfix)"
command -v dig >/dev/null 2>&1 || skip "dig not installed (apt-get install bind9-dnsutils)"
# Debian's python, not whatever python3 comes first in PATH (pyenv, venv)
py=/usr/bin/python3
"$py" -c 'import aiosmtpd' 2>/dev/null || skip "python3-aiosmtpd not installed (apt-get install python3-aiosmtpd)"
out=$(cd "$out" && pwd)
certs=$out/certs

# ------------------------------------------------------------------ cases
# domain | expect | mxsec dane verdict | posttls-finger options | note
#   verified   "Verified TLS connection" after a DANE match
#   mismatch   TLS, but certificate verification fails: no TLSA matches
#   tlsafail   the TLSA lookup fails: the host is not used at all
#   mxfail     the MX lookup fails: the delivery is deferred
#   tls        unauthenticated ("Untrusted" or "Anonymous") TLS
# dane-big.test publishes 3 1 1 (the server's key) beside 20 random 3 0 2
# records: another selector, so Postfix's RFC 7671 section 9 digest
# agility (the strongest digest per usage and selector) leaves 3 1 1 in
# use.  The case is about the truncated UDP answer and the TCP retry
# through mxsecd.
CASES='
dane-ee.test       | verified | dane  |                            | DANE-EE 3 1 1, self-signed server certificate
dane-ta.test       | verified | dane  |                            | DANE-TA 2 1 1, CA-issued chain, NSEC3 zone
cname.test         | verified | dane  |                            | MX host is a CNAME into dane-ee.test
anything.wild.test | verified | dane  |                            | wildcard MX and wildcard TLSA
dane-big.test      | verified | dane  |                            | 21 TLSA records: TC over UDP, then TCP
dane-bad.test      | mismatch | dane  |                            | TLSA matches no certificate of the server
bogus-tlsa.test    | tlsafail | defer |                            | TLSA RRSIG corrupted: bogus, no fallback
expired.test       | mxfail   | defer |                            | every RRSIG expired: MX lookup fails
insecure.test      | tls      | may   |                            | unsigned zone: opportunistic TLS
'

# SMTP servers: address and the certificate chain + key it presents
# (tests/world/gen.sh: certs/ee.crt covers the mx.* names of the DANE-EE
# zones; ta-chain.pem is the CA-issued certificate for mx.dane-ta.test).
# bogus-tlsa and expired have listening servers too, so that a resolver
# that let their bogus data through would show up as a TLS session.
SERVERS="
127.0.2.1  ee.crt        ee.key
127.0.2.2  ta-chain.pem  ta-server.key
127.0.2.3  ee.crt        ee.key
127.0.2.5  ee.crt        ee.key
127.0.2.6  ee.crt        ee.key
127.0.2.7  ee.crt        ee.key
127.0.2.14 ee.crt        ee.key
127.0.2.23 ee.crt        ee.key
"

# ------------------------------------------------------------------ setup
ns=mxsec-e2e-$$
nsconf=/etc/netns/$ns
tmp=$(mktemp -d /tmp/mxsec-e2e.XXXXXX)
made_netns_dir=no
ns_made=no
mxpid=
smtppid=
t0=$(date +%s.%N)

inns() { ip netns exec "$ns" "$@"; }

cleanup() {
	local pids i
	trap - EXIT INT TERM
	[ -n "$smtppid" ] && kill -TERM "$smtppid" 2>/dev/null
	[ -n "$mxpid" ] && kill -TERM "$mxpid" 2>/dev/null
	"$world/world.sh" stop "$out" >/dev/null 2>&1
	if [ "$ns_made" = yes ]; then
		# everything still in the namespace was started by this script
		for i in $(seq 50); do
			pids=$(ip netns pids "$ns" 2>/dev/null)
			[ -n "$pids" ] || break
			# shellcheck disable=SC2086
			[ "$i" -eq 30 ] && kill -KILL $pids 2>/dev/null
			sleep 0.1
		done
		ip netns del "$ns" 2>/dev/null
	fi
	rm -rf "$nsconf"
	[ "$made_netns_dir" = yes ] && rmdir /etc/netns 2>/dev/null
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "e2e-postfix: FAIL: $*"
	for f in "$tmp"/mxsecd.log "$tmp"/smtpd.log; do
		[ -s "$f" ] && { echo "--- last lines of $f"; tail -20 "$f"; }
	done
	exit 1
}

[ -d /etc/netns ] || made_netns_dir=yes
mkdir -p "$nsconf"
# glibc >= 2.31 passes the AD bit on only with trust-ad; edns0 for size
printf 'nameserver 127.0.0.1\noptions trust-ad edns0\n' >"$nsconf/resolv.conf"
ip netns add "$ns" || die "ip netns add $ns failed"
ns_made=yes
inns ip link set lo up || die "cannot bring lo up in $ns"

inns "$world/world.sh" start "$out" >"$tmp/world.log" 2>&1 ||
	{ cat "$tmp/world.log"; die "the test world did not start"; }

mx_conf "$tmp/mxsecd.conf" "$out" "$tmp" 53 "mode recursive" \
	"trust-anchor-file $out/root.key"
# not through inns: $! must be mxsecd itself (ip netns exec execs it)
ip netns exec "$ns" "$mxsecd" -f -c "$tmp/mxsecd.conf" 2>"$tmp/mxsecd.log" &
mxpid=$!
up=no
for _ in $(seq 100); do
	if inns dig +time=1 +tries=1 @127.0.0.1 . NS >/dev/null 2>&1; then up=yes; break; fi
	kill -0 "$mxpid" 2>/dev/null || break
	sleep 0.05
done
[ $up = yes ] || die "mxsecd does not answer on 127.0.0.1@53 in $ns"

specs=()
while read -r addr chain key; do
	[ -n "$addr" ] || continue
	specs+=("$addr:$certs/$chain:$certs/$key")
done <<<"$SERVERS"
ip netns exec "$ns" "$py" "$here/smtpd.py" "$tmp/smtpd.ready" "${specs[@]}" >"$tmp/smtpd.log" 2>&1 &
smtppid=$!
for _ in $(seq 200); do
	[ -f "$tmp/smtpd.ready" ] && break
	kill -0 "$smtppid" 2>/dev/null || break
	sleep 0.05
done
[ -f "$tmp/smtpd.ready" ] || die "the SMTP servers did not start"

# posttls-finger reads main.cf: give it an empty one of its own, so the
# host's Postfix configuration (if any) does not change the outcome.
mkdir -p "$tmp/postfix"
: >"$tmp/postfix/main.cf"
export MAIL_CONFIG=$tmp/postfix

echo "e2e-postfix: world, mxsecd and SMTP servers up in $ns" \
	"($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)"

# ------------------------------------------------------------------ checks
pass=0 fail=0
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# check DOMAIN EXPECT OPTIONS NOTE
check() {
	local domain=$1 expect=$2 opts=$3 note=$4 log key="" bad=""
	log=$tmp/pf-$domain.log
	# shellcheck disable=SC2086 # OPTIONS is a word list
	inns timeout 240 posttls-finger -t 30 -T 180 -a ipv4 -l dane -c $opts "$domain" >"$log" 2>&1
	local established verified
	established=$(grep -E 'TLS connection established to ' "$log" | head -1)
	verified=$(grep -E '^posttls-finger: Verified TLS connection established to ' "$log" | head -1)
	case $expect in
	verified)
		key=$verified
		[ -n "$key" ] || bad="no verified TLS connection"
		grep -q 'Matched DANE' "$log" || bad="$bad; no DANE match"
		;;
	mismatch)
		key=$(grep -E 'certificate verification failed for .*no matching DANE TLSA records' "$log" | head -1)
		[ -n "$key" ] || bad="no DANE verification failure"
		[ -z "$verified" ] || bad="$bad; verified anyway"
		;;
	tlsafail)
		key=$(grep -E 'Failed to establish session to .*TLSA lookup error' "$log" | head -1)
		[ -n "$key" ] || bad="no TLSA lookup error"
		[ -z "$established" ] || bad="$bad; connected anyway"
		;;
	mxfail)
		key=$(grep -E 'Destination address lookup failed: .*type=MX.*try again' "$log" | head -1)
		[ -n "$key" ] || bad="no temporary MX lookup failure"
		[ -z "$established" ] || bad="$bad; connected anyway"
		;;
	tls)
		key=$(grep -E '^posttls-finger: (Untrusted|Anonymous) TLS connection established to ' "$log" | head -1)
		[ -n "$key" ] || bad="no opportunistic TLS connection"
		[ -z "$verified" ] || bad="$bad; verified (no TLSA should exist)"
		;;
	*) bad="unknown expectation $expect" ;;
	esac
	if [ -z "$bad" ]; then
		pass=$((pass + 1))
		printf 'ok   %-18s %-8s %s\n     %s\n' "$domain" "$expect" "($note)" "$key"
	else
		fail=$((fail + 1))
		printf 'FAIL %-18s %-8s %s: %s\n' "$domain" "$expect" "($note)" "${bad#; }"
		sed 's/^/     | /' "$log"
	fi
}

# ---------------------------------------------------------------------
# `mxsec dane DOMAIN` (the CLI over mxsecd's Unix socket, api-socket
# $tmp/mxsecd.sock): its per-host verdict for each DOMAIN must be the
# VERDICT column of CASES (dane / encrypt / may / defer, doc/protocol.md),
# so that the socket API and Postfix reach the same decisions over the
# same world.
check_mxsec_dane() { # DOMAIN VERDICT
	local cli="" c d
	d=$(dirname "$mxsecd")/../api
	for c in "$d/mxsec" "$d/client/mxsec"; do
		[ -x "$c" ] && { cli=$c; break; }
	done
	if [ -z "$cli" ]; then
		echo "skip mxsec dane $1: no CLI at $d/mxsec or $d/client/mxsec"
		return 0
	fi
	# The verdict of every host, or the result when it is not "ok" (a
	# failed MX lookup defers the whole domain).
	local got
	got=$("$cli" -s "$tmp/mxsecd.sock" --json dane "$1" | /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
if r.get("result") != "ok":
    print(r.get("result"))
else:
    print(",".join(sorted(set(h["verdict"] for h in r["hosts"]))))')
	if [ "$got" = "$2" ]; then
		echo "ok   mxsec dane $1: $got"
		pass=$((pass + 1))
	else
		echo "FAIL mxsec dane $1: want $2, got ${got:-nothing}"
		fail=$((fail + 1))
	fi
}
# ---------------------------------------------------------------------

while IFS='|' read -r domain expect verdict opts note; do
	domain=$(trim "$domain")
	case $domain in "" | \#*) continue ;; esac
	check "$domain" "$(trim "$expect")" "$(trim "$opts")" "$(trim "$note")"
done <<<"$CASES"

while IFS='|' read -r domain _ verdict _; do
	domain=$(trim "$domain")
	case $domain in "" | \#*) continue ;; esac
	check_mxsec_dane "$domain" "$(trim "$verdict")"
done <<<"$CASES"

# mxsecd must still be serving, and exit cleanly on SIGTERM
if kill -0 "$mxpid" 2>/dev/null; then
	kill -TERM "$mxpid"
	wait "$mxpid"
	rc=$?
	mxpid=
	if [ $rc -ne 0 ]; then
		echo "FAIL mxsecd exit status $rc on SIGTERM"
		tail -20 "$tmp/mxsecd.log"
		fail=$((fail + 1))
	fi
else
	echo "FAIL mxsecd died during the test"
	tail -20 "$tmp/mxsecd.log"
	fail=$((fail + 1))
fi

echo "e2e-postfix: $pass passed, $fail failed" \
	"($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)"
[ $fail -eq 0 ]
