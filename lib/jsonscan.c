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
#include "jsonw.h"
#include "numparse.h"
#include "utf8.h"
#include "xalloc.h"

struct scan {
	const char *p, *end;
	const char *known;	/* a top-level value taken as it is */
	size_t known_len;
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

/*
 * Skips from p the bytes of a string that need no look: not a quote, a
 * backslash, a control character or a byte of a multibyte character.
 * Eight at a time, with the bitwise tests of "Bit Twiddling Hacks"
 * (graphics.stanford.edu/~seander/bithacks.html, "Determine if a word
 * has a byte less than n"), whose answer is exact for the word as a whole.
 */
static const char *
skip_plain(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t x, quote, slash, control;

	while (end - p >= 8) {
		memcpy(&x, p, 8);
		quote = x ^ ones * '"';
		slash = x ^ ones * '\\';
		control = (x - ones * 0x20) & ~x;
		if ((control | ((quote - ones) & ~quote) |
		    ((slash - ones) & ~slash) | x) & highs)
			break;
		p += 8;
	}
	return p;
}

/* A string, from its opening quote; sets *escaped if it has escapes. */
static int
string(struct scan *s, int *escaped)
{
	unsigned char c;
	unsigned code;

	for (s->p++; s->p < s->end; s->p++) {
		if ((s->p = skip_plain(s->p, s->end)) == s->end)
			break;
		c = (unsigned char)*s->p;
		if (c == '"') {
			s->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c >= 0x80) {
			/* Invalid UTF-8 is for the slow path to reject. */
			size_t n = utf8_char_len(s->p, (size_t)(s->end - s->p));

			if (n == 0)
				return -1;
			s->p += n - 1;
			continue;
		}
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
		if (s->p == s->known && depth == 1) {
			s->p += s->known_len;
			mem.type = JSONSCAN_OBJECT;
		} else if (value(s, depth, &mem.type) < 0)
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
	return jsonscan_object_known(text, len, m, max, close, len, 0);
}

int
jsonscan_object_known(const char *text, size_t len,
    struct jsonscan_member *m, size_t max, size_t *close, size_t known,
    size_t known_len)
{
	struct scan s = { text, text + len, NULL, 0 };
	int n;

	if (known < len && known_len <= len - known) {
		s.known = text + known;
		s.known_len = known_len;
	}
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

/* Skips the string from its opening quote at p; text already checked. */
static const char *
skip_string(const char *p, const char *end)
{
	const char *q, *b;

	for (p++;; p = q + 1) {
		q = memchr(p, '"', (size_t)(end - p));
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			return q + 1;
	}
}

/* Skips the value at p; text already checked. */
static const char *
skip_value(const char *p, const char *end)
{
	int depth = 0;

	do {
		switch (*p) {
		case '"':
			p = skip_string(p, end);
			continue;
		case '{': case '[':
			depth++;
			break;
		case '}': case ']':
			depth--;
			break;
		default:
			if (depth == 0) {
				while (p < end && *p != ',' && *p != '}' &&
				    *p != ']' && *p != ' ' && *p != '\t' &&
				    *p != '\n' && *p != '\r')
					p++;
				return p;
			}
		}
		p++;
	} while (depth > 0);
	return p;
}

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* The members or elements of checked text, from its bracket at p. */
static int
list(const char *p, const char *end, struct jsonscan_member *m, size_t max,
    int object, size_t *close)
{
	const char *start = p;
	size_t n = 0;

	p = skip_blanks(p + 1);
	while (*p != (object ? '}' : ']')) {
		if (n == max)
			return -1;
		m[n].key = NULL;
		m[n].keylen = 0;
		m[n].key_escaped = 0;
		if (object) {
			m[n].key = p + 1;
			p = skip_string(p, end);
			m[n].keylen = (size_t)(p - 1 - m[n].key);
			m[n].key_escaped = memchr(m[n].key, '\\',
			    m[n].keylen) != NULL;
			p = skip_blanks(skip_blanks(p) + 1);
		}
		m[n].value = p;
		m[n].type = *p == '{' ? JSONSCAN_OBJECT : *p == '[' ?
		    JSONSCAN_ARRAY : *p == '"' ? JSONSCAN_STRING : *p == 't' ?
		    JSONSCAN_TRUE : *p == 'f' ? JSONSCAN_FALSE : *p == 'n' ?
		    JSONSCAN_NULL : JSONSCAN_NUMBER;
		p = skip_value(p, end);
		m[n].valuelen = (size_t)(p - m[n].value);
		n++;
		p = skip_blanks(p);
		if (*p == ',')
			p = skip_blanks(p + 1);
	}
	*close = (size_t)(p - start);
	return n > 0x7fffffff ? -1 : (int)n;
}

int
jsonscan_elements(const char *text, size_t len, struct jsonscan_member *m,
    size_t max)
{
	size_t close;

	return list(text, text + len, m, max, 0, &close);
}

int
jsonscan_members(const char *text, size_t len, struct jsonscan_member *m,
    size_t max, size_t *close)
{
	return list(text, text + len, m, max, 1, close);
}

size_t
jsonscan_unescape(const char *text, size_t len, char *out)
{
	const char *p = text + 1, *end = text + len - 1, *q;
	unsigned code;
	size_t o = 0;

	for (; p < end; p++) {
		if (*p != '\\') {
			/* A run without escapes is copied at once. */
			q = memchr(p, '\\', (size_t)(end - p));
			if (q == NULL)
				q = end;
			memcpy(out + o, p, (size_t)(q - p));
			o += (size_t)(q - p);
			if ((p = q) == end)
				break;
		}
		switch (*++p) {
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u':
			/* Checked: four hex digits, no NUL, no surrogate. */
			hex4(p + 1, &code);
			p += 4;
			if (code < 0x80)
				out[o++] = (char)code;
			else if (code < 0x800) {
				out[o++] = (char)(0xc0 | code >> 6);
				out[o++] = (char)(0x80 | (code & 0x3f));
			} else {
				out[o++] = (char)(0xe0 | code >> 12);
				out[o++] = (char)(0x80 | (code >> 6 & 0x3f));
				out[o++] = (char)(0x80 | (code & 0x3f));
			}
			break;
		default: out[o++] = *p;	/* " \ / */
		}
	}
	return o;
}

/*
 * Is the string from after its opening quote written as jsonw writes it?
 * Returns the end of the string, or NULL. jsonw escapes " \ and the
 * control characters only, those with a short form by it, the others as
 * \u00xx in lower case.
 */
static const char *
canonical_string(const char *p, const char *end)
{
	unsigned code;

	for (; p < end; p++) {
		if (*p == '"')
			return p + 1;
		if (*p != '\\')
			continue;
		if (++p == end)
			return NULL;
		switch (*p) {
		case '"': case '\\': case 'b': case 'f': case 'n': case 'r':
		case 't':
			continue;
		case 'u':
			if (end - p < 5 || p[1] != '0' || p[2] != '0' ||
			    (p[3] != '0' && p[3] != '1') || hex4(p + 1, &code) < 0 ||
			    (p[4] >= 'A' && p[4] <= 'F') || code == 0 ||
			    code == '\b' || code == '\f' || code == '\n' ||
			    code == '\r' || code == '\t')
				return NULL;
			p += 4;
			continue;
		default:
			return NULL;
		}
	}
	return NULL;
}

/* Is the number text (len bytes) what jsonw writes for its value? */
static int
canonical_number(const char *t, size_t len)
{
	char out[JSONW_DOUBLE_MAX];
	size_t i = t[0] == '-';

	/* Integers of up to 15 digits are written as they are. */
	if (len > i && len - i <= 15 && t[i] != '0') {
		while (i < len && t[i] >= '0' && t[i] <= '9')
			i++;
		if (i == len)
			return 1;
	}
	if (len == 1 && t[0] == '0')
		return 1;
	if (len >= sizeof(out))
		return 0;
	return jsonw_format_double(jsonscan_number(t, len), out) == len &&
	    memcmp(out, t, len) == 0;
}

static int
number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
	    c == 'e' || c == 'E';
}

int
jsonscan_canonical(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *q;

	while (p < end) {
		switch (*p) {
		case '"':
			if ((p = canonical_string(p + 1, end)) == NULL)
				return 0;
			break;
		case ' ': case '\t': case '\n': case '\r':
			return 0;
		case '-': case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			for (q = p; q < end && number_char(*q); q++)
				;
			if (!canonical_number(p, (size_t)(q - p)))
				return 0;
			p = q;
			break;
		default:
			p++;	/* { } [ ] : , and the letters of literals */
		}
	}
	return 1;
}

/* Returns the end of the string whose opening quote is at p. */
static const char *
string_end(const char *p)
{
	for (p++; *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p + 1;
}

void
jsonscan_rewrite(const char *text, size_t len, struct buf *out,
    struct buf *scratch)
{
	const char *p = text, *end = text + len, *q;

	while (p < end) {
		switch (*p) {
		case ' ': case '\t': case '\n': case '\r':
			p++;
			break;
		case '"':
			q = string_end(p);
			if (memchr(p, '\\', (size_t)(q - p)) == NULL)
				jsonw_string(out, p + 1, (size_t)(q - p) - 2);
			else {
				buf_reset(scratch);
				buf_grow(scratch, (size_t)(q - p));
				scratch->len = jsonscan_unescape(p, (size_t)(q - p),
				    scratch->data);
				jsonw_string(out, scratch->data, scratch->len);
			}
			p = q;
			break;
		case '-': case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			for (q = p; q < end && number_char(*q); q++)
				;
			jsonw_double(out, jsonscan_number(p, (size_t)(q - p)));
			p = q;
			break;
		default:
			buf_putc(out, *p++);
		}
	}
}
