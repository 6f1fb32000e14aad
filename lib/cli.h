/* SPDX-License-Identifier: MIT */
/*
 * Command-line helpers shared by the programs: the version line and the
 * messages for options getopt_long could not parse (getopt's own messages
 * are turned off so that every diagnostic has the one cpo shape).
 */
#ifndef CPO_CLI_H
#define CPO_CLI_H

#include <stdio.h>
#include <time.h>

#include "diag.h"

/* CPO_VERSION comes from config.mk, through the compiler's command line. */
#ifndef CPO_VERSION
#error "CPO_VERSION is not defined: build with the project's Makefile"
#endif

/* Prints "PROG (cpo) VERSION" and a newline to out. */
void cli_version(FILE *out, const char *prog);

/*
 * Reports what getopt_long returned as c ('?' for an unknown option, ':'
 * for a missing argument; the optstring must start with ':'), given argv,
 * optind and optopt as it left them, followed by "usage: SYNOPSIS". musl
 * may leave optind at argc + 1 after a short option lacking its argument;
 * that is handled.
 */
void cli_bad_option(const struct diag *d, int c, char **argv, int optind,
    int optopt, const char *synopsis);

/* Prints "usage: SYNOPSIS" on the diagnostics stream. */
void cli_usage(const struct diag *d, const char *synopsis);

/*
 * Takes the one optional FILE operand left after the options (argv[optind])
 * into *input, which keeps its default when there is none. Returns 0, or -1
 * after reporting more than one.
 */
int cli_input(const struct diag *d, int argc, char **argv, int optind,
    const char *synopsis, const char **input);

/*
 * The time to stamp on records: SOURCE_DATE_EPOCH when it is set, else the
 * clock. Returns 0, or -1 after reporting a malformed SOURCE_DATE_EPOCH.
 */
int cli_clock(const struct diag *d, time_t *now);

#endif
