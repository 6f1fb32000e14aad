/* SPDX-License-Identifier: MIT */
/*
 * Query table and audience map (formats in querytab.h). Both are small, a
 * few entries per segment, so lookups are linear.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "jsonfile.h"
#include "querytab.h"
#include "xalloc.h"

enum op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE };

static const char *const op_names[] = { "<", "<=", ">", ">=", "==", "!=" };

struct segquery {
	char *segment;
	char *terms;
};

struct rule {
	char *feature;
	enum op op;
	double value;
	char *terms;
};

struct audience {
	char *segment;
	char **names;
	size_t n;
};

struct querytab {
	struct segquery *seg;
	size_t nseg;
	char *default_terms;
	struct rule *rule;
	size_t nrules;
	struct audience *aud;
	size_t naud;
};

struct querytab *
querytab_new(void)
{
	struct querytab *t = xcalloc(1, sizeof(*t));

	t->default_terms = xstrdup("");
	return t;
}

static void
free_queries(struct querytab *t)
{
	size_t i;

	for (i = 0; i < t->nseg; i++) {
		free(t->seg[i].segment);
		free(t->seg[i].terms);
	}
	for (i = 0; i < t->nrules; i++) {
		free(t->rule[i].feature);
		free(t->rule[i].terms);
	}
	free(t->seg);
	free(t->rule);
	free(t->default_terms);
}

static void
free_audiences(struct querytab *t)
{
	size_t i, j;

	for (i = 0; i < t->naud; i++) {
		for (j = 0; j < t->aud[i].n; j++)
			free(t->aud[i].names[j]);
		free(t->aud[i].names);
		free(t->aud[i].segment);
	}
	free(t->aud);
}

void
querytab_free(struct querytab *t)
{
	if (t == NULL)
		return;
	free_queries(t);
	free_audiences(t);
	free(t);
}

/* Appends "field 'NAME': expected WHAT, got " and v to why; returns -1. */
static int
bad(struct buf *why, const char *name, const char *what, const cJSON *v)
{
	jsonfile_expected(why, "field", name, what, v);
	return -1;
}

static int
parse_rule(const cJSON *v, size_t i, struct rule *r, struct buf *why)
{
	const cJSON *f, *op, *val, *terms;
	char name[64];
	size_t k;

	snprintf(name, sizeof(name), "features[%zu]", i);
	if (!cJSON_IsObject(v))
		return bad(why, name, "an object", v);
	f = json_get(v, "feature");
	op = json_get(v, "op");
	val = json_get(v, "value");
	terms = json_get(v, "terms");
	snprintf(name, sizeof(name), "features[%zu].feature", i);
	if (!cJSON_IsString(f) || f->valuestring[0] == '\0')
		return bad(why, name, "a feature name", f);
	snprintf(name, sizeof(name), "features[%zu].op", i);
	for (k = 0; cJSON_IsString(op) && k < 6; k++)
		if (strcmp(op->valuestring, op_names[k]) == 0)
			break;
	if (!cJSON_IsString(op) || k == 6)
		return bad(why, name, "one of < <= > >= == !=", op);
	snprintf(name, sizeof(name), "features[%zu].value", i);
	if (!cJSON_IsNumber(val))
		return bad(why, name, "a number", val);
	snprintf(name, sizeof(name), "features[%zu].terms", i);
	if (!cJSON_IsString(terms))
		return bad(why, name, "a string", terms);
	r->feature = xstrdup(f->valuestring);
	r->op = (enum op)k;
	r->value = val->valuedouble;
	r->terms = xstrdup(terms->valuestring);
	return 0;
}

int
querytab_load_queries(struct querytab *t, const char *text, size_t len,
    struct buf *why)
{
	struct querytab n;
	const cJSON *segs, *def, *rules, *v;
	cJSON *doc;
	size_t i;
	int rc = -1;

	if ((doc = jsonfile_object(text, len, why)) == NULL)
		return -1;
	memset(&n, 0, sizeof(n));
	segs = json_get(doc, "segments");
	def = json_get(doc, "default");
	rules = json_get(doc, "features");
	if (!cJSON_IsObject(segs)) {
		bad(why, "segments", "an object", segs);
		goto out;
	}
	if (!cJSON_IsString(def)) {
		bad(why, "default", "a string", def);
		goto out;
	}
	if (rules != NULL && !cJSON_IsArray(rules)) {
		bad(why, "features", "an array", rules);
		goto out;
	}
	n.nseg = (size_t)cJSON_GetArraySize(segs);
	n.seg = xcalloc(n.nseg, sizeof(*n.seg));
	for (i = 0, v = segs->child; v != NULL; v = v->next, i++) {
		if (!cJSON_IsString(v)) {
			buf_puts(why, "field 'segments': expected a string of "
			    "terms for ");
			diag_quote(why, v->string, strlen(v->string));
			buf_printf(why, ", got %s", json_type_name(v));
			n.nseg = i;
			goto out;
		}
		n.seg[i].segment = xstrdup(v->string);
		n.seg[i].terms = xstrdup(v->valuestring);
	}
	n.nrules = rules != NULL ? (size_t)cJSON_GetArraySize(rules) : 0;
	n.rule = xcalloc(n.nrules, sizeof(*n.rule));
	for (i = 0, v = rules != NULL ? rules->child : NULL; v != NULL;
	    v = v->next, i++) {
		if (parse_rule(v, i, &n.rule[i], why) < 0) {
			n.nrules = i;
			goto out;
		}
	}
	n.default_terms = xstrdup(def->valuestring);
	/* Swap the new table in; the old one goes out with n. */
	{
		struct querytab old = *t;

		t->seg = n.seg;
		t->nseg = n.nseg;
		t->rule = n.rule;
		t->nrules = n.nrules;
		t->default_terms = n.default_terms;
		n = old;
	}
	rc = 0;
out:
	free_queries(&n);
	json_free(doc);
	return rc;
}

int
querytab_load_audiences(struct querytab *t, const char *text, size_t len,
    struct buf *why)
{
	struct querytab n;
	const cJSON *v, *a;
	cJSON *doc;
	size_t i, j;
	int rc = -1;

	if ((doc = jsonfile_object(text, len, why)) == NULL)
		return -1;
	memset(&n, 0, sizeof(n));
	n.naud = (size_t)cJSON_GetArraySize(doc);
	n.aud = xcalloc(n.naud, sizeof(*n.aud));
	for (i = 0, v = doc->child; v != NULL; v = v->next, i++) {
		n.aud[i].segment = xstrdup(v->string);
		if (!cJSON_IsArray(v)) {
			n.naud = i + 1;
			bad(why, v->string, "an array of audience names", v);
			goto out;
		}
		n.aud[i].names = xcalloc((size_t)cJSON_GetArraySize(v) + 1,
		    sizeof(char *));
		for (j = 0, a = v->child; a != NULL; a = a->next, j++) {
			if (!cJSON_IsString(a)) {
				n.naud = i + 1;
				bad(why, v->string,
				    "an array of audience names", v);
				goto out;
			}
			n.aud[i].names[j] = xstrdup(a->valuestring);
			n.aud[i].n = j + 1;
		}
	}
	{
		struct querytab old = *t;

		t->aud = n.aud;
		t->naud = n.naud;
		n.aud = old.aud;
		n.naud = old.naud;
	}
	rc = 0;
out:
	free_audiences(&n);
	json_free(doc);
	return rc;
}

/* Appends the words of terms to query, leaving out words already there. */
static void
add_terms(struct buf *query, const char *terms)
{
	const char *w, *q, *e;
	size_t n, m;
	int seen;

	for (w = terms;; w += n) {
		w += strspn(w, " \t\n");
		if ((n = strcspn(w, " \t\n")) == 0)
			return;
		seen = 0;
		for (q = buf_str(query); *q != '\0' && !seen; q = e) {
			q += strspn(q, " ");
			m = strcspn(q, " ");
			e = q + m;
			seen = m == n && strncasecmp(q, w, n) == 0;
		}
		if (seen)
			continue;
		if (query->len > 0)
			buf_putc(query, ' ');
		buf_add(query, w, n);
	}
}

static int
holds(enum op op, double x, double v)
{
	switch (op) {
	case OP_LT:
		return x < v;
	case OP_LE:
		return x <= v;
	case OP_GT:
		return x > v;
	case OP_GE:
		return x >= v;
	case OP_EQ:
		return x == v;
	default:
		return x != v;
	}
}

int
querytab_build(const struct querytab *t, const char *segment,
    const cJSON *features, struct buf *query, struct buf *why)
{
	const cJSON *v;
	size_t i;

	for (i = 0; i < t->nseg; i++)
		if (strcmp(t->seg[i].segment, segment) == 0)
			break;
	if (i < t->nseg)
		add_terms(query, t->seg[i].terms);
	else {
		add_terms(query, segment);
		add_terms(query, t->default_terms);
	}
	for (i = 0; i < t->nrules; i++) {
		if (features == NULL) {
			buf_puts(why, "field 'features': missing");
			return -1;
		}
		if (!cJSON_IsObject(features)) {
			buf_printf(why, "field 'features': expected an object, "
			    "got %s", json_type_name(features));
			return -1;
		}
		v = json_get(features, t->rule[i].feature);
		if (!cJSON_IsNumber(v)) {
			buf_printf(why, "field 'features.%s': expected a "
			    "number, got ", t->rule[i].feature);
			jsonfile_show(why, v);
			return -1;
		}
		if (holds(t->rule[i].op, v->valuedouble, t->rule[i].value))
			add_terms(query, t->rule[i].terms);
	}
	return 0;
}

const char *const *
querytab_audience_list(const struct querytab *t, const char *segment)
{
	static const char *const none[] = { NULL };
	size_t i;

	for (i = 0; i < t->naud; i++)
		if (strcmp(t->aud[i].segment, segment) == 0)
			return (const char *const *)t->aud[i].names;
	return none;
}

int
querytab_allows(const struct querytab *t, const char *segment,
    const char *audience)
{
	size_t i, j;

	if (strcmp(audience, "All") == 0 || strcmp(audience, segment) == 0)
		return 1;
	for (i = 0; i < t->naud; i++) {
		if (strcmp(t->aud[i].segment, segment) != 0)
			continue;
		for (j = 0; j < t->aud[i].n; j++)
			if (strcmp(t->aud[i].names[j], audience) == 0)
				return 1;
	}
	return 0;
}
