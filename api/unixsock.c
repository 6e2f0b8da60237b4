/*
 * unixsock.c: see unixsock.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "unixsock.h"

static void
make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = 0;
	/* Only the last component: /run/mxsec under /run, say. */
	(void)mkdir(dir, 0755);
}

/* A socket file nobody listens on is left from a crash: replace it.  One
 * somebody listens on means another daemon: refuse. */
static int
clear_stale(const char *what, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	struct sockaddr_un sun;
	int fd;

	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return MX_EIO;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s %s exists and is not a socket", what, path);
		return MX_EINVAL;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return MX_EIO;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		snprintf(err, errlen, "%s %s: another daemon is listening on it",
		    what, path);
		return MX_EINVAL;
	}
	close(fd);
	unlink(path);
	return 0;
}

int
unixsock_bind(const char *what, const char *path, mode_t mode, gid_t gid,
    int *fdp, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd, rc;

	*fdp = -1;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s %s: path too long", what, path);
		return MX_ELIMIT;
	}
	make_parent(path);
	if ((rc = clear_stale(what, path, err, errlen)) != 0)
		return rc;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return MX_EIO;
	}
	/* Never more open than asked, not even between bind and chmod. */
	mode_t old = umask(0777 & ~mode);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		close(fd);
		return MX_EIO;
	}
	if (chmod(path, mode) != 0 ||
	    (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) != 0)) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		close(fd);
		unlink(path);
		return MX_EIO;
	}
	*fdp = fd;
	return 0;
}
