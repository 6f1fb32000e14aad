/* SPDX-License-Identifier: MIT */
/*
 * Strict number parsing. The grammar is checked by hand before strtod sees
 * the text, because strtod accepts hexadecimal, "nan", "infinity" and
 * leading blanks, none of which belong in a customer file.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "numparse.h"

enum numparse_status
num_parse_int(const char *s, size_t len, long long min, long long max,
    long long *out)
{
	size_t i = 0, ndigits = 0;
	long long v = 0;
	int neg = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return NUM_SYNTAX;
		/* 18 digits always fit in a long long. */
		if (++ndigits > 18)
			return NUM_RANGE;
		v = v * 10 + (s[i] - '0');
	}
	if (ndigits == 0)
		return NUM_SYNTAX;
	*out = neg ? -v : v;
	if (*out < min || *out > max)
		return NUM_RANGE;
	return NUM_OK;
}

static int
is_nonfinite_word(const char *s, size_t len)
{
	static const char *const words[] = { "nan", "inf", "infinity" };
	size_t i;

	if (len > 0 && (s[0] == '+' || s[0] == '-')) {
		s++;
		len--;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (len == strlen(words[i]) && strncasecmp(s, words[i], len) == 0)
			return 1;
	return 0;
}

/*
 * Clinger's fast path (PLDI 1990): when the digits form an integer below
 * 2^53 and the power of ten is at most 10^22, both are exact doubles and one
 * IEEE multiplication or division rounds correctly. Returns 1 and sets *out,
 * or 0 when the text needs strtod. The grammar has been checked already.
 */
static int
fast_decimal(const char *s, size_t len, double *out)
{
	static const double pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
	};
	uint64_t mant = 0;
	size_t i = 0;
	int neg = 0, exp = 0, ndigits = 0, after_point = 0;

	if (s[i] == '+' || s[i] == '-')
		neg = s[i++] == '-';
	for (; i < len; i++) {
		if (s[i] == '.') {
			after_point = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return 0;	/* an exponent: leave it to strtod */
		if (++ndigits > 15)
			return 0;
		mant = mant * 10 + (uint64_t)(s[i] - '0');
		exp -= after_point;
	}
	*out = exp == 0 ? (double)mant : (double)mant / pow10[-exp];
	if (neg)
		*out = -*out;
	return 1;
}

enum numparse_status
num_parse_double(const char *s, size_t len, double *out)
{
	char tmp[128];
	size_t i = 0, mant = 0, expdigits = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		mant++;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			mant++;
	if (mant > 0 && i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			expdigits++;
		if (expdigits == 0)
			return NUM_SYNTAX;
	}
	if (mant == 0 || i != len)
		return is_nonfinite_word(s, len) ? NUM_NONFINITE : NUM_SYNTAX;
	if (fast_decimal(s, len, out))
		return NUM_OK;
	if (len >= sizeof(tmp))
		return NUM_SYNTAX;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	*out = strtod(tmp, NULL);
	if (errno == ERANGE && isinf(*out))
		return NUM_RANGE;
	return NUM_OK;
}

long long
cpo_strtonum(const char *s, long long min, long long max, const char **errstr)
{
	long long v = 0;

	switch (num_parse_int(s, strlen(s), min, max, &v)) {
	case NUM_OK:
		*errstr = NULL;
		return v;
	case NUM_RANGE:
		*errstr = v < min ? "too small" : "too large";
		return 0;
	default:
		*errstr = "invalid";
		return 0;
	}
}
