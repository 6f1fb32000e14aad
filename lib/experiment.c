/* SPDX-License-Identifier: MIT */
/*
 * The experiment configuration: the compiled-in default and the reading of
 * a JSON file over it. A file is checked whole before anything changes, so
 * a bad file leaves the configuration as it was, and every message names the
 * key at fault the way jq would write its path (arms[1].weight).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "experiment.h"
#include "json.h"
#include "jsonfile.h"

const char *const metric_names[METRIC_N] = {
	"open_rate", "click_rate", "conversion_rate"
};

/* The default: four arms of 25%, the reference system's arms and tones. */
static const struct experiment_arm default_arms[] = {
	{ "control", EXPERIMENT_CONTROL_TONE, 0.25, 1 },
	{ "treatment_1", "urgent", 0.25, 1 },
	{ "treatment_2", "informational", 0.25, 1 },
	{ "treatment_3", "friendly", 0.25, 1 },
};

void
experiment_set_seed(struct experiment *e, uint64_t seed)
{
	e->seed = seed;
	snprintf(e->seed_text, sizeof(e->seed_text), "%" PRIu64, seed);
}

void
experiment_init(struct experiment *e)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	e->id = "EXP001";
	e->name = "personalization_poc_v1";
	e->narms = sizeof(default_arms) / sizeof(default_arms[0]);
	for (i = 0; i < e->narms; i++)
		e->arm[i] = default_arms[i];
	e->control = 0;
	e->stratify_by = "segment";
	e->primary_metric = METRIC_OPEN;
	e->alpha = 0.05;
	e->block_size = 4;
	experiment_set_seed(e, 42);
}

void
experiment_release(struct experiment *e)
{
	json_free(e->owned);
	e->owned = NULL;
}

int
experiment_arm_index(const struct experiment *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->narms; i++)
		if (strcmp(e->arm[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
experiment_metric(const char *name)
{
	int m;

	for (m = 0; m < METRIC_N; m++)
		if (strcmp(metric_names[m], name) == 0)
			return m;
	return -1;
}

/* Appends "key 'KEY': expected WANT, got VALUE" to err; returns -1. */
static int
bad(struct buf *err, const char *key, const char *want, const cJSON *v)
{
	jsonfile_expected(err, "key", key, want, v);
	return -1;
}

/* A non-empty string without control characters, for names and ids. */
static int
get_name(const cJSON *v, const char *key, const char **out, struct buf *err)
{
	const unsigned char *p;

	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return bad(err, key, "a non-empty string", v);
	for (p = (const unsigned char *)v->valuestring; *p != '\0'; p++)
		if (*p < 0x20)
			return bad(err, key, "a string without control "
			    "characters", v);
	*out = v->valuestring;
	return 0;
}

/*
 * Deals the weights into the smallest block that holds each arm a whole
 * number of times (25/25/25/25 gives 1 each, 50/25/25 gives 2/1/1), or
 * returns 0 when no block of at most EXPERIMENT_BLOCK_MAX does.
 */
static unsigned
deal(struct experiment_arm *arm, size_t narms)
{
	double total = 0, c;
	unsigned b;
	size_t i;

	for (i = 0; i < narms; i++)
		total += arm[i].weight;
	for (b = 1; b <= EXPERIMENT_BLOCK_MAX; b++) {
		for (i = 0; i < narms; i++) {
			c = arm[i].weight / total * b;
			if (c < 0.5 || fabs(c - nearbyint(c)) > 1e-9 * b)
				break;
		}
		if (i == narms)
			break;
	}
	if (b > EXPERIMENT_BLOCK_MAX)
		return 0;
	for (i = 0; i < narms; i++) {
		arm[i].block_count = (unsigned)nearbyint(arm[i].weight /
		    total * b);
		arm[i].weight /= total;
	}
	return b;
}

static int
parse_arm(struct experiment *e, size_t i, const cJSON *obj, struct buf *err)
{
	struct experiment_arm *a = &e->arm[i];
	const cJSON *v;
	char key[64];
	size_t j;

	if (!cJSON_IsObject(obj)) {
		snprintf(key, sizeof(key), "arms[%zu]", i);
		return bad(err, key, "an object", obj);
	}
	a->weight = 1;
	for (v = obj->child; v != NULL; v = v->next) {
		snprintf(key, sizeof(key), "arms[%zu].%.40s", i, v->string);
		if (strcmp(v->string, "name") == 0) {
			if (get_name(v, key, &a->name, err) < 0)
				return -1;
		} else if (strcmp(v->string, "tone") == 0) {
			if (get_name(v, key, &a->tone, err) < 0)
				return -1;
		} else if (strcmp(v->string, "weight") == 0) {
			if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) ||
			    !isfinite(v->valuedouble))
				return bad(err, key, "a positive number", v);
			a->weight = v->valuedouble;
		} else {
			buf_printf(err, "unknown key '%s'", key);
			return -1;
		}
	}
	snprintf(key, sizeof(key), "arms[%zu]", i);
	if (a->name == NULL || a->tone == NULL) {
		buf_printf(err, "key '%s': missing '%s'", key,
		    a->name == NULL ? "name" : "tone");
		return -1;
	}
	for (j = 0; j < i; j++)
		if (strcmp(e->arm[j].name, a->name) == 0) {
			buf_printf(err, "key '%s.name': arm ", key);
			jsonfile_show(err, json_get(obj, "name"));
			buf_printf(err, " already named by arms[%zu]", j);
			return -1;
		}
	return 0;
}

static int
parse_arms(struct experiment *e, const cJSON *v, struct buf *err)
{
	const cJSON *a;
	size_t n = 0, ncontrol = 0, i;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 ||
	    cJSON_GetArraySize(v) > EXPERIMENT_ARMS_MAX)
		return bad(err, "arms", "an array of 1 to 16 arms", v);
	memset(e->arm, 0, sizeof(e->arm));
	for (a = v->child; a != NULL; a = a->next, n++)
		if (parse_arm(e, n, a, err) < 0)
			return -1;
	e->narms = n;
	for (i = 0; i < n; i++)
		if (strcmp(e->arm[i].tone, EXPERIMENT_CONTROL_TONE) == 0) {
			e->control = i;
			ncontrol++;
		}
	if (ncontrol != 1) {
		buf_printf(err, "key 'arms': expected exactly one arm with "
		    "tone \"control\", got %zu", ncontrol);
		return -1;
	}
	return 0;
}

/* A JSON number in [lo, hi]; integral when integral is set. */
static int
is_number_in(const cJSON *v, double lo, double hi, int integral)
{
	return cJSON_IsNumber(v) && v->valuedouble >= lo &&
	    v->valuedouble <= hi &&
	    (!integral || v->valuedouble == floor(v->valuedouble));
}

static int
parse_member(struct experiment *e, const cJSON *v, double *block,
    struct buf *err)
{
	const char *k = v->string;
	int m;

	if (strcmp(k, "experiment_id") == 0)
		return get_name(v, k, &e->id, err);
	if (strcmp(k, "experiment_name") == 0)
		return get_name(v, k, &e->name, err);
	if (strcmp(k, "seed") == 0) {
		if (!is_number_in(v, 0, (double)EXPERIMENT_SEED_MAX, 1))
			return bad(err, k, "an integer from 0 to 2^53 - 1", v);
		experiment_set_seed(e, (uint64_t)v->valuedouble);
		return 0;
	}
	if (strcmp(k, "hash_seed") == 0) {
		if (cJSON_IsNull(v)) {
			e->hash_seed = NULL;
			return 0;
		}
		if (!cJSON_IsString(v))
			return bad(err, k, "a string or null", v);
		e->hash_seed = v->valuestring;
		return 0;
	}
	if (strcmp(k, "arms") == 0)
		return parse_arms(e, v, err);
	if (strcmp(k, "stratify_by") == 0) {
		if (cJSON_IsNull(v)) {
			e->stratify_by = NULL;
			return 0;
		}
		if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
			return bad(err, k, "a field name or null", v);
		e->stratify_by = v->valuestring;
		return 0;
	}
	if (strcmp(k, "primary_metric") == 0) {
		if (!cJSON_IsString(v) ||
		    (m = experiment_metric(v->valuestring)) < 0)
			return bad(err, k, "open_rate, click_rate or "
			    "conversion_rate", v);
		e->primary_metric = (enum metric)m;
		return 0;
	}
	if (strcmp(k, "alpha") == 0) {
		if (!is_number_in(v, 0, 0.5, 0) || v->valuedouble == 0)
			return bad(err, k, "a number above 0 and at most 0.5",
			    v);
		e->alpha = v->valuedouble;
		return 0;
	}
	if (strcmp(k, "block_size") == 0) {
		if (!is_number_in(v, 1, EXPERIMENT_BLOCK_MAX, 1))
			return bad(err, k, "an integer from 1 to 1000", v);
		*block = v->valuedouble;
		return 0;
	}
	buf_printf(err, "unknown key '%.60s'", k);
	return -1;
}

/* Checks the arms' weights against the block size, and deals them. */
static int
settle_blocks(struct experiment *e, double block, struct buf *err)
{
	unsigned min, i;

	if ((min = deal(e->arm, e->narms)) == 0) {
		buf_printf(err, "key 'arms': the weights cannot be dealt in "
		    "blocks of at most %d customers", EXPERIMENT_BLOCK_MAX);
		return -1;
	}
	if (block == 0) {
		e->block_size = min;
		return 0;
	}
	if ((unsigned)block % min != 0) {
		buf_printf(err, "key 'block_size': expected a multiple of %u "
		    "(the smallest block the weights allow), got %g", min,
		    block);
		return -1;
	}
	for (i = 0; i < e->narms; i++)
		e->arm[i].block_count *= (unsigned)block / min;
	e->block_size = (unsigned)block;
	return 0;
}

int
experiment_parse(struct experiment *e, const char *text, size_t len,
    struct buf *err)
{
	struct experiment next;
	const cJSON *v;
	double block = 0;
	cJSON *root;

	if ((root = jsonfile_object(text, len, err)) == NULL)
		return -1;
	experiment_init(&next);
	for (v = root->child; v != NULL; v = v->next)
		if (parse_member(&next, v, &block, err) < 0) {
			json_free(root);
			return -1;
		}
	if (settle_blocks(&next, block, err) < 0) {
		json_free(root);
		return -1;
	}
	json_free(e->owned);
	next.owned = root;
	*e = next;
	return 0;
}

/* experiment_parse in the shape jsonfile_load calls. */
static int
parse_text(void *ctx, const char *text, size_t len, struct buf *err)
{
	return experiment_parse(ctx, text, len, err);
}

int
experiment_load(struct experiment *e, const char *path, struct buf *err)
{
	return jsonfile_load(path, parse_text, e, err);
}
