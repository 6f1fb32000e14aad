/* SPDX-License-Identifier: MIT */
/*
 * gen-customers: writes a synthetic customer list as CSV, for the bundled
 * sample, the benchmarks and the reliability tests. The same seed and count
 * give the same bytes on every platform, and the first N rows of a longer
 * run are the N rows of a shorter one.
 *
 * The model. Every customer is drawn on its own, in this order:
 *
 * - tier: Bronze 48%, Silver 34%, Gold 18%.
 * - lifecycle, given the tier (Gold, Silver, Bronze): new, joined within
 *   the year (3%, 8%, 22%); loyal, a loyalty-club regular who buys small
 *   baskets often and reads the mail (10%, 16%, 5%); lapsing, has bought
 *   but not engaged for over a month (12%, 18%, 16%); or active, the rest.
 * - a latent affinity z ~ N(0, 1) that the customer's frequency, opens,
 *   clicks and recency all share, which is what correlates them.
 * - age: N(47, 12) for Gold, N(41, 12) Silver, N(36, 12) Bronze, 4 years
 *   younger for new customers, redrawn until it rounds into 18..80.
 * - purchase_frequency (a year): new customers 0, 1 or 2 (15/45/40%);
 *   others lognormal around the tier's median (Gold 15, Silver 8, Bronze
 *   4), the median times exp(0.42 (0.6 z + 0.8 N(0, 1))), doubled for
 *   loyal customers, at least 1. Lapsing customers keep the frequency they had.
 *   Below, relfreq = (frequency + 1) / (tier median + 1).
 * - avg_order_value: lognormal around the tier's median (Gold 290, Silver
 *   150, Bronze 75 USD) with log-sd 0.28, times 1 + 0.004 (age - 40) and
 *   relfreq^-0.4: older customers spend a little more, and customers who
 *   buy often buy smaller baskets. In cents, at least 5.00.
 * - historical_open_rate: logistic in logit(tier rate: Gold 0.50, Silver
 *   0.38, Bronze 0.22) + 0.75 z + 0.9 log(relfreq) + N(0, 0.25), with +0.8
 *   for loyal customers, +0.3 for new ones (the first months' curiosity)
 *   and -0.9 for lapsing ones; kept within 0.01..0.95.
 * - historical_click_rate: the open rate times a click-to-open ratio,
 *   logistic in logit(Gold 0.34, Silver 0.27, Bronze 0.21) + 0.35 z +
 *   N(0, 0.2), kept at least 0.01 below the open rate.
 * - last_engagement_days: exponential, with mean 12 exp(-0.5 z)
 *   relfreq^-0.4 days when active (half that when loyal), 12 when new, and
 *   31 + exponential(75) when lapsing; at most 730.
 * - location: one of the 30 largest US cities, weighted by population, so
 *   New York draws about 1 in 5 and "Washington, D.C." tests quoted fields.
 *
 * With the reference's segment rules (first match wins) a large sample
 * splits about High-Value Recent 17%, At-Risk 10%, New Customer 16%, Loyal
 * Frequent 7%, Standard 50%: Gold customers are mostly High-Value Recent,
 * lapsing regulars At-Risk, new ones New Customer, loyal Silver customers
 * Loyal Frequent. The latent affinity and the noise blur the boundaries,
 * as in real data, so each segment has customers of every tier.
 *
 * The arithmetic is IEEE double with correctly rounded operations apart
 * from exp, log and pow, which the static musl binary computes with musl's
 * own C code, so the output does not depend on the machine. Values are
 * rounded to integers (cents, hundredths) before they are printed.
 *
 * --bad-fraction F replaces each row with probability F by a malformed one
 * (bad types, out-of-range values, a duplicate id, an unknown tier, a ragged
 * row, broken quoting, invalid UTF-8, an empty id), drawn from a second
 * generator so that the good rows stay the same whatever F is. Every
 * malformed row is one that cpo-validate rejects.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "diag.h"
#include "numparse.h"
#include "rng.h"
#include "status.h"

#define PROG "gen-customers"
#define COUNT_MAX 1000000000LL
#define FLUSH_AT 65536

static const char synopsis[] = PROG " [--seed N] [--count N] "
    "[--bad-fraction F]";

static const char help[] =
    "Write a deterministic synthetic customer list as CSV.\n"
    "\n"
    "  -s, --seed N          random seed (default 42)\n"
    "  -n, --count N         number of customers (default 1000)\n"
    "  -b, --bad-fraction F  fraction of rows, 0 to 1, replaced by\n"
    "                        malformed ones (default 0)\n"
    "  -h, --help            show this help and exit\n"
    "  -V, --version         show the version and exit\n";

static const char header[] = "customer_id,age,location,tier,"
    "purchase_frequency,avg_order_value,last_engagement_days,"
    "historical_open_rate,historical_click_rate\n";

struct options {
	uint64_t seed;
	long long count;
	double bad_fraction;
};

enum tier { GOLD, SILVER, BRONZE, NTIERS };
enum life { NEW, ACTIVE, LOYAL, LAPSING };

/* Per tier: the model's parameters, as the comment at the top gives them. */
static const struct {
	const char *name;
	unsigned share;		/* in 1/100 */
	unsigned new_pct, loyal_pct, lapsing_pct;
	double age_mean;
	double freq_median;
	double aov_median;
	double open_rate;
	double click_to_open;
} tiers[NTIERS] = {
	[GOLD] = { "Gold", 18, 3, 10, 12, 47, 15, 290, 0.50, 0.34 },
	[SILVER] = { "Silver", 34, 8, 16, 18, 41, 8, 150, 0.38, 0.27 },
	[BRONZE] = { "Bronze", 48, 22, 5, 16, 36, 4, 75, 0.22, 0.21 },
};

/* The 30 largest US cities, weighted by population in thousands (2020). */
static const struct {
	const char *name;
	unsigned weight;
} cities[] = {
	{ "New York", 8804 }, { "Los Angeles", 3899 }, { "Chicago", 2746 },
	{ "Houston", 2304 }, { "Phoenix", 1608 }, { "Philadelphia", 1604 },
	{ "San Antonio", 1434 }, { "San Diego", 1387 }, { "Dallas", 1304 },
	{ "San Jose", 1014 }, { "Austin", 962 }, { "Jacksonville", 950 },
	{ "Fort Worth", 918 }, { "Columbus", 906 }, { "Indianapolis", 887 },
	{ "Charlotte", 875 }, { "San Francisco", 874 }, { "Seattle", 737 },
	{ "Denver", 716 }, { "Washington, D.C.", 690 }, { "Nashville", 689 },
	{ "Oklahoma City", 681 }, { "El Paso", 679 }, { "Boston", 676 },
	{ "Portland", 652 }, { "Las Vegas", 641 }, { "Detroit", 639 },
	{ "Memphis", 633 }, { "Louisville", 633 }, { "Baltimore", 586 },
};
#define NCITIES (sizeof(cities) / sizeof(cities[0]))

/* One customer, every value already rounded to what is printed. */
struct customer {
	unsigned long long id;
	int age;
	unsigned city;
	enum tier tier;
	long freq;
	long aov_cents;
	long recency;
	int open, click;	/* in hundredths */
};

/* The kinds of malformed row, for --bad-fraction. */
enum bad {
	BAD_INT, BAD_NUMBER, BAD_RANGE, BAD_DUPLICATE, BAD_TIER, BAD_RAGGED,
	BAD_QUOTE, BAD_UTF8, BAD_EMPTY_ID, NBAD
};

/* The text of each field of a row, as it will be written. */
#define ROW_MAX 11
struct row {
	char text[ROW_MAX][32];
	int quote[ROW_MAX];		/* write the field quoted */
	const char *after[ROW_MAX];	/* text after the closing quote */
	int nfields;
};

static double
clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static double
logit(double p)
{
	return log(p / (1 - p));
}

static double
logistic(double x)
{
	return 1 / (1 + exp(-x));
}

/* Rounds x to the nearest integer, halves away from zero. */
static long
round_half(double x)
{
	return (long)(x < 0 ? -floor(-x + 0.5) : floor(x + 0.5));
}

/* Returns an exponential deviate with the given mean. */
static double
exponential(struct rng *r, double mean)
{
	return -mean * log(1 - rng_uniform(r));
}

static unsigned
pick_city(struct rng *r)
{
	unsigned total = 0, i;
	uint64_t x;

	for (i = 0; i < NCITIES; i++)
		total += cities[i].weight;
	x = rng_below(r, total);
	for (i = 0; x >= cities[i].weight; i++)
		x -= cities[i].weight;
	return i;
}

/* Draws customer number id from r as the model at the top describes. */
static void
customer_draw(struct customer *c, struct rng *r, unsigned long long id)
{
	enum life life;
	double z, age, freq, relfreq, aov, open, cto, u;
	unsigned x;

	c->id = id;
	x = (unsigned)rng_below(r, 100);
	c->tier = x < tiers[GOLD].share ? GOLD :
	    x < tiers[GOLD].share + tiers[SILVER].share ? SILVER : BRONZE;
	x = (unsigned)rng_below(r, 100);
	if (x < tiers[c->tier].new_pct)
		life = NEW;
	else if ((x -= tiers[c->tier].new_pct) < tiers[c->tier].loyal_pct)
		life = LOYAL;
	else if ((x -= tiers[c->tier].loyal_pct) < tiers[c->tier].lapsing_pct)
		life = LAPSING;
	else
		life = ACTIVE;
	z = rng_normal(r);

	do
		age = tiers[c->tier].age_mean - (life == NEW ? 4 : 0) +
		    12 * rng_normal(r);
	while (age < 17.5 || age >= 80.5);
	c->age = (int)round_half(age);

	if (life == NEW) {
		x = (unsigned)rng_below(r, 100);
		c->freq = x < 15 ? 0 : x < 60 ? 1 : 2;
	} else {
		freq = tiers[c->tier].freq_median * exp(0.42 * (0.6 * z +
		    0.8 * rng_normal(r)));
		if (life == LOYAL)
			freq *= 2;
		c->freq = round_half(freq) < 1 ? 1 : round_half(freq);
	}
	relfreq = (c->freq + 1) / (tiers[c->tier].freq_median + 1);

	aov = tiers[c->tier].aov_median * exp(0.28 * rng_normal(r)) *
	    (1 + 0.004 * (c->age - 40)) * pow(relfreq, -0.4);
	c->aov_cents = round_half(100 * aov);
	if (c->aov_cents < 500)
		c->aov_cents = 500;

	open = logit(tiers[c->tier].open_rate) + 0.75 * z + 0.9 * log(relfreq) +
	    0.25 * rng_normal(r);
	if (life == LAPSING)
		open -= 0.9;
	else if (life == LOYAL)
		open += 0.8;
	else if (life == NEW)
		open += 0.3;
	c->open = (int)round_half(100 * clamp(logistic(open), 0.01, 0.95));
	cto = logistic(logit(tiers[c->tier].click_to_open) + 0.35 * z +
	    0.2 * rng_normal(r));
	c->click = (int)round_half(c->open * cto);
	if (c->click > c->open - 1)
		c->click = c->open - 1;

	switch (life) {
	case NEW:
		u = exponential(r, 12);
		break;
	case ACTIVE:
	case LOYAL:
		u = exponential(r, (life == LOYAL ? 6 : 12) * exp(-0.5 * z) *
		    pow(relfreq, -0.4));
		break;
	default:
		u = 31 + exponential(r, 75);
		break;
	}
	c->recency = u > 730 ? 730 : (long)floor(u);
	c->city = pick_city(r);
}

/* Writes the decimal digits of v into s; returns the length. */
static int
fmt_int(char *s, long long v)
{
	char tmp[24];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;
	int n = 0, len = 0;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		s[len++] = '-';
	while (n > 0)
		s[len++] = tmp[--n];
	s[len] = '\0';
	return len;
}

/* Writes v hundredths as a decimal with two places ("250.00"). */
static void
fmt_fixed2(char *s, long long v)
{
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;
	int len = 0;

	if (v < 0)
		s[len++] = '-';
	len += fmt_int(s + len, (long long)(u / 100));
	s[len++] = '.';
	s[len++] = (char)('0' + u / 10 % 10);
	s[len++] = (char)('0' + u % 10);
	s[len] = '\0';
}

static void
set_text(struct row *w, int f, const char *s)
{
	snprintf(w->text[f], sizeof(w->text[f]), "%s", s);
}

/* Turns the customer into the texts of a row. */
static void
row_fill(struct row *w, const struct customer *c)
{
	memset(w, 0, sizeof(*w));
	w->nfields = 9;
	w->text[0][0] = 'C';
	snprintf(w->text[0] + 1, sizeof(w->text[0]) - 1, "%07llu", c->id);
	fmt_int(w->text[1], c->age);
	set_text(w, 2, cities[c->city].name);
	set_text(w, 3, tiers[c->tier].name);
	fmt_int(w->text[4], c->freq);
	fmt_fixed2(w->text[5], c->aov_cents);
	fmt_int(w->text[6], c->recency);
	fmt_fixed2(w->text[7], c->open);
	fmt_fixed2(w->text[8], c->click);
}

/* Returns one of the n strings in list at random. */
static const char *
choose(struct rng *r, const char *const *list, size_t n)
{
	return list[rng_below(r, n)];
}
#define CHOOSE(r, list) choose((r), (list), sizeof(list) / sizeof(list[0]))

/*
 * Spoils the row in the way kind says, drawing details from r. The id of
 * the last good row, dup_id, is the one a duplicate repeats: cpo-validate
 * remembers the ids of accepted rows only.
 */
static void
row_spoil(struct row *w, enum bad kind, struct rng *r, const char *dup_id)
{
	static const char *const ints[] = { "4x", "12.5", "", "1e3", "abc",
	    " 7", "twelve", "0x1F" };
	static const char *const numbers[] = { "N/A", "$120.00", "NaN", "inf",
	    "0.4.5", "", "12,50", "--1" };
	static const char *const tier_names[] = { "Platinum", "gold", "GOLD",
	    "", "Silver ", "Diamond" };
	static const char *const junk[] = { "x", " ", "!", "0" };
	static const char *const places[] = { "S\xe3o Paulo", "Z\x81rich",
	    "Montr\xc3" };
	static const int int_fields[] = { 1, 4, 6 };
	static const int number_fields[] = { 5, 7, 8 };
	int f;

	switch (kind) {
	case BAD_INT:
		f = int_fields[rng_below(r, 3)];
		set_text(w, f, CHOOSE(r, ints));
		w->quote[f] = strchr(w->text[f], ',') != NULL;
		break;
	case BAD_NUMBER:
		f = number_fields[rng_below(r, 3)];
		set_text(w, f, CHOOSE(r, numbers));
		w->quote[f] = strchr(w->text[f], ',') != NULL;
		break;
	case BAD_RANGE:
		switch (rng_below(r, 6)) {
		case 0:
			set_text(w, 1, rng_below(r, 2) ? "17" : "121");
			break;
		case 1:
			set_text(w, 4, "-3");
			break;
		case 2:
			set_text(w, 5, "-25.00");
			break;
		case 3:
			set_text(w, 6, "-1");
			break;
		case 4:
			set_text(w, 7, "1.20");
			break;
		default:
			set_text(w, 8, "-0.05");
			break;
		}
		break;
	case BAD_DUPLICATE:
		set_text(w, 0, dup_id);
		break;
	case BAD_TIER:
		set_text(w, 3, CHOOSE(r, tier_names));
		break;
	case BAD_RAGGED:
		/* 1..8 fields, or 10 or 11. */
		f = (int)rng_below(r, 10);
		w->nfields = f < 8 ? f + 1 : f + 2;
		set_text(w, 9, "extra");
		break;
	case BAD_QUOTE:
		/*
		 * Text after a closing quote. An unterminated quote would
		 * swallow the lines after it, and a quote inside an unquoted
		 * field is data.
		 */
		f = (int)rng_below(r, 9);
		w->quote[f] = 1;
		w->after[f] = CHOOSE(r, junk);
		break;
	case BAD_UTF8:
		/* Latin-1, a lone continuation byte, a cut sequence. */
		set_text(w, 2, CHOOSE(r, places));
		break;
	default:
		set_text(w, 0, "");
		break;
	}
}

/* Appends one field, quoted (with doubled quotes) when it needs to be. */
static void
put_field(struct buf *b, const char *s, int quote, const char *after)
{
	if (!quote && strpbrk(s, ",\"\r\n") == NULL) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
	if (after != NULL)
		buf_puts(b, after);
}

static void
put_row(struct buf *b, const struct row *w)
{
	int f;

	for (f = 0; f < w->nfields; f++) {
		if (f > 0)
			buf_putc(b, ',');
		put_field(b, w->text[f], w->quote[f], w->after[f]);
	}
	buf_putc(b, '\n');
}

/* Writes b to stdout and empties it; returns -1 on a write error. */
static int
flush(struct buf *b)
{
	if (b->len > 0 && fwrite(b->data, 1, b->len, stdout) != b->len)
		return -1;
	buf_reset(b);
	return 0;
}

static int
generate(const struct options *opt, const struct diag *d)
{
	struct rng good, bad;
	struct customer c;
	struct row w;
	struct buf out;
	char dup_id[32] = "";
	enum bad kind;
	long long i;
	int rc = 0;

	rng_init(&good, opt->seed);
	/* A second stream, so that corruption leaves the good rows alone. */
	rng_init(&bad, opt->seed ^ 0x6261642d726f7773ULL);
	buf_init(&out);
	buf_puts(&out, header);
	for (i = 1; i <= opt->count && rc == 0; i++) {
		customer_draw(&c, &good, (unsigned long long)i);
		row_fill(&w, &c);
		if (opt->bad_fraction > 0 &&
		    rng_uniform(&bad) < opt->bad_fraction) {
			kind = (enum bad)rng_below(&bad, NBAD);
			if (kind == BAD_DUPLICATE && dup_id[0] == '\0')
				kind = BAD_TIER;
			row_spoil(&w, kind, &bad, dup_id);
		} else
			memcpy(dup_id, w.text[0], sizeof(dup_id));
		put_row(&out, &w);
		if (out.len >= FLUSH_AT)
			rc = flush(&out);
	}
	if (rc == 0)
		rc = flush(&out);
	buf_release(&out);
	if (rc == 0 && fflush(stdout) == EOF)
		rc = -1;
	if (rc < 0) {
		diag_in(d, "<stdout>", "write error: %s", strerror(errno));
		return CPO_EXIT_IO;
	}
	return CPO_EXIT_OK;
}

/*
 * Parses the options, then writes the header and --count rows. Exits 0, 2
 * for a usage error, 3 when standard output cannot be written.
 */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "bad-fraction", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct options opt = { 42, 1000, 0 };
	struct diag d;
	const char *errstr;
	int c;

	diag_init(&d, PROG, stderr);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:n:b:hV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seed = (uint64_t)cpo_strtonum(optarg, 0, LLONG_MAX,
			    &errstr);
			if (errstr != NULL) {
				diag_in(&d, "--seed", "expected an integer "
				    "from 0 to %lld, got '%s'", LLONG_MAX,
				    optarg);
				return CPO_EXIT_USAGE;
			}
			break;
		case 'n':
			opt.count = cpo_strtonum(optarg, 0, COUNT_MAX, &errstr);
			if (errstr != NULL) {
				diag_in(&d, "--count", "expected an integer "
				    "from 0 to %lld, got '%s'", COUNT_MAX,
				    optarg);
				return CPO_EXIT_USAGE;
			}
			break;
		case 'b':
			if (num_parse_double(optarg, strlen(optarg),
			    &opt.bad_fraction) != NUM_OK ||
			    !(opt.bad_fraction >= 0 && opt.bad_fraction <= 1)) {
				diag_in(&d, "--bad-fraction", "expected a "
				    "number from 0 to 1, got '%s'", optarg);
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
			cli_bad_option(&d, c, argv, optind, optopt, synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		diag_msg(&d, "unexpected argument '%s'", argv[optind]);
		cli_usage(&d, synopsis);
		return CPO_EXIT_USAGE;
	}
	return generate(&opt, &d);
}
