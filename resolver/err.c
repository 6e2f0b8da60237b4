#include "err.h"

const char *
mx_strerror(int err)
{
	switch (err) {
	case MX_OK: return "success";
	case MX_ENOMEM: return "out of memory";
	case MX_ETRUNC: return "input truncated";
	case MX_EFORMAT: return "malformed data";
	case MX_ELOOP: return "bad compression pointer";
	case MX_ELABEL: return "label longer than 63 octets";
	case MX_ENAME: return "name longer than 255 octets";
	case MX_ESPACE: return "no space left in buffer";
	case MX_ESYNTAX: return "syntax error";
	case MX_EINVAL: return "invalid value";
	case MX_EIO: return "I/O error";
	case MX_ENOTFOUND: return "not found";
	case MX_EUNSUPP: return "not supported";
	case MX_ERANGE: return "value out of range";
	case MX_ECOUNT: return "record count does not match the data";
	case MX_EAGAIN: return "try again";
	case MX_ELIMIT: return "limit exceeded";
	case MX_EVERIFY: return "signature does not verify";
	}
	return "unknown error";
}
