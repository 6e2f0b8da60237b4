/*
 * mxsec.h: libmxsec, the client library of mxsecd's Unix-socket API.
 *
 * A handle is one connection to the daemon.  Every call is synchronous:
 * it writes one request line and reads its one reply line (doc/protocol.md,
 * libmxsec(3)).  Calls return 0 or a negative MXSEC_E* code; after an error,
 * mxsec_error(h) says what went wrong in one line.
 *
 *	mxsec *h = mxsec_open(NULL);
 *	struct mxsec_dane *d;
 *	if (h == NULL)
 *		err(1, "mxsec_open");
 *	if (mxsec_dane(h, "example.com", 25, &d) != 0)
 *		errx(1, "%s", mxsec_error(h));
 *	for (size_t i = 0; i < d->nhosts; i++)
 *		printf("%s %s\n", d->hosts[i].name,
 *		    mxsec_verdict_name(d->hosts[i].verdict));
 *	mxsec_dane_free(d);
 *	mxsec_close(h);
 *
 * Link with `pkg-config --cflags --libs libmxsec`.
 *
 * Caveats
 *
 * - A handle is not thread-safe: use one handle per thread, or lock.
 *   Distinct handles are independent.
 * - After a timeout, a lost connection or a malformed reply the handle
 *   closes its connection (a late reply would otherwise answer the next
 *   request); the next call connects again.  mxsec_open() connects once
 *   and fails at once if the daemon is not there.
 * - Writing to a socket the daemon closed does not raise SIGPIPE.
 * - Result structures are plain data owned by the caller: free each with
 *   its own function (mxsec_answer_free(), mxsec_dane_free(), ...), never
 *   with free().  Fields marked "added in" were appended to their struct
 *   in that version: code that indexes arrays of a struct (hosts) must be
 *   rebuilt against the new header.  Their strings stay valid until then, and do not depend on the
 *   handle: a result may outlive mxsec_close().
 * - Strings in results are NUL-terminated UTF-8 as the daemon sent them
 *   (names in presentation form, fully qualified, with the trailing dot).
 *   A reply whose strings contain a NUL character is refused as malformed.
 * - An absent optional field reads as NULL, 0, MXSEC_STATUS_NONE or
 *   has_ede == 0; fields the library does not know are ignored, so a newer
 *   daemon's additions do not break an older client.
 * - Only secure data is authenticated.  An MTA must follow `verdict`, not
 *   the mere presence of TLSA records (RFC 7672 2.2).
 */
#ifndef MXSEC_H
#define MXSEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MXSEC_API __attribute__((visibility("default")))
#else
#define MXSEC_API
#endif

/* Error codes: every call returns 0 or one of these. */
#define MXSEC_OK          0
#define MXSEC_ENOMEM    (-1)    /* out of memory */
#define MXSEC_EINVAL    (-2)    /* bad argument: empty name, space or control character, too long */
#define MXSEC_ECONNECT  (-3)    /* cannot connect to the socket */
#define MXSEC_EIO       (-4)    /* send or receive failed, or the daemon closed the connection */
#define MXSEC_ETIMEOUT  (-5)    /* no complete reply within the timeout */
#define MXSEC_EPROTO    (-6)    /* the reply is not what doc/protocol.md says */
#define MXSEC_EBADREQ   (-7)    /* the daemon refused the request: bad-request, too-long */
#define MXSEC_EBUSY     (-8)    /* the daemon is busy: try again later */
#define MXSEC_ESERVER   (-9)    /* the daemon failed (internal, or an error it did not name) */
#define MXSEC_EDENIED   (-10)   /* a control request from a user other than root or the daemon's */

/* The default timeout of a call, in milliseconds.  The daemon's own DANE
 * deadline is 10 seconds. */
#define MXSEC_TIMEOUT_DEFAULT 30000

typedef struct mxsec mxsec;

/* Security status of an answer (RFC 4033 5, RFC 4035 4.3).  NONE: the
 * field was absent (no lookup was made). */
enum mxsec_status {
	MXSEC_STATUS_NONE = 0,
	MXSEC_SECURE,
	MXSEC_INSECURE,
	MXSEC_BOGUS,
	MXSEC_INDETERMINATE,
};

/* Outcome of the MX (SRV) step of a DANE (SRV) lookup. */
enum mxsec_result {
	MXSEC_RESULT_OK = 1,      /* see the hosts */
	MXSEC_RESULT_NXDOMAIN,    /* the domain does not exist: bounce; SRV:
	                             no SRV records (NXDOMAIN or NODATA) */
	MXSEC_RESULT_NULL_MX,     /* null MX (RFC 7505): bounce */
	MXSEC_RESULT_DEFER,       /* the MX lookup failed or was bogus: try later */
	MXSEC_RESULT_NO_SERVICE,  /* SRV: target "." (RFC 2782): not offered */
};

/* What an MTA does with one MX host (RFC 7672 2.2). */
enum mxsec_verdict {
	MXSEC_VERDICT_DANE = 1,   /* authenticate with the usable TLSA records */
	MXSEC_VERDICT_ENCRYPT,    /* TLS mandatory, no authentication */
	MXSEC_VERDICT_MAY,        /* opportunistic TLS */
	MXSEC_VERDICT_DEFER,      /* do not use this host now */
};

/* One link of a CNAME chain: name is an alias of target. */
struct mxsec_cname {
	char *name;
	char *target;
};

/*
 * One resource record.  name, type_name, rdata are always set; the other
 * pointers and numbers are set for the types named beside them (from the
 * reply's "data" object) and are NULL or 0 otherwise.
 */
struct mxsec_record {
	char *name;
	uint16_t type;            /* 0 if the mnemonic is unknown to the library */
	char *type_name;          /* "MX", "TYPE65", ... as the daemon sent it */
	uint32_t ttl;
	char *rdata;              /* presentation form */

	char *address;            /* A, AAAA */
	char *target;             /* CNAME, DNAME, NS, PTR, SRV */
	struct {
		uint16_t preference;
		char *exchange;
	} mx;                     /* MX */
	struct {
		uint8_t usage, selector, matching_type;
		char *data;       /* hex, upper case */
	} tlsa;                   /* TLSA */
	struct {
		uint16_t priority, weight, port;
	} srv;                    /* SRV (and target) */
	struct {
		char **strings;
		size_t count;
	} txt;                    /* TXT */
	struct {
		char *mname, *rname;
		uint32_t serial, refresh, retry, expire, minimum;
	} soa;                    /* SOA */
};

/* The reply to a record lookup (MX, A, AAAA, TLSA, QUERY). */
struct mxsec_answer {
	char *name;               /* the question, as asked */
	char *type_name;
	uint16_t type;
	enum mxsec_status status;
	char *rcode;              /* "NOERROR", "NXDOMAIN", "SERVFAIL", ... */
	uint32_t ttl;             /* 0 without records */
	int has_ede;
	uint16_t ede;             /* Extended DNS Error (RFC 8914), if has_ede */
	char *reason;             /* NULL if absent */
	struct mxsec_cname *cname;        /* the alias chain, oldest first */
	size_t ncname;
	struct mxsec_record *records;     /* of the asked type, at the chain's end */
	size_t nrecords;
};

/* A TLSA record of a DANE host. */
struct mxsec_tlsa {
	uint8_t usage, selector, matching_type;
	char *data;               /* hex, upper case */
	char *rdata;              /* presentation form */
	int usable;               /* usable for SMTP (RFC 7672 3.1.3) */
};

/* One MX host of a DANE reply; every field of doc/protocol.md. */
struct mxsec_host {
	uint16_t preference;
	char *name;
	int implicit;             /* the implicit MX (RFC 5321 5.1) */
	int insecure_mx;          /* insecure MX RRset, TLSA still used */
	struct mxsec_cname *cname;
	size_t ncname;
	char *canonical;          /* where the CNAME chain ends; NULL if absent */
	char **addresses;
	size_t naddresses;
	enum mxsec_status address_status;
	char *tlsa_base;          /* NULL if absent */
	char *tlsa_name;          /* NULL if absent */
	enum mxsec_status tlsa_status;    /* NONE: no TLSA lookup was made */
	char *tlsa_rcode;         /* NULL: no TLSA lookup was made */
	struct mxsec_tlsa *tlsa;
	size_t ntlsa;
	enum mxsec_verdict verdict;
	char *reason;             /* NULL if absent */
	/* Added in 0.2 */
	char *tlsrpt_result;      /* RFC 8460 4.3.2 result type of a failure
	                             ("dnssec-invalid", "tlsa-invalid",
	                             "dane-required"), or NULL */
	uint16_t priority, weight, port;  /* SRV replies only (0 otherwise) */
};

/* The reply to DANE domain [port]. */
struct mxsec_dane {
	char *domain;
	uint16_t port;
	enum mxsec_result result;
	enum mxsec_status mx_status;      /* NONE if absent */
	char *mx_rcode;                   /* NULL if absent */
	int has_ede;
	uint16_t ede;
	char *reason;                     /* NULL if absent */
	struct mxsec_host *hosts;         /* in preference order; none unless OK */
	size_t nhosts;
	/* Added in 0.2 */
	char *tlsrpt_result;              /* "dnssec-invalid" or NULL */
	char *service;                    /* SRV replies: _service._tcp.domain.
	                                     (then port is 0); NULL otherwise */
};

/* The reply to TLSRPT domain (RFC 8460 3). */
enum mxsec_tlsrpt_result {
	MXSEC_TLSRPT_FOUND = 1,   /* a valid v=TLSRPTv1 record: see rua */
	MXSEC_TLSRPT_NONE,        /* no record (NXDOMAIN, NODATA, none v=TLSRPTv1) */
	MXSEC_TLSRPT_INVALID,     /* a v=TLSRPTv1 record that does not parse */
	MXSEC_TLSRPT_DEFER,       /* the lookup failed or was bogus */
};

struct mxsec_tlsrpt {
	char *name;               /* _smtp._tls.domain. */
	enum mxsec_status status;
	char *rcode;
	enum mxsec_tlsrpt_result result;
	char **rua;               /* report URIs, FOUND only */
	size_t nrua;
	char *reason;             /* NULL if absent */
};

/* The reply to STS domain: the MTA-STS policy (RFC 8461). */
enum mxsec_sts_result {
	MXSEC_STS_POLICY = 1,     /* a policy: see mode, mx, ... */
	MXSEC_STS_NONE,           /* the domain has no MTA-STS policy */
	MXSEC_STS_TEMP,           /* could not tell now: try later */
};

struct mxsec_sts {
	char *domain;
	enum mxsec_sts_result result;
	char *reason;             /* NULL if absent */
	char *txt_status;         /* "secure", "insecure", ...; NULL if absent */
	char *txt_id;             /* id= of the _mta-sts TXT record, or NULL */
	int has_policy;           /* the fields below are set */
	char *mode;               /* "enforce", "testing", "none" */
	uint32_t max_age;
	char **mx;                /* mx patterns as published */
	size_t nmx;
	char *policy_id;
	char *source;             /* "fetched", "cache", or NULL */
	int64_t fetched_at;       /* Unix time; 0 if absent */
	int64_t age, expires_in;  /* seconds; 0 if absent */
};

/* The reply to POLICY domain: what the socketmap gives Postfix. */
enum mxsec_policy_status {
	MXSEC_POLICY_OK = 1,      /* a policy: see policy and reply */
	MXSEC_POLICY_NOTFOUND,    /* Postfix's default applies */
	MXSEC_POLICY_TEMP,        /* try later */
};

struct mxsec_policy_host {
	char *name;
	char *verdict;            /* "dane", "encrypt", "may", "defer" */
	char *tlsrpt_result;      /* NULL if none */
};

struct mxsec_policy {
	char *domain;
	enum mxsec_policy_status status;
	char *policy;             /* "dane-only", "dane", "secure", ... or NULL */
	char *reply;              /* the socketmap reply, e.g. "OK dane-only" */
	char *source;             /* "dane", "sts", "dnssec", or NULL */
	char **reasons;
	size_t nreasons;
	char *dane_result;        /* of the "dane" summary; NULL if absent */
	char *dane_mx_status;
	struct mxsec_policy_host *dane_hosts;
	size_t ndane_hosts;
	char *sts_result;         /* of the "sts" summary; NULL if absent */
	char *sts_mode;
	char *sts_source;
};

/*
 * Connect to the daemon at socket_path, or with NULL at the default path
 * (mxsec_default_socket()).  Returns a handle, or NULL with errno set
 * (ENOMEM, ENAMETOOLONG, or connect(2)'s ENOENT, ECONNREFUSED, EACCES, ...).
 */
MXSEC_API mxsec *mxsec_open(const char *socket_path);

/* Close the connection and free the handle.  NULL is allowed. */
MXSEC_API void mxsec_close(mxsec *h);

/* Timeout of each later call, connecting included, in milliseconds; 0 or
 * less waits for ever.  Default MXSEC_TIMEOUT_DEFAULT. */
MXSEC_API void mxsec_set_timeout(mxsec *h, int timeout_ms);

/* The socket path the handle connects to. */
MXSEC_API const char *mxsec_socket_path(const mxsec *h);

/*
 * The default socket path, as mxsecd(8) chooses it: $MXSEC_SOCKET if set
 * and not empty; for root /run/mxsec/mxsecd.sock; otherwise
 * $XDG_RUNTIME_DIR/mxsec/mxsecd.sock when XDG_RUNTIME_DIR is an absolute
 * path, else /tmp/mxsec-UID/mxsecd.sock.  Writes it to buf; 0, or
 * MXSEC_EINVAL when it does not fit in size octets.
 */
MXSEC_API int mxsec_default_socket(char *buf, size_t size);

/* One line about the last error on h, or "" if there was none.  Valid
 * until the next call on h. */
MXSEC_API const char *mxsec_error(const mxsec *h);

/* A fixed description of an MXSEC_E* code. */
MXSEC_API const char *mxsec_strerror(int code);

/* The library's version, e.g. "0.1.0". */
MXSEC_API const char *mxsec_version(void);

/* PING.  If version is not NULL, *version is set to the daemon's version
 * (free() it). */
MXSEC_API int mxsec_ping(mxsec *h, char **version);

/*
 * One RRset: type "MX", "A", "AAAA" or "TLSA" sends that verb, any other
 * mnemonic or TYPEnnn sends QUERY type name.  *out is NULL on error.
 * A DNS failure is not an error: it is a reply with status and rcode.
 */
MXSEC_API int mxsec_lookup(mxsec *h, const char *type, const char *name,
    struct mxsec_answer **out);

/* TLSA records of host at port (_PORT._tcp.host); port 0 sends
 * "TLSA host", so host may be a full TLSA owner name (port 25 if not). */
MXSEC_API int mxsec_tlsa(mxsec *h, const char *host, unsigned port,
    struct mxsec_answer **out);

/* The RFC 7672 lookup for a destination domain; port 0 means 25. */
MXSEC_API int mxsec_dane(mxsec *h, const char *domain, unsigned port,
    struct mxsec_dane **out);

/* DANE for SRV (RFC 7673): name is _service._tcp.domain, one of the mail
 * services _submission, _submissions, _imap, _imaps, _pop3, _pop3s.  The
 * reply is a DANE reply with service set, and port, priority and weight
 * per host. */
MXSEC_API int mxsec_srv(mxsec *h, const char *name, struct mxsec_dane **out);

/* TLSRPT domain: the TLS-RPT record of a domain.  Free with
 * mxsec_tlsrpt_free(). */
MXSEC_API int mxsec_tlsrpt(mxsec *h, const char *domain,
    struct mxsec_tlsrpt **out);

/* STS domain and POLICY domain (the daemon's TLS policy service; without
 * one they give MXSEC_ESERVER, "unavailable").  Fields the library does
 * not know are ignored. */
MXSEC_API int mxsec_sts(mxsec *h, const char *domain, struct mxsec_sts **out);
MXSEC_API int mxsec_policy(mxsec *h, const char *domain,
    struct mxsec_policy **out);

/*
 * Send one request line (without its newline) and return the reply line
 * as the daemon sent it, NUL-terminated and without its newline, in
 * *json_out (free() it).  The reply is checked to be one JSON object; an
 * "ok":false reply is returned too (with 0): read it, or parse it with
 * mxsec_parse_answer()/mxsec_parse_dane() to get the error.
 */
MXSEC_API int mxsec_request_raw(mxsec *h, const char *line, char **json_out);

/*
 * Parse a reply line obtained elsewhere (mxsec_request_raw(), or a client
 * doing its own I/O and pipelining).  h only receives the error message
 * and may be NULL.  "ok":false replies give MXSEC_EBADREQ, MXSEC_EBUSY or
 * MXSEC_ESERVER with the daemon's reason in mxsec_error(h).
 */
MXSEC_API int mxsec_parse_answer(mxsec *h, const char *json, size_t len,
    struct mxsec_answer **out);
MXSEC_API int mxsec_parse_dane(mxsec *h, const char *json, size_t len,
    struct mxsec_dane **out);
MXSEC_API int mxsec_parse_tlsrpt(mxsec *h, const char *json, size_t len,
    struct mxsec_tlsrpt **out);
MXSEC_API int mxsec_parse_sts(mxsec *h, const char *json, size_t len,
    struct mxsec_sts **out);
MXSEC_API int mxsec_parse_policy(mxsec *h, const char *json, size_t len,
    struct mxsec_policy **out);
/* A PING reply; *version as for mxsec_ping() (version may be NULL). */
MXSEC_API int mxsec_parse_ping(mxsec *h, const char *json, size_t len,
    char **version);

/*
 * Control requests (doc/protocol.md, "Control"), for root and the
 * daemon's own user; others get MXSEC_EDENIED.
 */

/* One counter of STATS, its JSON path flattened with dots
 * ("cache.hits", "status.bogus", "ede.7", "upstreams.servers.0.address")
 * and its value as text. */
struct mxsec_stat {
	char *name;
	char *value;
};

/* STATS: every counter, in the daemon's order.  Free with
 * mxsec_stats_free(). */
MXSEC_API int mxsec_stats(mxsec *h, struct mxsec_stat **out, size_t *n);
MXSEC_API void mxsec_stats_free(struct mxsec_stat *v, size_t n);

/* FLUSH name (flags 0), FLUSH-SUBTREE name (MXSEC_FLUSH_SUBTREE), or
 * FLUSH-ALL (name NULL): forget cached answers. */
#define MXSEC_FLUSH_SUBTREE 0x01
MXSEC_API int mxsec_flush(mxsec *h, const char *name, unsigned flags);

/* DUMP: the cache's live entries as zone-file text (free() it).  A cache
 * whose dump passes 64 MiB gives MXSEC_ESERVER ("too-large"). */
MXSEC_API int mxsec_dump(mxsec *h, char **text);

/* RELOAD: the daemon reads its configuration file and trust anchors
 * again.  *message (may be NULL; free() it) gets the daemon's one-line
 * result.  A rejected file gives MXSEC_ESERVER with the file:line reason
 * in mxsec_error(h); the daemon keeps running as before. */
MXSEC_API int mxsec_reload(mxsec *h, char **message);

/* A trust anchor of TA. */
struct mxsec_ta {
	char *zone;
	char *type;               /* "DS" or "DNSKEY" */
	uint16_t keytag;
	uint8_t algorithm;
	char *state;              /* "static", or the RFC 5011 state: "valid",
	                             "addpend", "missing", "revoked",
	                             "removed", "seed" */
	char *rdata;              /* NULL if absent */
};

/* TA: the trust anchors.  Free with mxsec_ta_free(). */
MXSEC_API int mxsec_ta_list(mxsec *h, struct mxsec_ta **out, size_t *n);
MXSEC_API void mxsec_ta_free(struct mxsec_ta *v, size_t n);

MXSEC_API void mxsec_answer_free(struct mxsec_answer *a);
MXSEC_API void mxsec_dane_free(struct mxsec_dane *d);
MXSEC_API void mxsec_tlsrpt_free(struct mxsec_tlsrpt *t);
MXSEC_API void mxsec_sts_free(struct mxsec_sts *s);
MXSEC_API void mxsec_policy_free(struct mxsec_policy *p);

/* Protocol names of the enums ("secure", "null-mx", "dane"); "none" or
 * "?" for values outside them. */
MXSEC_API const char *mxsec_status_name(enum mxsec_status s);
MXSEC_API const char *mxsec_result_name(enum mxsec_result r);
MXSEC_API const char *mxsec_verdict_name(enum mxsec_verdict v);
MXSEC_API const char *mxsec_tlsrpt_result_name(enum mxsec_tlsrpt_result r);
MXSEC_API const char *mxsec_sts_result_name(enum mxsec_sts_result r);
MXSEC_API const char *mxsec_policy_status_name(enum mxsec_policy_status s);

#ifdef __cplusplus
}
#endif

#endif
