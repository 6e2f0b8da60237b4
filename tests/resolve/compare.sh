#!/bin/sh
# compare.sh [compare.py options] RESOLVER-ADDR[@PORT] [WORLD-OUTDIR]
#
# Compares the resolver at RESOLVER-ADDR (port 53 unless @PORT) with the
# test world's authoritative servers, for every case of WORLD-OUTDIR/cases.txt
# and every zone's SOA/NS/DNSKEY/DS and MX hosts' A/AAAA/TLSA (compare.py
# says how).  The world must be running (tests/world/world.sh start DIR).
# WORLD-OUTDIR defaults to $MXSEC_WORLD.  Options go to compare.py:
# --validating, --accept-oracle, --require-rrsig, --only TEXT, -v, ...
# Exit 0 when every query matches.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
opts=""
while [ $# -gt 0 ]; do
	case $1 in
	--timeout | --slow | --jobs | --only) opts="$opts $1 $2"; shift 2 ;;
	-*) opts="$opts $1"; shift ;;
	*) break ;;
	esac
done
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 [options] RESOLVER-ADDR[@PORT] [WORLD-OUTDIR]" >&2
	exit 2
fi
world=${2:-${MXSEC_WORLD:-}}
if [ -z "$world" ] || [ ! -f "$world/cases.txt" ]; then
	echo "compare.sh: no world (give WORLD-OUTDIR or set MXSEC_WORLD)" >&2
	exit 2
fi
# shellcheck disable=SC2086 # opts is a word list on purpose
exec /usr/bin/python3 "$HERE/compare.py" $opts "$world" "$1"
