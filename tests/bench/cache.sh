#!/usr/bin/env bash
# Cache-hit throughput, memory and restart time: mxsecd next to Debian's
# validating unbound on the same signed test world, in one run.
#
#   tests/bench/cache.sh [MXSECD] [SECONDS] [RUNS]
#
# MXSECD defaults to build/daemon/mxsecd, SECONDS (one dnsperf run) to 15,
# RUNS (runs per resolver, alternating, the best one kept) to 2.
#
#  1. starts the world, the validating unbound of world.sh on 127.0.0.21
#     (num-threads 1) and mxsecd (recursive from the world's root, the
#     world's anchor, one thread) on 127.0.0.22 port 53 (port 5394 when
#     port 53 needs a privilege we do not have);
#  2. builds the query mix from tests/world/cases.conf: every expected
#     NOERROR answer of type MX, A, AAAA or TLSA that is secure or insecure
#     (no bogus, no SERVFAIL, no denial), keeps those that unbound answers
#     with data, untruncated and in at most 1232 octets (unbound 1.17 sends
#     larger answers over UDP, mxsecd truncates them: not the same work),
#     and asks both resolvers each question once (the warm-up pass);
#  3. dnsperf, UDP, DO set, one client, one thread, at most 100 queries
#     outstanding, SECONDS each: unbound, mxsecd, and again, RUNS times;
#     the better run of each is reported, with the resolver's own CPU
#     time per answered query (utime + stime from /proc/PID/stat over the
#     run): on a small machine dnsperf and the resolver share the cores,
#     and the CPU figure does not depend on how much dnsperf takes (the
#     CPU % columns say whether the resolver or dnsperf was the limit);
#  4. VmRSS of both, idle (after start-up) and after the load;
#  5. first good answer (NOERROR, AD) to dane-ee.test MX after a restart,
#     timed from the process's start: mxsecd on its existing cache-dir
#     (what it kept across the restart; and, for comparison, on an empty
#     one), and unbound, whose cache does not survive a restart (cold); 3
#     restarts each, the median reported.  mxsecd's counters (SIGUSR1)
#     show whether its answer came from the cache.
#
# Prints numbers only: this is no pass/fail test.  The world's TTLs are
# 300 s and unbound's cache-max-ttl is 300: 2 x RUNS x SECONDS plus the
# warm-up must stay well below that, or the load stops being cache hits.
# Only one world can run at a time on a machine (fixed addresses), and
# the world's servers need port 53 on 127.0.0.x (root, as for every world
# test).  MXSEC_BENCH_KEEP=1 keeps the files (dnsperf reports, logs).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mxsecd=${1:-$top/build/daemon/mxsecd}
seconds=${2:-15}
runs=${3:-2}
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C
world_sh=$top/tests/world/world.sh
cmdline=$(printf '%q ' "$0" "$@")
cmdline=${cmdline% }
restarts=3
probe_name=dane-ee.test
probe_type=MX
ub_addr=127.0.0.21
mx_addr=127.0.0.22
mx_port=53
if [ "$(id -u)" -ne 0 ] &&
	[ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)" -gt 53 ]; then
	mx_port=5394
fi

die() { echo "cache.sh: $*" >&2; exit 1; }
[ -x "$mxsecd" ] || die "no mxsecd at $mxsecd (build first, or give its path)"
command -v dnsperf >/dev/null 2>&1 || die "dnsperf not installed (apt-get install dnsperf; scripts/deps.sh test)"
command -v unbound >/dev/null 2>&1 || die "unbound not installed (scripts/deps.sh test)"
case $seconds$runs in *[!0-9]*) die "SECONDS and RUNS are whole numbers" ;; esac
[ $((2 * runs * seconds)) -lt 200 ] || die "2 x RUNS x SECONDS must stay below 200 (TTLs are 300 s)"
if pgrep -x nsd >/dev/null 2>&1; then
	die "an nsd is running (another world test?): try again when it is done"
fi

out=$(mktemp -d /tmp/mxsec-bench-cache.XXXXXX)
world=$out/world
mxpid=

# Stop mxsecd by pid; it may be ours (wait works) or started by
# firstanswer.py (not our child: poll until it is gone).
stop_mxsecd() {
	[ -n "$mxpid" ] || return 0
	kill "$mxpid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$mxpid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$mxpid" 2>/dev/null || true
	wait "$mxpid" 2>/dev/null || true
	mxpid=
}

cleanup() {
	stop_mxsecd
	"$world_sh" stop "$world" >/dev/null 2>&1 || true
	if [ -n "${MXSEC_BENCH_KEEP:-}" ]; then
		echo "cache.sh: files kept in $out" >&2
	else
		rm -rf "$out"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "command: $cmdline"

wait_answer() {  # addr port
	for _ in $(seq 200); do
		dig +time=1 +tries=1 -p "$2" "@$1" . NS >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	die "no answer from $1@$2"
}

rss_kb() {  # pid
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null || echo "?"
}

ub_pid() { cat "$world/run/validator.pid"; }

start_mxsecd() {
	"$mxsecd" -f -c "$out/mxsecd.conf" 2>>"$out/mxsecd.log" &
	mxpid=$!
	wait_answer "$mx_addr" "$mx_port"
}

# Other work on the machine skews qps (less so CPU per query): say so.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$world_sh" start "$world" >/dev/null
"$world_sh" start-validator "$world" "$ub_addr" >/dev/null
grep -q '^ *num-threads: 1$' "$world/run/validator.conf" || die "validator is not single-threaded"
cat >"$out/mxsecd.conf" <<CONF
mode recursive
root-hints $world/root.hints
trust-anchor-file $world/root.key
listen-dns $mx_addr@$mx_port
api-socket $out/mxsecd.sock
cache-dir $out/cache
query-loopback yes
log stderr
CONF
start_mxsecd
sleep 1
ub_idle=$(rss_kb "$(ub_pid)")
mx_idle=$(rss_kb "$mxpid")

# 2. The mix: expect NAME TYPE STATUS RCODE ..., NAME relative to the zone.
awk '
	$1 == "zone" { zone = $2; next }
	$1 != "expect" { next }
	$3 !~ /^(MX|A|AAAA|TLSA)$/ || $4 !~ /^(secure|insecure)$/ || $5 != "NOERROR" { next }
	{
		n = $2
		if (n == "@") n = zone
		else if (n !~ /\.$/) n = n "." zone
		print n, $3
	}
' "$top/tests/world/cases.conf" >"$out/mix.all"
read -r n_all n_ok n_ad n_tc n_other < <(/usr/bin/python3 "$here/mixcheck.py" \
	"$ub_addr" 53 "$out/mix.all" "$out/mix" 2>>"$out/mixcheck.log")
[ "$n_ok" -gt 0 ] || die "unbound answered none of the mix (see $out/mixcheck.log)"
read -r _ m_ok m_ad m_tc m_other < <(/usr/bin/python3 "$here/mixcheck.py" \
	"$mx_addr" "$mx_port" "$out/mix" 2>>"$out/mixcheck.log")

# 3. dnsperf, alternating.
# CPU time of a process so far, in clock ticks (utime + stime)
cpu_ticks() {  # pid
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)
# dnsperf_run ADDR PORT OUTFILE PID: dnsperf's report, then the resolver's
# CPU ticks over the run ("cpu: TICKS") and dnsperf's own user, system and
# real seconds ("client: U S R")
dnsperf_run() {
	local t0 TIMEFORMAT='%U %S %R'
	t0=$(cpu_ticks "$4")
	{ time dnsperf -s "$1" -p "$2" -d "$out/mix" -l "$seconds" -c 1 -T 1 \
		-q 100 -D >"$3" 2>&1; } 2>"$3.time" || true
	echo "cpu: $(($(cpu_ticks "$4") - t0))" >>"$3"
	echo "client: $(tail -n 1 "$3.time")" >>"$3"
}
# "qps avg_ms max_ms lost cpu_us_per_query resolver_cpu% dnsperf_cpu%"
# from what dnsperf_run wrote
dnsperf_parse() {
	awk -v hz="$hz" '
		/Queries per second:/ { qps = $4 }
		/Queries completed:/ { done = $3 }
		/Queries lost:/ { lost = $3 }
		/Run time \(s\):/ { run = $4 }
		/Average Latency \(s\):/ {
			avg = $4; max = $8; sub(/\)/, "", max)
		}
		/^cpu:/ { cpu = $2 / hz }
		/^client:/ { client = $2 + $3; real = $4 }
		END {
			if (qps == "" || done == 0 || run == 0 || real == 0) {
				print "0 0 0 ? ? ? ?"; exit
			}
			printf "%.0f %.3f %.3f %s %.2f %.0f %.0f\n", qps, avg * 1000,
			    max * 1000, lost, cpu * 1e6 / done, 100 * cpu / run,
			    100 * client / real
		}
	' "$1"
}
# "Response codes:" of several reports, added up: "NOERROR 123 SERVFAIL 4"
rcodes() {
	awk '/Response codes:/ {
		for (i = 3; i < NF; i += 3) { c = $(i + 1); sub(/,$/, "", c); n[$i] += c }
	} END { for (k in n) printf "%s %d ", k, n[k] }'
}
best_ub="0 0 0 ? ? ? ?" best_mx="0 0 0 ? ? ? ?" all_ub="" all_mx=""
for i in $(seq "$runs"); do
	dnsperf_run "$ub_addr" 53 "$out/dnsperf-unbound-$i.txt" "$(ub_pid)"
	r=$(dnsperf_parse "$out/dnsperf-unbound-$i.txt")
	all_ub="$all_ub ${r%% *}"
	if [ "${r%% *}" -gt "${best_ub%% *}" ]; then best_ub=$r; fi
	dnsperf_run "$mx_addr" "$mx_port" "$out/dnsperf-mxsecd-$i.txt" "$mxpid"
	r=$(dnsperf_parse "$out/dnsperf-mxsecd-$i.txt")
	all_mx="$all_mx ${r%% *}"
	if [ "${r%% *}" -gt "${best_mx%% *}" ]; then best_mx=$r; fi
done

# 4. Memory after the load.
ub_load=$(rss_kb "$(ub_pid)")
mx_load=$(rss_kb "$mxpid")

# 5. First answer after a restart.
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# The counters of the running mxsecd (SIGUSR1 logs them): "HITS UPSTREAM"
mx_counters() {  # log
	local n
	n=$(grep -c 'stats: .*requests=' "$1" || true)
	kill -USR1 "$mxpid" 2>/dev/null || return 0
	for _ in $(seq 40); do
		[ "$(grep -c 'stats: .*requests=' "$1" || true)" -gt "$n" ] && break
		sleep 0.05
	done
	grep 'stats: .*requests=' "$1" | tail -n 1 |
		sed -n 's/.*cache_hits=\([0-9]*\).*upstream_queries=\([0-9]*\).*/\1 \2/p'
}
mx_first=() mx_cold=() ub_first=() mx_warm_counts="" mx_cold_counts=""
for i in $(seq "$restarts"); do
	# on the cache-dir the load ran with
	stop_mxsecd
	r=$(/usr/bin/python3 "$here/firstanswer.py" "$mx_addr" "$mx_port" \
		"$probe_name" "$probe_type" "$out/mxsecd.log" -- \
		"$mxsecd" -f -c "$out/mxsecd.conf") || die "mxsecd: no first answer"
	mxpid=${r#* }
	mx_first+=("${r%% *}")
	mx_warm_counts="$mx_warm_counts $(mx_counters "$out/mxsecd.log" | tr ' ' /)"
	# on an empty one, for comparison
	stop_mxsecd
	sed "s|^cache-dir .*|cache-dir $out/cache-empty-$i|" "$out/mxsecd.conf" >"$out/mxsecd-empty.conf"
	r=$(/usr/bin/python3 "$here/firstanswer.py" "$mx_addr" "$mx_port" \
		"$probe_name" "$probe_type" "$out/mxsecd-empty.log" -- \
		"$mxsecd" -f -c "$out/mxsecd-empty.conf") || die "mxsecd: no first answer"
	mxpid=${r#* }
	mx_cold+=("${r%% *}")
	mx_cold_counts="$mx_cold_counts $(mx_counters "$out/mxsecd-empty.log" | tr ' ' /)"
done
stop_mxsecd
for i in $(seq "$restarts"); do
	"$world_sh" stop-validator "$world" >/dev/null
	r=$(/usr/bin/python3 "$here/firstanswer.py" "$ub_addr" 53 \
		"$probe_name" "$probe_type" "$out/unbound-restart.log" -- \
		unbound -d -c "$world/run/validator.conf") || die "unbound: no first answer"
	ub_first+=("${r%% *}")
done

# Report.
read -r ub_qps ub_avg ub_max ub_lost ub_cpu ub_pct ub_cli <<<"$best_ub"
read -r mx_qps mx_avg mx_max mx_lost mx_cpu mx_pct mx_cli <<<"$best_mx"
echo
echo "mxsecd:  $mxsecd on $mx_addr@$mx_port, recursive, validating"
echo "unbound: $(unbound -V 2>/dev/null | awk '/^Version/ { print $2 }') on $ub_addr@53, validating, num-threads 1"
echo "query mix: $n_ok questions from cases.conf (of $n_all: left out $n_tc over 1232 octets or truncated, $n_other other);"
echo "  warm-up pass: unbound $n_ok answers, $n_ad with AD; mxsecd $m_ok answers, $m_ad with AD, $m_tc truncated, $m_other other"
echo "machine: $(nproc) CPUs, load average before the run $load_before"
echo "dnsperf -l $seconds -c 1 -T 1 -q 100 -D, UDP, $runs runs each alternating, best run:"
echo
fmt='%-8s %8s %8s %9s %5s %9s %7s %8s  %s\n'
# shellcheck disable=SC2059
{
printf "$fmt" "" qps "avg ms" "max ms" lost "CPU us/q" "CPU %" "dnsperf" "all runs (qps)"
printf "$fmt" unbound "$ub_qps" "$ub_avg" "$ub_max" "$ub_lost" "$ub_cpu" "$ub_pct" "$ub_cli%" "${all_ub# }"
printf "$fmt" mxsecd "$mx_qps" "$mx_avg" "$mx_max" "$mx_lost" "$mx_cpu" "$mx_pct" "$mx_cli%" "${all_mx# }"
}
for k in unbound mxsecd; do
	echo "  $k response codes, all runs:" $(cat "$out"/dnsperf-$k-*.txt | rcodes)
done
awk -v m="$mx_qps" -v u="$ub_qps" -v mc="$mx_cpu" -v uc="$ub_cpu" 'BEGIN {
	if (u > 0) printf "ratio mxsecd/unbound, qps: %.2f", m / u
	if (uc > 0) printf "; CPU per query: %.2f", mc / uc
	print ""
}'
echo
echo "VmRSS, kB        idle   after load"
printf 'unbound   %10s %12s\n' "$ub_idle" "$ub_load"
printf 'mxsecd    %10s %12s\n' "$mx_idle" "$mx_load"
echo
echo "first answer ($probe_name $probe_type, NOERROR+AD) after a restart, ms from process start, $restarts restarts:"
echo "  mxsecd, same cache-dir    median $(median "${mx_first[@]}")   (${mx_first[*]}; cache hits/upstream queries:$mx_warm_counts)"
echo "  mxsecd, empty cache-dir   median $(median "${mx_cold[@]}")   (${mx_cold[*]}; cache hits/upstream queries:$mx_cold_counts)"
echo "  unbound (cold)            median $(median "${ub_first[@]}")   (${ub_first[*]})"
echo
echo "command: $cmdline"
