/* SPDX-License-Identifier: MIT */
/*
 * An input buffer over a file descriptor for the record readers (csv,
 * lineio). The reader marks how much it still needs (keep); a refill drops
 * what lies before the mark and doubles the buffer only when the kept part
 * fills it, so memory follows the longest record rather than the input.
 */
#ifndef CPO_RDBUF_H
#define CPO_RDBUF_H

#include <stddef.h>
#include <sys/types.h>

struct rdbuf {
	int fd;
	int owns_fd;		/* close fd in rdbuf_release */
	char *data;
	size_t cap;
	size_t keep;		/* bytes before this may be dropped */
	size_t pos;		/* the reader's position; moved with keep */
	size_t end;		/* bytes of data filled */
	int eof;		/* read(2) has returned 0 */
};

/*
 * Starts reading fd (closed at release if owns_fd) as if the prelen bytes
 * at pre came first: bytes already read to sniff the format. Can't fail.
 */
void rdbuf_init(struct rdbuf *b, int fd, int owns_fd, const char *pre,
    size_t prelen);

/* Opens path ("-" is standard input). Returns 0, or -1 with errno set. */
int rdbuf_open(struct rdbuf *b, const char *path);

/*
 * Drops the bytes before keep (shifting keep, pos and end down), grows the
 * buffer if it is full, and reads once more after end. Returns the bytes
 * read, 0 at end of input (and sets eof), or -1 with errno set.
 */
ssize_t rdbuf_fill(struct rdbuf *b);

/* Closes the descriptor if owned and frees the buffer. */
void rdbuf_release(struct rdbuf *b);

#endif
