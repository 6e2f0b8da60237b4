/*
 * err.h: the one error convention of mxsec (STYLE.md rule 4).
 *
 * Functions return 0 on success or a negative MX_E* code.  Foreign error
 * codes (errno, LMDB, OpenSSL) are mapped to these at the one file that
 * talks to that library.  mx_strerror() gives a static string.
 */
#ifndef MXSEC_ERR_H
#define MXSEC_ERR_H

enum {
	MX_OK = 0,
	MX_ENOMEM = -1,     /* allocation failed */
	MX_ETRUNC = -2,     /* input ended early / read past the end */
	MX_EFORMAT = -3,    /* malformed input */
	MX_ELOOP = -4,      /* compression pointer loop or bad pointer */
	MX_ELABEL = -5,     /* label longer than 63 octets */
	MX_ENAME = -6,      /* name longer than 255 octets */
	MX_ESPACE = -7,     /* output buffer too small */
	MX_ESYNTAX = -8,    /* presentation-format syntax error */
	MX_EINVAL = -9,     /* invalid argument or value */
	MX_EIO = -10,       /* I/O error (errno kept by the caller) */
	MX_ENOTFOUND = -11, /* no such item */
	MX_EUNSUPP = -12,   /* unsupported feature or type */
	MX_ERANGE = -13,    /* number out of range */
	MX_ECOUNT = -14,    /* section or record count inconsistent */
	MX_EAGAIN = -15,    /* try again later */
	MX_ELIMIT = -16,    /* a configured limit was exceeded */
	MX_EVERIFY = -17,   /* a signature or digest did not verify */
};

const char *mx_strerror(int err);

#endif
