/* SPDX-License-Identifier: MIT */
/*
 * Stable string hashes: the same numbers on every platform and in every
 * release, because assignments and variant ids are derived from them.
 */
#ifndef CPO_HASH_H
#define CPO_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3) of
 * len bytes of s. hash_fnv1a64("", 0) is 0xcbf29ce484222325 and
 * hash_fnv1a64("a", 1) is 0xaf63dc4c8601ec8c.
 */
uint64_t hash_fnv1a64(const void *s, size_t len);

/*
 * FNV-1a 64 going on from h over len more bytes of s: from the basis over
 * a text's pieces it gives hash_fnv1a64 of the whole.
 */
#define HASH_FNV1A64_BASIS 0xcbf29ce484222325ULL
uint64_t hash_fnv1a64_from(uint64_t h, const void *s, size_t len);

/* 32-bit FNV-1a (basis 0x811c9dc5, prime 0x01000193); "a" gives 0xe40c292c. */
uint32_t hash_fnv1a32(const void *s, size_t len);

/*
 * XXH64 with seed 0, as specified at github.com/Cyan4973/xxHash
 * (doc/xxhash_spec.md), of len bytes of s: eight bytes at a step where
 * FNV-1a takes one, for ids of long texts. hash_xxh64("", 0) is
 * 0xef46db3751d8e999 and hash_xxh64("abc", 3) is 0x44bc2cf5ad770999.
 */
uint64_t hash_xxh64(const void *s, size_t len);

/*
 * The 64-bit finalizer of MurmurHash3 (fmix64): a bijection that spreads
 * every input bit over the output, for table indexes.
 */
uint64_t hash_mix64(uint64_t x);

#endif
