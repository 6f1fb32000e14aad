/* SPDX-License-Identifier: MIT */
/*
 * FNV-1a as specified at isthe.com/chongo/tech/comp/fnv, XXH64 as its
 * specification gives it, and MurmurHash3's fmix64 finalizer.
 */
#include "hash.h"

uint64_t
hash_fnv1a64_from(uint64_t h, const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t
hash_fnv1a64(const void *s, size_t len)
{
	return hash_fnv1a64_from(HASH_FNV1A64_BASIS, s, len);
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

/* XXH64's primes. */
#define XXH_P1 0x9e3779b185ebca87ULL
#define XXH_P2 0xc2b2ae3d27d4eb4fULL
#define XXH_P3 0x165667b19e3779f9ULL
#define XXH_P4 0x85ebca77c2b2ae63ULL
#define XXH_P5 0x27d4eb2f165667c5ULL

static uint64_t
rotl64(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

/* Little-endian reads, whatever the machine: the ids must not differ. */
static uint64_t
read64le(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	    (uint64_t)p[7] << 56;
}

static uint64_t
read32le(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24;
}

static uint64_t
xxh_round(uint64_t acc, uint64_t lane)
{
	return rotl64(acc + lane * XXH_P2, 31) * XXH_P1;
}

static uint64_t
xxh_merge(uint64_t h, uint64_t acc)
{
	return (h ^ xxh_round(0, acc)) * XXH_P1 + XXH_P4;
}

uint64_t
hash_xxh64(const void *s, size_t len)
{
	const unsigned char *p = s, *end = p + len;
	uint64_t v[4] = { XXH_P1 + XXH_P2, XXH_P2, 0, 0 - XXH_P1 }, h;
	int i;

	if (len >= 32) {
		for (; end - p >= 32; p += 32)
			for (i = 0; i < 4; i++)
				v[i] = xxh_round(v[i], read64le(p + 8 * i));
		h = rotl64(v[0], 1) + rotl64(v[1], 7) + rotl64(v[2], 12) +
		    rotl64(v[3], 18);
		for (i = 0; i < 4; i++)
			h = xxh_merge(h, v[i]);
	} else
		h = XXH_P5;
	h += (uint64_t)len;
	for (; end - p >= 8; p += 8)
		h = rotl64(h ^ xxh_round(0, read64le(p)), 27) * XXH_P1 + XXH_P4;
	if (end - p >= 4) {
		h = rotl64(h ^ read32le(p) * XXH_P1, 23) * XXH_P2 + XXH_P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl64(h ^ *p * XXH_P5, 11) * XXH_P1;
	h ^= h >> 33;
	h *= XXH_P2;
	h ^= h >> 29;
	h *= XXH_P3;
	return h ^ h >> 32;
}
