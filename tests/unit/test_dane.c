/*
 * Unit tests: the RFC 7672 procedure (api/dane.c) over a scripted
 * resolver, checked against the verdict rules of doc/protocol.md.
 *
 * The fake resolver answers each question from a table, either at once
 * inside resolve() (a cache hit) or later, from a queue the test runs in
 * several orders.  Every scenario is run in every mode and must give the
 * same reply byte for byte.  Records handed to a callback are freed when
 * it returns, so ASan catches a reply that keeps pointers into them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dane.h"
#include "err.h"
#include "name.h"
#include "rrtype.h"

/* ---- a minimal JSON parser, to check replies field by field ---- */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jnode {
	int type;
	char *key;         /* inside an object */
	char *str;
	long long num;
	int kid, next;     /* first child, next sibling; -1: none */
} jnode;

#define J_MAX 20000
static jnode jnod[J_MAX];
static int njn;
static char *jarena;
static size_t jarena_len, jarena_cap;

static char *
jalloc_str(const char *s, size_t n)
{
	if (jarena_len + n + 1 > jarena_cap)
		return NULL;
	char *p = jarena + jarena_len;
	memcpy(p, s, n);
	p[n] = 0;
	jarena_len += n + 1;
	return p;
}

static const char *jp;

static void
jws(void)
{
	while (*jp == ' ' || *jp == '\t' || *jp == '\n' || *jp == '\r')
		jp++;
}

static char *
jparse_str(void)
{
	char buf[70000];
	size_t n = 0;

	if (*jp != '"')
		return NULL;
	jp++;
	while (*jp != '"') {
		if (*jp == 0 || (unsigned char)*jp < 0x20 || n + 4 > sizeof(buf))
			return NULL;
		if (*jp == '\\') {
			jp++;
			switch (*jp) {
			case '"': case '\\': case '/':
				buf[n++] = *jp++;
				break;
			case 'n': buf[n++] = '\n'; jp++; break;
			case 't': buf[n++] = '\t'; jp++; break;
			case 'r': buf[n++] = '\r'; jp++; break;
			case 'b': buf[n++] = '\b'; jp++; break;
			case 'f': buf[n++] = '\f'; jp++; break;
			case 'u': {
				unsigned v = 0;
				jp++;
				for (int i = 0; i < 4; i++, jp++) {
					char c = *jp;
					v <<= 4;
					if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
					else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
					else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
					else return NULL;
				}
				if (v > 0xff)
					return NULL;   /* the writer only escapes bytes */
				buf[n++] = (char)v;
				break;
			}
			default:
				return NULL;
			}
			continue;
		}
		buf[n++] = *jp++;
	}
	jp++;
	return jalloc_str(buf, n);
}

static int
jparse_val(int depth)
{
	int me;

	jws();
	if (njn >= J_MAX || depth > 32)
		return -1;
	me = njn++;
	jnod[me] = (jnode){ .kid = -1, .next = -1 };
	if (*jp == '{' || *jp == '[') {
		bool obj = *jp == '{';
		int last = -1;
		jnod[me].type = obj ? J_OBJ : J_ARR;
		jp++;
		jws();
		if (*jp == (obj ? '}' : ']')) {
			jp++;
			return me;
		}
		for (;;) {
			char *key = NULL;
			jws();
			if (obj) {
				if ((key = jparse_str()) == NULL)
					return -1;
				jws();
				if (*jp++ != ':')
					return -1;
			}
			int k = jparse_val(depth + 1);
			if (k < 0)
				return -1;
			jnod[k].key = key;
			if (last < 0)
				jnod[me].kid = k;
			else
				jnod[last].next = k;
			last = k;
			jws();
			if (*jp == ',') {
				jp++;
				continue;
			}
			if (*jp++ != (obj ? '}' : ']'))
				return -1;
			return me;
		}
	}
	if (*jp == '"') {
		jnod[me].type = J_STR;
		return (jnod[me].str = jparse_str()) ? me : -1;
	}
	if (strncmp(jp, "true", 4) == 0 || strncmp(jp, "false", 5) == 0) {
		jnod[me].type = J_BOOL;
		jnod[me].num = *jp == 't';
		jp += *jp == 't' ? 4 : 5;
		return me;
	}
	if (strncmp(jp, "null", 4) == 0) {
		jp += 4;
		return me;
	}
	if (*jp == '-' || (*jp >= '0' && *jp <= '9')) {
		char *end;
		jnod[me].type = J_NUM;
		jnod[me].num = strtoll(jp, &end, 10);
		if (end == jp || *end == '.' || *end == 'e' || *end == 'E')
			return -1;   /* the API writes integers only */
		jp = end;
		return me;
	}
	return -1;
}

/* Parse a whole reply: one object, nothing after it. */
static int
jparse(const char *s)
{
	njn = 0;
	jarena_len = 0;
	if (jarena == NULL) {
		jarena_cap = 4u << 20;
		jarena = malloc(jarena_cap);
	}
	jp = s;
	int root = jparse_val(0);
	if (root < 0 || jnod[root].type != J_OBJ)
		return -1;
	jws();
	return *jp == 0 ? root : -1;
}

/* "hosts[1].tlsa[0].usable" */
static const jnode *
jget(const char *path)
{
	int cur = 0;
	const char *p = path;

	while (*p) {
		if (*p == '.')
			p++;
		if (*p == '[') {
			long i = strtol(p + 1, (char **)&p, 10);
			if (*p++ != ']' || jnod[cur].type != J_ARR)
				return NULL;
			int k = jnod[cur].kid;
			while (k >= 0 && i-- > 0)
				k = jnod[k].next;
			if (k < 0)
				return NULL;
			cur = k;
			continue;
		}
		size_t n = strcspn(p, ".[");
		if (jnod[cur].type != J_OBJ)
			return NULL;
		int k = jnod[cur].kid;
		while (k >= 0 && (strlen(jnod[k].key) != n || strncmp(jnod[k].key, p, n) != 0))
			k = jnod[k].next;
		if (k < 0)
			return NULL;
		cur = k;
		p += n;
	}
	return &jnod[cur];
}

static const char *
jstr(const char *path)
{
	const jnode *n = jget(path);
	if (n == NULL || n->type != J_STR)
		fail_msg("%s: no string", path);
	return n->str;
}

static long long
jint(const char *path)
{
	const jnode *n = jget(path);
	if (n == NULL || n->type != J_NUM)
		fail_msg("%s: no number", path);
	return n->num;
}

static bool
jbool(const char *path)
{
	const jnode *n = jget(path);
	if (n == NULL || n->type != J_BOOL)
		fail_msg("%s: no boolean", path);
	return n->num != 0;
}

static int
jlen(const char *path)
{
	const jnode *n = jget(path);
	int c = 0;
	if (n == NULL || n->type != J_ARR)
		fail_msg("%s: no array", path);
	for (int k = n->kid; k >= 0; k = jnod[k].next)
		c++;
	return c;
}

static bool
jhas(const char *path)
{
	return jget(path) != NULL;
}

static bool
jnull(const char *path)
{
	const jnode *n = jget(path);
	return n != NULL && n->type == J_NULL;
}

static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static const char *
fmt(const char *f, ...)
{
	static char b[8][256];
	static int i;
	va_list ap;

	i = (i + 1) % 8;
	va_start(ap, f);
	vsnprintf(b[i], sizeof(b[i]), f, ap);
	va_end(ap);
	return b[i];
}

#define assert_str(path, want) assert_string_equal(jstr(path), want)
#define assert_contains(path, want) do { \
	const char *got_ = jstr(path); \
	if (strstr(got_, want) == NULL) \
		fail_msg("%s: '%s' lacks '%s'", path, got_, want); \
} while (0)

/* ---- the scripted resolver ---- */

typedef struct srr {
	uint8_t owner[NAME_MAX_WIRE];
	uint16_t type;
	uint16_t rdlen;
	uint8_t rdata[2048 + 8];
} srr;

typedef struct ans {
	uint8_t qname[NAME_MAX_WIRE];
	uint16_t qtype;
	unsigned rcode;
	sec_status status;
	bool has_ede;
	uint16_t ede;
	const char *reason;
	int fail_rc;           /* resolve() returns this (no callback) */
	srr rr[44];
	size_t n;
} ans;

#define MAX_ANS 128
static ans table[MAX_ANS];
static size_t ntable;

enum mode { M_SYNC, M_FIFO, M_LIFO, M_RANDOM, M_MIXED, M_COUNT };
static const char *const mode_name[] = { "sync", "fifo", "lifo", "random", "mixed" };

typedef struct pend {
	uint8_t qname[NAME_MAX_WIRE];
	uint16_t qtype;
	eng_done_fn done;
	void *arg;
	const ans *a;
	bool queued, fired, cancelled;
} pend;

#define MAX_PEND 4096
static pend pends[MAX_PEND];
static size_t npend;
static enum mode mode;
static unsigned rnd;
static unsigned ncancel, nbadcancel, nunscripted;

static const ans unscripted = {
	.rcode = RCODE_SERVFAIL, .status = SEC_INDETERMINATE,
	.reason = "unscripted question",
};

static void
reset(void)
{
	ntable = 0;
	npend = 0;
	ncancel = nbadcancel = nunscripted = 0;
}

static ans *
script(const char *qname, uint16_t qtype, sec_status st, unsigned rcode)
{
	assert_true(ntable < MAX_ANS);
	ans *a = &table[ntable++];
	memset(a, 0, sizeof(*a));
	assert_int_equal(name_from_cstr(qname, a->qname), 0);
	a->qtype = qtype;
	a->status = st;
	a->rcode = rcode;
	return a;
}

static void
add_rr(ans *a, const char *owner, uint16_t type, const void *rd, size_t len)
{
	assert_true(a->n < sizeof(a->rr) / sizeof(a->rr[0]));
	assert_true(len <= sizeof(a->rr[0].rdata));
	srr *r = &a->rr[a->n++];
	assert_int_equal(name_from_cstr(owner, r->owner), 0);
	r->type = type;
	r->rdlen = (uint16_t)len;
	memcpy(r->rdata, rd, len);
}

static void
add_a(ans *a, const char *owner, const char *addr)
{
	uint8_t b[16];
	bool v6 = strchr(addr, ':') != NULL;
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, addr, b), 1);
	add_rr(a, owner, v6 ? RR_AAAA : RR_A, b, v6 ? 16 : 4);
}

static void
add_mx(ans *a, const char *owner, unsigned pref, const char *target)
{
	uint8_t b[2 + NAME_MAX_WIRE];
	b[0] = (uint8_t)(pref >> 8);
	b[1] = (uint8_t)pref;
	assert_int_equal(name_from_cstr(target, b + 2), 0);
	add_rr(a, owner, RR_MX, b, 2 + name_len(b + 2));
}

static void
add_srv(ans *a, const char *owner, unsigned prio, unsigned weight,
    unsigned port, const char *target)
{
	uint8_t b[6 + NAME_MAX_WIRE];
	b[0] = (uint8_t)(prio >> 8);
	b[1] = (uint8_t)prio;
	b[2] = (uint8_t)(weight >> 8);
	b[3] = (uint8_t)weight;
	b[4] = (uint8_t)(port >> 8);
	b[5] = (uint8_t)port;
	assert_int_equal(name_from_cstr(target, b + 6), 0);
	add_rr(a, owner, RR_SRV, b, 6 + name_len(b + 6));
}

static void
add_cname(ans *a, const char *owner, const char *target)
{
	uint8_t b[NAME_MAX_WIRE];
	assert_int_equal(name_from_cstr(target, b), 0);
	add_rr(a, owner, RR_CNAME, b, name_len(b));
}

static void
add_tlsa_n(ans *a, const char *owner, int u, int s, int m, size_t dlen)
{
	uint8_t b[2048 + 8];
	b[0] = (uint8_t)u;
	b[1] = (uint8_t)s;
	b[2] = (uint8_t)m;
	for (size_t i = 0; i < dlen; i++)
		b[3 + i] = (uint8_t)(0xd0 + i * 7);
	add_rr(a, owner, RR_TLSA, b, 3 + dlen);
}

static void
add_tlsa(ans *a, const char *owner, int u, int s, int m)
{
	add_tlsa_n(a, owner, u, s, m, 32);
}

/* The A and AAAA answers of a host (any of addr4/addr6 may be NULL). */
static void
host_addrs(const char *name, sec_status st, const char *addr4, const char *addr6)
{
	ans *a = script(name, RR_A, st, RCODE_NOERROR);
	if (addr4)
		add_a(a, name, addr4);
	a = script(name, RR_AAAA, st, RCODE_NOERROR);
	if (addr6)
		add_a(a, name, addr6);
}

static void
mx_answer(const char *domain, sec_status st, const char *const *hosts)
{
	ans *a = script(domain, RR_MX, st, RCODE_NOERROR);
	for (size_t i = 0; hosts[i] != NULL; i += 2)
		add_mx(a, domain, (unsigned)atoi(hosts[i]), hosts[i + 1]);
}

static const ans *
find(const uint8_t *qname, uint16_t qtype)
{
	for (size_t i = 0; i < ntable; i++)
		if (table[i].qtype == qtype && name_eq(table[i].qname, qname))
			return &table[i];
	return NULL;
}

/* Deliver one answer.  The records live only for the callback. */
static void
deliver(pend *p)
{
	const ans *a = p->a;
	eng_result res;
	msg_rr *rr = calloc(a->n ? a->n : 1, sizeof(msg_rr));

	assert_non_null(rr);
	for (size_t i = 0; i < a->n; i++) {
		rr[i].owner = malloc(name_len(a->rr[i].owner));
		rr[i].rdata = malloc(a->rr[i].rdlen ? a->rr[i].rdlen : 1);
		memcpy(rr[i].owner, a->rr[i].owner, name_len(a->rr[i].owner));
		memcpy(rr[i].rdata, a->rr[i].rdata, a->rr[i].rdlen);
		rr[i].type = a->rr[i].type;
		rr[i].rclass = CLASS_IN;
		rr[i].ttl = 300;
		rr[i].rdlen = a->rr[i].rdlen;
	}
	memset(&res, 0, sizeof(res));
	res.rcode = a->rcode;
	res.status = a->status;
	res.has_ede = a->has_ede;
	res.ede = a->ede;
	char *reason = a->reason ? strdup(a->reason) : NULL;
	res.reason = reason;
	res.count[SEC_ANSWER] = (uint16_t)a->n;
	res.rr[SEC_ANSWER] = rr;
	p->fired = true;
	p->done(p->arg, &res);
	for (size_t i = 0; i < a->n; i++) {
		free(rr[i].owner);
		free(rr[i].rdata);
	}
	free(rr);
	free(reason);
}

static unsigned nresolve;

static int
fake_resolve(void *ctx, const uint8_t *qname, uint16_t qtype, unsigned flags,
    eng_done_fn done, void *arg, eng_req **out)
{
	(void)ctx;
	*out = NULL;
	assert_int_equal(flags, 0);
	assert_true(npend < MAX_PEND);
	const ans *a = find(qname, qtype);
	nresolve++;
	if (a == NULL) {
		a = &unscripted;
		nunscripted++;
	}
	if (a->fail_rc != 0)
		return a->fail_rc;
	pend *p = &pends[npend++];
	memset(p, 0, sizeof(*p));
	name_copy(p->qname, qname);
	p->qtype = qtype;
	p->done = done;
	p->arg = arg;
	p->a = a;
	bool now = mode == M_SYNC || (mode == M_MIXED && (npend & 1));
	if (now) {
		deliver(p);     /* *out stays NULL, as the engine does */
		return 0;
	}
	p->queued = true;
	*out = (eng_req *)p;
	return 0;
}

static void
fake_cancel(void *ctx, eng_req *r)
{
	pend *p = (pend *)r;

	(void)ctx;
	/* Cancelling a finished request would be a use after free in the
	 * engine: count it as a failure. */
	if (p < pends || p >= pends + npend || !p->queued || p->fired || p->cancelled)
		nbadcancel++;
	else
		p->cancelled = true;
	ncancel++;
}

static const api_resolver fake = { NULL, fake_resolve, fake_cancel };

static size_t
npending(void)
{
	size_t n = 0;
	for (size_t i = 0; i < npend; i++)
		if (pends[i].queued && !pends[i].fired && !pends[i].cancelled)
			n++;
	return n;
}

/* Answer one pending question, chosen by the mode; false: none left. */
static bool
step(void)
{
	size_t n = npending(), pick;

	if (n == 0)
		return false;
	if (mode == M_LIFO)
		pick = n - 1;
	else if (mode == M_RANDOM || mode == M_MIXED)
		pick = (rnd = rnd * 1103515245u + 12345u) / 65536 % n;
	else
		pick = 0;
	for (size_t i = 0; i < npend; i++) {
		pend *p = &pends[i];
		if (!p->queued || p->fired || p->cancelled)
			continue;
		if (pick-- == 0) {
			deliver(p);
			return true;
		}
	}
	return false;
}

static bool
asked(const char *qname, uint16_t qtype)
{
	uint8_t n[NAME_MAX_WIRE];
	assert_int_equal(name_from_cstr(qname, n), 0);
	for (size_t i = 0; i < npend; i++)
		if (pends[i].qtype == qtype && name_eq(pends[i].qname, n))
			return true;
	return false;
}

static unsigned
nasked(uint16_t qtype)
{
	unsigned c = 0;
	for (size_t i = 0; i < npend; i++)
		if (pends[i].qtype == qtype)
			c++;
	return c;
}

/* ---- running a request ---- */

static unsigned ndone;
static char *reply;
static dane_req *cur;
static bool free_in_done;
static bool run_srv;              /* run1 starts dane_start_srv */
static dane_summary sum;          /* taken in done() */

static void
on_done(void *arg, char *json, size_t len)
{
	assert_ptr_equal(arg, &ndone);
	ndone++;
	assert_non_null(json);
	assert_int_equal(strlen(json), len);
	assert_null(strchr(json, '\n'));
	free(reply);
	reply = json;
	/* The summary is valid from done() on. */
	if (cur != NULL)
		dane_get_summary(cur, &sum);
	if (free_in_done && cur != NULL) {
		dane_free(cur);
		cur = NULL;
	}
}

/* One run in the current mode; returns the reply (the test's to free). */
static char *
run1(const char *domain, uint16_t port, bool policy_dane)
{
	uint8_t dn[NAME_MAX_WIRE];

	npend = 0;
	ndone = 0;
	ncancel = nbadcancel = nunscripted = 0;
	reply = NULL;
	rnd = 12345;
	assert_int_equal(name_from_cstr(domain, dn), 0);
	cur = NULL;
	if (run_srv)
		assert_int_equal(dane_start_srv(&fake, dn, on_done, &ndone, &cur), 0);
	else
		assert_int_equal(dane_start(&fake, dn, port, policy_dane, on_done, &ndone, &cur), 0);
	while (step())
		;
	assert_int_equal(ndone, 1);
	assert_int_equal(npending(), 0);
	assert_int_equal(ncancel, 0);
	if (cur != NULL)
		dane_free(cur);
	cur = NULL;
	assert_int_equal(ndone, 1);
	char *r = reply;
	reply = NULL;
	assert_true(jparse(r) >= 0);
	return r;
}

static char *last;

/* Run in every mode (and with dane_free inside done()); every reply must
 * be the same.  The sync reply is left parsed for the checks. */
static void
run_port(const char *domain, uint16_t port, bool policy_dane)
{
	char *ref;

	free(last);
	mode = M_SYNC;
	free_in_done = false;
	ref = run1(domain, port, policy_dane);
	for (int m = M_SYNC; m < M_COUNT; m++) {
		for (int f = 0; f < 2; f++) {
			mode = (enum mode)m;
			free_in_done = f;
			char *r = run1(domain, port, policy_dane);
			if (strcmp(r, ref) != 0)
				fail_msg("mode %s differs:\n%s\n%s", mode_name[m], ref, r);
			free(r);
		}
	}
	free_in_done = false;
	/* Leave the pend list of a sync run for asked(). */
	mode = M_SYNC;
	free(run1(domain, port, policy_dane));
	last = ref;
	assert_true(jparse(ref) >= 0);
}

static void
run(const char *domain)
{
	run_srv = false;
	run_port(domain, 25, true);
}

static void
run_srv_name(const char *name)
{
	run_srv = true;
	run_port(name, 0, false);
	run_srv = false;
}

/* ---- MX answers ---- */

static void
test_mx_bogus(void **state)
{
	(void)state;
	reset();
	ans *a = script("bogus.example", RR_MX, SEC_BOGUS, RCODE_SERVFAIL);
	a->has_ede = true;
	a->ede = 7;
	a->reason = "signature expired: RRSIG MX bogus.example.";
	run("bogus.example");
	assert_true(jbool("ok"));
	assert_str("domain", "bogus.example.");
	assert_int_equal(jint("port"), 25);
	assert_str("result", "defer");
	assert_str("mx_status", "bogus");
	assert_str("mx_rcode", "SERVFAIL");
	assert_int_equal(jint("ede"), 7);
	assert_contains("reason", "signature expired");
	assert_int_equal(jlen("hosts"), 0);
	assert_int_equal(npend, 1);

	/* Bogus with NOERROR from the engine: still defer, never its data. */
	reset();
	a = script("bogus2.example", RR_MX, SEC_BOGUS, RCODE_NOERROR);
	add_mx(a, "bogus2.example", 10, "mx.bogus2.example");
	a->has_ede = true;
	a->ede = 6;
	run("bogus2.example");
	assert_str("result", "defer");
	assert_str("mx_rcode", "SERVFAIL");
	assert_int_equal(jint("ede"), 6);
	assert_int_equal(jlen("hosts"), 0);
	assert_int_equal(npend, 1);
}

static void
test_mx_servfail(void **state)
{
	(void)state;
	reset();
	ans *a = script("fail.example", RR_MX, SEC_INDETERMINATE, RCODE_SERVFAIL);
	a->has_ede = true;
	a->ede = 22;
	a->reason = "no reachable authority";
	run("fail.example");
	assert_str("result", "defer");
	assert_str("mx_rcode", "SERVFAIL");
	assert_int_equal(jint("ede"), 22);
	assert_contains("reason", "no reachable authority");
	assert_int_equal(jlen("hosts"), 0);

	/* REFUSED is a failure too; no EDE: 0. */
	reset();
	script("refused.example", RR_MX, SEC_INDETERMINATE, RCODE_REFUSED);
	run("refused.example");
	assert_str("result", "defer");
	assert_str("mx_rcode", "REFUSED");
	assert_int_equal(jint("ede"), 0);
	assert_true(jhas("reason"));

	/* resolve() itself fails: defer, no callback from the resolver. */
	reset();
	script("nomem.example", RR_MX, SEC_SECURE, RCODE_NOERROR)->fail_rc = MX_ENOMEM;
	run("nomem.example");
	assert_str("result", "defer");
	assert_int_equal(jlen("hosts"), 0);
}

static void
test_mx_nxdomain(void **state)
{
	(void)state;
	reset();
	script("nx.example", RR_MX, SEC_SECURE, RCODE_NXDOMAIN);
	run("NX.Example.");
	assert_str("domain", "nx.example.");
	assert_str("result", "nxdomain");
	assert_str("mx_status", "secure");
	assert_str("mx_rcode", "NXDOMAIN");
	assert_false(jhas("ede"));
	assert_int_equal(jlen("hosts"), 0);
	assert_int_equal(npend, 1);

	/* Insecure NXDOMAIN is still nxdomain. */
	reset();
	script("nx2.example", RR_MX, SEC_INSECURE, RCODE_NXDOMAIN);
	run("nx2.example");
	assert_str("result", "nxdomain");
	assert_str("mx_status", "insecure");
}

static void
test_null_mx(void **state)
{
	(void)state;
	reset();
	ans *a = script("null.example", RR_MX, SEC_SECURE, RCODE_NOERROR);
	add_mx(a, "null.example", 0, ".");
	run("null.example");
	assert_str("result", "null-mx");
	assert_int_equal(jlen("hosts"), 0);
	assert_int_equal(npend, 1);

	/* A "." among real hosts is not a null MX: it is skipped. */
	reset();
	a = script("half.example", RR_MX, SEC_SECURE, RCODE_NOERROR);
	add_mx(a, "half.example", 0, ".");
	add_mx(a, "half.example", 10, "mx.half.example");
	host_addrs("mx.half.example", SEC_INSECURE, "192.0.2.1", NULL);
	run("half.example");
	assert_str("result", "ok");
	assert_int_equal(jlen("hosts"), 1);
	assert_str("hosts[0].name", "mx.half.example.");
}

static void
test_implicit_mx(void **state)
{
	(void)state;
	reset();
	script("nomx.example", RR_MX, SEC_SECURE, RCODE_NOERROR);   /* NODATA */
	host_addrs("nomx.example", SEC_SECURE, "192.0.2.10", NULL);
	script("_25._tcp.nomx.example", RR_TLSA, SEC_SECURE, RCODE_NXDOMAIN);
	run("nomx.example");
	assert_str("result", "ok");
	assert_str("mx_status", "secure");
	assert_str("mx_rcode", "NOERROR");
	assert_false(jhas("ede"));
	assert_int_equal(jlen("hosts"), 1);
	assert_str("hosts[0].name", "nomx.example.");
	assert_true(jbool("hosts[0].implicit"));
	assert_int_equal(jint("hosts[0].preference"), 0);
	assert_false(jbool("hosts[0].insecure_mx"));
	assert_str("hosts[0].addresses[0]", "192.0.2.10");
	assert_str("hosts[0].verdict", "may");
	assert_str("hosts[0].tlsa_name", "_25._tcp.nomx.example.");
	assert_str("hosts[0].tlsa_rcode", "NXDOMAIN");
	assert_int_equal(nunscripted, 0);

	/* The implicit host with DANE. */
	reset();
	script("nomx2.example", RR_MX, SEC_SECURE, RCODE_NOERROR);
	host_addrs("nomx2.example", SEC_SECURE, "192.0.2.11", "2001:db8::11");
	add_tlsa(script("_25._tcp.nomx2.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.nomx2.example", 3, 1, 1);
	run("nomx2.example");
	assert_str("hosts[0].verdict", "dane");
	assert_true(jbool("hosts[0].implicit"));
	assert_int_equal(jlen("hosts[0].addresses"), 2);
	assert_str("hosts[0].addresses[1]", "2001:db8::11");
}

static void
test_mx_order(void **state)
{
	(void)state;
	reset();
	static const char *const mx[] = {
		"20", "b.example", "10", "c.example", "10", "a.example",
		"10", "A.EXAMPLE", "30", "d.example", "20", "c.example", NULL,
	};
	mx_answer("order.example", SEC_SECURE, mx);
	for (const char *h = "abcd"; *h; h++)
		host_addrs(fmt("%c.example", *h), SEC_INSECURE, "192.0.2.20", NULL);
	run("order.example");
	assert_str("result", "ok");
	assert_int_equal(jlen("hosts"), 4);
	assert_str("hosts[0].name", "a.example.");
	assert_int_equal(jint("hosts[0].preference"), 10);
	assert_str("hosts[1].name", "c.example.");
	assert_int_equal(jint("hosts[1].preference"), 10);
	assert_str("hosts[2].name", "b.example.");
	assert_int_equal(jint("hosts[2].preference"), 20);
	assert_str("hosts[3].name", "d.example.");
	assert_int_equal(jint("hosts[3].preference"), 30);
	for (int i = 0; i < 4; i++) {
		assert_false(jbool(fmt("hosts[%d].implicit", i)));
		assert_str(fmt("hosts[%d].verdict", i), "may");
		assert_false(jhas(fmt("hosts[%d].tlsa_status", i)));
	}
	assert_int_equal(nasked(RR_A), 4);
	assert_int_equal(nasked(RR_TLSA), 0);
}

static void
test_mx_cap(void **state)
{
	(void)state;
	reset();
	ans *a = script("many.example", RR_MX, SEC_SECURE, RCODE_NOERROR);
	/* 40 hosts, preferences 40 down to 1: the 32 lowest are kept. */
	for (int i = 0; i < 40; i++) {
		add_mx(a, "many.example", (unsigned)(40 - i), fmt("h%02d.many.example", 40 - i));
		host_addrs(fmt("h%02d.many.example", 40 - i), SEC_INSECURE, "192.0.2.30", NULL);
	}
	run("many.example");
	assert_int_equal(jlen("hosts"), DANE_MAX_HOSTS);
	for (int i = 0; i < DANE_MAX_HOSTS; i++) {
		assert_int_equal(jint(fmt("hosts[%d].preference", i)), i + 1);
		assert_str(fmt("hosts[%d].name", i), fmt("h%02d.many.example.", i + 1));
	}
	assert_int_equal(nasked(RR_A), DANE_MAX_HOSTS);
	assert_false(asked("h33.many.example", RR_A));
}

/* ---- addresses ---- */

static void
test_addr_failures(void **state)
{
	(void)state;
	static const char *const mx[] = {
		"10", "bogus.f.example", "20", "fail.f.example",
		"30", "none.f.example", "40", "nx.f.example",
		"50", "bogus6.f.example", "60", "mixed.f.example", NULL,
	};
	reset();
	mx_answer("f.example", SEC_SECURE, mx);
	ans *a = script("bogus.f.example", RR_A, SEC_BOGUS, RCODE_SERVFAIL);
	a->has_ede = true;
	a->ede = 6;
	a->reason = "RRSIG A bogus.f.example. does not verify";
	script("bogus.f.example", RR_AAAA, SEC_SECURE, RCODE_NOERROR);
	script("fail.f.example", RR_A, SEC_SECURE, RCODE_NOERROR);
	script("fail.f.example", RR_AAAA, SEC_INDETERMINATE, RCODE_SERVFAIL)->reason = "timeout";
	host_addrs("none.f.example", SEC_SECURE, NULL, NULL);
	script("nx.f.example", RR_A, SEC_SECURE, RCODE_NXDOMAIN);
	script("nx.f.example", RR_AAAA, SEC_SECURE, RCODE_NXDOMAIN);
	add_a(script("bogus6.f.example", RR_A, SEC_SECURE, RCODE_NOERROR),
	    "bogus6.f.example", "192.0.2.40");
	add_a(script("bogus6.f.example", RR_AAAA, SEC_BOGUS, RCODE_NOERROR),
	    "bogus6.f.example", "2001:db8::40");
	/* One family secure with addresses, the other insecure: may. */
	add_a(script("mixed.f.example", RR_A, SEC_SECURE, RCODE_NOERROR),
	    "mixed.f.example", "192.0.2.41");
	add_a(script("mixed.f.example", RR_AAAA, SEC_INSECURE, RCODE_NOERROR),
	    "mixed.f.example", "2001:db8::41");
	run("f.example");
	assert_str("result", "ok");
	assert_int_equal(jlen("hosts"), 6);
	assert_str("hosts[0].verdict", "defer");
	assert_contains("hosts[0].reason", "bogus");
	assert_contains("hosts[0].reason", "does not verify");
	assert_str("hosts[0].address_status", "bogus");
	assert_str("hosts[1].verdict", "defer");
	assert_contains("hosts[1].reason", "failed");
	assert_str("hosts[2].verdict", "defer");
	assert_contains("hosts[2].reason", "no addresses");
	assert_int_equal(jlen("hosts[2].addresses"), 0);
	assert_str("hosts[3].verdict", "defer");
	assert_str("hosts[4].verdict", "defer");
	assert_contains("hosts[4].reason", "bogus");
	/* Bogus addresses are never given out. */
	assert_int_equal(jlen("hosts[4].addresses"), 1);
	assert_str("hosts[4].addresses[0]", "192.0.2.40");
	assert_str("hosts[5].verdict", "may");
	assert_str("hosts[5].address_status", "insecure");
	for (int i = 0; i < 6; i++)
		assert_false(jhas(fmt("hosts[%d].tlsa_name", i)));
	assert_int_equal(nasked(RR_TLSA), 0);

	/* resolve() fails for one address lookup: defer that host. */
	reset();
	static const char *const mx2[] = { "10", "mx.g.example", NULL };
	mx_answer("g.example", SEC_SECURE, mx2);
	add_a(script("mx.g.example", RR_A, SEC_SECURE, RCODE_NOERROR), "mx.g.example", "192.0.2.42");
	script("mx.g.example", RR_AAAA, SEC_SECURE, RCODE_NOERROR)->fail_rc = MX_ENOMEM;
	run("g.example");
	assert_str("hosts[0].verdict", "defer");
	assert_int_equal(nasked(RR_TLSA), 0);
}

static void
test_insecure_addresses(void **state)
{
	(void)state;
	static const char *const mx[] = { "10", "mx.i.example", NULL };
	reset();
	mx_answer("i.example", SEC_SECURE, mx);
	host_addrs("mx.i.example", SEC_INSECURE, "192.0.2.50", "2001:db8::50");
	add_tlsa(script("_25._tcp.mx.i.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.mx.i.example", 3, 1, 1);
	run("i.example");
	assert_str("hosts[0].verdict", "may");
	assert_str("hosts[0].address_status", "insecure");
	assert_false(jhas("hosts[0].tlsa_base"));
	assert_false(jhas("hosts[0].tlsa_status"));
	assert_false(asked("_25._tcp.mx.i.example", RR_TLSA));
	assert_int_equal(nasked(RR_TLSA), 0);

	/* Indeterminate (no anchor) addresses: not secure either. */
	reset();
	mx_answer("i.example", SEC_SECURE, mx);
	host_addrs("mx.i.example", SEC_INDETERMINATE, "192.0.2.50", NULL);
	run("i.example");
	assert_str("hosts[0].verdict", "may");
	assert_int_equal(nasked(RR_TLSA), 0);
}

/* ---- the MX RRset insecure ---- */

static void
test_insecure_mx(void **state)
{
	(void)state;
	static const char *const mx[] = { "10", "mx.secure.example", NULL };

	reset();
	mx_answer("insec.example", SEC_INSECURE, mx);
	host_addrs("mx.secure.example", SEC_SECURE, "192.0.2.60", NULL);
	add_tlsa(script("_25._tcp.mx.secure.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.mx.secure.example", 3, 1, 1);
	/* insecure-mx-policy dane: the TLSA records are used. */
	run_port("insec.example", 25, true);
	assert_str("result", "ok");
	assert_str("mx_status", "insecure");
	assert_true(jbool("hosts[0].insecure_mx"));
	assert_str("hosts[0].verdict", "dane");
	assert_true(asked("_25._tcp.mx.secure.example", RR_TLSA));

	/* insecure-mx-policy may: opportunistic, no TLSA lookup. */
	run_port("insec.example", 25, false);
	assert_str("hosts[0].verdict", "may");
	assert_false(jbool("hosts[0].insecure_mx"));
	assert_contains("hosts[0].reason", "insecure");
	assert_int_equal(nasked(RR_TLSA), 0);

	/* A secure MX RRset is not affected by the policy. */
	reset();
	mx_answer("sec.example", SEC_SECURE, mx);
	host_addrs("mx.secure.example", SEC_SECURE, "192.0.2.60", NULL);
	add_tlsa(script("_25._tcp.mx.secure.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.mx.secure.example", 3, 1, 1);
	run_port("sec.example", 25, false);
	assert_str("hosts[0].verdict", "dane");
	assert_false(jbool("hosts[0].insecure_mx"));
}

/* ---- CNAME'd hosts (RFC 7672 2.2.3) ---- */

/* mx.alias.example -> mx.target.example, with the given TLSA answers. */
static void
alias_world(const char *domain)
{
	static const char *const mx[] = { "10", "mx.alias.example", NULL };
	mx_answer(domain, SEC_SECURE, mx);
	ans *a = script("mx.alias.example", RR_A, SEC_SECURE, RCODE_NOERROR);
	add_cname(a, "mx.alias.example", "mx.target.example");
	add_a(a, "mx.target.example", "192.0.2.70");
	a = script("mx.alias.example", RR_AAAA, SEC_SECURE, RCODE_NOERROR);
	add_cname(a, "mx.alias.example", "mx.target.example");
}

static void
test_cname_host(void **state)
{
	(void)state;

	/* TLSA at the expanded name: used, no fallback. */
	reset();
	alias_world("c1.example");
	add_tlsa(script("_25._tcp.mx.target.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.mx.target.example", 3, 1, 1);
	add_tlsa(script("_25._tcp.mx.alias.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.mx.alias.example", 0, 0, 1);
	run("c1.example");
	assert_str("hosts[0].name", "mx.alias.example.");
	assert_str("hosts[0].canonical", "mx.target.example.");
	assert_int_equal(jlen("hosts[0].cname"), 1);
	assert_str("hosts[0].cname[0].name", "mx.alias.example.");
	assert_str("hosts[0].cname[0].target", "mx.target.example.");
	assert_str("hosts[0].addresses[0]", "192.0.2.70");
	assert_str("hosts[0].tlsa_base", "mx.target.example.");
	assert_str("hosts[0].tlsa_name", "_25._tcp.mx.target.example.");
	assert_str("hosts[0].verdict", "dane");
	assert_false(asked("_25._tcp.mx.alias.example", RR_TLSA));

	/* Securely nothing at the expanded name: the original next. */
	for (int nodata = 0; nodata < 2; nodata++) {
		reset();
		alias_world("c2.example");
		script("_25._tcp.mx.target.example", RR_TLSA, SEC_SECURE,
		    nodata ? RCODE_NOERROR : RCODE_NXDOMAIN);
		add_tlsa(script("_25._tcp.mx.alias.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
		    "_25._tcp.mx.alias.example", 2, 0, 2);
		run("c2.example");
		assert_str("hosts[0].tlsa_base", "mx.alias.example.");
		assert_str("hosts[0].tlsa_name", "_25._tcp.mx.alias.example.");
		assert_str("hosts[0].tlsa_status", "secure");
		assert_str("hosts[0].verdict", "dane");
		assert_true(asked("_25._tcp.mx.target.example", RR_TLSA));
		assert_true(asked("_25._tcp.mx.alias.example", RR_TLSA));
	}

	/* Nothing at either: may, after both lookups. */
	reset();
	alias_world("c3.example");
	script("_25._tcp.mx.target.example", RR_TLSA, SEC_SECURE, RCODE_NXDOMAIN);
	script("_25._tcp.mx.alias.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR);
	run("c3.example");
	assert_str("hosts[0].verdict", "may");
	assert_str("hosts[0].tlsa_base", "mx.alias.example.");
	assert_int_equal(nasked(RR_TLSA), 2);

	/* An error at the expanded name: defer, no fallback. */
	for (int bogus = 0; bogus < 2; bogus++) {
		reset();
		alias_world("c4.example");
		script("_25._tcp.mx.target.example", RR_TLSA,
		    bogus ? SEC_BOGUS : SEC_INDETERMINATE, RCODE_SERVFAIL);
		add_tlsa(script("_25._tcp.mx.alias.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
		    "_25._tcp.mx.alias.example", 3, 1, 1);
		run("c4.example");
		assert_str("hosts[0].verdict", "defer");
		assert_str("hosts[0].tlsa_base", "mx.target.example.");
		assert_false(asked("_25._tcp.mx.alias.example", RR_TLSA));
	}

	/* Insecure at the expanded name: may, no fallback. */
	reset();
	alias_world("c5.example");
	script("_25._tcp.mx.target.example", RR_TLSA, SEC_INSECURE, RCODE_NXDOMAIN);
	add_tlsa(script("_25._tcp.mx.alias.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.mx.alias.example", 3, 1, 1);
	run("c5.example");
	assert_str("hosts[0].verdict", "may");
	assert_false(asked("_25._tcp.mx.alias.example", RR_TLSA));

	/* A host that is not an alias: one TLSA lookup only. */
	reset();
	static const char *const mx[] = { "10", "mx.plain.example", NULL };
	mx_answer("c6.example", SEC_SECURE, mx);
	host_addrs("mx.plain.example", SEC_SECURE, "192.0.2.71", NULL);
	script("_25._tcp.mx.plain.example", RR_TLSA, SEC_SECURE, RCODE_NXDOMAIN);
	run("c6.example");
	assert_str("hosts[0].verdict", "may");
	assert_int_equal(jlen("hosts[0].cname"), 0);
	assert_str("hosts[0].canonical", "mx.plain.example.");
	assert_int_equal(nasked(RR_TLSA), 1);
}

/* ---- TLSA answers ---- */

static void
one_host(const char *domain, const char *host)
{
	const char *mx[] = { "10", host, NULL };
	mx_answer(domain, SEC_SECURE, mx);
	host_addrs(host, SEC_SECURE, "192.0.2.80", "2001:db8::80");
}

static void
test_tlsa_usable(void **state)
{
	(void)state;
	for (int u = 0; u < 5; u++)
		for (int s = 0; s < 3; s++)
			for (int m = 0; m < 4; m++) {
				reset();
				one_host("u.example", "mx.u.example");
				add_tlsa(script("_25._tcp.mx.u.example", RR_TLSA, SEC_SECURE,
				    RCODE_NOERROR), "_25._tcp.mx.u.example", u, s, m);
				run("u.example");
				bool usable = (u == 2 || u == 3) && s <= 1 && m <= 2;
				assert_str("hosts[0].verdict", usable ? "dane" : "encrypt");
				assert_str("hosts[0].tlsa_status", "secure");
				assert_str("hosts[0].tlsa_rcode", "NOERROR");
				assert_int_equal(jlen("hosts[0].tlsa"), 1);
				assert_int_equal(jint("hosts[0].tlsa[0].usage"), u);
				assert_int_equal(jint("hosts[0].tlsa[0].selector"), s);
				assert_int_equal(jint("hosts[0].tlsa[0].matching_type"), m);
				assert_int_equal(jbool("hosts[0].tlsa[0].usable"), usable);
				assert_str("hosts[0].tlsa[0].rdata",
				    fmt("%d %d %d %s", u, s, m, jstr("hosts[0].tlsa[0].data")));
				assert_int_equal(strlen(jstr("hosts[0].tlsa[0].data")), 64);
				assert_true(strncmp(jstr("hosts[0].tlsa[0].data"), "D0D7DE", 6) == 0);
			}

	/* PKIX records next to a usable one: dane; each flagged. */
	reset();
	one_host("mix.example", "mx.mix.example");
	ans *a = script("_25._tcp.mx.mix.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR);
	add_tlsa(a, "_25._tcp.mx.mix.example", 0, 0, 1);
	add_tlsa(a, "_25._tcp.mx.mix.example", 1, 1, 1);
	add_tlsa(a, "_25._tcp.mx.mix.example", 3, 1, 2);
	run("mix.example");
	assert_str("hosts[0].verdict", "dane");
	assert_int_equal(jlen("hosts[0].tlsa"), 3);
	assert_false(jbool("hosts[0].tlsa[0].usable"));
	assert_false(jbool("hosts[0].tlsa[1].usable"));
	assert_true(jbool("hosts[0].tlsa[2].usable"));

	/* Only PKIX: encrypt. */
	reset();
	one_host("pkix.example", "mx.pkix.example");
	a = script("_25._tcp.mx.pkix.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR);
	add_tlsa(a, "_25._tcp.mx.pkix.example", 0, 0, 1);
	add_tlsa(a, "_25._tcp.mx.pkix.example", 1, 1, 1);
	run("pkix.example");
	assert_str("hosts[0].verdict", "encrypt");

	/* Big association data (a full certificate): all of it. */
	reset();
	one_host("big.example", "mx.big.example");
	add_tlsa_n(script("_25._tcp.mx.big.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.mx.big.example", 3, 0, 0, 2000);
	run("big.example");
	assert_str("hosts[0].verdict", "dane");
	assert_int_equal(strlen(jstr("hosts[0].tlsa[0].data")), 4000);
	assert_int_equal(strlen(jstr("hosts[0].tlsa[0].rdata")), 4006);

	/* Other types at the TLSA name (a CNAME'd TLSA owner, RFC 7671 7). */
	reset();
	one_host("tc.example", "mx.tc.example");
	a = script("_25._tcp.mx.tc.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR);
	add_cname(a, "_25._tcp.mx.tc.example", "tlsa.tc.example");
	add_tlsa(a, "tlsa.tc.example", 3, 1, 1);
	run("tc.example");
	assert_str("hosts[0].verdict", "dane");
	assert_int_equal(jlen("hosts[0].tlsa"), 1);

	/* Port 587 asks for _587._tcp. */
	reset();
	one_host("p.example", "mx.p.example");
	add_tlsa(script("_587._tcp.mx.p.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_587._tcp.mx.p.example", 3, 1, 1);
	run_port("p.example", 587, true);
	assert_int_equal(jint("port"), 587);
	assert_str("hosts[0].tlsa_name", "_587._tcp.mx.p.example.");
	assert_str("hosts[0].verdict", "dane");
}

static void
test_tlsa_denial_insecure_failure(void **state)
{
	(void)state;
	static const struct {
		sec_status st;
		unsigned rcode;
		bool records;
		const char *verdict, *status, *rcode_name;
	} cases[] = {
		{ SEC_SECURE, RCODE_NXDOMAIN, false, "may", "secure", "NXDOMAIN" },
		{ SEC_SECURE, RCODE_NOERROR, false, "may", "secure", "NOERROR" },
		{ SEC_INSECURE, RCODE_NOERROR, true, "may", "insecure", "NOERROR" },
		{ SEC_INSECURE, RCODE_NXDOMAIN, false, "may", "insecure", "NXDOMAIN" },
		{ SEC_BOGUS, RCODE_SERVFAIL, false, "defer", "bogus", "SERVFAIL" },
		{ SEC_BOGUS, RCODE_NOERROR, true, "defer", "bogus", "SERVFAIL" },
		{ SEC_INDETERMINATE, RCODE_SERVFAIL, false, "defer", "indeterminate", "SERVFAIL" },
		{ SEC_SECURE, RCODE_REFUSED, false, "defer", "secure", "REFUSED" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reset();
		one_host("t.example", "mx.t.example");
		ans *a = script("_25._tcp.mx.t.example", RR_TLSA, cases[i].st, cases[i].rcode);
		if (cases[i].records)
			add_tlsa(a, "_25._tcp.mx.t.example", 3, 1, 1);
		if (cases[i].st == SEC_BOGUS) {
			a->has_ede = true;
			a->ede = 6;
			a->reason = "RRSIG TLSA does not verify";
		}
		run("t.example");
		assert_str("hosts[0].verdict", cases[i].verdict);
		assert_str("hosts[0].tlsa_status", cases[i].status);
		assert_str("hosts[0].tlsa_rcode", cases[i].rcode_name);
		if (cases[i].st == SEC_BOGUS) {
			assert_int_equal(jlen("hosts[0].tlsa"), 0);
			assert_contains("hosts[0].reason", "does not verify");
		}
		if (cases[i].st == SEC_INSECURE && cases[i].records)
			assert_int_equal(jlen("hosts[0].tlsa"), 1);
		assert_int_equal(nasked(RR_TLSA), 1);
	}

	/* resolve() fails for the TLSA lookup: defer. */
	reset();
	one_host("t2.example", "mx.t2.example");
	script("_25._tcp.mx.t2.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR)->fail_rc = MX_ENOMEM;
	run("t2.example");
	assert_str("hosts[0].verdict", "defer");
}

/* Several hosts, every kind of verdict, in one reply. */
static void
test_mixed_hosts(void **state)
{
	(void)state;
	static const char *const mx[] = {
		"10", "dane.m.example", "20", "enc.m.example", "30", "may.m.example",
		"40", "defer.m.example", "50", "insec.m.example", NULL,
	};
	reset();
	mx_answer("m.example", SEC_SECURE, mx);
	host_addrs("dane.m.example", SEC_SECURE, "192.0.2.91", NULL);
	add_tlsa(script("_25._tcp.dane.m.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.dane.m.example", 3, 1, 1);
	host_addrs("enc.m.example", SEC_SECURE, NULL, "2001:db8::92");
	add_tlsa(script("_25._tcp.enc.m.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.enc.m.example", 1, 1, 1);
	host_addrs("may.m.example", SEC_SECURE, "192.0.2.93", NULL);
	script("_25._tcp.may.m.example", RR_TLSA, SEC_SECURE, RCODE_NXDOMAIN);
	host_addrs("defer.m.example", SEC_SECURE, "192.0.2.94", NULL);
	script("_25._tcp.defer.m.example", RR_TLSA, SEC_BOGUS, RCODE_SERVFAIL);
	host_addrs("insec.m.example", SEC_INSECURE, "192.0.2.95", NULL);
	run("m.example");
	assert_str("result", "ok");
	assert_int_equal(jlen("hosts"), 5);
	assert_str("hosts[0].verdict", "dane");
	assert_str("hosts[1].verdict", "encrypt");
	assert_str("hosts[1].addresses[0]", "2001:db8::92");
	assert_str("hosts[2].verdict", "may");
	assert_str("hosts[3].verdict", "defer");
	assert_str("hosts[4].verdict", "may");
	assert_int_equal(nasked(RR_TLSA), 4);
	assert_int_equal(nunscripted, 0);
}

/* ---- the deadline and freeing early ---- */

static void
start_async(const char *domain)
{
	uint8_t dn[NAME_MAX_WIRE];

	mode = M_FIFO;
	npend = 0;
	ndone = 0;
	ncancel = nbadcancel = 0;
	free(reply);
	reply = NULL;
	free_in_done = false;
	assert_int_equal(name_from_cstr(domain, dn), 0);
	cur = NULL;
	assert_int_equal(dane_start(&fake, dn, 25, true, on_done, &ndone, &cur), 0);
	assert_non_null(cur);
}

/* Answer the pending lookup for qname/qtype. */
static void
answer(const char *qname, uint16_t qtype)
{
	uint8_t n[NAME_MAX_WIRE];
	assert_int_equal(name_from_cstr(qname, n), 0);
	for (size_t i = 0; i < npend; i++) {
		pend *p = &pends[i];
		if (p->qtype == qtype && name_eq(p->qname, n) && p->queued &&
		    !p->fired && !p->cancelled) {
			deliver(p);
			return;
		}
	}
	fail_msg("%s/%u is not pending", qname, qtype);
}

static void
test_expire(void **state)
{
	(void)state;
	static const char *const mx[] = {
		"10", "done.e.example", "20", "tlsa.e.example", "30", "addr.e.example", NULL,
	};

	reset();
	mx_answer("e.example", SEC_SECURE, mx);
	for (const char *const *h = (const char *const []){ "done.e.example",
	    "tlsa.e.example", "addr.e.example", NULL }; *h; h++) {
		host_addrs(*h, SEC_SECURE, "192.0.2.100", NULL);
		add_tlsa(script(fmt("_25._tcp.%s", *h), RR_TLSA, SEC_SECURE, RCODE_NOERROR),
		    fmt("_25._tcp.%s", *h), 3, 1, 1);
	}
	start_async("e.example");
	answer("e.example", RR_MX);
	answer("done.e.example", RR_A);
	answer("done.e.example", RR_AAAA);
	answer("_25._tcp.done.e.example", RR_TLSA);
	answer("tlsa.e.example", RR_A);
	answer("tlsa.e.example", RR_AAAA);
	answer("addr.e.example", RR_A);
	/* Pending: TLSA of tlsa.e, AAAA of addr.e. */
	assert_int_equal(npending(), 2);
	assert_int_equal(ndone, 0);
	dane_expire(cur);
	assert_int_equal(ndone, 1);
	assert_int_equal(npending(), 0);
	assert_int_equal(ncancel, 2);
	assert_int_equal(nbadcancel, 0);
	/* Again, and then freeing: nothing more. */
	dane_expire(cur);
	assert_int_equal(ndone, 1);
	dane_free(cur);
	cur = NULL;
	assert_int_equal(ncancel, 2);
	assert_true(jparse(reply) >= 0);
	assert_str("result", "ok");
	assert_int_equal(jlen("hosts"), 3);
	assert_str("hosts[0].verdict", "dane");
	assert_str("hosts[1].verdict", "defer");
	assert_str("hosts[1].reason", "timeout");
	assert_str("hosts[1].tlsa_name", "_25._tcp.tlsa.e.example.");
	assert_false(jhas("hosts[1].tlsa_status"));
	assert_str("hosts[2].verdict", "defer");
	assert_str("hosts[2].reason", "timeout");
	assert_false(jhas("hosts[2].tlsa_name"));

	/* The deadline before the MX answer. */
	reset();
	mx_answer("e.example", SEC_SECURE, mx);
	start_async("e.example");
	dane_expire(cur);
	assert_int_equal(ndone, 1);
	assert_int_equal(ncancel, 1);
	assert_int_equal(nbadcancel, 0);
	dane_free(cur);
	cur = NULL;
	assert_true(jparse(reply) >= 0);
	assert_str("result", "defer");
	assert_contains("reason", "timeout");
	assert_str("mx_status", "indeterminate");
	assert_int_equal(jlen("hosts"), 0);

	/* dane_free inside done() called from dane_expire. */
	reset();
	mx_answer("e.example", SEC_SECURE, mx);
	start_async("e.example");
	answer("e.example", RR_MX);
	free_in_done = true;
	dane_expire(cur);
	assert_int_equal(ndone, 1);
	assert_null(cur);
	assert_int_equal(ncancel, 6);
	assert_int_equal(nbadcancel, 0);
	free_in_done = false;
}

static void
test_free_early(void **state)
{
	(void)state;
	static const char *const mx[] = { "10", "a.fe.example", "20", "b.fe.example", NULL };

	/* Before the MX answer. */
	reset();
	mx_answer("fe.example", SEC_SECURE, mx);
	start_async("fe.example");
	dane_free(cur);
	cur = NULL;
	assert_int_equal(ndone, 0);
	assert_int_equal(ncancel, 1);
	assert_int_equal(nbadcancel, 0);
	assert_int_equal(npending(), 0);

	/* With address and TLSA lookups in flight. */
	reset();
	mx_answer("fe.example", SEC_SECURE, mx);
	host_addrs("a.fe.example", SEC_SECURE, "192.0.2.110", NULL);
	host_addrs("b.fe.example", SEC_SECURE, "192.0.2.111", NULL);
	start_async("fe.example");
	answer("fe.example", RR_MX);
	answer("a.fe.example", RR_A);
	answer("a.fe.example", RR_AAAA);
	assert_int_equal(npending(), 3);   /* TLSA of a, A and AAAA of b */
	dane_free(cur);
	cur = NULL;
	assert_int_equal(ndone, 0);
	assert_int_equal(ncancel, 3);
	assert_int_equal(nbadcancel, 0);
	assert_int_equal(npending(), 0);
}

/* ---- TLS-RPT result types and the summary (RFC 8460 4.3.2) ---- */

static void
test_tlsrpt_results(void **state)
{
	(void)state;
	static const char *const mx[] = {
		"10", "dane.t.example", "20", "enc.t.example", "30", "may.t.example",
		"40", "defer.t.example", "50", "insec.t.example", NULL,
	};

	reset();
	mx_answer("t.example", SEC_SECURE, mx);
	host_addrs("dane.t.example", SEC_SECURE, "192.0.2.91", NULL);
	add_tlsa(script("_25._tcp.dane.t.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.dane.t.example", 3, 1, 1);
	host_addrs("enc.t.example", SEC_SECURE, "192.0.2.92", NULL);
	add_tlsa(script("_25._tcp.enc.t.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_25._tcp.enc.t.example", 0, 1, 1);
	host_addrs("may.t.example", SEC_SECURE, "192.0.2.93", NULL);
	script("_25._tcp.may.t.example", RR_TLSA, SEC_SECURE, RCODE_NXDOMAIN);
	host_addrs("defer.t.example", SEC_SECURE, "192.0.2.94", NULL);
	script("_25._tcp.defer.t.example", RR_TLSA, SEC_BOGUS, RCODE_SERVFAIL);
	host_addrs("insec.t.example", SEC_INSECURE, "192.0.2.95", NULL);
	run("t.example");
	assert_true(jnull("tlsrpt_result"));
	assert_true(jnull("hosts[0].tlsrpt_result"));
	assert_str("hosts[1].tlsrpt_result", "tlsa-invalid");
	assert_str("hosts[2].tlsrpt_result", "dane-required");
	assert_str("hosts[3].tlsrpt_result", "dnssec-invalid");
	assert_str("hosts[4].tlsrpt_result", "dane-required");
	/* The summary says the same. */
	assert_string_equal(sum.result, "ok");
	assert_int_equal(sum.mx_status, SEC_SECURE);
	assert_null(sum.tlsrpt);
	assert_int_equal(sum.nhosts, 5);
	assert_int_equal(sum.ndane, 1);
	assert_int_equal(sum.nencrypt, 1);
	assert_int_equal(sum.nmay, 2);
	assert_int_equal(sum.ndefer, 1);
	assert_string_equal(sum.hosts[0].name, "dane.t.example");
	assert_int_equal(sum.hosts[0].port, 25);
	assert_string_equal(sum.hosts[0].verdict, "dane");
	assert_null(sum.hosts[0].tlsrpt);
	assert_string_equal(sum.hosts[0].reason, "secure TLSA records: 1 of 1 usable");
	assert_string_equal(sum.hosts[1].tlsrpt, "tlsa-invalid");
	assert_string_equal(sum.hosts[2].tlsrpt, "dane-required");
	assert_string_equal(sum.hosts[3].verdict, "defer");
	assert_string_equal(sum.hosts[3].tlsrpt, "dnssec-invalid");
	assert_string_equal(sum.hosts[4].tlsrpt, "dane-required");

	/* No host with dane: "may" is no failure; no addresses is none
	 * either; a failed address lookup is. */
	static const char *const mx2[] = {
		"10", "may.u.example", "20", "none.u.example", "30", "fail.u.example", NULL,
	};
	reset();
	mx_answer("u.example", SEC_SECURE, mx2);
	host_addrs("may.u.example", SEC_INSECURE, "192.0.2.96", NULL);
	host_addrs("none.u.example", SEC_SECURE, NULL, NULL);
	script("fail.u.example", RR_A, SEC_INDETERMINATE, RCODE_SERVFAIL);
	script("fail.u.example", RR_AAAA, SEC_SECURE, RCODE_NOERROR);
	run("u.example");
	assert_true(jnull("hosts[0].tlsrpt_result"));
	assert_str("hosts[1].verdict", "defer");
	assert_true(jnull("hosts[1].tlsrpt_result"));
	assert_str("hosts[2].tlsrpt_result", "dnssec-invalid");
	assert_null(sum.hosts[1].tlsrpt);

	/* A bogus MX RRset fails the whole domain. */
	reset();
	script("b.example", RR_MX, SEC_BOGUS, RCODE_SERVFAIL);
	run("b.example");
	assert_str("tlsrpt_result", "dnssec-invalid");
	assert_string_equal(sum.result, "defer");
	assert_int_equal(sum.mx_status, SEC_BOGUS);
	assert_string_equal(sum.tlsrpt, "dnssec-invalid");
	assert_string_equal(sum.reason, "MX lookup bogus: validation failed");
	assert_int_equal(sum.nhosts, 0);
	/* NXDOMAIN is an answer, not a failure. */
	reset();
	script("nx.example", RR_MX, SEC_SECURE, RCODE_NXDOMAIN);
	run("nx.example");
	assert_true(jnull("tlsrpt_result"));
	assert_string_equal(sum.result, "nxdomain");
	assert_null(sum.tlsrpt);
	assert_string_equal(sum.reason, "");
}

/* A host still running at the deadline is a dnssec-invalid failure, and
 * the summary of an expired request is complete. */
static void
test_tlsrpt_timeout(void **state)
{
	(void)state;
	static const char *const mx[] = { "10", "a.to.example", NULL };

	reset();
	mx_answer("to.example", SEC_SECURE, mx);
	host_addrs("a.to.example", SEC_SECURE, "192.0.2.100", NULL);
	start_async("to.example");
	answer("to.example", RR_MX);
	dane_expire(cur);
	assert_int_equal(ndone, 1);
	dane_get_summary(cur, &sum);
	assert_string_equal(sum.hosts[0].verdict, "defer");
	assert_string_equal(sum.hosts[0].tlsrpt, "dnssec-invalid");
	assert_string_equal(sum.hosts[0].reason, "timeout");
	dane_free(cur);
	cur = NULL;
	assert_true(jparse(reply) >= 0);
	assert_str("hosts[0].tlsrpt_result", "dnssec-invalid");

	reset();
	mx_answer("to.example", SEC_SECURE, mx);
	start_async("to.example");
	dane_expire(cur);
	dane_get_summary(cur, &sum);
	assert_string_equal(sum.result, "defer");
	assert_int_equal(sum.mx_status, SEC_INDETERMINATE);
	assert_string_equal(sum.tlsrpt, "dnssec-invalid");
	assert_non_null(strstr(sum.reason, "timeout"));
	dane_free(cur);
	cur = NULL;
	free(reply);
	reply = NULL;
}

/* ---- SRV (RFC 7673, RFC 6186) ---- */

static void
test_srv(void **state)
{
	(void)state;

	reset();
	ans *a = script("_submission._tcp.s.example", RR_SRV, SEC_SECURE, RCODE_NOERROR);
	add_srv(a, "_submission._tcp.s.example", 20, 0, 587, "backup.s.example");
	add_srv(a, "_submission._tcp.s.example", 10, 5, 587, "light.s.example");
	add_srv(a, "_submission._tcp.s.example", 10, 50, 2587, "Heavy.s.example");
	add_srv(a, "_submission._tcp.s.example", 10, 50, 2587, "heavy.s.example");
	add_srv(a, "_submission._tcp.s.example", 30, 0, 587, "alias.s.example");
	host_addrs("heavy.s.example", SEC_SECURE, "192.0.2.1", NULL);
	add_tlsa(script("_2587._tcp.heavy.s.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_2587._tcp.heavy.s.example", 3, 1, 1);
	host_addrs("light.s.example", SEC_SECURE, NULL, "2001:db8::2");
	script("_587._tcp.light.s.example", RR_TLSA, SEC_SECURE, RCODE_NXDOMAIN);
	host_addrs("backup.s.example", SEC_SECURE, "192.0.2.3", NULL);
	add_tlsa(script("_587._tcp.backup.s.example", RR_TLSA, SEC_SECURE, RCODE_NOERROR),
	    "_587._tcp.backup.s.example", 2, 0, 1);
	/* A target that is an alias: the TLSA base stays the target. */
	a = script("alias.s.example", RR_A, SEC_SECURE, RCODE_NOERROR);
	add_cname(a, "alias.s.example", "real.s.example");
	add_a(a, "real.s.example", "192.0.2.4");
	a = script("alias.s.example", RR_AAAA, SEC_SECURE, RCODE_NOERROR);
	add_cname(a, "alias.s.example", "real.s.example");
	script("_587._tcp.alias.s.example", RR_TLSA, SEC_SECURE, RCODE_NXDOMAIN);
	run_srv_name("_SUBMISSION._tcp.s.example");
	assert_str("service", "_submission._tcp.s.example.");
	assert_str("domain", "s.example.");
	assert_false(jhas("port"));
	assert_str("result", "ok");
	assert_str("mx_status", "secure");
	assert_true(jnull("tlsrpt_result"));
	/* Priority, then the higher weight; the duplicate goes. */
	assert_int_equal(jlen("hosts"), 4);
	assert_str("hosts[0].name", "heavy.s.example.");
	assert_int_equal(jint("hosts[0].priority"), 10);
	assert_int_equal(jint("hosts[0].weight"), 50);
	assert_int_equal(jint("hosts[0].port"), 2587);
	assert_false(jhas("hosts[0].preference"));
	assert_false(jhas("hosts[0].implicit"));
	assert_str("hosts[0].tlsa_name", "_2587._tcp.heavy.s.example.");
	assert_str("hosts[0].verdict", "dane");
	assert_str("hosts[1].name", "light.s.example.");
	assert_int_equal(jint("hosts[1].weight"), 5);
	assert_str("hosts[1].verdict", "may");
	assert_str("hosts[1].tlsrpt_result", "dane-required");
	assert_str("hosts[2].name", "backup.s.example.");
	assert_str("hosts[2].verdict", "dane");
	assert_str("hosts[3].name", "alias.s.example.");
	assert_str("hosts[3].canonical", "real.s.example.");
	assert_str("hosts[3].tlsa_base", "alias.s.example.");
	assert_str("hosts[3].verdict", "may");
	assert_false(asked("_587._tcp.real.s.example", RR_TLSA));
	assert_int_equal(nunscripted, 0);
	assert_string_equal(sum.hosts[0].name, "heavy.s.example");
	assert_int_equal(sum.hosts[0].port, 2587);
	assert_int_equal(sum.ndane, 2);
	assert_int_equal(sum.nmay, 2);

	/* RFC 7673 3.1: an insecure SRV RRset: no TLSA lookups, may. */
	reset();
	a = script("_imaps._tcp.i.example", RR_SRV, SEC_INSECURE, RCODE_NOERROR);
	add_srv(a, "_imaps._tcp.i.example", 0, 0, 993, "imap.i.example");
	host_addrs("imap.i.example", SEC_SECURE, "192.0.2.5", NULL);
	run_srv_name("_imaps._tcp.i.example");
	assert_str("mx_status", "insecure");
	assert_str("hosts[0].verdict", "may");
	assert_contains("hosts[0].reason", "RFC 7673 3.1");
	assert_true(jnull("hosts[0].tlsrpt_result"));
	assert_int_equal(nasked(RR_TLSA), 0);
	assert_int_equal(nunscripted, 0);
}

static void
test_srv_results(void **state)
{
	(void)state;
	dane_req *d;
	uint8_t n[NAME_MAX_WIRE];

	/* RFC 2782: a target of "." says the service is not offered. */
	reset();
	ans *a = script("_submissions._tcp.n.example", RR_SRV, SEC_SECURE, RCODE_NOERROR);
	add_srv(a, "_submissions._tcp.n.example", 0, 0, 0, ".");
	run_srv_name("_submissions._tcp.n.example");
	assert_str("result", "no-service");
	assert_int_equal(jlen("hosts"), 0);
	assert_false(jhas("reason"));
	assert_string_equal(sum.result, "no-service");
	/* No SRV records: nxdomain, NXDOMAIN or NODATA. */
	reset();
	script("_imap._tcp.n.example", RR_SRV, SEC_SECURE, RCODE_NXDOMAIN);
	script("_pop3._tcp.n.example", RR_SRV, SEC_SECURE, RCODE_NOERROR);
	run_srv_name("_imap._tcp.n.example");
	assert_str("result", "nxdomain");
	assert_str("mx_rcode", "NXDOMAIN");
	run_srv_name("_pop3._tcp.n.example");
	assert_str("result", "nxdomain");
	assert_str("mx_rcode", "NOERROR");
	/* Bogus: defer, a dnssec-invalid failure. */
	reset();
	a = script("_imap._tcp.b.example", RR_SRV, SEC_BOGUS, RCODE_SERVFAIL);
	a->has_ede = true;
	a->ede = 7;
	run_srv_name("_imap._tcp.b.example");
	assert_str("result", "defer");
	assert_contains("reason", "SRV lookup bogus");
	assert_int_equal(jint("ede"), 7);
	assert_str("tlsrpt_result", "dnssec-invalid");
	/* Short RDATA is skipped like a "." target. */
	reset();
	a = script("_pop3s._tcp.x.example", RR_SRV, SEC_SECURE, RCODE_NOERROR);
	add_rr(a, "_pop3s._tcp.x.example", RR_SRV, (const uint8_t[]){ 0, 1, 0, 2 }, 4);
	run_srv_name("_pop3s._tcp.x.example");
	assert_str("result", "no-service");

	assert_int_equal(name_from_cstr("_imap._tcp", n), 0);
	assert_int_equal(dane_start_srv(&fake, n, on_done, &ndone, &d), MX_EINVAL);
	assert_null(d);
}

static int
teardown(void **state)
{
	(void)state;
	free(last);
	last = NULL;
	free(reply);
	reply = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_bogus),
		cmocka_unit_test(test_mx_servfail),
		cmocka_unit_test(test_mx_nxdomain),
		cmocka_unit_test(test_null_mx),
		cmocka_unit_test(test_implicit_mx),
		cmocka_unit_test(test_mx_order),
		cmocka_unit_test(test_mx_cap),
		cmocka_unit_test(test_addr_failures),
		cmocka_unit_test(test_insecure_addresses),
		cmocka_unit_test(test_insecure_mx),
		cmocka_unit_test(test_cname_host),
		cmocka_unit_test(test_tlsa_usable),
		cmocka_unit_test(test_tlsa_denial_insecure_failure),
		cmocka_unit_test(test_mixed_hosts),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_free_early),
		cmocka_unit_test(test_tlsrpt_results),
		cmocka_unit_test(test_tlsrpt_timeout),
		cmocka_unit_test(test_srv),
		cmocka_unit_test(test_srv_results),
	};
	int rc = cmocka_run_group_tests(tests, NULL, teardown);
	free(jarena);
	return rc;
}
