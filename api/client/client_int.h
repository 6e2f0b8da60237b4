/*
 * client_int.h: libmxsec internals shared by its files (not installed).
 */
#ifndef MXSEC_CLIENT_INT_H
#define MXSEC_CLIENT_INT_H

#include <stddef.h>

#include "mxsec.h"

/* A reply line is at most this long.  The largest real replies (a DANE
 * reply for 32 hosts, a 64 KiB TXT RRset) are far smaller; the bound keeps
 * a broken or hostile peer from making the client allocate without end. */
#define MXSEC_REPLY_MAX (4u << 20)

/* A request line is at most this long without its newline (doc/protocol.md). */
#define MXSEC_LINE_MAX 1024

struct mxsec {
	int fd;                   /* -1: not connected */
	int timeout_ms;
	char *path;
	size_t reply_max;         /* 0: MXSEC_REPLY_MAX (DUMP raises it) */
	char *buf;                /* received, not yet handed out */
	size_t len, cap;
	char err[512];
};

/* Set h's error message (h may be NULL) and return code. */
int client_err(mxsec *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Closes the connection so that a late reply cannot answer a later
 * request; the next call connects again. */
void client_disconnect(mxsec *h);

/* One request line out, its reply line back (malloc'ed, NUL-terminated). */
int client_request(mxsec *h, const char *line, char **reply, size_t *replylen);

/* Parse a reply that must be "ok":true (else the daemon's error, mapped
 * to an MXSEC_E* code, as for mxsec_parse_answer()).  0 and *root set
 * (json_free() it), or an error with *root NULL. */
struct json_value;
int client_parse_ok(mxsec *h, const char *json, size_t len,
    struct json_value **root);

/* DUMP replies may be this long (the daemon refuses dumps over 64 MiB;
 * escaping makes the line longer than the text). */
#define MXSEC_DUMP_REPLY_MAX (160u << 20)

#endif
