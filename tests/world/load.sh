#!/usr/bin/env bash
# Sustained load on both front doors at once: dnsperf on the DNS listener
# and apiload (tests/bench/apiload.c) on the socket API, for SECONDS (60)
# against mxsecd over the signed test world, while mxsecd's VmRSS is read
# every second.
#   load.sh MXSECD OUTDIR
#
# The DNS side asks, at a fixed rate (dnsperf -Q), a file with one line per
# query it can send, so no line comes twice: 9 in 10 are questions of
# cases.txt that answer (secure or insecure; NOERROR, NODATA or NXDOMAIN),
# cache hits after their first time; 1 in 10 is a new random name under one
# of a few zones (signed with NSEC, NSEC3, RSA, Ed25519; and unsigned),
# a cache miss every time (aggressive-nsec is off), so the resolver and the
# validator work all along and the world's servers get a tenth of the rate.
# The API side keeps requests in flight on a few connections, as fast as
# mxsecd answers: MX, TLSA and DANE requests for the mail domains, and the
# same questions in QUERY form.
#
# Pass: mxsecd up throughout and exit status 0 on SIGTERM; dnsperf loses
# no query (loopback drops nothing: a loss means a query mxsecd never
# answered), and its rcode counts are exactly those of the lines it sent
# (only NOERROR and NXDOMAIN: no SERVFAIL); apiload reports no error
# (every reply {"ok":true...}); VmRSS never above RSS_MAX_KB; no
# sanitizer report.
#
# The cache is given 32 MiB (cache-size 32M): the pages of the LMDB file
# mxsecd touches count in its VmRSS (RssFile), and the misses fill about
# 0.8 KiB of it each, so the cache grows all along and evicts near the end
# of a 60 s run.  RSS_MAX_KB is 64 MiB for a normal build: the 32 MiB map
# and the process's own memory (RssAnon, 2 to 12 MiB).  Under ASan the
# process carries the sanitizer's shadow memory, quarantine (freed memory
# held back, up to 256 MiB by default) and allocator caches, so the bound
# is 512 MiB and the DNS rate a quarter.
# MXSEC_LOAD_SECONDS overrides the duration.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mxsecd-lib.sh
. "$here/mxsecd-lib.sh"
[ $# -eq 2 ] || { echo "usage: $0 MXSECD OUTDIR" >&2; exit 2; }
mxsecd=$1
out=$2
apiload=$(dirname "$(dirname "$mxsecd")")/tests/bench/apiload
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
command -v dnsperf >/dev/null 2>&1 || { echo "needs dnsperf (scripts/deps.sh test)"; exit 77; }
[ -x "$apiload" ] || { echo "FAIL: no apiload at $apiload (built with the tree)"; exit 1; }
seconds=${MXSEC_LOAD_SECONDS:-60}
rate=8000               # DNS queries a second (dnsperf -Q)
RSS_MAX_KB=65536
asan=no
if grep -q __asan_init "$mxsecd" 2>/dev/null; then
	asan=yes
	rate=2000
	RSS_MAX_KB=524288
fi
port=5384
tmp=$(mktemp -d)
pid='' rpid='' apid=''
cleanup() {
	[ -n "$apid" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$here/world.sh" stop "$out" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# The questions that answer, with the rcode dnsperf will count.
awk '!/^#/ && NF >= 4 && ($3 == "secure" || $3 == "insecure") &&
	$4 ~ /^(NOERROR|NODATA|NXDOMAIN)$/ && $1 !~ /keytrap/ {
	print $1, $2, ($4 == "NXDOMAIN" ? "NXDOMAIN" : "NOERROR")
}' "$out/cases.txt" >"$tmp/known"
[ -s "$tmp/known" ] || { echo "FAIL: no usable case in $out/cases.txt"; exit 1; }
# One line per query dnsperf can send (no repeats: every random name is
# a miss), and the expected rcode of each line beside it.
awk -v n=$((rate * (seconds + 5))) -v seed=$$ '
	BEGIN {
		srand(seed)
		nz = split("dane-ee.test. dane-ta.test. alg8.test. alg15.test. it10.mail. insecure.test. insecure.mail.", zone, " ")
		split("A AAAA MX TXT", type, " ")
	}
	{ kn[++nk] = $1 " " $2; kr[nk] = $3 }
	END {
		for (i = 0; i < n; i++) {
			if (i % 10 == 9) {
				printf "l%dx%06x.%s %s\n", i, int(rand() * 16777216), zone[1 + int(rand() * nz)], type[1 + int(rand() * 4)] >"/dev/stdout"
				print "NXDOMAIN" >"/dev/stderr"
			} else {
				k = 1 + int(rand() * nk)
				print kn[k] >"/dev/stdout"
				print kr[k] >"/dev/stderr"
			}
		}
	}' "$tmp/known" >"$tmp/dns" 2>"$tmp/dns.rcode"

# The API requests: the mail domains' MX, TLSA and DANE, and QUERY forms.
domains="dane-ee.test dane-ta.test dane-bad.test dane-pkix.test dane-big.test dane-mix.test
cname.test anything.wild.test anything.wild3.mail insecure.test nomx.test nullmx.test nx.test"
for d in $domains; do
	echo "MX $d"
	echo "DANE $d"
	echo "A mx.$d"
	echo "TLSA mx.$d"
done >"$tmp/api"
awk '{ print "QUERY", $2, $1 }' "$tmp/known" >>"$tmp/api"

"$here/world.sh" start "$out" >/dev/null || exit 1
mkdir -p "$tmp/d"
mx_conf "$tmp/mxsecd.conf" "$out" "$tmp/d" $port "mode recursive" \
    "trust-anchor-file $out/root.key" "aggressive-nsec no" "cache-size 32M" \
    "log stderr"
"$mxsecd" -f -c "$tmp/mxsecd.conf" 2>"$tmp/mxsecd.log" &
pid=$!
if ! mx_wait $port "$pid" || [ ! -S "$tmp/d/mxsecd.sock" ]; then
	echo "FAIL: mxsecd did not start"
	tail -20 "$tmp/mxsecd.log"
	pid=
	exit 1
fi
# apiload is built with the tree, so under ASan too: its leaks at exit
# (what it allocates for the run) are not what this test is about.
apiload() {
	ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" "$apiload" "$@"
}
# Warm-up: every API request once (the DNS side warms as it goes).
apiload -s "$tmp/d/mxsecd.sock" -f "$tmp/api" -c 1 -d 1 -t 1 >"$tmp/warm" 2>&1 ||
	bad "apiload warm-up: $(cat "$tmp/warm")"

(
	while kill -0 "$pid" 2>/dev/null; do
		awk '$1 == "VmRSS:" { r = $2 } $1 == "RssAnon:" { a = $2 }
		    END { if (r != "") print r, a }' "/proc/$pid/status" 2>/dev/null
		sleep 1
	done
) >"$tmp/rss" &
rpid=$!
apiload -s "$tmp/d/mxsecd.sock" -f "$tmp/api" -c 4 -d 16 -t "$seconds" \
    >"$tmp/apiload" 2>"$tmp/apiload.err" &
apid=$!
dnsperf -s 127.0.0.1 -p $port -d "$tmp/dns" -l "$seconds" -c 1 -T 1 -q 100 \
    -Q $rate -D >"$tmp/dnsperf" 2>&1
drc=$?
wait "$apid"
arc=$?
apid=
kill -0 "$pid" 2>/dev/null || bad "mxsecd died under the load"
kill "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null
rpid=

# dnsperf
sent=$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' "$tmp/dnsperf")
done_=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' "$tmp/dnsperf")
lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$tmp/dnsperf")
qps=$(sed -n 's/^ *Queries per second: *\([0-9.]*\).*/\1/p' "$tmp/dnsperf")
lat=$(sed -n 's/^ *Average Latency (s): *\([0-9.]*\) (min [0-9.]*, max \([0-9.]*\)).*/\1 \2/p' "$tmp/dnsperf")
codes=$(sed -n 's/^ *Response codes: *//p' "$tmp/dnsperf")
if [ $drc -ne 0 ] || [ -z "$sent" ] || [ -z "$lost" ]; then
	bad "dnsperf exit status $drc:"
	tail -20 "$tmp/dnsperf"
	sent=${sent:-0} done_=${done_:-0} lost=${lost:-0}
fi
[ "$lost" = 0 ] || bad "dnsperf: $lost of $sent queries lost"
# What the first SENT lines should have got.
want=$(head -n "$sent" "$tmp/dns.rcode" | sort | uniq -c | awk '{ printf "%s %s\n", $2, $1 }')
got=$(echo "$codes" | tr ',' '\n' | awk 'NF >= 2 { print $1, $2 }')
for rc in $(printf '%s\n%s\n' "$want" "$got" | awk '{ print $1 }' | sort -u); do
	w=$(echo "$want" | awk -v k="$rc" '$1 == k { print $2 }')
	g=$(echo "$got" | awk -v k="$rc" '$1 == k { print $2 }')
	w=${w:-0} g=${g:-0}
	# A lost query is one answer missing (already failed above).
	if [ "$g" -gt "$w" ] || [ $((w - g)) -gt "$lost" ]; then
		bad "dnsperf: $rc $g answers, the lines sent call for $w"
	fi
done

# apiload
ares=$(tail -n 1 "$tmp/apiload")
av() { echo "$ares" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
if [ $arc -ne 0 ] || [ -z "$(av errors)" ]; then
	bad "apiload exit status $arc: $(cat "$tmp/apiload" "$tmp/apiload.err" | head -20)"
elif [ "$(av errors)" != 0 ]; then
	bad "apiload: $(av errors) error replies of $(av replies)"
fi

# memory
read -r rmin rmax amin amax rn < <(awk 'NR == 1 { rmin = $1; amin = $2 }
	{ if ($1 < rmin) rmin = $1; if ($1 > rmax) rmax = $1
	  if ($2 < amin) amin = $2; if ($2 > amax) amax = $2; n++ }
	END { print rmin + 0, rmax + 0, amin + 0, amax + 0, n + 0 }' "$tmp/rss")
[ "$rn" -ge $((seconds / 2)) ] || bad "only $rn RSS samples"
[ "$rmax" -le $RSS_MAX_KB ] || bad "VmRSS reached $rmax KiB (bound $RSS_MAX_KB)"
read -r rlast alast < <(tail -n 1 "$tmp/rss")

# mxsecd's own count, then a clean exit
n=$(grep -c 'stats: .*requests=' "$tmp/mxsecd.log")
kill -USR1 "$pid" 2>/dev/null
for _ in $(seq 40); do
	[ "$(grep -c 'stats: .*requests=' "$tmp/mxsecd.log")" -gt "$n" ] && break
	sleep 0.05
done
stats=$(grep 'stats: .*requests=' "$tmp/mxsecd.log" | tail -n 1 | sed 's/.*stats: //')
kill "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || { bad "mxsecd exit status $rc on SIGTERM"; tail -20 "$tmp/mxsecd.log"; }
if grep -q 'AddressSanitizer\|runtime error\|LeakSanitizer' "$tmp/mxsecd.log"; then
	bad "sanitizer reports:"
	grep -A5 'AddressSanitizer\|runtime error\|LeakSanitizer' "$tmp/mxsecd.log" | head -40
fi

echo "load: $seconds s, asan $asan; DNS and API together"
echo "load: dnsperf -Q $rate: $sent sent, $done_ answered, $lost lost, ${qps:-?} qps," \
    "latency avg/max ${lat:-? ?} s; rcodes $codes"
echo "load: apiload 4 connections x 16 in flight: $ares"
echo "load: VmRSS min $rmin KiB, max $rmax KiB, at the end $rlast KiB ($rn samples; bound $RSS_MAX_KB KiB);" \
    "RssAnon min $amin KiB, max $amax KiB, at the end $alast KiB"
echo "load: mxsecd $stats"
echo "load: $fails failed"
[ $fails -eq 0 ]
