/*
 * ctl.c: libmxsec's control calls (mxsec.h, doc/protocol.md "Control"):
 * STATS, FLUSH, DUMP, RELOAD, TA.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_int.h"
#include "json.h"

/* Send line; the reply must be "ok":true.  *root: json_free() it. */
static int
ctl_call(mxsec *h, const char *line, struct json_value **root)
{
	char *reply;
	size_t len;
	int rc;

	*root = NULL;
	rc = client_request(h, line, &reply, &len);
	if (rc != 0)
		return rc;
	rc = client_parse_ok(h, reply, len, root);
	free(reply);
	if (rc == MXSEC_EPROTO)
		client_disconnect(h);
	return rc;
}

static char *
dup_str(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* ---- STATS: flatten the object into dotted names ---- */

struct flat {
	struct mxsec_stat *v;
	size_t n, cap;
	bool oom;
};

static void
flat_add(struct flat *f, const char *name, const char *value)
{
	if (f->oom)
		return;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		void *nv = realloc(f->v, cap * sizeof(*f->v));
		if (nv == NULL) {
			f->oom = true;
			return;
		}
		f->v = nv;
		f->cap = cap;
	}
	f->v[f->n].name = strdup(name);
	f->v[f->n].value = strdup(value);
	if (f->v[f->n].name == NULL || f->v[f->n].value == NULL) {
		free(f->v[f->n].name);
		free(f->v[f->n].value);
		f->oom = true;
		return;
	}
	f->n++;
}

static void
flatten(struct flat *f, const char *prefix, const struct json_value *v,
    unsigned depth)
{
	char name[256], num[32];

	if (depth > 8)
		return;
	switch (v->type) {
	case JSON_OBJECT:
		for (size_t i = 0; i < v->n; i++) {
			const struct json_member *m = &v->members[i];
			if (prefix[0] == 0 && strcmp(m->key, "ok") == 0)
				continue;
			snprintf(name, sizeof(name), "%s%s%s", prefix,
			    prefix[0] ? "." : "", m->key);
			flatten(f, name, &m->value, depth + 1);
		}
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < v->n; i++) {
			snprintf(name, sizeof(name), "%s.%zu", prefix, i);
			flatten(f, name, &v->items[i], depth + 1);
		}
		break;
	case JSON_NUMBER:
		if (v->is_int) {
			snprintf(num, sizeof(num), "%" PRId64, v->i);
			flat_add(f, prefix, num);
		}
		break;
	case JSON_STRING:
		flat_add(f, prefix, v->s);
		break;
	case JSON_TRUE:
		flat_add(f, prefix, "true");
		break;
	case JSON_FALSE:
		flat_add(f, prefix, "false");
		break;
	case JSON_NULL:
		flat_add(f, prefix, "null");
		break;
	}
}

int
mxsec_stats(mxsec *h, struct mxsec_stat **out, size_t *n)
{
	struct json_value *root;
	struct flat f = { NULL, 0, 0, false };
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = ctl_call(h, "STATS", &root)) != 0)
		return rc;
	flatten(&f, "", root, 0);
	json_free(root);
	if (f.oom) {
		mxsec_stats_free(f.v, f.n);
		return client_err(h, MXSEC_ENOMEM, "out of memory");
	}
	*out = f.v;
	*n = f.n;
	return 0;
}

void
mxsec_stats_free(struct mxsec_stat *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/* ---- FLUSH ---- */

int
mxsec_flush(mxsec *h, const char *name, unsigned flags)
{
	char line[MXSEC_LINE_MAX + 1];
	struct json_value *root;
	int rc;

	if (name == NULL) {
		snprintf(line, sizeof(line), "FLUSH-ALL");
	} else {
		if (name[0] == 0 || strlen(name) > MXSEC_LINE_MAX - 16 ||
		    strpbrk(name, " \t\r\n") != NULL)
			return client_err(h, MXSEC_EINVAL, "bad name");
		snprintf(line, sizeof(line), "%s %s",
		    (flags & MXSEC_FLUSH_SUBTREE) ? "FLUSH-SUBTREE" : "FLUSH", name);
	}
	if ((rc = ctl_call(h, line, &root)) != 0)
		return rc;
	json_free(root);
	return 0;
}

/* ---- DUMP ---- */

int
mxsec_dump(mxsec *h, char **text)
{
	struct json_value *root;
	const struct json_value *d;
	int rc;

	*text = NULL;
	h->reply_max = MXSEC_DUMP_REPLY_MAX;
	rc = ctl_call(h, "DUMP", &root);
	h->reply_max = 0;
	if (rc != 0)
		return rc;
	d = json_get(root, "dump");
	if (d == NULL || d->type != JSON_STRING || strlen(d->s) != d->len) {
		json_free(root);
		client_disconnect(h);
		return client_err(h, MXSEC_EPROTO, "malformed reply: no dump text");
	}
	*text = strdup(d->s);
	json_free(root);
	if (*text == NULL)
		return client_err(h, MXSEC_ENOMEM, "out of memory");
	return 0;
}

/* ---- RELOAD ---- */

int
mxsec_reload(mxsec *h, char **message)
{
	struct json_value *root;
	const struct json_value *m;
	int rc;

	if (message != NULL)
		*message = NULL;
	if ((rc = ctl_call(h, "RELOAD", &root)) != 0)
		return rc;
	m = json_get(root, "message");
	if (message != NULL && m != NULL && m->type == JSON_STRING &&
	    (*message = strdup(m->s)) == NULL) {
		json_free(root);
		return client_err(h, MXSEC_ENOMEM, "out of memory");
	}
	json_free(root);
	return 0;
}

/* ---- TA ---- */

void
mxsec_ta_free(struct mxsec_ta *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].zone);
		free(v[i].type);
		free(v[i].state);
		free(v[i].rdata);
	}
	free(v);
}

static const char *
get_s(const struct json_value *o, const char *k)
{
	const struct json_value *v = json_get(o, k);

	return v != NULL && v->type == JSON_STRING && strlen(v->s) == v->len ?
	    v->s : NULL;
}

static int64_t
get_i(const struct json_value *o, const char *k)
{
	const struct json_value *v = json_get(o, k);

	return v != NULL && v->type == JSON_NUMBER && v->is_int ? v->i : -1;
}

int
mxsec_ta_list(mxsec *h, struct mxsec_ta **out, size_t *n)
{
	struct json_value *root;
	const struct json_value *a;
	struct mxsec_ta *v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = ctl_call(h, "TA", &root)) != 0)
		return rc;
	a = json_get(root, "anchors");
	if (a == NULL || a->type != JSON_ARRAY) {
		json_free(root);
		client_disconnect(h);
		return client_err(h, MXSEC_EPROTO, "malformed reply: no anchors");
	}
	if ((v = calloc(a->n ? a->n : 1, sizeof(*v))) == NULL) {
		json_free(root);
		return client_err(h, MXSEC_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct json_value *o = &a->items[i];
		int64_t tag = get_i(o, "keytag"), alg = get_i(o, "algorithm");
		if (o->type != JSON_OBJECT || get_s(o, "zone") == NULL ||
		    get_s(o, "type") == NULL || get_s(o, "state") == NULL ||
		    tag < 0 || tag > 65535) {
			mxsec_ta_free(v, a->n);
			json_free(root);
			client_disconnect(h);
			return client_err(h, MXSEC_EPROTO,
			    "malformed reply: anchor %zu", i);
		}
		v[i].zone = dup_str(get_s(o, "zone"));
		v[i].type = dup_str(get_s(o, "type"));
		v[i].state = dup_str(get_s(o, "state"));
		v[i].rdata = dup_str(get_s(o, "rdata"));
		v[i].keytag = (uint16_t)tag;
		v[i].algorithm = alg >= 0 && alg <= 255 ? (uint8_t)alg : 0;
		if (v[i].zone == NULL || v[i].type == NULL || v[i].state == NULL) {
			mxsec_ta_free(v, a->n);
			json_free(root);
			return client_err(h, MXSEC_ENOMEM, "out of memory");
		}
	}
	*out = v;
	*n = a->n;
	json_free(root);
	return 0;
}
