#!/bin/bash
# gen.sh [--force] OUTDIR — generate the signed test world into OUTDIR.
#
# Reads cases.conf (next to this script), makes fresh keys and certificates,
# writes and signs every zone (dnssec-signzone; ldns-signzone above 150 NSEC3
# iterations), applies the deliberate breakage, and writes the NSD configs,
# root hints, trust anchors and the expected-outcome list. See
# doc/testworld.md. Skips the work when OUTDIR/stamp matches the inputs and is
# younger than MXSEC_WORLD_MAX_AGE seconds (default 86400), so signatures
# always have ~29 days left.
set -eu
set -o pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
CASES=${MXSEC_WORLD_CASES:-$HERE/cases.conf}
CASES=$(cd "$(dirname "$CASES")" && pwd)/$(basename "$CASES")
SELF=$HERE/$(basename "$0")
MAX_AGE=${MXSEC_WORLD_MAX_AGE:-86400}

force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
if [ $# -ne 1 ]; then
	echo "usage: $0 [--force] OUTDIR" >&2
	exit 2
fi
mkdir -p "$1"
OUT=$(cd "$1" && pwd)

die() { echo "gen.sh: $*" >&2; exit 1; }

for tool in dnssec-keygen dnssec-signzone dnssec-dsfromkey ldns-signzone openssl flock sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (apt-get install bind9-utils ldnsutils openssl util-linux)"
done

# One generator at a time per OUTDIR.
exec 8>"$OUT/.gen.lock"
flock 8

now=$(date +%s)
hash=$( { cat "$SELF" "$CASES"; echo "$OUT"; } | sha256sum | cut -d' ' -f1)
if [ $force -eq 0 ] && [ -f "$OUT/stamp" ]; then
	read -r old_hash old_time <"$OUT/stamp" || true
	if [ "${old_hash:-}" = "$hash" ] && [ $((now - ${old_time:-0})) -lt "$MAX_AGE" ]; then
		echo "gen.sh: $OUT is up to date (generated $(date -u -d "@$old_time" '+%F %T') UTC)"
		exit 0
	fi
fi

t0=$(date +%s.%N)
rm -f "$OUT/stamp"
rm -rf "$OUT/keys" "$OUT/zones" "$OUT/certs" "$OUT/work" "$OUT/nsd"
mkdir -p "$OUT/keys" "$OUT/zones" "$OUT/certs" "$OUT/work" "$OUT/nsd" "$OUT/run"
K=$OUT/keys Z=$OUT/zones C=$OUT/certs W=$OUT/work
cd "$W" # the tools drop side files (dsset-*) into the working directory

# ---------------------------------------------------------------- time window
d14() { date -u -d "@$1" +%Y%m%d%H%M%S; }
INC=$((now - 86400))          # good zones: now-1d .. now+30d
EXP=$((now + 30 * 86400))
EXPIRED_INC=$((now - 40 * 86400)) EXPIRED_EXP=$((now - 3 * 86400))
NOTYET_INC=$((now + 60 * 86400)) NOTYET_EXP=$((now + 90 * 86400))

# ---------------------------------------------------------------- certificates
# EC P-256 keys; certificates valid from now-1d for a year (made with
# 'openssl ca' because 'req -x509' cannot back-date notBefore).
gen_certs() {
	local ca=$W/ca sd ed
	mkdir -p "$ca/new"
	: >"$ca/index.txt"
	echo 01 >"$ca/serial"
	sd=$(date -u -d "@$INC" +%y%m%d%H%M%SZ)
	ed=$(date -u -d "@$((now + 365 * 86400))" +%y%m%d%H%M%SZ)
	cat >"$ca/cnf" <<-EOF
	[ ca ]
	default_ca = w
	[ w ]
	database = $ca/index.txt
	new_certs_dir = $ca/new
	serial = $ca/serial
	default_md = sha256
	policy = pol
	unique_subject = no
	copy_extensions = copy
	[ pol ]
	commonName = supplied
	[ v3ca ]
	basicConstraints = critical,CA:TRUE
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	[ v3ee ]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature
	extendedKeyUsage = serverAuth
	subjectKeyIdentifier = hash
	EOF
	newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$C/$1.key" 2>/dev/null; }
	csr() { # stem cn san
		openssl req -new -key "$C/$1.key" -out "$ca/$1.csr" -subj "/CN=$2" ${3:+-addext "subjectAltName=$3"} 2>/dev/null
	}
	sign() { # stem ext [ca-stem]
		if [ -n "${3:-}" ]; then
			openssl ca -batch -notext -config "$ca/cnf" -cert "$C/$3.crt" -keyfile "$C/$3.key" \
				-in "$ca/$1.csr" -out "$C/$1.crt" -startdate "$sd" -enddate "$ed" -extensions "$2" 2>/dev/null
		else
			openssl ca -batch -notext -config "$ca/cnf" -selfsign -keyfile "$C/$1.key" \
				-in "$ca/$1.csr" -out "$C/$1.crt" -startdate "$sd" -enddate "$ed" -extensions "$2" 2>/dev/null
		fi
	}
	newkey ca; csr ca "mxsec test world CA"; sign ca v3ca
	newkey ee
	csr ee mx.dane-ee.test "DNS:mx.dane-ee.test,DNS:mx.dane-bad.test,DNS:mx.dane-big.test,DNS:mx.bogus-tlsa.test,DNS:mx.wild.test,DNS:mx.wild3.mail"
	sign ee v3ee
	newkey ta-server
	csr ta-server mx.dane-ta.test "DNS:mx.dane-ta.test,DNS:mx.dane-pkix.test"
	sign ta-server v3ee ca
	cat "$C/ta-server.crt" "$C/ca.crt" >"$C/ta-chain.pem"
	newkey unused
}
gen_certs

# tlsa_data U S M SOURCE -> hex association data
tlsa_data() {
	local s=$2 m=$3 src=$4 der
	der=$W/tlsa.der
	if [ "$src" = unused ]; then
		[ "$s" = 1 ] || die "tlsa: SOURCE unused needs selector 1"
		openssl pkey -in "$C/unused.key" -pubout -outform DER -out "$der" 2>/dev/null
	elif [ "$s" = 0 ]; then
		[ -f "$C/$src.crt" ] || die "tlsa: no certificate certs/$src.crt"
		openssl x509 -in "$C/$src.crt" -outform DER -out "$der"
	elif [ "$s" = 1 ]; then
		[ -f "$C/$src.crt" ] || die "tlsa: no certificate certs/$src.crt"
		openssl x509 -in "$C/$src.crt" -noout -pubkey | openssl pkey -pubin -outform DER -out "$der"
	else
		die "tlsa: selector $s"
	fi
	case $m in
	0) od -An -v -tx1 "$der" | tr -d ' \n' ;;
	1) openssl dgst -sha256 -r "$der" | cut -d' ' -f1 ;;
	2) openssl dgst -sha512 -r "$der" | cut -d' ' -f1 ;;
	*) die "tlsa: matching type $m" ;;
	esac
}

# ---------------------------------------------------------------- parse cases
declare -a ZONES=()
declare -A ALG KEYSTYLE DENIAL ITER SALT SIGNER DSD SERVER NS BREAK PARENT DEPTH
declare -A ZKEYS DSKEYS
cur=""
stem() { if [ "$1" = . ]; then echo root; else echo "${1%.}"; fi; }
# under NAME ZONE: is NAME at or below ZONE (both absolute, lower case)?
under() { [ "$2" = . ] || [ "$1" = "$2" ] || [ "${1%".$2"}" != "$1" ]; }
absname() { # NAME relative to $cur
	case $1 in
	@) echo "$cur" ;;
	*.) echo "$1" ;;
	*) if [ "$cur" = . ]; then echo "$1."; else echo "$1.$cur"; fi ;;
	esac
}

# MTA-STS policy hosts (https and policy directives)
declare -a HTTPS_HOSTS=()
declare -A HCERT HTYPE HREDIR HPAD HZONE HCHUNK
curhost=""
CASES_OUT=$W/cases.txt
: >"$CASES_OUT"
: >"$W/oracle.txt"
lineno=0
set -f # records contain '*'
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case $line in '' | \#* | [[:space:]]\#*) continue ;; esac
	# shellcheck disable=SC2086
	set -- $line
	[ $# -gt 0 ] || continue
	kw=$1; shift
	case $kw in
	zone)
		z=$(echo "$1" | tr '[:upper:]' '[:lower:]'); shift
		case $z in *.) ;; *) die "cases.conf:$lineno: zone name must end in '.'" ;; esac
		[ -z "${ALG[$z]+x}" ] || die "cases.conf:$lineno: zone $z twice"
		ZONES+=("$z")
		ALG[$z]=13 KEYSTYLE[$z]=csk DENIAL[$z]=nsec ITER[$z]=0 SALT[$z]=- SIGNER[$z]=""
		DSD[$z]=2 SERVER[$z]="" NS[$z]="" BREAK[$z]=""
		for o in "$@"; do
			v=${o#*=}
			case $o in
			alg=*) ALG[$z]=$v ;;
			keys=*) KEYSTYLE[$z]=$v ;;
			denial=*) DENIAL[$z]=$v ;;
			iter=*) ITER[$z]=$v ;;
			salt=*) SALT[$z]=$v ;;
			signer=*) SIGNER[$z]=$v ;;
			ds=*) DSD[$z]=$v ;;
			server=*) SERVER[$z]=$v ;;
			ns=*) NS[$z]=$(echo "$v" | tr '[:upper:]' '[:lower:]') ;;
			break=*) BREAK[$z]=$v ;;
			*) die "cases.conf:$lineno: unknown zone option $o" ;;
			esac
		done
		case ${ALG[$z]} in none | 5 | 7 | 8 | 10 | 13 | 14 | 15 | 16) ;; *) die "cases.conf:$lineno: alg ${ALG[$z]}" ;; esac
		case ${DENIAL[$z]} in nsec | nsec3 | optout) ;; *) die "cases.conf:$lineno: denial ${DENIAL[$z]}" ;; esac
		for b in ${BREAK[$z]//,/ }; do
			case $b in
			expired | notyet | dsmismatch | norrsig:?*:?* | badsig:?*:?* | parentsig:?*:?* | wrongsigner:?*:?*:?* | dsfake:[0-9]*:[0-9]*) ;;
			collide:[0-9]* | manysig:?*:?*:[0-9]*) ;;
			*) die "cases.conf:$lineno: unknown break $b" ;;
			esac
			[ "${ALG[$z]}" != none ] || die "cases.conf:$lineno: break= needs a signed zone"
		done
		if [ -z "${SIGNER[$z]}" ]; then
			if [ "${DENIAL[$z]}" != nsec ] && [ "${ITER[$z]}" -gt 150 ]; then SIGNER[$z]=ldns; else SIGNER[$z]=bind; fi
		fi
		if [ "$z" = . ]; then DEPTH[$z]=0; else DEPTH[$z]=$(echo "$z" | tr -cd . | wc -c); fi
		if [ -z "${SERVER[$z]}" ]; then
			case ${DEPTH[$z]} in 0) SERVER[$z]=11 ;; 1) SERVER[$z]=12 ;; 2) SERVER[$z]=13 ;; *) SERVER[$z]=14 ;; esac
		fi
		if [ -z "${NS[$z]}" ]; then
			[ "$z" != . ] || die "cases.conf:$lineno: the root zone needs ns=HOST."
			NS[$z]=ns1.$z
		fi
		cur=$z
		: >"$W/$(stem "$z").rr"
		;;
	rr)
		[ -n "$cur" ] || die "cases.conf:$lineno: rr before zone"
		r=${line#*rr}
		printf '%s\n' "${r#"${r%%[![:space:]]*}"}" >>"$W/$(stem "$cur").rr"
		;;
	tlsa)
		[ -n "$cur" ] || die "cases.conf:$lineno: tlsa before zone"
		[ $# -ge 5 ] || die "cases.conf:$lineno: tlsa OWNER U S M SOURCE [N]"
		if [ "$5" = random ]; then
			n=${6:-1} len=32
			[ "$4" = 2 ] && len=64
			for _ in $(seq "$n"); do
				echo "$1 TLSA $2 $3 $4 $(openssl rand -hex "$len")"
			done >>"$W/$(stem "$cur").rr"
		else
			echo "$1 TLSA $2 $3 $4 $(tlsa_data "$2" "$3" "$4" "$5")" >>"$W/$(stem "$cur").rr"
		fi
		;;
	expect)
		[ $# -ge 5 ] || die "cases.conf:$lineno: expect NAME TYPE STATUS RCODE EDE NOTE..."
		n=$(absname "$1"); t=$2 st=$3 rc=$4 ede=$5
		shift 5
		case $st in secure | insecure | bogus) ;; *) die "cases.conf:$lineno: status $st" ;; esac
		case $rc in NOERROR | NXDOMAIN | NODATA | SERVFAIL) ;; *) die "cases.conf:$lineno: rcode $rc" ;; esac
		[[ $ede =~ ^(-|[0-9]+(/[0-9]+)*)$ ]] || die "cases.conf:$lineno: EDE '$ede' (want - or N or N/M)"
		if [ "$st" = bogus ] && [ "$rc" != SERVFAIL ]; then die "cases.conf:$lineno: bogus cases have rcode SERVFAIL"; fi
		note=${*:--}
		printf '%s %s %s %s %s %s\n' "$n" "$t" "$st" "$rc" "$ede" "$note" >>"$CASES_OUT"
		;;
	oracle)
		[ $# -ge 4 ] || die "cases.conf:$lineno: oracle NAME TYPE STATUS REASON..."
		n=$(absname "$1"); t=$2 st=$3
		shift 3
		printf '%s %s %s %s\n' "$n" "$t" "$st" "$*" >>"$W/oracle.txt"
		;;
	https)
		[ -n "$cur" ] || die "cases.conf:$lineno: https before zone"
		[ $# -ge 1 ] || die "cases.conf:$lineno: https HOST [cert=..] [type=..] [redirect=..] [pad=..]"
		h=$(absname "$(echo "$1" | tr '[:upper:]' '[:lower:]')"); shift
		h=${h%.}
		[[ $h =~ ^[a-z0-9][a-z0-9.-]*$ ]] || die "cases.conf:$lineno: https host $h"
		[ -z "${HCERT[$h]+x}" ] || die "cases.conf:$lineno: https $h twice"
		HTTPS_HOSTS+=("$h")
		HCERT[$h]=webpki HTYPE[$h]=text/plain HREDIR[$h]="" HPAD[$h]=0 HZONE[$h]=$cur HCHUNK[$h]=no
		for o in "$@"; do
			v=${o#*=}
			case $o in
			cert=webpki | cert=rogue | cert=wrongname) HCERT[$h]=$v ;;
			type=*) [[ $v =~ ^[A-Za-z0-9.+/-]+$ ]] || die "cases.conf:$lineno: type $v"; HTYPE[$h]=$v ;;
			redirect=*) [[ $v =~ ^https?://[A-Za-z0-9./_-]+$ ]] || die "cases.conf:$lineno: redirect $v"; HREDIR[$h]=$v ;;
			pad=*) [[ $v =~ ^[0-9]+$ ]] || die "cases.conf:$lineno: pad $v"; HPAD[$h]=$v ;;
			chunked) HCHUNK[$h]=yes ;;
			*) die "cases.conf:$lineno: unknown https option $o" ;;
			esac
		done
		curhost=$h
		mkdir -p "$W/https"
		: >"$W/https/$h.txt"
		;;
	policy)
		if [ -z "$curhost" ] || [ "${HZONE[$curhost]}" != "$cur" ]; then
			die "cases.conf:$lineno: policy without https in this zone"
		fi
		r=${line#*policy}
		printf '%s\r\n' "${r#"${r%%[![:space:]]*}"}" >>"$W/https/$curhost.txt"
		;;
	*) die "cases.conf:$lineno: unknown directive $kw" ;;
	esac
done <"$CASES"
set +f

[ -n "${ALG[.]+x}" ] || die "cases.conf has no root zone"
[ "${ALG[.]}" != none ] || die "the root must be signed"

# parents: the longest other zone that contains the zone
for z in "${ZONES[@]}"; do
	[ "$z" = . ] && { PARENT[$z]=""; continue; }
	best=""
	for p in "${ZONES[@]}"; do
		[ "$p" = "$z" ] && continue
		if under "$z" "$p"; then
			if [ -z "$best" ] || [ "${#p}" -gt "${#best}" ] || [ "$best" = . ]; then best=$p; fi
		fi
	done
	PARENT[$z]=$best
	[ "${SERVER[$z]}" != "${SERVER[$best]}" ] ||
		die "zone $z is on the same server (127.0.0.${SERVER[$z]}) as its parent $best"
	case ${SERVER[$z]} in 1 | 20) die "zone $z: 127.0.0.${SERVER[$z]} is reserved" ;; esac
done

# ---------------------------------------------------------------- keys
keygen() { # zone alg flags... -> prints key base path
	local z=$1 a=$2 bits="" base
	shift 2
	case $a in 5 | 7 | 8 | 10) bits="-b 2048" ;; esac
	# shellcheck disable=SC2086
	base=$(dnssec-keygen -q -K "$K" -a "$a" $bits -L 300 -n ZONE "$@" "$z" 2>"$W/keygen.err") ||
		die "dnssec-keygen -a $a $z failed: $(cat "$W/keygen.err")"
	echo "$K/$base"
}
for z in "${ZONES[@]}"; do
	a=${ALG[$z]}
	[ "$a" = none ] && continue
	ksk=$(keygen "$z" "$a" -f KSK)
	if [ "${KEYSTYLE[$z]}" = split ]; then
		ZKEYS[$z]="$ksk $(keygen "$z" "$a")"
	else
		ZKEYS[$z]=$ksk
	fi
	DSKEYS[$z]=$ksk
	case ,${BREAK[$z]}, in
	*,dsmismatch,*) DSKEYS[$z]=$(keygen "$z" "$a" -f KSK) ;; # published in the parent only
	esac
done

# ---------------------------------------------------------------- zones
# Deepest first, so every child's DS exists when its parent is signed.
mapfile -t ORDER < <(for z in "${ZONES[@]}"; do echo "${DEPTH[$z]} $z"; done | sort -k1,1nr -k2 | cut -d' ' -f2)

keyrecords() { for k in "$@"; do grep -v '^;' "$k.key"; done; }

write_zone() { # zone -> unsigned zone file on stdout
	local z=$1 s ns c cns
	s=${SERVER[$z]} ns=${NS[$z]}
	# shellcheck disable=SC2016
	printf '$ORIGIN %s\n$TTL 300\n' "$z"
	printf '@ SOA %s hostmaster.%s %s 3600 600 864000 300\n' "$ns" "${z#.}" "$now"
	printf '@ NS %s\n' "$ns"
	if under "$ns" "$z"; then printf '%s A 127.0.0.%s\n' "$ns" "$s"; fi
	cat "$W/$(stem "$z").rr"
	for c in "${ZONES[@]}"; do
		[ "${PARENT[$c]}" = "$z" ] || continue
		cns=${NS[$c]}
		printf '%s NS %s\n' "$c" "$cns"
		if under "$cns" "$c"; then printf '%s A 127.0.0.%s\n' "$cns" "${SERVER[$c]}"; fi
		if [ -f "$W/$(stem "$c").ds" ]; then cat "$W/$(stem "$c").ds"; fi
	done
	if [ "${ALG[$z]}" != none ]; then
		# shellcheck disable=SC2086
		keyrecords ${ZKEYS[$z]}
		for b in ${BREAK[$z]//,/ }; do
			case $b in collide:*) collide_keys "${ZKEYS[$z]##* }" "${b#collide:}" ;; esac
		done
	fi
}

# collide_keys KEYBASE N: N DNSKEY records (no private key) with the key tag,
# algorithm and flags of KEYBASE. Each is the real key with two public-key
# bytes at even offsets moved by +1 and -1, which keeps the RFC 4034
# Appendix B checksum. For RSA they are valid keys with another modulus, so
# a validator that tries every key with the RRSIG's tag does a full
# verification for each (KeyTrap, CVE-2023-50387).
collide_keys() {
	grep -v '^;' "$1.key" | python3 -c '
import base64, sys
n = int(sys.argv[1])
f = sys.stdin.read().split()
i = f.index("DNSKEY")
owner, flags, proto, alg = f[0], int(f[i + 1]), int(f[i + 2]), int(f[i + 3])
key = base64.b64decode("".join(f[i + 4:]))
def tag(k):
    rd = flags.to_bytes(2, "big") + bytes([proto, alg]) + k
    a = sum((b << 8) if j % 2 == 0 else b for j, b in enumerate(rd))
    return (a + (a >> 16)) & 0xFFFF
want, pos, out = tag(key), 6 + (len(key) % 2), []
while len(out) < n:
    if pos + 2 >= len(key):
        sys.exit("collide: key too short for %d keys" % n)
    k = bytearray(key)
    if k[pos] < 255 and k[pos + 2] > 0:
        k[pos] += 1
        k[pos + 2] -= 1
        assert tag(bytes(k)) == want
        out.append(bytes(k))
    pos += 2
for k in out:
    print("%s DNSKEY %d %d %d %s" % (owner, flags, proto, alg, base64.b64encode(k).decode()))
' "$2" || die "collide: no keys made for $1"
}

sign_zone() { # zone in out inception expiration [extra dnssec-signzone args]
	local z=$1 in=$2 out=$3 inc=$4 exp=$5
	shift 5
	local keys=${ZKEYS[$z]} it=${ITER[$z]} salt=${SALT[$z]}
	if [ "${SIGNER[$z]}" = ldns ]; then
		local args=()
		case ${DENIAL[$z]} in
		nsec3 | optout)
			args+=(-n -t "$it")
			[ "$salt" = - ] || args+=(-s "$salt")
			[ "${DENIAL[$z]}" = optout ] && args+=(-p)
			;;
		esac
		# shellcheck disable=SC2086
		ldns-signzone "${args[@]}" -i "$(d14 "$inc")" -e "$(d14 "$exp")" -o "$z" -f "$out" "$in" $keys \
			2> >(grep -v -e 'iterations larger' -e 'hardaker' >&2)
	else
		local args=(-q -O full -N keep -d "$W" -o "$z" -f "$out" -s "$(d14 "$inc")" -e "$(d14 "$exp")")
		[ "${KEYSTYLE[$z]}" = split ] || args+=(-z)
		case ${DENIAL[$z]} in
		nsec3) args+=(-3 "$salt" -H "$it") ;;
		optout) args+=(-3 "$salt" -H "$it" -A) ;;
		esac
		# shellcheck disable=SC2086
		dnssec-signzone "${args[@]}" "$@" "$in" $keys >/dev/null
	fi
}

# RRSIG lines: owner ttl class RRSIG covered alg labels ottl exp inc tag signer sig...
break_norrsig() { # file owner type
	awk -v o="$2" -v t="$3" '!($1 == o && $4 == "RRSIG" && $5 == t)' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}
break_badsig() {
	awk -v o="$2" -v t="$3" '
	$1 == o && $4 == "RRSIG" && $5 == t {
		s = $13; c = substr(s, 5, 1); r = (c == "A") ? "B" : "A"
		$13 = substr(s, 1, 4) r substr(s, 6); n++
	}
	{ print }
	END { if (!n) exit 1 }' "$1" >"$1.tmp" || die "badsig: no RRSIG $3 at $2"
	mv "$1.tmp" "$1"
}
break_manysig() { # file owner type N: the RRset's RRSIGs corrupted, N copies of each
	awk -v o="$2" -v t="$3" -v n="$4" '
	$1 == o && $4 == "RRSIG" && $5 == t {
		# the signature is fields 13..NF; each copy changes one character at
		# a different place (field, position), so no two copies are equal
		k = (NF > 13) ? NF - 13 : 1
		for (i = 0; i < n; i++) {
			f = 13 + i % k; s = $f; p = 5 + int(i / k) % (length(s) - 8)
			c = substr(s, p, 1); r = (c == "A") ? "B" : "A"
			$f = substr(s, 1, p - 1) r substr(s, p + 1); print; $f = s
		}
		m++; next
	}
	{ print }
	END { if (!m) exit 1 }' "$1" >"$1.tmp" || die "manysig: no RRSIG $3 at $2"
	mv "$1.tmp" "$1"
}
break_wrongsigner() { # file owner type otherzone: signer name and key tag of another zone
	local f=$1 o=$2 t=$3 other=$4 tag
	if [ -z "${ZKEYS[$other]+x}" ]; then die "wrongsigner: $other is not a signed zone"; fi
	tag=${ZKEYS[$other]%% *}
	tag=$((10#${tag##*+}))
	awk -v o="$o" -v t="$t" -v tag="$tag" -v s="$other" '
	$1 == o && $4 == "RRSIG" && $5 == t { $11 = tag; $12 = s; n++ }
	{ print }
	END { if (!n) exit 1 }' "$f" >"$f.tmp" || die "wrongsigner: no RRSIG $t at $o"
	mv "$f.tmp" "$f"
}
break_parentsig() { # file zone owner type: replace the RRSIG with one by the parent's key
	local f=$1 z=$2 o=$3 t=$4 p=${PARENT[$2]} mini=$W/parentsig
	if [ -z "$p" ] || [ "${ALG[$p]}" = none ]; then die "parentsig: $z has no signed parent"; fi
	{
		# shellcheck disable=SC2016
		printf '$TTL 300\n%s SOA ns.%s h.%s 1 3600 600 864000 300\n%s NS ns.%s\n' "$p" "${p#.}" "${p#.}" "$p" "${p#.}"
		# shellcheck disable=SC2086
		keyrecords ${ZKEYS[$p]}
		awk -v o="$o" -v t="$t" '$1 == o && $4 == t' "$f"
	} >"$mini.in"
	local keys=${ZKEYS[$p]} args=(-q -O full -P -d "$W" -o "$p" -f "$mini.out" -s "$(d14 "$INC")" -e "$(d14 "$EXP")")
	[ "${KEYSTYLE[$p]}" = split ] || args+=(-z)
	# shellcheck disable=SC2086
	dnssec-signzone "${args[@]}" "$mini.in" $keys >/dev/null
	break_norrsig "$f" "$o" "$t"
	awk -v o="$o" -v t="$t" '$1 == o && $4 == "RRSIG" && $5 == t' "$mini.out" >"$mini.sig"
	[ -s "$mini.sig" ] || die "parentsig: no signature made"
	cat "$mini.sig" >>"$f"
}

make_ds() { # zone -> $W/stem.ds
	local z=$1 d k a dt b
	local f
	f=$W/$(stem "$z").ds
	: >"$f"
	[ "${DSD[$z]}" = none ] && return 0
	for k in ${DSKEYS[$z]}; do
		for d in ${DSD[$z]//,/ }; do
			case $d in 1) a=SHA-1 ;; 2) a=SHA-256 ;; 4) a=SHA-384 ;; *) die "$z: DS digest $d" ;; esac
			dnssec-dsfromkey -a "$a" "$k.key" 2>/dev/null >>"$f"
		done
	done
	for b in ${BREAK[$z]//,/ }; do
		case $b in
		dsfake:*:*)
			a=${b#dsfake:}; dt=${a#*:}; a=${a%%:*}
			# owner class DS tag alg digesttype digest
			awk -v a="$a" -v d="$dt" '{ $5 = a; $6 = d; print }' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
			;;
		esac
	done
}

declare -A ZFILE
for z in "${ORDER[@]}"; do
	st=$(stem "$z")
	in=$Z/$st.in out=$Z/$st.zone
	write_zone "$z" >"$in"
	ZFILE[$z]=$st.zone
	if [ "${ALG[$z]}" = none ]; then
		cp "$in" "$out"
		: >"$W/$st.ds"
		continue
	fi
	inc=$INC exp=$EXP extra=()
	for b in ${BREAK[$z]//,/ }; do
		case $b in
		expired) inc=$EXPIRED_INC exp=$EXPIRED_EXP extra=(-P) ;;
		notyet) inc=$NOTYET_INC exp=$NOTYET_EXP extra=(-P) ;;
		esac
	done
	sign_zone "$z" "$in" "$out" "$inc" "$exp" "${extra[@]}"
	for b in ${BREAK[$z]//,/ }; do
		case $b in
		expired | notyet | dsmismatch | dsfake:* | collide:*) ;;
		norrsig:* | badsig:* | wrongsigner:* | parentsig:* | manysig:*)
			IFS=: read -r kind o t arg <<<"$b"
			[ -n "$t" ] || die "zone $z: break $b: OWNER:TYPE missing"
			o=$(cur=$z absname "$o")
			case $kind in
			norrsig) break_norrsig "$out" "$o" "$t" ;;
			badsig) break_badsig "$out" "$o" "$t" ;;
			manysig) break_manysig "$out" "$o" "$t" "${arg:?zone $z: manysig:OWNER:TYPE:N}" ;;
			wrongsigner) break_wrongsigner "$out" "$o" "$t" "${arg:?zone $z: wrongsigner:OWNER:TYPE:OTHERZONE}" ;;
			parentsig) break_parentsig "$out" "$z" "$o" "$t" ;;
			esac
			;;
		*) die "zone $z: unknown break $b" ;;
		esac
	done
	make_ds "$z"
done

# ---------------------------------------------------------------- anchors, hints
rk=${DSKEYS[.]}
grep -v '^;' "$rk.key" >"$OUT/root.key"
dnssec-dsfromkey -a SHA-256 "$rk.key" >"$OUT/root.ds"
read -r _ _ _ tag alg dt dig <"$OUT/root.ds"
read -r _ _ _ _ flags proto kalg kdata <<<"$(tr '\t' ' ' <"$OUT/root.key")"
cat >"$OUT/root.anchors.conf" <<EOF
# the world's root trust anchor in named.conf syntax (delv -a)
trust-anchors {
	"." static-ds $tag $alg $dt "$dig";
};
EOF
cat >"$OUT/root.key.anchors.conf" <<EOF
trust-anchors {
	"." static-key $flags $proto $kalg "${kdata// /}";
};
EOF
{
	echo "; root hints of the mxsec test world"
	echo ". 3600000 NS ${NS[.]}"
	echo "${NS[.]} 3600000 A 127.0.0.${SERVER[.]}"
} >"$OUT/root.hints"

# ---------------------------------------------------------------- NSD configs
servers=$(for z in "${ZONES[@]}"; do echo "${SERVER[$z]}"; done | sort -n -u)
for s in $servers; do
	{
		cat <<-EOF
		# NSD instance for 127.0.0.$s, generated by tests/world/gen.sh
		server:
		    ip-address: 127.0.0.$s
		    port: 53
		    do-ip4: yes
		    do-ip6: no
		    username: ""
		    chroot: ""
		    database: ""
		    zonesdir: "$Z"
		    pidfile: "$OUT/run/nsd-$s.pid"
		    logfile: "$OUT/run/nsd-$s.log"
		    zonelistfile: "$OUT/run/nsd-$s.zonelist"
		    xfrdfile: "$OUT/run/nsd-$s.xfrd"
		    xfrdir: "$OUT/run"
		    server-count: 1
		    verbosity: 1
		    hide-version: yes
		    identity: "world-$s"
		    ipv4-edns-size: 1232
		    refuse-any: yes
		    zonefiles-write: 0
		    # Debian builds NSD with response rate limiting on (200 a
		    # second per /24): load tests would see it as lost answers.
		    rrl-ratelimit: 0
		    rrl-whitelist-ratelimit: 0
		remote-control:
		    control-enable: no
		EOF
		for z in "${ZONES[@]}"; do
			[ "${SERVER[$z]}" = "$s" ] || continue
			printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$z" "${ZFILE[$z]}"
		done
	} >"$OUT/nsd/nsd-$s.conf"
	if command -v nsd-checkconf >/dev/null 2>&1; then
		nsd-checkconf "$OUT/nsd/nsd-$s.conf" || die "nsd-checkconf failed for nsd-$s.conf"
	fi
done

# ---------------------------------------------------------------- MTA-STS web server
# The https directives: a private WebPKI, the policy files and one nginx
# config (world.sh start-https; doc/testworld.md). Certificates: EC P-256,
# valid from now-1d for a year like gen_certs' (whose output is separate):
#   webpki-root.crt (self-signed) -> webpki-int.crt -> mta-sts.crt, one leaf
#     for every cert=webpki host (mta-sts-chain.pem = leaf + intermediate);
#   webpki-rogue.crt, another root -> mta-sts-rogue.crt (cert=rogue hosts);
#   mta-sts-wrongname.crt from webpki-int for mta-sts.wrong-name.test only
#     (cert=wrongname hosts, and nginx's default server).
gen_webpki() {
	local pk=$W/webpki sd ed h san="" rsan=""
	rm -rf "$pk"
	mkdir -p "$pk/new"
	: >"$pk/index.txt"
	echo 1001 >"$pk/serial"
	sd=$(date -u -d "@$INC" +%y%m%d%H%M%SZ)
	ed=$(date -u -d "@$((now + 365 * 86400))" +%y%m%d%H%M%SZ)
	cat >"$pk/cnf" <<-EOF
	[ ca ]
	default_ca = w
	[ w ]
	database = $pk/index.txt
	new_certs_dir = $pk/new
	serial = $pk/serial
	default_md = sha256
	policy = pol
	unique_subject = no
	copy_extensions = copy
	[ pol ]
	commonName = supplied
	[ v3root ]
	basicConstraints = critical,CA:TRUE
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	[ v3int ]
	basicConstraints = critical,CA:TRUE,pathlen:0
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid:always
	[ v3leaf ]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature
	extendedKeyUsage = serverAuth
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid:always
	EOF
	wcert() { # stem cn san|- extension issuer-stem|self
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$C/$1.key" 2>/dev/null ||
			die "webpki: key $1"
		if [ "$3" = - ]; then
			openssl req -new -key "$C/$1.key" -out "$pk/$1.csr" -subj "/CN=$2" 2>/dev/null
		else
			openssl req -new -key "$C/$1.key" -out "$pk/$1.csr" -subj "/CN=$2" -addext "subjectAltName=$3" 2>/dev/null
		fi || die "webpki: request $1"
		if [ "$5" = self ]; then
			openssl ca -batch -notext -config "$pk/cnf" -selfsign -keyfile "$C/$1.key" -in "$pk/$1.csr" \
				-out "$C/$1.crt" -startdate "$sd" -enddate "$ed" -extensions "$4" 2>"$pk/err" ||
				die "webpki: $1: $(cat "$pk/err")"
		else
			openssl ca -batch -notext -config "$pk/cnf" -cert "$C/$5.crt" -keyfile "$C/$5.key" -in "$pk/$1.csr" \
				-out "$C/$1.crt" -startdate "$sd" -enddate "$ed" -extensions "$4" 2>"$pk/err" ||
				die "webpki: $1: $(cat "$pk/err")"
		fi
	}
	for h in "${HTTPS_HOSTS[@]}"; do
		case ${HCERT[$h]} in
		webpki) san=$san${san:+,}DNS:$h ;;
		rogue) rsan=$rsan${rsan:+,}DNS:$h ;;
		esac
	done
	wcert webpki-root "mxsec test world WebPKI root" - v3root self
	wcert webpki-int "mxsec test world WebPKI intermediate" - v3int webpki-root
	wcert webpki-rogue "mxsec test world rogue root" - v3root self
	wcert mta-sts-wrongname mta-sts.wrong-name.test DNS:mta-sts.wrong-name.test v3leaf webpki-int
	cat "$C/mta-sts-wrongname.crt" "$C/webpki-int.crt" >"$C/mta-sts-wrongname-chain.pem"
	if [ -n "$san" ]; then
		wcert mta-sts "mxsec test world MTA-STS hosts" "$san" v3leaf webpki-int
		cat "$C/mta-sts.crt" "$C/webpki-int.crt" >"$C/mta-sts-chain.pem"
	fi
	if [ -n "$rsan" ]; then
		wcert mta-sts-rogue "mxsec test world rogue MTA-STS hosts" "$rsan" v3leaf webpki-rogue
		cp "$C/mta-sts-rogue.crt" "$C/mta-sts-rogue-chain.pem"
	fi
}

# OUT/https: www/HOST/.well-known/mta-sts.txt (the pristine policy files;
# start-https serves a copy under run/https/www that tests may change),
# hosts.txt and nginx.conf (127.0.3.1:443, SNI picks the host).
H=$OUT/https HR=$OUT/run/https
rm -rf "$H"
mkdir -p "$H/www"
gen_webpki
{
	echo "# host cert content-type redirect policy-octets chunked (generated by gen.sh)"
	for h in "${HTTPS_HOSTS[@]}"; do
		f=$H/www/$h/.well-known/mta-sts.txt
		mkdir -p "${f%/*}"
		cp "$W/https/$h.txt" "$f"
		if [ "${HPAD[$h]}" -gt 0 ]; then
			# valid unknown-key lines (RFC 8461 3.2 policy extensions)
			size=$(wc -c <"$f")
			awk -v n="${HPAD[$h]}" -v have="$size" 'BEGIN {
				s = "x-padding: "; for (i = 0; i < 98; i++) s = s "a"
				for (i = 0; have <= n; i++) { printf "%s%04d\r\n", s, i; have += length(s) + 6 }
			}' >>"$f"
		fi
		echo "$h ${HCERT[$h]} ${HTYPE[$h]} ${HREDIR[$h]:--} $(wc -c <"$f") ${HCHUNK[$h]}"
	done
} >"$H/hosts.txt"
chain_of() { case $1 in webpki) echo mta-sts ;; *) echo "mta-sts-$1" ;; esac; }
{
	cat <<-EOF
	# nginx for the MTA-STS policy hosts, generated by tests/world/gen.sh
	# (world.sh start-https OUTDIR). Runs as root; files under $HR.
	user root;
	worker_processes 1;
	daemon on;
	pid $HR/nginx.pid;
	lock_file $HR/nginx.lock;
	error_log $HR/error.log info;
	events {
	    worker_connections 256;
	}
	http {
	    log_format sts '\$msec \$ssl_server_name \$host "\$request" \$status \$body_bytes_sent';
	    access_log $HR/access.log sts;
	    client_body_temp_path $HR/tmp/body;
	    proxy_temp_path $HR/tmp/proxy;
	    fastcgi_temp_path $HR/tmp/fastcgi;
	    uwsgi_temp_path $HR/tmp/uwsgi;
	    scgi_temp_path $HR/tmp/scgi;
	    server_names_hash_bucket_size 128;
	    server_tokens off;
	    types {
	        text/plain txt;
	    }
	    default_type application/octet-stream;
	    ssl_protocols TLSv1.2 TLSv1.3;
	    # no SNI or an unknown name: a certificate for another name, 404
	    server {
	        listen 127.0.3.1:443 ssl default_server;
	        server_name _;
	        ssl_certificate $C/mta-sts-wrongname-chain.pem;
	        ssl_certificate_key $C/mta-sts-wrongname.key;
	        return 404;
	    }
	EOF
	for h in "${HTTPS_HOSTS[@]}"; do
		c=$(chain_of "${HCERT[$h]}")
		cat <<-EOF
		    server {
		        listen 127.0.3.1:443 ssl;
		        server_name $h;
		        ssl_certificate $C/$c-chain.pem;
		        ssl_certificate_key $C/$c.key;
		        root $HR/www/$h;
		        location / {
		            return 404;
		        }
		EOF
		if [ -n "${HREDIR[$h]}" ]; then
			printf '        location = /.well-known/mta-sts.txt {\n            return 301 "%s";\n        }\n' "${HREDIR[$h]}"
		elif [ "${HCHUNK[$h]}" = yes ]; then
			# a (no-op) sub_filter drops Content-Length: chunked encoding
			printf '        location = /.well-known/mta-sts.txt {\n            types { }\n            default_type %s;\n' "${HTYPE[$h]}"
			printf '            sub_filter_types *;\n            sub_filter "STSv1" "STSv1";\n        }\n'
		else
			printf '        location = /.well-known/mta-sts.txt {\n            types { }\n            default_type %s;\n        }\n' "${HTYPE[$h]}"
		fi
		echo "    }"
	done
	echo "}"
} >"$H/nginx.conf"

# ---------------------------------------------------------------- lists
{
	echo "# zone server alg denial iterations salt signer ds break parent ns"
	for z in "${ZONES[@]}"; do
		den=${DENIAL[$z]} it=${ITER[$z]} sa=${SALT[$z]} sg=${SIGNER[$z]} ds=${DSD[$z]}
		[ "$den" != nsec ] || { it=-; sa=-; }
		[ "${ALG[$z]}" != none ] || { den=-; it=-; sa=-; sg=-; ds=-; }
		[ -n "${PARENT[$z]}" ] || ds=anchor
		echo "$z 127.0.0.${SERVER[$z]} ${ALG[$z]} $den $it $sa $sg $ds ${BREAK[$z]:--} ${PARENT[$z]:--} ${NS[$z]}"
	done
} >"$OUT/zones.txt"
{
	echo "# name type status rcode ede note"
	echo "# status: secure|insecure|bogus; rcode NODATA = NOERROR without an answer of that type;"
	echo "# ede: RFC 8914 code a validator should attach, - for none. Generated $(date -u -d "@$now" '+%F %T') UTC."
	cat "$CASES_OUT"
} >"$OUT/cases.txt"
{
	echo "# name type status-that-delv/unbound-report reason (known differences from cases.txt)"
	cat "$W/oracle.txt"
} >"$OUT/oracle.txt"
cat >"$OUT/world.env" <<EOF
# sourceable description of this world (generated by gen.sh)
WORLD_DIR=$OUT
WORLD_ROOT_ADDR=127.0.0.${SERVER[.]}
WORLD_SERVERS="$(echo "$servers" | tr '\n' ' ' | sed 's/ $//')"
WORLD_UNBOUND_ADDR=127.0.0.20
WORLD_GENERATED=$now
WORLD_SIG_INCEPTION=$INC
WORLD_SIG_EXPIRATION=$EXP
EOF

echo "$hash $now" >"$OUT/stamp"
t1=$(date +%s.%N)
echo "gen.sh: ${#ZONES[@]} zones generated in $OUT in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
