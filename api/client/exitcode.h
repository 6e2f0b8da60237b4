/*
 * exitcode.h: the exit status of mxsec(1) for a reply or an error, kept
 * apart from the CLI so that the unit tests check the mapping mxsec.1
 * documents.
 */
#ifndef MXSEC_CLIENT_EXITCODE_H
#define MXSEC_CLIENT_EXITCODE_H

#include "mxsec.h"

enum {
	EXIT_SECURE = 0,        /* secure; DANE: every host dane */
	EXIT_INSECURE = 1,      /* insecure or indeterminate; DANE: some host not dane */
	EXIT_BOGUS = 2,         /* bogus data where it matters */
	EXIT_DEFER = 3,         /* lookup failed: try later */
	EXIT_NOTEXIST = 4,      /* DANE: nxdomain or null MX: bounce */
	EXIT_USAGE = 64,        /* EX_USAGE: bad command line or refused request */
	EXIT_UNAVAILABLE = 69,  /* EX_UNAVAILABLE: daemon not reachable or busy */
	EXIT_PROTOCOL = 70,     /* EX_SOFTWARE: malformed reply, daemon failure */
	EXIT_NOPERM = 77,       /* EX_NOPERM: control request denied */
};

int exit_for_answer(const struct mxsec_answer *a);
int exit_for_dane(const struct mxsec_dane *d);   /* also SRV */
/* found 0; none or invalid 1 (RFC 8460 3: an invalid record is no
 * record); defer 3 */
int exit_for_tlsrpt(const struct mxsec_tlsrpt *t);
/* a policy (any mode) 0; none 1; temp 3 */
int exit_for_sts(const struct mxsec_sts *s);
/* OK 0; NOTFOUND 1; TEMP 3 */
int exit_for_policy(const struct mxsec_policy *p);
/* For a failed call's MXSEC_E* code. */
int exit_for_error(int code);

#endif
