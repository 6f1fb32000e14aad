/* SPDX-License-Identifier: MIT */
/*
 * retrieve-bench: quality and speed of cpo-retrieve's search (lib/bm25 and
 * lib/rerank), for bench/run.
 *
 * "retrieve-bench cranfield DIR" evaluates on the Cranfield collection in
 * DIR (cran.all.1400, cran.qry, cranqrel). Documents are title (.T) and
 * text (.W), two fields of weight 1; a marker line (.I .T .A .B .W) switches
 * the field its following lines belong to. Queries are numbered 1..225 in
 * file order, as cranqrel numbers them (the .I ids of cran.qry are not
 * contiguous). The gain of a judged document is 2^g - 1 with g = 5 - code,
 * lines with code -1 are dropped, and every judged document is relevant
 * for MAP. nDCG@10 uses the exponential gain and log2(rank + 1) discount;
 * MAP is trec_eval's, over the first 1000 documents ranked. It prints
 * "ndcg@10 N map M" for the configuration chosen by the options.
 *
 * "retrieve-bench synth N" indexes N synthetic passages (a Zipf vocabulary
 * of pseudo-words; 8-word title, 5 keywords, 150-word text) and times the
 * index build and 1,000 queries of 3 to 6 words, with and without the
 * reranker over the best 50, printing the median and 99th percentile.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"
#include "bm25.h"
#include "buf.h"
#include "cli.h"
#include "diag.h"
#include "numparse.h"
#include "rerank.h"
#include "rng.h"
#include "status.h"
#include "xalloc.h"

#define PROG "retrieve-bench"
#define CRAN_QUERIES 225
#define MAP_DEPTH 1000
#define SYNTH_VOCAB 50000
#define SYNTH_QUERIES 1000
#define RERANK_DEPTH 50

static const char synopsis[] = PROG " [--plain] [--no-rerank] [--k1 X] "
    "[--b X] [--seed N] cranfield DIR | synth N";

static const char help[] =
    "Evaluate or time the search of cpo-retrieve.\n"
    "\n"
    "  -p, --plain        no stop words or stemming\n"
    "  -R, --no-rerank    BM25 only\n"
    "  -k, --k1 X         BM25 k1 (default 1.2)\n"
    "  -b, --b X          BM25 b (default 0.75)\n"
    "  -s, --seed N       seed for synth (default 42)\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n";

struct options {
	int plain;
	int no_rerank;
	double k1, b;
	uint64_t seed;
};

static struct diag diag;

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time, which a busy machine does not inflate as it does wall time. */
static double
cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static int
slurp(const char *dir, const char *name, struct buf *b)
{
	char path[4096];
	char chunk[65536];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		diag_in(&diag, path, "%s", strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	return 0;
}

/* The texts of a Cranfield file: per record, the lines of the fields kept. */
struct records {
	struct buf *field[2];	/* .T (or query .W) and .W */
	size_t n, cap;
};

/*
 * Splits a Cranfield file into records at ".I" lines; lines after a ".T"
 * marker go to field 0, after ".W" to field want_w, after ".A" or ".B"
 * nowhere.
 */
static void
split_records(const char *text, size_t len, struct records *r, int want_w)
{
	const char *p = text, *end = text + len, *nl;
	size_t ll;
	int field = -1;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (ll >= 2 && p[0] == '.' && strchr("ITABW", p[1]) != NULL &&
		    (ll == 2 || p[2] == ' ')) {
			if (p[1] == 'I') {
				if (r->n == r->cap) {
					r->cap = r->cap ? r->cap * 2 : 256;
					r->field[0] = xreallocarray(r->field[0],
					    r->cap, sizeof(struct buf));
					r->field[1] = xreallocarray(r->field[1],
					    r->cap, sizeof(struct buf));
				}
				buf_init(&r->field[0][r->n]);
				buf_init(&r->field[1][r->n]);
				r->n++;
				field = -1;
			} else
				field = p[1] == 'T' ? 0 :
				    p[1] == 'W' ? want_w : -1;
		} else if (r->n > 0 && field >= 0) {
			buf_add(&r->field[field][r->n - 1], p, ll);
			buf_putc(&r->field[field][r->n - 1], '\n');
		}
		p = nl != NULL ? nl + 1 : end;
	}
}

static void
records_release(struct records *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		buf_release(&r->field[0][i]);
		buf_release(&r->field[1][i]);
	}
	free(r->field[0]);
	free(r->field[1]);
}

/*
 * Ranks the documents for q: BM25, then (unless no_rerank) the reranker
 * over the best RERANK_DEPTH. Returns the number ranked, at most max.
 */
static size_t
rank(struct bm25 *ix, const struct bm25_query *q, int no_rerank,
    struct bm25_hit *hits, struct rerank_hit *rh, size_t max)
{
	struct rerank_params rp;
	size_t n, i, nmatch, depth;

	n = bm25_search(ix, q, NULL, 0, hits, max, &nmatch);
	if (no_rerank)
		return n;
	rerank_defaults(&rp);
	depth = n < RERANK_DEPTH ? n : RERANK_DEPTH;
	for (i = 0; i < depth; i++) {
		rh[i].doc = hits[i].doc;
		rh[i].bm25 = hits[i].score;
	}
	rerank_hits(&rp, ix, q, rh, depth);
	for (i = 0; i < depth; i++) {
		hits[i].doc = rh[i].doc;
		hits[i].score = rh[i].score;
	}
	return n;
}

static int
by_gain(const void *x, const void *y)
{
	return *(const int *)y - *(const int *)x;
}

static int
cranfield(const struct options *opt, const char *dir)
{
	struct buf all, qry, rel;
	struct records docs = { { NULL, NULL }, 0, 0 };
	struct records qs = { { NULL, NULL }, 0, 0 };
	struct analyzer an;
	struct bm25 *ix;
	struct bm25_query q;
	struct bm25_hit *hits;
	struct rerank_hit *rh;
	static const double weights[2] = { 1, 1 };
	const char *text[2];
	size_t len[2], i, k, n, ndocs;
	int *gain, *ideal, qi, di, code, nrel, found;
	double dcg, idcg, ap, sum_ndcg = 0, sum_ap = 0;
	const char *p;
	char *endp;

	buf_init(&all);
	buf_init(&qry);
	buf_init(&rel);
	if (slurp(dir, "cran.all.1400", &all) < 0 ||
	    slurp(dir, "cran.qry", &qry) < 0 ||
	    slurp(dir, "cranqrel", &rel) < 0)
		return CPO_EXIT_IO;
	split_records(all.data, all.len, &docs, 1);
	split_records(qry.data, qry.len, &qs, 0);
	if (qs.n != CRAN_QUERIES) {
		diag_msg(&diag, "cran.qry: expected %d queries, got %zu",
		    CRAN_QUERIES, qs.n);
		return CPO_EXIT_USAGE;
	}
	ndocs = docs.n;
	gain = xcalloc((CRAN_QUERIES + 1) * (ndocs + 1), sizeof(*gain));
	for (p = rel.data; p != NULL && *p != '\0';) {
		qi = (int)strtol(p, &endp, 10);
		di = (int)strtol(endp, &endp, 10);
		code = (int)strtol(endp, &endp, 10);
		if (endp == p)
			break;
		if (qi >= 1 && qi <= CRAN_QUERIES && di >= 1 &&
		    (size_t)di <= ndocs && code >= 1 && code <= 4)
			gain[qi * (ndocs + 1) + di] = 5 - code;
		p = strchr(endp, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	if (opt->plain)
		analyze_init_plain(&an);
	else
		analyze_init_english(&an);
	ix = bm25_new(&an, 2, weights);
	for (i = 0; i < ndocs; i++) {
		text[0] = docs.field[0][i].data;
		len[0] = docs.field[0][i].len;
		text[1] = docs.field[1][i].data;
		len[1] = docs.field[1][i].len;
		bm25_add(ix, text, len);
	}
	bm25_finish(ix, opt->k1, opt->b);
	hits = xcalloc(ndocs, sizeof(*hits));
	rh = xcalloc(RERANK_DEPTH, sizeof(*rh));
	ideal = xcalloc(ndocs + 1, sizeof(*ideal));
	bm25_query_init(&q);
	for (qi = 1; qi <= CRAN_QUERIES; qi++) {
		bm25_query_parse(ix, &q, qs.field[0][qi - 1].data,
		    qs.field[0][qi - 1].len);
		n = rank(ix, &q, opt->no_rerank, hits, rh, MAP_DEPTH);
		nrel = 0;
		for (i = 1; i <= ndocs; i++)
			if (gain[qi * (ndocs + 1) + i] > 0)
				ideal[nrel++] = gain[qi * (ndocs + 1) + i];
		qsort(ideal, (size_t)nrel, sizeof(*ideal), by_gain);
		dcg = idcg = ap = 0;
		found = 0;
		for (k = 0; k < 10 && k < (size_t)nrel; k++)
			idcg += (pow(2, ideal[k]) - 1) / log2(k + 2.0);
		for (k = 0; k < n; k++) {
			int g = gain[qi * (ndocs + 1) + hits[k].doc + 1];

			if (g == 0)
				continue;
			if (k < 10)
				dcg += (pow(2, g) - 1) / log2(k + 2.0);
			ap += (double)++found / (k + 1);
		}
		sum_ndcg += idcg > 0 ? dcg / idcg : 0;
		sum_ap += nrel > 0 ? ap / nrel : 0;
	}
	printf("ndcg@10 %.4f map %.4f\n", sum_ndcg / CRAN_QUERIES,
	    sum_ap / CRAN_QUERIES);
	bm25_query_release(&q);
	bm25_free(ix);
	free(hits);
	free(rh);
	free(ideal);
	free(gain);
	records_release(&docs);
	records_release(&qs);
	buf_release(&all);
	buf_release(&qry);
	buf_release(&rel);
	return CPO_EXIT_OK;
}

/*
 * A pseudo-word for vocabulary rank r: syllables from r's digits in base
 * 20, so every rank has its own word and words look alike in length.
 */
static void
word(struct buf *b, uint32_t r)
{
	static const char *const syl[20] = {
		"ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "pi", "da",
		"go", "be", "fu", "ha", "ji", "ko", "ly", "ma", "no", "ze"
	};

	do {
		buf_puts(b, syl[r % 20]);
		r /= 20;
	} while (r > 0);
}

/* Draws a vocabulary rank from Zipf's law (s = 1) by inverting its CDF. */
static uint32_t
zipf(struct rng *g, const double *cdf)
{
	double u = rng_uniform(g);
	uint32_t lo = 0, hi = SYNTH_VOCAB - 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
words(struct buf *b, struct rng *g, const double *cdf, int n)
{
	int i;

	buf_reset(b);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ' ');
		word(b, zipf(g, cdf));
	}
}

static int
by_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static int
synth(const struct options *opt, long long ndocs)
{
	static const double weights[3] = { 2, 2, 1 };
	struct buf field[3], qtext;
	const char *text[3];
	size_t len[3], f, nmatch;
	struct analyzer an;
	struct bm25 *ix;
	struct bm25_query q;
	struct bm25_hit *hits;
	struct rerank_hit *rh;
	struct rng g;
	double *cdf, total = 0, t0, c0, build, build_cpu;
	double lat[2][SYNTH_QUERIES];
	long long i;
	int k, mode;

	cdf = xcalloc(SYNTH_VOCAB, sizeof(*cdf));
	for (k = 0; k < SYNTH_VOCAB; k++)
		total += 1.0 / (k + 1);
	for (k = 0; k < SYNTH_VOCAB; k++)
		cdf[k] = (k > 0 ? cdf[k - 1] : 0) + 1.0 / (k + 1) / total;
	rng_init(&g, opt->seed);
	analyze_init_english(&an);
	ix = bm25_new(&an, 3, weights);
	for (f = 0; f < 3; f++)
		buf_init(&field[f]);
	buf_init(&qtext);
	/* Generating text is not indexing: time only bm25_add and finish. */
	build = build_cpu = 0;
	for (i = 0; i < ndocs; i++) {
		words(&field[0], &g, cdf, 8);
		words(&field[1], &g, cdf, 5);
		words(&field[2], &g, cdf, 150);
		for (f = 0; f < 3; f++) {
			text[f] = field[f].data;
			len[f] = field[f].len;
		}
		t0 = now();
		c0 = cpu();
		bm25_add(ix, text, len);
		build += now() - t0;
		build_cpu += cpu() - c0;
	}
	t0 = now();
	c0 = cpu();
	bm25_finish(ix, opt->k1, opt->b);
	build += now() - t0;
	build_cpu += cpu() - c0;
	printf("synth %lld passages, %zu terms: index built in %.2f s "
	    "(%.2f s CPU)\n", ndocs, bm25_nterms(ix), build, build_cpu);
	hits = xcalloc(RERANK_DEPTH, sizeof(*hits));
	rh = xcalloc(RERANK_DEPTH, sizeof(*rh));
	bm25_query_init(&q);
	for (mode = 0; mode < 2; mode++) {
		rng_init(&g, opt->seed + 1);
		for (k = 0; k < SYNTH_QUERIES; k++) {
			words(&qtext, &g, cdf, 3 + (int)rng_below(&g, 4));
			t0 = now();
			bm25_query_parse(ix, &q, qtext.data, qtext.len);
			if (mode == 0)
				bm25_search(ix, &q, NULL, 0, hits,
				    RERANK_DEPTH, &nmatch);
			else
				rank(ix, &q, 0, hits, rh, RERANK_DEPTH);
			lat[mode][k] = now() - t0;
		}
		qsort(lat[mode], SYNTH_QUERIES, sizeof(double), by_double);
		printf("  %-28s median %.3f ms, p99 %.3f ms\n",
		    mode == 0 ? "query, BM25 top 50:" :
		    "query, BM25 + rerank top 50:",
		    lat[mode][SYNTH_QUERIES / 2] * 1e3,
		    lat[mode][SYNTH_QUERIES * 99 / 100] * 1e3);
	}
	bm25_query_release(&q);
	bm25_free(ix);
	free(hits);
	free(rh);
	free(cdf);
	for (f = 0; f < 3; f++)
		buf_release(&field[f]);
	buf_release(&qtext);
	return CPO_EXIT_OK;
}

static int
parse_double(const char *name, const char *s, double min, double max,
    double *out)
{
	if (num_parse_double(s, strlen(s), out) != NUM_OK || *out < min ||
	    *out > max) {
		diag_in(&diag, name, "expected a number from %g to %g, "
		    "got '%s'", min, max, s);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plain", no_argument, NULL, 'p' },
		{ "no-rerank", no_argument, NULL, 'R' },
		{ "k1", required_argument, NULL, 'k' },
		{ "b", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct options opt = { 0, 0, 1.2, 0.75, 42 };
	const char *errstr;
	long long n;
	int c;

	diag_init(&diag, PROG, stderr);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":pRk:b:s:hV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'p':
			opt.plain = 1;
			break;
		case 'R':
			opt.no_rerank = 1;
			break;
		case 'k':
			if (parse_double("--k1", optarg, 0.001, 100,
			    &opt.k1) < 0)
				return CPO_EXIT_USAGE;
			break;
		case 'b':
			if (parse_double("--b", optarg, 0, 1, &opt.b) < 0)
				return CPO_EXIT_USAGE;
			break;
		case 's':
			opt.seed = (uint64_t)cpo_strtonum(optarg, 0, LLONG_MAX,
			    &errstr);
			if (errstr != NULL) {
				diag_in(&diag, "--seed", "expected a "
				    "non-negative integer, got '%s'", optarg);
				return CPO_EXIT_USAGE;
			}
			break;
		case 'h':
			printf("usage: %s\n\n%s", synopsis, help);
			return CPO_EXIT_OK;
		case 'V':
			cli_version(stdout, PROG);
			return CPO_EXIT_OK;
		default:
			cli_bad_option(&diag, c, argv, optind, optopt,
			    synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	if (argc - optind == 2 && strcmp(argv[optind], "cranfield") == 0)
		return cranfield(&opt, argv[optind + 1]);
	if (argc - optind == 2 && strcmp(argv[optind], "synth") == 0) {
		n = cpo_strtonum(argv[optind + 1], 1, 100000000, &errstr);
		if (errstr == NULL)
			return synth(&opt, n);
		diag_msg(&diag, "synth: expected a count from 1 to 100000000, "
		    "got '%s'", argv[optind + 1]);
		return CPO_EXIT_USAGE;
	}
	cli_usage(&diag, synopsis);
	return CPO_EXIT_USAGE;
}
