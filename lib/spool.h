/* SPDX-License-Identifier: MIT */
/*
 * A spool: lines kept in an unlinked temporary file while a program must
 * see all of its input before writing any output, so that memory holds
 * only what the computation needs. Write every line, then rewind and read
 * them back in order through the descriptor.
 */
#ifndef CPO_SPOOL_H
#define CPO_SPOOL_H

#include <stddef.h>
#include <stdio.h>

struct spool {
	FILE *f;
	unsigned long lines;
};

/*
 * Creates the temporary file in directory dir (NULL or "" means /tmp) and
 * unlinks it at once, so it goes away however the program ends. Returns 0,
 * or -1 with errno set.
 */
int spool_open(struct spool *s, const char *dir);

/* Appends line (len bytes) and a newline. Returns 0, or -1 with errno set. */
int spool_add(struct spool *s, const char *line, size_t len);

/*
 * Finishes writing and rewinds. Returns a descriptor to read the lines back
 * from, which stays the spool's (do not close it), or -1 with errno set.
 */
int spool_rewind(struct spool *s);

/* Closes and so deletes the file; accepts a spool that was never opened. */
void spool_close(struct spool *s);

#endif
