/* SPDX-License-Identifier: MIT */
/*
 * Lift analysis. The statistics are lib/inference's; this file decides
 * which to use where and writes the results. CUPED follows Deng, Xu, Kohavi
 * and Walker, "Improving the sensitivity of online controlled experiments
 * by utilizing pre-experiment data" (WSDM 2013): y - theta (x - mean x),
 * with theta pooled within arms so that the treatment effect does not leak
 * into it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "lift.h"
#include "numparse.h"
#include "xalloc.h"

void
lift_options_init(struct lift_options *o)
{
	memset(o, 0, sizeof(*o));
	o->test = TEST_Z_POOLED;
	o->interval = INTERVAL_NEWCOMBE;
	o->correction = CORRECTION_HOLM;
	o->alpha = 0.05;
	o->power_level = 0.8;
	o->computed_at = "1970-01-01T00:00:00Z";
}

int
lift_options_set(struct lift_options *o, const char *name,
    const char *value, struct buf *err)
{
	double v;
	int i;

	if (strcmp(name, "test") == 0) {
		if ((i = inference_lookup(inference_test_names, TEST_N,
		    value)) < 0)
			goto bad;
		o->test = (enum inference_test)i;
	} else if (strcmp(name, "interval") == 0) {
		if ((i = inference_lookup(inference_interval_names, INTERVAL_N,
		    value)) < 0)
			goto bad;
		o->interval = (enum inference_interval)i;
	} else if (strcmp(name, "correction") == 0) {
		if ((i = inference_lookup(inference_correction_names,
		    CORRECTION_N, value)) < 0)
			goto bad;
		o->correction = (enum inference_correction)i;
	} else if (strcmp(name, "alpha") == 0) {
		if (num_parse_double(value, strlen(value), &v) != NUM_OK ||
		    !(v > 0 && v <= 0.5))
			goto bad;
		o->alpha = v;
	} else if (strcmp(name, "mde") == 0) {
		if (num_parse_double(value, strlen(value), &v) != NUM_OK ||
		    !(v > 0 && v <= 10))
			goto bad;
		o->mde = v;
		o->power = 1;
	}
	return 0;
bad:
	if (strcmp(name, "test") == 0)
		buf_puts(err, "expected z_pooled, z_unpooled, chi_square_yates "
		    "or fisher_exact");
	else if (strcmp(name, "interval") == 0)
		buf_puts(err, "expected newcombe or wald");
	else if (strcmp(name, "correction") == 0)
		buf_puts(err, "expected holm, bh, bonferroni or none");
	else if (strcmp(name, "alpha") == 0)
		buf_puts(err, "expected a number above 0 and at most 0.5");
	else
		buf_puts(err, "expected a relative lift above 0 and at most 10");
	buf_printf(err, ", got '%s'", value);
	return -1;
}

static double
rate(unsigned long x, unsigned long n)
{
	return n == 0 ? NAN : (double)x / (double)n;
}

/*
 * The test part of a comparison of control cell c and treatment cell t on
 * metric m: rates, lifts, the test (Fisher's exact test in place of an
 * approximate one when an expected count is below 5) and intervals.
 */
static void
compare(const struct lift_options *o, const struct tally_cell *c,
    const struct tally_cell *t, enum metric m, struct lift_comparison *r)
{
	unsigned long xc = c->outcome[m], nc = c->sent, xt = t->outcome[m];
	unsigned long nt = t->sent;
	double lift, se;

	r->metric = m;
	r->control = rate(xc, nc);
	r->treatment = rate(xt, nt);
	r->absolute = r->treatment - r->control;
	r->percent = r->control > 0 ? r->absolute / r->control * 100 : NAN;
	r->test = o->test;
	r->small = o->test != TEST_FISHER &&
	    inference_small_expected(xc, nc, xt, nt) && nc > 0 && nt > 0;
	if (r->small)
		r->test = TEST_FISHER;
	inference_test(r->test, xc, nc, xt, nt, &r->r);
	r->p_adjusted = NAN;
	r->significant = 0;
	r->lo = r->hi = NAN;
	inference_interval(o->interval, xc, nc, xt, nt, o->alpha, &r->lo,
	    &r->hi);
	r->rel_se = r->rel_lo = r->rel_hi = NAN;
	if (inference_relative(xc, nc, xt, nt, o->alpha, &lift, &se,
	    &r->rel_lo, &r->rel_hi) == 0) {
		r->rel_se = se * 100;
		r->rel_lo *= 100;
		r->rel_hi *= 100;
	}
	r->cuped_control = r->cuped_treatment = r->cuped_absolute = NAN;
	r->cuped_lo = r->cuped_hi = r->cuped_p = NAN;
	r->cuped_reduction = r->cuped_theta = NAN;
}

/* Sums of a cell as doubles, for CUPED on metric m. */
struct moments {
	double n, sx, sxx, sy, sxy;
};

static struct moments
moments_of(const struct tally_cell *c, enum metric m)
{
	enum tally_covariate v = tally_covariate_of[m];
	struct moments s;

	s.n = (double)c->sent;
	s.sx = (double)c->x[v] / TALLY_SCALE;
	s.sxx = (double)c->xx[v] / ((double)TALLY_SCALE * TALLY_SCALE);
	s.sy = (double)c->outcome[m];
	s.sxy = (double)c->xy[m] / TALLY_SCALE;
	return s;
}

/*
 * CUPED for comparison r, given the cells of every arm (theta and the
 * covariate's mean are pooled over all of them) and the control and
 * treatment cells.
 */
static void
cuped(const struct lift_analysis *a, struct lift_comparison *r,
    const struct tally_cell *c, const struct tally_cell *t)
{
	const struct experiment *e = a->tally->exp;
	struct moments s, mc = moments_of(c, r->metric), mt = moments_of(t,
	    r->metric);
	double sxx = 0, sxy = 0, sumx = 0, n = 0, theta, mean, z;
	double vc, vt, v0c, v0t, se, se0;
	size_t i;

	if (mc.n < 2 || mt.n < 2)
		return;
	for (i = 0; i < e->narms; i++) {
		if (a->arm[i].sent == 0)
			continue;
		s = moments_of(&a->arm[i], r->metric);
		sxx += s.sxx - s.sx * s.sx / s.n;
		sxy += s.sxy - s.sx * s.sy / s.n;
		sumx += s.sx;
		n += s.n;
	}
	theta = sxx > 0 ? sxy / sxx : 0;
	mean = sumx / n;
	r->cuped_theta = theta;
	r->cuped_control = mc.sy / mc.n - theta * (mc.sx / mc.n - mean);
	r->cuped_treatment = mt.sy / mt.n - theta * (mt.sx / mt.n - mean);
	r->cuped_absolute = r->cuped_treatment - r->cuped_control;
	/* Var(y - theta x) within each arm, from the centred sums. */
	v0c = (mc.sy - mc.sy * mc.sy / mc.n) / (mc.n - 1);
	v0t = (mt.sy - mt.sy * mt.sy / mt.n) / (mt.n - 1);
	vc = v0c - (2 * theta * (mc.sxy - mc.sx * mc.sy / mc.n) -
	    theta * theta * (mc.sxx - mc.sx * mc.sx / mc.n)) / (mc.n - 1);
	vt = v0t - (2 * theta * (mt.sxy - mt.sx * mt.sy / mt.n) -
	    theta * theta * (mt.sxx - mt.sx * mt.sx / mt.n)) / (mt.n - 1);
	se = sqrt(fmax(vc, 0) / mc.n + fmax(vt, 0) / mt.n);
	se0 = sqrt(v0c / mc.n + v0t / mt.n);
	z = inference_norm_quantile(1 - a->opt->alpha / 2);
	r->cuped_lo = r->cuped_absolute - z * se;
	r->cuped_hi = r->cuped_absolute + z * se;
	r->cuped_p = se > 0 ? 2 * inference_norm_sf(fabs(r->cuped_absolute /
	    se)) : NAN;
	r->cuped_reduction = se0 > 0 ? 1 - (se * se) / (se0 * se0) : NAN;
}

/* Adjusts the p-values of n comparisons (stride apart) and decides. */
static void
adjust(const struct lift_options *o, struct lift_comparison *c, size_t n,
    size_t stride)
{
	double *p = xcalloc(n > 0 ? n : 1, sizeof(*p));
	struct lift_comparison *r;
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = ((struct lift_comparison *)((char *)c + i * stride))->r.p;
	inference_adjust(o->correction, p, p, n);
	for (i = 0; i < n; i++) {
		r = (struct lift_comparison *)((char *)c + i * stride);
		r->p_adjusted = p[i];
		r->significant = !isnan(p[i]) && p[i] < o->alpha;
	}
	free(p);
}

static void
segments(struct lift_analysis *a)
{
	const struct tally *t = a->tally;
	const struct experiment *e = t->exp;
	enum metric pm = e->primary_metric;
	const struct tally_cell *c, *b;
	struct lift_segment *s;
	size_t *order = tally_sorted_segments(t), i, j;
	double best;

	a->nsegments = t->segments.n;
	a->segment = xcalloc(a->nsegments > 0 ? a->nsegments : 1,
	    sizeof(*a->segment));
	for (i = 0; i < a->nsegments; i++) {
		s = &a->segment[i];
		s->k = order[i];
		best = -1;
		for (j = 0; j < e->narms; j++) {
			c = tally_cell(t, s->k, j);
			s->size += c->sent;
			if (c->sent > 0 && rate(c->outcome[pm], c->sent) > best) {
				best = rate(c->outcome[pm], c->sent);
				s->best = j;
			}
		}
		c = tally_cell(t, s->k, e->control);
		b = tally_cell(t, s->k, s->best);
		s->cmp.arm = s->best;
		compare(a->opt, c, b, pm, &s->cmp);
		s->tested = s->best != e->control && c->sent > 0;
		if (!s->tested) {
			s->cmp.r.p = NAN;
			s->cmp.r.statistic = NAN;
		}
	}
	free(order);
	adjust(a->opt, &a->segment[0].cmp, a->nsegments, sizeof(*a->segment));
}

void
lift_analyze(struct lift_analysis *a, const struct tally *t,
    const struct lift_options *o)
{
	const struct experiment *e = t->exp;
	unsigned long sizes[EXPERIMENT_ARMS_MAX];
	double w[EXPERIMENT_ARMS_MAX];
	struct lift_comparison *r;
	size_t i;
	int m;

	memset(a, 0, sizeof(*a));
	a->tally = t;
	a->opt = o;
	a->cuped_available = 1;
	for (i = 0; i < e->narms; i++) {
		tally_arm_total(t, i, &a->arm[i]);
		a->total += a->arm[i].sent;
		a->cuped_missing += a->arm[i].sent - a->arm[i].covariates;
		sizes[i] = a->arm[i].sent;
		w[i] = e->arm[i].weight;
	}
	a->cuped_available = a->cuped_missing == 0 && a->total > 0;
	for (i = 0; i < e->narms; i++) {
		if (i == e->control)
			continue;
		for (m = 0; m < METRIC_N; m++) {
			r = &a->cmp[a->ncmp++];
			r->arm = i;
			compare(o, &a->arm[e->control], &a->arm[i],
			    (enum metric)m, r);
			if (o->cuped && a->cuped_available)
				cuped(a, r, &a->arm[e->control], &a->arm[i]);
		}
	}
	adjust(o, a->cmp, a->ncmp, sizeof(*a->cmp));
	a->srm_p = inference_srm(sizes, w, e->narms, &a->srm_chisq);
	a->srm_mismatch = a->srm_p < LIFT_SRM_ALPHA;
	segments(a);
}

void
lift_analysis_release(struct lift_analysis *a)
{
	free(a->segment);
	a->segment = NULL;
}

/* JSON output. */

static void
key(struct buf *b, const char *k)
{
	jsonw_key(b, k);
}

static void
str(struct buf *b, const char *s)
{
	jsonw_string(b, s, strlen(s));
}

static void
num(struct buf *b, double d)
{
	jsonw_double(b, d);
}

static void
put_metrics(struct buf *b, const struct tally_cell *c)
{
	int m;

	buf_putc(b, '{');
	for (m = 0; m < METRIC_N; m++) {
		if (m > 0)
			buf_putc(b, ',');
		key(b, metric_names[m]);
		num(b, rate(c->outcome[m], c->sent));
	}
	buf_putc(b, '}');
}

static void
put_arm(struct buf *b, const char *name, const struct tally_cell *c)
{
	buf_putc(b, '{');
	key(b, "arm_name");
	str(b, name);
	buf_puts(b, ",\"sample_size\":");
	jsonw_int(b, (long long)c->sent);
	buf_puts(b, ",\"metrics\":");
	put_metrics(b, c);
	buf_puts(b, ",\"counts\":{\"sent\":");
	jsonw_int(b, (long long)c->sent);
	buf_puts(b, ",\"opened\":");
	jsonw_int(b, (long long)c->outcome[METRIC_OPEN]);
	buf_puts(b, ",\"clicked\":");
	jsonw_int(b, (long long)c->outcome[METRIC_CLICK]);
	buf_puts(b, ",\"converted\":");
	jsonw_int(b, (long long)c->outcome[METRIC_CONVERT]);
	buf_puts(b, "},\"fallback\":{\"count\":");
	jsonw_int(b, (long long)c->fallback);
	buf_puts(b, ",\"rate\":");
	num(b, rate(c->fallback, c->sent));
	buf_puts(b, "}}");
}

/* Appends the reasons values are null, as a "notes" array, if any. */
static void
put_notes(struct buf *b, const struct lift_comparison *r)
{
	const char *note[4];
	int n = 0, i;

	if (isnan(r->control) || isnan(r->treatment))
		note[n++] = "an arm has no customers: nothing to compare";
	else if (!(r->control > 0))
		note[n++] = "the control rate is 0: the relative lift is "
		    "undefined";
	if (r->small)
		note[n++] = "an expected count is below 5: Fisher's exact "
		    "test is used";
	if (n == 0)
		return;
	buf_puts(b, ",\"notes\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		str(b, note[i]);
	}
	buf_putc(b, ']');
}

/* Appends an interval object, without its closing brace. */
static void
put_interval(struct buf *b, double lo, double hi, double level,
    const char *method)
{
	buf_puts(b, "{\"lower\":");
	num(b, lo);
	buf_puts(b, ",\"upper\":");
	num(b, hi);
	buf_puts(b, ",\"level\":");
	num(b, level);
	buf_puts(b, ",\"method\":");
	str(b, method);
}

static void
put_cuped(struct buf *b, const struct lift_comparison *r, double level)
{
	buf_puts(b, ",\"cuped\":{\"control_value\":");
	num(b, r->cuped_control);
	buf_puts(b, ",\"treatment_value\":");
	num(b, r->cuped_treatment);
	buf_puts(b, ",\"lift_absolute\":");
	num(b, r->cuped_absolute);
	buf_puts(b, ",\"p_value\":");
	num(b, r->cuped_p);
	buf_puts(b, ",\"confidence_interval\":");
	put_interval(b, r->cuped_lo, r->cuped_hi, level, "normal");
	buf_puts(b, "},\"theta\":");
	num(b, r->cuped_theta);
	buf_puts(b, ",\"variance_reduction\":");
	num(b, r->cuped_reduction);
	buf_putc(b, '}');
}

static void
put_comparison(const struct lift_analysis *a, struct buf *b,
    const struct lift_comparison *r)
{
	const struct lift_options *o = a->opt;
	const struct experiment *e = a->tally->exp;
	double level = 1 - o->alpha;

	buf_puts(b, "{\"treatment_arm\":");
	str(b, e->arm[r->arm].name);
	buf_puts(b, ",\"metric\":");
	str(b, metric_names[r->metric]);
	buf_puts(b, ",\"primary\":");
	jsonw_bool(b, r->metric == e->primary_metric);
	buf_puts(b, ",\"control_value\":");
	num(b, r->control);
	buf_puts(b, ",\"treatment_value\":");
	num(b, r->treatment);
	buf_puts(b, ",\"lift_percent\":");
	num(b, r->percent);
	buf_puts(b, ",\"lift_absolute\":");
	num(b, r->absolute);
	buf_puts(b, ",\"statistical_significance\":{\"test\":");
	str(b, inference_test_names[r->test]);
	buf_puts(b, ",\"statistic\":");
	num(b, r->r.statistic);
	buf_puts(b, ",\"p_value\":");
	num(b, r->r.p);
	buf_puts(b, ",\"p_value_adjusted\":");
	num(b, r->p_adjusted);
	buf_puts(b, ",\"correction\":");
	str(b, inference_correction_names[o->correction]);
	buf_puts(b, ",\"significant\":");
	jsonw_bool(b, r->significant);
	buf_puts(b, ",\"confidence_interval\":");
	put_interval(b, r->lo, r->hi, level,
	    inference_interval_names[o->interval]);
	buf_puts(b, "},\"relative_confidence_interval\":");
	put_interval(b, r->rel_lo, r->rel_hi, level, "delta");
	buf_puts(b, ",\"se\":");
	num(b, r->rel_se);
	buf_puts(b, "}}");
	if (o->cuped && a->cuped_available)
		put_cuped(b, r, level);
	put_notes(b, r);
	buf_putc(b, '}');
}

static void
put_analysis(const struct lift_analysis *a, struct buf *b)
{
	const struct lift_options *o = a->opt;

	buf_puts(b, ",\"analysis\":{\"unit\":\"intention_to_treat\","
	    "\"test\":");
	str(b, inference_test_names[o->test]);
	buf_puts(b, ",\"small_sample_test\":\"fisher_exact\","
	    "\"small_sample_rule\":\"an expected count below 5\","
	    "\"interval\":");
	str(b, inference_interval_names[o->interval]);
	buf_puts(b, ",\"relative_interval\":\"delta\",\"correction\":");
	str(b, inference_correction_names[o->correction]);
	buf_puts(b, ",\"family\":\"every treatment arm and metric\","
	    "\"significant_when\":\"p_value_adjusted < alpha\","
	    "\"lift_percent\":\"100 * (treatment - control) / control\"}");
}

static void
put_srm(const struct lift_analysis *a, struct buf *b)
{
	const struct experiment *e = a->tally->exp;
	size_t i;

	buf_puts(b, ",\"sample_ratio\":{\"chi_square\":");
	num(b, a->srm_chisq);
	buf_puts(b, ",\"df\":");
	jsonw_int(b, (long long)e->narms - 1);
	buf_puts(b, ",\"p_value\":");
	num(b, a->srm_p);
	buf_puts(b, ",\"mismatch\":");
	jsonw_bool(b, a->srm_mismatch);
	buf_puts(b, ",\"threshold\":");
	num(b, LIFT_SRM_ALPHA);
	buf_puts(b, ",\"weights\":{");
	for (i = 0; i < e->narms; i++) {
		if (i > 0)
			buf_putc(b, ',');
		key(b, e->arm[i].name);
		num(b, e->arm[i].weight);
	}
	buf_puts(b, "}}");
}

static void
put_segments(const struct lift_analysis *a, struct buf *b)
{
	const struct tally *t = a->tally;
	const struct experiment *e = t->exp;
	const struct lift_segment *s;
	size_t i, j;

	buf_puts(b, ",\"segment_breakdown\":[");
	for (i = 0; i < a->nsegments; i++) {
		s = &a->segment[i];
		if (i > 0)
			buf_putc(b, ',');
		buf_puts(b, "{\"segment\":");
		jsonw_string(b, t->segments.str[s->k], t->segments.len[s->k]);
		buf_puts(b, ",\"sample_size\":");
		jsonw_int(b, (long long)s->size);
		buf_puts(b, ",\"best_performing_arm\":");
		str(b, e->arm[s->best].name);
		buf_puts(b, ",\"lift_percent\":");
		num(b, s->best == e->control ? 0 : s->cmp.percent);
		buf_puts(b, ",\"metric\":");
		str(b, metric_names[e->primary_metric]);
		buf_puts(b, ",\"lift_absolute\":");
		num(b, s->best == e->control ? 0 : s->cmp.absolute);
		buf_puts(b, ",\"test\":");
		if (s->tested)
			str(b, inference_test_names[s->cmp.test]);
		else
			buf_puts(b, "null");
		buf_puts(b, ",\"p_value\":");
		num(b, s->cmp.r.p);
		buf_puts(b, ",\"p_value_adjusted\":");
		num(b, s->cmp.p_adjusted);
		buf_puts(b, ",\"significant\":");
		jsonw_bool(b, s->cmp.significant);
		if (!s->tested)
			buf_puts(b, s->best == e->control ?
			    ",\"notes\":[\"the control arm is best\"]" :
			    ",\"notes\":[\"no control customers in the "
			    "segment\"]");
		buf_puts(b, ",\"arms\":[");
		for (j = 0; j < e->narms; j++) {
			if (j > 0)
				buf_putc(b, ',');
			put_arm(b, e->arm[j].name, tally_cell(t, s->k, j));
		}
		buf_puts(b, "]}");
	}
	buf_putc(b, ']');
}

static void
put_power(const struct lift_analysis *a, struct buf *b)
{
	const struct lift_options *o = a->opt;
	const struct experiment *e = a->tally->exp;
	const struct tally_cell *c = &a->arm[e->control];
	double pc, mde, n;
	size_t i;
	int m, first = 1;

	buf_puts(b, ",\"power\":{\"power\":");
	num(b, o->power_level);
	buf_puts(b, ",\"alpha\":");
	num(b, o->alpha);
	buf_puts(b, ",\"minimum_detectable_effect\":[");
	for (i = 0; i < e->narms; i++) {
		if (i == e->control)
			continue;
		for (m = 0; m < METRIC_N; m++) {
			pc = rate(c->outcome[m], c->sent);
			mde = inference_mde(pc, (double)c->sent,
			    (double)a->arm[i].sent, o->alpha, o->power_level);
			if (!first)
				buf_putc(b, ',');
			first = 0;
			buf_puts(b, "{\"treatment_arm\":");
			str(b, e->arm[i].name);
			buf_puts(b, ",\"metric\":");
			str(b, metric_names[m]);
			buf_puts(b, ",\"baseline\":");
			num(b, pc);
			buf_puts(b, ",\"mde_absolute\":");
			num(b, mde);
			buf_puts(b, ",\"mde_percent\":");
			num(b, pc > 0 ? mde / pc * 100 : NAN);
			buf_putc(b, '}');
		}
	}
	buf_putc(b, ']');
	if (o->mde > 0) {
		buf_puts(b, ",\"sample_size\":[");
		for (m = 0; m < METRIC_N; m++) {
			pc = rate(c->outcome[m], c->sent);
			n = inference_sample_size(pc, pc * (1 + o->mde),
			    o->alpha, o->power_level);
			if (m > 0)
				buf_putc(b, ',');
			buf_puts(b, "{\"metric\":");
			str(b, metric_names[m]);
			buf_puts(b, ",\"baseline\":");
			num(b, pc);
			buf_puts(b, ",\"relative_lift\":");
			num(b, o->mde);
			buf_puts(b, ",\"per_arm\":");
			num(b, pc > 0 && pc * (1 + o->mde) < 1 ? ceil(n) : NAN);
			buf_putc(b, '}');
		}
		buf_putc(b, ']');
	}
	buf_putc(b, '}');
}

void
lift_write_json(const struct lift_analysis *a, struct buf *b)
{
	const struct lift_options *o = a->opt;
	const struct experiment *e = a->tally->exp;
	size_t i;

	buf_puts(b, "{\"experiment_id\":");
	str(b, e->id);
	buf_puts(b, ",\"experiment_name\":");
	str(b, e->name);
	buf_puts(b, ",\"total_customers\":");
	jsonw_int(b, (long long)a->total);
	buf_puts(b, ",\"primary_metric\":");
	str(b, metric_names[e->primary_metric]);
	buf_puts(b, ",\"alpha\":");
	num(b, o->alpha);
	put_analysis(a, b);
	buf_puts(b, ",\"arms\":[");
	for (i = 0; i < e->narms; i++) {
		if (i > 0)
			buf_putc(b, ',');
		put_arm(b, e->arm[i].name, &a->arm[i]);
	}
	buf_puts(b, "],\"lift_analysis\":[");
	for (i = 0; i < a->ncmp; i++) {
		if (i > 0)
			buf_putc(b, ',');
		put_comparison(a, b, &a->cmp[i]);
	}
	buf_putc(b, ']');
	put_srm(a, b);
	put_segments(a, b);
	if (o->cuped) {
		buf_puts(b, ",\"cuped\":{\"available\":");
		jsonw_bool(b, a->cuped_available);
		buf_puts(b, ",\"covariates\":{\"open_rate\":"
		    "\"historical_open_rate\",\"click_rate\":"
		    "\"historical_click_rate\",\"conversion_rate\":"
		    "\"historical_click_rate\"},\"missing\":");
		jsonw_int(b, (long long)a->cuped_missing);
		buf_putc(b, '}');
	}
	if (o->power)
		put_power(a, b);
	buf_puts(b, ",\"computed_at\":");
	str(b, o->computed_at);
	buf_puts(b, "}\n");
}

/* Table output. */

static void
pct(struct buf *b, double v, int width)
{
	if (isnan(v))
		buf_printf(b, "%*s", width, "-");
	else
		buf_printf(b, "%*.2f%%", width - 1, v * 100);
}

/*
 * Appends v with prec decimals (and a sign when plus) right-aligned in
 * width columns, or "-" when it is NaN, then suffix.
 */
static void
fixed(struct buf *b, double v, int width, int prec, int plus,
    const char *suffix)
{
	if (isnan(v)) {
		/* Keep the column: the dash takes the unit's place too. */
		if (suffix[0] == '%')
			buf_printf(b, "%*s", width + 1, "-"), suffix++;
		else
			buf_printf(b, "%*s", width, "-");
	} else
		buf_printf(b, plus ? "%+*.*f" : "%*.*f", width, prec, v);
	buf_puts(b, suffix);
}

void
lift_write_table(const struct lift_analysis *a, struct buf *b)
{
	const struct lift_options *o = a->opt;
	const struct experiment *e = a->tally->exp;
	const struct lift_comparison *r;
	const struct tally_cell *c;
	size_t i;

	buf_printf(b, "experiment %s (%s): %lu customers, primary metric "
	    "%s\n", e->id, e->name, a->total,
	    metric_names[e->primary_metric]);
	buf_printf(b, "test %s, %s intervals at %g%%, %s correction, "
	    "alpha %g, by intention to treat\n\n",
	    inference_test_names[o->test],
	    inference_interval_names[o->interval], (1 - o->alpha) * 100,
	    inference_correction_names[o->correction], o->alpha);
	buf_printf(b, "%-14s %8s %10s %10s %10s %9s\n", "arm", "sent",
	    "open", "click", "convert", "fallback");
	for (i = 0; i < e->narms; i++) {
		c = &a->arm[i];
		buf_printf(b, "%-14s %8lu ", e->arm[i].name, c->sent);
		pct(b, rate(c->outcome[METRIC_OPEN], c->sent), 10);
		buf_putc(b, ' ');
		pct(b, rate(c->outcome[METRIC_CLICK], c->sent), 10);
		buf_putc(b, ' ');
		pct(b, rate(c->outcome[METRIC_CONVERT], c->sent), 10);
		buf_putc(b, ' ');
		pct(b, rate(c->fallback, c->sent), 9);
		buf_putc(b, '\n');
	}
	buf_printf(b, "\n%-14s %-16s %10s %10s %22s %8s %8s\n", "treatment",
	    "metric", "lift", "relative", "interval (points)", "p",
	    "p adj");
	for (i = 0; i < a->ncmp; i++) {
		r = &a->cmp[i];
		buf_printf(b, "%-14s %-16s ", e->arm[r->arm].name,
		    metric_names[r->metric]);
		fixed(b, r->absolute * 100, 9, 2, 1, "p ");
		fixed(b, r->percent, 9, 1, 1, "% [");
		fixed(b, r->lo * 100, 8, 2, 1, ", ");
		fixed(b, r->hi * 100, 8, 2, 1, "] ");
		fixed(b, r->r.p, 8, 4, 0, " ");
		fixed(b, r->p_adjusted, 8, 4, 0, r->significant ? " *\n" :
		    "\n");
	}
	buf_printf(b, "\nsample ratio: chi-square %.4f on %zu df, p %.4g%s\n",
	    a->srm_chisq, e->narms - 1, a->srm_p, a->srm_mismatch ?
	    " (mismatch)" : "");
}
