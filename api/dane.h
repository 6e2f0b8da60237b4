/*
 * dane.h: the RFC 7672 procedure for one destination domain: MX lookup,
 * then the address and TLSA lookups of every host in parallel, then one
 * verdict per host (doc/protocol.md, "Verdicts").
 *
 * No I/O and no clock: lookups go through the resolver interface, and the
 * caller ends a request that runs past its deadline with dane_expire().
 */
#ifndef MXSEC_API_DANE_H
#define MXSEC_API_DANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* How the API reaches the engine (the daemon supplies the time). */
typedef struct api_resolver {
	void *ctx;
	int (*resolve)(void *ctx, const uint8_t *qname, uint16_t qtype,
	    unsigned flags, eng_done_fn done, void *arg, eng_req **out);
	void (*cancel)(void *ctx, eng_req *r);
} api_resolver;

#define DANE_MAX_HOSTS 32

typedef struct dane_req dane_req;

/* The reply, one JSON line without its newline; json is the callee's to
 * free().  NULL json: out of memory. */
typedef void (*dane_done_fn)(void *arg, char *json, size_t len);

/*
 * Start.  done() runs exactly once, unless dane_free() comes first; it
 * may run before dane_start() returns.  After done() the request does
 * nothing more and only waits for dane_free(), which done() itself may
 * call.  insecure_mx_dane: insecure-mx-policy dane (the default).
 */
int dane_start(const api_resolver *r, const uint8_t *domain, uint16_t port,
    bool insecure_mx_dane, dane_done_fn done, void *arg, dane_req **out);
/*
 * The SRV version (RFC 7673, RFC 6186): srvname is _service._tcp.domain;
 * the SRV RRset takes the place of the MX RRset (it must be secure for
 * DANE to apply), every target is a host with its own port, and the TLSA
 * base is the SRV target.  The reply has the same shape as a DANE reply
 * (doc/protocol.md, "SRV").
 */
int dane_start_srv(const api_resolver *r, const uint8_t *srvname,
    dane_done_fn done, void *arg, dane_req **out);

/*
 * The outcome as data, for the TLS policy service: valid from the moment
 * done() is called until dane_free().  Names in presentation form
 * without the trailing dot, lower case.
 */
typedef struct dane_host_sum {
	char name[256];
	uint16_t port;
	const char *verdict;      /* dane, may, encrypt, defer */
	const char *tlsrpt;       /* RFC 8460 4.3.2 result type of a failure:
	                             "dnssec-invalid", "tlsa-invalid",
	                             "dane-required", or NULL */
	char reason[300];
} dane_host_sum;

typedef struct dane_summary {
	const char *result;       /* ok, nxdomain, null-mx, defer (and for
	                             SRV: no-service) */
	sec_status mx_status;     /* of the MX (SRV) RRset; SEC_INDETERMINATE
	                             when it did not come */
	const char *tlsrpt;       /* for the whole domain (MX bogus):
	                             "dnssec-invalid", or NULL */
	char reason[300];         /* for result defer */
	size_t nhosts;
	size_t ndane, nmay, nencrypt, ndefer;
	dane_host_sum hosts[DANE_MAX_HOSTS];
} dane_summary;

void dane_get_summary(const dane_req *d, dane_summary *s);

/* The deadline passed: hosts not finished are 'defer', and done() runs
 * now (unless it already has). */
void dane_expire(dane_req *d);
/* Cancel what is in flight (done() will not run) and free. */
void dane_free(dane_req *d);

#endif
