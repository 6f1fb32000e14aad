/* SPDX-License-Identifier: MIT */
/*
 * A set of identifiers seen so far, remembering the line of each one's first
 * occurrence, for uniqueness checks over a stream. To keep memory small it
 * stores a 64-bit fingerprint per identifier, not the text: about 12 bytes
 * an identifier with its line, plus 512 KiB once the first one is added.
 * Two different identifiers collide with probability about n^2 / 2^65, one
 * in 37 million for a million identifiers.
 */
#ifndef CPO_IDSET_H
#define CPO_IDSET_H

#include <stddef.h>
#include <stdint.h>

struct idset {
	unsigned char *entries;	/* every part's entries, with gaps */
	size_t cap;		/* entries that fit in the array */
	size_t count;		/* entries in use */
	uint32_t *start;	/* per part: index of its first entry */
	uint32_t *used;		/* per part: entries in use */
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
