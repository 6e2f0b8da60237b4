/*
 * policy.h: types shared by the TLS policy parsers (MTA-STS, TLS-RPT).
 *
 * These parsers do no I/O and read no clock: the daemon hands them the
 * bytes it fetched (TXT RDATA, an HTTPS body) and gets back plain structs
 * that own no memory.  Every untrusted byte is read through wire_rd
 * (STYLE.md rule 1).
 */
#ifndef MXSEC_POLICY_H
#define MXSEC_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* One TXT record with its character-strings already concatenated
 * (RFC 8461 3.1, RFC 8460 3).  Borrowed: data belongs to the caller and
 * must outlive the parse call only. */
typedef struct pol_txt {
	const uint8_t *data;
	size_t len;
} pol_txt;

/* Why a parse failed: one line of printable ASCII, always NUL-terminated,
 * never containing bytes copied from the input (it goes into logs and
 * socketmap replies).  Set to "" on success. */
#define POL_WHY_MAX 96
typedef struct pol_why {
	char text[POL_WHY_MAX];
} pol_why;

/* Concatenate the character-strings of one TXT RDATA (a sequence of
 * <length octet><octets>) into out[0..cap).  *outlen is 0 on entry and
 * set on success.  Returns 0, MX_ETRUNC for a string running past rdlen,
 * MX_ESPACE when out is too small. */
int pol_txt_join(const uint8_t *rdata, size_t rdlen, uint8_t *out, size_t cap,
    size_t *outlen);

#endif
