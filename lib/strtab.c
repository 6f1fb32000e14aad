/* SPDX-License-Identifier: MIT */
/*
 * String table: open addressing with linear probing over FNV-1a hashes,
 * kept at most half full, with the strings in an array by number so that
 * iteration is in first-seen order.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "strtab.h"
#include "xalloc.h"

void
strtab_init(struct strtab *t)
{
	memset(t, 0, sizeof(*t));
}

void
strtab_release(struct strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->len);
	free(t->slot);
	strtab_init(t);
}

static size_t
home(const char *s, size_t len, size_t cap)
{
	return (size_t)hash_mix64(hash_fnv1a64(s, len)) & (cap - 1);
}

long
strtab_find(const struct strtab *t, const char *s, size_t len)
{
	size_t i, k;

	if (t->cap == 0)
		return -1;
	for (i = home(s, len, t->cap); (k = t->slot[i]) != 0;
	    i = (i + 1) & (t->cap - 1))
		if (t->len[k - 1] == len && memcmp(t->str[k - 1], s, len) == 0)
			return (long)(k - 1);
	return -1;
}

static void
grow(struct strtab *t)
{
	size_t cap = t->cap == 0 ? 16 : t->cap * 2, i, j;

	free(t->slot);
	t->slot = xcalloc(cap, sizeof(*t->slot));
	t->cap = cap;
	for (j = 0; j < t->n; j++) {
		i = home(t->str[j], t->len[j], cap);
		while (t->slot[i] != 0)
			i = (i + 1) & (cap - 1);
		t->slot[i] = j + 1;
	}
	t->str = xreallocarray(t->str, cap / 2, sizeof(*t->str));
	t->len = xreallocarray(t->len, cap / 2, sizeof(*t->len));
}

size_t
strtab_intern(struct strtab *t, const char *s, size_t len, int *added)
{
	long found = strtab_find(t, s, len);
	size_t i;

	if (added != NULL)
		*added = found < 0;
	if (found >= 0)
		return (size_t)found;
	if (t->n + 1 > t->cap / 2)
		grow(t);
	i = home(s, len, t->cap);
	while (t->slot[i] != 0)
		i = (i + 1) & (t->cap - 1);
	t->str[t->n] = xstrndup(s, len);
	t->len[t->n] = len;
	t->slot[i] = ++t->n;
	return t->n - 1;
}
