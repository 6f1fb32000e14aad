/* SPDX-License-Identifier: MIT */
/*
 * Strict number parsing. The grammar is checked by hand before strtod sees
 * the text, because strtod accepts hexadecimal, "nan", "infinity" and
 * leading blanks, none of which belong in a customer file.
 */
#include <errno.h>
#include <math.h>
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
