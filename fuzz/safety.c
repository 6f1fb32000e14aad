/* SPDX-License-Identifier: MIT */
/*
 * The safety normaliser and the offline classifier: any text is split into
 * pieces with all their forms, then classified against the compiled-in
 * lexicon with every match reported, as --explain does.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "buf.h"
#include "lexicon.h"
#include "safety.h"
#include "textnorm.h"

static struct lexicon *lexicon;
static struct lexicon_scan *scan;

static void
on_match(void *arg, const struct lexicon_match *m)
{
	size_t len = *(size_t *)arg;

	if (m->start > m->end || m->end > len)
		abort();	/* a match outside the text */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int severity[SAFETY_NCATEGORIES];
	struct textnorm t;
	size_t i, k;

	if (lexicon == NULL) {
		struct buf why;

		buf_init(&why);
		lexicon = lexicon_new();
		if (lexicon_load(lexicon, NULL, &why) < 0)
			abort();
		buf_release(&why);
		scan = lexicon_scan_new();
	}
	textnorm_init(&t);
	textnorm_split(&t, (const char *)data, size);
	for (i = 0; i < t.n; i++) {
		if (t.p[i].start > t.p[i].end || t.p[i].end > size)
			abort();
		for (k = 0; k < t.p[i].nforms; k++)
			textnorm_form(&t, &t.p[i], k);
	}
	textnorm_release(&t);
	lexicon_classify(lexicon, scan, (const char *)data, size, severity,
	    on_match, &size);
	return 0;
}
