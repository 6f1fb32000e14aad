/* SPDX-License-Identifier: MIT */
/*
 * The offline line path of cpo-generate (genline.h has the plan). The
 * fast path declines rather than explains: anything it would reject, or
 * is not sure to write exactly as the tree would, goes the slow way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "genline.h"
#include "hash.h"
#include "input.h"
#include "json.h"
#include "jsonscan.h"
#include "jsonw.h"
#include "lineio.h"
#include "status.h"
#include "utf8.h"
#include "xalloc.h"

/* Top-level members looked at; a record with more goes the slow way. */
#define MEMBERS_MAX 64

void
genline_init(struct genline *l, struct generator *g)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	l->g = g;
	for (i = 0; i < GENLINE_CACHE; i++) {
		buf_init(&l->entry[i].key);
		passages_init(&l->entry[i].ps);
		composer_init(&l->entry[i].comp);
	}
	compose_facts_init(&l->facts);
	buf_init(&l->strings);
	buf_init(&l->key);
	reasons_init(&l->why);
	reasons_init(&l->lost);
	generate_item_init(&l->item);
	msgmemo_init(&l->memo, g);
	for (i = 0; i < COMPOSE_FACTS; i++)
		l->fact_len[i] = strlen(compose_fact_field(i));
}

void
genline_release(struct genline *l)
{
	size_t i;

	for (i = 0; i < GENLINE_CACHE; i++) {
		buf_release(&l->entry[i].key);
		json_free(l->entry[i].rec);
		passages_release(&l->entry[i].ps);
		composer_release(&l->entry[i].comp);
	}
	compose_facts_release(&l->facts);
	buf_release(&l->strings);
	buf_release(&l->key);
	reasons_release(&l->why);
	reasons_release(&l->lost);
	generate_item_release(&l->item);
	msgmemo_release(&l->memo);
}

/* ---- the slow path ------------------------------------------------------ */

static int
is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/*
 * The offset of the first \u0000 escape, or len: cJSON would cut the
 * string there without a word (the same rule as lib/ndjson).
 */
static size_t
escaped_nul(const char *s, size_t len)
{
	size_t i, nslash;

	for (i = 0; i + 6 <= len; i++) {
		if (s[i] != '\\')
			continue;
		for (nslash = 0; i < len && s[i] == '\\'; i++)
			nslash++;
		if (nslash % 2 == 1 && i + 5 <= len &&
		    memcmp(s + i, "u0000", 5) == 0)
			return i - 1;
	}
	return len;
}

/* Parses the line as lib/ndjson does, with its messages; NULL if bad. */
static cJSON *
parse(const char *line, size_t len, int no_newline, struct reasons *why)
{
	cJSON *rec;
	size_t col;

	if ((rec = json_parse(line, len, &col)) == NULL) {
		reasons_add(why, "invalid JSON at column %zu%s", col,
		    no_newline ? " (last line has no newline: input cut "
		    "short?)" : "");
		return NULL;
	}
	if ((col = escaped_nul(line, len)) != len) {
		reasons_add(why, "a string holds an escaped NUL (\\u0000) at "
		    "column %zu", col + 1);
		json_free(rec);
		return NULL;
	}
	if (!cJSON_IsObject(rec)) {
		reasons_add(why, "expected a JSON object, got %s",
		    json_type_name(rec));
		json_free(rec);
		return NULL;
	}
	return rec;
}

/* The record as a tree, through lib/generate's batch of one. */
static int
slow(struct genline *l, const char *line, size_t len, int no_newline,
    struct buf *out, struct reasons *why)
{
	struct generate_item *it = &l->item;
	struct reasons swap;
	int rc = 1;

	l->slow++;
	if ((it->rec = parse(line, len, no_newline, why)) == NULL)
		return -1;
	/* Offline, a batch cannot fail as a whole. */
	generate_batch(l->g, it, 1, out);
	if (it->why.n > 0 || it->why.dropped > 0) {
		swap = *why;
		*why = it->why;
		it->why = swap;
		rc = -1;
	} else {
		json_write(out, it->rec);
		l->nmessages = it->nmessages;
		swap = l->lost;
		l->lost = it->lost;
		it->lost = swap;
	}
	generate_item_reset(it);
	return rc;
}

/* ---- the fast path ------------------------------------------------------ */

/* The members of a record that the fast path reads. */
struct fields {
	const struct jsonscan_member *id, *fact[COMPOSE_FACTS];
	const struct jsonscan_member *assignment, *retrieval;
	size_t close;
};

/* A string member without escapes. */
static int
plain(const struct jsonscan_member *m)
{
	return m->type == JSONSCAN_STRING &&
	    memchr(m->value, '\\', m->valuelen) == NULL;
}

/*
 * Finds the members; 0 when the record is not for the fast path: a key
 * with an escape, a member it reads given twice, "variants" already there.
 */
static int
find(const struct jsonscan_member *m, int n, const size_t *fact_len,
    struct fields *f)
{
	const struct jsonscan_member **slot;
	size_t k;
	int i;

	memset(f->fact, 0, sizeof(f->fact));
	f->id = f->assignment = f->retrieval = NULL;
	for (i = 0; i < n; i++) {
		slot = NULL;
		if (m[i].key_escaped || jsonscan_is_key(&m[i], "variants"))
			return 0;
		if (jsonscan_is_key(&m[i], "customer_id"))
			slot = &f->id;
		else if (jsonscan_is_key(&m[i], "assignment"))
			slot = &f->assignment;
		else if (jsonscan_is_key(&m[i], "retrieval"))
			slot = &f->retrieval;
		for (k = 0; slot == NULL && k < COMPOSE_FACTS; k++)
			if (m[i].keylen == fact_len[k] && memcmp(m[i].key,
			    compose_fact_field(k), fact_len[k]) == 0)
				slot = &f->fact[k];
		if (slot != NULL && *slot != NULL)
			return 0;
		if (slot != NULL)
			*slot = &m[i];
	}
	return f->id != NULL && plain(f->id) && f->id->valuelen > 2 &&
	    f->retrieval != NULL && f->retrieval->type == JSONSCAN_OBJECT;
}

/* Appends the value of plain string m to l->strings; its offset. */
static size_t
keep(struct genline *l, const struct jsonscan_member *m)
{
	size_t off = l->strings.len;

	buf_add(&l->strings, m->value + 1, m->valuelen - 2);
	buf_putc(&l->strings, '\0');
	return off;
}

/* Reads the facts into l->facts; 0 when a string fact has escapes. */
static int
facts(struct genline *l, const struct fields *f)
{
	struct compose_field field[COMPOSE_FACTS];
	size_t off[COMPOSE_FACTS], id, k;
	const struct jsonscan_member *m;

	buf_reset(&l->strings);
	id = keep(l, f->id);
	for (k = 0; k < COMPOSE_FACTS; k++) {
		m = f->fact[k];
		field[k].kind = COMPOSE_FIELD_OTHER;
		field[k].s = NULL;
		field[k].d = 0;
		off[k] = (size_t)-1;
		if (m == NULL || m->type == JSONSCAN_NULL)
			field[k].kind = COMPOSE_FIELD_MISSING;
		else if (m->type == JSONSCAN_NUMBER) {
			field[k].kind = COMPOSE_FIELD_NUMBER;
			field[k].d = jsonscan_number(m->value, m->valuelen);
		} else if (m->type == JSONSCAN_STRING) {
			if (!plain(m))
				return 0;
			field[k].kind = COMPOSE_FIELD_STRING;
			off[k] = keep(l, m);
		}
	}
	/* Pointers last: the buffer may have moved while it grew. */
	for (k = 0; k < COMPOSE_FACTS; k++)
		if (off[k] != (size_t)-1)
			field[k].s = l->strings.data + off[k];
	compose_facts_set(&l->facts, l->strings.data + id, field);
	return 1;
}

/* Where the assignment's variant_id goes, and the arm's tone. */
struct arm {
	size_t tone;
	const char *at;		/* the old value, or the closing brace */
	size_t len;		/* the old value's length, or 0 */
	int first;		/* no member before the closing brace */
};

/* Compares the plain string m with s. */
static int
is(const struct jsonscan_member *m, const char *s, size_t len)
{
	return m->valuelen == len + 2 && memcmp(m->value + 1, s, len) == 0;
}

/*
 * Reads the assignment (an object): its arm's tone and where its
 * variant_id is. Returns 0 when the slow path must judge it.
 */
static int
assignment(struct genline *l, const struct jsonscan_member *a,
    struct arm *arm)
{
	struct jsonscan_member m[MEMBERS_MAX];
	const struct jsonscan_member *name = NULL, *tone = NULL, *id = NULL;
	const struct experiment *e = l->g->exp;
	size_t close, i, k;
	const char *want;
	int n, t;

	if (a->type != JSONSCAN_OBJECT || (n = jsonscan_object(a->value,
	    a->valuelen, m, MEMBERS_MAX, &close)) < 0)
		return 0;
	for (k = 0; k < (size_t)n; k++) {
		if (m[k].key_escaped)
			return 0;
		if (jsonscan_is_key(&m[k], "experiment_arm"))
			name = name == NULL ? &m[k] : a;
		else if (jsonscan_is_key(&m[k], "tone"))
			tone = tone == NULL ? &m[k] : a;
		else if (jsonscan_is_key(&m[k], "variant_id"))
			id = id == NULL ? &m[k] : a;
	}
	/* a marks a key given twice. */
	if (name == NULL || name == a || tone == a || id == a || !plain(name))
		return 0;
	for (i = 0; i < e->narms; i++)
		if (is(name, e->arm[i].name, strlen(e->arm[i].name)))
			break;
	if (i == e->narms)
		return 0;
	want = e->arm[i].tone;
	if (tone != NULL && tone->type == JSONSCAN_STRING &&
	    (!plain(tone) || !is(tone, want, strlen(want))))
		return 0;
	if ((t = generate_tone_index(l->g, want)) < 0)
		return 0;
	arm->tone = (size_t)t;
	arm->at = id != NULL ? id->value : a->value + close;
	arm->len = id != NULL ? id->valuelen : 0;
	arm->first = n == 0;
	return 1;
}

/*
 * A hash of a key's length and its last bytes only (where the tier and the
 * last result's time are): the key is compared in full anyway, and
 * hashing all of it, for every record, costs more than it saves.
 */
static uint64_t
sample_hash(const char *s, size_t len)
{
	size_t n = len < 256 ? len : 256;

	return hash_fnv1a64(s + len - n, n) ^ hash_mix64(len);
}

/*
 * Are the n bytes at a and b the same? Eight at a time: the C library's
 * memcmp goes a byte at a time, and a retrieval is compared whole.
 */
static int
same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y;

	for (; n >= 8; a += 8, b += 8, n -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
	}
	return memcmp(a, b, n) == 0;
}

/* The first n bytes of needle in s (len bytes), or NULL. */
static const char *
find_bytes(const char *s, size_t len, const char *needle, size_t n)
{
	const char *p = s, *end = s + len;

	while ((size_t)(end - p) >= n &&
	    (p = memchr(p, needle[0], (size_t)(end - p) - n + 1)) != NULL) {
		if (memcmp(p, needle, n) == 0)
			return p;
		p++;
	}
	return NULL;
}

/*
 * Where in the line a kept retrieval is again, byte for byte, as the
 * value of "retrieval": its offset, or len when none is; the entry in
 * *which. Then lib/jsonscan need not check it again, nor entry compare
 * it. Retrievals differ from their first bytes (the query), so those
 * that are not it cost a few bytes each.
 */
static size_t
kept_retrieval(struct genline *l, const char *line, size_t len,
    size_t *which)
{
	static const char key[] = "\"retrieval\":";
	const struct genline_entry *e;
	const char *p = NULL;
	size_t at, from, i;

	if (l->nentries == 0)
		return len;
	/* Records of a stream are alike: look near the last one's first. */
	from = l->retrieval_at > 64 ? l->retrieval_at - 64 : 0;
	if (from < len)
		p = find_bytes(line + from, len - from < 128 ? len - from : 128,
		    key, sizeof(key) - 1);
	if (p == NULL && (p = find_bytes(line, len, key, sizeof(key) - 1)) ==
	    NULL)
		return len;
	l->retrieval_at = (size_t)(p - line);
	at = (size_t)(p - line) + sizeof(key) - 1;
	while (at < len && (line[at] == ' ' || line[at] == '\t'))
		at++;
	for (i = 0; i < l->nentries; i++) {
		e = &l->entry[(l->last + i) % l->nentries];
		if (e->hash != 0 && e->rlen <= len - at &&
		    same_bytes(line + at, e->key.data, e->rlen)) {
			*which = (size_t)(e - l->entry);
			return at;
		}
	}
	return len;
}

/*
 * The number naming the retrieval text r among the entries: that of an
 * entry with the same text (and another tier), or a new one.
 */
static uint64_t
same_text(struct genline *l, const struct jsonscan_member *r)
{
	const struct genline_entry *e;
	size_t i;

	for (i = 0; i < l->nentries; i++) {
		e = &l->entry[i];
		if (e->hash != 0 && e->rlen == r->valuelen &&
		    same_bytes(e->key.data, r->value, e->rlen))
			return e->text;
	}
	return ++l->nexttext;
}

/*
 * The entry for the record's retrieval and tier, read and prepared on a
 * miss; NULL when the slow path must judge the retrieval.
 */
static struct genline_entry *
entry(struct genline *l, const struct jsonscan_member *r, size_t kept)
{
	const char *tier = l->facts.value[COMPOSE_TIER] != NULL ?
	    l->facts.tier : NULL;
	struct genline_entry *e;
	struct reasons why;
	uint64_t h;
	size_t i, col;
	cJSON *v;
	int bad;

	/* A kept retrieval (kept_retrieval): the tier is to be found. */
	for (i = 0; kept < l->nentries && i < l->nentries; i++) {
		e = &l->entry[(l->last + i) % l->nentries];
		if (e->hash != 0 && e->text == l->entry[kept].text &&
		    strcmp(e->key.data + e->rlen + 1,
		    tier != NULL ? tier : "") == 0) {
			l->last = (size_t)(e - l->entry);
			l->hits++;
			return e;
		}
	}
	buf_reset(&l->key);
	buf_add(&l->key, r->value, r->valuelen);
	buf_putc(&l->key, '\0');
	if (tier != NULL)
		buf_puts(&l->key, tier);
	h = sample_hash(l->key.data, l->key.len);
	for (i = 0; i < l->nentries; i++) {
		/* The last record's first: runs of a segment are common. */
		e = &l->entry[(l->last + i) % l->nentries];
		if (e->hash == h && e->key.len == l->key.len &&
		    same_bytes(e->key.data, l->key.data, l->key.len)) {
			l->last = (size_t)(e - l->entry);
			l->hits++;
			return e;
		}
	}
	l->misses++;
	if (l->nentries < GENLINE_CACHE)
		i = l->nentries++;
	else
		i = l->next++ % GENLINE_CACHE;
	e = &l->entry[i];
	json_free(e->rec);
	e->rec = NULL;
	e->hash = 0;
	buf_reset(&e->key);
	if ((v = json_parse(r->value, r->valuelen, &col)) == NULL)
		return NULL;
	e->rec = json_new_object();
	json_set(e->rec, "retrieval", v);
	reasons_init(&why);
	bad = passages_read(&e->ps, e->rec, &why) < 0;
	reasons_release(&why);
	if (bad)
		return NULL;
	e->covered = compose_prepare(&e->comp, &e->ps, &l->facts);
	e->id = ++l->nextid;
	e->rlen = r->valuelen;
	e->text = same_text(l, r);
	e->hash = h;
	buf_add(&e->key, l->key.data, l->key.len);
	l->last = i;
	return e;
}

/*
 * Writes the record up to its variants: the line, the assignment's id,
 * and the opening of "variants".
 */
static void
put_head(const char *line, const struct fields *f, int n,
    const struct arm *arm, const char *id, struct buf *out)
{
	const char *from = line;

	if (arm != NULL) {
		buf_add(out, from, (size_t)(arm->at - from));
		if (arm->len == 0)
			buf_puts(out, arm->first ? "\"variant_id\":" :
			    ",\"variant_id\":");
		jsonw_string(out, id, strlen(id));
		from = arm->at + arm->len;
	}
	buf_add(out, from, (size_t)(line + f->close - from));
	buf_puts(out, n > 0 ? ",\"variants\":[" : "\"variants\":[");
}

/*
 * Makes ready tone t's message for the record, from the message memo or
 * composed in full, and copies its id into id. Returns 1 when it came from
 * the memo, 0 when composed, -1 when it cannot be written.
 */
static int
prepare(struct genline *l, struct genline_entry *e, size_t t, char *id)
{
	struct generator *g = l->g;

	if (msgmemo_prepare(&l->memo, g, e->id, &e->comp, &e->ps, &l->facts,
	    t, id))
		return 1;
	if (generate_offline(g, &e->comp, t, &e->ps, &l->facts, &l->why) < 0)
		return -1;
	memcpy(id, g->v.id, VARIANT_ID_SIZE);
	return 0;
}

/* Writes the message prepare made ready (memo: what it returned). */
static void
put_variant(struct genline *l, const struct genline_entry *e, int memo,
    struct buf *out)
{
	struct generator *g = l->g;

	if (memo)
		msgmemo_write(&l->memo, g, &l->facts, out);
	else
		variant_write(out, &g->v, &e->ps, l->facts.customer_id,
		    l->facts.segment, g->generated_at);
}

/* The fast path: 1 when it wrote the record, 0 to go the slow way. */
static int
fast(struct genline *l, const char *line, size_t len, struct buf *out)
{
	struct jsonscan_member m[MEMBERS_MAX];
	struct generator *g = l->g;
	struct genline_entry *e;
	struct fields f;
	struct arm arm = { 0, NULL, 0, 0 };
	char id[VARIANT_ID_SIZE];
	size_t tones[GENERATE_TONES_MAX], nt, k, at, kept = 0;
	int n, assigned, memo = 0, ok = 1;

	at = kept_retrieval(l, line, len, &kept);
	if (line[0] != '{' || (n = jsonscan_object_known(line, len, m,
	    MEMBERS_MAX, &f.close, at, at < len ? l->entry[kept].rlen : 0)) <
	    0 || !find(m, n, l->fact_len, &f) || !facts(l, &f))
		return 0;
	assigned = f.assignment != NULL &&
	    f.assignment->type != JSONSCAN_NULL;
	if (assigned && !assignment(l, f.assignment, &arm))
		return 0;
	if ((e = entry(l, f.retrieval, at < len &&
	    f.retrieval->value == line + at ? kept : GENLINE_CACHE)) == NULL ||
	    e->covered == 0)
		return 0;
	if (assigned) {
		tones[0] = arm.tone;
		nt = 1;
	} else {
		memcpy(tones, g->want, g->nwant * sizeof(tones[0]));
		nt = g->nwant;
	}
	/* An assigned record has one message, whose id goes first. */
	if (assigned && (memo = prepare(l, e, arm.tone, id)) < 0)
		ok = 0;
	if (ok)
		put_head(line, &f, n, assigned ? &arm : NULL, id, out);
	for (k = 0; ok && k < nt; k++) {
		if (!assigned && (memo = prepare(l, e, tones[k], id)) < 0) {
			ok = 0;
			break;
		}
		if (k > 0)
			buf_putc(out, ',');
		put_variant(l, e, memo, out);
	}
	if (!ok) {
		reasons_reset(&l->why);
		return 0;
	}
	buf_puts(out, "]}");
	l->nmessages = nt;
	l->fast++;
	return 1;
}

int
genline_record(struct genline *l, const char *line, size_t len,
    int no_newline, struct buf *out, struct reasons *why)
{
	size_t col, mark = out->len;

	reasons_reset(&l->lost);
	l->nmessages = 0;
	if (is_blank(line, len))
		return 0;
	/*
	 * The fast path takes only a line whose bytes past ASCII are in
	 * strings that lib/jsonscan found valid UTF-8: the line is valid.
	 */
	if (fast(l, line, len, out))
		return 1;
	buf_cut(out, mark);
	if ((col = utf8_valid_prefix(line, len)) != len) {
		reasons_add(why, "invalid UTF-8 at column %zu", col + 1);
		return -1;
	}
	return slow(l, line, len, no_newline, out, why);
}

/* Records are written in blocks of this size or a little more. */
#define BLOCK_SIZE (1 << 17)

int
genline_run(struct generator *g, struct run *run, const char *input)
{
	const char *name = input_name(input), *line;
	struct genline *l;
	struct reasons why;
	struct lineio in;
	struct buf block;	/* records written, not yet given to run */
	size_t len, n = 0;
	int rc, stop = 0;

	if (lineio_open(&in, input) < 0) {
		diag_in(&run->diag, name, "%s", strerror(errno));
		return CPO_EXIT_IO;
	}
	/* Large (its cache): not on the stack. */
	l = xmalloc(sizeof(*l));
	genline_init(l, g);
	reasons_init(&why);
	buf_init(&block);
	while (!stop && (rc = lineio_next(&in, &line, &len)) > 0) {
		reasons_reset(&why);
		switch (genline_record(l, line, len, in.no_newline, &block,
		    &why)) {
		case 0:
			continue;
		case 1:
			run_read(run);
			generate_account(g, &run->diag, name, in.lineno,
			    l->nmessages, &l->lost);
			buf_putc(&block, '\n');
			n++;
			break;
		default:
			run_read(run);
			stop = run_reject(run, name, in.lineno, line, len, &why);
		}
		if (block.len >= BLOCK_SIZE) {
			stop |= run_write_block(run, block.data, block.len,
			    n) < 0;
			buf_reset(&block);
			n = 0;
		}
	}
	if (n > 0)
		run_write_block(run, block.data, block.len, n);
	reasons_release(&why);
	buf_release(&block);
	genline_release(l);
	free(l);
	lineio_release(&in);
	if (rc < 0) {
		diag_in(&run->diag, name, "read error: %s", strerror(errno));
		return CPO_EXIT_IO;
	}
	return CPO_EXIT_OK;
}
