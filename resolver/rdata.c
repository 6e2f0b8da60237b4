/* rdata.c: placeholder, being written */
