/* SPDX-License-Identifier: MIT */
/*
 * HTTP requests for the network backends (Azure AI Search, OpenAI-compatible
 * and Azure OpenAI chat, Azure AI Content Safety, OpenAI moderation): the
 * one module that wraps libcurl. It sends requests, one or a batch with a
 * bounded number in flight, retries what is worth retrying, and hands back
 * each answer; what an answer means is the caller's business. Nothing here
 * prints, exits (but for out of memory) or reads the wall clock.
 *
 * Usage:
 *
 *	struct http_options o;
 *	http_defaults(&o);		then set fields from options
 *	c = http_new(&o);		NULL: libcurl cannot be set up
 *	http_response_init(&rs);
 *	http_do(c, &req, &rs);		or http_run(c, reqs, rss, n)
 *	if (rs.error != HTTP_OK || rs.status != 200)
 *		http_explain(&rs, &msg);	"HTTP 503 after 3 attempts"
 *	else
 *		parse rs.body
 *	http_response_release(&rs);
 *	http_free(c);
 *
 * Retries. An attempt is retried, up to o.attempts tries in all, when it
 * times out, cannot connect, loses its connection or gets a truncated
 * answer, or when the server answers 408, 429 or any 5xx status. Nothing
 * else is retried: 400, 401, 403 and 404 (and every other status) are
 * answers, and so are certificate failures and malformed URLs. The wait
 * before a retry is what the last answer asked for in Retry-After
 * (delta-seconds) or retry-after-ms (Azure OpenAI's, which wins); else
 * o.backoff doubled for each retry, times a factor between 0.5 and 1 (a
 * fixed function of the request's index and the attempt, so that a batch
 * does not retry in lockstep); never more than o.max_wait. An answer asking
 * for a longer wait than o.max_wait ends the retries at once: the response
 * is that answer, with retry_after set, and http_explain says so.
 *
 * Secrets. API keys travel only in the request headers the caller builds
 * (from environment variables; never from argv). No text this module
 * produces contains a header value: a message that would is redacted. A
 * caller that quotes an answer's body in a message should pass the body
 * through http_redact first, since a server may echo a key back.
 *
 * Certificates. libcurl trusts the CA bundle chosen when it was built and
 * ignores SSL_CERT_FILE and CURL_CA_BUNDLE (only the curl program reads
 * them); http_defaults reads them, so a static binary can be pointed at
 * another system's bundle.
 */
#ifndef CPO_HTTP_H
#define CPO_HTTP_H

#include <stddef.h>

#include "buf.h"

struct http_options {
	double timeout;		/* seconds for one attempt, all of it */
	double connect_timeout;	/* seconds to connect, TLS included */
	int attempts;		/* tries in all, at least 1 */
	double backoff;		/* first wait between tries, in seconds */
	double max_wait;	/* longest wait between tries, in seconds */
	int jobs;		/* requests in flight in http_run, at least 1 */
	size_t max_body;	/* longest answer body kept, in bytes */
	const char *ca_file;	/* PEM bundle of trusted CAs; NULL: built-in */
};

/* A request; everything is borrowed until http_run or http_do returns. */
struct http_request {
	const char *method;	/* "GET", "POST", ...; NULL: POST when
				 * there is a body, else GET */
	const char *url;
	const char *const *headers;	/* "Name: value" strings, ending
					 * with NULL; NULL for none */
	const char *body;	/* NULL for none */
	size_t len;		/* bytes of body */
};

/* Why no server answered, or HTTP_OK when one did. */
enum http_error {
	HTTP_OK = 0,		/* an answer came: see status */
	HTTP_ETIMEDOUT,		/* none within the timeout (retried) */
	HTTP_ECONNECT,		/* could not resolve or connect (retried) */
	HTTP_ENET,		/* connection lost, answer cut short or
				 * garbled (retried) */
	HTTP_ETLS,		/* TLS failed; only a failed handshake is
				 * retried, a certificate problem is not */
	HTTP_ETOOBIG,		/* body longer than max_body (not retried) */
	HTTP_EREQUEST		/* the request is unusable: malformed URL,
				 * unsupported scheme (not retried) */
};

/* The outcome of a request: of its last attempt, unless said otherwise. */
struct http_response {
	enum http_error error;
	long status;		/* HTTP status; 0 when no server answered */
	struct buf body;	/* the answer's body */
	struct buf headers;	/* its header lines, "Name: value\r\n" each */
	double retry_after;	/* seconds the answer asked to wait, or -1 */
	int attempts;		/* tries made, at least 1 */
	struct buf message;	/* when error != HTTP_OK, what happened
				 * ("timed out after 10 s"); for an answer,
				 * why retries stopped early, else empty.
				 * Never holds a secret */
};

struct http_client;

/*
 * Sets o to the defaults: timeout 10 s, connect_timeout 5 s, 3 attempts,
 * backoff 0.5 s, max_wait 30 s, 4 jobs, max_body 16 MiB, and ca_file from
 * the environment: SSL_CERT_FILE, else CURL_CA_BUNDLE, else NULL. Can't
 * fail.
 */
void http_defaults(struct http_options *o);

/*
 * Returns a client using o (copied; ca_file borrowed for the client's
 * life), or NULL when libcurl cannot be set up. A client keeps its
 * connections open from one call to the next. One client must not be used
 * by two threads at once.
 */
struct http_client *http_new(const struct http_options *o);

/* Closes c's connections and frees it; NULL is fine. */
void http_free(struct http_client *c);

/* Initializes an empty response; allocates nothing. Can't fail. */
void http_response_init(struct http_response *rs);

/* Frees the response's buffers and leaves it empty and reusable. */
void http_response_release(struct http_response *rs);

/*
 * Sends the n requests of req, at most o.jobs at a time (in any order; the
 * connections are shared), each with its retries, and fills rs[i] (which
 * must have been initialized; earlier contents are replaced) with the
 * outcome of req[i]. Returns when all are done: the number of requests
 * that got no answer (rs[i].error != HTTP_OK). A request does not fail
 * because another one did.
 */
size_t http_run(struct http_client *c, const struct http_request *req,
    struct http_response *rs, size_t n);

/* http_run for one request. Returns 0 when a server answered, else -1. */
int http_do(struct http_client *c, const struct http_request *req,
    struct http_response *rs);

/*
 * Appends to out one line saying how the request ended, for messages:
 * "HTTP 503 after 3 attempts", "HTTP 429 after 1 attempt (asked to wait
 * 120 s, more than 30 s)", "timed out after 10 s (3 attempts)". For an
 * answer it states only the status: the caller knows whether that status
 * is a failure.
 */
void http_explain(const struct http_response *rs, struct buf *out);

/*
 * Looks up response header name (any case) in rs->headers; appends its
 * value, without surrounding blanks, to out and returns 1, or returns 0
 * when there is none.
 */
int http_header(const struct http_response *rs, const char *name,
    struct buf *out);

/* Returns 1 for the statuses that are retried: 408, 429, 500 to 599. */
int http_retryable(long status);

/*
 * Replaces every occurrence of secret in b, from offset from on, with
 * "[redacted]". Does nothing when secret is NULL or shorter than 4 bytes
 * (too short to be a key, and would mangle ordinary text).
 */
void http_redact(struct buf *b, size_t from, const char *secret);

/*
 * Shorthand for the common case, kept for its first callers: POSTs len
 * bytes of body to url with headers, as http_do. Returns 0 when a server
 * answered, whatever the status; else appends rs->message and the number
 * of attempts, "timed out after 10 s (3 attempts)", to err and returns -1.
 */
int http_post(struct http_client *c, const char *url,
    const char *const *headers, const char *body, size_t len,
    struct http_response *rs, struct buf *err);

#endif
