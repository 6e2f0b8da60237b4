#!/usr/bin/env bash
# Every benchmark of doc/performance.md in one go, then one summary of the
# figures next to their goals (issue 8):
#
#   tests/bench/all.sh [MXSECD] [full|quick]
#
#   cache.sh   cache-hit DNS throughput, CPU per query, VmRSS idle and
#              after the load, first answer after a restart (mxsecd and
#              unbound, dnsperf)
#   api.sh     socket API throughput for cached MX+TLSA and DANE requests
#              against unbound's cached DNS answers; cold DANE verdicts
#              against an MTA's lookups one after another through unbound
#   cold.sh    cold MX, A, AAAA, TLSA one after another, both validating
#   crypto.sh  verification cost per signature per algorithm against
#              openssl speed
#   policy.sh  the socketmap TLS policy map (DANE and MTA-STS) against the
#              DNS lookups Postfix makes through unbound for DANE alone
#
# Each one also runs on its own (same arguments as here, see its header).
# MXSECD defaults to build/daemon/mxsecd; the others' test programs
# (apiload, test_crypto) are taken from the same build.  "full" (the
# default) uses each script's default durations, the ones of
# doc/performance.md; "quick" only shows that everything works (a few
# seconds each: the figures mean little).  Each script generates the
# signed test world from tests/world/cases.conf and starts Debian's
# validating unbound beside mxsecd on it, one after the other: only one
# world can run at a time.  Needs root (port 53 on 127.0.0.x).
#
# The run happens in a private network namespace (unshare -n, loopback
# only), so that another test world on the machine cannot answer in its
# place; MXSEC_BENCH_NETNS=no runs it in the current one.  Every script's
# full output is kept in a directory named at the end.  Exit status 1 when
# a script failed; figures that miss their goal are reported, not failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mxsecd=${1:-$top/build/daemon/mxsecd}
how=${2:-full}
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C
die() { echo "all.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (the world's servers bind 127.0.0.x:53)"
case $mxsecd in /*) ;; *) mxsecd=$PWD/$mxsecd ;; esac
[ -x "$mxsecd" ] || die "no mxsecd at $mxsecd (build first, or give its path)"
case $how in
full) cache_args=() api_args=() cold_args=() crypto_args=() policy_args=() ;;
quick) cache_args=(3 1) api_args=(2 1) cold_args=(2) crypto_args=(1) policy_args=(2) ;;
*) die "usage: $0 [MXSECD] [full|quick]" ;;
esac
for p in dnsperf unbound nsd openssl dig; do
	command -v $p >/dev/null 2>&1 || die "needs $p (scripts/deps.sh test)"
done
/usr/bin/python3 -c 'import dns.message' 2>/dev/null || die "needs python3-dnspython for /usr/bin/python3"

if [ "${MXSEC_BENCH_IN_NETNS:-}" != yes ] && [ "${MXSEC_BENCH_NETNS:-yes}" != no ]; then
	command -v unshare >/dev/null 2>&1 || die "needs unshare (util-linux), or MXSEC_BENCH_NETNS=no"
	# shellcheck disable=SC2016
	exec unshare -n env MXSEC_BENCH_IN_NETNS=yes bash -c \
	    'ip link set lo up && exec "$0" "$@"' "$0" "$mxsecd" "$how"
fi

res=$(mktemp -d /tmp/mxsec-bench-all.XXXXXX)
t0=$(date +%s)
failed=""
{
	echo "command: $(printf '%q ' "$0" "$mxsecd" "$how")"
	echo "date: $(date -u '+%F %T') UTC; mxsec $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')"
	echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo);" \
	    "load average before $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "unbound $(unbound -V 2>/dev/null | awk '/^Version/ { print $2 }'), $(dnsperf -h 2>&1 | awk '/^DNS Performance Testing Tool/ { print; exit }'), $(openssl version)"
	[ "$how" = quick ] && echo "QUICK RUN: short durations, the figures only show that it works"
} | tee "$res/header.txt"

# run NAME ARGS...: one script, its output shown and kept in $res/NAME.txt
run() {
	local name=$1 t
	shift
	echo
	echo "======== $name.sh $*"
	t=$(date +%s)
	if ! "$here/$name.sh" "$mxsecd" "$@" 2>&1 | tee "$res/$name.txt"; then
		echo "all.sh: $name.sh failed" | tee -a "$res/$name.txt"
		failed="$failed $name"
	fi
	echo "======== $name.sh: $(($(date +%s) - t)) s"
}
set -o pipefail
run cache "${cache_args[@]}"
run api "${api_args[@]}"
run cold "${cold_args[@]}"
run crypto "${crypto_args[@]}"
run policy "${policy_args[@]}"

# ------------------------------------------------------------ summary
# v FILE REGEX: the first parenthesised group of the first line matching
v() { sed -n "s/$2/\\1/p" "$res/$1.txt" 2>/dev/null | head -n 1; }
# row FIGURE VALUE GOAL [MIN [GOAL]]: MIN and GOAL are awk conditions on
# x (the value); without them the figure has no goal
row() {
	local verdict=""
	if [ -z "$2" ] || [ "$2" = "?" ]; then
		verdict="no figure"
	elif [ $# -ge 4 ]; then
		verdict=$(awk -v x="$2" "BEGIN {
			if (!($4)) print \"NOT MET\"
			else if (\"${5:-}\" == \"\") print \"met\"
			else print (${5:-1}) ? \"goal met\" : \"minimum met, goal not\" }")
	fi
	printf '%-54s %8s  %-18s %s\n' "$1" "$2" "$3" "$verdict"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "?" }'; }

qps=$(v cache '^ratio mxsecd\/unbound, qps: \([0-9.]*\).*')
cpuq=$(v cache '^ratio mxsecd\/unbound, qps: [0-9.]*; CPU per query: \([0-9.]*\).*')
read -r ub_idle ub_load < <(awk '$1 == "unbound" && NF == 3 && $2 ~ /^[0-9]+$/ { print $2, $3; exit }' "$res/cache.txt" 2>/dev/null)
read -r mx_idle mx_load < <(awk '$1 == "mxsecd" && NF == 3 && $2 ~ /^[0-9]+$/ { print $2, $3; exit }' "$res/cache.txt" 2>/dev/null)
warm=$(v cache '^  mxsecd, same cache-dir *median \([0-9.]*\).*')
empty=$(v cache '^  mxsecd, empty cache-dir *median \([0-9.]*\).*')
ubcold=$(v cache '^  unbound (cold) *median \([0-9.]*\).*')
api_look=$(v api '^ratio mxsecd API MX+TLSA \/ unbound DNS: \([0-9.]*\).*')
api_dane=$(v api '^ratio mxsecd API DANE \/ unbound DNS: *\([0-9.]*\).*')
pol=$(v policy '^ratio mxsecd \/ unbound: \([0-9.]*\).*')
api_rss=$(v api '^RSS after the load: mxsecd \([0-9]*\) kB.*')
api_ub_rss=$(v api '^RSS after the load: mxsecd [0-9]* kB, unbound \([0-9]*\) kB.*')
cold_dane=$(v api '^ratio mxsecd \/ unbound: \([0-9.]*\).*')
cold_seq=$(v cold '^ratio mxsecd\/unbound, both validating: \([0-9.]*\).*')
worst=$(v crypto '^worst cost: \([0-9.]*\).*')

{
echo
echo "======== summary ($(($(date +%s) - t0)) s; every script's output in $res)"
[ "$how" = quick ] && echo "QUICK RUN: short durations, the figures only show that it works"
printf '%-54s %8s  %-18s %s\n' figure value goal ""
row "cache hits: qps, mxsecd / unbound (cache.sh)" "$qps" ">= 1.0, goal 1.5" "x >= 1.0" "x >= 1.5"
row "cache hits: CPU per query, mxsecd / unbound" "$cpuq" "-"
row "RSS idle: mxsecd / unbound (cache.sh)" "$(ratio "${mx_idle:-}" "${ub_idle:-0}")" "<= 0.5" "x <= 0.5"
row "RSS after the load: mxsecd / unbound (cache.sh)" "$(ratio "${mx_load:-}" "${ub_load:-0}")" "<= 0.5" "x <= 0.5"
row "RSS after API load: mxsecd / unbound (api.sh)" "$(ratio "${api_rss:-}" "${api_ub_rss:-0}")" "<= 0.5" "x <= 0.5"
row "API MX+TLSA req/s / unbound DNS qps (api.sh)" "$api_look" ">= 2" "x >= 2"
row "API DANE req/s / unbound DNS qps (api.sh)" "$api_dane" ">= 2" "x >= 2"
row "cold DANE verdicts: mxsecd / unbound seq. (api.sh)" "$cold_dane" "<= 0.5" "x <= 0.5"
row "first answer after restart: mxsecd warm / unbound" "$(ratio "${warm:-}" "${ubcold:-0}")" "-"
row "cold MX+A+AAAA+TLSA in turn, mxsecd / unbound" "$cold_seq" "-"
row "signature cost, worst algorithm / openssl (crypto.sh)" "$worst" "<= 1.3" "x <= 1.3"
row "cached TLS policy per destination: socketmap / unbound DNS lookups (policy.sh)" "$pol" "-"
if [ -f "$res/crypto.txt" ]; then
	awk '/^(8|10|13|14|15|16) / { printf "  %-52s %8s  %-18s %s\n", "alg " $1 " " $2 ": mxsec / openssl speed", $NF, "<= 1.3", ($NF <= 1.3) ? "met" : "NOT MET" }' "$res/crypto.txt"
fi
echo "values: RSS kB idle/after load: mxsecd ${mx_idle:-?}/${mx_load:-?}, unbound ${ub_idle:-?}/${ub_load:-?};" \
    "first answer ms: mxsecd warm ${warm:-?}, mxsecd empty cache ${empty:-?}, unbound ${ubcold:-?}"
[ -n "$failed" ] && echo "FAILED:$failed"
} | tee "$res/summary.txt"
[ -z "$failed" ]
