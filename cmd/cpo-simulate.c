/* SPDX-License-Identifier: MIT */
/*
 * cpo-simulate: draws each assigned customer's engagement (opened, clicked,
 * converted) from a model in which the message they were sent matters, and
 * can write the true rates the model implies, to check an analysis with.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "input.h"
#include "numparse.h"
#include "run.h"
#include "simulate.h"
#include "status.h"

static const char synopsis[] = "cpo-simulate [--experiment FILE] "
    "[--model FILE] [--seed N] [--aa] [--truth FILE] [--rejects FILE] "
    "[--strict] [FILE]";

static const char help[] =
    "Simulate opens, clicks and conversions of assigned customers.\n"
    "\n"
    "  -e, --experiment FILE  experiment configuration (default built in)\n"
    "  -m, --model FILE       engagement model (default built in)\n"
    "  -S, --seed N           random seed (default from the experiment)\n"
    "  -a, --aa               every arm behaves as control (an A/A test)\n"
    "  -t, --truth FILE       write the true rates the model implies to FILE\n"
    "  -r, --rejects FILE     write rejected records, with reasons, to FILE\n"
    "  -s, --strict           stop at the first rejected record\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n";

struct options {
	const char *experiment_path;
	const char *model_path;
	const char *seed;
	const char *truth_path;
	const char *rejects_path;
	const char *input;
	int aa;
	int strict;
};

/* Reads the experiment and model files; returns -1 or the exit status. */
static int
configure(const struct options *opt, struct experiment *exp,
    struct engage_model *model, const struct diag *d)
{
	const char *errstr;
	long long seed;
	struct buf err;
	int rc = 0;

	buf_init(&err);
	if (opt->experiment_path != NULL &&
	    (rc = experiment_load(exp, opt->experiment_path, &err)) < 0)
		diag_in(d, opt->experiment_path, "%s", buf_str(&err));
	else if (opt->model_path != NULL &&
	    (rc = engage_load(model, opt->model_path, &err)) < 0)
		diag_in(d, opt->model_path, "%s", buf_str(&err));
	buf_release(&err);
	if (rc < 0)
		return rc == -2 ? CPO_EXIT_IO : CPO_EXIT_USAGE;
	if (opt->seed != NULL) {
		seed = cpo_strtonum(opt->seed, 0, EXPERIMENT_SEED_MAX, &errstr);
		if (errstr != NULL) {
			diag_in(d, "--seed", "expected an integer from 0 to "
			    "2^53 - 1, got '%s'", opt->seed);
			return CPO_EXIT_USAGE;
		}
		experiment_set_seed(exp, (uint64_t)seed);
	}
	return -1;
}

/* Parses the command line; returns -1 or the exit status. */
static int
options(int argc, char **argv, struct options *opt, const struct diag *d)
{
	static const struct option longopts[] = {
		{ "experiment", required_argument, NULL, 'e' },
		{ "model", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 'S' },
		{ "aa", no_argument, NULL, 'a' },
		{ "truth", required_argument, NULL, 't' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:m:S:at:r:shV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'e':
			opt->experiment_path = optarg;
			break;
		case 'm':
			opt->model_path = optarg;
			break;
		case 'S':
			opt->seed = optarg;
			break;
		case 'a':
			opt->aa = 1;
			break;
		case 't':
			opt->truth_path = optarg;
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
			cli_version(stdout, "cpo-simulate");
			return CPO_EXIT_OK;
		default:
			cli_bad_option(d, c, argv, optind, optopt, synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	if (cli_input(d, argc, argv, optind, synopsis, &opt->input) < 0)
		return CPO_EXIT_USAGE;
	return -1;
}

/* simulate_line in the shape run_lines calls. */
static int
simulate_one(void *s, const char *line, size_t len, int no_newline,
    struct buf *out, struct reasons *why)
{
	return simulate_line(s, line, len, no_newline, out, why);
}

/* Writes the truth document to f and closes it; returns 0 or -1. */
static int
write_truth(const struct simulator *s, FILE *f)
{
	struct buf b;
	int rc;

	buf_init(&b);
	simulate_truth(s, &b);
	rc = fwrite(b.data, 1, b.len, f) == b.len ? 0 : -1;
	buf_release(&b);
	if (fclose(f) == EOF)
		rc = -1;
	return rc;
}

int
main(int argc, char **argv)
{
	struct options opt = { NULL, NULL, NULL, NULL, NULL, "-", 0, 0 };
	struct engage_model model;
	struct experiment exp;
	struct simulator s;
	struct lineio in;
	struct run run;
	FILE *truth = NULL;
	time_t now;
	int rc, c;

	run_init(&run, "cpo-simulate");
	experiment_init(&exp);
	engage_init(&model);
	if ((rc = options(argc, argv, &opt, &run.diag)) >= 0 ||
	    (rc = configure(&opt, &exp, &model, &run.diag)) >= 0)
		goto done;
	if (cli_clock(&run.diag, &now) < 0) {
		rc = CPO_EXIT_USAGE;
		goto done;
	}
	run.strict = opt.strict;
	if (opt.truth_path != NULL &&
	    (truth = fopen(opt.truth_path, "w")) == NULL) {
		diag_in(&run.diag, opt.truth_path, "%s", strerror(errno));
		rc = CPO_EXIT_IO;
		goto done;
	}
	if ((rc = run_open(&run, &in, opt.input, opt.rejects_path)) != 0) {
		if (truth != NULL)
			fclose(truth);
		goto done;
	}

	simulate_init(&s, &exp, &model, opt.aa, now);
	rc = run_lines(&run, &in, input_name(opt.input), simulate_one, &s);
	if (truth != NULL && write_truth(&s, truth) < 0) {
		diag_in(&run.diag, opt.truth_path, "write error: %s",
		    strerror(errno));
		rc = CPO_EXIT_IO;
	}
	if ((c = run_finish(&run)) != CPO_EXIT_OK && rc == CPO_EXIT_OK)
		rc = c;
	lineio_release(&in);
	simulate_release(&s);
done:
	engage_release(&model);
	experiment_release(&exp);
	return rc;
}
