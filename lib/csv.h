/* SPDX-License-Identifier: MIT */
/*
 * CSV input as RFC 4180 describes it: fields separated by commas, records by
 * "\r\n" or "\n"; a field in double quotes may hold commas, newlines and
 * doubled quotes. A UTF-8 byte order mark at the start is skipped, and empty
 * lines between records are skipped. A quote inside an unquoted field is
 * kept as data, as most spreadsheet exports expect.
 */
#ifndef CPO_CSV_H
#define CPO_CSV_H

#include <stddef.h>

#include "buf.h"
#include "rdbuf.h"

enum csv_status {
	CSV_RECORD = 1,	/* a record is ready */
	CSV_EOF = 0,	/* no more input */
	CSV_BAD = -1,	/* a malformed record; see error, then go on */
	CSV_IOERR = -2	/* read error; errno is set */
};

struct csv_reader {
	struct rdbuf in;	/* keep marks the current record's start */
	int started;		/* the byte order mark check is done */
	unsigned long line;	/* line number of buf[pos], 1-based */
	unsigned long rec_line;	/* line on which the current record starts */
	struct buf fields;	/* field texts, each followed by a NUL */
	size_t *off, *len;	/* per field: offset in fields, length */
	size_t nfields, nalloc;
	const char *error;	/* what was wrong, after CSV_BAD */
};

/* Opens path ("-" for standard input). Returns 0, or -1 with errno set. */
int csv_open(struct csv_reader *r, const char *path);


/*
 * Starts reading from the open descriptor fd (closed at release if
 * owns_fd), as if the prelen bytes at pre came first: bytes that were read
 * to sniff the format. Can't fail.
 */
void csv_open_fd(struct csv_reader *r, int fd, int owns_fd, const char *pre,
    size_t prelen);

/*
 * Reads the next record. After CSV_RECORD, csv_field gives its fields and
 * r->rec_line its first line. After CSV_BAD, r->error says what was wrong
 * (a static string) and the bad text has been skipped, so reading can go on.
 */
enum csv_status csv_next(struct csv_reader *r);

/*
 * Returns field i of the current record (NUL-terminated; len bytes, which may
 * include NUL bytes) and stores its length in *len. Valid until csv_next.
 */
const char *csv_field(const struct csv_reader *r, size_t i, size_t *len);

/* Returns the raw text of the current record without its line ending. */
const char *csv_raw(const struct csv_reader *r, size_t *len);

/* Closes the file unless it is standard input, and frees memory. */
void csv_release(struct csv_reader *r);

#endif
