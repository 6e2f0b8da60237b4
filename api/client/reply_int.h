/*
 * reply_int.h: the reply parser's helpers (reply.c), shared with the
 * parsers of the TLS policy replies (policy_reply.c).  Not installed.
 *
 * A struct rp carries a sticky error: after the first failure every
 * helper returns NULL or 0 and the error (with the field's path) is in
 * rp->rc and mxsec_error(rp->h).
 */
#ifndef MXSEC_CLIENT_REPLY_INT_H
#define MXSEC_CLIENT_REPLY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client_int.h"
#include "json.h"

struct rp {
	mxsec *h;
	int rc;
	char where[96];
};

void rp_fail(struct rp *rp, int code, const char *key, const char *what);
void rp_where(struct rp *rp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The member key of obj with type t (JSON_TRUE: a boolean); NULL if
 * absent or null (an error if required). */
const struct json_value *rp_get(struct rp *rp, const struct json_value *obj,
    const char *key, enum json_type t, bool required);
char *rp_dup(struct rp *rp, const struct json_value *v, const char *key);
char *rp_str(struct rp *rp, const struct json_value *obj, const char *key,
    bool required);
uint64_t rp_uint(struct rp *rp, const struct json_value *obj, const char *key,
    uint64_t max, bool required);
int rp_bool(struct rp *rp, const struct json_value *obj, const char *key,
    bool required);
int rp_enum(struct rp *rp, const struct json_value *obj, const char *key,
    const char *const *names, int n, bool required);
/* A security status ("secure", ...): enum mxsec_status, 0 if absent. */
int rp_status(struct rp *rp, const struct json_value *obj, const char *key,
    bool required);
void *rp_calloc(struct rp *rp, size_t n, size_t sz);
char **rp_strv(struct rp *rp, const struct json_value *obj, const char *key,
    bool required, size_t *np);
void strv_free(char **v, size_t n);
/* "ok":true goes on; "ok":false becomes the daemon's error. */
bool rp_ok(struct rp *rp, const struct json_value *root);
struct json_value *rp_json(struct rp *rp, const char *json, size_t len);

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif
