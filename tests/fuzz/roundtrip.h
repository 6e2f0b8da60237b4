/* roundtrip.h: the parse -> print -> parse and parse -> write -> parse
 * checks shared by the message fuzzer and the round-trip test. */
#ifndef MXSEC_TEST_ROUNDTRIP_H
#define MXSEC_TEST_ROUNDTRIP_H

#include <stddef.h>
#include <stdint.h>

/* 0: the message parsed and every check held; 1: it does not parse;
 * -1: a check failed, why says which. */
int roundtrip_check(const uint8_t *data, size_t size, char *why, size_t whylen);

#endif
