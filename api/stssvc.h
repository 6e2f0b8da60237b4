/*
 * stssvc.h: the MTA-STS service (RFC 8461): discovery through the
 * _mta-sts TXT record, the HTTPS fetch of the policy, the policy cache in
 * the cache file, and the background refresh (doc/mta-sts.md).
 *
 * Policy application control flow (RFC 8461 5.1), as implemented:
 *   - TXT id equal to the cached policy's id, cached policy not expired:
 *     the cached policy, no fetch;
 *   - a TXT id and no cached policy, or another id: fetch; on failure the
 *     cached policy while it has not expired, else no policy (RFC 8461
 *     5.1: "as though the domain has not implemented MTA-STS");
 *   - no TXT record (NXDOMAIN, NODATA, no v=STSv1 record): the cached
 *     policy while it has not expired, else none;
 *   - the TXT lookup failed (SERVFAIL, bogus, timeout): the cached policy
 *     while it has not expired, else "temp": the caller answers "try
 *     later" rather than risk a downgrade.
 * A policy is fetched again in the background once half its max_age has
 * passed; a failed refresh keeps it until it expires.
 */
#ifndef MXSEC_API_STSSVC_H
#define MXSEC_API_STSSVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cache.h"
#include "dane.h"
#include "httpsget.h"
#include "jsonw.h"
#include "sts.h"

struct event_base;
typedef struct sts_svc sts_svc;
typedef struct sts_job sts_job;

typedef struct sts_svc_config {
	unsigned fetch_timeout_ms;    /* sts-fetch-timeout: 10000 */
	unsigned refresh_interval_s;  /* sts-refresh-interval: 3600 */
	unsigned max_fetches;         /* fetches at once: 64 */
	bool allow_loopback;          /* query-loopback: fetch from 127/8, ::1 */
	time_t (*now)(void);          /* wall clock (NULL: time()) */
	/* One line for the log (NULL: none): a policy fetched (notice:
	 * false) or a fetch that failed (warning: true). */
	void (*log)(bool failure, const char *line);
} sts_svc_config;

typedef enum sts_result {
	STS_RESULT_NONE = 0,          /* no policy applies */
	STS_RESULT_POLICY,            /* a policy applies (any mode) */
	STS_RESULT_TEMP,              /* unknown: try later */
} sts_result;

/* What one lookup found; owned by the service, valid during done(). */
typedef struct sts_outcome {
	sts_result result;
	char reason[1000];
	bool txt_done;
	sec_status txt_status;
	unsigned txt_rcode;
	char txt_id[STS_ID_MAX + 1];  /* "" without a usable record */
	/* With a policy: */
	const sts_policy *policy;
	char policy_id[STS_ID_MAX + 1];
	const char *source;           /* "fetched" or "cache" */
	int64_t fetched_at, expires, now;
	const uint8_t *body;          /* the policy file as fetched */
	size_t body_len;
} sts_outcome;

typedef void (*sts_done_fn)(void *arg, const sts_outcome *o);

/* tls (owned from now on): the fetcher's trust store, or NULL (MTA-STS is then off: every
 * lookup is "none", with that reason).  store: NULL keeps policies in no
 * file (they are then fetched every time). */
int sts_svc_new(struct event_base *base, const sts_svc_config *cfg,
    const api_resolver *res, hget_ctx *tls, cache *store, sts_svc **out);
void sts_svc_free(sts_svc *s);
/* A new trust store (reload).  The service owns every store it is given
 * and frees an old one once no fetch uses it. */
void sts_svc_set_tls(sts_svc *s, hget_ctx *tls);
void sts_svc_set_config(sts_svc *s, const sts_svc_config *cfg);

/* Look the policy of domain (wire form) up.  done() runs exactly once,
 * always from the event loop (never inside sts_lookup), unless
 * sts_cancel() comes first. */
int sts_lookup(sts_svc *s, const uint8_t *domain, sts_done_fn done,
    void *arg, sts_job **out);
void sts_cancel(sts_job *j);

/* The STS reply of doc/protocol.md, as members of an open JSON object. */
void sts_outcome_json(jsonw *w, const sts_outcome *o);

typedef struct sts_svc_stats {
	uint64_t lookups;
	uint64_t fetches, fetch_errors, refreshes;
	uint64_t cached;              /* policies answered from the cache */
} sts_svc_stats;
void sts_svc_get_stats(const sts_svc *s, sts_svc_stats *st);

#endif
