/* SPDX-License-Identifier: MIT */
/*
 * The second stage of retrieval: rescoring BM25's best candidates with what
 * BM25 cannot see, where the query's words sit in the document. For query
 * Q and document d with BM25 score s,
 *
 *   score = (s + lambda P) * C^gamma
 *
 * P, proximity, rewards query word pairs that stand side by side in d. For
 * each pair (a, b) of consecutive query terms (a != b, both indexed; stop
 * words are gone by then, so "heat of transfer" counts for "heat
 * transfer"), let n be the number of places where a and b are adjacent in
 * one field of d, in either order. Then
 *
 *   P = sum over pairs of  (idf(a) + idf(b))/2 * n / (n + K)
 *
 * with K the document's BM25 length norm k1 (1 - b + b dl/avgdl), so a
 * pair saturates and counts less in long documents as a term does in BM25.
 * This is the ordered-and-unordered window feature of Metzler and Croft's
 * sequential dependence model ("A Markov random field model for term
 * dependencies", SIGIR 2005) with a window of two, in BM25's form.
 *
 * C, coverage, is the idf-weighted share of the query found in d:
 *
 *   C = sum over distinct t in Q and in d of qtf(t) idf(t)
 *       / sum over distinct t in Q of qtf(t) idf(t)
 *
 * Defaults lambda 0.5 and gamma 0.1: on the Cranfield collection a stronger
 * coverage factor lowers both nDCG@10 and MAP, while a bigger lambda gains
 * no more (bench/ reports the figures).
 */
#ifndef CPO_RERANK_H
#define CPO_RERANK_H

#include <stddef.h>
#include <stdint.h>

#include "bm25.h"

struct rerank_params {
	double proximity;	/* lambda */
	double coverage;	/* gamma */
};

/* A rescored document: its BM25 score and the reranker's. */
struct rerank_hit {
	uint32_t doc;
	double bm25;
	double score;
};

/* Sets p to the defaults above. Can't fail. */
void rerank_defaults(struct rerank_params *p);

/*
 * Returns the reranker's score for document doc of ix, whose BM25 score for
 * q is bm25. q must come from bm25_query_parse on ix.
 */
double rerank_score(const struct rerank_params *p, const struct bm25 *ix,
    const struct bm25_query *q, uint32_t doc, double bm25);

/*
 * Fills h[i].score for the n hits (doc and bm25 set by the caller) and
 * sorts them best first: by score, then by BM25 score, then by document
 * number. Can't fail.
 */
void rerank_hits(const struct rerank_params *p, const struct bm25 *ix,
    const struct bm25_query *q, struct rerank_hit *h, size_t n);

#endif
