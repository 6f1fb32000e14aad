/* SPDX-License-Identifier: MIT */
/*
 * Randomizing customers into the experiment's arms, one at a time.
 *
 * Stratified: permuted-block randomization within each stratum. Each
 * stratum deals arm labels from blocks that hold every arm its block_count
 * times, shuffled with the stratum's own generator (seeded from the
 * experiment seed and the stratum's name), so after any number of customers
 * every stratum's arm counts are within one block of the weights, and a
 * stratum's sequence does not depend on how the strata interleave.
 *
 * Hash: the arm is GrowthBook's bucket of (hash seed, customer_id) mapped
 * to the weights' ranges; no state, so shards agree with the whole.
 *
 * Both count customers per stratum and arm for the summary. Memory grows
 * with the number of strata, not of customers.
 *
 * Records go through a fast path when they can (lib/jsonscan: the text is
 * copied and the assignment appended) and through cJSON otherwise, with
 * the same result.
 */
#ifndef CPO_ASSIGN_H
#define CPO_ASSIGN_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "experiment.h"
#include "reasons.h"
#include "rng.h"
#include "strtab.h"
#include "timefmt.h"

/* The p-value below which arm sizes are flagged as a sample ratio mismatch. */
#define ASSIGN_SRM_ALPHA 0.001

enum assign_method {
	ASSIGN_STRATIFIED,
	ASSIGN_HASH
};

/* One stratum's state: its generator, current block and counts. */
struct assign_stratum {
	struct rng rng;
	unsigned char *block;		/* arm indexes, block_size of them */
	unsigned pos;			/* next place in the block */
	unsigned long count[EXPERIMENT_ARMS_MAX];
};

struct assigner {
	const struct experiment *exp;	/* borrowed */
	enum assign_method method;
	int keep_variants;		/* keep the variants not chosen */
	char assigned_at[TIMEFMT_ISO_SIZE];
	struct strtab names;		/* stratum names, in first-seen order */
	struct assign_stratum *strata;	/* by stratum number */
	size_t cap;
	double weight[EXPERIMENT_ARMS_MAX];
	struct buf stratum, text;	/* scratch */
};

/*
 * Sets a up for exp (borrowed; it must outlive a), stamping assignments
 * with the time t. Can't fail.
 */
void assign_init(struct assigner *a, const struct experiment *exp,
    enum assign_method method, int keep_variants, time_t t);

/* Frees a's memory. */
void assign_release(struct assigner *a);

/*
 * Assigns the customer in line (len bytes, one NDJSON record; no_newline
 * says it was the last line and had no line ending) and appends the record
 * with its "assignment" to out. Returns 1; 0 for a blank line (nothing
 * appended); or -1 after adding the reasons to why when the line is not a
 * JSON object, has no customer_id string, or has malformed variants. A
 * rejected record takes no place in any block.
 *
 * The record's members are kept as they are, in order, with "assignment"
 * added last (or replaced in place) and, unless keep_variants, the variants
 * the arm did not choose dropped (see lib/delivery). The assignment holds
 * the seed's Experiment Assignment Schema (customer_id, segment, the
 * record's segment or null, experiment_arm, variant_id, assigned_at,
 * assignment_method "stratified_random" or "hash"), then experiment_id,
 * tone, delivered (the arm whose message is sent), fallback (null,
 * "blocked" or "missing") and, for the hash method, bucket.
 */
int assign_line(struct assigner *a, const char *line, size_t len,
    int no_newline, struct buf *out, struct reasons *why);

/*
 * Assigns the next customer, id (idlen bytes), of the stratum named by
 * stratum (stratumlen bytes; any bytes, "" included). Returns the arm's
 * index and, for the hash method, stores the bucket in *bucket (NaN for
 * stratified). The stratum of a record is the value of the experiment's
 * stratify_by field: a string as it is and anything else as compact JSON;
 * "(none)" when the field is missing or null, and "all" when the
 * experiment is not stratified.
 */
size_t assign_next(struct assigner *a, const char *stratum, size_t stratumlen,
    const char *id, size_t idlen, double *bucket);

/*
 * Appends the summary to b, one line per row, each ending in a newline: a
 * header, one row of arm counts per stratum (strata in first-seen order,
 * control characters in their names shown as '?') and a total row, then
 * the sample-ratio check of the totals against the weights. Sets *mismatch
 * when the check's p-value is below ASSIGN_SRM_ALPHA.
 */
void assign_summary(const struct assigner *a, struct buf *b, int *mismatch);

#endif
