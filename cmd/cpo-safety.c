/* SPDX-License-Identifier: MIT */
/*
 * cpo-safety: screens every message variant of each record (subject and
 * body) for hate, violence, self-harm and sexual content, adds the seed's
 * Safety Result under the variant's "safety", and appends one audit row
 * per message. A message whose screening fails is blocked (fail closed).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "input.h"
#include "ndjson.h"
#include "numparse.h"
#include "run.h"
#include "screening.h"
#include "status.h"
#include "timefmt.h"

#define PROG "cpo-safety"

static const char synopsis[] = PROG " [--backend local|azure|"
    "openai-moderation] [--threshold SPEC] [--audit FILE] [--lexicon DIR] "
    "[--jobs N] [--timeout S] [--attempts N] [--explain] [--rejects FILE] "
    "[--strict] [--quiet] [FILE]";

static const char help[] =
    "Screen message variants; block unsafe ones; keep an audit log.\n"
    "\n"
    "  -b, --backend NAME    local (default), azure or openai-moderation\n"
    "                        (settings from the environment)\n"
    "  -t, --threshold SPEC  block from this severity: N or CATEGORY=N,...\n"
    "                        (default 4)\n"
    "  -a, --audit FILE      append audit rows to FILE\n"
    "                        (default logs/safety_audit.csv)\n"
    "  -l, --lexicon DIR     lexicon files (default data/safety, else the\n"
    "                        compiled-in copy)\n"
    "  -j, --jobs N          requests in flight (default 4)\n"
    "      --timeout S       seconds per request (default 10)\n"
    "      --attempts N      tries per request (default 3)\n"
    "  -e, --explain         add the lexicon's matches to each result\n"
    "  -r, --rejects FILE    write rejected records, with reasons, to FILE\n"
    "  -s, --strict          stop at the first rejected record\n"
    "  -q, --quiet           no progress line on a terminal\n"
    "  -h, --help            show this help and exit\n"
    "  -V, --version         show the version and exit\n";

struct options {
	const char *backend, *threshold, *audit, *lexicon, *rejects_path;
	const char *input;
	int explain, strict, quiet;
	struct http_options http;
};

/* Everything a run holds. */
struct job {
	struct run run;
	struct ndjson_reader in;
	struct screen *screen;
	struct lexicon *lexicon;
	struct safety_policy policy;
	struct audit audit;
	struct screening loop;
	struct progress progress;	/* on a terminal, unless --quiet */
};

static int
usage(struct job *j, const char *opt, const char *what, const char *arg)
{
	diag_in(&j->run.diag, opt, "%s, got '%s'", what, arg);
	cli_usage(&j->run.diag, synopsis);
	return CPO_EXIT_USAGE;
}

/*
 * Sets up the backend: the lexicon, or a service from the environment
 * (keys are read there only, never from the command line, never shown).
 */
static int
open_backend(struct job *j, const struct options *opt, struct screen_config *c)
{
	enum moderation_backend b = strcmp(opt->backend, "azure") == 0 ?
	    MODERATION_AZURE : MODERATION_OPENAI;
	struct buf why;
	int rc = CPO_EXIT_OK;

	buf_init(&why);
	if (strcmp(opt->backend, "local") == 0) {
		c->backend = SCREEN_LOCAL;
		if ((c->lexicon = j->lexicon = lexicon_open(opt->lexicon,
		    &why)) == NULL) {
			rc = errno != 0 ? CPO_EXIT_IO : CPO_EXIT_USAGE;
			diag_msg(&j->run.diag, "%s", why.data);
		}
	} else {
		c->backend = b == MODERATION_AZURE ? SCREEN_AZURE :
		    SCREEN_OPENAI;
		if (moderation_from_env(&c->remote, b, &why) < 0) {
			diag_in(&j->run.diag, "--backend", "%s needs %s in the "
			    "environment", opt->backend, why.data);
			rc = CPO_EXIT_USAGE;
		}
	}
	buf_release(&why);
	return rc;
}

/* Opens everything before the first record; returns an exit status. */
static int
open_all(struct job *j, const struct options *opt)
{
	struct screen_config c;
	struct buf why;
	int rc;

	memset(&c, 0, sizeof(c));
	c.http = opt->http;
	c.cache = 1 << 16;
	if ((rc = open_backend(j, opt, &c)) != CPO_EXIT_OK)
		return rc;
	j->loop.window = c.backend == SCREEN_LOCAL ? 1 :
	    (size_t)opt->http.jobs * 8;
	if ((j->screen = screen_new(&c)) == NULL) {
		diag_in(&j->run.diag, "--backend", "cannot set up libcurl");
		return CPO_EXIT_IO;
	}
	buf_init(&why);
	if (audit_open(&j->audit, opt->audit, &why) < 0) {
		rc = errno != 0 ? CPO_EXIT_IO : CPO_EXIT_USAGE;
		if (errno != 0)
			diag_in(&j->run.diag, opt->audit, "%s",
			    strerror(errno));
		else
			diag_msg(&j->run.diag, "%s", why.data);
	}
	buf_release(&why);
	if (rc != CPO_EXIT_OK)
		return rc;
	if (opt->rejects_path != NULL &&
	    run_open_rejects(&j->run, opt->rejects_path) < 0) {
		diag_in(&j->run.diag, opt->rejects_path, "%s",
		    strerror(errno));
		return CPO_EXIT_IO;
	}
	if (ndjson_open(&j->in, opt->input) < 0) {
		diag_in(&j->run.diag, j->loop.name, "%s", strerror(errno));
		return CPO_EXIT_IO;
	}
	return CPO_EXIT_OK;
}

static void
failure(void *arg, unsigned long line, const char *variant_id,
    const char *error)
{
	struct job *j = arg;

	/* After a refusal, one message at the end says it for all. */
	if (strncmp(error, "not screened: ", 14) != 0) {
		progress_clear(&j->progress);
		diag_at(&j->run.diag, j->loop.name, line, "variant '%s': "
		    "blocked, screening failed: %s", variant_id, error);
	}
}

/* Screens every record; returns an exit status. */
static int
screen_all(struct job *j, const struct options *opt)
{
	time_t now;
	int rc;

	timefmt_choose(getenv("SOURCE_DATE_EPOCH"), time(NULL), &now);
	timefmt_iso(now, j->loop.checked_at);
	j->loop.run = &j->run;
	j->loop.in = &j->in;
	j->loop.screen = j->screen;
	j->loop.policy = &j->policy;
	j->loop.audit = &j->audit;
	j->loop.backend = opt->backend;
	j->loop.explain = opt->explain;
	j->loop.on_failure = failure;
	j->loop.arg = j;
	j->loop.progress = &j->progress;
	progress_init(&j->progress, stderr, opt->quiet);
	progress_begin(&j->progress, PROG, 0);
	screening_init(&j->loop);
	rc = screening_loop(&j->loop);
	progress_end(&j->progress);
	if (rc < 0)
		diag_in(&j->run.diag, j->loop.name, "read error: %s",
		    strerror(errno));
	else if (j->loop.audit_errno != 0)
		diag_in(&j->run.diag, opt->audit, "%s",
		    strerror(j->loop.audit_errno));
	if (j->loop.failed > 0)
		diag_msg(&j->run.diag, "%lu of %lu messages could not be "
		    "screened and were blocked", j->loop.failed,
		    screen_stats(j->screen)->texts);
	if (screen_fatal(j->screen) != NULL) {
		diag_in(&j->run.diag, "--backend", "%s",
		    screen_fatal(j->screen));
		return CPO_EXIT_IO;
	}
	return rc < 0 ? CPO_EXIT_IO : CPO_EXIT_OK;
}

static int
parse_options(int argc, char **argv, struct job *j, struct options *opt)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "threshold", required_argument, NULL, 't' },
		{ "audit", required_argument, NULL, 'a' },
		{ "lexicon", required_argument, NULL, 'l' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "attempts", required_argument, NULL, 'A' },
		{ "explain", no_argument, NULL, 'e' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *err;
	struct buf why;
	int c, rc = -1;

	opterr = 0;
	while (rc < 0 && (c = getopt_long(argc, argv, ":b:t:a:l:j:er:sqhV",
	    longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			opt->backend = optarg;
			break;
		case 't':
			opt->threshold = optarg;
			break;
		case 'a':
			opt->audit = optarg;
			break;
		case 'q':
			opt->quiet = 1;
			break;
		case 'l':
			opt->lexicon = optarg;
			break;
		case 'j':
			opt->http.jobs = (int)cpo_strtonum(optarg, 1, 256, &err);
			if (err != NULL)
				rc = usage(j, "--jobs", "expected an integer "
				    "from 1 to 256", optarg);
			break;
		case 'T':
			if (num_parse_double(optarg, strlen(optarg),
			    &opt->http.timeout) != NUM_OK ||
			    !(opt->http.timeout >= 0.001 &&
			    opt->http.timeout <= 3600))
				rc = usage(j, "--timeout", "expected a number "
				    "of seconds from 0.001 to 3600", optarg);
			break;
		case 'A':
			opt->http.attempts = (int)cpo_strtonum(optarg, 1, 10,
			    &err);
			if (err != NULL)
				rc = usage(j, "--attempts", "expected an "
				    "integer from 1 to 10", optarg);
			break;
		case 'e':
			opt->explain = 1;
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
			cli_version(stdout, PROG);
			return CPO_EXIT_OK;
		default:
			cli_bad_option(&j->run.diag, c, argv, optind, optopt,
			    synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	if (rc >= 0)
		return rc;
	if (argc - optind > 1) {
		diag_msg(&j->run.diag, "too many arguments: expected one FILE");
		cli_usage(&j->run.diag, synopsis);
		return CPO_EXIT_USAGE;
	}
	if (optind < argc)
		opt->input = argv[optind];
	if (strcmp(opt->backend, "local") != 0 &&
	    strcmp(opt->backend, "azure") != 0 &&
	    strcmp(opt->backend, "openai-moderation") != 0)
		return usage(j, "--backend", "expected local, azure or "
		    "openai-moderation", opt->backend);
	buf_init(&why);
	if (opt->threshold != NULL && safety_policy_parse(&j->policy,
	    opt->threshold, &why) < 0) {
		diag_in(&j->run.diag, "--threshold", "%s", why.data);
		cli_usage(&j->run.diag, synopsis);
		rc = CPO_EXIT_USAGE;
	}
	buf_release(&why);
	if (rc < 0 && timefmt_choose(getenv("SOURCE_DATE_EPOCH"), 0,
	    &(time_t){ 0 }) < 0) {
		diag_in(&j->run.diag, "SOURCE_DATE_EPOCH", "expected a "
		    "non-negative integer, got '%s'",
		    getenv("SOURCE_DATE_EPOCH"));
		rc = CPO_EXIT_USAGE;
	}
	return rc;
}

/*
 * Options; the lexicon or the service, the audit log, the rejects file
 * and the input; batches of records screened and written in order; the
 * summary; the exit status (3 when the service refused us).
 */
int
main(int argc, char **argv)
{
	struct options opt;
	struct job j;
	int rc, fin;

	memset(&opt, 0, sizeof(opt));
	opt.backend = "local";
	opt.audit = "logs/safety_audit.csv";
	opt.input = "-";
	memset(&j, 0, sizeof(j));
	run_init(&j.run, PROG);
	safety_policy_init(&j.policy);
	http_defaults(&opt.http);
	j.audit.fd = -1;
	if ((rc = parse_options(argc, argv, &j, &opt)) >= 0)
		return rc;
	j.loop.name = input_name(opt.input);
	j.run.strict = opt.strict;
	if ((rc = open_all(&j, &opt)) == CPO_EXIT_OK)
		rc = screen_all(&j, &opt);
	fin = run_finish(&j.run);
	if (audit_close(&j.audit) < 0 && fin != CPO_EXIT_IO) {
		diag_in(&j.run.diag, opt.audit, "%s", strerror(errno));
		fin = CPO_EXIT_IO;
	}
	if (rc == CPO_EXIT_OK)
		rc = fin == CPO_EXIT_OK && j.loop.failed > 0 ?
		    CPO_EXIT_REJECTED : fin;
	ndjson_release(&j.in);
	screening_release(&j.loop);
	screen_free(j.screen);
	lexicon_free(j.lexicon);
	return rc;
}
