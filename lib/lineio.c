/* SPDX-License-Identifier: MIT */
/*
 * Buffered line reader on read(2). The buffer starts at 64 KiB and doubles
 * only when a single line does not fit, so memory follows the longest line,
 * not the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineio.h"
#include "xalloc.h"

enum { LINEIO_CHUNK = 1 << 16 };

int
lineio_open(struct lineio *r, const char *path)
{
	int fd;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	lineio_open_fd(r, fd, fd != STDIN_FILENO, NULL, 0);
	return 0;
}

void
lineio_open_fd(struct lineio *r, int fd, int owns_fd, const char *pre, size_t prelen)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->owns_fd = owns_fd;
	r->cap = LINEIO_CHUNK;
	while (r->cap < prelen)
		r->cap *= 2;
	r->buf = xmalloc(r->cap);
	if (prelen > 0)
		memcpy(r->buf, pre, prelen);
	r->end = prelen;
}

/* Reads more input after the unread part; returns bytes read, 0, or -1. */
static ssize_t
refill(struct lineio *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		r->end += (size_t)n;
	return n;
}

int
lineio_next(struct lineio *r, const char **line, size_t *len)
{
	size_t scanned = 0;
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(r->buf + r->start + scanned, '\n',
		    r->end - r->start - scanned);
		if (nl != NULL) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start += *len + 1;
			r->no_newline = 0;
			break;
		}
		scanned = r->end - r->start;
		if (r->eof || (n = refill(r)) == 0) {
			r->eof = 1;
			if (r->start == r->end)
				return 0;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->end;
			r->no_newline = 1;
			break;
		}
		if (n < 0)
			return -1;
	}
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	r->lineno++;
	return 1;
}

void
lineio_release(struct lineio *r)
{
	if (r->owns_fd)
		close(r->fd);
	free(r->buf);
	r->buf = NULL;
}
