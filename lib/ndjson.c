/* SPDX-License-Identifier: MIT */
/*
 * NDJSON reader on top of lineio and json.
 */
#include <string.h>

#include "ndjson.h"
#include "utf8.h"

int
ndjson_open(struct ndjson_reader *r, const char *path)
{
	r->line = NULL;
	r->len = 0;
	return lineio_open(&r->in, path);
}

void
ndjson_open_fd(struct ndjson_reader *r, int fd, int owns_fd, const char *pre,
    size_t prelen)
{
	r->line = NULL;
	r->len = 0;
	lineio_open_fd(&r->in, fd, owns_fd, pre, prelen);
}

int
ndjson_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/*
 * Returns the 0-based offset of the first \u0000 escape in a JSON text, or
 * len if there is none. cJSON would cut the string there without a word,
 * so such records are refused instead. A backslash that is itself escaped
 * (\\u0000, the six characters) does not count.
 */
static size_t
escaped_nul(const char *s, size_t len)
{
	size_t i, nslash;

	for (i = 0; i + 6 <= len; i++) {
		if (s[i] != '\\')
			continue;
		for (nslash = 0; i < len && s[i] == '\\'; i++)
			nslash++;
		if (nslash % 2 == 1 && i + 5 <= len &&
		    memcmp(s + i, "u0000", 5) == 0)
			return i - 1;
	}
	return len;
}

enum ndjson_status
ndjson_next(struct ndjson_reader *r, cJSON **rec, struct buf *why)
{
	size_t col;
	int rc;

	*rec = NULL;
	do {
		rc = lineio_next(&r->in, &r->line, &r->len);
		if (rc <= 0)
			return rc < 0 ? NDJSON_IOERR : NDJSON_EOF;
	} while (ndjson_blank(r->line, r->len));
	if ((col = utf8_valid_prefix(r->line, r->len)) != r->len) {
		buf_printf(why, "invalid UTF-8 at column %zu", col + 1);
		return NDJSON_BAD;
	}
	*rec = json_parse(r->line, r->len, &col);
	if (*rec == NULL) {
		if (r->in.no_newline)
			buf_printf(why, "invalid JSON at column %zu "
			    "(last line has no newline: input cut short?)", col);
		else
			buf_printf(why, "invalid JSON at column %zu", col);
		return NDJSON_BAD;
	}
	if ((col = escaped_nul(r->line, r->len)) != r->len) {
		buf_printf(why, "a string holds an escaped NUL (\\u0000) at "
		    "column %zu", col + 1);
		json_free(*rec);
		*rec = NULL;
		return NDJSON_BAD;
	}
	if (!cJSON_IsObject(*rec)) {
		buf_printf(why, "expected a JSON object, got %s",
		    json_type_name(*rec));
		json_free(*rec);
		*rec = NULL;
		return NDJSON_BAD;
	}
	return NDJSON_RECORD;
}

void
ndjson_release(struct ndjson_reader *r)
{
	lineio_release(&r->in);
}

cJSON *
ndjson_object(const char *line, size_t len, int no_newline,
    struct reasons *why)
{
	cJSON *rec;
	size_t col;

	if ((col = utf8_valid_prefix(line, len)) != len) {
		reasons_add(why, "invalid UTF-8 at column %zu", col + 1);
		return NULL;
	}
	if ((rec = json_parse(line, len, &col)) == NULL) {
		reasons_add(why, "invalid JSON at column %zu%s", col,
		    no_newline ? " (last line has no newline: input cut short?)" :
		    "");
		return NULL;
	}
	if (!cJSON_IsObject(rec)) {
		reasons_add(why, "expected a JSON object, got %s",
		    json_type_name(rec));
		json_free(rec);
		return NULL;
	}
	return rec;
}
