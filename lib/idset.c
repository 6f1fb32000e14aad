/* SPDX-License-Identifier: MIT */
/*
 * Open addressing with linear probing over fingerprints. The fingerprint is
 * FNV-1a passed through fmix64 so that its low bits, used as the slot, are
 * well spread even for ids like C000001, C000002, ...
 */
#include <stdlib.h>

#include "hash.h"
#include "idset.h"
#include "xalloc.h"

void
idset_init(struct idset *s)
{
	s->keys = NULL;
	s->lines = NULL;
	s->cap = 0;
	s->count = 0;
}

void
idset_release(struct idset *s)
{
	free(s->keys);
	free(s->lines);
	idset_init(s);
}

static size_t
find_slot(const struct idset *s, uint64_t key)
{
	size_t mask = s->cap - 1, i = (size_t)key & mask;

	while (s->keys[i] != 0 && s->keys[i] != key)
		i = (i + 1) & mask;
	return i;
}

static void
grow(struct idset *s)
{
	struct idset bigger;
	size_t i, j;

	bigger.cap = s->cap ? s->cap * 2 : 1024;
	bigger.count = s->count;
	bigger.keys = xcalloc(bigger.cap, sizeof(*bigger.keys));
	bigger.lines = xcalloc(bigger.cap, sizeof(*bigger.lines));
	for (i = 0; i < s->cap; i++) {
		if (s->keys[i] == 0)
			continue;
		j = find_slot(&bigger, s->keys[i]);
		bigger.keys[j] = s->keys[i];
		bigger.lines[j] = s->lines[i];
	}
	free(s->keys);
	free(s->lines);
	*s = bigger;
}

static uint64_t
fingerprint(const char *id, size_t len)
{
	uint64_t key = hash_mix64(hash_fnv1a64(id, len));

	return key != 0 ? key : 1;
}

int
idset_find(const struct idset *s, const char *id, size_t len,
    unsigned long *first_line)
{
	uint64_t key;
	size_t i;

	if (s->cap == 0)
		return 0;
	key = fingerprint(id, len);
	i = find_slot(s, key);
	if (s->keys[i] != key)
		return 0;
	*first_line = s->lines[i];
	return 1;
}

int
idset_add(struct idset *s, const char *id, size_t len, unsigned long line,
    unsigned long *first_line)
{
	uint64_t key = fingerprint(id, len);
	size_t i;

	/* Keep the load under 7/8; linear probing degrades past that. */
	if ((s->count + 1) * 8 > s->cap * 7)
		grow(s);
	i = find_slot(s, key);
	if (s->keys[i] == key) {
		*first_line = s->lines[i];
		return 1;
	}
	s->keys[i] = key;
	s->lines[i] = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	s->count++;
	return 0;
}
