/* SPDX-License-Identifier: MIT */
/*
 * Inference on proportions. The formulas follow R's stats package (prop.test,
 * fisher.test, p.adjust, power.prop.test) so that every number can be
 * checked there; the special functions are the classic ones: erfc from the C
 * library for the normal tails, Wichura's AS 241 for the normal quantile,
 * and the series and continued fraction of Numerical Recipes (2nd ed.,
 * section 6.2) for the incomplete gamma function behind chi-square tails.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "inference.h"
#include "xalloc.h"

const char *const inference_test_names[TEST_N] = {
	"z_pooled", "z_unpooled", "chi_square_yates", "fisher_exact"
};

const char *const inference_interval_names[INTERVAL_N] = {
	"newcombe", "wald"
};

const char *const inference_correction_names[CORRECTION_N] = {
	"holm", "bh", "bonferroni", "none"
};

int
inference_lookup(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

double
inference_norm_cdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

double
inference_norm_sf(double x)
{
	return 0.5 * erfc(x / M_SQRT2);
}

/* Evaluates the polynomial c[0] + c[1] x + ... + c[7] x^7. */
static double
poly7(const double *c, double x)
{
	double v = c[7];
	int i;

	for (i = 6; i >= 0; i--)
		v = v * x + c[i];
	return v;
}

/*
 * Wichura, M. J. (1988), "Algorithm AS 241: The percentage points of the
 * normal distribution", Applied Statistics 37(3), 477-484: PPND16, with its
 * coefficients in increasing powers.
 */
double
inference_norm_quantile(double p)
{
	static const double a[8] = {
		3.3871328727963666080e0, 1.3314166789178437745e2,
		1.9715909503065514427e3, 1.3731693765509461125e4,
		4.5921953931549871457e4, 6.7265770927008700853e4,
		3.3430575583588128105e4, 2.5090809287301226727e3
	};
	static const double b[8] = {
		1.0, 4.2313330701600911252e1,
		6.8718700749205790830e2, 5.3941960214247511077e3,
		2.1213794301586595867e4, 3.9307895800092710610e4,
		2.8729085735721942674e4, 5.2264952788528545610e3
	};
	static const double c[8] = {
		1.42343711074968357734e0, 4.63033784615654529590e0,
		5.76949722146069140550e0, 3.64784832476320460504e0,
		1.27045825245236838258e0, 2.41780725177450611770e-1,
		2.27238449892691845833e-2, 7.74545014278341407640e-4
	};
	static const double d[8] = {
		1.0, 2.05319162663775882187e0,
		1.67638483018380384940e0, 6.89767334985100004550e-1,
		1.48103976427480074590e-1, 1.51986665636164571966e-2,
		5.47593808499534494600e-4, 1.05075007164441684324e-9
	};
	static const double e[8] = {
		6.65790464350110377720e0, 5.46378491116411436990e0,
		1.78482653991729133580e0, 2.96560571828504891230e-1,
		2.65321895265761230930e-2, 1.24266094738807843860e-3,
		2.71155556874348757815e-5, 2.01033439929228813265e-7
	};
	static const double f[8] = {
		1.0, 5.99832206555887937690e-1,
		1.36929880922735805310e-1, 1.48753612908506148525e-2,
		7.86869131145613259100e-4, 1.84631831751005468180e-5,
		1.42151175831644588870e-7, 2.04426310338993978564e-15
	};
	double q = p - 0.5, r, x;

	if (isnan(p) || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -HUGE_VAL;
	if (p == 1)
		return HUGE_VAL;
	if (fabs(q) <= 0.425) {
		r = 0.180625 - q * q;
		return q * poly7(a, r) / poly7(b, r);
	}
	r = sqrt(-log(q < 0 ? p : 1 - p));
	if (r <= 5)
		x = poly7(c, r - 1.6) / poly7(d, r - 1.6);
	else
		x = poly7(e, r - 5) / poly7(f, r - 5);
	return q < 0 ? -x : x;
}

/* Regularized lower incomplete gamma P(a, x) by its series, x < a + 1. */
static double
gamma_series(double a, double x)
{
	double ap = a, sum = 1 / a, del = sum;
	int n;

	for (n = 0; n < 10000; n++) {
		ap += 1;
		del *= x / ap;
		sum += del;
		if (fabs(del) < fabs(sum) * 1e-16)
			break;
	}
	return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Regularized upper incomplete gamma Q(a, x) by Lentz's continued fraction. */
static double
gamma_fraction(double a, double x)
{
	const double tiny = 1e-300;
	double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d, an, del;
	int i;

	for (i = 1; i < 10000; i++) {
		an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return exp(-x + a * log(x) - lgamma(a)) * h;
}

double
inference_chisq_sf(double x, double df)
{
	double a = df / 2, h = x / 2;

	if (isnan(x) || !(df > 0))
		return NAN;
	if (x <= 0)
		return 1;
	/* One degree of freedom is a squared normal: use erfc directly. */
	if (df == 1)
		return erfc(sqrt(h));
	if (h < a + 1)
		return 1 - gamma_series(a, h);
	return gamma_fraction(a, h);
}

static double
lchoose(double n, double k)
{
	return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/*
 * R's fisher.test for a 2x2 table, two-sided: the probability, under the
 * hypergeometric distribution of the treatment's successes given the
 * margins, of the tables whose probability is at most the observed one's
 * times 1 + 1e-7.
 */
static double
fisher(unsigned long xc, unsigned long nc, unsigned long xt,
    unsigned long nt)
{
	unsigned long m = xc + xt, lo, hi, k;
	double base, obs, sum = 0, tail = 0, d;

	lo = m > nc ? m - nc : 0;
	hi = m < nt ? m : nt;
	base = lchoose((double)(nc + nt), (double)m);
	obs = lchoose((double)nt, (double)xt) +
	    lchoose((double)nc, (double)(m - xt)) - base;
	for (k = lo; k <= hi; k++) {
		d = lchoose((double)nt, (double)k) +
		    lchoose((double)nc, (double)(m - k)) - base;
		sum += exp(d - obs);
		if (d <= obs + log1p(1e-7))
			tail += exp(d - obs);
	}
	d = tail / sum;
	return d > 1 ? 1 : d;
}

int
inference_test(enum inference_test test, unsigned long xc,
    unsigned long nc, unsigned long xt, unsigned long nt,
    struct inference_result *r)
{
	double pc, pt, p, se, yates, e, o, x2;
	double n[2], x[2];
	int i;

	r->statistic = NAN;
	r->p = NAN;
	if (nc == 0 || nt == 0)
		return -1;
	pc = (double)xc / nc;
	pt = (double)xt / nt;
	p = (double)(xc + xt) / (nc + nt);
	switch (test) {
	case TEST_Z_POOLED:
		se = sqrt(p * (1 - p) * (1.0 / nc + 1.0 / nt));
		break;
	case TEST_Z_UNPOOLED:
		se = sqrt(pc * (1 - pc) / nc + pt * (1 - pt) / nt);
		break;
	case TEST_CHISQ_YATES:
		if (p == 0 || p == 1)
			return -1;
		yates = fmin(0.5, fabs(pt - pc) / (1.0 / nc + 1.0 / nt));
		n[0] = nc;
		n[1] = nt;
		x[0] = xc;
		x[1] = xt;
		x2 = 0;
		for (i = 0; i < 2; i++) {
			e = n[i] * p;
			o = fabs(x[i] - e) - yates;
			x2 += o * o / e;
			e = n[i] * (1 - p);
			o = fabs(n[i] - x[i] - e) - yates;
			x2 += o * o / e;
		}
		r->statistic = x2;
		r->p = inference_chisq_sf(x2, 1);
		return 0;
	default:
		r->p = fisher(xc, nc, xt, nt);
		return 0;
	}
	if (!(se > 0))
		return -1;
	r->statistic = (pt - pc) / se;
	r->p = 2 * inference_norm_sf(fabs(r->statistic));
	return 0;
}

int
inference_small_expected(unsigned long xc, unsigned long nc,
    unsigned long xt, unsigned long nt)
{
	double p, total = (double)nc + nt;

	if (nc == 0 || nt == 0)
		return 1;
	p = (xc + xt) / total;
	return fmin(p, 1 - p) * fmin(nc, nt) < 5;
}

int
inference_wilson(unsigned long x, unsigned long n, double z, double *lo,
    double *hi)
{
	double p, z2 = z * z, mid, half;

	if (n == 0)
		return -1;
	p = (double)x / n;
	mid = (x + z2 / 2) / (n + z2);
	half = z * sqrt(n * p * (1 - p) + z2 / 4) / (n + z2);
	*lo = fmax(0, mid - half);
	*hi = fmin(1, mid + half);
	/* The bounds are exact at the extremes; keep rounding out of them. */
	if (x == 0)
		*lo = 0;
	if (x == n)
		*hi = 1;
	return 0;
}

int
inference_interval(enum inference_interval method, unsigned long xc,
    unsigned long nc, unsigned long xt, unsigned long nt, double alpha,
    double *lo, double *hi)
{
	double z = inference_norm_quantile(1 - alpha / 2), pc, pt, d, se;
	double lc, uc, lt, ut;

	if (nc == 0 || nt == 0)
		return -1;
	pc = (double)xc / nc;
	pt = (double)xt / nt;
	d = pt - pc;
	if (method == INTERVAL_WALD) {
		se = sqrt(pc * (1 - pc) / nc + pt * (1 - pt) / nt);
		*lo = d - z * se;
		*hi = d + z * se;
		return 0;
	}
	inference_wilson(xc, nc, z, &lc, &uc);
	inference_wilson(xt, nt, z, &lt, &ut);
	*lo = d - sqrt((pt - lt) * (pt - lt) + (uc - pc) * (uc - pc));
	*hi = d + sqrt((ut - pt) * (ut - pt) + (pc - lc) * (pc - lc));
	return 0;
}

int
inference_relative(unsigned long xc, unsigned long nc, unsigned long xt,
    unsigned long nt, double alpha, double *lift, double *se, double *lo,
    double *hi)
{
	double z = inference_norm_quantile(1 - alpha / 2), pc, pt, ratio;

	if (nc == 0 || nt == 0 || xc == 0)
		return -1;
	pc = (double)xc / nc;
	pt = (double)xt / nt;
	ratio = pt / pc;
	*lift = ratio - 1;
	/* The same as ratio sqrt(var pt / pt^2 + var pc / pc^2), finite at 0. */
	*se = sqrt(pt * (1 - pt) / nt + ratio * ratio * pc * (1 - pc) / nc) /
	    pc;
	*lo = *lift - z * *se;
	*hi = *lift + z * *se;
	return 0;
}

/* Sorting indexes by p-value; ties keep their order, as R's order() does. */
struct ranked {
	double p;
	size_t i;
};

static int
by_p(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void
inference_adjust(enum inference_correction method, const double *p,
    double *adj, size_t n)
{
	struct ranked *r = xcalloc(n > 0 ? n : 1, sizeof(*r));
	size_t m = 0, j;
	double v, run;

	for (j = 0; j < n; j++)
		if (!isnan(p[j])) {
			r[m].p = p[j];
			r[m++].i = j;
		}
	qsort(r, m, sizeof(*r), by_p);
	switch (method) {
	case CORRECTION_HOLM:
		/* cummax((m - i + 1) p(i)) over increasing p, capped at 1. */
		run = 0;
		for (j = 0; j < m; j++) {
			v = fmin(1, (double)(m - j) * r[j].p);
			run = fmax(run, v);
			adj[r[j].i] = run;
		}
		break;
	case CORRECTION_BH:
		/* cummin(m / i p(i)) over decreasing p, capped at 1. */
		run = 1;
		for (j = m; j-- > 0;) {
			v = (double)m / (double)(j + 1) * r[j].p;
			run = fmin(run, v);
			adj[r[j].i] = run;
		}
		break;
	case CORRECTION_BONFERRONI:
		for (j = 0; j < m; j++)
			adj[r[j].i] = fmin(1, (double)m * r[j].p);
		break;
	default:
		for (j = 0; j < m; j++)
			adj[r[j].i] = r[j].p;
	}
	for (j = 0; j < n; j++)
		if (isnan(p[j]))
			adj[j] = NAN;
	free(r);
}

double
inference_srm(const unsigned long *obs, const double *w, size_t k,
    double *chisq)
{
	double total = 0, e, x2 = 0;
	size_t i;

	*chisq = NAN;
	for (i = 0; i < k; i++)
		total += (double)obs[i];
	if (k < 2 || total == 0)
		return NAN;
	for (i = 0; i < k; i++) {
		e = total * w[i];
		x2 += ((double)obs[i] - e) * ((double)obs[i] - e) / e;
	}
	*chisq = x2;
	return inference_chisq_sf(x2, (double)(k - 1));
}

double
inference_sample_size(double p1, double p2, double alpha, double power)
{
	double qa = inference_norm_quantile(1 - alpha / 2);
	double qb = inference_norm_quantile(power), v;

	if (p1 == p2)
		return NAN;
	v = (qa * sqrt((p1 + p2) * (2 - p1 - p2) / 2) +
	    qb * sqrt(p1 * (1 - p1) + p2 * (1 - p2))) / fabs(p1 - p2);
	return v * v;
}

/* The power of the two-sided test of p1 (nc customers) against p2 (nt). */
static double
power_of(double p1, double p2, double nc, double nt, double qa)
{
	double pbar = (nc * p1 + nt * p2) / (nc + nt);
	double null_se = sqrt(pbar * (1 - pbar) * (1 / nc + 1 / nt));
	double alt_se = sqrt(p1 * (1 - p1) / nc + p2 * (1 - p2) / nt);

	if (!(alt_se > 0))
		return p1 == p2 ? 0 : 1;
	return inference_norm_cdf((fabs(p2 - p1) - qa * null_se) / alt_se);
}

double
inference_mde(double p1, double nc, double nt, double alpha, double power)
{
	double qa = inference_norm_quantile(1 - alpha / 2), lo = p1, hi = 1;
	double mid;
	int i;

	if (!(nc > 0) || !(nt > 0) || power_of(p1, 1, nc, nt, qa) < power)
		return NAN;
	/* The power grows with p2 above p1; bisect to double precision. */
	for (i = 0; i < 200 && hi - lo > 1e-15; i++) {
		mid = (lo + hi) / 2;
		if (power_of(p1, mid, nc, nt, qa) < power)
			lo = mid;
		else
			hi = mid;
	}
	return hi - p1;
}
