/*
 * test_config.c: mxsecd's configuration reader (daemon/config.h) against
 * the contract in doc/mxsecd.conf.5.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* By path: -I for the build root comes first, and a config.h left there
 * by older builds (the generated header's former name) would win. */
#include "daemon/config.h"
#include "err.h"
#include "name.h"

#define ERR_MAX 512

struct t {
	struct mxsec_config cfg;
	char err[ERR_MAX];
};

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (t == NULL || config_init_defaults_uid(&t->cfg, 0) != 0)
		return -1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	config_free(&t->cfg);
	free(t);
	return 0;
}

static int
parse(struct t *t, const char *text)
{
	return config_parse_string(&t->cfg, text, strlen(text), "t.conf",
	    t->err, sizeof(t->err));
}

/* Parse text that must fail with MX_ESYNTAX and exactly message want. */
static void
fails(struct t *t, const char *text, const char *want)
{
	int rc = parse(t, text);

	if (rc != MX_ESYNTAX || strcmp(t->err, want) != 0)
		print_error("text: %.200s\nwant: %s\ngot:  %s (rc %d)\n", text, want,
		    t->err, rc);
	assert_int_equal(rc, MX_ESYNTAX);
	assert_string_equal(t->err, want);
}

/* Parse text in a fresh default config (for tests with several cases). */
static void
fails_fresh(const char *text, const char *want)
{
	struct t *t = NULL;

	assert_int_equal(setup((void **)&t), 0);
	fails(t, text, want);
	teardown((void **)&t);
}

static void
ok(struct t *t, const char *text)
{
	int rc = parse(t, text);

	if (rc != 0)
		print_error("text: %.200s\nerror: %s\n", text, t->err);
	assert_int_equal(rc, 0);
	assert_string_equal(t->err, "");
}

static void
assert_addr(const struct cfg_addr *a, const char *want)
{
	char buf[80];

	assert_true(config_addr_to_str(a, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, want);
}

static void
assert_name(const struct cfg_name *n, const char *want)
{
	char buf[NAME_MAX_STR];

	assert_true(name_to_str(n->wire, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, want);
}

/*
 * Defaults.
 */

static void
test_defaults_root(void **state)
{
	struct t *t = *state;
	const struct mxsec_config *c = &t->cfg;

	assert_null(c->file);
	assert_int_equal(c->mode, CFG_MODE_RECURSIVE);
	assert_int_equal(c->forward.n, 0);
	assert_null(c->root_hints);
	assert_int_equal(c->trust_anchor_files.n, 0);
	assert_int_equal(c->listen_dns.n, 2);
	assert_addr(&c->listen_dns.v[0], "127.0.0.1@53");
	assert_addr(&c->listen_dns.v[1], "::1@53");
	assert_int_equal(c->listen_dns.v[0].line, 0);
	assert_string_equal(c->api_socket, "/run/mxsec/mxsecd.sock");
	assert_string_equal(c->cache_dir, "/var/cache/mxsec");
	assert_int_equal(c->cache_size, 256 * 1024 * 1024);
	assert_false(c->query_loopback);
	assert_int_equal(c->outgoing.n, 0);
	assert_true(c->do_ip4);
	assert_true(c->do_ip6);
	assert_int_equal(c->domain_insecure.n, 0);
	assert_true(c->qname_minimisation);
	assert_true(c->harden_glue);
	assert_int_equal(c->cache_min_ttl, 0);
	assert_int_equal(c->cache_max_ttl, 86400);
	assert_int_equal(c->cache_max_negative_ttl, 3600);
	assert_int_equal(c->nsec3_max_iterations, 150);
	assert_int_equal(c->log_target, LOG_TARGET_SYSLOG);
	assert_int_equal(c->log_level, LOG_LEVEL_NOTICE);
	assert_null(c->user);
}

static void
check_user_paths(const char *xdg_run, const char *xdg_cache,
    const char *home, const char *want_sock, const char *want_cache)
{
	struct mxsec_config c;

	if (xdg_run)
		setenv("XDG_RUNTIME_DIR", xdg_run, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	if (xdg_cache)
		setenv("XDG_CACHE_HOME", xdg_cache, 1);
	else
		unsetenv("XDG_CACHE_HOME");
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	assert_int_equal(config_init_defaults_uid(&c, 1000), 0);
	assert_string_equal(c.api_socket, want_sock);
	assert_string_equal(c.cache_dir, want_cache);
	/* Everything but the paths is the same as for root. */
	assert_int_equal(c.mode, CFG_MODE_RECURSIVE);
	assert_int_equal(c.listen_dns.n, 2);
	config_free(&c);
}

static void
test_defaults_user(void **state)
{
	(void)state;
	check_user_paths("/run/user/1000", "/home/u/.xcache", "/home/u",
	    "/run/user/1000/mxsec/mxsecd.sock", "/home/u/.xcache/mxsec");
	check_user_paths(NULL, NULL, "/home/u",
	    "/tmp/mxsec-1000/mxsecd.sock", "/home/u/.cache/mxsec");
	/* Relative XDG values are ignored (XDG base directory spec). */
	check_user_paths("run", "cache", "/home/u",
	    "/tmp/mxsec-1000/mxsecd.sock", "/home/u/.cache/mxsec");
	check_user_paths(NULL, NULL, NULL,
	    "/tmp/mxsec-1000/mxsecd.sock", "/tmp/mxsec-1000/cache");
	check_user_paths("", "", "",
	    "/tmp/mxsec-1000/mxsecd.sock", "/tmp/mxsec-1000/cache");
}

static void
test_defaults_current_user(void **state)
{
	struct mxsec_config c;

	(void)state;
	assert_int_equal(config_init_defaults(&c), 0);
	assert_non_null(c.api_socket);
	assert_non_null(c.cache_dir);
	if (geteuid() == 0)
		assert_string_equal(c.api_socket, "/run/mxsec/mxsecd.sock");
	config_free(&c);
	/* Freeing twice, or a zeroed struct, is harmless. */
	config_free(&c);
}

/*
 * Lines, comments, tokens.
 */

static void
test_empty_and_comments(void **state)
{
	struct t *t = *state;

	ok(t, "");
	assert_string_equal(t->cfg.file, "t.conf");
	ok(t, "\n\n   \n\t\n# comment\n   # indented comment\n");
	ok(t, "mode recursive # trailing comment\n");
	ok(t, "harden-glue\tno#no blank before the comment\n");
	assert_false(t->cfg.harden_glue);
	/* CRLF line ends and no final newline. */
	ok(t, "cache-max-ttl 100\r\ncache-min-ttl 5");
	assert_int_equal(t->cfg.cache_max_ttl, 100);
	assert_int_equal(t->cfg.cache_min_ttl, 5);
	assert_int_equal(t->cfg.mode, CFG_MODE_RECURSIVE);
}

static void
test_comment_hides_values(void **state)
{
	struct t *t = *state;

	/* '#' starts a comment anywhere, even inside a token. */
	ok(t, "root-hints /etc/hints#not-part-of-it\n");
	assert_string_equal(t->cfg.root_hints, "/etc/hints");
	fails(t, "user #nobody\n", "t.conf:1: user: missing value");
}

static void
ok_fresh_val(void)
{
	struct mxsec_config c;
	char err[256];
	static const char text[] = "val-max-verifications 32\nval-max-sigs-per-rrset 4\n"
	    "val-max-key-tries 2\nval-max-nsec3-hashes 100\nval-clock-skew 60\n";

	assert_int_equal(config_init_defaults(&c), 0);
	assert_int_equal(config_parse_string(&c, text, sizeof(text) - 1, "t.conf", err, sizeof(err)), 0);
	assert_int_equal(c.val_max_verifications, 32);
	assert_int_equal(c.val_max_sigs, 4);
	assert_int_equal(c.val_max_key_tries, 2);
	assert_int_equal(c.val_max_nsec3_hashes, 100);
	assert_int_equal(c.val_clock_skew, 60);
	config_free(&c);
	assert_int_equal(config_init_defaults(&c), 0);
	assert_int_not_equal(config_parse_string(&c, "val-clock-skew 999999999\n", 25, "t.conf", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "t.conf:1: val-clock-skew"));
	config_free(&c);
}

static void
test_unknown_key(void **state)
{
	struct t *t = *state;

	fails(t, "mode recursive\n\n# x\n\n\n\nfoo bar\n",
	    "t.conf:7: unknown key 'foo'");
	fails_fresh("Mode recursive\n", "t.conf:1: unknown key 'Mode'");
	fails_fresh("mode: recursive\n", "t.conf:1: unknown key 'mode:'"
	    " (write 'key value', without a colon)");
	fails_fresh("forward-addr 192.0.2.1\n",
	    "t.conf:1: unknown key 'forward-addr'");
	/* The validation limits are keys (doc/mxsecd.conf.5). */
	ok_fresh_val();
	fails_fresh("val-sig-skew-min 5\n",
	    "t.conf:1: unknown key 'val-sig-skew-min'");
	fails_fresh("   foo\n", "t.conf:1: unknown key 'foo'");
}

static void
test_missing_and_extra_values(void **state)
{
	struct t *t = *state;

	fails(t, "mode\n", "t.conf:1: mode: missing value");
	fails_fresh("mode recursive forward\n",
	    "t.conf:1: mode: expected 1 value, got 2");
	fails_fresh("cache-size 1M 2M\n",
	    "t.conf:1: cache-size: expected 1 value, got 2");
	fails_fresh("forward\n", "t.conf:1: forward: missing value");
	fails_fresh("domain-insecure a.example b.example\n",
	    "t.conf:1: domain-insecure: expected 1 value, got 2");
	fails_fresh("trust-anchor-file a b\n",
	    "t.conf:1: trust-anchor-file: expected 1 value, got 2");
	fails_fresh("listen-dns\n", "t.conf:1: listen-dns: missing value");
	fails_fresh("user a b c\n", "t.conf:1: user: expected 1 value, got 3");
}

static void
test_too_many_values(void **state)
{
	struct t *t = *state;
	char text[4096];
	size_t o;

	o = (size_t)snprintf(text, sizeof(text), "mode forward\n"
	    "query-loopback yes\nforward");
	for (unsigned i = 1; i <= 63; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    " 127.0.0.%u", i);
	snprintf(text + o, sizeof(text) - o, "\n");
	ok(t, text);
	assert_int_equal(t->cfg.forward.n, 63);
	assert_addr(&t->cfg.forward.v[62], "127.0.0.63@53");

	o = (size_t)snprintf(text, sizeof(text), "outgoing-address");
	for (unsigned i = 1; i <= 64; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    " 10.0.0.%u", i);
	fails_fresh(text, "t.conf:1: outgoing-address: more than 63 values"
	    " on one line");
}

static void
test_repeated_scalar(void **state)
{
	struct t *t = *state;

	fails(t, "mode recursive\n# x\nmode recursive\n",
	    "t.conf:3: mode: already set on line 1");
	fails_fresh("cache-size 1M\ncache-size 1M\n",
	    "t.conf:2: cache-size: already set on line 1");
	fails_fresh("log stderr\nlog-level info\nlog syslog\n",
	    "t.conf:3: log: already set on line 1");
	fails_fresh("do-ip4 yes\n\ndo-ip4 no\n",
	    "t.conf:3: do-ip4: already set on line 1");
}

static void
test_nul_and_control(void **state)
{
	struct t *t = *state;
	static const char nul[] = "mode recursive\nuser a\0b\n";
	static const char nul_comment[] = "# a\0b\n";

	assert_int_equal(config_parse_string(&t->cfg, nul, sizeof(nul) - 1,
	    "t.conf", t->err, sizeof(t->err)), MX_ESYNTAX);
	assert_string_equal(t->err, "t.conf:2: NUL byte in line");
	assert_int_equal(config_parse_string(&t->cfg, nul_comment,
	    sizeof(nul_comment) - 1, "t.conf", t->err, sizeof(t->err)),
	    MX_ESYNTAX);
	assert_string_equal(t->err, "t.conf:1: NUL byte in line");
	fails_fresh("user a\033b\n",
	    "t.conf:1: control character 0x1b in line");
	fails_fresh("user ab\x7f\n",
	    "t.conf:1: control character 0x7f in line");
	/* Control characters in comments are harmless. */
	ok(t, "# \033[1m\n");
}

static void
test_long_lines(void **state)
{
	struct t *t = *state;
	size_t n = 100000;
	char *text = malloc(n + 64), want[128];

	assert_non_null(text);
	/* A long comment is read like a short one. */
	text[0] = '#';
	memset(text + 1, 'x', n);
	strcpy(text + 1 + n, "\nmode recursive\n");
	ok(t, text);

	/* A long key is quoted cut short: 68 bytes and "...". */
	memset(text, 'k', n);
	strcpy(text + n, " v\n");
	/* Built without reading text: gcc's -Wformat-truncation cannot see
	 * that the malloc above was checked. */
	memset(want, 0, sizeof(want));
	strcpy(want, "t.conf:1: unknown key '");
	memset(want + strlen(want), 'k', 68);
	strcat(want, "...'");
	fails(t, text, want);

	/* A path longer than PATH_MAX is refused, not cut. */
	strcpy(text, "root-hints /");
	memset(text + 12, 'p', PATH_MAX);
	strcpy(text + 12 + PATH_MAX, "\n");
	fails_fresh(text, "t.conf:1: root-hints: path longer than 4095 bytes");
	free(text);
}

static void
test_too_large(void **state)
{
	struct t *t = *state;
	size_t n = CFG_FILE_MAX + 1;
	char *text = malloc(n);

	assert_non_null(text);
	memset(text, '\n', n);
	assert_int_equal(config_parse_string(&t->cfg, text, n, "t.conf",
	    t->err, sizeof(t->err)), MX_ESYNTAX);
	assert_string_equal(t->err, "t.conf: larger than 1048576 bytes");
	assert_int_equal(config_parse_string(&t->cfg, text, n - 1, "t.conf",
	    t->err, sizeof(t->err)), 0);
	free(text);
}

static void
test_small_errbuf(void **state)
{
	struct t *t = *state;
	char small[12];

	memset(small, 'z', sizeof(small));
	assert_int_equal(config_parse_string(&t->cfg, "foo\n", 4, "t.conf",
	    small, sizeof(small)), MX_ESYNTAX);
	assert_string_equal(small, "t.conf:1: u");
	assert_int_equal(config_parse_string(&t->cfg, "foo\n", 4, "t.conf",
	    NULL, 0), MX_ESYNTAX);
}

/*
 * Keys.
 */

static void
test_mode(void **state)
{
	struct t *t = *state;

	ok(t, "mode recursive\n");
	assert_int_equal(t->cfg.mode, CFG_MODE_RECURSIVE);
	fails_fresh("\n\nmode x\n",
	    "t.conf:3: mode: expected 'recursive' or 'forward', got 'x'");
	fails_fresh("mode Forward\n",
	    "t.conf:1: mode: expected 'recursive' or 'forward', got 'Forward'");
	assert_string_equal(config_mode_name(CFG_MODE_FORWARD), "forward");
	assert_string_equal(config_mode_name(CFG_MODE_RECURSIVE), "recursive");
}

static void
test_forward(void **state)
{
	struct t *t = *state;

	ok(t, "mode forward\n"
	    "forward 192.0.2.1 2001:db8::53@5353\n"
	    "forward 198.51.100.7@853\n");
	assert_int_equal(t->cfg.mode, CFG_MODE_FORWARD);
	assert_int_equal(t->cfg.forward.n, 3);
	assert_addr(&t->cfg.forward.v[0], "192.0.2.1@53");
	assert_addr(&t->cfg.forward.v[1], "2001:db8::53@5353");
	assert_addr(&t->cfg.forward.v[2], "198.51.100.7@853");
	assert_int_equal(t->cfg.forward.v[0].line, 2);
	assert_int_equal(t->cfg.forward.v[2].line, 3);
	assert_int_equal(t->cfg.forward.v[1].sa.ss_family, AF_INET6);
	assert_int_equal(t->cfg.forward.v[1].salen,
	    sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(((struct sockaddr_in6 *)
	    &t->cfg.forward.v[1].sa)->sin6_port), 5353);
}

static void
test_forward_order_free(void **state)
{
	struct t *t = *state;

	/* mode may come after the forward lines. */
	ok(t, "forward 192.0.2.1\nmode forward\n");
	assert_int_equal(t->cfg.forward.n, 1);
}

static void
test_forward_bad(void **state)
{
	(void)state;
	fails_fresh("mode forward\nforward 192.0.2\n",
	    "t.conf:2: forward: '192.0.2' is not an IPv4 or IPv6 address"
	    " (with optional @PORT)");
	fails_fresh("forward example.com\n",
	    "t.conf:1: forward: 'example.com' is not an IPv4 or IPv6 address"
	    " (with optional @PORT)");
	fails_fresh("forward 192.0.2.1@0\n",
	    "t.conf:1: forward: '192.0.2.1@0': port must be a number from 1"
	    " to 65535");
	fails_fresh("forward 192.0.2.1@65536\n",
	    "t.conf:1: forward: '192.0.2.1@65536': port must be a number from"
	    " 1 to 65535");
	fails_fresh("forward 192.0.2.1@\n",
	    "t.conf:1: forward: '192.0.2.1@': port must be a number from 1 to"
	    " 65535");
	fails_fresh("forward 192.0.2.1@x\n",
	    "t.conf:1: forward: '192.0.2.1@x': port must be a number from 1 to"
	    " 65535");
	fails_fresh("forward @53\n",
	    "t.conf:1: forward: '@53' is not an IPv4 or IPv6 address"
	    " (with optional @PORT)");
	fails_fresh("forward [2001:db8::1]:53\n",
	    "t.conf:1: forward: '[2001:db8::1]:53' is not an IPv4 or IPv6"
	    " address (with optional @PORT)");
	fails_fresh("forward 0.0.0.0\n",
	    "t.conf:1: forward: '0.0.0.0': an upstream cannot be the"
	    " unspecified address");
	fails_fresh("forward ::\n",
	    "t.conf:1: forward: '::': an upstream cannot be the unspecified"
	    " address");
	fails_fresh("mode forward\nforward 192.0.2.1\nforward 192.0.2.1@53\n",
	    "t.conf:3: forward: 192.0.2.1@53 is already listed on line 2");
	/* Same address, other port: two upstreams. */
	fails_fresh("mode forward\nforward 2001:db8::1 2001:db8::1@54 "
	    "2001:db8:0::1\n",
	    "t.conf:2: forward: 2001:db8::1@53 is already listed on line 2");
}

static void
test_forward_mode_consistency(void **state)
{
	(void)state;
	fails_fresh("# forward mode\n\nmode forward\n",
	    "t.conf:3: mode: 'forward' needs at least one 'forward ADDR' line");
	fails_fresh("\nforward 192.0.2.1\n",
	    "t.conf:2: forward: upstreams are used only with 'mode forward'");
	fails_fresh("mode recursive\nforward 192.0.2.1\n",
	    "t.conf:2: forward: upstreams are used only with 'mode forward'");
	fails_fresh("mode forward\nforward 192.0.2.1\nforward 2001:db8::1\n"
	    "do-ip6 no\n",
	    "t.conf:3: forward: 2001:db8::1@53 cannot be used with"
	    " 'do-ip6 no'");
	fails_fresh("mode forward\nforward 192.0.2.1\ndo-ip4 no\n",
	    "t.conf:2: forward: 192.0.2.1@53 cannot be used with 'do-ip4 no'");
	fails_fresh("mode forward\nforward 127.0.0.53@5300\n",
	    "t.conf:2: forward: 127.0.0.53@5300 is a loopback address: it"
	    " needs 'query-loopback yes'");
	fails_fresh("mode forward\nforward ::1\n",
	    "t.conf:2: forward: ::1@53 is a loopback address: it needs"
	    " 'query-loopback yes'");
	fails_fresh("mode forward\nforward ::ffff:127.0.0.1\n",
	    "t.conf:2: forward: ::ffff:127.0.0.1@53 is a loopback address: it"
	    " needs 'query-loopback yes'");
}

static void
test_forward_loopback_allowed(void **state)
{
	struct t *t = *state;

	/* The test harness's shape: loopback upstream, opt-in. */
	ok(t, "mode forward\nforward 127.0.0.1@5300 ::1@5300\n"
	    "query-loopback yes\n");
	assert_true(t->cfg.query_loopback);
	assert_int_equal(t->cfg.forward.n, 2);
}

static void
test_paths(void **state)
{
	struct t *t = *state;

	ok(t, "root-hints /etc/mxsec/root.hints\n"
	    "api-socket ./mxsecd.sock\n"
	    "cache-dir cache\n");
	assert_string_equal(t->cfg.root_hints, "/etc/mxsec/root.hints");
	assert_string_equal(t->cfg.api_socket, "./mxsecd.sock");
	assert_string_equal(t->cfg.cache_dir, "cache");
	fails_fresh("root-hints a b\n",
	    "t.conf:1: root-hints: expected 1 value, got 2");
	fails_fresh("cache-dir\n", "t.conf:1: cache-dir: missing value");
}

static void
test_api_socket_length(void **state)
{
	struct t *t = *state;
	char text[256];

	/* 107 bytes fit sun_path with its NUL; 108 do not. */
	snprintf(text, sizeof(text), "api-socket /%0106d\n", 0);
	ok(t, text);
	assert_int_equal(strlen(t->cfg.api_socket), 107);
	snprintf(text, sizeof(text), "api-socket /%0107d\n", 0);
	fails_fresh(text, "t.conf:1: api-socket: path longer than 107 bytes");
}

static void
test_trust_anchor_files(void **state)
{
	struct t *t = *state;

	ok(t, "trust-anchor-file root.key\n"
	    "trust-anchor-file /etc/mxsec/example.ds\n");
	assert_int_equal(t->cfg.trust_anchor_files.n, 2);
	assert_string_equal(t->cfg.trust_anchor_files.v[0], "root.key");
	assert_string_equal(t->cfg.trust_anchor_files.v[1],
	    "/etc/mxsec/example.ds");
}

static void
test_listen_dns(void **state)
{
	struct t *t = *state;

	/* The first line replaces the defaults; later lines add. */
	ok(t, "listen-dns 127.0.0.1@5353\nlisten-dns ::1@5353 127.0.0.2\n");
	assert_int_equal(t->cfg.listen_dns.n, 3);
	assert_addr(&t->cfg.listen_dns.v[0], "127.0.0.1@5353");
	assert_addr(&t->cfg.listen_dns.v[1], "::1@5353");
	assert_addr(&t->cfg.listen_dns.v[2], "127.0.0.2@53");
	assert_int_equal(t->cfg.listen_dns.v[2].line, 2);
}

static void
test_listen_dns_none(void **state)
{
	struct t *t = *state;

	ok(t, "listen-dns none\n");
	assert_int_equal(t->cfg.listen_dns.n, 0);
	fails_fresh("listen-dns none\nlisten-dns 127.0.0.1\n",
	    "t.conf:2: listen-dns: conflicts with 'listen-dns none' on line 1");
	fails_fresh("listen-dns 127.0.0.1\nlisten-dns none\n",
	    "t.conf:2: listen-dns: 'none' conflicts with listen-dns on line 1");
	fails_fresh("listen-dns none 127.0.0.1\n",
	    "t.conf:1: listen-dns: 'none' must be the only value");
	fails_fresh("listen-dns 127.0.0.1 127.0.0.1@53\n",
	    "t.conf:1: listen-dns: 127.0.0.1@53 is already listed on line 1");
	fails_fresh("listen-dns localhost\n",
	    "t.conf:1: listen-dns: 'localhost' is not an IPv4 or IPv6 address"
	    " (with optional @PORT)");
}

static void
test_outgoing_address(void **state)
{
	struct t *t = *state;

	ok(t, "outgoing-address 192.0.2.10 2001:db8::10\n"
	    "outgoing-address 192.0.2.11\n");
	assert_int_equal(t->cfg.outgoing.n, 3);
	assert_addr(&t->cfg.outgoing.v[0], "192.0.2.10");
	assert_addr(&t->cfg.outgoing.v[1], "2001:db8::10");
	assert_addr(&t->cfg.outgoing.v[2], "192.0.2.11");
	fails_fresh("outgoing-address 192.0.2.10@53\n",
	    "t.conf:1: outgoing-address: '192.0.2.10@53': a port cannot be"
	    " given here");
	fails_fresh("outgoing-address 192.0.2.300\n",
	    "t.conf:1: outgoing-address: '192.0.2.300' is not an IPv4 or IPv6"
	    " address");
}

static void
test_cache_size(void **state)
{
	static const struct {
		const char *text;
		uint64_t want;
	} good[] = {
		{ "1M", 1ull << 20 },
		{ "1m", 1ull << 20 },
		{ "256M", 256ull << 20 },
		{ "1048576", 1ull << 20 },
		{ "2048K", 2ull << 20 },
		{ "2g", 2ull << 30 },
		{ "1T", 1ull << 40 },
		{ "1024G", 1ull << 40 },
	};
	static const char *const bad_syntax[] = {
		"M", "1.5G", "-1M", "1MB", "1 ", "0x100000", "1P", "+5M", "1e6",
	};
	static const char *const bad_range[] = {
		"0", "1048575", "1023K", "1025G", "2T",
		"99999999999999999999", "99999999999999999G",
	};
	char text[128], want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct t *t = NULL;

		assert_int_equal(setup((void **)&t), 0);
		snprintf(text, sizeof(text), "cache-size %s\n", good[i].text);
		ok(t, text);
		assert_true(t->cfg.cache_size == good[i].want);
		teardown((void **)&t);
	}
	for (size_t i = 0; i < sizeof(bad_syntax) / sizeof(bad_syntax[0]); i++) {
		snprintf(text, sizeof(text), "cache-size %s\n", bad_syntax[i]);
		/* "1 " is one token "1" then blank: that one is in range. */
		if (strcmp(bad_syntax[i], "1 ") == 0)
			snprintf(want, sizeof(want), "t.conf:1: cache-size: '1' is"
			    " out of range (1M to 1T)");
		else
			snprintf(want, sizeof(want), "t.conf:1: cache-size:"
			    " expected a size such as 256M (suffixes K, M, G, T),"
			    " got '%s'", bad_syntax[i]);
		fails_fresh(text, want);
	}
	for (size_t i = 0; i < sizeof(bad_range) / sizeof(bad_range[0]); i++) {
		snprintf(text, sizeof(text), "cache-size %s\n", bad_range[i]);
		snprintf(want, sizeof(want), "t.conf:1: cache-size: '%s' is out"
		    " of range (1M to 1T)", bad_range[i]);
		fails_fresh(text, want);
	}
}

/* Every yes|no key: both values, and a wrong one. */
static void
test_booleans(void **state)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "query-loopback", offsetof(struct mxsec_config, query_loopback) },
		{ "do-ip4", offsetof(struct mxsec_config, do_ip4) },
		{ "do-ip6", offsetof(struct mxsec_config, do_ip6) },
		{ "qname-minimisation",
		    offsetof(struct mxsec_config, qname_minimisation) },
		{ "harden-glue", offsetof(struct mxsec_config, harden_glue) },
	};
	char text[128], want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (int v = 0; v < 2; v++) {
			struct t *t = NULL;

			assert_int_equal(setup((void **)&t), 0);
			snprintf(text, sizeof(text), "%s %s\n", keys[i].key,
			    v ? "yes" : "no");
			ok(t, text);
			assert_int_equal(*((bool *)((char *)&t->cfg +
			    keys[i].off)), v);
			teardown((void **)&t);
		}
		snprintf(text, sizeof(text), "\n%s true\n", keys[i].key);
		snprintf(want, sizeof(want), "t.conf:2: %s: expected 'yes' or"
		    " 'no', got 'true'", keys[i].key);
		fails_fresh(text, want);
		snprintf(text, sizeof(text), "%s YES\n", keys[i].key);
		snprintf(want, sizeof(want), "t.conf:1: %s: expected 'yes' or"
		    " 'no', got 'YES'", keys[i].key);
		fails_fresh(text, want);
	}
}

static void
test_address_families(void **state)
{
	struct t *t = *state;

	ok(t, "do-ip6 no\n");
	assert_true(t->cfg.do_ip4);
	assert_false(t->cfg.do_ip6);
	fails_fresh("do-ip4 no\ndo-ip6 no\n",
	    "t.conf:2: do-ip6: do-ip4 and do-ip6 cannot both be 'no'");
	fails_fresh("do-ip6 no\n\ndo-ip4 no\n",
	    "t.conf:3: do-ip4: do-ip4 and do-ip6 cannot both be 'no'");
}

static void
test_domain_insecure(void **state)
{
	struct t *t = *state;
	static const uint8_t want[] = "\x07" "example" "\x03" "com";

	ok(t, "domain-insecure Example.COM\n"
	    "domain-insecure test.\n"
	    "domain-insecure .\n"
	    "domain-insecure a\\.b.example\n");
	assert_int_equal(t->cfg.domain_insecure.n, 4);
	/* Stored in wire form, lower-cased. */
	assert_memory_equal(t->cfg.domain_insecure.v[0].wire, want,
	    sizeof(want));
	assert_name(&t->cfg.domain_insecure.v[0], "example.com.");
	assert_name(&t->cfg.domain_insecure.v[1], "test.");
	assert_name(&t->cfg.domain_insecure.v[2], ".");
	assert_name(&t->cfg.domain_insecure.v[3], "a\\.b.example.");
	assert_int_equal(t->cfg.domain_insecure.v[3].line, 4);
}

static void
test_domain_insecure_bad(void **state)
{
	char text[1200], want[1200], label[70];

	(void)state;
	fails_fresh("domain-insecure example.com\n\n"
	    "domain-insecure EXAMPLE.com.\n",
	    "t.conf:3: domain-insecure: 'EXAMPLE.com.' is already listed on"
	    " line 1");
	fails_fresh("domain-insecure a..b\n",
	    "t.conf:1: domain-insecure: 'a..b' is not a valid domain name:"
	    " syntax error");

	/* A 64-octet label. */
	memset(label, 'a', 64);
	label[64] = '\0';
	snprintf(text, sizeof(text), "domain-insecure %s.example\n", label);
	snprintf(want, sizeof(want), "t.conf:1: domain-insecure: '%.68s...'"
	    " is not a valid domain name: %s", text + 16,
	    mx_strerror(MX_ELABEL));
	fails_fresh(text, want);

	/* A name over 255 octets (5 labels of 63). */
	strcpy(text, "domain-insecure ");
	for (int i = 0; i < 5; i++) {
		memset(label, 'b', 63);
		label[63] = '.';
		label[64] = '\0';
		strcat(text, label);
	}
	strcat(text, "\n");
	snprintf(want, sizeof(want), "t.conf:1: domain-insecure: '%.68s...'"
	    " is not a valid domain name: %s", text + 16,
	    mx_strerror(MX_ENAME));
	fails_fresh(text, want);

	/* Longer than any presentation form could be. */
	memset(text, 'c', sizeof(text));
	memcpy(text, "domain-insecure ", 16);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	snprintf(want, sizeof(want), "t.conf:1: domain-insecure: '%.68s...'"
	    " is not a valid domain name: %s", text + 16,
	    mx_strerror(MX_ENAME));
	fails_fresh(text, want);
}

static void
test_ttls(void **state)
{
	struct t *t = *state;

	ok(t, "cache-min-ttl 60\ncache-max-ttl 2147483647\n"
	    "cache-max-negative-ttl 0\n");
	assert_int_equal(t->cfg.cache_min_ttl, 60);
	assert_int_equal(t->cfg.cache_max_ttl, 2147483647);
	assert_int_equal(t->cfg.cache_max_negative_ttl, 0);
	fails_fresh("cache-max-ttl 2147483648\n",
	    "t.conf:1: cache-max-ttl: expected a number from 0 to 2147483647,"
	    " got '2147483648'");
	fails_fresh("cache-min-ttl -1\n",
	    "t.conf:1: cache-min-ttl: expected a number from 0 to 2147483647,"
	    " got '-1'");
	fails_fresh("cache-max-negative-ttl 1h\n",
	    "t.conf:1: cache-max-negative-ttl: expected a number from 0 to"
	    " 2147483647, got '1h'");
	fails_fresh("cache-min-ttl 99999999999999999999999\n",
	    "t.conf:1: cache-min-ttl: expected a number from 0 to 2147483647,"
	    " got '99999999999999999999999'");
}

static void
test_ttl_order(void **state)
{
	struct t *t = *state;

	ok(t, "cache-min-ttl 300\ncache-max-ttl 300\n");
	/* Checked after the whole file, at the later of the two lines. */
	fails_fresh("cache-min-ttl 100000\n",
	    "t.conf:1: cache-min-ttl: cache-min-ttl 100000 is above"
	    " cache-max-ttl 86400");
	fails_fresh("cache-min-ttl 10\n\ncache-max-ttl 5\n",
	    "t.conf:3: cache-max-ttl: cache-min-ttl 10 is above"
	    " cache-max-ttl 5");
	fails_fresh("cache-max-ttl 5\ncache-min-ttl 10\n",
	    "t.conf:2: cache-min-ttl: cache-min-ttl 10 is above"
	    " cache-max-ttl 5");
}

static void
test_nsec3_max_iterations(void **state)
{
	struct t *t = *state;

	ok(t, "nsec3-max-iterations 0\n");
	assert_int_equal(t->cfg.nsec3_max_iterations, 0);
	fails(t, "nsec3-max-iterations 0\nnsec3-max-iterations 65535\n",
	    "t.conf:2: nsec3-max-iterations: already set on line 1");
	fails_fresh("nsec3-max-iterations 65536\n",
	    "t.conf:1: nsec3-max-iterations: expected a number from 0 to"
	    " 65535, got '65536'");
	fails_fresh("nsec3-max-iterations 150x\n",
	    "t.conf:1: nsec3-max-iterations: expected a number from 0 to"
	    " 65535, got '150x'");
}

static void
test_nsec3_max(void **state)
{
	struct t *t = *state;

	ok(t, "nsec3-max-iterations 65535\n");
	assert_int_equal(t->cfg.nsec3_max_iterations, 65535);
}

static void
test_log(void **state)
{
	struct t *t = *state;

	ok(t, "log stderr\nlog-level debug\n");
	assert_int_equal(t->cfg.log_target, LOG_TARGET_STDERR);
	assert_int_equal(t->cfg.log_level, LOG_LEVEL_DEBUG);
	fails_fresh("log file\n",
	    "t.conf:1: log: expected 'stderr' or 'syslog', got 'file'");
	fails_fresh("log-level verbose\n",
	    "t.conf:1: log-level: expected 'error', 'warning', 'notice',"
	    " 'info' or 'debug', got 'verbose'");
}

static void
test_log_levels(void **state)
{
	static const char *const names[] = {
		"error", "warning", "notice", "info", "debug",
	};
	char text[64];

	(void)state;
	for (int i = 0; i < 5; i++) {
		struct t *t = NULL;

		assert_int_equal(setup((void **)&t), 0);
		snprintf(text, sizeof(text), "log syslog\nlog-level %s\n",
		    names[i]);
		ok(t, text);
		assert_int_equal(t->cfg.log_level, i);
		assert_string_equal(log_level_name(t->cfg.log_level), names[i]);
		teardown((void **)&t);
	}
}

static void
test_user(void **state)
{
	struct t *t = *state;

	ok(t, "user mxsec\n");
	assert_string_equal(t->cfg.user, "mxsec");
	fails_fresh("user -root\n",
	    "t.conf:1: user: '-root' is not a valid user name");
	fails_fresh("user a/b\n", "t.conf:1: user: 'a/b' is not a valid user"
	    " name");
	fails_fresh("user aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    "t.conf:1: user: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is not a valid"
	    " user name");
	fails_fresh("user \xc3\xa9t\xc3\xa9\n",
	    "t.conf:1: user: '\\xc3\\xa9t\\xc3\\xa9' is not a valid user name");
}

/* A full file in the shape the resolver-agnostic harness renders. */
static void
test_harness_config(void **state)
{
	struct t *t = *state;

	ok(t,
	    "# rendered by the test harness\n"
	    "mode recursive\n"
	    "root-hints ./root.hints\n"
	    "trust-anchor-file ./root.key\n"
	    "listen-dns 127.0.0.1@5300 ::1@5300\n"
	    "api-socket ./mxsecd.sock\n"
	    "cache-dir ./cache\n"
	    "cache-size 64M\n"
	    "query-loopback yes\n"
	    "outgoing-address 127.0.0.1\n"
	    "do-ip4 yes\n"
	    "do-ip6 no\n"
	    "domain-insecure insecure.example\n"
	    "qname-minimisation no\n"
	    "harden-glue yes\n"
	    "cache-min-ttl 0\n"
	    "cache-max-ttl 3600\n"
	    "cache-max-negative-ttl 900\n"
	    "nsec3-max-iterations 100\n"
	    "log stderr\n"
	    "log-level info\n"
	    "user nobody\n");
	assert_int_equal(t->cfg.cache_size, 64 << 20);
	assert_int_equal(t->cfg.listen_dns.n, 2);
	assert_int_equal(t->cfg.nsec3_max_iterations, 100);
	assert_string_equal(t->cfg.user, "nobody");
	assert_false(t->cfg.qname_minimisation);
}

static void
test_parse_file(void **state)
{
	struct t *t = *state;
	char path[] = "/tmp/test_config_XXXXXX";
	const char text[] = "mode forward\nforward 192.0.2.1\nbogus-key 1\n";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
	    (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(config_parse_file(&t->cfg, path, t->err,
	    sizeof(t->err)), MX_ESYNTAX);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s:3: unknown key 'bogus-key'",
		    path);
		assert_string_equal(t->err, want);
	}
	unlink(path);
	assert_int_equal(config_parse_file(&t->cfg, path, t->err,
	    sizeof(t->err)), MX_EIO);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s: cannot open: No such file or"
		    " directory", path);
		assert_string_equal(t->err, want);
	}
}

static void
test_parse_file_ok(void **state)
{
	struct t *t = *state;
	char path[] = "/tmp/test_config_XXXXXX";
	const char text[] = "mode forward\nforward 192.0.2.1\n";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
	    (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(config_parse_file(&t->cfg, path, t->err,
	    sizeof(t->err)), 0);
	assert_string_equal(t->cfg.file, path);
	assert_int_equal(t->cfg.mode, CFG_MODE_FORWARD);
	unlink(path);
	/* A directory cannot be read as a file. */
	assert_int_equal(config_parse_file(&t->cfg, "/", t->err,
	    sizeof(t->err)), MX_EIO);
	assert_string_equal(t->err, "/: cannot read: Is a directory");
}

static void
test_addr_to_str_space(void **state)
{
	struct t *t = *state;
	char small[8];

	assert_int_equal(config_addr_to_str(&t->cfg.listen_dns.v[0], small,
	    sizeof(small)), MX_ESPACE);
	assert_int_equal(config_addr_to_str(&t->cfg.listen_dns.v[1], small,
	    sizeof(small)), 6);
	assert_string_equal(small, "::1@53");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults_root),
		cmocka_unit_test(test_defaults_user),
		cmocka_unit_test(test_defaults_current_user),
		T(test_empty_and_comments),
		T(test_comment_hides_values),
		T(test_unknown_key),
		T(test_missing_and_extra_values),
		T(test_too_many_values),
		T(test_repeated_scalar),
		T(test_nul_and_control),
		T(test_long_lines),
		T(test_too_large),
		T(test_small_errbuf),
		T(test_mode),
		T(test_forward),
		T(test_forward_order_free),
		cmocka_unit_test(test_forward_bad),
		cmocka_unit_test(test_forward_mode_consistency),
		T(test_forward_loopback_allowed),
		T(test_paths),
		T(test_api_socket_length),
		T(test_trust_anchor_files),
		T(test_listen_dns),
		T(test_listen_dns_none),
		T(test_outgoing_address),
		cmocka_unit_test(test_cache_size),
		cmocka_unit_test(test_booleans),
		T(test_address_families),
		T(test_domain_insecure),
		cmocka_unit_test(test_domain_insecure_bad),
		T(test_ttls),
		T(test_ttl_order),
		T(test_nsec3_max_iterations),
		T(test_nsec3_max),
		T(test_log),
		cmocka_unit_test(test_log_levels),
		T(test_user),
		T(test_harness_config),
		T(test_parse_file),
		T(test_parse_file_ok),
		T(test_addr_to_str_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
