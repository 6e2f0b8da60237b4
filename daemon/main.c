/*
 * main.c: mxsecd's command line (doc/mxsecd.8).
 *
 * Exit status: 0 after a clean stop, -h, -V or a good -n check; 1 when the
 * configuration is bad or start-up fails; 2 for a command-line error.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "buildcfg.h"
#include "cache.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "privs.h"
#include "sdnotify.h"

#define MAIN_EXIT_FAIL 1
#define MAIN_EXIT_USAGE 2
#define MAIN_ERR_MAX 512

struct main_opts {
	const char *conf;    /* -c; NULL: built-in defaults only */
	bool foreground;     /* -f: log to stderr */
	bool check;          /* -n: check the configuration and exit */
	bool debug;          /* -d: log level debug */
	bool dump_cache;     /* --dump-cache: print the cache and exit */
};

static void
main_usage(FILE *f)
{
	fprintf(f,
	    "usage: mxsecd [-dfn] [-c file]\n"
	    "       mxsecd -h | -V\n"
	    "  -c, --config=FILE  read the configuration from FILE\n"
	    "  -f, --foreground   stay in the foreground, log to stderr\n"
	    "  -n, --check        check the configuration and exit\n"
	    "  -d, --debug        log at level debug\n"
	    "      --dump-cache   print the cache's live entries and exit\n"
	    "  -h, --help         show this help and exit\n"
	    "  -V, --version      show the version and exit\n");
}

/* Returns -1 to go on, else the exit status (help, version, bad usage). */
static int
main_parse_args(int argc, char **argv, struct main_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "dump-cache", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:fndhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; break;
		case 'f': o->foreground = true; break;
		case 'n': o->check = true; break;
		case 'd': o->debug = true; break;
		case 'D': o->dump_cache = true; break;
		case 'h':
			main_usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("mxsecd %s\n", MXSEC_VERSION);
			return EXIT_SUCCESS;
		default:
			/* getopt_long has named the bad option already. */
			main_usage(stderr);
			return MAIN_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mxsecd: unexpected argument '%s'\n",
		    argv[optind]);
		main_usage(stderr);
		return MAIN_EXIT_USAGE;
	}
	return -1;
}

static int
main_load_config(const struct main_opts *o, struct mxsec_config *cfg)
{
	char err[MAIN_ERR_MAX];
	int rc;

	rc = config_init_defaults(cfg);
	if (rc != 0) {
		fprintf(stderr, "mxsecd: configuration defaults: %s\n",
		    mx_strerror(rc));
		return rc;
	}
	if (o->conf == NULL)
		return 0;
	rc = config_parse_file(cfg, o->conf, err, sizeof(err));
	/* Plain "mxsecd: FILE:LINE: reason" like a compiler's message: the
	 * log target is not known yet, and -n is used from scripts. */
	if (rc != 0)
		fprintf(stderr, "mxsecd: %s\n", err);
	return rc;
}

/* Read-only, so it is safe beside a running daemon (LMDB readers never
 * block the writer). */
static int
main_dump_cache(const struct mxsec_config *cfg)
{
	cache_config cc = {
		.dir = cfg->cache_dir,
		.mapsize = (size_t)cfg->cache_size,
		.readonly = true,
	};
	char err[MAIN_ERR_MAX];
	cache *c;
	int rc;

	if ((rc = cache_open(&c, &cc, NULL, err, sizeof(err))) != 0) {
		fprintf(stderr, "mxsecd: %s\n", err);
		return MAIN_EXIT_FAIL;
	}
	rc = cache_dump(c, stdout, time(NULL));
	cache_close(c);
	if (rc != 0 || fflush(stdout) != 0) {
		fprintf(stderr, "mxsecd: dump: %s\n", mx_strerror(rc ? rc : MX_EIO));
		return MAIN_EXIT_FAIL;
	}
	return EXIT_SUCCESS;
}

static void
main_log_start(const struct mxsec_config *cfg)
{
	char text[64];

	log_msg(LOG_LEVEL_NOTICE, "mxsecd %s starting, mode %s%s%s",
	    MXSEC_VERSION, config_mode_name(cfg->mode),
	    cfg->file != NULL ? ", configuration " : ", built-in configuration",
	    cfg->file != NULL ? cfg->file : "");
	for (size_t i = 0; i < cfg->forward.n; i++) {
		config_addr_to_str(&cfg->forward.v[i], text, sizeof(text));
		log_msg(LOG_LEVEL_INFO, "upstream %s", text);
	}
}

/* Every upstream UDP query has its own socket (random source port), so a
 * busy resolver needs many descriptors: raise the soft limit to the hard
 * one, up to 65536. */
static void
main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_msg(LOG_LEVEL_WARNING, "cannot raise the open file limit");
	}
}

int
main(int argc, char **argv)
{
	struct main_opts o = { NULL, false, false, false, false };
	struct mxsec_config cfg = { 0 };
	int status, rc;

	loop_hold_signals();
	status = main_parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	/* Until the configuration is read, messages go to stderr. */
	log_open("mxsecd", LOG_TARGET_STDERR,
	    o.debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_NOTICE);
	status = MAIN_EXIT_FAIL;
	if (main_load_config(&o, &cfg) != 0)
		goto done;
	if (o.dump_cache) {
		status = main_dump_cache(&cfg);
		goto done;
	}
	if (o.check) {
		printf("%s: configuration OK\n",
		    cfg.file != NULL ? cfg.file : "built-in defaults");
		status = EXIT_SUCCESS;
		goto done;
	}
	/* -f always logs to stderr, whatever the 'log' key says. */
	log_open("mxsecd", o.foreground ? LOG_TARGET_STDERR : cfg.log_target,
	    o.debug ? LOG_LEVEL_DEBUG : cfg.log_level);
	main_log_start(&cfg);
	main_raise_nofile();
	/* As root: pick the user and read what a chroot would hide.  The
	 * switch itself (privs_drop) and READY=1 come from loop_run, once the
	 * listeners are bound and the cache is open. */
	{
		char err[MAIN_ERR_MAX] = "";
		if ((rc = privs_prepare(&cfg, err, sizeof(err))) != 0) {
			log_msg(LOG_LEVEL_ERROR, "%s", err[0] ? err : mx_strerror(rc));
			goto done;
		}
	}
	sdnotify_init();
	rc = loop_run(&cfg);
	sdnotify_stopping();
	sdnotify_close();
	if (rc == 0) {
		log_msg(LOG_LEVEL_NOTICE, "stopped");
		status = EXIT_SUCCESS;
	}
done:
	config_free(&cfg);
	log_close();
	return status;
}
