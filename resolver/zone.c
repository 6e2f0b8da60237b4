/* zone.c: placeholder, being written */
