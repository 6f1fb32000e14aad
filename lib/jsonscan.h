/* SPDX-License-Identifier: MIT */
/*
 * A JSON checker that builds no tree: it validates one JSON object and
 * reports where its top-level members are in the text, so that a filter
 * can read a few fields and copy the rest of a record byte for byte. It is
 * the fast path in front of cJSON (lib/json): text it declines is handed to
 * json_parse, which decides and explains.
 */
#ifndef CPO_JSONSCAN_H
#define CPO_JSONSCAN_H

#include <stddef.h>
#include <string.h>

#include "buf.h"

enum jsonscan_type {
	JSONSCAN_OBJECT,
	JSONSCAN_ARRAY,
	JSONSCAN_STRING,
	JSONSCAN_NUMBER,
	JSONSCAN_TRUE,
	JSONSCAN_FALSE,
	JSONSCAN_NULL
};

struct jsonscan_member {
	const char *key;	/* the key's text between its quotes, raw */
	size_t keylen;
	int key_escaped;	/* the key holds a backslash escape */
	const char *value;	/* the value's text */
	size_t valuelen;
	enum jsonscan_type type;
};

/* Nesting deeper than this is declined (cJSON allows 1000). */
#define JSONSCAN_DEPTH 64

/*
 * Members a record reader takes in at once. A record with more falls back
 * to the callers' full parser, so this bounds only the fast path.
 */
#define JSONSCAN_MEMBERS 64

/*
 * Checks that text (len bytes) is one JSON object as RFC 8259 defines it,
 * with blanks (space, tab, CR, LF) around it, and stores up to max of its
 * top-level members in m, in order, and the offset of its closing brace in
 * *close. Returns the number of members; or -1 when the text is not such an
 * object, nests deeper than JSONSCAN_DEPTH, has more than max members, or
 * has a \u escape for NUL or a surrogate (cJSON's handling of those is
 * its own), or has a string that is not valid UTF-8 (which the record
 * readers must reject, not pass on). Pointers in m point into text.
 */
int jsonscan_object(const char *text, size_t len, struct jsonscan_member *m,
    size_t max, size_t *close);

/*
 * jsonscan_object, but a top-level member's object found at text + known
 * is taken to be the known_len bytes there, unchecked: for a reader that
 * found there, byte for byte, a value jsonscan_object accepted as a
 * top-level member's before (a record's retrieval, the same from record
 * to record). With known past the text, it is jsonscan_object.
 */
int jsonscan_object_known(const char *text, size_t len,
    struct jsonscan_member *m, size_t max, size_t *close, size_t known,
    size_t known_len);

/*
 * Converts the JSON number text (len bytes, as jsonscan_object checked it)
 * to the nearest double, as strtod does: exactly, by Clinger's fast path
 * when the digits and the power of ten are small enough, else by strtod.
 */
double jsonscan_number(const char *text, size_t len);

/*
 * Tells whether member m's key is exactly the NUL-terminated key. Inline:
 * readers test every member against several keys, and a key given as a
 * literal then has its length known when compiled.
 */
static inline int
jsonscan_is_key(const struct jsonscan_member *m, const char *key)
{
	size_t n = strlen(key);

	return n == m->keylen && memcmp(m->key, key, n) == 0;
}

/*
 * For a string member whose text has no escapes (its bytes are its value),
 * points *s at the value without quotes and sets *len; for null sets *s to
 * NULL and *len to 0. Returns 1 then, or 0 for anything else (the caller
 * goes the slow way).
 */
int jsonscan_plain(const struct jsonscan_member *m, const char **s,
    size_t *len);

/*
 * Stores up to max elements of the JSON array text (len bytes, from its
 * opening bracket, part of what jsonscan_object has checked: it is not
 * checked again) in m, with key NULL. Returns their number, or -1 when
 * there are more than max.
 */
int jsonscan_elements(const char *text, size_t len, struct jsonscan_member *m,
    size_t max);

/*
 * Stores up to max members of the JSON object text (len bytes, from its
 * opening brace, part of what jsonscan_object has checked: it is not
 * checked again) in m, and the offset of its closing brace in *close.
 * Returns their number, or -1 when there are more than max.
 */
int jsonscan_members(const char *text, size_t len, struct jsonscan_member *m,
    size_t max, size_t *close);

/*
 * Writes the value of the JSON string text (len bytes, quotes included, as
 * jsonscan_object checked it) to out, which has room for len bytes (the
 * value is never longer than its text), and returns its length. Escapes
 * become their bytes, \u ones UTF-8, as cJSON reads them.
 */
size_t jsonscan_unescape(const char *text, size_t len, char *out);

/*
 * Tells whether the JSON text (len bytes, one value as jsonscan_object
 * checked it) is written exactly as lib/json writes it back: no blanks
 * between tokens, numbers in jsonw's shortest form, strings escaped only
 * where jsonw escapes them. A filter that copies such text byte for byte
 * gives the output a parse and json_write would give.
 */
int jsonscan_canonical(const char *text, size_t len);

/*
 * Appends to out the JSON text (len bytes, one value as jsonscan_object
 * checked it) as lib/json would write it back after a parse: blanks
 * dropped, strings and numbers rewritten by lib/jsonw. scratch holds
 * unescaped strings on the way.
 */
void jsonscan_rewrite(const char *text, size_t len, struct buf *out,
    struct buf *scratch);

#endif
