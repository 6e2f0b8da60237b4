#!/usr/bin/python3
"""Postfix's side of smtp_tls_policy_maps over socketmap: one connection,
one request at a time (as Postfix's dict_sockmap client asks), for
SECONDS, cycling through the domains.  Prints requests per second, the
median and 99th percentile latency in microseconds, and the reply each
domain got.

    policymap.py SOCKET MAP SECONDS DOMAIN [DOMAIN ...]
    policymap.py SOCKET MAP once DOMAIN [DOMAIN ...]   (one request each,
                                                         milliseconds)
"""
import socket
import sys
import time


def netstring(b):
    return str(len(b)).encode() + b":" + b + b","


class Map:
    def __init__(self, path, name):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.name = name.encode()
        self.buf = b""

    def ask(self, key):
        self.s.sendall(netstring(self.name + b" " + key.encode()))
        while True:
            colon = self.buf.find(b":")
            if colon > 0:
                n = int(self.buf[:colon])
                if len(self.buf) >= colon + n + 2:
                    data = self.buf[colon + 1:colon + 1 + n]
                    self.buf = self.buf[colon + n + 2:]
                    return data.decode()
            chunk = self.s.recv(65536)
            if not chunk:
                raise SystemExit("policymap.py: connection closed")
            self.buf += chunk


def main():
    path, name, how = sys.argv[1:4]
    domains = sys.argv[4:]
    m = Map(path, name)
    if how == "once":
        for d in domains:
            t = time.monotonic()
            r = m.ask(d)
            print(f"{d} {(time.monotonic() - t) * 1000:.1f} ms {r}")
        return
    seconds = float(how)
    replies = {d: m.ask(d) for d in domains}
    lat = []
    end = time.monotonic() + seconds
    i = 0
    while True:
        t = time.monotonic()
        if t >= end:
            break
        m.ask(domains[i % len(domains)])
        lat.append(time.monotonic() - t)
        i += 1
    lat.sort()
    print(f"rps {len(lat) / seconds:.0f} p50_us {lat[len(lat) // 2] * 1e6:.0f} "
          f"p99_us {lat[int(len(lat) * 0.99)] * 1e6:.0f} n {len(lat)}")
    for d, r in replies.items():
        print(f"reply {d}: {r}")


if __name__ == "__main__":
    main()
