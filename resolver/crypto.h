/*
 * crypto.h: DNSSEC cryptography.  resolver/crypto.c is the only file that
 * includes OpenSSL (STYLE.md rule 6), through EVP only, with one table of
 * algorithms.  OpenSSL errors are mapped to MX_E* there.
 *
 * Algorithms (RFC 8624 3.1): 5 RSASHA1, 7 RSASHA1-NSEC3-SHA1, 8 RSASHA256,
 * 10 RSASHA512, 13 ECDSAP256SHA256, 14 ECDSAP384SHA384, 15 ED25519,
 * 16 ED448 validate.  1 RSAMD5, 3 DSA, 6 DSA-NSEC3-SHA1, 12 ECC-GOST and
 * anything unknown are unsupported (MX_EUNSUPP): a zone signed only with
 * those is insecure, never bogus (RFC 4035 5.2).
 * DS digests (RFC 8624 3.3): 1 SHA-1, 2 SHA-256, 4 SHA-384; others
 * unsupported.
 *
 * Caveat: OpenSSL does not reliably report a failed allocation as one, so
 * crypto.c installs OpenSSL's memory functions (CRYPTO_set_mem_functions,
 * plain malloc/realloc/free that count failures per thread) from a
 * constructor before main().  That is process-wide: anything else in the
 * process that uses OpenSSL allocates through them too (harmlessly).
 */
#ifndef MXSEC_CRYPTO_H
#define MXSEC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_DIGEST_MAX 64   /* SHA-512 */

bool crypto_alg_supported(uint8_t alg);
bool crypto_digest_supported(uint8_t digest_type);

/*
 * Verify sig over data with the public key field of a DNSKEY (the RDATA
 * after flags, protocol and algorithm), formats per RFC 3110 (RSA), RFC
 * 6605 (ECDSA, r|s), RFC 8080 (EdDSA).  0: valid.  MX_EVERIFY: the
 * signature is wrong.  MX_EFORMAT: the key or signature is malformed (the
 * caller treats that like a wrong signature).  MX_EUNSUPP: algorithm not
 * supported.  MX_ENOMEM: could not check (never "bogus" by itself).
 * RSA keys shorter than 1024 bits are refused (MX_EFORMAT); keys longer
 * than 4096 bits too (RFC 3110 allows them, but they are a CPU attack).
 * So are RSA exponents over 64 bits, even ones and 1, and even moduli;
 * leading zero octets of the exponent or modulus do not count.  An RSA
 * signature is the modulus length (RFC 3110 3); a shorter one is taken
 * as its value (zero-padded in front), a longer one only if the excess is
 * leading zero octets.  ECDSA and EdDSA keys and signatures must have
 * their exact sizes, and an ECDSA key must be a point on its curve.
 *
 * Parsed keys are kept in a small cache (64 keys, least recently used
 * out; see crypto.c), so verifying many RRSIGs with one DNSKEY parses it
 * once.  Safe to call from several threads.
 */
int crypto_verify(uint8_t alg, const uint8_t *key, size_t keylen,
    const uint8_t *data, size_t datalen, const uint8_t *sig, size_t siglen);

/* out gets the digest (at most CRYPTO_DIGEST_MAX octets), *outlen its
 * length.  MX_EUNSUPP for unsupported types. */
int crypto_ds_digest(uint8_t digest_type, const uint8_t *data, size_t len,
    uint8_t *out, size_t *outlen);

/* NSEC3 hash (RFC 5155 5): SHA-1 iterated 'iterations' more times over
 * the canonical (lower-case) wire name with the salt.  alg must be 1
 * (else MX_EUNSUPP).  The name is the uncompressed wire form, namelen
 * 1..255 octets; it is lower-cased here (on a copy), so callers may pass
 * it in any case.  saltlen is at most 255 (RFC 5155 3.1.4); other sizes
 * are MX_EINVAL.  Each call costs iterations + 1 SHA-1 blocks or so:
 * limiting iterations (RFC 9276) is the caller's job.  out gets 20
 * octets, zeros on failure. */
int crypto_nsec3_hash(uint8_t alg, const uint8_t *salt, size_t saltlen,
    uint16_t iterations, const uint8_t *name, size_t namelen,
    uint8_t out[20]);

/* Free the key cache and the digests fetched from OpenSSL (for a clean
 * exit under leak checkers).  The functions above still work after it;
 * they fill the caches again.  Not to be called while another thread is
 * in one of them. */
void crypto_cleanup(void);

#endif
