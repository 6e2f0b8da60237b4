#!/usr/bin/python3
"""compare.py: compare a recursive resolver with the test world's
authoritative servers, query by query.

    compare.py [options] WORLD-OUTDIR RESOLVER[@PORT]

The queries: every NAME TYPE of WORLD-OUTDIR/cases.txt; for every zone of
zones.txt its SOA, NS and DNSKEY (asked of the zone) and DS (asked of the
parent); for every MX host in the expected answers its A, AAAA and
_25._tcp TLSA.  Each is sent to the resolver with RD, DO and CD set (over
UDP, TCP when truncated).  The expected answer is built from the
authoritative servers directly (RD clear, DO set): the zone's own server
(for DS the parent's), following CNAMEs (and DNAME-synthesised CNAMEs)
across zones and servers the way an iterator does.

A query passes when:
  - the resolver answers within --timeout, QR and RA set, the question
    echoed;
  - the rcode matches (NOERROR / NXDOMAIN; NODATA is NOERROR without data);
  - the answer section holds exactly the expected records, compared as sets
    of (owner lower-cased, type, canonical RDATA): TTLs are ignored except
    that the resolver's may not exceed the authoritative TTL;
  - CNAME chains come in order: the first RRset is owned by the query name
    and every CNAME's target owns the next RRset (RRSIG and DNAME RRsets
    are skipped when checking the order);
  - every RRSIG the resolver returns is one the authority served
    (a missing RRSIG is a note, or a failure with --require-rrsig);
  - a negative answer (NXDOMAIN/NODATA) carries the SOA of the zone that
    denies the name in its authority section.
The additional section is ignored, and so is the rest of the authority.

--validating: a validating resolver.  Queries go without CD; cases whose
status is bogus, and the extra queries that touch a zone or RRset broken
on purpose (zones.txt "break"), must give SERVFAIL; AD must be set on the
cases of cases.txt whose status is secure and clear on the others.
--accept-oracle accepts the known oracle differences of oracle.txt (a
reference resolver's view, e.g. unbound's on parentsig.test MX).

Exit status 0 when every query passes, 1 when one fails, 2 on usage.
"""
import argparse
import concurrent.futures
import ipaddress
import sys
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

RRSIG = dns.rdatatype.RRSIG
CNAME = dns.rdatatype.CNAME
DNAME = dns.rdatatype.DNAME
SOA = dns.rdatatype.SOA
DS = dns.rdatatype.DS
MX = dns.rdatatype.MX
NOERROR = dns.rcode.NOERROR
NXDOMAIN = dns.rcode.NXDOMAIN
SERVFAIL = dns.rcode.SERVFAIL


def lname(n):
    return dns.name.from_text(n.to_text().lower()) if isinstance(n, dns.name.Name) \
        else dns.name.from_text(str(n).lower())


class World:
    def __init__(self, out):
        self.out = out
        self.zones = {}      # name -> dict
        for line in open(out + "/zones.txt"):
            if line.startswith("#") or not line.strip():
                continue
            f = line.split()
            z = lname(f[0])
            self.zones[z] = {"server": f[1], "break": f[8], "parent": f[9]}
        self.cases = []
        for line in open(out + "/cases.txt"):
            if line.startswith("#") or not line.strip():
                continue
            f = line.split()
            self.cases.append((lname(f[0]), dns.rdatatype.from_text(f[1]), f[2], f[3]))
        self.oracle = {}
        try:
            for line in open(out + "/oracle.txt"):
                if line.startswith("#") or not line.strip():
                    continue
                f = line.split()
                self.oracle[(lname(f[0]), dns.rdatatype.from_text(f[1]))] = f[2]
        except FileNotFoundError:
            pass

    def zone_of(self, name):
        best = None
        for z in self.zones:
            if name.is_subdomain(z) and (best is None or len(z) > len(best)):
                best = z
        return best

    def server_for(self, name, rdtype):
        z = self.zone_of(name)
        if z is None:
            return None, None
        if rdtype == DS and name == z and z != dns.name.root:
            z = lname(self.zones[z]["parent"])
        return z, self.zones[z]["server"]

    def broken(self, zone, owner, rdtype):
        """Is the RRset (owner, rdtype) answered by zone bogus on purpose?"""
        b = self.zones[zone]["break"]
        if b == "-":
            return False
        for kind in b.split(","):
            parts = kind.split(":")
            if parts[0] in ("expired", "notyet", "dsmismatch"):
                return True
            if parts[0] in ("norrsig", "badsig", "wrongsigner", "parentsig") and len(parts) >= 3:
                o = zone if parts[1] == "@" else dns.name.from_text(parts[1], zone)
                if lname(o) == owner and dns.rdatatype.from_text(parts[2]) == rdtype:
                    return True
        return False


def ask(server, port, name, rdtype, rd, cd, do, timeout):
    if not ipaddress.ip_address(server).is_loopback:
        raise SystemExit("compare.py: %s is not a loopback address" % server)
    q = dns.message.make_query(name, rdtype, use_edns=0, payload=1232, want_dnssec=do)
    if not rd:
        q.flags &= ~dns.flags.RD
    if cd:
        q.flags |= dns.flags.CD
    r, _tcp = dns.query.udp_with_fallback(q, server, timeout=timeout, port=port)
    return q, r


class Expected:
    def __init__(self):
        self.rcode = NOERROR
        self.rrsets = []          # answer RRsets, RRSIGs included
        self.soa_owner = None     # for negative answers
        self.touched = []         # (zone, owner, type) answered along the chain
        self.error = None


def reference(world, qname, rdtype, timeout):
    """What the authoritative servers say, chasing CNAMEs across zones."""
    e = Expected()
    name = qname
    seen = set()
    for _ in range(20):
        zone, server = world.server_for(name, rdtype)
        if server is None:
            e.error = "no zone for %s" % name
            return e
        _, r = ask(server, 53, name, rdtype, rd=False, cd=False, do=True, timeout=timeout)
        if not r.flags & dns.flags.AA:
            e.error = "%s at %s: not authoritative (rcode %s)" % (
                name, server, dns.rcode.to_text(r.rcode()))
            return e
        e.rcode = r.rcode()
        for rs in r.answer:
            if (lname(rs.name), rs.rdtype, rs.covers) not in seen:
                seen.add((lname(rs.name), rs.rdtype, rs.covers))
                e.rrsets.append(rs)
                if rs.rdtype != RRSIG:
                    e.touched.append((world.server_for(lname(rs.name), rs.rdtype)[0],
                                      lname(rs.name), rs.rdtype))
        # follow the chain from name through this answer
        final = name
        visited = {name}
        while True:
            nxt = next((lname(rs[0].target) for rs in r.answer
                        if rs.rdtype == CNAME and lname(rs.name) == final), None)
            if nxt is None or nxt in visited:
                break
            visited.add(nxt)
            final = nxt
        have_final = any(lname(rs.name) == final and rs.rdtype == rdtype for rs in r.answer)
        soas = [rs for rs in r.authority if rs.rdtype == SOA]
        if have_final or rdtype == CNAME:
            return e
        if e.rcode != NOERROR or (soas and final.is_subdomain(lname(soas[0].name))):
            if soas:
                e.soa_owner = lname(soas[0].name)
            e.touched.append((world.server_for(final, rdtype)[0], final, rdtype))
            return e
        if final == name:
            e.error = "%s %s at %s: NOERROR without answer or SOA" % (
                name, dns.rdatatype.to_text(rdtype), server)
            return e
        name = final
    e.error = "CNAME chain too long"
    return e


def rr_key(rs, rd):
    return (lname(rs.name).to_text(), dns.rdatatype.to_text(rs.rdtype),
            dns.rdatatype.to_text(rs.covers) if rs.rdtype == RRSIG else "",
            rd.to_digestable(dns.name.root).hex())


def rr_show(k):
    return "%s %s%s [%s...]" % (k[0], k[1], " " + k[2] if k[2] else "", k[3][:24])


def flatten(rrsets):
    out = {}
    for rs in rrsets:
        for rd in rs:
            out[rr_key(rs, rd)] = (rs.ttl, rs, rd)
    return out


def text_of(rs, rd):
    return "%s %s %s" % (rs.name, dns.rdatatype.to_text(rs.rdtype), rd.to_text()[:60])


def chain_order(qname, answer):
    """None when the answer's CNAME chain is in order, else a message."""
    sets = [rs for rs in answer if rs.rdtype not in (RRSIG, DNAME)]
    cur = qname
    for rs in sets:
        if lname(rs.name) != cur:
            return "RRset %s %s out of order (expected owner %s)" % (
                rs.name, dns.rdatatype.to_text(rs.rdtype), cur)
        if rs.rdtype == CNAME:
            cur = lname(rs[0].target)
    return None


class Result:
    def __init__(self, label):
        self.label = label
        self.fails = []
        self.notes = []


def check_one(world, args, qname, rdtype, case):
    label = "%s %s" % (qname, dns.rdatatype.to_text(rdtype))
    res = Result(label)
    try:
        exp = reference(world, qname, rdtype, args.timeout)
    except Exception as ex:
        res.fails.append("reference query failed: %s" % ex)
        return res, None
    if exp.error:
        res.fails.append("reference: " + exp.error)
        return res, None
    # expected rcode / security
    status = case[2] if case else None
    bogus = status == "bogus" if case else any(
        z is not None and world.broken(z, o, t) for z, o, t in exp.touched)
    oracle = world.oracle.get((qname, rdtype)) if args.accept_oracle else None
    want_servfail = args.validating and bogus and oracle is None
    t0 = time.monotonic()
    try:
        q, r = ask(args.addr, args.port, qname, rdtype, rd=True, cd=not args.validating,
                   do=True, timeout=args.timeout)
    except Exception as ex:
        res.fails.append("resolver: no answer (%s: %s)" % (type(ex).__name__, ex))
        return res, exp
    dt = time.monotonic() - t0
    if dt > args.slow:
        res.notes.append("slow answer: %.1f s" % dt)
    if not r.flags & dns.flags.QR:
        res.fails.append("QR clear")
    if not r.flags & dns.flags.RA:
        res.fails.append("RA clear")
    if len(r.question) != 1 or r.question[0].name != q.question[0].name or \
            r.question[0].rdtype != rdtype:
        res.fails.append("question not echoed: %s" % r.question)
    rc = r.rcode()
    if want_servfail:
        if rc != SERVFAIL:
            res.fails.append("rcode %s, want SERVFAIL (bogus)" % dns.rcode.to_text(rc))
        return res, exp
    if rc != exp.rcode:
        res.fails.append("rcode %s, authority says %s" % (dns.rcode.to_text(rc),
                                                          dns.rcode.to_text(exp.rcode)))
    if case and status != "bogus" and \
            (case[3] if case[3] != "NODATA" else "NOERROR") != dns.rcode.to_text(exp.rcode):
        res.notes.append("cases.txt says %s, authority %s" % (case[3], dns.rcode.to_text(exp.rcode)))
    got = flatten(r.answer)
    want = flatten(exp.rrsets)
    got_data = {k for k in got if k[1] != "RRSIG"}
    want_data = {k for k in want if k[1] != "RRSIG"}
    for k in sorted(got_data - want_data):
        res.fails.append("unexpected: " + text_of(got[k][1], got[k][2]))
    for k in sorted(want_data - got_data):
        res.fails.append("missing: " + text_of(want[k][1], want[k][2]))
    got_sig = {k for k in got if k[1] == "RRSIG"}
    want_sig = {k for k in want if k[1] == "RRSIG"}
    for k in sorted(got_sig - want_sig):
        res.fails.append("RRSIG not served by the authority: " + rr_show(k))
    miss = want_sig - got_sig
    if miss:
        # RRSIGs of records the resolver did return
        relevant = {k for k in miss if any(g[0] == k[0] and g[1] == k[2] for g in got_data)}
        if relevant:
            msg = "%d RRSIG(s) missing, e.g. %s" % (len(relevant), rr_show(sorted(relevant)[0]))
            (res.fails if args.require_rrsig else res.notes).append(msg)
    for k in got_data & want_data:
        if got[k][0] > want[k][0]:
            res.fails.append("TTL %d above the authority's %d: %s" % (
                got[k][0], want[k][0], rr_show(k)))
    msg = chain_order(qname, r.answer)
    if msg:
        res.fails.append(msg)
    final_has_data = any(k[1] == dns.rdatatype.to_text(rdtype) for k in want_data)
    if exp.rcode == NXDOMAIN or (exp.rcode == NOERROR and not final_has_data and exp.soa_owner):
        soas = [lname(rs.name) for rs in r.authority if rs.rdtype == SOA]
        if exp.soa_owner not in soas:
            res.fails.append("negative answer without the SOA of %s in authority (has %s)" % (
                exp.soa_owner, [s.to_text() for s in soas] or "none"))
    if args.validating and case:
        ad = bool(r.flags & dns.flags.AD)
        want_ad = (oracle or status) == "secure"
        if ad != want_ad:
            res.fails.append("AD %s, status %s" % ("set" if ad else "clear", oracle or status))
    return res, exp


def main(argv=None):
    p = argparse.ArgumentParser(description="compare a resolver with the world's authorities")
    p.add_argument("world")
    p.add_argument("resolver", help="ADDR[@PORT]")
    p.add_argument("--validating", action="store_true")
    p.add_argument("--accept-oracle", action="store_true")
    p.add_argument("--require-rrsig", action="store_true")
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--slow", type=float, default=5.0, help="note answers slower than this (s)")
    p.add_argument("--jobs", type=int, default=8)
    p.add_argument("--only", help="only queries whose name contains this")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    addr, _, port = args.resolver.partition("@")
    args.addr, args.port = addr, int(port or 53)
    if not ipaddress.ip_address(args.addr).is_loopback:
        p.error("the resolver must be on a loopback address")
    world = World(args.world)

    queries = []      # (name, type, case)
    seen = set()

    def add(name, rdtype, case=None):
        key = (lname(name), rdtype)
        if key not in seen:
            seen.add(key)
            queries.append((lname(name), rdtype, case))

    for c in world.cases:
        add(c[0], c[1], c)
    for z in world.zones:
        for t in (SOA, dns.rdatatype.NS, dns.rdatatype.DNSKEY):
            add(z, t)
        if z != dns.name.root:
            add(z, DS)
    if args.only:
        queries = [x for x in queries if args.only.lower() in x[0].to_text()]

    lock = threading.Lock()
    results = []

    def run(item):
        res, exp = check_one(world, args, *item)
        extra = []
        if exp is not None and not exp.error:
            for rs in exp.rrsets:
                if rs.rdtype == MX:
                    for rd in rs:
                        if rd.exchange != dns.name.root:
                            h = lname(rd.exchange)
                            extra += [(h, dns.rdatatype.A), (h, dns.rdatatype.AAAA),
                                      (dns.name.from_text("_25._tcp", h), dns.rdatatype.TLSA)]
        return res, extra

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        pending = [ex.submit(run, q) for q in queries]
        while pending:
            done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            pending = [f for f in pending if f not in done]
            for f in done:
                res, extra = f.result()
                with lock:
                    results.append(res)
                    for name, t in extra:
                        if args.only and args.only.lower() not in name.to_text():
                            continue
                        if (name, t) not in seen:
                            seen.add((name, t))
                            pending.append(ex.submit(run, (name, t, None)))
    nfail = 0
    for res in sorted(results, key=lambda r: r.label):
        if res.fails:
            nfail += 1
            print("FAIL %s: %s" % (res.label, "; ".join(res.fails + res.notes)))
        elif args.verbose or res.notes:
            print("ok   %s%s" % (res.label, (" (" + "; ".join(res.notes) + ")") if res.notes else ""))
    mode = "validating" if args.validating else "CD"
    print("compare: %d queries to %s (%s mode), %d failed, %.1f s" % (
        len(results), args.resolver, mode, nfail, time.monotonic() - t0))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
