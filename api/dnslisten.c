/*
 * dnslisten.c: the loopback DNS listener (UDP and TCP).  The only file of
 * the API side that includes libevent (STYLE.md rule 6).
 *
 * Memory: a query waiting for the resolver is one fixed-size dnsl_query
 * (the question is copied into it); the untrusted message itself is parsed
 * into the listener's scratch region, which is reset after each message,
 * so a big or hostile query never stays allocated.  Responses are built
 * in one listener-wide buffer; TCP output is copied into the connection's
 * bufferevent.
 */
#define _GNU_SOURCE   /* accept4, struct in_pktinfo / in6_pktinfo */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dnslisten.h"
#include "hotcache.h"
#include "transport.h"
#include "err.h"
#include "msg.h"
#include "name.h"
#include "region.h"
#include "rrtype.h"

#define DNS_MAX_MSG 65535
#define UDP_MIN_SIZE 512            /* RFC 1035 4.2.1 */
#define UDP_BATCH 32                /* datagrams read per readable event */
#define UDP_ROUNDS 4                /* batches read per readable event */
#define UDP_RSLOT 4096              /* a query datagram: larger ones are dropped */
#define ACCEPT_BATCH 16             /* connections accepted per event */
#define ACCEPT_PAUSE_MS 100         /* after EMFILE and friends */
#define TCP_BACKLOG 128
#define TCP_PIPELINE_MAX 32         /* queries in flight per connection */
#define TCP_OUT_SOFT 65536          /* stop reading past this much unsent */
#define EDE_TEXT_MAX 128            /* EXTRA-TEXT octets we send */
#define PARSE_LIMIT (1024 * 1024)   /* scratch region cap for one message */
#define UDP_RCVBUF (4 << 20)        /* listener socket buffer, octets */
#define BIND_TRIES 32               /* port 0: find one free for UDP and TCP */

#define NO_EDE 0xffff

#define DEF_MAX_TCP 256
#define DEF_TCP_IDLE_MS 10000
#define DEF_MAX_PENDING 10000

/* Local address of a UDP query on a wildcard socket (IP_PKTINFO). */
typedef union pktinfo {
	struct in_pktinfo v4;
	struct in6_pktinfo v6;
} pktinfo;

typedef struct lsock {
	dnsl *l;
	int fd;
	int family;
	bool tcp;
	bool wildcard;              /* UDP on 0.0.0.0 / ::: answer from the
	                               address the query was sent to */
	struct event *ev;
	struct event *retry;        /* TCP: resume accepting after EMFILE */
	struct sockaddr_storage local;
	socklen_t locallen;
} lsock;

typedef struct tconn {
	dnsl *l;
	struct bufferevent *bev;
	struct event *idle;         /* RFC 7766 6.2.3 idle timeout */
	struct event *kick;         /* deferred resume of reading */
	struct tconn *prev, *next;  /* l->conns, least recently active first */
	dnsl_query *queries;        /* waiting for the resolver */
	size_t npending;
	bool paused;                /* reading stopped: backlog or pipeline */
	bool stalled;               /* idle timeout with output unsent */
	bool draining;              /* client sent EOF: flush, then close */
	bool dead;                  /* close at the next kick */
	struct sockaddr_storage peer;
	socklen_t peerlen;
} tconn;

struct dnsl_query {
	dnsl *l;
	tconn *conn;                /* TCP; NULL for UDP */
	lsock *usock;               /* UDP: the socket to answer from */
	dnsl_query *prev, *next;    /* conn->queries or l->udp_queries */
	bool pending;               /* handed to resolve(), not answered */
	void *data;
	struct sockaddr_storage peer;   /* UDP */
	socklen_t peerlen;
	bool has_pktinfo;
	pktinfo pi;
	uint16_t id, flags;
	bool has_q;                 /* the question was parsed */
	bool edns, do_bit;
	uint16_t udp_size;          /* the client's EDNS buffer size */
	uint16_t qtype, qclass;
	uint8_t qname[NAME_MAX_WIRE];   /* as the client wrote it */
};

struct dnsl {
	struct event_base *base;
	dnsl_resolve_fn resolve;
	dnsl_abandon_fn abandon;
	void *ctx;
	bool allow_remote;
	size_t max_tcp;
	struct timeval idle_tv;
	size_t max_pending;
	size_t naddrs;
	lsock *socks;               /* 2 per address: UDP then TCP */
	size_t nsocks;
	tconn *conns, *conns_tail;
	size_t nconns;
	dnsl_query *udp_queries;
	size_t npending;
	bool quiesced;              /* dnsl_quiesce(): no new queries */
	region scratch;             /* one message being parsed */
	uint8_t *in;                /* DNS_MAX_MSG: message being read */
	uint8_t *out;               /* 2 + DNS_MAX_MSG: response, TCP-framed */
	dnsl_stats stats;
	/* Datagrams read in one go (recvmmsg), and the answers made while
	 * handling them, sent in one go (sendmmsg): two system calls for a
	 * burst of cache hits instead of two per query. */
	hotcache *hc;               /* UDP answers of the last second */
	uint8_t *rbuf;              /* UDP_BATCH * UDP_RSLOT */
	lsock *batch_sock;          /* the socket being read, or NULL */
	unsigned nbatch;
	uint8_t *sbuf;              /* UDP_BATCH * EDNS_BUFSIZE */
	struct mmsghdr smsg[UDP_BATCH];
	struct iovec siov[UDP_BATCH];
	struct sockaddr_storage speer[UDP_BATCH];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} scmsg[UDP_BATCH];
};

/* What to send: an rcode, maybe records and an EDE. */
typedef struct reply {
	unsigned rcode;             /* 12 bits (RFC 6891 6.1.3) */
	const eng_result *res;      /* NULL: no records */
	bool ad;
	bool has_ede;
	uint16_t ede;
	const char *ede_text;       /* may be NULL */
} reply;

static void conn_close(tconn *c);
static void conn_process(tconn *c);

/* Addresses. */

bool
dnsl_client_allowed(const struct sockaddr *sa, bool allow_remote)
{
	if (sa == NULL)
		return false;
	if (allow_remote)
		return true;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in s;
		memcpy(&s, sa, sizeof(s));
		return (ntohl(s.sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 s6;
		memcpy(&s6, sa, sizeof(s6));
		if (IN6_IS_ADDR_LOOPBACK(&s6.sin6_addr))
			return true;
		/* A v4 client on a dual-stack socket (::ffff:127.0.0.0/104). */
		return IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr) &&
		    s6.sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

/* "127.0.0.1@53", "::1@53": the listen-dns syntax, for messages. */
static void
addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	}
	snprintf(buf, len, "%s@%u", a, port);
}

static uint16_t
addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void
addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static bool
addr_is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* Query bookkeeping. */

static void
qlist_add(dnsl_query **head, dnsl_query *q)
{
	q->prev = NULL;
	q->next = *head;
	if (*head != NULL)
		(*head)->prev = q;
	*head = q;
}

static void
qlist_del(dnsl_query **head, dnsl_query *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		*head = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
}

/* Unlink q from its lists and the counts, and free it. */
static void
query_free(dnsl_query *q)
{
	dnsl *l = q->l;

	if (q->pending) {
		if (q->conn != NULL) {
			qlist_del(&q->conn->queries, q);
			q->conn->npending--;
		} else {
			qlist_del(&l->udp_queries, q);
		}
		l->npending--;
	}
	free(q);
}

static void
query_abandon(dnsl_query *q)
{
	dnsl *l = q->l;

	if (l->abandon != NULL)
		l->abandon(l->ctx, q);
	query_free(q);
}

void
dnsl_set_data(dnsl_query *q, void *data)
{
	q->data = data;
}

void *
dnsl_get_data(const dnsl_query *q)
{
	return q->data;
}

/* Building responses. */

/* RFC 4035 3.2.1: without DO, no RRSIG, NSEC or NSEC3 unless the query
 * asked for that type.  OPT and TSIG are never data. */
static bool
rr_wanted(const dnsl_query *q, int sec, const msg_rr *rr)
{
	switch (rr->type) {
	case RR_OPT:
	case RR_TSIG:
		return false;
	case RR_RRSIG:
	case RR_NSEC:
	case RR_NSEC3:
		return q->do_bit || (sec == SEC_ANSWER && rr->type == q->qtype);
	}
	return true;
}

/* Records of res, the additional section cut at add_max.  On a record
 * that does not fit, says where. */
static int
put_records(msg_builder *b, const dnsl_query *q, const eng_result *res,
    size_t add_max, int *fail_sec, size_t *fail_idx)
{
	for (int s = 0; s < SEC_COUNT; s++) {
		size_t n = s == SEC_ADDITIONAL ? add_max : res->count[s];
		for (size_t i = 0; i < n; i++) {
			const msg_rr *rr = &res->rr[s][i];
			if (!rr_wanted(q, s, rr))
				continue;
			int err = mb_rr(b, s, rr->owner, rr->type, rr->rclass,
			    rr->ttl, rr->rdata, rr->rdlen);
			if (err != 0) {
				*fail_sec = s;
				*fail_idx = i;
				return err;
			}
		}
	}
	return 0;
}

/* Start of the owner-name run (the RRsets of one name with their
 * RRSIGs) that additional record idx belongs to. */
static size_t
group_start(const eng_result *res, size_t idx)
{
	const msg_rr *rr = res->rr[SEC_ADDITIONAL];

	while (idx > 0 && name_eq(rr[idx - 1].owner, rr[idx].owner))
		idx--;
	return idx;
}

/* The EDE option (RFC 8914 2): INFO-CODE and EXTRA-TEXT, cut to
 * EDE_TEXT_MAX octets without splitting a UTF-8 sequence. */
static size_t
ede_option(const reply *r, uint8_t buf[2 + EDE_TEXT_MAX], edns_opt *o)
{
	const char *t = r->ede_text != NULL ? r->ede_text : "";
	size_t n = strnlen(t, EDE_TEXT_MAX + 1);

	if (n > EDE_TEXT_MAX) {
		n = EDE_TEXT_MAX;
		while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
			n--;
	}
	buf[0] = (uint8_t)(r->ede >> 8);
	buf[1] = (uint8_t)r->ede;
	memcpy(buf + 2, t, n);
	o->code = EDNS_OPT_EDE;
	o->len = (uint16_t)(2 + n);
	o->data = buf;
	return 1;
}

/* Build the response to q into buf[0..cap); returns its length or an
 * error.  Header, question as the client wrote it, records, OPT.  When an
 * answer or authority record does not fit, TC is set and all records are
 * left out: the client asks again over TCP (RFC 2181 9, RFC 7766 5).
 * Additional records that do not fit are left out by owner name, without
 * TC (RFC 2181 9). */
static int
build(const dnsl_query *q, const reply *r, uint8_t *buf, size_t cap)
{
	uint8_t edebuf[2 + EDE_TEXT_MAX];
	edns_opt opt;
	size_t nopts = 0;
	unsigned rcode = r->rcode;
	const eng_result *res = r->res;
	size_t add_max = res != NULL ? res->count[SEC_ADDITIONAL] : 0;
	bool tc = false;
	msg_builder b;
	int err;

	/* Extended rcodes need OPT; a client without EDNS cannot get one. */
	if (rcode > 0xfff || (!q->edns && rcode > 0xf))
		rcode = RCODE_SERVFAIL;
	if (q->edns && r->has_ede)
		nopts = ede_option(r, edebuf, &opt);
	uint16_t flags = (uint16_t)(FLAG_QR | (q->flags & (0xfu << 11)) |
	    (q->flags & (FLAG_RD | FLAG_CD)) | FLAG_RA |
	    (r->ad ? FLAG_AD : 0) | (rcode & 0xf));

	for (int pass = 0; pass < 3; pass++) {
		mb_init(&b, buf, cap, q->id, (uint16_t)(flags | (tc ? FLAG_TC : 0)));
		if (q->has_q &&
		    (err = mb_question(&b, q->qname, q->qtype, q->qclass)) != 0)
			return err;
		if (q->edns)
			mb_reserve(&b, mb_opt_size(&opt, nopts));
		if (res != NULL && !tc) {
			int fsec = 0;
			size_t fidx = 0;
			err = put_records(&b, q, res, add_max, &fsec, &fidx);
			if (err == MX_ESPACE && fsec == SEC_ADDITIONAL) {
				add_max = group_start(res, fidx);
				continue;
			}
			if (err == MX_ESPACE) {
				tc = true;
				continue;
			}
			if (err != 0)
				return err;
		}
		/* RFC 6891 6.1.1: OPT in the response when the query had one;
		 * RFC 3225 3: DO copied. */
		if (q->edns && (err = mb_opt(&b, EDNS_BUFSIZE, rcode, 0,
		    q->do_bit ? EDNS_DO : 0, &opt, nopts)) != 0)
			return err;
		return mb_finish(&b);
	}
	return MX_ESPACE;
}

/* RFC 6891 6.2.5: at least 512, at most what we advertise (DESIGN.md). */
static size_t
udp_size(const dnsl_query *q)
{
	size_t n = q->edns ? q->udp_size : UDP_MIN_SIZE;

	if (n > EDNS_BUFSIZE)
		n = EDNS_BUFSIZE;
	return n < UDP_MIN_SIZE ? UDP_MIN_SIZE : n;
}

/* The hot cache (hotcache.h). */

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
hot_key(const dnsl_query *q, size_t udp_cap, hc_key *k)
{
	name_copy(k->qname, q->qname);
	name_lower(k->qname);
	k->qtype = q->qtype;
	k->udp_size = (uint16_t)udp_cap;
	k->bits = (uint8_t)(((q->flags & FLAG_CD) ? HC_CD : 0) |
	    (q->do_bit ? HC_DO : 0) | ((q->flags & FLAG_AD) ? HC_AD : 0) |
	    (q->edns ? HC_EDNS : 0));
}

void
dnsl_hot_clear(dnsl *l)
{
	if (l != NULL && l->hc != NULL)
		hc_clear(l->hc);
}

/* Sending. */

/* The message header of an answer to q: its peer, and the source address
 * it came to when the socket is a wildcard one. */
static void
udp_header(dnsl_query *q, struct msghdr *mh, struct iovec *iov, void *peer,
    char *cbuf, size_t cbuflen)
{
	memset(mh, 0, sizeof(*mh));
	memcpy(peer, &q->peer, q->peerlen);
	mh->msg_name = peer;
	mh->msg_namelen = q->peerlen;
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	if (q->has_pktinfo) {
		memset(cbuf, 0, cbuflen);
		mh->msg_control = cbuf;
		struct cmsghdr *cm;
		if (q->usock->family == AF_INET) {
			struct in_pktinfo pi;
			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = q->pi.v4.ipi_addr;
			mh->msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(mh);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		} else {
			mh->msg_controllen = CMSG_SPACE(sizeof(q->pi.v6));
			cm = CMSG_FIRSTHDR(mh);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(q->pi.v6));
			memcpy(CMSG_DATA(cm), &q->pi.v6, sizeof(q->pi.v6));
		}
	}
}

/* Send what the batch holds. */
static void
udp_flush(dnsl *l)
{
	unsigned done = 0;

	while (done < l->nbatch) {
		int n = sendmmsg(l->batch_sock->fd, l->smsg + done,
		    l->nbatch - done, MSG_DONTWAIT);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			/* UDP may lose answers: a full socket buffer loses
			 * this one; the next ones may still go. */
			l->stats.send_errors++;
			done++;
			continue;
		}
		done += (unsigned)n;
	}
	l->nbatch = 0;
}

static void
udp_send(dnsl_query *q, const uint8_t *pkt, size_t len)
{
	dnsl *l = q->l;

	if (l->batch_sock == q->usock && len <= EDNS_BUFSIZE) {
		unsigned k = l->nbatch;
		uint8_t *slot = l->sbuf + (size_t)k * EDNS_BUFSIZE;
		memcpy(slot, pkt, len);
		l->siov[k].iov_base = slot;
		l->siov[k].iov_len = len;
		udp_header(q, &l->smsg[k].msg_hdr, &l->siov[k], &l->speer[k],
		    l->scmsg[k].buf, sizeof(l->scmsg[k].buf));
		if (++l->nbatch == UDP_BATCH)
			udp_flush(l);
		return;
	}

	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct sockaddr_storage peer;
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	struct msghdr mh;

	udp_header(q, &mh, &iov, &peer, cbuf.buf, sizeof(cbuf.buf));
	/* UDP may lose answers; a full socket buffer loses this one. */
	if (sendmsg(q->usock->fd, &mh, MSG_DONTWAIT) < 0)
		l->stats.send_errors++;
}

static bool
conn_blocked(const tconn *c)
{
	return c->dead || c->draining || c->npending >= TCP_PIPELINE_MAX ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) >= TCP_OUT_SOFT;
}

/* frame: 2 octets of room, then the message (RFC 1035 4.2.2). */
static void
tcp_send(tconn *c, uint8_t *frame, size_t len)
{
	frame[0] = (uint8_t)(len >> 8);
	frame[1] = (uint8_t)len;
	if (bufferevent_write(c->bev, frame, len + 2) != 0) {
		c->l->stats.send_errors++;
		c->dead = true;
		event_active(c->kick, EV_TIMEOUT, 0);
		return;
	}
	evtimer_add(c->idle, &c->l->idle_tv);
}

/* Build and send the response; does not free q. */
static void
respond(dnsl_query *q, const reply *r)
{
	dnsl *l = q->l;
	size_t cap = q->conn != NULL ? DNS_MAX_MSG : udp_size(q);
	int n = build(q, r, l->out + 2, cap);

	if (n < 0) {
		/* Cannot happen: question, OPT and a bounded EDE fit 512. */
		l->stats.send_errors++;
		return;
	}
	if (q->conn != NULL) {
		tcp_send(q->conn, l->out, (size_t)n);
		return;
	}
	udp_send(q, l->out + 2, (size_t)n);
	/* Kept a moment for the same question again: answers with data or
	 * a denial, never errors, bogus or stale ones, never truncated. */
	if (l->hc != NULL && r->res != NULL && !r->has_ede &&
	    r->res->status != SEC_BOGUS &&
	    (r->rcode == RCODE_NOERROR || r->rcode == RCODE_NXDOMAIN) &&
	    !(l->out[2 + 2] & (FLAG_TC >> 8))) {
		hc_key k;
		hot_key(q, cap, &k);
		hc_put(l->hc, &k, mono_ms(), HC_LIFE_MS, l->out + 2, (size_t)n);
	}
}

/* An answer of our own, before the resolver saw the query. */
static void
respond_rcode(dnsl_query *q, unsigned rcode, uint16_t ede, const char *text)
{
	reply r;

	memset(&r, 0, sizeof(r));
	r.rcode = rcode;
	if (ede != NO_EDE) {
		r.has_ede = true;
		r.ede = ede;
		r.ede_text = text;
	}
	respond(q, &r);
}

void
dnsl_answer(dnsl_query *q, const eng_result *res)
{
	reply r;

	if (q == NULL)
		return;
	memset(&r, 0, sizeof(r));
	if (res == NULL) {
		r.rcode = RCODE_SERVFAIL;
	} else {
		r.rcode = res->rcode;
		r.res = res;
		r.has_ede = res->has_ede;
		r.ede = res->ede;
		r.ede_text = res->reason;
		/* Belt and braces: bogus data leaves only with CD=1 (RFC 4035
		 * 3.2.2, 5.5); the engine already answers SERVFAIL. */
		if (res->status == SEC_BOGUS && !(q->flags & FLAG_CD)) {
			r.rcode = RCODE_SERVFAIL;
			r.res = NULL;
			if (!r.has_ede) {
				r.has_ede = true;
				r.ede = EDE_DNSSEC_BOGUS;
			}
		}
		/* RFC 6840 5.7-5.8: AD only when asked for (AD or DO), and
		 * only for data or a proven denial. */
		r.ad = res->status == SEC_SECURE &&
		    (q->flags & FLAG_AD || q->do_bit) &&
		    (r.rcode == RCODE_NOERROR || r.rcode == RCODE_NXDOMAIN);
	}
	respond(q, &r);
	q->l->stats.answered++;
	tconn *c = q->conn;
	query_free(q);
	/* Room in the pipeline again: resume reading, outside the resolver's
	 * call stack. */
	if (c != NULL && c->paused && !conn_blocked(c))
		event_active(c->kick, EV_TIMEOUT, 0);
}

/* Queries in. */

/* Check one message and answer it at once or hand it to the resolver.
 * q has its transport fields set; it is freed or becomes pending. */
static void
query_start(dnsl *l, dnsl_query *q, const uint8_t *pkt, size_t len,
    const struct sockaddr *peer)
{
	uint16_t id, flags;
	msg m;

	/* No header, nothing to answer; a response (QR=1) is never
	 * answered, which would invite loops between servers. */
	if (msg_parse_header(pkt, len, &id, &flags) != 0 ||
	    (flags & FLAG_QR) != 0) {
		l->stats.dropped++;
		free(q);
		return;
	}
	q->id = id;
	q->flags = flags;
	region_reset(&l->scratch);
	int rc = msg_parse(pkt, len, &l->scratch, &m);
	if (m.qname != NULL) {
		/* Echoed even in error responses, when it was readable. */
		name_copy(q->qname, m.qname);
		q->qtype = m.qtype;
		q->qclass = m.qclass;
		q->has_q = true;
	}
	if (rc == 0 && m.edns.present) {
		q->edns = true;
		q->do_bit = (m.edns.flags & EDNS_DO) != 0;
		q->udp_size = m.edns.udp_size;
	}
	region_reset(&l->scratch);

	unsigned rcode;
	uint16_t ede = NO_EDE;
	const char *text = NULL;
	if (!dnsl_client_allowed(peer, l->allow_remote)) {
		/* Never an open resolver (DESIGN.md). */
		rcode = RCODE_REFUSED;
		ede = EDE_PROHIBITED;
		l->stats.refused++;
	} else if (FLAG_OPCODE(flags) != 0) {
		rcode = RCODE_NOTIMP;
		l->stats.errors++;
	} else if (rc != 0) {
		rcode = RCODE_FORMERR;
		l->stats.errors++;
	} else if (m.edns.present && m.edns.version > 0) {
		/* RFC 6891 6.1.3: we speak version 0 only. */
		rcode = RCODE_BADVERS;
		l->stats.errors++;
	} else if (m.qdcount != 1 || m.count[SEC_ANSWER] != 0 ||
	    m.count[SEC_AUTHORITY] != 0) {
		/* RFC 9619: one question; a query has no answer or authority
		 * records (additional ones, such as TSIG, are ignored). */
		rcode = RCODE_FORMERR;
		l->stats.errors++;
	} else if (m.qclass != CLASS_IN) {
		rcode = RCODE_REFUSED;
		l->stats.refused++;
	} else if (m.qtype == RR_AXFR || m.qtype == RR_IXFR) {
		/* A resolver has no zones to transfer. */
		rcode = RCODE_REFUSED;
		l->stats.refused++;
	} else if (rrtype_is_meta(m.qtype) && m.qtype != RR_ANY) {
		/* OPT, TSIG, TKEY, MAILA, MAILB and the reserved meta range
		 * are no questions a resolver answers (RFC 6895 3.1). */
		rcode = RCODE_NOTIMP;
		l->stats.errors++;
	} else if (l->npending >= l->max_pending) {
		rcode = RCODE_SERVFAIL;
		ede = EDE_OTHER;
		text = "too many queries in progress";
		l->stats.overload++;
	} else {
		if (q->conn == NULL && l->hc != NULL) {
			hc_key k;
			size_t cap = udp_size(q);
			hot_key(q, cap, &k);
			size_t n = hc_get(l->hc, &k, mono_ms(), id, flags,
			    q->qname, l->out + 2, cap);
			if (n > 0) {
				l->stats.hot_hits++;
				udp_send(q, l->out + 2, n);
				l->stats.answered++;
				free(q);
				return;
			}
		}
		q->pending = true;
		l->npending++;
		if (q->conn != NULL) {
			qlist_add(&q->conn->queries, q);
			q->conn->npending++;
		} else {
			qlist_add(&l->udp_queries, q);
		}
		dnsl_question qu = {
			.qname = q->qname,
			.qtype = q->qtype,
			.qclass = q->qclass,
			.rd = (flags & FLAG_RD) != 0,
			.cd = (flags & FLAG_CD) != 0,
			.ad = (flags & FLAG_AD) != 0,
			.do_bit = q->do_bit,
		};
		/* May answer (and free q) before it returns. */
		l->resolve(l->ctx, q, &qu);
		return;
	}
	respond_rcode(q, rcode, ede, text);
	free(q);
}

/* UDP. */

static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	lsock *ls = arg;
	dnsl *l = ls->l;
	union cmsgbuf {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		    CMSG_SPACE(sizeof(struct in_pktinfo))];
	};
	static union cmsgbuf cbuf[UDP_BATCH];
	static struct sockaddr_storage peer[UDP_BATCH];
	static struct iovec iov[UDP_BATCH];
	static struct mmsghdr mm[UDP_BATCH];
	int n;

	(void)what;
	for (int i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = l->rbuf + (size_t)i * UDP_RSLOT;
		iov[i].iov_len = UDP_RSLOT;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_name = &peer[i];
		mm[i].msg_hdr.msg_namelen = sizeof(peer[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = cbuf[i].buf;
		mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i].buf);
	}
	/* A few batches per event while datagrams keep coming: fewer trips
	 * through epoll under load, and other sockets still get their turn. */
	for (int round = 0; round < UDP_ROUNDS; round++) {
		if (round > 0) {
			for (int i = 0; i < UDP_BATCH; i++) {
				mm[i].msg_hdr.msg_namelen = sizeof(peer[i]);
				mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i].buf);
				mm[i].msg_hdr.msg_flags = 0;
			}
		}
		do {
			n = recvmmsg(fd, mm, UDP_BATCH, MSG_DONTWAIT, NULL);
		} while (n < 0 && errno == EINTR);
		if (n <= 0)
			return;   /* EAGAIN: drained; anything else: next event */
		/* Answers made now (cache hits) go out together at the end. */
		l->batch_sock = ls;
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &mm[i].msg_hdr;
			size_t len = mm[i].msg_len;

			l->stats.udp_queries++;
			/* Port 0 cannot be answered; short ones have no header; no
			 * query needs more than UDP_RSLOT octets. */
			if (len < MSG_HDR_LEN || (mh->msg_flags & MSG_TRUNC) ||
			    mh->msg_namelen > sizeof(peer[i]) ||
			    addr_port(&peer[i]) == 0) {
				l->stats.dropped++;
				continue;
			}
			dnsl_query *q = calloc(1, sizeof(*q));
			if (q == NULL) {
				l->stats.dropped++;
				continue;
			}
			q->l = l;
			q->usock = ls;
			memcpy(&q->peer, &peer[i], mh->msg_namelen);
			q->peerlen = mh->msg_namelen;
			if (ls->wildcard) {
				for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL;
				    cm = CMSG_NXTHDR(mh, cm)) {
					if (cm->cmsg_level == IPPROTO_IP &&
					    cm->cmsg_type == IP_PKTINFO &&
					    cm->cmsg_len >= CMSG_LEN(sizeof(q->pi.v4))) {
						memcpy(&q->pi.v4, CMSG_DATA(cm), sizeof(q->pi.v4));
						q->has_pktinfo = true;
					} else if (cm->cmsg_level == IPPROTO_IPV6 &&
					    cm->cmsg_type == IPV6_PKTINFO &&
					    cm->cmsg_len >= CMSG_LEN(sizeof(q->pi.v6))) {
						memcpy(&q->pi.v6, CMSG_DATA(cm), sizeof(q->pi.v6));
						q->has_pktinfo = true;
					}
				}
			}
			query_start(l, q, iov[i].iov_base, len, (const struct sockaddr *)&q->peer);
		}
		udp_flush(l);
		l->batch_sock = NULL;
		if (n < UDP_BATCH)
			return;   /* the socket is empty, or nearly */
	}
}

/* TCP (RFC 7766). */

static void
conn_touch(tconn *c)
{
	dnsl *l = c->l;

	c->stalled = false;
	evtimer_add(c->idle, &l->idle_tv);
	if (c == l->conns_tail)
		return;
	/* Move to the tail: the list stays ordered by last activity. */
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	c->next->prev = c->prev;
	c->prev = l->conns_tail;
	c->next = NULL;
	l->conns_tail->next = c;
	l->conns_tail = c;
}

/* Abandon what the connection waits for and close it.  Only from event
 * callbacks and dnsl_free(), never under the resolver's calls. */
static void
conn_close(tconn *c)
{
	dnsl *l = c->l;

	while (c->queries != NULL)
		query_abandon(c->queries);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		l->conns_tail = c->prev;
	l->nconns--;
	event_free(c->idle);
	event_free(c->kick);
	bufferevent_free(c->bev);   /* closes the socket */
	free(c);
}

static void
conn_pause(tconn *c)
{
	if (!c->paused) {
		bufferevent_disable(c->bev, EV_READ);
		c->paused = true;
	}
}

/* Read every complete message in the input buffer, while the pipeline
 * and the output backlog leave room. */
static void
conn_process(tconn *c)
{
	dnsl *l = c->l;
	struct evbuffer *in = bufferevent_get_input(c->bev);

	for (;;) {
		if (conn_blocked(c)) {
			conn_pause(c);
			return;
		}
		size_t have = evbuffer_get_length(in);
		uint8_t lb[2];
		if (have < 2)
			break;
		evbuffer_copyout(in, lb, 2);
		size_t len = wire_get_u16(lb);
		if (len < MSG_HDR_LEN) {
			/* No DNS message is that short: the stream is out of
			 * step, or not DNS at all. */
			l->stats.dropped++;
			conn_close(c);
			return;
		}
		if (have < 2 + len)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, l->in, len);
		l->stats.tcp_queries++;
		conn_touch(c);
		dnsl_query *q = calloc(1, sizeof(*q));
		if (q == NULL) {
			l->stats.dropped++;
			continue;
		}
		q->l = l;
		q->conn = c;
		query_start(l, q, l->in, len, (const struct sockaddr *)&c->peer);
	}
	if (c->paused) {
		c->paused = false;
		bufferevent_enable(c->bev, EV_READ);
	}
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_process(arg);
}

/* All output written. */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	tconn *c = arg;

	(void)bev;
	if (c->draining) {
		conn_close(c);
		return;
	}
	c->stalled = false;
	evtimer_add(c->idle, &c->l->idle_tv);
	if (c->paused)
		conn_process(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	tconn *c = arg;

	if (what & BEV_EVENT_ERROR) {
		conn_close(c);
	} else if (what & BEV_EVENT_EOF) {
		/* A closed client and a half-closed one look the same; the
		 * resolver should not work for a client that is likely gone,
		 * so its queries are abandoned.  Answers already made still
		 * go out, then the connection closes. */
		while (c->queries != NULL)
			query_abandon(c->queries);
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
			conn_close(c);
			return;
		}
		c->draining = true;
		bufferevent_disable(bev, EV_READ);
	}
}

static void
conn_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	tconn *c = arg;

	(void)fd;
	(void)what;
	/* Waiting for the resolver is not idleness; answers not yet taken
	 * by the client get one more period, then the client is stuck. */
	if (c->npending > 0 || (!c->stalled &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)) {
		c->stalled = c->npending == 0;
		evtimer_add(c->idle, &c->l->idle_tv);
		return;
	}
	c->l->stats.tcp_idle_closed++;
	conn_close(c);
}

static void
conn_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	tconn *c = arg;

	(void)fd;
	(void)what;
	if (c->dead)
		conn_close(c);
	else if (c->paused)
		conn_process(c);
}

/* The least recently active connection that waits for nothing. */
static tconn *
conn_oldest_idle(dnsl *l)
{
	for (tconn *c = l->conns; c != NULL; c = c->next) {
		if (c->npending == 0)
			return c;
	}
	return NULL;
}

static int
conn_new(dnsl *l, int fd, const struct sockaddr_storage *peer, socklen_t plen)
{
	tconn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (c == NULL)
		goto fail;
	c->l = l;
	memcpy(&c->peer, peer, plen);
	c->peerlen = plen;
	/* Pipelined answers go out as they come, not held by Nagle. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail;
	fd = -1;
	c->idle = evtimer_new(l->base, conn_idle_cb, c);
	c->kick = event_new(l->base, -1, 0, conn_kick_cb, c);
	if (c->idle == NULL || c->kick == NULL)
		goto fail;
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0 ||
	    evtimer_add(c->idle, &l->idle_tv) != 0)
		goto fail;
	c->prev = l->conns_tail;
	if (l->conns_tail != NULL)
		l->conns_tail->next = c;
	else
		l->conns = c;
	l->conns_tail = c;
	l->nconns++;
	return 0;
fail:
	if (c != NULL) {
		if (c->idle != NULL)
			event_free(c->idle);
		if (c->kick != NULL)
			event_free(c->kick);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		free(c);
	}
	if (fd >= 0)
		close(fd);
	return MX_ENOMEM;
}

static void
accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	lsock *ls = arg;

	(void)fd;
	(void)what;
	if (!ls->l->quiesced)
		event_add(ls->ev, NULL);
}

static void
tcp_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	lsock *ls = arg;
	dnsl *l = ls->l;

	(void)what;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(lfd, (struct sockaddr *)&peer, &plen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* The pending connection keeps the socket
				 * readable: pause rather than spin. */
				struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };
				event_del(ls->ev);
				evtimer_add(ls->retry, &tv);
			}
			return;
		}
		if (plen > sizeof(peer)) {
			close(fd);
			continue;
		}
		if (l->nconns >= l->max_tcp) {
			/* Full: make room by closing the connection idle the
			 * longest (RFC 7766 6.2.3); when all are busy, refuse. */
			tconn *old = conn_oldest_idle(l);
			if (old == NULL) {
				l->stats.tcp_rejected++;
				close(fd);
				continue;
			}
			l->stats.tcp_idle_closed++;
			conn_close(old);
		}
		if (conn_new(l, fd, &peer, plen) != 0) {
			l->stats.tcp_rejected++;
			continue;
		}
		l->stats.tcp_accepted++;
	}
}

/* Setting up and tearing down. */

static void
lsock_close(lsock *ls)
{
	if (ls->ev != NULL)
		event_free(ls->ev);
	if (ls->retry != NULL)
		event_free(ls->retry);
	if (ls->fd >= 0)
		close(ls->fd);
	ls->ev = ls->retry = NULL;
	ls->fd = -1;
}

/* Open and bind one socket; on error err names the address. */
static int
lsock_open(lsock *ls, const struct sockaddr_storage *sa, socklen_t salen,
    bool tcp, char *err, size_t errlen)
{
	char as[INET6_ADDRSTRLEN + 8];
	const char *what;
	int one = 1;

	ls->fd = -1;
	ls->tcp = tcp;
	ls->family = sa->ss_family;
	what = "socket";
	ls->fd = socket(sa->ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ls->fd < 0)
		goto fail;
	what = "setsockopt";
	if (tcp && setsockopt(ls->fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) != 0)
		goto fail;
	/* Each address means itself only: a v6 socket takes no v4. */
	if (sa->ss_family == AF_INET6 && setsockopt(ls->fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto fail;
	if (!tcp && addr_is_wildcard(sa)) {
		ls->wildcard = true;
		if (sa->ss_family == AF_INET ?
		    setsockopt(ls->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) :
		    setsockopt(ls->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
		    sizeof(one)))
			goto fail;
	}
	if (!tcp) {
		/* A burst of queries (an MTA's queue run) must wait in the
		 * socket, not be dropped by the kernel: ask for a large
		 * receive buffer, past rmem_max when we may (root), else as
		 * large as allowed.  Failure is not fatal. */
		int sz = UDP_RCVBUF;
		if (setsockopt(ls->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
			(void)setsockopt(ls->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	what = "bind";
	if (bind(ls->fd, (const struct sockaddr *)sa, salen) != 0)
		goto fail;
	what = "listen";
	if (tcp && listen(ls->fd, TCP_BACKLOG) != 0)
		goto fail;
	what = "getsockname";
	ls->locallen = sizeof(ls->local);
	if (getsockname(ls->fd, (struct sockaddr *)&ls->local, &ls->locallen) != 0)
		goto fail;
	return 0;
fail:;
	int e = errno;
	addr_str(sa, as, sizeof(as));
	snprintf(err, errlen, "listen-dns %s: %s %s: %s", as,
	    tcp ? "tcp" : "udp", what, strerror(e));
	int rc = e == EADDRINUSE ? MX_EAGAIN : MX_EIO;
	lsock_close(ls);
	return rc;
}

/* UDP and TCP on one address, on the same port; port 0 picks one free
 * for both. */
static int
bind_pair(dnsl *l, lsock *u, lsock *t, const struct sockaddr_storage *sa,
    socklen_t salen, char *err, size_t errlen)
{
	struct sockaddr_storage a;
	int rc = MX_EIO;

	if (salen > sizeof(a) ||
	    !((sa->ss_family == AF_INET && salen >= sizeof(struct sockaddr_in)) ||
	    (sa->ss_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6)))) {
		snprintf(err, errlen, "listen-dns: address %zu is not IPv4 or IPv6",
		    (size_t)(u - l->socks) / 2);
		return MX_EINVAL;
	}
	bool any_port = addr_port(sa) == 0;
	for (int i = 0; i < BIND_TRIES; i++) {
		memcpy(&a, sa, salen);
		if (any_port && i > 0) {
			/* The kernel's pick was taken for TCP: try ports below
			 * the ephemeral range, where outgoing sockets do not
			 * land. */
			uint16_t r;
			tp_random(&r, sizeof(r));
			addr_set_port(&a, (uint16_t)(20000 + r % 12000));
		}
		if ((rc = lsock_open(u, &a, salen, false, err, errlen)) != 0) {
			if (rc == MX_EAGAIN && any_port)
				continue;
			return rc == MX_EAGAIN ? MX_EIO : rc;
		}
		addr_set_port(&a, addr_port(&u->local));
		rc = lsock_open(t, &a, salen, true, err, errlen);
		if (rc == 0)
			return 0;
		lsock_close(u);
		if (rc != MX_EAGAIN || !any_port)
			break;
	}
	return rc == MX_EAGAIN ? MX_EIO : rc;
}

int
dnsl_new(struct event_base *base, const dnsl_config *cfg,
    dnsl_resolve_fn resolve, dnsl_abandon_fn abandon, void *ctx,
    dnsl **out, char *err, size_t errlen)
{
	dnsl *l = NULL;
	int rc = MX_ENOMEM;

	*out = NULL;
	if (errlen > 0)
		err[0] = 0;
	if (base == NULL || cfg == NULL || resolve == NULL ||
	    (cfg->naddrs > 0 && (cfg->addrs == NULL || cfg->addrlens == NULL))) {
		snprintf(err, errlen, "listen-dns: invalid arguments");
		return MX_EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		goto nomem;
	l->base = base;
	l->resolve = resolve;
	l->abandon = abandon;
	l->ctx = ctx;
	l->allow_remote = cfg->allow_remote;
	l->max_tcp = cfg->max_tcp_clients ? cfg->max_tcp_clients : DEF_MAX_TCP;
	unsigned idle = cfg->tcp_idle_ms ? cfg->tcp_idle_ms : DEF_TCP_IDLE_MS;
	l->idle_tv.tv_sec = idle / 1000;
	l->idle_tv.tv_usec = (suseconds_t)(idle % 1000) * 1000;
	l->max_pending = cfg->max_pending ? cfg->max_pending : DEF_MAX_PENDING;
	region_init(&l->scratch, PARSE_LIMIT);
	l->in = malloc(DNS_MAX_MSG);
	l->out = malloc(2 + DNS_MAX_MSG);
	l->rbuf = malloc((size_t)UDP_BATCH * UDP_RSLOT);
	l->hc = hc_new();
	l->sbuf = malloc((size_t)UDP_BATCH * EDNS_BUFSIZE);
	l->naddrs = cfg->naddrs;
	l->socks = calloc(cfg->naddrs ? 2 * cfg->naddrs : 1, sizeof(*l->socks));
	for (size_t i = 0; l->socks != NULL && i < 2 * cfg->naddrs; i++) {
		l->socks[i].fd = -1;
		l->socks[i].l = l;
	}
	if (l->in == NULL || l->out == NULL || l->socks == NULL ||
	    l->rbuf == NULL || l->sbuf == NULL || l->hc == NULL)
		goto nomem;
	for (size_t i = 0; i < cfg->naddrs; i++) {
		lsock *u = &l->socks[2 * i], *t = &l->socks[2 * i + 1];
		rc = bind_pair(l, u, t, &cfg->addrs[i], cfg->addrlens[i], err, errlen);
		if (rc != 0)
			goto fail;
		l->nsocks += 2;
		u->ev = event_new(base, u->fd, EV_READ | EV_PERSIST, udp_read_cb, u);
		t->ev = event_new(base, t->fd, EV_READ | EV_PERSIST, tcp_accept_cb, t);
		t->retry = evtimer_new(base, accept_retry_cb, t);
		if (u->ev == NULL || t->ev == NULL || t->retry == NULL ||
		    event_add(u->ev, NULL) != 0 || event_add(t->ev, NULL) != 0)
			goto nomem;
	}
	*out = l;
	return 0;
nomem:
	rc = MX_ENOMEM;
	snprintf(err, errlen, "listen-dns: out of memory");
fail:
	dnsl_free(l);
	return rc;
}

void
dnsl_quiesce(dnsl *l)
{
	if (l == NULL)
		return;
	l->quiesced = true;
	for (size_t i = 0; l->socks != NULL && i < l->nsocks; i++) {
		if (l->socks[i].ev != NULL)
			event_del(l->socks[i].ev);
		if (l->socks[i].retry != NULL)
			event_del(l->socks[i].retry);
	}
}

void
dnsl_free(dnsl *l)
{
	if (l == NULL)
		return;
	while (l->conns != NULL)
		conn_close(l->conns);
	while (l->udp_queries != NULL)
		query_abandon(l->udp_queries);
	for (size_t i = 0; l->socks != NULL && i < 2 * l->naddrs; i++)
		lsock_close(&l->socks[i]);
	free(l->socks);
	region_free(&l->scratch);
	free(l->in);
	free(l->rbuf);
	hc_free(l->hc);
	free(l->sbuf);
	free(l->out);
	free(l);
}

int
dnsl_local_addr(const dnsl *l, size_t i, struct sockaddr_storage *ss,
    socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	*len = 0;
	if (i >= l->nsocks / 2)
		return MX_ENOTFOUND;
	memcpy(ss, &l->socks[2 * i].local, l->socks[2 * i].locallen);
	*len = l->socks[2 * i].locallen;
	return 0;
}

void
dnsl_get_stats(const dnsl *l, dnsl_stats *st)
{
	*st = l->stats;
	st->pending = l->npending;
	st->tcp_clients = l->nconns;
}
