#!/usr/bin/python3
"""Ask a resolver every question of a dnsperf query file once, in order.

    mixcheck.py ADDR PORT MIX [KEEP]

MIX has one "NAME TYPE" a line (dnsperf's format).  Each is asked over
UDP with RD and DO and an EDNS buffer of 4096, as dnsperf -D asks.  This
is the warm-up pass of tests/bench/cache.sh; with KEEP, the lines whose
answer is usable for a cache-hit benchmark (NOERROR, at least one answer
record, neither truncated nor larger than the 1232 octets that mxsecd
and unbound advertise: unbound 1.17 sends larger answers over UDP to a
client that offers 4096, mxsecd truncates them) are written there.
Prints one summary line: questions, usable answers, answers with AD,
truncated or larger than 1232 octets, other.
"""
import ipaddress
import socket
import sys

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

UDP_MAX = 1232


def ask(q, addr, port):
    """The response's wire form (its size matters), over UDP."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(10)
        s.connect((addr, port))
        s.send(q.to_wire())
        while True:
            wire = s.recv(65535)
            if len(wire) >= 2 and wire[:2] == q.id.to_bytes(2, "big"):
                return wire


def main():
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    addr, port, mix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    keep = open(sys.argv[4], "w") if len(sys.argv) == 5 else None
    if not ipaddress.ip_address(addr).is_loopback:
        raise SystemExit("mixcheck.py: loopback addresses only")
    n = usable = ad = tc = other = 0
    with open(mix) as f:
        lines = [ln.split() for ln in f if ln.strip()]
    for name, rtype in lines:
        n += 1
        q = dns.message.make_query(name, dns.rdatatype.from_text(rtype),
                                   want_dnssec=True, payload=4096)
        try:
            wire = ask(q, addr, port)
        except OSError as e:   # socket.timeout is one
            other += 1
            print(f"mixcheck.py: {name} {rtype}: no answer ({e})",
                  file=sys.stderr)
            continue
        r = dns.message.from_wire(wire)
        if r.flags & dns.flags.TC or len(wire) > UDP_MAX:
            tc += 1
            continue
        if r.rcode() != dns.rcode.NOERROR or not r.answer:
            other += 1
            print(f"mixcheck.py: {name} {rtype}: "
                  f"{dns.rcode.to_text(r.rcode())}, {len(r.answer)} answer "
                  f"RRsets", file=sys.stderr)
            continue
        usable += 1
        if r.flags & dns.flags.AD:
            ad += 1
        if keep:
            keep.write(f"{name} {rtype}\n")
    if keep:
        keep.close()
    print(f"{n} {usable} {ad} {tc} {other}")


if __name__ == "__main__":
    main()
