/* SPDX-License-Identifier: MIT */
/*
 * Arm assignment. Permuted blocks are the standard way to keep a randomized
 * trial balanced over time within strata (Rosenberger and Lachin,
 * "Randomization in Clinical Trials", 2nd ed., ch. 3); each block is a
 * Fisher-Yates shuffle of the arms' labels, drawn with Lemire's unbiased
 * bounded integers (lib/rng).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "bucket.h"
#include "delivery.h"
#include "hash.h"
#include "inference.h"
#include "json.h"
#include "jsonscan.h"
#include "jsonw.h"
#include "ndjson.h"
#include "xalloc.h"

void
assign_init(struct assigner *a, const struct experiment *exp,
    enum assign_method method, int keep_variants, time_t t)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->exp = exp;
	a->method = method;
	a->keep_variants = keep_variants;
	timefmt_iso(t, a->assigned_at);
	strtab_init(&a->names);
	for (i = 0; i < exp->narms; i++)
		a->weight[i] = exp->arm[i].weight;
	buf_init(&a->stratum);
	buf_init(&a->text);
}

void
assign_release(struct assigner *a)
{
	size_t i;

	for (i = 0; i < a->names.n; i++)
		free(a->strata[i].block);
	free(a->strata);
	strtab_release(&a->names);
	buf_release(&a->stratum);
	buf_release(&a->text);
}

static struct assign_stratum *
stratum_get(struct assigner *a, const char *name, size_t len)
{
	struct assign_stratum *s;
	size_t k;
	int added;

	k = strtab_intern(&a->names, name, len, &added);
	if (!added)
		return &a->strata[k];
	if (k >= a->cap) {
		a->cap = a->cap == 0 ? 8 : a->cap * 2;
		a->strata = xreallocarray(a->strata, a->cap,
		    sizeof(*a->strata));
	}
	s = &a->strata[k];
	memset(s, 0, sizeof(*s));
	/* Each stratum draws from its own stream: seed and name decide it. */
	rng_init(&s->rng, a->exp->seed ^ hash_fnv1a64(name, len));
	if (a->method == ASSIGN_STRATIFIED) {
		s->block = xmalloc(a->exp->block_size);
		s->pos = a->exp->block_size;
	}
	return s;
}

/* Refills s's block with every arm's labels and shuffles it. */
static void
deal_block(const struct experiment *e, struct assign_stratum *s)
{
	unsigned n = 0, c, i, j;
	unsigned char t;

	for (i = 0; i < e->narms; i++)
		for (c = 0; c < e->arm[i].block_count; c++)
			s->block[n++] = (unsigned char)i;
	for (i = n - 1; i > 0; i--) {
		j = (unsigned)rng_below(&s->rng, (uint64_t)i + 1);
		t = s->block[i];
		s->block[i] = s->block[j];
		s->block[j] = t;
	}
	s->pos = 0;
}

size_t
assign_next(struct assigner *a, const char *stratum, size_t stratumlen,
    const char *id, size_t idlen, double *bucket)
{
	const struct experiment *e = a->exp;
	struct assign_stratum *s = stratum_get(a, stratum, stratumlen);
	const char *seed;
	size_t arm;

	if (a->method == ASSIGN_HASH) {
		seed = e->hash_seed != NULL ? e->hash_seed : e->seed_text;
		*bucket = bucket_hash(seed, strlen(seed), id, idlen);
		arm = bucket_choose(*bucket, a->weight, e->narms);
	} else {
		*bucket = NAN;
		if (s->pos == e->block_size)
			deal_block(e, s);
		arm = s->block[s->pos++];
	}
	s->count[arm]++;
	return arm;
}

/* The stratum of a parsed record, into a->stratum. */
static void
tree_stratum(struct assigner *a, const cJSON *rec)
{
	const cJSON *v;

	buf_reset(&a->stratum);
	if (a->exp->stratify_by == NULL) {
		buf_puts(&a->stratum, "all");
		return;
	}
	v = json_get(rec, a->exp->stratify_by);
	if (v == NULL || cJSON_IsNull(v))
		buf_puts(&a->stratum, "(none)");
	else if (cJSON_IsString(v))
		buf_puts(&a->stratum, v->valuestring);
	else
		json_write(&a->stratum, v);
}

/* Appends a bucket, k / 10000, in its shortest form without printf. */
static void
put_bucket(struct buf *b, double bucket)
{
	int k = (int)lround(bucket * 10000), digits = 4;
	char text[8];

	if (k == 0) {
		buf_putc(b, '0');
		return;
	}
	while (k % 10 == 0) {
		k /= 10;
		digits--;
	}
	snprintf(text, sizeof(text), "0.%0*d", digits, k);
	buf_puts(b, text);
}

static void
put_string(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		jsonw_string(b, s, strlen(s));
}

/*
 * Appends the assignment object of customer id (idlen bytes) to b, with
 * segment the record's segment member as JSON text (NULL: null).
 */
static void
put_assignment(const struct assigner *a, struct buf *b, const char *id,
    size_t idlen, const char *segment, size_t segmentlen, size_t arm,
    const struct delivery *d, double bucket)
{
	const struct experiment *e = a->exp;

	buf_puts(b, "{\"customer_id\":");
	jsonw_string(b, id, idlen);
	buf_puts(b, ",\"segment\":");
	if (segment != NULL)
		buf_add(b, segment, segmentlen);
	else
		buf_puts(b, "null");
	buf_puts(b, ",\"experiment_arm\":");
	put_string(b, e->arm[arm].name);
	buf_puts(b, ",\"variant_id\":");
	put_string(b, d->variant_id);
	buf_puts(b, ",\"assigned_at\":");
	put_string(b, a->assigned_at);
	buf_puts(b, a->method == ASSIGN_HASH ?
	    ",\"assignment_method\":\"hash\"" :
	    ",\"assignment_method\":\"stratified_random\"");
	buf_puts(b, ",\"experiment_id\":");
	put_string(b, e->id);
	buf_puts(b, ",\"tone\":");
	put_string(b, e->arm[arm].tone);
	buf_puts(b, ",\"delivered\":");
	put_string(b, d->to_control ? e->arm[e->control].name :
	    e->arm[arm].name);
	buf_puts(b, ",\"fallback\":");
	put_string(b, delivery_fallback_names[d->fallback]);
	if (a->method == ASSIGN_HASH) {
		buf_puts(b, ",\"bucket\":");
		put_bucket(b, bucket);
	}
	buf_putc(b, '}');
}

/* A string member whose text needs no unescaping: its bytes are its value. */
static int
plain_string(const struct jsonscan_member *m)
{
	return m->type == JSONSCAN_STRING &&
	    memchr(m->value, '\\', m->valuelen) == NULL;
}

/*
 * The fast path, for the common record: no variants, no assignment yet,
 * and plain strings for customer_id and the stratum. Returns 1 when it
 * wrote the record, 0 to leave it to the slow path.
 */
static int
fast_line(struct assigner *a, const char *line, size_t len, struct buf *out)
{
	struct jsonscan_member m[JSONSCAN_MEMBERS];
	const struct jsonscan_member *id = NULL, *seg = NULL, *strat = NULL;
	const char *by = a->exp->stratify_by;
	struct delivery d;
	size_t close, arm;
	double bucket;
	int n, i;

	if ((n = jsonscan_object(line, len, m, JSONSCAN_MEMBERS, &close)) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (m[i].key_escaped || jsonscan_is_key(&m[i], "variants") ||
		    jsonscan_is_key(&m[i], "assignment"))
			return 0;
		if (id == NULL && jsonscan_is_key(&m[i], "customer_id"))
			id = &m[i];
		if (seg == NULL && jsonscan_is_key(&m[i], "segment"))
			seg = &m[i];
		if (strat == NULL && by != NULL && jsonscan_is_key(&m[i], by))
			strat = &m[i];
	}
	if (id == NULL || !plain_string(id) || id->valuelen < 3 ||
	    (strat != NULL && strat->type != JSONSCAN_NULL &&
	    !plain_string(strat)))
		return 0;
	buf_reset(&a->stratum);
	if (by == NULL)
		buf_puts(&a->stratum, "all");
	else if (strat == NULL || strat->type == JSONSCAN_NULL)
		buf_puts(&a->stratum, "(none)");
	else
		buf_add(&a->stratum, strat->value + 1, strat->valuelen - 2);
	arm = assign_next(a, a->stratum.data, a->stratum.len, id->value + 1,
	    id->valuelen - 2, &bucket);
	delivery_choose(NULL, a->exp->arm[arm].tone, &d, NULL);
	buf_add(out, line, close);
	buf_puts(out, n > 0 ? ",\"assignment\":" : "\"assignment\":");
	put_assignment(a, out, id->value + 1, id->valuelen - 2,
	    seg != NULL ? seg->value : NULL, seg != NULL ? seg->valuelen : 0,
	    arm, &d, bucket);
	buf_putc(out, '}');
	return 1;
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

/* The slow path: the record as a cJSON tree. */
static int
tree_line(struct assigner *a, cJSON *rec, struct buf *out,
    struct reasons *why)
{
	const cJSON *id = json_get(rec, "customer_id"), *seg;
	cJSON *variants = json_get(rec, "variants");
	const struct experiment *e = a->exp;
	struct delivery d;
	struct buf segtext;
	double bucket;
	size_t arm;

	if (!cJSON_IsString(id) || id->valuestring[0] == '\0') {
		reasons_add(why, "field 'customer_id': expected a non-empty "
		    "string, got %s", cJSON_IsString(id) ? "\"\"" :
		    json_type_name(id));
		return -1;
	}
	/* Check every tone's variant first: a reject must not use a slot. */
	for (arm = 0; arm < e->narms; arm++)
		if (delivery_choose(variants, e->arm[arm].tone, &d, why) < 0)
			return -1;
	tree_stratum(a, rec);
	arm = assign_next(a, a->stratum.data, a->stratum.len,
	    id->valuestring, strlen(id->valuestring), &bucket);
	delivery_choose(variants, e->arm[arm].tone, &d, why);
	buf_init(&segtext);
	if ((seg = json_get(rec, "segment")) != NULL)
		json_write(&segtext, seg);
	buf_reset(&a->text);
	put_assignment(a, &a->text, id->valuestring, strlen(id->valuestring),
	    seg != NULL ? segtext.data : NULL, segtext.len, arm, &d, bucket);
	buf_release(&segtext);
	json_set(rec, "assignment", new_raw(a->text.data));
	if (!a->keep_variants)
		delivery_prune(variants, &d);
	json_write(out, rec);
	return 0;
}

int
assign_line(struct assigner *a, const char *line, size_t len,
    int no_newline, struct buf *out, struct reasons *why)
{
	cJSON *rec;
	int rc;

	if (ndjson_blank(line, len))
		return 0;
	if (fast_line(a, line, len, out))
		return 1;
	if ((rec = ndjson_object(line, len, no_newline, why)) == NULL)
		return -1;
	rc = tree_line(a, rec, out, why);
	json_free(rec);
	return rc < 0 ? -1 : 1;
}

/* The width of s on a terminal: its characters, not its bytes. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Appends s padded with spaces to w columns, on the left or right. */
static void
cell(struct buf *b, const char *s, size_t w, int right)
{
	size_t n = width(s), i;
	const char *p;

	if (right)
		for (i = n; i < w; i++)
			buf_putc(b, ' ');
	for (p = s; *p != '\0'; p++)
		buf_putc(b, (unsigned char)*p < 0x20 ? '?' : *p);
	if (!right)
		for (i = n; i < w; i++)
			buf_putc(b, ' ');
}

static void
row(struct buf *b, const struct experiment *e, const char *name,
    const unsigned long *count, const size_t *w)
{
	unsigned long total = 0;
	char num[24];
	size_t i;

	cell(b, name, w[0], 0);
	for (i = 0; i < e->narms; i++) {
		snprintf(num, sizeof(num), "%lu", count[i]);
		buf_puts(b, "  ");
		cell(b, num, w[i + 1], 1);
		total += count[i];
	}
	snprintf(num, sizeof(num), "%lu", total);
	buf_puts(b, "  ");
	cell(b, num, w[e->narms + 1], 1);
	buf_putc(b, '\n');
}

void
assign_summary(const struct assigner *a, struct buf *b, int *mismatch)
{
	const struct experiment *e = a->exp;
	unsigned long total[EXPERIMENT_ARMS_MAX] = { 0 }, all = 0;
	size_t w[EXPERIMENT_ARMS_MAX + 2], i, k;
	double chisq, p;

	w[0] = width("stratum");
	for (k = 0; k < a->names.n; k++) {
		if (width(a->names.str[k]) > w[0])
			w[0] = width(a->names.str[k]);
		for (i = 0; i < e->narms; i++)
			total[i] += a->strata[k].count[i];
	}
	for (i = 0; i < e->narms; i++) {
		w[i + 1] = width(e->arm[i].name);
		all += total[i];
	}
	w[e->narms + 1] = width("total");
	/* Totals are the widest numbers of each column. */
	for (i = 0; i <= e->narms; i++) {
		char num[24];

		snprintf(num, sizeof(num), "%lu", i < e->narms ? total[i] :
		    all);
		if (strlen(num) > w[i + 1])
			w[i + 1] = strlen(num);
	}
	cell(b, "stratum", w[0], 0);
	for (i = 0; i < e->narms; i++) {
		buf_puts(b, "  ");
		cell(b, e->arm[i].name, w[i + 1], 1);
	}
	buf_puts(b, "  ");
	cell(b, "total", w[e->narms + 1], 1);
	buf_putc(b, '\n');
	for (k = 0; k < a->names.n; k++)
		row(b, e, a->names.str[k], a->strata[k].count, w);
	row(b, e, "total", total, w);
	p = inference_srm(total, a->weight, e->narms, &chisq);
	*mismatch = p < ASSIGN_SRM_ALPHA;
	if (isnan(p))
		buf_puts(b, "sample ratio: not checked (fewer than two arms "
		    "or no customers)\n");
	else
		buf_printf(b, "sample ratio: chi-square %.4f on %zu df, "
		    "p %.4g%s\n", chisq, e->narms - 1, p, *mismatch ?
		    " (mismatch: below 0.001)" : "");
}
