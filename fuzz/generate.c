/* SPDX-License-Identifier: MIT */
/*
 * cpo-generate's offline line path against itself: customers whose facts
 * come from the input share one retrieval, so lib/msgmemo fills in bodies
 * composed once; each must get the variants, and lose the messages, that
 * the slow path gives its record composed in full (the record's segment
 * key written with an escape sends it that way). A difference aborts. The
 * urgent tone's template puts words around the values that make claims
 * and instructions with some of them; the other tones are compiled in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "buf.h"
#include "experiment.h"
#include "generate.h"
#include "genline.h"
#include "jsonw.h"
#include "reasons.h"
#include "xalloc.h"

/* The retrieval of tests/fixtures/generate/records.ndjson's first line. */
static const char retrieval[] =
	"{\"query\":\"premium exclusive high-value gold\",\"segment\":\""
	"High-Value Recent\",\"results\":[{\"document_id\":\"TEA1\",\"tit"
	"le\":\"Gold Member Tasting Week\",\"snippet\":\"Gold members a"
	"re invited to a private tasting of our spring teas. The "
	"tasting runs from April 4 to April 10, and every guest t"
	"akes home a 50-gram sample tin.\",\"relevance_score\":6.2,\""
	"reranker_score\":6.5,\"paragraph_index\":0,\"retrieved_at\":\""
	"2026-01-01T00:00:00Z\"},{\"document_id\":\"POT1\",\"title\":\"Ca"
	"st-Iron Teapot Care\",\"snippet\":\"Rinse the teapot with ho"
	"t water after each use and dry it over a low flame. Neve"
	"r use soap, because it strips the seasoning that protect"
	"s the iron.\",\"relevance_score\":4.1,\"reranker_score\":4.0,"
	"\"paragraph_index\":1,\"retrieved_at\":\"2026-01-01T00:00:00Z"
	"\"},{\"document_id\":\"SHIP1\",\"title\":\"Free Shipping on Tea "
	"Sets\",\"snippet\":\"Tea sets ship free to every address in "
	"the country. Orders placed before noon leave our warehou"
	"se the same day.\",\"relevance_score\":3.2,\"reranker_score\""
	":null,\"paragraph_index\":2,\"retrieved_at\":\"2026-01-01T00:"
	"00:00Z\"}],\"total_results\":3}";

/*
 * An urgent tone whose words around the values make claims, instructions
 * and abbreviations with some values and not with others.
 */
static const char urgent[] =
	"[subject]\n{location}: {topic}\n{topic}\n\n"
	"[opening]\n"
	"Members around {location}% follow the rules for {tier} members.\n"
	"Ask for No. {purchase_frequency} at {location}. Then see the rest.\n"
	"Our {location}s team says: look at this now, as {segment} do.\n\n"
	"[closing]\nSee you in {location}.\nUntil {last_engagement_days}.\n\n"
	"[extra]\n"
	"Thank you for reading this note, which we wrote with care and with "
	"you in mind, and which we hope you will find useful.\n"
	"Every detail above is quoted from our published pages, so you can "
	"look each one up and read more about it whenever it suits you.\n"
	"If you have a question about anything in this message, reply to it "
	"and someone from our team will write back to you.\n\n"
	"[body]\n{opening}\n\n{passages}\n\n{closing} {extra}\n";

static char dir[] = "/tmp/cpo-fuzz-generate-XXXXXX";
static char path[sizeof(dir) + sizeof("/urgent.txt")];

/* Removes the template and its directory when the fuzzer exits. */
static void
remove_dir(void)
{
	remove(path);
	remove(dir);
}

/* Writes urgent.txt into a new directory; its name. */
static const char *
template_dir(void)
{
	FILE *f;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/urgent.txt", dir);
	atexit(remove_dir);
	if ((f = fopen(path, "w")) == NULL || fputs(urgent, f) == EOF ||
	    fclose(f) == EOF)
		abort();
	return dir;
}

static const char *const tiers[] = {
	"Gold", "Silver", "Bronze", "Platinum"
};
static const char *const segments[] = {
	"High-Value Recent", "At-Risk", "New Customer", "Loyal Frequent",
	"Standard"
};

/* Takes the next byte of the input, or 0 past its end. */
static unsigned
take(const uint8_t **p, const uint8_t *end)
{
	return *p < end ? *(*p)++ : 0;
}

/*
 * Appends a record made from the input: its location is up to 24 bytes
 * of it, its numbers and tier and segment picked by bytes. key is how the
 * segment's key is written.
 */
static void
record(struct buf *b, size_t i, const uint8_t **p, const uint8_t *end,
    const char *key)
{
	size_t n = take(p, end) % 25;
	unsigned pick = take(p, end);

	if ((size_t)(end - *p) < n)
		n = (size_t)(end - *p);
	buf_printf(b, "{\"customer_id\":\"F%zu\",\"location\":", i);
	jsonw_string(b, (const char *)*p, n);
	*p += n;
	buf_printf(b, ",\"tier\":\"%s\",\"%s\":\"%s\"", tiers[pick % 4], key,
	    segments[pick / 4 % 5]);
	buf_printf(b, ",\"purchase_frequency\":%u", take(p, end) % 40);
	buf_printf(b, ",\"avg_order_value\":%u.%02u", take(p, end) * 7,
	    take(p, end) % 100);
	buf_printf(b, ",\"last_engagement_days\":%u", take(p, end));
	buf_printf(b, ",\"retrieval\":%s}", retrieval);
}

/* The variants of a record written, from their key on; "" when none. */
static const char *
variants(const struct buf *out)
{
	const char *v = strstr(buf_str(out), "\"variants\":[");

	return v != NULL ? v : "";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct experiment exp;
	static struct generator g;
	static int ready;
	struct buf line, out, lost, why_buf, where;
	struct reasons why;
	struct genline *l;
	const uint8_t *p, *at, *end = data + size;
	size_t i, n, nlost;
	char *together;

	if (!ready) {
		experiment_init(&exp);
		generate_init(&g, &exp, 1767225600);
		buf_init(&where);
		buf_init(&why_buf);
		if (generate_load_tones(&g, template_dir(),
		    "urgent,informational,friendly", "compiled-in experiment",
		    &where, &why_buf) < 0)
			abort();
		buf_release(&where);
		buf_release(&why_buf);
		ready = 1;
	}
	l = xmalloc(sizeof(*l));
	genline_init(l, &g);
	buf_init(&line);
	buf_init(&out);
	buf_init(&lost);
	reasons_init(&why);
	/* Eight customers, each then again the slow way. */
	for (p = data, n = 0; n < 8; n++) {
		at = p;
		buf_reset(&line);
		record(&line, n, &p, end, "segment");
		buf_reset(&out);
		reasons_reset(&why);
		if (genline_record(l, line.data, line.len, 0, &out, &why) < 0)
			continue;
		together = xstrdup(variants(&out));
		buf_reset(&lost);
		for (i = 0; i < l->lost.n; i++)
			buf_puts(&lost, reasons_get(&l->lost, i));
		nlost = l->lost.n;
		buf_reset(&line);
		record(&line, n, &at, end, "\\u0073egment");
		buf_reset(&out);
		reasons_reset(&why);
		if (genline_record(l, line.data, line.len, 0, &out, &why) < 0 ||
		    strcmp(together, variants(&out)) != 0 ||
		    l->lost.n != nlost)
			abort();
		for (i = 0; i < l->lost.n; i++)
			if (strstr(buf_str(&lost), reasons_get(&l->lost, i)) ==
			    NULL)
				abort();
		free(together);
	}
	reasons_release(&why);
	buf_release(&line);
	buf_release(&out);
	buf_release(&lost);
	genline_release(l);
	free(l);
	return 0;
}
