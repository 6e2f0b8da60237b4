/*
 * polsvc.c: the TLS policy service (polsvc.h; doc/postfix.md, "TLS
 * policy").
 *
 * A job runs the DANE procedure and the MTA-STS lookup side by side (each
 * only when the map needs it), then maps the two outcomes to one answer.
 * Both parts finish asynchronously or at once; the job counts the parts
 * still out and answers when the last one is in, or at its deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "err.h"
#include "jsonw.h"
#include "name.h"
#include "polsvc.h"
#include "request.h"
#include "rrjson.h"

enum pol_map { MAP_POLICY, MAP_DANE, MAP_STS };

typedef struct pjob pjob;

struct pol_svc {
	struct event_base *base;
	pol_svc_config cfg;
	api_resolver res;
	sts_svc *sts;
	pjob *jobs;
};

struct pjob {
	pjob *next, *prev;
	pol_svc *p;
	enum pol_map map;
	bool api;                     /* an API request (else socketmap) */
	int verb;                     /* API_STS or API_POLICY */
	uint8_t domain[NAME_MAX_WIRE];
	char dom[RJ_NAME_STR];        /* presentation, no final dot */
	char fqdn[RJ_NAME_STR];       /* with it (replies) */
	/* Parts. */
	dane_req *dane;
	bool dane_out, dane_in;
	dane_summary dsum;
	sts_job *sts;
	bool sts_out, sts_in;
	sts_outcome so;               /* copied, policy included */
	sts_policy spol;
	uint8_t *sbody;
	struct event *timer;
	bool answered;
	unsigned busy;
	/* Where the answer goes. */
	sockmap_reply_fn reply;
	api_json_fn json;
	void *arg;
};

/* ---- the answer ---- */

typedef struct verdict {
	sockmap_status st;
	char text[NS_MAX_DEFAULT - 16];
	const char *policy;           /* dane-only, dane, secure, or NULL */
	const char *source;           /* dane, sts, dnssec, or NULL */
	char reasons[3][700];
	unsigned nreasons;
} verdict;

/* One reason: a fixed prefix and a text (cut to fit). */
static void
reason(verdict *v, const char *prefix, const char *text)
{
	if (v->nreasons < 3)
		snprintf(v->reasons[v->nreasons++], sizeof(v->reasons[0]),
		    "%s%.600s", prefix, text);
}

/* Printable ASCII only, for a TEMP text Postfix logs. */
static void
temp(verdict *v, const char *why)
{
	size_t n = 0;

	v->st = SOCKMAP_TEMP;
	for (const char *s = why; *s && n < 200; s++)
		v->text[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	v->text[n] = '\0';
}

static void
ok(verdict *v, const char *policy, const char *source)
{
	v->st = SOCKMAP_OK;
	v->policy = policy;
	v->source = source;
	snprintf(v->text, sizeof(v->text), "%s", policy);
}

/* Append to v->text; false when it does not fit (then it is cut back). */
static bool
add(verdict *v, const char *s)
{
	size_t have = strlen(v->text), n = strlen(s);

	if (have + n + 1 > sizeof(v->text))
		return false;
	memcpy(v->text + have, s, n + 1);
	return true;
}

/*
 * Postfix TLS-RPT attributes (Postfix 3.10, TLSRPT_README: policy_type,
 * policy_domain, mx_host_pattern, policy_string).  One policy_string per
 * policy line, "key: value" as published (RFC 8460 4.4), skipping lines
 * with braces, which the attribute syntax cannot carry.
 */
static void
tlsrpt_attrs(verdict *v, const pjob *j)
{
	char b[1200];
	const uint8_t *p = j->so.body, *end = p + j->so.body_len;

	snprintf(b, sizeof(b), " policy_type=sts policy_domain=%s", j->dom);
	add(v, b);
	for (unsigned i = 0; i < j->spol.nmx; i++) {
		snprintf(b, sizeof(b), " mx_host_pattern=%s", j->spol.mx[i]);
		add(v, b);
	}
	while (p != NULL && p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *le = nl ? nl : end, *k = p, *c;
		p = nl ? nl + 1 : end;
		while (le > k && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
			le--;
		if (le == k || (c = memchr(k, ':', (size_t)(le - k))) == NULL ||
		    memchr(k, '{', (size_t)(le - k)) || memchr(k, '}', (size_t)(le - k)))
			continue;
		const uint8_t *val = c + 1;
		while (val < le && (*val == ' ' || *val == '\t'))
			val++;
		if ((size_t)(c - k) + (size_t)(le - val) + 40 > sizeof(b))
			continue;
		snprintf(b, sizeof(b), " { policy_string = %.*s: %.*s }",
		    (int)(c - k), (const char *)k, (int)(le - val), (const char *)val);
		if (!add(v, b))
			break;
	}
}

/* RFC 8461 4.1 patterns as Postfix "match" names: "*.example.com" is
 * ".example.com" (Postfix matches any depth below it: one label more
 * lenient than RFC 8461, which Postfix cannot express). */
static void
sts_secure(verdict *v, const pjob *j)
{
	char b[300];

	ok(v, "secure", "sts");
	snprintf(v->text, sizeof(v->text), "secure match=");
	for (unsigned i = 0; i < j->spol.nmx; i++) {
		const char *m = j->spol.mx[i];
		snprintf(b, sizeof(b), "%s%s", i ? ":" : "",
		    strncmp(m, "*.", 2) == 0 ? m + 1 : m);
		add(v, b);
	}
	add(v, " servername=hostname");
	if (j->p->cfg.tlsrpt_attrs)
		tlsrpt_attrs(v, j);
	reason(v, "MTA-STS policy in mode enforce, from the ", j->so.source);
}

/* The DANE part; true when it decided. */
static bool
dane_part(verdict *v, const pjob *j, bool *signed_mx)
{
	const dane_summary *d = &j->dsum;

	*signed_mx = false;
	if (d->result == NULL || strcmp(d->result, "defer") == 0) {
		temp(v, d->reason[0] ? d->reason : "MX lookup did not finish");
		reason(v, "MX lookup failed: ", v->text);
		return true;
	}
	if (strcmp(d->result, "nxdomain") == 0 || strcmp(d->result, "null-mx") == 0) {
		v->st = SOCKMAP_NOTFOUND;
		reason(v, d->result, ": no policy (Postfix bounces by itself)");
		return true;
	}
	/* RFC 7672 2.2: DANE needs a secure MX RRset (or a secure implicit
	 * MX: the domain's own addresses). */
	*signed_mx = d->mx_status == SEC_SECURE;
	if (!*signed_mx)
		return false;
	size_t with_tlsa = d->ndane + d->nencrypt;
	if (d->nhosts > 0 && d->ndane == d->nhosts) {
		ok(v, "dane-only", "dane");
		reason(v, "every MX host has usable secure TLSA records", "");
		return true;
	}
	if (with_tlsa > 0) {
		ok(v, "dane", "dane");
		reason(v, "some MX hosts have secure TLSA records: Postfix "
		    "applies DANE per host", "");
		return true;
	}
	if (d->nhosts > 0 && d->ndefer == d->nhosts) {
		temp(v, d->hosts[0].reason);
		reason(v, "no MX host could be checked: ", d->hosts[0].reason);
		return true;
	}
	return false;
}

static void
decide(pjob *j, verdict *v)
{
	bool signed_mx = false;

	memset(v, 0, sizeof(*v));
	v->st = SOCKMAP_NOTFOUND;
	if (j->map != MAP_STS && dane_part(v, j, &signed_mx))
		return;
	if (j->map != MAP_DANE) {
		if (j->so.result == STS_RESULT_POLICY && j->so.policy != NULL &&
		    j->spol.mode == STS_MODE_ENFORCE) {
			sts_secure(v, j);
			return;
		}
		if (j->so.result == STS_RESULT_TEMP) {
			temp(v, j->so.reason);
			reason(v, "", j->so.reason);
			return;
		}
		if (j->so.result == STS_RESULT_POLICY)
			reason(v, "MTA-STS policy with nothing to enforce, mode ",
			    sts_mode_str(j->spol.mode));
		else if (j->so.reason[0])
			reason(v, "no MTA-STS policy: ", j->so.reason);
	}
	if (signed_mx) {
		/* Postfix at level dane looks for TLSA records per host and
		 * falls back to opportunistic TLS where there are none. */
		ok(v, "dane", "dnssec");
		reason(v, "DNSSEC-signed MX without usable TLSA records: "
		    "opportunistic DANE", "");
		return;
	}
	if (j->map != MAP_STS && v->nreasons == 0)
		reason(v, "no DNSSEC-signed MX and no MTA-STS policy", "");
	v->st = SOCKMAP_NOTFOUND;
}

static void
write_dane(jsonw *w, const dane_summary *d)
{
	jw_obj_open(w);
	jw_kstr(w, "result", d->result ? d->result : "defer");
	jw_kstr(w, "mx_status", sec_status_name(d->mx_status));
	jw_kstr_or_null(w, "tlsrpt_result", d->tlsrpt);
	jw_key(w, "hosts");
	jw_arr_open(w);
	for (size_t i = 0; i < d->nhosts; i++) {
		jw_obj_open(w);
		jw_kstr(w, "name", d->hosts[i].name);
		jw_kstr(w, "verdict", d->hosts[i].verdict ? d->hosts[i].verdict : "defer");
		jw_kstr_or_null(w, "tlsrpt_result", d->hosts[i].tlsrpt);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	jw_obj_close(w);
}

static char *
policy_json(const pjob *j, const verdict *v, size_t *len)
{
	jsonw w;
	char reply[NS_MAX_DEFAULT];

	jw_init(&w);
	jw_obj_open(&w);
	jw_kbool(&w, "ok", true);
	jw_kstr(&w, "domain", j->fqdn);
	if (j->verb == API_STS) {
		sts_outcome_json(&w, &j->so);
	} else {
		jw_kstr(&w, "status", sockmap_status_str(v->st));
		jw_kstr_or_null(&w, "policy", v->policy);
		snprintf(reply, sizeof(reply), "%s %.*s", sockmap_status_str(v->st),
		    v->st == SOCKMAP_NOTFOUND ? 0 : (int)(sizeof(reply) - 16), v->text);
		jw_kstr(&w, "reply", reply);
		jw_kstr_or_null(&w, "source", v->source);
		jw_key(&w, "reasons");
		jw_arr_open(&w);
		for (unsigned i = 0; i < v->nreasons; i++)
			jw_str(&w, v->reasons[i]);
		jw_arr_close(&w);
		jw_key(&w, "dane");
		if (j->dane_in)
			write_dane(&w, &j->dsum);
		else
			jw_null(&w);
		jw_key(&w, "sts");
		if (j->sts_in) {
			jw_obj_open(&w);
			sts_outcome_json(&w, &j->so);
			jw_obj_close(&w);
		} else {
			jw_null(&w);
		}
	}
	jw_obj_close(&w);
	if (w.oom) {
		jw_free(&w);
		return NULL;
	}
	return jw_take(&w, len);
}

/* ---- jobs ---- */

static void
pjob_free(pjob *j)
{
	pol_svc *p = j->p;

	if (j->dane != NULL)
		dane_free(j->dane);
	if (j->sts != NULL)
		sts_cancel(j->sts);
	if (j->timer != NULL)
		event_free(j->timer);
	if (j->prev != NULL)
		j->prev->next = j->next;
	else if (p->jobs == j)
		p->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	free(j->sbody);
	free(j);
}

/* Every part is in (or the deadline passed): answer, then free. */
static void
answer(pjob *j)
{
	verdict *v;

	if (j->answered)
		return;
	j->answered = true;
	if ((v = malloc(sizeof(*v))) == NULL) {
		if (j->api)
			j->json(j->arg, NULL, 0);
		else
			j->reply(j->arg, SOCKMAP_TEMP, "out of memory", 13);
		pjob_free(j);
		return;
	}
	decide(j, v);
	if (j->api) {
		size_t len = 0;
		char *json = policy_json(j, v, &len);
		j->json(j->arg, json, len);
	} else {
		j->reply(j->arg, v->st, v->text, strlen(v->text));
	}
	free(v);
	pjob_free(j);
}

static void
maybe_answer(pjob *j)
{
	if (j->busy == 0 && !j->dane_out && !j->sts_out)
		answer(j);
}

static void
on_dane(void *arg, char *json, size_t len)
{
	pjob *j = arg;

	(void)len;
	free(json);
	j->dane_out = false;
	j->dane_in = true;
	if (j->dane != NULL)
		dane_get_summary(j->dane, &j->dsum);
	maybe_answer(j);
}

static void
on_sts(void *arg, const sts_outcome *o)
{
	pjob *j = arg;

	j->sts = NULL;        /* it frees itself after this */
	j->sts_out = false;
	j->sts_in = true;
	j->so = *o;
	if (o->policy != NULL) {
		j->spol = *o->policy;
		j->so.policy = &j->spol;
	}
	j->so.body = NULL;
	j->so.body_len = 0;
	if (o->body != NULL && o->body_len > 0 &&
	    (j->sbody = malloc(o->body_len)) != NULL) {
		memcpy(j->sbody, o->body, o->body_len);
		j->so.body = j->sbody;
		j->so.body_len = o->body_len;
	}
	maybe_answer(j);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	pjob *j = arg;

	(void)fd;
	(void)what;
	j->busy++;
	if (j->dane_out && j->dane != NULL)
		dane_expire(j->dane);         /* calls on_dane */
	if (j->sts_out) {
		sts_cancel(j->sts);
		j->sts = NULL;
		j->sts_out = false;
		j->sts_in = true;
		memset(&j->so, 0, sizeof(j->so));
		j->so.result = STS_RESULT_TEMP;
		snprintf(j->so.reason, sizeof(j->so.reason),
		    "timeout: the MTA-STS lookup did not finish");
	}
	j->busy--;
	maybe_answer(j);
}

/* Postfix's keys (TLS_README, "TLS policy table"): the next-hop domain;
 * "[host]" and "host:port" for explicit next hops; ".parent" keys for
 * parent-domain matching.  Only a plain domain has an MX-based policy. */
static bool
key_domain(const char *key, uint8_t out[NAME_MAX_WIRE])
{
	size_t n = strlen(key);

	if (n == 0 || key[0] == '.' || key[0] == '[' || strchr(key, ':') ||
	    strchr(key, '\\'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return false;
	}
	if (name_from_cstr(key, out) != 0 || name_is_root(out))
		return false;
	name_lower(out);
	return true;
}

static pjob *
pjob_new(pol_svc *p, enum pol_map map, const uint8_t *domain)
{
	pjob *j = calloc(1, sizeof(*j));
	size_t n;

	if (j == NULL)
		return NULL;
	j->p = p;
	j->map = map;
	name_copy(j->domain, domain);
	name_lower(j->domain);
	rj_name(j->domain, j->dom);
	memcpy(j->fqdn, j->dom, sizeof(j->fqdn));
	n = strlen(j->dom);
	if (n > 1 && j->dom[n - 1] == '.')
		j->dom[n - 1] = '\0';
	j->next = p->jobs;
	if (p->jobs != NULL)
		p->jobs->prev = j;
	p->jobs = j;
	return j;
}

/* Start the parts.  0: the answer comes (maybe already came: then j is
 * gone); else j is freed and nothing comes. */
static int
pjob_start(pjob *j)
{
	pol_svc *p = j->p;
	struct timeval tv = { p->cfg.deadline_ms / 1000,
	    (p->cfg.deadline_ms % 1000) * 1000 };
	int rc = 0;

	j->timer = evtimer_new(p->base, on_deadline, j);
	if (j->timer == NULL || evtimer_add(j->timer, &tv) != 0) {
		pjob_free(j);
		return MX_ENOMEM;
	}
	j->busy++;
	if (j->map != MAP_DANE) {
		if (p->sts == NULL) {
			j->sts_in = true;
			j->so.result = STS_RESULT_NONE;
			snprintf(j->so.reason, sizeof(j->so.reason),
			    "MTA-STS is off (sts no)");
		} else if ((rc = sts_lookup(p->sts, j->domain, on_sts, j, &j->sts)) == 0) {
			j->sts_out = true;
		}
	}
	if (rc == 0 && j->map != MAP_STS) {
		j->dane_out = true;
		rc = dane_start(&p->res, j->domain, 25, p->cfg.insecure_mx_dane,
		    on_dane, j, &j->dane);
		if (rc != 0)
			j->dane_out = false;
	}
	if (rc != 0) {
		pjob_free(j);
		return rc;
	}
	j->busy--;
	maybe_answer(j);
	return 0;
}

/* ---- the socketmap backend ---- */

static int
sm_start(void *ctx, const char *name, const char *key, sockmap_reply_fn reply,
    void *arg, void **handle)
{
	pol_svc *p = ctx;
	uint8_t domain[NAME_MAX_WIRE];
	enum pol_map map;
	pjob *j;

	*handle = NULL;
	if (strcmp(name, "policy") == 0)
		map = MAP_POLICY;
	else if (strcmp(name, "dane") == 0)
		map = MAP_DANE;
	else if (strcmp(name, "sts") == 0)
		map = MAP_STS;
	else {
		static const char t[] = "unknown map name: use policy, dane or sts";
		reply(arg, SOCKMAP_PERM, t, sizeof(t) - 1);
		return 0;
	}
	if (!key_domain(key, domain)) {
		reply(arg, SOCKMAP_NOTFOUND, "", 0);
		return 0;
	}
	if ((j = pjob_new(p, map, domain)) == NULL)
		return MX_ENOMEM;
	j->reply = reply;
	j->arg = arg;
	/* The handle is set first: the answer may come inside start. */
	*handle = j;
	int rc = pjob_start(j);
	if (rc != 0)
		*handle = NULL;
	return rc;
}

/* The handle of a job that already answered is never cancelled (the
 * server forgets it when the reply comes). */
static void
sm_cancel(void *ctx, void *handle)
{
	(void)ctx;
	if (handle != NULL)
		pjob_free(handle);
}

void
pol_svc_sockmap(pol_svc *p, sockmap_backend *be)
{
	be->ctx = p;
	be->start = sm_start;
	be->cancel = sm_cancel;
}

/* ---- the API hook ---- */

static int
api_start(void *ctx, int verb, const uint8_t *domain, api_json_fn done,
    void *arg, void **handle)
{
	pol_svc *p = ctx;
	pjob *j;

	*handle = NULL;
	if ((j = pjob_new(p, verb == API_STS ? MAP_STS : MAP_POLICY, domain)) == NULL)
		return MX_ENOMEM;
	j->api = true;
	j->verb = verb;
	j->json = done;
	j->arg = arg;
	*handle = j;
	int rc = pjob_start(j);
	if (rc != 0)
		*handle = NULL;
	return rc;
}

void
pol_svc_api(pol_svc *p, api_policy *ap)
{
	ap->ctx = p;
	ap->start = api_start;
	ap->cancel = sm_cancel;
}

/* ---- the service ---- */

int
pol_svc_new(struct event_base *base, const pol_svc_config *cfg,
    const api_resolver *res, sts_svc *sts, pol_svc **out)
{
	pol_svc *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL)
		return MX_ENOMEM;
	p->base = base;
	p->cfg = *cfg;
	if (p->cfg.deadline_ms == 0)
		p->cfg.deadline_ms = 12000;
	p->res = *res;
	p->sts = sts;
	*out = p;
	return 0;
}

void
pol_svc_set_config(pol_svc *p, const pol_svc_config *cfg)
{
	p->cfg = *cfg;
	if (p->cfg.deadline_ms == 0)
		p->cfg.deadline_ms = 12000;
}

void
pol_svc_free(pol_svc *p)
{
	if (p == NULL)
		return;
	while (p->jobs != NULL)
		pjob_free(p->jobs);
	free(p);
}
