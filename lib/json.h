/* SPDX-License-Identifier: MIT */
/*
 * JSON values: the one module that wraps cJSON. Parsing is cJSON's; writing
 * is ours (jsonw), so numbers come out in the shortest round-trip form and
 * object members stay in input order.
 */
#ifndef CPO_JSON_H
#define CPO_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

/*
 * Parses len bytes of text as exactly one JSON value (surrounding blanks
 * allowed). Returns the value, which the caller frees with json_free, or NULL
 * with *errcol set to the 1-based column where parsing failed.
 */
cJSON *json_parse(const char *text, size_t len, size_t *errcol);

/* Frees a value from json_parse or the json_new_* calls; NULL is fine. */
void json_free(cJSON *v);

/* Appends v to b as compact JSON text. */
void json_write(struct buf *b, const cJSON *v);

/* Returns the member key of object obj, or NULL (case-sensitive). */
cJSON *json_get(const cJSON *obj, const char *key);

/*
 * Sets member key of obj to v, replacing an existing member in place (so
 * the field order stays stable when a stage runs twice) or appending it.
 * Takes ownership of v.
 */
void json_set(cJSON *obj, const char *key, cJSON *v);

/* Constructors; each returns a new value owned by the caller. */
cJSON *json_new_object(void);
cJSON *json_new_array(void);
cJSON *json_new_string(const char *s);
cJSON *json_new_number(double d);
cJSON *json_new_bool(int v);
cJSON *json_new_null(void);

/* Appends v to array arr, taking ownership of v. */
void json_append(cJSON *arr, cJSON *v);

/* Returns the name of v's type for messages: "object", "string", ... */
const char *json_type_name(const cJSON *v);

#endif
