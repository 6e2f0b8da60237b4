/*
 * infra.h: what the engine knows about upstream servers: smoothed RTT
 * (RFC 6298-style), timeouts with backoff, and lame answers.  Used to pick the fastest working server and to
 * avoid unresponsive ones for a while.  Bounded: a fixed-size table, least
 * recently used entries are forgotten.
 */
#ifndef MXSEC_INFRA_H
#define MXSEC_INFRA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct infra infra;

#define INFRA_RTT_INIT 376     /* ms, for a server never heard from */
#define INFRA_RTO_MIN 200
#define INFRA_RTO_MAX 3000
#define INFRA_RTT_MAX 120000   /* backoff ceiling */

int infra_new(infra **out);
void infra_free(infra *in);

/* Smoothed RTT used for selection (backed-off after timeouts). */
unsigned infra_rtt(infra *in, const struct sockaddr *sa, uint64_t now_ms);
/* Retransmission timeout for the next query to sa. */
unsigned infra_rto(infra *in, const struct sockaddr *sa, uint64_t now_ms);
void infra_rtt_sample(infra *in, const struct sockaddr *sa, unsigned rtt_ms,
    uint64_t now_ms);
void infra_timed_out(infra *in, const struct sockaddr *sa, uint64_t now_ms);
/* The server answered, but uselessly (REFUSED, SERVFAIL, a lame or broken
 * referral): avoid it for a while, as if it were slow, until it gives a
 * useful answer again. */
void infra_lame(infra *in, const struct sockaddr *sa, uint64_t now_ms);

/* What is known of one server, for statistics. */
typedef struct infra_server {
	struct sockaddr_storage sa;
	unsigned srtt, rttvar;    /* ms */
	unsigned timeouts;        /* consecutive */
	bool lame;
	bool sampled;             /* srtt was measured, not assumed */
} infra_server;

/* The servers known at now_ms (heard from within the last 15 minutes):
 * up to max of them into out, in no particular order.  Returns how many
 * there are, which may exceed max. */
size_t infra_list(const infra *in, uint64_t now_ms, infra_server *out,
    size_t max);

#endif
