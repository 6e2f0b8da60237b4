#!/usr/bin/python3
"""flood.py: many DNS queries in flight at once against a resolver (UDP).

    flood.py RESOLVER[@PORT] [--count 2000] [--template 'f{i}.wild.test. MX']
             [--timeout 30] [--retry-after 5] [--sockets 8] [--cd]
             [--expect-rcode NOERROR]

Sends --count queries (the template's {i} runs from 0) at once, in bursts
of --burst with 2 ms between them, spread over --sockets sockets, then
waits.  A query still unanswered after
--retry-after seconds is sent again (same ID), as a stub resolver would;
the run ends when all are answered or --timeout passes.  Prints one line:

    flood: sent N answered M (first try F) lost L rcodes {...} p50 X ms p99 Y ms max Z ms in T s

Exit 0 when every query got an answer (with --expect-rcode: that rcode),
else 1.
"""
import argparse
import asyncio
import ipaddress
import socket
import sys
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype


class Proto(asyncio.DatagramProtocol):
    def __init__(self, flood, idx):
        self.flood, self.idx = flood, idx
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.flood.received(self.idx, data)


class Flood:
    def __init__(self, args):
        self.args = args
        self.pending = {}     # (sock, id) -> [i, wire, t_first, tries]
        self.lat = []
        self.rcodes = {}
        self.first_try = 0
        self.done = asyncio.Event()
        self.bad = 0

    def received(self, idx, data):
        if len(data) < 12:
            self.bad += 1
            return
        qid = int.from_bytes(data[:2], "big")
        ent = self.pending.pop((idx, qid), None)
        if ent is None:
            return           # duplicate or unknown
        try:
            r = dns.message.from_wire(data)
            rc = dns.rcode.to_text(r.rcode())
        except Exception:
            rc = "MALFORMED"
        self.rcodes[rc] = self.rcodes.get(rc, 0) + 1
        self.lat.append(time.monotonic() - ent[2])
        if ent[3] == 1:
            self.first_try += 1
        if not self.pending:
            self.done.set()


async def run(args):
    loop = asyncio.get_running_loop()
    fl = Flood(args)
    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    socks = []
    for i in range(args.sockets):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)   # SO_RCVBUFFORCE (root)
        except OSError:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind(("::1" if fam == socket.AF_INET6 else "127.0.0.1", 0))
        s.setblocking(False)
        t, _ = await loop.create_datagram_endpoint(lambda i=i: Proto(fl, i), sock=s)
        socks.append(t)
    name_t, _, type_t = args.template.partition(" ")
    rdtype = dns.rdatatype.from_text(type_t or "A")
    dest = (args.addr, args.port)
    t0 = time.monotonic()
    for i in range(args.count):
        q = dns.message.make_query(name_t.format(i=i), rdtype, use_edns=0, payload=1232)
        if args.cd:
            q.flags |= dns.flags.CD
        si = i % args.sockets
        q.id = (i // args.sockets) & 0xffff
        w = q.to_wire()
        fl.pending[(si, q.id)] = [i, w, time.monotonic(), 1]
        socks[si].sendto(w, dest)
        if i % args.burst == args.burst - 1:
            await asyncio.sleep(0.002)      # let the receiver drain a little
    sent = args.count
    while fl.pending and time.monotonic() - t0 < args.timeout:
        try:
            await asyncio.wait_for(fl.done.wait(), timeout=0.5)
        except asyncio.TimeoutError:
            pass
        now = time.monotonic()
        for (si, qid), ent in list(fl.pending.items()):
            if now - ent[2] > args.retry_after * ent[3] and ent[3] <= args.retries:
                ent[3] += 1
                sent += 1
                socks[si].sendto(ent[1], dest)
    el = time.monotonic() - t0
    for t in socks:
        t.close()
    lat = sorted(fl.lat)

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0
    answered = len(lat)
    print("flood: %d queries (%d packets) answered %d (first try %d) lost %d rcodes %s "
          "p50 %.0f ms p99 %.0f ms max %.0f ms in %.1f s" % (
              args.count, sent, answered, fl.first_try, len(fl.pending),
              dict(sorted(fl.rcodes.items())), pct(0.5), pct(0.99),
              lat[-1] * 1000 if lat else 0, el))
    if fl.pending:
        return 1
    if args.expect_rcode and set(fl.rcodes) != {args.expect_rcode}:
        return 1
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description="flood a resolver with queries in flight")
    p.add_argument("resolver")
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--template", default="f{i}.wild.test. MX")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--retry-after", type=float, default=5)
    p.add_argument("--retries", type=int, default=2)
    p.add_argument("--sockets", type=int, default=8)
    p.add_argument("--burst", type=int, default=200, help="queries sent back to back")
    p.add_argument("--cd", action="store_true")
    p.add_argument("--expect-rcode")
    args = p.parse_args(argv)
    a, _, port = args.resolver.partition("@")
    args.addr, args.port = a, int(port or 53)
    if not ipaddress.ip_address(a).is_loopback:
        p.error("loopback resolvers only")
    if args.count > args.sockets * 65536:
        p.error("too many queries for the sockets")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
