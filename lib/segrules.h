/* SPDX-License-Identifier: MIT */
/*
 * Segmentation rules: an ordered list of segments, each with conditions on a
 * customer's numbers that must all hold; the first rule that matches wins.
 * The compiled-in default is the reference system's table; a JSON rules file
 * can replace it. Matching also yields a confidence that says how far the
 * customer sits from the thresholds that decided the match.
 */
#ifndef CPO_SEGRULES_H
#define CPO_SEGRULES_H

#include <stddef.h>

#include "buf.h"

/*
 * The numbers rules can test. The first SEGF_NRAW are fields of the customer
 * record, in the order k-means uses them; engagement_score is derived.
 */
enum segfield {
	SEGF_AGE,
	SEGF_PURCHASE_FREQUENCY,
	SEGF_AVG_ORDER_VALUE,
	SEGF_LAST_ENGAGEMENT_DAYS,
	SEGF_OPEN_RATE,
	SEGF_CLICK_RATE,
	SEGF_ENGAGEMENT_SCORE,
	SEGF_N
};

#define SEGF_NRAW SEGF_ENGAGEMENT_SCORE

/* Field names indexed by enum segfield ("age", ..., "engagement_score"). */
extern const char *const segfield_names[SEGF_N];

/*
 * Default margin of each field: the distance from a threshold at which a
 * condition on that field counts as fully decided (see segrules_match).
 */
extern const double segfield_margins[SEGF_N];

/*
 * Fills f[SEGF_ENGAGEMENT_SCORE] from the two rates in f, as the reference
 * does: (historical_open_rate + historical_click_rate) / 2.
 */
void segfield_derive(double f[SEGF_N]);

enum segop { SEGOP_LT, SEGOP_LE, SEGOP_GT, SEGOP_GE, SEGOP_EQ, SEGOP_NE };

/* Operator spellings indexed by enum segop ("<", "<=", ...). */
extern const char *const segop_names[6];

struct segcond {
	enum segfield field;
	enum segop op;
	double value;		/* the threshold */
	double margin;		/* > 0; distance at which confidence is full */
};

struct segrule {
	const char *segment;	/* segment name */
	int segment_id;
	const struct segcond *cond;
	size_t ncond;		/* 0 for the catch-all, which is last */
};

#define SEGRULES_MAX 64
#define SEGRULES_COND_MAX 16
#define SEGRULES_ID_MAX 999

struct segrules {
	const struct segrule *rule;
	size_t n;
	void *owned;		/* storage of a loaded table, or NULL */
};

/* Sets r to the compiled-in default table (const data). Can't fail. */
void segrules_init(struct segrules *r);

/*
 * Replaces r's table with the rules file text (len bytes of JSON). Returns 0;
 * or -1 with r unchanged and a message appended to err that names the rule
 * (by number and segment) and the member or field at fault.
 */
int segrules_parse(struct segrules *r, const char *text, size_t len,
    struct buf *err);

/* Frees a loaded table; r is then empty. */
void segrules_release(struct segrules *r);

/*
 * Finds the first rule that f (SEGF_N values, engagement_score derived)
 * matches; there always is one, since the last rule has no conditions.
 * Returns its index and stores the confidence in *confidence:
 *
 *   0.5 + 0.5 * min(strength of the matched rule,
 *                   miss of every earlier rule)
 *
 * where a condition's closeness is min(1, |x - threshold| / margin), the
 * strength of a matched rule is the least closeness among its conditions (1
 * with none), and the miss of a rule that failed is the greatest closeness
 * among its failed conditions. == and != have no margin and count as 1.
 * Values within one part in 10^9 of a threshold are taken as equal to it,
 * so rounding in a derived field cannot decide a segment.
 */
size_t segrules_match(const struct segrules *r, const double f[SEGF_N],
    double *confidence);

/* Tells whether f satisfies every condition of rule i. */
int segrules_holds(const struct segrules *r, size_t i, const double f[SEGF_N]);

/*
 * Appends rule i's conditions to b as text ("avg_order_value > 200 and
 * last_engagement_days < 30"), or "no conditions" for the catch-all.
 */
void segrules_describe(const struct segrules *r, size_t i, struct buf *b);

/*
 * Appends a definition of segment id to b for the summary: the conditions
 * of each rule that gives that segment, joined with " or ", each followed by
 * ", and not " and the earlier segments' names when earlier rules exist.
 */
void segrules_define(const struct segrules *r, int segment_id, struct buf *b);

#endif
