#!/usr/bin/python3
"""Print "SERVER NAME TYPE" lines covering the test world, for record.py:
every case asked of the zone's own server and of its parent's (a
referral), and every zone's SOA, NS, DNSKEY and (at the parent) DS.

    world_queries.py WORLD-OUTDIR
"""
import sys


def labels(name):
    return [] if name == "." else name.rstrip(".").lower().split(".")


def closest(zones, name):
    nl = labels(name)
    best = None
    for z in zones:
        zl = labels(z)
        if len(zl) <= len(nl) and nl[len(nl) - len(zl):] == zl:
            if best is None or len(zl) > len(labels(best)):
                best = z
    return best


def main():
    out = sys.argv[1]
    zones = {}
    parents = {}
    for line in open(out + "/zones.txt"):
        if line.startswith("#"):
            continue
        f = line.split()
        zones[f[0].lower()] = f[1]
        parents[f[0].lower()] = f[9].lower()
    seen = set()

    def emit(server, name, rtype):
        key = (server, name.lower(), rtype)
        if server and key not in seen:
            seen.add(key)
            print(server, name, rtype)

    for z, server in zones.items():
        for t in ("SOA", "NS", "DNSKEY"):
            emit(server, z, t)
        if parents[z] in zones:
            emit(zones[parents[z]], z, "DS")
    for line in open(out + "/cases.txt"):
        if line.startswith("#") or not line.strip():
            continue
        name, rtype = line.split()[:2]
        z = closest(zones, name)
        if z is None:
            continue
        emit(zones[z], name, rtype)
        p = parents.get(z)
        if p in zones:
            emit(zones[p], name, rtype)


if __name__ == "__main__":
    main()
