/* SPDX-License-Identifier: MIT */
/*
 * The language-model backends of cpo-generate: OpenAI-compatible chat
 * completions and Azure OpenAI. This module writes the request for one
 * message, reads the answer, keeps the response cache and knows the
 * prices; lib/http sends the requests and lib/variant checks what comes
 * back, by the same rules as the offline generator's messages.
 *
 * Prompt hygiene: the instructions are the system message and nothing
 * else. The customer's facts and the passages go in the user message,
 * each in a delimited block (<customer>, <passage>) with '<', '>' and '&'
 * escaped, so a passage cannot close its block; the instructions say that
 * the blocks are data and that instructions inside them must not be
 * followed. Facts unfit for a message (lib/compose) are not sent at all.
 * The model must answer a JSON object {"subject", "body"}.
 */
#ifndef CPO_LLM_H
#define CPO_LLM_H

#include <stddef.h>

#include "buf.h"
#include "compose.h"
#include "passage.h"
#include "reasons.h"
#include "sha256.h"

enum llm_kind {
	LLM_OPENAI,		/* POST {base}/chat/completions, Bearer key */
	LLM_AZURE		/* POST {endpoint}/openai/deployments/{d}/
				 * chat/completions?api-version=V, api-key */
};

struct llm_config {
	enum llm_kind kind;
	const char *url;	/* the chat completions URL */
	const char *model;	/* model (OpenAI) or deployment (Azure) */
	double temperature;
	int max_tokens;
	const char *cache_dir;	/* response cache, or NULL */
	int per_segment;	/* one message per segment (see llm_request) */
};

/* USD per million tokens, from the price table. */
struct llm_price {
	double input, output;
	int known;		/* the table has the model */
};

enum llm_outcome {
	LLM_MESSAGE,		/* subject and body read */
	LLM_FILTERED,		/* the service's content filter refused */
	LLM_FAILED		/* an error answer, or one that is not usable */
};

/* An answer, read. */
struct llm_answer {
	struct buf subject, body;
	struct buf content;	/* the model's text as it came */
	struct buf model;	/* the model that answered, or empty */
	unsigned long tokens_input, tokens_output;
};

/*
 * Appends to url the chat completions URL: base (an OpenAI-compatible
 * base URL such as https://api.openai.com/v1) and "/chat/completions" for
 * LLM_OPENAI; for LLM_AZURE, base is the resource endpoint and the URL
 * names deployment and api_version. A trailing '/' of base is dropped.
 */
void llm_url(enum llm_kind kind, const char *base, const char *deployment,
    const char *api_version, struct buf *url);

/*
 * Appends the request body (JSON) of the message of tone for the customer
 * with facts f and passages ps. history holds what earlier attempts added
 * to the conversation (llm_feedback), or is empty. With c->per_segment the
 * request names the customer's segment and none of their facts, and asks
 * for the facts as placeholders ({tier}, {location} ...): every customer
 * of the segment with the same passages makes the same request, and
 * compose_fill puts each one's facts in the answer.
 */
void llm_request(const struct llm_config *c, const char *tone,
    const struct compose_facts *f, const struct passages *ps,
    const struct buf *history, struct buf *out);

/*
 * Appends to history the model's answer (content) and a user message that
 * lists the reasons from why->n = first on, for the next attempt.
 */
void llm_feedback(struct buf *history, const char *content,
    const struct reasons *why, size_t first);

/*
 * Reads an answer: status and len bytes of body. LLM_MESSAGE fills a. A
 * content filter (Azure's 400 with code content_filter, or a choice whose
 * finish_reason is content_filter) gives LLM_FILTERED with the service's
 * message in err; anything else unusable LLM_FAILED with the reason in
 * err: for an error status, the service's message ("Incorrect API key
 * provided"); for a 200, what is wrong ("the answer is not a JSON object
 * with a subject and a body: ..."). An answer in a Markdown
 * code block, or with text around the object, is accepted.
 */
enum llm_outcome llm_read(long status, const char *body, size_t len,
    struct llm_answer *a, struct buf *err);

void llm_answer_init(struct llm_answer *a);
void llm_answer_release(struct llm_answer *a);

/*
 * Stores in hex the cache key of a request: the SHA-256 of the backend,
 * the URL and the request body, which holds the model, the parameters and
 * every message.
 */
void llm_cache_key(const struct llm_config *c, const char *body, size_t len,
    char *hex);

/*
 * Reads the cached answer for key into answer. Returns 1 when there is
 * one, 0 when there is none, -1 with errno set when it cannot be read.
 */
int llm_cache_get(const struct llm_config *c, const char *key,
    struct buf *answer);

/*
 * Stores len bytes of answer for key (written to a temporary file, then
 * renamed, so a reader never sees half of one). Returns 0, or -1 with
 * errno set.
 */
int llm_cache_put(const struct llm_config *c, const char *key,
    const char *answer, size_t len);

/*
 * Looks model up in the price table, len bytes of JSON: an object of
 * models, each {"input": USD, "output": USD} per million tokens. The
 * longest name in the table that model starts with wins ("gpt-4o" prices
 * "gpt-4o-2024-08-06"). Returns 0, or -1 after appending the problem to
 * err when the table is malformed.
 */
int llm_price(const char *table, size_t len, const char *model,
    struct llm_price *p, struct buf *err);

/* The cost in USD of tokens at price p (0 when the price is not known). */
double llm_cost(const struct llm_price *p, unsigned long tokens_input,
    unsigned long tokens_output);

#endif
