/*
 * jsonw.h: a JSON writer for the socket API's replies (doc/protocol.md).
 * One growing buffer; a failed allocation is sticky (jw.oom) and the
 * caller sends an "internal" error instead.  Strings are escaped per
 * RFC 8259 7; bytes outside printable ASCII never reach a string, since
 * every text written is ASCII (names and RDATA in presentation form).
 */
#ifndef MXSEC_API_JSONW_H
#define MXSEC_API_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct jsonw {
	char *p;
	size_t len, cap;
	bool oom;
	bool comma;          /* a value was written at this level */
} jsonw;

void jw_init(jsonw *w);
void jw_free(jsonw *w);
/* Hand the buffer over (NUL-terminated); the writer is empty after. */
char *jw_take(jsonw *w, size_t *len);

void jw_obj_open(jsonw *w);
void jw_obj_close(jsonw *w);
void jw_arr_open(jsonw *w);
void jw_arr_close(jsonw *w);
/* A key inside an object; the next call writes its value. */
void jw_key(jsonw *w, const char *k);
void jw_str(jsonw *w, const char *s);
void jw_strn(jsonw *w, const char *s, size_t n);
void jw_int(jsonw *w, int64_t v);
void jw_bool(jsonw *w, bool v);
void jw_null(jsonw *w);
/* key + value shorthands */
void jw_kstr(jsonw *w, const char *k, const char *s);
void jw_kint(jsonw *w, const char *k, int64_t v);
void jw_kbool(jsonw *w, const char *k, bool v);
/* s NULL writes null */
void jw_kstr_or_null(jsonw *w, const char *k, const char *s);

#endif
