/* SPDX-License-Identifier: MIT */
/*
 * The passages a message may cite: the results of a record's "retrieval"
 * member (the seed's Retrieved Content Model, written by cpo-retrieve),
 * checked and read into a flat array.
 */
#ifndef CPO_PASSAGE_H
#define CPO_PASSAGE_H

#include <stddef.h>

#include "json.h"
#include "reasons.h"

struct passage {
	const char *document_id;	/* borrowed from the record */
	const char *title;
	const char *snippet;
	long long paragraph_index;
	double score;		/* reranker_score, relevance_score or 0 */
};

struct passages {
	struct passage *p;
	size_t n, cap;
	const char *query;	/* retrieval.query, or NULL */
};

/* Initializes an empty list; allocates nothing. Can't fail. */
void passages_init(struct passages *ps);

/* Frees the list's memory. */
void passages_release(struct passages *ps);

/*
 * Reads the results of rec's retrieval into ps, replacing what it held. The
 * strings stay rec's: ps is valid as long as rec is unchanged. A result
 * that repeats an earlier one's document_id and paragraph_index is left
 * out. Returns 0, or -1 after adding a reason to why for each problem: no
 * retrieval ("field 'retrieval': missing (run cpo-retrieve first)"), no
 * results ("field 'retrieval.results': empty: no approved content to
 * ground a message on"), or a member of the wrong type or value
 * (document_id, title and snippet non-empty strings, paragraph_index a
 * non-negative integer, the scores numbers or null).
 */
int passages_read(struct passages *ps, const cJSON *rec, struct reasons *why);

/* Returns the number of whitespace-separated words in every snippet. */
size_t passages_words(const struct passages *ps);

#endif
