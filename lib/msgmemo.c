/* SPDX-License-Identifier: MIT */
/*
 * The message memo (msgmemo.h has the plan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jsonw.h"
#include "msgmemo.h"
#include "sentence.h"
#include "variant.h"
#include "xalloc.h"

/* A body's size, about: slot buffers start this big and rarely grow. */
#define BODY_SIZE 2048

void
msgmemo_init(struct msgmemo *m, const struct generator *g)
{
	unsigned others = ~0u << COMPOSE_FACTS & ~(1u << COMPOSE_TOPIC);
	size_t i;

	memset(m, 0, sizeof(*m));
	/* compose_subject writes a subject that names facts and topic only. */
	for (i = 0; i < g->ntones; i++)
		m->usable[i] = g->tone[i].plain &&
		    (compose_subject_uses(g->tone[i].tpl) & others) == 0;
	buf_init(&m->key);
	buf_init(&m->text);
	buf_init(&m->plain);
	buf_init(&m->grounds);
	for (i = 0; i < COMPOSE_FACTS; i++) {
		buf_init(&m->standin[i]);
		buf_init(&m->escaped[i]);
	}
	reasons_init(&m->why);
}

static void
slot_release(struct msgmemo_slot *s)
{
	buf_release(&s->key);
	buf_release(&s->body);
	buf_release(&s->json);
	buf_release(&s->cited);
	buf_release(&s->grounds);
}

void
msgmemo_release(struct msgmemo *m)
{
	size_t i;

	for (i = 0; m->slot != NULL && i < MSGMEMO_SLOTS; i++)
		slot_release(&m->slot[i]);
	free(m->slot);
	buf_release(&m->key);
	buf_release(&m->text);
	buf_release(&m->plain);
	buf_release(&m->grounds);
	for (i = 0; i < COMPOSE_FACTS; i++) {
		buf_release(&m->standin[i]);
		buf_release(&m->escaped[i]);
	}
	reasons_release(&m->why);
}

/* ---- the key ------------------------------------------------------------ */

/*
 * The number of words of a value, or 0 when a stand-in cannot take its
 * place: a blank other than a single space between words.
 */
static size_t
value_words(const char *s)
{
	size_t n = 1;

	if (*s == '\0' || *s == ' ')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == ' ') {
			if (s[1] == ' ' || s[1] == '\0')
				return 0;
			n++;
		} else if ((unsigned char)*s < 0x20)
			return 0;
	}
	return n;
}

/*
 * Builds m->key for tone i of entry, without where the customer starts in
 * the [extra] sentences (rot), and sets m->words. Returns 0 when the
 * message cannot be memoized.
 */
static int
make_key(struct msgmemo *m, uint64_t entry, const struct compose_facts *f,
    size_t i, const size_t *rot)
{
	size_t len = f->segment != NULL ? strlen(f->segment) : (size_t)-1, k;

	buf_reset(&m->key);
	buf_add(&m->key, &entry, sizeof(entry));
	buf_add(&m->key, &i, sizeof(i));
	buf_add(&m->key, &rot[COMPOSE_ROT_OPENING], sizeof(rot[0]));
	buf_add(&m->key, &rot[COMPOSE_ROT_CLOSING], sizeof(rot[0]));
	/* The segment's length first: NULL differs from "". */
	buf_add(&m->key, &len, sizeof(len));
	if (f->segment != NULL)
		buf_add(&m->key, f->segment, len);
	for (k = 0; k < COMPOSE_FACTS; k++) {
		m->words[k] = f->value[k] != NULL ? value_words(f->value[k]) :
		    0;
		if (f->value[k] != NULL && m->words[k] == 0)
			return 0;
		buf_add(&m->key, &m->words[k], sizeof(m->words[k]));
	}
	return 1;
}

/* ---- a new body --------------------------------------------------------- */

/* Does s hold no byte from 1 to 7? */
static int
no_stand_in(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 1 && (unsigned char)*s <= 7)
			return 0;
	return 1;
}

static int
passages_plain(const struct passages *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (!no_stand_in(ps->p[i].title) ||
		    !no_stand_in(ps->p[i].snippet))
			return 0;
	return 1;
}

/* The facts f with a stand-in for each value. */
static void
stand_ins(struct msgmemo *m, const struct compose_facts *f,
    struct compose_facts *sf)
{
	size_t k, w;

	*sf = *f;
	for (k = 0; k < COMPOSE_FACTS; k++) {
		if (f->value[k] == NULL)
			continue;
		buf_reset(&m->standin[k]);
		buf_putc(&m->standin[k], (char)(1 + k));
		for (w = 1; w < m->words[k]; w++)
			buf_puts(&m->standin[k], " \7");
		sf->value[k] = m->standin[k].data;
	}
}

/*
 * Finds the stand-ins of s's body into s->value, escaping the text
 * between them into s->json. Returns 0 when the body holds a byte from 1
 * to 7 that is not a whole stand-in, or too many.
 */
static int
find_stand_ins(const struct msgmemo *m, struct msgmemo_slot *s)
{
	const char *body = s->body.data;
	size_t len = s->body.len, at, from = 0, k, w, n;

	s->nvalues = 0;
	for (at = 0; at < len; at++) {
		if ((unsigned char)body[at] < 1 || (unsigned char)body[at] > 7)
			continue;
		k = (size_t)(unsigned char)body[at] - 1;
		if (k >= COMPOSE_FACTS || s->nvalues == MSGMEMO_VALUES)
			return 0;
		n = 1 + 2 * (m->words[k] - 1);
		for (w = 1; w < n; w += 2)
			if (at + w + 1 >= len || body[at + w] != ' ' ||
			    body[at + w + 1] != '\7')
				return 0;
		jsonw_chars(&s->json, body + from, at - from);
		s->value[s->nvalues].text = at;
		s->value[s->nvalues].json = s->json.len;
		s->value[s->nvalues].fact = k;
		s->nvalues++;
		buf_add(&s->json, body + at, n);
		from = at + n;
		at = from - 1;
	}
	jsonw_chars(&s->json, body + from, len - from);
	return 1;
}

/*
 * Stores in s->blank the runs of bytes that variant_check blanked in v's
 * body (its markers). Returns 0 when there are too many.
 */
static int
find_blanks(const struct variant *v, struct msgmemo_slot *s)
{
	const char *body = v->body.data, *plain = v->plain.data;
	size_t i = 0, len = v->body.len;

	s->nblanks = 0;
	while (i < len) {
		if (body[i] == plain[i]) {
			i++;
			continue;
		}
		if (s->nblanks == MSGMEMO_BLANKS)
			return 0;
		s->blank[s->nblanks][0] = i;
		while (i < len && body[i] != plain[i])
			i++;
		s->blank[s->nblanks++][1] = i;
	}
	return 1;
}

/* Empties s for a new body, its buffers kept. */
static void
slot_reset(struct msgmemo_slot *s)
{
	s->usable = s->padded = 0;
	buf_reset(&s->body);
	buf_reset(&s->json);
	buf_reset(&s->cited);
	buf_reset(&s->grounds);
	/*
	 * Grown once to their size: buffers grown step by step, for
	 * thousands of slots, keep the allocator mapping and unmapping.
	 */
	buf_grow(&s->body, BODY_SIZE);
	buf_grow(&s->json, BODY_SIZE);
	buf_grow(&s->cited, BODY_SIZE);
	buf_grow(&s->grounds, BODY_SIZE);
}

/*
 * Composes and checks tone i's message with stand-ins into s; sets
 * s->usable when it passed and can be filled in, and s->padded.
 */
static void
fill_slot(struct msgmemo *m, struct generator *g, struct composer *c,
    const struct passages *ps, const struct compose_facts *f, size_t i,
    struct msgmemo_slot *s)
{
	const struct generate_tone *t = &g->tone[i];
	struct variant *v = &g->v;
	struct compose_facts sf;
	size_t need, k;

	slot_reset(s);
	stand_ins(m, f, &sf);
	reasons_reset(&m->why);
	if (!passages_plain(ps) || compose(c, t->tpl, t->file, t->name, ps,
	    &sf, v, &need, "", &m->why) < 0 || variant_check(v, ps, need,
	    sf.value, COMPOSE_FACTS, "", &m->why) < 0)
		return;
	s->padded = compose_padded(c);
	/* variant_write writes the body up to a NUL; so does this. */
	if (strlen(buf_str(&v->body)) != v->body.len ||
	    v->plain.len != v->body.len)
		return;
	buf_add(&s->body, v->body.data, v->body.len);
	if (!find_blanks(v, s))
		return;
	s->words = sentence_words(v->body.data, v->body.len);
	s->sentences = sentence_split(v->plain.data, v->plain.len, NULL, 0);
	s->tokens_input = v->tokens_input;
	if (!find_stand_ins(m, s))
		return;
	variant_write_cited(&s->cited, v, ps, g->generated_at);
	for (k = 0; k < v->ncit; k++) {
		buf_add(&s->grounds, v->cited.data + v->cit[k].off,
		    v->cit[k].len);
		buf_putc(&s->grounds, '\n');
	}
	s->titles = s->grounds.len;
	for (k = 0; k < v->ncit; k++) {
		buf_puts(&s->grounds, ps->p[v->cit[k].passage].title);
		buf_putc(&s->grounds, '\n');
	}
	s->usable = 1;
}

/* The slot for m->key, or NULL; *found says whether it was there. */
static struct msgmemo_slot *
lookup(struct msgmemo *m, int *found)
{
	struct msgmemo_slot *set, *s;
	uint64_t h = hash_xxh64(m->key.data, m->key.len) | 1;
	size_t k;

	if (m->slot == NULL)
		m->slot = xcalloc(MSGMEMO_SLOTS, sizeof(m->slot[0]));
	/* Four ways: a few thousand keys fill a direct map unevenly. */
	set = &m->slot[h % (MSGMEMO_SLOTS / 4) * 4];
	for (k = 0; k < 4; k++) {
		s = &set[k];
		if (s->hash == h && s->key.len == m->key.len &&
		    memcmp(s->key.data, m->key.data, m->key.len) == 0) {
			*found = 1;
			return s;
		}
	}
	/* A miss replaces the ways in turn. */
	s = &set[m->fills++ % 4];
	s->hash = h;
	buf_reset(&s->key);
	buf_grow(&s->key, 2 * m->key.len);
	buf_add(&s->key, m->key.data, m->key.len);
	*found = 0;
	return s;
}

/*
 * The body of tone i for the customer: found, or composed. A body with
 * [extra] sentences depends on where the customer starts in them too:
 * then the first key's slot only says so, and a second key finds it.
 * (Whether a body needs them does not depend on that start.)
 */
static const struct msgmemo_slot *
body(struct msgmemo *m, struct generator *g, struct composer *c,
    const struct passages *ps, const struct compose_facts *f, size_t i,
    const size_t *rot)
{
	struct msgmemo_slot *s;
	int found;

	s = lookup(m, &found);
	if (!found)
		fill_slot(m, g, c, ps, f, i, s);
	if (!s->usable || !s->padded)
		return s;
	buf_add(&m->key, &rot[COMPOSE_ROT_EXTRA], sizeof(rot[0]));
	s = lookup(m, &found);
	if (!found)
		fill_slot(m, g, c, ps, f, i, s);
	return s;
}

/* ---- a customer's message ----------------------------------------------- */

/*
 * Appends src (len bytes, laid out as s's body, or as its JSON text when
 * json is set) to out with val[k] (vlen[k] bytes) in place of the
 * stand-ins of fact k. Stores where each value went in m->range when
 * ranges is set.
 */
static void
put_values(struct msgmemo *m, const struct msgmemo_slot *s, const char *src,
    size_t len, int json, struct buf *out, const char *const *val,
    const size_t *vlen, int ranges)
{
	const struct msgmemo_value *v;
	size_t from = 0, at, base = out->len, k;

	for (k = 0; k < s->nvalues; k++) {
		v = &s->value[k];
		at = json ? v->json : v->text;
		buf_add(out, src + from, at - from);
		if (ranges)
			m->range[k][0] = out->len - base;
		buf_add(out, val[v->fact], vlen[v->fact]);
		if (ranges)
			m->range[k][1] = out->len - base;
		from = at + 1 + 2 * (m->words[v->fact] - 1);
	}
	buf_add(out, src + from, len - from);
}

/*
 * Copies the customer's body (len bytes) into m->plain with the markers
 * blanked, as variant_check reads it: s->blank holds where they are in
 * the body with stand-ins, and m->range where the values went, which
 * move what follows them.
 */
static void
blank_markers(struct msgmemo *m, const struct msgmemo_slot *s,
    const char *body, size_t len)
{
	size_t k, b, shift = 0, from, n;

	buf_reset(&m->plain);
	buf_add(&m->plain, body, len);
	for (b = k = 0; b < s->nblanks; b++) {
		/* The values before this run of the marker move it. */
		for (; k < s->nvalues && s->value[k].text < s->blank[b][0];
		    k++)
			shift += (m->range[k][1] - m->range[k][0]) -
			    (1 + 2 * (m->words[s->value[k].fact] - 1));
		from = s->blank[b][0] + shift;
		n = s->blank[b][1] - s->blank[b][0];
		memset(m->plain.data + from, ' ', n);
	}
}

/*
 * Writes the customer's message from s into m->text (tone, NUL, subject,
 * NUL, body, NUL: what the id hashes) and g->v (the subject and usage),
 * and checks what the values and the subject can change.
 * Returns 0 when the message must be composed in full.
 */
static int
fill_in(struct msgmemo *m, struct generator *g, struct composer *c,
    const struct msgmemo_slot *s, const struct compose_facts *f, size_t i)
{
	const struct generate_tone *t = &g->tone[i];
	const char *val[COMPOSE_FACTS];
	size_t vlen[COMPOSE_FACTS], k, body;
	struct variant *v = &g->v;
	struct variant_grounds gr;

	buf_reset(&m->grounds);
	for (k = 0; k < COMPOSE_FACTS; k++) {
		val[k] = f->value[k];
		vlen[k] = val[k] != NULL ? strlen(val[k]) : 0;
		if (val[k] != NULL) {
			buf_add(&m->grounds, val[k], vlen[k]);
			buf_putc(&m->grounds, '\n');
		}
	}
	/* The values first: a value's own figure is found at once. */
	gr.text[0] = buf_str(&m->grounds);
	gr.len[0] = m->grounds.len;
	gr.text[1] = s->grounds.data;
	gr.len[1] = s->titles;
	reasons_reset(&m->why);
	if (compose_subject(c, t->tpl, f, v, "", &m->why) < 0)
		return 0;
	buf_reset(&m->text);
	buf_puts(&m->text, t->name);
	buf_putc(&m->text, '\0');
	buf_add(&m->text, v->subject.data, v->subject.len);
	buf_putc(&m->text, '\0');
	body = m->text.len;
	put_values(m, s, s->body.data, s->body.len, 0, &m->text, val, vlen,
	    1);
	buf_putc(&m->text, '\0');
	blank_markers(m, s, m->text.data + body, m->text.len - 1 - body);
	if (variant_check_near(v, m->plain.data, m->plain.len,
	    (const size_t (*)[2])m->range, s->nvalues, s->sentences, &gr, "",
	    &m->why) < 0)
		return 0;
	/* The subject may name a cited passage by its title too. */
	gr.len[1] = s->grounds.len;
	if (variant_check_subject(v, &gr, "", &m->why) < 0)
		return 0;
	/* What variant_write_usage writes, as compose sets it. */
	v->tokens_input = s->tokens_input;
	v->tokens_output = (unsigned long)(sentence_words(v->subject.data,
	    v->subject.len) + s->words);
	v->cost_usd = 0;
	v->prompt_template = t->file;
	return 1;
}

int
msgmemo_prepare(struct msgmemo *m, struct generator *g, uint64_t entry,
    struct composer *c, const struct passages *ps,
    const struct compose_facts *f, size_t i, char *id)
{
	const struct msgmemo_slot *s;
	size_t rot[COMPOSE_ROTATIONS];

	m->ready = NULL;
	if (!m->usable[i])
		return 0;
	compose_rotations(c, g->tone[i].tpl, f, rot);
	if (!make_key(m, entry, f, i, rot))
		return 0;
	s = body(m, g, c, ps, f, i, rot);
	if (!s->usable || !fill_in(m, g, c, s, f, i))
		return 0;
	if (g->tone[i].control)
		memcpy(g->v.id, "control", sizeof("control"));
	else
		variant_format_id(g->v.id, hash_xxh64(m->text.data,
		    m->text.len));
	memcpy(id, g->v.id, VARIANT_ID_SIZE);
	m->ready = s;
	return 1;
}

void
msgmemo_write(struct msgmemo *m, struct generator *g,
    const struct compose_facts *f, struct buf *out)
{
	const struct msgmemo_slot *s = m->ready;
	const char *val[COMPOSE_FACTS];
	size_t vlen[COMPOSE_FACTS], k;

	variant_write_head(out, &g->v, f->customer_id, f->segment);
	buf_putc(out, '"');
	for (k = 0; k < COMPOSE_FACTS; k++) {
		buf_reset(&m->escaped[k]);
		if (f->value[k] != NULL)
			jsonw_chars(&m->escaped[k], f->value[k],
			    strlen(f->value[k]));
		val[k] = m->escaped[k].data;
		vlen[k] = m->escaped[k].len;
	}
	put_values(m, s, s->json.data, s->json.len, 1, out, val, vlen, 0);
	buf_putc(out, '"');
	buf_add(out, s->cited.data, s->cited.len);
	variant_write_usage(out, &g->v);
	m->ready = NULL;
}
