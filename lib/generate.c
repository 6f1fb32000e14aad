/* SPDX-License-Identifier: MIT */
/*
 * A batch of cpo-generate records (generate.h has the rules). Offline,
 * each record is done on its own. With a model, each message is a task;
 * the tasks of a batch go out together, and a task whose answer breaks a
 * rule goes out again with the reasons, until it passes or runs out of
 * attempts. Output order is the input order whatever order the answers
 * come back in, because the items are written by the caller, in order,
 * after the batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "embed.h"
#include "generate.h"
#include "hash.h"
#include "input.h"
#include "jsonfile.h"
#include "ndjson.h"
#include "status.h"
#include "xalloc.h"

void
generate_init(struct generator *g, const struct experiment *exp, time_t t)
{
	memset(g, 0, sizeof(*g));
	g->exp = exp;
	timefmt_iso(t, g->generated_at);
	composer_init(&g->comp);
	variant_init(&g->v);
	buf_init(&g->prefix);
	buf_init(&g->text);
}

void
generate_release(struct generator *g)
{
	size_t i;

	for (i = 0; i < g->ntones; i++) {
		free(g->tone[i].name);
		free(g->tone[i].file);
		free(g->tone[i].prompt);
		template_free(g->tone[i].tpl);
	}
	if (g->llm != NULL) {
		for (i = 0; i < g->llm->nmemo; i++)
			buf_release(&g->llm->memo[i].answer);
		free(g->llm->memo);
		http_free(g->llm->http);
		buf_release(&g->llm->url);
		buf_release(&g->llm->header);
		free(g->llm);
	}
	composer_release(&g->comp);
	variant_release(&g->v);
	buf_release(&g->prefix);
	buf_release(&g->text);
}

int
generate_tone_index(const struct generator *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->ntones; i++)
		if (strcmp(g->tone[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Does s (len bytes) hold no byte from 1 to 7? */
static int
no_byte_below_8(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 1 && (unsigned char)s[i] <= 7)
			return 0;
	return 1;
}

/*
 * Adds the tone called name with its template, len bytes of text. Returns
 * the tone's index, or -1 after storing the line at fault in *errline and
 * appending the problem to err.
 */
static int
add_tone(struct generator *g, const char *name, const char *text,
    size_t len, unsigned long *errline, struct buf *err)
{
	struct generate_tone *t;
	struct template *tpl;
	size_t n = strlen(name);

	*errline = 0;
	if (g->ntones == GENERATE_TONES_MAX) {
		buf_printf(err, "more than %d tones", GENERATE_TONES_MAX);
		return -1;
	}
	if ((tpl = compose_load(text, len, errline, err)) == NULL)
		return -1;
	t = &g->tone[g->ntones];
	t->name = xstrdup(name);
	t->file = xmalloc(n + sizeof(".txt"));
	memcpy(t->file, name, n);
	memcpy(t->file + n, ".txt", sizeof(".txt"));
	t->prompt = xmalloc(sizeof("generation_prompt_") + n);
	memcpy(t->prompt, "generation_prompt_", sizeof("generation_prompt_"));
	memcpy(t->prompt + sizeof("generation_prompt_") - 1, name, n + 1);
	t->tpl = tpl;
	t->plain = no_byte_below_8(text, len);
	t->control = strcmp(name, EXPERIMENT_CONTROL_TONE) == 0;
	return (int)g->ntones++;
}

/* Appends tone i to the tones of a record without an assignment. */
static void
want(struct generator *g, size_t i)
{
	size_t k;

	for (k = 0; k < g->nwant; k++)
		if (g->want[k] == i)
			return;
	g->want[g->nwant++] = i;
}

/* The answer of load_tone when no template is found. */
#define NO_TEMPLATE (-3)

static int
tone_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 32)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/*
 * Adds the tone called name (len bytes) from dir/NAME.txt, else from the
 * compiled-in templates/NAME.txt, and stores its index in *index. Returns
 * 0, NO_TEMPLATE, or generate_load_tones's -1 or -2.
 */
static int
load_tone(struct generator *g, const char *dir, const char *name,
    size_t len, size_t *index, struct buf *where, struct buf *err)
{
	const struct embed_file *f;
	unsigned long line;
	struct buf text;
	char tone[33];
	int i, rc = 0;

	if (!tone_name_ok(name, len))
		return NO_TEMPLATE;
	memcpy(tone, name, len);
	tone[len] = '\0';
	if ((i = generate_tone_index(g, tone)) >= 0) {
		*index = (size_t)i;
		return 0;
	}
	buf_init(&text);
	buf_reset(where);
	buf_printf(where, "%s/%s.txt", dir, tone);
	if (jsonfile_read(where->data, &text) < 0) {
		if (errno != ENOENT) {
			buf_puts(err, strerror(errno));
			buf_release(&text);
			return -2;
		}
		buf_reset(where);
		buf_printf(where, "templates/%s.txt", tone);
		if ((f = embed_find(where->data)) == NULL) {
			buf_release(&text);
			return NO_TEMPLATE;
		}
		buf_add(&text, f->data, f->len);
	}
	if ((i = add_tone(g, tone, buf_str(&text), text.len, &line, err)) < 0) {
		if (line > 0)
			buf_printf(where, ":%lu", line);
		rc = -1;
	} else
		*index = (size_t)i;
	buf_release(&text);
	return rc;
}

int
generate_load_tones(struct generator *g, const char *dir, const char *tones,
    const char *exp_name, struct buf *where, struct buf *err)
{
	const struct experiment_arm *arm;
	const char *s, *e;
	size_t k, i;
	int rc;

	for (s = tones; ; s = e + 1) {
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		if (!tone_name_ok(s, (size_t)(e - s))) {
			buf_reset(where);
			buf_puts(where, "--tones");
			buf_printf(err, "expected names of lower-case letters, "
			    "digits, '-' and '_', got '%s'", tones);
			return -1;
		}
		if ((rc = load_tone(g, dir, s, (size_t)(e - s), &k, where,
		    err)) == NO_TEMPLATE) {
			buf_reset(where);
			buf_puts(where, "--tones");
			buf_printf(err, "no template for tone '%.*s'",
			    (int)(e - s), s);
			return -1;
		}
		if (rc < 0)
			return rc;
		want(g, k);
		if (*e == '\0')
			break;
	}
	s = EXPERIMENT_CONTROL_TONE;
	if ((rc = load_tone(g, dir, s, strlen(s), &k, where, err)) < 0) {
		if (rc == NO_TEMPLATE) {
			buf_reset(where);
			buf_puts(err, "no template for the control message");
		}
		return rc == NO_TEMPLATE ? -1 : rc;
	}
	want(g, k);
	for (i = 0; i < g->exp->narms; i++) {
		arm = &g->exp->arm[i];
		rc = load_tone(g, dir, arm->tone, strlen(arm->tone), &k, where,
		    err);
		if (rc == NO_TEMPLATE) {
			buf_reset(where);
			buf_puts(where, exp_name);
			buf_printf(err, "arm '%s': no template for tone '%s'",
			    arm->name, arm->tone);
			return -1;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
generate_open_llm(struct generator *g, const struct generate_llm_options *o,
    struct buf *where, struct buf *err)
{
	const struct embed_file *f = embed_find("prices.json");
	struct generate_llm *m;
	struct http_options ho;
	struct buf text;

	/* A cache that cannot be made is better known before any spending. */
	if (o->cache_dir != NULL && mkdir(o->cache_dir, 0777) < 0 &&
	    errno != EEXIST) {
		buf_reset(where);
		buf_puts(where, o->cache_dir);
		buf_puts(err, strerror(errno));
		return -2;
	}
	buf_init(&text);
	if (o->prices != NULL && jsonfile_read(o->prices, &text) < 0) {
		buf_reset(where);
		buf_puts(where, o->prices);
		buf_puts(err, strerror(errno));
		buf_release(&text);
		return -2;
	}
	if (o->prices == NULL)
		buf_add(&text, f->data, f->len);
	m = xcalloc(1, sizeof(*m));
	if (llm_price(buf_str(&text), text.len, o->model, &m->price, err) < 0) {
		buf_reset(where);
		buf_puts(where, o->prices != NULL ? o->prices : "prices.json");
		buf_release(&text);
		free(m);
		return -1;
	}
	buf_release(&text);
	http_defaults(&ho);
	ho.timeout = o->timeout;
	ho.jobs = o->jobs;
	if ((m->http = http_new(&ho)) == NULL) {
		buf_reset(where);
		buf_puts(where, "--backend");
		buf_puts(err, "cannot set up the HTTP client");
		free(m);
		return -2;
	}
	buf_init(&m->url);
	buf_init(&m->header);
	llm_url(o->kind, o->url, o->model, o->api_version, &m->url);
	/* The key lives in this header only, and in no message. */
	buf_printf(&m->header, o->kind == LLM_AZURE ? "api-key: %s" :
	    "Authorization: Bearer %s", o->key);
	m->headers[0] = m->header.data;
	m->headers[1] = "Content-Type: application/json";
	m->headers[2] = NULL;
	m->config.kind = o->kind;
	m->config.url = m->url.data;
	m->config.model = o->model;
	m->config.temperature = 0.7;
	m->config.max_tokens = 800;
	m->config.cache_dir = o->cache_dir;
	m->config.per_segment = o->per_segment;
	m->key = o->key;
	m->attempts = o->attempts;
	m->jobs = (size_t)o->jobs;
	m->max_cost = o->max_cost;
	g->llm = m;
	return 0;
}

void
generate_item_init(struct generate_item *it)
{
	memset(it, 0, sizeof(*it));
	buf_init(&it->raw);
	reasons_init(&it->why);
	reasons_init(&it->lost);
	buf_init(&it->nomsg);
	compose_facts_init(&it->facts);
	passages_init(&it->ps);
}

void
generate_item_release(struct generate_item *it)
{
	generate_item_reset(it);
	buf_release(&it->raw);
	reasons_release(&it->why);
	reasons_release(&it->lost);
	buf_release(&it->nomsg);
	compose_facts_release(&it->facts);
	passages_release(&it->ps);
}

void
generate_item_reset(struct generate_item *it)
{
	json_free(it->rec);
	json_free(it->variants);
	it->rec = it->variants = NULL;
	buf_reset(&it->raw);
	reasons_reset(&it->why);
	reasons_reset(&it->lost);
	buf_reset(&it->nomsg);
	it->nmessages = 0;
	it->bad = it->assigned = 0;
}

static int
is_control(const struct generate_tone *t)
{
	return t->control;
}

/*
 * The tone of the record's arm: stores its index in *tone. Returns 0, or
 * -1 after adding a reason.
 */
static int
arm_tone(const struct generator *g, const cJSON *a, size_t *tone,
    struct reasons *why)
{
	const cJSON *arm, *atone;
	const char *want;
	int i, t;

	if (!cJSON_IsObject(a)) {
		reasons_add(why, "field 'assignment': expected an object, got "
		    "%s", json_type_name(a));
		return -1;
	}
	arm = json_get(a, "experiment_arm");
	if (!cJSON_IsString(arm)) {
		reasons_add(why, "field 'assignment.experiment_arm': expected "
		    "a string, got %s", json_type_name(arm));
		return -1;
	}
	if ((i = experiment_arm_index(g->exp, arm->valuestring)) < 0) {
		reasons_add(why, "field 'assignment.experiment_arm': no arm "
		    "'%s' in experiment '%s'", arm->valuestring, g->exp->id);
		return -1;
	}
	want = g->exp->arm[i].tone;
	atone = json_get(a, "tone");
	if (cJSON_IsString(atone) && strcmp(atone->valuestring, want) != 0) {
		reasons_add(why, "field 'assignment.tone': '%s', but "
		    "experiment '%s' gives arm '%s' the tone '%s'",
		    atone->valuestring, g->exp->id, arm->valuestring, want);
		return -1;
	}
	/* The caller added every arm's tone before the first record. */
	t = generate_tone_index(g, want);
	*tone = t < 0 ? 0 : (size_t)t;
	return 0;
}

/* Is the record's retrieval.results an empty array? */
static int
no_results(const cJSON *rec)
{
	const cJSON *res = json_get(json_get(rec, "retrieval"), "results");

	return cJSON_IsArray(res) && res->child == NULL;
}

/*
 * Reads an item's facts, passages and assignment and prepares its quotes.
 * Returns 0, or -1 after adding reasons (the item is then bad: its input
 * is broken). A retrieval that found nothing, or nothing that can be
 * quoted to this customer, is not broken input: it sets the item's nomsg,
 * and the record is written without its messages.
 */
static int
prepare(struct generator *g, struct generate_item *it)
{
	cJSON *a = json_get(it->rec, "assignment");
	int bad = 0, empty = 0;
	size_t first;

	it->assigned = a != NULL && !cJSON_IsNull(a);
	bad |= compose_facts_read(&it->facts, it->rec, &it->why) < 0;
	first = it->why.n;
	if (passages_read(&it->ps, it->rec, &it->why) < 0) {
		/* Its one reason, then, is the last: nothing follows it. */
		empty = no_results(it->rec) && it->why.n == first + 1;
		bad |= !empty;
	}
	if (it->assigned)
		bad |= arm_tone(g, a, &it->arm_tone, &it->why) < 0;
	it->bad = bad;
	if (bad)
		return -1;
	if (empty) {
		buf_puts(&it->nomsg, reasons_get(&it->why, first));
		it->why.n = first;
	} else if (compose_prepare(&g->comp, &it->ps, &it->facts) == 0)
		buf_printf(&it->nomsg, "field 'retrieval.results': no "
		    "sentence of the %zu passage%s can be quoted to this "
		    "customer", it->ps.n, it->ps.n == 1 ? "" : "s");
	it->variants = json_new_array();
	return 0;
}

/* The tones item it gets: its arm's, or the wanted ones. */
static size_t
tones_of(const struct generator *g, const struct generate_item *it,
    size_t *out)
{
	size_t k;

	if (it->assigned) {
		out[0] = it->arm_tone;
		return 1;
	}
	for (k = 0; k < g->nwant; k++)
		out[k] = g->want[k];
	return g->nwant;
}

/* Sets the prefix of a tone's reasons: "tone 'urgent': ". */
static const char *
prefix(struct generator *g, size_t tone)
{
	buf_reset(&g->prefix);
	buf_printf(&g->prefix, "tone '%s': ", g->tone[tone].name);
	return g->prefix.data;
}

int
generate_offline(struct generator *g, struct composer *c, size_t i,
    const struct passages *ps, const struct compose_facts *f,
    struct reasons *why)
{
	const struct generate_tone *t = &g->tone[i];
	size_t need;

	if (compose(c, t->tpl, t->file, t->name, ps, f, &g->v, &need,
	    prefix(g, i), why) < 0 ||
	    variant_check(&g->v, ps, need, f->value, COMPOSE_FACTS,
	    g->prefix.data, why) < 0)
		return -1;
	variant_set_id(&g->v, is_control(t));
	return 0;
}

/*
 * Writes tone i's message offline for item it (after prepare and with
 * the composer prepared for it) and returns it as a new variant object,
 * or NULL after adding reasons.
 */
static cJSON *
offline(struct generator *g, struct generate_item *it, size_t i)
{
	if (generate_offline(g, &g->comp, i, &it->ps, &it->facts,
	    &it->why) < 0)
		return NULL;
	return variant_json(&g->v, &it->ps, it->facts.customer_id,
	    it->facts.segment, g->generated_at);
}

/*
 * Adds to it->lost that tone's message is not written, with its reasons:
 * those of it->why that carry the tone's prefix (each without it), or the
 * reason no message at all can be written.
 */
static void
lose(struct generator *g, struct generate_item *it, size_t tone)
{
	const char *pre = prefix(g, tone), *r;
	size_t plen = strlen(pre), k, n = 0;
	struct buf *msg = &g->text;

	buf_reset(msg);
	buf_puts(msg, "customer ");
	diag_quote(msg, it->facts.customer_id, strlen(it->facts.customer_id));
	buf_printf(msg, ", tone '%s': not generated: ", g->tone[tone].name);
	if (it->nomsg.len > 0) {
		buf_add(msg, it->nomsg.data, it->nomsg.len);
		n = 1;
	}
	for (k = 0; it->nomsg.len == 0 && k < it->why.n; k++) {
		if (strncmp(r = reasons_get(&it->why, k), pre, plen) != 0)
			continue;
		buf_puts(msg, n++ > 0 ? "; " : "");
		buf_puts(msg, r + plen);
	}
	if (n == 0)
		buf_puts(msg, "no message was written");
	reasons_add_buf(&it->lost, msg);
}

/*
 * Settles a written item whose variants hold one slot per tone of tones
 * (nt of them), null where its message could not be written: each null
 * becomes an entry of lost and leaves the list, the reasons are done
 * with, and the variants go into the record, the assignment getting the
 * id of its arm's message when there is one.
 */
static void
finish(struct generator *g, struct generate_item *it, const size_t *tones,
    size_t nt)
{
	cJSON *a = json_get(it->rec, "assignment"), *v, *id;
	int gone[GENERATE_TONES_MAX];
	size_t k;

	it->nmessages = nt;
	for (k = 0; k < nt; k++)
		if ((gone[k] = cJSON_IsNull(cJSON_GetArrayItem(it->variants,
		    (int)k))))
			lose(g, it, tones[k]);
	for (k = nt; k-- > 0; )
		if (gone[k])
			cJSON_DeleteItemFromArray(it->variants, (int)k);
	reasons_reset(&it->why);
	if (it->assigned && (v = cJSON_GetArrayItem(it->variants, 0)) != NULL &&
	    (id = json_get(v, "variant_id")) != NULL)
		json_set(a, "variant_id", json_new_string(id->valuestring));
	json_set(it->rec, "variants", it->variants);
	it->variants = NULL;
}

static void
offline_batch(struct generator *g, struct generate_item *items, size_t n)
{
	size_t tones[GENERATE_TONES_MAX], nt, i, k;
	cJSON *v;

	for (i = 0; i < n; i++) {
		if (items[i].rec == NULL || prepare(g, &items[i]) < 0)
			continue;
		nt = tones_of(g, &items[i], tones);
		for (k = 0; k < nt; k++) {
			v = items[i].nomsg.len > 0 ? NULL :
			    offline(g, &items[i], tones[k]);
			json_append(items[i].variants, v != NULL ? v :
			    json_new_null());
		}
		finish(g, &items[i], tones, nt);
	}
}

/* A message the model writes. */
struct task {
	size_t item, tone, slot;	/* slot: place among the variants */
	int attempts, done;
	struct buf history, request, answer;
	char key[SHA256_HEX_SIZE];
	long status;
	int tries;		/* the HTTP tries of the last request */
	int cached, ready;	/* ready: answered in this round */
	cJSON *variant;
};

/* The run's answer to the request with this key, or NULL. */
static const struct buf *
memo_get(const struct generate_llm *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->nmemo; i++)
		if (strcmp(m->memo[i].key, key) == 0)
			return &m->memo[i].answer;
	return NULL;
}

static void
memo_put(struct generate_llm *m, const char *key, const struct buf *answer)
{
	struct generate_memo *e;

	if (memo_get(m, key) != NULL)
		return;
	if (m->nmemo == m->memocap) {
		m->memocap = m->memocap ? 2 * m->memocap : 16;
		m->memo = xreallocarray(m->memo, m->memocap,
		    sizeof(m->memo[0]));
	}
	e = &m->memo[m->nmemo++];
	memcpy(e->key, key, sizeof(e->key));
	buf_init(&e->answer);
	buf_add(&e->answer, buf_str(answer), answer->len);
}

/*
 * Per segment, a request that an earlier one of this round makes too is
 * not sent again: returns the index of the earlier one's request, or -1.
 */
static long
same_request(const struct task *tasks, const size_t *of, size_t nreq,
    const struct task *t)
{
	size_t k;

	for (k = 0; k < nreq; k++)
		if (strcmp(tasks[of[k]].key, t->key) == 0)
			return (long)k;
	return -1;
}

/*
 * The variant of a message the service's content filter refused: no text,
 * and a Safety Result that blocks it, so that the customer is sent the
 * control message (lib/delivery) and the audit shows why.
 */
static cJSON *
filtered(struct generator *g, struct generate_item *it, size_t tone,
    const char *why)
{
	cJSON *v, *s;
	struct buf id;

	variant_reset(&g->v);
	g->v.tone = g->tone[tone].name;
	g->v.model = g->llm->config.model;
	buf_init(&id);
	buf_printf(&id, "filtered%c%s%c%s", 0, g->v.tone, 0,
	    it->facts.customer_id);
	snprintf(g->v.id, sizeof(g->v.id), "VAR%016llX",
	    (unsigned long long)hash_fnv1a64(id.data, id.len));
	buf_release(&id);
	v = variant_json(&g->v, &it->ps, it->facts.customer_id,
	    it->facts.segment, g->generated_at);
	s = json_new_object();
	json_set(s, "status", json_new_string("block"));
	json_set(s, "blocked_categories", json_new_array());
	buf_init(&id);
	buf_printf(&id, "the model's content filter refused to write the "
	    "message: %s", why);
	json_set(s, "block_reason", json_new_string(id.data));
	buf_release(&id);
	json_set(v, "safety", s);
	return v;
}

/*
 * Puts the answer's subject and body in g->v, per segment with the
 * customer's facts in place of the placeholders. Returns 0, or -1 after a
 * reason when the customer lacks a fact the message names: another answer
 * would not help, the same one serves the whole segment.
 */
static int
message(struct generator *g, struct generate_item *it,
    const struct llm_answer *a, const char *pre)
{
	size_t missing = 0;

	if (!g->llm->config.per_segment) {
		buf_add(&g->v.subject, buf_str(&a->subject), a->subject.len);
		buf_add(&g->v.body, buf_str(&a->body), a->body.len);
		return 0;
	}
	if (compose_fill(buf_str(&a->subject), a->subject.len, &it->facts,
	    &g->v.subject, &missing) == 0 && compose_fill(buf_str(&a->body),
	    a->body.len, &it->facts, &g->v.body, &missing) == 0)
		return 0;
	reasons_add(&it->why, "%sthe segment's message names {%s}: %s", pre,
	    compose_fact_field(missing), buf_str(&it->facts.missing[missing]));
	return -1;
}

/* Reads task t's answer: a variant, a retry, or a failure. */
static void
answered(struct generator *g, struct generate_item *items, struct task *t,
    struct llm_answer *a)
{
	struct generate_llm *m = g->llm;
	struct generate_item *it = &items[t->item];
	const char *pre = prefix(g, t->tone);
	size_t first = it->why.n, need;
	enum llm_outcome rc;
	double cost;

	buf_reset(&g->text);
	rc = llm_read(t->status, t->answer.data, t->answer.len, a, &g->text);
	http_redact(&g->text, 0, m->key);
	/* A cache that fails costs money, not messages: it is counted. */
	if (t->status == 200 && !t->cached && m->config.cache_dir != NULL &&
	    llm_cache_put(&m->config, t->key, t->answer.data,
	    t->answer.len) < 0) {
		m->cache_errors++;
		m->cache_errno = errno;
	}
	if (t->status == 200 && m->config.per_segment)
		memo_put(m, t->key, &t->answer);
	cost = llm_cost(&m->price, a->tokens_input, a->tokens_output);
	if (!t->cached) {
		m->tokens_input += a->tokens_input;
		m->tokens_output += a->tokens_output;
		m->cost += cost;
	}
	if (rc == LLM_FILTERED) {
		t->variant = filtered(g, it, t->tone, g->text.data);
		t->done = 1;
		return;
	}
	if (rc == LLM_MESSAGE) {
		variant_reset(&g->v);
		g->v.tone = g->tone[t->tone].name;
		if (message(g, it, a, pre) < 0) {
			t->done = 1;
			return;
		}
		variant_cite_markers(&g->v, &it->ps);
		need = it->ps.n < VARIANT_CITATIONS_MIN ? it->ps.n :
		    VARIANT_CITATIONS_MIN;
		if (variant_check(&g->v, &it->ps, need, it->facts.value,
		    COMPOSE_FACTS, pre, &it->why) == 0) {
			g->v.model = a->model.len > 0 ? a->model.data :
			    m->config.model;
			g->v.prompt_template = g->tone[t->tone].prompt;
			g->v.tokens_input = a->tokens_input;
			g->v.tokens_output = a->tokens_output;
			g->v.cost_usd = cost;
			variant_set_id(&g->v, 0);
			t->variant = variant_json(&g->v, &it->ps,
			    it->facts.customer_id, it->facts.segment,
			    g->generated_at);
			t->done = 1;
			return;
		}
	} else if (t->status != 200)
		reasons_add(&it->why, "%sHTTP %ld after %d attempt%s: %s", pre,
		    t->status, t->tries, t->tries == 1 ? "" : "s",
		    g->text.data);
	else
		reasons_add(&it->why, "%s%s", pre, g->text.data);
	/* A usable status with an unusable message is worth another try. */
	if (t->status == 200 && t->attempts < m->attempts) {
		llm_feedback(&t->history, buf_str(&a->content), &it->why,
		    first);
		while (it->why.n > first)
			it->why.n--;
		return;
	}
	if (t->status == 200)
		reasons_add(&it->why, "%sno answer passed the rules in %d "
		    "attempt%s", pre, t->attempts, t->attempts == 1 ? "" : "s");
	t->done = 1;
}

/* Is this failure of the service fatal for the whole run? */
static int
fatal_failure(const struct http_response *rs)
{
	return rs->error == HTTP_ECONNECT || rs->error == HTTP_EREQUEST ||
	    rs->error == HTTP_ETLS || (rs->error == HTTP_OK &&
	    (rs->status == 401 || rs->status == 403 || rs->status == 404));
}

/*
 * Gives task t the response rs: its answer, or its failure as a reason.
 * A follower is a task whose request another task sent (per segment): its
 * answer counts as shared, not as spending.
 */
static void
take(struct generator *g, struct generate_item *items, struct task *t,
    const struct http_response *rs, int follower)
{
	struct generate_llm *m = g->llm;

	if (rs->error != HTTP_OK) {
		buf_reset(&g->text);
		http_explain(rs, &g->text);
		http_redact(&g->text, 0, m->key);
		reasons_add(&items[t->item].why, "%s%s: %s",
		    prefix(g, t->tone), m->config.url, g->text.data);
		t->done = 1;
		return;
	}
	t->status = rs->status;
	t->tries = rs->attempts;
	t->ready = 1;
	t->cached = follower;
	m->shared += follower;
	buf_add(&t->answer, buf_str(&rs->body), rs->body.len);
}

/*
 * Sends the pending tasks that the cache cannot answer and reads every
 * answer. Returns 0, or -1 after a fatal failure (in fatal).
 */
static int
round_trip(struct generator *g, struct generate_item *items,
    struct task *tasks, size_t nt, struct buf *fatal)
{
	struct generate_llm *m = g->llm;
	struct http_request *req = xcalloc(nt, sizeof(*req));
	struct http_response *rs = xcalloc(nt, sizeof(*rs));
	size_t *of = xcalloc(nt, sizeof(*of)), nreq = 0, i, k;
	long *lead = xcalloc(nt, sizeof(*lead));
	const struct buf *known;
	struct generate_item *it;
	struct llm_answer a;
	int rc = 0, got;

	for (i = 0; i < nt; i++) {
		struct task *t = &tasks[i];

		t->ready = 0;
		lead[i] = -1;
		/* At most jobs at a time, so --max-cost is checked often. */
		if (t->done || nreq == m->jobs)
			continue;
		it = &items[t->item];
		buf_reset(&t->request);
		buf_reset(&t->answer);
		llm_request(&m->config, g->tone[t->tone].name, &it->facts,
		    &it->ps, &t->history, &t->request);
		t->attempts++;
		t->cached = 0;
		if (m->config.cache_dir != NULL || m->config.per_segment)
			llm_cache_key(&m->config, t->request.data,
			    t->request.len, t->key);
		if (m->config.per_segment &&
		    (known = memo_get(m, t->key)) != NULL) {
			buf_add(&t->answer, buf_str(known), known->len);
			t->cached = t->ready = 1;
			t->status = 200;
			m->shared++;
			continue;
		}
		if (m->config.cache_dir != NULL) {
			if ((got = llm_cache_get(&m->config, t->key,
			    &t->answer)) < 0) {
				m->cache_errors++;
				m->cache_errno = errno;
			}
			if (got > 0) {
				t->cached = t->ready = 1;
				t->status = 200;
				m->cache_hits++;
				/* The segment's next customers share it. */
				if (m->config.per_segment)
					memo_put(m, t->key, &t->answer);
				continue;
			}
		}
		if (m->config.per_segment &&
		    (lead[i] = same_request(tasks, of, nreq, t)) >= 0)
			continue;
		if (m->max_cost > 0 && m->cost >= m->max_cost) {
			reasons_add(&it->why, "%snot sent: the run has cost "
			    "$%.4f, reaching --max-cost $%.4f",
			    prefix(g, t->tone), m->cost, m->max_cost);
			t->done = 1;
			continue;
		}
		lead[i] = (long)nreq;
		req[nreq].url = m->config.url;
		req[nreq].headers = m->headers;
		req[nreq].body = t->request.data;
		req[nreq].len = t->request.len;
		http_response_init(&rs[nreq]);
		of[nreq++] = i;
	}
	if (nreq > 0)
		http_run(m->http, req, rs, nreq);
	m->requests += nreq;
	for (k = 0; k < nreq; k++) {
		if (rc == 0 && fatal_failure(&rs[k])) {
			buf_printf(fatal, "%s: ", m->config.url);
			http_explain(&rs[k], fatal);
			if (rs[k].error == HTTP_OK && rs[k].body.len > 0) {
				llm_answer_init(&a);
				buf_puts(fatal, ": ");
				/* The service's own words: why it said no. */
				llm_read(rs[k].status, rs[k].body.data,
				    rs[k].body.len, &a, fatal);
				llm_answer_release(&a);
			}
			http_redact(fatal, 0, m->key);
			rc = -1;
		}
		for (i = 0; i < nt; i++)
			if (lead[i] == (long)k)
				take(g, items, &tasks[i], &rs[k], i != of[k]);
		http_response_release(&rs[k]);
	}
	llm_answer_init(&a);
	for (i = 0; rc == 0 && i < nt; i++)
		if (!tasks[i].done && tasks[i].ready)
			answered(g, items, &tasks[i], &a);
	llm_answer_release(&a);
	free(req);
	free(rs);
	free(of);
	free(lead);
	return rc;
}

static int
llm_batch(struct generator *g, struct generate_item *items, size_t n,
    struct buf *fatal)
{
	size_t tones[GENERATE_TONES_MAX], nt = 0, cap = 0, i, k, m, left;
	struct task *tasks = NULL, *t;
	cJSON *v;
	int rc = 0;

	/* The control messages now; a task for every other one. */
	for (i = 0; i < n; i++) {
		if (items[i].rec == NULL || prepare(g, &items[i]) < 0)
			continue;
		m = tones_of(g, &items[i], tones);
		for (k = 0; k < m; k++) {
			if (items[i].nomsg.len > 0 ||
			    is_control(&g->tone[tones[k]])) {
				v = items[i].nomsg.len > 0 ? NULL :
				    offline(g, &items[i], tones[k]);
				json_append(items[i].variants, v != NULL ? v :
				    json_new_null());
				continue;
			}
			if (nt == cap) {
				cap = cap ? 2 * cap : 64;
				tasks = xreallocarray(tasks, cap,
				    sizeof(tasks[0]));
			}
			t = &tasks[nt++];
			memset(t, 0, sizeof(*t));
			t->item = i;
			t->tone = tones[k];
			t->slot = k;
			buf_init(&t->history);
			buf_init(&t->request);
			buf_init(&t->answer);
			json_append(items[i].variants, json_new_null());
		}
	}
	do {
		if (round_trip(g, items, tasks, nt, fatal) < 0) {
			rc = -1;
			break;
		}
		for (left = 0, k = 0; k < nt; k++)
			left += !tasks[k].done;
	} while (left > 0);
	for (k = 0; k < nt; k++) {
		t = &tasks[k];
		if (t->variant != NULL)
			cJSON_ReplaceItemInArray(items[t->item].variants,
			    (int)t->slot, t->variant);
		buf_release(&t->history);
		buf_release(&t->request);
		buf_release(&t->answer);
	}
	free(tasks);
	for (i = 0; rc == 0 && i < n; i++) {
		if (items[i].rec == NULL || items[i].variants == NULL)
			continue;
		m = tones_of(g, &items[i], tones);
		finish(g, &items[i], tones, m);
	}
	return rc;
}

int
generate_batch(struct generator *g, struct generate_item *items, size_t n,
    struct buf *fatal)
{
	if (g->llm == NULL) {
		offline_batch(g, items, n);
		return 0;
	}
	return llm_batch(g, items, n, fatal);
}

void
generate_summary(const struct generator *g, struct buf *out)
{
	const struct generate_llm *m = g->llm;

	if (m == NULL)
		return;
	buf_printf(out, "requests %lu, answered from the cache %lu, ",
	    m->requests, m->cache_hits);
	if (m->config.per_segment)
		buf_printf(out, "shared %lu, ", m->shared);
	buf_printf(out, "tokens %lu in and %lu out, cost $%.4f",
	    m->tokens_input, m->tokens_output, m->cost);
	if (!m->price.known)
		buf_printf(out, " (no price for model '%s': counted as 0)",
		    m->config.model);
	if (m->cache_errors > 0)
		buf_printf(out, "; %lu cache errors, the last: %s",
		    m->cache_errors, strerror(m->cache_errno));
}

void
generate_account(struct generator *g, const struct diag *d,
    const char *file, unsigned long line, size_t nmessages,
    const struct reasons *lost)
{
	size_t k;

	g->messages += nmessages;
	g->lost += lost->n + lost->dropped;
	for (k = 0; k < lost->n; k++)
		diag_at(d, file, line, "%s", reasons_get(lost, k));
}

void
generate_lost_summary(const struct generator *g, struct buf *out)
{
	if (g->lost > 0)
		buf_printf(out, "%lu of %lu message%s could not be generated",
		    g->lost, g->messages, g->messages == 1 ? "" : "s");
}

/* Writes or rejects each item of a batch, in order; 1 to stop. */
static int
emit(struct generator *g, struct run *run, struct generate_item *items,
    size_t n, const char *name, struct buf *out)
{
	size_t i;
	int stop = 0;

	for (i = 0; !stop && i < n; i++) {
		/* A diagnostic may follow: it gets a line of its own. */
		if (g->progress != NULL && (items[i].why.n > 0 ||
		    items[i].why.dropped > 0 || items[i].lost.n > 0))
			progress_clear(g->progress);
		if (items[i].why.n == 0 && items[i].why.dropped == 0) {
			generate_account(g, &run->diag, name, items[i].line,
			    items[i].nmessages, &items[i].lost);
			buf_reset(out);
			json_write(out, items[i].rec);
			stop = run_write(run, out->data, out->len) < 0;
		} else
			stop = run_reject(run, name, items[i].line,
			    items[i].raw.data, items[i].raw.len, &items[i].why);
		generate_item_reset(&items[i]);
	}
	return stop;
}

/* Reads up to max records into items; their number. */
static size_t
read_batch(struct run *run, struct ndjson_reader *in,
    struct generate_item *items, size_t max, enum ndjson_status *st,
    struct buf *why)
{
	size_t n;
	cJSON *rec;

	for (n = 0; n < max && (*st = ndjson_next(in, &rec, why)) !=
	    NDJSON_EOF && *st != NDJSON_IOERR; n++) {
		run_read(run);
		items[n].rec = *st == NDJSON_RECORD ? rec : NULL;
		items[n].line = in->in.lineno;
		buf_add(&items[n].raw, in->line, in->len);
		if (*st == NDJSON_BAD)
			reasons_add_buf(&items[n].why, why);
		buf_reset(why);
	}
	return n;
}

int
generate_run(struct generator *g, struct run *run, const char *input,
    size_t batch)
{
	struct generate_item *items = xcalloc(batch, sizeof(*items));
	enum ndjson_status st = NDJSON_EOF;
	const char *name = input_name(input);
	struct ndjson_reader in;
	struct buf why, out;
	size_t n, i;
	int rc = CPO_EXIT_OK, stop = 0;

	if (ndjson_open(&in, input) < 0) {
		diag_in(&run->diag, name, "%s", strerror(errno));
		free(items);
		return CPO_EXIT_IO;
	}
	buf_init(&why);
	buf_init(&out);
	for (i = 0; i < batch; i++)
		generate_item_init(&items[i]);
	while (!stop && (n = read_batch(run, &in, items, batch, &st,
	    &why)) > 0) {
		if (generate_batch(g, items, n, &why) < 0) {
			diag_msg(&run->diag, "%s", why.data);
			rc = CPO_EXIT_IO;
			break;
		}
		stop = emit(g, run, items, n, name, &out) || st == NDJSON_EOF ||
		    st == NDJSON_IOERR;
		if (g->progress != NULL)
			progress_update(g->progress, run->nread);
	}
	if (st == NDJSON_IOERR) {
		diag_in(&run->diag, name, "read error: %s", strerror(errno));
		rc = CPO_EXIT_IO;
	}
	for (i = 0; i < batch; i++)
		generate_item_release(&items[i]);
	free(items);
	ndjson_release(&in);
	buf_release(&why);
	buf_release(&out);
	return rc;
}
