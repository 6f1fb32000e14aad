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
#include "xalloc.h"

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

double
num_decimal_value(const char *s, size_t len)
{
	static const double pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
	};
	const char *p = s, *end = s + len;
	uint64_t mant = 0;
	int ndig = 0, scale = 0, exp = 0, e = 0, eneg = 0, neg = 0;
	char small[64], *copy;
	double v;

	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (; p < end && ((*p >= '0' && *p <= '9') || *p == '.'); p++) {
		if (*p == '.') {
			scale = 1;
			continue;
		}
		if (ndig > 0 || *p != '0')
			ndig++;
		if (ndig > 15)
			break;
		mant = mant * 10 + (uint64_t)(*p - '0');
		exp -= scale;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < end; p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		exp += eneg ? -e : e;
	}
	/*
	 * Clinger's fast path (W. D. Clinger, "How to read floating point
	 * numbers accurately", PLDI 1990): a mantissa below 2^53 and a power
	 * of ten up to 10^22 are both exact, so one correctly rounded IEEE
	 * multiplication or division gives the nearest double.
	 */
	if (p == end && exp >= -22 && exp <= 22) {
		v = (double)mant;
		v = exp < 0 ? v / pow10[-exp] : v * pow10[exp];
		return neg ? -v : v;
	}
	if (len < sizeof(small)) {
		memcpy(small, s, len);
		small[len] = '\0';
		return strtod(small, NULL);
	}
	copy = xstrndup(s, len);
	v = strtod(copy, NULL);
	free(copy);
	return v;
}

enum numparse_status
num_parse_double(const char *s, size_t len, double *out)
{
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
	*out = num_decimal_value(s, len);
	return isinf(*out) ? NUM_RANGE : NUM_OK;
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
