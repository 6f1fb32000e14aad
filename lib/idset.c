/* SPDX-License-Identifier: MIT */
/*
 * The fingerprints are split into 65,536 parts by their top 16 bits. All
 * parts live in one array, in part order, each followed by a gap of free
 * entries (a "gapped array"); a part is scanned linearly, which is a few
 * cache lines because hashing spreads ids evenly (15 entries a part for a
 * million ids). A full part borrows a free entry from a later part nearby
 * by shifting the entries in between; when none is near, the gaps are
 * spread out evenly again, and the array grows by a quarter once it is 90%
 * full. Compared with a hash table this needs no empty slots beyond the
 * gaps and never holds an old and a new table at once, which keeps
 * cpo-validate near 13 MiB for a million customers.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "idset.h"
#include "xalloc.h"

enum {
	PART_BITS = 16,
	NPARTS = 1 << PART_BITS,
	ENTRY = 10,		/* 6 bytes of fingerprint, 4 of line */
	BORROW_REACH = 64	/* parts searched for a free entry */
};

void
idset_init(struct idset *s)
{
	memset(s, 0, sizeof(*s));
}

void
idset_release(struct idset *s)
{
	free(s->entries);
	free(s->start);
	free(s->used);
	idset_init(s);
}

static uint64_t
entry_key(const unsigned char *e)
{
	uint64_t k = 0;
	int i;

	for (i = 5; i >= 0; i--)
		k = k << 8 | e[i];
	return k;
}

static uint32_t
entry_line(const unsigned char *e)
{
	return (uint32_t)e[6] | (uint32_t)e[7] << 8 | (uint32_t)e[8] << 16 |
	    (uint32_t)e[9] << 24;
}

/* Room of part p: up to the next part's start, or the array's end. */
static size_t
part_room(const struct idset *s, size_t p)
{
	size_t end = p + 1 < NPARTS ? s->start[p + 1] : s->cap;

	return end - s->start[p];
}

/* Returns the entry of part p with key, or NULL. */
static unsigned char *
lookup(const struct idset *s, size_t p, uint64_t key)
{
	unsigned char *e = s->entries + (size_t)s->start[p] * ENTRY;
	uint32_t i;

	for (i = 0; i < s->used[p]; i++, e += ENTRY)
		if (entry_key(e) == key)
			return e;
	return NULL;
}

/*
 * Lays the parts out again with the free entries spread evenly, in a new
 * capacity of cap entries (not less than before). Parts first move left to
 * close every gap, then right to open new ones, so that each pass only
 * moves entries in the direction it walks.
 */
static void
respread(struct idset *s, size_t cap)
{
	size_t p, at = 0, spare, extra, moved;

	for (p = 0; p < NPARTS; p++) {
		if (s->used[p] > 0)
			memmove(s->entries + at * ENTRY,
			    s->entries + (size_t)s->start[p] * ENTRY,
			    (size_t)s->used[p] * ENTRY);
		s->start[p] = (uint32_t)at;
		at += s->used[p];
	}
	s->entries = xreallocarray(s->entries, cap, ENTRY);
	s->cap = cap;
	spare = cap - s->count;
	for (p = NPARTS; p-- > 0;) {
		/* Part p gets its share of the gaps of parts 0..p. */
		extra = spare * p / NPARTS;
		moved = s->start[p] + extra;
		if (s->used[p] > 0)
			memmove(s->entries + moved * ENTRY,
			    s->entries + (size_t)s->start[p] * ENTRY,
			    (size_t)s->used[p] * ENTRY);
		s->start[p] = (uint32_t)moved;
	}
}

/* Makes room for one more entry in part p. */
static void
make_room(struct idset *s, size_t p)
{
	size_t q, from, len;

	if (s->used[p] < part_room(s, p))
		return;
	for (q = p + 1; q < NPARTS && q <= p + BORROW_REACH; q++) {
		if (s->used[q] < part_room(s, q)) {
			/* Shift parts p+1..q right by one entry. */
			from = s->start[p + 1];
			len = s->start[q] + s->used[q] - from;
			memmove(s->entries + (from + 1) * ENTRY,
			    s->entries + from * ENTRY, len * ENTRY);
			for (; q > p; q--)
				s->start[q]++;
			return;
		}
	}
	if ((s->count + 1) * 10 > s->cap * 9)
		respread(s, s->cap + s->cap / 4 + NPARTS);
	else
		respread(s, s->cap);
}

int
idset_find(const struct idset *s, const char *id, size_t len,
    unsigned long *first_line)
{
	uint64_t fp = hash_mix64(hash_fnv1a64(id, len));
	const unsigned char *e;

	if (s->entries == NULL)
		return 0;
	e = lookup(s, fp >> (64 - PART_BITS), fp & 0xffffffffffffULL);
	if (e == NULL)
		return 0;
	*first_line = entry_line(e);
	return 1;
}

int
idset_add(struct idset *s, const char *id, size_t len, unsigned long line,
    unsigned long *first_line)
{
	uint64_t fp = hash_mix64(hash_fnv1a64(id, len));
	uint64_t key = fp & 0xffffffffffffULL;
	uint32_t stored = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	size_t p = fp >> (64 - PART_BITS);
	unsigned char *e;
	int b;

	if (s->entries == NULL) {
		s->start = xcalloc(NPARTS, sizeof(*s->start));
		s->used = xcalloc(NPARTS, sizeof(*s->used));
		respread(s, 4 * NPARTS);
	}
	if ((e = lookup(s, p, key)) != NULL) {
		*first_line = entry_line(e);
		return 1;
	}
	make_room(s, p);
	e = s->entries + ((size_t)s->start[p] + s->used[p]) * ENTRY;
	for (b = 0; b < 6; b++)
		e[b] = (unsigned char)(key >> (8 * b));
	for (b = 0; b < 4; b++)
		e[6 + b] = (unsigned char)(stored >> (8 * b));
	s->used[p]++;
	s->count++;
	return 0;
}
