/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics: the only module that writes to stderr. Every message has the
 * shape "cpo-NAME: WHERE: WHAT[: WHY]" (see style.md, section 4), where WHERE
 * is FILE:LINE for a record, FILE for a whole file or --option for an
 * argument, and is left out when nothing more precise applies.
 */
#ifndef CPO_DIAG_H
#define CPO_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

struct diag {
	const char *prog;	/* program name, e.g. "cpo-validate" */
	FILE *out;		/* where messages go, normally stderr */
};

/* Sets up d to print as prog to out. Borrows both; can't fail. */
void diag_init(struct diag *d, const char *prog, FILE *out);

/* Prints "prog: file:line: message". */
void diag_at(const struct diag *d, const char *file, unsigned long line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Prints "prog: where: message"; where is a file name or an --option. */
void diag_in(const struct diag *d, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints "prog: message". */
void diag_msg(const struct diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Appends s (len bytes) to b as a double-quoted, escaped value fit for a
 * message: control bytes, quotes, backslashes and bytes that are not valid
 * UTF-8 are escaped, and values longer than 60 bytes are cut with "...".
 */
void diag_quote(struct buf *b, const char *s, size_t len);

#endif
