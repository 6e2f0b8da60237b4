/*
 * edgeclock.h: the daemon reads the clocks here, at its I/O edge, and
 * passes the time into the engine (STYLE.md rule 2).  Wall time through
 * time(), so libfaketime moves it in tests; the monotonic clock for RTTs
 * and timeouts.
 */
#ifndef MXSEC_DAEMON_EDGECLOCK_H
#define MXSEC_DAEMON_EDGECLOCK_H

#include <time.h>

#include "engine.h"

static inline eng_time
edge_now(void)
{
	struct timespec mono;
	eng_time t;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	t.wall = time(NULL);
	t.mono_ms = (uint64_t)mono.tv_sec * 1000 + (uint64_t)mono.tv_nsec / 1000000;
	return t;
}

#endif
