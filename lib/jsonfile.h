/* SPDX-License-Identifier: MIT */
/*
 * JSON configuration files (rules, models): reading a whole file, parsing
 * it with the position of a syntax error in lines and columns, and showing
 * a value in a message.
 */
#ifndef CPO_JSONFILE_H
#define CPO_JSONFILE_H

#include <stddef.h>

#include "buf.h"
#include "json.h"

/* Largest file jsonfile_read accepts: configuration, not data. */
#define JSONFILE_MAX (64UL << 20)

/*
 * Appends the contents of the file at path to text. Returns 0, or -1 with
 * errno set (EFBIG when the file is larger than JSONFILE_MAX).
 */
int jsonfile_read(const char *path, struct buf *text);

/*
 * Parses len bytes of text as one JSON value. Returns it (the caller frees
 * it with json_free), or NULL after appending "invalid JSON at line L,
 * column C" to err.
 */
cJSON *jsonfile_parse(const char *text, size_t len, struct buf *err);

/*
 * Appends v to b as messages show values: a string quoted and escaped by
 * diag_quote, anything else as compact JSON cut after 60 bytes, and
 * "nothing" for NULL (a missing member).
 */
void jsonfile_show(struct buf *b, const cJSON *v);

#endif
