#!/bin/bash
# smoke.sh OUTDIR — the test world's own test.
#
# Generates (or reuses) the world in OUTDIR, starts it, and checks:
#  - every zone at its authoritative server: SOA, DNSKEY, RRSIGs, the
#    delegation and DS at the parent, the denial type and NSEC3 parameters,
#    the signature window, and that each broken zone is broken as intended;
#  - the DANE data (TLSA computed independently from the certificates) and
#    the large TLSA RRset (TC over UDP at 1232, complete over TCP);
#  - every case of cases.txt through a non-validating unbound (rcode, data),
#    and its security status with two independent validators: delv (BIND)
#    over that unbound, and a validating unbound (EDE printed for reference);
#  - that stop leaves no nsd/unbound process of this world behind.
# Exit 0 when everything passes; every failure is printed with FAIL.
set -eu
set -o pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "smoke: needs root (the world binds port 53 on 127.0.0.11-14, .20, .21): skipped"
	exit 77 # meson: skipped
fi
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
WORLD=$HERE/world.sh
UB=127.0.0.20 VAL=127.0.0.21

nfail=0 nok=0
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
ok() { nok=$((nok + 1)); }
check() { # description command...
	local d=$1
	shift
	if "$@"; then ok; else fail "$d"; fi
}

# run_parallel FUNC ARG...: FUNC once per ARG (split into words), in
# $JOBS workers; their output and pass/fail counts are merged.
JOBS=${MXSEC_WORLD_SMOKE_JOBS:-4}
# shellcheck disable=SC2030,SC2031 # the workers' counters are per subshell on purpose
run_parallel() {
	local f=$1 w i a tmp
	shift
	tmp=$(mktemp -d)
	for w in $(seq 0 $((JOBS - 1))); do
		(
			nok=0 nfail=0 i=0
			for a in "$@"; do
				# shellcheck disable=SC2086
				if [ $((i % JOBS)) -eq "$w" ]; then "$f" $a; fi
				i=$((i + 1))
			done
			echo "$nok $nfail" >"$tmp/count.$w"
		) >"$tmp/out.$w" 2>&1 &
	done
	wait
	for w in $(seq 0 $((JOBS - 1))); do
		cat "$tmp/out.$w"
		read -r a i <"$tmp/count.$w" || { a=0; i=1; echo "FAIL: worker $w died"; }
		nok=$((nok + a)) nfail=$((nfail + i))
	done
	rm -rf "$tmp"
}

cleanup() {
	"$WORLD" stop "$OUT" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# ------------------------------------------------------------ come-up time
if [ "${MXSEC_WORLD_SMOKE_FORCE:-0}" = 1 ]; then rm -f "$OUT/stamp"; fi
t0=$(date +%s.%N)
"$HERE/gen.sh" "$OUT"
t1=$(date +%s.%N)
"$WORLD" start "$OUT"
t2=$(date +%s.%N)
gen_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
up_s=$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.1f", b - a }')
echo "smoke: world up in ${up_s} s (gen ${gen_s} s$([ "$(awk -v g="$gen_s" 'BEGIN { print (g < 0.5) }')" = 1 ] && echo ', reused'))"
# Reported, not judged: wall-clock limits do not belong in the suite
# (a loaded 2-core machine is slow, not wrong).

# shellcheck source=/dev/null
. "$OUT/world.env"
grep -q 'ip-address: 127.0.0.1$' "$OUT"/nsd/*.conf && fail "an NSD instance would bind 127.0.0.1"

"$WORLD" start-unbound "$OUT" "$UB"
"$WORLD" start-validator "$OUT" "$VAL"

NOW14=$(date -u +%Y%m%d%H%M%S)
DIG="dig +time=2 +tries=2 +nocookie"

# q ADDR NAME TYPE [dig options]: full dig output
q() {
	local a=$1 n=$2 t=$3
	shift 3
	$DIG +norec +dnssec "$@" "@$a" "$n" "$t" 2>&1 || true
}
status_of() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | head -1; }
# records SECTION TYPE < dig output: rdata fields of that type in that section
records() {
	awk -v sec="$1" -v t="$2" '
	/^;; [A-Z]+ SECTION:/ { cur = $2; next }
	/^;/ || NF == 0 { next }
	cur == sec && $4 == t { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }'
}
has_flag() { grep -q "^;; flags:[^;]* $1[ ;]"; }

declare -A SRV ALG DEN ITER SALT DS BRK PAR
ZLIST=()
while read -r z srv alg den it salt _signer ds brk par _ns; do
	case $z in \#*) continue ;; esac
	ZLIST+=("$z")
	SRV[$z]=${srv} ALG[$z]=$alg DEN[$z]=$den ITER[$z]=$it SALT[$z]=$salt DS[$z]=$ds BRK[$z]=$brk PAR[$z]=$par
done <"$OUT/zones.txt"

abs() { # NAME ZONE
	case $1 in
	@) echo "$2" ;;
	*.) echo "$1" ;;
	*) if [ "$2" = . ]; then echo "$1."; else echo "$1.$2"; fi ;;
	esac
}

# key tags of a zone's DNSKEY RRset at its server
keytags() { $DIG +norec +multi "@${SRV[$1]}" "$1" DNSKEY 2>/dev/null | sed -n 's/.*key id = \([0-9]*\).*/\1/p' | sort -u; }

# ------------------------------------------------------------ per zone
ts() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }'; }
echo "smoke: checking zones at their servers ($(ts))"
check_zone() {
	local z=$1 s signed o st sigs keys ksigs exp inc n3 n3it n3salt _h _f p ps dss d tags dstags b kind bo bt barg rs fa fd
	s=${SRV[$z]} signed=1
	[ "${ALG[$z]}" = none ] && signed=0
	o=$(q "$s" "$z" SOA)
	st=$(status_of <<<"$o")
	if [ "$st" != NOERROR ] || ! has_flag aa <<<"$o" || [ -z "$(records ANSWER SOA <<<"$o")" ]; then
		fail "$z: no authoritative SOA at $s (status ${st:-none})"
		return
	fi
	ok
	sigs=$(records ANSWER RRSIG <<<"$o")
	o=$(q "$s" "$z" DNSKEY)
	keys=$(records ANSWER DNSKEY <<<"$o")
	ksigs=$(records ANSWER RRSIG <<<"$o")
	if [ $signed = 1 ]; then
		check "$z: SOA not signed" test -n "$sigs"
		check "$z: no DNSKEY" test -n "$keys"
		check "$z: DNSKEY not signed" test -n "$ksigs"
		check "$z: DNSKEY algorithm is not ${ALG[$z]}" grep -q "^[0-9]* 3 ${ALG[$z]} " <<<"$keys"
		# signature window of the SOA RRSIG: covered alg labels ttl exp inc tag signer
		read -r _ _ _ _ exp inc _ <<<"$(head -1 <<<"$sigs")"
		case ,${BRK[$z]}, in
		*,expired,*) check "$z: RRSIG should be expired ($exp)" test "$exp" \< "$NOW14" ;;
		*,notyet,*) check "$z: RRSIG should not be valid yet ($inc)" test "$inc" \> "$NOW14" ;;
		*) check "$z: RRSIG window $inc..$exp does not cover now" test "$inc" \< "$NOW14" -a "$exp" \> "$NOW14" ;;
		esac
		# denial of existence
		o=$(q "$s" "$(abs "smoke-nx-$$" "$z")" A)
		if [ "${DEN[$z]}" = nsec ]; then
			check "$z: NXDOMAIN without NSEC" test -n "$(records AUTHORITY NSEC <<<"$o")"
		else
			n3=$(records AUTHORITY NSEC3 <<<"$o" | head -1)
			check "$z: NXDOMAIN without NSEC3" test -n "$n3"
			read -r _h _f n3it n3salt _ <<<"$n3"
			check "$z: NSEC3 iterations $n3it, want ${ITER[$z]}" test "$n3it" = "${ITER[$z]}"
			check "$z: NSEC3 salt $n3salt, want ${SALT[$z]}" test "$(tr '[:upper:]' '[:lower:]' <<<"$n3salt")" = "${SALT[$z]}"
			if [ "${DEN[$z]}" = optout ]; then
				check "$z: NSEC3 without opt-out flag" test "$_f" = 1
			fi
		fi
	else
		check "$z: unsigned zone has a DNSKEY" test -z "$keys"
		check "$z: unsigned zone has RRSIGs" test -z "$sigs"
	fi
	# delegation and DS at the parent
	p=${PAR[$z]}
	if [ "$p" != - ]; then
		ps=${SRV[$p]}
		o=$(q "$ps" "$z" NS)
		check "$z: no referral from $p at $ps" test -n "$(records AUTHORITY NS <<<"$o")"
		if has_flag aa <<<"$o"; then fail "$z: parent $ps answers authoritatively for the child"; fi
		o=$(q "$ps" "$z" DS)
		dss=$(records ANSWER DS <<<"$o")
		if [ $signed = 1 ] && [ "${DS[$z]}" != none ]; then
			check "$z: no DS in $p" test -n "$dss"
			check "$z: DS not signed in $p" test -n "$(records ANSWER RRSIG <<<"$o")"
			for d in ${DS[$z]//,/ }; do
				case ,${BRK[$z]}, in *,dsfake:*) ;; *)
					check "$z: no DS digest type $d" grep -q "^[0-9]* ${ALG[$z]} $d " <<<"$dss" ;;
				esac
			done
			tags=$(keytags "$z")
			dstags=$(awk '{ print $1 }' <<<"$dss" | sort -u)
			case ,${BRK[$z]}, in
			*,dsmismatch,*)
				check "$z: DS key tag $dstags should match no DNSKEY ($(tr '\n' ' ' <<<"$tags"))" \
					test -z "$(comm -12 <(echo "$tags") <(echo "$dstags"))" ;;
			*)
				check "$z: DS key tag $dstags matches no DNSKEY ($(tr '\n' ' ' <<<"$tags"))" \
					test -n "$(comm -12 <(echo "$tags") <(echo "$dstags"))" ;;
			esac
		else
			check "$z: DS present although the child is insecure" test -z "$dss"
			check "$z: no DS NODATA proof in $p" test -n "$(records AUTHORITY NSEC <<<"$o")$(records AUTHORITY NSEC3 <<<"$o")$(records AUTHORITY SOA <<<"$o")"
		fi
	fi
	# deliberate breakage
	for b in ${BRK[$z]//,/ }; do
		[ "$b" = - ] && continue
		IFS=: read -r kind bo bt barg <<<"$b"
		case $kind in
		norrsig | badsig | wrongsigner | parentsig)
			bo=$(abs "$bo" "$z")
			o=$(q "$s" "$bo" "$bt")
			check "$z: $bo $bt missing" test -n "$(records ANSWER "$bt" <<<"$o")"
			rs=$(records ANSWER RRSIG <<<"$o" | awk -v t="$bt" '$1 == t')
			case $kind in
			norrsig) check "$z: $bo $bt still has an RRSIG" test -z "$rs" ;;
			badsig) check "$z: $bo $bt has no RRSIG" test -n "$rs" ;;
			wrongsigner) check "$z: $bo $bt signer is not $barg" test "$(awk '{ print $8 }' <<<"$rs" | sort -u)" = "$barg" ;;
			parentsig) check "$z: $bo $bt signer is not ${PAR[$z]}" test "$(awk '{ print $8 }' <<<"$rs" | sort -u)" = "${PAR[$z]}" ;;
			esac
			;;
		dsfake)
			IFS=: read -r _ fa fd <<<"$b"
			o=$(q "${SRV[${PAR[$z]}]}" "$z" DS)
			check "$z: DS is not algorithm $fa digest $fd" grep -q "^[0-9]* $fa $fd " <<<"$(records ANSWER DS <<<"$o")"
			;;
		esac
	done
}
run_parallel check_zone "${ZLIST[@]}"

# ------------------------------------------------------------ DANE data
echo "smoke: checking DANE data ($(ts))"
C=$OUT/certs
spki() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -"$2" -r | cut -d' ' -f1; }
tlsa_has() { # zone-server name "U S M" hex
	q "$1" "$2" TLSA | records ANSWER TLSA | tr -d ' ' | tr '[:upper:]' '[:lower:]' | grep -qx "$(tr -d ' ' <<<"$3")$4"
}
check "TLSA 3 1 1 of ee.crt at mx.dane-ee.test" tlsa_has 127.0.0.13 _25._tcp.mx.dane-ee.test. "3 1 1" "$(spki "$C/ee.crt" sha256)"
check "TLSA 2 1 1 of ca.crt at mx.dane-ta.test" tlsa_has 127.0.0.13 _25._tcp.mx.dane-ta.test. "2 1 1" "$(spki "$C/ca.crt" sha256)"
check "TLSA 3 1 1 of ee.crt at *._tcp.mx.wild.test" tlsa_has 127.0.0.13 _25._tcp.mx.wild.test. "3 1 1" "$(spki "$C/ee.crt" sha256)"
if tlsa_has 127.0.0.13 _25._tcp.mx.dane-bad.test. "3 1 1" "$(spki "$C/ee.crt" sha256)"; then
	fail "dane-bad TLSA matches ee.crt"
else
	ok
fi
check "ta-server.crt does not chain to ca.crt" openssl verify -CAfile "$C/ca.crt" "$C/ta-server.crt" >/dev/null 2>&1
check "ee.crt/ee.key mismatch" test "$(openssl pkey -in "$C/ee.key" -pubout)" = "$(openssl x509 -in "$C/ee.crt" -noout -pubkey)"
o=$(q 127.0.0.13 _25._tcp.mx.dane-big.test. TLSA +bufsize=1232 +ignore)
check "big TLSA over UDP/1232 not truncated" has_flag tc <<<"$o"
o=$(q 127.0.0.13 _25._tcp.mx.dane-big.test. TLSA +tcp)
n=$(records ANSWER TLSA <<<"$o" | wc -l)
size=$(sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p' <<<"$o")
check "big TLSA over TCP: $n records, ${size:-?} bytes" test "$n" -ge 20 -a "${size:-0}" -gt 1232

# ------------------------------------------------------------ recursion
echo "smoke: checking cases through unbound, delv and validating unbound ($(ts))"
o=$($DIG +cd "@$UB" dane-ee.test. MX 2>&1 || true)
check "recursive MX through unbound $UB" grep -q '10 mx.dane-ee.test.' <<<"$(records ANSWER MX <<<"$o")"

declare -A ORACLE
while read -r x rs; do ORACLE[$x]=$rs; done < <(awk '!/^#/ { print $1 "/" $2, $3 }' "$OUT/oracle.txt")

delv_status() {
	local o
	o=$(delv "@$UB" -a "$OUT/root.anchors.conf" +root=. "$1" "$2" 2>&1 || true)
	if grep -q '^;; resolution failed: ' <<<"$o" && ! grep -q '^;; resolution failed: ncache' <<<"$o"; then
		echo bogus
	elif grep -q 'unsigned answer' <<<"$o"; then
		echo insecure
	elif grep -q 'fully validated' <<<"$o"; then
		echo secure
	else
		echo unknown
	fi
}

check_case() {
	local name=$1 type=$2 st=$3 rc=$4 ede=$5 what o got ans want d v e f0=$nfail
	what="$name $type (want $st $rc${ede:+ EDE $ede})"
	# the data, through the non-validating unbound
	o=$($DIG +dnssec "@$UB" "$name" "$type" 2>&1 || true)
	got=$(status_of <<<"$o")
	ans=$(records ANSWER "$type" <<<"$o")
	case $rc in
	NOERROR) if [ "$got" != NOERROR ] || [ -z "$ans" ]; then fail "$what: unbound says ${got:-nothing}, no $type"; fi ;;
	NODATA) if [ "$got" != NOERROR ] || [ -n "$ans" ]; then fail "$what: unbound says ${got:-nothing}${ans:+ with an answer}"; fi ;;
	NXDOMAIN) [ "$got" = NXDOMAIN ] || fail "$what: unbound says ${got:-nothing}" ;;
	SERVFAIL) case $got in NOERROR | NXDOMAIN) ;; *) fail "$what: unbound (not validating) says ${got:-nothing}" ;; esac ;;
	esac
	want=${ORACLE[$name/$type]:-$st}
	# oracle 1: delv over the iterator
	d=$(delv_status "$name" "$type")
	[ "$d" = "$want" ] || fail "$what: delv says $d"
	# oracle 2: validating unbound
	o=$($DIG +dnssec "@$VAL" "$name" "$type" 2>&1 || true)
	got=$(status_of <<<"$o")
	if [ "$got" = SERVFAIL ]; then v=bogus; elif has_flag ad <<<"$o"; then v=secure; else v=insecure; fi
	[ "$v" = "$want" ] || fail "$what: validating unbound says $v ($got)"
	e=$(sed -n 's/.*EDE: \([0-9]*\).*/\1/p' <<<"$o" | head -1)
	if [ "$want" = "$st" ] && ! grep -qx -- "${e:--}" <<<"$(tr '/' '\n' <<<"$ede")"; then
		echo "note: $name $type: unbound EDE ${e:--}, cases.txt says $ede"
	fi
	if [ "$nfail" -eq "$f0" ]; then ok; fi
}
mapfile -t CASES < <(grep -v '^#' "$OUT/cases.txt" | cut -d' ' -f1-5)
run_parallel check_case "${CASES[@]}"
echo "smoke: ${#CASES[@]} cases checked with delv and unbound (EDE differences above are informational)"

# ------------------------------------------------------------ stop
echo "smoke: stopping ($(ts))"
trap - EXIT
check "world.sh stop failed" "$WORLD" stop "$OUT"
left=""
for d in /proc/[0-9]*; do
	exe=$(readlink "$d/exe" 2>/dev/null) || continue
	case ${exe##*/} in nsd | unbound) ;; *) continue ;; esac
	if tr '\0' '\n' <"$d/cmdline" 2>/dev/null | grep -qF "$OUT/"; then left="$left ${d#/proc/}"; fi
done
check "processes left behind:$left" test -z "$left"
check "pidfiles left behind: $(echo "$OUT"/run/*.pid)" test -z "$(find "$OUT/run" -name '*.pid')"
for s in $WORLD_SERVERS; do
	if dig +time=1 +tries=1 "@127.0.0.$s" . SOA >/dev/null 2>&1; then fail "127.0.0.$s still answers after stop"; fi
done
check "world.sh stop is not idempotent" "$WORLD" stop "$OUT"

echo "smoke: $nok checks passed, $nfail failed; world came up in ${up_s} s"
[ "$nfail" -eq 0 ]
