/* SPDX-License-Identifier: MIT */
/*
 * Line input over a file descriptor, for NDJSON. Lines may be of any length;
 * "\n" and "\r\n" both end a line, and a last line without a newline is
 * still returned (with the no_newline flag set, so a cut stream can be told
 * apart from a complete one).
 */
#ifndef CPO_LINEIO_H
#define CPO_LINEIO_H

#include <stddef.h>

#include "rdbuf.h"

struct lineio {
	struct rdbuf in;	/* keep marks the start of the next line */
	unsigned long lineno;	/* number of the line last returned, 1-based */
	int no_newline;		/* the line last returned had no newline */
};

/*
 * Opens path for reading ("-" means standard input). Returns 0, or -1 with
 * errno set when the file can't be opened.
 */
int lineio_open(struct lineio *r, const char *path);


/*
 * Starts reading from the open descriptor fd (closed at release if
 * owns_fd), as if the prelen bytes at pre came first: bytes that were read
 * to sniff the format. Can't fail.
 */
void lineio_open_fd(struct lineio *r, int fd, int owns_fd, const char *pre,
    size_t prelen);

/*
 * Reads the next line. Returns 1 and points *line at it (without the line
 * ending; valid until the next call) and *len at its length; returns 0 at end
 * of input; returns -1 with errno set on a read error.
 */
int lineio_next(struct lineio *r, const char **line, size_t *len);

/* Closes the file (unless it is standard input) and frees the buffer. */
void lineio_release(struct lineio *r);

#endif
