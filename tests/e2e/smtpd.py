#!/usr/bin/python3
"""A STARTTLS SMTP server on several addresses, one certificate each.

    smtpd.py READYFILE ADDR:CHAIN:KEY [ADDR:CHAIN:KEY ...]

Listens on port 25 of every ADDR (an IPv4 address) and offers STARTTLS
with that address's certificate chain (PEM, leaf first) and key.  It
accepts any mail and keeps none.  Writes READYFILE once every listener is
up, and stops on SIGTERM or SIGINT.  Used by tests/e2e/postfix.sh, which
runs it inside a private network namespace.
"""
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller


class Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 discarded"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    ready, specs = sys.argv[1], sys.argv[2:]
    controllers = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        for spec in specs:
            addr, chain, key = spec.split(":", 2)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(chain, key)
            c = Controller(Discard(), hostname=addr, port=25,
                           server_hostname="smtpd.e2e.test",
                           tls_context=ctx, require_starttls=False,
                           ready_timeout=10)
            c.start()
            controllers.append(c)
        with open(ready, "w") as f:
            f.write("ready\n")
        stop.wait()
    finally:
        for c in controllers:
            c.stop()


if __name__ == "__main__":
    main()
