/*
 * exitcode.c: reply -> exit status of mxsec(1) (see mxsec.1, EXIT STATUS).
 */
#include <string.h>

#include "exitcode.h"

int
exit_for_answer(const struct mxsec_answer *a)
{
	if (a->status == MXSEC_BOGUS)
		return EXIT_BOGUS;
	/* SERVFAIL (timeout, no server answered, ...) and the odder rcodes
	 * say nothing about the name: try later.  NXDOMAIN is an answer, and
	 * its status says whether its denial was proven. */
	if (a->rcode == NULL || (strcmp(a->rcode, "NOERROR") != 0 &&
	    strcmp(a->rcode, "NXDOMAIN") != 0))
		return EXIT_DEFER;
	return a->status == MXSEC_SECURE ? EXIT_SECURE : EXIT_INSECURE;
}

int
exit_for_dane(const struct mxsec_dane *d)
{
	int bogus = 0, defer = 0, notdane = 0;

	switch (d->result) {
	case MXSEC_RESULT_NXDOMAIN:
	case MXSEC_RESULT_NULL_MX:
	case MXSEC_RESULT_NO_SERVICE:
		return EXIT_NOTEXIST;
	case MXSEC_RESULT_DEFER:
		return d->mx_status == MXSEC_BOGUS ? EXIT_BOGUS : EXIT_DEFER;
	case MXSEC_RESULT_OK:
		break;
	default:
		return EXIT_PROTOCOL;
	}
	/* "ok" with no host to deliver to cannot be delivered now either. */
	if (d->nhosts == 0)
		return EXIT_DEFER;
	for (size_t k = 0; k < d->nhosts; k++) {
		const struct mxsec_host *x = &d->hosts[k];
		if (x->verdict == MXSEC_VERDICT_DEFER) {
			defer = 1;
			if (x->address_status == MXSEC_BOGUS ||
			    x->tlsa_status == MXSEC_BOGUS)
				bogus = 1;
		} else if (x->verdict != MXSEC_VERDICT_DANE) {
			notdane = 1;
		}
	}
	if (bogus)
		return EXIT_BOGUS;
	if (defer)
		return EXIT_DEFER;
	return notdane ? EXIT_INSECURE : EXIT_SECURE;
}

int
exit_for_tlsrpt(const struct mxsec_tlsrpt *t)
{
	switch (t->result) {
	case MXSEC_TLSRPT_FOUND:
		return EXIT_SECURE;
	case MXSEC_TLSRPT_NONE:
	case MXSEC_TLSRPT_INVALID:
		return EXIT_INSECURE;
	case MXSEC_TLSRPT_DEFER:
		return EXIT_DEFER;
	}
	return EXIT_PROTOCOL;
}

int
exit_for_sts(const struct mxsec_sts *s)
{
	switch (s->result) {
	case MXSEC_STS_POLICY:
		return EXIT_SECURE;
	case MXSEC_STS_NONE:
		return EXIT_INSECURE;
	case MXSEC_STS_TEMP:
		return EXIT_DEFER;
	}
	return EXIT_PROTOCOL;
}

int
exit_for_policy(const struct mxsec_policy *p)
{
	switch (p->status) {
	case MXSEC_POLICY_OK:
		return EXIT_SECURE;
	case MXSEC_POLICY_NOTFOUND:
		return EXIT_INSECURE;
	case MXSEC_POLICY_TEMP:
		return EXIT_DEFER;
	}
	return EXIT_PROTOCOL;
}

int
exit_for_error(int code)
{
	switch (code) {
	case MXSEC_OK:
		return EXIT_SECURE;
	case MXSEC_EINVAL:
	case MXSEC_EBADREQ:
		return EXIT_USAGE;
	case MXSEC_ECONNECT:
	case MXSEC_EIO:
	case MXSEC_ETIMEOUT:
	case MXSEC_EBUSY:
		return EXIT_UNAVAILABLE;
	case MXSEC_EDENIED:
		return EXIT_NOPERM;
	default:
		return EXIT_PROTOCOL;
	}
}
