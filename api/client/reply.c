/*
 * reply.c: JSON reply lines (doc/protocol.md) to libmxsec's result structs.
 *
 * The reply is untrusted.  Every field is type- and range-checked; a field
 * the protocol always sends is required, an optional one reads as absent;
 * unknown fields are ignored.  The first problem found stops the parse with
 * MXSEC_EPROTO and a message naming the field ("hosts[2].verdict: ...").
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reply_int.h"

void
rp_fail(struct rp *rp, int code, const char *key, const char *what)
{
	if (rp->rc != 0)
		return;
	if (code == MXSEC_ENOMEM)
		rp->rc = client_err(rp->h, code, "out of memory");
	else if (rp->where[0] == 0 && key[0] == 0)
		rp->rc = client_err(rp->h, code, "malformed reply: %s", what);
	else
		rp->rc = client_err(rp->h, code, "malformed reply: %s%s%s: %s",
		    rp->where, rp->where[0] && key[0] ? "." : "", key, what);
}

void
rp_where(struct rp *rp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rp->where, sizeof(rp->where), fmt, ap);
	va_end(ap);
}

/* The member key of obj with type t; NULL if absent (an error if
 * required), or of another type (always an error).  null counts as absent
 * for optional fields. */
const struct json_value *
rp_get(struct rp *rp, const struct json_value *obj, const char *key,
    enum json_type t, bool required)
{
	const struct json_value *v = json_get(obj, key);

	if (rp->rc != 0)
		return NULL;
	if (v == NULL || (v->type == JSON_NULL && !required)) {
		if (required)
			rp_fail(rp, MXSEC_EPROTO, key, "missing");
		return NULL;
	}
	if (t == JSON_TRUE && (v->type == JSON_TRUE || v->type == JSON_FALSE))
		return v;
	if (v->type != t) {
		char msg[48];
		snprintf(msg, sizeof(msg), "%s expected, %s found",
		    t == JSON_TRUE ? "boolean" : json_type_name(t),
		    json_type_name(v->type));
		rp_fail(rp, MXSEC_EPROTO, key, msg);
		return NULL;
	}
	return v;
}

char *
rp_dup(struct rp *rp, const struct json_value *v, const char *key)
{
	char *s;

	/* A NUL inside would silently shorten a name to a C caller. */
	if (strlen(v->s) != v->len) {
		rp_fail(rp, MXSEC_EPROTO, key, "NUL character in string");
		return NULL;
	}
	s = strdup(v->s);
	if (s == NULL)
		rp_fail(rp, MXSEC_ENOMEM, key, "");
	return s;
}

char *
rp_str(struct rp *rp, const struct json_value *obj, const char *key,
    bool required)
{
	const struct json_value *v = rp_get(rp, obj, key, JSON_STRING, required);

	return v != NULL ? rp_dup(rp, v, key) : NULL;
}

uint64_t
rp_uint(struct rp *rp, const struct json_value *obj, const char *key,
    uint64_t max, bool required)
{
	const struct json_value *v = rp_get(rp, obj, key, JSON_NUMBER, required);

	if (v == NULL)
		return 0;
	if (!v->is_int || v->i < 0 || (uint64_t)v->i > max) {
		char msg[64];
		snprintf(msg, sizeof(msg), "not an integer in 0..%llu",
		    (unsigned long long)max);
		rp_fail(rp, MXSEC_EPROTO, key, msg);
		return 0;
	}
	return (uint64_t)v->i;
}

int
rp_bool(struct rp *rp, const struct json_value *obj, const char *key,
    bool required)
{
	const struct json_value *v = rp_get(rp, obj, key, JSON_TRUE, required);

	return v != NULL && v->type == JSON_TRUE;
}

/* A string that must be one of names[1..n-1] (names[0] unused: the enum's
 * "absent" value); its index, or 0. */
int
rp_enum(struct rp *rp, const struct json_value *obj, const char *key,
    const char *const *names, int n, bool required)
{
	const struct json_value *v = rp_get(rp, obj, key, JSON_STRING, required);

	if (v == NULL)
		return 0;
	for (int k = 1; k < n; k++)
		if (strcmp(v->s, names[k]) == 0)
			return k;
	rp_fail(rp, MXSEC_EPROTO, key, "unknown value");
	return 0;
}

static const char *const status_names[] = {
	"none", "secure", "insecure", "bogus", "indeterminate",
};
int
rp_status(struct rp *rp, const struct json_value *obj, const char *key,
    bool required)
{
	return rp_enum(rp, obj, key, status_names, NELEM(status_names),
	    required);
}

static const char *const result_names[] = {
	"?", "ok", "nxdomain", "null-mx", "defer", "no-service",
};
static const char *const verdict_names[] = {
	"?", "dane", "encrypt", "may", "defer",
};

const char *
mxsec_status_name(enum mxsec_status s)
{
	return (int)s >= 0 && (int)s < NELEM(status_names) ?
	    status_names[s] : "?";
}

const char *
mxsec_result_name(enum mxsec_result r)
{
	return (int)r > 0 && (int)r < NELEM(result_names) ?
	    result_names[r] : "?";
}

const char *
mxsec_verdict_name(enum mxsec_verdict v)
{
	return (int)v > 0 && (int)v < NELEM(verdict_names) ?
	    verdict_names[v] : "?";
}

/* Record type mnemonics (the IANA registry's common ones); anything else
 * the daemon writes as TYPEnnn (RFC 3597 5). */
static const struct {
	uint16_t type;
	const char *name;
} rr_types[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
	{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" },
	{ 18, "AFSDB" }, { 24, "SIG" }, { 25, "KEY" }, { 28, "AAAA" },
	{ 29, "LOC" }, { 33, "SRV" }, { 35, "NAPTR" }, { 36, "KX" },
	{ 37, "CERT" }, { 39, "DNAME" }, { 42, "APL" }, { 43, "DS" },
	{ 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" }, { 47, "NSEC" },
	{ 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" },
	{ 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" },
	{ 59, "CDS" }, { 60, "CDNSKEY" }, { 61, "OPENPGPKEY" },
	{ 62, "CSYNC" }, { 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" },
	{ 99, "SPF" }, { 108, "EUI48" }, { 109, "EUI64" }, { 255, "ANY" },
	{ 256, "URI" }, { 257, "CAA" },
};

static uint16_t
type_number(const char *s)
{
	unsigned long v = 0;

	for (size_t k = 0; k < sizeof(rr_types) / sizeof(rr_types[0]); k++)
		if (strcasecmp(s, rr_types[k].name) == 0)
			return rr_types[k].type;
	if (strncasecmp(s, "TYPE", 4) != 0 || s[4] == 0 || strlen(s) > 9)
		return 0;
	for (s += 4; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	return v <= 65535 ? (uint16_t)v : 0;
}

static void
cname_free(struct mxsec_cname *c, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		free(c[k].name);
		free(c[k].target);
	}
	free(c);
}

void
strv_free(char **v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(v[k]);
	free(v);
}

/* calloc for n elements of an array field; n == 0 gives NULL and no error. */
void *
rp_calloc(struct rp *rp, size_t n, size_t sz)
{
	void *p;

	if (n == 0 || rp->rc != 0)
		return NULL;
	p = calloc(n, sz);
	if (p == NULL)
		rp_fail(rp, MXSEC_ENOMEM, "", "");
	return p;
}

/* An array of strings (TXT strings, addresses). */
char **
rp_strv(struct rp *rp, const struct json_value *obj, const char *key,
    bool required, size_t *np)
{
	const struct json_value *a = rp_get(rp, obj, key, JSON_ARRAY, required);
	char **v;

	*np = 0;
	if (a == NULL)
		return NULL;
	v = rp_calloc(rp, a->n, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (size_t k = 0; k < a->n; k++) {
		if (a->items[k].type != JSON_STRING) {
			rp_fail(rp, MXSEC_EPROTO, key, "array of strings expected");
			break;
		}
		v[k] = rp_dup(rp, &a->items[k], key);
		if (v[k] == NULL)
			break;
	}
	if (rp->rc != 0) {
		strv_free(v, a->n);
		return NULL;
	}
	*np = a->n;
	return v;
}

/* A CNAME chain: links {"name","target"}.  A bare string is accepted as a
 * link to it from the previous link's target (or from first). */
static struct mxsec_cname *
rp_cname(struct rp *rp, const struct json_value *obj, const char *first,
    size_t *np)
{
	const struct json_value *a = rp_get(rp, obj, "cname", JSON_ARRAY, false);
	struct mxsec_cname *c;
	const char *prev = first;

	*np = 0;
	if (a == NULL)
		return NULL;
	c = rp_calloc(rp, a->n, sizeof(*c));
	if (c == NULL)
		return NULL;
	for (size_t k = 0; k < a->n && rp->rc == 0; k++) {
		const struct json_value *l = &a->items[k];
		if (l->type == JSON_OBJECT) {
			c[k].name = rp_str(rp, l, "name", true);
			c[k].target = rp_str(rp, l, "target", true);
		} else if (l->type == JSON_STRING) {
			c[k].name = prev != NULL ? strdup(prev) : NULL;
			c[k].target = rp_dup(rp, l, "cname");
			if (prev != NULL && c[k].name == NULL)
				rp_fail(rp, MXSEC_ENOMEM, "", "");
		} else {
			rp_fail(rp, MXSEC_EPROTO, "cname",
			    "array of links expected");
		}
		prev = c[k].target;
	}
	if (rp->rc != 0) {
		cname_free(c, a->n);
		return NULL;
	}
	*np = a->n;
	return c;
}

/* Common to every reply: an object with "ok".  "ok":false carries error
 * and reason; map them to a code.  Returns true to go on. */
bool
rp_ok(struct rp *rp, const struct json_value *root)
{
	const struct json_value *e, *r;
	int code;

	if (root->type != JSON_OBJECT) {
		rp_fail(rp, MXSEC_EPROTO, "", "not a JSON object");
		return false;
	}
	if (rp_bool(rp, root, "ok", true))
		return true;
	if (rp->rc != 0)
		return false;
	e = rp_get(rp, root, "error", JSON_STRING, true);
	r = rp_get(rp, root, "reason", JSON_STRING, false);
	if (e == NULL)
		return false;
	if (strcmp(e->s, "bad-request") == 0 || strcmp(e->s, "too-long") == 0)
		code = MXSEC_EBADREQ;
	else if (strcmp(e->s, "busy") == 0 || strcmp(e->s, "stopping") == 0)
		code = MXSEC_EBUSY;
	else if (strcmp(e->s, "denied") == 0)
		code = MXSEC_EDENIED;
	else
		code = MXSEC_ESERVER;
	/* The daemon's words are data: %.*s with a bound, never a format. */
	rp->rc = client_err(rp->h, code, "daemon: %.100s%s%.300s", e->s,
	    r != NULL ? ": " : "", r != NULL ? r->s : "");
	return false;
}

static void
record_clear(struct mxsec_record *r)
{
	free(r->name);
	free(r->type_name);
	free(r->rdata);
	free(r->address);
	free(r->target);
	free(r->mx.exchange);
	free(r->tlsa.data);
	strv_free(r->txt.strings, r->txt.count);
	free(r->soa.mname);
	free(r->soa.rname);
}

static void
rp_record(struct rp *rp, const struct json_value *o, struct mxsec_record *r)
{
	const struct json_value *d;

	if (o->type != JSON_OBJECT) {
		rp_fail(rp, MXSEC_EPROTO, "", "object expected");
		return;
	}
	r->name = rp_str(rp, o, "name", true);
	r->type_name = rp_str(rp, o, "type", true);
	r->ttl = (uint32_t)rp_uint(rp, o, "ttl", UINT32_MAX, true);
	r->rdata = rp_str(rp, o, "rdata", true);
	d = rp_get(rp, o, "data", JSON_OBJECT, false);
	if (rp->rc != 0)
		return;
	r->type = type_number(r->type_name);
	if (d == NULL)
		return;
	strncat(rp->where, ".data", sizeof(rp->where) - strlen(rp->where) - 1);
	switch (r->type) {
	case 1:   /* A */
	case 28:  /* AAAA */
		r->address = rp_str(rp, d, "address", true);
		break;
	case 15:  /* MX */
		r->mx.preference = (uint16_t)rp_uint(rp, d, "preference",
		    UINT16_MAX, true);
		r->mx.exchange = rp_str(rp, d, "exchange", true);
		break;
	case 52:  /* TLSA */
		r->tlsa.usage = (uint8_t)rp_uint(rp, d, "usage", 255, true);
		r->tlsa.selector = (uint8_t)rp_uint(rp, d, "selector", 255, true);
		r->tlsa.matching_type = (uint8_t)rp_uint(rp, d,
		    "matching_type", 255, true);
		r->tlsa.data = rp_str(rp, d, "data", true);
		break;
	case 2:   /* NS */
	case 5:   /* CNAME */
	case 12:  /* PTR */
	case 39:  /* DNAME */
		r->target = rp_str(rp, d, "target", true);
		break;
	case 16:  /* TXT */
		r->txt.strings = rp_strv(rp, d, "strings", true, &r->txt.count);
		break;
	case 33:  /* SRV */
		r->srv.priority = (uint16_t)rp_uint(rp, d, "priority",
		    UINT16_MAX, true);
		r->srv.weight = (uint16_t)rp_uint(rp, d, "weight", UINT16_MAX,
		    true);
		r->srv.port = (uint16_t)rp_uint(rp, d, "port", UINT16_MAX, true);
		r->target = rp_str(rp, d, "target", true);
		break;
	case 6:   /* SOA */
		r->soa.mname = rp_str(rp, d, "mname", true);
		r->soa.rname = rp_str(rp, d, "rname", true);
		r->soa.serial = (uint32_t)rp_uint(rp, d, "serial", UINT32_MAX, true);
		r->soa.refresh = (uint32_t)rp_uint(rp, d, "refresh", UINT32_MAX,
		    true);
		r->soa.retry = (uint32_t)rp_uint(rp, d, "retry", UINT32_MAX, true);
		r->soa.expire = (uint32_t)rp_uint(rp, d, "expire", UINT32_MAX,
		    true);
		r->soa.minimum = (uint32_t)rp_uint(rp, d, "minimum", UINT32_MAX,
		    true);
		break;
	default:
		break;
	}
}

void
mxsec_answer_free(struct mxsec_answer *a)
{
	if (a == NULL)
		return;
	free(a->name);
	free(a->type_name);
	free(a->rcode);
	free(a->reason);
	cname_free(a->cname, a->ncname);
	for (size_t k = 0; k < a->nrecords; k++)
		record_clear(&a->records[k]);
	free(a->records);
	free(a);
}

/* Parse text into a JSON tree; the reply must be one object. */
struct json_value *
rp_json(struct rp *rp, const char *json, size_t len)
{
	struct json_value *root;
	char err[160];
	int rc;

	rc = json_parse(json, len, NULL, &root, err, sizeof(err));
	if (rc == JSON_ENOMEM)
		rp_fail(rp, MXSEC_ENOMEM, "", "");
	else if (rc != 0)
		rp->rc = client_err(rp->h, MXSEC_EPROTO,
		    "malformed reply: %s", err);
	return root;
}

int
mxsec_parse_answer(mxsec *h, const char *json, size_t len,
    struct mxsec_answer **out)
{
	struct rp rp = { .h = h };
	struct json_value *root;
	const struct json_value *recs, *e;
	struct mxsec_answer *a = NULL;

	*out = NULL;
	root = rp_json(&rp, json, len);
	if (root == NULL || !rp_ok(&rp, root))
		goto fail;
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		rp_fail(&rp, MXSEC_ENOMEM, "", "");
		goto fail;
	}
	a->name = rp_str(&rp, root, "name", true);
	a->type_name = rp_str(&rp, root, "type", true);
	a->status = (enum mxsec_status)rp_enum(&rp, root, "status",
	    status_names, NELEM(status_names), true);
	a->rcode = rp_str(&rp, root, "rcode", true);
	a->ttl = (uint32_t)rp_uint(&rp, root, "ttl", UINT32_MAX, true);
	e = rp_get(&rp, root, "ede", JSON_NUMBER, false);
	if (e != NULL) {
		a->ede = (uint16_t)rp_uint(&rp, root, "ede", UINT16_MAX, true);
		a->has_ede = 1;
	}
	a->reason = rp_str(&rp, root, "reason", false);
	a->cname = rp_cname(&rp, root, a->name, &a->ncname);
	recs = rp_get(&rp, root, "records", JSON_ARRAY, true);
	if (rp.rc != 0)
		goto fail;
	a->type = type_number(a->type_name);
	a->records = rp_calloc(&rp, recs->n, sizeof(*a->records));
	if (rp.rc != 0)
		goto fail;
	a->nrecords = recs->n;
	for (size_t k = 0; k < recs->n && rp.rc == 0; k++) {
		rp_where(&rp, "records[%zu]", k);
		rp_record(&rp, &recs->items[k], &a->records[k]);
	}
	if (rp.rc != 0)
		goto fail;
	json_free(root);
	client_err(h, 0, "%s", "");
	*out = a;
	return 0;
fail:
	json_free(root);
	mxsec_answer_free(a);
	return rp.rc;
}

static void
host_clear(struct mxsec_host *x)
{
	free(x->name);
	cname_free(x->cname, x->ncname);
	free(x->canonical);
	strv_free(x->addresses, x->naddresses);
	free(x->tlsa_base);
	free(x->tlsa_name);
	free(x->tlsa_rcode);
	for (size_t k = 0; k < x->ntlsa; k++) {
		free(x->tlsa[k].data);
		free(x->tlsa[k].rdata);
	}
	free(x->tlsa);
	free(x->reason);
	free(x->tlsrpt_result);
}

void
mxsec_dane_free(struct mxsec_dane *d)
{
	if (d == NULL)
		return;
	free(d->domain);
	free(d->mx_rcode);
	free(d->reason);
	free(d->tlsrpt_result);
	free(d->service);
	for (size_t k = 0; k < d->nhosts; k++)
		host_clear(&d->hosts[k]);
	free(d->hosts);
	free(d);
}

static void
rp_host(struct rp *rp, const struct json_value *o, size_t i,
    struct mxsec_host *x)
{
	const struct json_value *ta;

	rp_where(rp, "hosts[%zu]", i);
	if (o->type != JSON_OBJECT) {
		rp_fail(rp, MXSEC_EPROTO, "", "object expected");
		return;
	}
	/* SRV hosts have priority, weight and port instead (RFC 2782). */
	bool srv = json_get(o, "priority") != NULL;
	x->preference = (uint16_t)rp_uint(rp, o, "preference", UINT16_MAX, !srv);
	x->priority = (uint16_t)rp_uint(rp, o, "priority", UINT16_MAX, srv);
	x->weight = (uint16_t)rp_uint(rp, o, "weight", UINT16_MAX, srv);
	x->port = (uint16_t)rp_uint(rp, o, "port", UINT16_MAX, srv);
	x->name = rp_str(rp, o, "name", true);
	x->implicit = rp_bool(rp, o, "implicit", false);
	x->insecure_mx = rp_bool(rp, o, "insecure_mx", false);
	x->cname = rp_cname(rp, o, x->name, &x->ncname);
	x->canonical = rp_str(rp, o, "canonical", false);
	x->addresses = rp_strv(rp, o, "addresses", false, &x->naddresses);
	x->address_status = (enum mxsec_status)rp_enum(rp, o, "address_status",
	    status_names, NELEM(status_names), false);
	x->tlsa_base = rp_str(rp, o, "tlsa_base", false);
	x->tlsa_name = rp_str(rp, o, "tlsa_name", false);
	x->tlsa_status = (enum mxsec_status)rp_enum(rp, o, "tlsa_status",
	    status_names, NELEM(status_names), false);
	x->tlsa_rcode = rp_str(rp, o, "tlsa_rcode", false);
	x->verdict = (enum mxsec_verdict)rp_enum(rp, o, "verdict",
	    verdict_names, NELEM(verdict_names), true);
	x->reason = rp_str(rp, o, "reason", false);
	x->tlsrpt_result = rp_str(rp, o, "tlsrpt_result", false);
	ta = rp_get(rp, o, "tlsa", JSON_ARRAY, false);
	if (ta == NULL || rp->rc != 0)
		return;
	x->tlsa = rp_calloc(rp, ta->n, sizeof(*x->tlsa));
	if (rp->rc != 0)
		return;
	x->ntlsa = ta->n;
	for (size_t k = 0; k < ta->n && rp->rc == 0; k++) {
		const struct json_value *t = &ta->items[k];
		struct mxsec_tlsa *r = &x->tlsa[k];

		rp_where(rp, "hosts[%zu].tlsa[%zu]", i, k);
		if (t->type != JSON_OBJECT) {
			rp_fail(rp, MXSEC_EPROTO, "", "object expected");
			return;
		}
		r->usage = (uint8_t)rp_uint(rp, t, "usage", 255, true);
		r->selector = (uint8_t)rp_uint(rp, t, "selector", 255, true);
		r->matching_type = (uint8_t)rp_uint(rp, t, "matching_type", 255,
		    true);
		r->data = rp_str(rp, t, "data", true);
		r->rdata = rp_str(rp, t, "rdata", false);
		r->usable = rp_bool(rp, t, "usable", true);
	}
}

int
mxsec_parse_dane(mxsec *h, const char *json, size_t len,
    struct mxsec_dane **out)
{
	struct rp rp = { .h = h };
	struct json_value *root;
	const struct json_value *hosts, *e;
	struct mxsec_dane *d = NULL;

	*out = NULL;
	root = rp_json(&rp, json, len);
	if (root == NULL || !rp_ok(&rp, root))
		goto fail;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		rp_fail(&rp, MXSEC_ENOMEM, "", "");
		goto fail;
	}
	d->service = rp_str(&rp, root, "service", false);
	d->domain = rp_str(&rp, root, "domain", true);
	/* An SRV reply has a port per host, none for the whole. */
	d->port = (uint16_t)rp_uint(&rp, root, "port", UINT16_MAX,
	    d->service == NULL);
	d->result = (enum mxsec_result)rp_enum(&rp, root, "result",
	    result_names, NELEM(result_names), true);
	d->mx_status = (enum mxsec_status)rp_enum(&rp, root, "mx_status",
	    status_names, NELEM(status_names), false);
	d->mx_rcode = rp_str(&rp, root, "mx_rcode", false);
	e = rp_get(&rp, root, "ede", JSON_NUMBER, false);
	if (e != NULL) {
		d->ede = (uint16_t)rp_uint(&rp, root, "ede", UINT16_MAX, true);
		d->has_ede = 1;
	}
	d->reason = rp_str(&rp, root, "reason", false);
	d->tlsrpt_result = rp_str(&rp, root, "tlsrpt_result", false);
	hosts = rp_get(&rp, root, "hosts", JSON_ARRAY, true);
	if (rp.rc != 0)
		goto fail;
	d->hosts = rp_calloc(&rp, hosts->n, sizeof(*d->hosts));
	if (rp.rc != 0)
		goto fail;
	d->nhosts = hosts->n;
	for (size_t k = 0; k < hosts->n && rp.rc == 0; k++)
		rp_host(&rp, &hosts->items[k], k, &d->hosts[k]);
	if (rp.rc != 0)
		goto fail;
	json_free(root);
	client_err(h, 0, "%s", "");
	*out = d;
	return 0;
fail:
	json_free(root);
	mxsec_dane_free(d);
	return rp.rc;
}

int
mxsec_parse_ping(mxsec *h, const char *json, size_t len, char **version)
{
	struct rp rp = { .h = h };
	struct json_value *root;
	char *ver = NULL;

	if (version != NULL)
		*version = NULL;
	root = rp_json(&rp, json, len);
	if (root == NULL || !rp_ok(&rp, root))
		goto fail;
	if (!rp_bool(&rp, root, "pong", true) && rp.rc == 0)
		rp_fail(&rp, MXSEC_EPROTO, "pong", "not true");
	ver = rp_str(&rp, root, "version", false);
	if (rp.rc != 0)
		goto fail;
	json_free(root);
	client_err(h, 0, "%s", "");
	if (version != NULL)
		*version = ver;
	else
		free(ver);
	return 0;
fail:
	free(ver);
	json_free(root);
	return rp.rc;
}

int
client_parse_ok(mxsec *h, const char *json, size_t len,
    struct json_value **out)
{
	struct rp rp = { .h = h };
	struct json_value *root;

	*out = NULL;
	root = rp_json(&rp, json, len);
	if (root == NULL || !rp_ok(&rp, root)) {
		json_free(root);
		return rp.rc != 0 ? rp.rc : MXSEC_EPROTO;
	}
	*out = root;
	return 0;
}
