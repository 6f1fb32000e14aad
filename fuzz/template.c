/* SPDX-License-Identifier: MIT */
/*
 * The template engine, through the tone-template loader cpo-generate uses:
 * a template that loads has every line of every section rendered, once
 * with a value for every placeholder and once with none.
 */
#include <stddef.h>

#include "fuzz.h"
#include "buf.h"
#include "compose.h"
#include "template.h"

static void
render_all(const struct template *t, const char *const *values)
{
	struct buf out, err;
	size_t i, k, missing;

	buf_init(&out);
	buf_init(&err);
	for (i = 0; i < template_count(t); i++) {
		const struct template_section *s = template_section_at(t, i);

		template_section_name(s);
		template_section_qualifier(s);
		for (k = 0; k < template_lines(s); k++) {
			template_lineno(s, k);
			template_render_line(s, k, values, &out, &err,
			    &missing);
			buf_reset(&out);
			buf_reset(&err);
		}
	}
	buf_release(&out);
	buf_release(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *all[COMPOSE_PLACEHOLDERS], *none[COMPOSE_PLACEHOLDERS];
	struct template *t;
	struct buf err;
	unsigned long errline;
	size_t i;

	for (i = 0; i < COMPOSE_PLACEHOLDERS; i++) {
		all[i] = "{value} with {braces}";
		none[i] = NULL;
	}
	buf_init(&err);
	t = compose_load((const char *)data, size, &errline, &err);
	if (t != NULL) {
		render_all(t, all);
		render_all(t, none);
		template_free(t);
	}
	buf_release(&err);
	return 0;
}
