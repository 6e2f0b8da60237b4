/*
 * apisrv.c: the Unix-socket API server (apisrv.h, doc/protocol.md).
 *
 * Each client has a FIFO of slots, one per request line.  A slot is
 * filled when its lookup ends (possibly at once, from the cache); replies
 * leave from the head of the FIFO only, so they keep request order.
 * Back-pressure: a client with max_inflight slots, or with max_output
 * bytes of replies it has not read, is not read from until that drains.
 * Every line is untrusted input (STYLE.md rule 7).
 */
#define _GNU_SOURCE   /* struct ucred (SO_PEERCRED) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "apisrv.h"
#include "err.h"
#include "jsonw.h"
#include "policy.h"
#include "request.h"
#include "rrjson.h"
#include "unixsock.h"
#include "rrtype.h"
#include "tlsrpt.h"

#define DANE_HOT_SLOTS 256
#define DANE_HOT_MAX 65536     /* larger replies are not kept: 16 MiB at most */

typedef struct client client;

typedef struct slot {
	struct slot *next;
	client *c;
	bool ready;
	char *json;
	size_t len;
	/* In flight: one of these. */
	eng_req *r;
	dane_req *dane;
	void *policy;             /* the policy service's handle */
	bool policy_pending;      /* its done() has not run */
	bool srv;                 /* dane is an SRV request: not kept hot */
	struct event *timer;
	uint8_t qname[NAME_MAX_WIRE];
	uint16_t qtype;
	uint16_t port;            /* DANE */
} slot;

struct client {
	apisrv *s;
	client *prev, *next;
	struct bufferevent *bev;
	slot *head, *tail;
	unsigned nslots;
	bool skipping;            /* dropping the rest of an over-long line */
	bool eof;                 /* the peer will send no more */
	bool in_read;             /* inside on_read: do not free */
	bool dead;                /* free when on_read returns */
	bool has_cred;            /* SO_PEERCRED worked: uid is the peer's */
	uid_t uid;
};

struct apisrv {
	apisrv_config cfg;
	char *path;
	char *version;
	struct event_base *base;
	api_resolver res;
	api_control ctl;          /* ctl.run NULL: no control requests */
	api_policy pol;           /* pol.start NULL: no policy service */
	struct evconnlistener *lis;
	client *clients;
	apisrv_stats st;
	bool stopping;            /* apisrv_quiesce() */
	/* DANE replies of the last moment, for a queue run that asks for
	 * the same destination again and again (cfg.dane_hot_ms). */
	struct dane_hot {
		uint8_t name[NAME_MAX_WIRE];
		uint16_t port;
		uint64_t expires_ms;
		char *json;
		size_t len;
	} hot[DANE_HOT_SLOTS];
};

static void flush(client *c);
static bool pump(client *c);

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct dane_hot *
hot_slot(apisrv *s, const uint8_t *lname, uint16_t port)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < name_len(lname); i++)
		h = (h ^ lname[i]) * 16777619u;
	h = (h ^ port) * 16777619u;
	return &s->hot[h % DANE_HOT_SLOTS];
}

void
apisrv_hot_clear(apisrv *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < DANE_HOT_SLOTS; i++) {
		free(s->hot[i].json);
		s->hot[i].json = NULL;
	}
}

/* ---- clients ---- */

static void
slot_free(client *c, slot *sl)
{
	apisrv *s = c->s;

	if (sl->r != NULL)
		s->res.cancel(s->res.ctx, sl->r);
	if (sl->dane != NULL)
		dane_free(sl->dane);
	if (sl->policy_pending && s->pol.cancel != NULL)
		s->pol.cancel(s->pol.ctx, sl->policy);
	if (sl->timer != NULL)
		event_free(sl->timer);
	free(sl->json);
	free(sl);
}

static void
client_free(client *c)
{
	apisrv *s = c->s;

	if (c->in_read) {
		c->dead = true;
		return;
	}
	while (c->head != NULL) {
		slot *sl = c->head;
		c->head = sl->next;
		slot_free(c, sl);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	s->st.connected--;
	free(c);
}

static bool
output_full(const client *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) >= c->s->cfg.max_output;
}

/* Read when there is room; stop when the client is over its limits. */
static void
update_reading(client *c)
{
	if (c->eof)
		return;
	if (c->nslots >= c->s->cfg.max_inflight || output_full(c))
		bufferevent_disable(c->bev, EV_READ);
	else
		bufferevent_enable(c->bev, EV_READ);
}

static slot *
slot_new(client *c)
{
	slot *sl = calloc(1, sizeof(*sl));

	if (sl == NULL)
		return NULL;
	sl->c = c;
	if (c->tail)
		c->tail->next = sl;
	else
		c->head = sl;
	c->tail = sl;
	c->nslots++;
	return sl;
}

static void
slot_ready(slot *sl, char *json, size_t len)
{
	sl->ready = true;
	sl->json = json;
	sl->len = len;
}

static void
slot_error(slot *sl, const char *error, const char *reason)
{
	jsonw w;
	size_t len;

	jw_init(&w);
	jw_obj_open(&w);
	jw_kbool(&w, "ok", false);
	jw_kstr(&w, "error", error);
	jw_kstr(&w, "reason", reason);
	jw_obj_close(&w);
	sl->c->s->st.errors++;
	if (w.oom) {
		jw_free(&w);
		slot_ready(sl, NULL, 0);
		return;
	}
	char *json = jw_take(&w, &len);
	slot_ready(sl, json, len);
}

static const char oom_reply[] =
    "{\"ok\":false,\"error\":\"internal\",\"reason\":\"out of memory\"}";

/* Send every finished reply at the head, in order. */
static void
flush(client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	while (c->head != NULL && c->head->ready) {
		slot *sl = c->head;
		if (sl->json != NULL)
			evbuffer_add(out, sl->json, sl->len);
		else
			evbuffer_add(out, oom_reply, sizeof(oom_reply) - 1);
		evbuffer_add(out, "\n", 1);
		c->head = sl->next;
		if (c->head == NULL)
			c->tail = NULL;
		c->nslots--;
		slot_free(c, sl);
	}
	update_reading(c);
}

/* ---- requests ---- */

static void
on_lookup(void *arg, const eng_result *res)
{
	slot *sl = arg;
	jsonw w;
	size_t len;

	sl->r = NULL;
	jw_init(&w);
	rj_lookup_reply(&w, sl->qname, sl->qtype, res);
	if (w.oom) {
		jw_free(&w);
		slot_ready(sl, NULL, 0);
	} else {
		char *json = jw_take(&w, &len);
		slot_ready(sl, json, len);
	}
	pump(sl->c);
}

static void
on_dane(void *arg, char *json, size_t len)
{
	slot *sl = arg;
	dane_req *d = sl->dane;

	slot_ready(sl, json, len);
	/* Kept a moment when nothing in it says "try later". */
	apisrv *s = sl->c->s;
	if (json != NULL && !sl->srv && s->cfg.dane_hot_ms > 0 && len <= DANE_HOT_MAX &&
	    strstr(json, "\"defer\"") == NULL) {
		struct dane_hot *hs = hot_slot(s, sl->qname, sl->port);
		char *copy = malloc(len + 1);
		if (copy != NULL) {
			memcpy(copy, json, len + 1);
			free(hs->json);
			hs->json = copy;
			hs->len = len;
			name_copy(hs->name, sl->qname);
			hs->port = sl->port;
			hs->expires_ms = mono_ms() + s->cfg.dane_hot_ms;
		}
	}
	/* The request is over; free it here unless dane_start is still on
	 * the stack (then on_read frees it: sl->dane is cleared below). */
	sl->dane = NULL;
	if (sl->timer != NULL) {
		event_free(sl->timer);
		sl->timer = NULL;
	}
	if (d != NULL)
		dane_free(d);
	pump(sl->c);
}

static void
on_dane_deadline(evutil_socket_t fd, short what, void *arg)
{
	slot *sl = arg;

	(void)fd;
	(void)what;
	if (sl->dane != NULL)
		dane_expire(sl->dane);   /* calls on_dane */
}

/* ---- TLSRPT (RFC 8460 3) ---- */

static void
tlsrpt_write(jsonw *w, const uint8_t *qname, const eng_result *res)
{
	const msg_rr *links[RJ_MAX_CHAIN];
	char b[RJ_NAME_STR];
	size_t nl, n = 0, total = 0, used = 0;
	pol_txt *recs = NULL;
	uint8_t *buf = NULL;
	const char *result, *reason;
	tlsrpt_record rec;
	pol_why why;
	char text[POL_WHY_MAX + 40];

	jw_obj_open(w);
	jw_kbool(w, "ok", true);
	rj_name(qname, b);
	jw_kstr(w, "name", b);
	jw_kstr(w, "status", sec_status_name(res->status));
	jw_kstr(w, "rcode", rcode_name(res->status == SEC_BOGUS ?
	    RCODE_SERVFAIL : res->rcode));
	if (res->status == SEC_BOGUS || (res->rcode != RCODE_NOERROR &&
	    res->rcode != RCODE_NXDOMAIN)) {
		/* Nothing is known: the sender tries again later. */
		result = "defer";
		reason = res->reason ? res->reason : res->status == SEC_BOGUS ?
		    "validation failed" : rcode_name(res->rcode);
		goto out;
	}
	result = "none";
	reason = "no TXT records";
	if (res->rcode == RCODE_NXDOMAIN) {
		reason = "no such name (NXDOMAIN)";
		goto out;
	}
	const uint8_t *final = rj_follow(res, qname, links, &nl);
	for (unsigned i = 0; i < res->count[SEC_ANSWER]; i++)
		if (rj_is_final(&res->rr[SEC_ANSWER][i], final, RR_TXT)) {
			n++;
			total += res->rr[SEC_ANSWER][i].rdlen;
		}
	if (n == 0)
		goto out;
	recs = calloc(n, sizeof(*recs));
	buf = malloc(total + 1);
	if (recs == NULL || buf == NULL) {
		w->oom = true;
		goto out;
	}
	n = 0;
	for (unsigned i = 0; i < res->count[SEC_ANSWER]; i++) {
		const msg_rr *rr = &res->rr[SEC_ANSWER][i];
		size_t len = 0;
		if (!rj_is_final(rr, final, RR_TXT))
			continue;
		/* RFC 8460 3: the strings of one record are joined. */
		if (pol_txt_join(rr->rdata, rr->rdlen, buf + used,
		    total - used, &len) != 0)
			continue;
		recs[n].data = buf + used;
		recs[n++].len = len;
		used += len;
	}
	int rc = tlsrpt_record_parse(recs, n, &rec, &why);
	if (rc == 0) {
		result = "found";
		snprintf(text, sizeof(text), "v=TLSRPTv1 with %u report URI%s",
		    rec.nrua, rec.nrua == 1 ? "" : "s");
		reason = text;
	} else if (rc == MX_ENOTFOUND) {
		reason = "no v=TLSRPTv1 record";
	} else {
		result = "invalid";
		snprintf(text, sizeof(text), "%s", why.text[0] ? why.text :
		    mx_strerror(rc));
		reason = text;
	}
out:
	jw_kstr(w, "result", result);
	if (strcmp(result, "found") == 0) {
		jw_key(w, "rua");
		jw_arr_open(w);
		for (unsigned i = 0; i < rec.nrua; i++)
			jw_str(w, rec.rua[i]);
		jw_arr_close(w);
	}
	jw_kstr(w, "reason", reason);
	jw_obj_close(w);
	free(recs);
	free(buf);
}

static void
on_tlsrpt(void *arg, const eng_result *res)
{
	slot *sl = arg;
	jsonw w;
	size_t len;

	sl->r = NULL;
	jw_init(&w);
	tlsrpt_write(&w, sl->qname, res);
	if (w.oom) {
		jw_free(&w);
		slot_ready(sl, NULL, 0);
	} else {
		char *json = jw_take(&w, &len);
		slot_ready(sl, json, len);
	}
	pump(sl->c);
}

/* ---- STS and POLICY: the policy service (apisrv.h) ---- */

static void
on_policy(void *arg, char *json, size_t len)
{
	slot *sl = arg;

	sl->policy_pending = false;
	sl->policy = NULL;
	if (sl->timer != NULL) {
		event_free(sl->timer);
		sl->timer = NULL;
	}
	slot_ready(sl, json, len);
	pump(sl->c);
}

static void
on_policy_deadline(evutil_socket_t fd, short what, void *arg)
{
	slot *sl = arg;
	apisrv *s = sl->c->s;
	char why[100];

	(void)fd;
	(void)what;
	if (!sl->policy_pending)
		return;
	sl->policy_pending = false;
	if (s->pol.cancel != NULL)
		s->pol.cancel(s->pol.ctx, sl->policy);
	sl->policy = NULL;
	event_free(sl->timer);
	sl->timer = NULL;
	snprintf(why, sizeof(why), "no policy within %u ms",
	    s->cfg.dane_timeout_ms);
	slot_error(sl, "timeout", why);
	pump(sl->c);
}

/* A deadline timer for sl; false (and an error reply) when there is no
 * memory for it. */
static bool
slot_deadline(slot *sl, event_callback_fn fn, unsigned ms)
{
	apisrv *s = sl->c->s;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	sl->timer = evtimer_new(s->base, fn, sl);
	if (sl->timer == NULL || evtimer_add(sl->timer, &tv) != 0) {
		slot_error(sl, "internal", "out of memory");
		return false;
	}
	return true;
}

static void
handle_policy(apisrv *s, slot *sl, const api_request *req)
{
	void *handle = NULL;
	int rc;

	if (s->pol.start == NULL) {
		slot_error(sl, "unavailable", "no TLS policy service in this daemon");
		return;
	}
	name_copy(sl->qname, req->name);
	name_lower(sl->qname);
	if (!slot_deadline(sl, on_policy_deadline, s->cfg.policy_timeout_ms ?
	    s->cfg.policy_timeout_ms : s->cfg.dane_timeout_ms))
		return;
	sl->policy_pending = true;
	rc = s->pol.start(s->pol.ctx, (int)req->verb, sl->qname, on_policy, sl,
	    &handle);
	if (rc != 0) {
		sl->policy_pending = false;
		slot_error(sl, "internal", mx_strerror(rc));
		return;
	}
	/* on_policy may have run already. */
	if (sl->policy_pending)
		sl->policy = handle;
}

static void
handle_srv(apisrv *s, slot *sl, const api_request *req)
{
	dane_req *d = NULL;
	int rc;

	name_copy(sl->qname, req->name);
	name_lower(sl->qname);
	sl->srv = true;
	if (!slot_deadline(sl, on_dane_deadline, s->cfg.dane_timeout_ms))
		return;
	rc = dane_start_srv(&s->res, req->name, on_dane, sl, &d);
	if (rc != 0) {
		slot_error(sl, "internal", mx_strerror(rc));
		return;
	}
	if (!sl->ready)
		sl->dane = d;
	else
		dane_free(d);
}

static void
ping_reply(slot *sl)
{
	jsonw w;
	size_t len;

	jw_init(&w);
	jw_obj_open(&w);
	jw_kbool(&w, "ok", true);
	jw_kbool(&w, "pong", true);
	jw_kstr(&w, "version", sl->c->s->version);
	jw_obj_close(&w);
	if (w.oom) {
		jw_free(&w);
		slot_ready(sl, NULL, 0);
		return;
	}
	char *json = jw_take(&w, &len);
	slot_ready(sl, json, len);
}

/* Control verbs (doc/protocol.md, "Control"): for root and the daemon's
 * own user only. */
static const char *const control_verbs[] = {
	"STATS", "FLUSH", "FLUSH-SUBTREE", "FLUSH-ALL", "DUMP", "RELOAD", "TA",
};

static bool
is_control(const char *line, size_t len)
{
	size_t n = 0;

	while (n < len && line[n] != ' ' && line[n] != '\t')
		n++;
	for (size_t i = 0; i < sizeof(control_verbs) / sizeof(control_verbs[0]); i++)
		if (strlen(control_verbs[i]) == n &&
		    strncasecmp(line, control_verbs[i], n) == 0)
			return true;
	return false;
}

static void
handle_control(client *c, slot *sl, const char *line, size_t len)
{
	apisrv *s = c->s;
	/* Compared now, not at accept: the daemon may have dropped its
	 * privileges since (mxsecd(8)). */
	uid_t me = geteuid();
	char why[160];

	s->st.control++;
	if (!c->has_cred || (c->uid != 0 && c->uid != me)) {
		s->st.denied++;
		snprintf(why, sizeof(why), "control requests are for root and"
		    " uid %u only", (unsigned)me);
		slot_error(sl, "denied", why);
		return;
	}
	if (s->ctl.run == NULL) {
		slot_error(sl, "bad-request", "control requests are not available");
		return;
	}
	size_t jlen = 0;
	char *json = s->ctl.run(s->ctl.ctx, line, len, &jlen);
	slot_ready(sl, json, jlen);
}

static void
handle_line(client *c, const char *line, size_t len)
{
	apisrv *s = c->s;
	api_request req;
	char err[200];
	slot *sl;
	int rc;

	s->st.requests++;
	if ((sl = slot_new(c)) == NULL) {
		/* Nothing to answer with: drop the client. */
		c->dead = true;
		return;
	}
	if (s->stopping) {
		slot_error(sl, "stopping", "the daemon is shutting down");
		return;
	}
	if (is_control(line, len)) {
		handle_control(c, sl, line, len);
		return;
	}
	if (api_parse_request(line, len, &req, err, sizeof(err)) != 0) {
		slot_error(sl, "bad-request", err);
		return;
	}
	switch (req.verb) {
	case API_PING:
		ping_reply(sl);
		break;
	case API_LOOKUP:
		name_copy(sl->qname, req.name);
		sl->qtype = req.qtype;
		rc = s->res.resolve(s->res.ctx, req.name, req.qtype, 0, on_lookup, sl, &sl->r);
		if (rc != 0 && !sl->ready)
			slot_error(sl, "internal", mx_strerror(rc));
		break;
	case API_DANE: {
		dane_req *d = NULL;
		name_copy(sl->qname, req.name);
		name_lower(sl->qname);
		sl->port = req.port;
		if (s->cfg.dane_hot_ms > 0) {
			struct dane_hot *hs = hot_slot(s, sl->qname, sl->port);
			if (hs->json != NULL && hs->port == sl->port &&
			    mono_ms() < hs->expires_ms && name_eq(hs->name, sl->qname)) {
				char *copy = malloc(hs->len + 1);
				if (copy != NULL) {
					memcpy(copy, hs->json, hs->len + 1);
					slot_ready(sl, copy, hs->len);
					s->st.dane_hot++;
					break;
				}
			}
		}
		struct timeval tv = { s->cfg.dane_timeout_ms / 1000,
		    (s->cfg.dane_timeout_ms % 1000) * 1000 };
		sl->timer = evtimer_new(s->base, on_dane_deadline, sl);
		if (sl->timer == NULL || evtimer_add(sl->timer, &tv) != 0) {
			slot_error(sl, "internal", "out of memory");
			break;
		}
		rc = dane_start(&s->res, req.name, req.port, s->cfg.insecure_mx_dane,
		    on_dane, sl, &d);
		if (rc != 0) {
			slot_error(sl, "internal", mx_strerror(rc));
			break;
		}
		/* on_dane may have run already: then d is finished. */
		if (!sl->ready)
			sl->dane = d;
		else
			dane_free(d);
		break;
	}
	case API_STS:
	case API_POLICY:
		handle_policy(s, sl, &req);
		break;
	case API_TLSRPT:
		name_copy(sl->qname, req.name);
		rc = s->res.resolve(s->res.ctx, req.name, RR_TXT, 0, on_tlsrpt, sl, &sl->r);
		if (rc != 0 && !sl->ready)
			slot_error(sl, "internal", mx_strerror(rc));
		break;
	case API_SRV:
		handle_srv(s, sl, &req);
		break;
	}
}

static void
too_long(client *c)
{
	slot *sl = slot_new(c);

	if (sl == NULL) {
		c->dead = true;
		return;
	}
	c->s->st.requests++;
	slot_error(sl, "too-long", "the request line is longer than 1024 octets");
}

/* Take complete lines while the client is within its limits, send what
 * is finished, and go on while that made room for more.  true: c was
 * freed. */
static bool
pump(client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	char line[API_LINE_MAX + 2];

	if (c->in_read)
		return false;
	c->in_read = true;
again:
	while (!c->dead && c->nslots < c->s->cfg.max_inflight && !output_full(c)) {
		size_t eol_len = 0;
		struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, &eol_len,
		    EVBUFFER_EOL_LF);
		if (p.pos < 0) {
			size_t n = evbuffer_get_length(in);
			/* No newline within the limit: refuse the line once,
			 * and drop it as it comes, up to its newline. */
			if (n > API_LINE_MAX + 1) {
				if (!c->skipping)
					too_long(c);
				c->skipping = true;
				evbuffer_drain(in, n);
			}
			break;
		}
		size_t n = (size_t)p.pos;
		if (c->skipping) {
			evbuffer_drain(in, n + eol_len);
			c->skipping = false;
			continue;
		}
		if (n > API_LINE_MAX + 1) {
			evbuffer_drain(in, n + eol_len);
			too_long(c);
			continue;
		}
		evbuffer_remove(in, line, n);
		evbuffer_drain(in, eol_len);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;    /* empty lines are ignored */
		if (n > API_LINE_MAX) {
			/* 1025 octets and "\n": too long, like any longer. */
			too_long(c);
			continue;
		}
		handle_line(c, line, n);
	}
	if (!c->dead) {
		unsigned before = c->nslots;
		flush(c);
		size_t eol_len = 0;
		if (c->nslots < before && c->nslots < c->s->cfg.max_inflight &&
		    !output_full(c) &&
		    evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF).pos >= 0)
			goto again;
	}
	c->in_read = false;
	if (c->dead) {
		client_free(c);
		return true;
	}
	return false;
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	pump(arg);
}

static void
maybe_done(client *c)
{
	if (c->eof && c->head == NULL &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		client_free(c);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	client *c = arg;

	(void)bev;
	if (!pump(c))
		maybe_done(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	client *c = arg;

	if (what & BEV_EVENT_EOF) {
		/* A peer that closed altogether (Linux sets POLLHUP only
		 * then, not after shutdown(SHUT_WR)) reads no replies: its
		 * lookups are cancelled now, not left to run. */
		struct pollfd pfd = { bufferevent_getfd(bev), POLLOUT, 0 };
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR))) {
			client_free(c);
			return;
		}
		/* Half-closed: answer what was asked, then close. */
		c->eof = true;
		bufferevent_disable(c->bev, EV_READ);
		maybe_done(c);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING)) {
		if (c->head == NULL) {
			client_free(c);
			return;
		}
		update_reading(c);
		return;
	}
	client_free(c);
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	apisrv *s = arg;
	client *c;

	(void)lis;
	(void)sa;
	(void)salen;
	if (s->st.connected >= s->cfg.max_clients) {
		s->st.refused++;
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->s = s;
	{
		/* Who is at the other end: control requests need it. */
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 &&
		    clen == sizeof(cred)) {
			c->has_cred = true;
			c->uid = cred.uid;
		}
	}
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, s->cfg.max_output / 2, 0);
	struct timeval idle = { s->cfg.idle_timeout_s, 0 };
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = s->clients;
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	s->st.clients++;
	s->st.connected++;
}

/* ---- the socket ---- */

int
apisrv_new(struct event_base *base, const apisrv_config *cfg,
    const api_resolver *res, apisrv **out, char *err, size_t errlen)
{
	apisrv *s;
	int fd = -1, rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return MX_ENOMEM;
	s->cfg = *cfg;
	s->base = base;
	s->res = *res;
	s->path = strdup(cfg->path);
	s->version = strdup(cfg->version ? cfg->version : "");
	if (s->path == NULL || s->version == NULL) {
		rc = MX_ENOMEM;
		goto fail;
	}
	if ((rc = unixsock_bind("api-socket", cfg->path, cfg->mode, cfg->gid,
	    &fd, err, errlen)) != 0)
		goto fail;
	s->lis = evconnlistener_new(base, on_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024, fd);
	if (s->lis == NULL) {
		snprintf(err, errlen, "api-socket %s: cannot listen", cfg->path);
		rc = MX_EIO;
		unlink(cfg->path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(s->path);
	free(s->version);
	free(s);
	return rc;
}

void
apisrv_free(apisrv *s)
{
	if (s == NULL)
		return;
	while (s->clients != NULL)
		client_free(s->clients);
	apisrv_hot_clear(s);
	if (s->lis != NULL) {
		evconnlistener_free(s->lis);
		unlink(s->path);
	}
	free(s->path);
	free(s->version);
	free(s);
}

void
apisrv_get_stats(const apisrv *s, apisrv_stats *st)
{
	*st = s->st;
}

void
apisrv_set_control(apisrv *s, const api_control *ctl)
{
	s->ctl = *ctl;
}

void
apisrv_set_policy(apisrv *s, const api_policy *p)
{
	if (p != NULL)
		s->pol = *p;
	else
		memset(&s->pol, 0, sizeof(s->pol));
}

void
apisrv_set_insecure_mx_dane(apisrv *s, bool v)
{
	s->cfg.insecure_mx_dane = v;
}

void
apisrv_quiesce(apisrv *s)
{
	if (s == NULL || s->stopping)
		return;
	s->stopping = true;
	if (s->lis != NULL)
		evconnlistener_disable(s->lis);
}

size_t
apisrv_busy(const apisrv *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (const client *c = s->clients; c != NULL; c = c->next) {
		n += c->nslots;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
			n++;
	}
	return n;
}
