/* SPDX-License-Identifier: MIT */
/*
 * The record loop of cpo-safety. Records are read in batches (one at a
 * time for the offline lexicon, several for a service, so that requests
 * for many records are in flight together), every variant's text is
 * screened, and the records are then written in input order, each after
 * its audit rows (lib/audit) and with a Safety Result added to each
 * variant. Rejected records go to lib/run as everywhere else.
 *
 * Usage: fill in the public fields, screening_init, screening_loop,
 * screening_release.
 */
#ifndef CPO_SCREENING_H
#define CPO_SCREENING_H

#include <stddef.h>

#include "audit.h"
#include "ndjson.h"
#include "run.h"
#include "screen.h"
#include "progress.h"
#include "timefmt.h"

struct screening_slot;
struct vfields;

struct screening {
	struct run *run;		/* all borrowed */
	struct ndjson_reader *in;
	const char *name;		/* the input, for messages */
	struct screen *screen;
	const struct safety_policy *policy;
	struct audit *audit;
	const char *backend;		/* for the audit's backend column */
	char checked_at[TIMEFMT_ISO_SIZE];	/* stamped on every check */
	size_t window;			/* records a batch, at least 1 */
	int explain;			/* add "matches" (local backend) */
	/*
	 * Called for each message that could not be screened (and is
	 * blocked), with its record's line; NULL for none.
	 */
	void (*on_failure)(void *arg, unsigned long line,
	    const char *variant_id, const char *error);
	void *arg;
	struct progress *progress;	/* borrowed; NULL for none */
	unsigned long failed;
	int audit_errno;		/* the audit log's write error, or 0 */		/* messages blocked for failures */
	/* private */
	struct screening_slot *slots;
	size_t nslots;
	cJSON **done;			/* the last batch's trees */
	size_t ndone;
	size_t nout;			/* records in out */
	struct buf text, out, safety, rule, canon;
	struct safety_check check;	/* the message being decided */
	struct vfields *fields;		/* one record's variants, read */
};

/* Allocates the batch. Only the allocator can fail, and it exits. */
void screening_init(struct screening *s);

/*
 * Reads, screens and writes every record. Returns 0; -1 after a read
 * error (errno set); 1 when it stopped early (--strict, or an output or
 * audit write error: the audit's errno is set, and run's write_error).
 */
int screening_loop(struct screening *s);

/* Frees the batch. */
void screening_release(struct screening *s);

#endif
