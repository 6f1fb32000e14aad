/* SPDX-License-Identifier: MIT */
/*
 * Proximity and coverage reranking (formula in rerank.h). Both features
 * come from the index's forward lists, so a candidate costs one pass over
 * its terms per feature, with no text analysis at query time.
 */
#include <math.h>
#include <stdlib.h>

#include "rerank.h"

void
rerank_defaults(struct rerank_params *p)
{
	p->proximity = 0.5;
	p->coverage = 0.1;
}

/* Counts the places where a and b stand side by side in one field of doc. */
static double
adjacent(const struct bm25 *ix, uint32_t doc, uint32_t a, uint32_t b)
{
	const uint32_t *t;
	size_t f, i, n;
	double count = 0;

	for (f = 0; f < bm25_nfields(ix); f++) {
		t = bm25_field_terms(ix, doc, f, &n);
		for (i = 0; i + 1 < n; i++)
			if ((t[i] == a && t[i + 1] == b) ||
			    (t[i] == b && t[i + 1] == a))
				count++;
	}
	return count;
}

static double
proximity(const struct bm25 *ix, const struct bm25_query *q, uint32_t doc)
{
	double sum = 0, n, norm = bm25_norm(ix, doc);
	uint32_t a, b;
	size_t i;

	for (i = 0; i + 1 < q->nseq; i++) {
		a = q->seq[i];
		b = q->seq[i + 1];
		if (a == BM25_NO_TERM || b == BM25_NO_TERM || a == b)
			continue;
		if ((n = adjacent(ix, doc, a, b)) > 0)
			sum += (bm25_idf(ix, a) + bm25_idf(ix, b)) / 2 *
			    n / (n + norm);
	}
	return sum;
}

static int
contains(const struct bm25 *ix, uint32_t doc, uint32_t term)
{
	const uint32_t *t;
	size_t f, i, n;

	for (f = 0; f < bm25_nfields(ix); f++) {
		t = bm25_field_terms(ix, doc, f, &n);
		for (i = 0; i < n; i++)
			if (t[i] == term)
				return 1;
	}
	return 0;
}

static double
coverage(const struct bm25 *ix, const struct bm25_query *q, uint32_t doc)
{
	double found = 0, total = 0, w;
	size_t i;

	for (i = 0; i < q->n; i++) {
		w = q->count[i] * bm25_idf(ix, q->term[i]);
		total += w;
		if (contains(ix, doc, q->term[i]))
			found += w;
	}
	return total > 0 ? found / total : 0;
}

double
rerank_score(const struct rerank_params *p, const struct bm25 *ix,
    const struct bm25_query *q, uint32_t doc, double bm25)
{
	double s = bm25;

	if (p->proximity != 0)
		s += p->proximity * proximity(ix, q, doc);
	if (p->coverage != 0)
		s *= pow(coverage(ix, q, doc), p->coverage);
	return s;
}

static int
better_first(const void *x, const void *y)
{
	const struct rerank_hit *a = x, *b = y;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->bm25 != b->bm25)
		return a->bm25 > b->bm25 ? -1 : 1;
	return a->doc < b->doc ? -1 : a->doc > b->doc;
}

void
rerank_hits(const struct rerank_params *p, const struct bm25 *ix,
    const struct bm25_query *q, struct rerank_hit *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h[i].score = rerank_score(p, ix, q, h[i].doc, h[i].bm25);
	qsort(h, n, sizeof(*h), better_first);
}
