/* SPDX-License-Identifier: MIT */
/*
 * The safety policy. The block reason keeps the seed's wording ("Hate
 * severity (6) exceeds threshold (4)"); since a severity equal to the
 * threshold blocks too, that case says "reaches" rather than claim more.
 */
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "numparse.h"
#include "safety.h"

const char *const safety_names[SAFETY_NCATEGORIES] = {
	"hate", "violence", "self_harm", "sexual"
};

/* The names in block reasons, as the seed writes them. */
static const char *const titles[SAFETY_NCATEGORIES] = {
	"Hate", "Violence", "Self-harm", "Sexual"
};

void
safety_policy_init(struct safety_policy *p)
{
	int i;

	for (i = 0; i < SAFETY_NCATEGORIES; i++)
		p->threshold[i] = 4;
}

int
safety_policy_parse(struct safety_policy *p, const char *spec,
    struct buf *why)
{
	struct safety_policy q = *p;
	const char *item = spec, *end, *eq, *num;
	long long n;
	int i, c;

	for (;;) {
		end = strchr(item, ',');
		if (end == NULL)
			end = item + strlen(item);
		eq = memchr(item, '=', (size_t)(end - item));
		num = eq != NULL ? eq + 1 : item;
		c = -1;
		if (eq != NULL) {
			for (i = 0; i < SAFETY_NCATEGORIES; i++)
				if (strlen(safety_names[i]) ==
				    (size_t)(eq - item) &&
				    memcmp(item, safety_names[i],
				    (size_t)(eq - item)) == 0)
					c = i;
			if (c < 0) {
				buf_printf(why, "unknown category '%.*s' "
				    "(expected hate, violence, self_harm or "
				    "sexual)", (int)(eq - item), item);
				return -1;
			}
		}
		if (num_parse_int(num, (size_t)(end - num), 1, 7, &n) !=
		    NUM_OK) {
			buf_printf(why, "expected a severity from 1 to 7, got "
			    "'%.*s'", (int)(end - num), num);
			return -1;
		}
		for (i = 0; i < SAFETY_NCATEGORIES; i++)
			if (c < 0 || c == i)
				q.threshold[i] = (int)n;
		if (*end == '\0')
			break;
		item = end + 1;
	}
	*p = q;
	return 0;
}

int
safety_max(const struct safety_verdict *v)
{
	int i, m = SAFETY_UNKNOWN;

	for (i = 0; i < SAFETY_NCATEGORIES; i++)
		if (v->severity[i] > m)
			m = v->severity[i];
	return m;
}

int
safety_decide(const struct safety_policy *p, const struct safety_verdict *v,
    int *blocked, int *threshold_used, struct buf *reason)
{
	int i, any = 0, s, t;

	*threshold_used = p->threshold[0];
	for (i = 1; i < SAFETY_NCATEGORIES; i++)
		if (p->threshold[i] < *threshold_used)
			*threshold_used = p->threshold[i];
	for (i = 0; i < SAFETY_NCATEGORIES; i++) {
		s = v->severity[i];
		t = p->threshold[i];
		blocked[i] = s != SAFETY_UNKNOWN && s >= t;
		if (!blocked[i])
			continue;
		if (!any)
			*threshold_used = t;
		buf_printf(reason, "%s%s severity (%d) %s threshold (%d)",
		    any ? "; " : "", titles[i], s, s > t ? "exceeds" :
		    "reaches", t);
		any = 1;
	}
	/*
	 * Fail closed: an unknown severity blocks, even when another one
	 * already does, and the reason says why it is unknown.
	 */
	for (i = 0; i < SAFETY_NCATEGORIES; i++)
		if (v->severity[i] == SAFETY_UNKNOWN)
			break;
	if (i < SAFETY_NCATEGORIES || v->error != NULL) {
		buf_printf(reason, "%sscreening failed: %s", any ? "; " : "",
		    v->error != NULL ? v->error : "no severity");
		any = 1;
	}
	return any;
}

void
safety_check_init(struct safety_check *c)
{
	memset(c, 0, sizeof(*c));
	buf_init(&c->reason);
}

void
safety_check_release(struct safety_check *c)
{
	buf_release(&c->reason);
}

void
safety_check_decide(struct safety_check *c, const struct safety_policy *p)
{
	buf_reset(&c->reason);
	c->status_block = safety_decide(p, &c->v, c->blocked,
	    &c->threshold_used, &c->reason);
}

static void
string_or_null(struct buf *b, const char *s)
{
	if (s != NULL)
		jsonw_string(b, s, strlen(s));
	else
		buf_add(b, "null", 4);
}

void
safety_check_write(const struct safety_check *c, struct buf *b)
{
	int i, s, any = 0;

	buf_puts(b, "{\"variant_id\":");
	string_or_null(b, c->variant_id);
	buf_puts(b, ",\"customer_id\":");
	string_or_null(b, c->customer_id);
	buf_puts(b, ",\"segment\":");
	string_or_null(b, c->segment);
	buf_puts(b, c->status_block ? ",\"status\":\"block\"" :
	    ",\"status\":\"pass\"");
	buf_puts(b, ",\"severity_scores\":{");
	for (i = 0; i < SAFETY_NCATEGORIES; i++) {
		if (i > 0)
			buf_putc(b, ',');
		jsonw_key(b, safety_names[i]);
		if ((s = c->v.severity[i]) == SAFETY_UNKNOWN)
			buf_add(b, "null", 4);
		else
			jsonw_int(b, s);
	}
	buf_puts(b, "},\"blocked_categories\":[");
	for (i = 0; i < SAFETY_NCATEGORIES; i++) {
		if (!c->blocked[i])
			continue;
		if (any++ > 0)
			buf_putc(b, ',');
		jsonw_string(b, safety_names[i], strlen(safety_names[i]));
	}
	buf_puts(b, "],\"threshold_used\":");
	jsonw_int(b, c->threshold_used);
	buf_puts(b, ",\"checked_at\":");
	string_or_null(b, c->checked_at);
	buf_puts(b, ",\"block_reason\":");
	string_or_null(b, c->status_block ? buf_str(&c->reason) : NULL);
	buf_putc(b, '}');
}

/* Checks member key of variant i; a required one must be there. */
static int
string_field(const cJSON *v, size_t i, const char *key, int required,
    struct reasons *why)
{
	const cJSON *m = json_get(v, key);

	if (m == NULL && !required)
		return 0;
	if (m == NULL) {
		reasons_add(why, "field 'variants[%zu].%s': missing", i, key);
		return -1;
	}
	if (!cJSON_IsString(m)) {
		reasons_add(why, "field 'variants[%zu].%s': expected a string, "
		    "got %s", i, key, json_type_name(m));
		return -1;
	}
	return 0;
}

int
safety_variants(const cJSON *rec, cJSON **variants, struct reasons *why)
{
	static const char *const required[] = {
		"variant_id", "subject", "body"
	};
	const cJSON *v;
	size_t i = 0, k, n = why->n;

	*variants = json_get(rec, "variants");
	if (*variants == NULL) {
		reasons_add(why, "field 'variants': missing (run cpo-generate "
		    "first)");
		return -1;
	}
	if (!cJSON_IsArray(*variants)) {
		reasons_add(why, "field 'variants': expected an array, got %s",
		    json_type_name(*variants));
		return -1;
	}
	for (v = (*variants)->child; v != NULL; v = v->next, i++) {
		if (!cJSON_IsObject(v)) {
			reasons_add(why, "field 'variants[%zu]': expected an "
			    "object, got %s", i, json_type_name(v));
			continue;
		}
		for (k = 0; k < 3; k++)
			string_field(v, i, required[k], 1, why);
		string_field(v, i, "customer_id", 0, why);
		string_field(v, i, "segment", 0, why);
	}
	return why->n > n || why->dropped > 0 ? -1 : (int)i;
}

void
safety_variant_text(const cJSON *v, struct buf *text)
{
	buf_puts(text, json_get(v, "subject")->valuestring);
	buf_puts(text, "\n\n");
	buf_puts(text, json_get(v, "body")->valuestring);
}

/* Returns string member key of v, else of rec, else NULL. */
static const char *
either(const cJSON *v, const cJSON *rec, const char *key)
{
	const cJSON *m = json_get(v, key);

	if (!cJSON_IsString(m))
		m = json_get(rec, key);
	return cJSON_IsString(m) ? m->valuestring : NULL;
}

void
safety_check_identify(struct safety_check *c, const cJSON *v,
    const cJSON *rec)
{
	c->variant_id = json_get(v, "variant_id")->valuestring;
	c->customer_id = either(v, rec, "customer_id");
	c->segment = either(v, rec, "segment");
}
