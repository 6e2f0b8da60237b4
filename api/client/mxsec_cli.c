/*
 * mxsec_cli.c: mxsec(1), one query to mxsecd per call, printed for people
 * or as the daemon's JSON line, with an exit status for scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exitcode.h"
#include "mxsec.h"

#define PROG "mxsec"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " [-s socket] [-j] [-t seconds] verb args...\n"
	    "verbs:\n"
	    "  ping                       is the daemon there?\n"
	    "  mx NAME | a NAME | aaaa NAME\n"
	    "  tlsa NAME | tlsa HOST [PORT]\n"
	    "  query TYPE NAME            any type: TXT, SRV, TYPE65, ...\n"
	    "  dane DOMAIN [PORT]         the RFC 7672 lookup for a mail domain\n"
	    "  srv _SERVICE._tcp.DOMAIN   DANE for a mail service's SRV hosts (RFC 7673)\n"
	    "  tlsrpt DOMAIN              the TLS-RPT record (RFC 8460)\n"
	    "  sts DOMAIN                 the MTA-STS policy (RFC 8461)\n"
	    "  policy DOMAIN              the TLS policy the socketmap gives Postfix\n"
	    "control (root or the daemon's user):\n"
	    "  stats                      counters of the daemon\n"
	    "  flush NAME | flush --subtree NAME | flush --all\n"
	    "                             forget cached answers\n"
	    "  dump                       the cache, in zone-file form\n"
	    "  reload                     read the configuration and trust anchors again\n"
	    "  ta list                    trust anchors and their RFC 5011 states\n"
	    "options:\n"
	    "  -s, --socket=PATH          the daemon's socket\n"
	    "  -j, --json                 print the daemon's reply line\n"
	    "  -t, --timeout=SECONDS      give up after this long (0: never)\n"
	    "  -h, --help                 this text\n"
	    "  -V, --version              the version\n"
	    "exit: 0 secure, 1 insecure, 2 bogus, 3 failed, 4 does not exist,\n"
	    "      (tlsrpt, sts, policy: 0 found, 1 none, 3 try later)\n"
	    "      64 usage, 69 daemon unreachable, 70 protocol error,\n"
	    "      77 control request denied\n");
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(stderr);
	return EXIT_USAGE;
}

/* A command-line name or type must be one token of one request line. */
static int
check_arg(const char *s)
{
	if (s[0] == 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return -1;
	return 0;
}

static int
parse_port(const char *s, unsigned *port)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != 0 || v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

static void
print_reason(int has_ede, unsigned ede, const char *reason)
{
	if (has_ede)
		printf("ede      %u\n", ede);
	if (reason != NULL)
		printf("reason   %s\n", reason);
}

static void
print_answer(const struct mxsec_answer *a)
{
	printf("status   %s\n", mxsec_status_name(a->status));
	printf("rcode    %s\n", a->rcode);
	printf("ttl      %u\n", a->ttl);
	print_reason(a->has_ede, a->ede, a->reason);
	for (size_t k = 0; k < a->ncname; k++)
		printf("%s\tIN\tCNAME\t%s\n",
		    a->cname[k].name ? a->cname[k].name : "?",
		    a->cname[k].target);
	if (a->nrecords == 0)
		printf(";; no %s records\n", a->type_name);
	for (size_t k = 0; k < a->nrecords; k++) {
		const struct mxsec_record *r = &a->records[k];
		printf("%s\t%u\tIN\t%s\t%s\n", r->name, r->ttl, r->type_name,
		    r->rdata);
	}
}

static const char *
or_dash(const char *s)
{
	return s != NULL ? s : "-";
}

static void
print_host(const struct mxsec_host *x, int srv)
{
	if (srv)
		printf("\n%5u %u  %s port %u\n", x->priority, x->weight,
		    x->name, x->port);
	else
		printf("\n%5u  %s%s%s\n", x->preference, x->name,
		    x->implicit ? "  (implicit MX)" : "",
		    x->insecure_mx ? "  (insecure MX)" : "");
	if (x->ncname > 0) {
		printf("       cname     ");
		for (size_t k = 0; k < x->ncname; k++)
			printf("%s -> ", or_dash(x->cname[k].name));
		printf("%s\n", x->cname[x->ncname - 1].target);
	}
	printf("       address   %-13s", mxsec_status_name(x->address_status));
	for (size_t k = 0; k < x->naddresses; k++)
		printf(" %s", x->addresses[k]);
	printf("%s\n", x->naddresses == 0 ? " (none)" : "");
	if (x->tlsa_status != MXSEC_STATUS_NONE || x->tlsa_name != NULL)
		printf("       tlsa      %-13s %s %s\n",
		    mxsec_status_name(x->tlsa_status),
		    or_dash(x->tlsa_rcode), or_dash(x->tlsa_name));
	else
		printf("       tlsa      (not looked up)\n");
	printf("       verdict   %-13s %s\n", mxsec_verdict_name(x->verdict),
	    or_dash(x->reason));
	if (x->tlsrpt_result != NULL)
		printf("       tlsrpt    %s\n", x->tlsrpt_result);
	for (size_t k = 0; k < x->ntlsa; k++) {
		const struct mxsec_tlsa *t = &x->tlsa[k];
		printf("         %-8s %u %u %u %s\n",
		    t->usable ? "usable" : "unusable",
		    t->usage, t->selector, t->matching_type, t->data);
	}
}

static void
print_dane(const struct mxsec_dane *d)
{
	if (d->service != NULL)
		printf("service  %s\n", d->service);
	else
		printf("domain   %s port %u\n", d->domain, d->port);
	printf("result   %s\n", mxsec_result_name(d->result));
	printf("%s      %s %s\n", d->service ? "srv" : "mx ",
	    mxsec_status_name(d->mx_status), or_dash(d->mx_rcode));
	print_reason(d->has_ede, d->ede, d->reason);
	if (d->tlsrpt_result != NULL)
		printf("tlsrpt   %s\n", d->tlsrpt_result);
	for (size_t k = 0; k < d->nhosts; k++)
		print_host(&d->hosts[k], d->service != NULL);
}

static void
print_tlsrpt(const struct mxsec_tlsrpt *t)
{
	printf("name     %s\n", t->name);
	printf("status   %s %s\n", mxsec_status_name(t->status), t->rcode);
	printf("result   %s\n", mxsec_tlsrpt_result_name(t->result));
	for (size_t k = 0; k < t->nrua; k++)
		printf("rua      %s\n", t->rua[k]);
	print_reason(0, 0, t->reason);
}

static void
print_sts(const struct mxsec_sts *s)
{
	printf("domain   %s\n", s->domain);
	printf("result   %s\n", mxsec_sts_result_name(s->result));
	if (s->txt_status != NULL || s->txt_id != NULL)
		printf("txt      %s id %s\n", or_dash(s->txt_status),
		    or_dash(s->txt_id));
	if (s->has_policy) {
		printf("mode     %s\n", or_dash(s->mode));
		printf("max_age  %u\n", s->max_age);
		for (size_t k = 0; k < s->nmx; k++)
			printf("mx       %s\n", s->mx[k]);
		printf("id       %s\n", or_dash(s->policy_id));
		printf("source   %s (age %lld s, expires in %lld s)\n",
		    or_dash(s->source), (long long)s->age,
		    (long long)s->expires_in);
	}
	print_reason(0, 0, s->reason);
}

static void
print_policy(const struct mxsec_policy *p)
{
	printf("domain   %s\n", p->domain);
	printf("status   %s\n", mxsec_policy_status_name(p->status));
	printf("reply    %s\n", or_dash(p->reply));
	printf("policy   %s (from %s)\n", or_dash(p->policy), or_dash(p->source));
	for (size_t k = 0; k < p->nreasons; k++)
		printf("reason   %s\n", p->reasons[k]);
	if (p->dane_result != NULL)
		printf("dane     %s, mx %s\n", p->dane_result,
		    or_dash(p->dane_mx_status));
	for (size_t k = 0; k < p->ndane_hosts; k++)
		printf("  host   %s %s%s%s\n", p->dane_hosts[k].name,
		    or_dash(p->dane_hosts[k].verdict),
		    p->dane_hosts[k].tlsrpt_result ? " tlsrpt " : "",
		    p->dane_hosts[k].tlsrpt_result ? p->dane_hosts[k].tlsrpt_result : "");
	if (p->sts_result != NULL)
		printf("sts      %s, mode %s, %s\n", p->sts_result,
		    or_dash(p->sts_mode), or_dash(p->sts_source));
}

enum verb { V_PING, V_LOOKUP, V_TLSA, V_DANE, V_STATS, V_FLUSH, V_DUMP,
    V_RELOAD, V_TA, V_SRV, V_TLSRPT, V_STS, V_POLICY };

/* The one-name verbs of the TLS policy service and friends. */
static const struct {
	const char *word, *req;
	enum verb verb;
} name_verbs[] = {
	{ "srv", "SRV", V_SRV },
	{ "tlsrpt", "TLSRPT", V_TLSRPT },
	{ "sts", "STS", V_STS },
	{ "policy", "POLICY", V_POLICY },
};

struct cmd {
	enum verb verb;
	const char *type;         /* V_LOOKUP */
	const char *name;
	unsigned port;            /* V_TLSA, V_DANE; 0: not given */
	unsigned flush_flags;     /* V_FLUSH; name NULL: --all */
	char line[1100];          /* the request line, for --json */
};

/* argv after the options -> cmd; 0 or EXIT_USAGE (message printed). */
static int
parse_cmd(int argc, char **argv, struct cmd *c)
{
	const char *verb;
	int nargs;

	memset(c, 0, sizeof(*c));
	if (argc < 1)
		return usage_error("a verb is needed");
	verb = argv[0];
	nargs = argc - 1;
	if (strcasecmp(verb, "ping") == 0) {
		if (nargs != 0)
			return usage_error("ping takes no argument");
		c->verb = V_PING;
		snprintf(c->line, sizeof(c->line), "PING");
		return 0;
	}
	if (strcasecmp(verb, "stats") == 0 || strcasecmp(verb, "dump") == 0 ||
	    strcasecmp(verb, "reload") == 0) {
		if (nargs != 0)
			return usage_error("%s takes no argument", verb);
		c->verb = strcasecmp(verb, "stats") == 0 ? V_STATS :
		    strcasecmp(verb, "dump") == 0 ? V_DUMP : V_RELOAD;
		snprintf(c->line, sizeof(c->line), "%s",
		    c->verb == V_STATS ? "STATS" : c->verb == V_DUMP ? "DUMP" :
		    "RELOAD");
		return 0;
	}
	if (strcasecmp(verb, "ta") == 0) {
		if (nargs != 1 || strcasecmp(argv[1], "list") != 0)
			return usage_error("ta takes 'list'");
		c->verb = V_TA;
		snprintf(c->line, sizeof(c->line), "TA");
		return 0;
	}
	for (size_t k = 0; k < sizeof(name_verbs) / sizeof(name_verbs[0]); k++) {
		if (strcasecmp(verb, name_verbs[k].word) != 0)
			continue;
		if (nargs != 1)
			return usage_error("%s takes one NAME", verb);
		c->verb = name_verbs[k].verb;
		c->name = argv[1];
		if (check_arg(c->name) != 0 || strlen(c->name) > 1000)
			return usage_error("bad name '%s'", c->name);
		snprintf(c->line, sizeof(c->line), "%s %s", name_verbs[k].req,
		    c->name);
		return 0;
	}
	if (strcasecmp(verb, "flush") == 0) {
		c->verb = V_FLUSH;
		if (nargs == 1 && strcmp(argv[1], "--all") == 0) {
			snprintf(c->line, sizeof(c->line), "FLUSH-ALL");
			return 0;
		}
		if (nargs == 2 && strcmp(argv[1], "--subtree") == 0) {
			c->flush_flags = MXSEC_FLUSH_SUBTREE;
			c->name = argv[2];
		} else if (nargs == 1 && argv[1][0] != '-') {
			c->name = argv[1];
		} else {
			return usage_error("flush takes NAME, --subtree NAME or --all");
		}
		if (check_arg(c->name) != 0 || strlen(c->name) > 1000)
			return usage_error("bad name '%s'", c->name);
		snprintf(c->line, sizeof(c->line), "%s %s",
		    c->flush_flags ? "FLUSH-SUBTREE" : "FLUSH", c->name);
		return 0;
	}
	if (strcasecmp(verb, "mx") == 0 || strcasecmp(verb, "a") == 0 ||
	    strcasecmp(verb, "aaaa") == 0) {
		if (nargs != 1)
			return usage_error("%s takes one NAME", verb);
		c->verb = V_LOOKUP;
		c->type = strcasecmp(verb, "mx") == 0 ? "MX" :
		    strcasecmp(verb, "a") == 0 ? "A" : "AAAA";
		c->name = argv[1];
	} else if (strcasecmp(verb, "query") == 0) {
		if (nargs != 2)
			return usage_error("%s takes TYPE NAME", verb);
		c->verb = V_LOOKUP;
		c->type = argv[1];
		c->name = argv[2];
		if (check_arg(c->type) != 0)
			return usage_error("bad type '%s'", c->type);
	} else if (strcasecmp(verb, "tlsa") == 0 ||
	    strcasecmp(verb, "dane") == 0) {
		if (nargs < 1 || nargs > 2)
			return usage_error("%s takes NAME [PORT]", verb);
		c->verb = strcasecmp(verb, "tlsa") == 0 ? V_TLSA : V_DANE;
		c->name = argv[1];
		if (nargs == 2 && parse_port(argv[2], &c->port) != 0)
			return usage_error("bad port '%s'", argv[2]);
	} else {
		return usage_error("unknown verb '%s'", verb);
	}
	if (check_arg(c->name) != 0 || strlen(c->name) > 1000)
		return usage_error("bad name '%s'", c->name);
	/* The same lines libmxsec sends, for --json. */
	if (c->verb == V_LOOKUP && strcasecmp(verb, "query") == 0)
		snprintf(c->line, sizeof(c->line), "QUERY %s %s", c->type,
		    c->name);
	else if (c->verb == V_LOOKUP)
		snprintf(c->line, sizeof(c->line), "%s %s", c->type, c->name);
	else if (c->port != 0)
		snprintf(c->line, sizeof(c->line), "%s %s %u",
		    c->verb == V_TLSA ? "TLSA" : "DANE", c->name, c->port);
	else
		snprintf(c->line, sizeof(c->line), "%s %s",
		    c->verb == V_TLSA ? "TLSA" : "DANE", c->name);
	return 0;
}

/* A reply of the policy verbs (json NULL: ask the daemon), printed and
 * turned into an exit status.  *rc gets the call's code. */
static int
policy_verb(mxsec *h, const struct cmd *c, const char *json, int *rc)
{
	struct mxsec_tlsrpt *t = NULL;
	struct mxsec_sts *s = NULL;
	struct mxsec_policy *p = NULL;
	int x = EXIT_PROTOCOL;
	size_t len = json ? strlen(json) : 0;

	switch (c->verb) {
	case V_TLSRPT:
		*rc = json ? mxsec_parse_tlsrpt(h, json, len, &t) :
		    mxsec_tlsrpt(h, c->name, &t);
		if (*rc == 0) {
			if (json == NULL)
				print_tlsrpt(t);
			x = exit_for_tlsrpt(t);
		}
		break;
	case V_STS:
		*rc = json ? mxsec_parse_sts(h, json, len, &s) :
		    mxsec_sts(h, c->name, &s);
		if (*rc == 0) {
			if (json == NULL)
				print_sts(s);
			x = exit_for_sts(s);
		}
		break;
	default:
		*rc = json ? mxsec_parse_policy(h, json, len, &p) :
		    mxsec_policy(h, c->name, &p);
		if (*rc == 0) {
			if (json == NULL)
				print_policy(p);
			x = exit_for_policy(p);
		}
		break;
	}
	mxsec_tlsrpt_free(t);
	mxsec_sts_free(s);
	mxsec_policy_free(p);
	return x;
}

/* --json: print the daemon's line as it came, then decide the exit
 * status from the same line. */
static int
run_json(mxsec *h, const struct cmd *c)
{
	struct mxsec_answer *a = NULL;
	struct mxsec_dane *d = NULL;
	char *json;
	int rc, x;

	rc = mxsec_request_raw(h, c->line, &json);
	if (rc != 0) {
		fprintf(stderr, PROG ": %s\n", mxsec_error(h));
		return exit_for_error(rc);
	}
	printf("%s\n", json);
	if (c->verb == V_TLSRPT || c->verb == V_STS || c->verb == V_POLICY) {
		x = policy_verb(h, c, json, &rc);
		free(json);
		if (rc != 0) {
			fprintf(stderr, PROG ": %s\n", mxsec_error(h));
			return exit_for_error(rc);
		}
		return x;
	}
	switch (c->verb) {
	case V_STATS: case V_FLUSH: case V_DUMP: case V_RELOAD: case V_TA:
		/* "ok":false gives its code; the answer parser says which. */
		rc = strstr(json, "\"ok\":true") == json + 1 ? 0 :
		    mxsec_parse_ping(h, json, strlen(json), NULL);
		break;
	case V_PING:
		rc = mxsec_parse_ping(h, json, strlen(json), NULL);
		break;
	case V_DANE:
	case V_SRV:
		rc = mxsec_parse_dane(h, json, strlen(json), &d);
		break;
	default:
		rc = mxsec_parse_answer(h, json, strlen(json), &a);
		break;
	}
	free(json);
	if (rc != 0) {
		fprintf(stderr, PROG ": %s\n", mxsec_error(h));
		return exit_for_error(rc);
	}
	x = d != NULL ? exit_for_dane(d) : a != NULL ? exit_for_answer(a) :
	    EXIT_SECURE;
	mxsec_dane_free(d);
	mxsec_answer_free(a);
	return x;
}

static int
run_control(mxsec *h, const struct cmd *c)
{
	int rc = MXSEC_EINVAL;

	switch (c->verb) {
	case V_STATS: {
		struct mxsec_stat *v;
		size_t n;
		if ((rc = mxsec_stats(h, &v, &n)) != 0)
			break;
		for (size_t i = 0; i < n; i++)
			printf("%s %s\n", v[i].name, v[i].value);
		mxsec_stats_free(v, n);
		break;
	}
	case V_FLUSH:
		rc = mxsec_flush(h, c->name, c->flush_flags);
		if (rc == 0)
			printf("flushed %s%s\n", c->name ? c->name : "the whole cache",
			    c->flush_flags ? " and below" : "");
		break;
	case V_DUMP: {
		char *text;
		if ((rc = mxsec_dump(h, &text)) != 0)
			break;
		fputs(text, stdout);
		free(text);
		break;
	}
	case V_RELOAD: {
		char *msg = NULL;
		if ((rc = mxsec_reload(h, &msg)) != 0)
			break;
		printf("%s\n", msg ? msg : "reloaded");
		free(msg);
		break;
	}
	case V_TA: {
		struct mxsec_ta *v;
		size_t n;
		if ((rc = mxsec_ta_list(h, &v, &n)) != 0)
			break;
		for (size_t i = 0; i < n; i++)
			printf("%s %s %u alg %u %s%s%s\n", v[i].zone, v[i].type,
			    v[i].keytag, v[i].algorithm, v[i].state,
			    v[i].rdata ? "  " : "", v[i].rdata ? v[i].rdata : "");
		mxsec_ta_free(v, n);
		break;
	}
	default:
		break;
	}
	if (rc != 0) {
		fprintf(stderr, PROG ": %s\n", mxsec_error(h));
		return exit_for_error(rc);
	}
	return EXIT_SECURE;
}

static int
run_human(mxsec *h, const struct cmd *c)
{
	struct mxsec_answer *a = NULL;
	struct mxsec_dane *d = NULL;
	char *version = NULL;
	int rc = MXSEC_EINVAL, x;

	switch (c->verb) {
	case V_STATS: case V_FLUSH: case V_DUMP: case V_RELOAD: case V_TA:
		return run_control(h, c);
	case V_PING:
		rc = mxsec_ping(h, &version);
		if (rc == 0) {
			printf("mxsecd %s at %s\n", version ? version : "?",
			    mxsec_socket_path(h));
			free(version);
			return EXIT_SECURE;
		}
		break;
	case V_LOOKUP:
		rc = mxsec_lookup(h, c->type, c->name, &a);
		break;
	case V_TLSA:
		rc = mxsec_tlsa(h, c->name, c->port, &a);
		break;
	case V_DANE:
		rc = mxsec_dane(h, c->name, c->port, &d);
		break;
	case V_SRV:
		rc = mxsec_srv(h, c->name, &d);
		break;
	case V_TLSRPT:
	case V_STS:
	case V_POLICY:
		x = policy_verb(h, c, NULL, &rc);
		if (rc == 0)
			return x;
		break;
	}
	if (rc != 0) {
		fprintf(stderr, PROG ": %s\n", mxsec_error(h));
		return exit_for_error(rc);
	}
	if (d != NULL) {
		print_dane(d);
		x = exit_for_dane(d);
	} else {
		print_answer(a);
		x = exit_for_answer(a);
	}
	mxsec_dane_free(d);
	mxsec_answer_free(a);
	return x;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL;
	int json = 0, timeout_ms = MXSEC_TIMEOUT_DEFAULT, ch, x;
	struct cmd c;
	char *end;
	double secs;
	mxsec *h;

	/* '+': options end at the verb, so names are never taken for them. */
	while ((ch = getopt_long(argc, argv, "+s:jt:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 't':
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != 0 ||
			    !isfinite(secs) || secs < 0 || secs > 86400)
				return usage_error("bad timeout '%s'", optarg);
			timeout_ms = (int)(secs * 1000);
			if (secs > 0 && timeout_ms == 0)
				timeout_ms = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " %s\n", mxsec_version());
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (parse_cmd(argc - optind, argv + optind, &c) != 0)
		return EXIT_USAGE;
	h = mxsec_open(sock);
	if (h == NULL) {
		char def[512];
		if (sock == NULL && mxsec_default_socket(def, sizeof(def)) == 0)
			sock = def;
		fprintf(stderr, PROG ": cannot connect to %s: %s\n",
		    sock != NULL ? sock : "the default socket",
		    strerror(errno));
		return errno == ENOMEM ? EXIT_PROTOCOL : EXIT_UNAVAILABLE;
	}
	mxsec_set_timeout(h, timeout_ms);
	x = json ? run_json(h, &c) : run_human(h, &c);
	mxsec_close(h);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
		return EXIT_PROTOCOL;
	}
	return x;
}
