/*
 * sockmap.c: the Postfix socketmap server (sockmap.h, socketmap_table(5)).
 *
 * Each client has at most one lookup in flight.  While it runs the
 * client's bytes are still read (so that a peer that goes away is seen
 * and its lookup cancelled) but not decoded; the next netstring is taken
 * only once the reply is queued, so replies keep request order without a
 * queue.  The input buffer is capped at one maximal netstring by the read
 * watermark, and decoding also pauses while too many reply bytes wait
 * unread.  Every byte is untrusted (STYLE.md rule 7).
 *
 * Ownership of a lookup: the client owns the request copy and the timer;
 * the backend owns the handle.  A lookup ends in exactly one of three
 * ways: reply() (possibly inside start()), the timer (cancel(), then
 * "TEMP timeout"), or the client going away (cancel()).  By the backend
 * contract no reply() follows cancel(), so nothing can reach a freed
 * client.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "err.h"
#include "sockmap.h"
#include "unixsock.h"

/* Reply bytes a client may leave unread before its requests wait. */
#define OUT_MAX (4u * NS_MAX_DEFAULT)

typedef struct client client;

struct client {
	sockmap_srv *s;
	client *prev, *next;
	struct bufferevent *bev;
	struct event *timer;      /* the lookup's deadline */
	char *req;                /* "name\0key\0" of the last request: the
	                             backend may use it until the lookup ends */
	void *handle;             /* the backend's, while inflight */
	bool inflight;
	bool in_start;            /* inside be.start(): reply() is synchronous */
	bool in_pump;             /* inside pump(): do not free */
	bool dead;                /* free when pump() returns */
	bool eof;                 /* the peer sends no more: answer what is in */
	bool closing;             /* decode nothing more; close once sent */
};

struct sockmap_srv {
	sockmap_config cfg;
	char *path;
	struct event_base *base;
	sockmap_backend be;
	struct evconnlistener *lis;
	client *clients;
	sockmap_stats st;
	bool stopping;            /* sockmap_quiesce() */
	uint8_t *enc;             /* one encoded reply, reused */
	size_t enccap;
};

static bool pump(client *c);

/* ---- clients ---- */

static size_t
out_len(const client *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

static void
client_free(client *c)
{
	sockmap_srv *s = c->s;

	if (c->in_pump) {
		c->dead = true;
		return;
	}
	if (c->inflight) {
		/* The backend promises no reply() after this. */
		s->be.cancel(s->be.ctx, c->handle);
		c->inflight = false;
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	event_free(c->timer);
	bufferevent_free(c->bev);
	free(c->req);
	s->st.connected--;
	free(c);
}

static void
count(sockmap_srv *s, sockmap_status st)
{
	switch (st) {
	case SOCKMAP_OK:
		s->st.ok++;
		break;
	case SOCKMAP_NOTFOUND:
		s->st.notfound++;
		break;
	case SOCKMAP_TEMP:
	case SOCKMAP_TIMEOUT:
		s->st.temp++;
		break;
	case SOCKMAP_PERM:
		s->st.perm++;
		break;
	}
}

/* Queue one reply.  A text that cannot be sent (too long, NUL, bad
 * status) becomes a PERM reply, not a crash or a broken netstring. */
static void
answer(client *c, sockmap_status st, const char *text, size_t len)
{
	static const char bad[] = "internal error: reply too long";
	sockmap_srv *s = c->s;
	size_t n = 0;

	if (sockmap_reply_encode(st, text, len, s->enc, s->enccap, &n) != 0) {
		st = SOCKMAP_PERM;
		if (sockmap_reply_encode(st, bad, sizeof(bad) - 1, s->enc,
		    s->enccap, &n) != 0) {
			c->dead = true;
			return;
		}
	}
	count(s, st);
	if (bufferevent_write(c->bev, s->enc, n) != 0)
		c->dead = true;    /* out of memory: nothing to answer with */
}

static void
answer_str(client *c, sockmap_status st, const char *text)
{
	answer(c, st, text, strlen(text));
}

/* Free c if it has said and been told everything.  true: c was freed. */
static bool
maybe_done(client *c)
{
	if (c->in_pump || !c->closing || c->inflight || out_len(c) > 0)
		return false;
	client_free(c);
	return true;
}

/* ---- lookups ---- */

static void
on_reply(void *arg, sockmap_status st, const char *text, size_t len)
{
	client *c = arg;

	if (!c->inflight)
		return;    /* a second reply(): the contract forbids it */
	c->inflight = false;
	c->handle = NULL;
	evtimer_del(c->timer);
	answer(c, st, text, len);
	/* Inside start() the caller is pump(), which goes on by itself. */
	if (!c->in_start)
		pump(c);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	client *c = arg;
	sockmap_srv *s = c->s;

	(void)fd;
	(void)what;
	if (!c->inflight)
		return;
	s->be.cancel(s->be.ctx, c->handle);
	c->inflight = false;
	c->handle = NULL;
	s->st.timeouts++;
	answer_str(c, SOCKMAP_TEMP, "timeout");
	pump(c);
}

/* One netstring payload: "name key" (socketmap_table(5)). */
static void
handle_request(client *c, const uint8_t *data, size_t len)
{
	sockmap_srv *s = c->s;
	const uint8_t *name, *key;
	size_t nlen, klen;
	void *h = NULL;
	int rc;

	s->st.requests++;
	if (s->stopping) {
		answer_str(c, SOCKMAP_TEMP, "stopping");
		return;
	}
	if (sockmap_request_parse(data, len, &name, &nlen, &key, &klen) != 0) {
		answer_str(c, SOCKMAP_PERM, "bad request");
		return;
	}
	/* NUL-terminated copies, kept until the next request. */
	free(c->req);
	if ((c->req = malloc(len + 1)) == NULL) {
		answer_str(c, SOCKMAP_TEMP, "internal error: out of memory");
		return;
	}
	memcpy(c->req, data, len);
	c->req[nlen] = 0;
	c->req[len] = 0;
	c->inflight = true;
	c->in_start = true;
	rc = s->be.start(s->be.ctx, c->req, c->req + nlen + 1, on_reply, c, &h);
	c->in_start = false;
	if (!c->inflight)
		return;    /* answered inside start() */
	if (rc != 0) {
		c->inflight = false;
		answer_str(c, SOCKMAP_TEMP, "internal error");
		return;
	}
	c->handle = h;
	if (s->cfg.timeout_ms > 0) {
		struct timeval tv = { s->cfg.timeout_ms / 1000,
		    (s->cfg.timeout_ms % 1000) * 1000 };
		evtimer_add(c->timer, &tv);
	}
}

/* Take netstrings while no lookup runs and the client reads its replies.
 * true: c was freed. */
static bool
pump(client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	if (c->in_pump)
		return false;
	c->in_pump = true;
	while (!c->dead && !c->closing && !c->inflight && out_len(c) < OUT_MAX) {
		size_t n = evbuffer_get_length(in), dlen, used;
		const uint8_t *data;
		uint8_t *p = n > 0 ? evbuffer_pullup(in, (ev_ssize_t)n) : NULL;
		int rc = p != NULL ? ns_decode(p, n, NS_MAX_DEFAULT, &data, &dlen,
		    &used) : MX_EAGAIN;

		if (rc == MX_EAGAIN) {
			/* A partial netstring after EOF never ends. */
			if (c->eof)
				c->closing = true;
			break;
		}
		if (rc != 0) {
			/* MX_EFORMAT or MX_ELIMIT: the stream cannot be
			 * resynchronised; the replies already queued go. */
			c->s->st.bad++;
			c->closing = true;
			bufferevent_disable(c->bev, EV_READ);
			evbuffer_drain(in, n);
			break;
		}
		handle_request(c, data, dlen);
		evbuffer_drain(in, used);
	}
	c->in_pump = false;
	if (c->dead) {
		client_free(c);
		return true;
	}
	return maybe_done(c);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	pump(arg);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	pump(arg);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	client *c = arg;

	if (what & BEV_EVENT_EOF) {
		/* A peer that closed altogether (POLLHUP: Linux sets it only
		 * then, not after shutdown(SHUT_WR)) reads no replies: its
		 * lookup is cancelled now. */
		struct pollfd pfd = { bufferevent_getfd(bev), POLLOUT, 0 };
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR))) {
			client_free(c);
			return;
		}
		/* Half-closed: answer what was asked, then close. */
		c->eof = true;
		bufferevent_disable(c->bev, EV_READ);
		pump(c);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) &&
	    c->inflight) {
		/* Quiet because it waits for us, not idle. */
		bufferevent_enable(c->bev, EV_READ);
		return;
	}
	/* Idle, a reader that stopped reading, or an error. */
	client_free(c);
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	sockmap_srv *s = arg;
	client *c;

	(void)lis;
	(void)sa;
	(void)salen;
	if (s->stopping || s->st.connected >= s->cfg.max_clients) {
		s->st.refused++;
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->s = s;
	c->timer = evtimer_new(s->base, on_deadline, c);
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->timer == NULL || c->bev == NULL) {
		if (c->timer != NULL)
			event_free(c->timer);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	/* At most one whole netstring waits: a full buffer always holds a
	 * complete request or a framing error. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    ns_encoded_len(NS_MAX_DEFAULT));
	bufferevent_setwatermark(c->bev, EV_WRITE, OUT_MAX / 2, 0);
	struct timeval idle = { s->cfg.idle_timeout_s, 0 };
	bufferevent_set_timeouts(c->bev, &idle, &idle);
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
sockmap_new(struct event_base *base, const sockmap_config *cfg,
    const sockmap_backend *be, sockmap_srv **out, char *err, size_t errlen)
{
	sockmap_srv *s;
	int fd = -1, rc;

	*out = NULL;
	if (errlen > 0)
		err[0] = 0;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return MX_ENOMEM;
	s->cfg = *cfg;
	s->base = base;
	s->be = *be;
	s->enccap = ns_encoded_len(NS_MAX_DEFAULT);
	s->path = strdup(cfg->path);
	s->enc = malloc(s->enccap);
	s->cfg.path = s->path;
	if (s->path == NULL || s->enc == NULL) {
		rc = MX_ENOMEM;
		goto fail;
	}
	if ((rc = unixsock_bind("policy-socket", cfg->path, cfg->mode,
	    cfg->gid, &fd, err, errlen)) != 0)
		goto fail;
	s->lis = evconnlistener_new(base, on_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024, fd);
	if (s->lis == NULL) {
		snprintf(err, errlen, "policy-socket %s: cannot listen", cfg->path);
		rc = MX_EIO;
		unlink(cfg->path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(s->enc);
	free(s->path);
	free(s);
	return rc;
}

void
sockmap_free(sockmap_srv *s)
{
	if (s == NULL)
		return;
	while (s->clients != NULL)
		client_free(s->clients);
	if (s->lis != NULL) {
		evconnlistener_free(s->lis);
		unlink(s->path);
	}
	free(s->enc);
	free(s->path);
	free(s);
}

void
sockmap_get_stats(const sockmap_srv *s, sockmap_stats *st)
{
	*st = s->st;
}

void
sockmap_quiesce(sockmap_srv *s)
{
	if (s == NULL || s->stopping)
		return;
	s->stopping = true;
	if (s->lis != NULL)
		evconnlistener_disable(s->lis);
}

size_t
sockmap_busy(const sockmap_srv *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (const client *c = s->clients; c != NULL; c = c->next) {
		if (c->inflight)
			n++;
		if (out_len(c) > 0)
			n++;
	}
	return n;
}
