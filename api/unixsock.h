/*
 * unixsock.h: the listening Unix socket of the API and socketmap servers:
 * its parent directory (the last component only), a stale file from a
 * crash replaced, a live one refused, bound never more open than mode,
 * then mode and group set.
 */
#ifndef MXSEC_API_UNIXSOCK_H
#define MXSEC_API_UNIXSOCK_H

#include <stddef.h>
#include <sys/types.h>

/* what names the socket in err ("api-socket").  *fdp: non-blocking,
 * close-on-exec, bound, not yet listening.  0 or MX_E*. */
int unixsock_bind(const char *what, const char *path, mode_t mode, gid_t gid,
    int *fdp, char *err, size_t errlen);

#endif
