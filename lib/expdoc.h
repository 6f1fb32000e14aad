/* SPDX-License-Identifier: MIT */
/*
 * An experiment metrics document read into plain structs: the document
 * cpo-lift writes, or one in the seed's shape (arms as an object keyed by
 * arm name, segment arms as metrics_by_arm, the test as test_type). Every
 * pointer borrows from the cJSON tree, which must outlive the struct.
 * Numbers absent or null are NAN, flags not stated are -1, strings absent
 * are NULL.
 *
 * Usage: expdoc_read; look at the fields and with the query functions at
 * the end; expdoc_release.
 */
#ifndef CPO_EXPDOC_H
#define CPO_EXPDOC_H

#include <stddef.h>

#include "buf.h"
#include "json.h"

/* An arm, at the top level or within a segment. */
struct expdoc_arm {
	const char *name;	/* arm_name, or the key it is filed under */
	double size;		/* sample_size */
	const cJSON *metrics;	/* object of rates (number or null), or NULL */
	const cJSON *counts;	/* object of counts, likewise */
	double fallback, fallback_rate;	/* fallback.count and .rate */
};

/* One treatment-versus-control comparison of lift_analysis. */
struct expdoc_lift {
	const char *arm, *metric;	/* treatment_arm, metric: never NULL */
	const char *test;		/* test, or the seed's test_type */
	const char *correction, *error;
	int primary, significant;
	double control, treatment;	/* control_value, treatment_value */
	double percent, absolute;	/* lift_percent, lift_absolute */
	double p, p_adjusted;
	double lo, hi, level;		/* confidence_interval */
	double rel_lo, rel_hi, rel_level;	/* its relative_ twin */
	const cJSON *notes;		/* array of strings, or NULL */
};

/* One entry of segment_breakdown. */
struct expdoc_segment {
	const char *name;		/* segment: never NULL */
	const char *best, *metric, *test;	/* best_performing_arm, ... */
	int significant;
	double size, percent, p, p_adjusted;
	struct expdoc_arm *arm;		/* arms or metrics_by_arm */
	size_t narms;
	const cJSON *notes;
};

/* A list of names in order of first appearance, borrowed from the tree. */
struct expdoc_names {
	const char **name;
	size_t n;
};

struct expdoc {
	const char *id, *name, *primary, *computed_at;
	double total, alpha;		/* total_customers, alpha */
	struct expdoc_arm *arm;		/* at least one */
	size_t narms;
	struct expdoc_lift *lift;
	size_t nlifts;
	struct expdoc_segment *segment;
	size_t nsegments;
	int has_segments;		/* segment_breakdown is there */
	const cJSON *analysis;		/* the analysis object, or NULL */
	const cJSON *srm, *weights;	/* sample_ratio and its weights */
	double srm_chi, srm_df, srm_p, srm_threshold;
	int srm_mismatch;		/* stated, or p below threshold */
	struct expdoc_names metrics;	/* every metric, arms' first */
	struct expdoc_names counts;	/* every count name of the arms */
	struct expdoc_names tests;	/* the tests the comparisons used */
	struct expdoc_names corrections;
};

/*
 * Reads the document root into d. Only arms is required: a non-empty array
 * of arms with arm_name and sample_size, or an object of them keyed by
 * name; the other parts are read when present. Returns 0; or -1 after
 * appending the first problem to err, as "field 'PATH': missing" or "field
 * 'PATH': expected WHAT, got VALUE", with PATH like
 * lift_analysis[2].statistical_significance.p_value (a member whose name is
 * not plain printable text is named by its position, arms[0]). d must be
 * released either way.
 */
int expdoc_read(struct expdoc *d, const cJSON *root, struct buf *err);

/* Frees what d holds (not the tree). */
void expdoc_release(struct expdoc *d);

/* Queries. */

/* The arm's rate of metric, or count of name; NAN when it has none. */
double expdoc_rate(const struct expdoc_arm *a, const char *metric);
double expdoc_count(const struct expdoc_arm *a, const char *name);

/* The first of the n arms named name, or NULL. */
const struct expdoc_arm *expdoc_find_arm(const struct expdoc_arm *arm,
    size_t n, const char *name);

/*
 * Whether metric is the primary one: primary_metric, or, when the document
 * has none, a comparison marked primary.
 */
int expdoc_is_primary(const struct expdoc *d, const char *metric);

#endif
