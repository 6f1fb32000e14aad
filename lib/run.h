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
#include "lineio.h"
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
 * Writes n records at once, len bytes of them each with its newline, as
 * run_write would one by one: for a program that builds its records in a
 * block bigger than stdio's buffer, which stdio then writes without
 * copying. Returns 0, or -1 after a write error, which it reports.
 */
int run_write_block(struct run *r, const char *recs, size_t len, size_t n);

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
 * What run_lines does with one input line: 1 after writing the output record
 * (without newline) into out, 0 to skip the line (blank), -1 after adding
 * the reasons for rejecting it to why. no_newline tells that the line is the
 * input's last and has no newline, which makes bad JSON a likely cut.
 */
typedef int run_line_fn(void *ctx, const char *line, size_t len,
    int no_newline, struct buf *out, struct reasons *why);

/*
 * The record loop of a one-record-in, one-record-out program: reads in
 * (named name in diagnostics) line by line, passes each line to fn and
 * writes or rejects the record as fn says, until the input ends, a write
 * fails or --strict stops it. Returns CPO_EXIT_OK, or CPO_EXIT_IO after
 * reporting a read error.
 */
int run_lines(struct run *r, struct lineio *in, const char *name,
    run_line_fn *fn, void *ctx);

/*
 * Opens the input (a path, or "-" for standard input) into in and the
 * --rejects file when rejects_path is not NULL, reporting what fails.
 * Returns 0, or CPO_EXIT_IO with nothing left open.
 */
int run_open(struct run *r, struct lineio *in, const char *input,
    const char *rejects_path);

/*
 * Prints the counts line when anything was rejected, flushes and closes
 * standard output and the rejects file, and returns the exit status:
 * CPO_EXIT_IO after a write error, CPO_EXIT_REJECTED if any record was
 * rejected, else CPO_EXIT_OK.
 */
int run_finish(struct run *r);

#endif
