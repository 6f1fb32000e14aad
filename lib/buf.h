/* SPDX-License-Identifier: MIT */
/*
 * A growable byte buffer, the building block for output records and
 * messages. The contents are always NUL-terminated so they can be used as C
 * strings, but may also hold NUL bytes: len is authoritative.
 */
#ifndef CPO_BUF_H
#define CPO_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;	/* NUL-terminated; NULL until the first append */
	size_t len;	/* bytes used, not counting the NUL */
	size_t cap;	/* bytes allocated */
};

/* Initializes an empty buffer; allocates nothing. Can't fail. */
void buf_init(struct buf *b);

/* Frees the contents and leaves b empty and reusable. */
void buf_release(struct buf *b);

/* Empties b but keeps its memory for reuse. */
void buf_reset(struct buf *b);

/* Cuts b back to its first len bytes (len at most b->len). */
void buf_cut(struct buf *b, size_t len);

/* Makes room for at least extra more bytes (plus the NUL). */
void buf_grow(struct buf *b, size_t extra);

/* Appends len bytes of p. */
void buf_add(struct buf *b, const void *p, size_t len);

/*
 * Appends len bytes of p like buf_add, inline: records are built from many
 * pieces of a few bytes, and a call to the C library's memcpy for each one
 * costs more than the copy itself.
 */
static inline void
buf_add_short(struct buf *b, const void *p, size_t len)
{
	const char *src = p;
	char *dst;
	size_t i;

	if (len > 32 || b->len + len + 1 > b->cap) {
		buf_add(b, p, len);
		return;
	}
	dst = b->data + b->len;
	for (i = 0; i < len; i++)
		dst[i] = src[i];
	dst[len] = '\0';
	b->len += len;
}

/* Appends the NUL-terminated string s. */
void buf_puts(struct buf *b, const char *s);

/* Appends one byte. */
void buf_putc(struct buf *b, char c);

/* Appends printf-style formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Returns the contents as a C string ("" when empty); valid until b changes. */
const char *buf_str(const struct buf *b);

#endif
