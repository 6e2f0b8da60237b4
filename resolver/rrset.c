/* rrset.c: placeholder, being written */
