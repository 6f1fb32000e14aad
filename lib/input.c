/* SPDX-License-Identifier: MIT */
/*
 * Input opening and format sniffing.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

int
input_open(const char *path)
{
	if (strcmp(path, "-") == 0)
		return STDIN_FILENO;
	return open(path, O_RDONLY | O_CLOEXEC);
}

const char *
input_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* Reads once more into pre; returns bytes read, 0 at end, -1 on error. */
static ssize_t
read_into(int fd, struct buf *pre)
{
	char chunk[4096];
	ssize_t n;

	do
		n = read(fd, chunk, sizeof(chunk));
	while (n < 0 && errno == EINTR);
	if (n > 0)
		buf_add(pre, chunk, (size_t)n);
	return n;
}

int
input_sniff(int fd, struct buf *pre)
{
	size_t i = 0;
	ssize_t n;

	/* Have three bytes, if there are three, to recognize the BOM. */
	while (pre->len < 3)
		if ((n = read_into(fd, pre)) <= 0) {
			if (n < 0)
				return -1;
			break;
		}
	if (pre->len >= 3 && memcmp(pre->data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (;;) {
		for (; i < pre->len; i++) {
			unsigned char c = (unsigned char)pre->data[i];

			if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
				return c;
		}
		if ((n = read_into(fd, pre)) <= 0)
			return n < 0 ? -1 : 0;
	}
}
