/* SPDX-License-Identifier: MIT */
/*
 * Input buffer for the record readers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "rdbuf.h"
#include "xalloc.h"

enum { RDBUF_CHUNK = 1 << 16 };

void
rdbuf_init(struct rdbuf *b, int fd, int owns_fd, const char *pre,
    size_t prelen)
{
	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->owns_fd = owns_fd;
	b->cap = RDBUF_CHUNK;
	while (b->cap < prelen)
		b->cap *= 2;
	b->data = xmalloc(b->cap);
	if (prelen > 0)
		memcpy(b->data, pre, prelen);
	b->end = prelen;
}

int
rdbuf_open(struct rdbuf *b, const char *path)
{
	int fd = input_open(path);

	if (fd < 0)
		return -1;
	rdbuf_init(b, fd, fd != STDIN_FILENO, NULL, 0);
	return 0;
}

ssize_t
rdbuf_fill(struct rdbuf *b)
{
	ssize_t n;

	if (b->eof)
		return 0;
	if (b->keep > 0) {
		memmove(b->data, b->data + b->keep, b->end - b->keep);
		b->end -= b->keep;
		b->pos -= b->keep;
		b->keep = 0;
	}
	if (b->end == b->cap) {
		b->cap *= 2;
		b->data = xrealloc(b->data, b->cap);
	}
	do
		n = read(b->fd, b->data + b->end, b->cap - b->end);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		b->eof = 1;
	if (n > 0)
		b->end += (size_t)n;
	return n;
}

void
rdbuf_release(struct rdbuf *b)
{
	if (b->owns_fd)
		close(b->fd);
	free(b->data);
	b->data = NULL;
}
