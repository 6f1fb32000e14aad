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

/* 32-bit FNV-1a (basis 0x811c9dc5, prime 0x01000193); "a" gives 0xe40c292c. */
uint32_t hash_fnv1a32(const void *s, size_t len);

/*
 * The 64-bit finalizer of MurmurHash3 (fmix64): a bijection that spreads
 * every input bit over the output, for table indexes.
 */
uint64_t hash_mix64(uint64_t x);

#endif
