/*
 * netstring.h: netstrings (http://cr.yp.to/proto/netstrings.txt) and the
 * Postfix socketmap protocol carried in them (socketmap_table(5)).
 * Pure codec: no I/O.  The socket code owns a byte buffer and calls
 * ns_decode() on it after every read; one connection carries many
 * requests, so the buffer may hold part of a netstring or several.
 */
#ifndef MXSEC_POLICY_NETSTRING_H
#define MXSEC_POLICY_NETSTRING_H

#include <stddef.h>
#include <stdint.h>

/* socketmap_table(5): replies longer than 100000 characters (without
 * the netstring framing) are refused by Postfix; the same bound is a
 * sane request limit. */
#define NS_MAX_DEFAULT 100000

/*
 * Decode the netstring at the start of buf[0..len): "LEN:DATA,", LEN
 * decimal without leading zeros (except "0 itself"), LEN <= max.
 * On success returns 0, *data points into buf (valid while buf is) and
 * *consumed is the size of the whole netstring, to drop from the buffer.
 * Returns MX_EAGAIN when buf holds only a prefix of a valid netstring
 * (read more), MX_EFORMAT when it can never become one, MX_ELIMIT when
 * LEN exceeds max (both fatal to the connection).  Errors are reported
 * as soon as the offending byte is in buf.  Out-parameters are cleared
 * on entry.
 */
int ns_decode(const uint8_t *buf, size_t len, size_t max,
    const uint8_t **data, size_t *dlen, size_t *consumed);

/* Octets needed to encode len octets of data. */
size_t ns_encoded_len(size_t len);

/* Write "LEN:DATA," into out[0..cap); *outlen cleared on entry.
 * Returns 0 or MX_ESPACE. */
int ns_encode(const void *data, size_t len, uint8_t *out, size_t cap,
    size_t *outlen);

/*
 * A socketmap request "name<SP>key" (the payload of one netstring):
 * name is 1..64 printable non-space ASCII characters, key is the rest
 * (split at the first space), possibly empty, without NUL (Postfix keys
 * are C strings).  Pointers go into req.  Returns 0 or MX_EFORMAT.
 */
int sockmap_request_parse(const uint8_t *req, size_t len,
    const uint8_t **name, size_t *nlen, const uint8_t **key, size_t *klen);

typedef enum sockmap_status {
	SOCKMAP_OK,        /* "OK data": found */
	SOCKMAP_NOTFOUND,  /* "NOTFOUND ": not found */
	SOCKMAP_TEMP,      /* "TEMP reason": try again later */
	SOCKMAP_TIMEOUT,   /* "TIMEOUT reason": same as TEMP for Postfix */
	SOCKMAP_PERM,      /* "PERM reason": configuration error */
} sockmap_status;

const char *sockmap_status_str(sockmap_status s);

/*
 * Encode a whole request or reply netstring into out[0..cap).  A reply
 * is "STATUS<SP>text" (text is ignored for NOTFOUND); its payload must
 * not exceed NS_MAX_DEFAULT.  Text and key must not contain NUL.
 * Returns 0, MX_EINVAL (NUL, bad name, bad status), MX_ELIMIT (too long)
 * or MX_ESPACE.
 */
int sockmap_reply_encode(sockmap_status s, const void *text, size_t len,
    uint8_t *out, size_t cap, size_t *outlen);
int sockmap_request_encode(const char *name, const void *key, size_t klen,
    uint8_t *out, size_t cap, size_t *outlen);

/* Parse a reply payload as socketmap_table(5) writes it: one of the five
 * status words, a space, then data (empty for NOTFOUND).  *text points
 * into rep.  Returns 0 or MX_EFORMAT. */
int sockmap_reply_parse(const uint8_t *rep, size_t len, sockmap_status *s,
    const uint8_t **text, size_t *tlen);

#endif
