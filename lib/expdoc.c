/* SPDX-License-Identifier: MIT */
/*
 * Reading an experiment metrics document. Each field's type is checked as
 * it is read, and the first problem is described by the field's path, so a
 * message points at the exact place in a large document. Numbers that are
 * absent or null become NAN, flags -1, strings NULL: the readers of the
 * structs decide what a missing part means.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expdoc.h"
#include "jsonfile.h"
#include "xalloc.h"

/* Longest field path in a message; a longer one is cut. */
enum { PATH_SIZE = 200 };

/* One reading: the first problem found, and whether there was one. */
struct reader {
	struct buf *err;
	int failed;
};

/* Types a field may have, as cJSON's type bits. */
enum {
	T_NUM = cJSON_Number, T_STR = cJSON_String, T_OBJ = cJSON_Object,
	T_ARR = cJSON_Array, T_BOOL = cJSON_True | cJSON_False,
	T_NULL = cJSON_NULL
};

static void
names_add(struct expdoc_names *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return;
	l->name = xreallocarray(l->name, l->n + 1, sizeof(*l->name));
	l->name[l->n++] = name;
}

/*
 * Formats a field path into out (PATH_SIZE bytes). A longer path is cut,
 * on purpose: it still names the place well enough for a message.
 */
static void path_printf(char *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
path_printf(char *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, PATH_SIZE, fmt, ap);
	va_end(ap);
}

/*
 * Writes parent.key, or parent[index] when the key is not plain printable
 * text (a message must not carry a hostile key's bytes to a terminal).
 */
static void
child_path(char *out, const char *parent, const char *key, size_t index)
{
	const char *k;
	int plain = strlen(key) <= 40 && key[0] != '\0';

	for (k = key; plain && *k != '\0'; k++)
		if (*k < 0x20 || *k > 0x7e || *k == '\'' || *k == '\\')
			plain = 0;
	if (!plain)
		path_printf(out, "%s[%zu]", parent, index);
	else if (parent[0] == '\0')
		path_printf(out, "%s", key);
	else
		path_printf(out, "%s.%s", parent, key);
}

static void
index_path(char *out, const char *parent, size_t index)
{
	path_printf(out, "%s[%zu]", parent, index);
}

/* Appends "a number or a string"-style words for the type bits. */
static void
want_words(struct buf *b, int types)
{
	static const struct {
		int bits;
		const char *words;
	} kinds[] = {
		{ T_NUM, "a number" }, { T_STR, "a string" },
		{ T_BOOL, "true or false" }, { T_ARR, "an array" },
		{ T_OBJ, "an object" }, { T_NULL, "null" }
	};
	size_t i;
	int first = 1;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((types & kinds[i].bits) == 0)
			continue;
		buf_puts(b, first ? "" : " or ");
		buf_puts(b, kinds[i].words);
		first = 0;
	}
}

static void
wrong(struct reader *r, const char *path, int types, const cJSON *got)
{
	if (r->failed)
		return;
	buf_printf(r->err, "field '%s': expected ", path);
	want_words(r->err, types);
	buf_puts(r->err, ", got ");
	jsonfile_show(r->err, got);
	r->failed = 1;
}

static void
missing(struct reader *r, const char *path)
{
	if (r->failed)
		return;
	buf_printf(r->err, "field '%s': missing", path);
	r->failed = 1;
}

/*
 * Returns member key of obj when it has one of the types: an error if it
 * has another, or is absent and required. Absent or null gives NULL (null
 * is an error only where types leave it out and the field is required).
 * A number must be finite.
 */
static const cJSON *
field(struct reader *r, const cJSON *obj, const char *parent,
    const char *key, int types, int required)
{
	char path[PATH_SIZE];
	const cJSON *v;

	if (r->failed || obj == NULL)
		return NULL;
	v = json_get(obj, key);
	if ((v == NULL && !required) ||
	    (v != NULL && cJSON_IsNull(v) && (!required || (types & T_NULL))))
		return NULL;
	child_path(path, parent, key, 0);
	if (v == NULL) {
		missing(r, path);
		return NULL;
	}
	if ((v->type & 0xff & types) == 0 ||
	    (cJSON_IsNumber(v) && !isfinite(v->valuedouble))) {
		wrong(r, path, types, v);
		return NULL;
	}
	return v;
}

static double
number(struct reader *r, const cJSON *obj, const char *parent,
    const char *key, int required)
{
	const cJSON *v = field(r, obj, parent, key, T_NUM |
	    (required == 2 ? T_NULL : 0), required != 0);

	return v != NULL ? v->valuedouble : NAN;
}

static const char *
string(struct reader *r, const cJSON *obj, const char *parent,
    const char *key, int required)
{
	const cJSON *v = field(r, obj, parent, key, T_STR, required);

	return v != NULL ? v->valuestring : NULL;
}

/* Returns 1 or 0 for true or false, -1 when absent or null. */
static int
flag(struct reader *r, const cJSON *obj, const char *parent, const char *key)
{
	const cJSON *v = field(r, obj, parent, key, T_BOOL, 0);

	return v == NULL ? -1 : cJSON_IsTrue(v);
}

/*
 * Checks that every member of the object at path is a number or null, and
 * adds the member names to seen.
 */
static void
number_members(struct reader *r, const cJSON *obj, const char *path,
    struct expdoc_names *seen)
{
	char child[PATH_SIZE];
	const cJSON *v;
	size_t i = 0;

	cJSON_ArrayForEach(v, obj) {
		if (!cJSON_IsNull(v) && (!cJSON_IsNumber(v) ||
		    !isfinite(v->valuedouble))) {
			child_path(child, path, v->string, i);
			wrong(r, child, T_NUM | T_NULL, v);
			return;
		}
		if (seen != NULL)
			names_add(seen, v->string);
		i++;
	}
}

/* Reads one arm; key is its member name when arms is an object. */
static void
read_arm(struct reader *r, struct expdoc *d, const cJSON *v,
    const char *path, const char *key, struct expdoc_arm *a)
{
	char sub[PATH_SIZE];
	const cJSON *fb;

	memset(a, 0, sizeof(*a));
	if (!cJSON_IsObject(v)) {
		wrong(r, path, T_OBJ, v);
		return;
	}
	a->name = string(r, v, path, "arm_name", key == NULL);
	if (a->name == NULL)
		a->name = key;
	a->size = number(r, v, path, "sample_size", 1);
	a->metrics = field(r, v, path, "metrics", T_OBJ, 0);
	child_path(sub, path, "metrics", 0);
	number_members(r, a->metrics, sub, &d->metrics);
	a->counts = field(r, v, path, "counts", T_OBJ, 0);
	child_path(sub, path, "counts", 0);
	number_members(r, a->counts, sub, &d->counts);
	fb = field(r, v, path, "fallback", T_OBJ, 0);
	child_path(sub, path, "fallback", 0);
	a->fallback = number(r, fb, sub, "count", 0);
	a->fallback_rate = number(r, fb, sub, "rate", 0);
}

/* Reads arms given as an array of arms or an object keyed by arm name. */
static void
read_arms(struct reader *r, struct expdoc *d, const cJSON *v,
    const char *path, struct expdoc_arm **arm, size_t *n)
{
	char sub[PATH_SIZE];
	const cJSON *a;
	size_t i = 0;

	*n = (size_t)cJSON_GetArraySize(v);
	*arm = xcalloc(*n > 0 ? *n : 1, sizeof(**arm));
	cJSON_ArrayForEach(a, v) {
		if (cJSON_IsObject(v))
			child_path(sub, path, a->string, i);
		else
			index_path(sub, path, i);
		read_arm(r, d, a, sub, cJSON_IsObject(v) ? a->string : NULL,
		    &(*arm)[i]);
		i++;
	}
}

/* Reads an interval object's lower, upper and level into lo, hi, level. */
static void
read_interval(struct reader *r, const cJSON *obj, const char *parent,
    const char *key, double *lo, double *hi, double *level)
{
	char path[PATH_SIZE];
	const cJSON *ci = field(r, obj, parent, key, T_OBJ, 0);

	child_path(path, parent, key, 0);
	*lo = number(r, ci, path, "lower", ci != NULL ? 2 : 0);
	*hi = number(r, ci, path, "upper", ci != NULL ? 2 : 0);
	*level = number(r, ci, path, "level", 0);
}

/* An array of strings, for notes; returns it or NULL. */
static const cJSON *
strings(struct reader *r, const cJSON *obj, const char *parent,
    const char *key)
{
	const cJSON *v = field(r, obj, parent, key, T_ARR, 0), *s;
	char path[PATH_SIZE], item[PATH_SIZE];
	size_t i = 0;

	child_path(path, parent, key, 0);
	cJSON_ArrayForEach(s, v) {
		if (!cJSON_IsString(s)) {
			index_path(item, path, i);
			wrong(r, item, T_STR, s);
			return NULL;
		}
		i++;
	}
	return v;
}

static void
read_lift(struct reader *r, struct expdoc *d, const cJSON *v,
    const char *path, struct expdoc_lift *l)
{
	char sub[PATH_SIZE];
	const cJSON *st;

	memset(l, 0, sizeof(*l));
	if (!cJSON_IsObject(v)) {
		wrong(r, path, T_OBJ, v);
		return;
	}
	l->arm = string(r, v, path, "treatment_arm", 1);
	l->metric = string(r, v, path, "metric", 1);
	l->primary = flag(r, v, path, "primary");
	l->control = number(r, v, path, "control_value", 0);
	l->treatment = number(r, v, path, "treatment_value", 0);
	l->percent = number(r, v, path, "lift_percent", 2);
	l->absolute = number(r, v, path, "lift_absolute", 0);
	l->notes = strings(r, v, path, "notes");
	st = field(r, v, path, "statistical_significance", T_OBJ, 0);
	child_path(sub, path, "statistical_significance", 0);
	l->test = string(r, st, sub, "test", 0);
	if (l->test == NULL)
		l->test = string(r, st, sub, "test_type", 0);
	l->correction = string(r, st, sub, "correction", 0);
	l->error = string(r, st, sub, "error", 0);
	l->p = number(r, st, sub, "p_value", 0);
	l->p_adjusted = number(r, st, sub, "p_value_adjusted", 0);
	l->significant = flag(r, st, sub, "significant");
	read_interval(r, st, sub, "confidence_interval", &l->lo, &l->hi,
	    &l->level);
	read_interval(r, st, sub, "relative_confidence_interval", &l->rel_lo,
	    &l->rel_hi, &l->rel_level);
	/* Lifts are keyed by metric name; a metric with no arm rates too. */
	if (!r->failed) {
		names_add(&d->metrics, l->metric);
		if (l->test != NULL)
			names_add(&d->tests, l->test);
		if (l->correction != NULL)
			names_add(&d->corrections, l->correction);
	}
}

static void
read_segment(struct reader *r, struct expdoc *d, const cJSON *v,
    const char *path, struct expdoc_segment *s)
{
	char sub[PATH_SIZE];
	const cJSON *arms;

	memset(s, 0, sizeof(*s));
	if (!cJSON_IsObject(v)) {
		wrong(r, path, T_OBJ, v);
		return;
	}
	s->name = string(r, v, path, "segment", 1);
	s->size = number(r, v, path, "sample_size", 0);
	s->best = string(r, v, path, "best_performing_arm", 0);
	s->percent = number(r, v, path, "lift_percent", 2);
	s->metric = string(r, v, path, "metric", 0);
	s->test = string(r, v, path, "test", 0);
	s->p = number(r, v, path, "p_value", 0);
	s->p_adjusted = number(r, v, path, "p_value_adjusted", 0);
	s->significant = flag(r, v, path, "significant");
	s->notes = strings(r, v, path, "notes");
	arms = field(r, v, path, "arms", T_ARR | T_OBJ, 0);
	child_path(sub, path, "arms", 0);
	if (arms == NULL) {
		arms = field(r, v, path, "metrics_by_arm", T_ARR | T_OBJ, 0);
		child_path(sub, path, "metrics_by_arm", 0);
	}
	if (arms != NULL)
		read_arms(r, d, arms, sub, &s->arm, &s->narms);
}

static void
read_srm(struct reader *r, struct expdoc *d, const cJSON *root)
{
	d->srm = field(r, root, "", "sample_ratio", T_OBJ, 0);
	d->srm_chi = number(r, d->srm, "sample_ratio", "chi_square", 0);
	d->srm_df = number(r, d->srm, "sample_ratio", "df", 0);
	d->srm_p = number(r, d->srm, "sample_ratio", "p_value", 0);
	d->srm_threshold = number(r, d->srm, "sample_ratio", "threshold", 0);
	d->srm_mismatch = flag(r, d->srm, "sample_ratio", "mismatch");
	if (d->srm_mismatch < 0 && isfinite(d->srm_p) &&
	    isfinite(d->srm_threshold))
		d->srm_mismatch = d->srm_p < d->srm_threshold;
	d->weights = field(r, d->srm, "sample_ratio", "weights", T_OBJ, 0);
	number_members(r, d->weights, "sample_ratio.weights", NULL);
}

/* Reads lift_analysis, when there is one. */
static void
read_lifts(struct reader *r, struct expdoc *d, const cJSON *root)
{
	const cJSON *arr = field(r, root, "", "lift_analysis", T_ARR, 0), *v;
	char path[PATH_SIZE];
	size_t i = 0;

	d->nlifts = (size_t)cJSON_GetArraySize(arr);
	d->lift = xcalloc(d->nlifts > 0 ? d->nlifts : 1, sizeof(*d->lift));
	cJSON_ArrayForEach(v, arr) {
		index_path(path, "lift_analysis", i);
		read_lift(r, d, v, path, &d->lift[i++]);
	}
}

/* Reads segment_breakdown, when there is one. */
static void
read_segments(struct reader *r, struct expdoc *d, const cJSON *root)
{
	const cJSON *arr = field(r, root, "", "segment_breakdown", T_ARR, 0);
	const cJSON *v;
	char path[PATH_SIZE];
	size_t i = 0;

	d->has_segments = arr != NULL;
	d->nsegments = (size_t)cJSON_GetArraySize(arr);
	d->segment = xcalloc(d->nsegments > 0 ? d->nsegments : 1,
	    sizeof(*d->segment));
	cJSON_ArrayForEach(v, arr) {
		index_path(path, "segment_breakdown", i);
		read_segment(r, d, v, path, &d->segment[i++]);
	}
}

static void
read_doc(struct reader *r, struct expdoc *d, const cJSON *root)
{
	const cJSON *arms;

	if (!cJSON_IsObject(root)) {
		buf_puts(r->err, "expected a JSON object, got ");
		jsonfile_show(r->err, root);
		r->failed = 1;
		return;
	}
	d->id = string(r, root, "", "experiment_id", 0);
	d->name = string(r, root, "", "experiment_name", 0);
	d->total = number(r, root, "", "total_customers", 0);
	d->primary = string(r, root, "", "primary_metric", 0);
	d->alpha = number(r, root, "", "alpha", 0);
	d->computed_at = string(r, root, "", "computed_at", 0);
	d->analysis = field(r, root, "", "analysis", T_OBJ, 0);
	arms = field(r, root, "", "arms", T_ARR | T_OBJ, 1);
	if (arms != NULL && cJSON_GetArraySize(arms) == 0) {
		buf_puts(r->err, "field 'arms': expected at least one arm, "
		    "got ");
		jsonfile_show(r->err, arms);
		r->failed = 1;
	}
	if (arms != NULL)
		read_arms(r, d, arms, "arms", &d->arm, &d->narms);
	read_lifts(r, d, root);
	read_segments(r, d, root);
	read_srm(r, d, root);
}

void
expdoc_release(struct expdoc *d)
{
	size_t i;

	free(d->arm);
	free(d->lift);
	for (i = 0; i < d->nsegments; i++)
		free(d->segment[i].arm);
	free(d->segment);
	free(d->metrics.name);
	free(d->counts.name);
	free(d->tests.name);
	free(d->corrections.name);
}

int
expdoc_read(struct expdoc *d, const cJSON *root, struct buf *err)
{
	struct reader r = { err, 0 };

	memset(d, 0, sizeof(*d));
	read_doc(&r, d, root);
	return r.failed ? -1 : 0;
}

double
expdoc_rate(const struct expdoc_arm *a, const char *metric)
{
	const cJSON *v = a->metrics != NULL ? json_get(a->metrics, metric) :
	    NULL;

	return v != NULL && cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

double
expdoc_count(const struct expdoc_arm *a, const char *name)
{
	const cJSON *v = a->counts != NULL ? json_get(a->counts, name) : NULL;

	return v != NULL && cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const struct expdoc_arm *
expdoc_find_arm(const struct expdoc_arm *arm, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (arm[i].name != NULL && strcmp(arm[i].name, name) == 0)
			return &arm[i];
	return NULL;
}

int
expdoc_is_primary(const struct expdoc *d, const char *metric)
{
	size_t i;

	if (d->primary != NULL)
		return strcmp(d->primary, metric) == 0;
	for (i = 0; i < d->nlifts; i++)
		if (d->lift[i].primary == 1 &&
		    strcmp(d->lift[i].metric, metric) == 0)
			return 1;
	return 0;
}
