/* SPDX-License-Identifier: MIT */
/*
 * An in-memory inverted index with BM25 ranking over documents made of a
 * few weighted fields (for cpo-retrieve: title, keywords and passage text).
 *
 * Fields are combined as in BM25F with one shared b (Robertson, Zaragoza
 * and Taylor, "Simple BM25 extension to multiple weighted fields", CIKM
 * 2004): a term's frequency in a document is the weighted sum of its
 * frequencies in the fields, and the document's length the weighted sum of
 * the field lengths. With every weight 1 this is BM25 over the fields run
 * together. A document's score for query Q is
 *
 *   sum over t in Q of  qtf(t) idf(t) tf / (tf + k1 (1 - b + b dl/avgdl))
 *
 * where qtf(t) is the number of times t occurs in the query (a repeated word
 * counts again, as in Lucene's boolean query and most BM25 implementations),
 * with Lucene's idf(t) = ln(1 + (N - n + 0.5) / (n + 0.5)) for N documents,
 * n of which contain t. Like Lucene's BM25Similarity (since 8.0) it leaves
 * out BM25's constant factor k1 + 1, which changes no ranking.
 *
 * Usage: bm25_new; bm25_add each document; bm25_finish; then bm25_query and
 * bm25_search as often as needed. The index also keeps every document's
 * terms in order (a forward index), for a reranker that looks at positions.
 */
#ifndef CPO_BM25_H
#define CPO_BM25_H

#include <stddef.h>
#include <stdint.h>

#include "analyze.h"

#define BM25_FIELDS_MAX 4

struct bm25;

/* One search result: a document and its score. */
struct bm25_hit {
	uint32_t doc;
	double score;
};

/* Marks a query word that no document contains, in bm25_query.seq. */
#define BM25_NO_TERM UINT32_MAX

/*
 * An analyzed query: its distinct indexed terms in the order first seen and
 * how often each occurs in the query; and the query's terms in order, with
 * BM25_NO_TERM for words not in the index (for rerankers that look at word
 * pairs).
 */
struct bm25_query {
	uint32_t *term;
	uint32_t *count;
	size_t n, cap;
	uint32_t *seq;
	size_t nseq, seqcap;
};

/*
 * Returns a new, empty index whose documents have nfields fields (1 to
 * BM25_FIELDS_MAX) with the given weights (each >= 0), analyzed by a. The
 * index copies both. Free it with bm25_free.
 */
struct bm25 *bm25_new(const struct analyzer *a, size_t nfields,
    const double *weights);

/* Frees the index and everything in it; NULL is fine. */
void bm25_free(struct bm25 *ix);

/*
 * Adds a document whose field f is text[f] (len[f] bytes; text[f] may be
 * NULL when len[f] is 0). Returns the document's number: 0 for the first
 * document added, then 1, 2 and so on. Call only before bm25_finish.
 */
uint32_t bm25_add(struct bm25 *ix, const char *const *text, const size_t *len);

/*
 * Fixes the parameters k1 (> 0) and b (0 to 1) and readies the index for
 * searching. May be called again to change them.
 */
void bm25_finish(struct bm25 *ix, double k1, double b);

/* Returns the number of documents added. */
size_t bm25_ndocs(const struct bm25 *ix);

/* Returns the number of distinct terms indexed. */
size_t bm25_nterms(const struct bm25 *ix);

/* Initializes an empty query; allocates nothing. */
void bm25_query_init(struct bm25_query *q);

/* Frees the query's memory. */
void bm25_query_release(struct bm25_query *q);

/*
 * Analyzes text (len bytes) as the documents were and sets q to its terms
 * that occur in the index; terms no document contains cannot change a
 * ranking and are left out. Returns q->n, the number of distinct terms.
 */
size_t bm25_query_parse(const struct bm25 *ix, struct bm25_query *q,
    const char *text, size_t len);

/*
 * Scores the documents that contain at least one term of q and that allow
 * permits (allow[doc] nonzero; NULL permits all), keeps those scoring at
 * least min_score, and writes the best max of them to hits, best first
 * (ties go to the lower document number). Stores the number kept before the
 * cut to max in *nmatch. Returns the number of hits written. The index
 * holds the scratch space, so searches on one index must not overlap.
 */
size_t bm25_search(struct bm25 *ix, const struct bm25_query *q,
    const unsigned char *allow, double min_score, struct bm25_hit *hits,
    size_t max, size_t *nmatch);

/* Returns Lucene's idf of term (see above). */
double bm25_idf(const struct bm25 *ix, uint32_t term);

/* Returns document doc's k1 (1 - b + b dl/avgdl), after bm25_finish. */
double bm25_norm(const struct bm25 *ix, uint32_t doc);

/* Returns the number of fields a document has. */
size_t bm25_nfields(const struct bm25 *ix);

/*
 * Returns the terms of field f of document doc in text order, as term
 * numbers (those of bm25_query), and stores their count in *n. Words the
 * analyzer dropped (stop words) are not there. Valid until the index is
 * freed.
 */
const uint32_t *bm25_field_terms(const struct bm25 *ix, uint32_t doc,
    size_t f, size_t *n);

#endif
