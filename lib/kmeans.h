/* SPDX-License-Identifier: MIT */
/*
 * k-means clustering of n points in d dimensions: z-scoring, k-means++
 * seeding, several restarts of Lloyd's algorithm to convergence, the
 * silhouette for choosing k, and nearest-centre assignment with a soft
 * probability. Every random choice comes from the caller's rng, so a seed
 * gives the same clustering on every platform.
 */
#ifndef CPO_KMEANS_H
#define CPO_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* The points: n rows of d doubles, row-major, growing as rows are added. */
struct kmeans_data {
	double *x;
	size_t n, d, cap;
};

/* Initializes an empty set of d-dimensional points; allocates nothing. */
void kmeans_data_init(struct kmeans_data *data, size_t d);

/* Appends one point (d values, copied). */
void kmeans_data_add(struct kmeans_data *data, const double *row);

/* Frees the points. */
void kmeans_data_release(struct kmeans_data *data);

/*
 * Z-scores every column in place with its mean and population standard
 * deviation, which it stores in mean[d] and scale[d]. A constant column
 * gets scale 1, so it becomes all zeros instead of a division by zero.
 * With no points, means are 0 and scales 1.
 */
void kmeans_standardize(struct kmeans_data *data, double *mean, double *scale);

struct kmeans_fit {
	size_t k, d;
	double *centre;		/* k rows of d values */
	size_t *size;		/* points per cluster */
	double inertia;		/* sum of squared distances to the centres */
	unsigned iterations;	/* Lloyd iterations of the best restart */
	unsigned restart;	/* which restart was best, from 0 */
};

/* Lloyd iterations per restart stop here even without convergence. */
#define KMEANS_MAX_ITER 300

/*
 * Clusters data into k groups: restarts runs, each seeded by greedy
 * k-means++ (Arthur and Vassilvitskii 2007, with 2 + ln k candidates per
 * centre as scikit-learn does) from its own seed drawn from rng, then
 * Lloyd's iterations (with Hamerly's bounds, which skip distance
 * computations but give the same result) until no point changes cluster
 * or KMEANS_MAX_ITER. Keeps the run with the lowest inertia, the first on
 * ties. Runs up to threads restarts at once (1 runs them in the caller's
 * thread); the result is the same for any number of threads. Fills *fit,
 * which the caller releases. Returns 0, or -1 when the points have fewer
 * than k distinct values (fit is then empty).
 */
int kmeans_fit(const struct kmeans_data *data, size_t k, unsigned restarts,
    unsigned threads, struct rng *rng, struct kmeans_fit *fit);

/* Frees a fit's memory; accepts an empty fit. */
void kmeans_fit_release(struct kmeans_fit *fit);

/*
 * Returns the index of the centre (k rows of d) nearest to x, the lowest on
 * ties, and stores every squared distance in dist2[k] when it is not NULL.
 */
size_t kmeans_nearest(const double *centre, size_t k, size_t d,
    const double *x, double *dist2);

/*
 * The probability of cluster j under a mixture of k spherical Gaussians of
 * equal weight and variance var centred on the centres, given the squared
 * distances dist2[k]: exp(-dist2[j] / 2 var) / sum of the same over all
 * clusters. With var 0, the nearest centres share the probability.
 */
double kmeans_soft(const double *dist2, size_t k, size_t j, double var);

/*
 * Chooses k in kmin..kmax by the mean silhouette (Rousseeuw 1987) on a
 * sample of at most sample points drawn with rng (selection sampling, so
 * the same seed draws the same sample), each k fitted on the sample as
 * kmeans_fit does with restarts and threads. Stores each k's score in
 * score[k - kmin] (NAN when the sample cannot take that many clusters) and
 * returns the best k, the smallest on ties, or 0 when no k was scored.
 */
size_t kmeans_choose_k(const struct kmeans_data *data, size_t kmin,
    size_t kmax, unsigned restarts, unsigned threads, size_t sample,
    struct rng *rng, double *score);

#endif
