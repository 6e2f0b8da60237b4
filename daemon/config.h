/*
 * config.h: the mxsecd configuration (the contract is doc/mxsecd.conf.5).
 *
 * Lifecycle: config_init_defaults() fills a struct with the built-in
 * defaults; config_parse_file() or config_parse_string() then applies a
 * file on top of them; config_free() releases everything.  The struct owns
 * all its strings and arrays.  After a failed parse the struct may be
 * partly updated and must not be used, but it stays valid for
 * config_free().  config_free() on a zeroed struct is harmless.
 *
 * The parser checks everything it can without touching the system: syntax,
 * ranges, address and name syntax, and consistency between keys.  Whether
 * files exist, users exist or addresses can be bound is for start-up to
 * find out.
 */
#ifndef MXSEC_DAEMON_CONFIG_H
#define MXSEC_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "log.h"
#include "name.h"

enum cfg_mode {
	CFG_MODE_RECURSIVE,   /* iterate from the root hints */
	CFG_MODE_FORWARD,     /* validating stub behind the 'forward' upstreams */
};

/* Limits and defaults that doc/mxsecd.conf.5 states. */
#define CFG_CACHE_SIZE_MIN     ((uint64_t)1 << 20)    /* 1M */
#define CFG_CACHE_SIZE_MAX     ((uint64_t)1 << 40)    /* 1T */
#define CFG_CACHE_SIZE_DEFAULT ((uint64_t)256 << 20)  /* 256M */
#define CFG_TTL_MAX            2147483647u            /* RFC 2181 8 */
#define CFG_MAX_TTL_DEFAULT    86400u
#define CFG_NEG_TTL_DEFAULT    3600u
#define CFG_NSEC3_ITER_DEFAULT 150u   /* RFC 9276 3.2 leaves the limit to us */
#define CFG_NSEC3_ITER_MAX     65535u /* the field is 16 bits (RFC 5155 3.1.3) */
#define CFG_DNS_PORT           53
#define CFG_FILE_MAX           (1024 * 1024)  /* larger input is refused */
#define CFG_SOCKET_NAME        "mxsecd.sock"
#define CFG_POLICY_SOCKET_NAME "policy.sock"
#define CFG_STS_CA_FILE        "/etc/ssl/certs/ca-certificates.crt"

/* An address with port.  line is the configuration line that gave it, for
 * messages about it later (a failed bind); 0 for built-in defaults. */
struct cfg_addr {
	struct sockaddr_storage sa;   /* AF_INET or AF_INET6, port set */
	socklen_t salen;
	unsigned line;
};

struct cfg_addrs {
	struct cfg_addr *v;
	size_t n;
};

/* A name in wire form, lower-cased (RFC 4343), with its line. */
struct cfg_name {
	uint8_t wire[NAME_MAX_WIRE];
	unsigned line;
};

struct cfg_names {
	struct cfg_name *v;
	size_t n;
};

struct cfg_strs {
	char **v;
	size_t n;
};

struct mxsec_config {
	char *file;                   /* file parsed last; NULL: built-in only */

	enum cfg_mode mode;           /* default recursive */
	struct cfg_addrs forward;     /* upstreams, file order; non-empty iff
	                                 mode is forward */
	char *root_hints;             /* NULL: the built-in root hints */
	char *auto_trust_anchor_file; /* RFC 5011 state; NULL: no updates */
	struct cfg_strs trust_anchor_files;  /* empty: the built-in root
	                                        anchors */
	struct cfg_addrs listen_dns;  /* default 127.0.0.1@53, ::1@53;
	                                 empty: 'none', no DNS listener */
	char *api_socket;             /* always set */
	char *cache_dir;              /* always set */
	uint64_t cache_size;          /* bytes, CFG_CACHE_SIZE_MIN..MAX */
	bool query_loopback;          /* default false */
	struct cfg_addrs outgoing;    /* port 0; empty: the kernel chooses */
	bool do_ip4, do_ip6;          /* default true; never both false */
	struct cfg_names domain_insecure;  /* negative trust anchors */
	bool qname_minimisation;      /* default true (RFC 9156) */
	bool harden_glue;             /* default true */
	uint32_t cache_min_ttl;       /* default 0; <= cache_max_ttl */
	uint32_t cache_max_ttl;       /* default 86400 */
	uint32_t cache_max_negative_ttl;  /* default 3600 */
	uint32_t nsec3_max_iterations;    /* default 150 */
	/* KeyTrap caps (doc/validation.md); 0 keeps the engine's default. */
	uint32_t val_max_verifications;   /* per client query: 64 */
	uint32_t val_max_sigs;            /* RRSIGs tried per RRset: 8 */
	uint32_t val_max_key_tries;       /* DNSKEYs per key tag: 4 */
	uint32_t val_max_nsec3_hashes;    /* per client query: 150 */
	uint32_t val_clock_skew;          /* seconds: 0 */
	uint32_t val_bogus_ttl;           /* seconds a bogus answer is kept: 60 */
	bool prefetch;                    /* default true */
	bool serve_stale;                 /* RFC 8767; default false */
	uint32_t serve_stale_ttl;         /* stale window, seconds: 86400 */
	bool aggressive_nsec;             /* RFC 8198; default true */
	char *api_group;                  /* NULL: the daemon's group */
	uint32_t api_max_clients;         /* default 4096 */
	bool insecure_mx_dane;            /* insecure-mx-policy dane (default)
	                                     or may */
	/* The TLS policy service (doc/postfix.md, doc/mta-sts.md). */
	char *policy_socket;              /* always set; "none": no socketmap */
	bool sts;                         /* MTA-STS: default true */
	char *sts_ca_file;                /* always set */
	bool sts_ca_file_set;             /* given in the file */
	uint32_t sts_fetch_timeout;       /* seconds: 10 */
	uint32_t sts_refresh_interval;    /* seconds: 3600 */
	bool policy_tlsrpt;               /* Postfix 3.10 TLS-RPT attributes:
	                                     default false */
	enum log_target log_target;   /* default syslog ('mxsecd -f' overrides) */
	enum log_level log_level;     /* default notice ('mxsecd -d' overrides) */
	char *user;                   /* NULL: as root 'mxsec' or 'nobody', else
	                                 keep the starting user (privs.h) */
	char *chroot;                 /* absolute; NULL: no chroot */
};

/* Built-in defaults for the effective user: paths under /run/mxsec and
 * /var/cache/mxsec for root, per-user paths otherwise (see
 * config_init_defaults_uid).  0 or MX_ENOMEM; cfg need not be initialised. */
int config_init_defaults(struct mxsec_config *cfg);
/* The same for a given effective uid, so tests can check both cases.  For
 * uid != 0: $XDG_RUNTIME_DIR/mxsec, else /tmp/mxsec-UID, for the socket;
 * $XDG_CACHE_HOME/mxsec, else $HOME/.cache/mxsec, else /tmp/mxsec-UID/cache,
 * for the cache (relative XDG values are ignored, as the XDG spec says). */
int config_init_defaults_uid(struct mxsec_config *cfg, uid_t euid);

/* Read and apply a configuration file.  On failure returns MX_EIO (file
 * could not be read), MX_ESYNTAX (bad content) or MX_ENOMEM, and errbuf
 * holds "FILE:LINE: reason" or "FILE: reason" (always NUL-terminated when
 * errlen > 0). */
int config_parse_file(struct mxsec_config *cfg, const char *path,
    char *errbuf, size_t errlen);
/* The same for text[0..len) (need not be NUL-terminated); name stands for
 * the file in messages.  For tests and fuzzing. */
int config_parse_string(struct mxsec_config *cfg, const char *text,
    size_t len, const char *name, char *errbuf, size_t errlen);

void config_free(struct mxsec_config *cfg);

/* "recursive" / "forward". */
const char *config_mode_name(enum cfg_mode mode);
/* ADDR@PORT ("192.0.2.1@53", "2001:db8::1@53"); ADDR alone when the port
 * is 0.  Returns the length, or MX_ESPACE when cap is too small. */
int config_addr_to_str(const struct cfg_addr *a, char *buf, size_t cap);

#endif
