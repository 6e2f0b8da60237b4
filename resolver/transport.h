/*
 * transport.h: the one file that owns upstream sockets (STYLE.md rule 2).
 * UDP and TCP queries to upstream servers on libevent.
 *
 * UDP: each query gets its own socket, bound to a random source port over
 * the ephemeral range and connect()ed to the server, so the kernel drops
 * datagrams from any other address or port.  Each datagram that arrives is
 * offered to the reply callback; when it returns MX_EAGAIN (not ours:
 * wrong ID or question) the transport keeps waiting until the timeout.
 * TCP: connect, send with the two-octet length (RFC 1035 4.2.2), read one
 * message with the same callback, all within the timeout.
 *
 * Ownership: a handle lives from tp_send() until its final callback (an
 * accepted reply or fail) has run or tp_cancel() is called; after either
 * it must not be used.
 *
 * Re-entrancy: callbacks may call tp_send(), tp_cancel() (on any query,
 * also the one whose reply callback is running: no further callback then)
 * and tp_free().  The reply's pkt lives until the reply callback returns.
 */
#ifndef MXSEC_TRANSPORT_H
#define MXSEC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;

typedef struct transport transport;
typedef struct tp_query tp_query;

typedef struct tp_config {
	/* Source addresses (port ignored; copied by tp_new()); none: the
	 * kernel chooses.  When some are given, a query to a family with none
	 * of its addresses fails in tp_send() with MX_EINVAL. */
	const struct sockaddr_storage *outgoing;
	size_t noutgoing;
	size_t max_queries;          /* in flight; 0: 4096 */
} tp_config;

/* A message arrived.  Return 0 to accept it (the query is then done and
 * no other callback follows) or MX_EAGAIN to drop it and keep waiting
 * (UDP; on TCP the query then fails with MX_EIO).  Any other value also
 * ends the query without further callbacks. */
typedef int (*tp_reply_fn)(void *arg, const uint8_t *pkt, size_t len);
/* The query ended without an accepted reply: MX_EAGAIN on timeout,
 * MX_EIO on a network error (ICMP unreachable, connection refused or
 * closed, TCP length 0), MX_ENOMEM.  The handle is already gone. */
typedef void (*tp_fail_fn)(void *arg, int err);

int tp_new(struct event_base *base, const tp_config *cfg, transport **out);
/* Cancels everything in flight; no callbacks run.  Call it before
 * event_base_free(). */
void tp_free(transport *t);

/* Returns 0 and a handle (out may be NULL), or an error and no callback:
 * MX_ELIMIT when max_queries are in flight (or out of descriptors),
 * MX_EINVAL for bad arguments (len 0 or over 65535, timeout 0, not
 * AF_INET/AF_INET6), MX_EIO when the socket cannot be set up (no route).
 * pkt is copied.  timeout_ms bounds the whole query, TCP connect, write
 * and read included. */
int tp_send(transport *t, const struct sockaddr *sa, socklen_t salen,
    const uint8_t *pkt, size_t len, bool tcp, unsigned timeout_ms,
    tp_reply_fn reply, tp_fail_fn fail, void *arg, tp_query **out);
void tp_cancel(tp_query *q);

/* CSPRNG (getrandom(2)); never fails, aborts if the kernel cannot
 * deliver. */
void tp_random(void *buf, size_t n);

#endif
