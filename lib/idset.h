/* SPDX-License-Identifier: MIT */
/*
 * A set of identifiers seen so far, remembering the line of each one's first
 * occurrence, for uniqueness checks over a stream. To keep memory small it
 * stores a 64-bit fingerprint per identifier (12 bytes an entry with the
 * line), not the text; two different identifiers collide with probability
 * about n^2 / 2^65, one in 37 million for a million identifiers.
 */
#ifndef CPO_IDSET_H
#define CPO_IDSET_H

#include <stddef.h>
#include <stdint.h>

struct idset {
	uint64_t *keys;		/* fingerprints; 0 marks an empty slot */
	uint32_t *lines;
	size_t cap, count;	/* cap is a power of two */
};

/* Initializes an empty set; allocates nothing. */
void idset_init(struct idset *s);

/* Frees the set's memory. */
void idset_release(struct idset *s);

/*
 * Looks id (len bytes) up without adding it. Returns 1 and stores the line of
 * its first occurrence in *first_line if it is there, else returns 0.
 */
int idset_find(const struct idset *s, const char *id, size_t len,
    unsigned long *first_line);

/*
 * Adds id (len bytes) first seen on line. Returns 0 if it is new; returns 1
 * if it was already there, and stores the line of its first occurrence in
 * *first_line.
 */
int idset_add(struct idset *s, const char *id, size_t len, unsigned long line,
    unsigned long *first_line);

#endif
