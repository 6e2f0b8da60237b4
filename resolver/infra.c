/*
 * infra.c: server statistics in a 4-way set-associative table.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "infra.h"

#define SETS 1024
#define WAYS 4
/* Forget what we learned after this long without news (ms). */
#define INFRA_TTL (15 * 60 * 1000)

typedef struct ientry {
	uint8_t key[18];          /* family byte, port (2), address (up to 16) */
	bool used;
	uint64_t last;            /* last use, ms */
	unsigned srtt;            /* ms, scaled by nothing: plain mean */
	unsigned rttvar;
	unsigned timeouts;        /* consecutive */
	bool lame;                /* last answer was useless */
	bool sampled;             /* at least one RTT measured */
	uint8_t last6;            /* IPv6: the address's last octet (the key
	                             folds it), for infra_list() */
} ientry;

struct infra {
	ientry e[SETS][WAYS];
};

static void
make_key(const struct sockaddr *sa, uint8_t key[18])
{
	memset(key, 0, 18);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		key[0] = 4;
		memcpy(key + 1, &s->sin_port, 2);
		memcpy(key + 3, &s->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		key[0] = 6;
		memcpy(key + 1, &s->sin6_port, 2);
		memcpy(key + 3, &s->sin6_addr, 15);
		key[17] ^= s->sin6_addr.s6_addr[15];
	}
}

int
infra_new(infra **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : MX_ENOMEM;
}

void
infra_free(infra *in)
{
	free(in);
}

/* The entry for sa, created (evicting the least recently used of its set)
 * when create is true; NULL otherwise when absent. */
static ientry *
lookup(infra *in, const struct sockaddr *sa, uint64_t now, bool create)
{
	uint8_t key[18];
	uint32_t h = 2166136261u;

	make_key(sa, key);
	for (int i = 0; i < 18; i++)
		h = (h ^ key[i]) * 16777619u;
	ientry *set = in->e[h % SETS], *victim = &set[0];
	for (int w = 0; w < WAYS; w++) {
		ientry *x = &set[w];
		if (x->used && memcmp(x->key, key, sizeof(key)) == 0) {
			if (now > x->last && now - x->last > INFRA_TTL) {
				/* Stale knowledge: start over. */
				memset(x, 0, sizeof(*x));
				break;
			}
			x->last = now;
			return x;
		}
		if (!x->used || x->last < victim->last)
			victim = x;
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, key, sizeof(key));
	if (sa->sa_family == AF_INET6)
		victim->last6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr[15];
	victim->used = true;
	victim->last = now;
	victim->srtt = INFRA_RTT_INIT;
	victim->rttvar = INFRA_RTT_INIT / 2;
	return victim;
}

unsigned
infra_rtt(infra *in, const struct sockaddr *sa, uint64_t now_ms)
{
	ientry *x = lookup(in, sa, now_ms, false);
	return x ? x->srtt : INFRA_RTT_INIT;
}

unsigned
infra_rto(infra *in, const struct sockaddr *sa, uint64_t now_ms)
{
	ientry *x = lookup(in, sa, now_ms, false);
	unsigned rto;

	if (x == NULL)
		return INFRA_RTT_INIT * 2;
	/* RFC 6298 2.3: RTO = SRTT + 4 * RTTVAR, with backoff doubling
	 * per consecutive timeout (5.5). */
	rto = x->srtt + 4 * x->rttvar;
	for (unsigned i = 0; i < x->timeouts && rto < INFRA_RTO_MAX; i++)
		rto *= 2;
	if (rto < INFRA_RTO_MIN)
		rto = INFRA_RTO_MIN;
	if (rto > INFRA_RTO_MAX)
		rto = INFRA_RTO_MAX;
	return rto;
}

void
infra_rtt_sample(infra *in, const struct sockaddr *sa, unsigned rtt,
    uint64_t now_ms)
{
	ientry *x = lookup(in, sa, now_ms, true);

	if (!x->sampled || x->timeouts > 0 || x->lame || x->srtt > INFRA_RTO_MAX) {
		/* RFC 6298 2.2: the first measurement sets SRTT; so does the
		 * first answer after timeouts or a useless answer. */
		x->srtt = rtt;
		x->rttvar = rtt / 2;
	} else {
		/* RFC 6298 2.3 with alpha 1/8, beta 1/4. */
		unsigned diff = rtt > x->srtt ? rtt - x->srtt : x->srtt - rtt;
		x->rttvar = (3 * x->rttvar + diff) / 4;
		x->srtt = (7 * x->srtt + rtt) / 8;
	}
	x->timeouts = 0;
	x->lame = false;
	x->sampled = true;
}

#define INFRA_LAME_RTT 2500

void
infra_lame(infra *in, const struct sockaddr *sa, uint64_t now_ms)
{
	ientry *x = lookup(in, sa, now_ms, true);

	x->lame = true;
	if (x->srtt < INFRA_LAME_RTT)
		x->srtt = INFRA_LAME_RTT;
}

void
infra_timed_out(infra *in, const struct sockaddr *sa, uint64_t now_ms)
{
	ientry *x = lookup(in, sa, now_ms, true);

	x->timeouts++;
	/* Selection avoids it: its RTT grows until it answers again. */
	x->srtt = x->srtt * 2 > INFRA_RTT_MAX ? INFRA_RTT_MAX : x->srtt * 2 + 100;
}

size_t
infra_list(const infra *in, uint64_t now_ms, infra_server *out, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < SETS; i++) {
		for (int w = 0; w < WAYS; w++) {
			const ientry *x = &in->e[i][w];
			if (!x->used || (now_ms > x->last && now_ms - x->last > INFRA_TTL))
				continue;
			if (n < max) {
				infra_server *o = &out[n];
				memset(o, 0, sizeof(*o));
				if (x->key[0] == 4) {
					struct sockaddr_in *s = (struct sockaddr_in *)&o->sa;
					s->sin_family = AF_INET;
					memcpy(&s->sin_port, x->key + 1, 2);
					memcpy(&s->sin_addr, x->key + 3, 4);
				} else {
					struct sockaddr_in6 *s = (struct sockaddr_in6 *)&o->sa;
					s->sin6_family = AF_INET6;
					memcpy(&s->sin6_port, x->key + 1, 2);
					memcpy(&s->sin6_addr, x->key + 3, 15);
					/* make_key folded octet 15 into 17: undo it. */
					s->sin6_addr.s6_addr[14] = (uint8_t)(x->key[17] ^ x->last6);
					s->sin6_addr.s6_addr[15] = x->last6;
				}
				o->srtt = x->srtt;
				o->rttvar = x->rttvar;
				o->timeouts = x->timeouts;
				o->lame = x->lame;
				o->sampled = x->sampled;
			}
			n++;
		}
	}
	return n;
}
