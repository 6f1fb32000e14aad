/* SPDX-License-Identifier: MIT */
/*
 * Writing text from untrusted input into HTML (and inline SVG): escaping
 * that is safe both in element content and in quoted attribute values, and
 * cutting a label short on a character boundary.
 */
#ifndef CPO_HTML_H
#define CPO_HTML_H

#include <stddef.h>

#include "buf.h"

/*
 * Appends s (len bytes) to b with & < > " ' written as character
 * references, so the text can go between tags or inside an attribute in
 * double or single quotes. Bytes that are not valid UTF-8 and control
 * characters other than tab and newline (which HTML forbids or browsers
 * turn into U+FFFD anyway) become U+FFFD, so the page stays well formed.
 */
void html_escape(struct buf *b, const char *s, size_t len);

/* html_escape of the NUL-terminated s. */
void html_puts(struct buf *b, const char *s);

/*
 * Like html_puts, but keeps at most max characters of s (code points, not
 * bytes), ending a cut text with an ellipsis (which counts as one). Returns
 * 1 when s was cut, else 0. max 0 means no limit.
 */
int html_puts_max(struct buf *b, const char *s, size_t max);

#endif
