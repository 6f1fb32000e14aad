/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 checks. Valid means RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF.
 */
#ifndef CPO_UTF8_H
#define CPO_UTF8_H

#include <stddef.h>

/*
 * Returns the length (1-4) of the valid UTF-8 sequence at the start of s,
 * which has len bytes, or 0 if it is not valid or len is 0.
 */
size_t utf8_char_len(const char *s, size_t len);

/*
 * Checks that s (len bytes) is valid UTF-8. Returns len when it is, else the
 * offset of the first byte that is not part of a valid sequence.
 */
size_t utf8_valid_prefix(const char *s, size_t len);

#endif
