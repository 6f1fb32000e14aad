/* SPDX-License-Identifier: MIT */
/*
 * The screening engine. The cache is a set-associative table of SHA-256
 * digests and severities (four ways a set, replaced in turn), so memory
 * stays fixed however long the run; a full SHA-256 key makes a false hit
 * out of the question, which matters when a hit lets a message through.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "screen.h"
#include "xalloc.h"

#define WAYS 4

struct entry {
	size_t off, len;		/* the text, in s->texts */
	unsigned char digest[SHA256_SIZE];
	size_t same;			/* an earlier identical text, or n */
	size_t err;			/* offset of the error in s->errors */
	int failed;
	int done;
	struct screen_result r;
};

struct slot {
	unsigned char digest[SHA256_SIZE];
	int8_t severity[SAFETY_NCATEGORIES];
	uint8_t used;
};

struct screen {
	struct screen_config c;
	struct lexicon_scan *scan;
	struct http_client *http;
	struct buf url, auth;
	struct entry *e;
	size_t n, cap;
	size_t *todo, captodo;		/* texts to send, for screen_run */
	struct buf texts, errors;
	struct slot *cache;		/* sets of WAYS slots */
	size_t nsets;
	uint8_t *turn;			/* per set: the way replaced next */
	struct buf fatal;
	struct screen_stats stats;
};

struct screen *
screen_new(const struct screen_config *c)
{
	struct screen *s = xcalloc(1, sizeof(*s));

	s->c = *c;
	buf_init(&s->url);
	buf_init(&s->auth);
	buf_init(&s->texts);
	buf_init(&s->errors);
	buf_init(&s->fatal);
	if (c->backend == SCREEN_LOCAL)
		s->scan = lexicon_scan_new();
	else {
		if ((s->http = http_new(&c->http)) == NULL) {
			screen_free(s);
			return NULL;
		}
		moderation_url(&c->remote, &s->url);
		moderation_auth(&c->remote, &s->auth);
	}
	if (c->cache > 0) {
		s->nsets = (c->cache + WAYS - 1) / WAYS;
		s->cache = xcalloc(s->nsets * WAYS, sizeof(*s->cache));
		s->turn = xcalloc(s->nsets, 1);
	}
	return s;
}

void
screen_free(struct screen *s)
{
	if (s == NULL)
		return;
	lexicon_scan_free(s->scan);
	http_free(s->http);
	buf_release(&s->url);
	/* The key should not linger in freed memory. */
	if (s->auth.data != NULL)
		memset(s->auth.data, 0, s->auth.len);
	buf_release(&s->auth);
	buf_release(&s->texts);
	buf_release(&s->errors);
	buf_release(&s->fatal);
	free(s->e);
	free(s->todo);
	free(s->cache);
	free(s->turn);
	free(s);
}

size_t
screen_add(struct screen *s, const char *text, size_t len)
{
	struct entry *e;

	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 16 : s->cap * 2;
		s->e = xreallocarray(s->e, s->cap, sizeof(*s->e));
	}
	e = &s->e[s->n];
	memset(e, 0, sizeof(*e));
	e->off = s->texts.len;
	e->len = len;
	buf_add(&s->texts, text, len);
	sha256_digest(text, len, e->digest);
	sha256_hex(e->digest, e->r.sha256);
	return s->n++;
}

void
screen_clear(struct screen *s)
{
	s->n = 0;
	buf_reset(&s->texts);
	buf_reset(&s->errors);
}

const struct screen_result *
screen_result(const struct screen *s, size_t i)
{
	return &s->e[i].r;
}

const char *
screen_text(const struct screen *s, size_t i, size_t *len)
{
	*len = s->e[i].len;
	return s->texts.data + s->e[i].off;
}

const char *
screen_fatal(const struct screen *s)
{
	return s->fatal.len > 0 ? s->fatal.data : NULL;
}

const struct screen_stats *
screen_stats(const struct screen *s)
{
	return &s->stats;
}

static struct slot *
cache_set(const struct screen *s, const unsigned char *digest)
{
	uint64_t h;

	memcpy(&h, digest, sizeof(h));
	return &s->cache[h % s->nsets * WAYS];
}

static int
cache_get(const struct screen *s, struct entry *e)
{
	struct slot *set;
	int w, i;

	if (s->nsets == 0)
		return 0;
	set = cache_set(s, e->digest);
	for (w = 0; w < WAYS; w++) {
		if (!set[w].used || memcmp(set[w].digest, e->digest,
		    SHA256_SIZE) != 0)
			continue;
		for (i = 0; i < SAFETY_NCATEGORIES; i++)
			e->r.v.severity[i] = set[w].severity[i];
		return 1;
	}
	return 0;
}

static void
cache_put(struct screen *s, const struct entry *e)
{
	struct slot *set, *slot;
	size_t k;
	int i;

	if (s->nsets == 0)
		return;
	set = cache_set(s, e->digest);
	k = (size_t)(set - s->cache) / WAYS;
	slot = &set[s->turn[k]];
	s->turn[k] = (uint8_t)((s->turn[k] + 1) % WAYS);
	memcpy(slot->digest, e->digest, SHA256_SIZE);
	for (i = 0; i < SAFETY_NCATEGORIES; i++)
		slot->severity[i] = (int8_t)e->r.v.severity[i];
	slot->used = 1;
}

/* Marks entry e failed, with the message in s->errors from off on. */
static void
fail(struct screen *s, struct entry *e, size_t off)
{
	int i;

	buf_putc(&s->errors, '\0');
	e->err = off;
	e->failed = 1;
	for (i = 0; i < SAFETY_NCATEGORIES; i++)
		e->r.v.severity[i] = SAFETY_UNKNOWN;
}

/* Turns an answer into entry e's severities or failure. */
static void
take_answer(struct screen *s, struct entry *e, struct http_response *rs)
{
	const char *name = moderation_names[s->c.remote.backend];
	size_t off = s->errors.len, at;

	buf_printf(&s->errors, "%s: ", name);
	if (rs->error == HTTP_OK && rs->status == 200) {
		at = s->errors.len;
		buf_puts(&s->errors, "unexpected answer: ");
		if (moderation_parse(s->c.remote.backend, buf_str(&rs->body),
		    rs->body.len, e->r.v.severity, &s->errors) == 0) {
			s->errors.len = off;
			s->errors.data[off] = '\0';
			return;
		}
		http_redact(&s->errors, at, s->c.remote.key);
		fail(s, e, off);
		return;
	}
	http_explain(rs, &s->errors);
	if (rs->error == HTTP_OK) {
		at = s->errors.len;
		moderation_error_detail(buf_str(&rs->body), rs->body.len,
		    &s->errors);
		http_redact(&s->errors, at, s->c.remote.key);
	}
	if (rs->error == HTTP_OK && (rs->status == 401 || rs->status == 403 ||
	    rs->status == 404) && s->fatal.len == 0)
		buf_puts(&s->fatal, s->errors.data + off);
	fail(s, e, off);
}

static size_t
chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Sends the texts that need it, all at once, and reads the answers. */
static void
post(struct screen *s, size_t *todo, size_t n)
{
	const char *headers[] = {
		"Content-Type: application/json", s->auth.data, NULL
	};
	struct http_request *req = xcalloc(n + 1, sizeof(*req));
	struct http_response *rs = xcalloc(n + 1, sizeof(*rs));
	struct buf *bodies = xcalloc(n + 1, sizeof(*bodies));
	struct entry *e;
	size_t i;

	for (i = 0; i < n; i++) {
		e = &s->e[todo[i]];
		buf_init(&bodies[i]);
		moderation_body(&s->c.remote, s->texts.data + e->off, e->len,
		    &bodies[i]);
		req[i].method = "POST";
		req[i].url = s->url.data;
		req[i].headers = headers;
		req[i].body = bodies[i].data;
		req[i].len = bodies[i].len;
		http_response_init(&rs[i]);
	}
	http_run(s->http, req, rs, n);
	s->stats.requests += n;
	for (i = 0; i < n; i++) {
		take_answer(s, &s->e[todo[i]], &rs[i]);
		http_response_release(&rs[i]);
		buf_release(&bodies[i]);
	}
	free(req);
	free(rs);
	free(bodies);
}

/*
 * Sends the texts of todo. The first requests of a run go out alone, as
 * many as run in parallel: when the service refuses the key, that is all
 * it costs, and the rest fail without a request.
 */
static void
run_remote(struct screen *s, size_t *todo, size_t n)
{
	size_t first = n, i, off;

	if (s->stats.requests == 0 && (size_t)s->c.http.jobs < n)
		first = (size_t)s->c.http.jobs;
	post(s, todo, first);
	if (first == n)
		return;
	if (s->fatal.len == 0) {
		post(s, todo + first, n - first);
		return;
	}
	for (i = first; i < n; i++) {
		off = s->errors.len;
		buf_printf(&s->errors, "not screened: %s", s->fatal.data);
		fail(s, &s->e[todo[i]], off);
	}
}

void
screen_run(struct screen *s)
{
	size_t i, j, n = 0, *todo;
	struct entry *e;
	size_t off;

	if (s->n + 1 > s->captodo) {
		s->captodo = s->n + 1;
		s->todo = xreallocarray(s->todo, s->captodo, sizeof(*s->todo));
	}
	todo = s->todo;

	for (i = 0; i < s->n; i++) {
		e = &s->e[i];
		if (e->done)
			continue;
		e->same = s->n;
		/* An identical text earlier in the batch gives the answer. */
		for (j = 0; j < i && e->same == s->n; j++)
			if (s->e[j].same == s->n && !s->e[j].r.cached &&
			    memcmp(s->e[j].digest, e->digest, SHA256_SIZE) == 0)
				e->same = j;
		if (e->same < s->n || cache_get(s, e)) {
			e->r.cached = 1;
			continue;
		}
		if (s->c.backend == SCREEN_LOCAL) {
			lexicon_classify(s->c.lexicon, s->scan,
			    s->texts.data + e->off, e->len, e->r.v.severity,
			    NULL, NULL);
			continue;
		}
		off = s->errors.len;
		if (s->fatal.len > 0) {
			buf_printf(&s->errors, "not screened: %s",
			    s->fatal.data);
			fail(s, e, off);
		} else if (s->c.backend == SCREEN_AZURE &&
		    chars(s->texts.data + e->off, e->len) >
		    MODERATION_AZURE_MAX) {
			buf_printf(&s->errors, "azure: text longer than %d "
			    "characters", MODERATION_AZURE_MAX);
			fail(s, e, off);
		} else
			todo[n++] = i;
	}
	if (n > 0)
		run_remote(s, todo, n);
	for (i = 0; i < s->n; i++) {
		e = &s->e[i];
		if (e->done)
			continue;
		if (e->same < s->n) {
			memcpy(e->r.v.severity, s->e[e->same].r.v.severity,
			    sizeof(e->r.v.severity));
			e->failed = s->e[e->same].failed;
			e->err = s->e[e->same].err;
		} else if (!e->failed && !e->r.cached)
			cache_put(s, e);
		e->done = 1;
		s->stats.texts++;
		s->stats.cached += e->r.cached;
		s->stats.failed += e->failed;
	}
	for (i = 0; i < s->n; i++)
		s->e[i].r.v.error = s->e[i].failed ? s->errors.data +
		    s->e[i].err : NULL;
}

void
screen_explain(struct screen *s, size_t i,
    void (*on_match)(void *arg, const struct lexicon_match *m), void *arg)
{
	int severity[SAFETY_NCATEGORIES];

	if (s->c.backend != SCREEN_LOCAL)
		return;
	lexicon_classify(s->c.lexicon, s->scan, s->texts.data + s->e[i].off,
	    s->e[i].len, severity, on_match, arg);
}
