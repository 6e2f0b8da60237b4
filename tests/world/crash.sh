#!/usr/bin/env bash
# kill -9 in the middle of a write storm, again and again, on one cache
# (cache/cache.h: kill -9 loses at most the batch in progress).
#   crash.sh MXSECD OUTDIR
# Each round starts mxsecd on the same cache-dir (aggressive-nsec no and
# yes in turn), fires a storm of queries at it (random names under secure,
# insecure and bogus zones, and the cases of cases.txt, some with CD),
# kills it with SIGKILL 50-500 ms later, and then reads the cache with
# --dump-cache (every fifth round also while the storm runs).  mxsecd must
# come up every time, every dump must succeed, and every dumped answer
# whose status is known must have it: a case of cases.txt its status (and
# rcode, unless bogus), a random name its zone's.  Answers asked with CD
# are 'indeterminate' by design and are not checked.  MXSEC_CRASH_ROUNDS
# (default 50, the number issue 8 asks for) sets the number of rounds.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mxsecd-lib.sh
. "$here/mxsecd-lib.sh"
mxsecd=$1
out=$2
rounds=${MXSEC_CRASH_ROUNDS:-50}
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
/usr/bin/python3 -c 'import dns.message' 2>/dev/null || { echo "needs python3-dnspython"; exit 77; }
port=5391
tmp=$(mktemp -d)
pid='' spid=''
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$here/world.sh" stop "$out" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/crash.py" <<'PY'
"""storm PORT ROUND READY CASES: queries at RATE a second over UDP, never
waiting for an answer, until killed (30 s at most); READY is created after
the first.  check DUMP CASES: the statuses in a --dump-cache output."""
import random
import re
import socket
import string
import sys
import time

import dns.flags
import dns.message

RATE = 1500
# Zones of the random names and the status their answers must have.  Many
# zones: NSD limits each to 200 answers a second per client by default.
ZONES = {"test.": "secure", "mail.": "secure", "dane-ee.test.": "secure",
         "dane-ta.test.": "secure", "alg8.test.": "secure", "alg13.test.": "secure",
         "alg15.test.": "secure", "it0.mail.": "secure", "it10.mail.": "secure",
         "insecure.test.": "insecure", "insecure.mail.": "insecure",
         "island.test.": "insecure", "it151.mail.": "insecure",
         "expired.test.": "bogus", "notyet.test.": "bogus", "dsmismatch.test.": "bogus"}
RANDOM = re.compile(r"^s[0-9]+x[a-z0-9]+\.(.*)$")


def cases(path):
    c = {}
    for line in open(path):
        f = line.split()
        if len(f) >= 4 and not f[0].startswith("#") and "keytrap" not in f[0]:
            c[(f[0].lower(), f[1])] = (f[2], "NOERROR" if f[3] == "NODATA" else f[3])
    return c


def storm(port, rnd, ready, casefile):
    real = list(cases(casefile))
    zones = list(ZONES)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    t0 = time.time()
    sent = 0
    while time.time() - t0 < 30:
        while sent < (time.time() - t0) * RATE + 1:
            if sent % 5 == 0:
                name, rtype = random.choice(real)
            else:
                name = "s%sx%s.%s" % (rnd, "".join(random.choice(string.ascii_lowercase + string.digits)
                                                   for _ in range(8)), random.choice(zones))
                rtype = random.choice(["A", "AAAA", "MX", "TXT", "TLSA"])
            q = dns.message.make_query(name, rtype, want_dnssec=True, payload=1232)
            if random.random() < 0.1:
                q.flags |= dns.flags.CD
            try:
                sock.send(q.to_wire())
            except OSError:    # refused: mxsecd is gone
                pass
            sent += 1
            if sent == 1:
                open(ready, "w").close()
        try:
            while sock.recv(65535):
                pass
        except OSError:
            pass
        time.sleep(0.002)


def check(dumpfile, casefile):
    want = cases(casefile)
    n = checked = cd = bad = 0
    for line in open(dumpfile):
        if not line.startswith("; answer "):
            continue
        n += 1
        f = line.split()
        if f[4] == "+cd":
            cd += 1
            continue
        kv = dict(x.split("=", 1) for x in f[4:] if "=" in x)
        name = f[2].lower()
        exp = want.get((name, f[3]))
        if exp is None:
            m = RANDOM.match(name)
            if m is None or m.group(1) not in ZONES:
                continue
            exp = (ZONES[m.group(1)], "NXDOMAIN")
        checked += 1
        if kv.get("status") != exp[0] or (exp[0] != "bogus" and kv.get("rcode") != exp[1]):
            bad += 1
            print("FAIL %s: want status=%s rcode=%s" % (line[2:].strip()[:160], exp[0], exp[1]))
    print("CHECK answers=%d cd=%d checked=%d mismatches=%d" % (n, cd, checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "storm":
        storm(int(a[1]), a[2], a[3], a[4])
    else:
        sys.exit(check(a[1], a[2]))
PY

"$here/world.sh" start "$out" >/dev/null || exit 1
for ag in no yes; do
	mx_conf "$tmp/$ag.conf" "$out" "$tmp" $port "mode recursive" \
	    "trust-anchor-file $out/root.key" "aggressive-nsec $ag"
done

fails=0 starts=0 dumps=0 answers=0 checked=0 mismatches=0 sent_ms=0
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
t0=$(date +%s)
start() {  # CONF: mxsecd up on the shared cache, or FAIL
	"$mxsecd" -f -c "$1" 2>>"$tmp/mxsecd.log" &
	pid=$!
	if mx_wait $port "$pid"; then
		starts=$((starts + 1))
		return 0
	fi
	bad "round $r: mxsecd did not come up: $(tail -3 "$tmp/mxsecd.log")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	return 1
}
dump_check() {  # LABEL CONF
	local res
	if ! "$mxsecd" -c "$2" --dump-cache >"$tmp/dump" 2>"$tmp/dump.err"; then
		bad "$1: --dump-cache failed: $(head -3 "$tmp/dump.err")"
		return
	fi
	dumps=$((dumps + 1))
	res=$(/usr/bin/python3 "$tmp/crash.py" check "$tmp/dump" "$out/cases.txt")
	echo "$res" | grep '^FAIL' | head -5 | sed "s/^FAIL /FAIL $1: /"
	res=$(echo "$res" | grep '^CHECK ')
	if [ -z "$res" ]; then
		bad "$1: the dump could not be checked"
		return
	fi
	answers=$((answers + $(cv "$res" answers)))
	checked=$((checked + $(cv "$res" checked)))
	mismatches=$((mismatches + $(cv "$res" mismatches)))
	[ "$(cv "$res" mismatches)" = 0 ] || fails=$((fails + 1))
}
cv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

for r in $(seq "$rounds"); do
	ag=no
	[ $((r % 2)) -eq 0 ] && ag=yes
	start "$tmp/$ag.conf" || continue
	rm -f "$tmp/ready"
	/usr/bin/python3 "$tmp/crash.py" storm $port "$r" "$tmp/ready" "$out/cases.txt" &
	spid=$!
	for _ in $(seq 200); do
		[ -f "$tmp/ready" ] && break
		sleep 0.01
	done
	ms=$((50 + RANDOM % 451))
	sent_ms=$((sent_ms + ms))
	if [ $((r % 5)) -eq 0 ]; then
		# read while mxsecd writes
		dump_check "round $r (live)" "$tmp/$ag.conf"
	fi
	sleep "$(awk -v m=$ms 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	pid=
	kill "$spid"
	wait "$spid" 2>/dev/null
	spid=
	dump_check "round $r" "$tmp/$ag.conf"
	printf 'round %2d: aggressive-nsec %-3s killed after %3d ms; %s\n' "$r" $ag $ms \
	    "$(grep -c '^; answer ' "$tmp/dump" 2>/dev/null) answers in the cache"
done

# Once more, and a clean exit.
if start "$tmp/no.conf"; then
	for q in "dane-ee.test. MX" "nx.dane-ee.test. A" "www.insecure.test. A" "expired.test. MX"; do
		# shellcheck disable=SC2086
		dig @127.0.0.1 -p $port $q +dnssec +tries=1 +time=10 +noall +comments |
		    grep -q 'status: \(NOERROR\|NXDOMAIN\|SERVFAIL\)' || bad "after the rounds: no answer to $q"
	done
	dump_check "after the rounds" "$tmp/no.conf"
	st=$(stat -c %s "$tmp/cache/data.mdb")
	kill "$pid"
	wait "$pid"
	rc=$?
	pid=
	[ $rc -eq 0 ] || bad "mxsecd exit status $rc on SIGTERM"
fi
if grep -q 'AddressSanitizer\|runtime error\|LeakSanitizer' "$tmp/mxsecd.log"; then
	bad "sanitizer reports:"
	grep -A5 'AddressSanitizer\|runtime error\|LeakSanitizer' "$tmp/mxsecd.log" | head -40
fi
echo "crash: $rounds rounds killed (storms of $((sent_ms / rounds)) ms on average), $starts starts," \
    "$dumps dumps, $answers answers dumped, $checked checked, $mismatches mismatches;" \
    "data.mdb ${st:-?} bytes; $(($(date +%s) - t0)) s"
echo "crash: $fails failed"
[ $fails -eq 0 ]
