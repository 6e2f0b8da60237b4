/*
 * rrjson.c: engine answers as API JSON (rrjson.h, doc/protocol.md).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "rdata.h"
#include "rrjson.h"
#include "rrtype.h"

void
rj_name(const uint8_t *name, char buf[RJ_NAME_STR])
{
	uint8_t l[NAME_MAX_WIRE];

	name_copy(l, name);
	name_lower(l);
	if (name_to_str(l, buf, RJ_NAME_STR) < 0)
		snprintf(buf, RJ_NAME_STR, "?");
}

const uint8_t *
rj_follow(const eng_result *res, const uint8_t *qname, const msg_rr **links,
    size_t *nlinks)
{
	const uint8_t *cur = qname;

	*nlinks = 0;
	for (;;) {
		const msg_rr *next = NULL;
		for (unsigned i = 0; i < res->count[SEC_ANSWER]; i++) {
			const msg_rr *rr = &res->rr[SEC_ANSWER][i];
			if (rr->type == RR_CNAME && name_eq(rr->owner, cur)) {
				next = rr;
				break;
			}
		}
		if (next == NULL || *nlinks == RJ_MAX_CHAIN)
			return cur;
		for (size_t k = 0; k < *nlinks; k++)
			if (links[k] == next)
				return cur;   /* a loop: stop */
		links[(*nlinks)++] = next;
		cur = next->rdata;
	}
}

bool
rj_is_final(const msg_rr *rr, const uint8_t *name, uint16_t type)
{
	return rr->type == type && name_eq(rr->owner, name);
}

uint32_t
rj_ttl(const eng_result *res)
{
	uint32_t ttl = UINT32_MAX;

	for (int s = 0; s < 2; s++)
		for (unsigned i = 0; i < res->count[s]; i++)
			if (res->rr[s][i].ttl < ttl)
				ttl = res->rr[s][i].ttl;
	return ttl == UINT32_MAX ? 0 : ttl;
}

static uint16_t
u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
kname(jsonw *w, const char *k, const uint8_t *name)
{
	char b[RJ_NAME_STR];

	rj_name(name, b);
	jw_kstr(w, k, b);
}

/* TXT strings: printable ASCII as is, other octets as \DDD. */
static void
txt_strings(jsonw *w, const uint8_t *rd, size_t len)
{
	char b[256 * 4 + 1];
	size_t i = 0;

	jw_arr_open(w);
	while (i < len) {
		size_t n = rd[i++], o = 0;
		if (n > len - i)
			break;
		for (size_t k = 0; k < n; k++) {
			uint8_t c = rd[i + k];
			if (c >= 0x20 && c < 0x7f && c != '\\') {
				b[o++] = (char)c;
			} else {
				o += (size_t)snprintf(b + o, sizeof(b) - o, "\\%03u", c);
			}
		}
		jw_strn(w, b, o);
		i += n;
	}
	jw_arr_close(w);
}

static void
hex(jsonw *w, const char *k, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789ABCDEF";
	/* Whole RDATA, a full certificate (TLSA x 0 0) included. */
	static char b[2 * 65535 + 1];

	if (n > 65535)
		n = 65535;
	for (size_t i = 0; i < n; i++) {
		b[2 * i] = d[p[i] >> 4];
		b[2 * i + 1] = d[p[i] & 15];
	}
	jw_key(w, k);
	jw_strn(w, b, 2 * n);
}

static void
rdata_fields(jsonw *w, const msg_rr *rr)
{
	const uint8_t *rd = rr->rdata;
	size_t len = rr->rdlen;
	char a[64];

	jw_obj_open(w);
	if (rdata_check(rr->type, rd, len) != 0) {
		jw_obj_close(w);
		return;
	}
	switch (rr->type) {
	case RR_A:
		inet_ntop(AF_INET, rd, a, sizeof(a));
		jw_kstr(w, "address", a);
		break;
	case RR_AAAA:
		inet_ntop(AF_INET6, rd, a, sizeof(a));
		jw_kstr(w, "address", a);
		break;
	case RR_MX:
		jw_kint(w, "preference", u16(rd));
		kname(w, "exchange", rd + 2);
		break;
	case RR_TLSA:
		jw_kint(w, "usage", rd[0]);
		jw_kint(w, "selector", rd[1]);
		jw_kint(w, "matching_type", rd[2]);
		hex(w, "data", rd + 3, len - 3);
		break;
	case RR_CNAME:
	case RR_DNAME:
	case RR_NS:
	case RR_PTR:
		kname(w, "target", rd);
		break;
	case RR_TXT:
		jw_key(w, "strings");
		txt_strings(w, rd, len);
		break;
	case RR_SRV:
		jw_kint(w, "priority", u16(rd));
		jw_kint(w, "weight", u16(rd + 2));
		jw_kint(w, "port", u16(rd + 4));
		kname(w, "target", rd + 6);
		break;
	case RR_SOA: {
		size_t l1 = name_len(rd), l2 = name_len(rd + l1);
		const uint8_t *n = rd + l1 + l2;
		kname(w, "mname", rd);
		kname(w, "rname", rd + l1);
		jw_kint(w, "serial", u32(n));
		jw_kint(w, "refresh", u32(n + 4));
		jw_kint(w, "retry", u32(n + 8));
		jw_kint(w, "expire", u32(n + 12));
		jw_kint(w, "minimum", u32(n + 16));
		break;
	}
	default:
		break;
	}
	jw_obj_close(w);
}

void
rj_record(jsonw *w, const msg_rr *rr)
{
	static char buf[300000];
	char t[32];

	jw_obj_open(w);
	kname(w, "name", rr->owner);
	rrtype_to_str(rr->type, t, sizeof(t));
	jw_kstr(w, "type", t);
	jw_kint(w, "ttl", rr->ttl);
	if (rdata_to_str(rr->type, rr->rdata, rr->rdlen, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "?");
	jw_kstr(w, "rdata", buf);
	jw_key(w, "data");
	rdata_fields(w, rr);
	jw_obj_close(w);
}

void
rj_chain(jsonw *w, const msg_rr *const *links, size_t n)
{
	jw_arr_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(w);
		kname(w, "name", links[i]->owner);
		kname(w, "target", links[i]->rdata);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

void
rj_failure(jsonw *w, const eng_result *res)
{
	if (res->has_ede || res->status == SEC_BOGUS)
		jw_kint(w, "ede", res->ede);
	if (res->reason != NULL)
		jw_kstr(w, "reason", res->reason);
	else if (res->status == SEC_BOGUS)
		jw_kstr(w, "reason", "validation failed");
}

void
rj_lookup_reply(jsonw *w, const uint8_t *qname, uint16_t qtype,
    const eng_result *res)
{
	const msg_rr *links[RJ_MAX_CHAIN];
	size_t nlinks = 0;
	char t[32];
	bool bogus = res->status == SEC_BOGUS;

	jw_obj_open(w);
	jw_kbool(w, "ok", true);
	kname(w, "name", qname);
	rrtype_to_str(qtype, t, sizeof(t));
	jw_kstr(w, "type", t);
	jw_kstr(w, "status", sec_status_name(res->status));
	/* A bogus answer is SERVFAIL, and its data is never given out. */
	jw_kstr(w, "rcode", rcode_name(bogus ? RCODE_SERVFAIL : res->rcode));
	jw_kint(w, "ttl", bogus ? 0 : rj_ttl(res));
	const uint8_t *final = qname;
	if (!bogus)
		final = rj_follow(res, qname, links, &nlinks);
	if (nlinks > 0) {
		jw_key(w, "cname");
		rj_chain(w, links, nlinks);
	}
	jw_key(w, "records");
	jw_arr_open(w);
	if (!bogus && res->rcode == RCODE_NOERROR)
		for (unsigned i = 0; i < res->count[SEC_ANSWER]; i++)
			if (rj_is_final(&res->rr[SEC_ANSWER][i], final, qtype))
				rj_record(w, &res->rr[SEC_ANSWER][i]);
	jw_arr_close(w);
	if (bogus || res->rcode == RCODE_SERVFAIL || res->has_ede)
		rj_failure(w, res);
	jw_obj_close(w);
}

bool
rj_tlsa_usable(const uint8_t *rd, size_t len)
{
	if (len < 3)
		return false;
	return (rd[0] == 2 || rd[0] == 3) && rd[1] <= 1 && rd[2] <= 2;
}
