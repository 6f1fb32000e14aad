/* SPDX-License-Identifier: MIT */
/*
 * Customer validation. Every field is checked even after one fails, so a
 * rejected row lists all its problems at once. Ranges follow the seed's
 * validate_customer_data(), with an upper bound of 120 on age added.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "customer.h"
#include "diag.h"
#include "jsonw.h"
#include "numparse.h"
#include "utf8.h"
#include "xalloc.h"

const char *const customer_field_names[CUST_NFIELDS] = {
	"customer_id", "age", "location", "tier", "purchase_frequency",
	"avg_order_value", "last_engagement_days", "historical_open_rate",
	"historical_click_rate"
};

/* The fields' keys as JSON text, ready to copy into every record. */
#define KEY(name) { "\"" name "\":", sizeof(name) + 2 }
static const struct {
	const char *text;
	size_t len;
} key_json[CUST_NFIELDS] = {
	KEY("customer_id"), KEY("age"), KEY("location"), KEY("tier"),
	KEY("purchase_frequency"), KEY("avg_order_value"),
	KEY("last_engagement_days"), KEY("historical_open_rate"),
	KEY("historical_click_rate")
};
#undef KEY

enum kind { K_ID, K_STRING, K_TIER, K_INT, K_NUMBER };

/* Type and range of each field. */
static const struct {
	enum kind kind;
	double min, max;
	const char *range;	/* the range in words, for messages */
} spec[CUST_NFIELDS] = {
	[CUST_ID] = { K_ID, 0, 0, NULL },
	[CUST_AGE] = { K_INT, 18, 120, "from 18 to 120" },
	[CUST_LOCATION] = { K_STRING, 0, 0, NULL },
	[CUST_TIER] = { K_TIER, 0, 0, NULL },
	[CUST_PURCHASE_FREQUENCY] = { K_INT, 0, 1e18, ">= 0" },
	[CUST_AVG_ORDER_VALUE] = { K_NUMBER, 0, INFINITY, ">= 0" },
	[CUST_LAST_ENGAGEMENT_DAYS] = { K_INT, 0, 1e18, ">= 0" },
	[CUST_OPEN_RATE] = { K_NUMBER, 0, 1, "from 0 to 1" },
	[CUST_CLICK_RATE] = { K_NUMBER, 0, 1, "from 0 to 1" },
};

void
customer_rules_init(struct customer_rules *rules)
{
	memset(rules, 0, sizeof(*rules));
	buf_init(&rules->tier_text);
	buf_init(&rules->tier_list);
	customer_rules_set_tiers(rules, "Gold,Silver,Bronze");
}

void
customer_rules_release(struct customer_rules *rules)
{
	buf_release(&rules->tier_text);
	buf_release(&rules->tier_list);
}

int
customer_rules_set_tiers(struct customer_rules *rules, const char *list)
{
	size_t offs[CUSTOMER_TIERS_MAX], n = 0, i;
	const char *p = list, *comma;

	buf_reset(&rules->tier_text);
	buf_reset(&rules->tier_list);
	for (;;) {
		comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == 0 || n == CUSTOMER_TIERS_MAX)
			return -1;
		offs[n++] = rules->tier_text.len;
		buf_add(&rules->tier_text, p, len);
		buf_putc(&rules->tier_text, '\0');
		if (n > 1)
			buf_puts(&rules->tier_list, ", ");
		buf_add(&rules->tier_list, p, len);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	for (i = 0; i < n; i++)
		rules->tiers[i] = rules->tier_text.data + offs[i];
	rules->ntiers = n;
	return 0;
}

/* Adds "field 'NAME': WHAT "VALUE"" to why, quoting the value. */
static void
complain(struct reasons *why, const char *field, const char *what,
    const char *s, size_t len)
{
	struct buf msg;

	buf_init(&msg);
	buf_printf(&msg, "field '%s': %s", field, what);
	diag_quote(&msg, s, len);
	reasons_add_buf(why, &msg);
	buf_release(&msg);
}

/* Checks that text is usable as a string: no NUL byte, valid UTF-8. */
static int
check_text(const char *field, const char *s, size_t len, struct reasons *why)
{
	const char *nul = memchr(s, '\0', len);
	size_t valid;

	if (nul != NULL) {
		reasons_add(why, "field '%s': contains a NUL byte at byte %zu",
		    field, (size_t)(nul - s) + 1);
		return -1;
	}
	if ((valid = utf8_valid_prefix(s, len)) != len) {
		reasons_add(why, "field '%s': invalid UTF-8 at byte %zu",
		    field, valid + 1);
		return -1;
	}
	return 0;
}

static int
is_tier(const struct customer_rules *rules, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < rules->ntiers; i++)
		if (strlen(rules->tiers[i]) == len &&
		    memcmp(rules->tiers[i], s, len) == 0)
			return 1;
	return 0;
}

static int
text_int(enum customer_field f, const char *s, size_t len, struct buf *out,
    struct reasons *why)
{
	const char *name = customer_field_names[f];
	char what[64];
	long long v;

	switch (num_parse_int(s, len, (long long)spec[f].min,
	    (long long)spec[f].max, &v)) {
	case NUM_OK:
		jsonw_int(out, v);
		return 0;
	case NUM_RANGE:
		snprintf(what, sizeof(what), "expected an integer %s, got ",
		    spec[f].range);
		complain(why, name, what, s, len);
		return -1;
	default:
		complain(why, name, "expected an integer, got ", s, len);
		return -1;
	}
}

static int
check_number(enum customer_field f, double v, const char *s, size_t len,
    struct reasons *why)
{
	char what[64];

	if (v >= spec[f].min && v <= spec[f].max)
		return 0;
	snprintf(what, sizeof(what), "expected a number %s, got ",
	    spec[f].range);
	complain(why, customer_field_names[f], what, s, len);
	return -1;
}

static int
text_number(enum customer_field f, const char *s, size_t len, struct buf *out,
    struct reasons *why)
{
	const char *name = customer_field_names[f];
	double v;

	switch (num_parse_double(s, len, &v)) {
	case NUM_OK:
		break;
	case NUM_SYNTAX:
		complain(why, name, "expected a number, got ", s, len);
		return -1;
	default:
		complain(why, name, "expected a finite number, got ", s, len);
		return -1;
	}
	if (check_number(f, v, s, len, why) < 0)
		return -1;
	if (!jsonw_decimal(out, s, len))
		jsonw_double(out, v == 0 ? 0 : v);
	return 0;
}

/* Checks one field given as text and appends its JSON value to out. */
static int
field_text(const struct customer_rules *rules, enum customer_field f,
    const char *s, size_t len, struct buf *out, struct reasons *why)
{
	const char *name = customer_field_names[f];

	if (check_text(name, s, len, why) < 0)
		return -1;
	switch (spec[f].kind) {
	case K_INT:
		return text_int(f, s, len, out, why);
	case K_NUMBER:
		return text_number(f, s, len, out, why);
	case K_ID:
		if (len == 0) {
			complain(why, name, "expected a non-empty string, got ",
			    s, len);
			return -1;
		}
		break;
	case K_TIER:
		if (!is_tier(rules, s, len)) {
			struct buf what;

			buf_init(&what);
			buf_printf(&what, "expected one of %s, got ",
			    buf_str(&rules->tier_list));
			complain(why, name, what.data, s, len);
			buf_release(&what);
			return -1;
		}
		break;
	case K_STRING:
		break;
	}
	jsonw_string(out, s, len);
	return 0;
}

/* Tells whether header column i repeats an earlier column's name. */
static int
is_duplicate(const struct csv_reader *r, size_t i)
{
	const char *name, *other;
	size_t len, olen, j;

	name = csv_field(r, i, &len);
	for (j = 0; j < i; j++) {
		other = csv_field(r, j, &olen);
		if (olen == len && memcmp(other, name, len) == 0)
			return 1;
	}
	return 0;
}

int
customer_header_parse(struct customer_header *h, const struct csv_reader *r,
    struct reasons *why)
{
	size_t i, f, len;
	const char *name;
	int bad = 0;

	memset(h, 0, sizeof(*h));
	buf_init(&h->names);
	for (f = 0; f < CUST_NFIELDS; f++)
		h->col[f] = (size_t)-1;
	h->ncols = r->nfields;
	h->extra = xcalloc(r->nfields, sizeof(*h->extra));
	h->name_off = xcalloc(r->nfields, sizeof(*h->name_off));
	for (i = 0; i < r->nfields; i++) {
		name = csv_field(r, i, &len);
		if (check_text("header", name, len, why) < 0) {
			bad = 1;
			continue;
		}
		for (f = 0; f < CUST_NFIELDS; f++)
			if (strlen(customer_field_names[f]) == len &&
			    memcmp(customer_field_names[f], name, len) == 0)
				break;
		if (f < CUST_NFIELDS && h->col[f] == (size_t)-1) {
			h->col[f] = i;
			continue;
		}
		if (is_duplicate(r, i)) {
			reasons_add(why, "duplicate column '%s'", name);
			bad = 1;
			continue;
		}
		h->name_off[h->nextra] = h->names.len;
		buf_add(&h->names, name, len);
		buf_putc(&h->names, '\0');
		h->extra[h->nextra++] = i;
	}
	for (f = 0; f < CUST_NFIELDS; f++) {
		if (h->col[f] == (size_t)-1) {
			reasons_add(why, "missing required column '%s'",
			    customer_field_names[f]);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

void
customer_header_release(struct customer_header *h)
{
	free(h->extra);
	free(h->name_off);
	buf_release(&h->names);
}

int
customer_from_csv(const struct customer_rules *rules,
    const struct customer_header *h, const struct csv_reader *r,
    struct buf *out, struct reasons *why, const char **id, size_t *idlen)
{
	const char *s;
	size_t f, i, len;
	int bad = 0;

	if (r->nfields != h->ncols) {
		reasons_add(why, "expected %zu fields, got %zu", h->ncols,
		    r->nfields);
		return -1;
	}
	buf_putc(out, '{');
	for (f = 0; f < CUST_NFIELDS; f++) {
		if (f > 0)
			buf_add_short(out, ",", 1);
		buf_add_short(out, key_json[f].text, key_json[f].len);
		s = csv_field(r, h->col[f], &len);
		if (field_text(rules, (enum customer_field)f, s, len, out,
		    why) < 0)
			bad = 1;
	}
	for (i = 0; i < h->nextra; i++) {
		const char *name = h->names.data + h->name_off[i];

		s = csv_field(r, h->extra[i], &len);
		if (check_text(name, s, len, why) < 0) {
			bad = 1;
			continue;
		}
		buf_putc(out, ',');
		jsonw_key(out, name);
		jsonw_string(out, s, len);
	}
	buf_putc(out, '}');
	*id = csv_field(r, h->col[CUST_ID], idlen);
	return bad ? -1 : 0;
}

/* Checks one field given as a JSON value and appends it to out. */
static int
field_json(const struct customer_rules *rules, enum customer_field f,
    const cJSON *v, struct buf *out, struct reasons *why)
{
	const char *name = customer_field_names[f];
	char text[JSONW_DOUBLE_MAX];
	size_t len;
	double d;

	if (v == NULL) {
		reasons_add(why, "field '%s': missing", name);
		return -1;
	}
	if (cJSON_IsString(v))
		return field_text(rules, f, v->valuestring,
		    strlen(v->valuestring), out, why);
	if (!cJSON_IsNumber(v) || (spec[f].kind != K_INT &&
	    spec[f].kind != K_NUMBER)) {
		reasons_add(why, "field '%s': expected %s, got %s", name,
		    spec[f].kind == K_INT ? "an integer" :
		    spec[f].kind == K_NUMBER ? "a number" : "a string",
		    json_type_name(v));
		return -1;
	}
	d = v->valuedouble;
	if (!isfinite(d)) {
		/* cJSON turns 1e400 into infinity and keeps no text. */
		reasons_add(why, "field '%s': expected a finite number, got a "
		    "number too large for a double", name);
		return -1;
	}
	len = jsonw_format_double(d, text);
	if (spec[f].kind == K_INT && (d != floor(d) || fabs(d) > 1e18)) {
		reasons_add(why, "field '%s': expected an integer, got %s",
		    name, text);
		return -1;
	}
	if (d < spec[f].min || d > spec[f].max) {
		reasons_add(why, "field '%s': expected %s %s, got %s", name,
		    spec[f].kind == K_INT ? "an integer" : "a number",
		    spec[f].range, text);
		return -1;
	}
	buf_add(out, text, len);
	return 0;
}

int
customer_from_json(const struct customer_rules *rules, const cJSON *rec,
    struct buf *out, struct reasons *why, const char **id, size_t *idlen)
{
	const cJSON *m;
	size_t f;
	int bad = 0;

	buf_putc(out, '{');
	for (f = 0; f < CUST_NFIELDS; f++) {
		if (f > 0)
			buf_putc(out, ',');
		jsonw_key(out, customer_field_names[f]);
		if (field_json(rules, (enum customer_field)f,
		    json_get(rec, customer_field_names[f]), out, why) < 0)
			bad = 1;
	}
	for (m = rec->child; m != NULL; m = m->next) {
		for (f = 0; f < CUST_NFIELDS; f++)
			if (strcmp(m->string, customer_field_names[f]) == 0)
				break;
		if (f < CUST_NFIELDS)
			continue;
		buf_putc(out, ',');
		jsonw_key(out, m->string);
		json_write(out, m);
	}
	buf_putc(out, '}');
	m = json_get(rec, "customer_id");
	*id = cJSON_IsString(m) ? m->valuestring : "";
	*idlen = strlen(*id);
	return bad ? -1 : 0;
}

void
customer_duplicate(struct reasons *why, const char *id, size_t len,
    unsigned long first_line)
{
	struct buf msg;

	buf_init(&msg);
	buf_puts(&msg, "field 'customer_id': duplicate value ");
	diag_quote(&msg, id, len);
	buf_printf(&msg, ", first seen on line %lu", first_line);
	reasons_add_buf(why, &msg);
	buf_release(&msg);
}
