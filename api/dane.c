/*
 * dane.c: the RFC 7672 procedure (dane.h, doc/protocol.md "DANE"), and
 * its RFC 7673 twin for SRV ("SRV"): the SRV RRset in place of the MX
 * RRset, a port per host, and the SRV target as the TLSA base.
 *
 * Re-entrancy: a lookup may finish inside resolve() (a cache hit), so
 * every way in (dane_start, a lookup's callback, dane_expire) counts
 * itself in d->busy, and the reply is built only when the outermost one
 * leaves with every lookup done.  Nothing touches d after done() runs.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dane.h"
#include "err.h"
#include "jsonw.h"
#include "name.h"
#include "region.h"
#include "rrjson.h"
#include "rrtype.h"

enum look_kind { L_MX, L_A, L_AAAA, L_TLSA };

typedef struct host host;

typedef struct look {
	dane_req *d;
	host *h;                  /* NULL for the MX lookup */
	enum look_kind kind;
	uint16_t qtype;
	uint8_t qname[NAME_MAX_WIRE];
	eng_req *r;
	bool started, pending, done;
	/* The result, copied. */
	unsigned rcode;
	sec_status status;
	bool has_ede;
	uint16_t ede;
	char *reason;
	msg_rr *chain;            /* CNAME links */
	size_t nchain;
	msg_rr *recs;             /* the asked type at the end of the chain */
	size_t nrecs;
	uint8_t *final;           /* where the chain ends */
} look;

struct host {
	uint16_t pref;            /* MX preference, SRV priority */
	uint16_t weight;          /* SRV */
	uint16_t port;            /* of the TLSA name */
	uint8_t name[NAME_MAX_WIRE];
	bool implicit;
	look a, aaaa;
	look tlsa;                /* the last TLSA lookup made */
	bool tlsa_fallback;       /* tlsa is at the original name */
	bool insecure_mx;
	bool done;
	const char *verdict;
	const char *tlsrpt;       /* RFC 8460 4.3.2 result type, or NULL */
	char reason[300];
};

struct dane_req {
	api_resolver res;
	uint8_t domain[NAME_MAX_WIRE];   /* for SRV: _service._tcp.domain */
	uint16_t port;                   /* MX only */
	bool srv;
	bool insecure_mx_dane;
	dane_done_fn done;
	void *arg;
	region reg;
	look mx;
	host *hosts;
	size_t nhosts;
	const char *result;       /* NULL until the MX answer is in */
	const char *tlsrpt;       /* the domain's RFC 8460 failure, or NULL */
	char reason[300];
	uint16_t ede;
	bool has_ede;
	unsigned busy;
	bool finished;
};

static void on_look(void *arg, const eng_result *res);
static void advance(look *l);

/* ---- lookups ---- */

static char *
rstrdup(region *reg, const char *s)
{
	return s ? region_memdup(reg, s, strlen(s) + 1) : NULL;
}

static msg_rr *
copy_rrs(region *reg, const msg_rr *const *src, size_t n)
{
	msg_rr *out = region_alloc(reg, sizeof(msg_rr) * (n ? n : 1));

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = *src[i];
		out[i].owner = region_memdup(reg, src[i]->owner, name_len(src[i]->owner));
		out[i].rdata = region_memdup(reg, src[i]->rdata, src[i]->rdlen ? src[i]->rdlen : 1);
		if (out[i].owner == NULL || out[i].rdata == NULL)
			return NULL;
	}
	return out;
}

static void
look_init(look *l, dane_req *d, host *h, enum look_kind kind, uint16_t qtype,
    const uint8_t *qname)
{
	memset(l, 0, sizeof(*l));
	l->d = d;
	l->h = h;
	l->kind = kind;
	l->qtype = qtype;
	name_copy(l->qname, qname);
}

static void
look_fail(look *l, const char *why)
{
	l->pending = false;
	l->done = true;
	l->rcode = RCODE_SERVFAIL;
	l->status = SEC_INDETERMINATE;
	l->reason = (char *)why;
}

static void
look_start(look *l)
{
	dane_req *d = l->d;
	int rc;

	l->started = l->pending = true;
	d->busy++;
	rc = d->res.resolve(d->res.ctx, l->qname, l->qtype, 0, on_look, l, &l->r);
	d->busy--;
	if (rc != 0 && l->pending) {
		l->r = NULL;
		look_fail(l, "the lookup could not be started");
		advance(l);
	}
}

static void
look_cancel(look *l)
{
	if (l->pending && l->r != NULL)
		l->d->res.cancel(l->d->res.ctx, l->r);
	l->r = NULL;
	l->pending = false;
}

static void
look_store(look *l, const eng_result *res)
{
	region *reg = &l->d->reg;
	const msg_rr *links[RJ_MAX_CHAIN];
	const msg_rr *recs[256];
	size_t nl = 0, nr = 0;

	l->rcode = res->rcode;
	l->status = res->status;
	l->has_ede = res->has_ede;
	l->ede = res->ede;
	l->reason = rstrdup(reg, res->reason);
	const uint8_t *final = rj_follow(res, l->qname, links, &nl);
	l->final = region_memdup(reg, final, name_len(final));
	if (res->status != SEC_BOGUS && res->rcode == RCODE_NOERROR)
		for (unsigned i = 0; i < res->count[SEC_ANSWER] && nr < 256; i++)
			if (rj_is_final(&res->rr[SEC_ANSWER][i], final, l->qtype))
				recs[nr++] = &res->rr[SEC_ANSWER][i];
	l->chain = copy_rrs(reg, links, nl);
	l->recs = copy_rrs(reg, recs, nr);
	if (l->final == NULL || l->chain == NULL || l->recs == NULL) {
		look_fail(l, "out of memory");
		return;
	}
	l->nchain = nl;
	l->nrecs = nr;
}

/* ---- verdicts ---- */

static bool
failed(const look *l)
{
	return l->status == SEC_BOGUS ||
	    (l->rcode != RCODE_NOERROR && l->rcode != RCODE_NXDOMAIN);
}

static const char *
why(const look *l)
{
	if (l->reason)
		return l->reason;
	return l->status == SEC_BOGUS ? "validation failed" : rcode_name(l->rcode);
}

/* reason: text, and ": detail" when there is one. */
static void
verdict(host *h, const char *v, const char *text, const char *detail)
{
	h->verdict = v;
	h->done = true;
	snprintf(h->reason, sizeof(h->reason), "%s%s%s", text,
	    detail ? ": " : "", detail ? detail : "");
}

/* RFC 8460 4.3.2: a lookup that was bogus or did not finish is a
 * "dnssec-invalid" failure of the host. */
static void
verdict_failed(host *h, const char *text, const char *detail)
{
	verdict(h, "defer", text, detail);
	h->tlsrpt = "dnssec-invalid";
}

static int
tlsa_name(uint16_t port, const uint8_t *base, uint8_t out[NAME_MAX_WIRE])
{
	char lab[8];
	size_t bl = name_len(base);
	int n = snprintf(lab, sizeof(lab), "_%u", port);

	/* RFC 6698 3: _port._tcp.base */
	if ((size_t)n + 1 + 5 + bl > NAME_MAX_WIRE)
		return MX_ELIMIT;
	out[0] = (uint8_t)n;
	memcpy(out + 1, lab, (size_t)n);
	memcpy(out + 1 + n, "\4_tcp", 5);
	memcpy(out + 1 + n + 5, base, bl);
	return 0;
}

static void
tlsa_start(dane_req *d, host *h, const uint8_t *base, bool fallback)
{
	uint8_t tn[NAME_MAX_WIRE];

	if (tlsa_name(h->port, base, tn) != 0) {
		verdict(h, "defer", "TLSA name too long", NULL);
		return;
	}
	look_init(&h->tlsa, d, h, L_TLSA, RR_TLSA, tn);
	h->tlsa_fallback = fallback;
	look_start(&h->tlsa);
}

/* Both address lookups are in (RFC 7672 2.2.1, 2.2.2). */
static void
addr_done(dane_req *d, host *h)
{
	look *a = &h->a, *q = &h->aaaa;

	if (a->status == SEC_BOGUS || q->status == SEC_BOGUS) {
		verdict_failed(h, "address lookup bogus",
		    why(a->status == SEC_BOGUS ? a : q));
		return;
	}
	if (failed(a) || failed(q)) {
		verdict_failed(h, "address lookup failed", why(failed(a) ? a : q));
		return;
	}
	if (a->nrecs + q->nrecs == 0) {
		verdict(h, "defer", "no addresses", NULL);
		return;
	}
	bool mx_secure = d->mx.status == SEC_SECURE;
	if (d->srv && !mx_secure) {
		verdict(h, "may", "SRV RRset insecure: DANE does not apply "
		    "(RFC 7673 3.1)", NULL);
		return;
	}
	if (a->status != SEC_SECURE || q->status != SEC_SECURE) {
		verdict(h, "may", "addresses insecure: DANE does not apply "
		    "(RFC 7672 2.2.2)", NULL);
		return;
	}
	if (d->srv) {
		/* RFC 7673 3.2: the TLSA base is the SRV target itself (RFC
		 * 2782: a target is no alias), with no second try. */
		tlsa_start(d, h, h->name, true);
		return;
	}
	if (!mx_secure && !h->implicit && !d->insecure_mx_dane) {
		verdict(h, "may", "MX RRset insecure (insecure-mx-policy may)", NULL);
		return;
	}
	h->insecure_mx = !mx_secure && !h->implicit;
	/* RFC 7672 2.2.3: the CNAME-expanded name first. */
	tlsa_start(d, h, a->nrecs ? a->final : q->final, false);
}

static void
tlsa_done(dane_req *d, host *h)
{
	look *t = &h->tlsa;
	size_t usable = 0;
	char n[64];

	if (t->status == SEC_BOGUS) {
		verdict_failed(h, "TLSA records bogus", why(t));
		return;
	}
	if (failed(t)) {
		verdict_failed(h, "TLSA lookup failed", why(t));
		return;
	}
	if (t->status != SEC_SECURE) {
		verdict(h, "may", "TLSA answer insecure", NULL);
		return;
	}
	if (t->nrecs == 0) {
		/* Securely none at the expanded name: the original next. */
		const uint8_t *base = h->a.nrecs ? h->a.final : h->aaaa.final;
		if (!h->tlsa_fallback && !name_eq(base, h->name)) {
			tlsa_start(d, h, h->name, true);
			return;
		}
		verdict(h, "may", "no TLSA records (secure denial)", NULL);
		return;
	}
	for (size_t i = 0; i < t->nrecs; i++)
		if (rj_tlsa_usable(t->recs[i].rdata, t->recs[i].rdlen))
			usable++;
	snprintf(n, sizeof(n), "%zu of %zu usable", usable, t->nrecs);
	if (usable > 0) {
		verdict(h, "dane", "secure TLSA records", n);
		return;
	}
	verdict(h, "encrypt", "secure TLSA records, none usable "
	    "(RFC 7672 3.1.3): TLS without authentication", NULL);
	h->tlsrpt = "tlsa-invalid";   /* RFC 8460 4.3.2 */
}

static int
cmp_host(const void *x, const void *y)
{
	const host *a = x, *b = y;

	if (a->pref != b->pref)
		return a->pref < b->pref ? -1 : 1;
	return name_canon_cmp(a->name, b->name);
}

static void
finish_result(dane_req *d, const char *result, const char *text,
    const char *detail)
{
	d->result = result;
	if (text)
		snprintf(d->reason, sizeof(d->reason), "%s%s%s", text,
		    detail ? ": " : "", detail ? detail : "");
}

static void
host_start(dane_req *d, host *h)
{
	look_init(&h->a, d, h, L_A, RR_A, h->name);
	look_init(&h->aaaa, d, h, L_AAAA, RR_AAAA, h->name);
	look_start(&h->a);
	look_start(&h->aaaa);
}

/* The MX (SRV) answer failed or says the name is not there: the result
 * is set and true returned. */
static bool
rrset_failed(dane_req *d, const char *type)
{
	look *m = &d->mx;
	char text[40];

	if (m->status == SEC_BOGUS || failed(m)) {
		snprintf(text, sizeof(text), "%s lookup %s", type,
		    m->status == SEC_BOGUS ? "bogus" : "failed");
		d->has_ede = m->status == SEC_BOGUS || m->has_ede;
		d->ede = m->ede;
		d->tlsrpt = "dnssec-invalid";   /* RFC 8460 4.3.2 */
		finish_result(d, "defer", text, why(m));
		return true;
	}
	if (m->rcode == RCODE_NXDOMAIN) {
		finish_result(d, "nxdomain", NULL, NULL);
		return true;
	}
	return false;
}

static void
mx_done(dane_req *d)
{
	look *m = &d->mx;
	size_t n = 0, nnull = 0;

	if (rrset_failed(d, "MX"))
		return;
	for (size_t i = 0; i < m->nrecs; i++)
		if (m->recs[i].rdlen >= 3 && m->recs[i].rdata[2] == 0)
			nnull++;
	/* RFC 7505 3: a single MX of "." says the domain takes no mail. */
	if (m->nrecs > 0 && nnull == m->nrecs) {
		finish_result(d, "null-mx", NULL, NULL);
		return;
	}
	d->result = "ok";
	size_t want = m->nrecs - nnull;
	if (want == 0)
		want = 1;    /* RFC 5321 5.1: the implicit MX */
	if (want > DANE_MAX_HOSTS)
		want = DANE_MAX_HOSTS;
	d->hosts = region_zalloc(&d->reg, sizeof(host) * want);
	if (d->hosts == NULL) {
		finish_result(d, "defer", "out of memory", NULL);
		return;
	}
	if (m->nrecs == 0) {
		host *h = &d->hosts[n++];
		name_copy(h->name, d->domain);
		h->port = d->port;
		h->implicit = true;
	} else {
		/* Lowest preferences first; more than fit are dropped. */
		host *all = region_zalloc(&d->reg, sizeof(host) * m->nrecs);
		size_t na = 0;
		if (all == NULL) {
			finish_result(d, "defer", "out of memory", NULL);
			return;
		}
		for (size_t i = 0; i < m->nrecs; i++) {
			const msg_rr *rr = &m->recs[i];
			if (rr->rdlen < 3 || rr->rdata[2] == 0)
				continue;
			all[na].pref = (uint16_t)(rr->rdata[0] << 8 | rr->rdata[1]);
			all[na].port = d->port;
			name_copy(all[na].name, rr->rdata + 2);
			name_lower(all[na].name);
			na++;
		}
		qsort(all, na, sizeof(host), cmp_host);
		/* A host listed twice is examined once, at its lowest
		 * preference (the first seen, after sorting). */
		for (size_t i = 0; i < na && n < want; i++) {
			bool dup = false;
			for (size_t k = 0; k < n && !dup; k++)
				dup = name_eq(d->hosts[k].name, all[i].name);
			if (!dup)
				d->hosts[n++] = all[i];
		}
	}
	d->nhosts = n;
	for (size_t i = 0; i < n; i++)
		host_start(d, &d->hosts[i]);
}

/* RFC 2782 has clients try lower priorities first and pick by weight
 * at random within one; the reply lists the higher weight first, then
 * by name and port, so that it is the same every time. */
static int
cmp_srv(const void *x, const void *y)
{
	const host *a = x, *b = y;
	int c;

	if (a->pref != b->pref)
		return a->pref < b->pref ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	if ((c = name_canon_cmp(a->name, b->name)) != 0)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

/* SRV RDATA: priority, weight, port, target (RFC 2782). */
#define SRV_FIXED 6

static void
srv_done(dane_req *d)
{
	look *m = &d->mx;
	size_t na = 0, n = 0;

	if (rrset_failed(d, "SRV"))
		return;
	if (m->nrecs == 0) {
		finish_result(d, "nxdomain", NULL, NULL);   /* NODATA */
		return;
	}
	host *all = region_zalloc(&d->reg, sizeof(host) * m->nrecs);
	if (all == NULL) {
		finish_result(d, "defer", "out of memory", NULL);
		return;
	}
	for (size_t i = 0; i < m->nrecs; i++) {
		const uint8_t *rd = m->recs[i].rdata;
		/* RFC 2782: a target of "." is no service at all. */
		if (m->recs[i].rdlen <= SRV_FIXED || rd[SRV_FIXED] == 0)
			continue;
		all[na].pref = (uint16_t)(rd[0] << 8 | rd[1]);
		all[na].weight = (uint16_t)(rd[2] << 8 | rd[3]);
		all[na].port = (uint16_t)(rd[4] << 8 | rd[5]);
		name_copy(all[na].name, rd + SRV_FIXED);
		name_lower(all[na].name);
		na++;
	}
	if (na == 0) {
		finish_result(d, "no-service", NULL, NULL);
		return;
	}
	d->result = "ok";
	qsort(all, na, sizeof(host), cmp_srv);
	d->hosts = region_zalloc(&d->reg, sizeof(host) * (na < DANE_MAX_HOSTS ? na : DANE_MAX_HOSTS));
	if (d->hosts == NULL) {
		finish_result(d, "defer", "out of memory", NULL);
		return;
	}
	/* A target and port listed twice is examined once, first seen. */
	for (size_t i = 0; i < na && n < DANE_MAX_HOSTS; i++) {
		bool dup = false;
		for (size_t k = 0; k < n && !dup; k++)
			dup = d->hosts[k].port == all[i].port &&
			    name_eq(d->hosts[k].name, all[i].name);
		if (!dup)
			d->hosts[n++] = all[i];
	}
	d->nhosts = n;
	for (size_t i = 0; i < n; i++)
		host_start(d, &d->hosts[i]);
}

/* RFC 8460 4.3.2 "dane-required" (the policy service's reading): a host
 * that cannot be authenticated where another host of the domain can. */
static void
tlsrpt_finish(dane_req *d)
{
	size_t ndane = 0;

	for (size_t i = 0; i < d->nhosts; i++)
		if (d->hosts[i].verdict && strcmp(d->hosts[i].verdict, "dane") == 0)
			ndane++;
	for (size_t i = 0; i < d->nhosts && ndane > 0; i++) {
		host *h = &d->hosts[i];
		if (h->verdict && strcmp(h->verdict, "may") == 0)
			h->tlsrpt = "dane-required";
	}
}

/* ---- the reply ---- */

static void
write_look_status(jsonw *w, const char *ks, const char *kr, const look *l)
{
	jw_kstr(w, ks, sec_status_name(l->status));
	if (kr)
		jw_kstr(w, kr, rcode_name(l->status == SEC_BOGUS ? RCODE_SERVFAIL : l->rcode));
}

static const char *
addr_status(const host *h)
{
	if (!h->a.done || !h->aaaa.done)
		return "indeterminate";
	if (h->a.status == SEC_BOGUS || h->aaaa.status == SEC_BOGUS)
		return "bogus";
	if (h->a.status == SEC_SECURE && h->aaaa.status == SEC_SECURE)
		return "secure";
	return sec_status_name(h->a.status != SEC_SECURE ? h->a.status : h->aaaa.status);
}

static void
write_host(jsonw *w, const host *h, bool srv)
{
	char b[RJ_NAME_STR], a[64];
	const msg_rr *links[RJ_MAX_CHAIN];
	const look *al = h->a.nrecs || !h->aaaa.nrecs ? &h->a : &h->aaaa;

	jw_obj_open(w);
	if (srv) {
		jw_kint(w, "priority", h->pref);
		jw_kint(w, "weight", h->weight);
		jw_kint(w, "port", h->port);
	} else {
		jw_kint(w, "preference", h->pref);
	}
	rj_name(h->name, b);
	jw_kstr(w, "name", b);
	if (!srv) {
		jw_kbool(w, "implicit", h->implicit);
		jw_kbool(w, "insecure_mx", h->insecure_mx);
	}
	for (size_t i = 0; i < al->nchain && i < RJ_MAX_CHAIN; i++)
		links[i] = &al->chain[i];
	jw_key(w, "cname");
	rj_chain(w, links, al->done ? al->nchain : 0);
	rj_name(al->done && al->final ? al->final : h->name, b);
	jw_kstr(w, "canonical", b);
	jw_key(w, "addresses");
	jw_arr_open(w);
	for (int k = 0; k < 2; k++) {
		const look *l = k == 0 ? &h->a : &h->aaaa;
		if (!l->done || l->status == SEC_BOGUS)
			continue;
		for (size_t i = 0; i < l->nrecs; i++) {
			inet_ntop(k == 0 ? AF_INET : AF_INET6, l->recs[i].rdata, a, sizeof(a));
			jw_str(w, a);
		}
	}
	jw_arr_close(w);
	jw_kstr(w, "address_status", addr_status(h));
	if (h->tlsa.started) {
		const look *t = &h->tlsa;
		const uint8_t *base = t->qname + 1 + t->qname[0];
		base += 1 + base[0];
		rj_name(base, b);
		jw_kstr(w, "tlsa_base", b);
		rj_name(t->qname, b);
		jw_kstr(w, "tlsa_name", b);
		if (t->done) {
			write_look_status(w, "tlsa_status", "tlsa_rcode", t);
			jw_key(w, "tlsa");
			jw_arr_open(w);
			for (size_t i = 0; i < t->nrecs && t->status != SEC_BOGUS; i++) {
				const msg_rr *rr = &t->recs[i];
				if (rr->rdlen < 3)
					continue;
				jw_obj_open(w);
				jw_kint(w, "usage", rr->rdata[0]);
				jw_kint(w, "selector", rr->rdata[1]);
				jw_kint(w, "matching_type", rr->rdata[2]);
				static char rd[140000];
				char *hx = rd;
				static const char dg[] = "0123456789ABCDEF";
				size_t dl = rr->rdlen - 3;
				if (dl > 65535 / 2)
					dl = 65535 / 2;
				for (size_t k = 0; k < dl; k++) {
					hx[2 * k] = dg[rr->rdata[3 + k] >> 4];
					hx[2 * k + 1] = dg[rr->rdata[3 + k] & 15];
				}
				jw_key(w, "data");
				jw_strn(w, hx, 2 * dl);
				snprintf(b, sizeof(b), "%u %u %u ", rr->rdata[0], rr->rdata[1], rr->rdata[2]);
				size_t bl = strlen(b);
				memmove(rd + bl, rd, 2 * dl);
				memcpy(rd, b, bl);
				jw_key(w, "rdata");
				jw_strn(w, rd, bl + 2 * dl);
				jw_kbool(w, "usable", rj_tlsa_usable(rr->rdata, rr->rdlen));
				jw_obj_close(w);
			}
			jw_arr_close(w);
		}
	}
	jw_kstr(w, "verdict", h->verdict ? h->verdict : "defer");
	jw_kstr(w, "reason", h->reason[0] ? h->reason : "timeout");
	jw_kstr_or_null(w, "tlsrpt_result", h->tlsrpt);
	jw_obj_close(w);
}

/* _service._tcp.domain -> domain */
static const uint8_t *
srv_domain(const uint8_t *name)
{
	for (int k = 0; k < 2 && name[0] != 0; k++)
		name += 1 + name[0];
	return name;
}

static void
finish(dane_req *d)
{
	jsonw w;
	char b[RJ_NAME_STR];
	size_t len;

	jw_init(&w);
	jw_obj_open(&w);
	tlsrpt_finish(d);
	jw_kbool(&w, "ok", true);
	rj_name(d->domain, b);
	if (d->srv) {
		jw_kstr(&w, "service", b);
		rj_name(srv_domain(d->domain), b);
		jw_kstr(&w, "domain", b);
	} else {
		jw_kstr(&w, "domain", b);
		jw_kint(&w, "port", d->port);
	}
	jw_kstr(&w, "result", d->result ? d->result : "defer");
	if (d->mx.done) {
		write_look_status(&w, "mx_status", "mx_rcode", &d->mx);
	} else {
		jw_kstr(&w, "mx_status", "indeterminate");
	}
	if (d->result == NULL || strcmp(d->result, "defer") == 0) {
		jw_kint(&w, "ede", d->has_ede ? d->ede : 0);
		jw_kstr(&w, "reason", d->reason[0] ? d->reason : "timeout");
	}
	jw_kstr_or_null(&w, "tlsrpt_result", d->tlsrpt);
	jw_key(&w, "hosts");
	jw_arr_open(&w);
	for (size_t i = 0; i < d->nhosts; i++)
		write_host(&w, &d->hosts[i], d->srv);
	jw_arr_close(&w);
	jw_obj_close(&w);
	d->finished = true;
	if (w.oom) {
		jw_free(&w);
		d->done(d->arg, NULL, 0);
		return;
	}
	char *json = jw_take(&w, &len);
	d->done(d->arg, json, len);   /* may free d */
}

static bool
all_done(const dane_req *d)
{
	if (d->result == NULL)
		return false;
	for (size_t i = 0; i < d->nhosts; i++)
		if (!d->hosts[i].done)
			return false;
	return true;
}

/* The way out of every entry point: the last thing that touches d. */
static void
leave(dane_req *d)
{
	if (--d->busy == 0 && !d->finished && all_done(d))
		finish(d);
}

static void
on_look(void *arg, const eng_result *res)
{
	look *l = arg;
	dane_req *d = l->d;

	d->busy++;
	l->pending = false;
	l->r = NULL;
	look_store(l, res);
	l->done = true;
	advance(l);
	leave(d);
}

/* A lookup is in: the next step of its host (or of the request). */
static void
advance(look *l)
{
	dane_req *d = l->d;
	host *h = l->h;

	if (d->finished || (h && h->done))
		return;
	switch (l->kind) {
	case L_MX:
		if (d->srv)
			srv_done(d);
		else
			mx_done(d);
		break;
	case L_A:
	case L_AAAA:
		if (h->a.done && h->aaaa.done)
			addr_done(d, h);
		break;
	case L_TLSA:
		tlsa_done(d, h);
		break;
	}
}

static int
start(const api_resolver *r, const uint8_t *name, uint16_t port, bool srv,
    bool insecure_mx_dane, dane_done_fn done, void *arg, dane_req **out)
{
	dane_req *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (d == NULL)
		return MX_ENOMEM;
	d->res = *r;
	name_copy(d->domain, name);
	name_lower(d->domain);
	d->port = port;
	d->srv = srv;
	d->insecure_mx_dane = insecure_mx_dane;
	d->done = done;
	d->arg = arg;
	region_init(&d->reg, 8u << 20);
	*out = d;
	d->busy++;
	look_init(&d->mx, d, NULL, L_MX, srv ? RR_SRV : RR_MX, d->domain);
	look_start(&d->mx);
	leave(d);
	return 0;
}

int
dane_start(const api_resolver *r, const uint8_t *domain, uint16_t port,
    bool insecure_mx_dane, dane_done_fn done, void *arg, dane_req **out)
{
	return start(r, domain, port, false, insecure_mx_dane, done, arg, out);
}

int
dane_start_srv(const api_resolver *r, const uint8_t *srvname,
    dane_done_fn done, void *arg, dane_req **out)
{
	*out = NULL;
	if (srvname[0] == 0 || srv_domain(srvname)[0] == 0)
		return MX_EINVAL;
	return start(r, srvname, 0, true, false, done, arg, out);
}

/* A name as the summary has it: lower case, no trailing dot. */
static void
sum_name(const uint8_t *name, char *out, size_t cap)
{
	char b[RJ_NAME_STR];
	size_t n;

	rj_name(name, b);
	n = strlen(b);
	if (n > 0 && b[n - 1] == '.')
		b[--n] = 0;
	snprintf(out, cap, "%s", b);
}

void
dane_get_summary(const dane_req *d, dane_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->result = d->result ? d->result : "defer";
	s->mx_status = d->mx.done ? d->mx.status : SEC_INDETERMINATE;
	s->tlsrpt = d->tlsrpt;
	if (strcmp(s->result, "defer") == 0)
		snprintf(s->reason, sizeof(s->reason), "%s",
		    d->reason[0] ? d->reason : "timeout");
	for (size_t i = 0; i < d->nhosts && i < DANE_MAX_HOSTS; i++) {
		const host *h = &d->hosts[i];
		dane_host_sum *o = &s->hosts[s->nhosts++];
		sum_name(h->name, o->name, sizeof(o->name));
		o->port = h->port;
		o->verdict = h->verdict ? h->verdict : "defer";
		o->tlsrpt = h->tlsrpt;
		snprintf(o->reason, sizeof(o->reason), "%s",
		    h->reason[0] ? h->reason : "timeout");
		if (strcmp(o->verdict, "dane") == 0)
			s->ndane++;
		else if (strcmp(o->verdict, "may") == 0)
			s->nmay++;
		else if (strcmp(o->verdict, "encrypt") == 0)
			s->nencrypt++;
		else
			s->ndefer++;
	}
}

void
dane_expire(dane_req *d)
{
	if (d->finished)
		return;
	d->busy++;
	look_cancel(&d->mx);
	if (d->result == NULL) {
		finish_result(d, "defer", d->srv ?
		    "timeout: the SRV lookup did not finish" :
		    "timeout: the MX lookup did not finish", NULL);
		d->tlsrpt = "dnssec-invalid";
	}
	for (size_t i = 0; i < d->nhosts; i++) {
		host *h = &d->hosts[i];
		look_cancel(&h->a);
		look_cancel(&h->aaaa);
		look_cancel(&h->tlsa);
		if (!h->done)
			verdict_failed(h, "timeout", NULL);
	}
	leave(d);
}

void
dane_free(dane_req *d)
{
	if (d == NULL)
		return;
	look_cancel(&d->mx);
	for (size_t i = 0; i < d->nhosts; i++) {
		look_cancel(&d->hosts[i].a);
		look_cancel(&d->hosts[i].aaaa);
		look_cancel(&d->hosts[i].tlsa);
	}
	region_free(&d->reg);
	free(d);
}
