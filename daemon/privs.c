/*
 * privs.c: the switch from root to the daemon's user (privs.h).
 *
 * Linux only: capabilities are read and cleared with the raw capget/capset
 * system calls, so that nothing beyond libc is linked (no libcap).
 */
#define _GNU_SOURCE   /* setresuid, setresgid */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "privs.h"

/* The RFC 5011 state file's directory is the daemon's own, to create and
 * hand to its user, only here or under the cache dir.  Anywhere else it
 * belongs to the admin: a warning says when the user cannot write it. */
#define PRIVS_STATE_BASE "/var/lib/mxsec"

static struct {
	bool prepared;
	bool switch_user;      /* started as root: setuid to uid */
	uid_t uid;
	gid_t gid;
	char name[64];
	char *chroot;          /* NULL: none */
	size_t chroot_len;
	bool chrooted;
} pv;

/* Is path dir itself or below it?  Plain text, as the configuration
 * spells them: the admin writes the same prefix for both. */
static bool
privs_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) != 0)
		return false;
	return path[n] == '\0' || path[n] == '/' || (n == 1 && dir[0] == '/');
}

/* The directory part of path, in buf: "." for a bare name. */
static void
privs_dirname(const char *path, char *buf, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, cap, ".");
	else if (slash == path)
		snprintf(buf, cap, "/");
	else
		snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

/* The daemon's own directory for the RFC 5011 state, or NULL. */
static const char *
privs_state_base(const struct mxsec_config *cfg, const char *dir)
{
	if (privs_under(dir, PRIVS_STATE_BASE))
		return PRIVS_STATE_BASE;
	if (privs_under(dir, cfg->cache_dir))
		return cfg->cache_dir;
	return NULL;
}

/* Call fn on base, then on each directory below it down to dir (dir is
 * under base): mkdir -p and chown -R, but only from base down. */
static void
privs_walk(const char *dir, const char *base, void (*fn)(const char *))
{
	char buf[PATH_MAX];
	size_t n = strlen(base);

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return;
	fn(base);
	for (size_t i = n; buf[i] != '\0'; i++) {
		if (buf[i] == '/' && i > n) {
			buf[i] = '\0';
			fn(buf);
			buf[i] = '/';
		}
	}
	if (strlen(buf) > n)
		fn(buf);
}

static void
privs_mkdir(const char *path)
{
	if (mkdir(path, 0750) != 0 && errno != EEXIST)
		log_msg(LOG_LEVEL_WARNING, "cannot create %s: %s", path,
		    strerror(errno));
}

static int
privs_pick_user(const struct mxsec_config *cfg, char *err, size_t errlen)
{
	struct passwd *pw;
	const char *name = cfg->user != NULL ? cfg->user : "mxsec";

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL && cfg->user == NULL) {
		pw = getpwnam("nobody");
		if (pw != NULL)
			log_msg(LOG_LEVEL_WARNING, "no user 'mxsec': running as "
			    "'nobody'; create a system user 'mxsec' or set 'user'");
	}
	if (pw == NULL) {
		snprintf(err, errlen, "user %s: no such user%s", name,
		    cfg->user == NULL ? " (nor 'nobody')" : "");
		return MX_EINVAL;
	}
	if (pw->pw_uid == 0 && cfg->user != NULL)
		log_msg(LOG_LEVEL_WARNING, "user %s is root: the daemon keeps uid 0"
		    " but gives up every capability", name);
	pv.uid = pw->pw_uid;
	pv.gid = pw->pw_gid;
	snprintf(pv.name, sizeof(pv.name), "%s", pw->pw_name);
	pv.switch_user = true;
	return 0;
}

int
privs_prepare(const struct mxsec_config *cfg, char *err, size_t errlen)
{
	struct stat sb;
	int rc;

	memset(&pv, 0, sizeof(pv));
	if (geteuid() == 0) {
		if ((rc = privs_pick_user(cfg, err, errlen)) != 0)
			return rc;
	} else if (cfg->user != NULL) {
		struct passwd *pw = getpwnam(cfg->user);
		if (pw == NULL || pw->pw_uid != geteuid())
			log_msg(LOG_LEVEL_WARNING, "not started as root: user %s"
			    " ignored, running as uid %lu", cfg->user,
			    (unsigned long)geteuid());
	}
	if (cfg->auto_trust_anchor_file != NULL) {
		char dir[PATH_MAX];
		const char *base;

		privs_dirname(cfg->auto_trust_anchor_file, dir, sizeof(dir));
		if ((base = privs_state_base(cfg, dir)) != NULL)
			privs_walk(dir, base, privs_mkdir);
	}
	if (cfg->chroot != NULL) {
		if (stat(cfg->chroot, &sb) != 0) {
			snprintf(err, errlen, "chroot %s: %s", cfg->chroot,
			    strerror(errno));
			return MX_EINVAL;
		}
		if (!S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "chroot %s: not a directory",
			    cfg->chroot);
			return MX_EINVAL;
		}
		if ((pv.chroot = strdup(cfg->chroot)) == NULL)
			return MX_ENOMEM;
		pv.chroot_len = strlen(pv.chroot);
		while (pv.chroot_len > 1 && pv.chroot[pv.chroot_len - 1] == '/')
			pv.chroot[--pv.chroot_len] = '\0';
	}
	/* Local time for the log, read while /etc/localtime is in reach. */
	tzset();
	pv.prepared = true;
	return 0;
}

const char *
privs_path(const char *path)
{
	if (!pv.chrooted || path == NULL || path[0] != '/' ||
	    !privs_under(path, pv.chroot))
		return path;
	if (pv.chroot_len == 1)
		return path;
	return path[pv.chroot_len] == '\0' ? "/" : path + pv.chroot_len;
}

static void
privs_chown(const char *path, gid_t gid, bool nofollow)
{
	if (fchownat(AT_FDCWD, path, pv.uid, gid,
	    nofollow ? AT_SYMLINK_NOFOLLOW : 0) != 0)
		log_msg(LOG_LEVEL_WARNING, "cannot give %s to user %s: %s", path,
		    pv.name, strerror(errno));
}

static void
privs_chown_dir(const char *path)
{
	privs_chown(path, pv.gid, false);
}

/* The cache dir and the files in it (the LMDB data and lock files, a
 * state file kept there): the user writes through the descriptors opened
 * as root anyway, but 'mxsecd --dump-cache' as that user and the next
 * start under a stricter unit need the files to be its own. */
static void
privs_chown_cache(const char *dir)
{
	DIR *d;
	struct dirent *e;

	privs_chown(dir, pv.gid, false);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char p[PATH_MAX];
		struct stat sb;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode))
			privs_chown(p, pv.gid, true);
	}
	closedir(d);
}

/* RFC 5011 rewrites the state file with a temporary file and a rename in
 * its directory (trust-anchors/rfc5011.c), so the directory is what the
 * user must be able to write. */
static void
privs_chown_state(const struct mxsec_config *cfg)
{
	char dir[PATH_MAX];
	const char *base;

	if (cfg->auto_trust_anchor_file == NULL)
		return;
	privs_dirname(cfg->auto_trust_anchor_file, dir, sizeof(dir));
	if ((base = privs_state_base(cfg, dir)) == NULL)
		return;
	/* From the base down, so that the user can reach the directory. */
	privs_walk(dir, base, privs_chown_dir);
	if (access(cfg->auto_trust_anchor_file, F_OK) == 0)
		privs_chown(cfg->auto_trust_anchor_file, pv.gid, true);
}

/* After the switch: can the user still save the RFC 5011 state? */
static void
privs_check_state(const struct mxsec_config *cfg)
{
	char dir[PATH_MAX];

	if (cfg->auto_trust_anchor_file == NULL)
		return;
	if (pv.chrooted && !privs_under(cfg->auto_trust_anchor_file, pv.chroot)) {
		log_msg(LOG_LEVEL_WARNING, "auto-trust-anchor-file %s is outside"
		    " the chroot %s: RFC 5011 updates cannot be saved",
		    cfg->auto_trust_anchor_file, pv.chroot);
		return;
	}
	privs_dirname(privs_path(cfg->auto_trust_anchor_file), dir, sizeof(dir));
	if (access(dir, W_OK | X_OK) != 0)
		log_msg(LOG_LEVEL_WARNING, "auto-trust-anchor-file %s: directory"
		    " %s is not writable by uid %lu (%s): RFC 5011 updates cannot"
		    " be saved", cfg->auto_trust_anchor_file, dir,
		    (unsigned long)geteuid(), strerror(errno));
}

/* Permitted and effective sets, all 64 bits (capability version 3). */
static int
privs_caps(uint64_t *eff, uint64_t *prm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return MX_EIO;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	return 0;
}

static int
privs_clear_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return syscall(SYS_capset, &h, d) == 0 ? 0 : MX_EIO;
}

/* The bounding set too, when we may (CAP_SETPCAP: plain root, not the
 * systemd unit, whose own bounding set is already small): then not even
 * an exec could bring a capability back. */
static void
privs_drop_bounding(void)
{
	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			(void)prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
}

static int
privs_switch(char *err, size_t errlen)
{
	if (initgroups(pv.name, pv.gid) != 0) {
		snprintf(err, errlen, "user %s: cannot set the groups: %s",
		    pv.name, strerror(errno));
		return MX_EIO;
	}
	if (pv.chroot != NULL) {
		if (chroot(pv.chroot) != 0 || chdir("/") != 0) {
			snprintf(err, errlen, "chroot %s: %s", pv.chroot,
			    strerror(errno));
			return MX_EIO;
		}
		pv.chrooted = true;
	}
	privs_drop_bounding();
	if (setresgid(pv.gid, pv.gid, pv.gid) != 0) {
		snprintf(err, errlen, "user %s: cannot set gid %lu: %s", pv.name,
		    (unsigned long)pv.gid, strerror(errno));
		return MX_EIO;
	}
	if (setresuid(pv.uid, pv.uid, pv.uid) != 0) {
		snprintf(err, errlen, "user %s: cannot set uid %lu: %s", pv.name,
		    (unsigned long)pv.uid, strerror(errno));
		return MX_EIO;
	}
	/* The kernel clears the capabilities when the last uid leaves 0,
	 * unless SECBIT_KEEP_CAPS was set by whoever started us. */
	if (pv.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "user %s: could switch back to root", pv.name);
		return MX_EINVAL;
	}
	return 0;
}

int
privs_drop(const struct mxsec_config *cfg, char *err, size_t errlen)
{
	uint64_t eff, prm;
	int rc;

	if (!pv.prepared) {
		snprintf(err, errlen, "privileges: privs_prepare was not called");
		return MX_EINVAL;
	}
	if (pv.switch_user) {
		privs_chown_cache(cfg->cache_dir);
		privs_chown_state(cfg);
		/* Owner the daemon's user; group 'api-group', else the user's
		 * group; the mode apisrv gave it at bind time. */
		if (strcmp(cfg->api_socket, "none") != 0 &&
		    chown(cfg->api_socket, pv.uid,
		    cfg->api_group != NULL ? (gid_t)-1 : pv.gid) != 0) {
			snprintf(err, errlen, "api-socket %s: cannot give it to"
			    " user %s: %s", cfg->api_socket, pv.name, strerror(errno));
			return MX_EIO;
		}
		if ((rc = privs_switch(err, errlen)) != 0)
			return rc;
	} else if (pv.chroot != NULL) {
		if (chroot(pv.chroot) != 0 || chdir("/") != 0) {
			snprintf(err, errlen, "chroot %s: %s", pv.chroot,
			    strerror(errno));
			return MX_EIO;
		}
		pv.chrooted = true;
	}
	/* Whatever we were started with (an ambient CAP_NET_BIND_SERVICE, a
	 * root user kept on purpose) goes now, and exec cannot bring it
	 * back. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return MX_EIO;
	}
	if (privs_caps(&eff, &prm) != 0 || ((eff | prm) != 0 &&
	    (privs_clear_caps() != 0 || privs_caps(&eff, &prm) != 0)) ||
	    (eff | prm) != 0) {
		snprintf(err, errlen, "cannot give up the capabilities"
		    " (effective %#llx, permitted %#llx)", (unsigned long long)eff,
		    (unsigned long long)prm);
		return MX_EIO;
	}
	privs_check_state(cfg);
	if (pv.switch_user || pv.chrooted)
		log_msg(LOG_LEVEL_INFO, "running as %s (uid %lu, gid %lu)%s%s",
		    pv.switch_user ? pv.name : "the starting user",
		    (unsigned long)getuid(), (unsigned long)getgid(),
		    pv.chrooted ? ", chroot " : "", pv.chrooted ? pv.chroot : "");
	return 0;
}
