/*
 * netstring.c: netstring framing and the Postfix socketmap payloads.
 */
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "netstring.h"
#include "wire.h"

#define SOCKMAP_NAME_MAX 64

int
ns_decode(const uint8_t *buf, size_t len, size_t max, const uint8_t **data,
    size_t *dlen, size_t *consumed)
{
	wire_rd r;
	size_t n = 0, digits = 0;

	*data = NULL;
	*dlen = 0;
	*consumed = 0;
	wire_rd_init(&r, buf, len);
	for (;;) {
		if (wire_left(&r) == 0)
			return MX_EAGAIN;
		uint8_t c = wire_u8(&r);
		if (c == ':')
			break;
		if (c < '0' || c > '9')
			return MX_EFORMAT;
		/* No leading zeros: "0:," is the only length starting with 0. */
		if (digits == 1 && n == 0)
			return MX_EFORMAT;
		digits++;
		/* Checked before multiplying, so n never exceeds max. */
		size_t d = (size_t)(c - '0');
		if (d > max || n > (max - d) / 10)
			return MX_ELIMIT;
		n = n * 10 + d;
	}
	if (digits == 0)
		return MX_EFORMAT;
	if (wire_left(&r) < n) {
		/* Cannot be wrong yet: the data may be any bytes. */
		return MX_EAGAIN;
	}
	const uint8_t *p = wire_take(&r, n);
	if (wire_left(&r) == 0)
		return MX_EAGAIN;
	if (wire_u8(&r) != ',')
		return MX_EFORMAT;
	*data = p;
	*dlen = n;
	*consumed = r.pos;
	return 0;
}

size_t
ns_encoded_len(size_t len)
{
	size_t digits = 1;

	for (size_t v = len; v >= 10; v /= 10)
		digits++;
	return digits + 1 + len + 1;
}

/* Decimal LEN, ":", then the payload parts, then ",".  Not wire_wr:
 * that writer is capped at DNS's 65535 octets. */
static int
ns_write(const void *a, size_t alen, const void *b, size_t blen,
    uint8_t *out, size_t cap, size_t *outlen)
{
	char num[24];
	size_t nd = 0, len, o = 0;

	*outlen = 0;
	if (alen > SIZE_MAX / 2 || blen > SIZE_MAX / 2 - 32)
		return MX_ESPACE;
	len = alen + blen;
	if (ns_encoded_len(len) > cap)
		return MX_ESPACE;
	do {
		num[nd++] = (char)('0' + len % 10);
		len /= 10;
	} while (len > 0);
	while (nd > 0)
		out[o++] = (uint8_t)num[--nd];
	out[o++] = ':';
	if (alen > 0)
		memcpy(out + o, a, alen);
	o += alen;
	if (blen > 0)
		memcpy(out + o, b, blen);
	o += blen;
	out[o++] = ',';
	*outlen = o;
	return 0;
}

int
ns_encode(const void *data, size_t len, uint8_t *out, size_t cap,
    size_t *outlen)
{
	return ns_write(data, len, NULL, 0, out, cap, outlen);
}

int
sockmap_request_parse(const uint8_t *req, size_t len, const uint8_t **name,
    size_t *nlen, const uint8_t **key, size_t *klen)
{
	const uint8_t *sp;

	*name = *key = NULL;
	*nlen = *klen = 0;
	sp = len > 0 ? memchr(req, ' ', len) : NULL;
	if (sp == NULL || sp == req || (size_t)(sp - req) > SOCKMAP_NAME_MAX)
		return MX_EFORMAT;
	for (const uint8_t *p = req; p < sp; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return MX_EFORMAT;
	if (memchr(sp, 0, len - (size_t)(sp - req)) != NULL)
		return MX_EFORMAT;
	*name = req;
	*nlen = (size_t)(sp - req);
	*key = sp + 1;
	*klen = len - *nlen - 1;
	return 0;
}

static const char *const status_words[] = {
	[SOCKMAP_OK] = "OK",
	[SOCKMAP_NOTFOUND] = "NOTFOUND",
	[SOCKMAP_TEMP] = "TEMP",
	[SOCKMAP_TIMEOUT] = "TIMEOUT",
	[SOCKMAP_PERM] = "PERM",
};

const char *
sockmap_status_str(sockmap_status s)
{
	if ((unsigned)s >= sizeof(status_words) / sizeof(status_words[0]))
		return "?";
	return status_words[s];
}

int
sockmap_reply_encode(sockmap_status s, const void *text, size_t len,
    uint8_t *out, size_t cap, size_t *outlen)
{
	char head[16];
	size_t hl;

	*outlen = 0;
	if ((unsigned)s >= sizeof(status_words) / sizeof(status_words[0]))
		return MX_EINVAL;
	if (s == SOCKMAP_NOTFOUND)
		len = 0;  /* socketmap_table(5): "NOTFOUND <space>" */
	if (len > 0 && memchr(text, 0, len) != NULL)
		return MX_EINVAL;
	hl = strlen(status_words[s]);
	memcpy(head, status_words[s], hl);
	head[hl++] = ' ';
	if (len > NS_MAX_DEFAULT - hl)
		return MX_ELIMIT;
	return ns_write(head, hl, text, len, out, cap, outlen);
}

int
sockmap_request_encode(const char *name, const void *key, size_t klen,
    uint8_t *out, size_t cap, size_t *outlen)
{
	char head[SOCKMAP_NAME_MAX + 1];
	size_t nl = strlen(name);

	*outlen = 0;
	if (nl == 0 || nl > SOCKMAP_NAME_MAX)
		return MX_EINVAL;
	for (size_t i = 0; i < nl; i++)
		if ((unsigned char)name[i] <= 0x20 || (unsigned char)name[i] >= 0x7f)
			return MX_EINVAL;
	if (klen > 0 && memchr(key, 0, klen) != NULL)
		return MX_EINVAL;
	if (klen > NS_MAX_DEFAULT - nl - 1)
		return MX_ELIMIT;
	memcpy(head, name, nl);
	head[nl] = ' ';
	return ns_write(head, nl + 1, key, klen, out, cap, outlen);
}

int
sockmap_reply_parse(const uint8_t *rep, size_t len, sockmap_status *s,
    const uint8_t **text, size_t *tlen)
{
	*s = SOCKMAP_PERM;
	*text = NULL;
	*tlen = 0;
	for (unsigned i = 0; i < sizeof(status_words) / sizeof(status_words[0]);
	    i++) {
		size_t wl = strlen(status_words[i]);
		if (len <= wl || memcmp(rep, status_words[i], wl) != 0 ||
		    rep[wl] != ' ')
			continue;
		if (i == SOCKMAP_NOTFOUND && len != wl + 1)
			return MX_EFORMAT;
		*s = (sockmap_status)i;
		*text = rep + wl + 1;
		*tlen = len - wl - 1;
		return 0;
	}
	return MX_EFORMAT;
}
