#!/usr/bin/python3
"""Write seed messages for the message fuzzer: one response per record
type that mxsec knows, plus a few structural oddities, built with
dnspython.  Usage: make_seeds.py OUTDIR"""
import hashlib
import os
import sys

import dns.edns
import dns.message
import dns.rrset

RECORDS = [
    "a.example. 300 IN A 192.0.2.1",
    "a.example. 300 IN AAAA 2001:db8::1",
    "example. 300 IN NS ns1.example.",
    "www.example. 300 IN CNAME a.example.",
    "example. 300 IN SOA ns1.example. hostmaster.example. 2026112801 7200 3600 1209600 300",
    "1.2.0.192.in-addr.arpa. 300 IN PTR a.example.",
    "example. 300 IN MX 10 mx.example.",
    'example. 300 IN TXT "v=spf1 -all" "second string" "with \\"quote\\""',
    "_sip._tcp.example. 300 IN SRV 10 20 5060 sip.example.",
    "d.example. 300 IN DNAME target.example.",
    "example. 300 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
    "example. 300 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
    "example. 300 IN RRSIG MX 13 1 300 20261231000000 20261101000000 12345 example. AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",
    "example. 300 IN NSEC a.example. A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY TYPE65000",
    "2vptu5timamqttgl4luu9kg21e0aor3s.example. 300 IN NSEC3 1 1 12 aabbccdd 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR MX DNSKEY NS SOA NSEC3PARAM RRSIG",
    "example. 300 IN NSEC3PARAM 1 0 0 -",
    "_25._tcp.mx.example. 300 IN TLSA 3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
    "example. 300 IN CAA 0 issue \"ca.example\"",
    "example. 300 IN SSHFP 1 1 0123456789ABCDEF0123456789ABCDEF01234567",
    "example. 300 IN HINFO \"cpu\" \"os\"",
    "example. 300 IN NAPTR 100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example!\" .",
    "example. 300 IN TYPE65280 \\# 4 DEADBEEF",
]


def save(outdir, wire):
    h = hashlib.sha1(wire).hexdigest()
    with open(os.path.join(outdir, "seed-" + h[:16]), "wb") as f:
        f.write(wire)


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for text in RECORDS:
        rrset = dns.rrset.from_text(*text.split(None, 4)[:4], text.split(None, 4)[4])
        q = dns.message.make_query(rrset.name, rrset.rdtype, want_dnssec=True)
        r = dns.message.make_response(q)
        r.answer.append(rrset)
        r.use_edns(0, dns.flags.DO if hasattr(dns, "flags") else 0x8000, 1232,
                   options=[dns.edns.GenericOption(15, b"\x00\x06bogus")])
        save(outdir, r.to_wire())
        # the same record in the authority and additional sections
        r2 = dns.message.make_response(q)
        r2.authority.append(rrset)
        r2.additional.append(rrset)
        save(outdir, r2.to_wire())
    # a query, an empty response, and a header alone
    save(outdir, dns.message.make_query("example.", "MX").to_wire())
    save(outdir, b"\x12\x34\x81\x83" + b"\x00" * 8)


if __name__ == "__main__":
    import dns.flags  # noqa: F401
    main()
