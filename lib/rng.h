/* SPDX-License-Identifier: MIT */
/*
 * A seeded pseudo-random number generator, fully specified so that a seed
 * gives the same numbers on every platform: xoshiro256** 1.0 (Blackman and
 * Vigna, "Scrambled linear pseudorandom number generators", 2021), its state
 * filled from the 64-bit seed by SplitMix64, as the authors recommend.
 */
#ifndef CPO_RNG_H
#define CPO_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seeds r; every seed, 0 included, gives a valid state. Can't fail. */
void rng_init(struct rng *r, uint64_t seed);

/* Returns the next 64 random bits. */
uint64_t rng_next(struct rng *r);

/* Returns a double uniform on [0, 1): the top 53 bits times 2^-53. */
double rng_uniform(struct rng *r);

/*
 * Returns an integer uniform on [0, n) for n > 0, without modulo bias
 * (Lemire's multiply-and-reject method, ACM TOMACS 2019). Returns 0 if n is 0.
 */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Returns a standard normal deviate (Marsaglia's polar method). */
double rng_normal(struct rng *r);

#endif
