/* SPDX-License-Identifier: MIT */
/*
 * Screening texts in batches, with one of the backends: the offline
 * lexicon (lib/lexicon) or a moderation service (lib/moderation over
 * lib/http, requests in parallel). Identical texts are screened once: a
 * batch sends each distinct text once, and a cache remembers the
 * severities of the last texts screened, keyed by their SHA-256.
 *
 * Usage: for each batch, screen_add each text, screen_run, then read each
 * text's result with screen_result; screen_clear before the next batch.
 *
 * Failures are results, never silent: a text whose severities could not
 * be found out has SAFETY_UNKNOWN severities and an error, which the
 * policy turns into a block (fail closed). Failures are not cached. When
 * the service refuses the credentials or the endpoint (HTTP 401, 403 or
 * 404), every later text fails at once with the same error and no request
 * is sent: screen_fatal says so.
 */
#ifndef CPO_SCREEN_H
#define CPO_SCREEN_H

#include <stddef.h>

#include "http.h"
#include "lexicon.h"
#include "moderation.h"
#include "safety.h"

enum screen_backend {
	SCREEN_LOCAL,
	SCREEN_AZURE,
	SCREEN_OPENAI
};

struct screen_config {
	enum screen_backend backend;
	const struct lexicon *lexicon;	/* SCREEN_LOCAL; borrowed */
	struct moderation_config remote;	/* the others */
	struct http_options http;
	size_t cache;			/* texts remembered, 0 for none */
};

/* What screening one text gave. */
struct screen_result {
	struct safety_verdict v;	/* v.error points into the screen */
	char sha256[SHA256_HEX_SIZE];	/* of the text, hex */
	int cached;			/* from the cache or an identical
					 * text of the batch */
};

/* Counts for the closing summary. */
struct screen_stats {
	unsigned long texts;		/* screened, cached ones included */
	unsigned long cached;
	unsigned long requests;		/* sent to a service */
	unsigned long failed;		/* texts with an error */
};

struct screen;

/*
 * Returns a screen for c (copied; strings and the lexicon borrowed), or
 * NULL when the HTTP client cannot be set up.
 */
struct screen *screen_new(const struct screen_config *c);

/* Frees s; NULL is fine. */
void screen_free(struct screen *s);

/* Adds a copy of len bytes of text to the batch; returns its number. */
size_t screen_add(struct screen *s, const char *text, size_t len);

/* Screens every text of the batch not screened yet. */
void screen_run(struct screen *s);

/* Returns the result of text i of the batch, valid until screen_clear. */
const struct screen_result *screen_result(const struct screen *s, size_t i);

/* Returns text i of the batch and sets *len, valid until screen_clear. */
const char *screen_text(const struct screen *s, size_t i, size_t *len);

/* Empties the batch. */
void screen_clear(struct screen *s);

/*
 * Calls on_match for every lexicon match in text i of the batch (local
 * backend only; does nothing for the others).
 */
void screen_explain(struct screen *s, size_t i,
    void (*on_match)(void *arg, const struct lexicon_match *m), void *arg);

/* Returns the error that stopped the service, or NULL. */
const char *screen_fatal(const struct screen *s);

/* Returns the counts so far. */
const struct screen_stats *screen_stats(const struct screen *s);

#endif
