/* SPDX-License-Identifier: MIT */
/*
 * The experiment report. The document is read whole first (lib/expdoc),
 * so a malformed one is found before any HTML is written and the sections
 * can look at each other's data (the segment table needs the arm names,
 * the summary the lift rows); the page is then written section by section.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expdoc.h"
#include "forest.h"
#include "html.h"
#include "report.h"
#include "xalloc.h"
/* Helpers for cells and numbers. */

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
put_head(struct buf *b, const struct expdoc *d, const char *generator)
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
put_srm_verdict(struct buf *b, const struct expdoc *d)
{
	if (d->srm_mismatch == 1)
		buf_puts(b, "<p class=\"verdict bad\">"
		    "<strong>SRM: sample ratio mismatch.</strong> The arm "
		    "sizes differ from the planned split by more than chance "
		    "allows; randomization or logging may be broken, and the "
		    "lifts below may be biased.</p>\n");
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
put_facts(struct buf *b, const struct expdoc *d)
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
any_fallback(const struct expdoc *d)
{
	size_t i;

	for (i = 0; i < d->narms; i++)
		if (isfinite(d->arm[i].fallback) ||
		    isfinite(d->arm[i].fallback_rate))
			return 1;
	return 0;
}

static void
put_arms(struct buf *b, const struct expdoc *d)
{
	int fallback = any_fallback(d);
	const struct expdoc_arm *a;
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
			put_count(b, expdoc_count(a, d->counts.name[j]));
			buf_puts(b, "</td>");
		}
		for (j = 0; j < d->metrics.n; j++) {
			buf_puts(b, "<td class=\"num\">");
			put_rate(b, expdoc_rate(a, d->metrics.name[j]));
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
relative_level(const struct expdoc *d, const char *metric)
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
put_forest(struct buf *b, const struct expdoc *d, const char *metric,
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
	if (expdoc_is_primary(d, metric))
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
put_lift_row(struct buf *b, const struct expdoc_lift *l)
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
put_lifts(struct buf *b, const struct expdoc *d)
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
			any = strcmp(d->lift[j].metric,
			    d->metrics.name[i]) == 0;
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
put_segment_row(struct buf *b, const struct expdoc *d,
    const struct expdoc_segment *s)
{
	const char *metric = s->metric != NULL ? s->metric : d->primary;
	const struct expdoc_arm *a;
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
		a = expdoc_find_arm(s->arm, s->narms, d->arm[j].name);
		if (a == NULL || metric == NULL)
			buf_puts(b, "n/a");
		else {
			put_rate(b, expdoc_rate(a, metric));
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
put_segments(struct buf *b, const struct expdoc *d)
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
put_checks(struct buf *b, const struct expdoc *d)
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
put_names(struct buf *b, const struct expdoc_names *l)
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
put_method(struct buf *b, const struct expdoc *d)
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
	struct expdoc d;
	int rc;

	if ((rc = expdoc_read(&d, root, err)) == 0) {
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
	expdoc_release(&d);
	return rc;
}
