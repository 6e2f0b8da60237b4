/*
 * rrjson.h: engine answers as the socket API's JSON (doc/protocol.md):
 * following a CNAME chain in an answer, and records in presentation and
 * parsed form.
 */
#ifndef MXSEC_API_RRJSON_H
#define MXSEC_API_RRJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "jsonw.h"
#include "name.h"

#define RJ_MAX_CHAIN 16
#define RJ_NAME_STR 1024     /* a presentation name, escapes included */

/* A name in lower case with its trailing dot. */
void rj_name(const uint8_t *name, char buf[RJ_NAME_STR]);
/* Follow the CNAME chain of qname through the answer section: the links
 * found (at most RJ_MAX_CHAIN) and the name it ends at. */
const uint8_t *rj_follow(const eng_result *res, const uint8_t *qname,
    const msg_rr **links, size_t *nlinks);
/* Is rr one of the records of type at name (the end of the chain)? */
bool rj_is_final(const msg_rr *rr, const uint8_t *name, uint16_t type);
/* The least TTL of the answer and authority records; 0 without any. */
uint32_t rj_ttl(const eng_result *res);
/* One record: {"name","type","ttl","rdata","data":{...}}. */
void rj_record(jsonw *w, const msg_rr *rr);
/* The "cname" array of links. */
void rj_chain(jsonw *w, const msg_rr *const *links, size_t n);
/* The EDE and reason of a result, if it has them. */
void rj_failure(jsonw *w, const eng_result *res);
/* A whole record reply (one line, no newline). */
void rj_lookup_reply(jsonw *w, const uint8_t *qname, uint16_t qtype,
    const eng_result *res);
/* A usable TLSA record for SMTP (RFC 7672 3.1.3): usage DANE-TA(2) or
 * DANE-EE(3), selector 0 or 1, matching type 0, 1 or 2. */
bool rj_tlsa_usable(const uint8_t *rd, size_t len);

#endif
