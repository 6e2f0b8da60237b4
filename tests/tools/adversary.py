#!/usr/bin/python3
"""adversary.py: a scriptable hostile authoritative DNS server for tests.

    adversary.py --addr 127.0.0.X [--port 53] --mode MODE [--zone Z ...]
                 [--ns HOST=ADDR ...] [--pidfile F] [--log F] [options]

One process, one asyncio loop, UDP and TCP on ADDR:PORT (loopback only).
It serves its zones correctly except for the misbehaviour of MODE, and
exits on SIGTERM or SIGINT.  The pidfile is written once both sockets are
bound, so its existence means "ready".

Zones: --zone NAME serves a small built-in zone for NAME (see
builtin_zone_text()); --zone NAME=FILE loads a zone file.  --ns HOST=ADDR
(repeatable) gives the built-in zone that contains HOST that name server
(default: ns1.NAME at --addr) and its address record.  Queries
outside every zone get REFUSED.

Modes:
  good           correct answers (chases in-zone CNAMEs like NSD)
  liar           every A query answered authoritatively with 6.6.6.6 (AAAA
                 2001:db8:6666::6), whatever the name: a poison sink that
                 also counts who was misled into asking it
  spoof          UDP: before each genuine answer, forged answers carrying
                 poison, in this order: wrong ID (A 6.6.6.1); QR clear
                 (6.6.6.6); right ID, other question name (6.6.6.3); other
                 question type (6.6.6.7); right ID and question from another
                 source port (6.6.6.4); ... from another source address,
                 port 53 (6.6.6.5); right ID, question name in other 0x20
                 case (6.6.6.2; last, so that a resolver without 0x20 is
                 still tested against the others).  The genuine answer
                 follows after --delay ms.  For a query name vN.ZONE
                 (v1.ZONE .. v7.ZONE exist, A = www's address) only
                 forgery 6.6.6.N is sent; --forge LIST limits them too.
                 TCP is answered properly.
  oob            genuine answers plus out-of-bailiwick records: answer
                 "www.VICTIM A 6.6.6.8", authority "VICTIM NS ns.VICTIM",
                 additional "ns.VICTIM A LIAR" and "www.VICTIM A 6.6.6.8"
  tc             UDP: TC=1 with empty sections; TCP: proper answers
  silent         never answers (TCP: accepts, reads, never writes)
  garbage        malformed replies (random bytes, cut header, right ID but
                 broken body, compression loop, inflated counts, cut
                 records), then nothing; TCP: framed garbage, then close
  garbage-good   the same garbage, then the genuine answer after --delay
  referral-loop  queries below the apex get a referral to sub.ZONE whose
                 name server ns.sub.ZONE has glue --target-addr (default:
                 this server), so asking it again gives the same referral
  self-referral  queries below the apex get a referral to --target (default
                 the zone itself: a referral to the same zone; "." is an
                 upward referral, an unrelated name a sideways one), name
                 server ns.TARGET (ns1.ZONE for the zone itself) with glue
                 --target-addr (default: this server)
  cname-loop     built-in zone has a.Z CNAME b.Z, b.Z CNAME a.Z, self.Z CNAME
                 self.Z, c0.Z .. c{N-1}.Z a chain of N (--chain, 40) links to
                 end.Z A, short0.Z a chain of 4 links to end.Z; CNAMEs are
                 answered one link per response unless --chase yes

Modes for tests/resolve/hostile.py (the query name's first label picks
the misbehaviour; any other name below the zone gets the genuine answer,
so these servers need --wildcard to answer ordinary queries):
  referral-deep  every query below the apex gets a referral one label
                 deeper than the deepest cut it has handed out above the
                 query name (glue: this server), so the chain only ends
                 at the query name itself, a 100-label name for instance
  glueless       every query below the apex gets a referral of the name's
                 first label below the zone to --fanout (10) name servers
                 n1.RANDOM.ZONE ... without glue: each needs a lookup, which
                 gets the same treatment (NXNS amplification, nested
                 NS-address lookups without end)
  cname-hop      cK.ZONE CNAME c(K+1).--target: two servers pointing at
                 each other's zones make a chain across zones without end
  tc-always      UDP: TC=1, empty sections, for every name; TCP by first
                 label: tcptc (TC=1 again), tcpgarbage (random bytes),
                 tcpclose (closed unanswered), tcpzero (length 0),
                 tcpshort (length 512, 10 octets, close), anything else TC=1
  drip           UDP: TC=1 for drip.*, stall.*, half.*; TCP: drip.* sends
                 the genuine answer one octet per --drip-interval (1 s),
                 stall.* the two length octets only, half.* the length and
                 half the message; then holds the connection open
  bomb           UDP and TCP, hand-made wire: ptrchain.* (a 126-link
                 pointer chain: its last names are over 255 octets),
                 ptrdeep.* (a 116-link chain, 2000 records owned by its
                 deepest name: 116 pointers to follow for each),
                 ptrloop.* (two names pointing into each other), ptrfwd.*
                 (a forward pointer to itself), fanout.* (3000 records, each
                 owner a pointer to a 250-octet name), many.* (4000 A
                 records of the query name), rrsets.* (3000 additional
                 records, each its own owner), cnames.* (a 2000-link CNAME
                 chain in one answer)
  kaminsky       UDP: before each genuine answer (after --delay, 100 ms),
                 --forge-count forged answers with random IDs (never the
                 query's), the query name in random case, to the query's
                 source port, and --forge-ports more to random other ports
                 of the resolver; with --forge-right-id N also N with the
                 right ID but the name in another 0x20 case (only when the
                 query was in mixed case), and N with the right ID but
                 another name.  Each carries an A 6.6.6.9 for
                 the name, "ZONE NS ns.evil.ZONE" and its glue --liar, and
                 www.ZONE A 6.6.6.9.  Counts go to --stats, one line per
                 query: "EPOCH QNAME sent-to-port N other-ports M right-id K".

--wildcard adds "*.ZONE A" (the address of www.ZONE) to the built-in zones:
every name then exists, which makes a good target for floods.

Every query received is logged to --log as one line:
    EPOCH PROTO SRC-ADDR#PORT QNAME QTYPE ID
so tests can count queries (wc -l, or grep a name).
"""
import argparse
import asyncio
import hashlib
import ipaddress
import os
import random
import signal
import socket
import struct
import sys
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

MODES = ("good", "liar", "spoof", "oob", "tc", "silent", "garbage",
         "garbage-good", "referral-loop", "self-referral", "cname-loop",
         "referral-deep", "glueless", "cname-hop", "tc-always", "drip", "bomb",
         "kaminsky")

IN = dns.rdataclass.IN
A = dns.rdatatype.A
AAAA = dns.rdatatype.AAAA
NS = dns.rdatatype.NS
SOA = dns.rdatatype.SOA
CNAME = dns.rdatatype.CNAME
DS = dns.rdatatype.DS

# Poison addresses: any of them in a resolver's answer means it was fooled.
POISON_PREFIX = "6.6.6."
POISON_V6 = "2001:db8:6666::6"
SPOOF_VARIANTS = {
    "6.6.6.1": "wrong ID",
    "6.6.6.2": "question name in other 0x20 case",
    "6.6.6.3": "other question name",
    "6.6.6.4": "from another source port",
    "6.6.6.5": "from another source address",
    "6.6.6.6": "QR bit clear / liar",
    "6.6.6.7": "other question type",
    "6.6.6.8": "out-of-bailiwick record",
    "6.6.6.9": "Kaminsky forgery (random ID)",
}
CHAIN_DEFAULT = 40
SHORT_CHAIN = 4


def genuine_addr(zone):
    """The address of www.ZONE (and end.ZONE) in a built-in zone: derived
    from the zone name so that zones differ (198.18.0.0/15, RFC 2544)."""
    z = str(dns.name.from_text(str(zone))).lower()
    h = hashlib.sha256(z.encode()).digest()
    return "198.%d.%d.%d" % (18 + (h[0] & 1), h[1], h[2] | 1)


def mail_addr(zone):
    z = str(dns.name.from_text(str(zone))).lower()
    h = hashlib.sha256(("mail." + z).encode()).digest()
    return "198.%d.%d.%d" % (18 + (h[0] & 1), h[1], h[2] | 1)


def builtin_zone_text(origin, ns=None, mode="good", chain=CHAIN_DEFAULT, wildcard=False):
    """Zone-file text of the built-in zone ORIGIN.  ns: [(host, addr)]."""
    o = dns.name.from_text(str(origin))
    ot = o.to_text()
    if not ns:
        ns = [(dns.name.from_text("ns1", o).to_text(), "127.0.0.1")]
    rname = "hostmaster" + ("." + ot if ot != "." else ".")
    lines = ["$ORIGIN %s" % ot, "$TTL 300",
             "@ SOA %s %s 1 3600 600 86400 300" % (ns[0][0], rname)]
    for host, _ in ns:
        lines.append("@ NS %s" % host)
    for host, addr in ns:
        h = dns.name.from_text(host)
        if h.is_subdomain(o) and addr:
            t = "AAAA" if ":" in addr else "A"
            lines.append("%s %s %s" % (h.to_text(), t, addr))
    lines += [
        "www A %s" % genuine_addr(o),
        "@ MX 10 mail",
        "mail A %s" % mail_addr(o),
        "mail AAAA 2001:db8::25",
        '@ TXT "built-in zone %s (mode %s)"' % (ot, mode),
    ]
    if mode == "spoof":
        for i in range(1, 8):
            lines.append("v%d A %s" % (i, genuine_addr(o)))
    if wildcard:
        lines.append("* A %s" % genuine_addr(o))
    if mode == "cname-loop":
        lines += ["a CNAME b", "b CNAME a", "self CNAME self",
                  "end A %s" % genuine_addr(o)]
        for i in range(chain):
            nxt = "c%d" % (i + 1) if i + 1 < chain else "end"
            lines.append("c%d CNAME %s" % (i, nxt))
        for i in range(SHORT_CHAIN):
            nxt = "short%d" % (i + 1) if i + 1 < SHORT_CHAIN else "end"
            lines.append("short%d CNAME %s" % (i, nxt))
    # dedupe (an NS host may be www or mail)
    seen, out = set(), []
    for ln in lines:
        if ln not in seen:
            seen.add(ln)
            out.append(ln)
    return "\n".join(out) + "\n"


class Zone:
    def __init__(self, z):
        self.z = z
        self.origin = z.origin
        self.names = set(z.nodes.keys())
        self.cuts = set(n for n, node in z.nodes.items()
                        if n != self.origin and node.get_rdataset(IN, NS))

    def rrset(self, name, rdtype, owner=None):
        node = self.z.get_node(name)
        if node is None:
            return None
        rds = node.get_rdataset(IN, rdtype)
        if rds is None:
            return None
        rs = dns.rrset.RRset(owner if owner is not None else name, IN, rdtype)
        rs.update(rds)
        return rs

    def soa(self):
        return self.rrset(self.origin, SOA)

    def cut_above(self, qname, qtype):
        """The highest delegation point at or above qname, or None."""
        best = None
        for c in self.cuts:
            if qname.is_subdomain(c):
                if c == qname and qtype == DS:
                    continue
                if best is None or len(c) < len(best):
                    best = c
        return best

    def glue(self, nsset):
        out = []
        for rd in nsset:
            for t in (A, AAAA):
                rs = self.rrset(rd.target, t)
                if rs is not None:
                    out.append(rs)
        return out

    def exists(self, name):
        if name in self.names:
            return True
        return any(n.is_subdomain(name) for n in self.names)

    def wildcard(self, name):
        """The wildcard that covers the nonexistent name (RFC 4592), or None."""
        enc = name.parent()
        while enc.is_subdomain(self.origin) and not self.exists(enc):
            enc = enc.parent()
        w = dns.name.from_text("*", enc)
        return w if w in self.names else None


class WildView:
    """A zone seen through a wildcard: lookups of the synthesised name read
    the wildcard's node (CNAMEs and data alike)."""
    def __init__(self, zone, wild, name):
        self.zone, self.wild, self.name = zone, wild, name
        self.origin = zone.origin
        self.z = zone.z

    def rrset(self, name, rdtype, owner=None):
        src = self.wild if name == self.name else name
        return self.zone.rrset(src, rdtype, owner if owner is not None else name)

    def __getattr__(self, attr):
        return getattr(self.zone, attr)


def load_zones(args):
    zones = []
    ns = []
    for spec in args.ns or []:
        host, _, addr = spec.partition("=")
        ns.append((dns.name.from_text(host).to_text(), addr))
    for spec in args.zone or []:
        name, eq, path = spec.partition("=")
        origin = dns.name.from_text(name)
        if eq:
            z = dns.zone.from_file(path, origin=origin, relativize=False)
        else:
            zns = [h for h in ns if dns.name.from_text(h[0]).is_subdomain(origin)]
            if not zns:
                zns = [(dns.name.from_text("ns1", origin).to_text(), args.addr)]
            text = builtin_zone_text(origin, zns, args.mode, args.chain, args.wildcard)
            z = dns.zone.from_text(text, origin=origin, relativize=False)
        zones.append(Zone(z))
    return zones


class Server:
    def __init__(self, args, zones):
        self.args = args
        self.mode = args.mode
        self.zones = zones
        self.addr = args.addr
        self.delay = args.delay / 1000.0
        self.chase = (args.chase == "yes") if args.chase else (self.mode != "cname-loop")
        self.logf = open(args.log, "a", buffering=1) if args.log else None
        self.udp = None
        self.alt_port = None     # another source port, same address
        self.alt_addr = None     # another source address, port 53
        self.rng = random.Random()
        self.usock = None        # the UDP socket itself (kaminsky floods)
        self.cuts_given = set()  # referral-deep
        self.statsf = open(args.stats, "a", buffering=1) if args.stats else None

    # ------------------------------------------------------------ logging
    def log(self, proto, src, q):
        if not self.logf:
            return
        try:
            qn = q.question[0].name.to_text() if q.question else "-"
            qt = dns.rdatatype.to_text(q.question[0].rdtype) if q.question else "-"
        except Exception:
            qn, qt = "-", "-"
        self.logf.write("%.3f %s %s#%d %s %s %d\n" % (
            time.time(), proto, src[0], src[1], qn, qt, q.id))

    # ------------------------------------------------------- authoritative
    def find_zone(self, qname, qtype):
        best = None
        for z in self.zones:
            if qname.is_subdomain(z.origin):
                if best is None or len(z.origin) > len(best.origin):
                    best = z
        if best is not None and qtype == DS and best.origin == qname:
            parent = None
            for z in self.zones:
                if z is not best and qname.is_subdomain(z.origin):
                    if parent is None or len(z.origin) > len(parent.origin):
                        parent = z
            if parent is not None:
                best = parent
        return best

    def referral(self, r, z, cut):
        nsset = z.rrset(cut, NS)
        r.flags &= ~dns.flags.AA
        r.authority.append(nsset)
        r.additional.extend(z.glue(nsset))

    def genuine(self, q):
        """The correct authoritative response to q (a dns.message)."""
        r = dns.message.make_response(q, our_payload=1232)
        r.flags &= ~dns.flags.RA
        if len(q.question) != 1:
            r.set_rcode(dns.rcode.FORMERR)
            return r
        qname = q.question[0].name
        qtype = q.question[0].rdtype
        lname = dns.name.from_text(qname.to_text().lower())
        z = self.find_zone(lname, qtype)
        if z is None:
            r.set_rcode(dns.rcode.REFUSED)
            return r
        cut = z.cut_above(lname, qtype)
        if cut is not None:
            self.referral(r, z, cut)
            return r
        r.flags |= dns.flags.AA
        name, owner = lname, qname
        seen = set()
        while True:
            seen.add(name)
            node = z.z.get_node(name)
            if node is None and not z.exists(name):
                wild = z.wildcard(name)
                if wild is not None:
                    node = z.z.get_node(wild)
                    z = WildView(z, wild, name)
            if node is None:
                if not z.exists(name):
                    r.set_rcode(dns.rcode.NXDOMAIN)
                r.authority.append(z.soa())
                return r
            cn = z.rrset(name, CNAME, owner)
            if cn is not None and qtype != CNAME:
                r.answer.append(cn)
                target = cn[0].target
                if (not self.chase or target in seen or not target.is_subdomain(z.origin)
                        or z.cut_above(target, qtype) is not None):
                    return r
                name, owner = target, target
                continue
            rs = z.rrset(name, qtype, owner)
            if rs is None:
                r.authority.append(z.soa())
                return r
            r.answer.append(rs)
            if qtype == NS:
                r.additional.extend(z.glue(rs))
            elif qtype == dns.rdatatype.MX:
                for rd in rs:
                    for t in (A, AAAA):
                        g = z.rrset(rd.exchange, t)
                        if g is not None:
                            r.additional.append(g)
            return r

    # ------------------------------------------------------------- modes
    def below_apex(self, q):
        if len(q.question) != 1:
            return None
        qname = q.question[0].name
        lname = dns.name.from_text(qname.to_text().lower())
        z = self.find_zone(lname, q.question[0].rdtype)
        if z is None or lname == z.origin:
            return None
        return z

    def make_referral(self, q, child, nsname, glue_addr):
        r = dns.message.make_response(q, our_payload=1232)
        r.flags &= ~(dns.flags.RA | dns.flags.AA)
        r.authority.append(dns.rrset.from_text(child, 300, IN, NS, nsname.to_text()))
        t = AAAA if ":" in glue_addr else A
        r.additional.append(dns.rrset.from_text(nsname, 300, IN, t, glue_addr))
        return r

    def mode_response(self, q):
        """The response this mode gives (before UDP/TCP specifics)."""
        m = self.mode
        if m == "liar":
            r = dns.message.make_response(q, our_payload=1232)
            r.flags |= dns.flags.AA
            r.flags &= ~dns.flags.RA
            if len(q.question) == 1:
                qn, qt = q.question[0].name, q.question[0].rdtype
                if qt == A:
                    r.answer.append(dns.rrset.from_text(qn, 86400, IN, A, "6.6.6.6"))
                elif qt == AAAA:
                    r.answer.append(dns.rrset.from_text(qn, 86400, IN, AAAA, POISON_V6))
            return r
        if m == "referral-loop":
            z = self.below_apex(q)
            if z is not None:
                child = dns.name.from_text("sub", z.origin)
                nsname = dns.name.from_text("ns", child)
                return self.make_referral(q, child, nsname, self.args.target_addr or self.addr)
        if m == "self-referral":
            z = self.below_apex(q)
            if z is not None:
                target = dns.name.from_text(self.args.target) if self.args.target else z.origin
                if target == z.origin:
                    nsname = dns.name.from_text("ns1", target)
                else:
                    nsname = dns.name.from_text("ns", target)
                return self.make_referral(q, target, nsname, self.args.target_addr or self.addr)
        if m == "referral-deep":
            z = self.below_apex(q)
            if z is not None:
                return self.deeper_referral(q, z)
        if m == "glueless":
            z = self.below_apex(q)
            if z is not None:
                return self.glueless_referral(q, z)
        if m == "cname-hop":
            r = self.cname_hop(q)
            if r is not None:
                return r
        r = self.genuine(q)
        if m == "oob" and r.rcode() != dns.rcode.REFUSED:
            v = dns.name.from_text(self.args.victim)
            www = dns.name.from_text("www", v)
            nsn = dns.name.from_text("ns", v)
            r.answer.append(dns.rrset.from_text(www, 86400, IN, A, "6.6.6.8"))
            r.authority.append(dns.rrset.from_text(v, 86400, IN, NS, nsn.to_text()))
            r.additional.append(dns.rrset.from_text(nsn, 86400, IN, A, self.args.liar))
            r.additional.append(dns.rrset.from_text(www, 86400, IN, A, "6.6.6.8"))
        return r

    @staticmethod
    def lname(q):
        return dns.name.from_text(q.question[0].name.to_text().lower())

    def label0(self, q):
        """The first label of a query name below one of our zones, lower
        case, or None."""
        if len(q.question) != 1:
            return None
        ln = self.lname(q)
        z = self.find_zone(ln, q.question[0].rdtype)
        if z is None or ln == z.origin:
            return None
        return ln.labels[0].decode("ascii", "replace")

    def deeper_referral(self, q, z):
        ln = self.lname(q)
        base = z.origin
        for c in self.cuts_given:
            if ln.is_subdomain(c) and ln != c and len(c) > len(base):
                base = c
        child = dns.name.Name(ln.labels[-(len(base) + 1):])
        self.cuts_given.add(child)
        return self.make_referral(q, child, dns.name.from_text("ns", child), self.addr)

    def glueless_referral(self, q, z):
        ln = self.lname(q)
        child = dns.name.Name(ln.labels[-(len(z.origin) + 1):])
        r = dns.message.make_response(q, our_payload=1232)
        r.flags &= ~(dns.flags.RA | dns.flags.AA)
        rs = dns.rrset.RRset(child, IN, NS)
        rs.update_ttl(self.args.ttl)
        for i in range(self.args.fanout):
            tag = "%08x" % self.rng.getrandbits(32)
            rs.add(dns.rdata.from_text(IN, NS, "n%d.%s.%s" % (i + 1, tag, z.origin.to_text())))
        r.authority.append(rs)
        return r

    def cname_hop(self, q):
        l0 = self.label0(q)
        if l0 is None or not (l0[:1] == "c" and l0[1:].isdigit()):
            return None
        r = dns.message.make_response(q, our_payload=1232)
        r.flags |= dns.flags.AA
        r.flags &= ~dns.flags.RA
        tgt = "c%d.%s" % (int(l0[1:]) + 1, dns.name.from_text(self.args.target).to_text())
        r.answer.append(dns.rrset.from_text(q.question[0].name, 300, IN, CNAME, tgt))
        return r

    # ------------------------------------------------------ wire by hand
    @staticmethod
    def raw_question(raw):
        """The question section of a query as received (case kept)."""
        i = 12
        while i < len(raw) and raw[i] != 0:
            if raw[i] & 0xc0:
                return None
            i += raw[i] + 1
        i += 1 + 4
        return raw[12:i] if i <= len(raw) else None

    def bomb(self, q, raw):
        """A hand-made response for bomb mode, or None (genuine answer)."""
        kind = self.label0(q)
        qs = self.raw_question(raw)
        if kind is None or qs is None:
            return None
        an, ns, ar = 0, 0, 0
        body = bytearray()
        base = 12 + len(qs)

        def ptr(off):
            return struct.pack("!H", 0xc000 | off)

        def rr(owner, rtype=A, rdata=b"\x0a\x00\x00\x01"):
            return owner + struct.pack("!HHIH", rtype, 1, 300, len(rdata)) + rdata

        def addr(i):
            return bytes((10, (i >> 16) & 255, (i >> 8) & 255, i & 255))

        # (pointers reach offsets below 0x4000 only)
        if kind in ("ptrchain", "ptrdeep"):
            # names each a label and a pointer to the one before: ptrchain
            # goes on to 126 of them, the last ones over 255 octets;
            # ptrdeep stops at 115 and adds 2000 records owned by the
            # deepest (116 pointers to follow for each)
            prev = 12
            for i in range(126 if kind == "ptrchain" else 116):
                off = base + len(body)
                body += rr(b"\x01x" + ptr(prev), A, addr(i))
                an += 1
                prev = off
            if kind == "ptrdeep":
                for j in range(2000):
                    body += rr(ptr(prev), A, addr(100000 + j))
                    an += 1
        elif kind == "ptrloop":
            x = base
            y = x + 18
            body += rr(b"\x01a" + ptr(y), A, addr(1))
            body += rr(b"\x01b" + ptr(x), A, addr(2))
            an = 2
        elif kind == "ptrfwd":
            # the owner points forward into its own rdata, which points back
            x = base
            body += rr(ptr(x + 12), CNAME, b"\x01c" + ptr(x))
            an = 1
        elif kind == "fanout":
            lab = b"\x3f" + b"f" * 63
            longname = lab * 3 + b"\x38" + b"g" * 56 + b"\x00"     # 250 octets
            off = base
            body += rr(longname, A, addr(0))
            for j in range(3000):
                body += rr(ptr(off), A, addr(j + 1))
            an = 3001
        elif kind == "many":
            for j in range(4000):
                body += rr(ptr(12), A, addr(j))
            an = 4000
        elif kind == "rrsets":
            body += rr(ptr(12), A, bytes(int(x) for x in genuine_addr(self.find_zone(
                self.lname(q), A).origin).split(".")))
            an = 1
            for j in range(2500):
                body += rr(("\x05n%04d" % j).encode() + ptr(12), A, addr(j))
            ar = 2500
        elif kind == "cnames":
            owner = ptr(12)
            for j in range(2000):
                nxt = ("\x05c%04d" % (j + 1)).encode() + ptr(12)
                body += rr(owner, CNAME, nxt)
                owner = nxt
            an = 2000
        else:
            return None
        hdr = struct.pack("!HHHHHH", q.id, 0x8400, 1, an, ns, ar)
        return bytes(hdr + qs + body)

    def kaminsky(self, q, raw, src):
        """Send the forgeries for one query; returns (to port, others, right ID)."""
        if len(q.question) != 1 or self.usock is None:
            return 0, 0, 0
        qs = self.raw_question(raw)
        if qs is None:
            return 0, 0, 0
        qn = q.question[0].name
        ln = self.lname(q)
        z = self.find_zone(ln, q.question[0].rdtype)
        if z is None:
            return 0, 0, 0
        r = dns.message.make_response(q, our_payload=1232)
        r.flags |= dns.flags.AA
        r.flags &= ~dns.flags.RA
        evil = dns.name.from_text("ns.evil", z.origin)
        r.answer.append(dns.rrset.from_text(qn, 86400, IN, A, "6.6.6.9"))
        r.authority.append(dns.rrset.from_text(z.origin, 86400, IN, NS, evil.to_text()))
        r.additional.append(dns.rrset.from_text(evil, 86400, IN, A, self.args.liar))
        r.additional.append(dns.rrset.from_text(dns.name.from_text("www", z.origin),
                                                86400, IN, A, "6.6.6.9"))
        tmpl = bytearray(r.to_wire())
        nlen = len(qs) - 4
        if bytes(tmpl[12:12 + nlen]).lower() != bytes(qs[:nlen]).lower():
            return 0, 0, 0
        asked = bytes(qs[:nlen])

        def recase(other_than=None):
            for _ in range(8):
                b = bytes(c ^ 0x20 if (65 <= c <= 90 or 97 <= c <= 122) and
                          self.rng.getrandbits(1) else c for c in asked)
                if other_than is None or b != other_than:
                    return b
            return None

        variants = [recase() for _ in range(32)]
        sent = [0, 0, 0]

        def send(w, dst, k):
            try:
                self.usock.sendto(w, dst)
                sent[k] += 1
            except OSError:
                pass

        for k, count in ((0, self.args.forge_count), (1, self.args.forge_ports)):
            for _ in range(count):
                qid = self.rng.randrange(0x10000)
                while qid == q.id:
                    qid = self.rng.randrange(0x10000)
                tmpl[0:2] = struct.pack("!H", qid)
                tmpl[12:12 + nlen] = variants[self.rng.randrange(len(variants))]
                if k == 0:
                    dst = src
                else:
                    port = src[1]
                    while port == src[1]:
                        port = self.rng.randrange(1024, 65536)
                    dst = (src[0], port)
                send(bytes(tmpl), dst, k)
        if self.args.forge_right_id:
            tmpl[0:2] = struct.pack("!H", q.id)
            # the other 0x20 case only when the query used 0x20 (an upper
            # case letter): a plain-case query (the resolver's fallback)
            # has nothing to check, and the right ID is the on-path case
            mixed = asked != asked.lower()
            for _ in range(self.args.forge_right_id if mixed else 0):
                other = recase(other_than=asked)
                if other is None:
                    break
                tmpl[12:12 + nlen] = other
                send(bytes(tmpl), src, 2)
            # the right ID, another question name (its first octet changed)
            for _ in range(self.args.forge_right_id):
                other = bytearray(asked)
                if len(other) > 1:
                    other[1] = ord("a") + self.rng.randrange(26)
                    if bytes(other).lower() == asked.lower():
                        other[1] = ord("0")
                tmpl[12:12 + nlen] = bytes(other)
                send(bytes(tmpl), src, 2)
        if self.statsf:
            self.statsf.write("%.3f %s sent-to-port %d other-ports %d right-id %d\n" % (
                time.time(), qn.to_text(), sent[0], sent[1], sent[2]))
        return tuple(sent)

    @staticmethod
    def wire(r, max_size):
        try:
            return r.to_wire(max_size=max_size)
        except dns.exception.TooBig:
            r.answer.clear()
            r.authority.clear()
            r.additional.clear()
            r.flags |= dns.flags.TC
            return r.to_wire(max_size=max_size)

    @staticmethod
    def udp_size(q):
        return max(512, min(q.payload, 65535)) if q.edns >= 0 else 512

    def forged(self, q):
        """[(wire, via)] forged responses for spoof mode; via is 'main',
        'alt-port' or 'alt-addr'."""
        out = []
        if len(q.question) != 1:
            return out
        qn, qt = q.question[0].name, q.question[0].rdtype

        def poisoned(query, addr, owner=None):
            r = dns.message.make_response(query, our_payload=1232)
            r.flags |= dns.flags.AA
            r.flags &= ~dns.flags.RA
            r.answer.append(dns.rrset.from_text(owner or query.question[0].name,
                                                86400, IN, A, addr))
            return r

        def add(tag, r, via="main"):
            out.append((tag, r.to_wire(), via))

        # the most obviously wrong first; the 0x20 variant last, so that a
        # resolver without 0x20 still gets tested against all the others
        r = poisoned(q, "6.6.6.1")
        r.id = (q.id + 1 + self.rng.randrange(0xfffe)) & 0xffff
        add(1, r)
        r = poisoned(q, "6.6.6.6")
        r.flags &= ~dns.flags.QR
        add(6, r)
        q3 = dns.message.make_query(dns.name.from_text("spoofed", qn), qt)
        q3.id = q.id
        r = poisoned(q3, "6.6.6.3")
        r.answer.append(dns.rrset.from_text(qn, 86400, IN, A, "6.6.6.3"))
        add(3, r)
        q7 = dns.message.make_query(qn, AAAA if qt != AAAA else dns.rdatatype.TXT)
        q7.id = q.id
        add(7, poisoned(q7, "6.6.6.7", owner=qn))
        add(4, poisoned(q, "6.6.6.4"), "alt-port")
        add(5, poisoned(q, "6.6.6.5"), "alt-addr")
        swapped = dns.name.from_text(qn.to_text().swapcase())
        if swapped.to_text() != qn.to_text():
            q2 = dns.message.make_query(swapped, qt)
            q2.id = q.id
            add(2, poisoned(q2, "6.6.6.2"))
        keep = set(int(i) for i in self.args.forge.split(",")) if self.args.forge else None
        first = qn.labels[0].lower() if len(qn.labels) > 1 else b""
        if len(first) == 2 and first[:1] == b"v" and first[1:].isdigit():
            keep = {int(first[1:])}          # vN.ZONE: forgery N alone
        return [(w, via) for tag, w, via in out if keep is None or tag in keep]

    def garbage(self, q, good_wire):
        qid = struct.pack("!H", q.id)
        rnd = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(3, 64)))
        hdr = good_wire[:12]
        out = [
            rnd,                                           # random bytes
            good_wire[:7],                                 # header cut short
            qid + b"\x84\x00\x00\x01\x00\x01\x00\x00\x00\x00\x07exam",  # name cut mid-label
            qid + b"\x84\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",  # pointer loop
            hdr[:6] + b"\x00\x32" + hdr[8:] + good_wire[12:],   # 50 answers claimed
            good_wire[:max(13, len(good_wire) - 7)],       # last record cut
        ]
        if self.args.garbage:
            keep = [int(i) for i in self.args.garbage.split(",")]
            out = [w for i, w in enumerate(out) if i in keep]
        return out

    # --------------------------------------------------------------- I/O
    def tc_response(self, q):
        r = dns.message.make_response(q, our_payload=1232)
        r.flags |= dns.flags.TC | dns.flags.AA
        r.flags &= ~dns.flags.RA
        return r.to_wire()

    def handle_udp(self, data, src):
        try:
            q = dns.message.from_wire(data)
        except Exception:
            return
        if q.flags & dns.flags.QR:
            return
        self.log("udp", src, q)
        m = self.mode
        if m == "silent":
            return
        loop = asyncio.get_running_loop()
        if m == "tc-always" or (m == "drip" and self.label0(q) in ("drip", "stall", "half")):
            self.udp.sendto(self.tc_response(q), src)
            return
        if m == "bomb":
            w = self.bomb(q, data)
            if w is not None:
                self.udp.sendto(w, src)
                return
        if m == "kaminsky":
            self.kaminsky(q, data, src)
            r = self.mode_response(q)
            loop.call_later(self.delay, self.udp.sendto, self.wire(r, self.udp_size(q)), src)
            return
        if m == "tc":
            r = dns.message.make_response(q, our_payload=1232)
            r.flags |= dns.flags.TC | dns.flags.AA
            r.flags &= ~dns.flags.RA
            self.udp.sendto(r.to_wire(), src)
            return
        r = self.mode_response(q)
        good = self.wire(r, self.udp_size(q))
        if m == "spoof":
            for w, via in self.forged(q):
                self.send_via(w, src, via)
            loop.call_later(self.delay, self.udp.sendto, good, src)
            return
        if m in ("garbage", "garbage-good"):
            for w in self.garbage(q, good):
                self.udp.sendto(w, src)
            if m == "garbage-good":
                loop.call_later(self.delay, self.udp.sendto, good, src)
            return
        self.udp.sendto(good, src)

    def send_via(self, w, dst, via):
        try:
            if via == "main":
                self.udp.sendto(w, dst)
            elif via == "alt-port":
                self.alt_port.sendto(w, dst)
            elif via == "alt-addr" and self.alt_addr is not None:
                self.alt_addr.sendto(w, dst)
        except OSError:
            pass

    async def handle_tcp(self, reader, writer):
        src = writer.get_extra_info("peername")[:2]
        try:
            while True:
                try:
                    hdr = await asyncio.wait_for(reader.readexactly(2), 30)
                    (n,) = struct.unpack("!H", hdr)
                    data = await asyncio.wait_for(reader.readexactly(n), 30)
                except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
                    return
                except Exception:
                    return
                try:
                    q = dns.message.from_wire(data)
                except Exception:
                    return
                self.log("tcp", src, q)
                m = self.mode
                if m == "silent":
                    continue
                l0 = self.label0(q)
                if m == "tc-always":
                    if l0 == "tcpclose":
                        return
                    if l0 == "tcpgarbage":
                        w = bytes(self.rng.randrange(256) for _ in range(40))
                    elif l0 == "tcpzero":
                        w = b""
                    elif l0 == "tcpshort":
                        writer.write(struct.pack("!H", 512) + b"\x00" * 10)
                        await writer.drain()
                        return
                    else:
                        w = self.tc_response(q)
                    writer.write(struct.pack("!H", len(w)) + w)
                    await writer.drain()
                    continue
                if m == "bomb":
                    w = self.bomb(q, data)
                    if w is not None:
                        writer.write(struct.pack("!H", len(w)) + w)
                        await writer.drain()
                        continue
                r = self.mode_response(q)
                good = self.wire(r, 65535)
                if m == "drip" and l0 in ("drip", "stall", "half"):
                    framed = struct.pack("!H", len(good)) + good
                    if l0 == "stall":
                        framed = framed[:2]
                    elif l0 == "half":
                        framed = framed[:2 + len(good) // 2]
                    for i in range(len(framed)):
                        writer.write(framed[i:i + 1])
                        await writer.drain()
                        if l0 == "drip":
                            await asyncio.sleep(self.args.drip_interval)
                    # hold the connection until the resolver gives up
                    try:
                        await asyncio.wait_for(reader.read(), 120)
                    except Exception:
                        pass
                    return
                if m == "garbage":
                    for w in self.garbage(q, good):
                        writer.write(struct.pack("!H", len(w)) + w)
                    await writer.drain()
                    return
                writer.write(struct.pack("!H", len(good)) + good)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass


class UDPProto(asyncio.DatagramProtocol):
    def __init__(self, server):
        self.server = server

    def connection_made(self, transport):
        self.server.udp = transport

    def datagram_received(self, data, addr):
        try:
            self.server.handle_udp(data, addr)
        except Exception as e:  # never die on one query
            print("adversary: %s" % e, file=sys.stderr)


async def serve(args, zones):
    srv = Server(args, zones)
    loop = asyncio.get_running_loop()
    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    us = socket.socket(fam, socket.SOCK_DGRAM)
    for opt in (33, socket.SO_RCVBUF):   # SO_RCVBUFFORCE needs root: floods
        try:
            us.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
            break
        except OSError:
            pass
    us.bind((args.addr, args.port))
    us.setblocking(False)
    srv.usock = us
    await loop.create_datagram_endpoint(lambda: UDPProto(srv), sock=us)
    tcp = await asyncio.start_server(srv.handle_tcp, host=args.addr, port=args.port,
                                     family=fam, reuse_address=True)
    if args.mode == "spoof":
        srv.alt_port = socket.socket(fam, socket.SOCK_DGRAM)
        srv.alt_port.bind((args.addr, 0))
        srv.alt_port.setblocking(False)
        try:
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.bind((args.spoof_from, args.port))
            s.setblocking(False)
            srv.alt_addr = s
        except OSError as e:
            print("adversary: cannot bind %s:%d for the other-address forgery: %s"
                  % (args.spoof_from, args.port, e), file=sys.stderr)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.pidfile:
        tmp = args.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, args.pidfile)
    await stop.wait()
    tcp.close()
    if args.pidfile:
        try:
            os.unlink(args.pidfile)
        except OSError:
            pass


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--addr", required=True)
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--mode", required=True, choices=MODES)
    p.add_argument("--zone", action="append", help="NAME or NAME=FILE (repeatable)")
    p.add_argument("--ns", action="append", help="HOST=ADDR: a name server of the built-in zone containing HOST")
    p.add_argument("--pidfile")
    p.add_argument("--log")
    p.add_argument("--delay", type=float, default=100, help="ms before the genuine answer (spoof, garbage-good)")
    p.add_argument("--chase", choices=("yes", "no"), help="follow in-zone CNAMEs in one answer")
    p.add_argument("--chain", type=int, default=CHAIN_DEFAULT, help="cname-loop: links in c0.Z chain")
    p.add_argument("--wildcard", action="store_true", help="built-in zones get '* A' (the www address)")
    p.add_argument("--target", help="self-referral: zone referred to (default the zone itself)")
    p.add_argument("--target-addr", help="glue address of referrals (default --addr)")
    p.add_argument("--victim", default="victim.", help="oob: the zone whose records are forged")
    p.add_argument("--liar", default="127.0.0.45", help="oob: address given to ns.VICTIM")
    p.add_argument("--garbage", help="garbage kinds to send, e.g. 0,2 (default all: 0 random bytes, "
                   "1 cut header, 2 name cut mid-label, 3 pointer loop, 4 inflated count, 5 cut record)")
    p.add_argument("--forge", help="spoof: forgeries to send, by the last octet of their "
                   "poison address, e.g. 1,3 (default all)")
    p.add_argument("--spoof-from", default="127.0.0.49", help="spoof: the other source address")
    p.add_argument("--fanout", type=int, default=10, help="glueless: name servers per referral")
    p.add_argument("--ttl", type=int, default=300, help="glueless: TTL of the referral")
    p.add_argument("--drip-interval", type=float, default=1.0, help="drip: seconds between octets")
    p.add_argument("--forge-count", type=int, default=500,
                   help="kaminsky: forgeries with random IDs to the query's source port")
    p.add_argument("--forge-ports", type=int, default=200,
                   help="kaminsky: forgeries to random other ports")
    p.add_argument("--forge-right-id", type=int, default=0,
                   help="kaminsky: forgeries with the right ID and the name in other 0x20 "
                   "case, and as many with the right ID and another name")
    p.add_argument("--stats", help="kaminsky: file for the forgery counts")
    args = p.parse_args(argv)
    for a in [args.addr, args.target_addr, args.liar, args.spoof_from]:
        if a and not ipaddress.ip_address(a).is_loopback:
            p.error("%s is not a loopback address" % a)
    if not args.zone and args.mode != "liar":
        args.zone = ["example."]
    zones = load_zones(args)
    asyncio.run(serve(args, zones))


if __name__ == "__main__":
    main()
