/*
 * rrtype.c: RR type, class and rcode mnemonics.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "rrtype.h"

/* IANA "Resource Record (RR) TYPEs" registry, the ones worth a name. */
static const struct {
	uint16_t type;
	const char *name;
} type_names[] = {
	{ RR_A, "A" }, { RR_NS, "NS" }, { RR_MD, "MD" }, { RR_MF, "MF" },
	{ RR_CNAME, "CNAME" }, { RR_SOA, "SOA" }, { RR_MB, "MB" },
	{ RR_MG, "MG" }, { RR_MR, "MR" }, { RR_NULL, "NULL" },
	{ RR_WKS, "WKS" }, { RR_PTR, "PTR" }, { RR_HINFO, "HINFO" },
	{ RR_MINFO, "MINFO" }, { RR_MX, "MX" }, { RR_TXT, "TXT" },
	{ RR_RP, "RP" }, { RR_AFSDB, "AFSDB" }, { 19, "X25" }, { 20, "ISDN" },
	{ RR_RT, "RT" }, { 22, "NSAP" }, { 23, "NSAP-PTR" }, { RR_SIG, "SIG" },
	{ RR_KEY, "KEY" }, { RR_PX, "PX" }, { 27, "GPOS" }, { RR_AAAA, "AAAA" },
	{ 29, "LOC" }, { RR_NXT, "NXT" }, { RR_SRV, "SRV" },
	{ RR_NAPTR, "NAPTR" }, { RR_KX, "KX" }, { RR_CERT, "CERT" },
	{ RR_A6, "A6" }, { RR_DNAME, "DNAME" }, { RR_OPT, "OPT" },
	{ 42, "APL" }, { RR_DS, "DS" }, { RR_SSHFP, "SSHFP" },
	{ 45, "IPSECKEY" }, { RR_RRSIG, "RRSIG" }, { RR_NSEC, "NSEC" },
	{ RR_DNSKEY, "DNSKEY" }, { 49, "DHCID" }, { RR_NSEC3, "NSEC3" },
	{ RR_NSEC3PARAM, "NSEC3PARAM" }, { RR_TLSA, "TLSA" }, { 53, "SMIMEA" },
	{ 55, "HIP" }, { RR_CDS, "CDS" }, { RR_CDNSKEY, "CDNSKEY" },
	{ 61, "OPENPGPKEY" }, { 62, "CSYNC" }, { 63, "ZONEMD" },
	{ RR_SVCB, "SVCB" }, { RR_HTTPS, "HTTPS" }, { 99, "SPF" },
	{ 108, "EUI48" }, { 109, "EUI64" }, { RR_TKEY, "TKEY" },
	{ RR_TSIG, "TSIG" }, { RR_IXFR, "IXFR" }, { RR_AXFR, "AXFR" },
	{ 253, "MAILB" }, { 254, "MAILA" }, { RR_ANY, "ANY" }, { 256, "URI" },
	{ RR_CAA, "CAA" }, { 32769, "DLV" },
};

static const struct {
	uint16_t cls;
	const char *name;
} class_names[] = {
	{ CLASS_IN, "IN" }, { CLASS_CH, "CH" }, { CLASS_HS, "HS" },
	{ CLASS_NONE, "NONE" }, { CLASS_ANY, "ANY" },
};

const char *
rrtype_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	return NULL;
}

static int
put_str(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n + 1 > cap) {
		if (cap)
			buf[0] = 0;
		return MX_ESPACE;
	}
	memcpy(buf, s, n + 1);
	return (int)n;
}

static int
put_num(char *buf, size_t cap, const char *prefix, unsigned v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%s%u", prefix, v);
	return put_str(buf, cap, tmp);
}

int
rrtype_to_str(uint16_t type, char *buf, size_t cap)
{
	const char *n = rrtype_name(type);

	return n ? put_str(buf, cap, n) : put_num(buf, cap, "TYPE", type);
}

/* "PREFIXnnn" with nnn a decimal 0..65535 (RFC 3597 5); no sign, no
 * spaces, at most 5 digits. */
static int
parse_generic(const char *s, size_t len, const char *prefix, uint16_t *out)
{
	size_t pl = strlen(prefix);
	unsigned long v = 0;

	if (len <= pl || len > pl + 5 || strncasecmp(s, prefix, pl) != 0)
		return MX_ESYNTAX;
	for (size_t i = pl; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return MX_ESYNTAX;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return MX_ERANGE;
	*out = (uint16_t)v;
	return 0;
}

int
rrtype_from_str(const char *s, size_t len, uint16_t *type)
{
	*type = 0;
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		const char *n = type_names[i].name;
		if (strlen(n) == len && strncasecmp(n, s, len) == 0) {
			*type = type_names[i].type;
			return 0;
		}
	}
	return parse_generic(s, len, "TYPE", type);
}

int
rrclass_to_str(uint16_t cls, char *buf, size_t cap)
{
	for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
		if (class_names[i].cls == cls)
			return put_str(buf, cap, class_names[i].name);
	return put_num(buf, cap, "CLASS", cls);
}

int
rrclass_from_str(const char *s, size_t len, uint16_t *cls)
{
	*cls = 0;
	for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++) {
		const char *n = class_names[i].name;
		if (strlen(n) == len && strncasecmp(n, s, len) == 0) {
			*cls = class_names[i].cls;
			return 0;
		}
	}
	/* BIND and the RFC 1035 examples also spell CH as "CHAOS". */
	if (len == 5 && strncasecmp(s, "CHAOS", 5) == 0) {
		*cls = CLASS_CH;
		return 0;
	}
	return parse_generic(s, len, "CLASS", cls);
}

const char *
rcode_name(unsigned rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE", "DSOTYPENI",
	};
	/* The signature has no caller buffer: unnamed codes use a buffer of
	 * the calling thread, valid until its next call. */
	static _Thread_local char buf[24];

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	if (rcode == RCODE_BADVERS)
		return "BADVERS";
	snprintf(buf, sizeof(buf), "RCODE%u", rcode);
	return buf;
}

int
rrtype_is_meta(uint16_t type)
{
	/* RFC 6895 3.1: OPT, and 128..255 are meta-types and q-types. */
	return type == RR_OPT || (type >= 128 && type <= 255);
}
