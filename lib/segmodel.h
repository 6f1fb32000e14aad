/* SPDX-License-Identifier: MIT */
/*
 * A fitted k-means segmentation of customers: the z-scoring (means and
 * scales of the six record fields), the cluster centres, their segment
 * names and ids, and the variance that turns distances into confidences.
 * It is built from a fit, saved as one line of JSON and read back, and
 * labels one customer at a time, so a model fitted on a sample can label
 * any number of customers.
 */
#ifndef CPO_SEGMODEL_H
#define CPO_SEGMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "kmeans.h"
#include "segrules.h"

#define SEGMODEL_K_MAX 100

struct segcluster {
	char *segment;		/* unique among the clusters */
	int segment_id;		/* unique; the cluster's number */
	unsigned long size;	/* customers in the fit */
	char *definition;	/* the centre and the rule that named it */
};

struct segmodel {
	double mean[SEGF_NRAW], scale[SEGF_NRAW];
	double variance;	/* per dimension, pooled: inertia / (n * 6) */
	size_t k;
	double *centre;		/* k rows of SEGF_NRAW z-scores */
	struct segcluster *cluster;
	/* How the model was made; saved for the record, not needed to apply. */
	unsigned long customers;
	double inertia;
	uint64_t seed;
	unsigned restarts, iterations;
	size_t auto_kmin, auto_n;	/* --k auto: the k tried, from kmin */
	double *silhouette;		/* auto_n scores, NAN if not scored */
};

/* Initializes an empty model; allocates nothing. */
void segmodel_init(struct segmodel *m);

/* Frees the model's memory; m is then empty. */
void segmodel_release(struct segmodel *m);

/*
 * Builds m from a fit of n customers z-scored with mean and scale. Clusters
 * are numbered by size, largest first (ties by the fit's order). They are
 * named in that order with rules, applied to each centre in the customers'
 * units: a cluster takes the first rule its centre matches whose segment
 * name no larger cluster has taken; when every matching name is taken, it
 * takes the first matching name with " 2", " 3" ... added. The caller fills
 * the record fields (seed, restarts, silhouette) afterwards.
 */
void segmodel_from_fit(struct segmodel *m, const double *mean,
    const double *scale, const struct kmeans_fit *fit,
    const struct segrules *rules, unsigned long n);

/*
 * Labels a customer's numbers f: returns the index of the cluster nearest
 * after z-scoring and stores the soft-assignment probability of that
 * cluster (kmeans_soft with the model's variance) in *confidence.
 */
size_t segmodel_classify(const struct segmodel *m, const double f[SEGF_N],
    double *confidence);

/* Appends the model to out as one line of JSON, with its newline. */
void segmodel_write(const struct segmodel *m, struct buf *out);

/*
 * Reads a model written by segmodel_write from len bytes of text into m
 * (which must be empty). Returns 0, or -1 with a message naming the member
 * at fault appended to err (m is then empty).
 */
int segmodel_parse(struct segmodel *m, const char *text, size_t len,
    struct buf *err);

#endif
