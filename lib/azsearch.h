/* SPDX-License-Identifier: MIT */
/*
 * The Azure AI Search backend of cpo-retrieve: one query sent to the
 * Search Documents REST API,
 *
 *   POST {endpoint}/indexes/{index}/docs/search?api-version={version}
 *   api-key: {key}
 *   {"search": QUERY, "top": N, "count": true, "filter": FILTER,
 *    "select": "document_id,title,snippet,paragraph_index",
 *    "queryType": "semantic", "semanticConfiguration": NAME}
 *
 * (the last two only when a semantic configuration is named), against an
 * index of passages with the fields document_id, title, snippet and
 * paragraph_index, and audience, category and approval_date for the
 * filter. @search.score becomes relevance_score and @search.rerankerScore,
 * when there is one, reranker_score.
 */
#ifndef CPO_AZSEARCH_H
#define CPO_AZSEARCH_H

#include <stddef.h>

#include "buf.h"
#include "http.h"

struct azsearch_config {
	const char *endpoint;	/* https://NAME.search.windows.net */
	const char *index;
	const char *key;	/* borrowed; sent in a header, never shown */
	const char *api_version;
	const char *semantic;	/* semantic configuration, or NULL */
};

struct azsearch_hit {
	char *document_id, *title, *snippet;
	size_t paragraph;
	double score;
	double reranker;	/* NAN when the answer has none */
};

struct azsearch_result {
	struct azsearch_hit *hits;
	size_t n;
	size_t total;		/* @odata.count, else n */
};

enum azsearch_status {
	AZSEARCH_OK = 0,
	AZSEARCH_FAILED = -1,	/* this search failed; others may not */
	AZSEARCH_FATAL = -2	/* every search would fail (401, 403, 404,
				 * 400): stop */
};

struct azsearch;

/*
 * Returns a client for c (copied, strings borrowed) with HTTP options o,
 * or NULL when the HTTP client cannot be set up.
 */
struct azsearch *azsearch_new(const struct azsearch_config *c,
    const struct http_options *o);

/* Frees a; NULL is fine. */
void azsearch_free(struct azsearch *a);

/*
 * Searches for query, with the OData filter (NULL for none), for the top
 * best passages. Fills res (the caller frees it with
 * azsearch_result_release) and returns AZSEARCH_OK; or returns
 * AZSEARCH_FAILED or AZSEARCH_FATAL after appending the reason to why.
 */
enum azsearch_status azsearch_search(struct azsearch *a, const char *query,
    const char *filter, size_t top, struct azsearch_result *res,
    struct buf *why);

/* Frees the hits of res. */
void azsearch_result_release(struct azsearch_result *res);

/*
 * Parses a Search Documents answer (len bytes of text) into res. Returns
 * 0, or -1 after appending what is wrong to why. Exposed for tests.
 */
int azsearch_parse(const char *text, size_t len, struct azsearch_result *res,
    struct buf *why);

/* Appends s as an OData string literal ('...' with ' doubled) to b. */
void azsearch_odata_string(struct buf *b, const char *s);

#endif
