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
/* The deadline passed: hosts not finished are 'defer', and done() runs
 * now (unless it already has). */
void dane_expire(dane_req *d);
/* Cancel what is in flight (done() will not run) and free. */
void dane_free(dane_req *d);

#endif
