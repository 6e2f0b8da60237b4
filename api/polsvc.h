/*
 * polsvc.h: the TLS policy service: one answer per destination domain
 * for Postfix's smtp_tls_policy_maps (socketmap) and for the API's
 * POLICY and STS verbs, from the DANE procedure (dane.h) and MTA-STS
 * (stssvc.h).  DANE wins wherever it applies (RFC 8461 2); MTA-STS
 * covers the domains without usable TLSA records.  The mapping, with its
 * reasons, is in doc/postfix.md ("TLS policy").
 */
#ifndef MXSEC_API_POLSVC_H
#define MXSEC_API_POLSVC_H

#include <stdbool.h>

#include "apisrv.h"
#include "dane.h"
#include "sockmap.h"
#include "stssvc.h"

struct event_base;
typedef struct pol_svc pol_svc;

typedef struct pol_svc_config {
	bool tlsrpt_attrs;           /* policy-tlsrpt: Postfix 3.10 TLS-RPT
	                                attributes in MTA-STS answers */
	bool insecure_mx_dane;       /* insecure-mx-policy dane */
	unsigned deadline_ms;        /* one lookup, DANE and MTA-STS: 12000 */
} pol_svc_config;

/* sts: NULL when MTA-STS is off (sts no). */
int pol_svc_new(struct event_base *base, const pol_svc_config *cfg,
    const api_resolver *res, sts_svc *sts, pol_svc **out);
void pol_svc_free(pol_svc *p);
void pol_svc_set_config(pol_svc *p, const pol_svc_config *cfg);

/* The socketmap backend (maps "policy", "dane", "sts") and the API hook
 * (STS, POLICY), both bound to p. */
void pol_svc_sockmap(pol_svc *p, sockmap_backend *be);
void pol_svc_api(pol_svc *p, api_policy *ap);

#endif
