#include "status.h"

const char *
sec_status_name(sec_status s)
{
	switch (s) {
	case SEC_SECURE: return "secure";
	case SEC_INSECURE: return "insecure";
	case SEC_BOGUS: return "bogus";
	case SEC_INDETERMINATE: return "indeterminate";
	}
	return "indeterminate";
}
