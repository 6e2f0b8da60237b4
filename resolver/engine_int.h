/*
 * engine_int.h: the engine's internal types, shared by engine.c (requests,
 * tables, I/O glue) and iter.c (what to ask next, what an answer means).
 * Nothing outside resolver/engine*.c and resolver/iter.c includes this.
 */
#ifndef MXSEC_ENGINE_INT_H
#define MXSEC_ENGINE_INT_H

#include "engine.h"
#include "infra.h"
#include "mcache.h"
#include "name.h"
#include "region.h"

#define REQ_REGION_LIMIT (2u << 20)   /* memory per request */
#define REQ_MAX_CAND 64               /* server addresses per zone */
#define REQ_MAX_NEED 16               /* NS names to look up per zone */
#define REQ_MAX_SUBS 8                /* sub-request waiters held */
#define QMIN_MAX_STEPS 10             /* RFC 9156 2.3 MAX_MINIMISE_COUNT */
#define QMIN_ONE_LABEL 4              /* RFC 9156 2.3 MINIMISE_ONE_LAB */

typedef struct ereq ereq;

/* A client or a parent request waiting for an ereq (the public eng_req). */
struct eng_req {
	struct eng_req *next;
	ereq *req;                /* what it waits for */
	eng_done_fn done;
	void *arg;
	ereq *parent;             /* set for sub-requests */
	bool cancelled;
};

/* Upstream queries charged to one client request and its sub-requests. */
typedef struct budget {
	unsigned refs;
	unsigned queries;
	unsigned verifications;   /* signature checks left (KeyTrap) */
	unsigned hashes;          /* NSEC3 hashes left (CVE-2023-50868) */
} budget;

/* Validation of a finished answer (val.c). */
typedef struct vstate {
	bool active;
	unsigned rcode;
	msg_rr *sec[SEC_COUNT];   /* copies, in the request's region */
	const uint8_t **zone[SEC_COUNT];   /* zone that served each record,
	                                      NULL entries when not known */
	uint16_t cnt[SEC_COUNT];
	bool waiting;             /* a DS or DNSKEY sub-request is out */
	uint8_t ask_name[NAME_MAX_WIRE];
	uint16_t ask_type;
	uint8_t ask_parent[NAME_MAX_WIRE];   /* zone whose keys check a DS */
	unsigned asks;            /* sub-requests made, bounded */
} vstate;

typedef struct cand {
	eng_addr a;
	bool tried;
	bool timed_out;           /* tried and silent: may be asked again */
} cand;

#define REQ_ROUNDS 3          /* passes over a zone's silent servers */

struct ereq {
	unsigned refs;            /* the tables' reference + the run queue's */
	bool queued;
	ereq *qnext;              /* run queue */
	ereq *hnext;              /* request table (coalescing) */
	ereq *tnext;              /* token table */
	ereq *prev, *next;        /* all requests, for eng_tick */
	uint32_t hash;
	uint8_t qname[NAME_MAX_WIRE];   /* as first asked */
	uint16_t qtype, qclass;
	unsigned flags;
	eng_req *waiters;
	unsigned depth;           /* 0: client request */
	budget *budget;
	uint64_t deadline_ms;
	region reg;
	bool finished;
	bool started;             /* the store was asked (or need not be) */
	bool from_store;          /* answered from the store: not put back */

	/* The name being resolved now (qname, or a CNAME/DNAME target). */
	uint8_t sname[NAME_MAX_WIRE];
	msg_rr *chain;            /* CNAME/DNAME links and their RRSIGs */
	const uint8_t **chain_zone;   /* zone that served each link; NULL
	                                 in forward mode (not known) */
	size_t nchain, chaincap;
	unsigned ncname;

	/* Where we are asking (recursive mode): the closest zone cut. */
	bool have_zone;
	uint8_t zone[NAME_MAX_WIRE];
	unsigned nreferrals;
	cand cands[REQ_MAX_CAND];
	size_t ncands;
	unsigned rounds;          /* passes over the servers of this zone */
	uint8_t need[REQ_MAX_NEED][NAME_MAX_WIRE];   /* NS names w/o address */
	size_t nneed, next_need;
	eng_req *subs[REQ_MAX_SUBS];                 /* our waiters on subs */
	size_t nsubs;
	unsigned pending_subs;
	bool priming;             /* asking ". NS" first (RFC 8109) */
	bool primed_try;          /* priming attempted for this request */

	/* QNAME minimisation (RFC 9156): labels of sname sent so far. */
	bool qmin_done;           /* full name from now on */
	unsigned qmin_labels;
	unsigned qmin_steps;

	/* The one query in flight. */
	bool outstanding;
	uint64_t token;
	eng_addr qaddr;
	uint16_t qid;
	uint8_t qplain[NAME_MAX_WIRE];   /* the name asked, before 0x20 */
	uint8_t qsent[NAME_MAX_WIRE];    /* as sent, with 0x20 case */
	uint16_t qtype_sent;
	bool tcp;
	bool used_0x20;
	bool saw_case_mismatch;   /* a reply came back in another case */
	bool no_0x20_once;        /* resend this one query without 0x20 */
	bool deferred;            /* the transport was full: retry on tick */
	uint64_t sent_ms;
	unsigned last_ede;        /* why the last server failed */
	const char *last_why;

	vstate vs;
};

struct eng {
	eng_config cfg;
	eng_addr *fwd;
	eng_io io;
	eng_store store;
	mcache *mc;
	infra *inf;
	/* Root hints: NS names and their addresses. */
	uint8_t (*hint_ns)[NAME_MAX_WIRE];
	size_t nhint_ns;
	eng_addr *hint_addr;
	size_t nhint_addr;
	eng_anchor *anchors;
	uint8_t *anchor_data;
	size_t nanchors;
	uint8_t (*insecure)[NAME_MAX_WIRE];
	size_t ninsecure;
	ereq **reqtab;
	ereq **toktab;
	size_t tabsize;
	ereq *all;
	uint64_t next_token;
	uint32_t seed;
	eng_stats st;
	eng_time now;             /* time of the event being handled */
	uint8_t scratch[65535];   /* a reply with its question un-0x20ed */
	eng_req *sync_w;          /* eng_resolve's waiter, to see a sync answer */
	/* Requests to continue once the current event is handled: sub-request
	 * results and new sub-requests never re-enter the iterator of the
	 * request that caused them. */
	ereq *runq_head, *runq_tail;
	bool draining;
	bool stopping;            /* eng_abort(): no new resolutions */
};

/* engine.c */
void req_finish(eng *e, ereq *r, unsigned rcode, msg_rr *const sec[SEC_COUNT],
    const uint16_t cnt[SEC_COUNT], unsigned ede, const char *why);
void req_servfail(eng *e, ereq *r, unsigned ede, const char *why);
void req_schedule(eng *e, ereq *r);
int req_send(eng *e, ereq *r, const eng_addr *a, const uint8_t *qname,
    uint16_t qtype, bool tcp);
int req_sub(eng *e, ereq *r, const uint8_t *name, uint16_t qtype);
int req_sub_flags(eng *e, ereq *r, const uint8_t *name, uint16_t qtype,
    unsigned flags);
void req_finish_status(eng *e, ereq *r, unsigned rcode,
    msg_rr *const sec[SEC_COUNT], const uint16_t cnt[SEC_COUNT],
    sec_status status, unsigned ede, const char *why);
uint32_t eng_rand32(eng *e);
bool eng_addr_allowed(const eng *e, const struct sockaddr *sa);
/* An A or AAAA RDATA as a port-53 server address; false when malformed. */
bool eng_addr_from_rdata(uint16_t type, const uint8_t *rd, uint16_t len,
    eng_addr *a);
/* Add a CNAME/DNAME link (or its RRSIG) to the chain; zone: the zone that
 * served it, NULL when not known (forward mode). */
int chain_add(ereq *r, const msg_rr *rr, const uint8_t *zone);

/* val.c */
/* Validate the final answer (sections point into a message that lives
 * only during the call: they are copied), then finish the request. */
void val_begin(eng *e, ereq *r, unsigned rcode, msg_rr *const sec[SEC_COUNT],
    const uint8_t **const zone[SEC_COUNT], const uint16_t cnt[SEC_COUNT]);
void val_sub_done(eng *e, ereq *r, const eng_result *res);
void val_continue(eng *e, ereq *r);

/* iter.c */
void iter_next(eng *e, ereq *r);
void iter_reply(eng *e, ereq *r, const msg *m);
void iter_query_failed(eng *e, ereq *r, int err);
void iter_sub_done(eng *e, ereq *r, const eng_result *res);

#endif
