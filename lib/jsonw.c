/* SPDX-License-Identifier: MIT */
/*
 * JSON writer. The number format is ECMA-262's Number::toString (section
 * "Number::toString", steps for radix 10); the shortest digits come from
 * printing with 15, 16 and then 17 significant digits and keeping the first
 * that reads back exactly, which is shortest because any decimal of 15 or
 * fewer digits identifies a normal double uniquely (DBL_DIG).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

static const char hexdigits[] = "0123456789abcdef";

void
jsonw_chars(struct buf *b, const char *s, size_t len)
{
	size_t i, run = 0;
	unsigned char c;

	buf_grow(b, len);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':  buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		case '\b': buf_add(b, "\\b", 2); break;
		case '\f': buf_add(b, "\\f", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0',
			    hexdigits[c >> 4], hexdigits[c & 15] };
			buf_add(b, u, 6);
		}
		}
	}
	buf_add_short(b, s + run, len - run);
}

void
jsonw_string(struct buf *b, const char *s, size_t len)
{
	buf_grow(b, len + 2);
	buf_add_short(b, "\"", 1);
	jsonw_chars(b, s, len);
	buf_add_short(b, "\"", 1);
}

void
jsonw_key(struct buf *b, const char *key)
{
	jsonw_string(b, key, strlen(key));
	buf_putc(b, ':');
}

void
jsonw_int(struct buf *b, long long v)
{
	char tmp[24];
	char *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	buf_add_short(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
jsonw_bool(struct buf *b, int v)
{
	if (v)
		buf_add(b, "true", 4);
	else
		buf_add(b, "false", 5);
}

/*
 * Lays out significant digits (k of them, no leading or trailing zeros) with
 * decimal exponent n, meaning the value is 0.DIGITS * 10^n, following
 * ECMA-262 Number::toString. Returns the length written to out.
 */
static size_t
layout(int neg, const char *digits, int k, int n, char *out)
{
	char *p = out;
	int i;

	if (neg)
		*p++ = '-';
	if (k <= n && n <= 21) {
		memcpy(p, digits, (size_t)k);
		p += k;
		for (i = k; i < n; i++)
			*p++ = '0';
	} else if (0 < n && n <= 21) {
		memcpy(p, digits, (size_t)n);
		p += n;
		*p++ = '.';
		memcpy(p, digits + n, (size_t)(k - n));
		p += k - n;
	} else if (-6 < n && n <= 0) {
		*p++ = '0';
		*p++ = '.';
		for (i = n; i < 0; i++)
			*p++ = '0';
		memcpy(p, digits, (size_t)k);
		p += k;
	} else {
		*p++ = digits[0];
		if (k > 1) {
			*p++ = '.';
			memcpy(p, digits + 1, (size_t)(k - 1));
			p += k - 1;
		}
		p += sprintf(p, "e%c%d", n - 1 < 0 ? '-' : '+',
		    n - 1 < 0 ? 1 - n : n - 1);
	}
	*p = '\0';
	return (size_t)(p - out);
}

size_t
jsonw_format_double(double d, char *out)
{
	char tmp[40], digits[20];
	int prec, k, exp10;
	char *e, *q;

	if (!isfinite(d)) {
		memcpy(out, "null", 5);
		return 4;
	}
	if (d == 0) {
		memcpy(out, "0", 2);
		return 1;
	}
	/*
	 * Subnormals carry fewer than 15 significant digits, so for them the
	 * search has to start from one digit.
	 */
	for (prec = fabs(d) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (prec == 17 || strtod(tmp, NULL) == d)
			break;
	}
	/* tmp is [-]D.DDDDe[+-]XX: collect the digits, then the exponent. */
	k = 0;
	for (q = tmp; *q != 'e'; q++)
		if (*q >= '0' && *q <= '9')
			digits[k++] = *q;
	e = q + 1;
	exp10 = atoi(e);
	while (k > 1 && digits[k - 1] == '0')
		k--;
	return layout(d < 0, digits, k, exp10 + 1, out);
}

void
jsonw_double(struct buf *b, double d)
{
	char tmp[JSONW_DOUBLE_MAX];

	buf_add(b, tmp, jsonw_format_double(d, tmp));
}

int
jsonw_decimal(struct buf *b, const char *s, size_t len)
{
	char digits[16], out[JSONW_DOUBLE_MAX];
	size_t i = 0;
	int neg = 0, k = 0, n = 0, seen_point = 0, exp = 0, eneg = 0;
	int ndig_exp = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < len; i++) {
		if (s[i] == '.' && !seen_point) {
			seen_point = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			break;
		if (k == 0 && s[i] == '0') {
			/* A leading zero: after the point it shifts the scale. */
			if (seen_point)
				n--;
			continue;
		}
		if (k == 15)
			return 0;
		digits[k++] = s[i];
		if (!seen_point)
			n++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (++ndig_exp > 4)
				return 0;
			exp = exp * 10 + (s[i] - '0');
		}
		if (ndig_exp == 0)
			return 0;
	}
	if (i != len)
		return 0;
	if (k == 0) {
		buf_putc(b, '0');
		return 1;
	}
	n += eneg ? -exp : exp;
	/* Stay well inside the normal range so the value is what we print. */
	if (n < -290 || n > 290)
		return 0;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	buf_add_short(b, out, layout(neg, digits, k, n, out));
	return 1;
}
