/* SPDX-License-Identifier: MIT */
/*
 * cpo-generate offline, one line at a time, fast: the record is not parsed
 * into a tree. lib/jsonscan finds the members a message needs, the line is
 * copied through byte for byte and "variants" is written before its
 * closing brace (and the assignment's variant_id set in place).
 *
 * What makes it fast is that customers share passages: every customer of
 * a segment has the same retrieval in the assign-early pipeline. The
 * passages of a retrieval, read once, and the quotes lib/compose prepares
 * from them for a tier are kept, keyed by the retrieval's exact text and
 * the tier, for the records that follow.
 *
 * A record the fast path does not take (one it would reject, or whose
 * members are not plain: escapes in a key or a fact, duplicate keys,
 * "variants" already there) goes the way of lib/generate's batches, with
 * a cJSON tree, which decides and explains. Both ways give the same bytes
 * for a record in the compact form the cpo programs write.
 */
#ifndef CPO_GENLINE_H
#define CPO_GENLINE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "compose.h"
#include "generate.h"
#include "msgmemo.h"
#include "passage.h"
#include "reasons.h"
#include "run.h"

/* Retrievals (with a tier) kept at once. */
#define GENLINE_CACHE 64

/* A retrieval's passages and the quotes prepared from them for a tier. */
struct genline_entry {
	uint64_t hash;		/* of the retrieval's text and the tier */
	struct buf key;		/* that text, a NUL and the tier */
	cJSON *rec;		/* {"retrieval": ...}: ps borrows from it */
	struct passages ps;
	struct composer comp;
	size_t covered;		/* compose_prepare's answer */
	uint64_t id;		/* this preparation's, for the message memo */
	size_t rlen;		/* the retrieval's length in key */
	uint64_t text;		/* the same for the same retrieval */
};

struct genline {
	struct generator *g;	/* borrowed */
	struct genline_entry entry[GENLINE_CACHE];
	size_t nentries, next;	/* next: the entry to replace */
	size_t last;		/* the entry the last record used */
	struct compose_facts facts;
	struct buf strings;	/* the facts' strings, NUL-terminated */
	struct buf key;
	struct reasons why;	/* the fast path's, thrown away */
	struct generate_item item;	/* the slow path's */
	struct msgmemo memo;
	uint64_t nextid;		/* of the entries prepared */
	uint64_t nexttext;		/* of the retrieval texts kept */
	size_t retrieval_at;		/* in the last line */
	size_t fact_len[COMPOSE_FACTS];	/* of the facts' field names */
	/* Of the last record written: as generate_item's. */
	size_t nmessages;
	struct reasons lost;
	unsigned long fast, slow, hits, misses;
};

/* Sets l up for the generator g (borrowed, loaded). Can't fail. */
void genline_init(struct genline *l, struct generator *g);

void genline_release(struct genline *l);

/*
 * Adds the variants to the record in line (len bytes, without its
 * newline; no_newline set when it was the input's last line without one).
 * Returns 1 after appending the record to out (without a newline) and
 * setting l->nmessages and l->lost (the messages it was to get, and those
 * left out), 0 for a blank line, or -1 after adding to why the reasons it
 * is rejected.
 */
int genline_record(struct genline *l, const char *line, size_t len,
    int no_newline, struct buf *out, struct reasons *why);

/*
 * Reads the records of input ("-": standard input) and writes or rejects
 * each through run, offline. Returns CPO_EXIT_OK, or CPO_EXIT_IO after a
 * message when the input cannot be read.
 */
int genline_run(struct generator *g, struct run *run, const char *input);

#endif
