/* SPDX-License-Identifier: MIT */
/*
 * JSON text output into a struct buf: strings, numbers and keys, compact.
 *
 * Numbers are written as ECMAScript's Number::toString writes them (the
 * format of JSON.stringify): the shortest digit string that reads back to the
 * same double, so 0.45 prints as 0.45 and 0.1+0.2 as 0.30000000000000004;
 * integral values print without a fraction (250, not 250.0); exponents only
 * below 1e-6 or from 1e21 up. NaN and infinities have no JSON form and are
 * written as null.
 */
#ifndef CPO_JSONW_H
#define CPO_JSONW_H

#include <stddef.h>

#include "buf.h"

/* Largest text jsonw_format_double can produce, NUL included. */
#define JSONW_DOUBLE_MAX 32

/* Appends s (len bytes, may contain NUL) as a JSON string, with quotes. */
void jsonw_string(struct buf *b, const char *s, size_t len);

/*
 * Appends s (len bytes) escaped as inside a JSON string, without quotes:
 * jsonw_string is a quote, this and a quote, so a string can be written
 * in pieces.
 */
void jsonw_chars(struct buf *b, const char *s, size_t len);

/* Appends "key": for the NUL-terminated key. */
void jsonw_key(struct buf *b, const char *key);

/* Appends the integer v. */
void jsonw_int(struct buf *b, long long v);

/* Appends d in the shortest round-trip form described above. */
void jsonw_double(struct buf *b, double d);

/* Appends true or false. */
void jsonw_bool(struct buf *b, int v);

/*
 * Writes d into out (at least JSONW_DOUBLE_MAX bytes) in the form described
 * above and returns the length. Can't fail.
 */
size_t jsonw_format_double(double d, char *out);

/*
 * Fast path for decimal text that is already known to parse as a finite
 * double: if text (len bytes) is a plain decimal ([+-]digits[.digits]
 * [e[+-]digits]) with at most 15 significant digits, appends the same
 * output jsonw_double would give for its value and returns 1. Otherwise
 * appends nothing and returns 0, and the caller uses jsonw_double. With 15
 * digits or fewer the decimal itself is the shortest round-trip form
 * (DBL_DIG is 15), so no binary conversion is needed.
 */
int jsonw_decimal(struct buf *b, const char *text, size_t len);

#endif
