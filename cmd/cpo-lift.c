/* SPDX-License-Identifier: MIT */
/*
 * cpo-lift: reads the engagement of an experiment's customers and writes
 * one metrics document: per arm counts and rates, the lift of each
 * treatment over control with tests, intervals and corrected p-values, a
 * sample-ratio check and a breakdown by segment. --partial and --merge
 * split the work over shards with the same result as one run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"
#include "lift.h"
#include "lineio.h"
#include "run.h"
#include "status.h"
#include "timefmt.h"

static const char synopsis[] = "cpo-lift [--experiment FILE] [--test TEST] "
    "[--interval newcombe|wald] [--correction holm|bh|bonferroni|none] "
    "[--alpha A] [--cuped] [--power] [--mde R] [--partial] [--merge] "
    "[--format json|table] [--rejects FILE] [--strict] [FILE ...]";

static const char help[] =
    "Analyze an experiment's engagement: lifts, tests, intervals.\n"
    "\n"
    "  -e, --experiment FILE  experiment configuration (default built in)\n"
    "  -t, --test TEST        z_pooled (default), z_unpooled,\n"
    "                         chi_square_yates or fisher_exact\n"
    "  -i, --interval METHOD  newcombe (default) or wald\n"
    "  -c, --correction NAME  holm (default), bh, bonferroni or none\n"
    "  -a, --alpha A          significance level (default from the\n"
    "                         experiment)\n"
    "  -C, --cuped            add CUPED-adjusted estimates\n"
    "  -p, --power            add minimum detectable effects at 80% power\n"
    "  -M, --mde R            and the customers per arm a relative lift R\n"
    "                         needs\n"
    "  -P, --partial          write sufficient statistics, for --merge\n"
    "  -m, --merge            read --partial files instead of records\n"
    "  -f, --format FORMAT    json (default) or table\n"
    "  -r, --rejects FILE     write rejected records, with reasons, to FILE\n"
    "  -s, --strict           stop at the first rejected record\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n";

struct options {
	const char *experiment_path;
	const char *test, *interval, *correction, *alpha, *mde, *format;
	const char *rejects_path;
	int cuped, power, partial, merge, strict;
	char **inputs;
	int ninputs;
};

/* Turns the option strings into lift options; -1 after a diagnostic. */
static int
settle(const struct options *opt, const struct experiment *exp,
    struct lift_options *lo, const struct diag *d)
{
	static const char *const names[] = {
		"test", "interval", "correction", "alpha", "mde"
	};
	const char *values[] = {
		opt->test, opt->interval, opt->correction, opt->alpha, opt->mde
	};
	char where[16];
	struct buf err;
	size_t i;

	lift_options_init(lo);
	lo->alpha = exp->alpha;
	lo->cuped = opt->cuped;
	lo->power = opt->power;
	buf_init(&err);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (values[i] == NULL ||
		    lift_options_set(lo, names[i], values[i], &err) == 0)
			continue;
		snprintf(where, sizeof(where), "--%s", names[i]);
		diag_in(d, where, "%s", err.data);
		buf_release(&err);
		return -1;
	}
	buf_release(&err);
	if (opt->format != NULL && strcmp(opt->format, "json") != 0 &&
	    strcmp(opt->format, "table") != 0) {
		diag_in(d, "--format", "expected json or table, got '%s'",
		    opt->format);
		return -1;
	}
	return 0;
}

/* Parses the command line; returns -1 or the exit status. */
static int
options(int argc, char **argv, struct options *opt, const struct diag *d)
{
	static const struct option longopts[] = {
		{ "experiment", required_argument, NULL, 'e' },
		{ "test", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "correction", required_argument, NULL, 'c' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "cuped", no_argument, NULL, 'C' },
		{ "power", no_argument, NULL, 'p' },
		{ "mde", required_argument, NULL, 'M' },
		{ "partial", no_argument, NULL, 'P' },
		{ "merge", no_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:t:i:c:a:CpM:Pmf:r:shV",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			opt->experiment_path = optarg;
			break;
		case 't':
			opt->test = optarg;
			break;
		case 'i':
			opt->interval = optarg;
			break;
		case 'c':
			opt->correction = optarg;
			break;
		case 'a':
			opt->alpha = optarg;
			break;
		case 'C':
			opt->cuped = 1;
			break;
		case 'p':
			opt->power = 1;
			break;
		case 'M':
			opt->mde = optarg;
			break;
		case 'P':
			opt->partial = 1;
			break;
		case 'm':
			opt->merge = 1;
			break;
		case 'f':
			opt->format = optarg;
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
			cli_version(stdout, "cpo-lift");
			return CPO_EXIT_OK;
		default:
			cli_bad_option(d, c, argv, optind, optopt, synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	if (opt->partial && opt->format != NULL) {
		diag_msg(d, "--partial and --format cannot be used together");
		cli_usage(d, synopsis);
		return CPO_EXIT_USAGE;
	}
	opt->inputs = argv + optind;
	opt->ninputs = argc - optind;
	return -1;
}

/* Tallies one input; returns CPO_EXIT_OK, CPO_EXIT_IO, or -1 to stop. */
static int
read_input(struct run *run, struct tally *t, const char *path, int merge)
{
	const char *name = input_name(path), *line;
	struct lineio in;
	struct reasons why;
	size_t len;
	int rc, stop = 0, got;

	if (lineio_open(&in, path) < 0) {
		diag_in(&run->diag, name, "%s", strerror(errno));
		return CPO_EXIT_IO;
	}
	reasons_init(&why);
	while (!stop && (rc = lineio_next(&in, &line, &len)) > 0) {
		reasons_reset(&why);
		got = merge ? tally_read_partial(t, line, len, &why) :
		    tally_line(t, line, len, in.no_newline, &why);
		if (got == 0)
			continue;
		run_read(run);
		if (got > 0)
			run->nwritten++;
		else
			stop = run_reject(run, name, in.lineno, line, len, &why);
	}
	reasons_release(&why);
	lineio_release(&in);
	if (rc < 0) {
		diag_in(&run->diag, name, "read error: %s", strerror(errno));
		return CPO_EXIT_IO;
	}
	return stop ? -1 : CPO_EXIT_OK;
}

/* Writes the document, the table or the partial tally to stdout. */
static void
report(struct run *run, const struct tally *t, const struct options *opt,
    const struct lift_options *lo)
{
	struct lift_analysis a;
	struct buf b;

	buf_init(&b);
	if (opt->partial)
		tally_write_partial(t, &b);
	else {
		lift_analyze(&a, t, lo);
		if (a.srm_mismatch)
			diag_msg(&run->diag, "warning: sample ratio mismatch: "
			    "chi-square %.4f on %zu df, p %.3g (below %g)",
			    a.srm_chisq, t->exp->narms - 1, a.srm_p,
			    LIFT_SRM_ALPHA);
		if (opt->format != NULL && strcmp(opt->format, "table") == 0)
			lift_write_table(&a, &b);
		else
			lift_write_json(&a, &b);
		lift_analysis_release(&a);
	}
	if (b.len > 0 && fwrite(b.data, 1, b.len, run->out) != b.len &&
	    !run->write_error) {
		diag_in(&run->diag, "<stdout>", "write error: %s",
		    strerror(errno));
		run->write_error = 1;
	}
	buf_release(&b);
}

int
main(int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct options opt;
	struct lift_options lo;
	struct experiment exp;
	char stamp[TIMEFMT_ISO_SIZE];
	struct tally t;
	struct run run;
	struct buf err;
	time_t now;
	int rc, c, i;

	memset(&opt, 0, sizeof(opt));
	run_init(&run, "cpo-lift");
	experiment_init(&exp);
	buf_init(&err);
	if ((rc = options(argc, argv, &opt, &run.diag)) >= 0)
		goto done;
	if (opt.experiment_path != NULL &&
	    (c = experiment_load(&exp, opt.experiment_path, &err)) < 0) {
		diag_in(&run.diag, opt.experiment_path, "%s", buf_str(&err));
		rc = c == -2 ? CPO_EXIT_IO : CPO_EXIT_USAGE;
		goto done;
	}
	rc = CPO_EXIT_USAGE;
	if (settle(&opt, &exp, &lo, &run.diag) < 0)
		goto done;
	if (cli_clock(&run.diag, &now) < 0)
		goto done;
	timefmt_iso(now, stamp);
	lo.computed_at = stamp;

	if (opt.ninputs == 0) {
		opt.inputs = stdin_only;
		opt.ninputs = 1;
	}
	/* Find a missing input before reading any (merges take many). */
	for (i = 0; i < opt.ninputs; i++)
		if (strcmp(opt.inputs[i], "-") != 0 &&
		    access(opt.inputs[i], R_OK) < 0) {
			diag_in(&run.diag, opt.inputs[i], "%s", strerror(errno));
			rc = CPO_EXIT_IO;
			goto done;
		}
	run.strict = opt.strict;
	if (opt.rejects_path != NULL &&
	    run_open_rejects(&run, opt.rejects_path) < 0) {
		diag_in(&run.diag, opt.rejects_path, "%s", strerror(errno));
		rc = CPO_EXIT_IO;
		goto done;
	}
	tally_init(&t, &exp);
	rc = CPO_EXIT_OK;
	for (i = 0; i < opt.ninputs && rc == CPO_EXIT_OK; i++)
		rc = read_input(&run, &t, opt.inputs[i], opt.merge);
	/* A run stopped by --strict has no document: its tally is partial. */
	if (rc == CPO_EXIT_OK)
		report(&run, &t, &opt, &lo);
	if ((c = run_finish(&run)) != CPO_EXIT_OK &&
	    (rc == CPO_EXIT_OK || rc < 0))
		rc = c;
	tally_release(&t);
done:
	buf_release(&err);
	experiment_release(&exp);
	return rc < 0 ? CPO_EXIT_REJECTED : rc;
}
