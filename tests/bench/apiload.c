/*
 * apiload: load for mxsecd's socket API (doc/protocol.md).
 *
 *   apiload -s SOCKET -f FILE [-c CONNS] [-d DEPTH] [-t SECONDS]
 *
 * Opens CONNS connections (default 4) and keeps DEPTH requests (default
 * 64) in flight on each, pipelined, taking request lines from FILE in
 * turn, for SECONDS (default 10).  Prints one line:
 *
 *   requests N replies N errors N seconds S rps R p50_us P p99_us P
 *
 * errors counts replies that are not {"ok":true...}.  Latency is from a
 * request's write to its reply line.  Exit 1 when a connection fails.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define MAX_DEPTH 4096
#define LAT_SAMPLES (1u << 20)

typedef struct conn {
	int fd;
	unsigned inflight;
	uint64_t sent_at[MAX_DEPTH];   /* ring of send times */
	unsigned head, tail;
	char rbuf[1 << 16];
	size_t rlen;
	bool long_line;                /* the current reply overflowed rbuf */
	bool long_ok;                  /* and began with {"ok":true */
} conn;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *file = NULL;
	unsigned nconns = 4, depth = 64, seconds = 10;
	int c;

	while ((c = getopt(argc, argv, "s:f:c:d:t:")) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'f': file = optarg; break;
		case 'c': nconns = (unsigned)atoi(optarg); break;
		case 'd': depth = (unsigned)atoi(optarg); break;
		case 't': seconds = (unsigned)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: apiload -s SOCKET -f FILE [-c CONNS] [-d DEPTH] [-t SECONDS]\n");
			return 2;
		}
	}
	if (path == NULL || file == NULL || nconns == 0 || nconns > MAX_CONNS ||
	    depth == 0 || depth > MAX_DEPTH) {
		fprintf(stderr, "apiload: need -s and -f; 1..%d connections, depth 1..%d\n",
		    MAX_CONNS, MAX_DEPTH);
		return 2;
	}

	/* The requests, each with its newline. */
	FILE *f = fopen(file, "r");
	if (f == NULL) {
		perror(file);
		return 2;
	}
	char **req = NULL;
	size_t *reqlen = NULL, nreq = 0;
	char line[2048];
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strcspn(line, "\r\n");
		if (n == 0)
			continue;
		line[n++] = '\n';
		req = realloc(req, (nreq + 1) * sizeof(*req));
		reqlen = realloc(reqlen, (nreq + 1) * sizeof(*reqlen));
		if (req == NULL || reqlen == NULL)
			return 2;
		req[nreq] = malloc(n);
		memcpy(req[nreq], line, n);
		reqlen[nreq++] = n;
	}
	fclose(f);
	if (nreq == 0) {
		fprintf(stderr, "apiload: %s has no requests\n", file);
		return 2;
	}

	conn *cs = calloc(nconns, sizeof(*cs));
	struct pollfd *pf = calloc(nconns, sizeof(*pf));
	uint32_t *lat = malloc(LAT_SAMPLES * sizeof(*lat));
	if (cs == NULL || pf == NULL || lat == NULL)
		return 2;
	for (unsigned i = 0; i < nconns; i++) {
		struct sockaddr_un sun;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
		cs[i].fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (cs[i].fd < 0 || connect(cs[i].fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
			fprintf(stderr, "apiload: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}

	uint64_t sent = 0, replies = 0, errors = 0, nlat = 0;
	size_t next = 0;
	uint64_t start = now_us(), end = start + (uint64_t)seconds * 1000000u;
	bool stopping = false;
	for (;;) {
		uint64_t t = now_us();
		if (t >= end)
			stopping = true;
		bool any = false;
		for (unsigned i = 0; i < nconns; i++) {
			conn *k = &cs[i];
			/* Fill the pipeline, one write per batch. */
			if (!stopping && k->inflight < depth) {
				char out[1 << 16];
				size_t ol = 0;
				while (k->inflight < depth && ol + 2048 < sizeof(out)) {
					memcpy(out + ol, req[next], reqlen[next]);
					ol += reqlen[next];
					next = (next + 1) % nreq;
					k->sent_at[k->head] = t;
					k->head = (k->head + 1) % MAX_DEPTH;
					k->inflight++;
					sent++;
				}
				size_t off = 0;
				while (off < ol) {
					ssize_t w = write(k->fd, out + off, ol - off);
					if (w < 0) {
						if (errno == EINTR)
							continue;
						fprintf(stderr, "apiload: write: %s\n", strerror(errno));
						return 1;
					}
					off += (size_t)w;
				}
			}
			pf[i].fd = k->fd;
			pf[i].events = k->inflight ? POLLIN : 0;
			if (k->inflight)
				any = true;
		}
		if (stopping && !any)
			break;
		int n = poll(pf, nconns, 1000);
		if (n < 0 && errno != EINTR)
			return 1;
		t = now_us();
		for (unsigned i = 0; i < nconns && n > 0; i++) {
			conn *k = &cs[i];
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(k->fd, k->rbuf + k->rlen, sizeof(k->rbuf) - k->rlen);
			if (r <= 0) {
				fprintf(stderr, "apiload: connection closed with %u in flight\n", k->inflight);
				return 1;
			}
			k->rlen += (size_t)r;
			size_t pos = 0;
			for (;;) {
				char *nl = memchr(k->rbuf + pos, '\n', k->rlen - pos);
				if (nl == NULL)
					break;
				size_t ll = (size_t)(nl - (k->rbuf + pos));
				bool ok = k->long_line ? k->long_ok : ll >= 10 &&
				    memcmp(k->rbuf + pos, "{\"ok\":true", 10) == 0;
				if (!ok)
					errors++;
				replies++;
				if (nlat < LAT_SAMPLES)
					lat[nlat++] = (uint32_t)(t - k->sent_at[k->tail]);
				k->tail = (k->tail + 1) % MAX_DEPTH;
				k->inflight--;
				k->long_line = false;
				pos += ll + 1;
			}
			memmove(k->rbuf, k->rbuf + pos, k->rlen - pos);
			k->rlen -= pos;
			/* A reply longer than the buffer: keep only its start. */
			if (k->rlen == sizeof(k->rbuf)) {
				if (!k->long_line)
					k->long_ok = memcmp(k->rbuf, "{\"ok\":true", 10) == 0;
				k->long_line = true;
				k->rlen = 0;
			}
		}
	}
	double secs = (double)(now_us() - start) / 1e6;
	qsort(lat, nlat, sizeof(*lat), cmp_u32);
	printf("requests %llu replies %llu errors %llu seconds %.2f rps %.0f p50_us %u p99_us %u\n",
	    (unsigned long long)sent, (unsigned long long)replies,
	    (unsigned long long)errors, secs, (double)replies / secs,
	    nlat ? lat[nlat / 2] : 0, nlat ? lat[nlat * 99 / 100] : 0);
	return 0;
}
