/*
 * config_int.h: what the configuration reader (config.c) and the key
 * handlers (config_keys.c) share.  Not for use outside those two files.
 */
#ifndef MXSEC_DAEMON_CONFIG_INT_H
#define MXSEC_DAEMON_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* A token: points into the text being parsed, not NUL-terminated. */
struct cfg_span {
	const char *p;
	size_t len;
};

/* Values on one line after the key; more is an error, not a truncation. */
#define CFG_VALUES_MAX 63
/* Entries in one list (forward, domain-insecure, ...).  Keeps duplicate
 * checks cheap and memory bounded whatever the input. */
#define CFG_LIST_MAX 1024
/* Room for a token quoted in a message (cut with "..." beyond). */
#define CFG_SHOW_MAX 72

enum cfg_key_id {
	CFG_K_MODE,
	CFG_K_FORWARD,
	CFG_K_ROOT_HINTS,
	CFG_K_TRUST_ANCHOR_FILE,
	CFG_K_AUTO_TRUST_ANCHOR_FILE,
	CFG_K_LISTEN_DNS,
	CFG_K_API_SOCKET,
	CFG_K_CACHE_DIR,
	CFG_K_CACHE_SIZE,
	CFG_K_QUERY_LOOPBACK,
	CFG_K_OUTGOING_ADDRESS,
	CFG_K_DO_IP4,
	CFG_K_DO_IP6,
	CFG_K_DOMAIN_INSECURE,
	CFG_K_QNAME_MINIMISATION,
	CFG_K_HARDEN_GLUE,
	CFG_K_CACHE_MIN_TTL,
	CFG_K_CACHE_MAX_TTL,
	CFG_K_CACHE_MAX_NEGATIVE_TTL,
	CFG_K_NSEC3_MAX_ITERATIONS,
	CFG_K_VAL_MAX_VERIFICATIONS,
	CFG_K_VAL_MAX_SIGS,
	CFG_K_VAL_MAX_KEY_TRIES,
	CFG_K_VAL_MAX_NSEC3_HASHES,
	CFG_K_VAL_CLOCK_SKEW,
	CFG_K_VAL_BOGUS_TTL,
	CFG_K_PREFETCH,
	CFG_K_SERVE_STALE,
	CFG_K_SERVE_STALE_TTL,
	CFG_K_AGGRESSIVE_NSEC,
	CFG_K_API_GROUP,
	CFG_K_API_MAX_CLIENTS,
	CFG_K_INSECURE_MX_POLICY,
	CFG_K_LOG,
	CFG_K_LOG_LEVEL,
	CFG_K_USER,
	CFG_K_CHROOT,
	CFG_K_POLICY_SOCKET,
	CFG_K_POLICY_TLSRPT,
	CFG_K_STS,
	CFG_K_STS_CA_FILE,
	CFG_K_STS_FETCH_TIMEOUT,
	CFG_K_STS_REFRESH_INTERVAL,
	CFG_K_COUNT
};

struct cfg_key;

struct cfg_parser {
	struct mxsec_config *cfg;
	const char *name;            /* file name for messages */
	unsigned line;               /* current line, from 1; 0: none */
	const struct cfg_key *key;   /* key being applied; NULL: none */
	char *err;
	size_t errlen;
	unsigned seen[CFG_K_COUNT];  /* last line each key was on; 0: not yet */
	unsigned listen_none_line;   /* line of 'listen-dns none'; 0: none */
};

/* Apply values v[0..n) to p->cfg; 0 or a negative MX_E* code (after
 * cfg_fail). */
typedef int cfg_key_fn(struct cfg_parser *p, const struct cfg_span *v,
    size_t n);

struct cfg_key {
	const char *name;
	cfg_key_fn *fn;
	unsigned min_values, max_values;
	bool repeatable;     /* else a second line with the key is an error */
	size_t off;          /* field in struct mxsec_config, for shared fns */
	uint32_t limit;      /* largest value, for numeric keys */
};

extern const struct cfg_key cfg_keys[CFG_K_COUNT];

/* Format "NAME:LINE: KEY: message" into p->err; returns MX_ESYNTAX. */
int cfg_fail(struct cfg_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same with MX_ENOMEM and a fixed message. */
int cfg_fail_nomem(struct cfg_parser *p);
/* A token made safe to quote: non-printable bytes as \xNN, cut with "...".
 * Returns buf. */
const char *cfg_show(const struct cfg_span *s, char *buf, size_t cap);

#endif
