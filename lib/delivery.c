/* SPDX-License-Identifier: MIT */
/*
 * Message delivery: the seed's Safety Result says "block" for a variant
 * that must not be sent; the Message Variant Model gives each variant its
 * tone and variant_id.
 */
#include <string.h>

#include "delivery.h"
#include "experiment.h"

const char *const delivery_fallback_names[FALLBACK_N] = {
	NULL, "blocked", "missing"
};

/* Checks that member key of v is a string or absent; returns it or NULL. */
static int
string_member(const cJSON *v, const char *key, size_t i, const char **out,
    struct reasons *why)
{
	const cJSON *m = json_get(v, key);

	*out = NULL;
	if (m == NULL)
		return 0;
	if (!cJSON_IsString(m)) {
		reasons_add(why, "field 'variants[%zu].%s': expected a string, "
		    "got %s", i, key, json_type_name(m));
		return -1;
	}
	*out = m->valuestring;
	return 0;
}

static int
is_blocked(const cJSON *v, size_t i, int *blocked, struct reasons *why)
{
	const cJSON *safety = json_get(v, "safety"), *status;

	*blocked = 0;
	if (safety == NULL || cJSON_IsNull(safety))
		return 0;
	if (!cJSON_IsObject(safety)) {
		reasons_add(why, "field 'variants[%zu].safety': expected an "
		    "object, got %s", i, json_type_name(safety));
		return -1;
	}
	status = json_get(safety, "status");
	if (status != NULL && !cJSON_IsString(status)) {
		reasons_add(why, "field 'variants[%zu].safety.status': "
		    "expected a string, got %s", i, json_type_name(status));
		return -1;
	}
	*blocked = status != NULL && strcmp(status->valuestring, "block") == 0;
	return 0;
}

int
delivery_choose(const cJSON *variants, const char *tone, struct delivery *d,
    struct reasons *why)
{
	const cJSON *v;
	int is_control = strcmp(tone, EXPERIMENT_CONTROL_TONE) == 0;
	const char *vtone, *id, *arm_id = NULL;
	int blocked = 0, b;
	size_t i = 0;

	memset(d, 0, sizeof(*d));
	if (variants == NULL || cJSON_IsNull(variants)) {
		d->to_control = is_control;
		d->variant_id = is_control ? "control" : NULL;
		return 0;
	}
	if (!cJSON_IsArray(variants)) {
		reasons_add(why, "field 'variants': expected an array, got %s",
		    json_type_name(variants));
		return -1;
	}
	for (v = variants->child; v != NULL; v = v->next, i++) {
		if (!cJSON_IsObject(v)) {
			reasons_add(why, "field 'variants[%zu]': expected an "
			    "object, got %s", i, json_type_name(v));
			return -1;
		}
		if (string_member(v, "tone", i, &vtone, why) < 0 ||
		    string_member(v, "variant_id", i, &id, why) < 0 ||
		    is_blocked(v, i, &b, why) < 0)
			return -1;
		if (vtone == NULL)
			continue;
		if (d->control == NULL &&
		    strcmp(vtone, EXPERIMENT_CONTROL_TONE) == 0)
			d->control = v;
		if (d->variant == NULL && strcmp(vtone, tone) == 0) {
			d->variant = v;
			arm_id = id;
			blocked = b;
		}
	}
	if (is_control) {
		d->to_control = 1;
		d->variant_id = "control";
	} else if (d->variant == NULL) {
		d->to_control = 1;
		d->fallback = FALLBACK_MISSING;
	} else {
		d->variant_id = arm_id;
		d->to_control = blocked;
		d->fallback = blocked ? FALLBACK_BLOCKED : FALLBACK_NONE;
	}
	return 0;
}

void
delivery_prune(cJSON *variants, const struct delivery *d)
{
	cJSON *v, *next;

	if (!cJSON_IsArray(variants))
		return;
	for (v = variants->child; v != NULL; v = next) {
		next = v->next;
		if (v == d->variant || (d->to_control && v == d->control))
			continue;
		json_free(cJSON_DetachItemViaPointer(variants, v));
	}
}
