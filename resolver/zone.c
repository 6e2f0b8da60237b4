/*
 * zone.c: zone-file reader (RFC 1035 5.1, RFC 2308 4 for $TTL).
 *
 * The text is split into entries: one line, or several while parentheses
 * are open.  Tokens point into the text (quoted ones at the text between
 * the quotes, escapes undecoded); rdata_parse_tokens() turns the RDATA
 * tokens into expanded RDATA.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "rrtype.h"
#include "zone.h"

struct entry {
	rdata_tok *tok;         /* small, or malloc'ed when that is full */
	size_t ntok;
	size_t cap;
	rdata_tok small[64];
	bool indented;          /* began with white space: owner omitted */
	unsigned line;          /* line of the first token */
	const char *comment;    /* last comment, without ';' */
	size_t comment_len;
};

static int zerr(zone_reader *z, unsigned line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
zerr(zone_reader *z, unsigned line, int code, const char *fmt, ...)
{
	va_list ap;

	z->line = line;
	va_start(ap, fmt);
	vsnprintf(z->errmsg, sizeof(z->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

/* Length of a token to quote in a message, so it fits errmsg. */
static int
shown(const rdata_tok *t)
{
	return t->len > 60 ? 60 : (int)t->len;
}

void
zone_reader_init(zone_reader *z, const char *text, size_t len,
    const char *filename, const uint8_t *origin, uint32_t default_ttl)
{
	memset(z, 0, sizeof(*z));
	z->text = text;
	z->len = len;
	z->filename = filename;
	z->next_line = 1;
	if (origin != NULL)
		name_copy(z->origin, origin);
	else
		z->origin[0] = 0;
	z->default_ttl = default_ttl;
}

/* Skip to just past the end of the current line (error recovery). */
static void
skip_line(zone_reader *z)
{
	while (z->pos < z->len && z->text[z->pos] != '\n')
		z->pos++;
	if (z->pos < z->len) {
		z->pos++;
		z->next_line++;
	}
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool
ends_token(char c)
{
	return is_blank(c) || c == '\n' || c == ';' || c == '(' || c == ')' ||
	    c == '"' || c == '\0';
}

static int
grow(struct entry *e)
{
	size_t ncap = e->cap * 2;
	rdata_tok *nt;

	if (e->cap >= ZONE_MAX_TOKENS)
		return MX_ELIMIT;
	if (ncap > ZONE_MAX_TOKENS)
		ncap = ZONE_MAX_TOKENS;
	if (e->tok == e->small) {
		nt = malloc(ncap * sizeof(*nt));
		if (nt != NULL)
			memcpy(nt, e->small, e->ntok * sizeof(*nt));
	} else {
		nt = realloc(e->tok, ncap * sizeof(*nt));
	}
	if (nt == NULL)
		return MX_ENOMEM;
	e->tok = nt;
	e->cap = ncap;
	return 0;
}

/* 1: an entry; 0: end of input; <0: error (z->errmsg set, the rest of the
 * offending line skipped). */
static int
read_entry(zone_reader *z, struct entry *e)
{
	unsigned depth = 0, paren_line = 0;
	bool bol = true;        /* at the beginning of a physical line */
	const char *t = z->text;

	e->ntok = 0;
	e->indented = false;
	e->line = z->next_line;
	e->comment = NULL;
	e->comment_len = 0;
	for (;;) {
		if (z->pos >= z->len) {
			if (depth > 0)
				return zerr(z, paren_line, MX_ESYNTAX,
				    "unbalanced parenthesis: '(' not closed");
			return e->ntok > 0;
		}
		char c = t[z->pos];
		if (bol && e->ntok == 0 && depth == 0) {
			/* A new entry starts here unless this line is empty. */
			e->indented = is_blank(c);
			e->line = z->next_line;
			e->comment = NULL;
			e->comment_len = 0;
		}
		bol = false;
		if (c == '\n') {
			z->pos++;
			z->next_line++;
			bol = true;
			if (depth == 0 && e->ntok > 0)
				return 1;
			continue;
		}
		if (is_blank(c)) {
			z->pos++;
			continue;
		}
		if (c == ';') {
			size_t s = ++z->pos;
			while (z->pos < z->len && t[z->pos] != '\n')
				z->pos++;
			e->comment = t + s;
			e->comment_len = z->pos - s;
			continue;
		}
		if (c == '(') {
			if (depth++ == 0)
				paren_line = z->next_line;
			z->pos++;
			continue;
		}
		if (c == ')') {
			if (depth == 0) {
				zerr(z, z->next_line, MX_ESYNTAX,
				    "unbalanced parenthesis: ')' without '('");
				skip_line(z);
				return MX_ESYNTAX;
			}
			depth--;
			z->pos++;
			continue;
		}
		if (c == '\0') {
			zerr(z, z->next_line, MX_ESYNTAX, "NUL byte in input");
			skip_line(z);
			return MX_ESYNTAX;
		}
		if (e->ntok == e->cap && grow(e) != 0) {
			if (e->cap >= ZONE_MAX_TOKENS)
				zerr(z, z->next_line, MX_ELIMIT,
				    "more than %d tokens in one record", ZONE_MAX_TOKENS);
			else
				zerr(z, z->next_line, MX_ENOMEM, "out of memory");
			skip_line(z);
			return e->cap >= ZONE_MAX_TOKENS ? MX_ELIMIT : MX_ENOMEM;
		}
		rdata_tok *tk = &e->tok[e->ntok];
		if (c == '"') {
			size_t s = ++z->pos;
			for (;;) {
				if (z->pos >= z->len || t[z->pos] == '\n') {
					zerr(z, z->next_line, MX_ESYNTAX,
					    "unterminated quoted string");
					skip_line(z);
					return MX_ESYNTAX;
				}
				if (t[z->pos] == '"')
					break;
				if (t[z->pos] == '\0') {
					zerr(z, z->next_line, MX_ESYNTAX, "NUL byte in input");
					skip_line(z);
					return MX_ESYNTAX;
				}
				if (t[z->pos] == '\\' && z->pos + 1 < z->len &&
				    t[z->pos + 1] != '\n')
					z->pos++;
				z->pos++;
			}
			tk->s = t + s;
			tk->len = z->pos - s;
			tk->quoted = true;
			z->pos++;    /* closing quote */
		} else {
			size_t s = z->pos;
			while (z->pos < z->len && !ends_token(t[z->pos])) {
				/* "\X" keeps X in the token, even a delimiter. */
				if (t[z->pos] == '\\' && z->pos + 1 < z->len &&
				    t[z->pos + 1] != '\n' && t[z->pos + 1] != '\0')
					z->pos++;
				z->pos++;
			}
			tk->s = t + s;
			tk->len = z->pos - s;
			tk->quoted = false;
		}
		e->ntok++;
	}
}

static bool
tok_is(const rdata_tok *t, const char *word)
{
	return !t->quoted && t->len == strlen(word) &&
	    strncasecmp(t->s, word, t->len) == 0;
}

static int
parse_ttl(zone_reader *z, const rdata_tok *t, uint32_t *ttl, const char *what)
{
	if (t->quoted || rdata_ttl_from_str(t->s, t->len, ttl) != 0)
		return zerr(z, z->line, MX_ESYNTAX, "bad %s '%.*s'", what,
		    shown(t), t->s);
	return 0;
}

static bool
is_ttl(const rdata_tok *t)
{
	return !t->quoted && t->len > 0 && t->s[0] >= '0' && t->s[0] <= '9';
}

static bool
is_type(const rdata_tok *t)
{
	uint16_t type;

	return !t->quoted && rrtype_from_str(t->s, t->len, &type) == 0;
}

static int
directive(zone_reader *z, const struct entry *e)
{
	const rdata_tok *d = &e->tok[0];
	uint8_t name[NAME_MAX_WIRE];
	uint32_t ttl;

	if (tok_is(d, "$ORIGIN")) {
		if (e->ntok != 2)
			return zerr(z, z->line, MX_ESYNTAX, "$ORIGIN takes one domain name");
		const rdata_tok *a = &e->tok[1];
		/* A relative $ORIGIN is relative to the current origin. */
		if (a->quoted || name_from_str(a->s, a->len, z->origin, name, NULL) != 0)
			return zerr(z, z->line, MX_ESYNTAX, "bad $ORIGIN name '%.*s'",
			    shown(a), a->s);
		name_copy(z->origin, name);
		return 0;
	}
	if (tok_is(d, "$TTL")) {
		if (e->ntok != 2)
			return zerr(z, z->line, MX_ESYNTAX, "$TTL takes one TTL");
		int err = parse_ttl(z, &e->tok[1], &ttl, "$TTL");
		if (err)
			return err;
		z->default_ttl = ttl;
		z->have_ttl = 1;
		return 0;
	}
	if (tok_is(d, "$INCLUDE") || tok_is(d, "$GENERATE"))
		return zerr(z, z->line, MX_EUNSUPP, "%.*s is not supported",
		    shown(d), d->s);
	return zerr(z, z->line, MX_ESYNTAX, "unknown directive '%.*s'",
	    shown(d), d->s);
}

static int
record(zone_reader *z, const struct entry *e, zone_rr *rr)
{
	size_t i = 0;
	uint32_t ttl = 0;
	uint16_t cls = 0, type;
	bool have_ttl = false, have_cls = false;
	rdata_perr pe;
	char tname[24];
	int err;

	if (!e->indented) {
		const rdata_tok *t = &e->tok[i++];
		if (t->quoted || name_from_str(t->s, t->len, z->origin,
		    rr->owner, &rr->owner_len) != 0)
			return zerr(z, z->line, MX_ESYNTAX, "bad owner name '%.*s'",
			    shown(t), t->s);
		name_copy(z->last_owner, rr->owner);
		z->have_owner = 1;
	} else {
		if (!z->have_owner)
			return zerr(z, z->line, MX_ESYNTAX,
			    "no owner name (the first record must have one)");
		rr->owner_len = name_copy(rr->owner, z->last_owner);
	}

	/* RFC 1035 5.1: [<TTL>] [<class>] or [<class>] [<TTL>]. */
	while (i < e->ntok) {
		const rdata_tok *t = &e->tok[i];
		uint16_t c;
		if (!have_ttl && is_ttl(t)) {
			if ((err = parse_ttl(z, t, &ttl, "TTL")) != 0)
				return err;
			have_ttl = true;
		} else if (!have_cls && !t->quoted &&
		    rrclass_from_str(t->s, t->len, &c) == 0 &&
		    (rrtype_from_str(t->s, t->len, &type) != 0 ||
		    (i + 1 < e->ntok && (is_type(&e->tok[i + 1]) ||
		    (!have_ttl && is_ttl(&e->tok[i + 1])))))) {
			/* "ANY" is a class and a type: it is the class when a
			 * type or TTL follows. */
			cls = c;
			have_cls = true;
		} else {
			break;
		}
		i++;
	}

	if (i >= e->ntok)
		return zerr(z, z->line, MX_ESYNTAX, "missing type");
	const rdata_tok *tt = &e->tok[i++];
	if (tt->quoted || rrtype_from_str(tt->s, tt->len, &type) != 0)
		return zerr(z, z->line, MX_ESYNTAX, "unknown type '%.*s'",
		    shown(tt), tt->s);
	err = rdata_parse_tokens(type, e->tok + i, e->ntok - i, z->origin,
	    rr->rdata, sizeof(rr->rdata), &rr->rdlen, &pe);
	if (err) {
		rrtype_to_str(type, tname, sizeof(tname));
		return zerr(z, z->line, err, "%s: %s", tname, pe.msg);
	}

	if (!have_cls)
		cls = z->last_class ? z->last_class : CLASS_IN;
	z->last_class = cls;
	if (!have_ttl)
		ttl = z->default_ttl;
	else if (!z->have_ttl)
		z->default_ttl = ttl;   /* RFC 1035 5.1: the last TTL given */
	rr->type = type;
	rr->rclass = cls;
	rr->ttl = ttl;
	rr->comment = e->comment;
	rr->comment_len = e->comment_len;
	return 1;
}

int
zone_next(zone_reader *z, zone_rr *rr)
{
	struct entry ent, *e = &ent;
	int rc;

	e->tok = e->small;
	e->cap = sizeof(e->small) / sizeof(e->small[0]);

	rr->owner[0] = 0;
	rr->owner_len = 1;
	rr->type = 0;
	rr->rclass = 0;
	rr->ttl = 0;
	rr->rdlen = 0;
	rr->comment = NULL;
	rr->comment_len = 0;
	z->errmsg[0] = 0;
	for (;;) {
		rc = read_entry(z, e);
		if (rc <= 0)
			break;
		z->line = e->line;
		const rdata_tok *t0 = &e->tok[0];
		if (!e->indented && !t0->quoted && t0->len > 0 && t0->s[0] == '$') {
			rc = directive(z, e);
			if (rc < 0)
				break;
			continue;
		}
		rc = record(z, e, rr);
		break;
	}
	if (e->tok != e->small)
		free(e->tok);
	return rc;
}

int
zone_slurp(const char *path, size_t max, char **text, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int fd, err = 0, saved = 0;
	struct stat st;

	*text = NULL;
	*len = 0;
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return MX_EIO;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
		err = MX_ELIMIT;
		goto fail;
	}
	for (;;) {
		if (cap - n < 2) {
			size_t ncap = cap ? cap * 2 : 4096;
			if (ncap > max + 2)
				ncap = max + 2;   /* room to notice "too big" and the NUL */
			if (ncap <= cap) {
				err = MX_ELIMIT;
				goto fail;
			}
			char *nb = realloc(buf, ncap);
			if (nb == NULL) {
				err = MX_ENOMEM;
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t got = read(fd, buf + n, cap - n - 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			err = MX_EIO;
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			err = MX_ELIMIT;
			goto fail;
		}
	}
	close(fd);
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	close(fd);
	if (saved)
		errno = saved;
	return err;
}
