#!/usr/bin/python3
"""Time a sequence of DNS lookups made one after another, the way an MTA
makes them, against one resolver.  Prints the total in milliseconds.

    seqtime.py ADDR PORT NAME/TYPE [NAME/TYPE ...]

Each lookup has RD set (and DO, so answers are as large as with DNSSEC);
a truncated answer is asked again over TCP.  Loopback only.
"""
import ipaddress
import sys
import time

import dns.flags
import dns.message
import dns.query
import dns.rdatatype


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    if not ipaddress.ip_address(addr).is_loopback:
        raise SystemExit("seqtime.py: loopback addresses only")
    start = time.monotonic()
    for item in sys.argv[3:]:
        name, rtype = item.rsplit("/", 1)
        q = dns.message.make_query(name, dns.rdatatype.from_text(rtype),
                                   want_dnssec=True, payload=1232)
        r = dns.query.udp(q, addr, port=port, timeout=10)
        if r.flags & dns.flags.TC:
            r = dns.query.tcp(q, addr, port=port, timeout=10)
        if r.rcode() != 0:
            print(f"seqtime.py: {item}: rcode {r.rcode()}", file=sys.stderr)
    print(f"{(time.monotonic() - start) * 1000:.2f}")


if __name__ == "__main__":
    main()
