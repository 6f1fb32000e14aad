/* SPDX-License-Identifier: MIT */
/*
 * NDJSON record input: one JSON object per line. Blank lines are skipped;
 * a line that is not a JSON object, is not valid UTF-8 or has a string with
 * an escaped NUL (which cJSON would silently cut short) is a bad record,
 * reported with its line number, and reading goes on.
 */
#ifndef CPO_NDJSON_H
#define CPO_NDJSON_H

#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "lineio.h"
#include "reasons.h"

enum ndjson_status {
	NDJSON_RECORD = 1,
	NDJSON_EOF = 0,
	NDJSON_BAD = -1,	/* message in the caller's buffer */
	NDJSON_IOERR = -2	/* errno is set */
};

struct ndjson_reader {
	struct lineio in;
	const char *line;	/* raw text of the last line read */
	size_t len;
};

/* Opens path ("-" for standard input). Returns 0, or -1 with errno set. */
int ndjson_open(struct ndjson_reader *r, const char *path);

/* Starts reading from fd as lineio_open_fd does. Can't fail. */
void ndjson_open_fd(struct ndjson_reader *r, int fd, int owns_fd,
    const char *pre, size_t prelen);

/*
 * Reads the next record into *rec (the caller frees it with json_free).
 * On NDJSON_BAD, appends the reason to why. r->in.lineno is the record's
 * line, r->line and r->len its raw text, both until the next call.
 */
enum ndjson_status ndjson_next(struct ndjson_reader *r, cJSON **rec,
    struct buf *why);

/* Closes the input and frees memory. */
void ndjson_release(struct ndjson_reader *r);

/* Is the line empty or only spaces and tabs (a line readers skip)? */
int ndjson_blank(const char *line, size_t len);

/*
 * Parses one line (len bytes) that is not blank into an object tree for the
 * readers that look at lines themselves. Returns the tree, to be freed with
 * json_free, or NULL after adding to why the reason, in ndjson_next's words:
 * the column of invalid JSON (and a hint when the line is the input's last
 * and has no newline, as no_newline says), or the type that is not an
 * object.
 */
cJSON *ndjson_object(const char *line, size_t len, int no_newline,
    struct reasons *why);
#endif
