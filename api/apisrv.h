/*
 * apisrv.h: the Unix-socket API server (doc/protocol.md): one request per
 * line, one JSON object per line back, in request order; pipelining; per
 * client limits so that no client starves the others.
 */
#ifndef MXSEC_API_APISRV_H
#define MXSEC_API_APISRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dane.h"

struct event_base;
typedef struct apisrv apisrv;

typedef struct apisrv_config {
	const char *path;             /* api-socket */
	mode_t mode;                  /* 0660 */
	gid_t gid;                    /* api-group; (gid_t)-1: unchanged */
	unsigned max_clients;         /* api-max-clients: 4096 */
	unsigned max_inflight;        /* requests per client: 256 */
	size_t max_output;            /* unread reply bytes per client: 4 MiB */
	unsigned idle_timeout_s;      /* 300 */
	unsigned dane_timeout_ms;     /* 10000 */
	unsigned policy_timeout_ms;   /* STS and POLICY: 0 means
	                                 dane_timeout_ms; the policy service
	                                 answers by its own deadline first */
	unsigned dane_hot_ms;         /* a DANE reply with no 'defer' in it
	                                 answers the same request again this
	                                 long (1000); 0: never */
	bool insecure_mx_dane;        /* insecure-mx-policy dane */
	const char *version;          /* for PING */
} apisrv_config;

typedef struct apisrv_stats {
	uint64_t clients;             /* accepted */
	uint64_t refused;             /* over api-max-clients */
	uint64_t requests;
	uint64_t errors;              /* error replies */
	uint64_t dane_hot;            /* DANE replies given again (dane_hot_ms) */
	uint64_t control;             /* control requests (STATS, FLUSH, ...) */
	uint64_t denied;              /* control requests refused: wrong uid */
	unsigned connected;
} apisrv_stats;

/*
 * Control requests (doc/protocol.md, "Control": STATS, FLUSH,
 * FLUSH-SUBTREE, FLUSH-ALL, DUMP, RELOAD, TA) from root or from the
 * daemon's effective uid (SO_PEERCRED at accept, compared with geteuid()
 * at each request) go to run(), which handles the whole line at once and
 * returns the reply: one JSON object without newline, malloc'ed (the
 * server frees it), NULL when out of memory.  Others get "denied".
 */
typedef struct api_control {
	void *ctx;
	char *(*run)(void *ctx, const char *line, size_t len, size_t *outlen);
} api_control;

/* Bind and listen.  A stale socket file (nobody listening) is replaced; a
 * live one is an error. */
int apisrv_new(struct event_base *base, const apisrv_config *cfg,
    const api_resolver *res, apisrv **out, char *err, size_t errlen);
/* Close every client (their lookups are cancelled) and the socket, and
 * remove the socket file. */
void apisrv_free(apisrv *s);
void apisrv_get_stats(const apisrv *s, apisrv_stats *st);
void apisrv_set_control(apisrv *s, const api_control *ctl);
/* insecure-mx-policy, for a configuration reload. */
void apisrv_set_insecure_mx_dane(apisrv *s, bool v);
/* The daemon is stopping: accept no more clients, and answer each new
 * request line with the error "stopping"; requests in flight go on. */
void apisrv_quiesce(apisrv *s);
/* Requests in flight plus clients with replies not yet sent: 0 when
 * every client has had every answer. */
size_t apisrv_busy(const apisrv *s);

/*
 * STS and POLICY requests (doc/protocol.md) go to the TLS policy service.
 * start() gets the verb (API_STS or API_POLICY, request.h) and the domain
 * in wire form; done() runs exactly once with one JSON object (no
 * newline, malloc'ed, the server frees it; NULL: out of memory), possibly
 * before start() returns, unless cancel(ctx, *handle) comes first.
 * Nonzero return: done() will not run (the server answers an error).
 * Without a policy service these verbs answer the error "unavailable".
 */
typedef void (*api_json_fn)(void *arg, char *json, size_t len);
typedef struct api_policy {
	void *ctx;
	int (*start)(void *ctx, int verb, const uint8_t *domain,
	    api_json_fn done, void *arg, void **handle);
	void (*cancel)(void *ctx, void *handle);
} api_policy;
void apisrv_set_policy(apisrv *s, const api_policy *p);

/* Forget the DANE replies kept for repeated requests (flush, reload). */
void apisrv_hot_clear(apisrv *s);

#endif
