/* msg.c: placeholder, being written */
