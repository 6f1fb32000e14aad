/* SPDX-License-Identifier: MIT */
/*
 * Text templates with named placeholders, in sections: the format of the
 * message templates under data/templates/. The caller says which sections
 * and placeholders exist; everything else is an error found when the file
 * is read, with its line number, so that a bad template stops a run before
 * the first record rather than spoiling every message.
 *
 * The format:
 *
 *	# a comment (only at the start of a line)
 *	[subject]
 *	One alternative per line, with {placeholders}
 *
 *	[opening At-Risk]
 *	A section may carry a qualifier after its name.
 *
 * A line "[NAME]" or "[NAME QUALIFIER]" starts a section. In a list section
 * each non-blank line is one alternative; a text section keeps its lines,
 * blank ones included, as one text (leading and trailing blank lines are
 * dropped). A placeholder is {name}, name being letters, digits and '_';
 * "{{" and "}}" stand for literal braces. Text before the first section is
 * an error, and so is a section named twice (with the same qualifier).
 */
#ifndef CPO_TEMPLATE_H
#define CPO_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

/* Placeholders a spec may name: one bit each in a section's mask. */
#define TEMPLATE_PLACEHOLDERS_MAX 64

struct template_section_spec {
	const char *name;
	int text;			/* one text, not a list of lines */
	int qualified;			/* "[NAME QUALIFIER]" is allowed */
	int required;			/* the unqualified section must exist */
	unsigned long long allowed;	/* bit i: placeholder i may appear */
};

struct template_spec {
	const char *const *placeholders;	/* names, without braces */
	size_t nplaceholders;
	const struct template_section_spec *sections;
	size_t nsections;
};

struct template;
struct template_section;

/*
 * Parses len bytes of text by spec (borrowed; it must outlive the
 * template). Returns the template, which the caller frees with
 * template_free, or NULL after storing the 1-based line at fault in
 * *errline (0 when the fault is the file as a whole, such as a missing
 * section) and appending the problem to err, for example "unknown
 * placeholder '{nmae}'" or "placeholder '{body}' is not allowed in
 * [subject]".
 */
struct template *template_parse(const struct template_spec *spec,
    const char *text, size_t len, unsigned long *errline, struct buf *err);

/* Frees t; NULL is fine. */
void template_free(struct template *t);

/*
 * Returns the section called name with the given qualifier (NULL: the
 * unqualified one), or NULL when the template has none. The pointer is
 * valid as long as t.
 */
const struct template_section *template_section(const struct template *t,
    const char *name, const char *qualifier);

/* Returns the number of sections in t, and section i (0 <= i < count). */
size_t template_count(const struct template *t);
const struct template_section *template_section_at(const struct template *t,
    size_t i);

/* Returns the name of s, and its qualifier or NULL. */
const char *template_section_name(const struct template_section *s);
const char *template_section_qualifier(const struct template_section *s);

/* Returns the number of lines (alternatives, for a list section) of s. */
size_t template_lines(const struct template_section *s);

/* Returns the line in the file where line i of s was written. */
unsigned long template_lineno(const struct template_section *s, size_t i);

/* Returns 1 if line i of s uses placeholder ph (its index in the spec). */
int template_uses(const struct template_section *s, size_t i, size_t ph);

/* The placeholders any line of t uses: bit i for placeholder i. */
unsigned long long template_placeholders(const struct template *t);

/*
 * Appends line i of s to out with each placeholder replaced by its value:
 * values[k] for placeholder k, NULL meaning it has none. Returns 0, or -1
 * after appending "placeholder '{NAME}' has no value" to err (out then
 * holds part of the line) and storing the placeholder's index in *missing
 * (which may be NULL).
 */
int template_render_line(const struct template_section *s, size_t i,
    const char *const *values, struct buf *out, struct buf *err,
    size_t *missing);

/* The same for a whole text section: its lines joined by newlines. */
int template_render(const struct template_section *s,
    const char *const *values, struct buf *out, struct buf *err,
    size_t *missing);

#endif
