/* SPDX-License-Identifier: MIT */
/*
 * The safety policy and the seed's Safety Result: the four harm categories
 * with severities 0, 2, 4 and 6 as Azure AI Content Safety reports them,
 * per-category thresholds, and the verdict written under a variant's
 * "safety". A variant is blocked when any category's severity reaches its
 * threshold, or when its severities could not be found out (fail closed).
 */
#ifndef CPO_SAFETY_H
#define CPO_SAFETY_H

#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "reasons.h"
#include "sha256.h"

enum safety_category {
	SAFETY_HATE,
	SAFETY_VIOLENCE,
	SAFETY_SELF_HARM,
	SAFETY_SEXUAL,
	SAFETY_NCATEGORIES
};

/* "hate", "violence", "self_harm", "sexual": the seed's keys. */
extern const char *const safety_names[SAFETY_NCATEGORIES];

/* A severity that is not known (the backend failed). */
#define SAFETY_UNKNOWN (-1)

struct safety_policy {
	int threshold[SAFETY_NCATEGORIES];	/* block at this severity */
};

/* The outcome of screening one text. */
struct safety_verdict {
	int severity[SAFETY_NCATEGORIES];	/* 0-6, or SAFETY_UNKNOWN */
	const char *error;	/* why the severities are unknown, or NULL */
};

/* Sets every threshold to 4 (medium and high block). Can't fail. */
void safety_policy_init(struct safety_policy *p);

/*
 * Applies a --threshold value to p: a comma-separated list of N (every
 * category) and CATEGORY=N items, applied in order, N from 1 to 7 (7
 * blocks nothing, since severities stop at 6). Returns 0, or -1 after
 * appending what is wrong to why ("unknown category 'gore'").
 */
int safety_policy_parse(struct safety_policy *p, const char *spec,
    struct buf *why);

/*
 * Decides v under p. Returns 1 when the text is blocked, else 0. Fills
 * blocked (SAFETY_NCATEGORIES flags) with the categories at or over their
 * threshold, *threshold_used with the threshold of the first blocked
 * category, or when none is, the lowest threshold; and appends the block
 * reason to reason, nothing when the text passes: "Hate severity (6)
 * exceeds threshold (4)", "... reaches threshold (4)" when equal, several
 * joined by "; ", or "screening failed: WHY" for an error.
 */
int safety_decide(const struct safety_policy *p,
    const struct safety_verdict *v, int *blocked, int *threshold_used,
    struct buf *reason);

/* Returns the highest known severity of v, or SAFETY_UNKNOWN if none. */
int safety_max(const struct safety_verdict *v);

/* One screened message: what the Safety Result and the audit row say. */
struct safety_check {
	const char *variant_id;		/* borrowed; NULL writes null */
	const char *customer_id;
	const char *segment;
	const char *checked_at;		/* "YYYY-MM-DDTHH:MM:SSZ" */
	const char *backend;		/* "local", "azure", ... */
	struct safety_verdict v;
	int status_block;		/* from safety_decide */
	int blocked[SAFETY_NCATEGORIES];
	int threshold_used;
	struct buf reason;		/* empty when it passes */
	char sha256[SHA256_HEX_SIZE];	/* of the screened text */
};

/* Initializes c's buffer; allocates nothing. Can't fail. */
void safety_check_init(struct safety_check *c);

/* Frees c's buffer. */
void safety_check_release(struct safety_check *c);

/*
 * Decides c->v under p: sets status_block, blocked, threshold_used and
 * reason (replacing what they held).
 */
void safety_check_decide(struct safety_check *c,
    const struct safety_policy *p);

/*
 * Appends the seed's Safety Result for c to b as JSON, written as
 * lib/json writes it: an object of variant_id, customer_id, segment,
 * status ("pass" or "block"), severity_scores {hate, violence, self_harm,
 * sexual} (null for an unknown severity), blocked_categories,
 * threshold_used, checked_at and block_reason (null when it passes).
 */
void safety_check_write(const struct safety_check *c, struct buf *b);

/*
 * Finds the messages of record rec: its "variants" array, each an object
 * with string variant_id, subject and body (and optionally customer_id
 * and segment, else the record's). Sets *variants and returns their
 * number, or returns -1 after adding a reason for each problem to why.
 */
int safety_variants(const cJSON *rec, cJSON **variants, struct reasons *why);

/* Appends what is screened of variant v: subject, a blank line, body. */
void safety_variant_text(const cJSON *v, struct buf *text);

/*
 * Points c's variant_id, customer_id and segment at variant v's, or the
 * record's when v has none (NULL when neither has).
 */
void safety_check_identify(struct safety_check *c, const cJSON *v,
    const cJSON *rec);

#endif
