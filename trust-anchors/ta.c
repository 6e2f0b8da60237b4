/*
 * ta.c: trust-anchor store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rdata.h"
#include "rrtype.h"
#include "ta.h"
#include "zone.h"

/* Largest anchor file we read; the real root.key is about 1 KiB. */
#define TA_FILE_MAX (1024 * 1024)

/*
 * The root zone's key-signing keys as published by IANA
 * (root-anchors.xml): KSK-2017 and KSK-2024, SHA-256 digests.
 */
static const char builtin_root[] =
    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
    ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16\n";

void
ta_store_init(ta_store *s)
{
	memset(s, 0, sizeof(*s));
}

void
ta_store_free(ta_store *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].rdata);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
add_entry(ta_store *s, const zone_rr *rr)
{
	ta_entry *e;

	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		ta_entry *nv = realloc(s->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return MX_ENOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	name_copy(e->owner, rr->owner);
	name_lower(e->owner);
	e->type = rr->type;
	e->rdlen = (uint16_t)rr->rdlen;
	e->rdata = malloc(rr->rdlen);
	if (e->rdata == NULL)
		return MX_ENOMEM;
	memcpy(e->rdata, rr->rdata, rr->rdlen);
	if (rr->type == RR_DS) {
		e->keytag = wire_get_u16(rr->rdata);
		e->algorithm = rr->rdata[2];
	} else {
		e->keytag = rdata_keytag(rr->rdata, rr->rdlen);
		e->algorithm = rr->rdata[3];
	}
	s->n++;
	return 0;
}

static int
check_anchor(const zone_rr *rr, char *why, size_t whylen)
{
	if (rr->rclass != CLASS_IN) {
		snprintf(why, whylen, "trust anchors must be class IN");
		return MX_EINVAL;
	}
	if (rr->type == RR_DS)
		return 0;   /* rdata_check already ran in the reader */
	if (rr->type != RR_DNSKEY) {
		char t[16];
		rrtype_to_str(rr->type, t, sizeof(t));
		snprintf(why, whylen, "a trust anchor must be DS or DNSKEY, not %s", t);
		return MX_EINVAL;
	}
	/* RFC 4034 2.1.1: bit 7 is the Zone Key flag; only zone keys can
	 * sign a zone's data. */
	if (!(wire_get_u16(rr->rdata) & 0x0100)) {
		snprintf(why, whylen, "DNSKEY without the Zone Key flag cannot be an anchor");
		return MX_EINVAL;
	}
	return 0;
}

int
ta_store_load_text(ta_store *s, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	zone_reader z;
	zone_rr *rr = malloc(sizeof(*rr));
	size_t first = s->n;
	char why[160];
	int rc;

	if (err && errlen)
		err[0] = 0;
	if (rr == NULL)
		return MX_ENOMEM;
	zone_reader_init(&z, text, len, name, NULL, 0);
	while ((rc = zone_next(&z, rr)) == 1) {
		if ((rc = check_anchor(rr, why, sizeof(why))) != 0) {
			snprintf(err, errlen, "%s:%u: %s", name, z.line, why);
			goto fail;
		}
		if ((rc = add_entry(s, rr)) != 0) {
			snprintf(err, errlen, "%s: %s", name, mx_strerror(rc));
			goto fail;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:%u: %s", name, z.line, z.errmsg);
		goto fail;
	}
	free(rr);
	return 0;
fail:
	/* All or nothing: drop what this text added. */
	for (size_t i = first; i < s->n; i++)
		free(s->v[i].rdata);
	s->n = first;
	free(rr);
	return rc < 0 ? rc : MX_EINVAL;
}

int
ta_store_add_builtin(ta_store *s)
{
	char err[256];

	return ta_store_load_text(s, builtin_root, sizeof(builtin_root) - 1,
	    "(built-in root anchors)", err, sizeof(err));
}

int
ta_store_load_file(ta_store *s, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc = zone_slurp(path, TA_FILE_MAX, &text, &len);

	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, mx_strerror(rc));
		return rc;
	}
	rc = ta_store_load_text(s, text, len, path, err, errlen);
	free(text);
	return rc;
}
