/* SPDX-License-Identifier: MIT */
/*
 * GrowthBook's bucketing, from the JavaScript SDK (packages/sdk-js/src/
 * util.ts in github.com/growthbook/growthbook: hashFnv32a, hash and
 * getBucketRanges). The SDK's cross-language test cases (packages/sdk-js/
 * test/cases.json, "hash" section, spec version 0.5.4) are checked by
 * tests/cpo-assign.bats through cpo-assign --method hash.
 */
#include <stdio.h>

#include "bucket.h"
#include "utf8.h"

/* One FNV-1a 32 step; the SDK's shift-and-add is the multiplication. */
static uint32_t
step(uint32_t h, uint32_t unit)
{
	return (h ^ unit) * 0x01000193U;
}

/* Hashes len bytes of UTF-8 at s into h, a UTF-16 code unit at a time. */
static uint32_t
hash_units(uint32_t h, const unsigned char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_char_len((const char *)s + i, len - i);
		switch (n) {
		case 1:
			cp = s[i];
			break;
		case 2:
			cp = (uint32_t)(s[i] & 0x1f) << 6 | (s[i + 1] & 0x3f);
			break;
		case 3:
			cp = (uint32_t)(s[i] & 0x0f) << 12 |
			    (uint32_t)(s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f);
			break;
		case 4:
			cp = (uint32_t)(s[i] & 0x07) << 18 |
			    (uint32_t)(s[i + 1] & 0x3f) << 12 |
			    (uint32_t)(s[i + 2] & 0x3f) << 6 | (s[i + 3] & 0x3f);
			break;
		default:
			cp = s[i];
			n = 1;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			h = step(h, 0xd800 | cp >> 10);
			h = step(h, 0xdc00 | (cp & 0x3ff));
		} else
			h = step(h, cp);
		i += n;
	}
	return h;
}

uint32_t
bucket_fnv32a(const char *s, size_t len)
{
	return hash_units(0x811c9dc5U, (const unsigned char *)s, len);
}

double
bucket_hash(const char *seed, size_t seedlen, const char *value,
    size_t valuelen)
{
	char text[16];
	uint32_t h;
	int n;

	/* Hashing seed then value continues one hash over seed + value. */
	h = hash_units(0x811c9dc5U, (const unsigned char *)seed, seedlen);
	h = hash_units(h, (const unsigned char *)value, valuelen);
	n = snprintf(text, sizeof(text), "%u", (unsigned)h);
	return (double)(bucket_fnv32a(text, (size_t)n) % 10000) / 10000;
}

size_t
bucket_choose(double n, const double *weights, size_t nweights)
{
	double start = 0, end;
	size_t i;

	for (i = 0; i < nweights; i++) {
		end = start + weights[i];
		if (n >= start && n < end)
			return i;
		start = end;
	}
	return nweights - 1;
}
