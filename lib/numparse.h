/* SPDX-License-Identifier: MIT */
/*
 * Strict number parsing for fields and options. Unlike strtol and strtod these
 * take the whole text: no leading or trailing blanks, nothing left over.
 */
#ifndef CPO_NUMPARSE_H
#define CPO_NUMPARSE_H

#include <stddef.h>

enum numparse_status {
	NUM_OK = 0,
	NUM_SYNTAX,	/* not a number of the requested kind */
	NUM_RANGE,	/* a number, but outside the allowed range */
	NUM_NONFINITE	/* "nan", "inf" and friends */
};

/*
 * Parses s (len bytes) as a decimal integer: an optional sign and 1 to 18
 * digits, nothing else ("12.5", "1e3", "" and " 1" are NUM_SYNTAX). On NUM_OK
 * or NUM_RANGE stores the value in *out; NUM_RANGE when it lies outside
 * [min, max].
 */
enum numparse_status num_parse_int(const char *s, size_t len, long long min,
    long long max, long long *out);

/*
 * Parses s (len bytes) as a decimal number: [+-]digits[.digits][e[+-]digits]
 * (".5" and "5." accepted, hexadecimal not). "nan" and "inf" spellings give
 * NUM_NONFINITE, overflow NUM_RANGE. Stores the value in *out on NUM_OK.
 */
enum numparse_status num_parse_double(const char *s, size_t len, double *out);

/*
 * The nearest double to s (len bytes), a number already known to be well
 * formed ([+-]digits[.digits][e[+-]digits], as num_parse_double or a JSON
 * grammar checks): exact and fast for up to 15 significant digits and powers
 * of ten up to 22, strtod otherwise. Overflow gives an infinity.
 */
double num_decimal_value(const char *s, size_t len);

/*
 * strtonum(3) from OpenBSD, which musl lacks: parses the NUL-terminated s as
 * an integer in [min, max]. Returns the value; on failure returns 0 and sets
 * *errstr to "invalid", "too small" or "too large", else sets it to NULL.
 */
long long cpo_strtonum(const char *s, long long min, long long max,
    const char **errstr);

#endif
