/*
 * denial.c: what the NSEC (denial_nsec.c) and NSEC3 (denial_nsec3.c)
 * proofs share.
 */
#include <string.h>

#include "denial_int.h"
#include "status.h"

void
denial_clear(denial_out *out)
{
	out->why = NULL;
	out->ede = 0;
	out->closest_encloser = NULL;
}

denial_result
denial_set(denial_out *out, denial_result r, uint16_t ede, const char *why)
{
	out->ede = ede;
	out->why = why;
	if (r == DENIAL_BOGUS)
		out->closest_encloser = NULL;
	return r;
}

denial_result
denial_check_args(const denial_ctx *c, const uint8_t *name, denial_out *out)
{
	if (c == NULL || c->zone == NULL || name == NULL)
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "no zone or name given for the denial proof");
	/* The records come from one zone and can only speak for names in
	 * it (RFC 4035 5.4: the NSEC must be from the zone of the name). */
	if (!name_is_subdomain(name, c->zone))
		return denial_set(out, DENIAL_BOGUS, EDE_DNSSEC_BOGUS,
		    "name is outside the zone of the denial records");
	return DENIAL_PROVEN;
}

unsigned
denial_common_labels(const uint8_t *a, const uint8_t *b)
{
	unsigned la = name_labels(a), lb = name_labels(b);
	unsigned k = la < lb ? la : lb;

	/* Suffix equality is monotone: if k labels agree, so do fewer. */
	while (k > 0 && !name_eq(name_suffix(a, k), name_suffix(b, k)))
		k--;
	return k;
}

bool
denial_wildcard_of(const uint8_t *ce, uint8_t out[NAME_MAX_WIRE])
{
	size_t n = name_len(ce);

	out[0] = 0;
	if (n + 2 > NAME_MAX_WIRE)
		return false;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, ce, n);
	return true;
}

bool
denial_rr_expanded(const uint8_t *owner, unsigned rrsig_labels)
{
	/* RFC 4034 3.1.3: the Labels field does not count the root nor a
	 * leading "*"; fewer labels than the owner has means the RRSIG was
	 * made for a wildcard and the owner is a synthesized name. */
	unsigned l = name_labels(owner);

	if (name_is_wildcard(owner))
		l--;
	return rrsig_labels < l;
}
