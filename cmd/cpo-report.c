/* SPDX-License-Identifier: MIT */
/*
 * cpo-report: turns an experiment metrics document, as cpo-lift writes it,
 * into one self-contained HTML page: arm table, forest plots of the lifts,
 * segments, SRM and fallback checks, the test and correction used.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "jsonfile.h"
#include "report.h"
#include "status.h"

static const char synopsis[] = "cpo-report [--output FILE] [FILE]";

static const char help[] =
    "Write an experiment metrics document as a self-contained HTML page.\n"
    "\n"
    "  -o, --output FILE      write the page to FILE (default: stdout)\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n";

struct options {
	const char *output_path, *input;
};

/* Parses argv into opt; returns an exit status, or -1 to go on. */
static int
parse(struct options *opt, int argc, char **argv, const struct diag *d)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt->output_path = optarg;
			break;
		case 'h':
			printf("usage: %s\n\n%s", synopsis, help);
			return CPO_EXIT_OK;
		case 'V':
			cli_version(stdout, "cpo-report");
			return CPO_EXIT_OK;
		default:
			cli_bad_option(d, c, argv, optind, optopt, synopsis);
			return CPO_EXIT_USAGE;
		}
	}
	return cli_input(d, argc, argv, optind, synopsis, &opt->input) < 0 ?
	    CPO_EXIT_USAGE : -1;
}

/* Reads and parses the document; returns an exit status, or -1 to go on. */
static int
load(const struct options *opt, const struct diag *d, struct buf *text,
    cJSON **doc, struct buf *err)
{
	const char *name = input_name(opt->input);

	/* /dev/stdin, so that one reader serves files and pipes. */
	if (jsonfile_read(strcmp(opt->input, "-") == 0 ? "/dev/stdin" :
	    opt->input, text) < 0) {
		diag_in(d, name, "%s", strerror(errno));
		return CPO_EXIT_IO;
	}
	if ((*doc = jsonfile_parse(text->data != NULL ? text->data : "",
	    text->len, err)) == NULL) {
		diag_in(d, name, "%s", buf_str(err));
		return CPO_EXIT_REJECTED;
	}
	return -1;
}

/* Writes the page to the --output file or stdout; returns an exit status. */
static int
save(const struct options *opt, const struct diag *d, const struct buf *page)
{
	const char *name = opt->output_path ? opt->output_path : "<stdout>";
	FILE *f = stdout;

	if (opt->output_path != NULL &&
	    (f = fopen(opt->output_path, "w")) == NULL) {
		diag_in(d, name, "%s", strerror(errno));
		return CPO_EXIT_IO;
	}
	if ((fwrite(page->data, 1, page->len, f) != page->len) |
	    (fclose(f) != 0)) {
		diag_in(d, name, "write error: %s", strerror(errno));
		return CPO_EXIT_IO;
	}
	return CPO_EXIT_OK;
}

/*
 * Reads one metrics document and writes the HTML page; the page is made
 * whole in memory first, so a bad document leaves no partial file behind.
 * See cpo-report(1).
 */
int
main(int argc, char **argv)
{
	struct options opt = { NULL, "-" };
	struct buf text, err, page;
	struct diag d;
	cJSON *doc = NULL;
	int rc;

	diag_init(&d, "cpo-report", stderr);
	if ((rc = parse(&opt, argc, argv, &d)) >= 0)
		return rc;
	buf_init(&text);
	buf_init(&err);
	buf_init(&page);
	if ((rc = load(&opt, &d, &text, &doc, &err)) < 0) {
		if (report_html(doc, "cpo-report (cpo) " CPO_VERSION, &page,
		    &err) < 0) {
			diag_in(&d, input_name(opt.input), "%s",
			    buf_str(&err));
			rc = CPO_EXIT_REJECTED;
		} else
			rc = save(&opt, &d, &page);
	}
	json_free(doc);
	buf_release(&text);
	buf_release(&err);
	buf_release(&page);
	return rc;
}
