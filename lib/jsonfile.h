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
#include "reasons.h"

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
 * jsonfile_parse for documents that must be one JSON object: returns the
 * tree, or NULL with the reason in err ("expected a JSON object, got ...").
 */
cJSON *jsonfile_object(const char *text, size_t len, struct buf *err);

/*
 * What jsonfile_load does with a file's text: parses it into ctx and
 * returns 0, or -1 with the reason in err.
 */
typedef int jsonfile_parse_fn(void *ctx, const char *text, size_t len,
    struct buf *err);

/*
 * Reads the file at path and passes its text to parse. Returns parse's
 * result, or -2 with strerror's words in err when the file can't be read,
 * so that callers can tell an I/O error (exit 3) from a bad file (exit 2).
 */
int jsonfile_load(const char *path, jsonfile_parse_fn *parse, void *ctx,
    struct buf *err);

/*
 * Appends v to b as messages show values: a string quoted and escaped by
 * diag_quote, anything else as compact JSON cut after 60 bytes, and
 * "nothing" for NULL (a missing member).
 */
void jsonfile_show(struct buf *b, const cJSON *v);

/*
 * Appends "KIND 'NAME': expected WANT, got VALUE" to b, VALUE as
 * jsonfile_show writes it ("nothing" for NULL); KIND is "key" or "field".
 */
void jsonfile_expected(struct buf *b, const char *kind, const char *name,
    const char *want, const cJSON *v);

/*
 * Adds to why "field 'NAME': expected WANT, got VALUE", or "field 'NAME':
 * missing" when v is NULL: how record readers name a bad member.
 */
void jsonfile_bad_field(struct reasons *why, const char *name,
    const char *want, const cJSON *v);

#endif
