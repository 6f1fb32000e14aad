/* SPDX-License-Identifier: MIT */
/*
 * What cpo-retrieve searches for, for a customer: the query table, which
 * builds a query from the customer's segment and features, and the
 * audience map, which says what content audiences a segment may be shown.
 * Both are data (data/retrieve/queries.json and audiences.json, compiled
 * in, or files given by the user).
 *
 * The query table is a JSON object:
 *
 *   { "segments": { "SEGMENT": "TERMS", ... },
 *     "default": "TERMS",
 *     "features": [ { "feature": "NAME", "op": "OP", "value": NUMBER,
 *                     "terms": "TERMS" }, ... ] }
 *
 * A customer's query is the terms of its segment (for a segment not in the
 * table: the segment's name and the default terms), then the terms of each
 * feature rule that holds for the customer's features, in table order, with
 * every word after its first occurrence left out (compared ignoring case).
 * OP is one of < <= > >= == !=. "features" may be left out.
 *
 * The audience map is a JSON object { "SEGMENT": ["AUDIENCE", ...], ... }.
 * A segment may be shown documents whose audience is "All", its own name,
 * or one listed for it.
 */
#ifndef CPO_QUERYTAB_H
#define CPO_QUERYTAB_H

#include <stddef.h>

#include "buf.h"
#include "json.h"

struct querytab;

/* Returns a new table with no segments, rules or audiences. */
struct querytab *querytab_new(void);

/* Frees t; NULL is fine. */
void querytab_free(struct querytab *t);

/*
 * Replaces the query table with the one in text (len bytes). Returns 0; or
 * -1, leaving t unchanged, after appending the problem ("field 'x': ...")
 * to why.
 */
int querytab_load_queries(struct querytab *t, const char *text, size_t len,
    struct buf *why);

/* The same for the audience map. */
int querytab_load_audiences(struct querytab *t, const char *text, size_t len,
    struct buf *why);

/*
 * Appends to query the query for a customer of segment whose features
 * object is features (NULL when the record has none). Returns 0; or -1
 * after appending the problem to why, when a feature rule needs a feature
 * that is missing or not a number.
 */
int querytab_build(const struct querytab *t, const char *segment,
    const cJSON *features, struct buf *query, struct buf *why);

/* Returns 1 if segment may be shown documents for audience, else 0. */
int querytab_allows(const struct querytab *t, const char *segment,
    const char *audience);

/*
 * Returns the audiences the map lists for segment, as a NULL-terminated
 * array (empty when it lists none), valid until the map is replaced.
 * "All" and the segment's own name, allowed too, are not in it.
 */
const char *const *querytab_audience_list(const struct querytab *t,
    const char *segment);

#endif
