/*
 * config_keys.c: the value syntax of each configuration key and the key
 * table.  Values arrive as spans into the text; every parser checks length
 * before copying, so no value can overrun a buffer.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "config_int.h"
#include "err.h"
#include "name.h"

#define CFG_SHOW(span, buf) cfg_show((span), (buf), sizeof(buf))

static bool
cfg_span_is(const struct cfg_span *s, const char *word)
{
	return strlen(word) == s->len && memcmp(word, s->p, s->len) == 0;
}

static void *
cfg_field(struct cfg_parser *p)
{
	return (char *)p->cfg + p->key->off;
}

/* Make room for one more element of an array; NULL when out of memory. */
static void *
cfg_grow(void **v, size_t n, size_t elem)
{
	void *nv = realloc(*v, (n + 1) * elem);

	if (nv != NULL)
		*v = nv;
	return nv;
}

static int
cfg_check_room(struct cfg_parser *p, size_t n)
{
	if (n >= CFG_LIST_MAX)
		return cfg_fail(p, "more than %d entries", CFG_LIST_MAX);
	return 0;
}

/*
 * Scalars.
 */

/* Decimal digits only: no sign, no spaces, no hex, nothing after. */
static int
cfg_parse_uint(const struct cfg_span *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	*out = 0;
	if (s->len == 0)
		return MX_ESYNTAX;
	for (size_t i = 0; i < s->len; i++) {
		unsigned d = (unsigned)(unsigned char)s->p[i] - '0';

		if (d > 9)
			return MX_ESYNTAX;
		if (d > max || v > (max - d) / 10)
			return MX_ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int
cfg_key_bool(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	char shown[CFG_SHOW_MAX];
	bool *field = cfg_field(p);

	if (cfg_span_is(&v[0], "yes"))
		*field = true;
	else if (cfg_span_is(&v[0], "no"))
		*field = false;
	else
		return cfg_fail(p, "expected 'yes' or 'no', got '%s'",
		    CFG_SHOW(&v[0], shown));
	return 0;
}

static int
cfg_key_u32(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	char shown[CFG_SHOW_MAX];
	uint32_t *field = cfg_field(p);
	uint64_t val;

	if (cfg_parse_uint(&v[0], p->key->limit, &val) != 0)
		return cfg_fail(p, "expected a number from 0 to %lu, got '%s'",
		    (unsigned long)p->key->limit, CFG_SHOW(&v[0], shown));
	*field = (uint32_t)val;
	return 0;
}

/* A number of seconds from 1 to the key's limit. */
static int
cfg_key_seconds(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	char shown[CFG_SHOW_MAX];
	uint32_t *field = cfg_field(p);
	uint64_t val;

	if (cfg_parse_uint(&v[0], p->key->limit, &val) != 0 || val == 0)
		return cfg_fail(p, "expected a number of seconds from 1 to %lu, "
		    "got '%s'", (unsigned long)p->key->limit,
		    CFG_SHOW(&v[0], shown));
	*field = (uint32_t)val;
	return 0;
}

/* SIZE: a number of bytes, or with K, M, G or T (powers of 1024). */
static int
cfg_parse_size(const struct cfg_span *s, uint64_t *out)
{
	static const char units[] = "kmgt";
	struct cfg_span digits = *s;
	unsigned shift = 0;
	uint64_t v;
	int rc;

	*out = 0;
	if (s->len > 1) {
		const char *u = memchr(units, s->p[s->len - 1] | 0x20, 4);

		if (u != NULL) {
			shift = 10 * (unsigned)(u - units + 1);
			digits.len--;
		}
	}
	rc = cfg_parse_uint(&digits, UINT64_MAX >> shift, &v);
	if (rc != 0)
		return rc;
	*out = v << shift;
	return 0;
}

static int
cfg_key_cache_size(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	char shown[CFG_SHOW_MAX];
	uint64_t size;
	int rc;

	rc = cfg_parse_size(&v[0], &size);
	if (rc == MX_ESYNTAX)
		return cfg_fail(p, "expected a size such as 256M (suffixes K, M,"
		    " G, T), got '%s'", CFG_SHOW(&v[0], shown));
	if (rc != 0 || size < CFG_CACHE_SIZE_MIN || size > CFG_CACHE_SIZE_MAX)
		return cfg_fail(p, "'%s' is out of range (1M to 1T)",
		    CFG_SHOW(&v[0], shown));
	p->cfg->cache_size = size;
	return 0;
}

static int
cfg_key_mode(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	char shown[CFG_SHOW_MAX];

	if (cfg_span_is(&v[0], "recursive"))
		p->cfg->mode = CFG_MODE_RECURSIVE;
	else if (cfg_span_is(&v[0], "forward"))
		p->cfg->mode = CFG_MODE_FORWARD;
	else
		return cfg_fail(p, "expected 'recursive' or 'forward', got '%s'",
		    CFG_SHOW(&v[0], shown));
	return 0;
}

static int
cfg_key_log(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	char shown[CFG_SHOW_MAX];

	if (cfg_span_is(&v[0], "stderr"))
		p->cfg->log_target = LOG_TARGET_STDERR;
	else if (cfg_span_is(&v[0], "syslog"))
		p->cfg->log_target = LOG_TARGET_SYSLOG;
	else
		return cfg_fail(p, "expected 'stderr' or 'syslog', got '%s'",
		    CFG_SHOW(&v[0], shown));
	return 0;
}

static int cfg_dup_path(struct cfg_parser *p, const struct cfg_span *s,
    size_t max, char **out);

static int
cfg_key_insecure_mx_policy(struct cfg_parser *p, const struct cfg_span *v,
    size_t n)
{
	char shown[CFG_SHOW_MAX];

	if (cfg_span_is(&v[0], "dane"))
		p->cfg->insecure_mx_dane = true;
	else if (cfg_span_is(&v[0], "may"))
		p->cfg->insecure_mx_dane = false;
	else
		return cfg_fail(p, "expected 'dane' or 'may', got '%s'",
		    CFG_SHOW(&v[0], shown));
	return 0;
}

static int cfg_account(struct cfg_parser *p, const struct cfg_span *s,
    const char *what, bool dollar, char **out);

static int
cfg_key_api_group(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	return cfg_account(p, &v[0], "group", false, &p->cfg->api_group);
}

static int
cfg_key_log_level(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	char shown[CFG_SHOW_MAX];

	if (log_level_parse(v[0].p, v[0].len, &p->cfg->log_level) != 0)
		return cfg_fail(p, "expected 'error', 'warning', 'notice', 'info'"
		    " or 'debug', got '%s'", CFG_SHOW(&v[0], shown));
	return 0;
}

/*
 * Strings.
 */

static int
cfg_dup_path(struct cfg_parser *p, const struct cfg_span *s, size_t max,
    char **out)
{
	char *str;

	if (s->len > max)
		return cfg_fail(p, "path longer than %zu bytes", max);
	str = strndup(s->p, s->len);
	if (str == NULL)
		return cfg_fail_nomem(p);
	free(*out);
	*out = str;
	return 0;
}

static int
cfg_key_path(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	return cfg_dup_path(p, &v[0], PATH_MAX - 1, cfg_field(p));
}

static int
cfg_key_api_socket(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	/* bind() takes at most sun_path minus its NUL. */
	return cfg_dup_path(p, &v[0],
	    sizeof(((struct sockaddr_un *)0)->sun_path) - 1, cfg_field(p));
}

static int
cfg_key_sts_ca_file(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	p->cfg->sts_ca_file_set = true;
	return cfg_dup_path(p, &v[0], PATH_MAX - 1, &p->cfg->sts_ca_file);
}

static int
cfg_key_trust_anchor_file(struct cfg_parser *p, const struct cfg_span *v,
    size_t n)
{
	struct cfg_strs *l = &p->cfg->trust_anchor_files;
	int rc;

	rc = cfg_check_room(p, l->n);
	if (rc != 0)
		return rc;
	if (cfg_grow((void **)&l->v, l->n, sizeof(*l->v)) == NULL)
		return cfg_fail_nomem(p);
	l->v[l->n] = NULL;
	rc = cfg_dup_path(p, &v[0], PATH_MAX - 1, &l->v[l->n]);
	if (rc != 0)
		return rc;
	l->n++;
	return 0;
}

/* Entered after everything is open (privs.c): a relative directory would
 * depend on where the daemon was started. */
static int
cfg_key_chroot(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	if (v[0].p[0] != '/')
		return cfg_fail(p, "must be an absolute path");
	return cfg_dup_path(p, &v[0], PATH_MAX - 1, cfg_field(p));
}

/* Login names as useradd(8) takes them: portable characters, no leading
 * '-' (it would read as an option to the tools the name reaches). */
/* A user or group name: at most 32 of [A-Za-z0-9_.-], not starting with
 * '-'; a user name may end in '$'. */
static int
cfg_account(struct cfg_parser *p, const struct cfg_span *s, const char *what,
    bool dollar, char **out)
{
	char shown[CFG_SHOW_MAX];
	bool ok = s->len <= 32 && s->p[0] != '-';

	for (size_t i = 0; ok && i < s->len; i++) {
		char c = s->p[i];

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
		    (dollar && c == '$' && i == s->len - 1);
	}
	if (!ok)
		return cfg_fail(p, "'%s' is not a valid %s name",
		    CFG_SHOW(s, shown), what);
	return cfg_dup_path(p, s, 32, out);
}

static int
cfg_key_user(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	return cfg_account(p, &v[0], "user", true, &p->cfg->user);
}

/*
 * Addresses: ADDR or ADDR@PORT; ADDR is IPv4 dotted quad or IPv6 text.
 */

static int
cfg_parse_port(const struct cfg_span *s, uint16_t *port)
{
	uint64_t v;

	*port = 0;
	if (cfg_parse_uint(s, 65535, &v) != 0 || v == 0)
		return MX_EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static void
cfg_addr_set(struct cfg_addr *a, int family, const void *addr, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->sa;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, sizeof(sin->sin_addr));
		a->salen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, sizeof(sin6->sin6_addr));
		a->salen = sizeof(*sin6);
	}
}

/* Split at the last '@' (IPv6 text has none, so the last is the port's). */
static int
cfg_parse_addr(struct cfg_parser *p, const struct cfg_span *s, bool port_ok,
    struct cfg_addr *out)
{
	char shown[CFG_SHOW_MAX], host[INET6_ADDRSTRLEN];
	unsigned char bin[sizeof(struct in6_addr)];
	struct cfg_span h = *s, ps = { NULL, 0 };
	uint16_t port = port_ok ? CFG_DNS_PORT : 0;
	int family;

	for (size_t i = s->len; i > 0; i--) {
		if (s->p[i - 1] == '@') {
			h.len = i - 1;
			ps.p = s->p + i;
			ps.len = s->len - i;
			break;
		}
	}
	if (ps.p != NULL && !port_ok)
		return cfg_fail(p, "'%s': a port cannot be given here",
		    CFG_SHOW(s, shown));
	if (ps.p != NULL && cfg_parse_port(&ps, &port) != 0)
		return cfg_fail(p, "'%s': port must be a number from 1 to 65535",
		    CFG_SHOW(s, shown));
	family = memchr(h.p, ':', h.len) != NULL ? AF_INET6 : AF_INET;
	if (h.len == 0 || h.len >= sizeof(host))
		goto bad;
	memcpy(host, h.p, h.len);
	host[h.len] = '\0';
	if (inet_pton(family, host, bin) != 1)
		goto bad;
	cfg_addr_set(out, family, bin, port);
	out->line = p->line;
	return 0;
bad:
	return cfg_fail(p, "'%s' is not an IPv4 or IPv6 address%s",
	    CFG_SHOW(s, shown), port_ok ? " (with optional @PORT)" : "");
}

static bool
cfg_addr_eq(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return a->salen == b->salen && memcmp(&a->sa, &b->sa, a->salen) == 0;
}

static bool
cfg_addr_is_unspecified(const struct cfg_addr *a)
{
	if (a->sa.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->sa)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(
	    &((const struct sockaddr_in6 *)&a->sa)->sin6_addr);
}

static int
cfg_addrs_add(struct cfg_parser *p, struct cfg_addrs *l,
    const struct cfg_addr *a)
{
	char text[INET6_ADDRSTRLEN + 8];
	int rc;

	for (size_t i = 0; i < l->n; i++) {
		if (cfg_addr_eq(&l->v[i], a)) {
			config_addr_to_str(a, text, sizeof(text));
			return cfg_fail(p, "%s is already listed on line %u",
			    text, l->v[i].line);
		}
	}
	rc = cfg_check_room(p, l->n);
	if (rc != 0)
		return rc;
	if (cfg_grow((void **)&l->v, l->n, sizeof(*l->v)) == NULL)
		return cfg_fail_nomem(p);
	l->v[l->n++] = *a;
	return 0;
}

static int
cfg_key_forward(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	char shown[CFG_SHOW_MAX];
	struct cfg_addr a;
	int rc;

	for (size_t i = 0; i < n; i++) {
		rc = cfg_parse_addr(p, &v[i], true, &a);
		if (rc != 0)
			return rc;
		if (cfg_addr_is_unspecified(&a))
			return cfg_fail(p, "'%s': an upstream cannot be the"
			    " unspecified address", CFG_SHOW(&v[i], shown));
		rc = cfg_addrs_add(p, &p->cfg->forward, &a);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
cfg_key_listen_dns(struct cfg_parser *p, const struct cfg_span *v, size_t n)
{
	struct mxsec_config *cfg = p->cfg;
	bool none = cfg_span_is(&v[0], "none");
	struct cfg_addr a;
	int rc;

	if (p->listen_none_line != 0)
		return cfg_fail(p, "conflicts with 'listen-dns none' on line %u",
		    p->listen_none_line);
	/* The first listen-dns line replaces the built-in listeners; later
	 * ones add to it. */
	if (p->seen[CFG_K_LISTEN_DNS] == 0)
		cfg->listen_dns.n = 0;
	else if (none)
		return cfg_fail(p, "'none' conflicts with listen-dns on line %u",
		    p->seen[CFG_K_LISTEN_DNS]);
	if (none) {
		if (n != 1)
			return cfg_fail(p, "'none' must be the only value");
		p->listen_none_line = p->line;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		rc = cfg_parse_addr(p, &v[i], true, &a);
		if (rc != 0)
			return rc;
		rc = cfg_addrs_add(p, &cfg->listen_dns, &a);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
cfg_key_outgoing_address(struct cfg_parser *p, const struct cfg_span *v,
    size_t n)
{
	struct cfg_addr a;
	int rc;

	for (size_t i = 0; i < n; i++) {
		rc = cfg_parse_addr(p, &v[i], false, &a);
		if (rc != 0)
			return rc;
		rc = cfg_addrs_add(p, &p->cfg->outgoing, &a);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * Names.
 */

static int
cfg_key_domain_insecure(struct cfg_parser *p, const struct cfg_span *v,
    size_t n)
{
	char shown[CFG_SHOW_MAX], text[NAME_MAX_STR + 1];
	struct cfg_names *l = &p->cfg->domain_insecure;
	struct cfg_name nm;
	int rc;

	if (v[0].len >= sizeof(text))
		return cfg_fail(p, "'%s' is not a valid domain name: %s",
		    CFG_SHOW(&v[0], shown), mx_strerror(MX_ENAME));
	memcpy(text, v[0].p, v[0].len);
	text[v[0].len] = '\0';
	rc = name_from_cstr(text, nm.wire);
	if (rc < 0)
		return cfg_fail(p, "'%s' is not a valid domain name: %s",
		    CFG_SHOW(&v[0], shown), mx_strerror(rc));
	/* RFC 4343: stored lower-case so later lookups compare bytes. */
	name_lower(nm.wire);
	nm.line = p->line;
	for (size_t i = 0; i < l->n; i++) {
		if (name_eq(l->v[i].wire, nm.wire))
			return cfg_fail(p, "'%s' is already listed on line %u",
			    CFG_SHOW(&v[0], shown), l->v[i].line);
	}
	rc = cfg_check_room(p, l->n);
	if (rc != 0)
		return rc;
	if (cfg_grow((void **)&l->v, l->n, sizeof(*l->v)) == NULL)
		return cfg_fail_nomem(p);
	l->v[l->n++] = nm;
	return 0;
}

#define CFG_FIELD(f) offsetof(struct mxsec_config, f)
#define CFG_ONE(fn) fn, 1, 1, false
#define CFG_LIST(fn) fn, 1, CFG_VALUES_MAX, true

const struct cfg_key cfg_keys[CFG_K_COUNT] = {
	[CFG_K_MODE] = { "mode", CFG_ONE(cfg_key_mode), 0, 0 },
	[CFG_K_FORWARD] = { "forward", CFG_LIST(cfg_key_forward), 0, 0 },
	[CFG_K_ROOT_HINTS] = { "root-hints", CFG_ONE(cfg_key_path),
	    CFG_FIELD(root_hints), 0 },
	[CFG_K_TRUST_ANCHOR_FILE] = { "trust-anchor-file",
	    cfg_key_trust_anchor_file, 1, 1, true, 0, 0 },
	[CFG_K_AUTO_TRUST_ANCHOR_FILE] = { "auto-trust-anchor-file",
	    CFG_ONE(cfg_key_path), CFG_FIELD(auto_trust_anchor_file), 0 },
	[CFG_K_LISTEN_DNS] = { "listen-dns", CFG_LIST(cfg_key_listen_dns),
	    0, 0 },
	[CFG_K_API_SOCKET] = { "api-socket", CFG_ONE(cfg_key_api_socket),
	    CFG_FIELD(api_socket), 0 },
	[CFG_K_CACHE_DIR] = { "cache-dir", CFG_ONE(cfg_key_path),
	    CFG_FIELD(cache_dir), 0 },
	[CFG_K_CACHE_SIZE] = { "cache-size", CFG_ONE(cfg_key_cache_size),
	    0, 0 },
	[CFG_K_QUERY_LOOPBACK] = { "query-loopback", CFG_ONE(cfg_key_bool),
	    CFG_FIELD(query_loopback), 0 },
	[CFG_K_OUTGOING_ADDRESS] = { "outgoing-address",
	    CFG_LIST(cfg_key_outgoing_address), 0, 0 },
	[CFG_K_DO_IP4] = { "do-ip4", CFG_ONE(cfg_key_bool),
	    CFG_FIELD(do_ip4), 0 },
	[CFG_K_DO_IP6] = { "do-ip6", CFG_ONE(cfg_key_bool),
	    CFG_FIELD(do_ip6), 0 },
	[CFG_K_DOMAIN_INSECURE] = { "domain-insecure",
	    cfg_key_domain_insecure, 1, 1, true, 0, 0 },
	[CFG_K_QNAME_MINIMISATION] = { "qname-minimisation",
	    CFG_ONE(cfg_key_bool), CFG_FIELD(qname_minimisation), 0 },
	[CFG_K_HARDEN_GLUE] = { "harden-glue", CFG_ONE(cfg_key_bool),
	    CFG_FIELD(harden_glue), 0 },
	[CFG_K_CACHE_MIN_TTL] = { "cache-min-ttl", CFG_ONE(cfg_key_u32),
	    CFG_FIELD(cache_min_ttl), CFG_TTL_MAX },
	[CFG_K_CACHE_MAX_TTL] = { "cache-max-ttl", CFG_ONE(cfg_key_u32),
	    CFG_FIELD(cache_max_ttl), CFG_TTL_MAX },
	[CFG_K_CACHE_MAX_NEGATIVE_TTL] = { "cache-max-negative-ttl",
	    CFG_ONE(cfg_key_u32), CFG_FIELD(cache_max_negative_ttl),
	    CFG_TTL_MAX },
	[CFG_K_NSEC3_MAX_ITERATIONS] = { "nsec3-max-iterations",
	    CFG_ONE(cfg_key_u32), CFG_FIELD(nsec3_max_iterations),
	    CFG_NSEC3_ITER_MAX },
	[CFG_K_VAL_MAX_VERIFICATIONS] = { "val-max-verifications",
	    CFG_ONE(cfg_key_u32), CFG_FIELD(val_max_verifications), 100000 },
	[CFG_K_VAL_MAX_SIGS] = { "val-max-sigs-per-rrset",
	    CFG_ONE(cfg_key_u32), CFG_FIELD(val_max_sigs), 1000 },
	[CFG_K_VAL_MAX_KEY_TRIES] = { "val-max-key-tries",
	    CFG_ONE(cfg_key_u32), CFG_FIELD(val_max_key_tries), 1000 },
	[CFG_K_VAL_MAX_NSEC3_HASHES] = { "val-max-nsec3-hashes",
	    CFG_ONE(cfg_key_u32), CFG_FIELD(val_max_nsec3_hashes), 100000 },
	[CFG_K_VAL_CLOCK_SKEW] = { "val-clock-skew",
	    CFG_ONE(cfg_key_u32), CFG_FIELD(val_clock_skew), 7 * 86400 },
	[CFG_K_VAL_BOGUS_TTL] = { "val-bogus-ttl", CFG_ONE(cfg_key_u32),
	    CFG_FIELD(val_bogus_ttl), 86400 },
	[CFG_K_PREFETCH] = { "prefetch", CFG_ONE(cfg_key_bool),
	    CFG_FIELD(prefetch), 0 },
	[CFG_K_SERVE_STALE] = { "serve-stale", CFG_ONE(cfg_key_bool),
	    CFG_FIELD(serve_stale), 0 },
	[CFG_K_SERVE_STALE_TTL] = { "serve-stale-ttl", CFG_ONE(cfg_key_u32),
	    CFG_FIELD(serve_stale_ttl), 30u * 86400 },
	[CFG_K_AGGRESSIVE_NSEC] = { "aggressive-nsec", CFG_ONE(cfg_key_bool),
	    CFG_FIELD(aggressive_nsec), 0 },
	[CFG_K_API_GROUP] = { "api-group", CFG_ONE(cfg_key_api_group), 0, 0 },
	[CFG_K_API_MAX_CLIENTS] = { "api-max-clients", CFG_ONE(cfg_key_u32),
	    CFG_FIELD(api_max_clients), 1000000 },
	[CFG_K_INSECURE_MX_POLICY] = { "insecure-mx-policy",
	    CFG_ONE(cfg_key_insecure_mx_policy), 0, 0 },
	[CFG_K_LOG] = { "log", CFG_ONE(cfg_key_log), 0, 0 },
	[CFG_K_LOG_LEVEL] = { "log-level", CFG_ONE(cfg_key_log_level), 0, 0 },
	[CFG_K_USER] = { "user", CFG_ONE(cfg_key_user), 0, 0 },
	[CFG_K_CHROOT] = { "chroot", CFG_ONE(cfg_key_chroot),
	    CFG_FIELD(chroot), 0 },
	[CFG_K_POLICY_SOCKET] = { "policy-socket", CFG_ONE(cfg_key_api_socket),
	    CFG_FIELD(policy_socket), 0 },
	[CFG_K_POLICY_TLSRPT] = { "policy-tlsrpt", CFG_ONE(cfg_key_bool),
	    CFG_FIELD(policy_tlsrpt), 0 },
	[CFG_K_STS] = { "sts", CFG_ONE(cfg_key_bool), CFG_FIELD(sts), 0 },
	[CFG_K_STS_CA_FILE] = { "sts-ca-file", CFG_ONE(cfg_key_sts_ca_file),
	    0, 0 },
	[CFG_K_STS_FETCH_TIMEOUT] = { "sts-fetch-timeout",
	    CFG_ONE(cfg_key_seconds), CFG_FIELD(sts_fetch_timeout), 300 },
	[CFG_K_STS_REFRESH_INTERVAL] = { "sts-refresh-interval",
	    CFG_ONE(cfg_key_seconds), CFG_FIELD(sts_refresh_interval),
	    31557600 },
};
