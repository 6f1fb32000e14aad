/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics on stderr, in the one shape every cpo program uses. Messages
 * are interface: tests compare them byte for byte.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "utf8.h"

enum { QUOTE_MAX = 60 };

void
diag_init(struct diag *d, const char *prog, FILE *out)
{
	d->prog = prog;
	d->out = out;
}

static void
emit(const struct diag *d, const char *where, const char *fmt, va_list ap)
{
	struct buf line;

	/* Format the whole line first so it reaches stderr in one write. */
	buf_init(&line);
	buf_printf(&line, "%s: ", d->prog);
	if (where != NULL)
		buf_printf(&line, "%s: ", where);
	buf_vprintf(&line, fmt, ap);
	buf_putc(&line, '\n');
	fwrite(line.data, 1, line.len, d->out);
	fflush(d->out);
	buf_release(&line);
}

void
diag_at(const struct diag *d, const char *file, unsigned long line,
    const char *fmt, ...)
{
	char where[4096];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%lu", file, line);
	va_start(ap, fmt);
	emit(d, where, fmt, ap);
	va_end(ap);
}

void
diag_in(const struct diag *d, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(d, where, fmt, ap);
	va_end(ap);
}

void
diag_msg(const struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(d, NULL, fmt, ap);
	va_end(ap);
}

void
diag_quote(struct buf *b, const char *s, size_t len)
{
	size_t i = 0, n;
	unsigned char c;

	buf_putc(b, '"');
	while (i < len) {
		if (i >= QUOTE_MAX) {
			buf_puts(b, "...");
			break;
		}
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
			i++;
		} else if (c == '\n') {
			buf_puts(b, "\\n");
			i++;
		} else if (c == '\r') {
			buf_puts(b, "\\r");
			i++;
		} else if (c == '\t') {
			buf_puts(b, "\\t");
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\x%02x", c);
			i++;
		} else if (c < 0x80) {
			buf_putc(b, (char)c);
			i++;
		} else if ((n = utf8_char_len(s + i, len - i)) > 0) {
			buf_add(b, s + i, n);
			i += n;
		} else {
			buf_printf(b, "\\x%02x", c);
			i++;
		}
	}
	buf_putc(b, '"');
}
