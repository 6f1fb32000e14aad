/* SPDX-License-Identifier: MIT */
/*
 * Segmentation rules: the reference system's table as const data, the JSON
 * rules file reader, first-match evaluation with a confidence, and the text
 * that describes a rule.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonfile.h"
#include "jsonw.h"
#include "segrules.h"
#include "xalloc.h"

const char *const segfield_names[SEGF_N] = {
	"age", "purchase_frequency", "avg_order_value", "last_engagement_days",
	"historical_open_rate", "historical_click_rate", "engagement_score"
};

/*
 * Margins: a change of this much in a field is a real difference in
 * behaviour (ten years of age, three purchases a year, 50 dollars an order,
 * two weeks of silence, ten points of open rate, five of click rate).
 */
const double segfield_margins[SEGF_N] = {
	10, 3, 50, 15, 0.1, 0.05, 0.1
};

const char *const segop_names[6] = { "<", "<=", ">", ">=", "==", "!=" };

/* The reference system's rules (its segmentation.py), first match wins. */
static const struct segcond high_value_recent[] = {
	{ SEGF_AVG_ORDER_VALUE, SEGOP_GT, 200, 50 },
	{ SEGF_LAST_ENGAGEMENT_DAYS, SEGOP_LT, 30, 15 },
};
static const struct segcond at_risk[] = {
	{ SEGF_PURCHASE_FREQUENCY, SEGOP_GT, 6, 3 },
	{ SEGF_LAST_ENGAGEMENT_DAYS, SEGOP_GT, 30, 15 },
};
static const struct segcond new_customer[] = {
	{ SEGF_PURCHASE_FREQUENCY, SEGOP_LT, 3, 3 },
};
static const struct segcond loyal_frequent[] = {
	{ SEGF_PURCHASE_FREQUENCY, SEGOP_GT, 12, 3 },
	{ SEGF_ENGAGEMENT_SCORE, SEGOP_GT, 0.4, 0.1 },
};
static const struct segrule default_rules[] = {
	{ "High-Value Recent", 0, high_value_recent, 2 },
	{ "At-Risk", 1, at_risk, 2 },
	{ "New Customer", 2, new_customer, 1 },
	{ "Loyal Frequent", 4, loyal_frequent, 2 },
	{ "Standard", 3, NULL, 0 },
};

/* A loaded table lives in one allocation: rules, then conditions, then names. */
struct table {
	struct segrule rule[SEGRULES_MAX];
	struct segcond cond[SEGRULES_MAX * SEGRULES_COND_MAX];
	char *names[SEGRULES_MAX];
};

void
segfield_derive(double f[SEGF_N])
{
	f[SEGF_ENGAGEMENT_SCORE] = (f[SEGF_OPEN_RATE] + f[SEGF_CLICK_RATE]) / 2;
}

void
segrules_init(struct segrules *r)
{
	r->rule = default_rules;
	r->n = sizeof(default_rules) / sizeof(default_rules[0]);
	r->owned = NULL;
}

static void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < SEGRULES_MAX; i++)
		free(t->names[i]);
	free(t);
}

void
segrules_release(struct segrules *r)
{
	table_free(r->owned);
	r->rule = NULL;
	r->n = 0;
	r->owned = NULL;
}

/*
 * Compares x with threshold t: -1, 0 or 1. Equal within one part in 10^9,
 * because (0.1 + 0.7) / 2 is 0.39999999999999997 in binary floating point
 * and a customer's engagement of 0.4 should meet "engagement_score >= 0.4".
 */
static int
compare(double x, double t)
{
	double tol = 1e-9 * fmax(fabs(x), fabs(t));

	if (fabs(x - t) <= tol)
		return 0;
	return x < t ? -1 : 1;
}

static int
cond_holds(const struct segcond *c, double x)
{
	int cmp = compare(x, c->value);

	switch (c->op) {
	case SEGOP_LT: return cmp < 0;
	case SEGOP_LE: return cmp <= 0;
	case SEGOP_GT: return cmp > 0;
	case SEGOP_GE: return cmp >= 0;
	case SEGOP_EQ: return cmp == 0;
	case SEGOP_NE: return cmp != 0;
	}
	return 0;
}

/* How clearly x is on one side of c's threshold, from 0 to 1. */
static double
closeness(const struct segcond *c, double x)
{
	double d;

	if (c->op == SEGOP_EQ || c->op == SEGOP_NE)
		return 1;
	if (compare(x, c->value) == 0)
		return 0;
	d = fabs(x - c->value) / c->margin;
	return d < 1 ? d : 1;
}

int
segrules_holds(const struct segrules *r, size_t i, const double f[SEGF_N])
{
	const struct segrule *rule = &r->rule[i];
	size_t j;

	for (j = 0; j < rule->ncond; j++)
		if (!cond_holds(&rule->cond[j], f[rule->cond[j].field]))
			return 0;
	return 1;
}

size_t
segrules_match(const struct segrules *r, const double f[SEGF_N],
    double *confidence)
{
	const struct segrule *rule;
	const struct segcond *c;
	double least = 1, miss, strength;
	size_t i, j;
	int holds;

	for (i = 0; i < r->n; i++) {
		rule = &r->rule[i];
		holds = 1;
		miss = 0;
		strength = 1;
		for (j = 0; j < rule->ncond; j++) {
			c = &rule->cond[j];
			if (cond_holds(c, f[c->field]))
				strength = fmin(strength, closeness(c,
				    f[c->field]));
			else {
				holds = 0;
				miss = fmax(miss, closeness(c, f[c->field]));
			}
		}
		/* A failed rule counts by the nearest it came to matching. */
		least = fmin(least, holds ? strength : miss);
		if (holds)
			break;
	}
	/* The last rule has no conditions, so i < r->n here. */
	*confidence = 0.5 + 0.5 * least;
	return i;
}

void
segrules_describe(const struct segrules *r, size_t i, struct buf *b)
{
	const struct segrule *rule = &r->rule[i];
	char num[JSONW_DOUBLE_MAX];
	size_t j;

	if (rule->ncond == 0)
		buf_puts(b, "no conditions");
	for (j = 0; j < rule->ncond; j++) {
		jsonw_format_double(rule->cond[j].value, num);
		buf_printf(b, "%s%s %s %s", j > 0 ? " and " : "",
		    segfield_names[rule->cond[j].field],
		    segop_names[rule->cond[j].op], num);
	}
}

/* Appends the names of the segments before rule i, other than i's own. */
static size_t
earlier_names(const struct segrules *r, size_t i, struct buf *b)
{
	const char *names[SEGRULES_MAX];
	size_t j, k, n = 0;

	for (j = 0; j < i; j++) {
		if (strcmp(r->rule[j].segment, r->rule[i].segment) == 0)
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(names[k], r->rule[j].segment) == 0)
				break;
		if (k == n)
			names[n++] = r->rule[j].segment;
	}
	for (k = 0; k < n; k++)
		buf_printf(b, "%s%s", k == 0 ? "" : k + 1 == n ? " or " : ", ",
		    names[k]);
	return n;
}

void
segrules_define(const struct segrules *r, int segment_id, struct buf *b)
{
	struct buf others;
	size_t i, done = 0;

	buf_init(&others);
	for (i = 0; i < r->n; i++) {
		if (r->rule[i].segment_id != segment_id)
			continue;
		if (done++ > 0)
			buf_puts(b, "; or ");
		buf_reset(&others);
		earlier_names(r, i, &others);
		if (r->rule[i].ncond == 0)
			buf_printf(b, others.len > 0 ? "every customer not %s" :
			    "every customer", buf_str(&others));
		else {
			segrules_describe(r, i, b);
			if (others.len > 0)
				buf_printf(b, ", and not %s", others.data);
		}
	}
	buf_release(&others);
}

/* Appends "rule N" or "rule N 'NAME'" to err, the start of every message. */
static void
rule_where(struct buf *err, size_t i, const char *name)
{
	buf_printf(err, "rule %zu", i + 1);
	if (name != NULL)
		buf_printf(err, " '%s'", name);
	buf_puts(err, ": ");
}

/* Checks that obj has no members but the allowed ones. */
static int
only_members(const cJSON *obj, const char *const *allowed, struct buf *err)
{
	const cJSON *m;
	size_t i;

	for (m = obj->child; m != NULL; m = m->next) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(m->string, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			buf_printf(err, "unknown member '%s'", m->string);
			return -1;
		}
	}
	return 0;
}

static int
parse_cond(struct segcond *c, const cJSON *v, struct buf *err)
{
	static const char *const members[] = { "field", "op", "value",
		"margin", NULL };
	const cJSON *field, *op, *value, *margin;
	size_t i;

	if (!cJSON_IsObject(v)) {
		buf_puts(err, "expected an object, got ");
		jsonfile_show(err, v);
		return -1;
	}
	field = json_get(v, "field");
	if (!cJSON_IsString(field)) {
		buf_puts(err, "member 'field': expected a field name, got ");
		jsonfile_show(err, field);
		return -1;
	}
	for (i = 0; i < SEGF_N; i++)
		if (strcmp(field->valuestring, segfield_names[i]) == 0)
			break;
	if (i == SEGF_N) {
		buf_printf(err, "unknown field '%s'", field->valuestring);
		buf_puts(err, " (expected age, purchase_frequency, "
		    "avg_order_value, last_engagement_days, historical_open_rate, "
		    "historical_click_rate or engagement_score)");
		return -1;
	}
	c->field = (enum segfield)i;
	buf_printf(err, "field '%s': ", segfield_names[i]);
	if (only_members(v, members, err) < 0)
		return -1;
	op = json_get(v, "op");
	for (i = 0; i < 6 && cJSON_IsString(op); i++)
		if (strcmp(op->valuestring, segop_names[i]) == 0)
			break;
	if (!cJSON_IsString(op) || i == 6) {
		buf_puts(err, "member 'op': expected <, <=, >, >=, == or !=, "
		    "got ");
		jsonfile_show(err, op);
		return -1;
	}
	c->op = (enum segop)i;
	value = json_get(v, "value");
	if (!cJSON_IsNumber(value) || !isfinite(value->valuedouble)) {
		buf_puts(err, "member 'value': expected a number, got ");
		jsonfile_show(err, value);
		return -1;
	}
	c->value = value->valuedouble;
	c->margin = segfield_margins[c->field];
	if ((margin = json_get(v, "margin")) != NULL) {
		if (!cJSON_IsNumber(margin) || !(margin->valuedouble > 0) ||
		    !isfinite(margin->valuedouble)) {
			buf_puts(err, "member 'margin': expected a number "
			    "above 0, got ");
			jsonfile_show(err, margin);
			return -1;
		}
		c->margin = margin->valuedouble;
	}
	return 0;
}

/* Reads the segment name and id of rule i into t. */
static int
parse_names(struct table *t, size_t i, const cJSON *v, struct buf *err)
{
	const cJSON *seg = json_get(v, "segment"), *id = json_get(v,
	    "segment_id");
	double d;

	if (!cJSON_IsString(seg) || seg->valuestring[0] == '\0') {
		rule_where(err, i, NULL);
		buf_puts(err, "member 'segment': expected a segment name, got ");
		jsonfile_show(err, seg);
		return -1;
	}
	t->names[i] = xstrdup(seg->valuestring);
	t->rule[i].segment = t->names[i];
	d = cJSON_IsNumber(id) ? id->valuedouble : -1;
	if (d != floor(d) || d < 0 || d > SEGRULES_ID_MAX) {
		rule_where(err, i, t->names[i]);
		buf_printf(err, "member 'segment_id': expected an integer "
		    "from 0 to %d, got ", SEGRULES_ID_MAX);
		jsonfile_show(err, id);
		return -1;
	}
	t->rule[i].segment_id = (int)d;
	return 0;
}

/* Checks rule i against the earlier ones: one name per id, catch-all last. */
static int
check_rule(const struct table *t, size_t i, size_t n, struct buf *err)
{
	const struct segrule *rule = &t->rule[i];
	size_t j;

	for (j = 0; j < i; j++) {
		if (t->rule[j].segment_id == rule->segment_id &&
		    strcmp(t->rule[j].segment, rule->segment) != 0) {
			rule_where(err, i, rule->segment);
			buf_printf(err, "segment_id %d is already segment '%s' "
			    "(rule %zu)", rule->segment_id, t->rule[j].segment,
			    j + 1);
			return -1;
		}
		if (t->rule[j].segment_id != rule->segment_id &&
		    strcmp(t->rule[j].segment, rule->segment) == 0) {
			rule_where(err, i, rule->segment);
			buf_printf(err, "segment '%s' already has segment_id %d "
			    "(rule %zu)", rule->segment, t->rule[j].segment_id,
			    j + 1);
			return -1;
		}
	}
	if (rule->ncond == 0 && i + 1 < n) {
		rule_where(err, i, rule->segment);
		buf_printf(err, "has no conditions, so rule %zu and those after "
		    "it can never match", i + 2);
		return -1;
	}
	if (rule->ncond > 0 && i + 1 == n) {
		rule_where(err, i, rule->segment);
		buf_puts(err, "the last rule must have no conditions, so that "
		    "every customer gets a segment");
		return -1;
	}
	return 0;
}

static int
parse_rule(struct table *t, size_t i, size_t *ncond, const cJSON *v,
    struct buf *err)
{
	static const char *const members[] = { "segment", "segment_id",
		"conditions", NULL };
	const cJSON *conds, *c;
	size_t j = 0;

	if (!cJSON_IsObject(v)) {
		rule_where(err, i, NULL);
		buf_puts(err, "expected an object, got ");
		jsonfile_show(err, v);
		return -1;
	}
	if (parse_names(t, i, v, err) < 0)
		return -1;
	rule_where(err, i, t->rule[i].segment);
	if (only_members(v, members, err) < 0)
		return -1;
	conds = json_get(v, "conditions");
	if (!cJSON_IsArray(conds)) {
		buf_puts(err, "member 'conditions': expected an array, got ");
		jsonfile_show(err, conds);
		return -1;
	}
	t->rule[i].cond = &t->cond[*ncond];
	for (c = conds->child; c != NULL; c = c->next, j++) {
		if (j == SEGRULES_COND_MAX) {
			buf_printf(err, "too many conditions (at most %d)",
			    SEGRULES_COND_MAX);
			return -1;
		}
		buf_printf(err, "condition %zu: ", j + 1);
		if (parse_cond(&t->cond[*ncond + j], c, err) < 0)
			return -1;
		buf_reset(err);
		rule_where(err, i, t->rule[i].segment);
	}
	t->rule[i].ncond = j;
	*ncond += j;
	buf_reset(err);
	return 0;
}

int
segrules_parse(struct segrules *r, const char *text, size_t len,
    struct buf *err)
{
	struct buf msg;
	struct table *t;
	const cJSON *v;
	size_t n = 0, ncond = 0, i;
	cJSON *doc;
	int bad = 0;

	if ((doc = jsonfile_parse(text, len, err)) == NULL)
		return -1;
	if (!cJSON_IsArray(doc) || doc->child == NULL) {
		buf_puts(err, "expected a non-empty array of rules, got ");
		jsonfile_show(err, doc);
		json_free(doc);
		return -1;
	}
	t = xcalloc(1, sizeof(*t));
	buf_init(&msg);
	for (v = doc->child; v != NULL && !bad; v = v->next, n++) {
		if (n == SEGRULES_MAX) {
			buf_printf(&msg, "too many rules (at most %d)",
			    SEGRULES_MAX);
			bad = 1;
		} else if (parse_rule(t, n, &ncond, v, &msg) < 0)
			bad = 1;
	}
	for (i = 0; i < n && !bad; i++)
		bad = check_rule(t, i, n, &msg) < 0;
	json_free(doc);
	if (bad) {
		buf_add(err, msg.data, msg.len);
		buf_release(&msg);
		table_free(t);
		return -1;
	}
	buf_release(&msg);
	segrules_release(r);
	r->rule = t->rule;
	r->n = n;
	r->owned = t;
	return 0;
}
