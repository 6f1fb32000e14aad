/* SPDX-License-Identifier: MIT */
/*
 * Deterministic bucketing, the way feature-flag systems assign variations:
 * a customer's bucket is a pure function of a seed and their id, so any
 * shard of the input assigns each customer exactly as the whole input does.
 * The hash is GrowthBook's version 2 (FNV-1a 32 applied twice), so that
 * assignments can be reproduced with any GrowthBook SDK.
 */
#ifndef CPO_BUCKET_H
#define CPO_BUCKET_H

#include <stddef.h>
#include <stdint.h>

/*
 * GrowthBook's hashFnv32a: 32-bit FNV-1a over the UTF-16 code units of s
 * (len bytes of UTF-8), as the JavaScript SDK computes it with charCodeAt.
 * For ASCII this is the ordinary byte-wise FNV-1a 32. A byte that is not
 * part of valid UTF-8 counts as one code unit of its own value.
 */
uint32_t bucket_fnv32a(const char *s, size_t len);

/*
 * GrowthBook's hash(seed, value, 2): hashFnv32a of the decimal text of
 * hashFnv32a(seed + value), modulo 10000, divided by 10000. Returns a
 * bucket in [0, 1) with four decimals.
 */
double bucket_hash(const char *seed, size_t seedlen, const char *value,
    size_t valuelen);

/*
 * Returns the index of the range that holds bucket n, given n weights that
 * sum to 1: range i is [w0 + ... + w(i-1), w0 + ... + wi), computed as
 * GrowthBook's getBucketRanges does with full coverage. A bucket past the
 * last range (possible only through rounding) goes to the last.
 */
size_t bucket_choose(double n, const double *weights, size_t nweights);

#endif
