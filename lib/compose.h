/* SPDX-License-Identifier: MIT */
/*
 * The offline message generator: a tone's template (lib/template) filled
 * with the customer's facts and with sentences quoted from the retrieved
 * passages, each followed by its citation marker.
 *
 * A template has these sections (see cpo-generate(1), TEMPLATES):
 *
 *	[subject]	alternatives for the subject line
 *	[opening]	alternatives for the first paragraph
 *	[closing]	alternatives for the last paragraph
 *	[extra]		sentences added, in order, while the body is short
 *	[body]		the body's layout: a text with {opening}, {passages},
 *			{closing} and {extra} among the facts
 *
 * Any section may be qualified by a segment name ("[opening At-Risk]"),
 * which then replaces the plain one for that segment's customers. The
 * facts are {segment}, {tier}, {location}, {purchase_frequency} ("12
 * purchases"), {avg_order_value} ("$250.00") and {last_engagement_days}
 * ("30 days"); {topic} is the title of the best passage quoted.
 *
 * How the body is made: each passage is split into sentences; a sentence
 * that leans on the one before ("This", "It", "Then" ...) is quoted with
 * it. A passage whose title or text names a tier that is not the
 * customer's is left out, and so is a quote that reads like an
 * instruction, is under 5 or over 60 words, or looks like a placeholder.
 * The rest are scored: the passage's retrieval score relative to the
 * best one, plus half the share of query terms the quote
 * contains, plus 0.25 when it names the customer's tier, plus 0.1 for a
 * passage's first sentence. The best quote of the best passage comes
 * first, then the best of another passage (so two passages are cited
 * whenever two can be), then the rest by score, skipping quotes that
 * repeat one already taken (half their content words in common), while
 * the body stays within 200 words and has fewer than 170. [extra]
 * sentences then bring a short body up to 150 words. Quotes appear by
 * passage in retrieval order, in the passage's own order; adjacent quotes
 * of a passage share one marker.
 *
 * The same record and template always give the same message. Where a
 * section has several alternatives, the customer_id picks one (its hash),
 * so customers of one segment do not all read the same words; an
 * alternative whose facts are missing is passed over. A template that
 * names no fact (the control message) picks by segment instead.
 */
#ifndef CPO_COMPOSE_H
#define CPO_COMPOSE_H

#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "passage.h"
#include "reasons.h"
#include "sentence.h"
#include "template.h"
#include "variant.h"

enum compose_placeholder {
	COMPOSE_SEGMENT,
	COMPOSE_TIER,
	COMPOSE_LOCATION,
	COMPOSE_PURCHASE_FREQUENCY,
	COMPOSE_AVG_ORDER_VALUE,
	COMPOSE_LAST_ENGAGEMENT_DAYS,
	COMPOSE_FACTS,			/* the facts come before this */
	COMPOSE_TOPIC = COMPOSE_FACTS,
	COMPOSE_OPENING,
	COMPOSE_CLOSING,
	COMPOSE_PASSAGES,
	COMPOSE_EXTRA,
	COMPOSE_PLACEHOLDERS
};

/* The body stops taking quotes at this many words. */
#define COMPOSE_TARGET_WORDS 170

/* The customer's facts as a message shows them. */
struct compose_facts {
	const char *customer_id;		/* borrowed from the record */
	const char *segment;			/* the record's, or NULL */
	const char *tier;			/* the record's, or NULL */
	const char *value[COMPOSE_FACTS];	/* NULL: not usable */
	struct buf text;			/* the values' storage */
	struct buf missing[COMPOSE_FACTS];	/* why a value is NULL */
};

/*
 * The quotes chosen for a body with `fixed` words besides them, kept while
 * the composer stays prepared for the same passages: customers who share
 * passages and a tier mostly differ only in the words of their facts.
 */
struct compose_choice {
	size_t need, fixed;
	int ok;			/* the quotes of need passages fit */
	size_t total;		/* fixed and the quotes' words */
	struct buf passages;	/* the quotes with their markers */
	struct citation cit[VARIANT_CITATIONS_MAX];
	size_t ncit;
	struct buf cited;
};

#define COMPOSE_CHOICES 16

/* Scratch memory for composing, reused from message to message. */
struct composer {
	struct unit *u;
	size_t nu, ucap;
	struct sentence *s;
	size_t ns, scap;
	struct buf quotes;		/* the quotes, blanks collapsed */
	struct buf opening, closing, topic, passages, extra, tmp, err;
	size_t *sel;
	size_t nsel, selcap;
	size_t covered;			/* passages with a quotable unit */
	const char *key;		/* picks the alternatives */
	/* What compose works out once per compose_prepare. */
	int ranked;
	size_t *order, norder, ntopics, natural;
	struct compose_choice choice[COMPOSE_CHOICES];
	size_t nchoices, nextchoice;
};

/* Initializes f empty. Can't fail. */
void compose_facts_init(struct compose_facts *f);

/* Frees f's memory. */
void compose_facts_release(struct compose_facts *f);

/*
 * Reads the customer's facts from rec into f; f borrows rec's strings. A
 * fact that is missing, of the wrong type, or unfit for a message (a
 * string over 60 characters, on more than one line, with a brace or a
 * bracket, or that reads like an instruction) is left NULL, and f says
 * why, for the message of a template that needs it. Returns 0, or -1
 * after adding a reason to why when customer_id is not a non-empty string.
 */
int compose_facts_read(struct compose_facts *f, const cJSON *rec,
    struct reasons *why);

/* A fact's member as the record has it. */
enum compose_field_kind {
	COMPOSE_FIELD_MISSING,		/* absent or null */
	COMPOSE_FIELD_STRING,
	COMPOSE_FIELD_NUMBER,
	COMPOSE_FIELD_OTHER
};

struct compose_field {
	enum compose_field_kind kind;
	const char *s;		/* a string's value, NUL-terminated */
	double d;		/* a number's */
};

/*
 * Sets f from the members of the fact fields (field[i] for the field
 * compose_fact_field(i) names) and customer_id, a non-empty string; f
 * borrows the strings. compose_facts_read is this for a cJSON record, so
 * a reader that builds no tree gets the same facts. Returns 0.
 */
int compose_facts_set(struct compose_facts *f, const char *customer_id,
    const struct compose_field *field);

/* The record field of fact i ("segment" ... "last_engagement_days"). */
const char *compose_fact_field(size_t i);

/*
 * Parses a tone template (len bytes of text) and checks what the parser
 * cannot: that every [body] has {passages}, that every section the body
 * refers to exists, and that the template's own words make no claim (no
 * figure, date or deadline: those must come from the cited text or the
 * facts). Returns the template (free it with template_free), or NULL after
 * storing the line at fault in *errline (0: the file as a whole) and
 * appending the problem to err.
 */
struct template *compose_load(const char *text, size_t len,
    unsigned long *errline, struct buf *err);

void composer_init(struct composer *c);
void composer_release(struct composer *c);

/*
 * Splits the passages ps into quotes and scores them for the customer with
 * facts f, once per record: compose then uses them for every tone. ps and
 * f must not change until the record's last compose. Returns the number of
 * passages with a quote fit for the customer; with none, compose fails.
 */
size_t compose_prepare(struct composer *c, const struct passages *ps,
    const struct compose_facts *f);

/*
 * Writes the message of template t (named name, for prompt_template) for
 * the customer with facts f from passages ps into v, whose tone is set to
 * tone. Stores in *need the number of distinct passages the message must
 * cite (two, or one when only one passage has a sentence that can be
 * quoted) for variant_check. Returns 0, or -1 after adding reasons
 * (prefixed by prefix) to why: no passage has a sentence fit to quote, a
 * placeholder has no value (with the reason, such as "field 'location' is
 * missing"), no subject alternative fits in 60 characters, or the quotes
 * that must be cited do not fit in 200 words. The message itself is
 * checked by variant_check, not here.
 */
int compose(struct composer *c, const struct template *t, const char *name,
    const char *tone, const struct passages *ps,
    const struct compose_facts *f, struct variant *v, size_t *need,
    const char *prefix, struct reasons *why);

/* The sections whose alternatives compose picks by rotation. */
enum compose_rotation {
	COMPOSE_ROT_SUBJECT,
	COMPOSE_ROT_OPENING,
	COMPOSE_ROT_CLOSING,
	COMPOSE_ROT_EXTRA,
	COMPOSE_ROTATIONS
};

/*
 * Stores in rot[i] where the customer with facts f starts in the
 * alternatives of section i of template t, as compose picks them (0 for
 * a section t lacks): with the passages, the segment, which facts have
 * values and how many words each has, and the values the subject names,
 * that is all compose's choices depend on (lib/msgmemo keys on it).
 */
void compose_rotations(struct composer *c, const struct template *t,
    const struct compose_facts *f, size_t *rot);

/* The placeholders the [subject] lines of t name: bit i for number i. */
unsigned compose_subject_uses(const struct template *t);

/*
 * Writes into v->subject the subject compose would give the customer with
 * facts f, for a template whose subject names only facts and {topic},
 * after a compose from the same prepared passages. Returns 0, or -1 after
 * adding reasons (prefixed by prefix) to why.
 */
int compose_subject(struct composer *c, const struct template *t,
    const struct compose_facts *f, struct variant *v, const char *prefix,
    struct reasons *why);

/*
 * Did the last compose add [extra] sentences? When it did not, the body
 * does not depend on where the customer starts in them.
 */
int compose_padded(const struct composer *c);

/*
 * Appends len bytes of text to out with each fact placeholder ({segment},
 * {tier}, {location}, {purchase_frequency}, {avg_order_value} and
 * {last_engagement_days}) replaced by the customer's value from f; any
 * other text, other braces included, is copied as it is. Returns 0, or -1
 * after storing in *missing the fact that has no value (f->missing says
 * why); out then holds part of the text.
 */
int compose_fill(const char *text, size_t len, const struct compose_facts *f,
    struct buf *out, size_t *missing);

#endif
