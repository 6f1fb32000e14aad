/* SPDX-License-Identifier: MIT */
/*
 * The customer record of the seed's Customer Data Model: its nine fields,
 * their types and ranges, and the conversion of a CSV row or a JSON object
 * into one typed JSON record (schema fields first, in schema order, then any
 * other fields in input order).
 */
#ifndef CPO_CUSTOMER_H
#define CPO_CUSTOMER_H

#include <stddef.h>

#include "buf.h"
#include "csv.h"
#include "json.h"
#include "reasons.h"

enum customer_field {
	CUST_ID,
	CUST_AGE,
	CUST_LOCATION,
	CUST_TIER,
	CUST_PURCHASE_FREQUENCY,
	CUST_AVG_ORDER_VALUE,
	CUST_LAST_ENGAGEMENT_DAYS,
	CUST_OPEN_RATE,
	CUST_CLICK_RATE,
	CUST_NFIELDS
};

#define CUSTOMER_TIERS_MAX 32

/* Field names in schema order, indexed by enum customer_field. */
extern const char *const customer_field_names[CUST_NFIELDS];

struct customer_rules {
	const char *tiers[CUSTOMER_TIERS_MAX];	/* allowed tier names */
	size_t ntiers;
	struct buf tier_text;			/* storage for tiers */
	struct buf tier_list;			/* "Gold, Silver, Bronze" */
};

/* Sets up the seed's rules (tiers Gold, Silver, Bronze). */
void customer_rules_init(struct customer_rules *rules);

/* Frees the rules' memory. */
void customer_rules_release(struct customer_rules *rules);

/*
 * Replaces the allowed tiers with the comma-separated list. Returns 0, or -1
 * when an entry is empty or there are more than CUSTOMER_TIERS_MAX.
 */
int customer_rules_set_tiers(struct customer_rules *rules, const char *list);

/* Where each column of a CSV header goes. */
struct customer_header {
	size_t col[CUST_NFIELDS];	/* column of each schema field */
	size_t *extra;			/* other columns, in file order */
	size_t nextra;
	size_t ncols;
	struct buf names;		/* copies of the extra column names */
	size_t *name_off;
};

/*
 * Reads the header row that r holds. Returns 0, or -1 after adding one
 * reason per missing or duplicated column (or unusable name) to why.
 */
int customer_header_parse(struct customer_header *h,
    const struct csv_reader *r, struct reasons *why);

/* Frees the header's memory. */
void customer_header_release(struct customer_header *h);

/*
 * Converts the CSV row that r holds into a JSON object appended to out.
 * Returns 0, or -1 after adding every problem found to why (out then holds
 * a partial record that the caller discards). On success *id and *idlen
 * give the customer_id, valid until the next csv_next.
 */
int customer_from_csv(const struct customer_rules *rules,
    const struct customer_header *h, const struct csv_reader *r,
    struct buf *out, struct reasons *why, const char **id, size_t *idlen);

/*
 * The same for a parsed JSON object: numbers may be JSON numbers or
 * numeric strings. *id points into rec.
 */
int customer_from_json(const struct customer_rules *rules, const cJSON *rec,
    struct buf *out, struct reasons *why, const char **id, size_t *idlen);

/*
 * Adds the reason for a customer_id (len bytes) already seen on first_line.
 */
void customer_duplicate(struct reasons *why, const char *id, size_t len,
    unsigned long first_line);

#endif
