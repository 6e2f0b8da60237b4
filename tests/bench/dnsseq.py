#!/usr/bin/python3
"""The DNS lookups Postfix's smtp makes for a DANE decision, one after
another, against a cached resolver, with as little client work as
policymap.py does: the questions of each destination (MX, then A, AAAA
and TLSA _25._tcp of every MX host) are worked out once with dnspython,
then sent as prebuilt UDP packets in turn for SECONDS.  Prints
destinations per second and microseconds per destination.

    dnsseq.py ADDR PORT SECONDS DOMAIN [DOMAIN ...]

Loopback only.
"""
import ipaddress
import socket
import sys
import time

import dns.message
import dns.query
import dns.rdatatype


def questions(addr, port, domain):
    qs = [(domain, dns.rdatatype.MX)]
    r = dns.query.udp(dns.message.make_query(domain, "MX", want_dnssec=True),
                      addr, port=port, timeout=5)
    hosts = sorted((rr.preference, rr.exchange.to_text())
                   for rrset in r.answer if rrset.rdtype == dns.rdatatype.MX
                   for rr in rrset)
    for _, h in hosts or [(0, domain)]:
        qs += [(h, dns.rdatatype.A), (h, dns.rdatatype.AAAA),
               ("_25._tcp." + h, dns.rdatatype.TLSA)]
    return qs


def main():
    addr, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if not ipaddress.ip_address(addr).is_loopback:
        raise SystemExit("dnsseq.py: loopback addresses only")
    dests = []
    for d in sys.argv[4:]:
        pkts = []
        for name, t in questions(addr, port, d):
            q = dns.message.make_query(name, t, want_dnssec=True, payload=1232)
            pkts.append(q.to_wire())
        dests.append(pkts)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, port))
    s.settimeout(5)
    n = nq = 0
    end = time.monotonic() + seconds
    start = time.monotonic()
    while time.monotonic() < end:
        for p in dests[n % len(dests)]:
            s.send(p)
            s.recv(65535)
            nq += 1
        n += 1
    el = time.monotonic() - start
    print(f"dests {n} queries {nq} per_sec {n / el:.0f} us_per_dest {el * 1e6 / n:.0f} "
          f"us_per_query {el * 1e6 / nq:.0f}")


if __name__ == "__main__":
    main()
