#!/usr/bin/python3
"""attack.py: the two clients of tests/world/attack.sh.

    attack.py measure RESOLVER PORT [--count 200] [--seconds 0] [--label quiet]
        An ordinary client: COUNT sequential queries (and more until
        SECONDS have passed), cycling through
        mx.dane-ee.test A (cached after the first), dane-ta.test MX and a
        fresh random name under dane-ee.test (NXDOMAIN, never cached).
        Each must come back within 5 s with the right rcode, an answer
        (NOERROR) and AD.  Prints p50/p99/max latency; exit 1 on any
        wrong or missing answer.

    attack.py flood RESOLVER PORT [--rate 2000] [--seconds 10]
        The attacker: fresh random names under keytrap.test (60 RRSIGs x
        51 keys sharing a tag) and 30-label names under nsec3flood.mail
        (NSEC3 150 iterations), alternately, at RATE queries per second
        over UDP for SECONDS, then 2 s for the last answers.  Prints the
        answer rate and the rcodes.  Always exits 0 (measurement only).
"""
import argparse
import asyncio
import random
import socket
import string
import sys
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode


def rlabel(n=10):
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def measure(a):
    lat, bad = [], []
    i, t_end = 0, time.monotonic() + a.seconds
    while i < a.count or time.monotonic() < t_end:
        i += 1
        k = i % 3
        if k == 0:
            name, typ, want = "mx.dane-ee.test.", "A", "NOERROR"
        elif k == 1:
            name, typ, want = "dane-ta.test.", "MX", "NOERROR"
        else:
            name, typ, want = rlabel() + ".dane-ee.test.", "A", "NXDOMAIN"
        q = dns.message.make_query(name, typ, want_dnssec=True)
        t0 = time.monotonic()
        r = None
        # Like a stub resolver (resolv.conf attempts:2): one retry after a
        # timeout.  Without an answer cache yet, ordinary queries still go
        # to the world's servers, which the attack saturates too.
        for attempt in range(2):
            try:
                r = dns.query.udp(q, a.resolver, port=a.port, timeout=5)
                if r.flags & dns.flags.TC:
                    r = dns.query.tcp(q, a.resolver, port=a.port, timeout=5)
                break
            except Exception as e:  # timeout, refused
                err = e
        if r is None:
            bad.append("%s %s: %s" % (name, typ, type(err).__name__))
            continue
        lat.append((time.monotonic() - t0) * 1000.0)
        rc = dns.rcode.to_text(r.rcode())
        why = []
        if rc != want:
            why.append("rcode " + rc)
        if not r.flags & dns.flags.AD:
            why.append("no AD")
        if want == "NOERROR" and not r.answer:
            why.append("no answer")
        if why:
            bad.append("%s %s: %s" % (name, typ, ", ".join(why)))
    print("%s: %d queries, %d right, p50 %.2f ms p99 %.2f ms max %.2f ms"
          % (a.label, i, i - len(bad), pct(lat, 50), pct(lat, 99),
             max(lat) if lat else float("nan")))
    for b in bad[:20]:
        print("%s: WRONG %s" % (a.label, b))
    return 1 if bad else 0


class Proto(asyncio.DatagramProtocol):
    def __init__(self, fl):
        self.fl = fl

    def datagram_received(self, data, addr):
        self.fl.received(data)


class Flood:
    def __init__(self):
        self.pending = {}
        self.rcodes = {}
        self.sent = self.answered = 0
        self.lat = []
        self.ede = {}

    def received(self, data):
        if len(data) < 12:
            return
        key = (int.from_bytes(data[:2], "big"))
        ent = self.pending.pop(key, None)
        if ent is None:
            return
        t0, kind = ent
        self.answered += 1
        self.lat.append((time.monotonic() - t0) * 1000.0)
        rc = kind + ":" + dns.rcode.to_text(data[3] & 0x0F)
        self.rcodes[rc] = self.rcodes.get(rc, 0) + 1
        if rc.endswith("SERVFAIL") and kind not in self.ede:
            try:  # the first EDE of each target's SERVFAILs, for the report
                m = dns.message.from_wire(data)
                self.ede[kind] = "; ".join("EDE %d %s" % (o.code, o.text or "")
                                           for o in m.options if o.otype == 15) or "no EDE"
            except Exception as e:
                self.ede[kind] = type(e).__name__


async def flood(a):
    loop = asyncio.get_running_loop()
    fl = Flood()
    socks = []
    for _ in range(8):
        tr, _ = await loop.create_datagram_endpoint(
            lambda: Proto(fl), remote_addr=(a.resolver, a.port), family=socket.AF_INET)
        socks.append(tr)
    t_start = time.monotonic()
    end = t_start + a.seconds
    tick = 0.005
    per_tick = max(1, int(a.rate * tick))
    qid = 0
    while time.monotonic() < end:
        t_tick = time.monotonic()
        for _ in range(per_tick):
            qid = (qid + 1) & 0xFFFF
            if qid in fl.pending:  # wrapped onto an unanswered query
                del fl.pending[qid]
            if fl.sent % 2 == 0:
                kind, name = "keytrap", rlabel() + ".keytrap.test."
            else:
                kind = "nsec3flood"
                name = ".".join(rlabel(3) for _ in range(30)) + ".nsec3flood.mail."
            q = dns.message.make_query(name, "A", want_dnssec=True)
            q.id = qid
            socks[fl.sent % len(socks)].sendto(q.to_wire())
            fl.pending[qid] = (time.monotonic(), kind)
            fl.sent += 1
        await asyncio.sleep(max(0.0, tick - (time.monotonic() - t_tick)))
    dur = time.monotonic() - t_start
    await asyncio.sleep(2)
    for tr in socks:
        tr.close()
    rc = " ".join("%s=%d" % kv for kv in sorted(fl.rcodes.items()))
    print("attack: sent %d in %.1f s (%.0f/s), answered %d (%.0f/s), unanswered %d, "
          "rcodes %s, answer p50 %.1f ms p99 %.1f ms"
          % (fl.sent, dur, fl.sent / dur, fl.answered, fl.answered / dur,
             fl.sent - fl.answered, rc or "-", pct(fl.lat, 50), pct(fl.lat, 99)))
    for kind, text in sorted(fl.ede.items()):
        print("attack: first %s SERVFAIL: %s" % (kind, text))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["measure", "flood"])
    ap.add_argument("resolver")
    ap.add_argument("port", type=int)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--label", default="client")
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=None)
    a = ap.parse_args()
    if a.mode == "measure":
        a.seconds = a.seconds or 0
        return measure(a)
    a.seconds = a.seconds or 10
    return asyncio.run(flood(a))


if __name__ == "__main__":
    sys.exit(main())
