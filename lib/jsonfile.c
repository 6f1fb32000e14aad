/* SPDX-License-Identifier: MIT */
/*
 * JSON configuration files. They are read whole: they are small, and a
 * syntax error can then be placed by line and column.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "jsonfile.h"

int
jsonfile_read(const char *path, struct buf *text)
{
	char chunk[65536];
	ssize_t n;
	size_t start = text->len;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (text->len - start + (size_t)n > JSONFILE_MAX) {
			n = -1;
			errno = EFBIG;
			break;
		}
		buf_add(text, chunk, (size_t)n);
	}
	saved = errno;
	close(fd);
	errno = saved;
	return n < 0 ? -1 : 0;
}

cJSON *
jsonfile_parse(const char *text, size_t len, struct buf *err)
{
	size_t col, i, line = 1, start = 0;
	cJSON *v;

	if ((v = json_parse(text, len, &col)) != NULL)
		return v;
	for (i = 0; i + 1 < col && i < len; i++)
		if (text[i] == '\n') {
			line++;
			start = i + 1;
		}
	buf_printf(err, "invalid JSON at line %zu, column %zu", line,
	    col - start);
	return NULL;
}

void
jsonfile_show(struct buf *b, const cJSON *v)
{
	struct buf text;

	if (v == NULL) {
		buf_puts(b, "nothing");
		return;
	}
	if (cJSON_IsString(v)) {
		diag_quote(b, v->valuestring, strlen(v->valuestring));
		return;
	}
	buf_init(&text);
	json_write(&text, v);
	if (text.len > 60)
		buf_printf(b, "%.60s...", text.data);
	else
		buf_puts(b, text.data);
	buf_release(&text);
}

cJSON *
jsonfile_object(const char *text, size_t len, struct buf *err)
{
	cJSON *root;

	if ((root = jsonfile_parse(text, len, err)) == NULL)
		return NULL;
	if (!cJSON_IsObject(root)) {
		buf_printf(err, "expected a JSON object, got %s",
		    json_type_name(root));
		json_free(root);
		return NULL;
	}
	return root;
}

int
jsonfile_load(const char *path, jsonfile_parse_fn *parse, void *ctx,
    struct buf *err)
{
	struct buf text;
	int rc;

	buf_init(&text);
	if (jsonfile_read(path, &text) < 0) {
		buf_puts(err, strerror(errno));
		buf_release(&text);
		return -2;
	}
	rc = parse(ctx, text.data != NULL ? text.data : "", text.len, err);
	buf_release(&text);
	return rc;
}

void
jsonfile_expected(struct buf *b, const char *kind, const char *name,
    const char *want, const cJSON *v)
{
	buf_printf(b, "%s '%s': expected %s, got ", kind, name, want);
	jsonfile_show(b, v);
}

void
jsonfile_bad_field(struct reasons *why, const char *name, const char *want,
    const cJSON *v)
{
	struct buf msg;

	buf_init(&msg);
	if (v == NULL)
		buf_printf(&msg, "field '%s': missing", name);
	else
		jsonfile_expected(&msg, "field", name, want, v);
	reasons_add_buf(why, &msg);
	buf_release(&msg);
}
