/* SPDX-License-Identifier: MIT */
/*
 * JSON checking without a tree. The grammar is RFC 8259's, section by
 * section: value (3), object (4), array (5), number (6), string (7).
 * Anything unusual is declined rather than decided here, so that the answer
 * for odd input is always cJSON's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "numparse.h"
#include "xalloc.h"

struct scan {
	const char *p, *end;
};

static void
blanks(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
hex4(const char *p, unsigned *code)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= (unsigned)(p[i] - 'A' + 10);
		else
			return -1;
	}
	*code = v;
	return 0;
}

/* A string, from its opening quote; sets *escaped if it has escapes. */
static int
string(struct scan *s, int *escaped)
{
	unsigned char c;
	unsigned code;

	for (s->p++; s->p < s->end; s->p++) {
		c = (unsigned char)*s->p;
		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c != '\\')
			continue;
		*escaped = 1;
		if (++s->p == s->end)
			return -1;
		if (strchr("\"\\/bfnrt", *s->p) != NULL && *s->p != '\0')
			continue;
		if (*s->p != 'u' || s->end - s->p < 5 ||
		    hex4(s->p + 1, &code) < 0 || code == 0 ||
		    (code >= 0xd800 && code <= 0xdfff))
			return -1;
		s->p += 4;
	}
	return -1;
}

static int
digits(struct scan *s)
{
	const char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start ? 0 : -1;
}

static int
number(struct scan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (s->p == s->end || *s->p < '1' || *s->p > '9' || digits(s) < 0)
		return -1;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (digits(s) < 0)
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (digits(s) < 0)
			return -1;
	}
	return 0;
}

static int
literal(struct scan *s, const char *word, size_t len)
{
	if ((size_t)(s->end - s->p) < len || memcmp(s->p, word, len) != 0)
		return -1;
	s->p += len;
	return 0;
}

static int object(struct scan *, int, struct jsonscan_member *, size_t);
static int array(struct scan *, int);

static int
value(struct scan *s, int depth, enum jsonscan_type *type)
{
	int escaped = 0;

	if (s->p == s->end)
		return -1;
	switch (*s->p) {
	case '{':
		*type = JSONSCAN_OBJECT;
		return object(s, depth + 1, NULL, 0) < 0 ? -1 : 0;
	case '[':
		*type = JSONSCAN_ARRAY;
		return array(s, depth + 1);
	case '"':
		*type = JSONSCAN_STRING;
		return string(s, &escaped);
	case 't':
		*type = JSONSCAN_TRUE;
		return literal(s, "true", 4);
	case 'f':
		*type = JSONSCAN_FALSE;
		return literal(s, "false", 5);
	case 'n':
		*type = JSONSCAN_NULL;
		return literal(s, "null", 4);
	default:
		*type = JSONSCAN_NUMBER;
		return number(s);
	}
}

/* After an element: returns 1 at the closing byte, 0 after a comma. */
static int
next(struct scan *s, char closing)
{
	blanks(s);
	if (s->p == s->end)
		return -1;
	if (*s->p == closing) {
		s->p++;
		return 1;
	}
	if (*s->p != ',')
		return -1;
	s->p++;
	blanks(s);
	return 0;
}

static int
array(struct scan *s, int depth)
{
	enum jsonscan_type type;
	int rc;

	if (depth > JSONSCAN_DEPTH)
		return -1;
	s->p++;
	blanks(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return 0;
	}
	do
		if (value(s, depth, &type) < 0)
			return -1;
	while ((rc = next(s, ']')) == 0);
	return rc < 0 ? -1 : 0;
}

/* An object from its brace; records up to max members when m is given. */
static int
object(struct scan *s, int depth, struct jsonscan_member *m, size_t max)
{
	struct jsonscan_member mem;
	size_t n = 0;
	int rc;

	if (depth > JSONSCAN_DEPTH)
		return -1;
	s->p++;
	blanks(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	do {
		if (s->p == s->end || *s->p != '"')
			return -1;
		mem.key = s->p + 1;
		mem.key_escaped = 0;
		if (string(s, &mem.key_escaped) < 0)
			return -1;
		mem.keylen = (size_t)(s->p - 1 - mem.key);
		blanks(s);
		if (s->p == s->end || *s->p != ':')
			return -1;
		s->p++;
		blanks(s);
		mem.value = s->p;
		if (value(s, depth, &mem.type) < 0)
			return -1;
		mem.valuelen = (size_t)(s->p - mem.value);
		if (m != NULL) {
			if (n == max)
				return -1;
			m[n] = mem;
		}
		n++;
	} while ((rc = next(s, '}')) == 0);
	return rc < 0 || n > 0x7fffffff ? -1 : (int)n;
}

int
jsonscan_object(const char *text, size_t len, struct jsonscan_member *m,
    size_t max, size_t *close)
{
	struct scan s = { text, text + len };
	int n;

	blanks(&s);
	if (s.p == s.end || *s.p != '{')
		return -1;
	if ((n = object(&s, 1, m, max)) < 0)
		return -1;
	*close = (size_t)(s.p - 1 - text);
	blanks(&s);
	return s.p == s.end ? n : -1;
}

double
jsonscan_number(const char *text, size_t len)
{
	return num_decimal_value(text, len);
}

int
jsonscan_is_key(const struct jsonscan_member *m, const char *key)
{
	return strlen(key) == m->keylen && memcmp(m->key, key, m->keylen) == 0;
}

int
jsonscan_plain(const struct jsonscan_member *m, const char **s, size_t *len)
{
	if (m->type == JSONSCAN_NULL) {
		*s = NULL;
		*len = 0;
		return 1;
	}
	if (m->type != JSONSCAN_STRING ||
	    memchr(m->value, '\\', m->valuelen) != NULL)
		return 0;
	*s = m->value + 1;
	*len = m->valuelen - 2;
	return 1;
}
