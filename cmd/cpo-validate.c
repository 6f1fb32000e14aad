/* SPDX-License-Identifier: MIT */
/*
 * cpo-validate: the first stage of the pipeline. Reads customers as CSV or
 * NDJSON and writes one typed customer record per line, rejecting (with
 * every reason) rows that break the seed's Customer Data Model.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "customer.h"
#include "idset.h"
#include "input.h"
#include "ndjson.h"
#include "run.h"
#include "status.h"

static const char synopsis[] = "cpo-validate [--format csv|ndjson|auto] "
    "[--tiers LIST] [--rejects FILE] [--strict] [FILE]";

static const char help[] =
    "Check customers against the data model and write typed NDJSON.\n"
    "\n"
    "  -f, --format FMT    input format: csv, ndjson or auto (default auto)\n"
    "  -t, --tiers LIST    allowed tiers, comma-separated\n"
    "                      (default Gold,Silver,Bronze)\n"
    "  -r, --rejects FILE  write rejected rows, with reasons, to FILE\n"
    "  -s, --strict        stop at the first rejected row\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n";

struct options {
	const char *format;
	const char *tiers;
	const char *rejects_path;
	const char *input;
	int strict;
};

/* The state of one validation run, shared by the two input loops. */
struct validation {
	struct run run;
	struct customer_rules rules;
	struct idset ids;
	struct reasons why;
	struct buf out;
	const char *name;	/* input name for messages */
};

/* Writes the record in v->out, or rejects it; returns 1 to stop. */
static int
emit(struct validation *v, int bad, const char *id, size_t idlen,
    unsigned long line, const char *raw, size_t rawlen)
{
	unsigned long first;

	/* Only written records claim their id, so a rejected row's id is free. */
	if (id != NULL && idset_find(&v->ids, id, idlen, &first)) {
		customer_duplicate(&v->why, id, idlen, first);
		bad = 1;
	}
	if (!bad)
		idset_add(&v->ids, id, idlen, line, &first);
	if (bad)
		return run_reject(&v->run, v->name, line, raw, rawlen, &v->why);
	return run_write(&v->run, v->out.data, v->out.len) < 0;
}

static int
validate_csv(struct validation *v, struct csv_reader *in)
{
	struct customer_header header;
	enum csv_status st;
	const char *id, *raw;
	size_t idlen, rawlen, i;
	int bad;

	if ((st = csv_next(in)) != CSV_RECORD) {
		if (st == CSV_BAD)
			diag_at(&v->run.diag, v->name, in->rec_line,
			    "header: %s", in->error);
		return st == CSV_EOF ? CPO_EXIT_OK :
		    st == CSV_BAD ? CPO_EXIT_USAGE : CPO_EXIT_IO;
	}
	if (customer_header_parse(&header, in, &v->why) < 0) {
		for (i = 0; i < v->why.n; i++)
			diag_at(&v->run.diag, v->name, in->rec_line, "%s",
			    reasons_get(&v->why, i));
		customer_header_release(&header);
		return CPO_EXIT_USAGE;
	}
	while ((st = csv_next(in)) != CSV_EOF && st != CSV_IOERR) {
		run_read(&v->run);
		reasons_reset(&v->why);
		buf_reset(&v->out);
		idlen = 0;
		id = NULL;
		if (st == CSV_BAD) {
			reasons_add(&v->why, "%s", in->error);
			bad = 1;
		} else
			bad = customer_from_csv(&v->rules, &header, in, &v->out,
			    &v->why, &id, &idlen) < 0;
		raw = csv_raw(in, &rawlen);
		if (emit(v, bad, id, idlen, in->rec_line, raw, rawlen))
			break;
	}
	customer_header_release(&header);
	return st == CSV_IOERR ? CPO_EXIT_IO : CPO_EXIT_OK;
}

static int
validate_ndjson(struct validation *v, struct ndjson_reader *in)
{
	enum ndjson_status st;
	const char *id;
	size_t idlen;
	cJSON *rec;
	int bad;

	while ((st = ndjson_next(in, &rec, &v->out)) != NDJSON_EOF &&
	    st != NDJSON_IOERR) {
		run_read(&v->run);
		reasons_reset(&v->why);
		idlen = 0;
		id = NULL;
		if (st == NDJSON_BAD) {
			reasons_add_buf(&v->why, &v->out);
			bad = 1;
		} else {
			buf_reset(&v->out);
			bad = customer_from_json(&v->rules, rec, &v->out,
			    &v->why, &id, &idlen) < 0;
		}
		bad = emit(v, bad, id, idlen, in->in.lineno, in->line, in->len);
		json_free(rec);
		buf_reset(&v->out);
		if (bad)
			break;
	}
	return st == NDJSON_IOERR ? CPO_EXIT_IO : CPO_EXIT_OK;
}

/* Opens the input, picks the reader by --format or by sniffing, runs it. */
static int
validate(struct validation *v, const struct options *opt)
{
	struct csv_reader csv;
	struct ndjson_reader nd;
	struct buf pre;
	int fd, first = '{', rc;

	if ((fd = input_open(opt->input)) < 0) {
		diag_in(&v->run.diag, v->name, "%s", strerror(errno));
		return CPO_EXIT_IO;
	}
	buf_init(&pre);
	if (strcmp(opt->format, "auto") == 0 &&
	    (first = input_sniff(fd, &pre)) < 0) {
		diag_in(&v->run.diag, v->name, "read error: %s", strerror(errno));
		buf_release(&pre);
		return CPO_EXIT_IO;
	}
	if (strcmp(opt->format, "csv") == 0 ||
	    (strcmp(opt->format, "auto") == 0 && first != '{')) {
		csv_open_fd(&csv, fd, fd != STDIN_FILENO, pre.data, pre.len);
		rc = validate_csv(v, &csv);
		csv_release(&csv);
	} else {
		ndjson_open_fd(&nd, fd, fd != STDIN_FILENO, pre.data, pre.len);
		rc = validate_ndjson(v, &nd);
		ndjson_release(&nd);
	}
	if (rc == CPO_EXIT_IO)
		diag_in(&v->run.diag, v->name, "read error: %s", strerror(errno));
	buf_release(&pre);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "tiers", required_argument, NULL, 't' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct options opt = { "auto", NULL, NULL, "-", 0 };
	struct validation v;
	int c, rc;

	run_init(&v.run, "cpo-validate");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:t:r:shV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			opt.format = optarg;
			break;
		case 't':
			opt.tiers = optarg;
			break;
		case 'r':
			opt.rejects_path = optarg;
			break;
		case 's':
			opt.strict = 1;
			break;
		case 'h':
			printf("usage: %s\n\n%s", synopsis, help);
			return CPO_EXIT_OK;
		case 'V':
			cli_version(stdout, "cpo-validate");
			return CPO_EXIT_OK;
		default:
			cli_bad_option(&v.run.diag, c, argv, optind, optopt,
			    synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	if (cli_input(&v.run.diag, argc, argv, optind, synopsis,
	    &opt.input) < 0)
		return CPO_EXIT_USAGE;
	if (strcmp(opt.format, "csv") != 0 && strcmp(opt.format, "ndjson") != 0 &&
	    strcmp(opt.format, "auto") != 0) {
		diag_in(&v.run.diag, "--format", "expected csv, ndjson or auto, "
		    "got '%s'", opt.format);
		cli_usage(&v.run.diag, synopsis);
		return CPO_EXIT_USAGE;
	}
	customer_rules_init(&v.rules);
	if (opt.tiers != NULL &&
	    customer_rules_set_tiers(&v.rules, opt.tiers) < 0) {
		diag_in(&v.run.diag, "--tiers", "expected a comma-separated "
		    "list of at most %d names, got '%s'", CUSTOMER_TIERS_MAX,
		    opt.tiers);
		cli_usage(&v.run.diag, synopsis);
		customer_rules_release(&v.rules);
		return CPO_EXIT_USAGE;
	}
	v.run.strict = opt.strict;
	if (opt.rejects_path != NULL &&
	    run_open_rejects(&v.run, opt.rejects_path) < 0) {
		diag_in(&v.run.diag, opt.rejects_path, "%s", strerror(errno));
		customer_rules_release(&v.rules);
		return CPO_EXIT_IO;
	}
	v.name = input_name(opt.input);
	idset_init(&v.ids);
	reasons_init(&v.why);
	buf_init(&v.out);
	rc = validate(&v, &opt);
	c = run_finish(&v.run);
	idset_release(&v.ids);
	reasons_release(&v.why);
	buf_release(&v.out);
	customer_rules_release(&v.rules);
	return rc != CPO_EXIT_OK ? rc : c;
}
