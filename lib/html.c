/* SPDX-License-Identifier: MIT */
/*
 * HTML escaping. Escaping the five characters everywhere, rather than only
 * what each context needs, keeps one function correct for content and for
 * attributes alike (OWASP's rule for untrusted data in HTML).
 */
#include <stdint.h>
#include <string.h>

#include "html.h"
#include "utf8.h"

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/*
 * Appends the character at s (n bytes of a valid sequence) escaped. C0
 * controls other than tab and newline, DEL and the C1 controls are not
 * allowed in HTML text.
 */
static void
put_char(struct buf *b, const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];

	if (n == 1) {
		switch (c) {
		case '&': buf_puts(b, "&amp;"); return;
		case '<': buf_puts(b, "&lt;"); return;
		case '>': buf_puts(b, "&gt;"); return;
		case '"': buf_puts(b, "&quot;"); return;
		case '\'': buf_puts(b, "&#39;"); return;
		case '\t': case '\n': buf_putc(b, (char)c); return;
		}
		if (c < 0x20 || c == 0x7f) {
			buf_puts(b, replacement);
			return;
		}
	} else if (n == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0) {
		buf_puts(b, replacement);
		return;
	}
	buf_add_short(b, s, n);
}

/* Appends up to max characters of s; returns 1 if some were left. */
static int
put_text(struct buf *b, const char *s, size_t len, size_t max)
{
	size_t i = 0, n, count = 0;

	while (i < len) {
		if (count == max)
			return 1;
		n = utf8_char_len(s + i, len - i);
		if (n == 0) {
			buf_puts(b, replacement);
			n = 1;
		} else
			put_char(b, s + i, n);
		i += n;
		count++;
	}
	return 0;
}

void
html_escape(struct buf *b, const char *s, size_t len)
{
	put_text(b, s, len, SIZE_MAX);
}

void
html_puts(struct buf *b, const char *s)
{
	put_text(b, s, strlen(s), SIZE_MAX);
}

int
html_puts_max(struct buf *b, const char *s, size_t max)
{
	size_t len = strlen(s), i = 0, n, count = 0;

	/* Count first: a text of exactly max characters is not cut. */
	while (i < len && (max == 0 || count <= max)) {
		n = utf8_char_len(s + i, len - i);
		i += n > 0 ? n : 1;
		count++;
	}
	if (max == 0 || count <= max) {
		put_text(b, s, len, SIZE_MAX);
		return 0;
	}
	put_text(b, s, len, max - 1);
	buf_puts(b, "\xe2\x80\xa6");	/* U+2026 */
	return 1;
}
