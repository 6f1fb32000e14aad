/* SPDX-License-Identifier: MIT */
/*
 * Which message a customer is sent. The arm's tone selects one of the
 * record's variants (cpo-generate writes them, cpo-safety screens them). A
 * variant that safety blocked, or a tone the record has no variant for,
 * never reaches the customer: they stay in their arm (intention to treat)
 * and are sent the control message instead, and the fallback says why.
 */
#ifndef CPO_DELIVERY_H
#define CPO_DELIVERY_H

#include "json.h"
#include "reasons.h"

enum delivery_fallback {
	FALLBACK_NONE,
	FALLBACK_BLOCKED,	/* the arm's variant was blocked by safety */
	FALLBACK_MISSING,	/* the record has variants, none of the tone */
	FALLBACK_N
};

/* NULL, "blocked", "missing", indexed by enum delivery_fallback. */
extern const char *const delivery_fallback_names[FALLBACK_N];

struct delivery {
	const cJSON *variant;	/* the arm's variant in the record, or NULL */
	const cJSON *control;	/* the record's control-tone variant, or NULL */
	const char *variant_id;	/* the arm's variant id, or NULL: none yet */
	int to_control;		/* the control message is sent */
	enum delivery_fallback fallback;
};

/*
 * Chooses the message for a customer in an arm of the given tone
 * ("control" for the control arm) from variants, the record's "variants"
 * member, which may be NULL or null: no messages written yet, so the arm's
 * message is sent and its id is not known. The control arm's variant_id is
 * "control", as the seed's Experiment Assignment Schema has it. Pointers in
 * d point into variants. Returns 0, or -1 after adding a reason to why when
 * variants or a variant in it is malformed (not an array, not an object, or
 * a tone, variant_id or safety.status that is not a string).
 */
int delivery_choose(const cJSON *variants, const char *tone,
    struct delivery *d, struct reasons *why);

/*
 * Drops from the variants array every variant but d's chosen one and, when
 * the control message is sent, the control variant. d must come from
 * delivery_choose on variants; NULL is fine.
 */
void delivery_prune(cJSON *variants, const struct delivery *d);

#endif
