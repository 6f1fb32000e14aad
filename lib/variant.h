/* SPDX-License-Identifier: MIT */
/*
 * A message variant (the seed's Message Variant Model) and the rules every
 * variant must pass before it is written, whoever wrote it: the offline
 * generator or a language model.
 *
 * The rules: a subject of 1 to 60 characters on one line; a body of 150 to
 * 200 words (runs of non-blank bytes, citation markers included: what wc -w
 * counts); every citation marker "[Source: TITLE, ¶N]" in the body names a
 * cited passage (TITLE its title, N its paragraph_index) and every citation
 * has a marker; at least `need` distinct passages cited; no unfilled
 * placeholder ("{tier}", "[Name]"); no sentence that reads like an
 * instruction to a model; and no claim the cited text does not make:
 * every figure (a number, with its '$' or '%'), month or weekday name and
 * deadline word ("today", "expires", "last chance" ...) in the body must
 * appear in the cited text or among the customer's facts.
 */
#ifndef CPO_VARIANT_H
#define CPO_VARIANT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "passage.h"
#include "reasons.h"

#define VARIANT_SUBJECT_MAX 60
#define VARIANT_WORDS_MIN 150
#define VARIANT_WORDS_MAX 200
#define VARIANT_CITATIONS_MIN 2
#define VARIANT_CITATIONS_MAX 32

/* "VAR" and 16 hexadecimal digits, or "control", and the NUL. */
#define VARIANT_ID_SIZE 20

/* variant_check's memory: sentences kept, bitmap of letter pairs. */
#define VARIANT_SEEN 1024
#define VARIANT_PAIRS (256 * 256 / 8)

struct citation {
	size_t passage;		/* index in the passages */
	size_t off, len;	/* the cited text, in the variant's cited */
};

struct variant {
	const char *tone;	/* borrowed */
	struct buf subject, body;
	struct citation cit[VARIANT_CITATIONS_MAX];
	size_t ncit;
	struct buf cited;	/* the citations' texts, one after another */
	char id[VARIANT_ID_SIZE];
	/* generation_metadata */
	const char *model;		/* borrowed */
	const char *prompt_template;	/* borrowed */
	unsigned long tokens_input, tokens_output;
	double cost_usd;
	/*
	 * variant_check's memory, kept from message to message: scratch
	 * text, and the sentences it found not to read like instructions
	 * (the quotes and the template's sentences recur in every message).
	 */
	struct buf plain, grounds, scratch;
	struct variant_seen *seen;	/* VARIANT_SEEN of them, or NULL */
	unsigned char pairs[VARIANT_PAIRS];	/* how claim words start */
};



/* Initializes an empty variant; allocates nothing. Can't fail. */
void variant_init(struct variant *v);

/* Frees v's memory. */
void variant_release(struct variant *v);

/* Empties v (subject, body, citations, metadata) for the next message. */
void variant_reset(struct variant *v);

/*
 * Adds a citation of passage i (an index in the passages) with the cited
 * text, len bytes. Returns 0, or -1 when v holds VARIANT_CITATIONS_MAX.
 */
int variant_cite(struct variant *v, size_t i, const char *text, size_t len);

/*
 * Adds a citation for each passage of ps that a marker in v's body names
 * (by title and paragraph), once per passage, citing the passage's whole
 * snippet: a model paraphrases, so the cited text is the passage. Markers
 * that name no passage are left for variant_check to report.
 */
void variant_cite_markers(struct variant *v, const struct passages *ps);

/* Appends the citation marker of p: "[Source: TITLE, ¶N]". */
void variant_marker(struct buf *b, const struct passage *p);

/* Returns the number of characters (UTF-8 code points) of len bytes of s. */
size_t variant_chars(const char *s, size_t len);

/*
 * Checks v against the rules above, with ps the passages its citations
 * index, need the distinct passages it must cite, and facts the customer's
 * fact values (nfacts of them, NULL entries skipped) whose figures may
 * appear. Returns 0, or -1 after adding one reason to why per rule broken
 * (each starting with prefix), such as "body has 143 words, fewer than
 * 150" or "figure '30%' in the body is not in the cited text".
 */
int variant_check(struct variant *v, const struct passages *ps,
    size_t need, const char *const *facts, size_t nfacts, const char *prefix,
    struct reasons *why);

/*
 * The grounding rule alone: checks that every figure, date and deadline
 * word in s (len bytes; where names it in messages: "body") appears in the
 * glen bytes of grounds. Returns 0, or -1 after adding a reason per claim,
 * such as "figure '30%' in the body is not in the cited text".
 */
int variant_check_claims(const char *s, size_t len, const char *grounds,
    size_t glen, const char *where, const char *prefix, struct reasons *why);

/*
 * The text claims are grounded in, in two parts (the second may be
 * empty): a figure, date or deadline is grounded when either has it.
 */
struct variant_grounds {
	const char *text[2];
	size_t len[2];
};

/*
 * The rules of variant_check for the subject alone, with the grounds g
 * (cited texts, facts and the cited passages' titles, any order): for a
 * subject written anew for a body checked before (lib/msgmemo). Returns
 * 0, or -1 after adding reasons to why.
 */
int variant_check_subject(struct variant *v, const struct variant_grounds *g,
    const char *prefix, struct reasons *why);

/* How far around a value variant_check_near looks for claims. */
#define VARIANT_NEAR 24

/*
 * Checks again, in a message that passed variant_check with stand-ins in
 * place of a customer's facts (lib/msgmemo), what the facts' values can
 * change once put in: plain is the body with the values (len bytes) and
 * its markers blanked, value[i] the [start, end) of the nvalues values,
 * in order, checked the number of sentences variant_check found with the
 * stand-ins, and g the grounds with the values (any order). The claims
 * within VARIANT_NEAR bytes of a value must be grounded, and no sentence
 * that holds a value may read like an instruction; the rest of the text
 * is as it was checked. Returns 0, or -1 after adding reasons to why.
 */
int variant_check_near(struct variant *v, const char *plain, size_t len,
    const size_t (*value)[2], size_t nvalues, size_t checked,
    const struct variant_grounds *g, const char *prefix, struct reasons *why);

/*
 * Sets v->id: "control" when control is set, else "VAR" and the 64-bit
 * XXH64 hash (lib/hash) of tone, subject and body, each followed by a NUL
 * byte, in upper-case hexadecimal. The same message always has the same id.
 */
void variant_set_id(struct variant *v, int control);

/* Writes "VAR" and h in 16 upper-case hexadecimal digits into id. */
void variant_format_id(char *id, uint64_t h);

/*
 * Appends v as a Message Variant object (JSON, in the seed's field order),
 * citing ps, for the customer customer_id and segment (NULL gives null),
 * generated at generated_at.
 */
void variant_write(struct buf *b, const struct variant *v,
    const struct passages *ps, const char *customer_id, const char *segment,
    const char *generated_at);

/*
 * variant_write in pieces, for a message written for many customers: the
 * head (from '{' to "body":), and after the body the cited part (tone to
 * tokens_input) and the usage (tokens_output on). variant_write is the
 * head, the body as a JSON string, the cited part and the usage.
 */
void variant_write_head(struct buf *b, const struct variant *v,
    const char *customer_id, const char *segment);
void variant_write_cited(struct buf *b, const struct variant *v,
    const struct passages *ps, const char *generated_at);
void variant_write_usage(struct buf *b, const struct variant *v);

/*
 * Returns a new Message Variant object for v in the seed's field order,
 * citing ps, for the customer customer_id and segment (NULL gives null),
 * generated at generated_at. The caller owns it.
 */
cJSON *variant_json(const struct variant *v, const struct passages *ps,
    const char *customer_id, const char *segment, const char *generated_at);

#endif
