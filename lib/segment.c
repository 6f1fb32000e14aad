/* SPDX-License-Identifier: MIT */
/*
 * Segment fields on customer records, and the segment summary. The fast
 * path copies a record's text and appends the new fields; numbers it
 * writes come from the input's own text when that is already the shortest
 * form (jsonw_decimal), else from a small table of numbers formatted
 * before, since engagement scores repeat and formatting a double in its
 * shortest form is the dearest step of all. Confidences are rounded to
 * CONFIDENCE_PLACES decimal places: more would only show the last bits of
 * exp(3), which are not the same in every C library.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jsonfile.h"
#include "jsonscan.h"
#include "jsonw.h"
#include "ndjson.h"
#include "segment.h"
#include "xalloc.h"

/* Keys the fast path looks for, with their lengths. */
struct key {
	const char *name;
	size_t len;
};
#define KEY(s) { s, sizeof(s) - 1 }

/* The six fields read, in the order of enum segfield. */
static const struct key wanted[SEGF_NRAW] = {
	KEY("age"), KEY("purchase_frequency"), KEY("avg_order_value"),
	KEY("last_engagement_days"), KEY("historical_open_rate"),
	KEY("historical_click_rate")
};

/* The fields this program adds; a record that has one takes the slow path. */
static const struct key added[] = {
	KEY("segment"), KEY("segment_id"), KEY("confidence"), KEY("features")
};

/* Confidence is written in ten-thousandths. */
#define CONFIDENCE_SCALE 10000

/* Numbers formatted lately, by their bits: a direct-mapped table. */
enum { NUMBERS_SIZE = 1024 };
struct segnumbers {
	uint64_t bits[NUMBERS_SIZE];
	unsigned char len[NUMBERS_SIZE];	/* 0: empty */
	char text[NUMBERS_SIZE][JSONW_DOUBLE_MAX];
};

static void
put_number(struct segnumbers *t, struct buf *out, double v)
{
	uint64_t bits;
	size_t i;

	memcpy(&bits, &v, sizeof(bits));
	i = hash_mix64(bits) & (NUMBERS_SIZE - 1);
	if (t->len[i] == 0 || t->bits[i] != bits) {
		t->len[i] = (unsigned char)jsonw_format_double(v, t->text[i]);
		t->bits[i] = bits;
	}
	buf_add(out, t->text[i], t->len[i]);
}

static int
is_key(const struct jsonscan_member *m, const struct key *k)
{
	return k->len == m->keylen && memcmp(m->key, k->name, k->len) == 0;
}

/*
 * The fast path: takes the six numbers from the scanned members. Returns
 * -1, to leave the record to cJSON, when a key is escaped, a field is
 * missing or not a finite number, or one of the added fields is there.
 */
static int
fast_fields(struct segrecord *rec, const struct jsonscan_member *m, int n)
{
	unsigned seen = 0;
	size_t f, a;
	int i;

	for (i = 0; i < n; i++) {
		if (m[i].key_escaped)
			return -1;
		for (a = 0; a < sizeof(added) / sizeof(added[0]); a++)
			if (is_key(&m[i], &added[a]))
				return -1;
		for (f = 0; f < SEGF_NRAW; f++)
			if (!(seen & (1u << f)) && is_key(&m[i], &wanted[f]))
				break;
		if (f == SEGF_NRAW)
			continue;
		if (m[i].type != JSONSCAN_NUMBER)
			return -1;
		rec->f[f] = jsonscan_number(m[i].value, m[i].valuelen);
		if (!isfinite(rec->f[f]))
			return -1;
		rec->num[f] = m[i].value;
		rec->numlen[f] = m[i].valuelen;
		seen |= 1u << f;
	}
	return seen == (1u << SEGF_NRAW) - 1 ? 0 : -1;
}

/* The slow path's numbers, with a reason for each bad field. */
static int
tree_fields(struct segrecord *rec, struct reasons *why)
{
	const cJSON *v;
	struct buf msg;
	size_t i;
	int bad = 0;

	for (i = 0; i < SEGF_NRAW; i++) {
		v = json_get(rec->tree, segfield_names[i]);
		if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
			rec->f[i] = v->valuedouble;
			continue;
		}
		bad = 1;
		if (v == NULL) {
			reasons_add(why, "field '%s': missing", segfield_names[i]);
			continue;
		}
		buf_init(&msg);
		/* cJSON reads 1e999 as infinity; its text is gone by now. */
		if (cJSON_IsNumber(v))
			buf_printf(&msg, "field '%s': expected a finite number, "
			    "got a number out of range", segfield_names[i]);
		else {
			buf_printf(&msg, "field '%s': expected a number, got ",
			    segfield_names[i]);
			jsonfile_show(&msg, v);
		}
		reasons_add_buf(why, &msg);
		buf_release(&msg);
	}
	return bad ? -1 : 0;
}

int
segment_read(struct segrecord *rec, const char *line, size_t len,
    int no_newline, struct reasons *why)
{
	struct jsonscan_member m[JSONSCAN_MEMBERS];
	int n;

	if (ndjson_blank(line, len))
		return 0;
	rec->text = line;
	rec->len = len;
	rec->tree = NULL;
	n = jsonscan_object(line, len, m, JSONSCAN_MEMBERS, &rec->close);
	if (n >= 0 && fast_fields(rec, m, n) == 0) {
		segfield_derive(rec->f);
		return 1;
	}
	if ((rec->tree = ndjson_object(line, len, no_newline, why)) == NULL)
		return -1;
	if (tree_fields(rec, why) == 0) {
		segfield_derive(rec->f);
		return 1;
	}
	segrecord_release(rec);
	return -1;
}

void
segrecord_release(struct segrecord *rec)
{
	json_free(rec->tree);
	rec->tree = NULL;
}

/* The slow path's output: the fields set in the tree, which is written. */
static void
write_tree(struct segrecord *rec, const char *segment, int segment_id,
    long confidence, struct buf *out)
{
	cJSON *features = json_new_object();

	json_set(features, "avg_purchase_frequency",
	    json_new_number(rec->f[SEGF_PURCHASE_FREQUENCY]));
	json_set(features, "avg_order_value",
	    json_new_number(rec->f[SEGF_AVG_ORDER_VALUE]));
	json_set(features, "engagement_score",
	    json_new_number(rec->f[SEGF_ENGAGEMENT_SCORE]));
	json_set(rec->tree, "segment", json_new_string(segment));
	json_set(rec->tree, "segment_id", json_new_number(segment_id));
	json_set(rec->tree, "confidence",
	    json_new_number((double)confidence / CONFIDENCE_SCALE));
	json_set(rec->tree, "features", features);
	json_write(out, rec->tree);
	segrecord_release(rec);
}

/* Appends field f of rec in the form jsonw_double would give it. */
static void
put_field(struct segmenter *s, struct buf *out, const struct segrecord *rec,
    enum segfield f)
{
	if (!jsonw_decimal(out, rec->num[f], rec->numlen[f]))
		put_number(s->numbers, out, rec->f[f]);
}

/*
 * Appends n / CONFIDENCE_SCALE (n from 0 to the scale) as jsonw_double
 * writes that quotient: no trailing zeros, and "1" for 1. A decimal of four
 * digits is the shortest form of the double nearest it.
 */
static void
put_confidence(struct buf *out, long n)
{
	char digits[8];
	int len;

	if (n <= 0 || n >= CONFIDENCE_SCALE) {
		buf_putc(out, n <= 0 ? '0' : '1');
		return;
	}
	len = snprintf(digits, sizeof(digits), "0.%04ld", n);
	while (digits[len - 1] == '0')
		len--;
	buf_add(out, digits, (size_t)len);
}

/* The fast path's output: the line up to its closing brace, then ours. */
static void
write_text(struct segmenter *s, const struct segrecord *rec,
    const char *segment, int segment_id, long confidence, struct buf *out)
{
	buf_add(out, rec->text, rec->close);
	buf_puts(out, ",\"segment\":");
	jsonw_string(out, segment, strlen(segment));
	buf_puts(out, ",\"segment_id\":");
	jsonw_int(out, segment_id);
	buf_puts(out, ",\"confidence\":");
	put_confidence(out, confidence);
	buf_puts(out, ",\"features\":{\"avg_purchase_frequency\":");
	put_field(s, out, rec, SEGF_PURCHASE_FREQUENCY);
	buf_puts(out, ",\"avg_order_value\":");
	put_field(s, out, rec, SEGF_AVG_ORDER_VALUE);
	buf_puts(out, ",\"engagement_score\":");
	put_number(s->numbers, out, rec->f[SEGF_ENGAGEMENT_SCORE]);
	buf_puts(out, "}}");
}

static void
summary_init(struct segsummary *s)
{
	memset(s, 0, sizeof(*s));
}

static size_t
add_row(struct segsummary *s, const char *segment, int id,
    const char *definition)
{
	struct segsummary_row *r = &s->row[s->n];

	r->segment = xstrdup(segment);
	r->segment_id = id;
	r->definition = xstrdup(definition);
	return s->n++;
}

static void
summary_rules(struct segsummary *s, const struct segrules *r,
    size_t *rule_row)
{
	struct buf def;
	size_t i, j;
	int id, last = -1;

	summary_init(s);
	buf_init(&def);
	/* Segment ids are at most SEGRULES_ID_MAX: take them in order. */
	for (;;) {
		id = SEGRULES_ID_MAX + 1;
		for (i = 0; i < r->n; i++)
			if (r->rule[i].segment_id > last &&
			    r->rule[i].segment_id < id)
				id = r->rule[i].segment_id;
		if (id > SEGRULES_ID_MAX)
			break;
		for (i = 0; r->rule[i].segment_id != id; i++)
			continue;
		buf_reset(&def);
		segrules_define(r, id, &def);
		add_row(s, r->rule[i].segment, id, buf_str(&def));
		for (j = 0; j < r->n; j++)
			if (r->rule[j].segment_id == id)
				rule_row[j] = s->n - 1;
		last = id;
	}
	buf_release(&def);
}

static void
summary_model(struct segsummary *s, const struct segmodel *m)
{
	size_t i;

	summary_init(s);
	for (i = 0; i < m->k; i++)
		add_row(s, m->cluster[i].segment, m->cluster[i].segment_id,
		    m->cluster[i].definition);
}

static void
summary_release(struct segsummary *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->row[i].segment);
		free(s->row[i].definition);
	}
	s->n = 0;
}

static void
summary_count(struct segsummary *s, size_t row, const double f[SEGF_N])
{
	struct segsummary_row *r = &s->row[row];

	r->size++;
	r->age += f[SEGF_AGE];
	r->frequency += f[SEGF_PURCHASE_FREQUENCY];
	r->order_value += f[SEGF_AVG_ORDER_VALUE];
	r->engagement += f[SEGF_ENGAGEMENT_SCORE];
	s->total++;
}

static void
average(struct buf *out, const char *key, double sum, unsigned long n)
{
	jsonw_key(out, key);
	if (n == 0)
		buf_add(out, "null", 4);
	else
		jsonw_double(out, sum / (double)n);
}

void
segsummary_write(const struct segsummary *s, struct buf *out)
{
	const struct segsummary_row *r;
	size_t i;

	for (i = 0; i < s->n; i++) {
		r = &s->row[i];
		buf_putc(out, '{');
		jsonw_key(out, "segment");
		jsonw_string(out, r->segment, strlen(r->segment));
		buf_putc(out, ',');
		jsonw_key(out, "segment_id");
		jsonw_int(out, r->segment_id);
		buf_putc(out, ',');
		jsonw_key(out, "size");
		jsonw_int(out, (long long)r->size);
		buf_putc(out, ',');
		jsonw_key(out, "percentage");
		jsonw_double(out, s->total > 0 ?
		    100.0 * (double)r->size / (double)s->total : 0);
		buf_putc(out, ',');
		jsonw_key(out, "characteristics");
		buf_putc(out, '{');
		average(out, "avg_age", r->age, r->size);
		buf_putc(out, ',');
		average(out, "avg_purchase_frequency", r->frequency, r->size);
		buf_putc(out, ',');
		average(out, "avg_order_value", r->order_value, r->size);
		buf_putc(out, ',');
		average(out, "avg_engagement", r->engagement, r->size);
		buf_add(out, "},", 2);
		jsonw_key(out, "definition");
		jsonw_string(out, r->definition, strlen(r->definition));
		buf_add(out, "}\n", 2);
	}
}

void
segmenter_init(struct segmenter *s)
{
	memset(s, 0, sizeof(*s));
	kmeans_data_init(&s->held, SEGF_NRAW);
	segrules_init(&s->rules);
	segmodel_init(&s->model);
	summary_rules(&s->summary, &s->rules, s->rule_row);
	s->numbers = xcalloc(1, sizeof(*s->numbers));
}

void
segmenter_release(struct segmenter *s)
{
	segrules_release(&s->rules);
	segmodel_release(&s->model);
	summary_release(&s->summary);
	kmeans_data_release(&s->held);
	if (s->replaying)
		lineio_release(&s->replay);
	if (s->holding)
		spool_close(&s->spool);
	free(s->numbers);
	s->numbers = NULL;
}

/* Reads a file for a loader: 0, or -1 with errno set. */
static int
load(const char *path, struct buf *text)
{
	buf_init(text);
	if (jsonfile_read(path, text) == 0)
		return 0;
	buf_release(text);
	return -1;
}

int
segmenter_load_rules(struct segmenter *s, const char *path, struct buf *err)
{
	struct buf text;
	int rc;

	if (load(path, &text) < 0)
		return -1;
	rc = segrules_parse(&s->rules, buf_str(&text), text.len, err);
	buf_release(&text);
	if (rc < 0)
		return -2;
	summary_release(&s->summary);
	summary_rules(&s->summary, &s->rules, s->rule_row);
	return 0;
}

int
segmenter_load_model(struct segmenter *s, const char *path, struct buf *err)
{
	struct buf text;
	int rc;

	if (load(path, &text) < 0)
		return -1;
	segmodel_release(&s->model);
	rc = segmodel_parse(&s->model, buf_str(&text), text.len, err);
	buf_release(&text);
	if (rc < 0)
		return -2;
	summary_release(&s->summary);
	summary_model(&s->summary, &s->model);
	return 0;
}

void
segmenter_label(struct segmenter *s, struct segrecord *rec, struct buf *out)
{
	const char *segment;
	double confidence;
	size_t i, row;
	long scaled;
	int id;

	if (s->model.k > 0) {
		row = i = segmodel_classify(&s->model, rec->f, &confidence);
		segment = s->model.cluster[i].segment;
		id = s->model.cluster[i].segment_id;
	} else {
		i = segrules_match(&s->rules, rec->f, &confidence);
		segment = s->rules.rule[i].segment;
		id = s->rules.rule[i].segment_id;
		row = s->rule_row[i];
	}
	summary_count(&s->summary, row, rec->f);
	scaled = lround(confidence * CONFIDENCE_SCALE);
	if (rec->tree != NULL)
		write_tree(rec, segment, id, scaled, out);
	else
		write_text(s, rec, segment, id, scaled, out);
}

int
segmenter_hold(struct segmenter *s, const char *tmpdir, const char *line,
    size_t len, const double f[SEGF_N])
{
	if (!s->holding) {
		if (spool_open(&s->spool, tmpdir) < 0)
			return -1;
		s->holding = 1;
	}
	kmeans_data_add(&s->held, f);
	return spool_add(&s->spool, line, len);
}

int
segmenter_replay(struct segmenter *s, struct segrecord *rec)
{
	struct reasons why;
	const char *line;
	size_t len;
	int fd, rc;

	if (!s->replaying) {
		if ((fd = spool_rewind(&s->spool)) < 0)
			return -1;
		lineio_open_fd(&s->replay, fd, 0, NULL, 0);
		s->replaying = 1;
	}
	/* Every held line was read as a good record once already. */
	reasons_init(&why);
	do
		if ((rc = lineio_next(&s->replay, &line, &len)) <= 0)
			break;
	while ((rc = segment_read(rec, line, len, 0, &why)) != 1);
	reasons_release(&why);
	return rc;
}

int
segmenter_fit(struct segmenter *s, size_t k, size_t kmin, size_t kmax,
    size_t sample, unsigned restarts, unsigned threads, uint64_t seed,
    struct buf *err)
{
	double mean[SEGF_NRAW], scale[SEGF_NRAW], *score = NULL;
	struct kmeans_data *data = &s->held;
	struct kmeans_fit fit;
	struct rng rng;
	size_t asked = k;
	unsigned long n = data->n;

	kmeans_standardize(data, mean, scale);
	rng_init(&rng, seed);
	if (asked == 0) {
		score = xcalloc(kmax - kmin + 1, sizeof(double));
		k = kmeans_choose_k(data, kmin, kmax, restarts, threads,
		    sample, &rng, score);
		if (k == 0) {
			buf_printf(err, "auto needs at least %zu distinct "
			    "customers", kmin + 1);
			free(score);
			return -1;
		}
	}
	if (kmeans_fit(data, k, restarts, threads, &rng, &fit) < 0) {
		buf_printf(err, "the input has fewer than %zu distinct "
		    "customers", k);
		free(score);
		return -1;
	}
	/* The numbers are no longer needed: free them before labelling. */
	kmeans_data_release(data);
	segmodel_release(&s->model);
	segmodel_from_fit(&s->model, mean, scale, &fit, &s->rules, n);
	s->model.seed = seed;
	s->model.restarts = restarts;
	if (asked == 0) {
		s->model.auto_kmin = kmin;
		s->model.auto_n = kmax - kmin + 1;
		s->model.silhouette = score;
	}
	kmeans_fit_release(&fit);
	summary_release(&s->summary);
	summary_model(&s->summary, &s->model);
	return 0;
}
