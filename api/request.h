/*
 * request.h: request lines of the Unix-socket API (doc/protocol.md).
 *
 *   PING
 *   MX name | A name | AAAA name
 *   TLSA name              a full TLSA name (_25._tcp.mx.example.com)
 *   TLSA host [port]       shorthand for _PORT._tcp.host (port 25 default)
 *   QUERY TYPE name
 *   DANE domain [port]     the RFC 7672 lookup; port defaults to 25
 *   SRV _service._tcp.domain   the RFC 7673 lookup for a mail service
 *                          (RFC 6186, RFC 8314: submission, submissions,
 *                          imap, imaps, pop3, pop3s)
 *   TLSRPT domain          the RFC 8460 record at _smtp._tls.domain
 *   STS domain | POLICY domain   the TLS policy service (apisrv.h)
 *
 * Verbs and types are case-insensitive; names may end in a dot or not.
 * The line is untrusted input: every token is length-checked.
 */
#ifndef MXSEC_API_REQUEST_H
#define MXSEC_API_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "name.h"

/* Longest request line, without its newline.  Longer lines are refused
 * with an error, and the connection stays usable. */
#define API_LINE_MAX 1024

enum api_verb {
	API_PING,
	API_LOOKUP,   /* one RRset: MX, A, AAAA, TLSA, QUERY */
	API_DANE,
	API_STS,      /* the MTA-STS policy of a domain (RFC 8461) */
	API_POLICY,   /* the Postfix TLS policy of a domain */
	API_TLSRPT,   /* TXT _smtp._tls.domain (RFC 8460 3) */
	API_SRV,      /* DANE for SRV (RFC 7673) */
};

typedef struct api_request {
	enum api_verb verb;
	uint16_t qtype;                 /* API_LOOKUP */
	uint16_t port;                  /* API_DANE; the TLSA port otherwise */
	uint8_t name[NAME_MAX_WIRE];    /* wire form, case as given; for
	                                   API_TLSRPT the TXT owner
	                                   _smtp._tls.domain, for API_SRV
	                                   _service._tcp.domain */
} api_request;

/* Parse one line (a trailing "\n" or "\r\n" is allowed).  0, or a negative
 * MX_E* code with a one-line reason in err (for the JSON error reply). */
int api_parse_request(const char *line, size_t len, api_request *req,
    char *err, size_t errlen);

#endif
