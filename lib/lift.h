/* SPDX-License-Identifier: MIT */
/*
 * The analysis of an experiment from its tally (lib/tally): per arm counts
 * and rates, and for each treatment arm and metric the absolute and
 * relative lift over control with a test, an interval for each, and
 * p-values adjusted for the number of comparisons; a sample-ratio check;
 * a breakdown by segment; and, on request, CUPED-adjusted estimates and
 * power. Written as the seed's Metrics Model document, with more members,
 * or as a table for people.
 *
 * Everything is by intention to treat: customers count in the arm they
 * were assigned to, whatever message they were sent, and the fallback rate
 * of each arm says how often that was the control message.
 */
#ifndef CPO_LIFT_H
#define CPO_LIFT_H

#include <stddef.h>

#include "buf.h"
#include "inference.h"
#include "tally.h"

/* Arm sizes with a sample-ratio p-value below this are flagged. */
#define LIFT_SRM_ALPHA 0.001

struct lift_options {
	enum inference_test test;
	enum inference_interval interval;
	enum inference_correction correction;
	double alpha;
	int cuped;		/* add CUPED-adjusted estimates */
	int power;		/* add minimum detectable effects */
	double power_level;	/* the power they are for, 0.8 */
	double mde;		/* relative lift to size for; 0: none */
	const char *computed_at;
};

/* Sets o to the defaults: z_pooled, newcombe, holm, alpha 0.05. */
void lift_options_init(struct lift_options *o);

/*
 * Sets the option named by name ("test", "interval", "correction",
 * "alpha" or "mde") to the command-line text value. Returns 0, or -1 after
 * appending "expected ..., got 'VALUE'" to err.
 */
int lift_options_set(struct lift_options *o, const char *name,
    const char *value, struct buf *err);

/* One treatment arm against control on one metric. */
struct lift_comparison {
	size_t arm;
	enum metric metric;
	double control, treatment;	/* rates; NaN for an empty arm */
	double absolute, percent;	/* lift; NaN when undefined */
	enum inference_test test;	/* the test used */
	int small;			/* Fisher's, for a small expected count */
	struct inference_result r;
	double p_adjusted;
	int significant;
	double lo, hi;			/* interval for absolute; NaN if none */
	double rel_se, rel_lo, rel_hi;	/* relative, in percent; NaN */
	/* CUPED, when asked for and available. */
	double cuped_control, cuped_treatment, cuped_absolute;
	double cuped_lo, cuped_hi, cuped_p, cuped_reduction, cuped_theta;
};

struct lift_segment {
	size_t k;			/* segment number in the tally */
	unsigned long size;
	size_t best;			/* best arm by the primary metric */
	struct lift_comparison cmp;	/* best arm against control */
	int tested;			/* best is a treatment, both not empty */
};

struct lift_analysis {
	const struct tally *tally;	/* borrowed */
	const struct lift_options *opt;	/* borrowed */
	unsigned long total;
	struct tally_cell arm[EXPERIMENT_ARMS_MAX];
	struct lift_comparison cmp[(EXPERIMENT_ARMS_MAX - 1) * METRIC_N];
	size_t ncmp;
	double srm_chisq, srm_p;	/* NaN with fewer than two arms */
	int srm_mismatch;
	struct lift_segment *segment;	/* sorted by name */
	size_t nsegments;
	int cuped_available;
	unsigned long cuped_missing;	/* records without both covariates */
};

/*
 * Analyzes t with the options o (both borrowed; they must outlive a).
 * Can't fail: degenerate data (empty arms, a control rate of 0, one arm,
 * no records) give null values with reasons, not errors.
 */
void lift_analyze(struct lift_analysis *a, const struct tally *t,
    const struct lift_options *o);

/* Frees a's memory. */
void lift_analysis_release(struct lift_analysis *a);

/* Appends the metrics document to b as one line of JSON and a newline. */
void lift_write_json(const struct lift_analysis *a, struct buf *b);

/* Appends the analysis to b as a table for people. */
void lift_write_table(const struct lift_analysis *a, struct buf *b);

#endif
