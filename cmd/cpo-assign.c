/* SPDX-License-Identifier: MIT */
/*
 * cpo-assign: randomizes every customer into one arm of the experiment and
 * adds the seed's Experiment Assignment to the record, choosing the arm's
 * message among the record's variants (the control message when safety
 * blocked it).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "assign.h"
#include "cli.h"
#include "input.h"
#include "numparse.h"
#include "run.h"
#include "status.h"

static const char synopsis[] = "cpo-assign [--experiment FILE] "
    "[--method stratified|hash] [--seed N] [--keep-variants] [--summary] "
    "[--rejects FILE] [--strict] [FILE]";

static const char help[] =
    "Randomize customers into the experiment's arms.\n"
    "\n"
    "  -e, --experiment FILE  experiment configuration (default built in)\n"
    "  -m, --method METHOD    stratified (permuted blocks, the default)\n"
    "                         or hash (GrowthBook's hash of customer_id)\n"
    "  -S, --seed N           random seed (default from the experiment)\n"
    "  -k, --keep-variants    keep the variants the arm did not choose\n"
    "  -u, --summary          print arm sizes per stratum and a sample\n"
    "                         ratio check on standard error\n"
    "  -r, --rejects FILE     write rejected records, with reasons, to FILE\n"
    "  -s, --strict           stop at the first rejected record\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n";

struct options {
	const char *experiment_path;
	const char *method;
	const char *seed;
	const char *rejects_path;
	const char *input;
	int keep_variants;
	int summary;
	int strict;
};

/* assign_line in the shape run_lines calls. */
static int
assign_one(void *a, const char *line, size_t len, int no_newline,
    struct buf *out, struct reasons *why)
{
	return assign_line(a, line, len, no_newline, out, why);
}

/* Prints the --summary table, one diagnostic line per row. */
static void
summary(const struct assigner *a, const struct diag *d)
{
	struct buf b;
	char *line, *nl;
	int mismatch;

	buf_init(&b);
	assign_summary(a, &b, &mismatch);
	for (line = b.data; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		diag_msg(d, "%s", line);
	}
	if (mismatch)
		diag_msg(d, "warning: sample ratio mismatch: the arm sizes do "
		    "not match the weights");
	buf_release(&b);
}

/*
 * Parses the command line into opt, reads the experiment into exp and
 * chooses the time to stamp. Returns -1 when the program may go on, else
 * the exit status.
 */
static int
options(int argc, char **argv, struct options *opt, struct experiment *exp,
    time_t *now, const struct diag *d)
{
	static const struct option longopts[] = {
		{ "experiment", required_argument, NULL, 'e' },
		{ "method", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 'S' },
		{ "keep-variants", no_argument, NULL, 'k' },
		{ "summary", no_argument, NULL, 'u' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *errstr;
	long long seed = 0;
	struct buf err;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:m:S:kur:shV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'e':
			opt->experiment_path = optarg;
			break;
		case 'm':
			opt->method = optarg;
			break;
		case 'S':
			opt->seed = optarg;
			break;
		case 'k':
			opt->keep_variants = 1;
			break;
		case 'u':
			opt->summary = 1;
			break;
		case 'r':
			opt->rejects_path = optarg;
			break;
		case 's':
			opt->strict = 1;
			break;
		case 'h':
			printf("usage: %s\n\n%s", synopsis, help);
			return CPO_EXIT_OK;
		case 'V':
			cli_version(stdout, "cpo-assign");
			return CPO_EXIT_OK;
		default:
			cli_bad_option(d, c, argv, optind, optopt, synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	if (cli_input(d, argc, argv, optind, synopsis, &opt->input) < 0)
		return CPO_EXIT_USAGE;
	if (strcmp(opt->method, "stratified") != 0 &&
	    strcmp(opt->method, "hash") != 0) {
		diag_in(d, "--method", "expected stratified or hash, got '%s'",
		    opt->method);
		return CPO_EXIT_USAGE;
	}
	if (opt->seed != NULL && (seed = cpo_strtonum(opt->seed, 0,
	    EXPERIMENT_SEED_MAX, &errstr), errstr != NULL)) {
		diag_in(d, "--seed", "expected an integer from 0 to 2^53 - 1, "
		    "got '%s'", opt->seed);
		return CPO_EXIT_USAGE;
	}
	if (opt->experiment_path != NULL) {
		buf_init(&err);
		c = experiment_load(exp, opt->experiment_path, &err);
		if (c < 0)
			diag_in(d, opt->experiment_path, "%s", buf_str(&err));
		buf_release(&err);
		if (c < 0)
			return c == -2 ? CPO_EXIT_IO : CPO_EXIT_USAGE;
	}
	if (cli_clock(d, now) < 0)
		return CPO_EXIT_USAGE;
	if (opt->seed != NULL)
		experiment_set_seed(exp, (uint64_t)seed);
	return -1;
}

int
main(int argc, char **argv)
{
	struct options opt = { NULL, "stratified", NULL, NULL, "-", 0, 0, 0 };
	struct experiment exp;
	struct assigner a;
	struct lineio in;
	struct run run;
	time_t now;
	int rc, c;

	run_init(&run, "cpo-assign");
	experiment_init(&exp);
	if ((rc = options(argc, argv, &opt, &exp, &now, &run.diag)) >= 0) {
		experiment_release(&exp);
		return rc;
	}
	run.strict = opt.strict;
	if ((rc = run_open(&run, &in, opt.input, opt.rejects_path)) != 0) {
		experiment_release(&exp);
		return rc;
	}

	assign_init(&a, &exp, strcmp(opt.method, "hash") == 0 ? ASSIGN_HASH :
	    ASSIGN_STRATIFIED, opt.keep_variants, now);
	rc = run_lines(&run, &in, input_name(opt.input), assign_one, &a);
	if (opt.summary)
		summary(&a, &run.diag);
	if ((c = run_finish(&run)) != CPO_EXIT_OK && rc == CPO_EXIT_OK)
		rc = c;

	lineio_release(&in);
	assign_release(&a);
	experiment_release(&exp);
	return rc;
}
