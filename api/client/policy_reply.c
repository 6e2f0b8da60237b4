/*
 * policy_reply.c: the replies of TLSRPT, STS and POLICY (doc/protocol.md)
 * to libmxsec's structs.  The STS and POLICY replies come from the
 * daemon's TLS policy service and may grow: only the fields named in
 * mxsec.h are read, every other is ignored, and only "domain" and the
 * outcome ("result", "status") are required.
 */
#include <stdlib.h>
#include <string.h>

#include "reply_int.h"

static const char *const tlsrpt_names[] = {
	"?", "found", "none", "invalid", "defer",
};
static const char *const sts_names[] = {
	"?", "policy", "none", "temp",
};
static const char *const policy_names[] = {
	"?", "OK", "NOTFOUND", "TEMP",
};

const char *
mxsec_tlsrpt_result_name(enum mxsec_tlsrpt_result r)
{
	return (int)r > 0 && (int)r < NELEM(tlsrpt_names) ? tlsrpt_names[r] : "?";
}

const char *
mxsec_sts_result_name(enum mxsec_sts_result r)
{
	return (int)r > 0 && (int)r < NELEM(sts_names) ? sts_names[r] : "?";
}

const char *
mxsec_policy_status_name(enum mxsec_policy_status s)
{
	return (int)s > 0 && (int)s < NELEM(policy_names) ? policy_names[s] : "?";
}

/* ---- TLSRPT ---- */

void
mxsec_tlsrpt_free(struct mxsec_tlsrpt *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->rcode);
	strv_free(t->rua, t->nrua);
	free(t->reason);
	free(t);
}

int
mxsec_parse_tlsrpt(mxsec *h, const char *json, size_t len,
    struct mxsec_tlsrpt **out)
{
	struct rp rp = { .h = h };
	struct json_value *root;
	struct mxsec_tlsrpt *t = NULL;

	*out = NULL;
	root = rp_json(&rp, json, len);
	if (root == NULL || !rp_ok(&rp, root))
		goto fail;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rp_fail(&rp, MXSEC_ENOMEM, "", "");
		goto fail;
	}
	t->name = rp_str(&rp, root, "name", true);
	t->status = (enum mxsec_status)rp_status(&rp, root, "status", true);
	t->rcode = rp_str(&rp, root, "rcode", true);
	t->result = (enum mxsec_tlsrpt_result)rp_enum(&rp, root, "result",
	    tlsrpt_names, NELEM(tlsrpt_names), true);
	t->rua = rp_strv(&rp, root, "rua", t->result == MXSEC_TLSRPT_FOUND,
	    &t->nrua);
	t->reason = rp_str(&rp, root, "reason", false);
	if (rp.rc != 0)
		goto fail;
	json_free(root);
	client_err(h, 0, "%s", "");
	*out = t;
	return 0;
fail:
	json_free(root);
	mxsec_tlsrpt_free(t);
	return rp.rc;
}

/* ---- STS ---- */

void
mxsec_sts_free(struct mxsec_sts *s)
{
	if (s == NULL)
		return;
	free(s->domain);
	free(s->reason);
	free(s->txt_status);
	free(s->txt_id);
	free(s->mode);
	strv_free(s->mx, s->nmx);
	free(s->policy_id);
	free(s->source);
	free(s);
}

static void
rp_sts_policy(struct rp *rp, const struct json_value *p, struct mxsec_sts *s)
{
	rp_where(rp, "policy");
	s->has_policy = 1;
	s->mode = rp_str(rp, p, "mode", true);
	s->max_age = (uint32_t)rp_uint(rp, p, "max_age", UINT32_MAX, false);
	s->mx = rp_strv(rp, p, "mx", false, &s->nmx);
	s->policy_id = rp_str(rp, p, "id", false);
	rp_where(rp, "%s", "");
}

int
mxsec_parse_sts(mxsec *h, const char *json, size_t len, struct mxsec_sts **out)
{
	struct rp rp = { .h = h };
	struct json_value *root;
	const struct json_value *p;
	struct mxsec_sts *s = NULL;

	*out = NULL;
	root = rp_json(&rp, json, len);
	if (root == NULL || !rp_ok(&rp, root))
		goto fail;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		rp_fail(&rp, MXSEC_ENOMEM, "", "");
		goto fail;
	}
	s->domain = rp_str(&rp, root, "domain", true);
	s->result = (enum mxsec_sts_result)rp_enum(&rp, root, "result",
	    sts_names, NELEM(sts_names), true);
	s->reason = rp_str(&rp, root, "reason", false);
	s->txt_status = rp_str(&rp, root, "txt_status", false);
	s->txt_id = rp_str(&rp, root, "txt_id", false);
	s->source = rp_str(&rp, root, "source", false);
	/* Times are signed: a clock set back may give a negative age. */
	const struct json_value *v;
	if ((v = json_get(root, "fetched_at")) != NULL && v->is_int)
		s->fetched_at = v->i;
	if ((v = json_get(root, "age")) != NULL && v->is_int)
		s->age = v->i;
	if ((v = json_get(root, "expires_in")) != NULL && v->is_int)
		s->expires_in = v->i;
	p = rp_get(&rp, root, "policy", JSON_OBJECT, false);
	if (p != NULL)
		rp_sts_policy(&rp, p, s);
	if (rp.rc != 0)
		goto fail;
	json_free(root);
	client_err(h, 0, "%s", "");
	*out = s;
	return 0;
fail:
	json_free(root);
	mxsec_sts_free(s);
	return rp.rc;
}

/* ---- POLICY ---- */

void
mxsec_policy_free(struct mxsec_policy *p)
{
	if (p == NULL)
		return;
	free(p->domain);
	free(p->policy);
	free(p->reply);
	free(p->source);
	strv_free(p->reasons, p->nreasons);
	free(p->dane_result);
	free(p->dane_mx_status);
	for (size_t k = 0; k < p->ndane_hosts; k++) {
		free(p->dane_hosts[k].name);
		free(p->dane_hosts[k].verdict);
		free(p->dane_hosts[k].tlsrpt_result);
	}
	free(p->dane_hosts);
	free(p->sts_result);
	free(p->sts_mode);
	free(p->sts_source);
	free(p);
}

/* The "dane" summary: result, mx_status, hosts with name, verdict and
 * tlsrpt_result. */
static void
rp_policy_dane(struct rp *rp, const struct json_value *o, struct mxsec_policy *p)
{
	const struct json_value *hs;

	rp_where(rp, "dane");
	p->dane_result = rp_str(rp, o, "result", false);
	p->dane_mx_status = rp_str(rp, o, "mx_status", false);
	hs = rp_get(rp, o, "hosts", JSON_ARRAY, false);
	if (hs == NULL || rp->rc != 0)
		return;
	p->dane_hosts = rp_calloc(rp, hs->n, sizeof(*p->dane_hosts));
	if (rp->rc != 0)
		return;
	p->ndane_hosts = hs->n;
	for (size_t k = 0; k < hs->n && rp->rc == 0; k++) {
		const struct json_value *x = &hs->items[k];
		rp_where(rp, "dane.hosts[%zu]", k);
		if (x->type != JSON_OBJECT) {
			rp_fail(rp, MXSEC_EPROTO, "", "object expected");
			return;
		}
		p->dane_hosts[k].name = rp_str(rp, x, "name", true);
		p->dane_hosts[k].verdict = rp_str(rp, x, "verdict", false);
		p->dane_hosts[k].tlsrpt_result = rp_str(rp, x, "tlsrpt_result",
		    false);
	}
}

int
mxsec_parse_policy(mxsec *h, const char *json, size_t len,
    struct mxsec_policy **out)
{
	struct rp rp = { .h = h };
	struct json_value *root;
	const struct json_value *o;
	struct mxsec_policy *p = NULL;

	*out = NULL;
	root = rp_json(&rp, json, len);
	if (root == NULL || !rp_ok(&rp, root))
		goto fail;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		rp_fail(&rp, MXSEC_ENOMEM, "", "");
		goto fail;
	}
	p->domain = rp_str(&rp, root, "domain", true);
	p->status = (enum mxsec_policy_status)rp_enum(&rp, root, "status",
	    policy_names, NELEM(policy_names), true);
	p->policy = rp_str(&rp, root, "policy", false);
	p->reply = rp_str(&rp, root, "reply", false);
	p->source = rp_str(&rp, root, "source", false);
	p->reasons = rp_strv(&rp, root, "reasons", false, &p->nreasons);
	if ((o = rp_get(&rp, root, "dane", JSON_OBJECT, false)) != NULL)
		rp_policy_dane(&rp, o, p);
	rp_where(&rp, "%s", "");
	if ((o = rp_get(&rp, root, "sts", JSON_OBJECT, false)) != NULL) {
		rp_where(&rp, "sts");
		p->sts_result = rp_str(&rp, o, "result", false);
		p->sts_mode = rp_str(&rp, o, "mode", false);
		p->sts_source = rp_str(&rp, o, "source", false);
	}
	if (rp.rc != 0)
		goto fail;
	json_free(root);
	client_err(h, 0, "%s", "");
	*out = p;
	return 0;
fail:
	json_free(root);
	mxsec_policy_free(p);
	return rp.rc;
}
