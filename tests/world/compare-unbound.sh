#!/usr/bin/env bash
# Every case of the signed test world through mxsecd (recursive mode) and
# through Debian's validating unbound (world.sh start-validator, 127.0.0.21),
# side by side with what cases.txt expects.
#   compare-unbound.sh [--markdown] MXSECD OUTDIR
# Prints one row per case: expected, mxsecd's and unbound's answer as
# STATUS RCODE EDE (status: secure = AD set, bogus = SERVFAIL, else insecure;
# rcode NODATA = NOERROR with no answer of the asked type). --markdown prints
# the table as Markdown (doc/validation-unbound.md is such a snapshot).
#
# Fails (exit 1) when
#   - mxsecd's status or rcode differs from cases.txt, except the known
#     difference in MX_KNOWN (doc/validation.md);
#   - unbound's status or rcode differs from mxsecd's, except the documented
#     differences in UB_KNOWN (doc/validation-unbound.md);
#   - mxsecd does not exit 0 on SIGTERM.
# EDE differences are printed and classified, never failed here
# (validate.sh holds mxsecd to its EDE codes).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mxsecd-lib.sh
. "$here/mxsecd-lib.sh"
md=no
[ "${1:-}" = --markdown ] && { md=yes; shift; }
[ $# -eq 2 ] || { echo "usage: $0 [--markdown] MXSECD OUTDIR" >&2; exit 2; }
mxsecd=$1
out=$2
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
command -v unbound >/dev/null 2>&1 || { echo "unbound not installed"; exit 77; }

# name/type of cases where mxsecd's status differs from cases.txt (reason in
# doc/validation.md)
MX_KNOWN=" "
# name/type of cases where unbound's status differs from mxsecd's (reason in
# doc/validation-unbound.md): parentsig.test. MX, which unbound accepts.
UB_KNOWN=" parentsig.test./MX "

port=5397
validator=127.0.0.21
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$here/world.sh" stop-validator "$out" >/dev/null 2>&1
	"$here/world.sh" stop "$out" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
"$here/world.sh" start "$out" >/dev/null || exit 1
# a fresh validator: unbound's EDE for a zone it already knows is bad
# depends on its cache, so every run starts from an empty one
"$here/world.sh" start-validator "$out" "$validator" >/dev/null || exit 1

mx_conf "$tmp/mxsecd.conf" "$out" "$tmp" $port "mode recursive" \
	"trust-anchor-file $out/root.key"
"$mxsecd" -f -c "$tmp/mxsecd.conf" 2>"$tmp/mxsecd.log" &
pid=$!
mx_wait $port "$pid"

# ask SERVER PORT NAME TYPE -> "status rcode ede"
ask() {
	local res rc st ede
	res=$(dig @"$1" -p "$2" "$3" "$4" +dnssec +tries=1 +time=10 +noall +comments +answer 2>&1)
	rc=$(echo "$res" | sed -n 's/.*status: \([A-Z]*\).*/\1/p' | head -1)
	[ -n "$rc" ] || rc=TIMEOUT
	if [ "$rc" = NOERROR ] && ! echo "$res" | grep -v '^;' | awk -v t="$4" '$4 == t' | grep -q .; then
		rc=NODATA
	fi
	if echo "$res" | grep -q "flags:[a-z ]* ad[ ;]"; then
		st=secure
	elif [ "$rc" = SERVFAIL ]; then
		st=bogus
	else
		st=insecure
	fi
	ede=$(echo "$res" | sed -n 's/.*EDE: \([0-9]*\).*/\1/p' | head -1)
	echo "$st $rc ${ede:--}"
}

# EDE classification of a difference between expectation and unbound
ub_ede_note() {  # want_ede got_ede prev_bad_zone_seen want_status got_status
	local w=$1 g=$2
	case "/$w/" in */"$g"/*) return ;; esac
	if [ "$4" = bogus ] && [ "$5" = secure ]; then
		echo "P"    # accepted as secure: nothing to explain (parentsig)
	elif [ "$g" = - ] && { [ "$w" = 1 ] || [ "$w" = 2 ] || [ "$w" = 27 ]; }; then
		echo "U1"   # unbound 1.17 attaches no EDE to insecure answers
	elif [ "$g" = 6 ] && [ "$3" = yes ]; then
		echo "U2"   # EDE 6 for a zone whose key unbound has already marked bad
	elif [ "$g" = 6 ]; then
		echo "U3"   # other EDE 6 in place of the precise code
	else
		echo "U?"
	fi
}

fails=0 rows=0 ub_status_diff=0 ub_ede_diff=0 mx_ede_diff=0
seen_bad=" "
if [ $md = yes ]; then
	echo "| case | expected | mxsecd | unbound | note |"
	echo "| --- | --- | --- | --- | --- |"
else
	printf '%-34s %-5s | %-24s | %-24s | %-24s | %s\n' case type expected mxsecd unbound note
fi
while read -r name type status rcode ede _; do
	case $name in \#*|"") continue ;; esac
	rows=$((rows + 1))
	want="$status $rcode $ede"
	got_m=$(ask 127.0.0.1 $port "$name" "$type")
	got_u=$(ask $validator 53 "$name" "$type")
	read -r m_st m_rc m_ede <<<"$got_m"
	read -r u_st u_rc u_ede <<<"$got_u"
	# the zone that the case breaks (bogus cases): its second-level name
	zone=$(echo "$name" | awk -F. '{ print $(NF-2) "." $(NF-1) "." }')
	note=
	# mxsecd against the expectation
	if [ "$m_st $m_rc" != "$status $rcode" ]; then
		case $MX_KNOWN in
		*" $name/$type "*) note="mxsecd≠expected (known, doc/validation.md)" ;;
		*) note="FAIL mxsecd≠expected"; fails=$((fails + 1)) ;;
		esac
	elif [ "$ede" != - ]; then
		case "/$ede/" in */"$m_ede"/*) ;; *) note="mxsecd EDE differs"; mx_ede_diff=$((mx_ede_diff + 1)) ;; esac
	fi
	# unbound against mxsecd
	if [ "$u_st $u_rc" != "$m_st $m_rc" ]; then
		ub_status_diff=$((ub_status_diff + 1))
		case $UB_KNOWN in
		*" $name/$type "*) note="${note:+$note; }unbound≠mxsecd (documented)" ;;
		*) note="${note:+$note; }FAIL unbound≠mxsecd"; fails=$((fails + 1)) ;;
		esac
	fi
	if [ "$ede" != - ] || [ "$u_ede" != - ]; then
		prev=no
		case $seen_bad in *" $zone "*) prev=yes ;; esac
		c=$(ub_ede_note "$ede" "$u_ede" $prev "$status" "$u_st")
		if [ -n "$c" ]; then
			ub_ede_diff=$((ub_ede_diff + 1))
			note="${note:+$note; }unbound EDE $c"
		elif [ "$u_ede" != "$m_ede" ]; then
			note="${note:+$note; }EDE: both acceptable, unbound's differs"
		fi
	fi
	[ "$u_st" = bogus ] && seen_bad="$seen_bad$zone "
	if [ $md = yes ]; then
		echo "| \`$name $type\` | $want | $got_m | $got_u | $note |"
	else
		printf '%-34s %-5s | %-24s | %-24s | %-24s | %s\n' "$name" "$type" "$want" "$got_m" "$got_u" "$note"
	fi
done <"$out/cases.txt"

kill "$pid"
wait "$pid"
rc=$?
pid=
if [ $rc -ne 0 ]; then
	echo "FAIL: mxsecd exit status $rc"
	fails=$((fails + 1))
fi
[ $md = yes ] && echo
echo "$rows cases; unbound's status/rcode differs from mxsecd's on $ub_status_diff," \
	"unbound's EDE from the expected on $ub_ede_diff, mxsecd's EDE on $mx_ede_diff;" \
	"$fails failures"
[ $fails -eq 0 ]
