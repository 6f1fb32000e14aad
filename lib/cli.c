/* SPDX-License-Identifier: MIT */
/*
 * Command-line helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "timefmt.h"

void
cli_version(FILE *out, const char *prog)
{
	fprintf(out, "%s (cpo) %s\n", prog, CPO_VERSION);
}

void
cli_usage(const struct diag *d, const char *synopsis)
{
	fprintf(d->out, "usage: %s\n", synopsis);
}

void
cli_bad_option(const struct diag *d, int c, char **argv, int optind,
    int optopt, const char *synopsis)
{
	const char *arg = optind > 0 && argv[optind - 1] != NULL ?
	    argv[optind - 1] : "";
	char shortopt[3] = { '-', (char)optopt, '\0' };
	size_t len;

	/* A short option may sit inside a group like -xz; name it alone. */
	if (strncmp(arg, "--", 2) != 0 && optopt != 0) {
		arg = shortopt;
	}
	len = strcspn(arg, "=");
	if (c == ':')
		diag_msg(d, "option '%.*s' requires an argument", (int)len, arg);
	else
		diag_msg(d, "unknown option '%.*s'", (int)len, arg);
	cli_usage(d, synopsis);
}

int
cli_input(const struct diag *d, int argc, char **argv, int optind,
    const char *synopsis, const char **input)
{
	if (argc - optind > 1) {
		diag_msg(d, "too many arguments: expected one FILE");
		cli_usage(d, synopsis);
		return -1;
	}
	if (optind < argc)
		*input = argv[optind];
	return 0;
}

int
cli_clock(const struct diag *d, time_t *now)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	if (timefmt_choose(sde, time(NULL), now) < 0) {
		diag_in(d, "SOURCE_DATE_EPOCH", "expected a non-negative "
		    "integer, got '%s'", sde);
		return -1;
	}
	return 0;
}
