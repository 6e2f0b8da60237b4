#!/usr/bin/python3
"""hostile.py: hostile upstreams that try to make a query run forever, block
the resolver, or poison it -- and the limits mxsecd must keep against them.

    hostile.py run MXSECD OUTDIR [--only CASE,...] [--limit S]
    hostile.py list

'run' starts the hostile world (127.0.0.50-61, its root on 127.0.0.50),
then mxsecd in recursive mode from its root hints, then mxsecd in forward
mode once per hostile forwarder, and checks every case (CASES, FORWARD).
Run it as root in a private network namespace (hostile.sh does both).

A case passes when every query of it is answered within --limit seconds
(default 14: the engine's 12 s request deadline and a margin) with an
accepted outcome, its servers got at most max_queries queries, no answer
holds a poison address (6.6.6.x) or the liar's address, and the liar
(127.0.0.60) was never asked.  The hostile queries of one phase run all at
once while an ordinary client asks fresh names of a good zone every 50 ms;
every ordinary query must be answered correctly (p50/p99/max reported).

The Kaminsky case sends fresh names under kam., whose server (answering
after 200 ms) first floods forged answers at the query's source port and
at random other ports (random IDs, never the right one; the name in
random 0x20 case), plus forgeries with the right ID but another 0x20 case
or another name.  It reports the forgeries sent, the replies the engine
dropped (STATS upstream_dropped) and the forgeries accepted: answers or
cache entries (mxsecd --dump-cache after the run) with 6.6.6.9 or the
liar.  Acceptances must be 0.
"""
import argparse
import ipaddress
import json
import os
import random
import signal
import socket
import string
import subprocess
import sys
import threading
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import adversary  # noqa: E402

ADVERSARY = os.path.join(HERE, "..", "tools", "adversary.py")
ROOT = "127.0.0.50"
LIAR = "127.0.0.60"
GOOD = "127.0.0.59"
KAM = "127.0.0.58"
KAMF = "127.0.0.61"
LISTEN = ("127.0.0.1", 5354)
CLIENT = "127.0.0.2"     # the test's clients: not where the forgeries go
DEEP_LABELS = 100

# address: (mode, [zones], [extra adversary.py arguments])
SERVERS = {
    "127.0.0.51": ("referral-deep", ["deep."], []),
    "127.0.0.52": ("glueless", ["nxns."], ["--fanout", "10"]),
    "127.0.0.53": ("cname-hop", ["cha."], ["--target", "chb."]),
    "127.0.0.54": ("cname-hop", ["chb."], ["--target", "cha."]),
    "127.0.0.55": ("tc-always", ["tcx."], []),
    "127.0.0.56": ("drip", ["drip."], ["--wildcard"]),
    "127.0.0.57": ("bomb", ["bomb."], ["--wildcard"]),
    KAM:          ("kaminsky", ["kam."], ["--wildcard", "--delay", "200", "--liar", LIAR,
                                          "--forge-count", "500", "--forge-ports", "200",
                                          "--forge-right-id", "20"]),
    GOOD:         ("good", ["ok."], ["--wildcard"]),
    LIAR:         ("liar", [], []),
    # forward mode has no 0x20: a right-ID forgery would be the on-path
    # case, which no resolver can tell; only random IDs here
    KAMF:         ("kaminsky", ["kamf."], ["--wildcard", "--delay", "200", "--liar", LIAR,
                                           "--forge-count", "500", "--forge-ports", "200"]),
}


def rlabel(n=10):
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


class Want:
    def __init__(self, kind, data=None):
        self.kind, self.data = kind, data

    def __repr__(self):
        return self.kind + ("(%d records)" % len(self.data) if self.data else "")


def ok(*data):
    return Want("ok", set(data))


def ok_any():
    return Want("ok", None)


SF = Want("SERVFAIL")
CNAME_ONLY = Want("CNAME-only")
NODATA = Want("NODATA")


class Case:
    def __init__(self, name, what, queries, servers, max_queries=150):
        self.name, self.what, self.queries = name, what, queries
        self.servers, self.max_queries = servers, max_queries


def deep_name():
    return "x." + "a." * DEEP_LABELS + rlabel(6) + ".deep."


def many_addrs():
    return None   # any NOERROR answer (the 4000 records, or fewer)


def cases_recursive():
    www = adversary.genuine_addr
    return [
        Case("referral-deeper", "each referral one label deeper, %d labels deep" % DEEP_LABELS,
             [(deep_name(), "A", [SF])], ["127.0.0.51"]),
        Case("nxns-glueless", "every referral names 10 glueless name servers that need "
             "lookups which get the same referral (nested, NXNS)",
             [("www.nxns.", "A", [SF])], ["127.0.0.52"], max_queries=200),
        Case("cname-hop", "a CNAME chain across two zones without end, one link per answer",
             [("c0.cha.", "A", [SF, CNAME_ONLY])], ["127.0.0.53", "127.0.0.54"]),
        Case("tc-endless", "TC=1 over UDP and over TCP",
             [("www.tcx.", "A", [SF]), ("tcptc.tcx.", "A", [SF])], ["127.0.0.55"]),
        Case("tc-tcp-garbage", "TC=1 over UDP; TCP: garbage, closed, length 0, short",
             [("tcpgarbage.tcx.", "A", [SF]), ("tcpclose.tcx.", "A", [SF]),
              ("tcpzero.tcx.", "A", [SF]), ("tcpshort.tcx.", "A", [SF])], ["127.0.0.55"]),
        Case("tcp-drip", "TC=1 over UDP; TCP answer one octet per second",
             [("drip.drip.", "A", [SF, ok(www("drip."))])], ["127.0.0.56"]),
        Case("tcp-stall", "TC=1 over UDP; TCP: the length octets, then nothing",
             [("stall.drip.", "A", [SF])], ["127.0.0.56"]),
        Case("tcp-half", "TC=1 over UDP; TCP: the length and half the message, then nothing",
             [("half.drip.", "A", [SF])], ["127.0.0.56"]),
        Case("bomb-ptrchain", "a 126-link compression pointer chain: names over 255 octets",
             [("ptrchain.bomb.", "A", [SF])], ["127.0.0.57"]),
        Case("bomb-ptrdeep", "2000 records each 116 compression pointers deep",
             [("ptrdeep.bomb.", "A", [SF, NODATA])], ["127.0.0.57"]),
        Case("bomb-ptrloop", "two names pointing into each other",
             [("ptrloop.bomb.", "A", [SF])], ["127.0.0.57"]),
        Case("bomb-ptrfwd", "a forward pointer into rdata that points back",
             [("ptrfwd.bomb.", "A", [SF])], ["127.0.0.57"]),
        Case("bomb-fanout", "3000 records owned by pointers to one 250-octet name",
             [("fanout.bomb.", "A", [SF, NODATA])], ["127.0.0.57"]),
        Case("bomb-many", "4000 A records for the name (64 KB)",
             [("many.bomb.", "A", [SF, ok_any()])], ["127.0.0.57"]),
        Case("bomb-rrsets", "the answer and 2500 additional records of other names",
             [("rrsets.bomb.", "A", [SF, ok(www("bomb."))])], ["127.0.0.57"]),
        Case("bomb-cnames", "a 2000-link CNAME chain in one answer",
             [("cnames.bomb.", "A", [SF, CNAME_ONLY])], ["127.0.0.57"]),
    ]


FORWARD = [
    # (forwarder, zone for the ordinary client or None, cases)
    ("127.0.0.56", "drip.", lambda: [
        Case("fwd-tcp-drip", "forward: TCP answer one octet per second",
             [("drip.drip.", "A", [SF, ok(adversary.genuine_addr("drip."))])], ["127.0.0.56"]),
        Case("fwd-tcp-stall", "forward: TCP stalls after the length",
             [("stall.drip.", "A", [SF])], ["127.0.0.56"]),
        Case("fwd-tcp-half", "forward: TCP stalls mid-message",
             [("half.drip.", "A", [SF])], ["127.0.0.56"])]),
    ("127.0.0.55", None, lambda: [
        Case("fwd-tc-endless", "forward: TC=1 over UDP and TCP, garbage, closes",
             [("www.tcx.", "A", [SF]), ("tcpgarbage.tcx.", "A", [SF]),
              ("tcpclose.tcx.", "A", [SF]), ("tcpzero.tcx.", "A", [SF]),
              ("tcpshort.tcx.", "A", [SF])], ["127.0.0.55"])]),
    ("127.0.0.57", "bomb.", lambda: [
        Case("fwd-bombs", "forward: every compression bomb",
             [("ptrchain.bomb.", "A", [SF]), ("ptrdeep.bomb.", "A", [SF, NODATA]),
              ("ptrloop.bomb.", "A", [SF]),
              ("ptrfwd.bomb.", "A", [SF]), ("fanout.bomb.", "A", [SF, NODATA]),
              ("many.bomb.", "A", [SF, ok_any()]),
              ("rrsets.bomb.", "A", [SF, ok(adversary.genuine_addr("bomb."))]),
              ("cnames.bomb.", "A", [SF, CNAME_ONLY])], ["127.0.0.57"])]),
]


# ------------------------------------------------------------------ world
def zone_servers():
    out = {}
    for addr in sorted(SERVERS, key=ipaddress.ip_address):
        for z in SERVERS[addr][1]:
            out.setdefault(z, []).append(addr)
    return out


def root_zone_text():
    lines = ["$ORIGIN .", "$TTL 86400",
             ". SOA ns.root-servers.hostile. hostmaster. 1 3600 600 86400 300",
             ". NS ns.root-servers.hostile.",
             "ns.root-servers.hostile. A %s" % ROOT]
    for z, addrs in sorted(zone_servers().items()):
        for i, a in enumerate(addrs, 1):
            lines.append("%s NS ns%d.%s" % (z, i, z))
            lines.append("ns%d.%s A %s" % (i, z, a))
    return "\n".join(lines) + "\n"


def stop_world(d):
    run = os.path.join(d, "run")
    pids = []
    if os.path.isdir(run):
        for f in os.listdir(run):
            if f.endswith(".pid"):
                try:
                    pid = int(open(os.path.join(run, f)).read().split()[0])
                    os.kill(pid, signal.SIGTERM)
                    pids.append(pid)
                except (OSError, ValueError, IndexError):
                    pass
    for _ in range(30):
        pids = [p for p in pids if os.path.exists("/proc/%d" % p)]
        if not pids:
            break
        time.sleep(0.1)
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def start_world(d):
    for sub in ("run", "log", "zones"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    with open(os.path.join(d, "zones", "root.zone"), "w") as f:
        f.write(root_zone_text())
    with open(os.path.join(d, "root.hints"), "w") as f:
        f.write(". 3600000 NS ns.root-servers.hostile.\n"
                "ns.root-servers.hostile. 3600000 A %s\n" % ROOT)
    zs = zone_servers()
    todo = {ROOT: ("good", [".=" + os.path.join(d, "zones", "root.zone")], [])}
    todo.update(SERVERS)
    procs = {}
    for addr, (mode, zones, extra) in todo.items():
        argv = [sys.executable, ADVERSARY, "--addr", addr, "--mode", mode,
                "--pidfile", os.path.join(d, "run", addr + ".pid"),
                "--log", os.path.join(d, "log", addr + ".log"),
                "--stats", os.path.join(d, "log", addr + ".stats")]
        for z in zones:
            argv += ["--zone", z]
            for i, a in enumerate(zs.get(z, []), 1):
                argv += ["--ns", "ns%d.%s=%s" % (i, z, a)]
        argv += extra
        for ext in (".log", ".stats"):
            open(os.path.join(d, "log", addr + ext), "w").close()
        errf = open(os.path.join(d, "log", addr + ".err"), "w")
        procs[addr] = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=errf,
                                       stderr=errf, start_new_session=True)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 15:
        missing = [a for a in procs if not os.path.exists(os.path.join(d, "run", a + ".pid"))]
        dead = [a for a in procs if procs[a].poll() is not None]
        if dead or not missing:
            break
        time.sleep(0.05)
    if dead or missing:
        for a in dead or missing:
            print("hostile: server %s did not start: %s" % (
                a, open(os.path.join(d, "log", a + ".err")).read().strip()[-400:]))
        stop_world(d)
        return False
    return True


def log_counts(d):
    out = {}
    for f in os.listdir(os.path.join(d, "log")):
        if f.endswith(".log"):
            n = 0
            for line in open(os.path.join(d, "log", f)):
                p = line.split()
                if len(p) > 1 and p[1] in ("udp", "tcp"):
                    n += 1
            out[f[:-4]] = n
    return out


# --------------------------------------------------------------- mxsecd
class Daemon:
    def __init__(self, mxsecd, d, name, mode, arg):
        self.dir = os.path.join(d, name)
        os.makedirs(os.path.join(self.dir, "cache"), exist_ok=True)
        self.conf = os.path.join(self.dir, "mxsecd.conf")
        self.sock = os.path.join(self.dir, "mxsecd.sock")
        self.log = os.path.join(self.dir, "log")
        with open(self.conf, "w") as f:
            f.write("# rendered by tests/resolve/hostile.py\nmode %s\n" % mode)
            f.write(("forward %s\n" % arg) if mode == "forward" else ("root-hints %s\n" % arg))
            f.write("listen-dns %s@%d\napi-socket %s\ncache-dir %s/cache\n"
                    "query-loopback yes\ndomain-insecure .\n" % (LISTEN[0], LISTEN[1],
                                                                self.sock, self.dir))
        self.mxsecd = mxsecd
        self.p = subprocess.Popen([mxsecd, "-f", "-c", self.conf], cwd=self.dir,
                                  stdin=subprocess.DEVNULL, stdout=open(self.log, "w"),
                                  stderr=subprocess.STDOUT)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 20:
            if self.p.poll() is not None:
                raise RuntimeError("mxsecd exited at start-up: " + self.tail())
            if os.path.exists(self.sock) and self.stats() is not None:
                return
            time.sleep(0.1)
        raise RuntimeError("mxsecd does not start: " + self.tail())

    def tail(self):
        try:
            return open(self.log).read()[-1500:]
        except OSError:
            return ""

    def stats(self):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(3)
            s.connect(self.sock)
            s.sendall(b"STATS\n")
            buf = b""
            while not buf.endswith(b"\n"):
                b = s.recv(65536)
                if not b:
                    break
                buf += b
            s.close()
            return json.loads(buf)
        except (OSError, ValueError):
            return None

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        """SIGTERM; returns the problems (exit status, sanitizer reports)."""
        probs = []
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                probs.append("still running 15 s after SIGTERM")
        if self.p.returncode != 0:
            probs.append("exit status %s" % self.p.returncode)
        text = self.tail() if not probs else open(self.log).read()
        for bad in ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer"):
            if bad in open(self.log).read():
                probs.append("sanitizer report in %s" % self.log)
                break
        if probs:
            print(text[-1500:])
        return probs

    def dump_cache(self):
        r = subprocess.run([self.mxsecd, "--dump-cache", "-c", self.conf], cwd=self.dir,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        return r.returncode, r.stdout.decode("utf-8", "replace")


# ----------------------------------------------------------------- client
def ask(qname, qtype, timeout):
    q = dns.message.make_query(qname, qtype, use_edns=0, payload=1232)
    q.flags |= dns.flags.CD
    r, _ = dns.query.udp_with_fallback(q, LISTEN[0], timeout=timeout, port=LISTEN[1],
                                       source=CLIENT, ignore_unexpected=True)
    return r


def outcome(qname, rdtype, r):
    rc = r.rcode()
    if rc != dns.rcode.NOERROR:
        return dns.rcode.to_text(rc), None
    name = dns.name.from_text(qname)
    seen, final = set(), None
    while name not in seen:
        seen.add(name)
        nxt = None
        for rs in r.answer:
            if rs.name == name and rs.rdtype == rdtype:
                final = rs
            if rs.name == name and rs.rdtype == dns.rdatatype.CNAME:
                nxt = rs[0].target
        if final is not None or nxt is None:
            break
        name = nxt
    if final is not None:
        return "ok", {rd.to_text() for rd in final}
    if any(rs.rdtype == dns.rdatatype.CNAME for rs in r.answer):
        return "CNAME-only", None
    return "NODATA", None


def matches(kind, data, w):
    return w.kind == kind and (w.kind != "ok" or w.data is None or w.data == data)


def poisoned(r):
    bad = []
    for sec in (r.answer, r.authority, r.additional):
        for rs in sec:
            for rd in rs:
                t = rd.to_text()
                if (rs.rdtype == dns.rdatatype.A and (t.startswith("6.6.6.") or t == LIAR)) or \
                        (rs.rdtype == dns.rdatatype.NS and "evil" in t):
                    bad.append("%s %s %s" % (rs.name, dns.rdatatype.to_text(rs.rdtype), t))
    return bad


def ede_text(r):
    try:
        return "; ".join("EDE %d%s" % (o.code, " " + o.text if o.text else "")
                         for o in r.options if isinstance(o, dns.edns.EDEOption))
    except Exception:
        return ""


class Ordinary(threading.Thread):
    """Fresh names of a good zone, every 50 ms, each answered or failed."""
    def __init__(self, zone):
        super().__init__(daemon=True)
        self.zone = zone
        self.want = adversary.genuine_addr(zone)
        self.lat, self.bad = [], []
        self.halt = threading.Event()
        self.inflight = []

    def one(self):
        name = "o%s.%s" % (rlabel(8), self.zone)
        t0 = time.monotonic()
        try:
            r = ask(name, "A", 5)
            kind, data = outcome(name, dns.rdatatype.A, r)
            if kind != "ok" or data != {self.want} or poisoned(r):
                self.bad.append("%s: %s %s" % (name, kind, data))
            else:
                self.lat.append(time.monotonic() - t0)
        except Exception as e:
            self.bad.append("%s: no answer in 5 s (%s)" % (name, type(e).__name__))

    def run(self):
        while not self.halt.is_set():
            t = threading.Thread(target=self.one, daemon=True)
            t.start()
            self.inflight.append(t)
            self.halt.wait(0.05)

    def finish(self):
        self.halt.set()
        self.join()
        for t in self.inflight:
            t.join(7)

    def summary(self):
        v = sorted(self.lat)

        def pct(p):
            return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] * 1000 if v else float("nan")
        return "ordinary client (%s): %d sent, %d answered right, p50 %.1f ms p99 %.1f ms " \
            "max %.1f ms" % (self.zone, len(v) + len(self.bad), len(v), pct(50), pct(99), pct(100))


def run_case(c, limit, out):
    res = {"fails": [], "info": []}
    for qname, qtype, wants in c.queries:
        rdtype = dns.rdatatype.from_text(qtype)
        t0 = time.monotonic()
        try:
            r = ask(qname, qtype, limit + 5)
        except Exception as e:
            res["fails"].append("%s %s: no answer after %.1f s (%s)" % (
                qname[:40], qtype, time.monotonic() - t0, type(e).__name__))
            continue
        dt = time.monotonic() - t0
        kind, data = outcome(qname, rdtype, r)
        shown = kind + (" (%d records)" % len(data) if data and len(data) > 3 else
                        " " + ",".join(sorted(data)) if data else "")
        ede = ede_text(r)
        res["info"].append("%s %s -> %s in %.2f s%s" % (
            qname if len(qname) < 50 else qname[:20] + "..." + qname[-24:], qtype, shown, dt,
            " [%s]" % ede if ede else ""))
        if dt > limit:
            res["fails"].append("%s %s: took %.1f s (limit %.0f s)" % (qname[:40], qtype, dt, limit))
        if not any(matches(kind, data, w) for w in wants):
            res["fails"].append("%s %s: got %s, want %s" % (qname[:40], qtype, shown,
                                                             " or ".join(map(repr, wants))))
        if kind == "SERVFAIL" and not ede:
            res["info"].append("(SERVFAIL without an EDE)")
        bad = poisoned(r)
        if bad:
            res["fails"].append("%s: POISONED: %s" % (qname, "; ".join(bad)))
    out[c.name] = res


def phase(d, daemon, cases, ordinary_zone, limit):
    """Runs cases at once; returns the number of failures."""
    before = log_counts(d)
    ordinary = Ordinary(ordinary_zone) if ordinary_zone else None
    if ordinary:
        ordinary.start()
        time.sleep(0.3)
    out = {}
    threads = [threading.Thread(target=run_case, args=(c, limit, out)) for c in cases]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    if ordinary:
        time.sleep(0.3)
        ordinary.finish()
    after = log_counts(d)
    nfail = 0
    for c in cases:
        res = out[c.name]
        n = sum(after.get(a, 0) - before.get(a, 0) for a in c.servers)
        res["info"].append("queries to %s: %d" % (", ".join(c.servers), n))
        if n > c.max_queries:
            res["fails"].append("%d queries to its servers (limit %d)" % (n, c.max_queries))
    liar = after.get(LIAR, 0) - before.get(LIAR, 0)
    alive = daemon.alive()
    for c in cases:
        res = out[c.name]
        if liar:
            res["fails"].append("the liar was asked %d times" % liar)
        if not alive:
            res["fails"].append("mxsecd died")
        st = "FAIL" if res["fails"] else "PASS"
        nfail += bool(res["fails"])
        print("%s hostile %s: %s" % (st, c.name, c.what))
        for f in res["fails"]:
            print("      FAIL %s" % f)
        for i in res["info"]:
            print("      %s" % i)
    print("      (%d cases at once in %.1f s)" % (len(cases), wall))
    if ordinary:
        ok_ = not ordinary.bad and ordinary.lat
        nfail += not ok_
        print("%s hostile ordinary-queries-answered: %s" % ("PASS" if ok_ else "FAIL",
                                                            ordinary.summary()))
        for b in ordinary.bad[:5]:
            print("      FAIL %s" % b)
    sys.stdout.flush()
    return nfail


def kaminsky(d, daemon, zone, addr, nq, label):
    """Fresh names under zone, nq of them, 4 at a time, while addr floods
    forgeries; then www.ZONE.  Returns (failures, forgeries sent)."""
    stats0 = daemon.stats() or {}
    statsf = os.path.join(d, "log", addr + ".stats")
    lines0 = len(open(statsf).readlines())
    before = log_counts(d)
    names = ["r%s.%s" % (rlabel(10), zone) for _ in range(nq)] + ["www." + zone]
    fails, lat, lock = [], [], threading.Lock()
    want = adversary.genuine_addr(zone)

    def worker(ns):
        for n in ns:
            t0 = time.monotonic()
            try:
                r = ask(n, "A", 10)
            except Exception as e:
                with lock:
                    fails.append("%s: no answer (%s)" % (n, type(e).__name__))
                continue
            dt = time.monotonic() - t0
            kind, data = outcome(n, dns.rdatatype.A, r)
            bad = poisoned(r)
            with lock:
                lat.append(dt)
                if bad:
                    fails.append("%s: POISONED: %s" % (n, "; ".join(bad)))
                elif kind != "ok" or data != {want}:
                    fails.append("%s: got %s %s" % (n, kind, data))
    t0 = time.monotonic()
    ths = [threading.Thread(target=worker, args=(names[i:-1:4],)) for i in range(4)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    worker([names[-1]])        # www.ZONE last: from the cache, or asked again
    wall = time.monotonic() - t0
    sent = [0, 0, 0]
    for line in open(statsf).readlines()[lines0:]:
        p = line.split()
        for i, k in enumerate(("sent-to-port", "other-ports", "right-id")):
            if k in p:
                sent[i] += int(p[p.index(k) + 1])
    stats1 = daemon.stats() or {}
    dropped = stats1.get("queries", {}).get("upstream_dropped", 0) - \
        stats0.get("queries", {}).get("upstream_dropped", 0)
    after = log_counts(d)
    liar = after.get(LIAR, 0) - before.get(LIAR, 0)
    if liar:
        fails.append("the liar was asked %d times" % liar)
    # queries in plain lower case: the engine's one-off 0x20 fallback after
    # a timeout with replies in the wrong case (or forward mode: no 0x20)
    plain = 0
    for line in open(os.path.join(d, "log", addr + ".log")).readlines()[before.get(addr, 0):]:
        p = line.split()
        if len(p) > 3 and p[3].startswith("r") and p[3] == p[3].lower():
            plain += 1
    if sum(sent) == 0:
        fails.append("no forgery was sent")
    if not daemon.alive():
        fails.append("mxsecd died")
    v = sorted(lat)
    print("%s hostile %s: Kaminsky race, %d fresh names then www.%s, server answers after "
          "200 ms" % ("FAIL" if fails else "PASS", label, nq, zone))
    for f in fails[:10]:
        print("      FAIL %s" % f)
    print("      forgeries sent: %d to the query's port (random ID), %d to other ports, "
          "%d right ID with wrong 0x20 case or wrong name; %d in all" % (
              sent[0], sent[1], sent[2], sum(sent)))
    print("      replies the engine dropped: %d; poisoned answers: %d; liar queries: %d; "
          "queries in plain case: %d" % (dropped, sum(1 for f in fails if "POISONED" in f),
                                         liar, plain))
    if v:
        print("      %d answers, p50 %.0f ms, max %.0f ms, %.1f s in all" % (
            len(v), v[len(v) // 2] * 1000, v[-1] * 1000, wall))
    sys.stdout.flush()
    return len(fails) > 0, sum(sent)


def check_cache(daemon, label):
    rc, text = daemon.dump_cache()
    bad = [ln for ln in text.splitlines()
           if "6.6.6." in ln or LIAR in ln or "ns.evil" in ln]
    st = "PASS" if rc == 0 and not bad else "FAIL"
    print("%s hostile %s-cache-clean: no forged record in the cache after the run "
          "(%d lines dumped, %d forged)" % (st, label, len(text.splitlines()), len(bad)))
    for b in bad[:5]:
        print("      FAIL %s" % b)
    if rc != 0:
        print("      FAIL --dump-cache exit %d: %s" % (rc, text[-300:]))
    return st == "FAIL"


def run(a):
    d = os.path.abspath(a.outdir)
    os.makedirs(d, exist_ok=True)
    only = set(a.only.split(",")) if a.only else None
    stop_world(d)
    if not start_world(d):
        print("FAIL hostile world: servers start")
        return 1
    nfail, forged = 0, 0
    t_all = time.monotonic()
    try:
        # ---------------------------------------------------- recursive
        dm = Daemon(a.mxsecd, d, "recursive", "recursive", os.path.join(d, "root.hints"))
        ask("www.ok.", "A", 5)          # prime the root
        cs = [c for c in cases_recursive() if not only or c.name in only]
        if cs:
            nfail += phase(d, dm, cs, "ok.", a.limit)
        if not only or "kaminsky" in only:
            f, n = kaminsky(d, dm, "kam.", KAM, a.kaminsky, "kaminsky")
            nfail += f
            forged += n
        probs = dm.stop()
        print("%s hostile recursive-exit: mxsecd exits 0 on SIGTERM, no sanitizer report%s" % (
            "FAIL" if probs else "PASS", " (%s)" % "; ".join(probs) if probs else ""))
        nfail += bool(probs)
        if not only or "kaminsky" in only:
            nfail += check_cache(dm, "kaminsky")
        # ------------------------------------------------------ forward
        fw = [(addr, z, mk()) for addr, z, mk in FORWARD]
        if not only or "fwd-kaminsky" in only:
            fw.append((KAMF, None, []))
        for addr, zone, cases in fw:
            cases = [c for c in cases if not only or c.name in only]
            if not cases and addr != KAMF:
                continue
            dm = Daemon(a.mxsecd, d, "forward-" + addr, "forward", addr)
            if cases:
                nfail += phase(d, dm, cases, zone, a.limit)
            if addr == KAMF:
                f, n = kaminsky(d, dm, "kamf.", KAMF, a.kaminsky, "fwd-kaminsky")
                nfail += f
                forged += n
            probs = dm.stop()
            print("%s hostile forward-%s-exit: mxsecd exits 0 on SIGTERM%s" % (
                "FAIL" if probs else "PASS", addr, " (%s)" % "; ".join(probs) if probs else ""))
            nfail += bool(probs)
            if addr == KAMF:
                nfail += check_cache(dm, "fwd-kaminsky")
    except RuntimeError as e:
        print("FAIL hostile: %s" % e)
        nfail += 1
    finally:
        stop_world(d)
    print("hostile: %d failed; %d forgeries sent, 0 accepted unless a FAIL says POISONED; "
          "%.1f s" % (nfail, forged, time.monotonic() - t_all))
    return 1 if nfail else 0


def main():
    p = argparse.ArgumentParser(description="hostile upstreams against mxsecd")
    p.add_argument("cmd", choices=("run", "list"))
    p.add_argument("mxsecd", nargs="?")
    p.add_argument("outdir", nargs="?")
    p.add_argument("--only", help="comma-separated case names")
    p.add_argument("--limit", type=float, default=14.0, help="seconds per query")
    p.add_argument("--kaminsky", type=int, default=40, help="fresh names in the Kaminsky race")
    a = p.parse_args()
    if a.cmd == "list":
        for c in cases_recursive():
            print("%-18s %s" % (c.name, c.what))
        for _, _, mk in FORWARD:
            for c in mk():
                print("%-18s %s" % (c.name, c.what))
        print("%-18s %s" % ("kaminsky", "Kaminsky race, recursive mode"))
        print("%-18s %s" % ("fwd-kaminsky", "Kaminsky race, forward mode"))
        return 0
    if not a.mxsecd or not a.outdir:
        p.error("MXSECD and OUTDIR needed")
    a.mxsecd = os.path.abspath(a.mxsecd)
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
