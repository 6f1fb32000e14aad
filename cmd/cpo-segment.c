/* SPDX-License-Identifier: MIT */
/*
 * cpo-segment: adds segment, segment_id, confidence and features to every
 * customer record, by rules or by k-means, and can summarize the segments.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"
#include "lineio.h"
#include "numparse.h"
#include "progress.h"
#include "run.h"
#include "segment.h"
#include "status.h"

static const char synopsis[] = "cpo-segment [--method rules|kmeans] "
    "[--rules FILE] [--k N|auto] [--restarts N] [--seed N] [--model FILE] "
    "[--save-model FILE] [--summary FILE] [--rejects FILE] [--strict] "
    "[--quiet] [FILE]";

static const char help[] =
    "Add segment, segment_id, confidence and features to customer records.\n"
    "\n"
    "  -m, --method M         rules (default) or kmeans\n"
    "      --rules FILE       segment rules as JSON (default: built in)\n"
    "  -k, --k N|auto         k-means clusters, 1 to 100, or auto (default 4)\n"
    "      --restarts N       k-means restarts (default 10)\n"
    "      --seed N           seed of the k-means restarts (default 42)\n"
    "      --model FILE       label with a saved k-means model\n"
    "      --save-model FILE  save the fitted k-means model to FILE\n"
    "      --summary FILE     write one line per segment to FILE\n"
    "  -r, --rejects FILE     write rejected records, with reasons, to FILE\n"
    "  -s, --strict           stop at the first rejected record\n"
    "  -q, --quiet            no progress line while fitting k-means\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n";

/* --k auto tries these k, scored on a sample of this many customers. */
enum { AUTO_KMIN = 2, AUTO_KMAX = 8, AUTO_SAMPLE = 5000 };

struct options {
	const char *method, *rules_path, *k, *model_path, *save_model_path;
	const char *summary_path, *rejects_path, *input;
	long long restarts, seed, nclusters;	/* nclusters 0: --k auto */
	int strict, quiet;
};

/* One run: the input, the labeller, the files written besides stdout. */
struct job {
	struct run run;
	struct lineio in;
	const char *name;
	struct segmenter seg;
	FILE *summary, *model;
	struct reasons why;
	struct buf msg;
	struct progress progress;	/* while fitting, on a terminal */
	int status;
};

/* Parses number option name into *v; returns 0, or -1 after a message. */
static int
number(const struct diag *d, const char *name, const char *arg, long long min,
    long long max, long long *v)
{
	const char *err;

	if (strcmp(name, "--k") == 0 && strcmp(arg, "auto") == 0) {
		*v = 0;
		return 0;
	}
	*v = cpo_strtonum(arg, min, max, &err);
	if (err == NULL)
		return 0;
	diag_in(d, name, "expected an integer from %lld to %lld%s, got '%s'",
	    min, max, strcmp(name, "--k") == 0 ? " or auto" : "", arg);
	return -1;
}

/* Checks the combinations once, after parsing (git hash-object). */
static int
check(struct options *opt, const struct diag *d)
{
	const char *kmeans_only = opt->k != NULL ? "--k" : opt->restarts > 0 ?
	    "--restarts" : opt->save_model_path != NULL ? "--save-model" : NULL;
	const char *clash;

	if (opt->method == NULL)
		opt->method = opt->model_path != NULL ? "kmeans" : "rules";
	clash = kmeans_only != NULL ? kmeans_only : opt->rules_path != NULL ?
	    "--rules" : strcmp(opt->method, "rules") == 0 ? "--method rules" :
	    NULL;
	if (strcmp(opt->method, "rules") != 0 &&
	    strcmp(opt->method, "kmeans") != 0)
		diag_in(d, "--method", "expected rules or kmeans, got '%s'",
		    opt->method);
	else if (opt->model_path != NULL && clash != NULL)
		diag_msg(d, "options '--model' and '%s' cannot be used together",
		    clash);
	else if (strcmp(opt->method, "rules") == 0 && kmeans_only != NULL)
		diag_in(d, kmeans_only, "needs --method kmeans");
	else
		return -1;
	return CPO_EXIT_USAGE;
}

/* Parses argv into opt; returns an exit status, or -1 to go on. */
static int
parse(struct options *opt, int argc, char **argv, const struct diag *d)
{
	static const struct option longopts[] = {
		{ "method", required_argument, NULL, 'm' },
		{ "rules", required_argument, NULL, 'R' },
		{ "k", required_argument, NULL, 'k' },
		{ "restarts", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "model", required_argument, NULL, 'M' },
		{ "save-model", required_argument, NULL, 'W' },
		{ "summary", required_argument, NULL, 'y' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, bad = 0;

	opterr = 0;
	while (!bad &&
	    (c = getopt_long(argc, argv, ":m:k:r:sqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': opt->method = optarg; break;
		case 'R': opt->rules_path = optarg; break;
		case 'k':
			opt->k = optarg;
			bad = number(d, "--k", optarg, 1, SEGMODEL_K_MAX,
			    &opt->nclusters);
			break;
		case 'n':
			bad = number(d, "--restarts", optarg, 1, 1000,
			    &opt->restarts);
			break;
		case 'S':
			bad = number(d, "--seed", optarg, 0, 0x7fffffffffffffffLL,
			    &opt->seed);
			break;
		case 'M': opt->model_path = optarg; break;
		case 'W': opt->save_model_path = optarg; break;
		case 'y': opt->summary_path = optarg; break;
		case 'r': opt->rejects_path = optarg; break;
		case 's': opt->strict = 1; break;
		case 'q': opt->quiet = 1; break;
		case 'h':
			printf("usage: %s\n\n%s", synopsis, help);
			return CPO_EXIT_OK;
		case 'V':
			cli_version(stdout, "cpo-segment");
			return CPO_EXIT_OK;
		default:
			cli_bad_option(d, c, argv, optind, optopt, synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	if (!bad && argc - optind > 1) {
		diag_msg(d, "too many arguments: expected one FILE");
		cli_usage(d, synopsis);
	}
	if (bad || argc - optind > 1)
		return CPO_EXIT_USAGE;
	if (optind < argc)
		opt->input = argv[optind];
	return check(opt, d);
}

/* Reports errno's reason about where and sets the exit status. */
static int
fail(struct job *j, const char *where, const char *what, int status)
{
	diag_in(&j->run.diag, where, "%s%s", what, strerror(errno));
	j->status = status;
	return status;
}

/* Opens path for writing unless it is NULL; returns -1 with errno set. */
static int
create(const char *path, FILE **f)
{
	return path == NULL || (*f = fopen(path, "w")) != NULL ? 0 : -1;
}

/* Opens the rules or the model, the files to write, and the input. */
static int
open_all(struct job *j, const struct options *opt)
{
	const char *path = opt->model_path ? opt->model_path : opt->rules_path;
	int rc = 0;

	if (opt->model_path != NULL)
		rc = segmenter_load_model(&j->seg, path, &j->msg);
	else if (opt->rules_path != NULL)
		rc = segmenter_load_rules(&j->seg, path, &j->msg);
	if (rc == -1)
		return fail(j, path, "", CPO_EXIT_IO);
	if (rc == -2) {
		diag_in(&j->run.diag, path, "%s", j->msg.data);
		return j->status = CPO_EXIT_USAGE;
	}
	if (opt->rejects_path != NULL &&
	    run_open_rejects(&j->run, opt->rejects_path) < 0)
		return fail(j, opt->rejects_path, "", CPO_EXIT_IO);
	if (create(opt->summary_path, &j->summary) < 0)
		return fail(j, opt->summary_path, "", CPO_EXIT_IO);
	if (create(opt->save_model_path, &j->model) < 0)
		return fail(j, opt->save_model_path, "", CPO_EXIT_IO);
	if (lineio_open(&j->in, opt->input) < 0)
		return fail(j, j->name, "", CPO_EXIT_IO);
	return CPO_EXIT_OK;
}

/*
 * Reads the next record with good numbers into rec, rejecting the others
 * on the way. Returns 1; 0 at the end; -1 to stop (--strict, read error).
 */
static int
next_record(struct job *j, struct segrecord *rec)
{
	const char *line;
	size_t len;
	int rc;

	for (;;) {
		if ((rc = lineio_next(&j->in, &line, &len)) <= 0)
			return rc == 0 ? 0 :
			    (fail(j, j->name, "read error: ", CPO_EXIT_IO), -1);
		reasons_reset(&j->why);
		if ((rc = segment_read(rec, line, len, j->in.no_newline,
		    &j->why)) == 0)
			continue;
		run_read(&j->run);
		if (rc == 1)
			return 1;
		progress_clear(&j->progress);
		if (run_reject(&j->run, j->name, j->in.lineno, line, len,
		    &j->why))
			return -1;
	}
}

/* Labels rec and writes it; returns -1 after a write error. */
static int
emit(struct job *j, struct segrecord *rec)
{
	buf_reset(&j->msg);
	segmenter_label(&j->seg, rec, &j->msg);
	return run_write(&j->run, j->msg.data, j->msg.len);
}

/*
 * k-means: holds every customer, fits, saves the model, labels them all.
 * Only this path can take long enough to want a progress line.
 */
static void
fit(struct job *j, const struct options *opt)
{
	unsigned restarts = opt->restarts > 0 ? (unsigned)opt->restarts : 10;
	struct segrecord rec;
	unsigned long nlabelled = 0;
	long cpus;
	int rc;

	progress_begin(&j->progress, "cpo-segment: reading", 0);
	while ((rc = next_record(j, &rec)) == 1) {
		progress_update(&j->progress, j->run.nread);
		segrecord_release(&rec);
		if (segmenter_hold(&j->seg, getenv("TMPDIR"), rec.text,
		    rec.len, rec.f) < 0) {
			fail(j, "temporary file", "", CPO_EXIT_IO);
			return;
		}
	}
	if (rc < 0 || (j->seg.held.n == 0 && j->model == NULL))
		return;
	/* Restarts run in parallel; the result is the same on any machine. */
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	progress_begin(&j->progress, "cpo-segment: fitting k-means", 0);
	if (segmenter_fit(&j->seg, (size_t)opt->nclusters, AUTO_KMIN,
	    AUTO_KMAX, AUTO_SAMPLE, restarts, cpus > 1 ? (unsigned)cpus : 1,
	    (uint64_t)opt->seed, &j->msg) < 0) {
		diag_in(&j->run.diag, "--k", "%s", j->msg.data);
		j->status = CPO_EXIT_USAGE;
		return;
	}
	buf_reset(&j->msg);
	segmodel_write(&j->seg.model, &j->msg);
	if (j->model != NULL && (fwrite(j->msg.data, 1, j->msg.len, j->model) !=
	    j->msg.len || fflush(j->model) != 0)) {
		fail(j, opt->save_model_path, "write error: ", CPO_EXIT_IO);
		return;
	}
	progress_begin(&j->progress, "cpo-segment: labelling",
	    (unsigned long)j->seg.held.n);
	while ((rc = segmenter_replay(&j->seg, &rec)) == 1 && emit(j, &rec) == 0)
		progress_update(&j->progress, ++nlabelled);
	if (rc < 0)
		fail(j, "temporary file", "read error: ", CPO_EXIT_IO);
}

/* Writes the summary and closes the extra files, reporting write errors. */
static void
finish(struct job *j, const struct options *opt)
{
	buf_reset(&j->msg);
	if (j->status == CPO_EXIT_OK)
		segsummary_write(&j->seg.summary, &j->msg);
	if (j->summary != NULL && (fwrite(j->msg.data, 1, j->msg.len,
	    j->summary) != j->msg.len) | (fclose(j->summary) != 0))
		fail(j, opt->summary_path, "write error: ", CPO_EXIT_IO);
	if (j->model != NULL && fclose(j->model) != 0)
		fail(j, opt->save_model_path, "write error: ", CPO_EXIT_IO);
}

/*
 * Reads customer records and writes each with segment, segment_id,
 * confidence and features added; see cpo-segment(1).
 */
int
main(int argc, char **argv)
{
	struct options opt = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, "-",
	    0, 42, 4, 0, 0 };
	struct segrecord rec;
	struct job j;
	int rc;

	memset(&j, 0, sizeof(j));
	run_init(&j.run, "cpo-segment");
	if ((rc = parse(&opt, argc, argv, &j.run.diag)) >= 0)
		return rc;
	j.run.strict = opt.strict;
	j.name = input_name(opt.input);
	segmenter_init(&j.seg);
	reasons_init(&j.why);
	buf_init(&j.msg);
	progress_init(&j.progress, stderr, opt.quiet);
	if (open_all(&j, &opt) == CPO_EXIT_OK) {
		if (strcmp(opt.method, "kmeans") == 0 && opt.model_path == NULL)
			fit(&j, &opt);
		else
			while (next_record(&j, &rec) == 1 && emit(&j, &rec) == 0)
				continue;
		lineio_release(&j.in);
	}
	progress_end(&j.progress);
	finish(&j, &opt);
	rc = run_finish(&j.run);
	segmenter_release(&j.seg);
	reasons_release(&j.why);
	buf_release(&j.msg);
	return j.status != CPO_EXIT_OK ? j.status : rc;
}
