#!/usr/bin/python3
"""Record raw DNS responses from authoritative servers, for round-trip
tests and as fuzzing seeds.

    record.py OUTDIR SERVER NAME TYPE [NAME TYPE ...]
    record.py OUTDIR --list FILE      (lines: SERVER NAME TYPE)

Each response is saved as OUTDIR/<sha1>.bin exactly as received (UDP with
DO and a 1232-octet buffer; TCP when truncated).  Loopback servers only.
"""
import hashlib
import ipaddress
import os
import socket
import struct
import sys

import dns.flags
import dns.message
import dns.rdatatype


def exchange(server, wire):
    if not ipaddress.ip_address(server).is_loopback:
        raise SystemExit(f"record.py: {server} is not a loopback address")
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(wire, (server, 53))
        data, _ = s.recvfrom(65535)
    if data[2] & 0x02:  # TC
        with socket.create_connection((server, 53), timeout=3) as s:
            s.sendall(struct.pack("!H", len(wire)) + wire)
            hdr = s.recv(2, socket.MSG_WAITALL)
            (n,) = struct.unpack("!H", hdr)
            data = s.recv(n, socket.MSG_WAITALL)
    return data


def record(outdir, server, name, rtype):
    q = dns.message.make_query(name, dns.rdatatype.from_text(rtype),
                               want_dnssec=True, payload=1232)
    q.flags &= ~dns.flags.RD
    data = exchange(server, q.to_wire())
    h = hashlib.sha1(data).hexdigest()
    with open(os.path.join(outdir, h + ".bin"), "wb") as f:
        f.write(data)
    return len(data)


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    jobs = []
    if argv[2] == "--list":
        with open(argv[3]) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and not line.startswith("#"):
                    jobs.append(parts)
    else:
        server = argv[2]
        rest = argv[3:]
        jobs = [(server, rest[i], rest[i + 1]) for i in range(0, len(rest) - 1, 2)]
    n = 0
    for server, name, rtype in jobs:
        record(outdir, server, name, rtype)
        n += 1
    print(f"recorded {n} responses in {outdir}")


if __name__ == "__main__":
    main(sys.argv)
