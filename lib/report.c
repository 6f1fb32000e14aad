/* SPDX-License-Identifier: MIT */
/*
 * The experiment report. The document is read in one pass into plain
 * structs (pointers into the cJSON tree, NAN for a number that is absent
 * or null), checking each field's type on the way, and the page is then
 * written from those structs. Reading first means a malformed document is
 * found before any HTML is written, and the sections can look at each
 * other's data (the segment table needs the arm names, the summary the
 * lift rows).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forest.h"
#include "html.h"
#include "jsonfile.h"
#include "report.h"
#include "xalloc.h"

/* Longest field path in a message; a longer one is cut. */
enum { PATH_SIZE = 200 };

/* An arm, at the top level or within a segment. */
struct arm {
	const char *name;
	double size;
	const cJSON *metrics;	/* object of rates, or NULL */
	const cJSON *counts;	/* object of counts, or NULL */
	double fallback, fallback_rate;
};

/* One treatment-versus-control comparison of lift_analysis. */
struct lift {
	const char *arm, *metric, *test, *correction, *error;
	int primary, significant;	/* -1 when not stated */
	double control, treatment, percent, absolute, p, p_adjusted;
	double lo, hi, level, rel_lo, rel_hi, rel_level;
	const cJSON *notes;	/* array of strings, or NULL */
};

struct segment {
	const char *name, *best, *metric, *test;
	int significant;
	double size, percent, p, p_adjusted;
	struct arm *arm;
	size_t narms;
	const cJSON *notes;
};

/* A list of names in order of first appearance, borrowed from the tree. */
struct names {
	const char **name;
	size_t n;
};

struct doc {
	const char *id, *name, *primary, *computed_at;
	double total, alpha;
	struct arm *arm;
	size_t narms;
	struct lift *lift;
	size_t nlifts;
	struct segment *segment;
	size_t nsegments;
	int has_segments;
	const cJSON *analysis, *srm, *weights;
	double srm_chi, srm_df, srm_p, srm_threshold;
	int srm_mismatch;	/* -1 when not stated */
	struct names metrics, counts, tests, corrections;
};

/* The reading side: the first problem found, and whether there was one. */
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
names_add(struct names *l, const char *name)
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
    struct names *seen)
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
read_arm(struct reader *r, struct doc *d, const cJSON *v, const char *path,
    const char *key, struct arm *a)
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
read_arms(struct reader *r, struct doc *d, const cJSON *v, const char *path,
    struct arm **arm, size_t *n)
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
read_lift(struct reader *r, struct doc *d, const cJSON *v, const char *path,
    struct lift *l)
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
read_segment(struct reader *r, struct doc *d, const cJSON *v,
    const char *path, struct segment *s)
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
read_srm(struct reader *r, struct doc *d, const cJSON *root)
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
read_lifts(struct reader *r, struct doc *d, const cJSON *root)
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
read_segments(struct reader *r, struct doc *d, const cJSON *root)
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
read_doc(struct reader *r, struct doc *d, const cJSON *root)
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

static void
doc_release(struct doc *d)
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

/* The writing side. Helpers for cells and numbers. */

/* Appends a rate (0 to 1) as a percentage: "31.9%". */
static void
put_rate(struct buf *b, double v)
{
	forest_number(b, v * 100, 1, 0);
	if (isfinite(v))
		buf_putc(b, '%');
}

/* Appends a count: whole numbers without decimals. */
static void
put_count(struct buf *b, double v)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
		forest_number(b, v, 0, 0);
	else
		forest_number(b, v, 3, 0);
}

static void
put_p(struct buf *b, double p)
{
	if (isfinite(p) && p < 0.0001)
		buf_puts(b, "&lt; 0.0001");
	else
		forest_number(b, p, 4, 0);
}

static void
put_yes_no(struct buf *b, int v)
{
	buf_puts(b, v < 0 ? "n/a" : v ? "<strong>yes</strong>" : "no");
}

/* Appends the text of s, or "n/a" for NULL. */
static void
put_text(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "n/a");
	else
		html_puts(b, s);
}

/* The rate of metric in an arm's metrics, or NAN. */
static double
rate_of(const struct arm *a, const char *metric)
{
	const cJSON *v = a->metrics != NULL ? json_get(a->metrics, metric) :
	    NULL;

	return v != NULL && cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static double
count_of(const struct arm *a, const char *name)
{
	const cJSON *v = a->counts != NULL ? json_get(a->counts, name) : NULL;

	return v != NULL && cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const struct arm *
find_arm(const struct arm *arm, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (arm[i].name != NULL && strcmp(arm[i].name, name) == 0)
			return &arm[i];
	return NULL;
}

static int
is_primary(const struct doc *d, const char *metric)
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

static const char style[] =
    "body{font-family:sans-serif;color:#24292f;margin:2em auto;"
    "max-width:1150px;padding:0 1em;line-height:1.4}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}\n"
    "h2{font-size:1.25em;border-bottom:1px solid #d0d7de;"
    "padding-bottom:.2em;margin-top:1.6em}\n"
    "table{border-collapse:collapse;margin:.6em 0;font-size:.85em}\n"
    "th,td{border:1px solid #d0d7de;padding:.25em .55em;"
    "text-align:left;vertical-align:top}\n"
    "th{background:#f6f8fa}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    "tr.significant td{background:#dafbe1}\n"
    "tr.significant.loss td{background:#ffebe9}\n"
    "dl.facts{display:grid;grid-template-columns:max-content auto;"
    "gap:.15em 1em}\n"
    "dl.facts dt{font-weight:bold}\n"
    "dl.facts dd{margin:0}\n"
    ".verdict{padding:.5em .8em;border-radius:4px;display:inline-block}\n"
    ".verdict.ok{background:#dafbe1;border:1px solid #1a7f37}\n"
    ".verdict.bad{background:#ffebe9;border:1px solid #cf222e}\n"
    ".verdict.unknown{background:#f6f8fa;border:1px solid #6e7781}\n"
    ".note{color:#57606a;font-size:.9em}\n"
    "figure{margin:1em 0}\n"
    "figcaption{font-weight:bold;margin-bottom:.3em}\n"
    "footer{margin-top:2em;color:#57606a;font-size:.85em}\n";

static void
put_head(struct buf *b, const struct doc *d, const char *generator)
{
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<meta name=\"generator\" content=\"");
	html_puts(b, generator);
	buf_puts(b, "\">\n<title>Experiment report: ");
	put_text(b, d->name != NULL ? d->name : d->id);
	buf_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n",
	    style);
}

/* The SRM verdict in a sentence, with its class. */
static void
put_srm_verdict(struct buf *b, const struct doc *d)
{
	if (d->srm_mismatch == 1)
		buf_puts(b, "<p class=\"verdict bad\">"
		    "<strong>SRM: sample ratio mismatch.</strong> The arm sizes "
		    "differ from the planned split by more than chance allows; "
		    "randomization or logging may be broken, and the lifts "
		    "below may be biased.</p>\n");
	else if (d->srm_mismatch == 0)
		buf_puts(b, "<p class=\"verdict ok\">"
		    "<strong>SRM: no sample ratio mismatch.</strong> The arm "
		    "sizes agree with the planned split.</p>\n");
	else
		buf_puts(b, "<p class=\"verdict unknown\">"
		    "<strong>SRM: not checked.</strong> The document has no "
		    "sample ratio check; compare the arm sizes below with the "
		    "planned split.</p>\n");
}

static void
put_facts(struct buf *b, const struct doc *d)
{
	size_t i, nsig = 0, nknown = 0;

	buf_puts(b, "<h1>Experiment report: ");
	put_text(b, d->name != NULL ? d->name : d->id);
	buf_puts(b, "</h1>\n<dl class=\"facts\">\n<dt>Experiment</dt><dd>");
	put_text(b, d->id);
	buf_puts(b, "</dd>\n<dt>Name</dt><dd>");
	put_text(b, d->name);
	buf_puts(b, "</dd>\n<dt>Customers</dt><dd>");
	put_count(b, d->total);
	buf_puts(b, "</dd>\n<dt>Primary metric</dt><dd>");
	put_text(b, d->primary);
	buf_puts(b, "</dd>\n<dt>Significance level</dt><dd>");
	forest_number(b, d->alpha, 3, 0);
	buf_puts(b, "</dd>\n<dt>Significant comparisons</dt><dd>");
	for (i = 0; i < d->nlifts; i++)
		if (d->lift[i].significant >= 0) {
			nknown++;
			nsig += (size_t)d->lift[i].significant;
		}
	buf_printf(b, "%zu of %zu", nsig, nknown);
	buf_puts(b, "</dd>\n<dt>Computed at</dt><dd>");
	put_text(b, d->computed_at);
	buf_puts(b, "</dd>\n</dl>\n<div id=\"srm-verdict\">");
	put_srm_verdict(b, d);
	buf_puts(b, "</div>\n");
}

static int
any_fallback(const struct doc *d)
{
	size_t i;

	for (i = 0; i < d->narms; i++)
		if (isfinite(d->arm[i].fallback) ||
		    isfinite(d->arm[i].fallback_rate))
			return 1;
	return 0;
}

static void
put_arms(struct buf *b, const struct doc *d)
{
	int fallback = any_fallback(d);
	const struct arm *a;
	size_t i, j;

	buf_puts(b, "<h2 id=\"arms\">Arms</h2>\n<table class=\"arms\">\n"
	    "<thead><tr><th>Arm</th><th>Customers</th>");
	for (j = 0; j < d->counts.n; j++) {
		buf_puts(b, "<th>");
		html_puts(b, d->counts.name[j]);
		buf_puts(b, "</th>");
	}
	for (j = 0; j < d->metrics.n; j++) {
		buf_puts(b, "<th>");
		html_puts(b, d->metrics.name[j]);
		buf_puts(b, "</th>");
	}
	if (fallback)
		buf_puts(b, "<th>Fallbacks</th><th>Fallback rate</th>");
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < d->narms; i++) {
		a = &d->arm[i];
		buf_puts(b, "<tr><th scope=\"row\">");
		put_text(b, a->name);
		buf_puts(b, "</th><td class=\"num\">");
		put_count(b, a->size);
		buf_puts(b, "</td>");
		for (j = 0; j < d->counts.n; j++) {
			buf_puts(b, "<td class=\"num\">");
			put_count(b, count_of(a, d->counts.name[j]));
			buf_puts(b, "</td>");
		}
		for (j = 0; j < d->metrics.n; j++) {
			buf_puts(b, "<td class=\"num\">");
			put_rate(b, rate_of(a, d->metrics.name[j]));
			buf_puts(b, "</td>");
		}
		if (fallback) {
			buf_puts(b, "<td class=\"num\">");
			put_count(b, a->fallback);
			buf_puts(b, "</td><td class=\"num\">");
			put_rate(b, a->fallback_rate);
			buf_puts(b, "</td>");
		}
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody>\n</table>\n");
}

/* The level shared by the rows' relative intervals, or NAN if mixed. */
static double
relative_level(const struct doc *d, const char *metric)
{
	double level = NAN;
	size_t i;
	int seen = 0;

	for (i = 0; i < d->nlifts; i++) {
		if (strcmp(d->lift[i].metric, metric) != 0 ||
		    !isfinite(d->lift[i].rel_lo))
			continue;
		if (seen && !(level == d->lift[i].rel_level))
			return NAN;
		level = d->lift[i].rel_level;
		seen = 1;
	}
	if (seen && !isfinite(level) && isfinite(d->alpha))
		level = 1 - d->alpha;
	return level;
}

static void
put_forest(struct buf *b, const struct doc *d, const char *metric,
    struct forest_row *row)
{
	struct buf title, axis;
	double level = relative_level(d, metric);
	size_t i, n = 0;

	for (i = 0; i < d->nlifts; i++) {
		if (strcmp(d->lift[i].metric, metric) != 0)
			continue;
		row[n].label = d->lift[i].arm;
		row[n].estimate = d->lift[i].percent;
		row[n].lower = d->lift[i].rel_lo;
		row[n].upper = d->lift[i].rel_hi;
		row[n].significant = d->lift[i].significant == 1;
		n++;
	}
	buf_init(&title);
	buf_init(&axis);
	buf_printf(&title, "Relative lift of %s over control", metric);
	buf_puts(&axis, "Relative lift over control (%)");
	if (isfinite(level)) {
		buf_puts(&axis, ", ");
		forest_number(&axis, level * 100, 0, 0);
		buf_puts(&axis, "% intervals");
	}
	buf_puts(b, "<figure class=\"forest\">\n<figcaption>");
	html_puts(b, metric);
	if (is_primary(d, metric))
		buf_puts(b, " (primary metric)");
	buf_puts(b, "</figcaption>\n");
	forest_svg(b, title.data, axis.data, row, n);
	buf_puts(b, "</figure>\n");
	buf_release(&title);
	buf_release(&axis);
}

/* Appends "[lo, hi]" with the given decimals and sign, or "[n/a]". */
static void
put_interval(struct buf *b, double lo, double hi, double scale, int decimals,
    const char *unit)
{
	if (!isfinite(lo) || !isfinite(hi)) {
		buf_puts(b, "[n/a]");
		return;
	}
	buf_putc(b, '[');
	forest_number(b, lo * scale, decimals, 1);
	buf_puts(b, unit);
	buf_puts(b, ", ");
	forest_number(b, hi * scale, decimals, 1);
	buf_puts(b, unit);
	buf_putc(b, ']');
}

/*
 * Appends the notes (and an error) of the row before as a row of their
 * own across ncols columns, where they don't widen the table.
 */
static void
put_notes(struct buf *b, const cJSON *notes, const char *error, int ncols)
{
	const cJSON *s;
	int first = 1;

	if (cJSON_GetArraySize(notes) == 0 && error == NULL)
		return;
	buf_printf(b, "<tr class=\"notes\"><td></td><td colspan=\"%d\" "
	    "class=\"note\">", ncols - 1);
	cJSON_ArrayForEach(s, notes) {
		buf_puts(b, first ? "" : "; ");
		html_puts(b, s->valuestring);
		first = 0;
	}
	if (error != NULL) {
		buf_puts(b, first ? "error: " : "; error: ");
		html_puts(b, error);
	}
	buf_puts(b, "</td></tr>\n");
}

static void
put_lift_row(struct buf *b, const struct lift *l)
{
	buf_printf(b, "<tr%s><th scope=\"row\">", l->significant != 1 ? "" :
	    l->percent < 0 || l->absolute < 0 ? " class=\"significant loss\"" :
	    " class=\"significant\"");
	html_puts(b, l->arm);
	buf_puts(b, "</th><td>");
	html_puts(b, l->metric);
	buf_puts(b, "</td><td class=\"num\">");
	put_rate(b, l->control);
	buf_puts(b, "</td><td class=\"num\">");
	put_rate(b, l->treatment);
	buf_puts(b, "</td><td class=\"num\">");
	forest_number(b, l->percent, 1, 1);
	if (isfinite(l->percent))
		buf_putc(b, '%');
	buf_puts(b, " ");
	put_interval(b, l->rel_lo, l->rel_hi, 1, 1, "");
	buf_puts(b, "</td><td class=\"num\">");
	forest_number(b, l->absolute * 100, 2, 1);
	buf_puts(b, " ");
	put_interval(b, l->lo, l->hi, 100, 2, "");
	buf_puts(b, "</td><td>");
	put_text(b, l->test);
	buf_puts(b, "</td><td class=\"num\">");
	put_p(b, l->p);
	buf_puts(b, "</td><td class=\"num\">");
	put_p(b, l->p_adjusted);
	buf_puts(b, "</td><td>");
	put_yes_no(b, l->significant);
	buf_puts(b, "</td></tr>\n");
	put_notes(b, l->notes, l->error, 10);
}

static void
put_lifts(struct buf *b, const struct doc *d)
{
	struct forest_row *row;
	size_t i, j;
	int any;

	buf_puts(b, "<h2 id=\"lift\">Lift over control</h2>\n");
	if (d->nlifts == 0) {
		buf_puts(b, "<p>The document has no lift analysis.</p>\n");
		return;
	}
	buf_puts(b, "<p>Each treatment's relative lift over control with its "
	    "interval; a filled, coloured square and a star mark a "
	    "significant difference, and the dashed line is no "
	    "difference.</p>\n");
	row = xcalloc(d->nlifts, sizeof(*row));
	for (i = 0; i < d->metrics.n; i++) {
		for (any = 0, j = 0; j < d->nlifts && !any; j++)
			any = strcmp(d->lift[j].metric, d->metrics.name[i]) == 0;
		if (any)
			put_forest(b, d, d->metrics.name[i], row);
	}
	free(row);
	buf_puts(b, "<table class=\"lift\">\n<thead><tr><th>Treatment</th>"
	    "<th>Metric</th><th>Control</th><th>Treatment</th>"
	    "<th>Relative lift [interval]</th>"
	    "<th>Difference, points [interval]</th><th>Test</th><th>p</th>"
	    "<th>p adjusted</th><th>Significant</th></tr></thead>\n"
	    "<tbody>\n");
	for (i = 0; i < d->nlifts; i++)
		put_lift_row(b, &d->lift[i]);
	buf_puts(b, "</tbody>\n</table>\n");
}

static void
put_segment_row(struct buf *b, const struct doc *d, const struct segment *s)
{
	const char *metric = s->metric != NULL ? s->metric : d->primary;
	const struct arm *a;
	size_t j;

	buf_printf(b, "<tr%s><th scope=\"row\">", s->significant == 1 ?
	    " class=\"significant\"" : "");
	html_puts(b, s->name);
	buf_puts(b, "</th><td class=\"num\">");
	put_count(b, s->size);
	buf_puts(b, "</td><td>");
	put_text(b, s->best);
	buf_puts(b, "</td><td>");
	put_text(b, metric);
	buf_puts(b, "</td><td class=\"num\">");
	forest_number(b, s->percent, 1, 1);
	if (isfinite(s->percent))
		buf_putc(b, '%');
	buf_puts(b, "</td><td class=\"num\">");
	put_p(b, s->p);
	buf_puts(b, "</td><td class=\"num\">");
	put_p(b, s->p_adjusted);
	buf_puts(b, "</td><td>");
	put_yes_no(b, s->significant);
	buf_puts(b, "</td>");
	for (j = 0; j < d->narms; j++) {
		buf_puts(b, "<td class=\"num\">");
		a = find_arm(s->arm, s->narms, d->arm[j].name);
		if (a == NULL || metric == NULL)
			buf_puts(b, "n/a");
		else {
			put_rate(b, rate_of(a, metric));
			buf_puts(b, " <span class=\"note\">(");
			put_count(b, a->size);
			buf_puts(b, ")</span>");
		}
		buf_puts(b, "</td>");
	}
	buf_puts(b, "</tr>\n");
	put_notes(b, s->notes, NULL, 8 + (int)d->narms);
}

static void
put_segments(struct buf *b, const struct doc *d)
{
	size_t i;

	buf_puts(b, "<h2 id=\"segments\">Segments</h2>\n");
	if (!d->has_segments || d->nsegments == 0) {
		buf_puts(b, "<p>The document has no segment breakdown.</p>\n");
		return;
	}
	buf_puts(b, "<p>The best arm of each segment by its metric, and its "
	    "lift over control there. The best arm is picked after seeing "
	    "the data, so read these lifts as leads to test, not as "
	    "results. The last columns give each arm's rate of the metric, "
	    "with its customers in brackets.</p>\n"
	    "<table class=\"segments\">\n<thead><tr><th>Segment</th>"
	    "<th>Customers</th><th>Best arm</th><th>Metric</th><th>Lift</th>"
	    "<th>p</th><th>p adjusted</th><th>Significant</th>");
	for (i = 0; i < d->narms; i++) {
		buf_puts(b, "<th>");
		put_text(b, d->arm[i].name);
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < d->nsegments; i++)
		put_segment_row(b, d, &d->segment[i]);
	buf_puts(b, "</tbody>\n</table>\n");
}

static void
put_checks(struct buf *b, const struct doc *d)
{
	const cJSON *w;
	double sum = 0;
	size_t i;

	buf_puts(b, "<h2 id=\"checks\">Sample ratio (SRM) and fallbacks</h2>"
	    "\n");
	put_srm_verdict(b, d);
	if (d->srm != NULL) {
		buf_puts(b, "<p>Chi-square ");
		forest_number(b, d->srm_chi, 3, 0);
		buf_puts(b, " on ");
		put_count(b, d->srm_df);
		buf_puts(b, " degrees of freedom, p ");
		put_p(b, d->srm_p);
		buf_puts(b, "; a mismatch is declared below p ");
		forest_number(b, d->srm_threshold, 4, 0);
		buf_puts(b, ".</p>\n");
	}
	for (i = 0; i < d->narms; i++)
		if (isfinite(d->arm[i].size))
			sum += d->arm[i].size;
	buf_puts(b, "<table class=\"checks\">\n<thead><tr><th>Arm</th>"
	    "<th>Customers</th><th>Share</th><th>Planned share</th>"
	    "<th>Fallbacks</th><th>Fallback rate</th></tr></thead>\n"
	    "<tbody>\n");
	for (i = 0; i < d->narms; i++) {
		buf_puts(b, "<tr><th scope=\"row\">");
		put_text(b, d->arm[i].name);
		buf_puts(b, "</th><td class=\"num\">");
		put_count(b, d->arm[i].size);
		buf_puts(b, "</td><td class=\"num\">");
		put_rate(b, sum > 0 ? d->arm[i].size / sum : NAN);
		buf_puts(b, "</td><td class=\"num\">");
		w = d->weights != NULL && d->arm[i].name != NULL ?
		    json_get(d->weights, d->arm[i].name) : NULL;
		put_rate(b, w != NULL && cJSON_IsNumber(w) ? w->valuedouble :
		    NAN);
		buf_puts(b, "</td><td class=\"num\">");
		put_count(b, d->arm[i].fallback);
		buf_puts(b, "</td><td class=\"num\">");
		put_rate(b, d->arm[i].fallback_rate);
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody>\n</table>\n<p class=\"note\">A fallback is a "
	    "customer whose arm's message was blocked by the safety screen "
	    "and who was sent the control message instead; customers stay "
	    "in the arm they were randomized to.</p>\n");
}

/* Appends the names of a list, comma separated, or "not stated". */
static void
put_names(struct buf *b, const struct names *l)
{
	size_t i;

	if (l->n == 0)
		buf_puts(b, "not stated");
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			buf_puts(b, ", ");
		html_puts(b, l->name[i]);
	}
}

static void
put_method(struct buf *b, const struct doc *d)
{
	const cJSON *v;
	struct buf key;
	char *k;

	buf_puts(b, "<h2 id=\"method\">Test and correction</h2>\n"
	    "<dl class=\"facts method\">\n<dt>Tests used</dt><dd>");
	put_names(b, &d->tests);
	buf_puts(b, "</dd>\n<dt>Multiple-comparison correction</dt><dd>");
	put_names(b, &d->corrections);
	buf_puts(b, "</dd>\n<dt>Significance level</dt><dd>");
	forest_number(b, d->alpha, 3, 0);
	buf_puts(b, "</dd>\n");
	/* The analysis object as it is: its members may grow. */
	cJSON_ArrayForEach(v, d->analysis) {
		if (!cJSON_IsString(v) && !cJSON_IsNumber(v) &&
		    !cJSON_IsBool(v))
			continue;
		buf_init(&key);
		buf_puts(&key, v->string);
		for (k = key.data; k != NULL && *k != '\0'; k++)
			if (*k == '_')
				*k = ' ';
		buf_puts(b, "<dt>");
		html_puts(b, buf_str(&key));
		buf_release(&key);
		buf_puts(b, "</dt><dd>");
		if (cJSON_IsString(v))
			html_puts(b, v->valuestring);
		else if (cJSON_IsBool(v))
			buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
		else
			forest_number(b, v->valuedouble, 4, 0);
		buf_puts(b, "</dd>\n");
	}
	buf_puts(b, "</dl>\n");
}

int
report_html(const cJSON *root, const char *generator, struct buf *out,
    struct buf *err)
{
	struct reader r = { err, 0 };
	struct doc d;

	memset(&d, 0, sizeof(d));
	read_doc(&r, &d, root);
	if (!r.failed) {
		put_head(out, &d, generator);
		put_facts(out, &d);
		put_arms(out, &d);
		put_lifts(out, &d);
		put_segments(out, &d);
		put_checks(out, &d);
		put_method(out, &d);
		buf_puts(out, "<footer>Written by ");
		html_puts(out, generator);
		buf_puts(out, ".</footer>\n</body>\n</html>\n");
	}
	doc_release(&d);
	return r.failed ? -1 : 0;
}
