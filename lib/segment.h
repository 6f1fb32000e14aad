/* SPDX-License-Identifier: MIT */
/*
 * The record side of segmentation: reading a customer's numbers from a
 * line, writing the record back with the fields of the seed's Segment
 * Assignment Schema added (segment, segment_id, confidence, features), and
 * the per-segment summary of its Segment Metadata Schema.
 *
 * Records are read with jsonscan and written by copying the line and
 * appending the new fields, so input fields pass through byte for byte and
 * no tree is built. A line jsonscan declines, or one that already has a
 * segment field (a second run), goes through cJSON instead: parsed, the
 * fields set in place, and written again.
 */
#ifndef CPO_SEGMENT_H
#define CPO_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "kmeans.h"
#include "lineio.h"
#include "reasons.h"
#include "segmodel.h"
#include "segrules.h"
#include "spool.h"

/* One customer record read from a line. */
struct segrecord {
	double f[SEGF_N];		/* its numbers, engagement derived */
	const char *text;		/* the line, borrowed */
	size_t len;
	size_t close;			/* offset of the closing brace */
	const char *num[SEGF_NRAW];	/* each number's own text */
	size_t numlen[SEGF_NRAW];
	cJSON *tree;			/* the parsed record, or NULL */
};

/*
 * Reads the customer record on line (len bytes, borrowed until rec is used;
 * no_newline when it ended the input without a newline). Returns 1 and
 * fills rec; 0 for a blank line, to be skipped; or -1 after adding the
 * reasons to why: not a JSON object, or one of the six numeric fields (age
 * ... historical_click_rate) missing or not a finite JSON number.
 */
int segment_read(struct segrecord *rec, const char *line, size_t len,
    int no_newline, struct reasons *why);

/* Frees what rec holds. */
void segrecord_release(struct segrecord *rec);

#define SEGSUMMARY_MAX 100

/* Counts and sums per segment: bounded by the number of segments. */
struct segsummary {
	struct segsummary_row {
		char *segment;
		int segment_id;
		char *definition;
		unsigned long size;
		double age, frequency, order_value, engagement;	/* sums */
	} row[SEGSUMMARY_MAX];
	size_t n;
	unsigned long total;
};

/*
 * Appends one JSON object a line per segment: segment, segment_id, size,
 * percentage (of all customers labelled, 0 to 100), characteristics
 * (avg_age, avg_purchase_frequency, avg_order_value, avg_engagement; null
 * for an empty segment) and definition.
 */
void segsummary_write(const struct segsummary *s, struct buf *out);

/*
 * A labeller: the rules, or a k-means model once one is loaded or fitted,
 * and the summary of the customers it has labelled.
 *
 * Usage: segmenter_init; optionally segmenter_load_rules or
 * segmenter_load_model; segmenter_label for each record; segsummary_write
 * on s->summary; segmenter_release. To fit k-means instead: segmenter_hold
 * for each record, segmenter_fit, then segmenter_replay and
 * segmenter_label for each held record in turn.
 */
struct segmenter {
	struct segrules rules;
	struct segmodel model;		/* in use when model.k > 0 */
	struct segsummary summary;
	size_t rule_row[SEGRULES_MAX];	/* summary row of each rule */
	struct segnumbers *numbers;	/* recent numbers as text */
	struct kmeans_data held;	/* held customers' numbers */
	struct spool spool;		/* and their lines */
	struct lineio replay;
	int holding, replaying;
};

/* Sets s up with the default rules. Can't fail. */
void segmenter_init(struct segmenter *s);

/* Frees everything s holds. */
void segmenter_release(struct segmenter *s);

/*
 * Replaces the rules with the rules file at path, or the k-means model
 * with the model file at path. Return 0; -1 with errno set when the file
 * can't be read; -2 with the reason appended to err when it is wrong.
 */
int segmenter_load_rules(struct segmenter *s, const char *path,
    struct buf *err);
int segmenter_load_model(struct segmenter *s, const char *path,
    struct buf *err);

/*
 * Labels rec: appends to out the record with segment, segment_id,
 * confidence (rounded to 4 decimal places) and features set (one line of
 * JSON, no newline), and counts the customer in the summary. Frees rec's
 * tree.
 */
void segmenter_label(struct segmenter *s, struct segrecord *rec,
    struct buf *out);

/*
 * Holds a customer for a fit: its numbers in memory (48 bytes), its line
 * (len bytes) in a temporary file made in directory tmpdir (NULL for /tmp)
 * on the first call. Returns 0, or -1 with errno set.
 */
int segmenter_hold(struct segmenter *s, const char *tmpdir, const char *line,
    size_t len, const double f[SEGF_N]);

/*
 * Fits a k-means model to the held customers (z-scored in place, then
 * freed): k clusters, or with k 0 the best by silhouette of kmin..kmax on
 * a sample of sample customers; restarts runs seeded from seed, up to
 * threads at a time (the result does not depend on it); clusters named by
 * the rules. Returns 0, or -1 after appending the reason to err (too few
 * distinct customers for k).
 */
int segmenter_fit(struct segmenter *s, size_t k, size_t kmin, size_t kmax,
    size_t sample, unsigned restarts, unsigned threads, uint64_t seed,
    struct buf *err);

/*
 * Reads back the next held customer, in input order. Returns 1 with rec
 * filled (valid until the next call), 0 after the last, or -1 with errno
 * set on a read error.
 */
int segmenter_replay(struct segmenter *s, struct segrecord *rec);

#endif
