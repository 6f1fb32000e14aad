/* SPDX-License-Identifier: MIT */
/*
 * Tallying engagement. A record goes through the fast path (lib/jsonscan
 * finds the engagement's members without building a tree) when its fields
 * are plain, and through cJSON otherwise; both fill the same observation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "delivery.h"
#include "json.h"
#include "jsonfile.h"
#include "jsonscan.h"
#include "jsonw.h"
#include "ndjson.h"
#include "tally.h"
#include "xalloc.h"

const enum tally_covariate tally_covariate_of[METRIC_N] = {
	COV_OPEN, COV_CLICK, COV_CLICK
};

static const char *const outcome_fields[METRIC_N] = {
	"opened", "clicked", "converted"
};

static const char *const covariate_fields[COV_N] = {
	"historical_open_rate", "historical_click_rate"
};

/* One record, as counted. */
struct obs {
	size_t arm;
	int y[METRIC_N];
	int fallback;
	const char *segment;	/* NULL: none */
	size_t segmentlen;
	int covariates;		/* both covariates are there */
	double x[COV_N];
};

void
tally_init(struct tally *t, const struct experiment *exp)
{
	memset(t, 0, sizeof(*t));
	t->exp = exp;
	strtab_init(&t->segments);
}

void
tally_release(struct tally *t)
{
	strtab_release(&t->segments);
	free(t->cells);
}

/* The cells of the segment named by len bytes at name (NULL: none). */
static struct tally_cell *
cells_of(struct tally *t, const char *name, size_t len)
{
	size_t k, narms = t->exp->narms;
	int added;

	if (name == NULL)
		return t->none;
	k = strtab_intern(&t->segments, name, len, &added);
	if (added) {
		if (k >= t->cap) {
			t->cap = t->cap == 0 ? 8 : t->cap * 2;
			t->cells = xreallocarray(t->cells, t->cap * narms,
			    sizeof(*t->cells));
		}
		memset(&t->cells[k * narms], 0, narms * sizeof(*t->cells));
	}
	return &t->cells[k * narms];
}

const struct tally_cell *
tally_cell(const struct tally *t, size_t k, size_t arm)
{
	return &t->cells[k * t->exp->narms + arm];
}

static void
count(struct tally *t, const struct obs *o)
{
	struct tally_cell *c = &cells_of(t, o->segment, o->segmentlen)[o->arm];
	tally_sum q[COV_N];
	int i;

	c->sent++;
	for (i = 0; i < METRIC_N; i++)
		c->outcome[i] += (unsigned long)o->y[i];
	c->fallback += (unsigned long)o->fallback;
	if (!o->covariates)
		return;
	c->covariates++;
	for (i = 0; i < COV_N; i++) {
		q[i] = (tally_sum)llround(o->x[i] * TALLY_SCALE);
		c->x[i] += q[i];
		c->xx[i] += q[i] * q[i];
	}
	for (i = 0; i < METRIC_N; i++)
		if (o->y[i])
			c->xy[i] += q[tally_covariate_of[i]];
}

/* Looks up the arm named by len bytes at name; -1 when there is none. */
static int
arm_number(const struct experiment *e, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < e->narms; i++)
		if (strlen(e->arm[i].name) == len &&
		    memcmp(e->arm[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/*
 * Reads the engagement's members (from the engagement object, or the
 * record itself for a bare event) into o. Returns 1, or 0 to go slow.
 */
static int
fast_event(const struct tally *t, const struct jsonscan_member *m, int n,
    struct obs *o)
{
	const char *s;
	size_t len;
	int i, k, seen = 0, arm = -1;

	for (i = n - 1; i >= 0; i--) {
		if (m[i].key_escaped)
			return 0;
		if (jsonscan_is_key(&m[i], "experiment_arm")) {
			if (!jsonscan_plain(&m[i], &s, &len) || s == NULL ||
			    (arm = arm_number(t->exp, s, len)) < 0)
				return 0;
		} else if (jsonscan_is_key(&m[i], "fallback")) {
			if (!jsonscan_plain(&m[i], &s, &len))
				return 0;
			o->fallback = s != NULL;
			seen |= 1 << METRIC_N;
		}
		for (k = 0; k < METRIC_N; k++)
			if (jsonscan_is_key(&m[i], outcome_fields[k])) {
				if (m[i].type != JSONSCAN_TRUE &&
				    m[i].type != JSONSCAN_FALSE)
					return 0;
				o->y[k] = m[i].type == JSONSCAN_TRUE;
				seen |= 1 << k;
			}
	}
	if (arm < 0 || seen != (1 << (METRIC_N + 1)) - 1)
		return 0;
	o->arm = (size_t)arm;
	return 1;
}

/*
 * The fast path. Members are read from the last, so the first of a
 * repeated key wins, as in cJSON. Returns 1 when it counted the record, 0
 * to leave it to the slow path.
 */
static int
fast_line(struct tally *t, const char *line, size_t len)
{
	struct jsonscan_member m[JSONSCAN_MEMBERS], em[JSONSCAN_MEMBERS];
	const struct jsonscan_member *eng = NULL;
	size_t close;
	struct obs o;
	int n, en, i, k, cov = 0;

	if ((n = jsonscan_object(line, len, m, JSONSCAN_MEMBERS, &close)) < 0)
		return 0;
	memset(&o, 0, sizeof(o));
	for (i = n - 1; i >= 0; i--) {
		if (m[i].key_escaped)
			return 0;
		if (jsonscan_is_key(&m[i], "engagement"))
			eng = &m[i];
		else if (jsonscan_is_key(&m[i], "segment") &&
		    !jsonscan_plain(&m[i], &o.segment, &o.segmentlen))
			return 0;
		for (k = 0; k < COV_N; k++)
			if (jsonscan_is_key(&m[i], covariate_fields[k]) &&
			    m[i].type == JSONSCAN_NUMBER) {
				o.x[k] = jsonscan_number(m[i].value,
				    m[i].valuelen);
				if (o.x[k] >= 0 && o.x[k] <= 1)
					cov |= 1 << k;
			}
	}
	if (eng != NULL) {
		if (eng->type != JSONSCAN_OBJECT ||
		    (en = jsonscan_object(eng->value, eng->valuelen, em,
		    JSONSCAN_MEMBERS, &close)) < 0 || !fast_event(t, em, en, &o))
			return 0;
	} else if (!fast_event(t, m, n, &o))
		return 0;
	o.covariates = cov == (1 << COV_N) - 1;
	count(t, &o);
	return 1;
}

/* The slow path: the record as a cJSON tree. */
static int
tree_line(struct tally *t, const cJSON *rec, struct reasons *why)
{
	const cJSON *eng = json_get(rec, "engagement"), *v, *a;
	const char *prefix = "engagement.";
	struct buf name, seg;
	struct obs o;
	int k, bad = 0, arm = -1;

	memset(&o, 0, sizeof(o));
	if (eng == NULL && json_get(rec, "experiment_arm") != NULL) {
		eng = rec;
		prefix = "";
	}
	if (eng == NULL) {
		reasons_add(why, "field 'engagement': missing (run "
		    "cpo-simulate, or give engagement events)");
		return -1;
	}
	if (!cJSON_IsObject(eng)) {
		jsonfile_bad_field(why, "engagement", "an object", eng);
		return -1;
	}
	buf_init(&name);
	v = json_get(eng, "experiment_arm");
	if (!cJSON_IsString(v) || (arm = experiment_arm_index(t->exp,
	    v->valuestring)) < 0) {
		buf_init(&seg);
		buf_printf(&name, "%sexperiment_arm", prefix);
		buf_printf(&seg, "an arm of experiment %s", t->exp->id);
		jsonfile_bad_field(why, name.data, seg.data, v);
		buf_release(&seg);
		bad = 1;
	}
	for (k = 0; k < METRIC_N; k++) {
		v = json_get(eng, outcome_fields[k]);
		if (cJSON_IsBool(v))
			o.y[k] = cJSON_IsTrue(v);
		else {
			buf_reset(&name);
			buf_printf(&name, "%s%s", prefix, outcome_fields[k]);
			jsonfile_bad_field(why, name.data, "true or false", v);
			bad = 1;
		}
	}
	buf_release(&name);
	if (bad)
		return -1;
	o.arm = (size_t)arm;
	v = json_get(eng, "fallback");
	if (v == NULL && cJSON_IsObject(a = json_get(rec, "assignment")))
		v = json_get(a, "fallback");
	o.fallback = v != NULL && !cJSON_IsNull(v);
	o.covariates = 1;
	for (k = 0; k < COV_N; k++) {
		v = json_get(rec, covariate_fields[k]);
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
		    v->valuedouble <= 1)
			o.x[k] = v->valuedouble;
		else
			o.covariates = 0;
	}
	buf_init(&seg);
	v = json_get(rec, "segment");
	if (v != NULL && !cJSON_IsNull(v)) {
		if (cJSON_IsString(v))
			buf_puts(&seg, v->valuestring);
		else
			json_write(&seg, v);
		o.segment = seg.data;
		o.segmentlen = seg.len;
	}
	count(t, &o);
	buf_release(&seg);
	return 0;
}

int
tally_line(struct tally *t, const char *line, size_t len, int no_newline,
    struct reasons *why)
{
	cJSON *rec;
	int rc;

	if (ndjson_blank(line, len))
		return 0;
	if (fast_line(t, line, len))
		return 1;
	if ((rec = ndjson_object(line, len, no_newline, why)) == NULL)
		return -1;
	rc = tree_line(t, rec, why);
	json_free(rec);
	return rc < 0 ? -1 : 1;
}

/* Appends v in decimal, as a JSON string. */
static void
put_sum(struct buf *b, tally_sum v)
{
	char digits[48], *p = digits + sizeof(digits);

	*--p = '\0';
	do {
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	buf_putc(b, '"');
	buf_puts(b, p);
	buf_putc(b, '"');
}

static void
put_sums(struct buf *b, const char *key, const tally_sum *v, int n)
{
	int i;

	buf_putc(b, ',');
	jsonw_key(b, key);
	buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		put_sum(b, v[i]);
	}
	buf_putc(b, ']');
}

static void
put_cell(const struct tally *t, struct buf *b, const char *segment,
    size_t seglen, size_t arm, const struct tally_cell *c)
{
	const struct experiment *e = t->exp;
	size_t i;

	buf_puts(b, "{\"cpo_lift_partial\":1,\"experiment_id\":");
	jsonw_string(b, e->id, strlen(e->id));
	buf_puts(b, ",\"arms\":[");
	for (i = 0; i < e->narms; i++) {
		if (i > 0)
			buf_putc(b, ',');
		jsonw_string(b, e->arm[i].name, strlen(e->arm[i].name));
	}
	buf_puts(b, "],\"segment\":");
	if (segment == NULL)
		buf_puts(b, "null");
	else
		jsonw_string(b, segment, seglen);
	buf_puts(b, ",\"arm\":");
	jsonw_string(b, e->arm[arm].name, strlen(e->arm[arm].name));
	buf_puts(b, ",\"sent\":");
	jsonw_int(b, (long long)c->sent);
	for (i = 0; i < METRIC_N; i++) {
		buf_putc(b, ',');
		jsonw_key(b, outcome_fields[i]);
		jsonw_int(b, (long long)c->outcome[i]);
	}
	buf_puts(b, ",\"fallback\":");
	jsonw_int(b, (long long)c->fallback);
	buf_puts(b, ",\"covariates\":");
	jsonw_int(b, (long long)c->covariates);
	put_sums(b, "x", c->x, COV_N);
	put_sums(b, "xx", c->xx, COV_N);
	put_sums(b, "xy", c->xy, METRIC_N);
	buf_puts(b, "}\n");
}

void
tally_write_partial(const struct tally *t, struct buf *b)
{
	size_t k, a, narms = t->exp->narms;

	for (a = 0; a < narms; a++)
		if (t->none[a].sent > 0)
			put_cell(t, b, NULL, 0, a, &t->none[a]);
	for (k = 0; k < t->segments.n; k++)
		for (a = 0; a < narms; a++)
			if (t->cells[k * narms + a].sent > 0)
				put_cell(t, b, t->segments.str[k],
				    t->segments.len[k], a,
				    &t->cells[k * narms + a]);
}

/* A count: an integer from 0 to 2^53 - 1. */
static int
get_count(const cJSON *p, const char *key, unsigned long *out,
    struct reasons *why)
{
	const cJSON *v = json_get(p, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble > 9007199254740991.0 ||
	    v->valuedouble != floor(v->valuedouble)) {
		jsonfile_bad_field(why, key, "a count", v);
		return -1;
	}
	*out += (unsigned long)v->valuedouble;
	return 0;
}

/* An array of n decimal strings, added to out. */
static int
get_sums(const cJSON *p, const char *key, tally_sum *out, int n,
    struct reasons *why)
{
	const cJSON *v = json_get(p, key), *s;
	tally_sum add[METRIC_N];
	const char *d;
	int i = 0;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != n)
		goto bad;
	for (s = v->child; s != NULL; s = s->next, i++) {
		if (!cJSON_IsString(s) || s->valuestring[0] == '\0' ||
		    strlen(s->valuestring) > 38)
			goto bad;
		add[i] = 0;
		for (d = s->valuestring; *d != '\0'; d++) {
			if (*d < '0' || *d > '9')
				goto bad;
			add[i] = add[i] * 10 + (tally_sum)(*d - '0');
		}
	}
	for (i = 0; i < n; i++)
		out[i] += add[i];
	return 0;
bad:
	jsonfile_bad_field(why, key, n == COV_N ?
	    "an array of 2 decimal strings" : "an array of 3 decimal strings",
	    v);
	return -1;
}

/* Checks that partial p belongs to t's experiment. */
static int
same_experiment(const struct tally *t, const cJSON *p, struct reasons *why)
{
	const struct experiment *e = t->exp;
	const cJSON *id = json_get(p, "experiment_id"), *arms, *a;
	size_t i = 0;

	arms = json_get(p, "arms");
	if (cJSON_IsString(id) && strcmp(id->valuestring, e->id) == 0 &&
	    cJSON_IsArray(arms) && (size_t)cJSON_GetArraySize(arms) ==
	    e->narms) {
		for (a = arms->child; a != NULL; a = a->next, i++)
			if (!cJSON_IsString(a) ||
			    strcmp(a->valuestring, e->arm[i].name) != 0)
				break;
		if (a == NULL)
			return 0;
	}
	reasons_add(why, "not a partial of experiment %s with the arms of "
	    "the experiment configuration", e->id);
	return -1;
}

int
tally_read_partial(struct tally *t, const char *line, size_t len,
    struct reasons *why)
{
	const cJSON *mark, *seg, *arm;
	struct tally_cell add, *c;
	size_t i, col;
	cJSON *p;
	int k = 0, bad = 0;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len)
		return 0;
	if ((p = json_parse(line, len, &col)) == NULL) {
		reasons_add(why, "invalid JSON at column %zu", col);
		return -1;
	}
	mark = json_get(p, "cpo_lift_partial");
	if (!cJSON_IsObject(p) || !cJSON_IsNumber(mark) ||
	    mark->valuedouble != 1) {
		reasons_add(why, "not a cpo-lift --partial line");
		json_free(p);
		return -1;
	}
	if (same_experiment(t, p, why) < 0) {
		json_free(p);
		return -1;
	}
	seg = json_get(p, "segment");
	arm = json_get(p, "arm");
	if (seg == NULL || !(cJSON_IsNull(seg) || cJSON_IsString(seg))) {
		jsonfile_bad_field(why, "segment", "a string or null", seg);
		bad = 1;
	}
	if (!cJSON_IsString(arm) || (k = experiment_arm_index(t->exp,
	    arm->valuestring)) < 0) {
		jsonfile_bad_field(why, "arm", "an arm of the experiment", arm);
		bad = 1;
	}
	memset(&add, 0, sizeof(add));
	bad |= get_count(p, "sent", &add.sent, why) < 0;
	for (i = 0; i < METRIC_N; i++)
		bad |= get_count(p, outcome_fields[i], &add.outcome[i], why) <
		    0;
	bad |= get_count(p, "fallback", &add.fallback, why) < 0;
	bad |= get_count(p, "covariates", &add.covariates, why) < 0;
	bad |= get_sums(p, "x", add.x, COV_N, why) < 0;
	bad |= get_sums(p, "xx", add.xx, COV_N, why) < 0;
	bad |= get_sums(p, "xy", add.xy, METRIC_N, why) < 0;
	if (bad) {
		json_free(p);
		return -1;
	}
	c = &cells_of(t, cJSON_IsString(seg) ? seg->valuestring : NULL,
	    cJSON_IsString(seg) ? strlen(seg->valuestring) : 0)[k];
	c->sent += add.sent;
	for (i = 0; i < METRIC_N; i++) {
		c->outcome[i] += add.outcome[i];
		c->xy[i] += add.xy[i];
	}
	c->fallback += add.fallback;
	c->covariates += add.covariates;
	for (i = 0; i < COV_N; i++) {
		c->x[i] += add.x[i];
		c->xx[i] += add.xx[i];
	}
	json_free(p);
	return 1;
}

void
tally_arm_total(const struct tally *t, size_t arm, struct tally_cell *sum)
{
	const struct tally_cell *c;
	size_t k, i;

	*sum = t->none[arm];
	for (k = 0; k < t->segments.n; k++) {
		c = tally_cell(t, k, arm);
		sum->sent += c->sent;
		sum->fallback += c->fallback;
		sum->covariates += c->covariates;
		for (i = 0; i < METRIC_N; i++) {
			sum->outcome[i] += c->outcome[i];
			sum->xy[i] += c->xy[i];
		}
		for (i = 0; i < COV_N; i++) {
			sum->x[i] += c->x[i];
			sum->xx[i] += c->xx[i];
		}
	}
}

/* Tells whether segment i of t sorts before segment j, bytewise. */
static int
before(const struct strtab *s, size_t i, size_t j)
{
	size_t li = s->len[i], lj = s->len[j];
	int c = memcmp(s->str[i], s->str[j], li < lj ? li : lj);

	return c != 0 ? c < 0 : li < lj;
}

size_t *
tally_sorted_segments(const struct tally *t)
{
	size_t n = t->segments.n, *order, k, i;

	order = xcalloc(n > 0 ? n : 1, sizeof(*order));
	/* Insertion sort: segments are few. */
	for (k = 0; k < n; k++) {
		for (i = k; i > 0 && before(&t->segments, k, order[i - 1]); i--)
			order[i] = order[i - 1];
		order[i] = k;
	}
	return order;
}
