/* hints.h: the built-in root hints, as zone-file text. */
#ifndef MXSEC_HINTS_H
#define MXSEC_HINTS_H

extern const char root_hints_builtin[];
extern const unsigned long root_hints_builtin_len;

#endif
