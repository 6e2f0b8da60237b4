/*
 * jsonw.c: the API's JSON writer (jsonw.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

void
jw_init(jsonw *w)
{
	memset(w, 0, sizeof(*w));
}

void
jw_free(jsonw *w)
{
	free(w->p);
	memset(w, 0, sizeof(*w));
}

char *
jw_take(jsonw *w, size_t *len)
{
	char *p = w->p;

	*len = w->len;
	memset(w, 0, sizeof(*w));
	return p;
}

static void
put(jsonw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 512;
		while (cap < w->len + n + 1)
			cap *= 2;
		char *p = realloc(w->p, cap);
		if (p == NULL) {
			w->oom = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = 0;
}

/* A value at this level: a comma before all but the first. */
static void
sep(jsonw *w)
{
	if (w->comma)
		put(w, ",", 1);
	w->comma = true;
}

void
jw_obj_open(jsonw *w)
{
	sep(w);
	put(w, "{", 1);
	w->comma = false;
}

void
jw_obj_close(jsonw *w)
{
	put(w, "}", 1);
	w->comma = true;
}

void
jw_arr_open(jsonw *w)
{
	sep(w);
	put(w, "[", 1);
	w->comma = false;
}

void
jw_arr_close(jsonw *w)
{
	put(w, "]", 1);
	w->comma = true;
}

static void
escaped(jsonw *w, const char *s, size_t n)
{
	put(w, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f)
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		char e[8];
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			put(w, e, 2);
		} else {
			/* RFC 8259 7: control characters as \u00XX; bytes
			 * above 0x7e the same, so the output is ASCII. */
			snprintf(e, sizeof(e), "\\u%04x", c);
			put(w, e, 6);
		}
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

void
jw_key(jsonw *w, const char *k)
{
	sep(w);
	escaped(w, k, strlen(k));
	put(w, ":", 1);
	w->comma = false;
}

void
jw_strn(jsonw *w, const char *s, size_t n)
{
	sep(w);
	escaped(w, s, n);
}

void
jw_str(jsonw *w, const char *s)
{
	jw_strn(w, s, strlen(s));
}

void
jw_int(jsonw *w, int64_t v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%" PRId64, v);

	sep(w);
	put(w, b, (size_t)n);
}

void
jw_bool(jsonw *w, bool v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void
jw_null(jsonw *w)
{
	sep(w);
	put(w, "null", 4);
}

void
jw_kstr_or_null(jsonw *w, const char *k, const char *s)
{
	jw_key(w, k);
	if (s != NULL)
		jw_str(w, s);
	else
		jw_null(w);
}

void
jw_kstr(jsonw *w, const char *k, const char *s)
{
	jw_key(w, k);
	jw_str(w, s);
}

void
jw_kint(jsonw *w, const char *k, int64_t v)
{
	jw_key(w, k);
	jw_int(w, v);
}

void
jw_kbool(jsonw *w, const char *k, bool v)
{
	jw_key(w, k);
	jw_bool(w, v);
}
