#!/usr/bin/env bash
# The socket API (doc/protocol.md) over the signed test world, recursive
# and forward mode:
#   - every JSON example of doc/protocol.md whose question is in the world
#     is asked, and the stable fields compared (ttl values, reason wording
#     and placeholders ending in "..." are not);
#   - the DANE verdict of every mail domain of cases.conf, and record
#     replies (TLSA shorthand, QUERY, CNAME chains, names with and without
#     the dot, in any case);
#   - robustness: 1000 lines of garbage and a 100 KB line, then PING;
#     2000 pipelined requests answered in order; 1000 idle connections
#     while a client still gets answers quickly; mxsecd's RSS stays within
#     RSS_GROWTH_KB of what it was after warm-up.
#   api.sh MXSECD OUTDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mxsecd-lib.sh
. "$here/mxsecd-lib.sh"
[ $# -eq 2 ] || { echo "usage: $0 MXSECD OUTDIR" >&2; exit 2; }
mxsecd=$1
out=$2
doc=$here/../../doc/protocol.md
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || { echo "needs root (binds 127.0.0.x:53)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed"; exit 77; }
# RSS growth allowed over the robustness tests (KiB): 16 MiB (a normal
# build grows about 1.2 MiB), 96 MiB under ASan (its quarantine alone
# keeps about 45 MiB of freed memory).
export RSS_GROWTH_KB=16384
grep -q __asan_init "$mxsecd" 2>/dev/null && RSS_GROWTH_KB=98304
port=5396
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	"$here/world.sh" stop-unbound "$out" >/dev/null 2>&1
	"$here/world.sh" stop "$out" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
"$here/world.sh" start "$out" >/dev/null || exit 1
"$here/world.sh" start-unbound "$out" >/dev/null || exit 1

cat >"$tmp/check.py" <<'PY'
import json, os, random, re, resource, socket, sys, threading, time

sock_path, mode, doc_path, cases_path, pid = sys.argv[1:6]
passes = fails = 0
notes = []

def ok(cond, what):
    global passes, fails
    if cond:
        passes += 1
    else:
        fails += 1
        print(f"FAIL {mode}: {what}", flush=True)
    return cond

class Client:
    def __init__(self, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(sock_path)
        self.buf = b""
    def send(self, data):
        self.s.sendall(data if isinstance(data, bytes) else data.encode())
    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(1 << 16)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        l, self.buf = self.buf.split(b"\n", 1)
        return l
    def ask(self, req):
        self.send(req + "\n")
        raw = self.line()
        return json.loads(raw)
    def close(self):
        self.s.close()

c = Client()

def ask(req):
    try:
        return c.ask(req)
    except Exception as e:
        ok(False, f"{req}: {e}")
        return {}

# ---- world questions (cases.txt) ----
world = set()
for l in open(cases_path):
    if l.startswith("#") or not l.strip():
        continue
    f = l.split()
    world.add((f[0].lower(), f[1].upper()))

# ---- doc/protocol.md examples ----
def same(want, got, path, diffs):
    """want from the doc: ttl values, reason wording and "..."
    placeholders are not compared."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            diffs.append(f"{path}: {got!r} is not an object")
            return
        for k, v in want.items():
            if k in ("ttl", "reason", "version"):
                if k not in got:
                    diffs.append(f"{path}.{k}: missing")
                continue
            if k not in got:
                diffs.append(f"{path}.{k}: missing")
                continue
            same(v, got[k], f"{path}.{k}", diffs)
        for k in got:
            if k not in want and k not in ("ttl",):
                diffs.append(f"{path}.{k}: in the reply, not in the example ({json.dumps(got[k])[:60]})")
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            diffs.append(f"{path}: {json.dumps(got)[:120]} != {json.dumps(want)[:120]}")
            return
        if path.endswith(".addresses"):
            want, got = sorted(want), sorted(got)
        for i, (w, g) in enumerate(zip(want, got)):
            same(w, g, f"{path}[{i}]", diffs)
    elif isinstance(want, str) and want.endswith("..."):
        # A placeholder: only its kind is compared.
        if not isinstance(got, str):
            diffs.append(f"{path}: {got!r}")
        elif not got.startswith(want[:-3]):
            notes.append(f"doc placeholder {path} {want!r} (world: {got[:24]}...)")
    elif want != got:
        diffs.append(f"{path}: {got!r}, the example says {want!r}")

text = open(doc_path).read()
examples = re.findall(r"```json\n(.*?)```", text, re.S)
nex = nasked = 0
for ex in examples:
    nex += 1
    try:
        want = json.loads(ex)
    except ValueError as e:
        ok(False, f"doc example is not JSON ({e}): {ex[:60]}")
        continue
    if "pong" in want:
        req, q = "PING", None
    elif want.get("error") == "bad-request":
        m = re.search(r"'(\w+)'", want.get("reason", ""))
        req, q = (m.group(1) if m else "FOO") + " bar", None
    elif "txt_status" in want or "reply" in want:
        # STS and POLICY need the policy service's HTTPS world (sts.sh).
        notes.append(f"doc example STS/POLICY {want.get('domain')}: not checked here")
        continue
    elif "service" in want:
        req = f"SRV {want['service']}"
        q = (want["service"].lower(), "SRV")
    elif "rua" in want or ("name" in want and "result" in want):
        req = "TLSRPT " + want["name"].lower().removeprefix("_smtp._tls.")
        q = (want["name"].lower(), "TXT")
    elif "domain" in want:
        req = f"DANE {want['domain']} {want.get('port', 25)}"
        q = (want["domain"].lower(), "MX")
    elif "name" in want and "type" in want:
        req = f"QUERY {want['type']} {want['name']}"
        q = (want["name"].lower(), want["type"])
    else:
        notes.append(f"doc example not recognised: {ex[:60]}")
        continue
    if q is not None and q not in world:
        notes.append(f"doc example {q[0]} {q[1]} is not in the world: not checked")
        continue
    got = ask(req)
    diffs = []
    same(want, got, "", diffs)
    nasked += 1
    ok(not diffs, f"doc example '{req}': " + "; ".join(diffs))
    if "reason" in want and "reason" in got and want["reason"] != got["reason"]:
        if not want["reason"].endswith("..."):
            notes.append(f"doc example '{req}' reason {want['reason']!r}, mxsecd says {got['reason']!r}")
print(f"{mode}: {nex} doc examples, {nasked} asked", flush=True)

# ---- DANE verdicts ----
def host_checks(r, i, **want):
    h = r.get("hosts", [{}] * (i + 1))
    if not ok(len(h) > i, f"{r.get('domain')}: no host {i}"):
        return
    h = h[i]
    for k, v in want.items():
        if k == "ntlsa":
            ok(len(h.get("tlsa", [])) == v, f"{r['domain']} host {i}: {len(h.get('tlsa', []))} TLSA, want {v}")
        elif k == "usable":
            ok([t["usable"] for t in h.get("tlsa", [])] == v, f"{r['domain']} host {i}: usable {[t['usable'] for t in h.get('tlsa', [])]}")
        else:
            ok(h.get(k) == v, f"{r['domain']} host {i} {k}: {h.get(k)!r}, want {v!r}")
    # Common sense for every host.
    ok(h.get("verdict") in ("dane", "encrypt", "may", "defer"), f"{r['domain']}: verdict {h.get('verdict')}")
    ok(isinstance(h.get("reason"), str) and h["reason"], f"{r['domain']}: no reason")
    if h.get("verdict") in ("dane", "encrypt"):
        ok(h.get("tlsa_status") == "secure" and h.get("address_status") == "secure",
           f"{r['domain']}: {h.get('verdict')} without secure TLSA and addresses")

def dane(domain, result="ok", mx_status="secure", nhosts=None, ede=None, port=None):
    r = ask(f"DANE {domain}" + (f" {port}" if port else ""))
    ok(r.get("ok") is True, f"DANE {domain}: {r}")
    ok(r.get("result") == result, f"DANE {domain}: result {r.get('result')}, want {result} ({r.get('reason')})")
    if mx_status:
        ok(r.get("mx_status") == mx_status, f"DANE {domain}: mx_status {r.get('mx_status')}, want {mx_status}")
    if nhosts is not None:
        ok(len(r.get("hosts", [])) == nhosts, f"DANE {domain}: {len(r.get('hosts', []))} hosts, want {nhosts}")
    if ede is not None:
        ok(r.get("ede") in ede, f"DANE {domain}: ede {r.get('ede')}, want {ede}")
    if result == "defer":
        ok(r.get("hosts") == [] and "reason" in r, f"DANE {domain}: defer with hosts or no reason")
    return r

ndane = 0
def D(*a, **k):
    global ndane
    ndane += 1
    return dane(*a, **k)

r = D("dane-ee.test", nhosts=1)
host_checks(r, 0, name="mx.dane-ee.test.", preference=10, implicit=False, insecure_mx=False,
            canonical="mx.dane-ee.test.", cname=[], address_status="secure",
            tlsa_base="mx.dane-ee.test.", tlsa_name="_25._tcp.mx.dane-ee.test.",
            tlsa_status="secure", tlsa_rcode="NOERROR", ntlsa=1, usable=[True], verdict="dane")
ok(sorted(r["hosts"][0].get("addresses", [])) == ["127.0.2.1", "fd00::2:1"], f"dane-ee addresses {r['hosts'][0].get('addresses')}")
t = r["hosts"][0]["tlsa"][0]
ok((t["usage"], t["selector"], t["matching_type"]) == (3, 1, 1) and re.fullmatch(r"[0-9A-F]{64}", t["data"])
   and t["rdata"] == f"3 1 1 {t['data']}", f"dane-ee TLSA {t}")
r = D("dane-ta.test", nhosts=1)
host_checks(r, 0, name="mx.dane-ta.test.", verdict="dane", ntlsa=1, usable=[True])
ok(r["hosts"][0]["tlsa"][0]["usage"] == 2, "dane-ta usage 2")
r = D("dane-bad.test", nhosts=1)
host_checks(r, 0, verdict="dane", ntlsa=1)
r = D("dane-pkix.test", nhosts=1)
host_checks(r, 0, verdict="encrypt", ntlsa=2, usable=[False, False])
r = D("dane-big.test", nhosts=1)
host_checks(r, 0, verdict="dane", ntlsa=21, tlsa_status="secure")
r = D("bogus-tlsa.test", nhosts=1)
host_checks(r, 0, verdict="defer", tlsa_status="bogus", tlsa_rcode="SERVFAIL", ntlsa=0, address_status="secure")
for d in ("anything.wild.test", "a.b.c.wild.test"):
    r = D(d, nhosts=1)
    host_checks(r, 0, name="mx.wild.test.", verdict="dane", tlsa_name="_25._tcp.mx.wild.test.")
r = D("anything.wild3.mail", nhosts=1)
host_checks(r, 0, name="mx.wild3.mail.", verdict="dane")
r = D("cname.test", nhosts=1)
host_checks(r, 0, name="mx.cname.test.", canonical="mx.dane-ee.test.",
            cname=[{"name": "mx.cname.test.", "target": "mx.dane-ee.test."}],
            tlsa_base="mx.dane-ee.test.", tlsa_name="_25._tcp.mx.dane-ee.test.", verdict="dane")
# dname.test has no MX; mx.old.dname.test is the implicit MX, through the DNAME.
r = D("mx.old.dname.test", nhosts=1)
host_checks(r, 0, name="mx.old.dname.test.", implicit=True, canonical="mx.dane-ee.test.",
            tlsa_base="mx.dane-ee.test.", verdict="dane")
r = D("dname.test", nhosts=1)
host_checks(r, 0, name="dname.test.", implicit=True, verdict="defer")
r = D("nomx.test", nhosts=1)
host_checks(r, 0, name="nomx.test.", implicit=True, preference=0, addresses=["127.0.2.10"],
            tlsa_status="secure", tlsa_rcode="NXDOMAIN", verdict="may")
D("nullmx.test", result="null-mx", nhosts=0)
for d, h in (("insecure.test", "www.insecure.test."), ("insecure.mail", "www.insecure.mail."),
             ("insecure.alt", "www.insecure.alt.")):
    r = D(d, mx_status="insecure", nhosts=1)
    host_checks(r, 0, name=h, address_status="insecure", verdict="may", insecure_mx=False)
    ok("tlsa_status" not in r["hosts"][0], f"{d}: TLSA looked up for insecure addresses")
for d in ("nx.test", "nothere.dane-ee.test", "nx.mail"):
    r = D(d, result="nxdomain", mx_status="secure", nhosts=0)
    ok(r.get("mx_rcode") == "NXDOMAIN" and "ede" not in r, f"DANE {d}: {r}")
for d, ede in (("expired.test", (7,)), ("notyet.test", (8,)), ("dsmismatch.test", (9,)),
               ("norrsig.test", (10,)), ("wrongsigner.test", (10, 6)), ("parentsig.test", (6,))):
    r = D(d, result="defer", mx_status="bogus", nhosts=0, ede=ede)
    ok(r.get("mx_rcode") == "SERVFAIL", f"DANE {d}: mx_rcode {r.get('mx_rcode')}")
r = D("oob.test", nhosts=1)
host_checks(r, 0, name="mx.oob.test.", verdict="may", tlsa_rcode="NXDOMAIN")
r = D("dane-mix.test", nhosts=4)
host_checks(r, 0, name="alias.dane-mix.test.", preference=10, canonical="nodane.dane-mix.test.",
            tlsa_base="alias.dane-mix.test.", tlsa_name="_25._tcp.alias.dane-mix.test.", verdict="dane")
host_checks(r, 1, name="dane.dane-mix.test.", preference=20, verdict="dane")
host_checks(r, 2, name="insec.dane-mix.test.", preference=20, canonical="www.insecure.test.",
            address_status="insecure", verdict="may")
host_checks(r, 3, name="nodane.dane-mix.test.", preference=30, tlsa_status="secure",
            tlsa_rcode="NXDOMAIN", verdict="may")
r = D("dane-ee.test", port=465, nhosts=1)
ok(r.get("port") == 465, "DANE port 465")
host_checks(r, 0, tlsa_name="_465._tcp.mx.dane-ee.test.", tlsa_rcode="NXDOMAIN", verdict="may")
# Case and the trailing dot.
ref = ask("DANE dane-ee.test")
for form in ("DANE DANE-EE.Test", "dane dane-ee.test.", "Dane Dane-Ee.TEST."):
    r = ask(form)
    ok(r == ref, f"'{form}' differs from 'DANE dane-ee.test'")
print(f"{mode}: {ndane} DANE domains checked", flush=True)

# ---- SRV (RFC 7673) and TLSRPT (RFC 8460) ----
r = ask("SRV _submission._tcp.srv.test")
ok(r.get("result") == "ok" and r.get("service") == "_submission._tcp.srv.test."
   and r.get("domain") == "srv.test." and "port" not in r and r.get("tlsrpt_result") is None,
   f"SRV _submission: {r}")
host_checks(r, 0, name="smtp.srv.test.", priority=0, weight=1, port=587,
            tlsa_name="_587._tcp.smtp.srv.test.", tlsa_status="secure", verdict="dane",
            tlsrpt_result=None)
r = ask("SRV _IMAPS._tcp.SRV.test.")
host_checks(r, 0, name="imap.srv.test.", port=993, tlsa_name="_993._tcp.imap.srv.test.",
            tlsa_rcode="NXDOMAIN", verdict="may", tlsrpt_result=None)
r = ask("SRV _submissions._tcp.srv.test")
ok(r.get("result") == "no-service" and r.get("hosts") == [], f"SRV no-service: {r}")
r = ask("SRV _pop3._tcp.srv.test")
ok(r.get("result") == "nxdomain" and r.get("mx_rcode") == "NXDOMAIN", f"SRV nxdomain: {r}")
r = ask("SRV _submission._tcp.srv-insecure.test")
ok(r.get("mx_status") == "insecure", f"SRV insecure: {r}")
host_checks(r, 0, name="smtp.srv-insecure.test.", port=587, verdict="may")
ok("RFC 7673" in r.get("hosts", [{}])[0].get("reason", "") and "tlsa_name" not in r["hosts"][0],
   f"SRV insecure: {r}")
r = ask("SRV _smtp._tcp.srv.test")
ok(r.get("ok") is False and r.get("error") == "bad-request", f"SRV _smtp: {r}")
r = ask("TLSRPT srv.test")
ok(r.get("result") == "found" and r.get("rua") == ["mailto:tlsrpt@srv.test"]
   and r.get("status") == "secure", f"TLSRPT srv.test: {r}")
r = ask("TLSRPT dane-ee.test")
ok(r.get("result") == "none" and "rua" not in r and r.get("rcode") == "NXDOMAIN", f"TLSRPT none: {r}")
r = ask("TLSRPT expired.test")
ok(r.get("result") == "defer" and r.get("status") == "bogus", f"TLSRPT bogus: {r}")
# TLS-RPT result types in DANE replies.
r = ask("DANE dane-pkix.test")
ok(r.get("hosts", [{}])[0].get("tlsrpt_result") == "tlsa-invalid", f"tlsa-invalid: {r}")
r = ask("DANE dane-mix.test")
ok([h.get("tlsrpt_result") for h in r.get("hosts", [])] == [None, None, "dane-required", "dane-required"],
   f"dane-required: {r}")
r = ask("DANE expired.test")
ok(r.get("tlsrpt_result") == "dnssec-invalid", f"dnssec-invalid: {r}")
r = ask("DANE bogus-tlsa.test")
ok(r.get("hosts", [{}])[0].get("tlsrpt_result") == "dnssec-invalid", f"host dnssec-invalid: {r}")
# Without a policy service in this daemon (or with one): a JSON object.
r = ask("STS srv.test")
ok(isinstance(r, dict) and "ok" in r, f"STS: {r}")

# ---- record replies ----
r = ask("MX dane-ee.test")
ok(r.get("status") == "secure" and r.get("rcode") == "NOERROR" and len(r.get("records", [])) == 1
   and r["records"][0]["data"] == {"preference": 10, "exchange": "mx.dane-ee.test."}
   and r["records"][0]["rdata"] == "10 mx.dane-ee.test.", f"MX dane-ee.test: {r}")
full = ask("TLSA _25._tcp.mx.dane-ee.test")
ok(full.get("status") == "secure" and len(full.get("records", [])) == 1, f"TLSA full name: {full}")
for form in ("TLSA mx.dane-ee.test", "TLSA mx.dane-ee.test 25", "tlsa MX.DANE-EE.TEST.", "QUERY TLSA _25._tcp.mx.dane-ee.test",
             "QUERY TYPE52 _25._tcp.mx.dane-ee.test", "query tlsa _25._TCP.Mx.Dane-Ee.Test."):
    r = ask(form)
    ok(r.get("name") == "_25._tcp.mx.dane-ee.test." and r.get("type") == "TLSA"
       and [x["rdata"] for x in r.get("records", [])] == [x["rdata"] for x in full.get("records", [])],
       f"'{form}': {r}")
rec = full["records"][0] if full.get("records") else {}
ok(set(rec.get("data", {})) == {"usage", "selector", "matching_type", "data"}, f"TLSA data fields {rec}")
r = ask("TLSA mx.dane-ee.test 465")
ok(r.get("name") == "_465._tcp.mx.dane-ee.test." and r.get("rcode") == "NXDOMAIN", f"TLSA port 465: {r}")
r = ask("TLSA mx.bogus-tlsa.test")
ok(r.get("status") == "bogus" and r.get("rcode") == "SERVFAIL" and r.get("records") == [] and r.get("ede") == 6
   and r.get("ttl") == 0 and r.get("reason"), f"TLSA bogus: {r}")
r = ask("TLSA mx.dane-big.test")
ok(len(r.get("records", [])) == 21, f"TLSA dane-big: {len(r.get('records', []))} records")
r = ask("QUERY TXT dane-ee.test")
ok(r.get("type") == "TXT" and r.get("status") == "secure" and r.get("rcode") == "NOERROR" and r.get("records") == [],
   f"QUERY TXT (NODATA): {r}")
r = ask("QUERY txt nx.dane-ee.test")
ok(r.get("rcode") == "NXDOMAIN" and r.get("status") == "secure", f"QUERY TXT nx: {r}")
r = ask("QUERY SOA test")
d = r.get("records", [{}])[0].get("data", {}) if r.get("records") else {}
ok(r.get("status") == "secure" and set(d) == {"mname", "rname", "serial", "refresh", "retry", "expire", "minimum"},
   f"QUERY SOA test: {r}")
r = ask("A a.cname.test")
ok(r.get("cname") == [{"name": "a.cname.test.", "target": "b.cname.test."},
                      {"name": "b.cname.test.", "target": "c.cname.test."}]
   and [x["name"] for x in r.get("records", [])] == ["c.cname.test."]
   and r["records"][0]["data"] == {"address": "127.0.2.9"}, f"A a.cname.test: {r}")
r = ask("AAAA mx.dane-ee.test")
ok([x["data"]["address"] for x in r.get("records", [])] == ["fd00::2:1"], f"AAAA: {r}")
for form in ("A MX.Dane-EE.Test", "a mx.dane-ee.test.", "A mx.dane-ee.test"):
    r = ask(form)
    ok(r.get("name") == "mx.dane-ee.test." and r.get("status") == "secure"
       and [x["rdata"] for x in r.get("records", [])] == ["127.0.2.1"], f"'{form}': {r}")
r = ask("A www.insecure.test")
ok(r.get("status") == "insecure" and r.get("rcode") == "NOERROR", f"A insecure: {r}")
r = ask("MX expired.test")
ok(r.get("status") == "bogus" and r.get("rcode") == "SERVFAIL" and r.get("ede") == 7 and r.get("records") == [],
   f"MX expired.test: {r}")

# ---- robustness ----
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
    return 0
rss0 = rss()

rnd = random.Random(7)
garbage = b"".join(b"G" + bytes(rnd.choice([b for b in range(256) if b != 10]) for _ in range(rnd.randrange(1, 200))) + b"\n"
                   for _ in range(1000))
c2 = Client()
def feed(cl, data):
    th = threading.Thread(target=cl.send, args=(data,))
    th.start()
    return th
th = feed(c2, garbage + b"x" * 100000 + b"\nPING\n")
errs = toolong = 0
try:
    for i in range(1000):
        l = c2.line()
        ok(all(32 <= b < 127 for b in l), f"garbage reply {i} is not printable ASCII")
        j = json.loads(l)
        errs += j.get("ok") is False and j.get("error") == "bad-request"
    j = json.loads(c2.line())
    toolong = j.get("error") == "too-long"
    pong = json.loads(c2.line()).get("pong") is True
except Exception as e:
    pong = False
    ok(False, f"garbage: {e}")
th.join()
c2.close()
ok(errs == 1000 and toolong and pong, f"garbage: {errs} bad-request of 1000, too-long {toolong}, pong {pong}")
print(f"{mode}: 1000 garbage lines -> {errs} bad-request, 100 KB line -> too-long {toolong}, then PING {pong}", flush=True)

# 2000 pipelined requests on one connection, replies in order.
names = ["mx.dane-ee.test", "dane-ee.test", "mx.dane-ta.test", "www.insecure.test", "nx.test",
         "mx.expired.test", "a.cname.test", "mx.wild.test", "anything.wild.test", "nomx.test"]
reqs = []
for i in range(2000):
    n = names[i % len(names)]
    k = i % 7
    if k == 0:
        reqs.append(("A " + n, ("name", n + ".")))
    elif k == 1:
        reqs.append(("AAAA " + n, ("name", n + ".")))
    elif k == 2:
        reqs.append(("MX " + n, ("name", n + ".")))
    elif k == 3:
        reqs.append(("TLSA " + n, ("name", "_25._tcp." + n + ".")))
    elif k == 4:
        reqs.append(("DANE " + n, ("domain", n + ".")))
    elif k == 5:
        reqs.append(("PING", ("pong", True)))
    else:
        reqs.append((f"QUERY TXT q{i}.dane-ee.test", ("name", f"q{i}.dane-ee.test.")))
c3 = Client(timeout=60)
t0 = time.time()
th = feed(c3, "".join(r + "\n" for r, _ in reqs))
inorder = 0
try:
    for i, (req, (k, v)) in enumerate(reqs):
        j = json.loads(c3.line())
        if j.get(k) == v and j.get("ok") is True:
            inorder += 1
        elif inorder == i:
            ok(False, f"pipelined reply {i} to '{req}': {json.dumps(j)[:200]}")
except Exception as e:
    ok(False, f"pipelining: {e}")
th.join()
c3.close()
ok(inorder == 2000, f"pipelining: {inorder} of 2000 replies in order")
print(f"{mode}: 2000 pipelined requests, {inorder} replies in order, {time.time() - t0:.2f} s", flush=True)

# 1000 idle connections, and an active client.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
idle = []
try:
    for i in range(1000):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock_path)
        idle.append(s)
except OSError as e:
    ok(False, f"idle connection {len(idle)}: {e}")
time.sleep(0.5)
c4 = Client(timeout=10)
worst = 0
nact = 0
for i in range(50):
    req = ["PING", "A mx.dane-ee.test", "DANE dane-ee.test", f"QUERY TXT idle{i}.dane-ee.test"][i % 4]
    t1 = time.time()
    try:
        j = c4.ask(req)
        nact += j.get("ok") is True
    except Exception as e:
        ok(False, f"active client with idle ones: {e}")
        break
    worst = max(worst, time.time() - t1)
ok(nact == 50 and worst < 1.0, f"active client beside 1000 idle: {nact}/50 answers, slowest {worst:.3f} s")
# The idle ones are still connected (not dropped) and answer too.
alive = 0
for s in idle[::100]:
    s.settimeout(10)
    try:
        s.sendall(b"PING\n")
        alive += b"pong" in s.recv(4096)
    except OSError:
        pass
ok(alive == 10, f"{alive} of 10 sampled idle connections answer")
for s in idle:
    s.close()
c4.close()
print(f"{mode}: {len(idle)} idle connections; active client {nact}/50 answers, slowest {worst * 1000:.1f} ms", flush=True)
time.sleep(0.5)
rss1 = rss()
growth = int(os.environ.get("RSS_GROWTH_KB", "65536"))
ok(rss1 - rss0 <= growth, f"RSS grew {rss1 - rss0} KiB (bound {growth})")
print(f"{mode}: RSS {rss0} KiB after warm-up, {rss1} KiB after the robustness tests (bound +{growth})", flush=True)
ok(c.ask("PING").get("pong") is True, "PING at the end")
c.close()

for n in notes:
    print(f"note {mode}: {n}")
print(f"{mode}: {passes} checks passed, {fails} failed", flush=True)
sys.exit(1 if fails else 0)
PY

fails=0
run_mode() {  # mode
	local extra=("mode $1" "trust-anchor-file $out/root.key")
	[ "$1" = forward ] && extra+=("forward 127.0.0.20")
	mx_conf "$tmp/$1.conf" "$out" "$tmp/$1" $port "${extra[@]}"
	mkdir -p "$tmp/$1"
	"$mxsecd" -f -c "$tmp/$1.conf" 2>"$tmp/$1.log" &
	pid=$!
	if ! mx_wait $port "$pid" || [ ! -S "$tmp/$1/mxsecd.sock" ]; then
		echo "FAIL $1: mxsecd did not start"
		cat "$tmp/$1.log"
		fails=$((fails + 1))
		pid=
		return
	fi
	python3 "$tmp/check.py" "$tmp/$1/mxsecd.sock" "$1" "$doc" "$out/cases.txt" "$pid" ||
		fails=$((fails + 1))
	kill "$pid"
	wait "$pid"
	rc=$?
	pid=
	if [ $rc -ne 0 ]; then
		echo "FAIL $1: mxsecd exit status $rc"
		tail -20 "$tmp/$1.log"
		fails=$((fails + 1))
	fi
}
run_mode recursive
run_mode forward
echo "api: $fails failed modes"
[ $fails -eq 0 ]
