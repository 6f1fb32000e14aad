/* SPDX-License-Identifier: MIT */
/*
 * RFC 4180 reader. The whole current record is kept contiguous in the input
 * buffer (refills move it to the front), so its raw text is available for
 * the rejects file without a second copy, and memory follows the longest
 * record rather than the input.
 */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "xalloc.h"

int
csv_open(struct csv_reader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	if (rdbuf_open(&r->in, path) < 0)
		return -1;
	r->line = 1;
	buf_init(&r->fields);
	return 0;
}

void
csv_open_fd(struct csv_reader *r, int fd, int owns_fd, const char *pre,
    size_t prelen)
{
	memset(r, 0, sizeof(*r));
	rdbuf_init(&r->in, fd, owns_fd, pre, prelen);
	r->line = 1;
	buf_init(&r->fields);
}

/*
 * Makes want bytes from buf[pos] readable if the input has them. Returns 1
 * when they are, 0 when the input ends first, -1 on error.
 */
static int
ensure(struct csv_reader *r, size_t want)
{
	ssize_t n;

	while (r->in.end - r->in.pos < want) {
		if ((n = rdbuf_fill(&r->in)) <= 0)
			return n < 0 ? -1 : 0;
	}
	return 1;
}

static int
fill(struct csv_reader *r)
{
	return r->in.pos < r->in.end ? 1 : ensure(r, 1);
}

static void
begin_field(struct csv_reader *r)
{
	if (r->nfields == r->nalloc) {
		r->nalloc = r->nalloc ? r->nalloc * 2 : 16;
		r->off = xreallocarray(r->off, r->nalloc, sizeof(*r->off));
		r->len = xreallocarray(r->len, r->nalloc, sizeof(*r->len));
	}
	r->off[r->nfields] = r->fields.len;
}

static void
end_field(struct csv_reader *r)
{
	r->len[r->nfields] = r->fields.len - r->off[r->nfields];
	buf_add_short(&r->fields, "", 1);
	r->nfields++;
}

/* Skips the rest of a bad line so that reading resumes at the next one. */
static enum csv_status
bad(struct csv_reader *r, const char *why)
{
	int rc;

	r->error = why;
	while ((rc = fill(r)) > 0) {
		if (r->in.data[r->in.pos++] == '\n') {
			r->line++;
			break;
		}
	}
	return rc < 0 ? CSV_IOERR : CSV_BAD;
}

/*
 * After an unquoted field's text or a closing quote: consumes a separator.
 * Returns 1 for a comma (another field follows), 0 for the end of the
 * record, -1 for anything else (left unread), -2 on a read error.
 */
static int
separator(struct csv_reader *r)
{
	int rc = fill(r);

	if (rc <= 0)
		return rc < 0 ? -2 : 0;
	switch (r->in.data[r->in.pos]) {
	case ',':
		r->in.pos++;
		return 1;
	case '\n':
		r->in.pos++;
		r->line++;
		return 0;
	case '\r':
		r->in.pos++;
		if ((rc = fill(r)) < 0)
			return -2;
		if (rc > 0 && r->in.data[r->in.pos] == '\n') {
			r->in.pos++;
			r->line++;
			return 0;
		}
		r->in.pos--;
		return -1;
	default:
		return -1;
	}
}

/* Reads a quoted field's text up to and including its closing quote. */
static int
quoted(struct csv_reader *r)
{
	const char *q, *p;
	size_t chunk;
	int rc;

	r->in.pos++;
	for (;;) {
		if ((rc = fill(r)) <= 0)
			return rc < 0 ? -2 : -1;
		p = r->in.data + r->in.pos;
		q = memchr(p, '"', r->in.end - r->in.pos);
		chunk = q ? (size_t)(q - p) : r->in.end - r->in.pos;
		for (const char *c = p; (c = memchr(c, '\n', (size_t)(p + chunk - c)));
		    c++)
			r->line++;
		buf_add(&r->fields, p, chunk);
		r->in.pos += chunk;
		if (q == NULL)
			continue;
		r->in.pos++;
		if ((rc = fill(r)) < 0)
			return -2;
		if (rc > 0 && r->in.data[r->in.pos] == '"') {
			buf_putc(&r->fields, '"');
			r->in.pos++;
			continue;
		}
		return 0;
	}
}

/* Reads an unquoted field's text up to (not including) its separator. */
static int
unquoted(struct csv_reader *r)
{
	size_t q;
	int rc;

	for (;;) {
		if ((rc = fill(r)) <= 0)
			return rc < 0 ? -2 : 0;
		for (q = r->in.pos; q < r->in.end; q++) {
			char c = r->in.data[q];

			if (c == ',' || c == '\n' || c == '\r')
				break;
		}
		buf_add_short(&r->fields, r->in.data + r->in.pos, q - r->in.pos);
		r->in.pos = q;
		if (q == r->in.end)
			continue;
		if (r->in.data[q] != '\r')
			return 0;
		/* A lone CR is data; CR LF ends the record. */
		r->in.pos++;
		if ((rc = fill(r)) < 0)
			return -2;
		if (rc > 0 && r->in.data[r->in.pos] == '\n') {
			r->in.pos--;
			return 0;
		}
		buf_putc(&r->fields, '\r');
	}
}

/* Skips empty lines; returns 1 at the start of a record, 0 or -1 if none. */
static int
skip_blank_lines(struct csv_reader *r)
{
	int rc;

	for (;;) {
		r->in.keep = r->in.pos;
		if ((rc = fill(r)) <= 0)
			return rc;
		if (!r->started) {
			r->started = 1;
			if (ensure(r, 3) < 0)
				return -1;
			if (r->in.end - r->in.pos >= 3 &&
			    memcmp(r->in.data + r->in.pos, "\xef\xbb\xbf", 3) == 0)
				r->in.pos += 3;
			continue;
		}
		if (r->in.data[r->in.pos] == '\n') {
			r->in.pos++;
			r->line++;
			continue;
		}
		if (r->in.data[r->in.pos] == '\r') {
			if (ensure(r, 2) < 0)
				return -1;
			if (r->in.end - r->in.pos >= 2 && r->in.data[r->in.pos + 1] == '\n') {
				r->in.pos += 2;
				r->line++;
				continue;
			}
		}
		return 1;
	}
}

enum csv_status
csv_next(struct csv_reader *r)
{
	int rc;

	r->nfields = 0;
	buf_reset(&r->fields);
	if ((rc = skip_blank_lines(r)) <= 0)
		return rc < 0 ? CSV_IOERR : CSV_EOF;
	r->rec_line = r->line;
	for (;;) {
		begin_field(r);
		if (r->in.data[r->in.pos] == '"') {
			rc = quoted(r);
			if (rc == -1) {
				r->error = "unterminated quoted field";
				return CSV_BAD;
			}
		} else
			rc = unquoted(r);
		if (rc == -2)
			return CSV_IOERR;
		end_field(r);
		rc = separator(r);
		if (rc == -2)
			return CSV_IOERR;
		if (rc == -1)
			return bad(r, "unexpected text after a closing quote");
		if (rc == 0)
			return CSV_RECORD;
		if ((rc = fill(r)) < 0)
			return CSV_IOERR;
		if (rc == 0) {
			/* A trailing comma at the end of input: one empty field. */
			begin_field(r);
			end_field(r);
			return CSV_RECORD;
		}
	}
}

const char *
csv_field(const struct csv_reader *r, size_t i, size_t *len)
{
	*len = r->len[i];
	return r->fields.data + r->off[i];
}

const char *
csv_raw(const struct csv_reader *r, size_t *len)
{
	size_t n = r->in.pos - r->in.keep;

	while (n > 0 && (r->in.data[r->in.keep + n - 1] == '\n' ||
	    r->in.data[r->in.keep + n - 1] == '\r'))
		n--;
	*len = n;
	return r->in.data + r->in.keep;
}

void
csv_release(struct csv_reader *r)
{
	rdbuf_release(&r->in);
	free(r->off);
	free(r->len);
	buf_release(&r->fields);
}
