/*
 * sockmap.h: the Postfix socketmap server (socketmap_table(5)) on its own
 * Unix socket: netstring requests "NAME KEY", netstring replies "OK data",
 * "NOTFOUND ", "TEMP reason", "PERM reason" (policy/netstring.h is the
 * codec).  One connection carries many requests; they are answered in
 * order, one at a time.  Every byte is untrusted (STYLE.md rule 7): a
 * framing error or an over-long request closes the connection.
 *
 * What a lookup means is the backend's business (the TLS policy service,
 * doc/postfix.md): the server only frames, orders, times out and limits.
 */
#ifndef MXSEC_API_SOCKMAP_H
#define MXSEC_API_SOCKMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "netstring.h"

struct event_base;
typedef struct sockmap_srv sockmap_srv;

/* The answer to one lookup: text is the data after the status word (for
 * OK, TEMP, PERM; ignored for NOTFOUND), without NUL, at most
 * NS_MAX_DEFAULT - 9 octets.  Copied before the call returns. */
typedef void (*sockmap_reply_fn)(void *arg, sockmap_status st,
    const char *text, size_t len);

typedef struct sockmap_backend {
	void *ctx;
	/* Look key up in the map called name (both NUL-terminated; key has
	 * no NUL and may be empty; both stay valid until the lookup ends:
	 * reply() or cancel() has returned).  reply() runs exactly once, possibly
	 * before start() returns, unless cancel(ctx, *handle) comes first.
	 * Nonzero return: reply() will not run, the server answers
	 * "TEMP internal error". */
	int (*start)(void *ctx, const char *name, const char *key,
	    sockmap_reply_fn reply, void *arg, void **handle);
	void (*cancel)(void *ctx, void *handle);
} sockmap_backend;

typedef struct sockmap_config {
	const char *path;             /* policy-socket */
	mode_t mode;                  /* 0666: Postfix runs as postfix */
	gid_t gid;                    /* (gid_t)-1: unchanged */
	unsigned max_clients;         /* 1024; more are closed at once */
	unsigned timeout_ms;          /* one lookup; then "TEMP timeout" and
	                                 the lookup is cancelled: 15000;
	                                 0: no deadline */
	unsigned idle_timeout_s;      /* 300 */
} sockmap_config;

typedef struct sockmap_stats {
	uint64_t clients;
	uint64_t refused;
	uint64_t requests;
	uint64_t ok, notfound, temp, perm;   /* replies by status */
	uint64_t timeouts;            /* TEMP timeout replies */
	uint64_t bad;                 /* connections closed on bad framing */
	unsigned connected;
} sockmap_stats;

/* Bind and listen (a stale socket file is replaced, a live one is an
 * error, as apisrv_new does). */
int sockmap_new(struct event_base *base, const sockmap_config *cfg,
    const sockmap_backend *be, sockmap_srv **out, char *err, size_t errlen);
/* Cancel every lookup, close every client and the socket, remove the
 * socket file. */
void sockmap_free(sockmap_srv *s);
void sockmap_get_stats(const sockmap_srv *s, sockmap_stats *st);
/* Stopping: no new clients; new requests get "TEMP stopping". */
void sockmap_quiesce(sockmap_srv *s);
/* Lookups in flight plus unsent replies. */
size_t sockmap_busy(const sockmap_srv *s);

#endif
