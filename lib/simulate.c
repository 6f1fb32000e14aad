/* SPDX-License-Identifier: MIT */
/*
 * Engagement simulation. A record goes through the fast path when it has
 * no variants (lib/jsonscan finds the few fields needed and the text is
 * copied) and through cJSON otherwise; both end in outcome(), so they give
 * the same engagement.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "delivery.h"
#include "hash.h"
#include "json.h"
#include "jsonfile.h"
#include "jsonscan.h"
#include "jsonw.h"
#include "ndjson.h"
#include "rng.h"
#include "simulate.h"
#include "xalloc.h"

/* What outcome() needs to know about a record. */
struct sim_in {
	const char *id;
	size_t idlen;
	double rate[2];			/* historical open and click rates */
	size_t segment;			/* segment number */
	int segment_named;		/* the segment is a string */
	size_t arm;
	enum delivery_fallback fallback;	/* the assignment's */
	const char *variant_id;		/* the assignment's, or NULL */
	size_t variant_idlen;
	const cJSON *variants;		/* NULL on the fast path */
	const char *tier, *location;	/* strings, or NULL */
};

static const char *const rate_fields[2] = {
	"historical_open_rate", "historical_click_rate"
};

void
simulate_init(struct simulator *s, const struct experiment *exp,
    const struct engage_model *model, int aa, time_t t)
{
	memset(s, 0, sizeof(*s));
	s->exp = exp;
	s->model = model;
	s->aa = aa;
	/* Not the assignment's streams, though from the same seed. */
	s->stream = hash_mix64(exp->seed ^ 0x73696d756c617465ULL);
	timefmt_iso(t, s->engagement_at);
	strtab_init(&s->segments);
	buf_init(&s->scratch);
}

void
simulate_release(struct simulator *s)
{
	strtab_release(&s->segments);
	free(s->segment_customers);
	free(s->cells);
	buf_release(&s->scratch);
}

/* Returns the number of the segment named by len bytes at name. */
static size_t
segment_number(struct simulator *s, const char *name, size_t len)
{
	size_t k, narms = s->exp->narms;
	int added;

	k = strtab_intern(&s->segments, name, len, &added);
	if (added && k >= s->cap) {
		s->cap = s->cap == 0 ? 8 : s->cap * 2;
		s->segment_customers = xreallocarray(s->segment_customers,
		    s->cap, sizeof(*s->segment_customers));
		s->cells = xreallocarray(s->cells, s->cap * narms,
		    sizeof(*s->cells));
	}
	if (added) {
		s->segment_customers[k] = 0;
		memset(&s->cells[k * narms], 0, narms * sizeof(*s->cells));
	}
	return k;
}

/* The number of characters in s: bytes that do not continue a UTF-8 one. */
static unsigned
chars(const char *s)
{
	unsigned n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int
mentions(const char *text, const char *what)
{
	return text != NULL && what != NULL && what[0] != '\0' &&
	    strstr(text, what) != NULL;
}

/* What the model sees in variant v sent to the customer in. */
static void
features(const struct simulator *s, const struct sim_in *in, const cJSON *v,
    struct engage_message *msg)
{
	const cJSON *subject = json_get(v, "subject"), *body = json_get(v,
	    "body"), *citations = json_get(v, "citations");
	const char *text[2], *segment;
	int i;

	memset(msg, 0, sizeof(*msg));
	msg->known = 1;
	text[0] = cJSON_IsString(subject) ? subject->valuestring : NULL;
	text[1] = cJSON_IsString(body) ? body->valuestring : NULL;
	segment = in->segment_named ? s->segments.str[in->segment] : NULL;
	for (i = 0; i < 2; i++)
		if (mentions(text[i], in->tier) ||
		    mentions(text[i], in->location) || mentions(text[i], segment))
			msg->personalized = 1;
	if (cJSON_IsArray(citations))
		msg->citations = (unsigned)cJSON_GetArraySize(citations);
	if (text[0] != NULL)
		msg->subject_chars = chars(text[0]);
}

/*
 * The stage probabilities of the customer in, sent the message of arm's
 * tone (control when to_control) described by variant (NULL: unknown).
 */
static void
probabilities(const struct simulator *s, const struct sim_in *in, size_t arm,
    int to_control, const cJSON *variant, const double *z, double *p)
{
	const struct experiment *e = s->exp;
	struct engage_message msg;
	const char *tone = NULL, *segment;

	if (!s->aa && !to_control && arm != e->control)
		tone = e->arm[arm].tone;
	if (tone != NULL && variant != NULL)
		features(s, in, variant, &msg);
	segment = in->segment_named ? s->segments.str[in->segment] : NULL;
	engage_probabilities(s->model, in->rate[0], in->rate[1], tone, segment,
	    tone != NULL && variant != NULL ? &msg : NULL, z, p);
}

static void
put_string(struct buf *b, const char *s, size_t len)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		jsonw_string(b, s, len);
}

/*
 * Draws the customer's outcome, adds it to the truth and appends the
 * engagement object to out.
 */
static void
outcome(struct simulator *s, const struct sim_in *in, struct buf *out)
{
	const struct experiment *e = s->exp;
	struct simulate_cell *cell = &s->cells[in->segment * e->narms];
	double z[STAGE_N], u[STAGE_N], p[STAGE_N], rate[METRIC_N];
	double own[METRIC_N];
	const char *vid = in->variant_id;
	size_t vidlen = in->variant_idlen, b;
	struct delivery d, db;
	enum delivery_fallback fallback;
	int to_control, i, opened, clicked, converted;
	struct rng r;

	rng_init(&r, s->stream ^ hash_fnv1a64(in->id, in->idlen));
	for (i = 0; i < STAGE_N; i++)
		z[i] = rng_normal(&r);
	for (i = 0; i < STAGE_N; i++)
		u[i] = rng_uniform(&r);

	delivery_choose(in->variants, e->arm[in->arm].tone, &d, NULL);
	fallback = in->fallback != FALLBACK_NONE ? in->fallback : d.fallback;
	to_control = in->arm == e->control || fallback != FALLBACK_NONE;
	if (to_control)
		vid = "control", vidlen = 7;
	else if (d.variant_id != NULL)
		vid = d.variant_id, vidlen = strlen(vid);
	probabilities(s, in, in->arm, to_control, d.variant, z, p);
	opened = u[STAGE_OPEN] < p[STAGE_OPEN];
	clicked = opened && u[STAGE_CLICK] < p[STAGE_CLICK];
	converted = clicked && u[STAGE_CONVERT] < p[STAGE_CONVERT];

	s->customers++;
	s->segment_customers[in->segment]++;
	engage_expected(p, rate);
	s->total[in->arm].assigned++;
	cell[in->arm].assigned++;
	for (i = 0; i < METRIC_N; i++) {
		s->total[in->arm].expected[i] += rate[i];
		cell[in->arm].expected[i] += rate[i];
	}
	for (i = 0; i < METRIC_N; i++)
		own[i] = rate[i];
	for (b = 0; b < e->narms; b++) {
		if (b == in->arm)
			memcpy(rate, own, sizeof(rate));
		else {
			/* Another arm's message: the record's, if it has one. */
			delivery_choose(in->variants, e->arm[b].tone, &db, NULL);
			probabilities(s, in, b, db.variant != NULL &&
			    db.to_control, db.variant, z, p);
			engage_expected(p, rate);
		}
		for (i = 0; i < METRIC_N; i++) {
			s->total[b].potential[i] += rate[i];
			cell[b].potential[i] += rate[i];
		}
	}

	buf_puts(out, "{\"customer_id\":");
	jsonw_string(out, in->id, in->idlen);
	buf_puts(out, ",\"variant_id\":");
	put_string(out, vid, vidlen);
	buf_puts(out, ",\"experiment_arm\":");
	put_string(out, e->arm[in->arm].name, strlen(e->arm[in->arm].name));
	buf_puts(out, ",\"opened\":");
	jsonw_bool(out, opened);
	buf_puts(out, ",\"clicked\":");
	jsonw_bool(out, clicked);
	buf_puts(out, ",\"converted\":");
	jsonw_bool(out, converted);
	buf_puts(out, ",\"engagement_at\":");
	put_string(out, s->engagement_at, strlen(s->engagement_at));
	buf_puts(out, ",\"engagement_source\":\"simulated\",\"delivered\":");
	b = to_control ? e->control : in->arm;
	put_string(out, e->arm[b].name, strlen(e->arm[b].name));
	buf_puts(out, ",\"fallback\":");
	if (fallback == FALLBACK_NONE)
		buf_puts(out, "null");
	else
		put_string(out, delivery_fallback_names[fallback],
		    strlen(delivery_fallback_names[fallback]));
	buf_putc(out, '}');
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

/* The fallback named by len bytes at name; -1 when it is not one. */
static int
fallback_number(const char *name, size_t len)
{
	int f;

	for (f = 1; f < FALLBACK_N; f++)
		if (strlen(delivery_fallback_names[f]) == len &&
		    memcmp(delivery_fallback_names[f], name, len) == 0)
			return f;
	return -1;
}

/* The fast path's reading of the assignment object; 0 to go slow. */
static int
fast_assignment(const struct simulator *s, const struct jsonscan_member *a,
    struct sim_in *in)
{
	struct jsonscan_member m[JSONSCAN_MEMBERS];
	const char *t;
	size_t close, len;
	int n, i, arm = -1, f;

	if (a->type != JSONSCAN_OBJECT ||
	    (n = jsonscan_object(a->value, a->valuelen, m, JSONSCAN_MEMBERS,
	    &close)) < 0)
		return 0;
	in->fallback = FALLBACK_NONE;
	in->variant_id = NULL;
	for (i = n - 1; i >= 0; i--) {
		if (m[i].key_escaped)
			return 0;
		if (jsonscan_is_key(&m[i], "experiment_arm")) {
			if (!jsonscan_plain(&m[i], &t, &len) || t == NULL ||
			    (arm = arm_number(s->exp, t, len)) < 0)
				return 0;
		} else if (jsonscan_is_key(&m[i], "fallback")) {
			if (!jsonscan_plain(&m[i], &t, &len))
				return 0;
			f = t == NULL ? FALLBACK_NONE : fallback_number(t, len);
			if (f < 0)
				return 0;
			in->fallback = (enum delivery_fallback)f;
		} else if (jsonscan_is_key(&m[i], "variant_id")) {
			if (!jsonscan_plain(&m[i], &in->variant_id,
			    &in->variant_idlen))
				return 0;
		}
	}
	if (arm < 0)
		return 0;
	in->arm = (size_t)arm;
	return 1;
}

/*
 * The fast path, for records without variants whose fields are plain.
 * Returns 1 when it wrote the record, 0 to leave it to the slow path.
 * Members are looked at from the last, so the first of a repeated key
 * wins, as in cJSON.
 */
static int
fast_line(struct simulator *s, const char *line, size_t len, struct buf *out)
{
	struct jsonscan_member m[JSONSCAN_MEMBERS];
	const struct jsonscan_member *assignment = NULL;
	const char *seg = NULL;
	size_t close, seglen = 0, idlen = 0;
	struct sim_in in;
	int n, i, k, seen = 0;

	if ((n = jsonscan_object(line, len, m, JSONSCAN_MEMBERS, &close)) < 0)
		return 0;
	memset(&in, 0, sizeof(in));
	for (i = n - 1; i >= 0; i--) {
		if (m[i].key_escaped || jsonscan_is_key(&m[i], "variants") ||
		    jsonscan_is_key(&m[i], "engagement"))
			return 0;
		if (jsonscan_is_key(&m[i], "customer_id")) {
			if (!jsonscan_plain(&m[i], &in.id, &idlen) || in.id == NULL ||
			    idlen == 0)
				return 0;
			in.idlen = idlen;
		} else if (jsonscan_is_key(&m[i], "segment")) {
			if (!jsonscan_plain(&m[i], &seg, &seglen))
				return 0;
		} else if (jsonscan_is_key(&m[i], "assignment"))
			assignment = &m[i];
		for (k = 0; k < 2; k++)
			if (jsonscan_is_key(&m[i], rate_fields[k])) {
				if (m[i].type != JSONSCAN_NUMBER)
					return 0;
				in.rate[k] = jsonscan_number(m[i].value,
				    m[i].valuelen);
				if (!(in.rate[k] >= 0 && in.rate[k] <= 1))
					return 0;
				seen |= 1 << k;
			}
	}
	if (in.id == NULL || seen != 3 || assignment == NULL ||
	    !fast_assignment(s, assignment, &in))
		return 0;
	in.segment_named = seg != NULL;
	in.segment = seg != NULL ? segment_number(s, seg, seglen) :
	    segment_number(s, "(none)", 6);
	buf_add(out, line, close);
	buf_puts(out, n > 0 ? ",\"engagement\":" : "\"engagement\":");
	outcome(s, &in, out);
	buf_putc(out, '}');
	return 1;
}

/* The slow path's reading of the assignment; -1 after adding reasons. */
static int
tree_assignment(struct simulator *s, const cJSON *rec,
    struct sim_in *in, struct reasons *why)
{
	const cJSON *a = json_get(rec, "assignment"), *arm, *f, *vid;
	int k;

	if (a == NULL) {
		reasons_add(why, "field 'assignment': missing (run cpo-assign "
		    "first)");
		return -1;
	}
	if (!cJSON_IsObject(a)) {
		jsonfile_bad_field(why, "assignment", "an object", a);
		return -1;
	}
	arm = json_get(a, "experiment_arm");
	if (!cJSON_IsString(arm) ||
	    (k = experiment_arm_index(s->exp, arm->valuestring)) < 0) {
		buf_reset(&s->scratch);
		buf_printf(&s->scratch, "an arm of experiment %s",
		    s->exp->id);
		jsonfile_bad_field(why, "assignment.experiment_arm",
		    s->scratch.data, arm);
		return -1;
	}
	in->arm = (size_t)k;
	f = json_get(a, "fallback");
	in->fallback = FALLBACK_NONE;
	if (f != NULL && !cJSON_IsNull(f)) {
		if (!cJSON_IsString(f) || (k = fallback_number(f->valuestring,
		    strlen(f->valuestring))) < 0) {
			jsonfile_bad_field(why, "assignment.fallback",
			    "null, \"blocked\" or \"missing\"", f);
			return -1;
		}
		in->fallback = (enum delivery_fallback)k;
	}
	vid = json_get(a, "variant_id");
	if (cJSON_IsString(vid)) {
		in->variant_id = vid->valuestring;
		in->variant_idlen = strlen(vid->valuestring);
	}
	return 0;
}

/* A cJSON raw value: text that is already JSON, written as it is. */
static cJSON *
new_raw(const char *text)
{
	cJSON *v = cJSON_CreateRaw(text);

	/* cJSON returns NULL only when its allocator fails (as lib/json). */
	if (v == NULL)
		xmalloc((size_t)-1);
	return v;
}

/* A member that is a string, or NULL. */
static const char *
string_of(const cJSON *rec, const char *key)
{
	const cJSON *v = json_get(rec, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The slow path: the record as a cJSON tree. */
static int
tree_line(struct simulator *s, cJSON *rec, struct buf *out,
    struct reasons *why)
{
	const cJSON *id = json_get(rec, "customer_id"), *v;
	struct sim_in in;
	struct delivery d;
	struct buf text;
	int k, bad = 0;

	memset(&in, 0, sizeof(in));
	if (!cJSON_IsString(id) || id->valuestring[0] == '\0') {
		jsonfile_bad_field(why, "customer_id", "a non-empty string",
		    id);
		bad = 1;
	}
	for (k = 0; k < 2; k++) {
		v = json_get(rec, rate_fields[k]);
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
		    v->valuedouble <= 1)
			in.rate[k] = v->valuedouble;
		else {
			jsonfile_bad_field(why, rate_fields[k],
			    "a number from 0 to 1", v);
			bad = 1;
		}
	}
	if (tree_assignment(s, rec, &in, why) < 0)
		bad = 1;
	in.variants = json_get(rec, "variants");
	if (delivery_choose(in.variants, EXPERIMENT_CONTROL_TONE, &d, why) < 0)
		bad = 1;
	if (bad)
		return -1;
	in.id = id->valuestring;
	in.idlen = strlen(id->valuestring);
	in.tier = string_of(rec, "tier");
	in.location = string_of(rec, "location");
	v = json_get(rec, "segment");
	buf_init(&text);
	if (v == NULL || cJSON_IsNull(v))
		buf_puts(&text, "(none)");
	else if (cJSON_IsString(v))
		buf_puts(&text, v->valuestring);
	else
		json_write(&text, v);
	in.segment_named = cJSON_IsString(v);
	in.segment = segment_number(s, text.data, text.len);
	buf_reset(&text);
	outcome(s, &in, &text);
	json_set(rec, "engagement", new_raw(text.data));
	buf_release(&text);
	json_write(out, rec);
	return 0;
}

int
simulate_line(struct simulator *s, const char *line, size_t len,
    int no_newline, struct buf *out, struct reasons *why)
{
	cJSON *rec;
	int rc;

	if (ndjson_blank(line, len))
		return 0;
	if (fast_line(s, line, len, out))
		return 1;
	if ((rec = ndjson_object(line, len, no_newline, why)) == NULL)
		return -1;
	rc = tree_line(s, rec, out, why);
	json_free(rec);
	return rc < 0 ? -1 : 1;
}

/* Appends {"open_rate":..,"click_rate":..,"conversion_rate":..}. */
static void
put_rates(struct buf *b, const double *sum, unsigned long n)
{
	int i;

	buf_putc(b, '{');
	for (i = 0; i < METRIC_N; i++) {
		if (i > 0)
			buf_putc(b, ',');
		jsonw_key(b, metric_names[i]);
		if (n == 0)
			buf_puts(b, "null");
		else
			jsonw_double(b, sum[i] / (double)n);
	}
	buf_putc(b, '}');
}

static void
put_arms(const struct simulator *s, struct buf *b,
    const struct simulate_cell *cell, unsigned long customers)
{
	const struct experiment *e = s->exp;
	size_t a;

	buf_puts(b, "\"arms\":[");
	for (a = 0; a < e->narms; a++) {
		if (a > 0)
			buf_putc(b, ',');
		buf_puts(b, "{\"arm_name\":");
		jsonw_string(b, e->arm[a].name, strlen(e->arm[a].name));
		buf_puts(b, ",\"tone\":");
		jsonw_string(b, e->arm[a].tone, strlen(e->arm[a].tone));
		buf_puts(b, ",\"sample_size\":");
		jsonw_int(b, (long long)cell[a].assigned);
		buf_puts(b, ",\"expected\":");
		put_rates(b, cell[a].expected, cell[a].assigned);
		buf_puts(b, ",\"potential\":");
		put_rates(b, cell[a].potential, customers);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

static void
put_lift(const struct simulator *s, struct buf *b)
{
	const struct experiment *e = s->exp;
	const struct simulate_cell *c = &s->total[e->control], *t;
	double n = (double)s->customers, pc, pt;
	size_t a;
	int i, first = 1;

	buf_puts(b, "\"lift\":[");
	for (a = 0; a < e->narms; a++) {
		if (a == e->control)
			continue;
		t = &s->total[a];
		for (i = 0; i < METRIC_N; i++) {
			if (!first)
				buf_putc(b, ',');
			first = 0;
			buf_puts(b, "{\"treatment_arm\":");
			jsonw_string(b, e->arm[a].name, strlen(e->arm[a].name));
			buf_puts(b, ",\"metric\":");
			jsonw_string(b, metric_names[i],
			    strlen(metric_names[i]));
			pc = c->potential[i] / n;
			pt = t->potential[i] / n;
			buf_puts(b, ",\"lift_absolute\":");
			if (s->customers == 0)
				buf_puts(b, "null");
			else
				jsonw_double(b, pt - pc);
			buf_puts(b, ",\"lift_percent\":");
			if (s->customers == 0 || pc == 0)
				buf_puts(b, "null,\"reason\":\"the control "
				    "rate is 0\"");
			else
				jsonw_double(b, (pt - pc) / pc * 100);
			buf_putc(b, '}');
		}
	}
	buf_putc(b, ']');
}

/* Tells whether string i of t sorts before string j, bytewise. */
static int
before(const struct strtab *t, size_t i, size_t j)
{
	size_t li = t->len[i], lj = t->len[j];
	int c = memcmp(t->str[i], t->str[j], li < lj ? li : lj);

	return c != 0 ? c < 0 : li < lj;
}

void
simulate_truth(const struct simulator *s, struct buf *b)
{
	const struct experiment *e = s->exp;
	size_t *order, n = s->segments.n, k, i;

	buf_puts(b, "{\"experiment_id\":");
	jsonw_string(b, e->id, strlen(e->id));
	buf_puts(b, ",\"seed\":");
	jsonw_int(b, (long long)e->seed);
	buf_puts(b, ",\"aa\":");
	jsonw_bool(b, s->aa);
	buf_puts(b, ",\"customers\":");
	jsonw_int(b, (long long)s->customers);
	buf_putc(b, ',');
	put_arms(s, b, s->total, s->customers);
	buf_putc(b, ',');
	put_lift(s, b);
	buf_puts(b, ",\"segments\":[");
	order = xcalloc(n > 0 ? n : 1, sizeof(*order));
	/* Insertion sort: segments are few. */
	for (k = 0; k < n; k++) {
		for (i = k; i > 0 && before(&s->segments, k, order[i - 1]); i--)
			order[i] = order[i - 1];
		order[i] = k;
	}
	for (i = 0; i < n; i++) {
		k = order[i];
		if (i > 0)
			buf_putc(b, ',');
		buf_puts(b, "{\"segment\":");
		jsonw_string(b, s->segments.str[k], s->segments.len[k]);
		buf_puts(b, ",\"sample_size\":");
		jsonw_int(b, (long long)s->segment_customers[k]);
		buf_putc(b, ',');
		put_arms(s, b, &s->cells[k * e->narms],
		    s->segment_customers[k]);
		buf_putc(b, '}');
	}
	free(order);
	buf_puts(b, "]}\n");
}
