/*
 * dnslisten.h: the loopback DNS listener: standard DNS over UDP and TCP
 * (RFC 1035 4.2, RFC 7766) on the listen-dns addresses, so that Postfix,
 * Exim and the libc resolver use mxsecd like a local unbound.
 *
 * The listener parses and checks each query (FORMERR for malformed ones,
 * BADVERS for EDNS versions other than 0 (RFC 6891 6.1.3), NOTIMP for
 * opcodes other than QUERY, REFUSED for clients outside the allowed
 * networks: loopback only by default, never an open resolver), asks the
 * resolve callback, and builds the response: the question as the client
 * wrote it, the records of the result, TC when they do not fit the
 * client's UDP size (at most 1232), EDNS when the client used it, with
 * an EDE option when the result has one.  libevent stays in this file.
 */
#ifndef MXSEC_DNSLISTEN_H
#define MXSEC_DNSLISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine.h"

struct event_base;

typedef struct dnsl dnsl;
typedef struct dnsl_query dnsl_query;

typedef struct dnsl_config {
	const struct sockaddr_storage *addrs;   /* listen addresses with port */
	const socklen_t *addrlens;
	size_t naddrs;
	bool allow_remote;          /* answer non-loopback clients; default no */
	size_t max_tcp_clients;     /* 0: 256 */
	unsigned tcp_idle_ms;       /* 0: 10000 */
	size_t max_pending;         /* queries waiting for the resolver; 0: 10000 */
} dnsl_config;

/* What the client asked, as the resolver needs it.  The struct lives
 * during the resolve call; qname lives until dnsl_answer() or the
 * abandon callback for the query. */
typedef struct dnsl_question {
	const uint8_t *qname;       /* wire form, case as the client sent it */
	uint16_t qtype;
	uint16_t qclass;
	bool rd, cd, ad, do_bit;    /* header bits and EDNS DO */
} dnsl_question;

/* Called for each good query.  The resolver answers later (or at once)
 * with dnsl_answer(q, result), exactly once, unless dnsl_abandon() comes
 * first from the listener's side (see below). */
typedef void (*dnsl_resolve_fn)(void *ctx, dnsl_query *q,
    const dnsl_question *question);
/* The listener dropped q (client gone, shutting down): the resolver must
 * forget it and not call dnsl_answer().  */
typedef void (*dnsl_abandon_fn)(void *ctx, dnsl_query *q);

/* Bind every address.  On error nothing is left bound and err says which
 * address failed and why.  Port 0 in an address takes one free port, the
 * same for its UDP and TCP sockets (dnsl_local_addr tells which).
 * TCP writes to a vanished client must not kill the process: the caller
 * ignores SIGPIPE, as mxsecd does. */
int dnsl_new(struct event_base *base, const dnsl_config *cfg,
    dnsl_resolve_fn resolve, dnsl_abandon_fn abandon, void *ctx,
    dnsl **out, char *err, size_t errlen);
/* Abandons every pending query (abandon callback), closes everything.
 * Not from inside a resolve or abandon callback. */
void dnsl_free(dnsl *l);

/* Stop taking new work (the daemon is stopping): UDP sockets are no
 * longer read and TCP sockets no longer accept; queries already read are
 * still answered, and open TCP connections are still served until
 * dnsl_free(). */
void dnsl_quiesce(dnsl *l);

/* Per-query slot for the resolver's own pointer (e.g. its request). */
void dnsl_set_data(dnsl_query *q, void *data);
void *dnsl_get_data(const dnsl_query *q);

/* Send the response for q and free q.  AD is set when the result is
 * secure and the query had DO or AD (RFC 6840 5.7-5.8) -- the listener
 * only applies that rule; it never decides security itself.  May be
 * called from inside the resolve callback.  res NULL answers SERVFAIL.
 * Without DO, RRSIG, NSEC and NSEC3 records are left out unless they are
 * the type asked for (RFC 4035 3.2.1).  As a last guard, a bogus result
 * without CD is sent as SERVFAIL without records. */
void dnsl_answer(dnsl_query *q, const eng_result *res);

/* True if a client at sa may query: loopback (127/8, ::1, and
 * ::ffff:127/104) or anything when allow_remote.  Exposed for tests. */
bool dnsl_client_allowed(const struct sockaddr *sa, bool allow_remote);

/* The bound address (with the port actually used) of the i-th
 * configured address; MX_ENOTFOUND past the end. */
int dnsl_local_addr(const dnsl *l, size_t i, struct sockaddr_storage *ss,
    socklen_t *len);

/* Counters, for stats and tests. */
typedef struct dnsl_stats {
	uint64_t udp_queries;       /* datagrams read */
	uint64_t tcp_queries;       /* framed messages read */
	uint64_t dropped;           /* no answer: no header, QR=1, no memory */
	uint64_t refused;           /* client not allowed, class, AXFR/IXFR */
	uint64_t errors;            /* FORMERR, NOTIMP, BADVERS answered here */
	uint64_t overload;          /* max_pending reached: SERVFAIL */
	uint64_t answered;          /* dnsl_answer() calls */
	uint64_t hot_hits;          /* answered from the hot cache */
	uint64_t send_errors;       /* UDP send failed, TCP buffer failed */
	uint64_t tcp_accepted;
	uint64_t tcp_rejected;      /* all max_tcp_clients busy */
	uint64_t tcp_idle_closed;   /* idle timeout or room for a new one */
	size_t pending;             /* queries waiting for the resolver now */
	size_t tcp_clients;         /* connections now */
} dnsl_stats;

void dnsl_get_stats(const dnsl *l, dnsl_stats *st);

/* Forget the responses kept for repeated questions (hotcache.h): after a
 * cache flush or a reload, the next answers come from the resolver. */
void dnsl_hot_clear(dnsl *l);

#endif
