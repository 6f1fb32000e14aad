/* SPDX-License-Identifier: MIT */
/*
 * cpo-generate: adds to each customer record the message variants of the
 * seed's Message Variant Model, grounded in the passages cpo-retrieve
 * found and cited, one per tone or, when the record is already assigned,
 * the message of its arm; written offline from templates, or by a
 * language model and held to the same rules.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "generate.h"
#include "genline.h"
#include "numparse.h"
#include "run.h"
#include "status.h"

#define PROG "cpo-generate"

static const char synopsis[] = PROG " [--backend template|openai|"
    "azure-openai] [--tones LIST] [--templates DIR] [--experiment FILE] "
    "[--model NAME] [--url URL] [--api-version V] [--attempts N] "
    "[--jobs N] [--timeout SECONDS] [--max-cost USD] [--cache DIR] "
    "[--personalize segment|customer] [--prices FILE] [--rejects FILE] "
    "[--strict] [--quiet] [FILE]";

static const char help[] =
    "Add grounded, cited message variants to each customer record.\n"
    "\n"
    "  -b, --backend NAME     template (offline, the default), openai or\n"
    "                         azure-openai\n"
    "  -t, --tones LIST       tones without an assignment, comma-separated\n"
    "                         (default urgent,informational,friendly)\n"
    "  -T, --templates DIR    templates DIR/TONE.txt (default data/templates,\n"
    "                         else the compiled-in ones)\n"
    "  -e, --experiment FILE  experiment configuration, for the arms' tones\n"
    "  -m, --model NAME       model (openai) or deployment (azure-openai)\n"
    "  -u, --url URL          API base URL (openai) or endpoint\n"
    "                         (azure-openai)\n"
    "      --api-version V    Azure OpenAI API version (default 2024-06-01)\n"
    "  -a, --attempts N       answers tried per message (default 3)\n"
    "  -j, --jobs N           requests in flight (default 4)\n"
    "      --timeout SECONDS  for one request (default 60)\n"
    "      --max-cost USD     send no request once the run has cost USD\n"
    "  -c, --cache DIR        keep answers in DIR and reuse them\n"
    "  -p, --personalize WHAT customer (one request per customer, the\n"
    "                         default) or segment (one per segment, the\n"
    "                         facts filled in here)\n"
    "      --prices FILE      model prices (default built in)\n"
    "  -r, --rejects FILE     write rejected records, with reasons, to FILE\n"
    "  -s, --strict           stop at the first rejected record\n"
    "  -q, --quiet            no progress line on a terminal\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n";

struct options {
	const char *backend, *tones, *templates, *experiment_path;
	const char *model, *url, *api_version, *cache, *prices;
	const char *rejects_path, *input, *personalize;
	int strict, attempts, jobs;
	double timeout, max_cost;
	int quiet;
};

struct job {
	struct run run;
	struct experiment exp;
	struct generator gen;
	struct buf why, where;
	struct progress progress;	/* model backends, on a terminal */
};

/* Reports a setup failure of lib/generate; returns the exit status. */
static int
setup_failed(struct job *j, int rc)
{
	if (j->where.len > 0)
		diag_in(&j->run.diag, j->where.data, "%s", j->why.data);
	else
		diag_msg(&j->run.diag, "%s", j->why.data);
	return rc == -2 ? CPO_EXIT_IO : CPO_EXIT_USAGE;
}

/* getenv, with an empty value as good as none. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * Sets up the model backend: the key, URL and model from the options or
 * the environment (the key from the environment only).
 */
static int
open_llm(struct job *j, const struct options *opt)
{
	int azure = strcmp(opt->backend, "azure-openai") == 0, rc;
	const char *keyvar = azure ? "AZURE_OPENAI_API_KEY" : "OPENAI_API_KEY";
	struct generate_llm_options o;

	memset(&o, 0, sizeof(o));
	o.kind = azure ? LLM_AZURE : LLM_OPENAI;
	o.key = env(keyvar);
	o.url = opt->url != NULL ? opt->url : env(azure ?
	    "AZURE_OPENAI_ENDPOINT" : "OPENAI_BASE_URL");
	if (o.url == NULL && !azure)
		o.url = "https://api.openai.com/v1";
	o.model = opt->model != NULL ? opt->model : env(azure ?
	    "AZURE_OPENAI_DEPLOYMENT" : "OPENAI_MODEL");
	if (o.model == NULL && !azure)
		o.model = "gpt-4o-mini";
	o.api_version = opt->api_version != NULL ? opt->api_version :
	    env("AZURE_OPENAI_API_VERSION");
	if (o.api_version == NULL)
		o.api_version = "2024-06-01";
	if (o.key == NULL || o.url == NULL || o.model == NULL) {
		diag_in(&j->run.diag, "--backend", "%s needs %s", opt->backend,
		    o.key == NULL ? keyvar : o.url == NULL ?
		    "--url or AZURE_OPENAI_ENDPOINT" :
		    "--model or AZURE_OPENAI_DEPLOYMENT");
		return CPO_EXIT_USAGE;
	}
	o.cache_dir = opt->cache;
	o.prices = opt->prices;
	o.attempts = opt->attempts;
	o.jobs = opt->jobs;
	o.timeout = opt->timeout;
	o.max_cost = opt->max_cost;
	o.per_segment = strcmp(opt->personalize, "segment") == 0;
	if ((rc = generate_open_llm(&j->gen, &o, &j->where, &j->why)) < 0)
		return setup_failed(j, rc);
	return CPO_EXIT_OK;
}

/* Loads the experiment, the templates and the backend. */
static int
open_all(struct job *j, const struct options *opt)
{
	int rc;

	if (opt->experiment_path != NULL && (rc = experiment_load(&j->exp,
	    opt->experiment_path, &j->why)) < 0) {
		diag_in(&j->run.diag, opt->experiment_path, "%s", j->why.data);
		return rc == -2 ? CPO_EXIT_IO : CPO_EXIT_USAGE;
	}
	if ((rc = generate_load_tones(&j->gen, opt->templates != NULL ?
	    opt->templates : "data/templates", opt->tones,
	    opt->experiment_path != NULL ? opt->experiment_path :
	    "compiled-in experiment", &j->where, &j->why)) < 0)
		return setup_failed(j, rc);
	if (strcmp(opt->backend, "template") != 0 &&
	    (rc = open_llm(j, opt)) != CPO_EXIT_OK)
		return rc;
	if (opt->rejects_path != NULL &&
	    run_open_rejects(&j->run, opt->rejects_path) < 0) {
		diag_in(&j->run.diag, opt->rejects_path, "%s", strerror(errno));
		return CPO_EXIT_IO;
	}
	return CPO_EXIT_OK;
}

/* A number option in [min, max]; -1 after its message. */
static int
number(const struct diag *d, const char *name, const char *arg, double min,
    double max, double *out)
{
	if (num_parse_double(arg, strlen(arg), out) == NUM_OK && *out >= min &&
	    *out <= max)
		return 0;
	diag_in(d, name, "expected a number from %g to %g, got '%s'", min, max,
	    arg);
	return -1;
}

static int
count(const struct diag *d, const char *name, const char *arg, int max,
    int *out)
{
	const char *errstr;

	*out = (int)cpo_strtonum(arg, 1, max, &errstr);
	if (errstr == NULL)
		return 0;
	diag_in(d, name, "expected an integer from 1 to %d, got '%s'", max,
	    arg);
	return -1;
}

/* Returns -1 to go on, or the exit status to return now. */
static int
parse_options(int argc, char **argv, const struct diag *d,
    struct options *opt)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "tones", required_argument, NULL, 't' },
		{ "templates", required_argument, NULL, 'T' },
		{ "experiment", required_argument, NULL, 'e' },
		{ "model", required_argument, NULL, 'm' },
		{ "url", required_argument, NULL, 'u' },
		{ "api-version", required_argument, NULL, 'A' },
		{ "attempts", required_argument, NULL, 'a' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 'O' },
		{ "max-cost", required_argument, NULL, 'M' },
		{ "cache", required_argument, NULL, 'c' },
		{ "personalize", required_argument, NULL, 'p' },
		{ "prices", required_argument, NULL, 'P' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, bad = 0;

	opterr = 0;
	while (!bad && (c = getopt_long(argc, argv, ":b:t:T:e:m:u:a:j:c:p:r:sqhV",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			opt->backend = optarg;
			break;
		case 't':
			opt->tones = optarg;
			break;
		case 'T':
			opt->templates = optarg;
			break;
		case 'e':
			opt->experiment_path = optarg;
			break;
		case 'm':
			opt->model = optarg;
			break;
		case 'u':
			opt->url = optarg;
			break;
		case 'A':
			opt->api_version = optarg;
			break;
		case 'c':
			opt->cache = optarg;
			break;
		case 'P':
			opt->prices = optarg;
			break;
		case 'p':
			opt->personalize = optarg;
			break;
		case 'r':
			opt->rejects_path = optarg;
			break;
		case 's':
			opt->strict = 1;
			break;
		case 'q':
			opt->quiet = 1;
			break;
		case 'a':
			bad = count(d, "--attempts", optarg, 10,
			    &opt->attempts);
			break;
		case 'j':
			bad = count(d, "--jobs", optarg, 64, &opt->jobs);
			break;
		case 'O':
			bad = number(d, "--timeout", optarg, 0.1, 3600,
			    &opt->timeout);
			break;
		case 'M':
			bad = number(d, "--max-cost", optarg, 0, 1e6,
			    &opt->max_cost);
			break;
		case 'h':
			printf("usage: %s\n\n%s", synopsis, help);
			return CPO_EXIT_OK;
		case 'V':
			cli_version(stdout, PROG);
			return CPO_EXIT_OK;
		default:
			cli_bad_option(d, c, argv, optind, optopt, synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	if (bad)
		return CPO_EXIT_USAGE;
	if (argc - optind > 1) {
		diag_msg(d, "too many arguments: expected one FILE");
		cli_usage(d, synopsis);
		return CPO_EXIT_USAGE;
	}
	if (optind < argc)
		opt->input = argv[optind];
	if (strcmp(opt->backend, "template") != 0 &&
	    strcmp(opt->backend, "openai") != 0 &&
	    strcmp(opt->backend, "azure-openai") != 0) {
		diag_in(d, "--backend", "expected template, openai or "
		    "azure-openai, got '%s'", opt->backend);
		return CPO_EXIT_USAGE;
	}
	if (strcmp(opt->personalize, "customer") != 0 &&
	    strcmp(opt->personalize, "segment") != 0) {
		diag_in(d, "--personalize", "expected segment or customer, "
		    "got '%s'", opt->personalize);
		return CPO_EXIT_USAGE;
	}
	return -1;
}

/*
 * Options; the clock (SOURCE_DATE_EPOCH or now) for generated_at; the
 * experiment, templates, backend and rejects file; the record loop, in
 * batches so that a model's requests go out together; the summary.
 */
int
main(int argc, char **argv)
{
	struct options opt = { "template", "urgent,informational,friendly",
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "-", "customer", 0,
	    3, 4, 60, 0, 0 };
	struct job j;
	time_t now = 0;
	int rc, c;

	run_init(&j.run, PROG);
	experiment_init(&j.exp);
	buf_init(&j.why);
	buf_init(&j.where);
	if ((rc = parse_options(argc, argv, &j.run.diag, &opt)) < 0 &&
	    timefmt_choose(getenv("SOURCE_DATE_EPOCH"), time(NULL), &now) < 0) {
		diag_in(&j.run.diag, "SOURCE_DATE_EPOCH", "expected a "
		    "non-negative integer, got '%s'",
		    getenv("SOURCE_DATE_EPOCH"));
		rc = CPO_EXIT_USAGE;
	}
	generate_init(&j.gen, &j.exp, now);
	if (rc < 0 && (rc = open_all(&j, &opt)) == CPO_EXIT_OK) {
		j.run.strict = opt.strict;
		/* Offline, a million records take less than a minute. */
		progress_init(&j.progress, stderr, opt.quiet ||
		    j.gen.llm == NULL);
		progress_begin(&j.progress, PROG, 0);
		j.gen.progress = &j.progress;
		rc = j.gen.llm == NULL ? genline_run(&j.gen, &j.run,
		    opt.input) : generate_run(&j.gen, &j.run, opt.input,
		    (size_t)opt.jobs * 4);
		progress_end(&j.progress);
		buf_reset(&j.why);
		generate_summary(&j.gen, &j.why);
		if (j.why.len > 0)
			diag_msg(&j.run.diag, "%s", j.why.data);
		buf_reset(&j.why);
		generate_lost_summary(&j.gen, &j.why);
		if (j.why.len > 0)
			diag_msg(&j.run.diag, "%s", j.why.data);
		c = run_finish(&j.run);
		/* A message not written is a failure, as a record rejected. */
		if (c == CPO_EXIT_OK && j.gen.lost > 0)
			c = CPO_EXIT_REJECTED;
		if (rc == CPO_EXIT_OK)
			rc = c;
	}
	generate_release(&j.gen);
	experiment_release(&j.exp);
	buf_release(&j.why);
	buf_release(&j.where);
	return rc;
}
