/* SPDX-License-Identifier: MIT */
/*
 * Message variants: the rules of variant.h and the seed's JSON shape.
 *
 * The grounding rule is deliberately mechanical. It cannot tell whether a
 * sentence is true, but the claims that get marketing into trouble are
 * the checkable ones: a discount, a price, a date, a deadline. Each of
 * those must be copied from a cited passage (or be the customer's own
 * figure, such as their number of orders), so a template or a model that
 * invents "30% off until Friday" fails, whatever the wording around it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "hash.h"
#include "jsonw.h"
#include "reasons.h"
#include "sentence.h"
#include "variant.h"
#include "xalloc.h"

static void claim_pairs(unsigned char *pairs);

/* A sentence known not to read like an instruction. */
struct variant_seen {
	uint64_t hash;
	struct buf text;
};

#define MARKER_OPEN "[Source: "
#define MARKER_PARA ", \xc2\xb6"	/* ", ¶" */

void
variant_init(struct variant *v)
{
	memset(v, 0, sizeof(*v));
	buf_init(&v->subject);
	buf_init(&v->body);
	buf_init(&v->cited);
	buf_init(&v->plain);
	buf_init(&v->grounds);
	buf_init(&v->scratch);
	claim_pairs(v->pairs);
}

void
variant_release(struct variant *v)
{
	size_t i;

	buf_release(&v->subject);
	buf_release(&v->body);
	buf_release(&v->cited);
	buf_release(&v->plain);
	buf_release(&v->grounds);
	buf_release(&v->scratch);
	for (i = 0; v->seen != NULL && i < VARIANT_SEEN; i++)
		buf_release(&v->seen[i].text);
	free(v->seen);
}

void
variant_reset(struct variant *v)
{
	buf_reset(&v->subject);
	buf_reset(&v->body);
	buf_reset(&v->cited);
	v->ncit = 0;
	v->id[0] = '\0';
	v->model = v->prompt_template = NULL;
	v->tokens_input = v->tokens_output = 0;
	v->cost_usd = 0;
}

int
variant_cite(struct variant *v, size_t i, const char *text, size_t len)
{
	if (v->ncit == VARIANT_CITATIONS_MAX)
		return -1;
	v->cit[v->ncit].passage = i;
	v->cit[v->ncit].off = v->cited.len;
	v->cit[v->ncit].len = len;
	buf_add(&v->cited, text, len);
	v->ncit++;
	return 0;
}

void
variant_marker(struct buf *b, const struct passage *p)
{
	buf_printf(b, MARKER_OPEN "%s" MARKER_PARA "%lld]", p->title,
	    p->paragraph_index);
}

size_t
variant_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	/* Count every byte that does not continue a UTF-8 sequence. */
	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * One marker in the body: where it is and, when well formed, the title
 * and paragraph it names.
 */
struct marker {
	size_t off, len;		/* the whole "[Source: ...]" */
	size_t title_off, title_len;
	long long para;			/* -1: malformed */
};

/* Finds the next marker at or after *pos; returns 0 when there is none. */
static int
next_marker(const char *s, size_t len, size_t *pos, struct marker *m)
{
	const char *open, *close, *para, *p;
	size_t plen = strlen(MARKER_PARA);

	open = *pos < len ? strstr(s + *pos, MARKER_OPEN) : NULL;
	if (open == NULL)
		return 0;
	m->off = (size_t)(open - s);
	close = strchr(open, ']');
	if (close == NULL)
		close = s + len - 1;
	m->len = (size_t)(close - open) + 1;
	*pos = m->off + m->len;
	m->para = -1;
	m->title_off = m->off + strlen(MARKER_OPEN);
	/* The title ends at the last ", ¶" before the bracket. */
	for (para = NULL, p = open; p + plen <= close; p++)
		if (memcmp(p, MARKER_PARA, plen) == 0)
			para = p;
	if (para == NULL || *close != ']' || para + plen == close)
		return 1;
	m->title_len = (size_t)(para - s) - m->title_off;
	m->para = 0;
	for (p = para + plen; p < close; p++) {
		if (!isdigit((unsigned char)*p) || m->para > 100000000) {
			m->para = -1;
			return 1;
		}
		m->para = m->para * 10 + (*p - '0');
	}
	return 1;
}

static void
show(struct buf *b, const char *s, size_t len)
{
	diag_quote(b, s, len);
}

/* Does citation c match the marker m in body? */
static int
cites(const struct passages *ps, const struct citation *c, const char *body,
    const struct marker *m)
{
	const struct passage *p = &ps->p[c->passage];

	return m->para == p->paragraph_index &&
	    strlen(p->title) == m->title_len &&
	    memcmp(p->title, body + m->title_off, m->title_len) == 0;
}

void
variant_cite_markers(struct variant *v, const struct passages *ps)
{
	const char *body = buf_str(&v->body);
	struct marker m;
	size_t pos = 0, i, k;

	while (next_marker(body, v->body.len, &pos, &m)) {
		for (i = 0; m.para >= 0 && i < ps->n; i++) {
			if (ps->p[i].paragraph_index != m.para ||
			    strlen(ps->p[i].title) != m.title_len ||
			    memcmp(ps->p[i].title, body + m.title_off,
			    m.title_len) != 0)
				continue;
			for (k = 0; k < v->ncit && v->cit[k].passage != i; k++)
				;
			if (k == v->ncit)
				variant_cite(v, i, ps->p[i].snippet,
				    strlen(ps->p[i].snippet));
			break;
		}
	}
}

static void
check_markers(const struct variant *v, const struct passages *ps,
    size_t need, const char *prefix, struct reasons *why)
{
	const char *body = buf_str(&v->body);
	int marked[VARIANT_CITATIONS_MAX] = { 0 };
	size_t pos = 0, i, k, distinct = 0;
	struct marker m;
	struct buf b;
	int found;

	buf_init(&b);
	while (next_marker(body, v->body.len, &pos, &m)) {
		found = 0;
		for (i = 0; m.para >= 0 && i < v->ncit; i++)
			if (cites(ps, &v->cit[i], body, &m))
				found = marked[i] = 1;
		if (found)
			continue;
		buf_reset(&b);
		show(&b, body + m.off, m.len);
		reasons_add(why, "%s%s %s %s", prefix, m.para < 0 ?
		    "malformed citation" : "citation", b.data, m.para < 0 ?
		    "in the body (expected [Source: TITLE, \xc2\xb6N])" :
		    "in the body names no cited passage");
	}
	for (i = 0; i < v->ncit; i++) {
		if (!marked[i])
			reasons_add(why, "%scitation of %s \xc2\xb6%lld has no "
			    "marker in the body", prefix,
			    ps->p[v->cit[i].passage].document_id,
			    ps->p[v->cit[i].passage].paragraph_index);
		for (k = 0; k < i; k++)
			if (v->cit[k].passage == v->cit[i].passage)
				break;
		distinct += k == i;
	}
	if (distinct < need)
		reasons_add(why, "%sbody cites %zu passage%s, fewer than %zu",
		    prefix, distinct, distinct == 1 ? "" : "s", need);
	buf_release(&b);
}

/* "{name}" or "[Some Words]" (not a marker) left in s; its length, or 0. */
static size_t
placeholder_at(const char *s, size_t len, size_t i)
{
	size_t j;

	if (s[i] == '{') {
		for (j = i + 1; j < len && (isalnum((unsigned char)s[j]) ||
		    s[j] == '_'); j++)
			;
		return j > i + 1 && j < len && s[j] == '}' ? j + 1 - i : 0;
	}
	if (s[i] != '[' || i + 1 >= len || !isupper((unsigned char)s[i + 1]) ||
	    strncmp(s + i, MARKER_OPEN, strlen(MARKER_OPEN)) == 0)
		return 0;
	for (j = i + 1; j < len && j - i < 40 &&
	    (isalpha((unsigned char)s[j]) || s[j] == ' ' || s[j] == '_'); j++)
		;
	return j < len && s[j] == ']' ? j + 1 - i : 0;
}

static void
check_placeholders(const char *s, size_t len, const char *where,
    const char *prefix, struct reasons *why)
{
	struct buf b;
	size_t i, n;

	buf_init(&b);
	for (i = 0; i < len; i++) {
		if ((n = placeholder_at(s, len, i)) == 0)
			continue;
		buf_reset(&b);
		buf_add(&b, s + i, n);
		reasons_add(why, "%sunfilled placeholder '%s' in the %s",
		    prefix, b.data, where);
		i += n - 1;
	}
	buf_release(&b);
}

/*
 * Figures. A figure is a run of digits and the separators . , : / - that
 * starts and ends with a digit ("1,400", "6:45", "1-800-555-0142"), with
 * the '$' before it and the '%' after it when there are.
 */
struct figure {
	size_t off, len;	/* the digits */
	int dollar, percent;
};

static int
is_figure_char(int c)
{
	return isdigit(c) || c == '.' || c == ',' || c == ':' || c == '/' ||
	    c == '-';
}

/* Finds the next figure at or after *pos; returns 0 when there is none. */
static int
next_figure(const char *s, size_t len, size_t *pos, struct figure *f)
{
	size_t i = *pos, end;

	while (i < len && !isdigit((unsigned char)s[i]))
		i++;
	if (i == len)
		return 0;
	for (end = i; end < len && is_figure_char((unsigned char)s[end]); end++)
		;
	while (!isdigit((unsigned char)s[end - 1]))
		end--;
	f->off = i;
	f->len = end - i;
	f->dollar = i > 0 && s[i - 1] == '$';
	f->percent = end < len && s[end] == '%';
	*pos = end;
	return 1;
}

/* Does a figure like f (from text) appear in the len bytes of s? */
static int
has_figure(const char *s, size_t len, const char *text,
    const struct figure *f)
{
	struct figure g;
	size_t pos = 0;

	while (next_figure(s, len, &pos, &g))
		if (g.len == f->len && memcmp(s + g.off, text + f->off,
		    f->len) == 0 && (!f->dollar || g.dollar) &&
		    (!f->percent || g.percent))
			return 1;
	return 0;
}

/* Words that date a claim or set a deadline; months need a capital. */
static const char *const months[] = {
	"January", "February", "March", "April", "June", "July", "August",
	"September", "October", "November", "December", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday", "Sunday", NULL
};

static const char *const deadline_words[] = {
	"today", "tonight", "tomorrow", "midnight", "deadline", "expires",
	"expiring", "hurry", NULL
};

static const char *const deadline_phrases[] = {
	"last chance", "limited time", "while stocks last",
	"while supplies last", "ends soon", "only until", NULL
};

/*
 * Does the word w (n bytes) occur in s as a whole word? Only word starts
 * are compared, first letter first: this runs for every date and
 * deadline word over every body.
 */
static int
has_word(const char *s, size_t len, const char *w, size_t n, int nocase)
{
	int c0 = nocase ? tolower((unsigned char)w[0]) : (unsigned char)w[0];
	size_t i;
	int c;

	for (i = 0; i + n <= len; i++) {
		if (i > 0 && isalpha((unsigned char)s[i - 1]))
			continue;
		c = nocase ? tolower((unsigned char)s[i]) : (unsigned char)s[i];
		if (c != c0 || (nocase ? strncasecmp(s + i, w, n) :
		    strncmp(s + i, w, n)) != 0)
			continue;
		if (i + n == len || !isalpha((unsigned char)s[i + n]))
			return 1;
	}
	return 0;
}

/* The grounding text: cited texts and facts, each followed by a newline. */
static void
grounds(const struct variant *v, const char *const *facts, size_t nfacts,
    struct buf *g)
{
	size_t i;

	for (i = 0; i < v->ncit; i++) {
		buf_add(g, v->cited.data + v->cit[i].off, v->cit[i].len);
		buf_putc(g, '\n');
	}
	for (i = 0; i < nfacts; i++)
		if (facts[i] != NULL) {
			buf_puts(g, facts[i]);
			buf_putc(g, '\n');
		}
}

/* Does word w (n bytes, lower case) start any of list? Returns it or NULL. */
static const char *
starts(const char *w, size_t n, const char *const *list, int nocase)
{
	size_t k;

	for (; *list != NULL; list++) {
		if ((nocase ? tolower((unsigned char)w[0]) :
		    (unsigned char)w[0]) != (unsigned char)(*list)[0] &&
		    (unsigned char)w[0] != (unsigned char)(*list)[0])
			continue;
		k = strlen(*list);
		if (k >= n && (k == n || (*list)[n] == ' ') &&
		    (nocase ? strncasecmp(*list, w, n) : strncmp(*list, w, n))
		    == 0)
			return *list;
	}
	return NULL;
}

/* The deadline phrase s (len bytes) starts with, or NULL. */
static const char *
phrase_at(const char *s, size_t len)
{
	const char *const *p;
	size_t n;

	for (p = deadline_phrases; *p != NULL; p++) {
		n = strlen(*p);
		if (n <= len && tolower((unsigned char)s[0]) == (*p)[0] &&
		    strncasecmp(s, *p, n) == 0 &&
		    (n == len || !isalpha((unsigned char)s[n])))
			return *p;
	}
	return NULL;
}

/* Marks the pair of letters (a, b) in the bitmap pairs. */
static void
mark(unsigned char *pairs, int a, int b)
{
	unsigned k = (unsigned)(unsigned char)a << 8 | (unsigned char)b;

	pairs[k >> 3] |= (unsigned char)(1u << (k & 7));
}

/*
 * Marks every pair of first two letters that a month or weekday
 * (capitalized), a deadline word or a deadline phrase (any case) can
 * start with: what starts and phrase_at compare, looked up once per word.
 * A word of one letter matches none of them.
 */
static void
claim_pairs(unsigned char *pairs)
{
	const char *const *lists[] = { deadline_words, deadline_phrases };
	const char *const *p;
	size_t k;
	int a, b;

	memset(pairs, 0, VARIANT_PAIRS);
	for (p = months; *p != NULL; p++)
		mark(pairs, (*p)[0], (*p)[1]);
	mark(pairs, 'M', 'a');			/* "May 5" */
	for (k = 0; k < 2; k++)
		for (p = lists[k]; *p != NULL; p++) {
			a = (unsigned char)(*p)[0];
			b = (unsigned char)(*p)[1];
			mark(pairs, a, b);
			mark(pairs, a, toupper(b));
			mark(pairs, toupper(a), b);
			mark(pairs, toupper(a), toupper(b));
		}
}

static int
marked(const unsigned char *pairs, int a, int b)
{
	unsigned k = (unsigned)(unsigned char)a << 8 | (unsigned char)b;

	return pairs[k >> 3] >> (k & 7) & 1;
}

/* Is the word w in either part of g? */
static int
grounded_word(const struct variant_grounds *g, const char *w, int nocase)
{
	size_t n = strlen(w);

	return has_word(g->text[0], g->len[0], w, n, nocase) ||
	    has_word(g->text[1], g->len[1], w, n, nocase);
}

/*
 * Checks the dated and deadline words of s (len bytes) against g, in one
 * pass over the words of s: the body is scanned once, and the grounds
 * only for a word the body has.
 */
static void
check_words(const unsigned char *pairs, const char *s, size_t len,
    const struct variant_grounds *g, const char *where, const char *prefix,
    struct reasons *why)
{
	const char *w;
	size_t i = 0, n;
	int kind;

	while (i < len) {
		while (i < len && !isalpha((unsigned char)s[i]))
			i++;
		n = 0;
		while (i + n < len && isalpha((unsigned char)s[i + n]))
			n++;
		if (n == 0)
			break;
		/* Most words start unlike any listed one. */
		if (n < 2 || !marked(pairs, s[i], s[i + 1])) {
			i += n;
			continue;
		}
		kind = 0;
		if ((w = starts(s + i, n, months, 0)) != NULL && strlen(w) == n)
			kind = 1;
		else if (n == 3 && strncmp(s + i, "May", 3) == 0 &&
		    i + 4 < len && s[i + 3] == ' ' &&
		    isdigit((unsigned char)s[i + 4]))
			kind = 1, w = "May";
		else if ((w = starts(s + i, n, deadline_words, 1)) != NULL &&
		    strlen(w) == n)
			kind = 2;
		else if ((w = phrase_at(s + i, len - i)) != NULL)
			kind = 2;
		if (kind != 0 && !grounded_word(g, w, kind == 2))
			reasons_add(why, "%s%s '%s' in the %s is not in the "
			    "cited text", prefix, kind == 1 ? "date" :
			    "deadline", w, where);
		i += n;
	}
}

static void
check_claims(const unsigned char *pairs, const char *s, size_t len,
    const struct variant_grounds *g, const char *where, const char *prefix,
    struct reasons *why)
{
	struct figure f;
	size_t pos = 0;

	while (next_figure(s, len, &pos, &f))
		if (!has_figure(g->text[0], g->len[0], s, &f) &&
		    !has_figure(g->text[1], g->len[1], s, &f))
			reasons_add(why, "%sfigure '%s%.*s%s' in the %s is not "
			    "in the cited text", prefix, f.dollar ? "$" : "",
			    (int)f.len, s + f.off, f.percent ? "%" : "", where);
	check_words(pairs, s, len, g, where, prefix, why);
}

int
variant_check_claims(const char *s, size_t len, const char *grounds,
    size_t glen, const char *where, const char *prefix, struct reasons *why)
{
	size_t before = why->n + why->dropped;
	unsigned char pairs[VARIANT_PAIRS];
	struct variant_grounds g = { { grounds, "" }, { glen, 0 } };

	claim_pairs(pairs);
	check_claims(pairs, s, len, &g, where, prefix, why);
	return why->n + why->dropped > before ? -1 : 0;
}

/* The body with its markers blanked out, so titles are not claims. */
static void
strip_markers(const struct variant *v, struct buf *out)
{
	struct marker m;
	size_t pos = 0;

	buf_add(out, v->body.data != NULL ? v->body.data : "", v->body.len);
	while (next_marker(out->data, out->len, &pos, &m))
		memset(out->data + m.off, ' ', m.len);
}

/*
 * Is the sentence s (len bytes) an instruction? Asks lib/sentence once
 * per distinct sentence that is not: those are remembered, by hash and
 * text, in a table where a newer sentence replaces an older one.
 */
static int
instruction(struct variant *v, const char *s, size_t len)
{
	struct variant_seen *e;
	uint64_t h;
	size_t i;

	if (v->seen == NULL) {
		v->seen = xcalloc(VARIANT_SEEN, sizeof(v->seen[0]));
		for (i = 0; i < VARIANT_SEEN; i++)
			buf_init(&v->seen[i].text);
	}
	h = hash_fnv1a64(s, len);
	e = &v->seen[h % VARIANT_SEEN];
	if (e->hash == h && e->text.len == len &&
	    memcmp(e->text.data, s, len) == 0)
		return 0;
	if (sentence_is_instruction(s, len))
		return 1;
	e->hash = h;
	buf_reset(&e->text);
	buf_add(&e->text, s, len);
	return 0;
}

static void
check_instructions(struct variant *v, const char *s, size_t len,
    const char *prefix, struct reasons *why)
{
	struct sentence sent[64];
	size_t n, i;
	struct buf b;

	n = sentence_split(s, len, sent, 64);
	buf_init(&b);
	for (i = 0; i < n && i < 64; i++) {
		if (!instruction(v, s + sent[i].off, sent[i].len))
			continue;
		buf_reset(&b);
		show(&b, s + sent[i].off, sent[i].len);
		reasons_add(why, "%sbody has a sentence that reads like an "
		    "instruction: %s", prefix, b.data);
	}
	/* Past 64 sentences, the text as a whole. */
	if (n > 64 && sentence_is_instruction(s, len))
		reasons_add(why, "%sbody reads like an instruction", prefix);
	buf_release(&b);
}

int
variant_check(struct variant *v, const struct passages *ps,
    size_t need, const char *const *facts, size_t nfacts, const char *prefix,
    struct reasons *why)
{
	size_t before = why->n + why->dropped, chars, words;
	const char *subject = buf_str(&v->subject);
	struct buf *g = &v->grounds, *plain = &v->plain;
	struct variant_grounds gr = { { "", "" }, { 0, 0 } };
	size_t i;

	chars = variant_chars(subject, v->subject.len);
	if (chars == 0)
		reasons_add(why, "%ssubject is empty", prefix);
	else if (chars > VARIANT_SUBJECT_MAX)
		reasons_add(why, "%ssubject has %zu characters, more than %d",
		    prefix, chars, VARIANT_SUBJECT_MAX);
	if (strpbrk(subject, "\r\n") != NULL)
		reasons_add(why, "%ssubject has a line break", prefix);
	words = sentence_words(buf_str(&v->body), v->body.len);
	if (words < VARIANT_WORDS_MIN)
		reasons_add(why, "%sbody has %zu words, fewer than %d", prefix,
		    words, VARIANT_WORDS_MIN);
	else if (words > VARIANT_WORDS_MAX)
		reasons_add(why, "%sbody has %zu words, more than %d", prefix,
		    words, VARIANT_WORDS_MAX);
	check_markers(v, ps, need, prefix, why);
	check_placeholders(subject, v->subject.len, "subject", prefix, why);
	check_placeholders(buf_str(&v->body), v->body.len, "body", prefix, why);
	buf_reset(g);
	buf_reset(plain);
	grounds(v, facts, nfacts, g);
	strip_markers(v, plain);
	gr.text[0] = buf_str(g);
	gr.len[0] = g->len;
	check_claims(v->pairs, plain->data, plain->len, &gr, "body", prefix,
	    why);
	/* A subject may also name a cited passage by its title. */
	for (i = 0; i < v->ncit; i++) {
		buf_puts(g, ps->p[v->cit[i].passage].title);
		buf_putc(g, '\n');
	}
	gr.text[0] = buf_str(g);
	gr.len[0] = g->len;
	check_claims(v->pairs, subject, v->subject.len, &gr, "subject",
	    prefix, why);
	check_instructions(v, plain->data, plain->len, prefix, why);
	return why->n + why->dropped > before ? -1 : 0;
}

/* A blank, as lib/sentence and the claim rules see one. */
static int
blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/*
 * The claims within VARIANT_NEAR bytes of a value: from a word start at
 * least that far before it to a blank at least that far after, so that
 * every figure, word and phrase (the longest, "while supplies last", has
 * 19 bytes) that touches the value is seen whole, and none is cut.
 */
static void
check_near_claims(struct variant *v, const char *plain, size_t len,
    const size_t (*value)[2], size_t nvalues, const struct variant_grounds *g,
    const char *prefix, struct reasons *why)
{
	size_t i, from, to, next;

	for (i = 0; i < nvalues; i = next) {
		from = value[i][0] > VARIANT_NEAR ? value[i][0] - VARIANT_NEAR :
		    0;
		while (from > 0 && !blank((unsigned char)plain[from - 1]))
			from--;
		/* Values close together share a window. */
		for (next = i + 1; next < nvalues &&
		    value[next][0] <= value[next - 1][1] + 2 * VARIANT_NEAR;
		    next++)
			;
		to = value[next - 1][1] + VARIANT_NEAR;
		to = to < len ? to : len;
		while (to < len && !blank((unsigned char)plain[to]))
			to++;
		check_claims(v->pairs, plain + from, to - from, g, "body",
		    prefix, why);
	}
}

/* Moves back over n words of text from at (words as lib/sentence reads). */
static size_t
words_back(const char *text, size_t at, size_t n)
{
	for (; n > 0; n--) {
		while (at > 0 && !isalnum((unsigned char)text[at - 1]))
			at--;
		while (at > 0 && isalnum((unsigned char)text[at - 1]))
			at--;
	}
	return at;
}

static size_t
words_on(const char *text, size_t len, size_t at, size_t n)
{
	for (; n > 0; n--) {
		while (at < len && !isalnum((unsigned char)text[at]))
			at++;
		while (at < len && isalnum((unsigned char)text[at]))
			at++;
	}
	return at;
}

/*
 * Is there a mark in text[from, to) that sentence_split could end a
 * sentence at: ". ! ?" with a blank or the end after it (and after any
 * closing quote or bracket)? "$310.50" has none.
 */
static int
ends_sentence(const char *text, size_t len, size_t from, size_t to)
{
	size_t i, j;

	for (i = from; i < to; i++) {
		if (text[i] != '.' && text[i] != '!' && text[i] != '?')
			continue;
		/* Closers: quotes, brackets, and any multibyte character. */
		for (j = i + 1; j < len && ((text[j] != '\0' &&
		    strchr("\"')]", text[j]) != NULL) ||
		    (unsigned char)text[j] >= 0x80); j++)
			;
		if (j == len || blank((unsigned char)text[j]))
			return 1;
	}
	return 0;
}

/*
 * Could the values change which sentences read like instructions, where
 * stand-ins (no word, no sentence mark) were checked in their place? A
 * sentence that holds a value is one that held its stand-in, or a part of
 * one, unless the value joins two: by making an abbreviation of the word
 * before a period ("Mt."), or by a digit after "No.". So it cannot come
 * to read like one when the words that touch a value (its own and those
 * it runs into) are no verb or object sentence_is_instruction looks for,
 * no phrase of its is within a few words of the value, and the value has
 * no mark a sentence can end at, no abbreviation's period after it in its
 * word, and no "No." before it.
 */
static int
values_may_instruct(const char *plain, size_t len, const size_t (*value)[2],
    size_t nvalues)
{
	size_t k, from, to, i;

	for (k = 0; k < nvalues; k++) {
		/* The value and the letters it runs into. */
		for (from = value[k][0]; from > 0 &&
		    isalnum((unsigned char)plain[from - 1]); from--)
			;
		for (to = value[k][1]; to < len &&
		    isalnum((unsigned char)plain[to]); to++)
			;
		if (sentence_has_command_word(plain + from, to - from) ||
		    ends_sentence(plain, len, value[k][0], value[k][1]))
			return 1;
		/*
		 * A phrase has three words at most; a word the value runs
		 * into is one of them. Without a phrase's word of its own, a
		 * value only parts words that stood side by side around the
		 * stand-in (which is no word), where no phrase was found.
		 */
		if (sentence_has_phrase_word(plain + from, to - from)) {
			from = words_back(plain, value[k][0], 3);
			to = words_on(plain, len, value[k][1], 3);
			if (sentence_is_instruction(plain + from, to - from))
				return 1;
		}
		for (i = value[k][1]; i < len &&
		    !blank((unsigned char)plain[i]); i++)
			if (plain[i] == '.' &&
			    sentence_abbreviation_at(plain, i))
				return 1;
		/* A value's digit after "No." (the stand-in is no digit). */
		for (i = value[k][0]; i > 0 &&
		    blank((unsigned char)plain[i - 1]); i--)
			;
		if (i > 0 && plain[i - 1] == '.' &&
		    sentence_abbreviation_at(plain, i - 1))
			return 1;
	}
	return 0;
}

int
variant_check_near(struct variant *v, const char *plain, size_t len,
    const size_t (*value)[2], size_t nvalues, size_t checked,
    const struct variant_grounds *g, const char *prefix, struct reasons *why)
{
	size_t before = why->n + why->dropped, n, i, k;
	struct sentence sent[64];

	check_near_claims(v, plain, len, value, nvalues, g, prefix, why);
	/* Each value can split a sentence once: still under 64. */
	if (checked + nvalues <= 64 &&
	    !values_may_instruct(plain, len, value, nvalues))
		return why->n + why->dropped > before ? -1 : 0;
	n = sentence_split(plain, len, sent, 64);
	if (n > 64) {
		reasons_add(why, "%sbody has more than 64 sentences", prefix);
		return -1;
	}
	for (i = k = 0; i < n && k < nvalues; i++) {
		/* The values are in order: skip those before sentence i. */
		while (k < nvalues && value[k][1] <= sent[i].off)
			k++;
		if (k == nvalues || value[k][0] >= sent[i].off + sent[i].len)
			continue;
		if (sentence_is_instruction(plain + sent[i].off, sent[i].len))
			reasons_add(why, "%sbody has a sentence that reads "
			    "like an instruction", prefix);
	}
	return why->n + why->dropped > before ? -1 : 0;
}

int
variant_check_subject(struct variant *v, const struct variant_grounds *g,
    const char *prefix, struct reasons *why)
{
	size_t before = why->n + why->dropped, chars;
	const char *subject = buf_str(&v->subject);

	chars = variant_chars(subject, v->subject.len);
	if (chars == 0 || chars > VARIANT_SUBJECT_MAX ||
	    strpbrk(subject, "\r\n") != NULL)
		reasons_add(why, "%ssubject is empty, too long or broken",
		    prefix);
	check_placeholders(subject, v->subject.len, "subject", prefix, why);
	check_claims(v->pairs, subject, v->subject.len, g, "subject", prefix,
	    why);
	return why->n + why->dropped > before ? -1 : 0;
}

void
variant_format_id(char *id, uint64_t h)
{
	static const char hex[] = "0123456789ABCDEF";
	int i;

	memcpy(id, "VAR", 3);
	for (i = 0; i < 16; i++)
		id[3 + i] = hex[h >> (60 - 4 * i) & 15];
	id[19] = '\0';
}

void
variant_set_id(struct variant *v, int control)
{
	struct buf *b = &v->scratch;

	if (control) {
		snprintf(v->id, sizeof(v->id), "control");
		return;
	}
	buf_reset(b);
	buf_puts(b, v->tone);
	buf_putc(b, '\0');
	buf_add(b, buf_str(&v->subject), v->subject.len);
	buf_putc(b, '\0');
	buf_add(b, buf_str(&v->body), v->body.len);
	buf_putc(b, '\0');
	variant_format_id(v->id, hash_xxh64(b->data, b->len));
}

/* Appends ,"key":s, or null for NULL. */
static void
member(struct buf *b, const char *key, const char *s)
{
	buf_putc(b, ',');
	jsonw_key(b, key);
	if (s != NULL)
		jsonw_string(b, s, strlen(s));
	else
		buf_add(b, "null", 4);
}

/*
 * Appends the count n as jsonw_double would write (double)n: as its
 * digits below 2^53, where the two agree, without formatting a double.
 */
static void
count(struct buf *b, unsigned long n)
{
	if (n <= 1ULL << 53)
		jsonw_int(b, (long long)n);
	else
		jsonw_double(b, (double)n);
}

void
variant_write_head(struct buf *b, const struct variant *v,
    const char *customer_id, const char *segment)
{
	buf_putc(b, '{');
	jsonw_key(b, "variant_id");
	jsonw_string(b, v->id, strlen(v->id));
	member(b, "customer_id", customer_id);
	member(b, "segment", segment);
	buf_putc(b, ',');
	jsonw_key(b, "subject");
	jsonw_string(b, buf_str(&v->subject), strlen(buf_str(&v->subject)));
	buf_putc(b, ',');
	jsonw_key(b, "body");
}

void
variant_write_cited(struct buf *b, const struct variant *v,
    const struct passages *ps, const char *generated_at)
{
	const struct passage *p;
	size_t i;

	member(b, "tone", v->tone);
	buf_puts(b, ",\"citations\":[");
	for (i = 0; i < v->ncit; i++) {
		p = &ps->p[v->cit[i].passage];
		if (i > 0)
			buf_putc(b, ',');
		buf_putc(b, '{');
		jsonw_key(b, "document_id");
		jsonw_string(b, p->document_id, strlen(p->document_id));
		member(b, "title", p->title);
		buf_putc(b, ',');
		jsonw_key(b, "paragraph_index");
		jsonw_double(b, (double)p->paragraph_index);
		buf_putc(b, ',');
		jsonw_key(b, "text_snippet");
		/* As a C string: the text up to a NUL, as cJSON kept it. */
		jsonw_string(b, v->cited.data + v->cit[i].off,
		    strnlen(v->cited.data + v->cit[i].off, v->cit[i].len));
		buf_putc(b, '}');
	}
	buf_puts(b, "],\"generation_metadata\":{");
	jsonw_key(b, "generated_at");
	jsonw_string(b, generated_at, strlen(generated_at));
	member(b, "model", v->model);
	buf_putc(b, ',');
	jsonw_key(b, "tokens_input");
	count(b, v->tokens_input);
}

void
variant_write_usage(struct buf *b, const struct variant *v)
{
	buf_putc(b, ',');
	jsonw_key(b, "tokens_output");
	count(b, v->tokens_output);
	buf_putc(b, ',');
	jsonw_key(b, "tokens_total");
	count(b, v->tokens_input + v->tokens_output);
	buf_putc(b, ',');
	jsonw_key(b, "cost_usd");
	jsonw_double(b, v->cost_usd);
	member(b, "prompt_template", v->prompt_template);
	buf_puts(b, "}}");
}

void
variant_write(struct buf *b, const struct variant *v,
    const struct passages *ps, const char *customer_id, const char *segment,
    const char *generated_at)
{
	variant_write_head(b, v, customer_id, segment);
	jsonw_string(b, buf_str(&v->body), strlen(buf_str(&v->body)));
	variant_write_cited(b, v, ps, generated_at);
	variant_write_usage(b, v);
}

cJSON *
variant_json(const struct variant *v, const struct passages *ps,
    const char *customer_id, const char *segment, const char *generated_at)
{
	struct buf text;
	size_t col;
	cJSON *o;

	buf_init(&text);
	variant_write(&text, v, ps, customer_id, segment, generated_at);
	o = json_parse(text.data, text.len, &col);
	buf_release(&text);
	/* What variant_write writes is JSON: only memory can fail here. */
	if (o == NULL)
		xmalloc((size_t)-1);
	return o;
}
