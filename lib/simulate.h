/* SPDX-License-Identifier: MIT */
/*
 * Simulated engagement for assigned customers, and the truth to check an
 * analysis against. Each customer's outcome is drawn from the engagement
 * model (lib/engage) with their own random stream, seeded by the seed and
 * their customer_id, so a customer's outcome depends on nothing else in the
 * input: not its order, not the other customers.
 *
 * The truth is kept as sums per arm and per segment and arm, so memory
 * grows with the number of segments, never with the number of customers.
 * Two kinds of truth are kept for each arm:
 *
 *   expected   the mean, over the customers assigned to the arm, of their
 *              probability of each outcome given the message they were
 *              sent: what the arm's observed rate estimates;
 *   potential  the mean, over all customers, of that probability had each
 *              been assigned to the arm: the population the experiment is
 *              about, whose differences are the true lifts.
 *
 * A customer's potential outcome in another arm uses that arm's message
 * when the record carries it (cpo-assign --keep-variants), and otherwise
 * the arm's tone without the effects of message features.
 */
#ifndef CPO_SIMULATE_H
#define CPO_SIMULATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "engage.h"
#include "experiment.h"
#include "reasons.h"
#include "strtab.h"
#include "timefmt.h"

/* Sums for one arm, overall or within a segment. */
struct simulate_cell {
	unsigned long assigned;		/* customers assigned to the arm */
	double expected[METRIC_N];	/* their summed probabilities */
	double potential[METRIC_N];	/* everyone's, had they been */
};

struct simulator {
	const struct experiment *exp;	/* borrowed */
	const struct engage_model *model;	/* borrowed */
	int aa;				/* every arm behaves as control */
	uint64_t stream;		/* the seed, mixed for this program */
	char engagement_at[TIMEFMT_ISO_SIZE];
	unsigned long customers;
	struct simulate_cell total[EXPERIMENT_ARMS_MAX];
	struct strtab segments;		/* segment names, first-seen order */
	unsigned long *segment_customers;	/* by segment number */
	struct simulate_cell *cells;	/* by segment number, then arm */
	size_t cap;			/* segments room is allocated for */
	struct buf scratch;
};

/*
 * Sets s up to simulate the experiment exp with the model (both borrowed),
 * seeded by exp's seed, stamping engagements with the time t; aa makes
 * every arm behave as control (an A/A test). Can't fail.
 */
void simulate_init(struct simulator *s, const struct experiment *exp,
    const struct engage_model *model, int aa, time_t t);

/* Frees s's memory. */
void simulate_release(struct simulator *s);

/*
 * Simulates the customer in line (len bytes, one NDJSON record that
 * cpo-assign wrote; no_newline: the last line, without a line ending) and
 * appends the record with "engagement" added last (or replaced in place) to
 * out. Returns 1; 0 for a blank line; or -1 after adding the reasons to why
 * when the record is not a JSON object, lacks a customer_id string, has
 * history rates that are not numbers from 0 to 1, has no assignment to an
 * arm of the experiment, or has malformed variants.
 *
 * The engagement is the seed's Engagement Event Schema (customer_id,
 * variant_id, experiment_arm, opened, clicked, converted, engagement_at,
 * engagement_source "simulated"), then delivered (the arm whose message was
 * sent) and fallback (null, "blocked" or "missing"). A customer sent the
 * control message in place of a blocked or missing variant behaves as
 * control, in their own arm.
 */
int simulate_line(struct simulator *s, const char *line, size_t len,
    int no_newline, struct buf *out, struct reasons *why);

/*
 * Appends the truth for the customers simulated so far to b, as one
 * compact JSON object and a newline: experiment_id, seed, aa, customers,
 * arms (arm_name, tone, sample_size, expected, potential), lift (for each
 * treatment arm and metric, the potential lift_absolute and lift_percent,
 * null with a reason when the control's rate is 0) and segments (segment,
 * sample_size, arms), segments sorted by name.
 */
void simulate_truth(const struct simulator *s, struct buf *b);

#endif
