#!/usr/bin/env bash
# Every case of the signed test world through mxsecd, recursive and
# forward mode: the rcode, the AD bit (secure or not) and the EDE code of
# bogus and insecure answers must be what cases.txt expects.
#   validate.sh MXSECD OUTDIR
# Known differences from cases.txt go in KNOWN below ("MODE:NAME/TYPE"),
# each with its reason in doc/validation.md; they are reported, not
# failed.  None at present.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mxsecd-lib.sh
. "$here/mxsecd-lib.sh"
mxsecd=$1
out=$2
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
KNOWN=""
port=5398
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$here/world.sh" stop-unbound "$out" >/dev/null 2>&1
	"$here/world.sh" stop "$out" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
"$here/world.sh" start "$out" >/dev/null || exit 1
"$here/world.sh" start-unbound "$out" >/dev/null || exit 1

fails=0 passes=0 known=0
run_mode() {  # mode
	local extra=("mode $1" "trust-anchor-file $out/root.key")
	[ "$1" = forward ] && extra+=("forward 127.0.0.20")
	mx_conf "$tmp/$1.conf" "$out" "$tmp" $port "${extra[@]}"
	"$mxsecd" -f -c "$tmp/$1.conf" 2>"$tmp/$1.log" &
	pid=$!
	mx_wait $port "$pid"
	while read -r name type status rcode ede _; do
		case $name in \#*|"") continue ;; esac
		res=$(dig @127.0.0.1 -p $port "$name" "$type" +dnssec +tries=1 +time=10 +noall +comments 2>&1)
		got_rc=$(echo "$res" | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
		got_ad=insecure
		echo "$res" | grep -q "flags:[a-z ]* ad[ ;]" && got_ad=secure
		got_ede=$(echo "$res" | sed -n 's/.*EDE: \([0-9]*\).*/\1/p' | head -1)
		want_rc=$rcode
		[ "$rcode" = NODATA ] && want_rc=NOERROR
		bad=
		[ "$got_rc" = "$want_rc" ] || bad="rcode $got_rc"
		if [ "$status" = secure ] && [ "$got_ad" != secure ]; then bad="$bad no AD"; fi
		if [ "$status" != secure ] && [ "$got_ad" = secure ]; then bad="$bad AD set"; fi
		if [ "$ede" != - ]; then
			case "/$ede/" in */"$got_ede"/*) ;; *) bad="$bad EDE ${got_ede:-none}" ;; esac
		fi
		if [ -z "$bad" ]; then
			passes=$((passes + 1))
		elif [ "$KNOWN" = "$1:$name/$type" ]; then
			known=$((known + 1))
			echo "known $1 $name $type: want $status $rcode $ede:$bad (doc/validation.md)"
		else
			fails=$((fails + 1))
			echo "FAIL $1 $name $type: want $status $rcode $ede:$bad"
		fi
	done <"$out/cases.txt"
	kill "$pid"
	wait "$pid"
	rc=$?
	pid=
	if [ $rc -ne 0 ]; then
		echo "FAIL $1: mxsecd exit status $rc"
		fails=$((fails + 1))
	fi
}
run_mode recursive
run_mode forward
echo "$passes cases right, $known known differences, $fails wrong"
[ $fails -eq 0 ]
