/*
 * engine.h: the query engine: recursive iteration from the root, or
 * forwarding to upstream resolvers; CNAME and DNAME chains; coalescing of
 * identical questions; limits on work per query.
 *
 * The engine does no I/O and reads no clock (STYLE.md rule 2).  It builds
 * query packets and hands them to the I/O edge through eng_io; the edge
 * reports back with eng_reply() or eng_fail(), and passes the time in.
 * Tests drive it with scripted responses at a fixed time.
 *
 * Threading: none; everything runs on the caller's event loop.
 */
#ifndef MXSEC_ENGINE_H
#define MXSEC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "msg.h"
#include "region.h"
#include "status.h"

typedef struct eng eng;
typedef struct eng_req eng_req;
typedef struct eng_store eng_store;

/* The time, read at the I/O edge.  wall: for TTLs and signatures (may be
 * moved by libfaketime); mono_ms: for RTTs and timeouts. */
typedef struct eng_time {
	time_t wall;
	uint64_t mono_ms;
} eng_time;

typedef struct eng_addr {
	struct sockaddr_storage sa;
	socklen_t salen;
} eng_addr;

enum eng_mode { ENG_RECURSIVE, ENG_FORWARD };

/* A trust anchor: a DS or DNSKEY record for any name. */
typedef struct eng_anchor {
	const uint8_t *owner;
	uint16_t type;                   /* RR_DS or RR_DNSKEY */
	uint16_t rdlen;
	const uint8_t *rdata;
} eng_anchor;

typedef struct eng_config {
	enum eng_mode mode;
	const eng_addr *forwarders;      /* ENG_FORWARD; copied */
	size_t nforwarders;
	const char *root_hints;          /* zone-file text; NULL: built in */
	size_t root_hints_len;
	const char *root_hints_name;     /* for messages */
	bool query_loopback;             /* allow 127/8 and ::1 upstream */
	bool do_ip4, do_ip6;
	bool qname_minimisation;         /* RFC 9156, relaxed */
	bool harden_glue;                /* only in-bailiwick glue */
	/* DNSSEC.  No anchors: nothing validates (indeterminate). */
	const eng_anchor *anchors;       /* copied */
	size_t nanchors;
	const uint8_t *const *insecure;  /* negative trust anchors (RFC 7646) */
	size_t ninsecure;
	unsigned nsec3_max_iterations;   /* RFC 9276: 150 */
	unsigned max_verifications;      /* signature checks per request: 64 */
	unsigned max_sigs_per_rrset;     /* 8 */
	unsigned max_key_tries;          /* DNSKEYs per key tag: 4 */
	unsigned max_nsec3_hashes;       /* per request: 150 */
	uint32_t val_skew;               /* clock skew allowed, seconds: 0 */
	/* Limits; 0 takes the default. */
	unsigned max_referrals;          /* delegations followed per name: 30 */
	unsigned max_cname;              /* CNAME/DNAME links: 12 */
	unsigned max_queries;            /* upstream queries per request: 128 */
	unsigned max_depth;              /* nested NS-address lookups: 6 */
	unsigned request_timeout_ms;     /* whole request: 12000 */
	unsigned max_requests;           /* requests in flight: 10000 */
	/* The answer store.  NULL: every request is resolved. */
	const eng_store *store;          /* copied */
	bool prefetch;                   /* refresh entries asked for in the
	                                    last 10 % of their TTL */
	bool serve_stale;                /* RFC 8767: answer from expired
	                                    entries while upstreams fail */
} eng_config;

/* The I/O edge, as the engine sees it. */
typedef struct eng_io {
	void *ctx;
	/* Send pkt (the engine's buffer: copy it) to sa over UDP or TCP.
	 * Later the edge calls eng_reply() for each message received for
	 * this token (UDP: until one is accepted) and eng_fail() on timeout
	 * or error, unless cancel() was called first.  Returns 0 or an
	 * error (then no callback comes). */
	int (*send)(void *ctx, uint64_t token, const struct sockaddr *sa,
	    socklen_t salen, const uint8_t *pkt, size_t len, bool tcp,
	    unsigned timeout_ms);
	void (*cancel)(void *ctx, uint64_t token);
	/* Fill buf with unpredictable bytes (IDs, 0x20, server choice). */
	void (*random)(void *ctx, void *buf, size_t n);
} eng_io;

/*
 * What a client gets.  The records live until the callback returns: copy
 * what you keep.  Answer: the CNAME/DNAME chain then the final RRset(s),
 * with their RRSIGs; authority: SOA and NSEC/NSEC3 of a negative answer.
 */
typedef struct eng_result {
	unsigned rcode;                  /* NOERROR, NXDOMAIN, SERVFAIL ... */
	uint16_t count[SEC_COUNT];
	msg_rr *rr[SEC_COUNT];
	sec_status status;
	bool has_ede;
	uint16_t ede;
	const char *reason;              /* why SERVFAIL / bogus; may be NULL */
} eng_result;

typedef void (*eng_done_fn)(void *arg, const eng_result *res);

/* An answer found in the store, with what prefetch and serve-stale need. */
typedef struct eng_hit {
	eng_result res;
	uint32_t ttl_left;               /* seconds the entry has left */
	uint32_t ttl_orig;               /* its TTL when stored */
	bool stale;                      /* expired (RFC 8767) */
	bool synthesized;                /* from NSEC/NSEC3 (RFC 8198) */
} eng_hit;

/*
 * Where finished answers are kept (cache/ in the daemon; NULL: nowhere).
 * get() copies the records into reg, TTLs counted down; MX_ENOTFOUND on a
 * miss.  With stale, an expired entry still within its stale window may
 * come back (hit->stale).  put() decides by itself what is worth keeping.
 */
struct eng_store {
	void *ctx;
	int (*get)(void *ctx, const uint8_t *qname, uint16_t qtype,
	    unsigned flags, time_t now, bool stale, region *reg, eng_hit *hit);
	void (*put)(void *ctx, const uint8_t *qname, uint16_t qtype,
	    unsigned flags, const eng_result *res, time_t now);
};

/* Request flags. */
#define ENG_F_CD 0x01                    /* checking disabled (RFC 4035 3.2.2) */

int eng_new(const eng_config *cfg, const eng_io *io, eng **out,
    char *err, size_t errlen);
void eng_free(eng *e);

/*
 * Resolve a question.  done() runs exactly once, unless the request is
 * cancelled; it may run before eng_resolve() returns (then *out is NULL).
 * Identical questions in flight share one resolution.
 */
int eng_resolve(eng *e, const uint8_t *qname, uint16_t qtype,
    uint16_t qclass, unsigned flags, eng_time now, eng_done_fn done,
    void *arg, eng_req **out);
/* The client went away: its callback will not run. */
void eng_cancel(eng *e, eng_req *r);

/* A message arrived for token.  Returns MX_EAGAIN when it is not the
 * answer to that query (wrong ID, question, 0x20 case, garbage): the edge
 * drops it and keeps waiting (UDP).  0: consumed; the token is done. */
int eng_reply(eng *e, uint64_t token, const uint8_t *pkt, size_t len,
    eng_time now);
/* The query for token timed out or failed; the token is done. */
void eng_fail(eng *e, uint64_t token, int err, eng_time now);

/* Replace the trust anchors (RFC 5011 updates).  The keys validated under
 * the old ones are forgotten, so the next answer is checked afresh. */
int eng_set_anchors(eng *e, const eng_anchor *anchors, size_t n,
    eng_time now);

/*
 * Apply a new configuration to a running engine, keeping its requests in
 * flight, its store and its I/O edge (SIGHUP): mode and forwarders, root
 * hints, trust anchors and negative anchors, validation limits, the
 * upstream policy (query_loopback, do_ip4/6, qname_minimisation,
 * harden_glue), prefetch and serve_stale.  cfg->store is ignored.
 * Requests in flight go on; the work budgets they took at their start
 * stay as they were.  When the anchors or the negative anchors differ,
 * everything validated in memory is forgotten (the in-memory NS and key
 * store is emptied), and *anchors_changed (may be NULL) is set, so that
 * the caller can empty the answer store too.  On failure nothing has
 * changed and err says why.
 */
int eng_reconfigure(eng *e, const eng_config *cfg, eng_time now,
    bool *anchors_changed, char *err, size_t errlen);

/* Forget the in-memory NS, address and key verdicts (FLUSH of every
 * name); the store is the caller's to empty. */
int eng_flush_memory(eng *e);

/* The daemon stops: every client request in flight ends now with
 * SERVFAIL (EDE 0, reason why), and later requests that the store cannot
 * answer get the same at once. */
void eng_abort(eng *e, eng_time now, const char *why);

/* What the engine knows of the upstream servers it used lately. */
typedef struct eng_upstream {
	eng_addr addr;
	unsigned srtt_ms;            /* smoothed RTT (backed off after timeouts) */
	unsigned rttvar_ms;
	unsigned timeouts;           /* consecutive */
	bool lame;                   /* last answer useless */
	bool measured;               /* srtt from samples, not the initial guess */
} eng_upstream;

/* Up to max servers into out; returns how many are known (may be more
 * than max).  now_ms: the monotonic clock, as in eng_time. */
size_t eng_get_upstreams(const eng *e, uint64_t now_ms, eng_upstream *out,
    size_t max);

/* Call about once a second: requests past their deadline end with
 * SERVFAIL, so no request outlives request_timeout_ms whatever its
 * upstreams do. */
void eng_tick(eng *e, eng_time now);

/* Counters, for stats and tests. */
#define ENG_STATUS_COUNT 4       /* sec_status values */
#define ENG_EDE_SLOTS 32         /* EDE codes 0..30; 31: 31 and above */

typedef struct eng_stats {
	uint64_t requests;       /* client requests */
	uint64_t coalesced;      /* joined an identical request in flight */
	uint64_t queries_sent;   /* upstream queries */
	uint64_t tcp_queries;
	uint64_t dropped;        /* replies not accepted (spoofed, garbage) */
	uint64_t timeouts;
	uint64_t servfail;       /* requests answered with SERVFAIL */
	uint64_t bogus;          /* answers found bogus */
	uint64_t cache_hits;     /* client requests answered from the store */
	uint64_t prefetches;     /* background refreshes started */
	uint64_t stale_served;   /* stale answers given (RFC 8767) */
	uint64_t answers;        /* results given to clients (and prefetch,
	                            anchor probes), from the store or not */
	uint64_t by_status[ENG_STATUS_COUNT];   /* answers by sec_status */
	uint64_t by_ede[ENG_EDE_SLOTS];         /* answers with an EDE, by code */
	uint64_t reconfigs;      /* eng_reconfigure() applied */
	size_t in_flight;        /* requests now */
} eng_stats;

void eng_get_stats(const eng *e, eng_stats *st);

#endif
