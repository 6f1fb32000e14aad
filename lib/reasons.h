/* SPDX-License-Identifier: MIT */
/*
 * The reasons a record is rejected: a short list of messages, so that a
 * program can report every problem of a row, not only the first.
 */
#ifndef CPO_REASONS_H
#define CPO_REASONS_H

#include <stddef.h>

#include "buf.h"

#define REASONS_MAX 32

struct reasons {
	struct buf text;		/* messages, each NUL-terminated */
	size_t off[REASONS_MAX];
	size_t n;			/* messages kept */
	size_t dropped;			/* messages past REASONS_MAX */
};

/* Initializes an empty list; allocates nothing. */
void reasons_init(struct reasons *r);

/* Frees the list's memory. */
void reasons_release(struct reasons *r);

/* Empties the list for the next record. */
void reasons_reset(struct reasons *r);

/* Adds a printf-formatted message. */
void reasons_add(struct reasons *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds the message held in b. */
void reasons_add_buf(struct reasons *r, const struct buf *b);

/* Returns message i (0 <= i < r->n). */
const char *reasons_get(const struct reasons *r, size_t i);

#endif
