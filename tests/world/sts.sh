#!/bin/bash
# sts.sh MXSECD OUTDIR: MTA-STS (RFC 8461) and the Postfix TLS policy
# socketmap over the test world (doc/testing.md "world-sts").
#
# Runs in a network namespace of its own (unshare -n, loopback up): the
# world's NSDs, nginx on 127.0.3.1:443 serving the policy hosts of
# cases.conf's MTA-STS block (world.sh start-https), and mxsecd with
# policy-socket, sts-ca-file = the world's private WebPKI root and
# sts-refresh-interval 1. Every policy answer is asked through Postfix's own
# client (postmap -q DOMAIN socketmap:unix:SOCKET:MAP) and through the API
# socket (STS, POLICY). First the world itself is checked (DNS records,
# what nginx serves, how postmap reports socketmap errors), so a failure
# there is told apart from a daemon failure. One line per check, PASS or
# FAIL; exit 1 on any failure, 77 (skipped) without root, nginx, postmap,
# unshare or python3. MXSEC_STS_KEEP=1 keeps the work directory.
set -u
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mxsecd-lib.sh
. "$here/mxsecd-lib.sh"
[ $# -eq 2 ] || { echo "usage: $0 MXSECD OUTDIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "sts: needs root (port 53 and 443): skipped"; exit 77; }
for t in nginx postmap unshare ip dig /usr/bin/python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "sts: $t not installed: skipped"; exit 77; }
done
if [ -z "${MXSEC_STS_NETNS:-}" ]; then
	export MXSEC_STS_NETNS=1
	# shellcheck disable=SC2016 # expanded by the inner shell
	exec unshare -n bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
mxsecd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mkdir -p "$2"
out=$(cd "$2" && pwd)
world=$here/world.sh
tmp=$(mktemp -d /tmp/mxsec-sts.XXXXXX)
idzone=$out/zones/sts-idchange.test

# shellcheck disable=SC2317 # the trap's
cleanup() {
	local f pid
	for f in "$tmp"/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		# only an mxsecd of ours: its command line names our config
		if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$tmp/"; then
			kill -TERM "$pid" 2>/dev/null
			for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	"$world" stop "$out" >/dev/null 2>&1
	# the id-change case edits the served zone file: back to gen.sh's
	[ -f "$idzone.in" ] && cp "$idzone.in" "$idzone.zone"
	if [ "${MXSEC_STS_KEEP:-0}" = 1 ]; then echo "sts: work directory kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

t0=$(date +%s.%N)
"$here/gen.sh" "$out" >/dev/null || { echo "FAIL gen.sh"; exit 1; }
[ -f "$idzone.in" ] && cp "$idzone.in" "$idzone.zone"
"$world" start "$out" >/dev/null || { echo "FAIL world.sh start"; exit 1; }
"$world" start-https "$out" || { echo "FAIL world.sh start-https"; exit 1; }

# mxsecd a: the policy service; b: the same with TLS-RPT attributes
common=("mode recursive" "trust-anchor-file $out/root.key" "user root"
	"sts yes" "sts-ca-file $out/certs/webpki-root.crt" "sts-fetch-timeout 5"
	"sts-refresh-interval 1")
mkdir -p "$tmp/a" "$tmp/b"
mx_conf "$tmp/a.conf" "$out" "$tmp/a" 5397 "${common[@]}" "policy-socket $tmp/a/policy.sock"
mx_conf "$tmp/b.conf" "$out" "$tmp/b" 5398 "${common[@]}" "policy-socket $tmp/b/policy.sock" "policy-tlsrpt yes"

cat >"$tmp/check.py" <<'PY'
import json, os, re, signal, socket, ssl, subprocess, sys, time

mxsecd, out, tmp, world = sys.argv[1:5]
passes = fails = 0
HTTPS = "127.0.3.1"
WWW = f"{out}/run/https/www"
ACCESS = f"{out}/run/https/access.log"
CA = f"{out}/certs/webpki-root.crt"

def check(label, cond, detail=""):
    global passes, fails
    if cond:
        passes += 1
        print(f"PASS {label}", flush=True)
    else:
        fails += 1
        print(f"FAIL {label}" + (f": {detail}" if detail else ""), flush=True)
    return cond

def note(s):
    print(f"  note: {s}", flush=True)

def section(s):
    print(f"---- {s}", flush=True)

# ------------------------------------------------------------ helpers
def dig(server, name, qtype):
    r = subprocess.run(["dig", "+norec", "+time=2", "+tries=2", "+noall", "+comments", "+answer",
                        f"@{server}", name, qtype], capture_output=True, text=True)
    m = re.search(r"status: (\w+)", r.stdout)
    ans = [l.split(None, 4)[4] for l in r.stdout.splitlines()
           if l and not l.startswith(";") and len(l.split(None, 4)) == 5 and l.split()[3] == qtype]
    return (m.group(1) if m else "none"), ans

def https_get(host, verify=True, path="/.well-known/mta-sts.txt"):
    """(status, headers, body) or raises ssl.SSLError"""
    ctx = ssl.create_default_context(cafile=CA)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((HTTPS, 443), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    return status, headers, body

def postmap(key, mapname="policy", sock=None):
    """what Postfix's socketmap client makes of the reply:
    ("OK", value) | ("NOTFOUND", "") | ("TEMP", why) | ("PERM", why) | ("ERROR", stderr)"""
    sock = sock or A.policy_sock
    try:
        r = subprocess.run(["postmap", "-q", key, f"socketmap:unix:{sock}:{mapname}"],
                           capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return ("ERROR", "postmap timed out")
    err = r.stderr.strip()
    if r.returncode == 0:
        return ("OK", r.stdout.rstrip("\n"))
    m = re.search(r"socketmap server (temporary|permanent|timeout) error: ?(.*)", err)
    if m:
        return ({"temporary": "TEMP", "permanent": "PERM", "timeout": "TIMEOUT"}[m.group(1)], m.group(2))
    if r.returncode == 1 and not err and not r.stdout:
        return ("NOTFOUND", "")
    return ("ERROR", f"exit {r.returncode}: {err}")

class Api:
    def __init__(self, path):
        self.path = path
        self.s = None
    def ask(self, req, timeout=30):
        for attempt in (0, 1):
            try:
                if self.s is None:
                    self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    self.s.settimeout(timeout)
                    self.s.connect(self.path)
                    self.buf = b""
                self.s.sendall(req.encode() + b"\n")
                while b"\n" not in self.buf:
                    d = self.s.recv(65536)
                    if not d:
                        raise EOFError("connection closed")
                    self.buf += d
                line, self.buf = self.buf.split(b"\n", 1)
                return json.loads(line)
            except (OSError, EOFError, ValueError) as e:
                if self.s:
                    self.s.close()
                self.s = None
                if attempt:
                    return {"ok": False, "error": f"client: {e}"}
    def close(self):
        if self.s:
            self.s.close()
            self.s = None

class Mxsecd:
    def __init__(self, name):
        self.name = name
        self.conf = f"{tmp}/{name}.conf"
        self.api_sock = f"{tmp}/{name}/mxsecd.sock"
        self.policy_sock = f"{tmp}/{name}/policy.sock"
        self.p = None
        self.api = None
    def start(self):
        log = open(f"{tmp}/{self.name}.log", "ab")
        self.p = subprocess.Popen([mxsecd, "-f", "-c", self.conf], stdout=log, stderr=log)
        with open(f"{tmp}/{self.name}.pid", "w") as f:
            f.write(str(self.p.pid))
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.p.poll() is not None:
                break
            if os.path.exists(self.api_sock) and os.path.exists(self.policy_sock):
                self.api = Api(self.api_sock)
                if self.api.ask("PING", timeout=2).get("pong"):
                    return True
                self.api.close()
            time.sleep(0.1)
        rc = self.p.poll()
        tail = open(f"{tmp}/{self.name}.log", errors="replace").read()[-600:]
        check(f"mxsecd {self.name} starts", False, f"exit status {rc}; log: {tail}")
        self.stop(quiet=True)
        return False
    def stop(self, quiet=False):
        if self.api:
            self.api.close()
        if self.p is None:
            return
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        if not quiet:
            check(f"mxsecd {self.name} exits 0 on SIGTERM", self.p.returncode == 0, f"exit status {self.p.returncode}")
        self.p = None

A = Mxsecd("a")
B = Mxsecd("b")

def sts(d, m=None):
    r = (m or A).api.ask(f"STS {d}")
    if r.get("ok") is not True:
        note(f"STS {d}: {json.dumps(r)[:300]}")
    return r

def stsmx(r):
    return ((r.get("policy") or {}).get("mx"))

def expect_map(d, want, value=None, mapname="policy", m=None, label=None, api=True):
    """postmap (and, for the policy map, the POLICY verb) say want
    (OK with value, NOTFOUND, TEMP, PERM)"""
    m = m or A
    got = postmap(d, mapname, m.policy_sock)
    lab = label or f"{mapname} {d}"
    if want == "OK":
        check(f"postmap {lab}: OK {value}", got == ("OK", value), f"postmap: {got[0]} {got[1]}")
    else:
        check(f"postmap {lab}: {want}", got[0] == want, f"postmap: {got[0]} {got[1]}")
    if api and mapname == "policy":
        r = m.api.ask(f"POLICY {d}")
        ok = r.get("ok") is True and r.get("status") == want
        if want == "OK":
            ok = ok and r.get("reply") == f"OK {value}"
        check(f"API POLICY {d}: {want}", ok, json.dumps(r)[:300])
    return got

def secure(*patterns):
    return "secure match=" + ":".join(p[1:] if p.startswith("*.") else p for p in patterns) + " servername=hostname"

def log_lines(host):
    """(time, status) of every request nginx logged for host"""
    res = []
    try:
        for l in open(ACCESS):
            m = re.match(r'(\d+\.\d+) (\S+) (\S+) "([^"]*)" (\d+) ', l)
            if m and m.group(2) == host:
                res.append((float(m.group(1)), int(m.group(5))))
    except FileNotFoundError:
        pass
    return res

def wait_log(host, pred, until):
    while time.time() < until:
        if pred(log_lines(host)):
            return True
        time.sleep(0.1)
    return pred(log_lines(host))

def serve(host, lines):
    f = f"{WWW}/{host}/.well-known/mta-sts.txt"
    tmpf = f + ".new"
    with open(tmpf, "w", newline="") as fh:
        fh.write("".join(l + "\r\n" for l in lines))
    os.rename(tmpf, f)

def unserve(host):
    os.unlink(f"{WWW}/{host}/.well-known/mta-sts.txt")

def reason(r):
    return str(r.get("reason", ""))

# ------------------------------------------------------------ the world
section("the world: DNS, nginx, postmap (no mxsecd yet)")
hosts = {}
for l in open(f"{out}/https/hosts.txt"):
    if l.startswith("#"):
        continue
    h, cert, ctype, redir, size, chunked = l.split()
    hosts[h] = (cert, ctype, redir, int(size), chunked == "yes")
for h in hosts:
    d = h[len("mta-sts."):]
    st, ans = dig("127.0.0.13", f"_mta-sts.{d}.", "TXT")
    check(f"DNS _mta-sts.{d} TXT", st == "NOERROR" and any("v=STSv1" in a for a in ans), f"{st} {ans}")
    st, ans = dig("127.0.0.13", f"{h}.", "A")
    check(f"DNS {h} A 127.0.3.1", ans == ["127.0.3.1"], f"{st} {ans}")
st, ans = dig("127.0.0.13", "_mta-sts.sts-nosts.test.", "TXT")
check("DNS _mta-sts.sts-nosts.test: NXDOMAIN", st == "NXDOMAIN", st)
for h, (cert, ctype, redir, size, chunked) in hosts.items():
    try:
        status, hd, body = https_get(h)
        if cert != "webpki":
            check(f"https {h}: certificate {cert} rejected", False, f"accepted, HTTP {status}")
        elif redir != "-":
            check(f"https {h}: 301 to {redir}", status == 301 and hd.get("location") == redir, f"{status} {hd}")
        else:
            if chunked:
                # the chunks' framing: hex size CRLF data CRLF ... 0 CRLF CRLF
                raw, body = body, b""
                while raw:
                    n, _, raw = raw.partition(b"\r\n")
                    n = int(n.split(b";")[0], 16)
                    body, raw = body + raw[:n], raw[n + 2:]
                    if n == 0:
                        break
            check(f"https {h}: 200 {ctype}, {size} octets" + (", chunked" if chunked else ""),
                  status == 200 and hd.get("content-type") == ctype and len(body) == size
                  and body.startswith(b"version: STSv1\r\n")
                  and (hd.get("transfer-encoding") == "chunked" and "content-length" not in hd) == chunked,
                  f"{status} {hd.get('content-type')} {len(body)} {hd}")
    except ssl.SSLCertVerificationError as e:
        want = {"rogue": "unable to get local issuer", "wrongname": "match"}.get(cert)
        check(f"https {h}: certificate {cert} rejected", want is not None and want in str(e), str(e))
        if want:
            status, hd, body = https_get(h, verify=False)
            check(f"https {h}: 200 without verification", status == 200 and len(body) == size, f"{status}")
    except (OSError, ValueError) as e:
        check(f"https {h}", False, repr(e))
try:
    status, _, _ = https_get("mta-sts.sts-enforce.test", path="/other")
    check("https: other paths 404", status == 404, str(status))
except (OSError, ValueError) as e:
    check("https: other paths 404", False, repr(e))
got = postmap("x.test", "policy", f"{tmp}/no-such.sock")
check("postmap against a missing socket: connect error", got[0] == "ERROR" and "connect to" in got[1], str(got)[:300])

# ------------------------------------------------------------ mxsecd
section("mxsecd: MTA-STS and the policy socketmap")
if not A.start():
    print(f"sts: {passes} passed, {fails} failed (mxsecd did not start)", flush=True)
    sys.exit(1)

# Time-dependent cases first: max_age expiry (maxage, max_age 6) and the
# background refresh (refresh, max_age 4); the others run in between.
MA, RF = "sts-maxage.test", "sts-refresh.test"
MAH, RFH = "mta-sts." + MA, "mta-sts." + RF
t_ma0 = time.time()
r = sts(MA)
t_ma = time.time()
check(f"STS {MA}: policy fetched (max_age 6)", r.get("result") == "policy" and r.get("source") == "fetched"
      and (r.get("policy") or {}).get("max_age") == 6, json.dumps(r)[:300])
unserve(MAH)
r = sts(RF)
t_rf = time.time()
check(f"STS {RF}: policy fetched (max_age 4)", r.get("result") == "policy" and r.get("source") == "fetched"
      and stsmx(r) == [f"mx.{RF}"], json.dumps(r)[:300])
RF_B = ["version: STSv1", "mode: enforce", f"mx: mx.{RF}", f"mx: mx2.{RF}", "max_age: 4"]
serve(RFH, RF_B)
n_ma = len(log_lines(MAH))
n_rf = len(log_lines(RFH))

# maxage: the file is gone (404); the cached policy still answers
expect_map(MA, "OK", secure(f"mx.{MA}"), label=f"{MA} (cached, file removed)")
r = sts(MA)
check(f"STS {MA}: from the cache", r.get("result") == "policy" and r.get("source") == "cache", json.dumps(r)[:300])
seen = wait_log(MAH, lambda ls: any(s == 404 for _, s in ls[n_ma:]), t_ma + 5.5)
check(f"{MA}: mxsecd refreshed in the background after max_age/2 (nginx logged a 404)", seen,
      f"nginx log: {log_lines(MAH)}")
if seen:
    late = time.time() - t_ma
    got = postmap(MA)
    if late < 5.5:
        check(f"postmap {MA}: still OK {secure('mx.' + MA)} after the failed refresh ({late:.1f} s)",
              got == ("OK", secure(f"mx.{MA}")), f"{got}")
    else:
        note(f"{MA}: refresh seen only {late:.1f} s after the fetch; not checked before expiry")
    r = sts(MA)
    check(f"STS {MA}: policy kept after the failed refresh", r.get("result") == "policy", json.dumps(r)[:300])
    note(f"STS {MA} after the failed refresh: reason {reason(r)!r}")

# refresh: a new file is fetched in the background, without a request
seen = wait_log(RFH, lambda ls: any(s == 200 for _, s in ls[n_rf:]), t_rf + 7)
check(f"{RF}: refetched in the background (nginx logged a GET, no request asked)", seen,
      f"nginx log: {log_lines(RFH)}")
r = sts(RF)
age = r.get("age")
check(f"STS {RF}: the new policy, age <= 3 ({age}), source {r.get('source')}",
      r.get("result") == "policy" and stsmx(r) == [f"mx.{RF}", f"mx2.{RF}"]
      and isinstance(age, int) and age <= 3 and r.get("source") in ("fetched", "cache"), json.dumps(r)[:300])
expect_map(RF, "OK", secure(f"mx.{RF}", f"mx2.{RF}"))

# 1. enforce
section("enforce, testing, none")
EN = "sts-enforce.test"
EN_PAT = [f"mx.{EN}", f"*.backup.{EN}"]
n_en = len(log_lines(f"mta-sts.{EN}"))
r = sts(EN)
p = r.get("policy") or {}
check(f"STS {EN}: enforce policy fetched",
      r.get("result") == "policy" and p.get("mode") == "enforce" and p.get("mx") == EN_PAT
      and p.get("max_age") == 86400 and r.get("source") == "fetched" and r.get("txt_id") == "enforce1",
      json.dumps(r)[:400])
r = sts(EN)
check(f"STS {EN}: again, from the cache", r.get("result") == "policy" and r.get("source") == "cache"
      and isinstance(r.get("expires_in"), int) and 86000 < r["expires_in"] <= 86400, json.dumps(r)[:300])
expect_map(EN, "OK", secure(*EN_PAT))
expect_map(EN, "OK", secure(*EN_PAT), mapname="sts")
expect_map(EN, "NOTFOUND", mapname="dane")
check(f"STS {EN}: domain {EN}. (absolute, as doc/protocol.md shows)", r.get("domain") == EN + ".", f"{r.get('domain')!r}")
r = A.api.ask(f"POLICY {EN}")
check(f"POLICY {EN}: domain {EN}. (absolute, as doc/protocol.md shows)", r.get("domain") == EN + ".", f"{r.get('domain')!r}")
r = A.api.ask("POLICY STS-Enforce.TEST.")
check("API POLICY STS-Enforce.TEST.: any case, trailing dot", r.get("status") == "OK"
      and r.get("reply") == f"OK {secure(*EN_PAT)}", json.dumps(r)[:300])
n = len(log_lines(f"mta-sts.{EN}")) - n_en
check(f"{EN}: fetched once for all of these (nginx logged {n})", n == 1)

# 2, 3. testing, none
for d, mode in (("sts-testing.test", "testing"), ("sts-none.test", "none")):
    r = sts(d)
    check(f"STS {d}: policy, mode {mode}", r.get("result") == "policy"
          and (r.get("policy") or {}).get("mode") == mode, json.dumps(r)[:300])
    expect_map(d, "NOTFOUND")
    expect_map(d, "NOTFOUND", mapname="sts")

# 7-10, 16: fetches that must fail
section("fetches that fail")
for d, what, pat in (("sts-rogueca.test", "certificate from another CA", r"certificate"),
                     ("sts-wrongname.test", "certificate for another name", r"certificate|name|host"),
                     ("sts-redirect.test", "301 redirect", r"redirect"),
                     ("sts-big.test", "policy over 64 KiB", r"larger|limit|size|65536|too (big|large|long)"),
                     ("sts-bigchunk.test", "policy over 64 KiB, chunked", r"larger|limit|size|65536|too (big|large|long)"),
                     ("sts-malformed.test", "no max_age", r"max_age"),
                     ("sts-ctype.test", "application/octet-stream", r"content.?type|media.?type|text/plain|octet-stream")):
    r = sts(d)
    check(f"STS {d} ({what}): no policy, reason /{pat}/",
          r.get("result") in ("none", "temp") and r.get("policy") is None
          and re.search(pat, reason(r), re.I) is not None, json.dumps(r)[:300])
    note(f"reason: {reason(r)}")
    expect_map(d, "NOTFOUND")

# 11-13: DANE and the combined answer
section("DANE and the combined answer")
DA = "sts-dane.test"
expect_map(DA, "OK", "dane-only")
expect_map(DA, "OK", secure(f"mx.{DA}"), mapname="sts")
expect_map(DA, "OK", "dane-only", mapname="dane")
r = sts(DA)
check(f"STS {DA}: enforce policy", r.get("result") == "policy"
      and (r.get("policy") or {}).get("mode") == "enforce", json.dumps(r)[:300])
r = sts("sts-nosts.test")
check("STS sts-nosts.test: none", r.get("result") == "none" and r.get("policy") is None, json.dumps(r)[:300])
expect_map("sts-nosts.test", "NOTFOUND")
expect_map("insecure.test", "NOTFOUND")
expect_map("oob.test", "OK", "dane", label="oob.test (secure MX, no TLSA)")
expect_map("dane-mix.test", "OK", "dane", label="dane-mix.test (TLSA at some hosts)")
expect_map("dane-pkix.test", "OK", "dane", label="dane-pkix.test (unusable TLSA only)")
expect_map("dane-ee.test", "OK", "dane-only")
expect_map("dane-ee.test", "OK", "dane-only", mapname="dane")
expect_map("dane-ee.test", "NOTFOUND", mapname="sts")
expect_map("wrongsigner.test", "TEMP", label="wrongsigner.test (bogus MX)")

# 15. map names and keys
section("map names and keys")
got = postmap(EN, "nosuchmap")
check("postmap unknown map: PERM", got[0] == "PERM", str(got))
for k in (f".{EN}", ".test", "[127.0.0.1]", "[mx.sts-enforce.test]:25"):
    expect_map(k, "NOTFOUND", api=False)

# 5. maxage, after expiry
section("expiry and id change")
wait = t_ma0 + 6 + 2 - time.time()
if wait > 0:
    time.sleep(wait)
expect_map(MA, "NOTFOUND", label=f"{MA} after max_age (6 s) and 404")
r = sts(MA)
check(f"STS {MA}: no policy after expiry", r.get("result") != "policy", json.dumps(r)[:300])
note(f"STS {MA} after expiry: reason {reason(r)!r}")

# 4. id change
ID = "sts-idchange.test"
IDH = "mta-sts." + ID
r = sts(ID)
check(f"STS {ID}: policy A, id one", r.get("result") == "policy" and stsmx(r) == [f"mx.{ID}"]
      and r.get("txt_id") == "one" and r.get("source") == "fetched", json.dumps(r)[:300])
serve(IDH, ["version: STSv1", "mode: enforce", f"mx: mx.{ID}", f"mx: *.b.{ID}", "max_age: 86400"])
r = sts(ID)
check(f"STS {ID}: file changed, id not: still A from the cache",
      stsmx(r) == [f"mx.{ID}"] and r.get("source") == "cache", json.dumps(r)[:300])
expect_map(ID, "OK", secure(f"mx.{ID}"), label=f"{ID} (A)")
zf = f"{out}/zones/{ID}.zone"
z = open(zf).read()
z2 = z.replace("id=one;", "id=two;")
z2 = re.sub(r"(SOA\s+\S+\s+\S+\s+)(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + 1), z2, count=1)
check(f"{ID}: zone file rewritten with id=two", z2 != z and "id=two;" in z2)
with open(zf + ".new", "w") as fh:
    fh.write(z2)
os.rename(zf + ".new", zf)
subprocess.run([world, "reload", out, "13"], check=False)
deadline = time.time() + 10
while time.time() < deadline:
    st, ans = dig("127.0.0.13", f"_mta-sts.{ID}.", "TXT")
    if any("id=two" in a for a in ans):
        break
    time.sleep(0.2)
check(f"{ID}: NSD serves id=two after reload", any("id=two" in a for a in ans), f"{ans}")
r = A.api.ask(f"FLUSH _mta-sts.{ID}")
check(f"FLUSH _mta-sts.{ID}", r.get("ok") is True, json.dumps(r)[:200])
time.sleep(2.2)  # the TXT TTL, in case something else kept it
r = sts(ID)
check(f"STS {ID}: id two, policy B fetched", r.get("result") == "policy" and r.get("txt_id") == "two"
      and stsmx(r) == [f"mx.{ID}", f"*.b.{ID}"] and r.get("source") == "fetched", json.dumps(r)[:300])
expect_map(ID, "OK", secure(f"mx.{ID}", f"*.b.{ID}"), label=f"{ID} (B)")

# 1b. TLS-RPT attributes (mxsecd b, policy-tlsrpt yes)
section("policy-tlsrpt yes")
if B.start():
    got = postmap(EN, "policy", B.policy_sock)
    v = got[1] if got[0] == "OK" else ""
    base = secure(*EN_PAT)
    check(f"tlsrpt: postmap {EN} starts with {base}", v.startswith(base + " "), str(got))
    want = [r"\bpolicy_type=sts\b", rf"\bpolicy_domain={re.escape(EN)}\.?(\s|$)"]
    want += [rf"\bmx_host_pattern={re.escape(pt)}(\s|$)" for pt in EN_PAT]
    pol = open(f"{out}/https/www/mta-sts.{EN}/.well-known/mta-sts.txt").read().splitlines()
    want += [r"\{\s*policy_string\s*=\s*" + re.escape(l) + r"\s*\}" for l in pol if l]
    for w in want:
        check(f"tlsrpt: /{w}/", re.search(w, v) is not None, v[:400])
    expect_map("dane-ee.test", "OK", "dane-only", m=B, label="dane-ee.test (b)")
    expect_map("sts-testing.test", "NOTFOUND", m=B, label="sts-testing.test (b)")
    B.stop()

# 14. persistence: mxsecd restarted with nginx stopped
section("persistence")
A.stop()
r = subprocess.run([world, "stop-https", out], capture_output=True, text=True)
check("world.sh stop-https", r.returncode == 0, r.stderr)
if A.start():
    r = sts(EN)
    check(f"STS {EN} after a restart, nginx down: policy from the cache",
          r.get("result") == "policy" and r.get("source") == "cache" and stsmx(r) == EN_PAT, json.dumps(r)[:300])
    expect_map(EN, "OK", secure(*EN_PAT), label=f"{EN} after a restart")
    expect_map(DA, "OK", "dane-only", label=f"{DA} after a restart")
    expect_map("sts-nosts.test", "NOTFOUND", label="sts-nosts.test after a restart")
    A.stop()

for n in ("a", "b"):
    try:
        log = open(f"{tmp}/{n}.log", errors="replace").read()
    except FileNotFoundError:
        continue
    bad = re.findall(r".*(?:AddressSanitizer|LeakSanitizer|runtime error:).*", log)
    check(f"mxsecd {n}: no sanitizer report", not bad, "; ".join(bad[:3]))

print(f"sts: {passes} passed, {fails} failed", flush=True)
sys.exit(1 if fails else 0)
PY

/usr/bin/python3 "$tmp/check.py" "$mxsecd" "$out" "$tmp" "$world"
rc=$?
t1=$(date +%s.%N)
echo "sts: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
if [ $rc -ne 0 ]; then
	for n in a b; do
		[ -f "$tmp/$n.log" ] && { echo "---- mxsecd $n log (tail)"; tail -20 "$tmp/$n.log"; }
	done
	echo "---- nginx error log (tail)"
	tail -5 "$out/run/https/error.log" 2>/dev/null
fi
exit $rc
