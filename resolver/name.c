/* name.c: placeholder, being written */
