/* SPDX-License-Identifier: MIT */
/*
 * FNV-1a as specified at isthe.com/chongo/tech/comp/fnv, and MurmurHash3's
 * fmix64 finalizer.
 */
#include "hash.h"

uint64_t
hash_fnv1a64(const void *s, size_t len)
{
	const unsigned char *p = s;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint32_t
hash_fnv1a32(const void *s, size_t len)
{
	const unsigned char *p = s;
	uint32_t h = 0x811c9dc5U;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x01000193U;
	}
	return h;
}

uint64_t
hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}
