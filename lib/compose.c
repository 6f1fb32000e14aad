/* SPDX-License-Identifier: MIT */
/*
 * The offline generator (compose.h has the method). Quoting whole
 * sentences, rather than paraphrasing them, is what keeps a template
 * message honest: the cited text is the text in the body, word for word,
 * so the grounding check of lib/variant holds by construction and a
 * reader can find every quoted sentence in the approved content.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "hash.h"
#include "xalloc.h"

#define PASSAGE_SENTENCES_MAX 32
#define UNIT_WORDS_MIN 5
#define UNIT_WORDS_MAX 60
#define CONTENT_WORDS_MAX 48
#define QUERY_TERMS_MAX 32
#define FACT_CHARS_MAX 60

/* A quote: one sentence, or a run of them when one leans on another. */
struct unit {
	size_t passage;
	size_t first, last;	/* sentences of the passage */
	size_t off, len;	/* the text, in the composer's quotes */
	size_t words;
	double score;
	int eligible;
	uint32_t cw[CONTENT_WORDS_MAX];	/* content word stems, hashed, sorted */
	size_t ncw;
};

static const char *const placeholders[COMPOSE_PLACEHOLDERS] = {
	"segment", "tier", "location", "purchase_frequency", "avg_order_value",
	"last_engagement_days", "topic", "opening", "closing", "passages",
	"extra"
};

#define FACTS ((1ULL << COMPOSE_FACTS) - 1)
#define LINE_PLACEHOLDERS (FACTS | 1ULL << COMPOSE_TOPIC)

static const struct template_section_spec sections[] = {
	{ "subject", 0, 1, 1, LINE_PLACEHOLDERS },
	{ "opening", 0, 1, 0, LINE_PLACEHOLDERS },
	{ "closing", 0, 1, 0, LINE_PLACEHOLDERS },
	{ "extra", 0, 1, 0, LINE_PLACEHOLDERS },
	{ "body", 1, 1, 1, (1ULL << COMPOSE_PLACEHOLDERS) - 1 }
};

static const struct template_spec spec = {
	placeholders, COMPOSE_PLACEHOLDERS,
	sections, sizeof(sections) / sizeof(sections[0])
};

/* The fields the facts come from, by enum compose_placeholder. */
static const char *const fact_fields[COMPOSE_FACTS] = {
	"segment", "tier", "location", "purchase_frequency", "avg_order_value",
	"last_engagement_days"
};

static const char *const tiers[] = { "Gold", "Silver", "Bronze", "Platinum" };

/* Words a quote may start with that need the sentence before. */
static const char *const leaning[] = {
	"This", "That", "These", "Those", "It", "Its", "They", "Their",
	"Them", "Then", "Together", "Both", "Such", "Also", "However", "But",
	"And", "Or", "So", "Still", "There", "He", "She", "Here", NULL
};

/* Words too common to tell two quotes apart or to match a query. */
static const char *const stopwords[] = {
	"the", "and", "for", "with", "you", "your", "our", "are", "was",
	"that", "this", "from", "have", "has", "will", "can", "all", "any",
	"each", "its", "their", "them", "they", "not", "but", "more", "than",
	"into", "off", "per", "one", "two", "who", "what", "when", "how",
	"also", "just", "over", "under", "out", "get", "got", "yours", "ours",
	"been", "were", "which", "there", "then", "these", "those", "about",
	"a", "an", "of", "to", "in", "on", "at", "by", "or", "is", "it", "as",
	"be", "we", "us", NULL
};

/* Words a shortened subject topic must not end with. */
static const char *const dangling[] = {
	"for", "of", "the", "and", "to", "with", "a", "an", "in", "on", "at",
	"your", "our", "from", "by", "&", NULL
};

/* Is w (n bytes) one of list? The first letter is compared inline. */
static int
in_list(const char *w, size_t n, const char *const *list, int nocase)
{
	int c = nocase ? tolower((unsigned char)w[0]) : (unsigned char)w[0];

	if (n == 0)
		return 0;
	for (; *list != NULL; list++)
		if ((unsigned char)(*list)[0] == c && strlen(*list) == n &&
		    (nocase ? strncasecmp(*list, w, n) : strncmp(*list, w, n))
		    == 0)
			return 1;
	return 0;
}

/* Does the word w occur in s (len bytes) as a whole word? */
static int
has_word(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(s + i, w, n) == 0 &&
		    (i == 0 || !isalnum((unsigned char)s[i - 1])) &&
		    (i + n == len || !isalnum((unsigned char)s[i + n])))
			return 1;
	return 0;
}

void
compose_facts_init(struct compose_facts *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	buf_init(&f->text);
	for (i = 0; i < COMPOSE_FACTS; i++)
		buf_init(&f->missing[i]);
}

void
compose_facts_release(struct compose_facts *f)
{
	size_t i;

	buf_release(&f->text);
	for (i = 0; i < COMPOSE_FACTS; i++)
		buf_release(&f->missing[i]);
}

/* Why a string can't go in a message, or NULL when it can. */
static const char *
unfit(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0)
		return "it is empty";
	if (variant_chars(s, len) > FACT_CHARS_MAX)
		return "it is longer than 60 characters";
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "it has a control character";
	if (strpbrk(s, "{}[]") != NULL)
		return "it has a brace or a bracket";
	if (sentence_is_instruction(s, len))
		return "it reads like an instruction";
	return NULL;
}

/* Appends the digits of n. */
static void
put_digits(struct buf *b, unsigned long long n)
{
	char num[24], *p = num + sizeof(num);

	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	buf_add(b, p, (size_t)(num + sizeof(num) - p));
}

/* "12 purchases", "1 purchase"; d is from 0 to 1e12. */
static void
count_of(struct buf *b, double d, const char *one, const char *many)
{
	/* A whole number is its digits: what "%.0f" gives, without printf. */
	if (d == floor(d) && !signbit(d))
		put_digits(b, (unsigned long long)d);
	else if (d == floor(d))
		buf_printf(b, "%.0f", d);
	else
		buf_printf(b, "%g", d);
	buf_putc(b, ' ');
	buf_puts(b, d == 1 ? one : many);
}

/*
 * "$250.00": "$%.2f" of d, from 0 to 1e12. Then 100 d is within 0.008 of
 * its double (half its spacing near 1e14), so unless that is close to a
 * half cent, rounding it rounds 100 d as printf does; else printf.
 */
static void
money(struct buf *b, double d)
{
	double cents = d * 100, frac = cents - floor(cents);
	unsigned long long c;

	/* And -0 is printf's "-0.00". */
	if ((frac > 0.45 && frac < 0.55) || signbit(d)) {
		buf_printf(b, "$%.2f", d);
		return;
	}
	c = (unsigned long long)floor(cents + 0.5);
	buf_putc(b, '$');
	put_digits(b, c / 100);
	buf_putc(b, '.');
	buf_putc(b, (char)('0' + c % 100 / 10));
	buf_putc(b, (char)('0' + c % 10));
}

int
compose_facts_set(struct compose_facts *f, const char *customer_id,
    const struct compose_field *field)
{
	size_t off[COMPOSE_FACTS], i;
	const struct compose_field *m;
	const char *bad;

	buf_reset(&f->text);
	f->segment = f->tier = NULL;
	f->customer_id = customer_id;
	for (i = 0; i < COMPOSE_FACTS; i++) {
		buf_reset(&f->missing[i]);
		off[i] = (size_t)-1;
		m = &field[i];
		if (m->kind == COMPOSE_FIELD_MISSING) {
			buf_printf(&f->missing[i], "field '%s' is missing",
			    fact_fields[i]);
			continue;
		}
		if (i < COMPOSE_PURCHASE_FREQUENCY) {
			if (m->kind != COMPOSE_FIELD_STRING) {
				buf_printf(&f->missing[i], "field '%s' is not "
				    "a string", fact_fields[i]);
				continue;
			}
			if (i == COMPOSE_SEGMENT)
				f->segment = m->s;
			if ((bad = unfit(m->s)) != NULL) {
				buf_printf(&f->missing[i], "field '%s' cannot "
				    "go in a message: %s", fact_fields[i], bad);
				continue;
			}
			if (i == COMPOSE_TIER)
				f->tier = m->s;
			off[i] = f->text.len;
			buf_puts(&f->text, m->s);
		} else {
			if (m->kind != COMPOSE_FIELD_NUMBER || !isfinite(m->d) ||
			    m->d < 0 || m->d > 1e12) {
				buf_printf(&f->missing[i], "field '%s' is not "
				    "a non-negative number", fact_fields[i]);
				continue;
			}
			off[i] = f->text.len;
			if (i == COMPOSE_AVG_ORDER_VALUE)
				money(&f->text, m->d);
			else if (i == COMPOSE_PURCHASE_FREQUENCY)
				count_of(&f->text, m->d, "purchase",
				    "purchases");
			else
				count_of(&f->text, m->d, "day", "days");
		}
		buf_putc(&f->text, '\0');
	}
	/* Pointers last: the buffer may have moved while it grew. */
	for (i = 0; i < COMPOSE_FACTS; i++)
		f->value[i] = off[i] == (size_t)-1 ? NULL :
		    f->text.data + off[i];
	return 0;
}

const char *
compose_fact_field(size_t i)
{
	return fact_fields[i];
}

int
compose_facts_read(struct compose_facts *f, const cJSON *rec,
    struct reasons *why)
{
	struct compose_field field[COMPOSE_FACTS];
	const cJSON *id = json_get(rec, "customer_id"), *m;
	size_t i;

	if (!cJSON_IsString(id) || id->valuestring[0] == '\0') {
		reasons_add(why, "field 'customer_id': expected a non-empty "
		    "string, got %s", cJSON_IsString(id) ? "\"\"" :
		    json_type_name(id));
		return -1;
	}
	for (i = 0; i < COMPOSE_FACTS; i++) {
		m = json_get(rec, fact_fields[i]);
		field[i].s = NULL;
		field[i].d = 0;
		if (m == NULL || cJSON_IsNull(m))
			field[i].kind = COMPOSE_FIELD_MISSING;
		else if (cJSON_IsString(m)) {
			field[i].kind = COMPOSE_FIELD_STRING;
			field[i].s = m->valuestring;
		} else if (cJSON_IsNumber(m)) {
			field[i].kind = COMPOSE_FIELD_NUMBER;
			field[i].d = m->valuedouble;
		} else
			field[i].kind = COMPOSE_FIELD_OTHER;
	}
	return compose_facts_set(f, id->valuestring, field);
}

/* The template's own claims: each line rendered with empty values. */
static int
lint_claims(const struct template *t, unsigned long *errline,
    struct buf *err)
{
	const char *empty[COMPOSE_PLACEHOLDERS];
	const struct template_section *s;
	struct reasons why;
	struct buf line;
	size_t i, k;
	int rc = 0;

	for (i = 0; i < COMPOSE_PLACEHOLDERS; i++)
		empty[i] = "";
	buf_init(&line);
	reasons_init(&why);
	for (i = 0; rc == 0 && i < template_count(t); i++) {
		s = template_section_at(t, i);
		for (k = 0; rc == 0 && k < template_lines(s); k++) {
			buf_reset(&line);
			template_render_line(s, k, empty, &line, err, NULL);
			if (variant_check_claims(buf_str(&line), line.len,
			    "", 0, "template", "", &why) == 0)
				continue;
			*errline = template_lineno(s, k);
			buf_puts(err, reasons_get(&why, 0));
			rc = -1;
		}
	}
	reasons_release(&why);
	buf_release(&line);
	return rc;
}

/* Does any line of s use placeholder ph? */
static int
section_uses(const struct template_section *s, size_t ph)
{
	size_t k;

	for (k = 0; k < template_lines(s); k++)
		if (template_uses(s, k, ph))
			return 1;
	return 0;
}

struct template *
compose_load(const char *text, size_t len, unsigned long *errline,
    struct buf *err)
{
	static const size_t parts[] = {
		COMPOSE_OPENING, COMPOSE_CLOSING
	};
	const struct template_section *s;
	struct template *t;
	size_t i, k;

	if ((t = template_parse(&spec, text, len, errline, err)) == NULL)
		return NULL;
	*errline = 0;
	for (i = 0; i < template_count(t); i++) {
		s = template_section_at(t, i);
		if (strcmp(template_section_name(s), "body") != 0)
			continue;
		if (!section_uses(s, COMPOSE_PASSAGES)) {
			*errline = template_lineno(s, 0);
			buf_puts(err, "[body] has no {passages}");
			goto bad;
		}
		for (k = 0; k < sizeof(parts) / sizeof(parts[0]); k++)
			if (section_uses(s, parts[k]) && template_section(t,
			    placeholders[parts[k]], NULL) == NULL) {
				*errline = template_lineno(s, 0);
				buf_printf(err, "[body] uses {%s} but there is "
				    "no [%s] section", placeholders[parts[k]],
				    placeholders[parts[k]]);
				goto bad;
			}
	}
	if (lint_claims(t, errline, err) == 0)
		return t;
bad:
	template_free(t);
	return NULL;
}

void
composer_init(struct composer *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	buf_init(&c->quotes);
	buf_init(&c->opening);
	buf_init(&c->closing);
	buf_init(&c->topic);
	buf_init(&c->passages);
	buf_init(&c->extra);
	buf_init(&c->tmp);
	buf_init(&c->err);
	for (i = 0; i < COMPOSE_CHOICES; i++) {
		buf_init(&c->choice[i].passages);
		buf_init(&c->choice[i].cited);
	}
}

void
composer_release(struct composer *c)
{
	size_t i;

	free(c->u);
	free(c->s);
	free(c->sel);
	buf_release(&c->quotes);
	buf_release(&c->opening);
	buf_release(&c->closing);
	buf_release(&c->topic);
	buf_release(&c->passages);
	buf_release(&c->extra);
	buf_release(&c->tmp);
	buf_release(&c->err);
	free(c->order);
	for (i = 0; i < COMPOSE_CHOICES; i++) {
		buf_release(&c->choice[i].passages);
		buf_release(&c->choice[i].cited);
	}
}

/*
 * The stem of a lower-cased word (n bytes of w, changed in place): a final
 * 's' goes, so that "reward" matches "rewards". Returns its new length.
 */
static size_t
stem(char *w, size_t n)
{
	if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's')
		n--;
	return n;
}

static int
by_hash(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Hashes the stems of the content words of s (len bytes) into out (at
 * most max, sorted, without repeats). Returns how many.
 */
static size_t
content_words(const char *s, size_t len, uint32_t *out, size_t max)
{
	char w[32];
	size_t i = 0, n, k, count = 0;

	while (i < len) {
		while (i < len && !isalnum((unsigned char)s[i]))
			i++;
		for (n = 0; i < len && isalnum((unsigned char)s[i]); i++)
			if (n < sizeof(w))
				w[n++] = (char)tolower((unsigned char)s[i]);
		if (n < 3 || in_list(w, n, stopwords, 0))
			continue;
		n = stem(w, n);
		if (count < max)
			out[count++] = hash_fnv1a32(w, n);
	}
	qsort(out, count, sizeof(out[0]), by_hash);
	for (i = k = 0; i < count; i++)
		if (k == 0 || out[k - 1] != out[i])
			out[k++] = out[i];
	return k;
}

/* Words two sorted hash sets share. */
static size_t
common(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t i = 0, j = 0, n = 0;

	while (i < na && j < nb) {
		if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else
			n++, i++, j++;
	}
	return n;
}

/* Appends len bytes of s to b with every run of blanks made one space. */
static void
add_collapsed(struct buf *b, const char *s, size_t len)
{
	size_t i;
	int blank = 0;

	for (i = 0; i < len; i++) {
		if (isspace((unsigned char)s[i])) {
			blank = 1;
			continue;
		}
		if (blank)
			buf_putc(b, ' ');
		blank = 0;
		buf_putc(b, s[i]);
	}
}

static int
leans(const char *s, size_t len)
{
	size_t n;

	for (n = 0; n < len && isalpha((unsigned char)s[n]); n++)
		;
	return n > 0 && in_list(s, n, leaning, 0);
}

/*
 * Does s name a tier other than the customer's (tier, or NULL)? Then the
 * whole passage is about another tier's benefits: even its sentences that
 * name no tier ("The tasting runs from ...") would tell the customer of
 * something that is not theirs.
 */
static int
other_tier(const char *s, const char *tier)
{
	size_t i;

	for (i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++)
		if ((tier == NULL || strcmp(tiers[i], tier) != 0) &&
		    has_word(s, strlen(s), tiers[i]))
			return 1;
	return 0;
}

/* Is the unit's text fit to quote? */
static int
quotable(const struct composer *c, const struct unit *u,
    const struct passage *p)
{
	const char *text = c->quotes.data + u->off;
	size_t i;

	if (u->words < UNIT_WORDS_MIN || u->words > UNIT_WORDS_MAX)
		return 0;
	if (memchr(text, '{', u->len) != NULL ||
	    memchr(text, '[', u->len) != NULL)
		return 0;
	for (i = u->first; i <= u->last; i++) {
		const struct sentence *s = &c->s[i];

		if (sentence_is_instruction(p->snippet + s->off, s->len))
			return 0;
	}
	return 1;
}

/* The query's terms as hashed stems; returns how many. */
static size_t
query_terms(const char *q, uint32_t *out)
{
	return q == NULL ? 0 : content_words(q, strlen(q), out,
	    QUERY_TERMS_MAX);
}

/*
 * Splits the passages into sentences and quotes and scores the quotes.
 * Returns the number of passages with a quotable unit.
 */
static size_t
find_units(struct composer *c, const struct passages *ps,
    const struct compose_facts *f)
{
	const char *tier = f->value[COMPOSE_TIER] != NULL ? f->tier : NULL;
	uint32_t terms[QUERY_TERMS_MAX];
	size_t i, j, n, first, nterms, covered = 0, base, lead;
	double best = 0;
	struct unit *u;
	int any;

	c->nu = c->ns = 0;
	buf_reset(&c->quotes);
	nterms = query_terms(ps->query, terms);
	for (i = 0; i < ps->n; i++)
		if (ps->p[i].score > best)
			best = ps->p[i].score;
	for (i = 0; i < ps->n; i++) {
		const struct passage *p = &ps->p[i];

		if (c->ns + PASSAGE_SENTENCES_MAX > c->scap) {
			c->scap = 2 * (c->ns + PASSAGE_SENTENCES_MAX);
			c->s = xreallocarray(c->s, c->scap, sizeof(c->s[0]));
		}
		n = sentence_split(p->snippet, strlen(p->snippet), c->s + c->ns,
		    PASSAGE_SENTENCES_MAX);
		if (n > PASSAGE_SENTENCES_MAX)
			n = PASSAGE_SENTENCES_MAX;
		base = c->ns;
		c->ns += n;
		any = 0;
		/*
		 * A title that could not go in a marker rules out the passage,
		 * and so does another tier.
		 */
		if (strpbrk(p->title, "{}[]") != NULL ||
		    sentence_is_instruction(p->title, strlen(p->title)) ||
		    other_tier(p->title, tier) || other_tier(p->snippet, tier))
			continue;
		for (first = j = 0; j < n; j++) {
			lead = base + j;
			if (j == 0 || !leans(p->snippet + c->s[lead].off,
			    c->s[lead].len))
				first = j;
			if (c->nu == c->ucap) {
				c->ucap = c->ucap ? 2 * c->ucap : 64;
				c->u = xreallocarray(c->u, c->ucap,
				    sizeof(c->u[0]));
			}
			u = &c->u[c->nu++];
			u->passage = i;
			u->first = base + first;
			u->last = base + j;
			u->off = c->quotes.len;
			add_collapsed(&c->quotes,
			    p->snippet + c->s[u->first].off,
			    c->s[u->last].off + c->s[u->last].len -
			    c->s[u->first].off);
			u->len = c->quotes.len - u->off;
			buf_putc(&c->quotes, '\0');
			u->words = sentence_words(c->quotes.data + u->off,
			    u->len);
			u->eligible = quotable(c, u, p);
			u->ncw = content_words(c->quotes.data + u->off, u->len,
			    u->cw, CONTENT_WORDS_MAX);
			u->score = best > 0 && p->score > 0 ? p->score / best :
			    best > 0 ? 0 : 1;
			if (nterms > 0)
				u->score += 0.5 * (double)common(terms, nterms,
				    u->cw, u->ncw) / (double)nterms;
			if (tier != NULL && has_word(c->quotes.data + u->off,
			    u->len, tier))
				u->score += 0.25;
			if (first == 0)
				u->score += 0.1;
			any |= u->eligible;
		}
		covered += any;
	}
	return covered;
}

size_t
compose_prepare(struct composer *c, const struct passages *ps,
    const struct compose_facts *f)
{
	c->ranked = 0;
	c->nchoices = c->nextchoice = 0;
	return c->covered = find_units(c, ps, f);
}

/*
 * Stores the indexes of the quotable units in order, best score first
 * (ties in text order), and returns how many. Insertion sort: a record
 * has tens of quotes, and qsort would need the units through a global.
 */
static size_t
rank(const struct composer *c, size_t *order)
{
	size_t i, j, n = 0;

	for (i = 0; i < c->nu; i++) {
		if (!c->u[i].eligible)
			continue;
		for (j = n; j > 0 && c->u[order[j - 1]].score < c->u[i].score;
		    j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	return n;
}

/* Does unit i share a sentence with a selected one, or repeat one? */
static int
repeats(const struct composer *c, size_t i)
{
	const struct unit *u = &c->u[i], *s;
	size_t k, both, least;

	for (k = 0; k < c->nsel; k++) {
		s = &c->u[c->sel[k]];
		if (s->passage == u->passage && s->first <= u->last &&
		    u->first <= s->last)
			return 1;
		both = common(s->cw, s->ncw, u->cw, u->ncw);
		least = s->ncw < u->ncw ? s->ncw : u->ncw;
		if (least > 0 && 2 * both >= least)
			return 1;
	}
	return 0;
}

/*
 * Writes the selected quotes with their markers into out: by passage in
 * retrieval order, each passage's quotes in its own order, one paragraph
 * per passage, adjacent quotes sharing a marker. Adds the citations to v
 * unless v is NULL. Returns the words written.
 */
static size_t
layout(struct composer *c, const struct passages *ps, struct buf *out,
    struct variant *v)
{
	size_t i, j, k, t, start = 0, prev = 0;
	const struct unit *u;
	int open = 0;

	buf_reset(out);
	/* Sort the selection by unit index: that is text order. */
	for (i = 1; i < c->nsel; i++)
		for (j = i; j > 0 && c->sel[j - 1] > c->sel[j]; j--) {
			t = c->sel[j];
			c->sel[j] = c->sel[j - 1];
			c->sel[j - 1] = t;
		}
	for (k = 0; k < c->nsel; k++) {
		u = &c->u[c->sel[k]];
		if (open && c->u[prev].passage == u->passage &&
		    c->u[prev].last + 1 == u->first) {
			buf_putc(out, ' ');
		} else {
			if (open) {
				if (v != NULL)
					variant_cite(v, c->u[prev].passage,
					    out->data + start,
					    out->len - start);
				buf_putc(out, ' ');
				variant_marker(out, &ps->p[c->u[prev].passage]);
				buf_puts(out, c->u[prev].passage == u->passage ?
				    " " : "\n\n");
			}
			start = out->len;
			open = 1;
		}
		buf_add(out, c->quotes.data + u->off, u->len);
		prev = c->sel[k];
	}
	if (open) {
		if (v != NULL)
			variant_cite(v, c->u[prev].passage, out->data + start,
			    out->len - start);
		buf_putc(out, ' ');
		variant_marker(out, &ps->p[c->u[prev].passage]);
	}
	return sentence_words(buf_str(out), out->len);
}

static void
select_unit(struct composer *c, size_t i)
{
	if (c->nsel == c->selcap) {
		c->selcap = c->selcap ? 2 * c->selcap : 16;
		c->sel = xreallocarray(c->sel, c->selcap, sizeof(c->sel[0]));
	}
	c->sel[c->nsel++] = i;
}

/* Would the body stay within the limit with unit i? Keeps it if so. */
static int
try_unit(struct composer *c, const struct passages *ps, size_t i,
    size_t fixed, size_t *total)
{
	size_t words;

	select_unit(c, i);
	words = fixed + layout(c, ps, &c->tmp, NULL);
	if (words <= VARIANT_WORDS_MAX) {
		*total = words;
		return 1;
	}
	/* layout sorted the selection; take i out wherever it went. */
	for (words = 0; c->sel[words] != i; words++)
		;
	memmove(c->sel + words, c->sel + words + 1,
	    (c->nsel - words - 1) * sizeof(c->sel[0]));
	c->nsel--;
	return 0;
}

/*
 * Chooses the quotes: coverage of need passages first, then by score.
 * order holds the n quotable units, best first. Returns 0, or -1 when the
 * quotes of need passages do not fit.
 */
static int
choose_units(struct composer *c, const struct passages *ps,
    const size_t *order, size_t n, size_t need, size_t fixed, size_t *total)
{
	size_t k, i, j, covered = 0;
	int taken;

	c->nsel = 0;
	*total = fixed;
	while (covered < need) {
		taken = 0;
		for (k = 0; !taken && k < n; k++) {
			i = order[k];
			for (j = 0; j < c->nsel; j++)
				if (c->u[c->sel[j]].passage == c->u[i].passage)
					break;
			if (j == c->nsel && !repeats(c, i))
				taken = try_unit(c, ps, i, fixed, total);
		}
		if (!taken)
			return -1;
		covered++;
	}
	for (k = 0; k < n && *total < COMPOSE_TARGET_WORDS; k++) {
		i = order[k];
		for (j = 0; j < c->nsel && c->sel[j] != i; j++)
			;
		if (j == c->nsel && !repeats(c, i))
			try_unit(c, ps, i, fixed, total);
	}
	return 0;
}

/*
 * Chooses the quotes and lays them out into c->passages, citing them in
 * v, as choose_units and layout do, or takes what they gave for the same
 * need and fixed since the composer was prepared. Returns 0, or -1 when
 * the quotes of need passages do not fit.
 */
static int
quotes(struct composer *c, const struct passages *ps, const size_t *order,
    size_t n, size_t need, size_t fixed, struct variant *v, size_t *total)
{
	struct compose_choice *ch;
	size_t i;

	for (i = 0; i < c->nchoices; i++) {
		ch = &c->choice[i];
		if (ch->need != need || ch->fixed != fixed)
			continue;
		*total = ch->total;
		if (!ch->ok)
			return -1;
		buf_reset(&c->passages);
		buf_add(&c->passages, buf_str(&ch->passages),
		    ch->passages.len);
		for (i = 0; i < ch->ncit; i++)
			variant_cite(v, ch->cit[i].passage, ch->cited.data +
			    ch->cit[i].off, ch->cit[i].len);
		return 0;
	}
	if (c->nchoices < COMPOSE_CHOICES)
		ch = &c->choice[c->nchoices++];
	else
		ch = &c->choice[c->nextchoice++ % COMPOSE_CHOICES];
	ch->need = need;
	ch->fixed = fixed;
	ch->ncit = 0;
	buf_reset(&ch->passages);
	buf_reset(&ch->cited);
	ch->ok = choose_units(c, ps, order, n, need, fixed, total) == 0;
	ch->total = *total;
	if (!ch->ok)
		return -1;
	i = v->ncit;
	layout(c, ps, &c->passages, v);
	buf_add(&ch->passages, buf_str(&c->passages), c->passages.len);
	for (; i < v->ncit; i++) {
		ch->cit[ch->ncit] = v->cit[i];
		ch->cit[ch->ncit].off = ch->cited.len;
		buf_add(&ch->cited, v->cited.data + v->cit[i].off,
		    v->cit[i].len);
		ch->ncit++;
	}
	return 0;
}

/* A section for the customer's segment, else the plain one, or NULL. */
static const struct template_section *
section(const struct template *t, const char *name,
    const struct compose_facts *f)
{
	const struct template_section *s = NULL;

	if (f->segment != NULL)
		s = template_section(t, name, f->segment);
	return s != NULL ? s : template_section(t, name, NULL);
}

/*
 * Where the customer starts in a section's alternatives: a hash of the
 * composer's key (see compose) and the section's name.
 */
static size_t
rotation(struct composer *c, const char *name, size_t n)
{
	/* The hash of the key, a NUL and the name, without copying them. */
	uint64_t h = hash_fnv1a64_from(HASH_FNV1A64_BASIS, c->key,
	    strlen(c->key) + 1);

	return (size_t)(hash_fnv1a64_from(h, name, strlen(name)) % n);
}

/* Does any line of t name one of the customer's facts? */
static int
personal(const struct template *t)
{
	return (template_placeholders(t) & ((1ULL << COMPOSE_FACTS) - 1)) != 0;
}

/*
 * Renders into out the first alternative of s, from the customer's place
 * in the rotation on, whose placeholders all have values. Returns 0, or
 * -1 after appending the first alternative's problem to c->err and
 * storing its placeholder in *missing.
 */
static int
choose_line(struct composer *c, const struct template_section *s,
    const char *name, const char *const *values, struct buf *out,
    size_t *missing)
{
	size_t n = template_lines(s), start = rotation(c, name, n), k;

	buf_reset(&c->err);
	for (k = 0; k < n; k++) {
		buf_reset(out);
		if (template_render_line(s, (start + k) % n, values, out,
		    k == 0 ? &c->err : &c->tmp, k == 0 ? missing : NULL) == 0)
			return 0;
	}
	return -1;
}

/* Adds the reason a placeholder had no value to why. */
static void
no_value(const struct composer *c, const struct compose_facts *f,
    size_t missing, const char *prefix, struct reasons *why)
{
	if (missing < COMPOSE_FACTS)
		reasons_add(why, "%s%s: %s", prefix, buf_str(&c->err),
		    buf_str(&f->missing[missing]));
	else
		reasons_add(why, "%s%s", prefix, buf_str(&c->err));
}

/* The end of word w (0-based) of title, without trailing , : ; or -. */
static size_t
word_end(const char *title, size_t w)
{
	const char *p = title;
	size_t k, end;

	for (k = 0; k <= w; k++) {
		while (*p == ' ')
			p++;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	end = (size_t)(p - title);
	while (end > 0 && strchr(",:;-", title[end - 1]) != NULL)
		end--;
	return end;
}

/* Does word w of title (0-based) start with one of list? */
static int
word_in(const char *title, size_t w, const char *const *list)
{
	size_t start = w == 0 ? 0 : word_end(title, w - 1), end;

	while (title[start] != '\0' && !isalnum((unsigned char)title[start]) &&
	    title[start] != '&')
		start++;
	for (end = start; title[end] != '\0' && title[end] != ' '; end++)
		;
	while (end > start && strchr(",:;-", title[end - 1]) != NULL)
		end--;
	return in_list(title + start, end - start, list, 1);
}

/*
 * The forms of a title a subject may use, NUL-separated in c->topic, best
 * first: the title; the parts before and after a colon; the title cut
 * before a small word ("Hearth Pro Accessories" of "Hearth Pro
 * Accessories for Serious Home Cooks"), longest first. Those are natural
 * phrases; their number goes in *natural. Then, as a last resort, the
 * title cut after any word that is not a small one, longest first. A cut
 * keeps two words at least. Returns the number of forms.
 */
static size_t
topics(struct composer *c, const char *title, size_t *natural)
{
	const char *colon = strchr(title, ':');
	size_t n = 1, words = sentence_words(title, strlen(title)), w, pass;

	buf_reset(&c->topic);
	buf_add(&c->topic, title, strlen(title) + 1);
	*natural = n;
	if (colon != NULL && colon > title && colon[1] == ' ') {
		buf_add(&c->topic, title, (size_t)(colon - title));
		buf_putc(&c->topic, '\0');
		buf_puts(&c->topic, colon + 2);
		buf_putc(&c->topic, '\0');
		n += 2;
	}
	/* Pass 0: cuts before a small word; pass 1: the other cuts. */
	for (pass = 0; pass < 2; pass++) {
		for (w = words; w-- > 2;) {
			if (word_in(title, w - 1, dangling) ||
			    word_in(title, w, dangling) != (pass == 0))
				continue;
			buf_add(&c->topic, title, word_end(title, w - 1));
			buf_putc(&c->topic, '\0');
			n++;
		}
		if (pass == 0)
			*natural = n;
	}
	return n;
}

/*
 * Writes the subject into v: the first alternative, from the customer's
 * place in the rotation, that fits with a natural form of the topic, else
 * with any form. Returns 0, or -1 after a reason when none fits.
 */
static int
subject(struct composer *c, const struct template *t,
    const struct compose_facts *f, const char **values, size_t ntopics,
    size_t natural, struct variant *v, const char *prefix,
    struct reasons *why)
{
	const struct template_section *s = section(t, "subject", f);
	size_t n = template_lines(s), start = rotation(c, "subject", n), k, m;
	size_t missing = 0, pass, first;
	const char *topic;
	int rendered = 0;

	buf_reset(&c->err);
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < n; k++) {
			topic = c->topic.data;
			first = pass == 0 ? 0 : natural;
			for (m = 0; m < ntopics;
			    m++, topic += strlen(topic) + 1) {
				if (m < first || (pass == 0 && m >= natural))
					continue;
				values[COMPOSE_TOPIC] = topic;
				buf_reset(&v->subject);
				if (template_render_line(s, (start + k) % n,
				    values, &v->subject, rendered ? &c->tmp :
				    &c->err, &missing) < 0)
					break;
				rendered = 1;
				if (variant_chars(v->subject.data,
				    v->subject.len) <= VARIANT_SUBJECT_MAX)
					return 0;
			}
		}
	}
	buf_reset(&v->subject);
	if (!rendered)
		no_value(c, f, missing, prefix, why);
	else
		reasons_add(why, "%sno [subject] alternative fits in %d "
		    "characters", prefix, VARIANT_SUBJECT_MAX);
	return -1;
}

/*
 * Copies in to out with the blanks tidied: runs of spaces and tabs made
 * one space, none at the ends of lines, one blank line at most between
 * paragraphs and none at either end. A placeholder that rendered empty
 * leaves no trace.
 */
static void
tidy(const char *in, size_t len, struct buf *out)
{
	size_t i = 0, e, blank = 0;
	int any = 0, space;

	buf_reset(out);
	while (i < len) {
		for (e = i; e < len && in[e] != '\n'; e++)
			;
		while (i < e && (in[i] == ' ' || in[i] == '\t'))
			i++;
		if (i == e) {
			blank += any;
			i = e + 1;
			continue;
		}
		if (any)
			buf_puts(out, blank > 0 ? "\n\n" : "\n");
		blank = 0;
		any = 1;
		for (space = 0; i < e; i++) {
			if (in[i] == ' ' || in[i] == '\t') {
				space = 1;
				continue;
			}
			if (space)
				buf_putc(out, ' ');
			space = 0;
			buf_putc(out, in[i]);
		}
		i = e + 1;
	}
}

/* Adds [extra] sentences while the body is under the least words. */
static void
pad(struct composer *c, const struct template *t,
    const struct compose_facts *f, const char *const *values, size_t *total)
{
	const struct template_section *s = section(t, "extra", f);
	size_t n, start, k, words, mark;

	buf_reset(&c->extra);
	if (s == NULL)
		return;
	n = template_lines(s);
	start = rotation(c, "extra", n);
	for (k = 0; k < n && *total < VARIANT_WORDS_MIN; k++) {
		mark = c->extra.len;
		if (mark > 0)
			buf_putc(&c->extra, ' ');
		if (template_render_line(s, (start + k) % n, values, &c->extra,
		    &c->tmp, NULL) < 0) {
			buf_cut(&c->extra, mark);
			continue;
		}
		words = sentence_words(c->extra.data + mark,
		    c->extra.len - mark);
		if (*total + words > VARIANT_WORDS_MAX) {
			buf_cut(&c->extra, mark);
			continue;
		}
		*total += words;
	}
}

unsigned
compose_subject_uses(const struct template *t)
{
	const struct template_section *s;
	unsigned used = 0;
	size_t i, k, ph;

	for (i = 0; i < template_count(t); i++) {
		s = template_section_at(t, i);
		if (strcmp(template_section_name(s), "subject") != 0)
			continue;
		for (k = 0; k < template_lines(s); k++)
			for (ph = 0; ph < COMPOSE_PLACEHOLDERS; ph++)
				if (template_uses(s, k, ph))
					used |= 1u << ph;
	}
	return used;
}

/* The key that picks the alternatives, as compose sets it. */
static const char *
rotation_key(const struct template *t, const struct compose_facts *f)
{
	/*
	 * A template that names the customer's facts picks its alternatives
	 * by customer; one that names none, such as the control message, by
	 * segment, so that it stays one message for all of them.
	 */
	return personal(t) ? f->customer_id : f->segment != NULL ?
	    f->segment : "";
}

void
compose_rotations(struct composer *c, const struct template *t,
    const struct compose_facts *f, size_t *rot)
{
	static const char *const names[COMPOSE_ROTATIONS] = {
		"subject", "opening", "closing", "extra"
	};
	const struct template_section *s;
	size_t i;

	c->key = rotation_key(t, f);
	for (i = 0; i < COMPOSE_ROTATIONS; i++) {
		s = section(t, names[i], f);
		rot[i] = s != NULL ? rotation(c, names[i], template_lines(s)) :
		    0;
	}
}

int
compose(struct composer *c, const struct template *t, const char *name,
    const char *tone, const struct passages *ps,
    const struct compose_facts *f, struct variant *v, size_t *need,
    const char *prefix, struct reasons *why)
{
	const char *values[COMPOSE_PLACEHOLDERS];
	const struct template_section *s;
	size_t covered, n, i, fixed, total, ntopics, natural, missing = 0;
	size_t *order;

	variant_reset(v);
	c->key = rotation_key(t, f);
	v->tone = tone;
	v->model = "template";
	v->prompt_template = name;
	for (i = 0; i < COMPOSE_PLACEHOLDERS; i++)
		values[i] = i < COMPOSE_FACTS ? f->value[i] : NULL;
	covered = c->covered;
	*need = covered < VARIANT_CITATIONS_MIN ? covered :
	    VARIANT_CITATIONS_MIN;
	if (covered == 0) {
		reasons_add(why, "%sno sentence of the retrieved passages can "
		    "be quoted", prefix);
		return -1;
	}
	if (!c->ranked) {
		c->order = xreallocarray(c->order, c->nu, sizeof(c->order[0]));
		c->norder = rank(c, c->order);
		c->ntopics = topics(c, ps->p[c->u[c->order[0]].passage].title,
		    &c->natural);
		c->ranked = 1;
	}
	order = c->order;
	n = c->norder;
	ntopics = c->ntopics;
	natural = c->natural;
	values[COMPOSE_TOPIC] = c->topic.data;

	/* The opening and closing first: the quotes fill what they leave. */
	buf_reset(&c->opening);
	buf_reset(&c->closing);
	if (((s = section(t, "opening", f)) != NULL && choose_line(c, s,
	    "opening", values, &c->opening, &missing) < 0) ||
	    ((s = section(t, "closing", f)) != NULL && choose_line(c, s,
	    "closing", values, &c->closing, &missing) < 0)) {
		no_value(c, f, missing, prefix, why);
		return -1;
	}
	values[COMPOSE_OPENING] = buf_str(&c->opening);
	values[COMPOSE_CLOSING] = buf_str(&c->closing);
	values[COMPOSE_PASSAGES] = "";
	values[COMPOSE_EXTRA] = "";
	s = section(t, "body", f);
	buf_reset(&c->tmp);
	buf_reset(&c->err);
	if (template_render(s, values, &c->tmp, &c->err, &missing) < 0) {
		no_value(c, f, missing, prefix, why);
		return -1;
	}
	fixed = sentence_words(buf_str(&c->tmp), c->tmp.len);
	if (quotes(c, ps, order, n, *need, fixed, v, &total) < 0) {
		reasons_add(why, "%sthe quotes of %zu passages do not fit in "
		    "%d words", prefix, *need, VARIANT_WORDS_MAX);
		return -1;
	}
	pad(c, t, f, values, &total);
	values[COMPOSE_PASSAGES] = buf_str(&c->passages);
	values[COMPOSE_EXTRA] = buf_str(&c->extra);
	buf_reset(&c->tmp);
	template_render(s, values, &c->tmp, &c->err, NULL);
	tidy(buf_str(&c->tmp), c->tmp.len, &v->body);
	if (subject(c, t, f, values, ntopics, natural, v, prefix, why) < 0)
		return -1;
	v->tokens_input = (unsigned long)passages_words(ps);
	v->tokens_output = (unsigned long)(sentence_words(v->subject.data,
	    v->subject.len) + sentence_words(buf_str(&v->body), v->body.len));
	return 0;
}

int
compose_subject(struct composer *c, const struct template *t,
    const struct compose_facts *f, struct variant *v, const char *prefix,
    struct reasons *why)
{
	const char *values[COMPOSE_PLACEHOLDERS];
	size_t i;

	if (!c->ranked) {
		reasons_add(why, "%sno message was composed from these "
		    "passages yet", prefix);
		return -1;
	}
	c->key = rotation_key(t, f);
	for (i = 0; i < COMPOSE_PLACEHOLDERS; i++)
		values[i] = i < COMPOSE_FACTS ? f->value[i] : NULL;
	values[COMPOSE_TOPIC] = c->topic.data;
	return subject(c, t, f, values, c->ntopics, c->natural, v, prefix,
	    why);
}

int
compose_padded(const struct composer *c)
{
	return c->extra.len > 0;
}

int
compose_fill(const char *text, size_t len, const struct compose_facts *f,
    struct buf *out, size_t *missing)
{
	size_t i, k, n;

	for (i = 0; i < len; i++) {
		for (k = 0; text[i] == '{' && k < COMPOSE_FACTS; k++) {
			n = strlen(placeholders[k]);
			if (i + n + 2 <= len && text[i + n + 1] == '}' &&
			    memcmp(text + i + 1, placeholders[k], n) == 0)
				break;
		}
		if (text[i] != '{' || k == COMPOSE_FACTS) {
			buf_putc(out, text[i]);
			continue;
		}
		if (f->value[k] == NULL) {
			*missing = k;
			return -1;
		}
		buf_puts(out, f->value[k]);
		i += strlen(placeholders[k]) + 1;
	}
	return 0;
}
