/* SPDX-License-Identifier: MIT */
/*
 * Searching the content library for cpo-retrieve: the passages of a
 * library indexed with BM25 over title, keywords and passage text, the
 * filters (audience, category, approval date), the reranker, a cache of
 * results per distinct query, and the seed's Retrieval Result object.
 *
 * One search: the passages that pass the filters and contain a query term
 * are scored by BM25 (relevance_score); those scoring at least min_score
 * are counted (total_results); the best max(top, depth) of them are the
 * candidates, rescored by the reranker (reranker_score; without it they
 * keep BM25's order), and the first top candidates, taking at most
 * per_document passages of one document, are the results. Scores are
 * rounded to 4 decimal places, so that the output does not depend on the
 * last bits of a C library's log().
 */
#ifndef CPO_RETRIEVE_H
#define CPO_RETRIEVE_H

#include <stddef.h>
#include <time.h>

#include "analyze.h"
#include "azsearch.h"
#include "content.h"
#include "json.h"
#include "querytab.h"
#include "rerank.h"

enum { RETRIEVE_TITLE, RETRIEVE_KEYWORDS, RETRIEVE_TEXT, RETRIEVE_NFIELDS };

/* Entries the cache holds; when it is full it is emptied and starts over. */
#define RETRIEVE_CACHE_MAX 4096

struct retrieve_params {
	struct analyzer analyzer;
	double k1, b;
	double weight[RETRIEVE_NFIELDS];
	int rerank;			/* run the second stage */
	struct rerank_params rr;
	size_t depth;			/* candidates (reranked) */
	size_t top;			/* results kept */
	size_t per_document;		/* passages of one document; 0: any */
	double min_score;		/* least relevance_score counted */
	unsigned categories;		/* bit 1 << category; 0 means all */
	time_t now;			/* later approval dates are left out */
};

/* One result: a passage and its scores. */
struct retrieve_hit {
	const char *document_id, *title, *snippet;
	size_t paragraph;
	double relevance;
	double reranked;	/* NAN without a reranker score */
};

struct retrieve_result {
	struct retrieve_hit *hits;
	size_t n;
	size_t total;		/* total_results */
	struct buf text;	/* its JSON, once retrieve_add_to wrote it */
};

struct retriever;

/*
 * Sets p to the defaults: English analyzer, k1 1.2, b 0.75, weights title
 * 2, keywords 2, text 1, reranking on over 50 candidates, top 5, 2 per
 * document, min_score 0, every category, now 0 (the caller sets it).
 */
void retrieve_defaults(struct retrieve_params *p);

/*
 * Parses "title=W,keywords=W,text=W" (any of the three, in any order, each
 * W a number from 0 to 100) into p->weight. Returns 0, or -1 after
 * appending the problem to why.
 */
int retrieve_parse_weights(struct retrieve_params *p, const char *s,
    struct buf *why);

/*
 * Parses a comma-separated list of category names into p->categories.
 * Returns 0, or -1 after appending the problem to why.
 */
int retrieve_parse_categories(struct retrieve_params *p, const char *s,
    struct buf *why);

/*
 * Indexes the passages of lib (which must outlive the retriever) for
 * searches with parameters p, copied, and audiences from qt (borrowed; may
 * be NULL when every search is without a segment). Free it with
 * retriever_free.
 */
struct retriever *retriever_new(const struct content_library *lib,
    const struct retrieve_params *p, const struct querytab *qt);

/*
 * Returns a retriever that sends its searches to Azure AI Search through
 * az (borrowed), with the filters as an OData filter on the index's
 * audience, category and approval_date fields. The BM25 and reranker
 * parameters are the service's business; top, per_document and min_score
 * (on @search.score) apply, and total_results is the service's count.
 */
struct retriever *retriever_new_remote(const struct retrieve_params *p,
    const struct querytab *qt, struct azsearch *az);

/* Frees r; NULL is fine. */
void retriever_free(struct retriever *r);

/*
 * Searches for query as shown to segment (NULL: no audience filter) and
 * points *res at the result, which stays owned by r and valid until the
 * next call. A query and segment searched before are answered from the
 * cache. Returns 0; or, for a remote search that failed, AZSEARCH_FAILED
 * (this search; it is not cached) or AZSEARCH_FATAL (every search would
 * fail) after appending the reason to why.
 */
int retriever_search(struct retriever *r, const char *query,
    const char *segment, struct retrieve_result **res, struct buf *why);

/* Returns the number of searches run and of answers from the cache. */
size_t retriever_searches(const struct retriever *r);
size_t retriever_cache_hits(const struct retriever *r);

/*
 * Returns a new Retrieval Result object {query, segment, results[],
 * total_results} for res (segment NULL gives null; reranker_score is null
 * when there is none), stamped retrieved_at. The caller owns it.
 */
cJSON *retrieve_result_json(const struct retrieve_result *res,
    const char *query, const char *segment, const char *retrieved_at);

/*
 * Appends to out the record rec with "retrieval" set to the object that
 * retrieve_result_json gives: replaced in place if rec has one, else added
 * last. The object's text is made once and kept in res->text, so the
 * customers who share a cached result share its text too; query, segment
 * and retrieved_at must therefore be the same on every call for one res,
 * as they are for a cached result. rec is not changed unless it already
 * had a "retrieval".
 */
void retrieve_add_to(struct buf *out, cJSON *rec, struct retrieve_result *res,
    const char *query, const char *segment, const char *retrieved_at);

#endif
