/* SPDX-License-Identifier: MIT */
/*
 * The experiment configuration that cpo-assign, cpo-generate, cpo-simulate
 * and cpo-lift share: the experiment's identity, its seed, its arms (name,
 * tone, weight), the field customers are stratified by, the primary metric
 * (fixed before the run, never chosen by the analysis) and alpha. The
 * compiled-in default is data/experiment.json; a JSON file can replace any
 * of its keys.
 */
#ifndef CPO_EXPERIMENT_H
#define CPO_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define EXPERIMENT_ARMS_MAX 16
#define EXPERIMENT_BLOCK_MAX 1000

/* Largest seed: integers up to 2^53 - 1 are exact in JSON numbers. */
#define EXPERIMENT_SEED_MAX 9007199254740991LL

/* The tone that marks the control arm. */
#define EXPERIMENT_CONTROL_TONE "control"

/* The outcome metrics, in the order documents list them. */
enum metric {
	METRIC_OPEN,
	METRIC_CLICK,
	METRIC_CONVERT,
	METRIC_N
};

/* "open_rate", "click_rate", "conversion_rate", indexed by enum metric. */
extern const char *const metric_names[METRIC_N];

struct experiment_arm {
	const char *name;	/* "control", "treatment_1", ... */
	const char *tone;	/* "control" or a message tone */
	double weight;		/* share of customers; the shares sum to 1 */
	unsigned block_count;	/* this arm's places in a permuted block */
};

struct experiment {
	const char *id;			/* experiment_id */
	const char *name;		/* experiment_name */
	uint64_t seed;
	const char *hash_seed;		/* seed text of --method hash */
	struct experiment_arm arm[EXPERIMENT_ARMS_MAX];
	size_t narms;
	size_t control;			/* index of the control arm */
	const char *stratify_by;	/* record field, or NULL for none */
	enum metric primary_metric;
	double alpha;
	unsigned block_size;		/* sum of the arms' block counts */
	void *owned;			/* the parsed file strings point into */
	char seed_text[24];		/* default hash_seed: seed in decimal */
};

/* Sets e to the compiled-in default. Can't fail. */
void experiment_init(struct experiment *e);

/*
 * Reads the configuration file at path over the compiled-in default (keys
 * the file leaves out keep their default values) into e. Returns 0; -1 after appending a message that
 * names the key at fault to err (a usage error); or -2 after appending the
 * system's reason (the file could not be read: an I/O error). e is left
 * unchanged on failure.
 */
int experiment_load(struct experiment *e, const char *path, struct buf *err);

/* The same for len bytes of JSON text already in memory. */
int experiment_parse(struct experiment *e, const char *text, size_t len,
    struct buf *err);

/* Sets the seed (and the default hash seed text with it). */
void experiment_set_seed(struct experiment *e, uint64_t seed);

/* Returns the index of the arm called name, or -1. */
int experiment_arm_index(const struct experiment *e, const char *name);

/* Returns the metric called name ("open_rate", ...), or -1. */
int experiment_metric(const char *name);

/* Frees what experiment_load kept; e is then unusable until re-init. */
void experiment_release(struct experiment *e);

#endif
