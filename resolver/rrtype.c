/* rrtype.c: placeholder, being written */
