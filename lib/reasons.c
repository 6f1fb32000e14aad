/* SPDX-License-Identifier: MIT */
/*
 * Reject reasons. Messages are packed into one buffer, so collecting them
 * costs no allocation once the buffer has grown to fit a bad row.
 */
#include <stdarg.h>

#include "reasons.h"

void
reasons_init(struct reasons *r)
{
	buf_init(&r->text);
	r->n = 0;
	r->dropped = 0;
}

void
reasons_release(struct reasons *r)
{
	buf_release(&r->text);
	r->n = 0;
}

void
reasons_reset(struct reasons *r)
{
	buf_reset(&r->text);
	r->n = 0;
	r->dropped = 0;
}

void
reasons_add(struct reasons *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n == REASONS_MAX) {
		r->dropped++;
		return;
	}
	r->off[r->n++] = r->text.len;
	va_start(ap, fmt);
	buf_vprintf(&r->text, fmt, ap);
	va_end(ap);
	buf_putc(&r->text, '\0');
}

void
reasons_add_buf(struct reasons *r, const struct buf *b)
{
	reasons_add(r, "%s", buf_str(b));
}

const char *
reasons_get(const struct reasons *r, size_t i)
{
	return r->text.data + r->off[i];
}
