/*
 * Unit tests: DNSSEC cryptography (crypto.h), through its interface only.
 *
 * Vectors and where they come from:
 *  - RFC 5702 6.1 and 6.2 (RSA/SHA-256, RSA/SHA-512), RFC 6605 6.1 and 6.2
 *    (ECDSA P-256, P-384, with DS), RFC 8080 6.1 and 6.2 (Ed25519, Ed448,
 *    two keys each, with DS), RFC 4034 5.4 and RFC 4509 2.3 (SHA-1 and
 *    SHA-256 DS of one RSA/SHA-1 key), RFC 5155 Appendix A (NSEC3 hashes).
 *    Typed in from the RFC text in presentation form; the signed data is
 *    rebuilt here from the RRSIG and the RRset (RFC 4034 3.1.8.1, 6).  At
 *    development time each example was checked against its RFC private
 *    key with a second implementation (Python's cryptography package): the
 *    DNSKEY is the private key's public key, the key tags and DS digests
 *    match, the signatures verify, and the deterministic ones (RSA, EdDSA)
 *    are reproduced byte for byte.  The NSEC3 hashes were also checked
 *    with ldns-nsec3-hash.
 *  - Algorithms 5 and 7 have no RFC example, and the RFC RSA keys are
 *    small: bind_* below were made with BIND 9.18.49 (dnssec-keygen -a ALG
 *    [-b BITS]; dnssec-signzone -z -s 20240101000000 -e 20340101000000,
 *    -3 aabbccdd for algorithm 7), one zone per algorithm, keeping the
 *    DNSKEY and the MX RRset of mail.<zone> with its RRSIG.  The MX RRset
 *    has an upper-case target, so these also check canonical RDATA.
 *  - RSA_SHORT_SIG, P256_R0_SIG, P256_S0_SIG: signatures with a leading
 *    zero octet, made with the RFC 5702 6.2 and RFC 6605 6.1 private keys
 *    (Python cryptography, retrying until the first octet of the value was
 *    zero).  RSA_E3_KEY/SIG: a fresh 2048-bit key with exponent 3.
 *
 * Run with "--bench [N [ALG]]" to time N verifications per algorithm (or
 * of algorithm ALG only) instead.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "crypto.h"
#include "err.h"
#include "name.h"
#include "rdata.h"
#include "rrtype.h"
#include "zone.h"

/* ------------------------------------------------------------- vectors */

/* RFC 5702 6.1: a 512-bit key, below the 1024-bit floor (crypto.h). */
static const char rfc5702_rsasha256[] =
	"example.net. 3600 IN DNSKEY (256 3 8 AwEAAcFcGsaxxdgiuuGmCkVI\n"
	"    my4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8P\n"
	"    kxUdp6p/DlUmObdk= ) ; {id = 9033 (zsk), size = 512b}\n"
	"www.example.net. 3600 IN A 192.0.2.91\n"
	"www.example.net. 3600 IN RRSIG (A 8 3 3600 20300101000000\n"
	"    20000101000000 9033 example.net. kRCOH6u7l0QGy9qpC9\n"
	"    l1sLncJcOKFLJ7GhiUOibu4teYp5VE9RncriShZNz85mwlMgNEa\n"
	"    cFYK/lPtPiVYP4bwg==) ; {id = 9033}\n";

/* RFC 5702 6.2: 1024 bits, the smallest size accepted. */
static const char rfc5702_rsasha512[] =
	"example.net. 3600 IN DNSKEY (256 3 10 AwEAAdHoNTOW+et86KuJOWRD\n"
	"    p1pndvwb6Y83nSVXXyLA3DLroROUkN6X0O6pnWnjJQujX/AyhqFD\n"
	"    xj13tOnD9u/1kTg7cV6rklMrZDtJCQ5PCl/D7QNPsgVsMu1J2Q8g\n"
	"    pMpztNFLpPBz1bWXjDtaR7ZQBlZ3PFY12ZTSncorffcGmhOL\n"
	"    ) ; {id = 3740 (zsk), size = 1024b}\n"
	"www.example.net. 3600 IN A 192.0.2.91\n"
	"www.example.net. 3600 IN RRSIG (A 10 3 3600 20300101000000\n"
	"    20000101000000 3740 example.net. tsb4wnjRUDnB1BUi+t\n"
	"    6TMTXThjVnG+eCkWqjvvjhzQL1d0YRoOe0CbxrVDYd0xDtsuJRa\n"
	"    eUw1ep94PzEWzr0iGYgZBWm/zpq+9fOuagYJRfDqfReKBzMweOL\n"
	"    DiNa8iP5g9vMhpuv6OPlvpXwm9Sa9ZXIbNl1MBGk0fthPgxdDLw\n"
	"    =) ; {id = 3740}\n";

/* RFC 6605 6.1 */
static const char rfc6605_p256[] =
	"example.net. 3600 IN DNSKEY 257 3 13 (\n"
	"    GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb\n"
	"    krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA== )\n"
	"example.net. 3600 IN DS 55648 13 2 (\n"
	"    b4c8c1fe2e7477127b27115656ad6256f424625bf5c1\n"
	"    e2770ce6d6e37df61d17 )\n"
	"www.example.net. 3600 IN A 192.0.2.1\n"
	"www.example.net. 3600 IN RRSIG A 13 3 3600 (\n"
	"    20100909100439 20100812100439 55648 example.net.\n"
	"    qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXA\n"
	"    yGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw== )\n";

/* RFC 6605 6.2 */
static const char rfc6605_p384[] =
	"example.net. 3600 IN DNSKEY 257 3 14 (\n"
	"    xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1\n"
	"    w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8\n"
	"    /uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40 )\n"
	"example.net. 3600 IN DS 10771 14 4 (\n"
	"    72d7b62976ce06438e9c0bf319013cf801f09ecc84b8\n"
	"    d7e9495f27e305c6a9b0563a9b5f4d288405c3008a94\n"
	"    6df983d6 )\n"
	"www.example.net. 3600 IN A 192.0.2.1\n"
	"www.example.net. 3600 IN RRSIG A 14 3 3600 (\n"
	"    20100909102025 20100812102025 10771 example.net.\n"
	"    /L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP\n"
	"    95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuz\n"
	"    WTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm )\n";

/*
 * RFC 8080 6.1 and 6.2.  The RFC prints the example RRSIGs as
 * "RRSIG MX 3 3600 ...", without the algorithm field, and its signatures
 * were computed with a Labels field of 3, although example.com has two
 * labels (so a validator must reject these RRSIGs, RFC 4035 5.3.1).  The
 * signed data below therefore carries Labels = 3: that is what the
 * signatures cover, and this module checks signatures over bytes.
 */
static const char rfc8080_ed25519_a[] =
	"example.com. 3600 IN DNSKEY 257 3 15 (\n"
	"    l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4= )\n"
	"example.com. 3600 IN DS 3613 15 2 (\n"
	"    3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79\n"
	"    a304b )\n"
	"example.com. 3600 IN MX 10 mail.example.com.\n"
	"example.com. 3600 IN RRSIG MX 15 3 3600 (\n"
	"    1440021600 1438207200 3613 example.com. (\n"
	"    Edk+IB9KNNWg0HAjm7FazXyrd5m3Rk8zNZbvNpAcM+eysqcUOMIjWoevFkj\n"
	"    H5GaMWeG96GUVZu6ECKOQmemHDg== ) )\n";

static const char rfc8080_ed25519_b[] =
	"example.com. 3600 IN DNSKEY 257 3 15 (\n"
	"    zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs= )\n"
	"example.com. 3600 IN DS 35217 15 2 (\n"
	"    401781b934e392de492ec77ae2e15d70f6575a1c0bc59c5275c04ebe80c\n"
	"    6614c )\n"
	"example.com. 3600 IN MX 10 mail.example.com.\n"
	"example.com. 3600 IN RRSIG MX 15 3 3600 (\n"
	"    1440021600 1438207200 35217 example.com. (\n"
	"    5LL2obmzdqjWI+Xto5eP5adXt/T5tMhasWvwcyW4L3SzfcRawOle9bodhC+\n"
	"    oip9ayUGjY9T/rL4rN3bOuESGDA== ) )\n";

static const char rfc8080_ed448_a[] =
	"example.com. 3600 IN DNSKEY 257 3 16 (\n"
	"    3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx\n"
	"    1FYYUcJKm1MDpJtIA )\n"
	"example.com. 3600 IN DS 9713 16 2 (\n"
	"    6ccf18d5bc5d7fc2fceb1d59d17321402f2aa8d368048db93dd811f5cb2\n"
	"    b19c7 )\n"
	"example.com. 3600 IN MX 10 mail.example.com.\n"
	"example.com. 3600 IN RRSIG MX 16 3 3600 (\n"
	"    1440021600 1438207200 9713 example.com. (\n"
	"    Nmc0rgGKpr3GKYXcB1JmqqS4NYwhmechvJTqVzt3jR+Qy/lSLFoIk1L+9e3\n"
	"    9GPL+5tVzDPN3f9kAwiu8KCuPPjtl227ayaCZtRKZuJax7n9NuYlZJIusX0\n"
	"    SOIOKBGzG+yWYtz1/jjbzl5GGkWvREUCUA ) )\n";

static const char rfc8080_ed448_b[] =
	"example.com. 3600 IN DNSKEY 257 3 16 (\n"
	"    kkreGWoccSDmUBGAe7+zsbG6ZAFQp+syPmYUurBRQc3tDjeMCJcVMRDmgcN\n"
	"    Lp5HlHAMy12VoISsA )\n"
	"example.com. 3600 IN DS 38353 16 2 (\n"
	"    645ff078b3568f5852b70cb60e8e696cc77b75bfaaffc118cf79cbda1ba\n"
	"    28af4 )\n"
	"example.com. 3600 IN MX 10 mail.example.com.\n"
	"example.com. 3600 IN RRSIG MX 16 3 3600 (\n"
	"    1440021600 1438207200 38353 example.com. (\n"
	"    +JjANio/LIzp7osmMYE5XD3H/YES8kXs5Vb9H8MjPS8OAGZMD37+LsCIcjg\n"
	"    5ivt0d4Om/UaqETEAsJjaYe56CEQP5lhRWuD2ivBqE0zfwJTyp4WqvpULbp\n"
	"    vaukswvv/WNEFxzEYQEIm9+xDlXj4pMAMA ) )\n";

/* RFC 4034 5.4 (SHA-1) and RFC 4509 2.3 (SHA-256): one RSA/SHA-1 key. */
static const char rfc4509_ds[] =
	"dskey.example.com. 86400 IN DNSKEY 256 3 5 ( AQOeiiR0GOMYkDshWoSKz9Xz\n"
	"    fwJr1AYtsmx3TGkJaNXVbfi/\n"
	"    2pHm822aJ5iI9BMzNXxeYCmZ\n"
	"    DRD99WYwYqUSdjMmmAphXdvx\n"
	"    egXd/M5+X7OrzKBaMbCVdFLU\n"
	"    Uh6DhweJBjEVv5f2wwjM9Xzc\n"
	"    nOf+EPbtG9DMBmADjFDc2w/r\n"
	"    ljwvFw==\n"
	"    ) ; key id = 60485\n"
	"dskey.example.com. 86400 IN DS 60485 5 1 ( 2BB183AF5F22588179A53B0A\n"
	"    98631FAD1A292118 )\n"
	"dskey.example.com. 86400 IN DS 60485 5 2 ( D4B7D520E7BB5F0F67674A0C\n"
	"    CEB1E3E0614B93C4F9E99B83\n"
	"    83F6A1E4469DA50A ) ; key id = 60485\n";

static const char bind_rsasha1[] =
	"rsasha1.example. 3600 IN DNSKEY 256 3 5 (\n"
	"\tAwEAAe8m5P0oQ61U+Kvznjk6P1VBtQXOxvdjSAkHMdvkj5jRKxXWl2hycqfD\n"
	"\tFrIJZdxSGOq+LPc8YXiUcIsTuMx+6l0UyG0TK9ph1izbtiMExzdRuST+5ZJM\n"
	"\tkh5pZiLUhEjCnevSiaK/WDem6xOt6B8wRTAU6Esuytrg+tWFy07tGsT7 )\n"
	"mail.rsasha1.example. 3600 IN MX 10 mx1.rsasha1.example.\n"
	"mail.rsasha1.example. 3600 IN MX 20 MX2.Example.\n"
	"mail.rsasha1.example. 3600 IN RRSIG MX 5 3 3600 20340101000000 20240101000000 63535 rsasha1.example. (\n"
	"\tOc/fhrZ42YTaX3cOAkrq27l8aWRbrFGJ0kQVm/xpFJwS/4c1fjvwKU0YsJAH\n"
	"\tiSiPVFdCC/l4VT4Pgc51uYLMnnZ5nE2l9/S2FNZfvGum6WcqXPAssfnceX8l\n"
	"\tRC91cBoiGenO74yzpnmADwkyNTu3PHinS5eS1Xk672NFXOUbIm4= )\n";

static const char bind_nsec3rsasha1[] =
	"nsec3rsasha1.example. 3600 IN DNSKEY 256 3 7 (\n"
	"\tAwEAAbYbIByB7kLM7hSnLhYhc/C2SjtoY3jctGKvLux7tfKUam1J70ZjuSyI\n"
	"\tJoclglJaFdeBLxEhS+ybwOspb5s51E5nMjBEZX0sbxWQuHPQGZNd/HK7wG77\n"
	"\t3k3OA/2UK/Ibpb56iYlC3XPgSmjCmxNoq9gsIBb4e34lfPf/ujO56cHlfwBv\n"
	"\tvrH/r3G4RlrtgOS8ROOt9ReB1POdSX2qqx1o/CwHTiCPFyNVnr7wxeefT1Xn\n"
	"\t0aVAF3AdtXS2omxrcNPUka5BP/1r3K/gcXhYgLTUMJ0vVyYOQ4A0u2cDa6Mp\n"
	"\tJ/Djou68D9VrndO9VPslthgmlxdbk9B7IxpiCBia57Tg0jk= )\n"
	"mail.nsec3rsasha1.example. 3600 IN MX 10 mx1.nsec3rsasha1.example.\n"
	"mail.nsec3rsasha1.example. 3600 IN MX 20 MX2.Example.\n"
	"mail.nsec3rsasha1.example. 3600 IN RRSIG MX 7 3 3600 20340101000000 20240101000000 17055 nsec3rsasha1.example. (\n"
	"\tqjACFmcyJiOrIlLhYOl0DaFfJkcNT/wkQbGaEtXapP6QtOwKLthgwm5aCVGd\n"
	"\tRmZZbUtB0HlIIA1Ut8AaYyL7LehVt6gnY5PGedICvMXRWLOXymJGCHb9uXO5\n"
	"\tY5z2T4+MFf7hg9l1ZRQTOTgpRv2H0g9B7WLMGhiO5ppgaywMFxkuF122/Zv+\n"
	"\tsX1mKNSw02LW84gL96Z0W7/OCO+1/lg/aWsC4n1fKE/aqxUw/Vtl1Wf6JpNm\n"
	"\thZohccLofQCgzIFcHKkJ8z4eNN7ja+LrMGXZ+3LMWBe4YBCu26H63arZ0uoV\n"
	"\tlQOSlrddwQx/vQVmt69Ehb0lzU+RZ5sUayHQ2WNyiw== )\n";

static const char bind_rsasha256[] =
	"rsasha256.example. 3600 IN DNSKEY 256 3 8 (\n"
	"\tAwEAAdwJ07As+vwUEq458lVRx+bloyA2c3yB8okO+Gb2N7+6kg+PoKBhrmo3\n"
	"\tigZrQamBLCPmVEiB3o37vc5i9x5CHFuj9K8fXv2Nl+PpCNzYfGr24tG6CjmT\n"
	"\ttqkKBHZ6uVZfMkNRb1yRT+4kqun4MgFuetN0C/ozgbGsAggoh+XXfBKe/syW\n"
	"\ts45ir2GEXHlefY4bsiArWifOYnMjQv+Bt8vW/KxPI/lVKfNZt8/x8bODlmEY\n"
	"\tABV5xIVJw2otKhH9+MwRxooJcfHyklGv8vAHgCp5UavCxkW/g7W4hfUOFt0c\n"
	"\tqdw8fqMBLnXOTdxrxEJZzfcj7t8+ZX1NM5U49Lek9lJvM/s= )\n"
	"mail.rsasha256.example. 3600 IN MX 10 mx1.rsasha256.example.\n"
	"mail.rsasha256.example. 3600 IN MX 20 MX2.Example.\n"
	"mail.rsasha256.example. 3600 IN RRSIG MX 8 3 3600 20340101000000 20240101000000 11244 rsasha256.example. (\n"
	"\tUJDenMvu17tJ48tiIj+yVNZAlwFSXgjlYy7F07hizcOf5CBnqWaYNjRz4kQa\n"
	"\tQANUQZs3WzwqChnX41xLMaR3V4ga9DoCSCX7uepgIXcDHEAkPevEgZin1Uni\n"
	"\toE1PbMc8lifSQUKAEeU0uKLi1Pc8vlNnLwz3nl6Lvi2Uxp2fCWWCVMkDUlkm\n"
	"\t7H8b8Sw2zUTWLsDql2G7NKjUNd54WxaUK1zvFh9k1IIr45mhXSWNpAvVLhoc\n"
	"\tWGV8h+IVSZY5DkIUbumULKyhBH7xYtK6JNDAVjmsXQqvwt/zSnUnNl0c67IW\n"
	"\tjugMl4pqAw42A4beGybCSNqQCFVYbeFSiTjSBckFcw== )\n";

static const char bind_rsasha512[] =
	"rsasha512.example. 3600 IN DNSKEY 256 3 10 (\n"
	"\tAwEAAafDjXL8TBZtWon3TopSySMyDGj9mbA9ePoarLwa9/iac44DO0tnFtNw\n"
	"\tE4R5jaPKcJYGzSlQqg05G2lqp6HSv/DFvvLXfEgSxKFbPXOXNuThpGi6rKCv\n"
	"\t7xS75HYGJ/n5Llkjp4y7mpm6U+097xDcjNNmhTaVb6Q/3k9vrpPXcASY6XUq\n"
	"\t7Hjo7gO8KP8RKaYYY4quX0jJWT54cAr3qbC0ECU+bFNilbassUW6YWkUYKCv\n"
	"\t/+bYsTTsDfz/4PrLatDo0YMml2DZyChvhN+VSSX9Iqa2geeJO5QtYyCQNDtm\n"
	"\tGMK2FxpBAOQYVYgOZLmvmHd2lzHI7IDROyGn4vGtuImcFK1/gP2oKaoHovO4\n"
	"\tNcOJ05GQRNBNSqVQIKGe0GIuw42qIdr7q130J5HH5V5WXt6AzK4dFcOYLPmt\n"
	"\tHUqtPyPJlIgmaK9QfelI0dU6zd/TAsm9nBzHMXtlDJKRhtMaRr1ROnYa9jzr\n"
	"\tDtQM43/9/wIweRUw4+0uJq2IIVbcVrvPM3FWl1tzl52IHcNxlf4oelfQmlWA\n"
	"\tWgYcEQqLzswKMee5Myzo1QhcpjWS97FXamwWAvHRiyuB/YpCzG4pI7bH4hzh\n"
	"\tVhkcnK+osCfTbI8vAiwpJu+UbgETnubY4/Cfl01my3iojCDikgj0Yhjyvmq2\n"
	"\tP3N7rDMhDe0Sm/uO2Knf8qlH7Kjp )\n"
	"mail.rsasha512.example. 3600 IN MX 10 mx1.rsasha512.example.\n"
	"mail.rsasha512.example. 3600 IN MX 20 MX2.Example.\n"
	"mail.rsasha512.example. 3600 IN RRSIG MX 10 3 3600 20340101000000 20240101000000 61421 rsasha512.example. (\n"
	"\tgbheQXYGby2h5iTjmpalu9PRk3Ueqn0Srn6QjbQXnwntFXxEMGXiVmSYOsMy\n"
	"\tFgOmzhhicFQg/eB4iKmNijMLZ80YKK9TNoKwSun5d+YPPd3yxO0hRFXAj9/D\n"
	"\txHFszbOmbWoJ7sgrnaI2irJolAdYXFUNKZx+7c7vekAL6awo2NtjlkhMfvcj\n"
	"\tB8imG4guCw42rSGDoHfbejH3FOThq80E8JQJQABmuoVpClbSPfEm4U7hzTGs\n"
	"\t2eQ5sz32gsc89sux/l7Kp3nXHK7ayBoXVEouI8+yCEmXhvu3w2fRYBjF4efV\n"
	"\txepbLBazpRj3Kjappj0YONaX8qBqVvA2JYWZwP+T6fRaBoKlkdsTfKk/nT+p\n"
	"\tW9PbeTYKcjI3OV0jarMB1Qa0obKKupUKmP6YWV3PH9iBW1yLY6ry4wMG6Dav\n"
	"\tdEevEPW+AVuTo8vmQve4eImFqTZfywX0kfMuOSbfjiGltHKLRtcEqE6G4FEa\n"
	"\tSNf1u5LMnmlnDFnHarxTCwh6bJhePFAhmB76wU5yS5fySli2vL6OE/RSjqpJ\n"
	"\tqMhrB/EDJ22UqbrGbu2rnKyeroSypwGGafi/kGg9hbDikjCilXyMhwESZTT9\n"
	"\tfCo2DVNDoXsrqQ5jmh0jBikDOMCu15AJhY99rQsIa1fnfzfdT0U8Jw9B5btr\n"
	"\trkI9/hZcGnAbjD7egcv00Nw= )\n";

static const char bind_ecdsap256[] =
	"ecdsap256.example. 3600 IN DNSKEY 256 3 13 (\n"
	"\tNaMWuX3UEtB7pnhVWyyZKnhMr8wWnDKWsJi5c38UEJGyIQRSnqOyD1WTlsyR\n"
	"\tmfmN4gi6wqZNeB0wx29LZbkbdA== )\n"
	"mail.ecdsap256.example. 3600 IN MX 10 mx1.ecdsap256.example.\n"
	"mail.ecdsap256.example. 3600 IN MX 20 MX2.Example.\n"
	"mail.ecdsap256.example. 3600 IN RRSIG MX 13 3 3600 20340101000000 20240101000000 36739 ecdsap256.example. (\n"
	"\taTM4WVaRsgDySsT2/Ziol4zfJMVbQKH+CBo0jx5x7M2ay/Eo6P8UM4dqD1dU\n"
	"\t4ITvDAPqlA/LLPZ/EXas7F5hUQ== )\n";

static const char bind_ecdsap384[] =
	"ecdsap384.example. 3600 IN DNSKEY 256 3 14 (\n"
	"\t7ZTVSB6j09Qq3N9BwUNkqMrXv758a8FWqzCWs8FyoiVGvq3uaO5QWwNpRMBt\n"
	"\tN6ElFpN9DREyqcxMSVTUODAcFR1xmynilMZRUrt/4jeNOWUAXsROgQn7Ax2w\n"
	"\tRlCfF0DV )\n"
	"mail.ecdsap384.example. 3600 IN MX 10 mx1.ecdsap384.example.\n"
	"mail.ecdsap384.example. 3600 IN MX 20 MX2.Example.\n"
	"mail.ecdsap384.example. 3600 IN RRSIG MX 14 3 3600 20340101000000 20240101000000 51579 ecdsap384.example. (\n"
	"\tT3E1MxB5p0Dnt4U+Rvh+5gxb0Y7w6G3YW9ajfqw6nXolytTOXc2HPMMwrpIR\n"
	"\tPBZ5weN01dIPjXooES/DXSMIpV+Gwj3yduyJ7p3KEn3ElYCzaHbG80nrhCWG\n"
	"\tTzn28X4V )\n";

static const char bind_ed25519[] =
	"ed25519.example. 3600 IN DNSKEY 256 3 15 (\n"
	"\tp7+/H3UfNCoWT1yJHQuvAngAyFJvkiCeDYZDCVg3Jbs= )\n"
	"mail.ed25519.example. 3600 IN MX 10 mx1.ed25519.example.\n"
	"mail.ed25519.example. 3600 IN MX 20 MX2.Example.\n"
	"mail.ed25519.example. 3600 IN RRSIG MX 15 3 3600 20340101000000 20240101000000 61987 ed25519.example. (\n"
	"\tWuzl0fWrXQl5LDf9GrXbK0mA0upXQTGauwYa0TNpJM/7alxuskDt+uMp4w6a\n"
	"\tEYu1G2AXiHBUtu3isp111dhLDA== )\n";

static const char bind_ed448[] =
	"ed448.example. 3600 IN DNSKEY 256 3 16 (\n"
	"\tbJLWfticDAoTUn44IBz/pqgjg/fJzdTvJK9MPXfIyMxmvJ8eSYWTmq1uZuof\n"
	"\tP3C6y+y5Cb1ZvIQA )\n"
	"mail.ed448.example. 3600 IN MX 10 mx1.ed448.example.\n"
	"mail.ed448.example. 3600 IN MX 20 MX2.Example.\n"
	"mail.ed448.example. 3600 IN RRSIG MX 16 3 3600 20340101000000 20240101000000 57234 ed448.example. (\n"
	"\t9j6naDYjfdbXUbjRd5RS+awaModCxR1EWakQFUC/VTt9dAPDxBE9h/fe1CtZ\n"
	"\thb9ICniFK+hv9fyA1iPgqVW6dY2VgRGSRtPa07rPQr0txFTdgKHi/YybHILi\n"
	"\tZ8RHfLoQYruj762fFmlWEY8ByYVDDwkA )\n";

/* Leading zero octets and a small exponent (see the top of the file). */
#define RSA_SHORT_DATA "mxsec short RSA signature 284"   /* alg 10, RFC 5702 6.2 key */
#define RSA_SHORT_SIG \
	"AAwsp6oYfHuZSRIkepHcca99YivynyjE3dP9DNuGWif61OHBNHo6DGfqY/mVl4jg" \
	"TSUMRQqv+YoubB0auY8bo4JYhzXvmFxG1rvGocMfQdcoM7U2YhD4DAUbwp3EEmO4" \
	"5c9X/J3OOk0o6oyDr4L4b5m8x76tlGu0cQ4BtQaXpY8="
#define P256_DATA "mxsec ECDSA leading zero"       /* alg 13, RFC 6605 6.1 key */
#define P256_R0_SIG \
	"ABS/vEvR7+CUtWAfHhQ4oIVS93tR7gvFZpkZqwBXLLhu5oyPW4wUqz2dsvxDZlaJ" \
	"L0gTs9Z2wWtuKpYqUGjE7A=="
#define P256_S0_SIG \
	"bpr4Q1CpfDdGq/8HroOnPJQIIF7bOUHnYelxqmt+ySgAOARqnebUgqwgR9FJQMEV" \
	"dJMNwJSsVg2sECcqDvl1/A=="
#define RSA_E3_DATA "mxsec RSA exponent 3"           /* alg 8 */
#define RSA_E3_KEY \
	"AQPCdwdfiSBVR2aRg7G081/XUCVwathakfJMuWN9QZPyR4klWwWrfuhVTteOgbHD" \
	"orSjS2GPtDJ/SjlzJ+i18LdVJJtFBtpPfEgGZdIU1IdUvT3UF9p3qiuS9aKB5b1C" \
	"uVWi9i8EJ/1TiaG3hfAn2pI7+VeKsoZAbpHJYXW2mOitR/1YG0dYyNsZfNGq2Qoi" \
	"id/UcHNX+LqPbMVBJx3I/EhXtAuzvxeu3h/uL5j8T0fhd7UeAk3k1+65tacnUQOY" \
	"ucfD3Uf5coLFbYqMXMclp54XcDY8y8FnH6gdEMT5CRGclQ0YlfXBWkdWPuBIFa6v" \
	"s4DT5ry0O9+IewQVNoQsNK93"
#define RSA_E3_SIG \
	"qUA3OhsmUM9t8XdaCLMbXdK7YdT50e9ju1/wIgWS4U3q4lAJc9aKp8bFDtBOHJJZ" \
	"DryQHfqmVkiB2m+OrE1ycWdgYJJe4Hn+oRN7VYZsxLxaBjmDjbg3FbOYnEJI5Ymc" \
	"AZUuBQewnE0IJx7J7Vi6MMoA2I4ymrZefY8q58mCVhhJRkW+AI6UrAWGyWyQtU96" \
	"WmeHPAxpaSkOfOoLzRfCjcL/UYYTlXCt9QKOlEbxaO8PWj8naC2SUCyTlObWvcUm" \
	"rblS75KXghbua/WU6GoUuC/dido3jOzD7aZ8hgMfAbNYLAr5MRrAq3XJdqtqaj9a" \
	"qNZxawWeOUMpXsBAWOFGWQ=="

/* ------------------------------------------------------------- helpers */

static size_t
b64_decode(const char *s, uint8_t *out, size_t cap)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	for (; *s && *s != '='; s++) {
		const char *p = strchr(al, *s);
		assert_non_null(p);
		acc = acc << 6 | (uint32_t)(p - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			assert_true(n < cap);
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

/* RFC 4648 7, lower case, as RFC 5155 prints hashed owner names. */
static void
b32hex(const uint8_t *in, size_t len, char *out)
{
	static const char al[] = "0123456789abcdefghijklmnopqrstuv";
	uint32_t acc = 0;
	unsigned bits = 0;

	for (size_t i = 0; i < len; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			*out++ = al[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		*out++ = al[(acc << (5 - bits)) & 31];
	*out = 0;
}

/* The records of one example. */
#define MAX_RRS 8
typedef struct example {
	zone_rr rr[MAX_RRS];
	size_t n;
} example;

static example *
parse(const char *text)
{
	example *ex = calloc(1, sizeof(*ex));
	zone_reader z;
	int rc;

	assert_non_null(ex);
	zone_reader_init(&z, text, strlen(text), "vector", NULL, 3600);
	while ((rc = zone_next(&z, &ex->rr[ex->n])) == 1) {
		ex->n++;
		assert_true(ex->n < MAX_RRS);
	}
	if (rc != 0)
		fail_msg("line %u: %s", z.line, z.errmsg);
	return ex;
}

static const zone_rr *
find(const example *ex, uint16_t type, size_t nth)
{
	for (size_t i = 0; i < ex->n; i++)
		if (ex->rr[i].type == type && nth-- == 0)
			return &ex->rr[i];
	return NULL;
}

static const zone_rr *sort_base;

static int
rr_cmp(const void *a, const void *b)
{
	const zone_rr *x = *(const zone_rr *const *)a, *y = *(const zone_rr *const *)b;
	size_t m = x->rdlen < y->rdlen ? x->rdlen : y->rdlen;
	int c = memcmp(x->rdata, y->rdata, m);

	(void)sort_base;
	if (c != 0)
		return c;
	return (x->rdlen > y->rdlen) - (x->rdlen < y->rdlen);
}

/*
 * The data an RRSIG signs (RFC 4034 3.1.8.1): its RDATA up to and with the
 * signer's name, then each RR of the covered RRset in canonical form
 * (RFC 4034 6.2: lower-case owner and embedded names, original TTL) and
 * canonical order (6.3).  The owner is used as it is (no wildcards here).
 */
static size_t
signed_data(const example *ex, const zone_rr *sig, uint8_t *out, size_t cap)
{
	const zone_rr *set[MAX_RRS];
	size_t nset = 0, o, slen;
	uint16_t covered = (uint16_t)(sig->rdata[0] << 8 | sig->rdata[1]);

	slen = name_len(sig->rdata + 18);
	o = 18 + slen;
	assert_true(o <= cap);
	memcpy(out, sig->rdata, o);
	name_lower(out + 18);
	for (size_t i = 0; i < ex->n; i++)
		if (ex->rr[i].type == covered && name_eq(ex->rr[i].owner, sig->owner))
			set[nset++] = &ex->rr[i];
	assert_true(nset > 0);
	/* Canonicalise copies before sorting: order is over canonical RDATA. */
	zone_rr *canon = calloc(nset, sizeof(*canon));
	const zone_rr *sorted[MAX_RRS];
	assert_non_null(canon);
	for (size_t i = 0; i < nset; i++) {
		canon[i] = *set[i];
		rdata_canonicalize(canon[i].type, canon[i].rdata, canon[i].rdlen);
		name_lower(canon[i].owner);
		sorted[i] = &canon[i];
	}
	qsort(sorted, nset, sizeof(sorted[0]), rr_cmp);
	for (size_t i = 0; i < nset; i++) {
		const zone_rr *r = sorted[i];
		size_t olen = name_len(r->owner);
		assert_true(o + olen + 10 + r->rdlen <= cap);
		memcpy(out + o, r->owner, olen);
		o += olen;
		out[o++] = (uint8_t)(r->type >> 8);
		out[o++] = (uint8_t)r->type;
		out[o++] = (uint8_t)(r->rclass >> 8);
		out[o++] = (uint8_t)r->rclass;
		memcpy(out + o, sig->rdata + 4, 4);     /* original TTL */
		o += 4;
		out[o++] = (uint8_t)(r->rdlen >> 8);
		out[o++] = (uint8_t)r->rdlen;
		memcpy(out + o, r->rdata, r->rdlen);
		o += r->rdlen;
	}
	free(canon);
	return o;
}

/* One verification case cut out of an example. */
typedef struct vcase {
	uint8_t alg;
	const uint8_t *key;     /* DNSKEY public key field */
	size_t keylen;
	uint8_t data[4096];
	size_t datalen;
	const uint8_t *sig;
	size_t siglen;
} vcase;

static void
vcase_from(const example *ex, vcase *v)
{
	const zone_rr *sig = find(ex, RR_RRSIG, 0), *key = NULL;
	size_t slen;
	uint16_t tag;

	assert_non_null(sig);
	tag = (uint16_t)(sig->rdata[16] << 8 | sig->rdata[17]);
	for (size_t i = 0; (key = find(ex, RR_DNSKEY, i)) != NULL; i++)
		if (rdata_keytag(key->rdata, key->rdlen) == tag &&
		    key->rdata[3] == sig->rdata[2])
			break;
	assert_non_null(key);   /* the key tag is right (RFC 4034 B) */
	slen = 18 + name_len(sig->rdata + 18);
	v->alg = sig->rdata[2];
	v->key = key->rdata + 4;
	v->keylen = key->rdlen - 4;
	v->sig = sig->rdata + slen;
	v->siglen = sig->rdlen - slen;
	v->datalen = signed_data(ex, sig, v->data, sizeof(v->data));
}

static int
verify(const vcase *v)
{
	return crypto_verify(v->alg, v->key, v->keylen, v->data, v->datalen,
	    v->sig, v->siglen);
}

/* A good signature, and the ways to break it. */
static void
check_good(const char *text, const char *what)
{
	example *ex = parse(text);
	vcase *v = calloc(1, sizeof(*v));
	uint8_t sig[1024], key[1024];
	int rc;

	assert_non_null(v);
	vcase_from(ex, v);
	rc = verify(v);
	if (rc != 0)
		fail_msg("%s: %s", what, mx_strerror(rc));

	/* Any flipped bit in the signature or the data (RFC 4035 5.3.3). */
	assert_true(v->siglen <= sizeof(sig));
	for (size_t i = 0; i < v->siglen; i += (v->siglen + 6) / 7) {
		for (unsigned bit = 0; bit < 8; bit += 3) {
			memcpy(sig, v->sig, v->siglen);
			sig[i] ^= (uint8_t)(1u << bit);
			rc = crypto_verify(v->alg, v->key, v->keylen, v->data,
			    v->datalen, sig, v->siglen);
			if (rc != MX_EVERIFY)
				fail_msg("%s: sig[%zu] bit %u: %d", what, i, bit, rc);
		}
	}
	memcpy(sig, v->sig, v->siglen);
	sig[v->siglen - 1] ^= 0x80;
	assert_int_equal(crypto_verify(v->alg, v->key, v->keylen, v->data,
	    v->datalen, sig, v->siglen), MX_EVERIFY);
	for (size_t i = 0; i < v->datalen; i += 17) {
		v->data[i] ^= 0x01;
		assert_int_equal(verify(v), MX_EVERIFY);
		v->data[i] ^= 0x01;
	}
	v->datalen--;
	assert_int_equal(verify(v), MX_EVERIFY);
	v->datalen++;

	/* A changed key never verifies; whether the change is caught as a
	 * malformed key (a point off the curve) or as a wrong signature
	 * depends on the algorithm. */
	assert_true(v->keylen <= sizeof(key));
	memcpy(key, v->key, v->keylen);
	key[v->keylen / 2] ^= 0x10;
	rc = crypto_verify(v->alg, key, v->keylen, v->data, v->datalen,
	    v->sig, v->siglen);
	assert_true(rc == MX_EVERIFY || rc == MX_EFORMAT);

	/* The same key under another algorithm. */
	static const uint8_t others[] = { 5, 7, 8, 10, 13, 14, 15, 16 };
	for (size_t i = 0; i < sizeof(others); i++) {
		if (others[i] == v->alg)
			continue;
		/* RSA/SHA-1 and NSEC3-RSA/SHA-1 are the same scheme. */
		if ((v->alg == 5 && others[i] == 7) || (v->alg == 7 && others[i] == 5))
			continue;
		rc = crypto_verify(others[i], v->key, v->keylen, v->data,
		    v->datalen, v->sig, v->siglen);
		if (rc != MX_EVERIFY && rc != MX_EFORMAT)
			fail_msg("%s as algorithm %u: %d", what, others[i], rc);
	}
	free(v);
	free(ex);
}

/* ----------------------------------------------------------- signatures */

static void
test_rfc5702(void **state)
{
	(void)state;
	check_good(rfc5702_rsasha512, "RFC 5702 6.2");

	/* RFC 5702 6.1 is a 512-bit key: refused as malformed before any
	 * arithmetic (crypto.h), even though the signature is right. */
	example *ex = parse(rfc5702_rsasha256);
	vcase *v = calloc(1, sizeof(*v));
	assert_non_null(v);
	vcase_from(ex, v);
	assert_int_equal(v->keylen, 1 + 3 + 64);   /* 03 010001 | modulus */
	assert_int_equal(verify(v), MX_EFORMAT);
	free(v);
	free(ex);
}

static void
test_rfc6605(void **state)
{
	(void)state;
	check_good(rfc6605_p256, "RFC 6605 6.1");
	check_good(rfc6605_p384, "RFC 6605 6.2");
}

static void
test_rfc8080(void **state)
{
	(void)state;
	check_good(rfc8080_ed25519_a, "RFC 8080 6.1 (3613)");
	check_good(rfc8080_ed25519_b, "RFC 8080 6.1 (35217)");
	check_good(rfc8080_ed448_a, "RFC 8080 6.2 (9713)");
	check_good(rfc8080_ed448_b, "RFC 8080 6.2 (38353)");
}

static void
test_bind(void **state)
{
	(void)state;
	check_good(bind_rsasha1, "BIND RSASHA1 1024");
	check_good(bind_nsec3rsasha1, "BIND NSEC3RSASHA1 2048");
	check_good(bind_rsasha256, "BIND RSASHA256 2048");
	check_good(bind_rsasha512, "BIND RSASHA512 4096");
	check_good(bind_ecdsap256, "BIND ECDSAP256SHA256");
	check_good(bind_ecdsap384, "BIND ECDSAP384SHA384");
	check_good(bind_ed25519, "BIND ED25519");
	check_good(bind_ed448, "BIND ED448");
}

/* RFC 3110 2 key layouts, sizes and signature lengths. */
static void
test_rsa_format(void **state)
{
	example *ex = parse(rfc5702_rsasha512);
	vcase *v = calloc(1, sizeof(*v));
	uint8_t key[600], sig[600];
	const uint8_t *mod;
	size_t modlen;
	(void)state;

	assert_non_null(v);
	vcase_from(ex, v);
	/* 03 010001 | 128-octet modulus */
	assert_int_equal(v->keylen, 1 + 3 + 128);
	assert_int_equal(v->key[0], 3);
	mod = v->key + 4;
	modlen = 128;
	assert_int_equal(verify(v), 0);

	/* The three-octet length form: 0, then 2 octets (RFC 3110 2). */
	key[0] = 0;
	key[1] = 0;
	key[2] = 3;
	memcpy(key + 3, v->key + 1, v->keylen - 1);
	assert_int_equal(crypto_verify(10, key, v->keylen + 2, v->data,
	    v->datalen, v->sig, v->siglen), 0);
	/* ... whose length octets are missing or overrun the key. */
	assert_int_equal(crypto_verify(10, key, 1, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	assert_int_equal(crypto_verify(10, key, 2, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	key[1] = 0x02;          /* 0x0203 octets of exponent */
	assert_int_equal(crypto_verify(10, key, v->keylen + 2, v->data,
	    v->datalen, v->sig, v->siglen), MX_EFORMAT);

	/* One-octet length overrunning the key, or leaving no modulus. */
	memcpy(key, v->key, v->keylen);
	key[0] = (uint8_t)(v->keylen - 1);
	assert_int_equal(crypto_verify(10, key, v->keylen, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	key[0] = 0xff;
	assert_int_equal(crypto_verify(10, key, v->keylen, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	/* Empty key, exponent only, zero exponent, exponent 1, even. */
	assert_int_equal(crypto_verify(10, key, 0, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	assert_int_equal(crypto_verify(10, v->key, 4, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	static const uint8_t bad_e[][3] = { { 0, 0, 0 }, { 0, 0, 1 }, { 1, 0, 0 } };
	for (size_t i = 0; i < 3; i++) {
		memcpy(key, v->key, v->keylen);
		memcpy(key + 1, bad_e[i], 3);
		assert_int_equal(crypto_verify(10, key, v->keylen, v->data,
		    v->datalen, v->sig, v->siglen), MX_EFORMAT);
	}
	/* An exponent over 64 bits. */
	key[0] = 9;
	memset(key + 1, 0, 8);
	key[1] = 1;
	key[9] = 1;
	memcpy(key + 10, mod, modlen);
	assert_int_equal(crypto_verify(10, key, 10 + modlen, v->data,
	    v->datalen, v->sig, v->siglen), MX_EFORMAT);
	/* ... but leading zeros in the exponent are fine. */
	key[0] = 9;
	memset(key + 1, 0, 9);
	key[7] = 1;
	key[8] = 0;
	key[9] = 1;
	assert_int_equal(crypto_verify(10, key, 10 + modlen, v->data,
	    v->datalen, v->sig, v->siglen), 0);

	/* A leading zero octet before the modulus is harmless; the
	 * signature may then count it too. */
	memcpy(key, v->key, 4);
	key[4] = 0;
	memcpy(key + 5, mod, modlen);
	assert_int_equal(crypto_verify(10, key, 5 + modlen, v->data,
	    v->datalen, v->sig, v->siglen), 0);
	sig[0] = 0;
	memcpy(sig + 1, v->sig, v->siglen);
	assert_int_equal(crypto_verify(10, key, 5 + modlen, v->data,
	    v->datalen, sig, v->siglen + 1), 0);
	assert_int_equal(crypto_verify(10, v->key, v->keylen, v->data,
	    v->datalen, sig, v->siglen + 1), 0);
	/* Longer than the modulus: malformed.  Shorter: a wrong value. */
	sig[0] = 1;
	assert_int_equal(crypto_verify(10, v->key, v->keylen, v->data,
	    v->datalen, sig, v->siglen + 1), MX_EFORMAT);
	assert_int_equal(crypto_verify(10, v->key, v->keylen, v->data,
	    v->datalen, v->sig, v->siglen - 1), MX_EVERIFY);
	assert_int_equal(crypto_verify(10, v->key, v->keylen, v->data,
	    v->datalen, v->sig, 0), MX_EFORMAT);
	memset(sig, 0, sizeof(sig));
	assert_int_equal(crypto_verify(10, v->key, v->keylen, v->data,
	    v->datalen, sig, v->siglen), MX_EVERIFY);
	memset(sig, 0xff, sizeof(sig));         /* above the modulus */
	assert_int_equal(crypto_verify(10, v->key, v->keylen, v->data,
	    v->datalen, sig, v->siglen), MX_EVERIFY);

	/* A truncated key: the modulus is one octet shorter than the
	 * signature, which is then malformed. */
	assert_int_equal(crypto_verify(10, v->key, v->keylen - 1, v->data,
	    v->datalen, v->sig, v->siglen), MX_EFORMAT);

	/* Sizes: 1023 bits (leading zeros do not count), 4097 bits, an even
	 * modulus. */
	memcpy(key, v->key, 4);
	memcpy(key + 4, mod, modlen);
	key[4] = 0x7f;
	assert_int_equal(crypto_verify(10, key, 4 + modlen, v->data,
	    v->datalen, v->sig, v->siglen), MX_EFORMAT);
	key[4] = 0;
	assert_int_equal(crypto_verify(10, key, 4 + modlen, v->data,
	    v->datalen, v->sig, v->siglen), MX_EFORMAT);
	memset(key + 4, 0xff, 513);
	key[4] = 0x01;
	assert_int_equal(crypto_verify(10, key, 4 + 513, v->data,
	    v->datalen, v->sig, v->siglen), MX_EFORMAT);
	key[4] = 0x00;          /* 4096 bits with a leading zero octet: fine */
	assert_int_equal(crypto_verify(10, key, 4 + 513, v->data,
	    v->datalen, v->sig, v->siglen), MX_EVERIFY);
	memcpy(key + 4, mod, modlen);
	key[4 + modlen - 1] ^= 1;
	assert_int_equal(crypto_verify(10, key, 4 + modlen, v->data,
	    v->datalen, v->sig, v->siglen), MX_EFORMAT);
	free(v);
	free(ex);
}

/* A signature value with a leading zero octet, sent short or in full. */
static void
test_rsa_short_sig(void **state)
{
	example *ex = parse(rfc5702_rsasha512);
	vcase *v = calloc(1, sizeof(*v));
	uint8_t sig[128], key[600];
	size_t n, kl;
	(void)state;

	assert_non_null(v);
	vcase_from(ex, v);
	n = b64_decode(RSA_SHORT_SIG, sig, sizeof(sig));
	assert_int_equal(n, 128);
	assert_int_equal(sig[0], 0);
	assert_int_equal(crypto_verify(10, v->key, v->keylen,
	    (const uint8_t *)RSA_SHORT_DATA, strlen(RSA_SHORT_DATA), sig, n), 0);
	assert_int_equal(crypto_verify(10, v->key, v->keylen,
	    (const uint8_t *)RSA_SHORT_DATA, strlen(RSA_SHORT_DATA), sig + 1,
	    n - 1), 0);
	assert_int_equal(crypto_verify(10, v->key, v->keylen,
	    (const uint8_t *)RSA_SHORT_DATA, strlen(RSA_SHORT_DATA) - 1, sig + 1,
	    n - 1), MX_EVERIFY);

	/* Exponent 3. */
	kl = b64_decode(RSA_E3_KEY, key, sizeof(key));
	n = b64_decode(RSA_E3_SIG, key + kl, sizeof(key) - kl);
	assert_int_equal(key[0], 1);
	assert_int_equal(key[1], 3);
	assert_int_equal(crypto_verify(8, key, kl, (const uint8_t *)RSA_E3_DATA,
	    strlen(RSA_E3_DATA), key + kl, n), 0);
	assert_int_equal(crypto_verify(5, key, kl, (const uint8_t *)RSA_E3_DATA,
	    strlen(RSA_E3_DATA), key + kl, n), MX_EVERIFY);
	free(v);
	free(ex);
}

static void
test_ecdsa_format(void **state)
{
	example *ex = parse(rfc6605_p256);
	vcase *v = calloc(1, sizeof(*v));
	uint8_t sig[100], key[100];
	size_t n;
	(void)state;

	assert_non_null(v);
	vcase_from(ex, v);
	assert_int_equal(v->keylen, 64);
	assert_int_equal(v->siglen, 64);

	/* r and s with leading zero octets (their DER INTEGERs shrink). */
	n = b64_decode(P256_R0_SIG, sig, sizeof(sig));
	assert_int_equal(n, 64);
	assert_int_equal(sig[0], 0);
	assert_int_equal(crypto_verify(13, v->key, v->keylen,
	    (const uint8_t *)P256_DATA, strlen(P256_DATA), sig, n), 0);
	n = b64_decode(P256_S0_SIG, sig, sizeof(sig));
	assert_int_equal(sig[32], 0);
	assert_int_equal(crypto_verify(13, v->key, v->keylen,
	    (const uint8_t *)P256_DATA, strlen(P256_DATA), sig, n), 0);

	/* Exact lengths (RFC 6605 4). */
	assert_int_equal(crypto_verify(13, v->key, 63, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	assert_int_equal(crypto_verify(13, v->key, 0, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	memcpy(key, v->key, 64);
	key[64] = 0;
	assert_int_equal(crypto_verify(13, key, 65, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	assert_int_equal(crypto_verify(13, v->key, v->keylen, v->data,
	    v->datalen, v->sig, 63), MX_EFORMAT);
	memcpy(sig, v->sig, 64);
	sig[64] = 0;
	assert_int_equal(crypto_verify(13, v->key, v->keylen, v->data,
	    v->datalen, sig, 65), MX_EFORMAT);
	/* A P-256 key and signature under P-384. */
	assert_int_equal(crypto_verify(14, v->key, v->keylen, v->data,
	    v->datalen, v->sig, v->siglen), MX_EFORMAT);

	/* Points that are not on the curve. */
	memcpy(key, v->key, 64);
	key[63] ^= 1;
	assert_int_equal(crypto_verify(13, key, 64, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	memset(key, 0, 64);
	assert_int_equal(crypto_verify(13, key, 64, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	memset(key, 0xff, 64);
	assert_int_equal(crypto_verify(13, key, 64, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);

	/* r = 0, s = 0, both all ones (above the group order). */
	memcpy(sig, v->sig, 64);
	memset(sig, 0, 32);
	assert_int_equal(crypto_verify(13, v->key, 64, v->data, v->datalen,
	    sig, 64), MX_EVERIFY);
	memcpy(sig, v->sig, 64);
	memset(sig + 32, 0, 32);
	assert_int_equal(crypto_verify(13, v->key, 64, v->data, v->datalen,
	    sig, 64), MX_EVERIFY);
	memset(sig, 0xff, 64);
	assert_int_equal(crypto_verify(13, v->key, 64, v->data, v->datalen,
	    sig, 64), MX_EVERIFY);
	free(v);
	free(ex);
}

static void
test_eddsa_format(void **state)
{
	example *ex = parse(rfc8080_ed25519_a), *ex4 = parse(rfc8080_ed448_a);
	vcase *v = calloc(1, sizeof(*v)), *v4 = calloc(1, sizeof(*v4));
	uint8_t key[64], sig[128];
	(void)state;

	assert_non_null(v);
	assert_non_null(v4);
	vcase_from(ex, v);
	vcase_from(ex4, v4);
	assert_int_equal(v->keylen, 32);
	assert_int_equal(v->siglen, 64);
	assert_int_equal(v4->keylen, 57);
	assert_int_equal(v4->siglen, 114);

	/* RFC 8080 3, 4: exact lengths. */
	assert_int_equal(crypto_verify(15, v->key, 31, v->data, v->datalen,
	    v->sig, v->siglen), MX_EFORMAT);
	assert_int_equal(crypto_verify(15, v->key, v->keylen, v->data,
	    v->datalen, v->sig, 63), MX_EFORMAT);
	memcpy(sig, v->sig, 64);
	sig[64] = 0;
	assert_int_equal(crypto_verify(15, v->key, v->keylen, v->data,
	    v->datalen, sig, 65), MX_EFORMAT);
	assert_int_equal(crypto_verify(16, v4->key, 56, v4->data, v4->datalen,
	    v4->sig, v4->siglen), MX_EFORMAT);
	assert_int_equal(crypto_verify(16, v4->key, v4->keylen, v4->data,
	    v4->datalen, v4->sig, 113), MX_EFORMAT);
	/* Each curve's key and signature under the other. */
	assert_int_equal(crypto_verify(16, v->key, v->keylen, v->data,
	    v->datalen, v->sig, v->siglen), MX_EFORMAT);
	assert_int_equal(crypto_verify(15, v4->key, v4->keylen, v4->data,
	    v4->datalen, v4->sig, v4->siglen), MX_EFORMAT);

	/* A public key that is no point (y >= p): a wrong signature. */
	memset(key, 0xff, 32);
	key[31] = 0x7f;
	assert_int_equal(crypto_verify(15, key, 32, v->data, v->datalen,
	    v->sig, v->siglen), MX_EVERIFY);
	/* S >= L (RFC 8032 5.1.7): the top octet of S set. */
	memcpy(sig, v->sig, 64);
	sig[63] |= 0xf0;
	assert_int_equal(crypto_verify(15, v->key, v->keylen, v->data,
	    v->datalen, sig, 64), MX_EVERIFY);
	free(v);
	free(v4);
	free(ex);
	free(ex4);
}

static void
test_unsupported(void **state)
{
	static const uint8_t unsup[] = { 0, 1, 2, 3, 4, 6, 9, 11, 12, 17, 23,
	    123, 200, 252, 253, 254, 255 };
	static const uint8_t sup[] = { 5, 7, 8, 10, 13, 14, 15, 16 };
	uint8_t junk[64] = { 3, 1, 0, 1 };
	(void)state;

	for (size_t i = 0; i < sizeof(unsup); i++) {
		assert_false(crypto_alg_supported(unsup[i]));
		assert_int_equal(crypto_verify(unsup[i], junk, sizeof(junk),
		    junk, sizeof(junk), junk, sizeof(junk)), MX_EUNSUPP);
	}
	for (size_t i = 0; i < sizeof(sup); i++)
		assert_true(crypto_alg_supported(sup[i]));
	for (unsigned a = 0; a < 256; a++) {
		bool want = memchr(sup, (int)a, sizeof(sup)) != NULL;
		assert_int_equal(crypto_alg_supported((uint8_t)a), want);
	}
	for (unsigned d = 0; d < 256; d++) {
		bool want = d == 1 || d == 2 || d == 4;
		uint8_t out[CRYPTO_DIGEST_MAX];
		size_t outlen = 99;
		assert_int_equal(crypto_digest_supported((uint8_t)d), want);
		assert_int_equal(crypto_ds_digest((uint8_t)d, junk, sizeof(junk),
		    out, &outlen), want ? 0 : MX_EUNSUPP);
		assert_int_equal(outlen, d == 1 ? 20 : d == 2 ? 32 : d == 4 ? 48 : 0);
	}
}

/* ------------------------------------------------------------------ DS */

/* Every DS of an example against its DNSKEY (RFC 4034 5.1.4). */
static unsigned
check_ds(const char *text)
{
	example *ex = parse(text);
	const zone_rr *ds, *key;
	unsigned n = 0;

	for (size_t i = 0; (ds = find(ex, RR_DS, i)) != NULL; i++) {
		uint16_t tag = (uint16_t)(ds->rdata[0] << 8 | ds->rdata[1]);
		uint8_t buf[NAME_MAX_WIRE + 2048], out[CRYPTO_DIGEST_MAX];
		size_t olen, dlen = 0;

		for (size_t k = 0; (key = find(ex, RR_DNSKEY, k)) != NULL; k++)
			if (rdata_keytag(key->rdata, key->rdlen) == tag)
				break;
		assert_non_null(key);
		assert_int_equal(key->rdata[3], ds->rdata[2]);
		olen = name_len(key->owner);
		memcpy(buf, key->owner, olen);
		name_lower(buf);
		memcpy(buf + olen, key->rdata, key->rdlen);
		assert_int_equal(crypto_ds_digest(ds->rdata[3], buf,
		    olen + key->rdlen, out, &dlen), 0);
		assert_int_equal(dlen, ds->rdlen - 4);
		assert_memory_equal(out, ds->rdata + 4, dlen);
		/* The digest covers the owner name too. */
		buf[1] ^= 1;
		assert_int_equal(crypto_ds_digest(ds->rdata[3], buf,
		    olen + key->rdlen, out, &dlen), 0);
		assert_memory_not_equal(out, ds->rdata + 4, dlen);
		n++;
	}
	free(ex);
	return n;
}

static void
test_ds(void **state)
{
	(void)state;
	assert_int_equal(check_ds(rfc4509_ds), 2);      /* SHA-1, SHA-256 */
	assert_int_equal(check_ds(rfc6605_p256), 1);    /* SHA-256 */
	assert_int_equal(check_ds(rfc6605_p384), 1);    /* SHA-384 */
	assert_int_equal(check_ds(rfc8080_ed25519_a), 1);
	assert_int_equal(check_ds(rfc8080_ed25519_b), 1);
	assert_int_equal(check_ds(rfc8080_ed448_a), 1);
	assert_int_equal(check_ds(rfc8080_ed448_b), 1);

	/* The empty input (FIPS 180-4 test values). */
	uint8_t out[CRYPTO_DIGEST_MAX];
	size_t len;
	static const uint8_t sha1_empty[] = { 0xda, 0x39, 0xa3, 0xee, 0x5e,
	    0x6b, 0x4b, 0x0d, 0x32, 0x55, 0xbf, 0xef, 0x95, 0x60, 0x18, 0x90,
	    0xaf, 0xd8, 0x07, 0x09 };
	assert_int_equal(crypto_ds_digest(1, NULL, 0, out, &len), 0);
	assert_int_equal(len, 20);
	assert_memory_equal(out, sha1_empty, 20);
}

/* --------------------------------------------------------------- NSEC3 */

static void
nsec3(const char *name, const uint8_t *salt, size_t saltlen, uint16_t iter,
    char b32[33])
{
	uint8_t wire[NAME_MAX_WIRE], h[20];

	assert_int_equal(name_from_cstr(name, wire), 0);
	assert_int_equal(crypto_nsec3_hash(1, salt, saltlen, iter, wire,
	    name_len(wire), h), 0);
	b32hex(h, 20, b32);
}

/* RFC 5155 Appendix A: salt aabbccdd, 12 additional iterations. */
static void
test_nsec3_rfc5155(void **state)
{
	static const struct {
		const char *name, *hash;
	} v[] = {
		{ "example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl" },
		{ "ai.example", "gjeqe526plbf1g8mklp59enfd789njgi" },
		{ "ns1.example", "2t7b4g4vsa5smi47k61mv5bv1a22bojr" },
		{ "ns2.example", "q04jkcevqvmu85r014c7dkba38o0ji5r" },
		{ "w.example", "k8udemvp1j2f7eg6jebps17vp3n8i58h" },
		{ "*.w.example", "r53bq7cc2uvmubfu5ocmm6pers9tk9en" },
		{ "x.w.example", "b4um86eghhds6nea196smvmlo4ors995" },
		{ "y.w.example", "ji6neoaepv8b5o6k4ev33abha8ht9fgc" },
		{ "x.y.w.example", "2vptu5timamqttgl4luu9kg21e0aor3s" },
		{ "xx.example", "t644ebqk9bibcna874givr6joj62mlhv" },
		/* Appendix B: names that do not exist. */
		{ "c.x.w.example", "0va5bpr2ou0vk0lbqeeljri88laipsfh" },
		{ "a.c.x.w.example", "06pjpo0bna507odhmdh856ignbmhtjf3" },
		/* Case does not matter (RFC 5155 5: canonical form). */
		{ "EXAMPLE", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "X.w.ExAmPlE", "b4um86eghhds6nea196smvmlo4ors995" },
	};
	static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	char b32[33];
	(void)state;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		nsec3(v[i].name, salt, sizeof(salt), 12, b32);
		if (strcmp(b32, v[i].hash) != 0)
			fail_msg("%s: %s, want %s", v[i].name, b32, v[i].hash);
	}
}

static void
test_nsec3_params(void **state)
{
	uint8_t wire[NAME_MAX_WIRE], h[20], h2[20], salt[255];
	char b32[33];
	(void)state;

	/* No salt, no extra iteration: plain SHA-1 of the name. */
	nsec3("example", NULL, 0, 0, b32);
	assert_string_equal(b32, "3msev9usmd4br9s97v51r2tdvmr9iqo1");
	/* Longest salt; many iterations (values from Python's hashlib). */
	memset(salt, 0xff, sizeof(salt));
	assert_int_equal(name_from_cstr("mail.example.com", wire), 0);
	assert_int_equal(crypto_nsec3_hash(1, salt, 255, 0, wire,
	    name_len(wire), h), 0);
	static const uint8_t want1[20] = { 0xbd, 0xd1, 0x16, 0x12, 0x21, 0x6c,
	    0xe5, 0x26, 0xd8, 0x55, 0x27, 0x12, 0xff, 0x05, 0xce, 0x6b, 0xe1,
	    0x08, 0xc9, 0xc9 };
	assert_memory_equal(h, want1, 20);
	assert_int_equal(name_from_cstr("example.com", wire), 0);
	assert_int_equal(crypto_nsec3_hash(1, NULL, 0, 65535, wire,
	    name_len(wire), h), 0);
	static const uint8_t want2[20] = { 0x01, 0x77, 0x58, 0x05, 0x09, 0x67,
	    0x89, 0xc8, 0xab, 0x78, 0x39, 0xc5, 0x69, 0xdd, 0x68, 0x94, 0x52,
	    0x64, 0x5f, 0xc6 };
	assert_memory_equal(h, want2, 20);

	/* Only hash algorithm 1 exists; bad arguments; out is cleared. */
	memset(h2, 0x55, 20);
	assert_int_equal(crypto_nsec3_hash(2, NULL, 0, 0, wire,
	    name_len(wire), h2), MX_EUNSUPP);
	assert_int_equal(crypto_nsec3_hash(0, NULL, 0, 0, wire,
	    name_len(wire), h2), MX_EUNSUPP);
	memset(h, 0, 20);
	assert_memory_equal(h2, h, 20);
	assert_int_equal(crypto_nsec3_hash(1, NULL, 0, 0, wire, 0, h2),
	    MX_EINVAL);
	assert_int_equal(crypto_nsec3_hash(1, NULL, 0, 0, wire, 256, h2),
	    MX_EINVAL);
	assert_int_equal(crypto_nsec3_hash(1, salt, 256, 0, wire,
	    name_len(wire), h2), MX_EINVAL);
}

/* ------------------------------------------------- allocation failures */

/*
 * A failed allocation inside OpenSSL must come back as MX_ENOMEM ("could
 * not check"), never as a wrong or malformed signature (STYLE.md rule
 * 3).  malloc and realloc are replaced here (glibc's own are called
 * through) so that the n-th allocation can be made to fail.  Not under
 * AddressSanitizer and friends, which own malloc.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NO_MALLOC_HOOK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(thread_sanitizer)
#define NO_MALLOC_HOOK 1
#endif
#endif
#if !defined(__GLIBC__)
#define NO_MALLOC_HOOK 1
#endif

#ifndef NO_MALLOC_HOOK
extern void *__libc_malloc(size_t n);
extern void *__libc_realloc(void *p, size_t n);

static long fail_countdown = -1;
static bool fail_hit;

void *
malloc(size_t n)
{
	if (fail_countdown >= 0 && fail_countdown-- == 0) {
		fail_hit = true;
		return NULL;
	}
	return __libc_malloc(n);
}

void *
realloc(void *p, size_t n)
{
	if (fail_countdown >= 0 && fail_countdown-- == 0) {
		fail_hit = true;
		return NULL;
	}
	return __libc_realloc(p, n);
}

/* Fail each allocation of one verification in turn, with the caches
 * empty (cold) or filled (warm). */
static void
nomem_verify(const char *text, bool cold)
{
	example *ex = parse(text);
	vcase *v = calloc(1, sizeof(*v));
	long n;

	assert_non_null(v);
	vcase_from(ex, v);
	for (n = 0; n < 10000; n++) {
		int rc;
		if (cold)
			crypto_cleanup();
		else
			assert_int_equal(verify(v), 0);
		fail_hit = false;
		fail_countdown = n;
		rc = verify(v);
		fail_countdown = -1;
		if (!fail_hit) {
			assert_int_equal(rc, 0);
			break;
		}
		if (rc != 0 && rc != MX_ENOMEM)
			fail_msg("alg %u, allocation %ld failed: %s", v->alg, n,
			    mx_strerror(rc));
		/* Nothing half-made was kept. */
		assert_int_equal(verify(v), 0);
	}
	assert_true(n > 0 && n < 10000);
	free(v);
	free(ex);
}

static void
test_nomem(void **state)
{
	static const char *const texts[] = { rfc5702_rsasha512, rfc6605_p256,
	    rfc6605_p384, rfc8080_ed25519_a, rfc8080_ed448_a, bind_rsasha1 };
	uint8_t wire[NAME_MAX_WIRE], out[CRYPTO_DIGEST_MAX];
	size_t len;
	(void)state;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		nomem_verify(texts[i], true);
		nomem_verify(texts[i], false);
	}
	assert_int_equal(name_from_cstr("example", wire), 0);
	for (long n = 0; n < 1000; n++) {
		int rc1, rc2;
		crypto_cleanup();
		fail_hit = false;
		fail_countdown = n;
		rc1 = crypto_ds_digest(2, wire, 9, out, &len);
		rc2 = crypto_nsec3_hash(1, NULL, 0, 3, wire, 9, out);
		fail_countdown = -1;
		assert_true(rc1 == 0 || rc1 == MX_ENOMEM);
		assert_true(rc2 == 0 || rc2 == MX_ENOMEM);
		if (!fail_hit)
			break;
	}
}
#else
static void
test_nomem(void **state)
{
	(void)state;
	skip();
}
#endif

/* ------------------------------------------------------------ benchmark */

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Not a test: "test_crypto --bench [N]" prints verifications per second
 * for one vector of each algorithm, to compare with "openssl speed". */
static int
bench(unsigned n, unsigned only)
{
	static const struct {
		const char *what, *text;
	} b[] = {
		{ "RSASHA1 1024 (alg 5)", bind_rsasha1 },
		{ "RSASHA256 2048 (alg 8)", bind_rsasha256 },
		{ "RSASHA512 4096 (alg 10)", bind_rsasha512 },
		{ "ECDSAP256SHA256 (alg 13)", rfc6605_p256 },
		{ "ECDSAP384SHA384 (alg 14)", rfc6605_p384 },
		{ "ED25519 (alg 15)", rfc8080_ed25519_a },
		{ "ED448 (alg 16)", rfc8080_ed448_a },
	};
	vcase *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return 1;
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		example *ex = parse(b[i].text);
		double t0, dt;
		vcase_from(ex, v);
		if (only != 0 && v->alg != only) {
			free(ex);
			continue;
		}
		t0 = now_s();
		for (unsigned k = 0; k < n; k++)
			if (verify(v) != 0)
				return 1;
		dt = now_s() - t0;
		printf("%-26s %8u verifies %7.3f s %10.0f/s %7.1f us\n", b[i].what,
		    n, dt, n / dt, dt / n * 1e6);
		free(ex);
	}
	if (only == 0) {
		uint8_t wire[NAME_MAX_WIRE], h[20], salt[8] = { 0 };
		unsigned iters[] = { 0, 10, 150 };
		(void)name_from_cstr("mail.example.com", wire);
		for (size_t i = 0; i < 3; i++) {
			double t0 = now_s(), dt;
			for (unsigned k = 0; k < n; k++)
				(void)crypto_nsec3_hash(1, salt, sizeof(salt),
				    (uint16_t)iters[i], wire, name_len(wire), h);
			dt = now_s() - t0;
			printf("NSEC3 hash, %3u iterations %8u hashes   %7.3f s %10.0f/s %7.1f us\n",
			    iters[i], n, dt, n / dt, dt / n * 1e6);
		}
	}
	free(v);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5702),
		cmocka_unit_test(test_rfc6605),
		cmocka_unit_test(test_rfc8080),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_rsa_format),
		cmocka_unit_test(test_rsa_short_sig),
		cmocka_unit_test(test_ecdsa_format),
		cmocka_unit_test(test_eddsa_format),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_ds),
		cmocka_unit_test(test_nsec3_rfc5155),
		cmocka_unit_test(test_nsec3_params),
		cmocka_unit_test(test_nomem),
	};

	if (argc >= 2 && strcmp(argv[1], "--bench") == 0)
		return bench(argc >= 3 ? (unsigned)strtoul(argv[2], NULL, 10) : 10000,
		    argc >= 4 ? (unsigned)strtoul(argv[3], NULL, 10) : 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
