#!/usr/bin/env bash
# Validation cost per signature, per algorithm, next to `openssl speed`
# for the same algorithm on the same machine in the same run:
#
#   tests/bench/crypto.sh [MXSECD] [SECONDS]
#
# For each DNSSEC algorithm in turn, `openssl speed -seconds SECONDS -mr`
# (default 2) for the matching key type, then mxsec's own verification
# (build/tests/unit/test_crypto --bench N ALG: crypto_verify() on one
# RFC test vector with its key cached, as the validator calls it, the
# signed data hashed each time) for as many verifications as openssl
# managed in SECONDS, so both run about as long.  test_crypto is found
# beside MXSECD (default build/daemon/mxsecd), as meson builds it.
#
# Both rates are per second of user CPU time: openssl speed divides by its
# user time unless given -elapsed, and test_crypto's user time is taken
# here (bash's `time`), so other work on the machine, which stretches the
# wall clock of both, does not count.  The wall-clock rate test_crypto
# prints is shown too.  cost = mxsec's CPU per verification / openssl's;
# the goal is at most 1.3.  openssl verifies a short fixed digest (RSA,
# ECDSA) or message (EdDSA); mxsec also hashes the RRset's signed data
# (about 100 octets here) and converts the signature's format.  Prints
# numbers; this is no pass/fail test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mxsecd=${1:-$top/build/daemon/mxsecd}
seconds=${2:-2}
export LC_ALL=C
tc=$(dirname "$(dirname "$mxsecd")")/tests/unit/test_crypto
die() { echo "crypto.sh: $*" >&2; exit 1; }
[ -x "$tc" ] || die "no test_crypto at $tc (build the tree)"
command -v openssl >/dev/null 2>&1 || die "needs openssl"
case $seconds in '' | *[!0-9]*) die "SECONDS is a whole number" ;; esac
tmp=$(mktemp -d /tmp/mxsec-bench-crypto.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "command: $(printf '%q ' "$0" "$@")"
echo "$(openssl version); $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
fmt='%-6s %-12s %12s %12s %12s %8s\n'
# shellcheck disable=SC2059
printf "$fmt" alg "" "openssl /s" "mxsec /s" "mxsec wall/s" cost
# DNSSEC number, name, openssl speed's name for it
while read -r alg name ossl; do
	openssl speed -seconds "$seconds" -mr "$ossl" >"$tmp/ossl" 2>&1 ||
		die "openssl speed $ossl failed: $(tail -3 "$tmp/ossl")"
	o=$(awk -F: '/^\+F[246]:/ { v = $NF } END { print v }' "$tmp/ossl")
	[ -n "$o" ] || die "no verify rate from openssl speed $ossl"
	n=$(awk -v r="$o" -v s="$seconds" 'BEGIN { n = int(r * s); print n < 100 ? 100 : n }')
	TIMEFORMAT='%3U'
	{ time "$tc" --bench "$n" "$alg" >"$tmp/mx"; } 2>"$tmp/mx.time" ||
		die "test_crypto --bench $n $alg failed"
	u=$(tail -n 1 "$tmp/mx.time")
	wall=$(sed -n 's/.* \([0-9]*\)\/s .*/\1/p' "$tmp/mx")
	read -r m cost < <(awk -v n="$n" -v u="$u" -v o="$o" 'BEGIN {
		if (u <= 0) { print "? ?"; exit }
		printf "%.0f %.2f\n", n / u, o / (n / u)
	}')
	# shellcheck disable=SC2059
	printf "$fmt" "$alg" "$name" "$(printf %.0f "$o")" "$m" "${wall:-?}" "$cost"
	echo "cost $alg $name $cost" >>"$tmp/costs"
done <<'ALGS'
8 RSA-2048 rsa2048
10 RSA-4096 rsa4096
13 P-256 ecdsap256
14 P-384 ecdsap384
15 Ed25519 ed25519
16 Ed448 ed448
ALGS
echo
echo "cost = mxsec's user CPU per verification / openssl speed's (goal <= 1.3)"
awk '{ if ($4 > w) { w = $4; a = $3 } } END { printf "worst cost: %.2f (%s)\n", w, a }' "$tmp/costs"
