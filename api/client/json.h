/*
 * json.h: a small strict JSON parser (RFC 8259) for the daemon's replies.
 *
 * Every input is untrusted: the text is bounded by its length (it need not
 * end in NUL, and a NUL octet in it is an error), nesting is capped, strings
 * must be valid UTF-8, \uXXXX escapes are decoded to UTF-8 and a lone
 * surrogate is an error, duplicate object keys are an error, and nothing but
 * whitespace may follow the value.  Numbers follow the JSON grammar; those
 * that are integers in int64_t range are available as integers, the others
 * only as "a number" (the protocol has no use for them).
 *
 * Ownership: json_parse() returns a tree that the caller frees with
 * json_free(); every pointer into it lives until then.
 */
#ifndef MXSEC_CLIENT_JSON_H
#define MXSEC_CLIENT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on one parse; json_parse() with NULL limits uses the defaults.
 * The value cap bounds memory: each value costs a few dozen octets however
 * short its text ("[0,0,0,...]"). */
struct json_limits {
	unsigned depth;           /* nesting of arrays and objects; 1: flat */
	size_t values;            /* values in the whole text, keys excluded */
};
#define JSON_DEPTH_DEFAULT 32
#define JSON_VALUES_DEFAULT 262144

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

struct json_value {
	enum json_type type;
	/* JSON_NUMBER: is_int when the number is an integer (no fraction, no
	 * exponent) that fits int64_t; then i holds it. */
	bool is_int;
	int64_t i;
	/* JSON_STRING: decoded UTF-8, NUL-terminated; len excludes the NUL
	 * and counts any NUL that \u0000 put inside. */
	char *s;
	size_t len;
	/* JSON_ARRAY: n items; JSON_OBJECT: n members, in text order. */
	size_t n;
	struct json_value *items;
	struct json_member *members;
};

struct json_member {
	char *key;                /* NUL-terminated, decoded */
	size_t keylen;
	struct json_value value;
};

/*
 * Parse len octets of text under lim (NULL: the defaults).  0 and *out set;
 * or JSON_EPARSE with a one-line reason and the offset in err, or
 * JSON_ENOMEM; *out is NULL on error.
 */
#define JSON_EPARSE (-1)
#define JSON_ENOMEM (-2)
int json_parse(const char *text, size_t len, const struct json_limits *lim,
    struct json_value **out, char *err, size_t errlen);

void json_free(struct json_value *v);

/* The member called key of an object, or NULL (also when v is not an
 * object).  Keys are compared exactly. */
const struct json_value *json_get(const struct json_value *v, const char *key);

/* The JSON name of a type, for messages: "string", "object", ... */
const char *json_type_name(enum json_type t);

#endif
