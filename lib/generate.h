/* SPDX-License-Identifier: MIT */
/*
 * cpo-generate's work on a batch of records: which messages each customer
 * gets, writing each one (lib/compose offline, or a language model through
 * lib/llm and lib/http), checking it (lib/variant) and adding them all to
 * the record as "variants".
 *
 * Without an "assignment", a record gets one variant per wanted tone (the
 * --tones, then the control message, so that a customer whose variant is
 * blocked later has the control message to fall back on). With one (the
 * pipeline that assigns first), it gets the message of its arm only: the
 * arm's tone comes from the experiment, the control arm's message is the
 * control message, and the assignment's variant_id is set to the id of
 * the message written.
 *
 * The control message always comes from its template, whatever the
 * backend: it is the experiment's baseline and must not change with a
 * model. A customer is never dropped from the experiment for want of a
 * message: a record is rejected only when its input is broken (no
 * customer_id, no retrieval or one of the wrong shape, an assignment that
 * does not fit the experiment). A message that cannot be written (no
 * passage to ground it on, a fact its template needs missing, a model's
 * answers breaking the rules, --max-cost reached) is left out of the
 * variants, and the record is written without it, with the reasons in the
 * item's lost: cpo-assign and cpo-simulate then send the customer the
 * control message, in their arm (fallback "missing").
 *
 * Usage: generate_init; generate_load_tones; generate_open_llm for a
 * model backend; then for each batch of records
 * generate_batch, and write (with generate_account) or reject each item in
 * order; finally generate_lost_summary, generate_summary and
 * generate_release.
 */
#ifndef CPO_GENERATE_H
#define CPO_GENERATE_H

#include <stddef.h>
#include <time.h>

#include "compose.h"
#include "experiment.h"
#include "http.h"
#include "json.h"
#include "llm.h"
#include "passage.h"
#include "progress.h"
#include "reasons.h"
#include "run.h"
#include "template.h"
#include "timefmt.h"
#include "variant.h"

#define GENERATE_TONES_MAX 32

struct generate_tone {
	char *name;		/* "urgent"; "control": the control message */
	char *file;		/* "urgent.txt": offline prompt_template */
	char *prompt;		/* "generation_prompt_urgent": a model's */
	struct template *tpl;
	int plain;		/* no byte from 1 to 7: lib/msgmemo's stand-ins */
	int control;		/* the control message: its id is "control" */
};

/* One record of a batch. */
struct generate_item {
	cJSON *rec;		/* the record, owned; NULL for a bad line */
	struct buf raw;		/* its text, for the rejects file */
	unsigned long line;
	struct reasons why;	/* why it is rejected; empty when it is not */
	/*
	 * Of a record that is written: the messages it was to get, and one
	 * entry per message that could not be written, "customer "ID", tone
	 * 'NAME': not generated: REASONS".
	 */
	size_t nmessages;
	struct reasons lost;
	/* The rest is generate_batch's. */
	struct compose_facts facts;
	struct passages ps;
	cJSON *variants;
	size_t arm_tone;
	int assigned, bad;
	struct buf nomsg;	/* why no message at all can be written */
};

/* An answer of the run, by its request's key. */
struct generate_memo {
	char key[SHA256_HEX_SIZE];
	struct buf answer;
};

/* The model backend, when there is one. */
struct generate_llm {
	struct llm_config config;
	struct buf url, header;		/* the config's URL, the key header */
	const char *headers[3];
	struct llm_price price;
	struct http_client *http;
	const char *key;		/* to redact from messages */
	int attempts;			/* answers tried per message */
	size_t jobs;			/* requests sent together */
	double max_cost;		/* USD; 0 for no limit */
	/* What the run has spent. */
	unsigned long requests, cache_hits, tokens_input, tokens_output;
	double cost;
	unsigned long cache_errors;	/* answers not read or kept */
	int cache_errno;		/* the last one's */
	/*
	 * With per-segment messages, the answers of the run by request key,
	 * and the messages that one served besides the customer it was
	 * asked for.
	 */
	struct generate_memo *memo;
	size_t nmemo, memocap;
	unsigned long shared;
};

struct generator {
	const struct experiment *exp;	/* borrowed */
	struct generate_tone tone[GENERATE_TONES_MAX];
	size_t ntones;
	size_t want[GENERATE_TONES_MAX];	/* without an assignment */
	size_t nwant;
	char generated_at[TIMEFMT_ISO_SIZE];
	struct generate_llm *llm;	/* NULL: offline */
	struct progress *progress;	/* borrowed; NULL for none */
	struct composer comp;
	struct variant v;
	struct buf prefix, text;
	/* Messages of the records written, and those not written. */
	unsigned long messages, lost;
};

/*
 * Sets g up for the experiment exp (borrowed; it must outlive g), stamping
 * variants with the time t, writing offline. Can't fail.
 */
void generate_init(struct generator *g, const struct experiment *exp,
    time_t t);

/* Frees g's memory, the model backend included. */
void generate_release(struct generator *g);

/*
 * Adds the tones of the comma-separated list tones, then the control
 * message, to the tones written without an assignment, and adds every
 * tone of the experiment's arms (exp_name names the experiment in
 * messages). The template of tone NAME is dir/NAME.txt when that file
 * exists, else the compiled-in templates/NAME.txt. Returns 0; or -1 (a
 * usage error) or -2 (an I/O error) after setting where (an option, a file
 * or FILE:LINE) and appending the problem to err.
 */
int generate_load_tones(struct generator *g, const char *dir,
    const char *tones, const char *exp_name, struct buf *where,
    struct buf *err);

/* What a model backend needs; every string is borrowed for the run. */
struct generate_llm_options {
	enum llm_kind kind;
	const char *key;		/* the API key */
	const char *url;		/* base URL (OpenAI) or endpoint */
	const char *model;		/* model (OpenAI) or deployment */
	const char *api_version;	/* Azure only */
	const char *cache_dir;		/* or NULL; made when missing */
	const char *prices;		/* price table file; NULL: built in */
	int attempts, jobs;
	double timeout, max_cost;
	int per_segment;		/* --personalize segment */
};

/*
 * Writes the messages of every tone but the control message with the
 * model o describes. Returns 0; or -1 (a usage error: a bad price table)
 * or -2 (an I/O error: the cache directory cannot be made, the price
 * table cannot be read, libcurl cannot be set up) after setting where and
 * appending the problem to err.
 */
int generate_open_llm(struct generator *g,
    const struct generate_llm_options *o, struct buf *where, struct buf *err);

void generate_item_init(struct generate_item *it);
void generate_item_release(struct generate_item *it);

/* Empties it for the next record: frees its record and reasons. */
void generate_item_reset(struct generate_item *it);

/*
 * Adds "variants" to the record of every item of the batch whose why is
 * still empty, or fills why; fills each written item's nmessages and lost
 * (the messages left out). Every tone of the experiment's arms must have
 * been added. A model's requests for the whole batch are in flight
 * together (as many as the http client allows). Returns 0; or -1, after
 * appending the reason to fatal, when the model's service cannot be used
 * at all (it cannot be reached, or refuses the key): then the batch is not
 * done.
 */
int generate_batch(struct generator *g, struct generate_item *items,
    size_t n, struct buf *fatal);

/* Returns the index of the tone called name, or -1. */
int generate_tone_index(const struct generator *g, const char *name);

/*
 * Writes tone i's message offline into g->v for the customer with facts
 * f, quoting passages ps, with c prepared for them (compose_prepare),
 * checks it (variant_check) and sets its id. Returns 0, or -1 after adding
 * reasons, prefixed by the tone, to why.
 */
int generate_offline(struct generator *g, struct composer *c, size_t i,
    const struct passages *ps, const struct compose_facts *f,
    struct reasons *why);

/*
 * Reads the records of input ("-": standard input) in batches of batch,
 * generates them and writes or rejects each, in input order, through run
 * (a bad line is rejected with lib/ndjson's reason). Returns an exit
 * status: CPO_EXIT_OK, or CPO_EXIT_IO after a message when the input
 * cannot be read or the model's service cannot be used at all.
 */
int generate_run(struct generator *g, struct run *run, const char *input,
    size_t batch);

/*
 * Accounts for a record that is written (in input file at line): adds its
 * nmessages to the run's messages, and prints through d each entry of
 * lost, a message it was to get and does not, counting it.
 */
void generate_account(struct generator *g, const struct diag *d,
    const char *file, unsigned long line, size_t nmessages,
    const struct reasons *lost);

/*
 * Appends "N of M messages could not be generated" to out when any message
 * could not be; nothing otherwise.
 */
void generate_lost_summary(const struct generator *g, struct buf *out);

/*
 * Appends the model backend's account of the run to out: "requests N,
 * answered from the cache N, tokens N in and N out, cost $X" (and
 * "shared N" after the cache, per segment), with the
 * model's price when the price table has none and the cache's errors
 * when there were any. Appends nothing offline.
 */
void generate_summary(const struct generator *g, struct buf *out);

#endif
