/* SPDX-License-Identifier: MIT */
/*
 * Template files: parsed once into lines of parts (literal text or a
 * placeholder), so that rendering a message is a walk over the parts with
 * no scanning and no allocation beyond the output buffer.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "xalloc.h"

struct part {
	size_t ph;		/* placeholder index, or NO_PH: literal text */
	size_t off, len;	/* the literal, in the template's text */
};

#define NO_PH ((size_t)-1)

struct line {
	size_t first, n;	/* parts */
	unsigned long lineno;
	unsigned long long uses;	/* bit i: placeholder i appears */
};

struct template_section {
	const struct template *t;
	size_t spec;
	char *qualifier;	/* NULL: none */
	size_t first, n;	/* lines */
	unsigned long lineno;	/* of the header */
};

struct template {
	const struct template_spec *spec;
	struct buf lit;		/* literal text, unescaped */
	struct part *parts;
	size_t nparts, partcap;
	struct line *lines;
	size_t nlines, linecap;
	struct template_section *sec;
	size_t nsec, seccap;
};

static struct part *
new_part(struct template *t)
{
	if (t->nparts == t->partcap) {
		t->partcap = t->partcap ? 2 * t->partcap : 64;
		t->parts = xreallocarray(t->parts, t->partcap,
		    sizeof(t->parts[0]));
	}
	return &t->parts[t->nparts++];
}

static void
add_literal(struct template *t, const char *s, size_t len)
{
	struct part *p;

	if (len == 0)
		return;
	p = new_part(t);
	p->ph = NO_PH;
	p->off = t->lit.len;
	p->len = len;
	buf_add(&t->lit, s, len);
}

static int
is_name_char(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static size_t
find_placeholder(const struct template_spec *spec, const char *name,
    size_t len)
{
	size_t i;

	for (i = 0; i < spec->nplaceholders; i++)
		if (strlen(spec->placeholders[i]) == len &&
		    memcmp(spec->placeholders[i], name, len) == 0)
			return i;
	return NO_PH;
}

/*
 * Compiles one line (len bytes of s) into parts of section sec. Returns 0,
 * or -1 after appending the problem to err.
 */
static int
compile_line(struct template *t, const struct template_section *sec,
    const char *s, size_t len, unsigned long lineno, struct buf *err)
{
	const struct template_section_spec *ss = &t->spec->sections[sec->spec];
	struct line *ln;
	struct part *p;
	size_t i = 0, start = 0, j, ph;

	if (t->nlines == t->linecap) {
		t->linecap = t->linecap ? 2 * t->linecap : 32;
		t->lines = xreallocarray(t->lines, t->linecap,
		    sizeof(t->lines[0]));
	}
	ln = &t->lines[t->nlines];
	ln->first = t->nparts;
	ln->lineno = lineno;
	ln->uses = 0;
	while (i < len) {
		if (s[i] != '{' && s[i] != '}') {
			i++;
			continue;
		}
		if (i + 1 < len && s[i + 1] == s[i]) {
			/* "{{" or "}}": the text so far plus one brace. */
			add_literal(t, s + start, i + 1 - start);
			i += 2;
			start = i;
			continue;
		}
		if (s[i] == '}') {
			buf_puts(err, "'}' without '{' "
			    "(write '}}' for a brace)");
			return -1;
		}
		for (j = i + 1; j < len && s[j] != '}' && s[j] != '{'; j++)
			;
		if (j == len || s[j] != '}') {
			buf_puts(err, "'{' without '}' "
			    "(write '{{' for a brace)");
			return -1;
		}
		for (ph = i + 1; ph < j && is_name_char(s[ph]); ph++)
			;
		if (ph < j || j == i + 1) {
			buf_printf(err, "bad placeholder '%.*s': a name is "
			    "letters, digits and '_'", (int)(j + 1 - i), s + i);
			return -1;
		}
		ph = find_placeholder(t->spec, s + i + 1, j - i - 1);
		if (ph == NO_PH) {
			buf_printf(err, "unknown placeholder '%.*s'",
			    (int)(j + 1 - i), s + i);
			return -1;
		}
		if (!(ss->allowed & (1ULL << ph))) {
			buf_printf(err, "placeholder '%.*s' is not allowed in "
			    "[%s]", (int)(j + 1 - i), s + i, ss->name);
			return -1;
		}
		add_literal(t, s + start, i - start);
		p = new_part(t);
		p->ph = ph;
		p->off = p->len = 0;
		ln->uses |= 1ULL << ph;
		i = start = j + 1;
	}
	add_literal(t, s + start, len - start);
	ln->n = t->nparts - ln->first;
	t->nlines++;
	return 0;
}

static int
is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/*
 * Starts the section whose header is s (len bytes, "[...]"). Returns 0, or
 * -1 after appending the problem to err.
 */
static int
open_section(struct template *t, const char *s, size_t len,
    unsigned long lineno, struct buf *err)
{
	const struct template_spec *spec = t->spec;
	struct template_section *sec;
	size_t namelen, i, k;
	const char *q = NULL;
	size_t qlen = 0;

	s++;
	len -= 2;
	for (namelen = 0; namelen < len && s[namelen] != ' '; namelen++)
		;
	if (namelen < len) {
		q = s + namelen;
		qlen = len - namelen;
		while (qlen > 0 && *q == ' ')
			q++, qlen--;
		while (qlen > 0 && q[qlen - 1] == ' ')
			qlen--;
	}
	for (i = 0; i < spec->nsections; i++)
		if (strlen(spec->sections[i].name) == namelen &&
		    memcmp(spec->sections[i].name, s, namelen) == 0)
			break;
	if (i == spec->nsections) {
		buf_printf(err, "unknown section '[%.*s]'", (int)namelen, s);
		return -1;
	}
	if (qlen > 0 && !spec->sections[i].qualified) {
		buf_printf(err, "section [%s] takes no qualifier, got '%.*s'",
		    spec->sections[i].name, (int)qlen, q);
		return -1;
	}
	for (k = 0; k < t->nsec; k++)
		if (t->sec[k].spec == i && (qlen == 0 ?
		    t->sec[k].qualifier == NULL : t->sec[k].qualifier != NULL &&
		    strlen(t->sec[k].qualifier) == qlen &&
		    memcmp(t->sec[k].qualifier, q, qlen) == 0)) {
			buf_printf(err, "section '[%.*s]' again (first at line "
			    "%lu)", (int)len, s, t->sec[k].lineno);
			return -1;
		}
	if (t->nsec == t->seccap) {
		t->seccap = t->seccap ? 2 * t->seccap : 8;
		t->sec = xreallocarray(t->sec, t->seccap, sizeof(t->sec[0]));
	}
	sec = &t->sec[t->nsec++];
	sec->t = t;
	sec->spec = i;
	sec->qualifier = qlen > 0 ? xstrndup(q, qlen) : NULL;
	sec->first = t->nlines;
	sec->n = 0;
	sec->lineno = lineno;
	return 0;
}

/* Ends the last section: drops its trailing blank lines, checks it has some. */
static int
close_section(struct template *t, unsigned long *errline, struct buf *err)
{
	struct template_section *sec;

	if (t->nsec == 0)
		return 0;
	sec = &t->sec[t->nsec - 1];
	while (t->nlines > sec->first && t->lines[t->nlines - 1].n == 0)
		t->nlines--;
	sec->n = t->nlines - sec->first;
	if (sec->n == 0) {
		*errline = sec->lineno;
		buf_printf(err, "section [%s] is empty",
		    t->spec->sections[sec->spec].name);
		return -1;
	}
	return 0;
}

struct template *
template_parse(const struct template_spec *spec, const char *text,
    size_t len, unsigned long *errline, struct buf *err)
{
	struct template *t = xcalloc(1, sizeof(*t));
	const char *s, *nl, *end = text + len;
	unsigned long lineno = 0;
	size_t n, i;
	int ok = 1;

	t->spec = spec;
	buf_init(&t->lit);
	for (s = text; ok && s < end; s = nl + 1) {
		lineno++;
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		n = (size_t)(nl - s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		*errline = lineno;
		if (n > 0 && s[0] == '#')
			continue;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
			ok = close_section(t, errline, err) == 0 &&
			    open_section(t, s, n, lineno, err) == 0;
			continue;
		}
		if (t->nsec == 0) {
			if (!is_blank(s, n)) {
				buf_puts(err, "text before the first section");
				ok = 0;
			}
			continue;
		}
		if (is_blank(s, n) && (!spec->sections[t->sec[t->nsec -
		    1].spec].text || t->nlines == t->sec[t->nsec - 1].first))
			continue;
		ok = compile_line(t, &t->sec[t->nsec - 1], s, n, lineno,
		    err) == 0;
	}
	if (ok)
		ok = close_section(t, errline, err) == 0;
	for (i = 0; ok && i < spec->nsections; i++)
		if (spec->sections[i].required &&
		    template_section(t, spec->sections[i].name, NULL) == NULL) {
			*errline = 0;
			buf_printf(err, "no section [%s]",
			    spec->sections[i].name);
			ok = 0;
		}
	if (!ok) {
		template_free(t);
		return NULL;
	}
	return t;
}

void
template_free(struct template *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nsec; i++)
		free(t->sec[i].qualifier);
	free(t->sec);
	free(t->lines);
	free(t->parts);
	buf_release(&t->lit);
	free(t);
}

const struct template_section *
template_section(const struct template *t, const char *name,
    const char *qualifier)
{
	const struct template_section *sec;
	size_t i;

	for (i = 0; i < t->nsec; i++) {
		sec = &t->sec[i];
		if (strcmp(t->spec->sections[sec->spec].name, name) != 0)
			continue;
		if (qualifier == NULL ? sec->qualifier == NULL :
		    sec->qualifier != NULL &&
		    strcmp(sec->qualifier, qualifier) == 0)
			return sec;
	}
	return NULL;
}

size_t
template_count(const struct template *t)
{
	return t->nsec;
}

const struct template_section *
template_section_at(const struct template *t, size_t i)
{
	return &t->sec[i];
}

const char *
template_section_name(const struct template_section *s)
{
	return s->t->spec->sections[s->spec].name;
}

const char *
template_section_qualifier(const struct template_section *s)
{
	return s->qualifier;
}

size_t
template_lines(const struct template_section *s)
{
	return s->n;
}

unsigned long
template_lineno(const struct template_section *s, size_t i)
{
	return s->t->lines[s->first + i].lineno;
}

int
template_uses(const struct template_section *s, size_t i, size_t ph)
{
	return ph < TEMPLATE_PLACEHOLDERS_MAX &&
	    (s->t->lines[s->first + i].uses & (1ULL << ph)) != 0;
}

unsigned long long
template_placeholders(const struct template *t)
{
	unsigned long long uses = 0;
	size_t i;

	for (i = 0; i < t->nlines; i++)
		uses |= t->lines[i].uses;
	return uses;
}

int
template_render_line(const struct template_section *s, size_t i,
    const char *const *values, struct buf *out, struct buf *err,
    size_t *missing)
{
	const struct template *t = s->t;
	const struct line *ln = &t->lines[s->first + i];
	const struct part *p;
	size_t k;

	for (k = 0; k < ln->n; k++) {
		p = &t->parts[ln->first + k];
		if (p->ph == NO_PH) {
			buf_add(out, t->lit.data + p->off, p->len);
			continue;
		}
		if (values[p->ph] == NULL) {
			buf_printf(err, "placeholder '{%s}' has no value",
			    t->spec->placeholders[p->ph]);
			if (missing != NULL)
				*missing = p->ph;
			return -1;
		}
		buf_puts(out, values[p->ph]);
	}
	return 0;
}

int
template_render(const struct template_section *s, const char *const *values,
    struct buf *out, struct buf *err, size_t *missing)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (i > 0)
			buf_putc(out, '\n');
		if (template_render_line(s, i, values, out, err, missing) < 0)
			return -1;
	}
	return 0;
}
