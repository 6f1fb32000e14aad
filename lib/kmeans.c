/* SPDX-License-Identifier: MIT */
/*
 * k-means. Seeding follows scikit-learn's greedy k-means++ (_kmeans_plusplus
 * in sklearn/cluster/_kmeans.py): each new centre is the best, by total
 * potential, of 2 + ln k points drawn with probability proportional to
 * their squared distance to the nearest centre so far. The iterations are
 * Lloyd's, accelerated with Hamerly's bounds (G. Hamerly, "Making k-means
 * even faster", SDM 2010): an upper bound on each point's distance to its
 * centre and a lower bound on its distance to any other let most points
 * skip the distance computations once the centres settle. Every sum is
 * taken in a fixed order (the points in input order, step by step), and
 * each restart has its own seed, so restarts can run in threads and the
 * result still depends on nothing but the data and the seed.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans.h"
#include "xalloc.h"

void
kmeans_data_init(struct kmeans_data *data, size_t d)
{
	data->x = NULL;
	data->n = 0;
	data->d = d;
	data->cap = 0;
}

void
kmeans_data_add(struct kmeans_data *data, const double *row)
{
	if (data->n == data->cap) {
		data->cap = data->cap ? data->cap * 2 : 1024;
		data->x = xreallocarray(data->x, data->cap,
		    data->d * sizeof(double));
	}
	memcpy(data->x + data->n * data->d, row, data->d * sizeof(double));
	data->n++;
}

void
kmeans_data_release(struct kmeans_data *data)
{
	free(data->x);
	kmeans_data_init(data, data->d);
}

void
kmeans_standardize(struct kmeans_data *data, double *mean, double *scale)
{
	size_t i, j, n = data->n, d = data->d;
	double *x = data->x, sum, var, lo, hi;

	for (j = 0; j < d; j++) {
		mean[j] = 0;
		scale[j] = 1;
		if (n == 0)
			continue;
		sum = 0;
		lo = hi = x[j];
		for (i = 0; i < n; i++) {
			sum += x[i * d + j];
			lo = fmin(lo, x[i * d + j]);
			hi = fmax(hi, x[i * d + j]);
		}
		mean[j] = sum / (double)n;
		/*
		 * Two passes, for accuracy. A constant column is tested
		 * exactly: its computed deviation would be rounding noise,
		 * and dividing by it would blow the noise up.
		 */
		if (lo == hi)
			continue;
		var = 0;
		for (i = 0; i < n; i++)
			var += (x[i * d + j] - mean[j]) * (x[i * d + j] - mean[j]);
		scale[j] = sqrt(var / (double)n);
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < d; j++)
			x[i * d + j] = (x[i * d + j] - mean[j]) / scale[j];
}

static double
dist2(const double *a, const double *b, size_t d)
{
	double s = 0, t;
	size_t j;

	/*
	 * cpo-segment's six dimensions, unrolled: the compiler then keeps
	 * everything in registers. The sum is taken in the same order.
	 */
	if (d == 6) {
		double t0 = a[0] - b[0], t1 = a[1] - b[1], t2 = a[2] - b[2];
		double t3 = a[3] - b[3], t4 = a[4] - b[4], t5 = a[5] - b[5];

		return (((((t0 * t0) + t1 * t1) + t2 * t2) + t3 * t3) +
		    t4 * t4) + t5 * t5;
	}
	for (j = 0; j < d; j++) {
		t = a[j] - b[j];
		s += t * t;
	}
	return s;
}

size_t
kmeans_nearest(const double *centre, size_t k, size_t d, const double *x,
    double *out)
{
	double best = INFINITY, s;
	size_t j, at = 0;

	for (j = 0; j < k; j++) {
		s = dist2(x, centre + j * d, d);
		if (out != NULL)
			out[j] = s;
		if (s < best) {
			best = s;
			at = j;
		}
	}
	return at;
}

double
kmeans_soft(const double *d2, size_t k, size_t j, double var)
{
	double least = INFINITY, sum = 0;
	size_t i, ties = 0;

	for (i = 0; i < k; i++)
		least = fmin(least, d2[i]);
	if (!(var > 0)) {
		for (i = 0; i < k; i++)
			ties += d2[i] == least;
		return d2[j] == least ? 1.0 / (double)ties : 0;
	}
	/* Shifted by the least distance so that exp cannot underflow to 0/0. */
	for (i = 0; i < k; i++)
		sum += exp(-(d2[i] - least) / (2 * var));
	return exp(-(d2[j] - least) / (2 * var)) / sum;
}

/* The state of one clustering run: one per thread, reused by its restarts. */
struct work {
	const double *x;
	size_t n, d, k;
	double *centre;		/* k rows: the current centres */
	double *old;		/* k rows: the centres before the update */
	double *sum;		/* k rows: coordinate sums per cluster */
	size_t *count;		/* points per cluster */
	double *delta;		/* how far each centre moved */
	double *drift;		/* how far each centre moved in all */
	double maxdrift;	/* the sum of the largest move of each step */
	double *half;		/* half the distance to the nearest other centre */
	uint32_t *a;		/* each point's cluster */
	double *upper;		/* a bound on the distance to its own centre */
	double *lower;		/* and on the distance to any other; see below */
};

static void
work_init(struct work *w, const struct kmeans_data *data, size_t k)
{
	w->x = data->x;
	w->n = data->n;
	w->d = data->d;
	w->k = k;
	w->centre = xcalloc(k * w->d, sizeof(double));
	w->old = xcalloc(k * w->d, sizeof(double));
	w->sum = xcalloc(k * w->d, sizeof(double));
	w->count = xcalloc(k, sizeof(size_t));
	w->delta = xcalloc(k, sizeof(double));
	w->drift = xcalloc(k, sizeof(double));
	w->half = xcalloc(k, sizeof(double));
	w->a = xcalloc(w->n, sizeof(uint32_t));
	w->upper = xcalloc(w->n, sizeof(double));
	w->lower = xcalloc(w->n, sizeof(double));
}

static void
work_release(struct work *w)
{
	free(w->centre);
	free(w->old);
	free(w->sum);
	free(w->count);
	free(w->delta);
	free(w->drift);
	free(w->half);
	free(w->a);
	free(w->upper);
	free(w->lower);
}

/*
 * Greedy k-means++. closest (the upper array, free at this point) holds
 * each point's squared distance to the nearest centre chosen so far.
 * Returns -1 when every point already sits on a centre before k are chosen,
 * which happens exactly when there are fewer than k distinct points.
 */
static int
seed_centres(struct work *w, struct rng *rng)
{
	enum { TRIALS_MAX = 8 };
	size_t n = w->n, d = w->d, k = w->k, i, c, t, ntrials, best;
	size_t idx[TRIALS_MAX];
	double r[TRIALS_MAX], pot[TRIALS_MAX], *closest = w->upper;
	double total = 0, cum, s, tmp;
	const double *x = w->x, *p;

	ntrials = 2 + (size_t)log((double)k);
	if (ntrials > TRIALS_MAX)
		ntrials = TRIALS_MAX;
	memcpy(w->centre, x + rng_below(rng, n) * d, d * sizeof(double));
	for (i = 0; i < n; i++) {
		closest[i] = dist2(x + i * d, w->centre, d);
		total += closest[i];
	}
	for (c = 1; c < k; c++) {
		if (!(total > 0))
			return -1;
		for (t = 0; t < ntrials; t++) {
			r[t] = rng_uniform(rng) * total;
			/* Keep r sorted for the single scan below. */
			for (i = t; i > 0 && r[i - 1] > r[i]; i--) {
				tmp = r[i];
				r[i] = r[i - 1];
				r[i - 1] = tmp;
			}
		}
		cum = 0;
		for (i = 0, t = 0; i < n && t < ntrials; i++) {
			cum += closest[i];
			while (t < ntrials && cum > r[t])
				idx[t++] = i;
		}
		/* Rounding may leave draws at the very top: take the last. */
		for (i = n; t < ntrials && i-- > 0;)
			if (closest[i] > 0)
				while (t < ntrials)
					idx[t++] = i;
		for (t = 0; t < ntrials; t++)
			pot[t] = 0;
		for (i = 0; i < n; i++)
			for (t = 0; t < ntrials; t++) {
				s = dist2(x + i * d, x + idx[t] * d, d);
				pot[t] += s < closest[i] ? s : closest[i];
			}
		best = 0;
		for (t = 1; t < ntrials; t++)
			if (pot[t] < pot[best])
				best = t;
		p = x + idx[best] * d;
		memcpy(w->centre + c * d, p, d * sizeof(double));
		total = 0;
		for (i = 0; i < n; i++) {
			s = dist2(x + i * d, p, d);
			if (s < closest[i])
				closest[i] = s;
			total += closest[i];
		}
	}
	return 0;
}

/*
 * Hamerly's bounds, kept lazily. A centre that moves by delta can bring a
 * point at most delta nearer or farther, so a point's distance to its own
 * centre stays below the distance when last measured plus the centre's
 * drift since then, and its distance to any other centre stays above the
 * distance then less the sum of the largest move of each step since.
 * Storing upper = distance - drift of its centre and lower = distance +
 * maxdrift, both as of then, turns the per-step update of every point's
 * bounds into two additions where they are tested, so the points whose
 * bounds hold are read, not written.
 */

/* Finds point i's nearest centre and stores both bounds exactly. */
static size_t
nearest_bounds(struct work *w, size_t i)
{
	double b1 = INFINITY, b2 = INFINITY, s;
	size_t j, at = 0;

	for (j = 0; j < w->k; j++) {
		s = dist2(w->x + i * w->d, w->centre + j * w->d, w->d);
		if (s < b1) {
			b2 = b1;
			b1 = s;
			at = j;
		} else if (s < b2)
			b2 = s;
	}
	w->upper[i] = sqrt(b1) - w->drift[at];
	w->lower[i] = sqrt(b2) + w->maxdrift;
	return at;
}

/* Sums the points of each cluster afresh. */
static void
sum_clusters(struct work *w)
{
	size_t i, j, d = w->d;
	const double *p;
	double *q;

	memset(w->sum, 0, w->k * d * sizeof(double));
	memset(w->count, 0, w->k * sizeof(size_t));
	for (i = 0; i < w->n; i++) {
		p = w->x + i * d;
		q = w->sum + w->a[i] * d;
		for (j = 0; j < d; j++)
			q[j] += p[j];
		w->count[w->a[i]]++;
	}
}

/* Moves point i from its cluster to cluster c, keeping the sums. */
static void
move_point(struct work *w, size_t i, size_t c)
{
	size_t j, d = w->d;
	const double *p = w->x + i * d;
	double *from = w->sum + w->a[i] * d, *to = w->sum + c * d;

	for (j = 0; j < d; j++) {
		from[j] -= p[j];
		to[j] += p[j];
	}
	w->count[w->a[i]]--;
	w->count[c]++;
	w->a[i] = (uint32_t)c;
}

/*
 * Gives an empty cluster j the point farthest from its centre, taken from a
 * cluster that has more than one (there is one while n >= k), as
 * scikit-learn does. The moved point's bounds are reset so that the next
 * assignment step looks at it again.
 */
static void
fill_empty(struct work *w, size_t j)
{
	size_t i, far = 0, d = w->d;
	double s, most = -1;

	for (i = 0; i < w->n; i++) {
		if (w->count[w->a[i]] < 2)
			continue;
		s = dist2(w->x + i * d, w->centre + w->a[i] * d, d);
		if (s > most) {
			most = s;
			far = i;
		}
	}
	move_point(w, far, j);
	w->upper[far] = -w->drift[j];
	w->lower[far] = w->maxdrift;
}

/*
 * Moves every centre to the mean of its points and bounds the moves. The
 * sums are kept up to date as points move (Hamerly's algorithm does the
 * same), so an iteration costs a pass over the points only where bounds
 * fail, not a pass over all the data.
 */
static void
update_centres(struct work *w)
{
	size_t j, c, d = w->d, k = w->k;
	double most = 0;

	for (c = 0; c < k; c++)
		if (w->count[c] == 0)
			fill_empty(w, c);
	memcpy(w->old, w->centre, k * d * sizeof(double));
	for (c = 0; c < k; c++) {
		for (j = 0; j < d; j++)
			w->centre[c * d + j] = w->sum[c * d + j] /
			    (double)w->count[c];
		w->delta[c] = sqrt(dist2(w->old + c * d, w->centre + c * d, d));
		w->drift[c] += w->delta[c];
		most = w->delta[c] > most ? w->delta[c] : most;
	}
	w->maxdrift += most;
}

/* One assignment step under Hamerly's bounds; returns the points moved. */
static size_t
assign_step(struct work *w)
{
	size_t i, j, c, moved = 0, d = w->d, k = w->k;
	double s, m, u;

	for (c = 0; c < k; c++) {
		w->half[c] = INFINITY;
		for (j = 0; j < k; j++)
			if (j != c) {
				s = sqrt(dist2(w->centre + c * d,
				    w->centre + j * d, d)) / 2;
				if (s < w->half[c])
					w->half[c] = s;
			}
	}
	for (i = 0; i < w->n; i++) {
		c = w->a[i];
		m = w->lower[i] - w->maxdrift;
		if (w->half[c] > m)
			m = w->half[c];
		if (w->upper[i] + w->drift[c] <= m)
			continue;
		u = sqrt(dist2(w->x + i * d, w->centre + c * d, d));
		if (u <= m) {
			w->upper[i] = u - w->drift[c];
			continue;
		}
		if ((j = nearest_bounds(w, i)) != c) {
			move_point(w, i, j);
			moved++;
		}
	}
	return moved;
}

/* Runs Lloyd's iterations to convergence; returns how many it took. */
static unsigned
lloyd(struct work *w)
{
	unsigned iter = 0;
	size_t i;

	memset(w->drift, 0, w->k * sizeof(double));
	w->maxdrift = 0;
	for (i = 0; i < w->n; i++)
		w->a[i] = (uint32_t)nearest_bounds(w, i);
	sum_clusters(w);
	do
		update_centres(w);
	while (++iter < KMEANS_MAX_ITER && assign_step(w) > 0);
	return iter;
}

/* Inertia of the nearest-centre assignment, and the cluster sizes. */
static double
inertia(const struct work *w, size_t *size)
{
	double total = 0, s, best;
	size_t i, j, at;

	memset(size, 0, w->k * sizeof(size_t));
	for (i = 0; i < w->n; i++) {
		best = INFINITY;
		at = 0;
		for (j = 0; j < w->k; j++) {
			s = dist2(w->x + i * w->d, w->centre + j * w->d, w->d);
			if (s < best) {
				best = s;
				at = j;
			}
		}
		size[at]++;
		total += best;
	}
	return total;
}

/* The restarts, shared by the threads that run them. */
struct restarts {
	const struct kmeans_data *data;
	size_t k;
	unsigned n, next;	/* restarts, and the next to run */
	pthread_mutex_t lock;
	uint64_t *seed;		/* per restart */
	double *centre;		/* per restart, k rows */
	size_t *size;		/* per restart, k counts */
	double *inertia;	/* per restart; NAN when seeding failed */
	unsigned *iterations;
};

/* Runs restarts, taking the next one not taken, until none are left. */
static void *
run_restarts(void *arg)
{
	struct restarts *rs = arg;
	struct work w;
	struct rng rng;
	size_t kd = rs->k * rs->data->d;
	unsigned r;

	work_init(&w, rs->data, rs->k);
	for (;;) {
		pthread_mutex_lock(&rs->lock);
		r = rs->next++;
		pthread_mutex_unlock(&rs->lock);
		if (r >= rs->n)
			break;
		rng_init(&rng, rs->seed[r]);
		rs->inertia[r] = NAN;
		if (seed_centres(&w, &rng) < 0)
			continue;
		rs->iterations[r] = lloyd(&w);
		rs->inertia[r] = inertia(&w, rs->size + r * rs->k);
		memcpy(rs->centre + r * kd, w.centre, kd * sizeof(double));
	}
	work_release(&w);
	return NULL;
}

int
kmeans_fit(const struct kmeans_data *data, size_t k, unsigned restarts,
    unsigned threads, struct rng *rng, struct kmeans_fit *fit)
{
	struct restarts rs;
	pthread_t *tid;
	size_t kd = k * data->d;
	unsigned r, t, started = 0;
	int rc = 0;

	memset(fit, 0, sizeof(*fit));
	if (k == 0 || data->n < k || restarts == 0)
		return -1;
	memset(&rs, 0, sizeof(rs));
	rs.data = data;
	rs.k = k;
	rs.n = restarts;
	pthread_mutex_init(&rs.lock, NULL);
	rs.seed = xcalloc(restarts, sizeof(uint64_t));
	rs.centre = xcalloc(restarts * kd, sizeof(double));
	rs.size = xcalloc(restarts * k, sizeof(size_t));
	rs.inertia = xcalloc(restarts, sizeof(double));
	rs.iterations = xcalloc(restarts, sizeof(unsigned));
	/* Seeds are drawn first, so no result depends on the threads. */
	for (r = 0; r < restarts; r++)
		rs.seed[r] = rng_next(rng);
	if (threads > restarts)
		threads = restarts;
	tid = xcalloc(threads, sizeof(pthread_t));
	for (t = 1; t < threads; t++)
		if (pthread_create(&tid[t], NULL, run_restarts, &rs) == 0)
			started++;
	run_restarts(&rs);
	for (t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
	fit->k = k;
	fit->d = data->d;
	fit->centre = xcalloc(kd, sizeof(double));
	fit->size = xcalloc(k, sizeof(size_t));
	fit->inertia = INFINITY;
	for (r = 0; r < restarts; r++) {
		/* Seeding fails for every restart alike: too few distinct. */
		if (isnan(rs.inertia[r]))
			rc = -1;
		else if (rs.inertia[r] < fit->inertia) {
			fit->inertia = rs.inertia[r];
			fit->iterations = rs.iterations[r];
			fit->restart = r;
			memcpy(fit->centre, rs.centre + r * kd,
			    kd * sizeof(double));
			memcpy(fit->size, rs.size + r * k, k * sizeof(size_t));
		}
	}
	pthread_mutex_destroy(&rs.lock);
	free(tid);
	free(rs.seed);
	free(rs.centre);
	free(rs.size);
	free(rs.inertia);
	free(rs.iterations);
	if (rc < 0)
		kmeans_fit_release(fit);
	return rc;
}

void
kmeans_fit_release(struct kmeans_fit *fit)
{
	free(fit->centre);
	free(fit->size);
	memset(fit, 0, sizeof(*fit));
}

/*
 * Mean silhouettes of several labellings of the same points at once, so
 * that each pairwise distance is computed once: acc holds, per labelling,
 * point and cluster, the sum of the point's distances to that cluster.
 */
static void
silhouettes(const struct kmeans_data *s, size_t nl, const size_t *ks,
    size_t **labels, size_t kmax, double *score)
{
	size_t i, j, l, c, n = s->n, *size, own;
	double *acc, dist, a, b, sum;

	acc = xcalloc(nl * n * kmax, sizeof(double));
	size = xcalloc(kmax, sizeof(size_t));
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			dist = sqrt(dist2(s->x + i * s->d, s->x + j * s->d,
			    s->d));
			for (l = 0; l < nl; l++) {
				acc[(l * n + i) * kmax + labels[l][j]] += dist;
				acc[(l * n + j) * kmax + labels[l][i]] += dist;
			}
		}
	for (l = 0; l < nl; l++) {
		memset(size, 0, kmax * sizeof(size_t));
		for (i = 0; i < n; i++)
			size[labels[l][i]]++;
		sum = 0;
		for (i = 0; i < n; i++) {
			own = labels[l][i];
			/* A point alone in its cluster scores 0 (Rousseeuw). */
			if (size[own] < 2)
				continue;
			a = acc[(l * n + i) * kmax + own] / (double)(size[own] - 1);
			b = INFINITY;
			for (c = 0; c < ks[l]; c++)
				if (c != own && size[c] > 0 &&
				    acc[(l * n + i) * kmax + c] / (double)size[c] < b)
					b = acc[(l * n + i) * kmax + c] /
					    (double)size[c];
			if (isfinite(b) && fmax(a, b) > 0)
				sum += (b - a) / fmax(a, b);
		}
		score[l] = sum / (double)n;
	}
	free(acc);
	free(size);
}

size_t
kmeans_choose_k(const struct kmeans_data *data, size_t kmin, size_t kmax,
    unsigned restarts, unsigned threads, size_t sample, struct rng *rng,
    double *score)
{
	struct kmeans_data s;
	struct kmeans_fit fit;
	size_t i, k, m, nl = 0, best = 0, *ks, **labels;
	double *got;

	/* Knuth's Algorithm S: each point taken with the right odds, in order. */
	m = data->n < sample ? data->n : sample;
	kmeans_data_init(&s, data->d);
	for (i = 0; i < data->n && s.n < m; i++)
		if (rng_uniform(rng) * (double)(data->n - i) <
		    (double)(m - s.n))
			kmeans_data_add(&s, data->x + i * data->d);
	ks = xcalloc(kmax - kmin + 1, sizeof(size_t));
	labels = xcalloc(kmax - kmin + 1, sizeof(size_t *));
	got = xcalloc(kmax - kmin + 1, sizeof(double));
	for (k = kmin; k <= kmax; k++) {
		score[k - kmin] = NAN;
		/* The silhouette needs 2 <= k <= points - 1. */
		if (k < 2 || k >= s.n || kmeans_fit(&s, k, restarts, threads,
		    rng, &fit) < 0)
			continue;
		labels[nl] = xcalloc(s.n, sizeof(size_t));
		for (i = 0; i < s.n; i++)
			labels[nl][i] = kmeans_nearest(fit.centre, k, s.d,
			    s.x + i * s.d, NULL);
		ks[nl++] = k;
		kmeans_fit_release(&fit);
	}
	if (nl > 0)
		silhouettes(&s, nl, ks, labels, kmax, got);
	for (i = 0; i < nl; i++) {
		score[ks[i] - kmin] = got[i];
		if (best == 0 || got[i] > score[best - kmin])
			best = ks[i];
		free(labels[i]);
	}
	free(ks);
	free(labels);
	free(got);
	kmeans_data_release(&s);
	return best;
}
