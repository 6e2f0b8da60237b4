#!/usr/bin/python3
"""Time mxsecd's DANE request for each domain, one after another, over
its socket API.  Prints the milliseconds each took and the total; exits 1
when a reply is not {"ok":true...}.

    danetime.py SOCKET DOMAIN [DOMAIN ...]
"""
import json
import socket
import sys
import time


def main():
    path = sys.argv[1]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    f = s.makefile("rwb")
    total = 0.0
    bad = 0
    for domain in sys.argv[2:]:
        start = time.monotonic()
        f.write(("DANE %s\n" % domain).encode())
        f.flush()
        reply = json.loads(f.readline())
        ms = (time.monotonic() - start) * 1000
        total += ms
        verdicts = ",".join(h["verdict"] for h in reply.get("hosts", []))
        print("%s %.2f %s %s" % (domain, ms, reply.get("result"), verdicts))
        if not reply.get("ok"):
            bad += 1
    print("total %.2f" % total)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
