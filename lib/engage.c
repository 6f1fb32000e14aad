/* SPDX-License-Identifier: MIT */
/*
 * The engagement model: the compiled-in default, the reading of a model
 * file over it, and the probabilities. Unlike the reference system's
 * simulation, which drew outcomes from fixed rates whatever the message,
 * the message matters here, and by a known amount, so that an analysis of
 * the simulated experiment can be checked against the truth.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engage.h"
#include "json.h"
#include "jsonfile.h"

/*
 * Default effects: modest, of the size email tests report (a few percent to
 * about 15% relative), different by stage so that the three tones win on
 * different metrics, and turned around in some segments.
 */
static const struct engage_tone default_tones[] = {
	{ "urgent", { { 1.12, 1.00, 1.05 } } },
	{ "informational", { { 1.00, 1.15, 1.00 } } },
	{ "friendly", { { 1.06, 1.05, 1.00 } } },
};

static const struct engage_segment_tone default_segment_tones[] = {
	{ "High-Value Recent", "urgent", { { 0.95, 1.00, 1.00 } } },
	{ "High-Value Recent", "informational", { { 1.00, 1.05, 1.05 } } },
	{ "At-Risk", "urgent", { { 0.90, 1.00, 1.00 } } },
	{ "At-Risk", "friendly", { { 1.10, 1.00, 1.00 } } },
	{ "New Customer", "informational", { { 1.00, 1.10, 1.00 } } },
};

static const struct engage_effect none = { { 1, 1, 1 } };

static const char *const stage_keys[STAGE_N] = { "open", "click", "convert" };

void
engage_init(struct engage_model *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->conversion_given_click = 0.1;
	m->max_click_given_open = 0.9;
	m->max_probability = 0.99;
	m->noise_sd = 0.1;
	m->ntones = sizeof(default_tones) / sizeof(default_tones[0]);
	for (i = 0; i < m->ntones; i++)
		m->tone[i] = default_tones[i];
	m->nsegment_tones = sizeof(default_segment_tones) /
	    sizeof(default_segment_tones[0]);
	for (i = 0; i < m->nsegment_tones; i++)
		m->segment_tone[i] = default_segment_tones[i];
	m->personalized = (struct engage_effect){ { 1.05, 1.08, 1.00 } };
	m->citation = (struct engage_effect){ { 1.00, 1.03, 1.00 } };
	m->max_citations = 3;
	m->long_subject = (struct engage_effect){ { 0.92, 1.00, 1.00 } };
	m->subject_chars = 60;
}

void
engage_release(struct engage_model *m)
{
	json_free(m->owned);
	m->owned = NULL;
}

static int
bad(struct buf *err, const char *key, const char *want, const cJSON *v)
{
	jsonfile_expected(err, "key", key, want, v);
	return -1;
}

static int
is_number_in(const cJSON *v, double lo, double hi)
{
	return cJSON_IsNumber(v) && v->valuedouble >= lo &&
	    v->valuedouble <= hi;
}

/* An effect object: {"open": x, "click": y, "convert": z}, each > 0. */
static int
parse_effect(const cJSON *v, const char *key, struct engage_effect *e,
    struct buf *err)
{
	const cJSON *s;
	char sub[200];
	int i;

	if (!cJSON_IsObject(v))
		return bad(err, key, "an object of open, click and convert "
		    "multipliers", v);
	*e = none;
	for (s = v->child; s != NULL; s = s->next) {
		snprintf(sub, sizeof(sub), "%s.%.60s", key, s->string);
		for (i = 0; i < STAGE_N; i++)
			if (strcmp(s->string, stage_keys[i]) == 0)
				break;
		if (i == STAGE_N) {
			buf_printf(err, "unknown key '%s'", sub);
			return -1;
		}
		if (!is_number_in(s, 0, 1e6) || s->valuedouble == 0)
			return bad(err, sub, "a positive number", s);
		e->m[i] = s->valuedouble;
	}
	return 0;
}

static int
parse_tones(struct engage_model *m, const cJSON *v, struct buf *err)
{
	const cJSON *t;
	char key[120];

	if (!cJSON_IsObject(v) || cJSON_GetArraySize(v) > ENGAGE_TONES_MAX)
		return bad(err, "tones", "an object of at most 32 tones", v);
	m->ntones = 0;
	for (t = v->child; t != NULL; t = t->next) {
		snprintf(key, sizeof(key), "tones.%.60s", t->string);
		m->tone[m->ntones].tone = t->string;
		if (parse_effect(t, key, &m->tone[m->ntones].effect, err) < 0)
			return -1;
		m->ntones++;
	}
	return 0;
}

static int
parse_segment_tones(struct engage_model *m, const cJSON *v, struct buf *err)
{
	const cJSON *s, *t;
	struct engage_segment_tone *st;
	char key[200];

	if (!cJSON_IsObject(v))
		return bad(err, "segment_tones", "an object of segments", v);
	m->nsegment_tones = 0;
	for (s = v->child; s != NULL; s = s->next) {
		snprintf(key, sizeof(key), "segment_tones.%.60s", s->string);
		if (!cJSON_IsObject(s))
			return bad(err, key, "an object of tones", s);
		for (t = s->child; t != NULL; t = t->next) {
			if (m->nsegment_tones == ENGAGE_SEGMENT_TONES_MAX) {
				buf_printf(err, "key 'segment_tones': more "
				    "than %d segment and tone pairs",
				    ENGAGE_SEGMENT_TONES_MAX);
				return -1;
			}
			st = &m->segment_tone[m->nsegment_tones++];
			st->segment = s->string;
			st->tone = t->string;
			snprintf(key, sizeof(key), "segment_tones.%.60s.%.60s",
			    s->string, t->string);
			if (parse_effect(t, key, &st->effect, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int
parse_count(const cJSON *v, const char *key, unsigned *out, struct buf *err)
{
	if (!is_number_in(v, 0, 1000000) ||
	    v->valuedouble != floor(v->valuedouble))
		return bad(err, key, "an integer from 0 to 1000000", v);
	*out = (unsigned)v->valuedouble;
	return 0;
}

static int
parse_features(struct engage_model *m, const cJSON *v, struct buf *err)
{
	const cJSON *f;
	char key[120];

	if (!cJSON_IsObject(v))
		return bad(err, "features", "an object", v);
	for (f = v->child; f != NULL; f = f->next) {
		snprintf(key, sizeof(key), "features.%.60s", f->string);
		if (strcmp(f->string, "personalized") == 0) {
			if (parse_effect(f, key, &m->personalized, err) < 0)
				return -1;
		} else if (strcmp(f->string, "citation") == 0) {
			if (parse_effect(f, key, &m->citation, err) < 0)
				return -1;
		} else if (strcmp(f->string, "long_subject") == 0) {
			if (parse_effect(f, key, &m->long_subject, err) < 0)
				return -1;
		} else if (strcmp(f->string, "max_citations") == 0) {
			if (parse_count(f, key, &m->max_citations, err) < 0)
				return -1;
		} else if (strcmp(f->string, "subject_chars") == 0) {
			if (parse_count(f, key, &m->subject_chars, err) < 0)
				return -1;
		} else {
			buf_printf(err, "unknown key '%s'", key);
			return -1;
		}
	}
	return 0;
}

static int
parse_member(struct engage_model *m, const cJSON *v, struct buf *err)
{
	const char *k = v->string;

	if (strcmp(k, "conversion_given_click") == 0) {
		if (!is_number_in(v, 0, 1))
			return bad(err, k, "a probability from 0 to 1", v);
		m->conversion_given_click = v->valuedouble;
	} else if (strcmp(k, "max_click_given_open") == 0) {
		if (!is_number_in(v, 0, 1))
			return bad(err, k, "a probability from 0 to 1", v);
		m->max_click_given_open = v->valuedouble;
	} else if (strcmp(k, "max_probability") == 0) {
		if (!is_number_in(v, 0, 1))
			return bad(err, k, "a probability from 0 to 1", v);
		m->max_probability = v->valuedouble;
	} else if (strcmp(k, "noise_sd") == 0) {
		if (!is_number_in(v, 0, 2))
			return bad(err, k, "a number from 0 to 2", v);
		m->noise_sd = v->valuedouble;
	} else if (strcmp(k, "tones") == 0)
		return parse_tones(m, v, err);
	else if (strcmp(k, "segment_tones") == 0)
		return parse_segment_tones(m, v, err);
	else if (strcmp(k, "features") == 0)
		return parse_features(m, v, err);
	else {
		buf_printf(err, "unknown key '%.60s'", k);
		return -1;
	}
	return 0;
}

int
engage_parse(struct engage_model *m, const char *text, size_t len,
    struct buf *err)
{
	struct engage_model next;
	const cJSON *v;
	cJSON *root;

	if ((root = jsonfile_object(text, len, err)) == NULL)
		return -1;
	engage_init(&next);
	for (v = root->child; v != NULL; v = v->next)
		if (parse_member(&next, v, err) < 0) {
			json_free(root);
			return -1;
		}
	json_free(m->owned);
	next.owned = root;
	*m = next;
	return 0;
}

/* engage_parse in the shape jsonfile_load calls. */
static int
parse_text(void *ctx, const char *text, size_t len, struct buf *err)
{
	return engage_parse(ctx, text, len, err);
}

int
engage_load(struct engage_model *m, const char *path, struct buf *err)
{
	return jsonfile_load(path, parse_text, m, err);
}

/* Multiplies the effect e into p, stage by stage. */
static void
apply(double *p, const struct engage_effect *e)
{
	int i;

	for (i = 0; i < STAGE_N; i++)
		p[i] *= e->m[i];
}

void
engage_probabilities(const struct engage_model *m, double open_rate,
    double click_rate, const char *tone, const char *segment,
    const struct engage_message *msg, const double *z, double *p)
{
	double sd = m->noise_sd;
	unsigned c;
	size_t i;

	p[STAGE_OPEN] = open_rate;
	p[STAGE_CLICK] = open_rate > 0 ?
	    fmin(m->max_click_given_open, click_rate / open_rate) : 0;
	p[STAGE_CONVERT] = m->conversion_given_click;
	if (tone != NULL) {
		for (i = 0; i < m->ntones; i++)
			if (strcmp(m->tone[i].tone, tone) == 0)
				apply(p, &m->tone[i].effect);
		for (i = 0; segment != NULL && i < m->nsegment_tones; i++)
			if (strcmp(m->segment_tone[i].tone, tone) == 0 &&
			    strcmp(m->segment_tone[i].segment, segment) == 0)
				apply(p, &m->segment_tone[i].effect);
		if (msg != NULL && msg->known) {
			if (msg->personalized)
				apply(p, &m->personalized);
			for (c = 0; c < msg->citations &&
			    c < m->max_citations; c++)
				apply(p, &m->citation);
			if (msg->subject_chars > m->subject_chars)
				apply(p, &m->long_subject);
		}
		/* Log-normal with mean 1: the effects hold on average. */
		for (i = 0; i < STAGE_N; i++)
			p[i] *= exp(sd * z[i] - sd * sd / 2);
	}
	for (i = 0; i < STAGE_N; i++)
		p[i] = fmin(fmax(p[i], 0), m->max_probability);
}

void
engage_expected(const double *p, double *rate)
{
	rate[METRIC_OPEN] = p[STAGE_OPEN];
	rate[METRIC_CLICK] = p[STAGE_OPEN] * p[STAGE_CLICK];
	rate[METRIC_CONVERT] = p[STAGE_OPEN] * p[STAGE_CLICK] *
	    p[STAGE_CONVERT];
}
