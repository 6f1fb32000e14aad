/* SPDX-License-Identifier: MIT */
/*
 * Azure AI Search client (request and answer formats in azsearch.h). The
 * answer is checked field by field: a malformed answer is an error for the
 * search, never an empty result.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "azsearch.h"
#include "json.h"
#include "jsonfile.h"
#include "xalloc.h"

struct azsearch {
	struct azsearch_config c;
	struct http_client *http;
	struct buf url, key, body;
};

struct azsearch *
azsearch_new(const struct azsearch_config *c, const struct http_options *o)
{
	struct azsearch *a = xcalloc(1, sizeof(*a));
	size_t n = strlen(c->endpoint);

	a->c = *c;
	if ((a->http = http_new(o)) == NULL) {
		free(a);
		return NULL;
	}
	buf_init(&a->url);
	buf_init(&a->key);
	buf_init(&a->body);
	while (n > 0 && c->endpoint[n - 1] == '/')
		n--;
	buf_add(&a->url, c->endpoint, n);
	buf_printf(&a->url, "/indexes/%s/docs/search?api-version=%s", c->index,
	    c->api_version);
	buf_printf(&a->key, "api-key: %s", c->key);
	return a;
}

void
azsearch_free(struct azsearch *a)
{
	if (a == NULL)
		return;
	http_free(a->http);
	buf_release(&a->url);
	/* The key should not linger in freed memory. */
	if (a->key.data != NULL)
		memset(a->key.data, 0, a->key.len);
	buf_release(&a->key);
	buf_release(&a->body);
	free(a);
}

void
azsearch_result_release(struct azsearch_result *res)
{
	size_t i;

	for (i = 0; i < res->n; i++) {
		free(res->hits[i].document_id);
		free(res->hits[i].title);
		free(res->hits[i].snippet);
	}
	free(res->hits);
	res->hits = NULL;
	res->n = 0;
}

void
azsearch_odata_string(struct buf *b, const char *s)
{
	buf_putc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_putc(b, '\'');
		buf_putc(b, *s);
	}
	buf_putc(b, '\'');
}

/* Appends "malformed answer: value[i].key: expected what, got TYPE". */
static int
expected(struct buf *why, size_t i, const char *key, const char *what,
    const cJSON *v)
{
	buf_printf(why, "malformed answer: value[%zu].%s: expected %s, got %s",
	    i, key, what, json_type_name(v));
	return -1;
}

/* Checks one element of "value" and copies it into h. */
static int
parse_hit(const cJSON *v, size_t i, struct azsearch_hit *h, struct buf *why)
{
	static const char *const strings[] = {
		"document_id", "title", "snippet"
	};
	const cJSON *f;
	size_t k;

	if (!cJSON_IsObject(v)) {
		buf_printf(why, "malformed answer: value[%zu]: expected an "
		    "object, got %s", i, json_type_name(v));
		return -1;
	}
	for (k = 0; k < 3; k++)
		if (!cJSON_IsString(f = json_get(v, strings[k])))
			return expected(why, i, strings[k], "a string", f);
	f = json_get(v, "paragraph_index");
	if (!cJSON_IsNumber(f) || f->valuedouble < 0 ||
	    f->valuedouble != floor(f->valuedouble))
		return expected(why, i, "paragraph_index", "a whole number",
		    f);
	h->paragraph = (size_t)f->valuedouble;
	if (!cJSON_IsNumber(f = json_get(v, "@search.score")))
		return expected(why, i, "@search.score", "a number", f);
	h->score = f->valuedouble;
	f = json_get(v, "@search.rerankerScore");
	h->reranker = cJSON_IsNumber(f) ? f->valuedouble : NAN;
	h->document_id = xstrdup(json_get(v, "document_id")->valuestring);
	h->title = xstrdup(json_get(v, "title")->valuestring);
	h->snippet = xstrdup(json_get(v, "snippet")->valuestring);
	return 0;
}

/* Cuts b back to its first len bytes. */
static void
truncate_to(struct buf *b, size_t len)
{
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
}

int
azsearch_parse(const char *text, size_t len, struct azsearch_result *res,
    struct buf *why)
{
	const cJSON *value, *count, *v;
	size_t start = why->len, i;
	cJSON *doc;

	res->hits = NULL;
	res->n = res->total = 0;
	if ((doc = jsonfile_parse(text, len, why)) == NULL) {
		truncate_to(why, start);
		buf_puts(why, "malformed answer: not JSON");
		return -1;
	}
	value = json_get(doc, "value");
	if (!cJSON_IsObject(doc) || !cJSON_IsArray(value)) {
		buf_puts(why, "malformed answer: expected an object with an "
		    "array 'value'");
		json_free(doc);
		return -1;
	}
	res->hits = xcalloc((size_t)cJSON_GetArraySize(value) + 1,
	    sizeof(*res->hits));
	for (i = 0, v = value->child; v != NULL; v = v->next, i++) {
		if (parse_hit(v, i, &res->hits[i], why) < 0)
			break;
		res->n++;
	}
	count = json_get(doc, "@odata.count");
	res->total = cJSON_IsNumber(count) && count->valuedouble >= 0 ?
	    (size_t)count->valuedouble : res->n;
	json_free(doc);
	if (why->len > start) {
		azsearch_result_release(res);
		return -1;
	}
	return 0;
}

enum azsearch_status
azsearch_search(struct azsearch *a, const char *query, const char *filter,
    size_t top, struct azsearch_result *res, struct buf *why)
{
	const char *headers[] = {
		"Content-Type: application/json", a->key.data, NULL
	};
	struct http_response rs;
	enum azsearch_status st = AZSEARCH_OK;
	size_t start = why->len;
	cJSON *body;

	body = json_new_object();
	json_set(body, "search", json_new_string(query));
	json_set(body, "top", json_new_number((double)top));
	json_set(body, "count", json_new_bool(1));
	if (filter != NULL)
		json_set(body, "filter", json_new_string(filter));
	json_set(body, "select",
	    json_new_string("document_id,title,snippet,paragraph_index"));
	if (a->c.semantic != NULL) {
		json_set(body, "queryType", json_new_string("semantic"));
		json_set(body, "semanticConfiguration",
		    json_new_string(a->c.semantic));
	}
	buf_reset(&a->body);
	json_write(&a->body, body);
	json_free(body);
	http_response_init(&rs);
	buf_puts(why, "azure-search: ");
	if (http_post(a->http, a->url.data, headers, a->body.data, a->body.len,
	    &rs, why) < 0)
		st = AZSEARCH_FAILED;
	else if (rs.status == 400 || rs.status == 401 || rs.status == 403 ||
	    rs.status == 404) {
		buf_printf(why, "HTTP %ld%s", rs.status,
		    rs.status == 401 || rs.status == 403 ?
		    " (check AZURE_SEARCH_KEY)" : rs.status == 404 ?
		    " (check AZURE_SEARCH_ENDPOINT and AZURE_SEARCH_INDEX)" :
		    "");
		st = AZSEARCH_FATAL;
	} else if (rs.status != 200) {
		http_explain(&rs, why);
		st = AZSEARCH_FAILED;
	} else if (azsearch_parse(buf_str(&rs.body), rs.body.len, res,
	    why) < 0)
		st = AZSEARCH_FAILED;
	else
		truncate_to(why, start);
	http_response_release(&rs);
	return st;
}
