/* SPDX-License-Identifier: MIT */
/*
 * A string table: interns byte strings and numbers them 0, 1, 2, ... in the
 * order they are first seen, so that a program can keep per-stratum or
 * per-segment state in plain arrays indexed by that number. Memory grows
 * with the number of distinct strings, never with the number of lookups.
 */
#ifndef CPO_STRTAB_H
#define CPO_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab {
	char **str;		/* the strings by number, each NUL-terminated */
	size_t *len;		/* their lengths (they may contain NUL) */
	size_t n;		/* strings held */
	size_t *slot;		/* hash slots: number + 1, or 0 when empty */
	size_t cap;		/* slots, a power of two */
};

/* Initializes an empty table; allocates nothing. Can't fail. */
void strtab_init(struct strtab *t);

/* Frees the table's memory; t is then empty and reusable. */
void strtab_release(struct strtab *t);

/*
 * Returns the number of s (len bytes), adding a copy of it when it is new;
 * *added (if not NULL) tells which. Only the allocator can fail, and it
 * exits.
 */
size_t strtab_intern(struct strtab *t, const char *s, size_t len, int *added);

/* Returns the number of s (len bytes), or -1 when it is not in the table. */
long strtab_find(const struct strtab *t, const char *s, size_t len);

#endif
