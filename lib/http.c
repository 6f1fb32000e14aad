/* SPDX-License-Identifier: MIT */
/*
 * libcurl's multi interface driving a few easy handles, one a slot: a slot
 * takes the next request, runs its attempts and waits, and takes another.
 * The multi handle keeps one connection cache for all of them, so requests
 * to one host reuse a few kept-alive connections. Waits between attempts
 * are scheduled on the monotonic clock, which never reaches any output:
 * runs stay reproducible.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "hash.h"
#include "http.h"
#include "xalloc.h"

enum slot_state { SLOT_IDLE, SLOT_BUSY, SLOT_WAITING };

struct slot {
	CURL *easy;
	enum slot_state state;
	size_t i;			/* the request it is working on */
	double wake;			/* WAITING: when to try again */
	struct curl_slist *list;	/* the request's headers */
	int too_big;			/* the body passed max_body */
	struct http_response *rs;
	size_t max_body;
	char errbuf[CURL_ERROR_SIZE];
};

struct http_client {
	struct http_options o;
	CURLM *multi;
	struct slot *slots;
	size_t nslots;
};

void
http_defaults(struct http_options *o)
{
	const char *ca;

	o->timeout = 10;
	o->connect_timeout = 5;
	o->attempts = 3;
	o->backoff = 0.5;
	o->max_wait = 30;
	o->jobs = 4;
	o->max_body = 16 << 20;
	if ((ca = getenv("SSL_CERT_FILE")) == NULL || *ca == '\0')
		ca = getenv("CURL_CA_BUNDLE");
	o->ca_file = ca != NULL && *ca != '\0' ? ca : NULL;
}

struct http_client *
http_new(const struct http_options *o)
{
	struct http_client *c;

	/* Reference-counted and thread-safe since libcurl 7.84. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->o = *o;
	if (c->o.attempts < 1)
		c->o.attempts = 1;
	if (c->o.jobs < 1)
		c->o.jobs = 1;
	if ((c->multi = curl_multi_init()) == NULL) {
		free(c);
		curl_global_cleanup();
		return NULL;
	}
	return c;
}

void
http_free(struct http_client *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nslots; i++)
		curl_easy_cleanup(c->slots[i].easy);
	free(c->slots);
	curl_multi_cleanup(c->multi);
	free(c);
	curl_global_cleanup();
}

void
http_response_init(struct http_response *rs)
{
	rs->error = HTTP_OK;
	rs->status = 0;
	rs->retry_after = -1;
	rs->attempts = 0;
	buf_init(&rs->body);
	buf_init(&rs->headers);
	buf_init(&rs->message);
}

void
http_response_release(struct http_response *rs)
{
	buf_release(&rs->body);
	buf_release(&rs->headers);
	buf_release(&rs->message);
	http_response_init(rs);
}

int
http_retryable(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct slot *s = arg;

	if (s->rs->body.len + size * n > s->max_body) {
		s->too_big = 1;
		return 0;
	}
	buf_add(&s->rs->body, p, size * n);
	return size * n;
}

/*
 * Keeps the header lines of the final answer: a status line starts a new
 * block, so the lines of an interim "100 Continue" are dropped.
 */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct slot *s = arg;

	if (size * n >= 5 && memcmp(p, "HTTP/", 5) == 0)
		buf_reset(&s->rs->headers);
	else
		buf_add(&s->rs->headers, p, size * n);
	return size * n;
}

int
http_header(const struct http_response *rs, const char *name,
    struct buf *out)
{
	const char *p = buf_str(&rs->headers), *end, *v;
	size_t len = strlen(name);

	for (; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		if ((end = strchr(p, '\n')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) <= len || p[len] != ':' ||
		    strncasecmp(p, name, len) != 0)
			continue;
		for (v = p + len + 1; v < end && (*v == ' ' || *v == '\t');
		    v++)
			;
		while (end > v && (end[-1] == '\r' || end[-1] == ' ' ||
		    end[-1] == '\t'))
			end--;
		buf_add(out, v, (size_t)(end - v));
		return 1;
	}
	return 0;
}

/* Returns the wait the answer asked for, in seconds, or -1. */
static double
asked_wait(const struct http_response *rs)
{
	struct buf v;
	double s = -1;
	char *end;

	buf_init(&v);
	if (http_header(rs, "retry-after-ms", &v)) {
		s = strtod(buf_str(&v), &end);
		s = end != v.data && *end == '\0' && s >= 0 ? s / 1000 : -1;
	}
	buf_reset(&v);
	/* The HTTP-date form would need the clock; the backoff serves. */
	if (s < 0 && http_header(rs, "retry-after", &v)) {
		s = strtod(buf_str(&v), &end);
		s = end != v.data && *end == '\0' && s >= 0 ? s : -1;
	}
	buf_release(&v);
	return isfinite(s) ? s : -1;
}

void
http_redact(struct buf *b, size_t from, const char *secret)
{
	static const char mark[] = "[redacted]";
	size_t n, i, j;
	struct buf out;

	if (secret == NULL || (n = strlen(secret)) < 4 || b->len < from + n)
		return;
	buf_init(&out);
	for (i = j = from; j + n <= b->len; j++) {
		if (b->data[j] != secret[0] || memcmp(b->data + j, secret, n))
			continue;
		buf_add(&out, b->data + i, j - i);
		buf_puts(&out, mark);
		i = j + n;
		j = i - 1;
	}
	if (out.len > 0) {
		buf_add(&out, b->data + i, b->len - i);
		b->len = from;
		buf_add(b, out.data, out.len);
	}
	buf_release(&out);
}

/* Redacts the value of every request header from the message. */
static void
redact_headers(struct http_response *rs, const struct http_request *req)
{
	const char *v;
	size_t i;

	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		if ((v = strchr(req->headers[i], ':')) == NULL)
			continue;
		for (v++; *v == ' '; v++)
			;
		http_redact(&rs->message, 0, v);
	}
}

static struct curl_slist *
header_list(const struct http_request *req)
{
	struct curl_slist *list = NULL, *l;
	size_t i;

	/*
	 * An empty Expect: stops libcurl from waiting for "100 Continue"
	 * before sending a large body, which servers that never send one
	 * turn into a one-second stall per request.
	 */
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		if ((l = curl_slist_append(list, req->headers[i])) != NULL)
			list = l;
		else
			xmalloc((size_t)-1);
	if ((l = curl_slist_append(list, "Expect:")) == NULL)
		xmalloc((size_t)-1);
	return l;
}

static void
start(struct http_client *c, struct slot *s, const struct http_request *req)
{
	struct http_response *rs = s->rs;
	CURL *e = s->easy;

	rs->attempts++;
	rs->status = 0;
	rs->error = HTTP_OK;
	buf_reset(&rs->body);
	buf_reset(&rs->headers);
	buf_reset(&rs->message);
	s->too_big = 0;
	s->errbuf[0] = '\0';
	s->state = SLOT_BUSY;
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->list);
	if (req->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->len);
	}
	if (req->method != NULL && strcmp(req->method,
	    req->body != NULL ? "POST" : "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(c->o.timeout * 1000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(c->o.connect_timeout * 1000));
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->o.ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->o.ca_file);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(e, CURLOPT_PRIVATE, s);
	curl_multi_add_handle(c->multi, e);
}

/* Sorts a failed attempt: returns the error, and whether to retry. */
static enum http_error
classify(CURLcode rc, int too_big, int *retry)
{
	*retry = 1;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return HTTP_ECONNECT;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return HTTP_ENET;
	case CURLE_SSL_CONNECT_ERROR:
		return HTTP_ETLS;
	default:
		break;
	}
	*retry = 0;
	if (too_big)
		return HTTP_ETOOBIG;
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
		return HTTP_ETLS;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return HTTP_EREQUEST;
	default:
		return HTTP_ENET;
	}
}

static void
describe(struct http_client *c, struct slot *s, CURLcode rc)
{
	struct http_response *rs = s->rs;

	if (rs->error == HTTP_ETIMEDOUT)
		buf_printf(&rs->message, "timed out after %g s", c->o.timeout);
	else if (rs->error == HTTP_ETOOBIG)
		buf_printf(&rs->message, "answer longer than %zu bytes",
		    c->o.max_body);
	else if (s->errbuf[0] != '\0')
		buf_puts(&rs->message, s->errbuf);
	else
		buf_puts(&rs->message, curl_easy_strerror(rc));
}

/*
 * The wait before retry number k (1 for the first), for request i: the
 * backoff doubled k - 1 times, times a factor in [0.5, 1) that depends
 * only on i and k.
 */
static double
backoff(const struct http_client *c, size_t i, int k)
{
	uint64_t h = hash_mix64((uint64_t)i * 0x9e3779b97f4a7c15ULL +
	    (uint64_t)k);

	return c->o.backoff * ldexp(1, k - 1) *
	    (0.5 + 0.5 * (double)(h >> 11) / 9007199254740992.0);
}

/* Ends an attempt: either the request is done, or it waits to retry. */
static void
finish(struct http_client *c, struct slot *s, CURLcode rc,
    const struct http_request *req)
{
	struct http_response *rs = s->rs;
	int retry;
	double wait;

	curl_multi_remove_handle(c->multi, s->easy);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &rs->status);
		retry = http_retryable(rs->status);
	} else {
		rs->error = classify(rc, s->too_big, &retry);
		describe(c, s, rc);
		redact_headers(rs, req);
	}
	rs->retry_after = rc == CURLE_OK ? asked_wait(rs) : -1;
	wait = rs->retry_after >= 0 ? rs->retry_after :
	    backoff(c, s->i, rs->attempts);
	if (retry && rs->attempts < c->o.attempts &&
	    rs->retry_after > c->o.max_wait) {
		buf_printf(&rs->message, "asked to wait %g s, more than %g s",
		    rs->retry_after, c->o.max_wait);
		retry = 0;
	}
	if (!retry || rs->attempts >= c->o.attempts) {
		curl_slist_free_all(s->list);
		s->list = NULL;
		s->state = SLOT_IDLE;
		return;
	}
	s->state = SLOT_WAITING;
	s->wake = now() + (wait < c->o.max_wait ? wait : c->o.max_wait);
}

static void
add_slots(struct http_client *c, size_t want)
{
	if (want <= c->nslots)
		return;
	c->slots = xreallocarray(c->slots, want, sizeof(*c->slots));
	for (; c->nslots < want; c->nslots++) {
		memset(&c->slots[c->nslots], 0, sizeof(c->slots[0]));
		if ((c->slots[c->nslots].easy = curl_easy_init()) == NULL)
			xmalloc((size_t)-1);
	}
}

/* Gives idle slots the next requests and restarts the waits that are over. */
static size_t
schedule(struct http_client *c, const struct http_request *req,
    struct http_response *rs, size_t n, size_t *next)
{
	size_t i, busy = 0;
	struct slot *s;
	double t = now();

	for (i = 0; i < c->nslots && i < n; i++) {
		s = &c->slots[i];
		if (s->state == SLOT_IDLE && *next < n) {
			s->i = (*next)++;
			s->rs = &rs[s->i];
			s->max_body = c->o.max_body;
			s->list = header_list(&req[s->i]);
			s->rs->attempts = 0;
			start(c, s, &req[s->i]);
		} else if (s->state == SLOT_WAITING && s->wake <= t)
			start(c, s, &req[s->i]);
		busy += s->state != SLOT_IDLE;
	}
	return busy;
}

/*
 * Milliseconds to wait for the network before a slot has something to
 * start: 0 when one can start now or when all are done, else until the
 * first wait is over, and never more than a second.
 */
static int
idle_ms(const struct http_client *c, size_t n, size_t next)
{
	double t = now(), sleep = 1;
	size_t i, busy = 0;

	for (i = 0; i < c->nslots && i < n; i++) {
		if (c->slots[i].state == SLOT_IDLE && next < n)
			return 0;
		if (c->slots[i].state == SLOT_WAITING &&
		    c->slots[i].wake - t < sleep)
			sleep = c->slots[i].wake - t;
		busy += c->slots[i].state != SLOT_IDLE;
	}
	if (busy == 0)
		return 0;
	return sleep > 0 ? (int)(sleep * 1000) + 1 : 0;
}

size_t
http_run(struct http_client *c, const struct http_request *req,
    struct http_response *rs, size_t n)
{
	size_t next = 0, i, failed = 0;
	struct slot *s;
	CURLMsg *m;
	int running, left;
	char *priv;

	add_slots(c, n < (size_t)c->o.jobs ? n : (size_t)c->o.jobs);
	while (schedule(c, req, rs, n, &next) > 0) {
		curl_multi_perform(c->multi, &running);
		while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    &priv);
			s = (struct slot *)(void *)priv;
			finish(c, s, m->data.result, &req[s->i]);
		}
		curl_multi_poll(c->multi, NULL, 0, idle_ms(c, n, next), NULL);
	}
	for (i = 0; i < n; i++)
		failed += rs[i].error != HTTP_OK;
	return failed;
}

int
http_do(struct http_client *c, const struct http_request *req,
    struct http_response *rs)
{
	return http_run(c, req, rs, 1) == 0 ? 0 : -1;
}

void
http_explain(const struct http_response *rs, struct buf *out)
{
	const char *s = rs->attempts == 1 ? "" : "s";

	if (rs->error != HTTP_OK) {
		buf_printf(out, "%s (%d attempt%s)", buf_str(&rs->message),
		    rs->attempts, s);
		return;
	}
	buf_printf(out, "HTTP %ld after %d attempt%s", rs->status,
	    rs->attempts, s);
	if (rs->message.len > 0)
		buf_printf(out, " (%s)", buf_str(&rs->message));
}

int
http_post(struct http_client *c, const char *url,
    const char *const *headers, const char *body, size_t len,
    struct http_response *rs, struct buf *err)
{
	struct http_request req = { "POST", url, headers, body, len };

	if (http_do(c, &req, rs) == 0)
		return 0;
	http_explain(rs, err);
	return -1;
}
