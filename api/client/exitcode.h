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
int exit_for_dane(const struct mxsec_dane *d);
/* For a failed call's MXSEC_E* code. */
int exit_for_error(int code);

#endif
