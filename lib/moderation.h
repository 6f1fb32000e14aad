/* SPDX-License-Identifier: MIT */
/*
 * The network screening backends of cpo-safety: what to send and how to
 * read the answer. Sending is lib/http's; this module only builds requests
 * and turns answers into severities, so that its parsers can be tested
 * (and fuzzed) without a network.
 *
 * Azure AI Content Safety, text:analyze, API version 2024-09-01:
 *
 *   POST {endpoint}/contentsafety/text:analyze?api-version={version}
 *   Ocp-Apim-Subscription-Key: {key}
 *   {"text": TEXT, "categories": ["Hate","SelfHarm","Sexual","Violence"],
 *    "outputType": "FourSeverityLevels"}
 *
 * answers {"categoriesAnalysis": [{"category": "Hate", "severity": 2},
 * ...]}. Categories are found by name, in any order; each of the four must
 * be there exactly once with a severity of 0, 2, 4 or 6.
 *
 * OpenAI moderation:
 *
 *   POST {base}/moderations            (base: https://api.openai.com/v1)
 *   Authorization: Bearer {key}
 *   {"model": MODEL, "input": TEXT}
 *
 * answers {"results": [{"category_scores": {"hate": 0.01, ...}}]}. The
 * scores (0 to 1) become severities by this table:
 *
 *   score   below 0.25   0.25 to 0.5   0.5 to 0.8   0.8 and over
 *   level       0             2             4             6
 *
 * hate is the higher level of "hate" and "hate/threatening"; violence of
 * "violence", "violence/graphic" and "harassment/threatening"; self_harm
 * of "self-harm", "self-harm/intent" and "self-harm/instructions"; sexual
 * of "sexual" and "sexual/minors", except that a "sexual/minors" score of
 * 0.25 or more is always 6. "hate", "violence", "self-harm" and "sexual"
 * must be there; the others count when they are.
 */
#ifndef CPO_MODERATION_H
#define CPO_MODERATION_H

#include <stddef.h>

#include "buf.h"
#include "safety.h"

enum moderation_backend {
	MODERATION_AZURE,
	MODERATION_OPENAI
};

/* "azure", "openai-moderation": the --backend names. */
extern const char *const moderation_names[2];

struct moderation_config {
	enum moderation_backend backend;
	const char *endpoint;	/* Azure resource URL, or OpenAI base URL */
	const char *key;	/* borrowed; sent in a header, never shown */
	const char *version;	/* Azure API version */
	const char *model;	/* OpenAI model */
};

/*
 * Fills c for backend b from the environment, where keys are kept (never
 * on the command line): AZURE_CONTENT_SAFETY_ENDPOINT, _KEY and
 * _API_VERSION (default 2024-09-01); OPENAI_BASE_URL (default
 * https://api.openai.com/v1), OPENAI_API_KEY and OPENAI_MODERATION_MODEL
 * (default omni-moderation-latest). Returns 0, or -1 after appending the
 * missing variable's name to why.
 */
int moderation_from_env(struct moderation_config *c,
    enum moderation_backend b, struct buf *why);

/* The longest text Azure accepts, in characters (code points). */
#define MODERATION_AZURE_MAX 10000

/*
 * Appends to url the request URL, and to header the authentication header
 * line ("Name: value"), for c. A trailing / on the endpoint is ignored.
 */
void moderation_url(const struct moderation_config *c, struct buf *url);
void moderation_auth(const struct moderation_config *c, struct buf *header);

/* Appends the JSON request body for len bytes of text (UTF-8). */
void moderation_body(const struct moderation_config *c, const char *text,
    size_t len, struct buf *body);

/*
 * Reads a 200 answer of len bytes into severity[]. Returns 0, or -1 after
 * appending what is wrong to why ("no severity for 'Hate'", "invalid JSON
 * at line 1, column 7"); severity[] is then undefined.
 */
int moderation_parse(enum moderation_backend b, const char *text, size_t len,
    int severity[SAFETY_NCATEGORIES], struct buf *why);

/* Returns the severity level of an OpenAI score, by the table above. */
int moderation_level(double score);

/*
 * Appends ": MESSAGE" to why when text (len bytes, an error answer) is
 * {"error": {"message": MESSAGE, ...}} as both services send, the message
 * quoted and cut as diag_quote does; else appends nothing.
 */
void moderation_error_detail(const char *text, size_t len, struct buf *why);

#endif
