#!/usr/bin/python3
"""The DANE lookups of an MTA, one after another, against one resolver:
for each domain the MX RRset, then for each host in preference order its
A, AAAA and TLSA (_PORT._tcp.host) RRsets, the way Postfix makes them.
Prints the milliseconds each domain took and the total.

    mtaseq.py ADDR PORT DOMAIN [DOMAIN ...]

RD and DO are set; a truncated answer is asked again over TCP.  Loopback
only.
"""
import ipaddress
import sys
import time

import dns.flags
import dns.message
import dns.query
import dns.rdatatype


def ask(addr, port, name, rtype):
    q = dns.message.make_query(name, rtype, want_dnssec=True, payload=1232)
    r = dns.query.udp(q, addr, port=port, timeout=10)
    if r.flags & dns.flags.TC:
        r = dns.query.tcp(q, addr, port=port, timeout=10)
    return r


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    if not ipaddress.ip_address(addr).is_loopback:
        raise SystemExit("mtaseq.py: loopback addresses only")
    total = 0.0
    for domain in sys.argv[3:]:
        start = time.monotonic()
        r = ask(addr, port, domain, dns.rdatatype.MX)
        hosts = []
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.MX:
                hosts += sorted((rd.preference, rd.exchange.to_text())
                                for rd in rrset)
        if not hosts and r.rcode() == 0:
            hosts = [(0, domain)]
        for _, host in hosts:
            if host == ".":
                continue
            ask(addr, port, host, dns.rdatatype.A)
            ask(addr, port, host, dns.rdatatype.AAAA)
            ask(addr, port, "_25._tcp." + host, dns.rdatatype.TLSA)
        ms = (time.monotonic() - start) * 1000
        total += ms
        print("%s %.2f" % (domain, ms))
    print("total %.2f" % total)


if __name__ == "__main__":
    main()
