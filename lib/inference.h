/* SPDX-License-Identifier: MIT */
/*
 * Statistical inference for experiments on proportions: the normal and
 * chi-square distributions, tests comparing a treatment proportion with a
 * control proportion, confidence intervals for their difference and ratio,
 * sample-ratio checks, multiple-comparison corrections and power. Each
 * function follows a named reference (R's stats package where it has one),
 * and the tests check them against values computed by that reference.
 *
 * Comparisons always take the control's successes and size first (xc, nc),
 * then the treatment's (xt, nt), and measure treatment minus control.
 */
#ifndef CPO_INFERENCE_H
#define CPO_INFERENCE_H

#include <stddef.h>

/* The tests a comparison can use, and their names in documents. */
enum inference_test {
	TEST_Z_POOLED,		/* two-proportion z-test, pooled variance */
	TEST_Z_UNPOOLED,	/* the same with unpooled (Wald) variance */
	TEST_CHISQ_YATES,	/* Pearson chi-square with Yates's correction */
	TEST_FISHER,		/* Fisher's exact test, two-sided */
	TEST_N
};

/* "z_pooled", "z_unpooled", "chi_square_yates", "fisher_exact". */
extern const char *const inference_test_names[TEST_N];

/* Intervals for the difference of two proportions. */
enum inference_interval {
	INTERVAL_NEWCOMBE,	/* Newcombe's hybrid score interval */
	INTERVAL_WALD,		/* the normal approximation, unpooled */
	INTERVAL_N
};

/* "newcombe", "wald". */
extern const char *const inference_interval_names[INTERVAL_N];

/* Multiple-comparison corrections, as R's p.adjust names them. */
enum inference_correction {
	CORRECTION_HOLM,
	CORRECTION_BH,
	CORRECTION_BONFERRONI,
	CORRECTION_NONE,
	CORRECTION_N
};

/* "holm", "bh", "bonferroni", "none". */
extern const char *const inference_correction_names[CORRECTION_N];

/*
 * Returns the index of name in names (n entries), or -1: for parsing
 * --test, --interval and --correction.
 */
int inference_lookup(const char *const *names, int n, const char *name);

/* The standard normal distribution function P(Z <= x). */
double inference_norm_cdf(double x);

/* The upper tail P(Z > x), accurate far into the tail. */
double inference_norm_sf(double x);

/*
 * The standard normal quantile: x with P(Z <= x) = p, for 0 < p < 1
 * (Wichura's algorithm AS 241, about 16 digits). Returns -HUGE_VAL for 0,
 * HUGE_VAL for 1 and NaN outside [0, 1].
 */
double inference_norm_quantile(double p);

/*
 * The chi-square upper tail P(X > x) on df degrees of freedom (df > 0), the
 * regularized upper incomplete gamma function Q(df/2, x/2). Returns 1 for
 * x <= 0.
 */
double inference_chisq_sf(double x, double df);

/* The outcome of a test: its statistic and two-sided p-value. */
struct inference_result {
	double statistic;	/* z or X^2; NaN for Fisher's test */
	double p;		/* NaN when the test is undefined */
};

/*
 * Runs test on xc/nc against xt/nt. Returns 0, or -1 with p NaN when the
 * test is undefined: an empty group, or (for the z and chi-square tests) no
 * variance at all, every outcome the same in both groups.
 *
 * z_pooled: z = (pt - pc) / sqrt(p(1 - p)(1/nc + 1/nt)) with p the pooled
 * proportion. z_unpooled: the denominator sqrt(pc(1-pc)/nc + pt(1-pt)/nt).
 * chi_square_yates: R's prop.test(correct = TRUE), whose correction is
 * min(0.5, |pt - pc| / (1/nc + 1/nt)). fisher_exact: R's fisher.test, which
 * sums the probabilities of the tables no more likely than the one observed
 * (with a relative tolerance of 1e-7).
 */
int inference_test(enum inference_test test, unsigned long xc,
    unsigned long nc, unsigned long xt, unsigned long nt,
    struct inference_result *r);

/*
 * Tells whether the 2x2 table has an expected count below 5, the usual
 * condition under which the chi-square approximation is not trusted and
 * Fisher's exact test is used instead.
 */
int inference_small_expected(unsigned long xc, unsigned long nc,
    unsigned long xt, unsigned long nt);

/*
 * The Wilson score interval for x/n at quantile z (1.96 for 95%). Returns
 * 0, or -1 when n is 0.
 */
int inference_wilson(unsigned long x, unsigned long n, double z, double *lo,
    double *hi);

/*
 * An interval at level 1 - alpha for pt - pc. Newcombe's hybrid score
 * interval (Newcombe 1998, method 10: Wilson intervals for each proportion,
 * combined) or Wald's. Returns 0, or -1 when a group is empty.
 */
int inference_interval(enum inference_interval method, unsigned long xc,
    unsigned long nc, unsigned long xt, unsigned long nt, double alpha,
    double *lo, double *hi);

/*
 * The relative lift pt / pc - 1 with its delta-method standard error,
 * se = (pt / pc) sqrt(pt(1-pt)/(nt pt^2) + pc(1-pc)/(nc pc^2)), and the
 * interval lift -+ z(1 - alpha/2) se. Returns 0, or -1 when pc is 0 or a
 * group is empty (the relative lift is undefined).
 */
int inference_relative(unsigned long xc, unsigned long nc, unsigned long xt,
    unsigned long nt, double alpha, double *lift, double *se, double *lo,
    double *hi);

/*
 * Adjusts the n p-values in p for multiple comparisons into adj (which may
 * be p itself), as R's p.adjust does. NaN entries are left out of the
 * family and stay NaN.
 */
void inference_adjust(enum inference_correction method, const double *p,
    double *adj, size_t n);

/*
 * The sample-ratio check: Pearson's chi-square of the k observed counts
 * against the shares w (which sum to 1), on k - 1 degrees of freedom.
 * Returns the p-value and stores the statistic; NaN when k < 2 or the
 * counts sum to 0.
 */
double inference_srm(const unsigned long *obs, const double *w, size_t k,
    double *chisq);

/*
 * The customers needed in each of two equal groups to detect p1 against p2
 * with a two-sided test at alpha with the given power, as R's
 * power.prop.test computes it (strict = FALSE). Returns NaN when p1 == p2.
 */
double inference_sample_size(double p1, double p2, double alpha,
    double power);

/*
 * The minimum detectable effect: the smallest p2 > p1 that a two-sided test
 * at alpha detects with the given power when the control group has nc
 * customers at rate p1 and the treatment group nt, returned as p2 - p1. The
 * power is that of inference_sample_size with the pooled rate weighted by
 * the group sizes (the two agree when nc == nt). Returns NaN when even
 * p2 = 1 is not detected or a group is empty.
 */
double inference_mde(double p1, double nc, double nt, double alpha,
    double power);

#endif
