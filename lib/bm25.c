/* SPDX-License-Identifier: MIT */
/*
 * BM25 index. Terms get numbers from a hash table over one string arena;
 * each term has a postings list of (document, weighted frequency), sorted by
 * document because documents are added in order. Searching accumulates
 * scores term at a time into a dense array with a list of the documents
 * touched, then keeps the best with a bounded heap: for a few query terms
 * over 100,000 documents that is a fraction of a millisecond.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bm25.h"
#include "hash.h"
#include "xalloc.h"

struct posting {
	uint32_t doc;
	float tf;		/* weighted over the fields */
};

struct plist {
	struct posting *p;
	uint32_t n, cap;
};

/*
 * Strings numbered in order of arrival, kept in one arena and found by
 * open addressing. A slot keeps the string's hash beside its number, so a
 * probe compares text only when the hashes agree.
 */
struct slot {
	uint32_t id1;		/* number + 1; 0 marks an empty slot */
	uint32_t hash;
};

struct dict {
	char *arena;
	size_t arena_len, arena_cap;
	uint32_t *off;		/* arena offset by number */
	uint32_t n, cap;
	struct slot *slot;
	size_t nslots;		/* a power of two, at least twice n */
};

/* A surface token that the analyzer drops (a stop word). */
#define DROPPED (BM25_NO_TERM - 1)

struct bm25 {
	struct analyzer an;
	size_t nfields;
	double weight[BM25_FIELDS_MAX];

	/* Terms and their postings; per-term arrays have terms.cap entries. */
	struct dict terms;
	struct plist *post;

	/* Tokens as they appear, each mapped to its term or DROPPED. */
	struct dict surface;
	uint32_t *surface_term;

	/* Documents: weighted length and, after finish, the BM25 norm. */
	float *dlen;
	double *norm;
	uint32_t ndocs, docs_cap;

	/* Forward index: fwd_off[doc * nfields + f] is where field f starts. */
	uint32_t *fwd;
	size_t fwd_len, fwd_cap;
	size_t *fwd_off;

	/* Building one document: its distinct terms, found via last_doc. */
	uint32_t *last_doc, *local_slot;
	uint32_t *local_term;
	float *local_tf;
	size_t nlocal, local_cap;

	/* Searching: score accumulators and the documents touched. */
	double *acc;
	uint32_t *touched;
	double k1, b;
};

static void
dict_init(struct dict *d)
{
	memset(d, 0, sizeof(*d));
	d->nslots = 1024;
	d->slot = xcalloc(d->nslots, sizeof(*d->slot));
}

static void
dict_release(struct dict *d)
{
	free(d->arena);
	free(d->off);
	free(d->slot);
}

static const char *
dict_str(const struct dict *d, uint32_t id)
{
	return d->arena + d->off[id];
}

static uint32_t
dict_hash(const char *s, size_t len)
{
	return (uint32_t)hash_fnv1a64(s, len);
}

/* Returns the slot where s (len bytes, hash h) is, or would go. */
static size_t
dict_slot(const struct dict *d, const char *s, size_t len, uint32_t h)
{
	size_t mask = d->nslots - 1, i = h & mask;
	const char *t;

	for (; d->slot[i].id1 != 0; i = (i + 1) & mask) {
		if (d->slot[i].hash != h)
			continue;
		t = dict_str(d, d->slot[i].id1 - 1);
		if (memcmp(t, s, len) == 0 && t[len] == '\0')
			break;
	}
	return i;
}

/* Returns the number of s, or BM25_NO_TERM when it is not there. */
static uint32_t
dict_find(const struct dict *d, const char *s, size_t len)
{
	uint32_t id1 = d->slot[dict_slot(d, s, len, dict_hash(s, len))].id1;

	return id1 == 0 ? BM25_NO_TERM : id1 - 1;
}

static void
dict_grow_slots(struct dict *d)
{
	struct slot *old = d->slot;
	size_t oldn = d->nslots, i, j, mask;

	d->nslots *= 2;
	mask = d->nslots - 1;
	d->slot = xcalloc(d->nslots, sizeof(*d->slot));
	for (i = 0; i < oldn; i++) {
		if (old[i].id1 == 0)
			continue;
		for (j = old[i].hash & mask; d->slot[j].id1 != 0;)
			j = (j + 1) & mask;
		d->slot[j] = old[i];
	}
	free(old);
}

/* Returns the number of s (len bytes), adding it if new; *added says which. */
static uint32_t
dict_intern(struct dict *d, const char *s, size_t len, int *added)
{
	uint32_t h = dict_hash(s, len), id;
	size_t i = dict_slot(d, s, len, h);

	*added = d->slot[i].id1 == 0;
	if (!*added)
		return d->slot[i].id1 - 1;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 1024;
		d->off = xreallocarray(d->off, d->cap, sizeof(*d->off));
	}
	if (d->arena_len + len + 1 > d->arena_cap) {
		d->arena_cap = d->arena_cap ? d->arena_cap * 2 : 16384;
		if (d->arena_cap < d->arena_len + len + 1)
			d->arena_cap = d->arena_len + len + 1;
		d->arena = xrealloc(d->arena, d->arena_cap);
	}
	id = d->n++;
	d->off[id] = (uint32_t)d->arena_len;
	memcpy(d->arena + d->arena_len, s, len);
	d->arena[d->arena_len + len] = '\0';
	d->arena_len += len + 1;
	d->slot[i].id1 = id + 1;
	d->slot[i].hash = h;
	if ((size_t)d->n * 2 > d->nslots)
		dict_grow_slots(d);
	return id;
}

struct bm25 *
bm25_new(const struct analyzer *a, size_t nfields, const double *weights)
{
	struct bm25 *ix = xcalloc(1, sizeof(*ix));
	size_t f;

	ix->an = *a;
	ix->nfields = nfields > BM25_FIELDS_MAX ? BM25_FIELDS_MAX : nfields;
	for (f = 0; f < ix->nfields; f++)
		ix->weight[f] = weights[f];
	dict_init(&ix->terms);
	dict_init(&ix->surface);
	ix->k1 = 1.2;
	ix->b = 0.75;
	return ix;
}

void
bm25_free(struct bm25 *ix)
{
	uint32_t t;

	if (ix == NULL)
		return;
	for (t = 0; t < ix->terms.n; t++)
		free(ix->post[t].p);
	dict_release(&ix->terms);
	dict_release(&ix->surface);
	free(ix->surface_term);
	free(ix->post);
	free(ix->dlen);
	free(ix->norm);
	free(ix->fwd);
	free(ix->fwd_off);
	free(ix->last_doc);
	free(ix->local_slot);
	free(ix->local_term);
	free(ix->local_tf);
	free(ix->acc);
	free(ix->touched);
	free(ix);
}

/* Returns the number of term s, adding it (with no postings) if new. */
static uint32_t
intern_term(struct bm25 *ix, const char *s, size_t len)
{
	uint32_t cap = ix->terms.cap, t;
	int added;

	t = dict_intern(&ix->terms, s, len, &added);
	if (!added)
		return t;
	if (ix->terms.cap != cap) {
		cap = ix->terms.cap;
		ix->post = xreallocarray(ix->post, cap, sizeof(*ix->post));
		ix->last_doc = xreallocarray(ix->last_doc, cap,
		    sizeof(*ix->last_doc));
		ix->local_slot = xreallocarray(ix->local_slot, cap,
		    sizeof(*ix->local_slot));
	}
	memset(&ix->post[t], 0, sizeof(ix->post[t]));
	ix->last_doc[t] = UINT32_MAX;
	return t;
}

/*
 * Returns the term of the token tok (len bytes; modified), or DROPPED.
 * Each distinct token is analyzed once and remembered: stemming is the
 * costly part of indexing, and text repeats its words.
 */
static uint32_t
token_term(struct bm25 *ix, char *tok, size_t len)
{
	uint32_t cap = ix->surface.cap, id, t;
	int added;

	id = dict_intern(&ix->surface, tok, len, &added);
	if (!added)
		return ix->surface_term[id];
	if (ix->surface.cap != cap)
		ix->surface_term = xreallocarray(ix->surface_term,
		    ix->surface.cap, sizeof(*ix->surface_term));
	len = analyze_term(&ix->an, tok, len);
	t = len == 0 ? DROPPED : intern_term(ix, tok, len);
	ix->surface_term[id] = t;
	return t;
}

static void
fwd_push(struct bm25 *ix, uint32_t t)
{
	if (ix->fwd_len == ix->fwd_cap) {
		ix->fwd_cap = ix->fwd_cap ? ix->fwd_cap * 2 : 4096;
		ix->fwd = xreallocarray(ix->fwd, ix->fwd_cap, sizeof(*ix->fwd));
	}
	ix->fwd[ix->fwd_len++] = t;
}

/* Counts one occurrence of term t, weighted w, in the document. */
static void
add_term(struct bm25 *ix, uint32_t t, double w)
{
	uint32_t doc = ix->ndocs;
	size_t k;

	if (ix->last_doc[t] != doc) {
		ix->last_doc[t] = doc;
		if (ix->nlocal == ix->local_cap) {
			ix->local_cap = ix->local_cap ? ix->local_cap * 2 : 256;
			ix->local_term = xreallocarray(ix->local_term,
			    ix->local_cap, sizeof(*ix->local_term));
			ix->local_tf = xreallocarray(ix->local_tf,
			    ix->local_cap, sizeof(*ix->local_tf));
		}
		k = ix->nlocal++;
		ix->local_slot[t] = (uint32_t)k;
		ix->local_term[k] = t;
		ix->local_tf[k] = 0;
	}
	ix->local_tf[ix->local_slot[t]] += (float)w;
	fwd_push(ix, t);
}

uint32_t
bm25_add(struct bm25 *ix, const char *const *text, const size_t *len)
{
	char tok[ANALYZE_TOKEN_MAX + 1];
	uint32_t doc = ix->ndocs, t;
	struct plist *pl;
	double dl = 0;
	size_t f, k, n, pos;

	if (ix->ndocs == ix->docs_cap) {
		ix->docs_cap = ix->docs_cap ? ix->docs_cap * 2 : 256;
		ix->dlen = xreallocarray(ix->dlen, ix->docs_cap,
		    sizeof(*ix->dlen));
		ix->fwd_off = xreallocarray(ix->fwd_off,
		    ix->docs_cap * ix->nfields + 1, sizeof(*ix->fwd_off));
	}
	ix->nlocal = 0;
	for (f = 0; f < ix->nfields; f++) {
		ix->fwd_off[doc * ix->nfields + f] = ix->fwd_len;
		pos = 0;
		while (pos < len[f] &&
		    (n = analyze_token(text[f], len[f], &pos, tok)) > 0) {
			if ((t = token_term(ix, tok, n)) == DROPPED)
				continue;
			add_term(ix, t, ix->weight[f]);
			dl += ix->weight[f];
		}
	}
	ix->fwd_off[(doc + 1) * ix->nfields] = ix->fwd_len;
	for (k = 0; k < ix->nlocal; k++) {
		/* A term seen only in fields of weight 0 is not indexed. */
		if (ix->local_tf[k] <= 0)
			continue;
		pl = &ix->post[ix->local_term[k]];
		if (pl->n == pl->cap) {
			pl->cap = pl->cap ? pl->cap * 2 : 4;
			pl->p = xreallocarray(pl->p, pl->cap, sizeof(*pl->p));
		}
		pl->p[pl->n].doc = doc;
		pl->p[pl->n].tf = ix->local_tf[k];
		pl->n++;
	}
	ix->dlen[doc] = (float)dl;
	ix->ndocs++;
	return doc;
}

void
bm25_finish(struct bm25 *ix, double k1, double b)
{
	double total = 0, avg;
	uint32_t d;

	ix->k1 = k1;
	ix->b = b;
	for (d = 0; d < ix->ndocs; d++)
		total += ix->dlen[d];
	avg = ix->ndocs > 0 && total > 0 ? total / ix->ndocs : 1;
	free(ix->norm);
	free(ix->acc);
	free(ix->touched);
	ix->norm = xcalloc(ix->ndocs, sizeof(*ix->norm));
	ix->acc = xcalloc(ix->ndocs, sizeof(*ix->acc));
	ix->touched = xcalloc(ix->ndocs, sizeof(*ix->touched));
	for (d = 0; d < ix->ndocs; d++)
		ix->norm[d] = k1 * (1 - b + b * ix->dlen[d] / avg);
}

size_t
bm25_ndocs(const struct bm25 *ix)
{
	return ix->ndocs;
}

size_t
bm25_nterms(const struct bm25 *ix)
{
	return ix->terms.n;
}

void
bm25_query_init(struct bm25_query *q)
{
	q->term = NULL;
	q->count = NULL;
	q->n = 0;
	q->cap = 0;
	q->seq = NULL;
	q->nseq = 0;
	q->seqcap = 0;
}

void
bm25_query_release(struct bm25_query *q)
{
	free(q->term);
	free(q->count);
	free(q->seq);
	bm25_query_init(q);
}

/* Adds term t (BM25_NO_TERM for a word no document has) to q. */
static void
query_add(struct bm25_query *q, uint32_t t)
{
	size_t i;

	if (q->nseq == q->seqcap) {
		q->seqcap = q->seqcap ? q->seqcap * 2 : 16;
		q->seq = xreallocarray(q->seq, q->seqcap, sizeof(*q->seq));
	}
	q->seq[q->nseq++] = t;
	if (t == BM25_NO_TERM)
		return;
	for (i = 0; i < q->n; i++) {
		if (q->term[i] == t) {
			q->count[i]++;
			return;
		}
	}
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->term = xreallocarray(q->term, q->cap, sizeof(*q->term));
		q->count = xreallocarray(q->count, q->cap, sizeof(*q->count));
	}
	q->term[q->n] = t;
	q->count[q->n++] = 1;
}

size_t
bm25_query_parse(const struct bm25 *ix, struct bm25_query *q,
    const char *text, size_t len)
{
	char tok[ANALYZE_TOKEN_MAX + 1];
	size_t pos = 0, n;
	uint32_t id, t;

	q->n = 0;
	q->nseq = 0;
	while (pos < len && (n = analyze_token(text, len, &pos, tok)) > 0) {
		id = dict_find(&ix->surface, tok, n);
		if (id != BM25_NO_TERM)
			t = ix->surface_term[id];
		else if ((n = analyze_term(&ix->an, tok, n)) == 0)
			t = DROPPED;
		else
			t = dict_find(&ix->terms, tok, n);
		/* A term seen only in fields of weight 0 has no postings. */
		if (t != DROPPED && t != BM25_NO_TERM && ix->post[t].n == 0)
			t = BM25_NO_TERM;
		if (t != DROPPED)
			query_add(q, t);
	}
	return q->n;
}

double
bm25_idf(const struct bm25 *ix, uint32_t term)
{
	double n = ix->post[term].n, big_n = ix->ndocs;

	return log(1 + (big_n - n + 0.5) / (n + 0.5));
}

double
bm25_norm(const struct bm25 *ix, uint32_t doc)
{
	return ix->norm[doc];
}

size_t
bm25_nfields(const struct bm25 *ix)
{
	return ix->nfields;
}

/* Is hit a worse than hit b? Lower score, or equal score and later doc. */
static int
worse(const struct bm25_hit *a, const struct bm25_hit *b)
{
	return a->score < b->score || (a->score == b->score && a->doc > b->doc);
}

/* Restores the min-heap (worst at the top) below position i. */
static void
sift_down(struct bm25_hit *h, size_t n, size_t i)
{
	struct bm25_hit tmp;
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && worse(&h[c + 1], &h[c]))
			c++;
		if (!worse(&h[c], &h[i]))
			return;
		tmp = h[i];
		h[i] = h[c];
		h[c] = tmp;
		i = c;
	}
}

static void
sift_up(struct bm25_hit *h, size_t i)
{
	struct bm25_hit tmp;
	size_t p;

	while (i > 0) {
		p = (i - 1) / 2;
		if (!worse(&h[i], &h[p]))
			return;
		tmp = h[i];
		h[i] = h[p];
		h[p] = tmp;
		i = p;
	}
}

size_t
bm25_search(struct bm25 *ix, const struct bm25_query *q,
    const unsigned char *allow, double min_score, struct bm25_hit *hits,
    size_t max, size_t *nmatch)
{
	const struct posting *p, *end;
	struct bm25_hit h, tmp;
	size_t i, ntouched = 0, nhits = 0, matched = 0;
	double idf, tf;
	uint32_t d;

	for (i = 0; i < q->n; i++) {
		idf = q->count[i] * bm25_idf(ix, q->term[i]);
		p = ix->post[q->term[i]].p;
		end = p + ix->post[q->term[i]].n;
		for (; p < end; p++) {
			d = p->doc;
			if (allow != NULL && !allow[d])
				continue;
			if (ix->acc[d] == 0)
				ix->touched[ntouched++] = d;
			tf = p->tf;
			ix->acc[d] += idf * tf / (tf + ix->norm[d]);
		}
	}
	for (i = 0; i < ntouched; i++) {
		d = ix->touched[i];
		h.doc = d;
		h.score = ix->acc[d];
		ix->acc[d] = 0;
		if (h.score < min_score)
			continue;
		matched++;
		if (max == 0)
			continue;
		if (nhits < max) {
			hits[nhits] = h;
			sift_up(hits, nhits++);
		} else if (worse(&hits[0], &h)) {
			hits[0] = h;
			sift_down(hits, nhits, 0);
		}
	}
	/* Heap sort: move the worst to the end until the heap is empty. */
	for (i = nhits; i > 1; i--) {
		tmp = hits[0];
		hits[0] = hits[i - 1];
		hits[i - 1] = tmp;
		sift_down(hits, i - 1, 0);
	}
	*nmatch = matched;
	return nhits;
}

const uint32_t *
bm25_field_terms(const struct bm25 *ix, uint32_t doc, size_t f, size_t *n)
{
	size_t start = ix->fwd_off[doc * ix->nfields + f];
	size_t end = ix->fwd_off[doc * ix->nfields + f + 1];

	*n = end - start;
	return ix->fwd + start;
}
