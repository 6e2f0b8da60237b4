/*
 * denial_int.h: helpers shared by denial.c, denial_nsec.c and
 * denial_nsec3.c.  Internal to resolver/.
 */
#ifndef MXSEC_DENIAL_INT_H
#define MXSEC_DENIAL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "denial.h"
#include "name.h"

/* Clear out (STYLE.md rule 4: out-parameters are cleared on entry). */
void denial_clear(denial_out *out);
/* Record the verdict and return it. */
denial_result denial_set(denial_out *out, denial_result r, uint16_t ede,
    const char *why);
/* Checks every entry point makes: a context with a zone, a name inside
 * that zone.  DENIAL_PROVEN means "go on"; otherwise out is set. */
denial_result denial_check_args(const denial_ctx *c, const uint8_t *name,
    denial_out *out);
/* Labels of the longest common suffix of a and b (case-insensitive). */
unsigned denial_common_labels(const uint8_t *a, const uint8_t *b);
/* "*." + ce into out; false if that would exceed 255 octets. */
bool denial_wildcard_of(const uint8_t *ce, uint8_t out[NAME_MAX_WIRE]);

#endif
