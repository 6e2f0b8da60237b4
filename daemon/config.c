/*
 * config.c: configuration defaults, the line reader, and the checks that
 * span several keys.  The syntax of each key's values is in config_keys.c.
 *
 * The reader works on the whole text in memory through (pointer, length)
 * spans: nothing is copied into a fixed line buffer, so a line of any
 * length is read correctly, and each value is length-checked by the key
 * that takes it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "err.h"

/*
 * Messages.
 */

const char *
cfg_show(const struct cfg_span *s, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (cap < 4) {
		if (cap > 0)
			buf[0] = '\0';
		return buf;
	}
	for (i = 0; i < s->len; i++) {
		unsigned char c = (unsigned char)s->p[i];
		size_t need = (c >= 0x20 && c < 0x7f) ? 1 : 4;

		/* Keep room for "..." and the NUL. */
		if (o + need + 4 > cap)
			break;
		if (need == 1) {
			buf[o++] = (char)c;
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[c >> 4];
		buf[o++] = hex[c & 0xf];
	}
	if (i < s->len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int
cfg_vfail(struct cfg_parser *p, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int
cfg_vfail(struct cfg_parser *p, const char *fmt, va_list ap)
{
	int n;

	if (p->errlen == 0)
		return MX_ESYNTAX;
	if (p->line != 0)
		n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n >= 0 && (size_t)n < p->errlen && p->key != NULL)
		n += snprintf(p->err + n, p->errlen - (size_t)n, "%s: ",
		    p->key->name);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	return MX_ESYNTAX;
}

int
cfg_fail(struct cfg_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vfail(p, fmt, ap);
	va_end(ap);
	return MX_ESYNTAX;
}

int
cfg_fail_nomem(struct cfg_parser *p)
{
	cfg_fail(p, "%s", mx_strerror(MX_ENOMEM));
	return MX_ENOMEM;
}

/* A check that spans keys: report it at the line of the given key. */
static int
cfg_fail_at(struct cfg_parser *p, enum cfg_key_id id, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
cfg_fail_at(struct cfg_parser *p, enum cfg_key_id id, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	p->key = &cfg_keys[id];
	p->line = line;
	va_start(ap, fmt);
	cfg_vfail(p, fmt, ap);
	va_end(ap);
	return MX_ESYNTAX;
}

/*
 * Defaults.
 */

static char *
cfg_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
cfg_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* The XDG base directory spec says to ignore relative values. */
static const char *
cfg_env_abs(const char *var)
{
	const char *v = getenv(var);

	return v != NULL && v[0] == '/' ? v : NULL;
}

static int
cfg_default_paths(struct mxsec_config *cfg, uid_t euid)
{
	const char *run, *cache, *home;

	if (euid == 0) {
		cfg->api_socket = strdup("/run/mxsec/" CFG_SOCKET_NAME);
		cfg->cache_dir = strdup("/var/cache/mxsec");
		goto done;
	}
	run = cfg_env_abs("XDG_RUNTIME_DIR");
	if (run != NULL)
		cfg->api_socket = cfg_strdupf("%s/mxsec/%s", run, CFG_SOCKET_NAME);
	else
		cfg->api_socket = cfg_strdupf("/tmp/mxsec-%lu/%s",
		    (unsigned long)euid, CFG_SOCKET_NAME);
	cache = cfg_env_abs("XDG_CACHE_HOME");
	home = cfg_env_abs("HOME");
	if (cache != NULL)
		cfg->cache_dir = cfg_strdupf("%s/mxsec", cache);
	else if (home != NULL)
		cfg->cache_dir = cfg_strdupf("%s/.cache/mxsec", home);
	else
		cfg->cache_dir = cfg_strdupf("/tmp/mxsec-%lu/cache",
		    (unsigned long)euid);
done:
	if (cfg->api_socket != NULL) {
		/* The socketmap socket sits beside the API socket. */
		const char *slash = strrchr(cfg->api_socket, '/');
		cfg->policy_socket = cfg_strdupf("%.*s/%s",
		    (int)(slash - cfg->api_socket), cfg->api_socket,
		    CFG_POLICY_SOCKET_NAME);
	}
	return cfg->api_socket != NULL && cfg->cache_dir != NULL &&
	    cfg->policy_socket != NULL ? 0 : MX_ENOMEM;
}

static void
cfg_set_loopback_listeners(struct cfg_addrs *l)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&l->v[0].sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->v[1].sa;

	memset(l->v, 0, 2 * sizeof(*l->v));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(CFG_DNS_PORT);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l->v[0].salen = sizeof(*sin);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(CFG_DNS_PORT);
	sin6->sin6_addr = in6addr_loopback;
	l->v[1].salen = sizeof(*sin6);
	l->n = 2;
}

int
config_init_defaults_uid(struct mxsec_config *cfg, uid_t euid)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = CFG_MODE_RECURSIVE;
	cfg->cache_size = CFG_CACHE_SIZE_DEFAULT;
	cfg->do_ip4 = true;
	cfg->do_ip6 = true;
	cfg->qname_minimisation = true;
	cfg->harden_glue = true;
	cfg->cache_min_ttl = 0;
	cfg->cache_max_ttl = CFG_MAX_TTL_DEFAULT;
	cfg->cache_max_negative_ttl = CFG_NEG_TTL_DEFAULT;
	cfg->nsec3_max_iterations = CFG_NSEC3_ITER_DEFAULT;
	cfg->val_bogus_ttl = 60;
	cfg->prefetch = true;
	cfg->serve_stale = false;
	cfg->serve_stale_ttl = 86400;
	cfg->aggressive_nsec = true;
	cfg->api_max_clients = 4096;
	cfg->insecure_mx_dane = true;
	cfg->sts = true;
	cfg->sts_fetch_timeout = 10;
	cfg->sts_refresh_interval = 3600;
	cfg->sts_ca_file = strdup(CFG_STS_CA_FILE);
	if (cfg->sts_ca_file == NULL)
		goto fail;
	cfg->log_target = LOG_TARGET_SYSLOG;
	cfg->log_level = LOG_LEVEL_NOTICE;
	cfg->listen_dns.v = calloc(2, sizeof(*cfg->listen_dns.v));
	if (cfg->listen_dns.v == NULL)
		goto fail;
	cfg_set_loopback_listeners(&cfg->listen_dns);
	if (cfg_default_paths(cfg, euid) != 0)
		goto fail;
	return 0;
fail:
	config_free(cfg);
	return MX_ENOMEM;
}

int
config_init_defaults(struct mxsec_config *cfg)
{
	return config_init_defaults_uid(cfg, geteuid());
}

void
config_free(struct mxsec_config *cfg)
{
	free(cfg->file);
	free(cfg->forward.v);
	free(cfg->root_hints);
	free(cfg->auto_trust_anchor_file);
	for (size_t i = 0; i < cfg->trust_anchor_files.n; i++)
		free(cfg->trust_anchor_files.v[i]);
	free(cfg->trust_anchor_files.v);
	free(cfg->listen_dns.v);
	free(cfg->api_socket);
	free(cfg->cache_dir);
	free(cfg->outgoing.v);
	free(cfg->domain_insecure.v);
	free(cfg->user);
	free(cfg->chroot);
	free(cfg->api_group);
	free(cfg->policy_socket);
	free(cfg->sts_ca_file);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * Lines.
 */

static bool
cfg_is_blank(char c)
{
	/* '\r' so that files written on other systems read the same. */
	return c == ' ' || c == '\t' || c == '\r';
}

/* Check the bytes of a line and return the length before any comment.
 * NUL is refused everywhere (it would cut the value a C string sees);
 * other control characters outside comments, as they are invisible. */
static int
cfg_line_content(struct cfg_parser *p, const char *s, size_t len,
    size_t *content)
{
	size_t i;

	*content = len;
	if (memchr(s, '\0', len) != NULL)
		return cfg_fail(p, "NUL byte in line");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '#')
			break;
		if ((c < 0x20 && !cfg_is_blank((char)c)) || c == 0x7f)
			return cfg_fail(p, "control character 0x%02x in line", c);
	}
	*content = i;
	return 0;
}

/* Split s[0..len) at blanks into at most max tokens; returns the number of
 * tokens, max + 1 when there are more. */
static size_t
cfg_tokenize(const char *s, size_t len, struct cfg_span *tok, size_t max)
{
	size_t n = 0, i = 0;

	for (;;) {
		size_t start;

		while (i < len && cfg_is_blank(s[i]))
			i++;
		if (i == len)
			return n;
		if (n == max)
			return max + 1;
		start = i;
		while (i < len && !cfg_is_blank(s[i]))
			i++;
		tok[n].p = s + start;
		tok[n].len = i - start;
		n++;
	}
}

static const struct cfg_key *
cfg_key_find(const struct cfg_span *s)
{
	for (size_t i = 0; i < CFG_K_COUNT; i++) {
		const char *name = cfg_keys[i].name;

		if (strlen(name) == s->len && memcmp(name, s->p, s->len) == 0)
			return &cfg_keys[i];
	}
	return NULL;
}

static int
cfg_unknown_key(struct cfg_parser *p, const struct cfg_span *s)
{
	char shown[CFG_SHOW_MAX];

	cfg_show(s, shown, sizeof(shown));
	/* A common habit from other resolvers' files. */
	if (s->len > 1 && s->p[s->len - 1] == ':')
		return cfg_fail(p, "unknown key '%s' (write 'key value',"
		    " without a colon)", shown);
	return cfg_fail(p, "unknown key '%s'", shown);
}

static int
cfg_apply(struct cfg_parser *p, const struct cfg_span *tok, size_t ntok)
{
	const struct cfg_key *key = cfg_key_find(&tok[0]);
	size_t nval = ntok - 1, id;
	int rc;

	if (key == NULL)
		return cfg_unknown_key(p, &tok[0]);
	id = (size_t)(key - cfg_keys);
	p->key = key;
	if (!key->repeatable && p->seen[id] != 0)
		return cfg_fail(p, "already set on line %u", p->seen[id]);
	if (nval == 0)
		return cfg_fail(p, "missing value");
	if (nval > CFG_VALUES_MAX)
		return cfg_fail(p, "more than %d values on one line",
		    CFG_VALUES_MAX);
	if (nval > key->max_values && key->max_values == 1)
		return cfg_fail(p, "expected 1 value, got %zu", nval);
	if (nval > key->max_values)
		return cfg_fail(p, "expected at most %u values, got %zu",
		    key->max_values, nval);
	rc = key->fn(p, tok + 1, nval);
	if (rc != 0)
		return rc;
	p->seen[id] = p->line;
	p->key = NULL;
	return 0;
}

static int
cfg_line(struct cfg_parser *p, const char *s, size_t len)
{
	struct cfg_span tok[CFG_VALUES_MAX + 1];
	size_t content, ntok;
	int rc;

	rc = cfg_line_content(p, s, len, &content);
	if (rc != 0)
		return rc;
	/* A count one past the array means "too many values"; cfg_apply
	 * says so once it knows the key, and reads only tok[0] then. */
	ntok = cfg_tokenize(s, content, tok, CFG_VALUES_MAX + 1);
	if (ntok == 0)
		return 0;
	return cfg_apply(p, tok, ntok);
}

/*
 * Checks across keys, after the whole file is read.
 */

static unsigned
cfg_later(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

static bool
cfg_addr_is_loopback(const struct cfg_addr *a)
{
	if (a->sa.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->sa;

		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	const struct in6_addr *in6 =
	    &((const struct sockaddr_in6 *)&a->sa)->sin6_addr;

	/* A v4-mapped 127/8 reaches the same loopback (RFC 4291 2.5.5.2). */
	return IN6_IS_ADDR_LOOPBACK(in6) ||
	    (IN6_IS_ADDR_V4MAPPED(in6) && in6->s6_addr[12] == 127);
}

static int
cfg_check_forward(struct cfg_parser *p)
{
	const struct mxsec_config *cfg = p->cfg;
	char text[INET6_ADDRSTRLEN + 8];

	if (cfg->mode == CFG_MODE_FORWARD && cfg->forward.n == 0)
		return cfg_fail_at(p, CFG_K_MODE, p->seen[CFG_K_MODE],
		    "'forward' needs at least one 'forward ADDR' line");
	/* Upstreams the operator wrote but that would not be used point to a
	 * forgotten 'mode forward': resolving directly instead may break a
	 * site policy, so refuse rather than guess. */
	if (cfg->mode != CFG_MODE_FORWARD && cfg->forward.n > 0)
		return cfg_fail_at(p, CFG_K_FORWARD, cfg->forward.v[0].line,
		    "upstreams are used only with 'mode forward'");
	for (size_t i = 0; i < cfg->forward.n; i++) {
		const struct cfg_addr *a = &cfg->forward.v[i];
		bool v4 = a->sa.ss_family == AF_INET;

		config_addr_to_str(a, text, sizeof(text));
		if (v4 ? !cfg->do_ip4 : !cfg->do_ip6)
			return cfg_fail_at(p, CFG_K_FORWARD, a->line,
			    "%s cannot be used with '%s no'", text,
			    v4 ? "do-ip4" : "do-ip6");
		/* DESIGN.md: loopback upstreams are for tests, and opt-in. */
		if (cfg_addr_is_loopback(a) && !cfg->query_loopback)
			return cfg_fail_at(p, CFG_K_FORWARD, a->line,
			    "%s is a loopback address: it needs"
			    " 'query-loopback yes'", text);
	}
	return 0;
}

static int
cfg_check(struct cfg_parser *p)
{
	const struct mxsec_config *cfg = p->cfg;
	unsigned line;
	int rc;

	if (!cfg->do_ip4 && !cfg->do_ip6) {
		line = cfg_later(p->seen[CFG_K_DO_IP4], p->seen[CFG_K_DO_IP6]);
		return cfg_fail_at(p, line == p->seen[CFG_K_DO_IP4] ?
		    CFG_K_DO_IP4 : CFG_K_DO_IP6, line,
		    "do-ip4 and do-ip6 cannot both be 'no'");
	}
	rc = cfg_check_forward(p);
	if (rc != 0)
		return rc;
	if (cfg->cache_min_ttl > cfg->cache_max_ttl) {
		line = cfg_later(p->seen[CFG_K_CACHE_MIN_TTL],
		    p->seen[CFG_K_CACHE_MAX_TTL]);
		return cfg_fail_at(p, line == p->seen[CFG_K_CACHE_MIN_TTL] ?
		    CFG_K_CACHE_MIN_TTL : CFG_K_CACHE_MAX_TTL, line,
		    "cache-min-ttl %lu is above cache-max-ttl %lu",
		    (unsigned long)cfg->cache_min_ttl,
		    (unsigned long)cfg->cache_max_ttl);
	}
	/* The socketmap socket follows a configured API socket into its
	 * directory, unless it is configured itself. */
	if (p->seen[CFG_K_API_SOCKET] && !p->seen[CFG_K_POLICY_SOCKET] &&
	    strcmp(cfg->api_socket, "none") != 0) {
		const char *slash = strrchr(cfg->api_socket, '/');
		char *ps = slash == NULL ? strdup(CFG_POLICY_SOCKET_NAME) :
		    cfg_strdupf("%.*s/%s", (int)(slash - cfg->api_socket),
		    cfg->api_socket, CFG_POLICY_SOCKET_NAME);
		if (ps == NULL)
			return cfg_fail_nomem(p);
		free(p->cfg->policy_socket);
		p->cfg->policy_socket = ps;
	}
	return 0;
}

/*
 * Entry points.
 */

int
config_parse_string(struct mxsec_config *cfg, const char *text, size_t len,
    const char *name, char *errbuf, size_t errlen)
{
	struct cfg_parser p = {
		.cfg = cfg,
		.name = name != NULL ? name : "(string)",
		.err = errbuf,
		.errlen = errlen,
	};
	size_t pos = 0;
	int rc;

	if (errlen > 0)
		errbuf[0] = '\0';
	if (len > CFG_FILE_MAX)
		return cfg_fail(&p, "larger than %d bytes", CFG_FILE_MAX);
	free(cfg->file);
	cfg->file = strdup(p.name);
	if (cfg->file == NULL)
		return cfg_fail_nomem(&p);
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t linelen = nl != NULL ? (size_t)(nl - s) : len - pos;

		p.line++;
		rc = cfg_line(&p, s, linelen);
		if (rc != 0)
			return rc;
		pos += linelen + (nl != NULL);
	}
	p.line = 0;
	p.key = NULL;
	return cfg_check(&p);
}

/* Read all of a file, or CFG_FILE_MAX + 1 bytes of it: enough for the
 * parser to refuse it as too large.  Works on pipes too. */
static int
cfg_read_all(int fd, char **out, size_t *outlen)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	*out = NULL;
	*outlen = 0;
	if (buf == NULL)
		return MX_ENOMEM;
	while (len <= CFG_FILE_MAX) {
		if (len == cap) {
			cap *= 2;
			nb = realloc(buf, cap);
			if (nb == NULL)
				goto fail_nomem;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_io;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*outlen = len;
	return 0;
fail_nomem:
	free(buf);
	return MX_ENOMEM;
fail_io:
	free(buf);
	return MX_EIO;
}

int
config_parse_file(struct mxsec_config *cfg, const char *path, char *errbuf,
    size_t errlen)
{
	char *text = NULL;
	size_t len;
	int fd, rc, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(errbuf, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return MX_EIO;
	}
	rc = cfg_read_all(fd, &text, &len);
	saved = errno;
	close(fd);
	if (rc == MX_EIO) {
		snprintf(errbuf, errlen, "%s: cannot read: %s", path,
		    strerror(saved));
		goto fail;
	}
	if (rc != 0) {
		snprintf(errbuf, errlen, "%s: %s", path, mx_strerror(rc));
		goto fail;
	}
	rc = config_parse_string(cfg, text, len, path, errbuf, errlen);
fail:
	free(text);
	return rc;
}

const char *
config_mode_name(enum cfg_mode mode)
{
	return mode == CFG_MODE_FORWARD ? "forward" : "recursive";
}

int
config_addr_to_str(const struct cfg_addr *a, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN];
	const void *bin;
	uint16_t port;
	int n;

	if (a->sa.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->sa;

		bin = &sin->sin_addr;
		port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)&a->sa;

		bin = &sin6->sin6_addr;
		port = ntohs(sin6->sin6_port);
	}
	if (inet_ntop(a->sa.ss_family, bin, host, sizeof(host)) == NULL)
		return MX_EINVAL;
	if (port != 0)
		n = snprintf(buf, cap, "%s@%u", host, (unsigned)port);
	else
		n = snprintf(buf, cap, "%s", host);
	if (n < 0 || (size_t)n >= cap)
		return MX_ESPACE;
	return n;
}
