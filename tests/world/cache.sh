#!/usr/bin/env bash
# The persistent answer cache (cache/cache.h) over the signed test world.
#   cache.sh MXSECD OUTDIR
# 1. Restart: cases of cases.txt (secure, insecure, NXDOMAIN, NODATA, bogus)
#    are resolved, mxsecd and every server are stopped, and after 2 s or
#    more mxsecd alone is started on the same cache: every answer comes
#    back the same (rcode, AD, records) with TTLs lower by the time down,
#    and upstream_queries=0.  Recursive and forward mode.
# 2. Bogus answers are kept val-bogus-ttl at most and come back SERVFAIL,
#    without AD or data, after the restart too; with CD they come back as
#    data without AD.
# 3. A damaged cache file (bytes flipped inside values, cut to half its
#    size, another format version, random bytes): mxsecd starts, says so
#    in its log (replaced, purged) or its stats (corrupt), and answers as
#    before.
# 4. A 1M cache under MXSEC_CACHE_LOAD (default 20000) queries, most of
#    them distinct random names (aggressive-nsec no, so each is stored):
#    every one answered right, data.mdb within cache-size, RSS bounded,
#    evictions counted.
# 5. RFC 8198: once the NSEC (dane-ee.test.) and NSEC3 (mail.) records are
#    cached, 50 random names under each are NXDOMAIN with AD without an
#    upstream query; with aggressive-nsec no each costs one.
# 6. Serve-stale (RFC 8767): with every server down an expired answer comes
#    back with EDE 3 and TTL 30; without serve-stale, SERVFAIL.
# 7. Prefetch: an answer asked for in the last 10 % of its TTL is fetched
#    again; the entry's TTL is fresh a moment later.
# Exit 0 when everything passes; every failure is printed with FAIL.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mxsecd-lib.sh
. "$here/mxsecd-lib.sh"
mxsecd=$1
out=$2
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
/usr/bin/python3 -c 'import dns.message' 2>/dev/null || { echo "needs python3-dnspython"; exit 77; }
nload=${MXSEC_CACHE_LOAD:-20000}
# The RSS bound of 4.  ASan's shadow memory and quarantine cost some
# hundreds of megabytes whatever mxsecd does.
rss_limit=$((64 * 1024))
if grep -qa __asan_init "$mxsecd"; then rss_limit=$((1024 * 1024)); fi
port=5392
tmp=$(mktemp -d)
pid=
mxlog=/dev/null
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$here/world.sh" stop-unbound "$out" >/dev/null 2>&1
	"$here/world.sh" stop "$out" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
Q="/usr/bin/python3 $tmp/mxq.py"
cat >"$tmp/mxq.py" <<'PY'
"""cache.sh's DNS client (dnspython).  Query lists have lines
'NAME TYPE RCODE AD [cd]': the rcode and AD bit (1/0) expected.

  snap PORT LIST OUT      each query of LIST in turn (DO, RD, CD with cd);
                          rcode, AD, EDE, the answer and authority records
                          and their TTLs to OUT (JSON); exit 1 when one is
                          not as LIST expects
  cmp A B [DOWN]          snapshots A and B have the same rcode, AD and
                          records; with DOWN, every TTL in B is lower than
                          in A by DOWN seconds at least
  bogus SNAP LIST         each SERVFAIL query of LIST without cd came back
                          SERVFAIL in SNAP, without AD or answer records
  gen ZONEFILE ZONE N P T random nonexistent names under ZONE: one per
                          NSEC/NSEC3 span that random names reach (to P),
                          then N others (to T)
  work N CASES OUT        N queries: random names under secure and insecure
                          zones (NXDOMAIN) and, every 20th, a case
  load PORT LIST WINDOW [PID MDB]
                          LIST sent WINDOW at a time, 1500 a second at
                          most, over UDP (TCP after
                          TC); with PID and MDB, samples the RSS of PID and
                          the size of MDB; prints a RESULT line; exit 1 on
                          a wrong or missing answer
"""
import bisect
import json
import math
import os
import random
import select
import socket
import string
import sys
import time

import dns.dnssec
import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype

ADDR = "127.0.0.1"


def make(name, rtype, cd=False):
    q = dns.message.make_query(name, rtype, want_dnssec=True, payload=1232)
    if cd:
        q.flags |= dns.flags.CD
    return q


def read_list(path):
    qs = []
    for line in open(path):
        f = line.split()
        if f and not f[0].startswith("#"):
            qs.append((f[0], f[1], f[2], f[3] == "1", len(f) > 4 and f[4] == "cd"))
    return qs


def ede_text(r):
    return "; ".join("EDE %d %s" % (o.code, o.text or "") for o in r.options
                     if o.otype == dns.edns.EDE)


def summary(r):
    recs = {}
    for sec in (r.answer, r.authority):
        for rrset in sec:
            for rd in rrset:
                k = "%s %s %s" % (rrset.name, dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
                recs[k] = rrset.ttl
    return {"rcode": dns.rcode.to_text(r.rcode()), "ad": bool(r.flags & dns.flags.AD),
            "nans": sum(len(s) for s in r.answer), "recs": recs, "ede": ede_text(r)}


def snap(port, listfile, outfile):
    res = {}
    bad = 0
    for name, rtype, want_rc, want_ad, cd in read_list(listfile):
        key = "%s %s%s" % (name, rtype, " cd" if cd else "")
        q = make(name, rtype, cd)
        try:
            r = dns.query.udp(q, ADDR, port=port, timeout=15)
            if r.flags & dns.flags.TC:
                r = dns.query.tcp(q, ADDR, port=port, timeout=15)
            s = summary(r)
        except Exception as e:  # a timeout is a result too
            s = {"rcode": "NOANSWER(%s)" % type(e).__name__, "ad": False, "nans": 0,
                 "recs": {}, "ede": ""}
        s["t"] = time.time()
        res[key] = s
        if s["rcode"] != want_rc or s["ad"] != want_ad:
            bad += 1
            print("FAIL %s: %s AD=%d, want %s AD=%d %s" % (key, s["rcode"], s["ad"], want_rc,
                                                        want_ad, s["ede"]))
    json.dump(res, open(outfile, "w"), indent=1)
    v = res.values()
    print("%d queries: %d NOERROR, %d NXDOMAIN, %d SERVFAIL, %d with AD; %d not as expected" % (
        len(res), sum(x["rcode"] == "NOERROR" for x in v), sum(x["rcode"] == "NXDOMAIN" for x in v),
        sum(x["rcode"] == "SERVFAIL" for x in v), sum(x["ad"] for x in v), bad))
    return 1 if bad else 0


def cmp(fa, fb, down=None):
    a = json.load(open(fa))
    b = json.load(open(fb))
    bad = recs = capped = 0
    mind = None
    for k, va in a.items():
        vb = b.get(k)
        why = []
        if vb is None:
            why.append("missing")
        else:
            if va["rcode"] != vb["rcode"]:
                why.append("rcode %s, was %s" % (vb["rcode"], va["rcode"]))
            if va["ad"] != vb["ad"]:
                why.append("AD %s, was %s" % (vb["ad"], va["ad"]))
            if set(va["recs"]) != set(vb["recs"]):
                why.append("records differ: %d gone, %d new" % (
                    len(set(va["recs"]) - set(vb["recs"])), len(set(vb["recs"]) - set(va["recs"]))))
            elif down is not None:
                # TTLs count down in whole seconds: over an interval of
                # d seconds a TTL drops by floor(d) at least.
                span = vb["t"] - va["t"]
                for r, ta in va["recs"].items():
                    tb = vb["recs"][r]
                    recs += 1
                    mind = ta - tb if mind is None else min(mind, ta - tb)
                    if ta - tb < math.floor(down) or tb <= 0:
                        why.append("TTL %d -> %d (down %.1f s): %s" % (ta, tb, down, r[:60]))
                        break
                    # More than the time between the queries: the entry
                    # lives shorter than the first answer's TTLs said (a
                    # negative answer's records capped by the SOA's TTL).
                    if ta - tb > math.ceil(span):
                        capped += 1
                        if capped <= 3:
                            print("note %s: TTL %d -> %d, %.1f s between the queries: %s" % (
                                k, ta, tb, span, r[:60]))
        if why:
            bad += 1
            print("FAIL %s: %s" % (k, "; ".join(why)))
    if down is not None:
        print("%d answers compared, %d records' TTLs: lowest drop %s s for %.1f s down, "
              "%d dropped by more than the time between the queries; %d differ" % (
                  len(a), recs, mind, down, capped, bad))
    else:
        print("%d answers compared (rcode, AD, records), %d differ" % (len(a), bad))
    return 1 if bad else 0


def bogus(fs, listfile):
    s = json.load(open(fs))
    bad = n = 0
    for name, rtype, want_rc, _, cd in read_list(listfile):
        if want_rc != "SERVFAIL" or cd:
            continue
        v = s["%s %s" % (name, rtype)]
        n += 1
        if v["rcode"] != "SERVFAIL" or v["ad"] or v["nans"]:
            bad += 1
            print("FAIL %s %s: bogus answer came back as %s AD=%s with %d answer records" % (
                name, rtype, v["rcode"], v["ad"], v["nans"]))
    print("%d bogus answers: SERVFAIL without AD or data; %d wrong" % (n, bad))
    return 1 if bad else 0


def rlabel(n=10):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def gen(zonefile, zone, n, pfile, tfile):
    origin = dns.name.from_text(zone)
    owners = []
    param = None
    for line in open(zonefile):
        f = line.split()
        if len(f) < 4 or f[0].startswith(";") or "IN" not in f[1:4]:
            continue
        i = f.index("IN", 1)
        if f[i + 1] == "NSEC":
            owners.append(dns.name.from_text(f[0]))
        elif f[i + 1] == "NSEC3":
            owners.append(f[0].split(".")[0].upper())
        elif f[i + 1] == "NSEC3PARAM":
            param = f[i + 2:i + 6]
    if not owners:
        print("%s: no NSEC or NSEC3 records in %s" % (zone, zonefile))
        return 1
    owners.sort()   # dnspython orders names canonically (RFC 4034 6.1)
    if param:
        salt = None if param[3] == "-" else param[3]

        def key(nm):
            return dns.dnssec.nsec3_hash(nm, salt, int(param[2]), int(param[0]))
    else:
        def key(nm):
            return nm
    # The span (owner to next owner) each random name falls in: one
    # name per span primes the cache with every record a later name needs.
    spans = {}
    for _ in range(5000):
        nm = dns.name.from_text(rlabel(), origin)
        spans.setdefault((bisect.bisect_right(owners, key(nm)) - 1) % len(owners), []).append(nm)
    prim = [v[0] for v in spans.values()]
    rest = [nm for v in spans.values() for nm in v[1:]]
    random.shuffle(rest)
    with open(pfile, "w") as f:
        for nm in prim:
            f.write("%s A NXDOMAIN 1\n" % nm)
    with open(tfile, "w") as f:
        for nm in rest[:n]:
            f.write("%s %s NXDOMAIN 1\n" % (nm, random.choice(["A", "AAAA", "MX", "TXT"])))
    print("%s: %d %s records, %d spans reached by random names: %d primers, %d test names" % (
        zone, len(owners), "NSEC3" if param else "NSEC", len(spans), len(prim), min(n, len(rest))))
    return 0


# The zones of the random names: those of the nx.ZONE cases, and some
# more insecure ones.  Many zones and a rate of 1500 a second: NSD limits
# its answers to 200 a second per zone and client (response rate limiting).
EXTRA_ZONES = [("insecure.mail.", "0"), ("insecure.alt.", "0"), ("island.test.", "0"),
               ("alt.", "0")]


def work(n, cases, outfile):
    real = []
    zones = list(EXTRA_ZONES)
    for line in open(cases):
        f = line.split()
        if not f or f[0].startswith("#") or "keytrap" in f[0]:
            continue
        rc = {"NODATA": "NOERROR"}.get(f[3], f[3])
        real.append("%s %s %s %s" % (f[0], f[1], rc, "1" if f[2] == "secure" else "0"))
        if f[0].startswith("nx.") and f[3] == "NXDOMAIN" and f[2] != "bogus":
            zones.append((f[0][3:] or ".", "1" if f[2] == "secure" else "0"))
    with open(outfile, "w") as f:
        for i in range(n):
            if i % 20 == 0:
                f.write(real[(i // 20) % len(real)] + "\n")
            else:
                z, ad = random.choice(zones)
                f.write("w%s.%s %s NXDOMAIN %s\n" % (
                    rlabel(), z if z != "." else "", random.choice(["A", "AAAA", "MX", "TXT", "TLSA"]), ad))
    print("%d queries: random names under %d zones, and the cases" % (n, len(zones)))
    return 0


def rss_kb(pid):
    try:
        for line in open("/proc/%s/status" % pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def load(port, listfile, window, pid=None, mdb=None, timeout=10.0, rate=1500):
    qs = read_list(listfile)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.connect((ADDR, port))
    sock.setblocking(False)
    pending = {}   # id -> (index, sent, query)
    ids = list(range(1, 65536))
    random.shuffle(ids)
    nxt = done = wrong = timeouts = 0
    rcodes = {}
    peak = {"rss": 0, "file": 0}
    last = 0.0
    t0 = time.time()

    def sample():
        if pid:
            peak["rss"] = max(peak["rss"], rss_kb(pid))
        if mdb:
            try:
                peak["file"] = max(peak["file"], os.stat(mdb).st_size)
            except OSError:
                pass

    def check(i, r):
        nonlocal wrong
        name, rtype, want_rc, want_ad, _ = qs[i]
        rc = dns.rcode.to_text(r.rcode())
        ad = bool(r.flags & dns.flags.AD)
        rcodes[rc] = rcodes.get(rc, 0) + 1
        if rc != want_rc or ad != want_ad:
            wrong += 1
            if wrong <= 20:
                print("FAIL %s %s: %s AD=%d, want %s AD=%d %s" % (
                    name, rtype, rc, ad, want_rc, want_ad, ede_text(r)))

    while done < len(qs):
        now = time.time()
        while nxt < len(qs) and len(pending) < window and nxt < (now - t0) * rate + window:
            q = make(qs[nxt][0], qs[nxt][1], qs[nxt][4])
            q.id = ids.pop()
            sock.send(q.to_wire())
            pending[q.id] = (nxt, now, q)
            nxt += 1
        rd, _, _ = select.select([sock], [], [], 0.05)
        while rd:
            try:
                data = sock.recv(65535)
            except BlockingIOError:
                break
            try:
                r = dns.message.from_wire(data)
            except Exception:
                continue
            ent = pending.get(r.id)
            if ent is None or not r.question or r.question[0].name != ent[2].question[0].name:
                continue
            del pending[r.id]
            ids.insert(0, r.id)
            if r.flags & dns.flags.TC:
                r = dns.query.tcp(ent[2], ADDR, port=port, timeout=timeout)
            check(ent[0], r)
            done += 1
        now = time.time()
        for qid, (i, sent, _) in list(pending.items()):
            if now - sent > timeout:
                del pending[qid]
                ids.insert(0, qid)
                timeouts += 1
                done += 1
                if timeouts <= 20:
                    print("FAIL %s %s: no answer in %.0f s" % (qs[i][0], qs[i][1], timeout))
        if now - last > 0.2:
            sample()
            last = now
    sample()
    el = time.time() - t0
    print("RESULT queries=%d seconds=%.1f qps=%.0f timeouts=%d wrong=%d rcodes=%s "
          "max_rss_kb=%d max_file=%d" % (
              len(qs), el, len(qs) / el if el else 0, timeouts, wrong,
              ",".join("%s:%d" % kv for kv in sorted(rcodes.items())), peak["rss"], peak["file"]))
    return 1 if wrong or timeouts else 0


def main(a):
    if a[0] == "snap":
        return snap(int(a[1]), a[2], a[3])
    if a[0] == "cmp":
        return cmp(a[1], a[2], float(a[3]) if len(a) > 3 else None)
    if a[0] == "bogus":
        return bogus(a[1], a[2])
    if a[0] == "gen":
        return gen(a[1], a[2], int(a[3]), a[4], a[5])
    if a[0] == "work":
        return work(int(a[1]), a[2], a[3])
    if a[0] == "load":
        return load(int(a[1]), a[2], int(a[3]), a[4] if len(a) > 4 else None,
                    a[5] if len(a) > 5 else None)
    print("unknown command", a[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
PY

fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
t_start=$(date +%s)
section() { echo "== $* ($(($(date +%s) - t_start)) s)"; }

stamp=
world_up() {
	"$here/world.sh" start "$out" >/dev/null || { echo "FAIL: the world did not start"; exit 1; }
	# Answers are compared across restarts of the world: it must not be
	# re-signed in between (gen.sh does when its inputs change).
	[ -z "$stamp" ] && stamp=$(cat "$out/stamp")
	if [ "$stamp" != "$(cat "$out/stamp")" ]; then
		echo "FAIL: the world was generated again during the test (gen.sh or cases.conf changed?)"
		exit 1
	fi
}
world_down() {
	"$here/world.sh" stop-unbound "$out" >/dev/null 2>&1
	"$here/world.sh" stop "$out" >/dev/null || bad "the world did not stop"
}
mx_start() {  # CONF LOG
	mxlog=$2
	"$mxsecd" -f -c "$1" 2>>"$2" &
	pid=$!
	mx_wait $port "$pid" && return 0
	bad "mxsecd did not come up with $1: $(tail -2 "$2")"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	return 1
}
mx_stop() {
	kill "$pid"
	wait "$pid"
	local rc=$?
	pid=
	[ $rc -eq 0 ] || bad "mxsecd exit status $rc"
}
# The counters after SIGUSR1 (the text after 'stats: ').
stats() {
	local n
	n=$(grep -c ' stats: ' "$mxlog")
	kill -USR1 "$pid"
	for _ in $(seq 100); do
		[ "$(grep -c ' stats: ' "$mxlog")" -gt "$n" ] && break
		sleep 0.05
	done
	grep ' stats: ' "$mxlog" | tail -1 | sed 's/.*stats: //'
}
sv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# The TTL of the live entry for NAME TYPE in the dump of CONF's cache.
dump_ttl() {  # CONF NAME TYPE
	"$mxsecd" -c "$1" --dump-cache 2>/dev/null |
	    awk -v n="$2" -v t="$3" '$1 == ";" && $2 == "answer" && $3 == n && $4 == t {
		for (i = 5; i <= NF; i++) if ($i ~ /^ttl=/) { sub(/^ttl=/, "", $i); print $i; exit } }'
}
dig1() { dig @127.0.0.1 -p $port +dnssec +tries=1 "$@"; }

# The queries of 1-3: every case of dane-ee.test., three of each other
# (status, rcode) class (keytrap.test. aside: slow to validate), and two
# with CD: a secure answer and a bogus one come back as data, without AD.
awk '!/^#/ && NF >= 4 && $1 !~ /keytrap/ {
	rc = $4 == "NODATA" ? "NOERROR" : $4
	if ($1 ~ /dane-ee\.test\.$/ || n[$3 "/" $4]++ < 3) print $1, $2, rc, ($3 == "secure")
}' "$out/cases.txt" >"$tmp/list"
echo "dane-ee.test. MX NOERROR 0 cd" >>"$tmp/list"
echo "_25._tcp.mx.bogus-tlsa.test. TLSA NOERROR 0 cd" >>"$tmp/list"
echo "$(grep -c . "$tmp/list") queries for the restart and damage checks:" \
    "$(awk '$3 == "SERVFAIL"' "$tmp/list" | wc -l) bogus, $(grep -c ' cd$' "$tmp/list") with CD"

# 1, 2: restart with every server down.
restart_check() {  # recursive|forward
	local m=$1 d=$tmp/$1 t0 t1 st down
	local extra=("mode $m" "trust-anchor-file $out/root.key")
	[ "$m" = forward ] && extra+=("forward 127.0.0.20")
	section "1, 2: restart with every server down, $m mode"
	mkdir -p "$d"
	mx_conf "$d/conf" "$out" "$d" $port "${extra[@]}"
	world_up
	if [ "$m" = forward ]; then
		"$here/world.sh" start-unbound "$out" >/dev/null || { bad "unbound did not start"; return; }
	fi
	mx_start "$d/conf" "$d/log" || return
	$Q snap $port "$tmp/list" "$d/before.json" || bad "$m: answers not as cases.txt says"
	$Q bogus "$d/before.json" "$tmp/list" || bad "$m: a bogus answer was given as data"
	# RFC 4035 4.7: bogus answers are kept briefly (val-bogus-ttl 60).
	# (the dump sees what is committed: mxsecd commits a few times a second)
	for _ in $(seq 30); do
		"$mxsecd" -c "$d/conf" --dump-cache >"$d/dump" || bad "$m: --dump-cache failed"
		grep -q '^; answer .* status=bogus ' "$d/dump" && break
		sleep 0.1
	done
	st=$(awk '$1 == ";" && $2 == "answer" && / status=bogus / {
		n++; for (i = 5; i <= NF; i++) if ($i ~ /^ttl=/) { sub(/^ttl=/, "", $i); if ($i + 0 > 60) bad++ } }
		END { printf "%d %d", n, bad }' "$d/dump")
	if [ "${st% *}" -gt 0 ] && [ "${st#* }" -eq 0 ]; then
		ok "$m: ${st% *} bogus entries in the cache, each with ttl <= val-bogus-ttl (60)"
	else
		bad "$m: bogus entries in the dump / with ttl > 60: $st"
	fi
	mx_stop
	t0=$(date +%s.%N)
	world_down
	sleep 2
	if dig +time=1 +tries=1 @127.0.0.11 . SOA >/dev/null 2>&1; then bad "the root server still answers"; fi
	t1=$(date +%s.%N)
	mx_start "$d/conf" "$d/log" || return
	down=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	$Q snap $port "$tmp/list" "$d/after.json" || bad "$m: answers after the restart not as cases.txt says"
	if $Q cmp "$d/before.json" "$d/after.json" "$down"; then
		ok "$m: every answer the same after $down s down, TTLs counted down"
	else
		bad "$m: answers after the restart differ"
	fi
	$Q bogus "$d/after.json" "$tmp/list" || bad "$m: a bogus answer was given as data"
	st=$(stats)
	echo "     $st"
	if [ "$(sv "$st" upstream_queries)" = 0 ]; then
		ok "$m: upstream_queries=0 after the restart"
	else
		bad "$m: upstream_queries=$(sv "$st" upstream_queries) after the restart with every server down"
	fi
	mx_stop
}
restart_check recursive

# 3: damage, on the recursive mode's cache, with the servers up again.
section "3: a damaged cache file"
d=$tmp/recursive
mdb=$d/cache/data.mdb
world_up
for kind in flip truncate version garbage; do
	what=$(/usr/bin/python3 - "$mdb" "$kind" <<'PY'
import os, sys
path, kind = sys.argv[1], sys.argv[2]
b = bytearray(open(path, "rb").read())
size = len(b)
v = b.find(b"MXC")          # the version key's value: 'M' 'X' 'C' version
ver = b[v + 3] if v >= 0 else None
if kind == "flip":
    # Values start 'M' 'X' 'E', the format version, the kind (1-4); flip
    # three bytes of each value's header (its expiry), not the magic.
    n, i = 0, b.find(b"MXE")
    while i >= 0:
        if i + 24 < size and b[i + 3] == ver and 1 <= b[i + 4] <= 4:
            for k in (20, 21, 22):
                b[i + k] ^= 0x5A
            n += 1
        i = b.find(b"MXE", i + 3)
    open(path, "r+b").write(b)
    print("bytes flipped in %d values" % n)
elif kind == "truncate":
    os.truncate(path, size // 2)
    print("cut from %d to %d bytes" % (size, size // 2))
elif kind == "version":
    n, i = 0, v
    while i >= 0:
        if b[i + 3] == ver:
            b[i + 3] = (ver + 100) % 256
            n += 1
        i = b.find(b"MXC", i + 3)
    open(path, "r+b").write(b)
    print("version %s changed to %d in %d places" % (ver, (ver + 100) % 256, n))
else:
    open(path, "wb").write(os.urandom(max(size, 65536)))
    print("replaced by %d random bytes" % max(size, 65536))
PY
)
	echo "     $kind: $what"
	mx_start "$d/conf" "$d/log.$kind" || continue
	$Q snap $port "$tmp/list" "$d/$kind.json" >"$d/$kind.out" || { cat "$d/$kind.out"; bad "$kind: answers not as cases.txt says"; }
	$Q cmp "$d/before.json" "$d/$kind.json" >"$d/$kind.cmp" || { cat "$d/$kind.cmp"; bad "$kind: answers differ from before"; }
	st=$(stats)
	note=$(grep -o 'cache file[^(]*' "$d/log.$kind" | head -1)
	case $kind in
	flip)
		if [ "$(sv "$st" corrupt)" -gt 0 ]; then ok "flip: mxsecd answers as before; corrupt=$(sv "$st" corrupt)"
		else bad "flip: corrupt=$(sv "$st" corrupt) after bytes were flipped"; fi ;;
	version)
		case $note in *purged*) ok "version: mxsecd answers as before; log: $note" ;;
		*) bad "version: the log does not say the cache was purged ($note)" ;; esac ;;
	*)
		case $note in *replaced*) ok "$kind: mxsecd answers as before; log: $note" ;;
		*) bad "$kind: the log does not say the cache was replaced ($note)" ;; esac ;;
	esac
	mx_stop
done

restart_check forward

# 4: a tiny cache under a workload many times its size.
section "4: cache-size 1M, $nload queries"
d=$tmp/tiny
mkdir -p "$d"
mx_conf "$d/conf" "$out" "$d" $port "mode recursive" "trust-anchor-file $out/root.key" \
    "cache-size 1M" "aggressive-nsec no"
$Q work "$nload" "$out/cases.txt" "$d/work"
world_up
if mx_start "$d/conf" "$d/log"; then
	res=$($Q load $port "$d/work" 32 "$pid" "$d/cache/data.mdb")
	rc=$?
	echo "$res" | grep -v '^RESULT' | head -20
	res=$(echo "$res" | grep '^RESULT' | sed 's/^RESULT //')
	echo "     $res"
	if [ $rc -ne 0 ]; then
		bad "tiny cache: $(sv "$res" timeouts) queries unanswered, $(sv "$res" wrong) wrong"
		grep -h 'ratelimit block' "$out"/run/nsd-*.log | head -3 | sed 's/^/     NSD: /'
	fi
	size=$(stat -c %s "$d/cache/data.mdb")
	maxf=$(sv "$res" max_file)
	[ "$size" -gt "$maxf" ] && maxf=$size
	if [ "$maxf" -le 1048576 ]; then ok "tiny cache: data.mdb $maxf bytes at most (cache-size 1048576)"
	else bad "tiny cache: data.mdb grew to $maxf bytes (cache-size 1048576)"; fi
	rss=$(sv "$res" max_rss_kb)
	if [ "$rss" -gt 0 ] && [ "$rss" -le $rss_limit ]; then ok "tiny cache: RSS $rss kB at most (bound $rss_limit kB)"
	else bad "tiny cache: RSS $rss kB (bound $rss_limit kB)"; fi
	$Q snap $port "$tmp/list" "$d/after.json" >"$d/after.out" || { cat "$d/after.out"; bad "tiny cache: the cases answered wrong after the workload"; }
	st=$(stats)
	echo "     $st"
	if [ "$(sv "$st" evictions)" -gt 0 ]; then ok "tiny cache: evictions=$(sv "$st" evictions), store_errors=$(sv "$st" store_errors)"
	else bad "tiny cache: no evictions"; fi
	mx_stop
fi

# 5: RFC 8198, aggressive use of the cached NSEC and NSEC3 records.
section "5: aggressive use of NSEC and NSEC3 (RFC 8198)"
for ag in yes no; do
	d=$tmp/aggr-$ag
	mkdir -p "$d"
	mx_conf "$d/conf" "$out" "$d" $port "mode recursive" "trust-anchor-file $out/root.key" "aggressive-nsec $ag"
	if ! $Q gen "$out/zones/dane-ee.test.zone" dane-ee.test. 50 "$d/p1" "$d/t1" >"$d/gen" ||
	    ! $Q gen "$out/zones/mail.zone" mail. 50 "$d/p2" "$d/t2" >>"$d/gen"; then
		cat "$d/gen"
		bad "no random names"
		continue
	fi
	[ $ag = yes ] && sed 's/^/     /' "$d/gen"
	cat "$d/p1" "$d/p2" >"$d/prime"
	cat "$d/t1" "$d/t2" >"$d/test"
	mx_start "$d/conf" "$d/log" || continue
	$Q load $port "$d/prime" 4 >"$d/prime.out" || { cat "$d/prime.out"; bad "aggressive-nsec $ag: the primers answered wrong"; }
	s1=$(stats)
	$Q load $port "$d/test" 4 >"$d/test.out" || { cat "$d/test.out"; bad "aggressive-nsec $ag: NXDOMAIN with AD expected"; }
	s2=$(stats)
	da=$(($(sv "$s2" aggressive) - $(sv "$s1" aggressive)))
	du=$(($(sv "$s2" upstream_queries) - $(sv "$s1" upstream_queries)))
	n=$(grep -c . "$d/test")
	echo "     aggressive-nsec $ag: $n random names, NXDOMAIN with AD: aggressive +$da (now $(sv "$s2" aggressive)), upstream_queries +$du"
	if [ $ag = yes ]; then
		if [ "$(sv "$s2" aggressive)" -ge 100 ] && [ $da -ge "$n" ] && [ $du -eq 0 ]; then
			ok "aggressive-nsec yes: $n names synthesized, no upstream query"
		else
			bad "aggressive-nsec yes: aggressive +$da, upstream_queries +$du for $n names"
		fi
	else
		if [ $da -eq 0 ] && [ $du -ge "$n" ]; then
			ok "aggressive-nsec no: $n names cost $du upstream queries"
		else
			bad "aggressive-nsec no: aggressive +$da, upstream_queries +$du for $n names"
		fi
	fi
	mx_stop
done

# 6: serve-stale (RFC 8767).
section "6: serve-stale"
for ss in yes no; do
	d=$tmp/stale-$ss
	mkdir -p "$d"
	mx_conf "$d/conf" "$out" "$d" $port "mode recursive" "trust-anchor-file $out/root.key" \
	    "serve-stale $ss" "cache-max-ttl 2"
	world_up
	mx_start "$d/conf" "$d/log" || continue
	r=$(dig1 +time=10 dane-ee.test. MX)
	case $r in *"status: NOERROR"*) ;; *) bad "serve-stale $ss: dane-ee.test. MX did not resolve" ;; esac
	world_down
	sleep 4
	t0=$(date +%s.%N)
	r=$(dig1 +time=30 dane-ee.test. MX)
	t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	rc=$(echo "$r" | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
	ttl=$(echo "$r" | awk '!/^;/ && $4 == "MX" { print $2; exit }')
	ede=$(echo "$r" | sed -n 's/.*EDE: \([0-9]*\).*/\1/p' | head -1)
	echo "     serve-stale $ss, servers down 4 s, answer expired: $rc in $t s, MX TTL ${ttl:-none}, EDE ${ede:-none}"
	if [ $ss = yes ]; then
		if [ "$rc" = NOERROR ] && [ "$ttl" = 30 ] && [ "$ede" = 3 ]; then
			ok "serve-stale yes: the expired answer with EDE 3, TTL 30 (stale=$(sv "$(stats)" stale))"
		else
			bad "serve-stale yes: want NOERROR, the MX with TTL 30 and EDE 3"
		fi
	else
		if [ "$rc" = SERVFAIL ]; then ok "serve-stale no: SERVFAIL"
		else bad "serve-stale no: $rc, want SERVFAIL"; fi
	fi
	mx_stop
done

# 7: prefetch.
section "7: prefetch"
d=$tmp/prefetch
mkdir -p "$d"
mx_conf "$d/conf" "$out" "$d" $port "mode recursive" "trust-anchor-file $out/root.key" \
    "prefetch yes" "cache-max-ttl 20"
world_up
if mx_start "$d/conf" "$d/log"; then
	dig1 +time=10 dane-ee.test. MX >/dev/null
	ttl=$(dump_ttl "$d/conf" dane-ee.test. MX)
	# wait for the last 10 % of the TTL (20 s)
	for _ in $(seq 300); do
		ttl=$(dump_ttl "$d/conf" dane-ee.test. MX)
		[ -n "$ttl" ] && [ "$ttl" -le 2 ] && break
		sleep 0.1
	done
	s1=$(stats)
	r=$(dig1 +time=10 dane-ee.test. MX)
	got=$(echo "$r" | awk '!/^;/ && $4 == "MX" { print $2; exit }')
	echo "     entry's TTL $ttl; answer TTL ${got:-none}"
	case $r in *"status: NOERROR"*"flags: qr rd ra ad"*) ;; *) bad "prefetch: dane-ee.test. MX: not NOERROR with AD" ;; esac
	for _ in $(seq 50); do
		sleep 0.1
		ttl=$(dump_ttl "$d/conf" dane-ee.test. MX)
		[ -n "$ttl" ] && [ "$ttl" -ge 15 ] && break
	done
	s2=$(stats)
	pf=$(sv "$s2" prefetch)
	hits=$(($(sv "$s2" cache_hits) - $(sv "$s1" cache_hits)))
	echo "     prefetch=$pf, cache_hits +$hits, the entry's TTL a moment later: ${ttl:-none}"
	if [ "$pf" -ge 1 ] && [ "$hits" -ge 1 ] && [ -n "$ttl" ] && [ "$ttl" -ge 15 ] && [ -n "$got" ] && [ "$got" -le 2 ]; then
		ok "prefetch: answered from the cache (TTL $got), refreshed to TTL $ttl"
	else
		bad "prefetch: prefetch=$pf, answer TTL ${got:-none}, entry TTL after ${ttl:-none}"
	fi
	mx_stop
fi
world_down

if grep -l 'AddressSanitizer\|runtime error\|LeakSanitizer' "$tmp"/*/log* 2>/dev/null; then
	bad "sanitizer reports in the logs above"
	grep -h -A5 'AddressSanitizer\|runtime error\|LeakSanitizer' "$tmp"/*/log* | head -40
fi
echo "cache: $fails failed ($(($(date +%s) - t_start)) s)"
[ $fails -eq 0 ]
