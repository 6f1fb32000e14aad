/* SPDX-License-Identifier: MIT */
/*
 * The retriever: one BM25 index over the library's passages, searched with
 * a per-search filter, and a cache keyed by segment and query. Customers
 * of one segment mostly share a query, so a stream of a million customers
 * runs a handful of searches and the rest are cache lookups.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bm25.h"
#include "diag.h"
#include "hash.h"
#include "numparse.h"
#include "timefmt.h"
#include "retrieve.h"
#include "xalloc.h"

/* Slots in the cache's hash table: a power of two, over twice its size. */
#define CACHE_SLOTS 8192

struct cache_entry {
	char *key;		/* NULL marks an empty slot */
	size_t keylen;
	struct retrieve_result res;
	struct azsearch_result remote;	/* the strings of a remote res */
};

struct retriever {
	const struct content_library *lib;	/* NULL for a remote one */
	struct azsearch *az;			/* NULL for a local one */
	const struct querytab *qt;
	struct retrieve_params p;
	struct bm25 *ix;
	unsigned char *base;	/* passes the category and approval filters */
	unsigned char *allow;	/* this search's filter */
	struct bm25_query q;
	struct bm25_hit *hits;
	struct rerank_hit *rh;
	size_t max;		/* max(top, depth), the size of hits and rh */
	struct cache_entry *cache;
	size_t ncached;
	struct buf key, filter;
	size_t searches, cache_hits;
};

void
retrieve_defaults(struct retrieve_params *p)
{
	memset(p, 0, sizeof(*p));
	analyze_init_english(&p->analyzer);
	p->k1 = 1.2;
	p->b = 0.75;
	p->weight[RETRIEVE_TITLE] = 2;
	p->weight[RETRIEVE_KEYWORDS] = 2;
	p->weight[RETRIEVE_TEXT] = 1;
	p->rerank = 1;
	rerank_defaults(&p->rr);
	p->depth = 50;
	p->top = 5;
	p->per_document = 2;
	p->min_score = 0;
	p->categories = 0;
	p->now = 0;
}

int
retrieve_parse_weights(struct retrieve_params *p, const char *s,
    struct buf *why)
{
	static const char *const names[RETRIEVE_NFIELDS] = {
		"title", "keywords", "text"
	};
	const char *item, *eq;
	size_t n, k;
	double w;

	for (item = s;; item += n + 1) {
		n = strcspn(item, ",");
		eq = memchr(item, '=', n);
		for (k = 0; eq != NULL && k < RETRIEVE_NFIELDS; k++)
			if ((size_t)(eq - item) == strlen(names[k]) &&
			    memcmp(item, names[k], strlen(names[k])) == 0)
				break;
		if (eq == NULL || k == RETRIEVE_NFIELDS ||
		    num_parse_double(eq + 1, n - (size_t)(eq + 1 - item), &w) !=
		    NUM_OK || w < 0 || w > 100) {
			buf_puts(why, "expected FIELD=WEIGHT,... with FIELD "
			    "title, keywords or text and WEIGHT from 0 to 100, "
			    "got ");
			diag_quote(why, item, n);
			return -1;
		}
		p->weight[k] = w;
		if (item[n] == '\0')
			return 0;
	}
}

int
retrieve_parse_categories(struct retrieve_params *p, const char *s,
    struct buf *why)
{
	const char *item;
	unsigned mask = 0;
	size_t n;
	int c;

	for (item = s;; item += n + 1) {
		n = strcspn(item, ",");
		if ((c = content_category_parse(item, n)) < 0) {
			buf_puts(why, "expected Product, Promotion, Support or "
			    "General, got ");
			diag_quote(why, item, n);
			return -1;
		}
		mask |= 1u << c;
		if (item[n] == '\0')
			break;
	}
	p->categories = mask;
	return 0;
}

/* The part of retriever_new that local and remote ones share. */
static void
common_init(struct retriever *r, const struct retrieve_params *p,
    const struct querytab *qt)
{
	r->qt = qt;
	r->p = *p;
	/*
	 * The candidates: enough for the reranker, and more than top so that
	 * the per-document limit can skip some and still fill the results.
	 */
	r->max = p->top > p->depth ? p->top : p->depth;
	r->hits = xcalloc(r->max, sizeof(*r->hits));
	r->rh = xcalloc(r->max, sizeof(*r->rh));
	r->cache = xcalloc(CACHE_SLOTS, sizeof(*r->cache));
	buf_init(&r->key);
	buf_init(&r->filter);
	bm25_query_init(&r->q);
}

struct retriever *
retriever_new_remote(const struct retrieve_params *p,
    const struct querytab *qt, struct azsearch *az)
{
	struct retriever *r = xcalloc(1, sizeof(*r));

	common_init(r, p, qt);
	r->az = az;
	return r;
}

struct retriever *
retriever_new(const struct content_library *lib,
    const struct retrieve_params *p, const struct querytab *qt)
{
	struct retriever *r = xcalloc(1, sizeof(*r));
	const struct content_passage *ps;
	const struct content_doc *d;
	const char *text[RETRIEVE_NFIELDS];
	size_t len[RETRIEVE_NFIELDS], i;

	common_init(r, p, qt);
	r->lib = lib;
	r->ix = bm25_new(&p->analyzer, RETRIEVE_NFIELDS, p->weight);
	r->base = xcalloc(lib->npassages, 1);
	r->allow = xcalloc(lib->npassages, 1);
	for (i = 0; i < lib->npassages; i++) {
		ps = &lib->passages[i];
		d = &lib->docs[ps->doc];
		text[RETRIEVE_TITLE] = d->title;
		text[RETRIEVE_KEYWORDS] = d->keywords;
		text[RETRIEVE_TEXT] = ps->text;
		len[RETRIEVE_TITLE] = strlen(d->title);
		len[RETRIEVE_KEYWORDS] = strlen(d->keywords);
		len[RETRIEVE_TEXT] = strlen(ps->text);
		bm25_add(r->ix, text, len);
		r->base[i] = d->approved <= p->now && (p->categories == 0 ||
		    (p->categories & (1u << d->category)));
	}
	bm25_finish(r->ix, p->k1, p->b);
	return r;
}

static void
cache_clear(struct retriever *r)
{
	size_t i;

	for (i = 0; i < CACHE_SLOTS; i++) {
		free(r->cache[i].key);
		free(r->cache[i].res.hits);
		buf_release(&r->cache[i].res.text);
		azsearch_result_release(&r->cache[i].remote);
		memset(&r->cache[i], 0, sizeof(r->cache[i]));
	}
	r->ncached = 0;
}

void
retriever_free(struct retriever *r)
{
	if (r == NULL)
		return;
	cache_clear(r);
	free(r->cache);
	bm25_free(r->ix);
	bm25_query_release(&r->q);
	free(r->base);
	free(r->allow);
	free(r->hits);
	free(r->rh);
	buf_release(&r->key);
	buf_release(&r->filter);
	free(r);
}

static double
round4(double x)
{
	return round(x * 1e4) / 1e4;
}

/* Runs the search for query and segment into res. */
static void
search_local(struct retriever *r, const char *query, const char *segment,
    struct retrieve_result *res)
{
	const struct content_library *lib = r->lib;
	const struct content_passage *ps;
	struct retrieve_hit *h;
	size_t i, j, n, doc, same;

	for (i = 0; i < lib->npassages; i++)
		r->allow[i] = r->base[i] && (segment == NULL ||
		    querytab_allows(r->qt, segment,
		    lib->docs[lib->passages[i].doc].audience));
	bm25_query_parse(r->ix, &r->q, query, strlen(query));
	n = bm25_search(r->ix, &r->q, r->allow, r->p.min_score, r->hits,
	    r->max, &res->total);
	for (i = 0; i < n; i++) {
		r->rh[i].doc = r->hits[i].doc;
		r->rh[i].bm25 = r->hits[i].score;
		r->rh[i].score = r->hits[i].score;
	}
	if (r->p.rerank)
		rerank_hits(&r->p.rr, r->ix, &r->q, r->rh, n);
	res->hits = xcalloc(r->p.top, sizeof(*res->hits));
	res->n = 0;
	for (i = 0; i < n && res->n < r->p.top; i++) {
		ps = &lib->passages[r->rh[i].doc];
		doc = ps->doc;
		for (same = 0, j = 0; j < res->n; j++)
			same += strcmp(res->hits[j].document_id,
			    lib->docs[doc].id) == 0;
		if (r->p.per_document > 0 && same >= r->p.per_document)
			continue;
		h = &res->hits[res->n++];
		h->document_id = lib->docs[doc].id;
		h->title = lib->docs[doc].title;
		h->snippet = ps->text;
		h->paragraph = ps->paragraph;
		h->relevance = round4(r->rh[i].bm25);
		h->reranked = r->p.rerank ? round4(r->rh[i].score) : NAN;
	}
}

/*
 * The filters as OData for the remote index: the audiences the segment may
 * see, the categories asked for, and approval no later than now.
 */
static void
remote_filter(struct retriever *r, const char *segment)
{
	const char *const *aud;
	char stamp[TIMEFMT_ISO_SIZE];
	int c, first = 1;

	buf_reset(&r->filter);
	if (segment != NULL) {
		buf_puts(&r->filter, "(audience eq 'All' or audience eq ");
		azsearch_odata_string(&r->filter, segment);
		for (aud = querytab_audience_list(r->qt, segment); *aud != NULL;
		    aud++) {
			if (strcmp(*aud, segment) == 0)
				continue;
			buf_puts(&r->filter, " or audience eq ");
			azsearch_odata_string(&r->filter, *aud);
		}
		buf_puts(&r->filter, ") and ");
	}
	if (r->p.categories != 0) {
		buf_putc(&r->filter, '(');
		for (c = 0; c < CONTENT_NCATEGORIES; c++) {
			if (!(r->p.categories & (1u << c)))
				continue;
			buf_puts(&r->filter, first ? "category eq " :
			    " or category eq ");
			azsearch_odata_string(&r->filter,
			    content_category_name((enum content_category)c));
			first = 0;
		}
		buf_puts(&r->filter, ") and ");
	}
	timefmt_iso(r->p.now, stamp);
	buf_printf(&r->filter, "approval_date le %s", stamp);
}

static int
search_remote(struct retriever *r, const char *query, const char *segment,
    struct retrieve_result *res, struct azsearch_result *remote,
    struct buf *why)
{
	const struct azsearch_hit *a;
	struct retrieve_hit *h;
	size_t i, j, same;
	int st;

	remote_filter(r, segment);
	st = azsearch_search(r->az, query, r->filter.data, r->max, remote,
	    why);
	if (st != AZSEARCH_OK)
		return st;
	res->hits = xcalloc(r->p.top, sizeof(*res->hits));
	res->n = 0;
	res->total = remote->total;
	for (i = 0; i < remote->n && res->n < r->p.top; i++) {
		a = &remote->hits[i];
		if (a->score < r->p.min_score)
			continue;
		for (same = 0, j = 0; j < res->n; j++)
			same += strcmp(res->hits[j].document_id,
			    a->document_id) == 0;
		if (r->p.per_document > 0 && same >= r->p.per_document)
			continue;
		h = &res->hits[res->n++];
		h->document_id = a->document_id;
		h->title = a->title;
		h->snippet = a->snippet;
		h->paragraph = a->paragraph;
		h->relevance = round4(a->score);
		h->reranked = isnan(a->reranker) ? NAN : round4(a->reranker);
	}
	return 0;
}

int
retriever_search(struct retriever *r, const char *query,
    const char *segment, struct retrieve_result **res, struct buf *why)
{
	struct retrieve_result fresh;
	struct azsearch_result remote;
	struct cache_entry *e;
	size_t i;
	int st;

	/* The key: 'S' and the segment, or 'N' for none; NUL; the query. */
	buf_reset(&r->key);
	buf_putc(&r->key, segment != NULL ? 'S' : 'N');
	if (segment != NULL)
		buf_puts(&r->key, segment);
	buf_putc(&r->key, '\0');
	buf_puts(&r->key, query);
	i = (size_t)hash_fnv1a64(r->key.data, r->key.len);
	for (;; i++) {
		e = &r->cache[i & (CACHE_SLOTS - 1)];
		if (e->key == NULL)
			break;
		if (e->keylen == r->key.len &&
		    memcmp(e->key, r->key.data, e->keylen) == 0) {
			r->cache_hits++;
			*res = &e->res;
			return 0;
		}
	}
	if (r->ncached == RETRIEVE_CACHE_MAX) {
		cache_clear(r);
		return retriever_search(r, query, segment, res, why);
	}
	memset(&fresh, 0, sizeof(fresh));
	memset(&remote, 0, sizeof(remote));
	r->searches++;
	if (r->az == NULL)
		search_local(r, query, segment, &fresh);
	else if ((st = search_remote(r, query, segment, &fresh, &remote,
	    why)) != 0)
		return st;
	/* Only answers are cached: a failed search is tried again. */
	e->key = xmalloc(r->key.len);
	memcpy(e->key, r->key.data, r->key.len);
	e->keylen = r->key.len;
	e->res = fresh;
	e->remote = remote;
	r->ncached++;
	*res = &e->res;
	return 0;
}

size_t
retriever_searches(const struct retriever *r)
{
	return r->searches;
}

size_t
retriever_cache_hits(const struct retriever *r)
{
	return r->cache_hits;
}

cJSON *
retrieve_result_json(const struct retrieve_result *res, const char *query,
    const char *segment, const char *retrieved_at)
{
	const struct retrieve_hit *h;
	cJSON *out, *results, *o;
	size_t i;

	out = json_new_object();
	json_set(out, "query", json_new_string(query));
	json_set(out, "segment", segment != NULL ? json_new_string(segment) :
	    json_new_null());
	results = json_new_array();
	for (i = 0; i < res->n; i++) {
		h = &res->hits[i];
		o = json_new_object();
		json_set(o, "document_id", json_new_string(h->document_id));
		json_set(o, "title", json_new_string(h->title));
		json_set(o, "snippet", json_new_string(h->snippet));
		json_set(o, "relevance_score", json_new_number(h->relevance));
		json_set(o, "reranker_score", isnan(h->reranked) ?
		    json_new_null() : json_new_number(h->reranked));
		json_set(o, "paragraph_index",
		    json_new_number((double)h->paragraph));
		json_set(o, "retrieved_at", json_new_string(retrieved_at));
		json_append(results, o);
	}
	json_set(out, "results", results);
	json_set(out, "total_results", json_new_number((double)res->total));
	return out;
}

void
retrieve_add_to(struct buf *out, cJSON *rec, struct retrieve_result *res,
    const char *query, const char *segment, const char *retrieved_at)
{
	cJSON *obj;

	if (res->text.len == 0) {
		obj = retrieve_result_json(res, query, segment, retrieved_at);
		json_write(&res->text, obj);
		json_free(obj);
	}
	if (json_get(rec, "retrieval") != NULL || !cJSON_IsObject(rec)) {
		json_set(rec, "retrieval", retrieve_result_json(res, query,
		    segment, retrieved_at));
		json_write(out, rec);
		return;
	}
	/*
	 * Write the record and splice the member in before its closing
	 * brace: the same bytes as json_set and json_write, without copying
	 * several kilobytes of snippets into cJSON and escaping them again
	 * for every customer.
	 */
	json_write(out, rec);
	out->len--;
	if (rec->child != NULL)
		buf_putc(out, ',');
	buf_puts(out, "\"retrieval\":");
	buf_add(out, res->text.data, res->text.len);
	buf_putc(out, '}');
}
