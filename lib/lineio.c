/* SPDX-License-Identifier: MIT */
/*
 * Line reader on rdbuf: memory follows the longest line, not the input.
 */
#include <string.h>

#include "lineio.h"

int
lineio_open(struct lineio *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	return rdbuf_open(&r->in, path);
}

void
lineio_open_fd(struct lineio *r, int fd, int owns_fd, const char *pre,
    size_t prelen)
{
	memset(r, 0, sizeof(*r));
	rdbuf_init(&r->in, fd, owns_fd, pre, prelen);
}

int
lineio_next(struct lineio *r, const char **line, size_t *len)
{
	size_t scanned = 0;
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(r->in.data + r->in.keep + scanned, '\n',
		    r->in.end - r->in.keep - scanned);
		if (nl != NULL) {
			*line = r->in.data + r->in.keep;
			*len = (size_t)(nl - *line);
			r->in.keep += *len + 1;
			r->no_newline = 0;
			break;
		}
		scanned = r->in.end - r->in.keep;
		if (r->in.eof || (n = rdbuf_fill(&r->in)) == 0) {
			r->in.eof = 1;
			if (r->in.keep == r->in.end)
				return 0;
			*line = r->in.data + r->in.keep;
			*len = r->in.end - r->in.keep;
			r->in.keep = r->in.end;
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
	rdbuf_release(&r->in);
}
