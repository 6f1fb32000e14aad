/* SPDX-License-Identifier: MIT */
/*
 * Reading a record's retrieval. Only the members a message needs are
 * checked; retrieved_at and total_results are cpo-retrieve's business.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"
#include "passage.h"
#include "sentence.h"
#include "xalloc.h"

void
passages_init(struct passages *ps)
{
	ps->p = NULL;
	ps->n = ps->cap = 0;
	ps->query = NULL;
}

void
passages_release(struct passages *ps)
{
	free(ps->p);
	passages_init(ps);
}

/* A member that must be a non-empty string; NULL after adding a reason. */
static const char *
text(const cJSON *r, size_t i, const char *key, struct reasons *why)
{
	const cJSON *m = json_get(r, key);

	if (cJSON_IsString(m) && m->valuestring[0] != '\0')
		return m->valuestring;
	reasons_add(why, "field 'retrieval.results[%zu].%s': expected a "
	    "non-empty string, got %s", i, key, cJSON_IsString(m) ? "\"\"" :
	    json_type_name(m));
	return NULL;
}

/* A score: a finite number, or null or missing (NAN). -1 if neither. */
static int
score(const cJSON *r, size_t i, const char *key, double *out,
    struct reasons *why)
{
	const cJSON *m = json_get(r, key);

	*out = NAN;
	if (m == NULL || cJSON_IsNull(m))
		return 0;
	if (cJSON_IsNumber(m) && isfinite(m->valuedouble)) {
		*out = m->valuedouble;
		return 0;
	}
	reasons_add(why, "field 'retrieval.results[%zu].%s': expected a "
	    "number, got %s", i, key, json_type_name(m));
	return -1;
}

static int
read_result(struct passage *p, const cJSON *r, size_t i, struct reasons *why)
{
	const cJSON *para = json_get(r, "paragraph_index");
	struct buf shown;
	double rel, rr;
	int bad = 0;

	if (!cJSON_IsObject(r)) {
		reasons_add(why, "field 'retrieval.results[%zu]': expected an "
		    "object, got %s", i, json_type_name(r));
		return -1;
	}
	bad |= (p->document_id = text(r, i, "document_id", why)) == NULL;
	bad |= (p->title = text(r, i, "title", why)) == NULL;
	bad |= (p->snippet = text(r, i, "snippet", why)) == NULL;
	if (!cJSON_IsNumber(para) || para->valuedouble < 0 ||
	    para->valuedouble > 1e9 ||
	    para->valuedouble != floor(para->valuedouble)) {
		buf_init(&shown);
		if (cJSON_IsNumber(para))
			jsonfile_show(&shown, para);
		reasons_add(why, "field 'retrieval.results[%zu]."
		    "paragraph_index': expected a non-negative integer, got %s",
		    i, cJSON_IsNumber(para) ? shown.data :
		    json_type_name(para));
		buf_release(&shown);
		bad = 1;
	} else
		p->paragraph_index = (long long)para->valuedouble;
	bad |= score(r, i, "relevance_score", &rel, why) < 0;
	bad |= score(r, i, "reranker_score", &rr, why) < 0;
	p->score = !isnan(rr) ? rr : !isnan(rel) ? rel : 0;
	return bad ? -1 : 0;
}

static int
is_repeat(const struct passages *ps, const struct passage *p)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (ps->p[i].paragraph_index == p->paragraph_index &&
		    strcmp(ps->p[i].document_id, p->document_id) == 0)
			return 1;
	return 0;
}

int
passages_read(struct passages *ps, const cJSON *rec, struct reasons *why)
{
	const cJSON *ret = json_get(rec, "retrieval"), *res, *q, *r;
	struct passage p;
	size_t i = 0;
	int bad = 0;

	ps->n = 0;
	ps->query = NULL;
	if (ret == NULL || cJSON_IsNull(ret)) {
		reasons_add(why, "field 'retrieval': missing (run cpo-retrieve "
		    "first)");
		return -1;
	}
	if (!cJSON_IsObject(ret)) {
		reasons_add(why, "field 'retrieval': expected an object, "
		    "got %s", json_type_name(ret));
		return -1;
	}
	if ((q = json_get(ret, "query")) != NULL && cJSON_IsString(q))
		ps->query = q->valuestring;
	res = json_get(ret, "results");
	if (!cJSON_IsArray(res)) {
		reasons_add(why, "field 'retrieval.results': expected an "
		    "array, got %s", json_type_name(res));
		return -1;
	}
	if (res->child == NULL) {
		reasons_add(why, "field 'retrieval.results': empty: no "
		    "approved content to ground a message on");
		return -1;
	}
	for (r = res->child; r != NULL; r = r->next, i++) {
		if (read_result(&p, r, i, why) < 0) {
			bad = 1;
			continue;
		}
		if (is_repeat(ps, &p))
			continue;
		if (ps->n == ps->cap) {
			ps->cap = ps->cap ? 2 * ps->cap : 8;
			ps->p = xreallocarray(ps->p, ps->cap, sizeof(ps->p[0]));
		}
		ps->p[ps->n++] = p;
	}
	return bad ? -1 : 0;
}

size_t
passages_words(const struct passages *ps)
{
	size_t i, n = 0;

	for (i = 0; i < ps->n; i++)
		n += sentence_words(ps->p[i].snippet, strlen(ps->p[i].snippet));
	return n;
}
