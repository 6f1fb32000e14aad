/* SPDX-License-Identifier: MIT */
/*
 * The sufficient statistics of an experiment's analysis: per segment and
 * arm, the customers sent a message, those who opened, clicked and
 * converted, those sent the control message in place of their arm's
 * (fallbacks), and the sums CUPED needs over the pre-experiment covariates
 * historical_open_rate and historical_click_rate.
 *
 * Covariates are summed as integers in millionths, so that sums are exact
 * and their order does not matter: tallies of any shards of the input,
 * merged in any order, equal the tally of the whole input bit for bit.
 * Memory grows with the number of segments, never with the records.
 */
#ifndef CPO_TALLY_H
#define CPO_TALLY_H

#include <stddef.h>

#include "buf.h"
#include "experiment.h"
#include "reasons.h"
#include "strtab.h"

/* The covariates: historical_open_rate and historical_click_rate. */
enum tally_covariate {
	COV_OPEN,
	COV_CLICK,
	COV_N
};

/* The covariate CUPED pairs with each metric. */
extern const enum tally_covariate tally_covariate_of[METRIC_N];

/* Covariate units per 1: covariates are rounded to millionths. */
#define TALLY_SCALE 1000000

typedef unsigned __int128 tally_sum;

struct tally_cell {
	unsigned long sent;
	unsigned long outcome[METRIC_N];	/* opened, clicked, converted */
	unsigned long fallback;
	unsigned long covariates;	/* customers with both covariates */
	tally_sum x[COV_N];		/* sums of the covariates */
	tally_sum xx[COV_N];		/* sums of their squares */
	tally_sum xy[METRIC_N];		/* covariate x outcome, by metric */
};

struct tally {
	const struct experiment *exp;	/* borrowed */
	struct strtab segments;		/* segment names, first-seen order */
	struct tally_cell *cells;	/* by segment number, then arm */
	size_t cap;
	struct tally_cell none[EXPERIMENT_ARMS_MAX];	/* no segment */
};

/* Sets t up, empty, for the experiment exp (borrowed). Can't fail. */
void tally_init(struct tally *t, const struct experiment *exp);

/* Frees t's memory. */
void tally_release(struct tally *t);

/*
 * Counts the record in line (len bytes; no_newline: the last line, without
 * a line ending): a customer record with an "engagement" member, as
 * cpo-simulate writes it, or a bare engagement event. The arm is the
 * engagement's experiment_arm, the outcomes its opened, clicked and
 * converted, the fallback its fallback (else the assignment's), the
 * segment the record's segment (a string, or any other value as JSON
 * text; none when missing or null). Returns 1; 0 for a blank line; -1
 * after adding reasons to why when the line is not a JSON object, has no
 * engagement, names an arm the experiment does not have, or has outcomes
 * that are not true or false.
 */
int tally_line(struct tally *t, const char *line, size_t len, int no_newline,
    struct reasons *why);

/*
 * Appends t as partial NDJSON to b: one line per segment and arm with any
 * customers, segments in first-seen order, the customers without a segment
 * first, as {"cpo_lift_partial":1,"experiment_id":..,"arms":[..],
 * "segment":..,"arm":..,"sent":..,"opened":..,"clicked":..,"converted":..,
 * "fallback":..,"covariates":..,"x":[..],"xx":[..],"xy":[..]}, with the
 * covariate sums as decimal strings.
 */
void tally_write_partial(const struct tally *t, struct buf *b);

/*
 * Adds one line of partial NDJSON (len bytes) to t. Returns 1; 0 for a
 * blank line; -1 after adding a reason to why when it is not a partial
 * line of this experiment (its experiment_id and arms must match).
 */
int tally_read_partial(struct tally *t, const char *line, size_t len,
    struct reasons *why);

/* Adds every segment's cells of arm into *sum (which it zeroes first). */
void tally_arm_total(const struct tally *t, size_t arm,
    struct tally_cell *sum);

/*
 * Returns the numbers of the segments sorted by name, bytewise, in a new
 * array of t->segments.n entries (at least one allocated) that the caller
 * frees.
 */
size_t *tally_sorted_segments(const struct tally *t);

/* The cell of segment k (a number from t->segments) and arm. */
const struct tally_cell *tally_cell(const struct tally *t, size_t k,
    size_t arm);

#endif
