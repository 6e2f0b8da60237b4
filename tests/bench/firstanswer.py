#!/usr/bin/python3
"""Start a resolver and time its first good answer.

    firstanswer.py ADDR PORT NAME TYPE LOG -- COMMAND [ARG ...]

Starts COMMAND (stdout and stderr to LOG) and asks ADDR@PORT for
NAME/TYPE (RD and DO set) until an answer comes back with NOERROR, at
least one answer record and AD.  The clock starts just before COMMAND is
started, so the figure covers the process's own start-up (reading its
configuration, opening its cache, binding) as well as the resolution.
Prints "MILLISECONDS PID"; COMMAND is left running (the caller stops it),
unless no good answer comes (then it is stopped).
The query is sent again every 20 ms until then: a resolver not yet
listening refuses it, one that is resolving joins the repeats to the
first.  Gives up after 30 s.  Loopback only.
"""
import ipaddress
import select
import socket
import subprocess
import sys
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

RESEND_S = 0.02
GIVE_UP_S = 30.0


def main():
    if len(sys.argv) < 8 or sys.argv[6] != "--":
        raise SystemExit(__doc__)
    addr, port, name, rtype, log = sys.argv[1:6]
    cmd = sys.argv[7:]
    if not ipaddress.ip_address(addr).is_loopback:
        raise SystemExit("firstanswer.py: loopback addresses only")
    q = dns.message.make_query(name, dns.rdatatype.from_text(rtype),
                               want_dnssec=True, payload=1232)
    wire = q.to_wire()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((addr, int(port)))
    with open(log, "ab") as lf:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=lf,
                                stderr=lf)
    last_send = 0.0
    while True:
        now = time.monotonic()
        if now - start > GIVE_UP_S:
            proc.terminate()
            proc.wait()
            raise SystemExit(f"firstanswer.py: no good answer from "
                             f"{addr}@{port} in {GIVE_UP_S:.0f} s "
                             f"(see {log})")
        if proc.poll() is not None:
            raise SystemExit(f"firstanswer.py: {cmd[0]} exited with "
                             f"status {proc.returncode} (see {log})")
        if now - last_send >= RESEND_S:
            try:
                sock.send(wire)
            except ConnectionRefusedError:
                pass
            last_send = now
        ready, _, _ = select.select([sock], [], [], 0.002)
        if not ready:
            continue
        try:
            data = sock.recv(65535)
        except ConnectionRefusedError:
            # nothing listens yet (ICMP port unreachable): ask again soon
            time.sleep(0.002)
            last_send = 0.0
            continue
        try:
            r = dns.message.from_wire(data)
        except Exception:   # noqa: BLE001 - anything unparsable: wait on
            continue
        if (r.id == q.id and r.rcode() == dns.rcode.NOERROR and r.answer
                and r.flags & dns.flags.AD):
            elapsed = time.monotonic() - start
            print(f"{elapsed * 1000:.1f} {proc.pid}")
            return


if __name__ == "__main__":
    main()
