/*
 * httpsget.h: one HTTPS GET on libevent and OpenSSL, for MTA-STS policy
 * files (RFC 8461 3.3): WebPKI verification of the server certificate
 * against a configured CA bundle, the host name checked against the
 * certificate (RFC 6125, no partial wildcards) and sent as SNI, HTTP 200
 * only (no redirect is ever followed), a body size limit, a Content-Type
 * check and one deadline for the whole exchange.
 *
 * The caller resolves the host (through the engine) and hands over the
 * addresses; they are tried in order while connecting fails.  Nothing the
 * peer sends ends up in hget_result.why except numbers (status codes,
 * sizes): the reason goes to logs and socketmap replies.
 */
#ifndef MXSEC_API_HTTPSGET_H
#define MXSEC_API_HTTPSGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;

/* The TLS client context: the trust anchors, loaded whole at creation
 * (so that it works after chroot and privilege drop). */
typedef struct hget_ctx hget_ctx;

/* ca_file: a PEM bundle (sts-ca-file; Debian's is
 * /etc/ssl/certs/ca-certificates.crt).  Fails (with a reason in err) when
 * the file cannot be read or holds no certificate. */
int hget_ctx_new(const char *ca_file, hget_ctx **out, char *err,
    size_t errlen);
void hget_ctx_free(hget_ctx *c);

#define HGET_MAX_ADDRS 8

typedef struct hget_params {
	const char *host;         /* SNI, Host header, certificate name:
	                             "mta-sts.example.com" (no trailing dot) */
	const char *path;         /* "/.well-known/mta-sts.txt" */
	struct sockaddr_storage addrs[HGET_MAX_ADDRS];   /* port included */
	size_t naddrs;            /* 1..HGET_MAX_ADDRS */
	size_t max_body;          /* a longer body fails (MX_ELIMIT) */
	unsigned timeout_ms;      /* the whole exchange, all addresses */
	const char *media_type;   /* required Content-Type (parameters such
	                             as charset allowed), or NULL: any */
} hget_params;

typedef struct hget_result {
	int rc;                   /* 0: status 200 and a whole body; else
	                             MX_EAGAIN (deadline), MX_ELIMIT (body too large),
	                             MX_EFORMAT (not HTTP, bad framing),
	                             MX_EIO (connect, TLS), MX_EVERIFY (the
	                             certificate), MX_EUNSUPP (a status other
	                             than 200, another media type) */
	int http_status;          /* 0 when no status line came */
	char why[160];            /* "" on success; one line otherwise, e.g.
	                             "certificate verify failed: unable to get
	                             local issuer certificate",
	                             "HTTP 301 (redirects are not followed)" */
	const uint8_t *body;      /* rc 0: valid during the callback only */
	size_t len;
} hget_result;

typedef struct hget_req hget_req;
typedef void (*hget_done_fn)(void *arg, const hget_result *r);

/* Start.  done() runs exactly once, always from the event loop (never
 * inside hget_start), unless hget_cancel() comes first; the request frees
 * itself after done() returns.  Returns 0, or MX_E* (then done() never
 * runs). */
int hget_start(struct event_base *base, hget_ctx *c, const hget_params *p,
    hget_done_fn done, void *arg, hget_req **out);
/* Stop and free; done() will not run.  Not from inside done(). */
void hget_cancel(hget_req *r);

#endif
