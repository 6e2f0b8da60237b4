/*
 * autotrust.c: RFC 5011 trust-anchor updates in the daemon: the state file
 * (auto-trust-anchor-file), probing the anchored zone's DNSKEY RRset
 * through the engine, and handing the trusted keys to the validator.
 * The state machine itself is trust-anchors/rfc5011.c.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "autotrust.h"
#include "edgeclock.h"
#include "err.h"
#include "log.h"
#include "privs.h"
#include "rrtype.h"

#define PROBE_BUDGET 16        /* signature checks per probe (KeyTrap) */
#define TRUSTED_MAX 64

struct autotrust {
	char *path;
	ta_store tas;              /* the configured anchors (owned) */
	r5011_zone zone;
	eng *eng;
	struct event *timer;
	eng_req *probe;
	msg_rr trusted[TRUSTED_MAX];
	eng_anchor *anchors;       /* what the engine was given last */
	size_t nanchors;
};


int
autotrust_load(const char *path, ta_store *tas, autotrust **out, char *err,
    size_t errlen)
{
	autotrust *a;
	int rc;

	*out = NULL;
	if (tas->n == 0) {
		snprintf(err, errlen, "%s: no trust anchor to seed it from", path);
		return MX_EINVAL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL || (a->path = strdup(path)) == NULL) {
		free(a);
		return MX_ENOMEM;
	}
	/* One zone per state file, as unbound has it: the first anchor's. */
	r5011_init(&a->zone, tas->v[0].owner);
	rc = r5011_load(&a->zone, path, err, errlen);
	if (rc == MX_ENOTFOUND) {
		if ((rc = r5011_seed(&a->zone, tas, time(NULL))) == 0)
			rc = r5011_save(&a->zone, path, err, errlen);
	}
	if (rc != 0) {
		if (err[0] == 0)
			snprintf(err, errlen, "%s: %s", path, mx_strerror(rc));
		autotrust_free(a);
		return rc;
	}
	/* Take the configured anchors over: the other zones' stay as they
	 * are, this zone's are only used while no key is trusted yet. */
	a->tas = *tas;
	ta_store_init(tas);
	*out = a;
	return 0;
}

int
autotrust_anchors(autotrust *a, const eng_anchor **out, size_t *n)
{
	size_t nt = r5011_trusted(&a->zone, a->trusted, TRUSTED_MAX);
	size_t k = 0;

	if (nt > TRUSTED_MAX)
		nt = TRUSTED_MAX;
	free(a->anchors);
	a->anchors = calloc(a->tas.n + nt + 1, sizeof(*a->anchors));
	if (a->anchors == NULL)
		return MX_ENOMEM;
	for (size_t i = 0; i < a->tas.n; i++) {
		const ta_entry *t = &a->tas.v[i];
		if (nt > 0 && name_eq(t->owner, a->zone.owner))
			continue;
		a->anchors[k++] = (eng_anchor){ t->owner, t->type, t->rdlen, t->rdata };
	}
	for (size_t i = 0; i < nt; i++)
		a->anchors[k++] = (eng_anchor){ a->trusted[i].owner, RR_DNSKEY,
		    a->trusted[i].rdlen, a->trusted[i].rdata };
	a->nanchors = k;
	*out = a->anchors;
	*n = k;
	return 0;
}

static void schedule(autotrust *a);

/* The DNSKEY answer for the zone (asked with CD: raw, with RRSIGs). */
static void
on_probe(void *arg, const eng_result *res)
{
	autotrust *a = arg;
	char name[NAME_MAX_STR], err[512] = "";
	const char *why = NULL;
	time_t now = time(NULL);
	int rc;

	a->probe = NULL;
	name_to_str(a->zone.owner, name, sizeof(name));
	if (res->rcode != 0 || res->count[SEC_ANSWER] == 0) {
		log_msg(LOG_LEVEL_WARNING, "trust anchor %s: DNSKEY probe failed", name);
		r5011_probe_failed(&a->zone, now);
		schedule(a);
		return;
	}
	rc = r5011_update(&a->zone, res->rr[SEC_ANSWER], res->count[SEC_ANSWER],
	    res->rr[SEC_ANSWER], res->count[SEC_ANSWER], now, PROBE_BUDGET, &why);
	if (rc == MX_EVERIFY) {
		log_msg(LOG_LEVEL_WARNING, "trust anchor %s: DNSKEY set not signed by a trusted key: %s",
		    name, why ? why : "?");
	} else if (rc == R5011_CHANGED) {
		const eng_anchor *an;
		size_t n;
		log_msg(LOG_LEVEL_NOTICE, "trust anchor %s: key states changed", name);
		if (r5011_save(&a->zone, privs_path(a->path), err, sizeof(err)) != 0)
			log_msg(LOG_LEVEL_ERROR, "%s", err);
		if (autotrust_anchors(a, &an, &n) == 0)
			(void)eng_set_anchors(a->eng, an, n, edge_now());
	} else if (rc == R5011_UNCHANGED) {
		/* Keep the file's probe times current. */
		if (r5011_save(&a->zone, privs_path(a->path), err, sizeof(err)) != 0)
			log_msg(LOG_LEVEL_ERROR, "%s", err);
	}
	schedule(a);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	autotrust *a = arg;
	eng_req *r = NULL;

	(void)fd;
	(void)what;
	if (a->probe != NULL)
		return;
	/* RFC 5011 2.3: fetch the DNSKEY RRset; CD, because it is checked
	 * here against the trusted keys, not through the normal chain. */
	if (eng_resolve(a->eng, a->zone.owner, RR_DNSKEY, CLASS_IN, ENG_F_CD,
	    edge_now(), on_probe, a, &r) != 0) {
		r5011_probe_failed(&a->zone, time(NULL));
		schedule(a);
		return;
	}
	a->probe = r;
}

static void
schedule(autotrust *a)
{
	int64_t next = r5011_next_probe(&a->zone) - (int64_t)time(NULL);
	struct timeval tv = { next > 1 ? (time_t)next : 1, 0 };

	if (a->timer != NULL)
		event_add(a->timer, &tv);
}

int
autotrust_run(autotrust *a, struct event_base *base, eng *e)
{
	struct timeval soon = { 1, 0 };

	a->eng = e;
	a->timer = evtimer_new(base, on_timer, a);
	if (a->timer == NULL)
		return MX_ENOMEM;
	/* A first probe right after start-up (RFC 5011 2.3 leaves the first
	 * time to us), then on the schedule the state machine keeps. */
	return event_add(a->timer, &soon) == 0 ? 0 : MX_EIO;
}

void
autotrust_free(autotrust *a)
{
	if (a == NULL)
		return;
	if (a->timer != NULL)
		event_free(a->timer);
	if (a->probe != NULL && a->eng != NULL)
		eng_cancel(a->eng, a->probe);
	r5011_free(&a->zone);
	ta_store_free(&a->tas);
	free(a->anchors);
	free(a->path);
	free(a);
}

const r5011_zone *
autotrust_zone(const autotrust *a)
{
	return &a->zone;
}

const ta_store *
autotrust_configured(const autotrust *a)
{
	return &a->tas;
}

const char *
autotrust_path(const autotrust *a)
{
	return a->path;
}
