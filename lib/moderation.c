/* SPDX-License-Identifier: MIT */
/*
 * Requests to and answers from the moderation services. Answers are read
 * strictly: an answer that is not exactly what the service documents is an
 * error, and cpo-safety blocks the message (fail closed) rather than guess.
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "jsonfile.h"
#include "moderation.h"
#include "xalloc.h"

const char *const moderation_names[2] = { "azure", "openai-moderation" };

/* Azure's category names, in the order of enum safety_category. */
static const char *const azure_names[SAFETY_NCATEGORIES] = {
	"Hate", "Violence", "SelfHarm", "Sexual"
};

static void
endpoint(const struct moderation_config *c, struct buf *url)
{
	size_t n = strlen(c->endpoint);

	while (n > 0 && c->endpoint[n - 1] == '/')
		n--;
	buf_add(url, c->endpoint, n);
}

void
moderation_url(const struct moderation_config *c, struct buf *url)
{
	endpoint(c, url);
	if (c->backend == MODERATION_AZURE)
		buf_printf(url, "/contentsafety/text:analyze?api-version=%s",
		    c->version);
	else
		buf_puts(url, "/moderations");
}

void
moderation_auth(const struct moderation_config *c, struct buf *header)
{
	if (c->backend == MODERATION_AZURE)
		buf_printf(header, "Ocp-Apim-Subscription-Key: %s", c->key);
	else
		buf_printf(header, "Authorization: Bearer %s", c->key);
}

void
moderation_body(const struct moderation_config *c, const char *text,
    size_t len, struct buf *body)
{
	cJSON *o = json_new_object(), *cats;
	char *s = xstrndup(text, len);
	int i;

	if (c->backend == MODERATION_AZURE) {
		json_set(o, "text", json_new_string(s));
		cats = json_new_array();
		for (i = 0; i < SAFETY_NCATEGORIES; i++)
			json_append(cats, json_new_string(azure_names[i]));
		json_set(o, "categories", cats);
		json_set(o, "outputType",
		    json_new_string("FourSeverityLevels"));
	} else {
		json_set(o, "model", json_new_string(c->model));
		json_set(o, "input", json_new_string(s));
	}
	json_write(body, o);
	json_free(o);
	free(s);
}

int
moderation_level(double score)
{
	if (!(score >= 0.25))
		return 0;
	return score < 0.5 ? 2 : score < 0.8 ? 4 : 6;
}

static int
parse_azure(const cJSON *v, int *severity, struct buf *why)
{
	const cJSON *list = json_get(v, "categoriesAnalysis"), *e, *name, *s;
	int i, seen[SAFETY_NCATEGORIES] = { 0 };

	if (!cJSON_IsArray(list)) {
		buf_puts(why, "no 'categoriesAnalysis' array");
		return -1;
	}
	for (e = list->child; e != NULL; e = e->next) {
		name = json_get(e, "category");
		s = json_get(e, "severity");
		if (!cJSON_IsString(name))
			continue;
		for (i = 0; i < SAFETY_NCATEGORIES; i++)
			if (strcmp(name->valuestring, azure_names[i]) == 0)
				break;
		if (i == SAFETY_NCATEGORIES)
			continue;
		if (seen[i]++) {
			buf_printf(why, "category '%s' twice", azure_names[i]);
			return -1;
		}
		if (!cJSON_IsNumber(s) || (s->valuedouble != 0 &&
		    s->valuedouble != 2 && s->valuedouble != 4 &&
		    s->valuedouble != 6)) {
			buf_printf(why, "category '%s': expected a severity "
			    "of 0, 2, 4 or 6, got ", azure_names[i]);
			jsonfile_show(why, s);
			return -1;
		}
		severity[i] = (int)s->valuedouble;
	}
	for (i = 0; i < SAFETY_NCATEGORIES; i++)
		if (!seen[i]) {
			buf_printf(why, "no severity for '%s'", azure_names[i]);
			return -1;
		}
	return 0;
}

/* Reads score name of scores into *level; required ones must be there. */
static int
score(const cJSON *scores, const char *name, int required, int *level,
    struct buf *why)
{
	const cJSON *s = json_get(scores, name);

	if (s == NULL && !required)
		return 0;
	if (!cJSON_IsNumber(s) || !(s->valuedouble >= 0 &&
	    s->valuedouble <= 1)) {
		buf_printf(why, "score '%s': expected a number from 0 to 1, "
		    "got ", name);
		jsonfile_show(why, s);
		return -1;
	}
	if (moderation_level(s->valuedouble) > *level)
		*level = moderation_level(s->valuedouble);
	if (strcmp(name, "sexual/minors") == 0 && s->valuedouble >= 0.25)
		*level = 6;
	return 0;
}

static int
parse_openai(const cJSON *v, int *severity, struct buf *why)
{
	static const char *const names[][4] = {
		{ "hate", "hate/threatening", NULL, NULL },
		{ "violence", "violence/graphic", "harassment/threatening",
		    NULL },
		{ "self-harm", "self-harm/intent", "self-harm/instructions",
		    NULL },
		{ "sexual", "sexual/minors", NULL, NULL }
	};
	const cJSON *results = json_get(v, "results"), *scores;
	int i, k;

	if (!cJSON_IsArray(results) || results->child == NULL) {
		buf_puts(why, "no 'results'");
		return -1;
	}
	scores = json_get(results->child, "category_scores");
	if (!cJSON_IsObject(scores)) {
		buf_puts(why, "no 'category_scores'");
		return -1;
	}
	for (i = 0; i < SAFETY_NCATEGORIES; i++) {
		severity[i] = 0;
		for (k = 0; k < 4 && names[i][k] != NULL; k++)
			if (score(scores, names[i][k], k == 0, &severity[i],
			    why) < 0)
				return -1;
	}
	return 0;
}

int
moderation_parse(enum moderation_backend b, const char *text, size_t len,
    int severity[SAFETY_NCATEGORIES], struct buf *why)
{
	cJSON *v;
	int rc;

	if ((v = jsonfile_parse(text, len, why)) == NULL)
		return -1;
	if (!cJSON_IsObject(v)) {
		buf_printf(why, "expected a JSON object, got %s",
		    json_type_name(v));
		json_free(v);
		return -1;
	}
	rc = b == MODERATION_AZURE ? parse_azure(v, severity, why) :
	    parse_openai(v, severity, why);
	json_free(v);
	return rc;
}

void
moderation_error_detail(const char *text, size_t len, struct buf *why)
{
	const cJSON *e, *m;
	struct buf ignore;
	cJSON *v;

	buf_init(&ignore);
	v = jsonfile_parse(text, len, &ignore);
	buf_release(&ignore);
	if (v == NULL)
		return;
	e = json_get(v, "error");
	m = cJSON_IsObject(e) ? json_get(e, "message") : NULL;
	if (cJSON_IsString(m)) {
		buf_puts(why, ": ");
		diag_quote(why, m->valuestring, strlen(m->valuestring));
	}
	json_free(v);
}

int
moderation_from_env(struct moderation_config *c, enum moderation_backend b,
    struct buf *why)
{
	static const char *const vars[2][4] = {
		{ "AZURE_CONTENT_SAFETY_ENDPOINT", "AZURE_CONTENT_SAFETY_KEY",
		    "AZURE_CONTENT_SAFETY_API_VERSION", "2024-09-01" },
		{ "OPENAI_BASE_URL", "OPENAI_API_KEY",
		    "OPENAI_MODERATION_MODEL", "omni-moderation-latest" }
	};
	const char *const *var = vars[b], *v;
	int i;

	memset(c, 0, sizeof(*c));
	c->backend = b;
	c->endpoint = getenv(var[0]);
	if (b == MODERATION_OPENAI && (c->endpoint == NULL ||
	    *c->endpoint == '\0'))
		c->endpoint = "https://api.openai.com/v1";
	c->key = getenv(var[1]);
	c->version = c->model = (v = getenv(var[2])) != NULL && *v != '\0' ?
	    v : var[3];
	for (i = 0; i < 2; i++) {
		v = i == 0 ? c->endpoint : c->key;
		if (v == NULL || *v == '\0') {
			buf_puts(why, var[i]);
			return -1;
		}
	}
	return 0;
}
