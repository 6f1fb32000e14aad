/* SPDX-License-Identifier: MIT */
/*
 * The bookkeeping every record-at-a-time program shares: counting records,
 * writing good ones to standard output, reporting rejected ones (stderr,
 * --rejects file, --strict), the closing summary and the exit status.
 * Records read always equal records written plus records rejected.
 *
 * Usage: run_init; run_open_rejects if asked; for each record run_read and
 * then run_write or run_reject; finally return run_finish's status.
 */
#ifndef CPO_RUN_H
#define CPO_RUN_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "diag.h"
#include "reasons.h"

struct run {
	struct diag diag;
	FILE *out;		/* standard output */
	FILE *rejects;		/* --rejects file, or NULL */
	const char *rejects_path;
	int strict;		/* --strict: stop at the first reject */
	unsigned long nread, nwritten, nrejected;
	int write_error;	/* an output write failed (reported once) */
	struct buf scratch;
};

/* Sets up r for program prog writing to stdout. Can't fail. */
void run_init(struct run *r, const char *prog);

/*
 * Opens (truncating) the --rejects file. Returns 0, or -1 with errno set;
 * the caller reports it and exits CPO_EXIT_IO.
 */
int run_open_rejects(struct run *r, const char *path);

/* Counts one input record. */
void run_read(struct run *r);

/*
 * Writes one record (len bytes, without newline) and a newline to standard
 * output. Returns 0, or -1 after a write error, which it reports.
 */
int run_write(struct run *r, const char *rec, size_t len);

/*
 * Rejects the record that starts at file:line: prints one diagnostic per
 * reason and appends {"file","line","reasons","input"} to the rejects file,
 * with input the record's raw text (rawlen bytes; invalid UTF-8 replaced by
 * U+FFFD). Returns 1 if the program must stop now (--strict or a write
 * error), else 0.
 */
int run_reject(struct run *r, const char *file, unsigned long line,
    const char *raw, size_t rawlen, const struct reasons *why);

/*
 * Prints the counts line when anything was rejected, flushes and closes
 * standard output and the rejects file, and returns the exit status:
 * CPO_EXIT_IO after a write error, CPO_EXIT_REJECTED if any record was
 * rejected, else CPO_EXIT_OK.
 */
int run_finish(struct run *r);

#endif
