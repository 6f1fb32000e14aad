/* SPDX-License-Identifier: MIT */
/*
 * The message memo of cpo-generate's offline line path (lib/genline).
 *
 * Customers who share passages, a tier, a tone and a segment mostly get
 * the same body but for the words of their facts. A body is composed and
 * checked once with a stand-in in place of each fact: the byte 1 + i for
 * fact i, then " \7" for each further word of the customer's value, so
 * that the stand-in has as many words. Each customer whose composition
 * would make the same choices then gets it with their values put in.
 * Those choices depend on the passages and tier (the entry), the template
 * and segment, where the customer starts in the alternatives of the
 * opening and the closing, and of the [extra] sentences when the body
 * needs them, and which facts have values and how many words each has
 * (see compose_rotations): all of that is the key. The subject is
 * written for each customer (compose_subject), as compose writes it.
 *
 * What the values can change is checked again for each customer
 * (variant_check_near, variant_check_subject): the claims near each value
 * and the sentences that hold one, and the subject. The rest cannot
 * change: the word count is the same by construction, and a value holds
 * no bracket or brace (markers, placeholders) and no line break. A
 * failure goes the way of the full composition, which decides and
 * explains. Text that already holds a byte from 1 to 7 (a template's, a
 * passage's) is not memoized, and neither is a value that tidying would
 * change (blanks other than single spaces between words).
 */
#ifndef CPO_MSGMEMO_H
#define CPO_MSGMEMO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "compose.h"
#include "generate.h"
#include "passage.h"
#include "reasons.h"
#include "variant.h"

/* Bodies kept, in sets of four (each some 6 KB). */
#define MSGMEMO_SLOTS 4096

/* Runs of a body's markers blanked for the checks, at most. */
#define MSGMEMO_BLANKS 64

/* Values put into one message, at most. */
#define MSGMEMO_VALUES 32

/* Where a stand-in is in a message's body and in its JSON text. */
struct msgmemo_value {
	size_t text, json;
	size_t fact;
};

/* A body with stand-ins, and what goes with it. */
struct msgmemo_slot {
	uint64_t hash;		/* of key; 0: empty */
	struct buf key;
	int usable;		/* the body with stand-ins passed */
	int padded;		/* it has [extra] sentences: see the key */
	struct buf body;
	size_t blank[MSGMEMO_BLANKS][2];	/* variant_check's blanks */
	size_t nblanks;
	struct buf json;	/* the body escaped for JSON, without quotes */
	size_t words;		/* of the body */
	size_t sentences;	/* of the body, as variant_check split it */
	unsigned long tokens_input;
	struct msgmemo_value value[MSGMEMO_VALUES];
	size_t nvalues;
	struct buf cited;	/* variant_write_cited's */
	struct buf grounds;	/* the cited texts, then their titles */
	size_t titles;		/* where the titles start in grounds */
};

struct msgmemo {
	struct msgmemo_slot *slot;	/* MSGMEMO_SLOTS, or NULL */
	int usable[GENERATE_TONES_MAX];	/* plain text, a simple subject */
	size_t words[COMPOSE_FACTS];	/* of the customer's values */
	struct buf key, text, plain, grounds;
	struct buf standin[COMPOSE_FACTS], escaped[COMPOSE_FACTS];
	size_t range[MSGMEMO_VALUES][2];	/* the values in plain */
	struct reasons why;		/* thrown away */
	const struct msgmemo_slot *ready;	/* msgmemo_prepare's */
	unsigned long fills;		/* slots filled: which way is next */
};

/* Sets m up for the tones of generator g (loaded). Can't fail. */
void msgmemo_init(struct msgmemo *m, const struct generator *g);

void msgmemo_release(struct msgmemo *m);

/*
 * Makes ready tone i's variant for the customer with facts f, whose
 * passages ps were prepared in c as entry (a number given to each new
 * preparation), in g->v as generate_offline would (subject, id, usage; the
 * body stays in m), and copies its id into id. Returns 1, or 0 when the message must be composed in full.
 */
int msgmemo_prepare(struct msgmemo *m, struct generator *g, uint64_t entry,
    struct composer *c, const struct passages *ps,
    const struct compose_facts *f, size_t i, char *id);

/*
 * Appends the variant msgmemo_prepare made ready, for the same g and f,
 * to out, as variant_write would write it.
 */
void msgmemo_write(struct msgmemo *m, struct generator *g,
    const struct compose_facts *f, struct buf *out);

#endif
