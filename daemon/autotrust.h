/*
 * autotrust.h: RFC 5011 trust-anchor updates for mxsecd
 * (auto-trust-anchor-file).  One anchored zone per state file: the zone of
 * the first configured anchor (the root by default).
 *
 * Ownership: autotrust_load takes over the ta_store's entries (the store
 * is left empty).  autotrust_free must run before the engine is freed.
 */
#ifndef MXSEC_DAEMON_AUTOTRUST_H
#define MXSEC_DAEMON_AUTOTRUST_H

#include <stddef.h>

#include "engine.h"
#include "rfc5011.h"
#include "ta.h"

struct event_base;
typedef struct autotrust autotrust;

/* Read the state file, or seed it from tas and write it when it does not
 * exist.  Errors name the file (and line). */
int autotrust_load(const char *path, ta_store *tas, autotrust **out,
    char *err, size_t errlen);
/* The anchors for the engine: the trusted keys of the managed zone (or
 * its configured anchors while none is trusted yet) and every other
 * configured anchor.  Valid until the next call. */
int autotrust_anchors(autotrust *a, const eng_anchor **out, size_t *n);
/* Start probing the zone's DNSKEY RRset through e (first probe after a
 * second, then on the RFC 5011 2.3 schedule); key changes are saved and
 * given to e with eng_set_anchors(). */
int autotrust_run(autotrust *a, struct event_base *base, eng *e);
void autotrust_free(autotrust *a);

/* For listing (mxsec ta list): the managed zone's RFC 5011 state, the
 * configured anchors, the state file.  Valid until the next probe result
 * or autotrust_free(): copy out at once. */
const r5011_zone *autotrust_zone(const autotrust *a);
const ta_store *autotrust_configured(const autotrust *a);
const char *autotrust_path(const autotrust *a);

#endif
