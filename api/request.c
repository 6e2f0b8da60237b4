/*
 * request.c: parse API request lines.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "request.h"
#include "rrtype.h"

#define MAX_TOKENS 4

typedef struct tok {
	const char *s;
	size_t len;
} tok;

static bool
tok_is(const tok *t, const char *word)
{
	size_t n = strlen(word);
	return t->len == n && strncasecmp(t->s, word, n) == 0;
}

/* Split on spaces and tabs; more than MAX_TOKENS tokens is an error. */
static int
split(const char *s, size_t len, tok *out, size_t *n)
{
	size_t i = 0;

	*n = 0;
	while (i < len) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (*n == MAX_TOKENS)
			return MX_ELIMIT;
		out[*n].s = s + start;
		out[*n].len = i - start;
		(*n)++;
	}
	return 0;
}

static int
parse_port(const tok *t, uint16_t *port)
{
	unsigned v = 0;

	if (t->len == 0 || t->len > 5)
		return MX_ERANGE;
	for (size_t i = 0; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return MX_ESYNTAX;
		v = v * 10 + (unsigned)(t->s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return MX_ERANGE;
	*port = (uint16_t)v;
	return 0;
}

static int
parse_name(const tok *t, uint8_t out[NAME_MAX_WIRE], char *err, size_t errlen)
{
	int rc = name_from_str(t->s, t->len, NULL, out, NULL);

	if (rc != 0)
		snprintf(err, errlen, "bad name '%.*s': %s",
		    (int)(t->len > 80 ? 80 : t->len), t->s, mx_strerror(rc));
	return rc;
}

/* RFC 6698 3: the TLSA owner is _PORT._tcp.HOST. */
static int
tlsa_name(const uint8_t *host, uint16_t port, uint8_t out[NAME_MAX_WIRE])
{
	char lab[8];
	int n = snprintf(lab, sizeof(lab), "_%u", port);
	size_t hlen = name_len(host);

	if ((size_t)n + 1 + 5 + hlen > NAME_MAX_WIRE)
		return MX_ENAME;
	out[0] = (uint8_t)n;
	memcpy(out + 1, lab, (size_t)n);
	memcpy(out + 1 + n, "\4_tcp", 5);
	memcpy(out + 1 + n + 5, host, hlen);
	return 0;
}

/* RFC 8460 3: the TLS-RPT record lives at _smtp._tls.DOMAIN. */
static int
tlsrpt_name(const uint8_t *domain, uint8_t out[NAME_MAX_WIRE])
{
	static const uint8_t prefix[] = "\5_smtp\4_tls";
	size_t dl = name_len(domain), pl = sizeof(prefix) - 1;

	if (pl + dl > NAME_MAX_WIRE)
		return MX_ENAME;
	memcpy(out, prefix, pl);
	memcpy(out + pl, domain, dl);
	return 0;
}

/* The mail services of RFC 6186 5 and RFC 8314 7 (the SRV verb). */
static const char *const mail_services[] = {
	"_submission", "_submissions", "_imap", "_imaps", "_pop3", "_pop3s",
};

static bool
label_is(const uint8_t *lab, const char *word)
{
	size_t n = strlen(word);
	return lab[0] == n && strncasecmp((const char *)lab + 1, word, n) == 0;
}

/* _service._tcp.domain, with one of mail_services and a domain of one
 * label or more. */
static int
check_srv_name(const uint8_t *name, char *err, size_t errlen)
{
	const uint8_t *proto, *domain;
	bool known = false;

	if (name[0] == 0 || (proto = name + 1 + name[0])[0] == 0 ||
	    (domain = proto + 1 + proto[0])[0] == 0 || !label_is(proto, "_tcp")) {
		snprintf(err, errlen, "SRV wants _service._tcp.domain");
		return MX_EINVAL;
	}
	for (size_t i = 0; i < sizeof(mail_services) / sizeof(mail_services[0]); i++)
		known = known || label_is(name, mail_services[i]);
	if (!known) {
		snprintf(err, errlen, "SRV service '%.*s' is not a mail service "
		    "(_submission, _submissions, _imap, _imaps, _pop3, _pop3s)",
		    name[0] > 20 ? 20 : name[0], (const char *)name + 1);
		return MX_EINVAL;
	}
	return 0;
}

static int
lookup(api_request *req, uint16_t qtype, const tok *name, char *err, size_t errlen)
{
	req->verb = API_LOOKUP;
	req->qtype = qtype;
	return parse_name(name, req->name, err, errlen);
}

int
api_parse_request(const char *line, size_t len, api_request *req, char *err,
    size_t errlen)
{
	tok t[MAX_TOKENS];
	size_t n;
	int rc;

	memset(req, 0, sizeof(*req));
	if (errlen)
		err[0] = 0;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > API_LINE_MAX) {
		snprintf(err, errlen, "request longer than %d octets", API_LINE_MAX);
		return MX_ELIMIT;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < 0x20 && c != '\t') {
			snprintf(err, errlen, "control character in request");
			return MX_ESYNTAX;
		}
	}
	if ((rc = split(line, len, t, &n)) != 0) {
		snprintf(err, errlen, "too many arguments");
		return rc;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty request");
		return MX_ESYNTAX;
	}
	if (tok_is(&t[0], "PING")) {
		if (n != 1)
			goto args;
		req->verb = API_PING;
		return 0;
	}
	if (tok_is(&t[0], "MX") || tok_is(&t[0], "A") || tok_is(&t[0], "AAAA")) {
		if (n != 2)
			goto args;
		uint16_t qt = tok_is(&t[0], "MX") ? RR_MX :
		    tok_is(&t[0], "A") ? RR_A : RR_AAAA;
		return lookup(req, qt, &t[1], err, errlen);
	}
	if (tok_is(&t[0], "QUERY")) {
		uint16_t qt;
		if (n != 3)
			goto args;
		if (rrtype_from_str(t[1].s, t[1].len, &qt) != 0) {
			snprintf(err, errlen, "unknown type '%.*s'",
			    (int)(t[1].len > 20 ? 20 : t[1].len), t[1].s);
			return MX_EINVAL;
		}
		if (rrtype_is_meta(qt)) {
			snprintf(err, errlen, "type %.*s cannot be queried",
			    (int)(t[1].len > 20 ? 20 : t[1].len), t[1].s);
			return MX_EINVAL;
		}
		return lookup(req, qt, &t[2], err, errlen);
	}
	if (tok_is(&t[0], "TLSA")) {
		uint8_t host[NAME_MAX_WIRE];
		if (n != 2 && n != 3)
			goto args;
		req->verb = API_LOOKUP;
		req->qtype = RR_TLSA;
		req->port = 25;
		if ((rc = parse_name(&t[1], host, err, errlen)) != 0)
			return rc;
		/* A name that already starts with "_" is a full TLSA name. */
		if (n == 2 && host[0] > 0 && host[1] == '_') {
			name_copy(req->name, host);
			return 0;
		}
		if (n == 3 && (rc = parse_port(&t[2], &req->port)) != 0) {
			snprintf(err, errlen, "bad port '%.*s'",
			    (int)(t[2].len > 10 ? 10 : t[2].len), t[2].s);
			return rc;
		}
		if ((rc = tlsa_name(host, req->port, req->name)) != 0)
			snprintf(err, errlen, "TLSA name too long");
		return rc;
	}
	if (tok_is(&t[0], "DANE")) {
		if (n != 2 && n != 3)
			goto args;
		req->verb = API_DANE;
		req->port = 25;
		if (n == 3 && (rc = parse_port(&t[2], &req->port)) != 0) {
			snprintf(err, errlen, "bad port '%.*s'",
			    (int)(t[2].len > 10 ? 10 : t[2].len), t[2].s);
			return rc;
		}
		return parse_name(&t[1], req->name, err, errlen);
	}
	if (tok_is(&t[0], "STS") || tok_is(&t[0], "POLICY")) {
		if (n != 2)
			goto args;
		req->verb = tok_is(&t[0], "STS") ? API_STS : API_POLICY;
		return parse_name(&t[1], req->name, err, errlen);
	}
	if (tok_is(&t[0], "TLSRPT")) {
		uint8_t domain[NAME_MAX_WIRE];
		if (n != 2)
			goto args;
		req->verb = API_TLSRPT;
		if ((rc = parse_name(&t[1], domain, err, errlen)) != 0)
			return rc;
		if ((rc = tlsrpt_name(domain, req->name)) != 0)
			snprintf(err, errlen, "TLSRPT name too long");
		return rc;
	}
	if (tok_is(&t[0], "SRV")) {
		if (n != 2)
			goto args;
		req->verb = API_SRV;
		if ((rc = parse_name(&t[1], req->name, err, errlen)) != 0)
			return rc;
		return check_srv_name(req->name, err, errlen);
	}
	snprintf(err, errlen, "unknown request '%.*s'",
	    (int)(t[0].len > 20 ? 20 : t[0].len), t[0].s);
	return MX_EINVAL;
args:
	snprintf(err, errlen, "wrong number of arguments for %.*s",
	    (int)(t[0].len > 20 ? 20 : t[0].len), t[0].s);
	return MX_ESYNTAX;
}
