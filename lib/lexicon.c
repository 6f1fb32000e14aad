/* SPDX-License-Identifier: MIT */
/*
 * The lexicon classifier. Patterns are compiled into sequences of elements
 * (a word number, a class, or any word); every word of every pattern is
 * numbered in one vocabulary, and each pattern is indexed by the words it
 * can start with, so that a pattern is only tried where its first word
 * occurs. Each pattern of a category is also keyed by the group of words it
 * needs (one of each group must be in the text) whose words are rarest in
 * ordinary text: a text is first read for its words alone (token by
 * token, plain words straight from the bytes, the rest through lib/
 * textnorm; then a shape filter and a hash probe for each), and when none
 * of them keys a pattern whose every group the text has, which is nearly
 * always, nothing more is done.
 *
 * A text becomes a small graph of words (a "lattice"): one edge per piece
 * from lib/textnorm, carrying the vocabulary numbers of all its forms, and
 * extra edges for runs of pieces that read as other words when joined
 * ("k.i.l.l", "ki-ll", "k i l l y o u" become kill and kill, you). A
 * pattern matches along a path of edges; matching is a depth-first walk
 * with a continuation stack, so that classes nest without recursion in the
 * data.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "embed.h"
#include "jsonfile.h"
#include "lexicon.h"
#include "strtab.h"
#include "textnorm.h"
#include "xalloc.h"

const char *const lexicon_files[LEXICON_NFILES] = {
	"classes.txt", "allow.txt", "hate.txt", "violence.txt",
	"self_harm.txt", "sexual.txt"
};

/* Bits of the lexicon's word shape filter. */
#define SHAPE_BITS (1 << 16)

/* Rules of allow.txt have this category. */
#define ALLOW (-1)

/* Steps one pattern may take at one place before it is given up. */
#define BUDGET 20000

enum { E_WORD, E_CLASS, E_ANY };

struct elem {
	uint8_t kind;
	uint8_t optional;
	uint32_t id;		/* word or class number */
};

struct seq {
	uint32_t first, n;	/* elements first .. first + n - 1 */
};

struct klass {
	uint32_t first, n;	/* alternatives, in lx->alts */
	uint32_t key, nkey;	/* its alternatives by first word, lx->keys */
	uint32_t other, nother;	/* the rest, in lx->others */
	int defined;
	int state;		/* for the cycle check: 0, 1 visiting, 2 done */
	int nullable;
	const char *file;	/* where it was defined or first used */
	unsigned line;
};

struct rule {
	int cat;		/* enum safety_category, or ALLOW */
	int severity;
	struct seq s;
	uint32_t anchor, nanchor;	/* lx->anchors: groups of words, the
					 * text needs one word of each */
	uint32_t gate, ngate;		/* lx->gates: groups of words, the
					 * text needs one word of each */
	const char *file;
	unsigned line;
};

struct lexicon {
	struct strtab vocab;
	struct strtab classnames;
	struct elem *elems;
	size_t nelems, capelems;
	struct seq *alts;
	size_t nalts, capalts;
	struct klass *classes;		/* by classnames number */
	size_t capclasses;
	struct rule *rules;
	size_t nrules, caprules;
	char **files;
	size_t nfiles;
	long open_class;		/* class continued by | lines, or -1 */
	uint32_t *index_start;		/* per word: first in index_rule */
	uint32_t *index_rule;
	uint64_t *keys;			/* word << 32 | alternative */
	size_t nkeys;
	uint32_t *others;		/* alternatives that can start with
					 * any word or match none */
	uint32_t *anchors;
	size_t nanchors;
	/*
	 * The rules of the categories (allow.txt's are left out: an idiom
	 * alone changes nothing) by their key, the group of words they need
	 * whose words are rarest in ordinary text: a text none of whose
	 * words is a key word matches no rule, which is the common case.
	 */
	uint32_t *key_start;		/* per word: first in key_rule */
	uint32_t *key_rule;
	uint32_t *gates;		/* a count, then the words, group
					 * after group */
	size_t ngates, capgates;
	size_t maxword;
	/*
	 * A bit for each (first, second and last character, length) of the
	 * vocabulary's words, hashed: most words of a text that are no
	 * lexicon word are turned away by it without hashing them whole.
	 */
	uint64_t shape[SHAPE_BITS / 64];
	/*
	 * The vocabulary's own hash table, for screening: each slot holds a
	 * word's hash and number + 1 (0 when empty), so that a word of the
	 * text that is no lexicon word costs a hash and, mostly, one probe.
	 */
	uint64_t *vhash;
	uint32_t *vslot;
	size_t vmask;
	/*
	 * The words of eight bytes or fewer again, each packed into an
	 * integer (its bytes, zero-padded) with its number + 1 beside it:
	 * most words of a text that are lexicon words are short, and are
	 * then found by one multiplication and integer compares.
	 */
	uint64_t *spack;
	uint32_t *sslot;
	size_t smask;
	struct textnorm tn;
};

struct edge {
	uint32_t from, to;
	size_t start, end;
	uint8_t brk;
	uint8_t nids;
	uint32_t ids[TEXTNORM_FORMS];
};

struct span {
	size_t start, end;
};

struct hit {
	uint32_t rule;
	size_t start, end;
};

/* Sentences screened lately and their severities (lexicon_classify). */
#define MEMO_SLOTS (1 << 16)		/* half used at most */
#define MEMO_BYTES (8 << 20)		/* of sentence text */

/*
 * When fewer than one byte in MEMO_RARE of the sentences looked up is
 * found in the memo, over MEMO_JUDGE bytes, sentences are not recurring
 * (short ones such as a blank line always do, which is why bytes are
 * counted), and splitting, hashing and keeping them costs more than the
 * memo saves: then only one text in MEMO_SAMPLE goes through the memo
 * (so that recurring sentences are noticed again).
 */
#define MEMO_JUDGE (64 << 10)
#define MEMO_RARE 8
#define MEMO_SAMPLE 8

/* A slot of the memo: 24 bytes. */
struct memo {
	uint64_t hash;
	uint32_t off, len;		/* the sentence, in memo_text */
	int8_t severity[SAFETY_NCATEGORIES];
	uint8_t used;
};

struct lexicon_scan {
	struct textnorm tn;
	struct edge *e;
	size_t ne, cape;
	uint32_t *order;		/* edges by from node */
	size_t caporder;
	uint32_t *out;			/* per node: first in order */
	size_t capnodes;
	uint32_t *tried;		/* per rule: stamp of the last try */
	size_t ntried;
	uint32_t stamp;
	struct span *allow;
	size_t nallow, capallow;
	struct hit *hits;
	size_t nhits, caphits;
	struct buf joined;
	uint16_t *owner;		/* per joined character: its piece */
	uint32_t *words;		/* the words of the lattice's edges,
					 * some more than once */
	size_t nwords, capwords;
	uint64_t *present;		/* words of the text, a bit each */
	uint32_t *checked;		/* per rule: text stamp of its anchor
					 * check, and the result */
	uint8_t *viable;
	uint32_t *wchecked;		/* per word: text stamp of live[] */
	uint8_t *live;			/* per word: a viable rule starts
					 * with it */
	uint32_t text;
	struct memo *memo;		/* MEMO_SLOTS */
	size_t nmemo;
	size_t lookups, found;		/* bytes looked up in the memo and
					 * found, since the last judging */
	int sparse;			/* few found: sample the texts */
	unsigned countdown;		/* sparse: texts to screen without it */
	struct buf memo_text;
};

struct lexicon *
lexicon_new(void)
{
	struct lexicon *lx = xcalloc(1, sizeof(*lx));

	strtab_init(&lx->vocab);
	strtab_init(&lx->classnames);
	textnorm_init(&lx->tn);
	lx->open_class = -1;
	return lx;
}

void
lexicon_free(struct lexicon *lx)
{
	size_t i;

	if (lx == NULL)
		return;
	strtab_release(&lx->vocab);
	strtab_release(&lx->classnames);
	free(lx->elems);
	free(lx->alts);
	free(lx->classes);
	free(lx->rules);
	for (i = 0; i < lx->nfiles; i++)
		free(lx->files[i]);
	free(lx->files);
	free(lx->index_start);
	free(lx->index_rule);
	free(lx->keys);
	free(lx->others);
	free(lx->anchors);
	free(lx->key_start);
	free(lx->key_rule);
	free(lx->gates);
	free(lx->vhash);
	free(lx->vslot);
	free(lx->spack);
	free(lx->sslot);
	textnorm_release(&lx->tn);
	free(lx);
}

/* --- Reading the files ---------------------------------------------- */

/* The parser's position, for messages. */
struct where {
	const char *file;
	unsigned line;
	struct buf *why;
};

static int fail(const struct where *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(const struct where *w, const char *fmt, ...)
{
	va_list ap;

	buf_printf(w->why, "%s:%u: ", w->file, w->line);
	va_start(ap, fmt);
	buf_vprintf(w->why, fmt, ap);
	va_end(ap);
	return -1;
}

static void
add_elem(struct lexicon *lx, int kind, int optional, uint32_t id)
{
	if (lx->nelems == lx->capelems) {
		lx->capelems = lx->capelems == 0 ? 256 : lx->capelems * 2;
		lx->elems = xreallocarray(lx->elems, lx->capelems,
		    sizeof(*lx->elems));
	}
	lx->elems[lx->nelems].kind = (uint8_t)kind;
	lx->elems[lx->nelems].optional = (uint8_t)optional;
	lx->elems[lx->nelems++].id = id;
}

/* Returns the number of class name (len bytes), adding it if new. */
static uint32_t
class_ref(struct lexicon *lx, const char *name, size_t len,
    const struct where *w)
{
	size_t id = strtab_intern(&lx->classnames, name, len, NULL), cap;

	if (id >= lx->capclasses) {
		cap = lx->capclasses == 0 ? 64 : lx->capclasses * 2;
		lx->classes = xreallocarray(lx->classes, cap,
		    sizeof(*lx->classes));
		memset(lx->classes + lx->capclasses, 0,
		    (cap - lx->capclasses) * sizeof(*lx->classes));
		lx->capclasses = cap;
	}
	if (lx->classes[id].file == NULL) {
		lx->classes[id].file = w->file;
		lx->classes[id].line = w->line;
	}
	return (uint32_t)id;
}

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * Compiles one token (len bytes at s) into elements. A word is split and
 * normalised as texts are, and must read as itself: a lexicon word with
 * leet digits in it would never be what the text's plain reading gives.
 */
static int
token(struct lexicon *lx, const char *s, size_t len, const struct where *w)
{
	int optional = len > 1 && s[len - 1] == '?';
	char tok[TEXTNORM_MAXWORD + 2];
	const struct textnorm_piece *p;
	const char *f;
	size_t i;

	len -= (size_t)optional;
	if (len + 1 > sizeof(tok))
		return fail(w, "word too long");
	memcpy(tok, s, len);
	tok[len] = '\0';
	if (strcmp(tok, "*") == 0) {
		add_elem(lx, E_ANY, optional, 0);
		return 0;
	}
	if (tok[0] == '@') {
		for (i = 1; i < len; i++)
			if (!name_char(tok[i]))
				break;
		if (len == 1 || i < len)
			return fail(w, "bad class name '%s' (lower-case "
			    "letters, digits and _)", tok);
		add_elem(lx, E_CLASS, optional, class_ref(lx, tok + 1,
		    len - 1, w));
		return 0;
	}
	textnorm_split(&lx->tn, tok, len);
	if (lx->tn.n == 0)
		return fail(w, "'%s' is not a word", tok);
	if (optional && lx->tn.n > 1)
		return fail(w, "'%s?': only one word can be optional; use a "
		    "class", tok);
	for (i = 0; i < lx->tn.n; i++) {
		p = &lx->tn.p[i];
		f = textnorm_form(&lx->tn, p, 0);
		if (p->end - p->start != strlen(f) ||
		    strncasecmp(f, tok + p->start, strlen(f)) != 0)
			return fail(w, "'%s': write words in plain letters",
			    tok);
		add_elem(lx, E_WORD, optional, (uint32_t)strtab_intern(
		    &lx->vocab, f, strlen(f), NULL));
		if (strlen(f) > lx->maxword)
			lx->maxword = strlen(f);
	}
	return 0;
}

/* The next token of line at *pos: returns its length, 0 at the end. */
static size_t
next_token(const char *line, size_t len, size_t *pos, const char **tok)
{
	size_t i = *pos, j;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= len || line[i] == '#') {
		*pos = len;
		return 0;
	}
	*tok = line + i;
	if (line[i] == '|') {
		*pos = i + 1;
		return 1;
	}
	for (j = i; j < len && line[j] != ' ' && line[j] != '\t' &&
	    line[j] != '|'; j++)
		;
	*pos = j;
	return j - i;
}

/* Compiles alternatives separated by | from *pos on, into class c. */
static int
alternatives(struct lexicon *lx, uint32_t c, const char *line, size_t len,
    size_t pos, const struct where *w)
{
	const char *tok;
	size_t n;
	int empty = 1;

	for (;;) {
		n = next_token(line, len, &pos, &tok);
		if (n == 0 || (n == 1 && *tok == '|')) {
			if (empty)
				return fail(w, "empty alternative in class");
			lx->alts[lx->nalts - 1].n =
			    (uint32_t)(lx->nelems - lx->alts[lx->nalts - 1].first);
			if (n == 0)
				return 0;
			empty = 1;
			continue;
		}
		if (empty) {
			if (lx->nalts == lx->capalts) {
				lx->capalts = lx->capalts == 0 ? 64 :
				    lx->capalts * 2;
				lx->alts = xreallocarray(lx->alts, lx->capalts,
				    sizeof(*lx->alts));
			}
			lx->alts[lx->nalts].first = (uint32_t)lx->nelems;
			lx->alts[lx->nalts++].n = 0;
			lx->classes[c].n++;
			empty = 0;
		}
		if (token(lx, tok, n, w) < 0)
			return -1;
	}
}

static int
class_line(struct lexicon *lx, const char *line, size_t len,
    const struct where *w)
{
	size_t i = 1, pos;
	uint32_t c;
	const char *tok;
	char name[TEXTNORM_MAXWORD];

	while (i < len && name_char(line[i]))
		i++;
	if (i == 1 || i - 1 >= sizeof(name))
		return fail(w, "bad class name");
	memcpy(name, line + 1, i - 1);
	name[i - 1] = '\0';
	pos = i;
	if (next_token(line, len, &pos, &tok) != 1 || *tok != '=')
		return fail(w, "expected '@%s = ...'", name);
	c = class_ref(lx, name, i - 1, w);
	if (lx->classes[c].defined)
		return fail(w, "class '@%s' defined twice", name);
	lx->classes[c].defined = 1;
	lx->classes[c].file = w->file;
	lx->classes[c].line = w->line;
	lx->classes[c].first = (uint32_t)lx->nalts;
	lx->open_class = c;
	return alternatives(lx, c, line, len, pos, w);
}

static int
rule_line(struct lexicon *lx, int cat, const char *line, size_t len,
    const struct where *w)
{
	const char *tok;
	size_t pos = 0, n;
	struct rule *r;
	int severity = 0;

	if (cat != ALLOW) {
		n = next_token(line, len, &pos, &tok);
		if (n != 1 || (*tok != '2' && *tok != '4' && *tok != '6'))
			return fail(w, "expected a severity (2, 4 or 6) and a "
			    "pattern");
		severity = *tok - '0';
	}
	if (lx->nrules == lx->caprules) {
		lx->caprules = lx->caprules == 0 ? 128 : lx->caprules * 2;
		lx->rules = xreallocarray(lx->rules, lx->caprules,
		    sizeof(*lx->rules));
	}
	r = &lx->rules[lx->nrules];
	r->cat = cat;
	r->severity = severity;
	r->file = w->file;
	r->line = w->line;
	r->s.first = (uint32_t)lx->nelems;
	while ((n = next_token(line, len, &pos, &tok)) > 0) {
		if (*tok == '|')
			return fail(w, "'|' outside a class");
		if (token(lx, tok, n, w) < 0)
			return -1;
	}
	r->s.n = (uint32_t)(lx->nelems - r->s.first);
	if (r->s.n == 0)
		return fail(w, "a pattern needs at least one word");
	lx->nrules++;
	return 0;
}

/* Is the line "@name = ..."? Otherwise a pattern may start with @name. */
static int
is_class_line(const char *line, size_t len)
{
	const char *tok;
	size_t pos = 0;

	next_token(line, len, &pos, &tok);
	return next_token(line, len, &pos, &tok) == 1 && *tok == '=';
}

int
lexicon_add(struct lexicon *lx, const char *name, const char *shown,
    const char *text, size_t len, struct buf *why)
{
	const char *line = text, *end, *tok;
	struct where w = { NULL, 0, why };
	size_t n, pos, i;
	int cat = -2;

	for (i = 0; i < SAFETY_NCATEGORIES; i++)
		if (strncmp(name, safety_names[i], strlen(safety_names[i])) ==
		    0 && strcmp(name + strlen(safety_names[i]), ".txt") == 0)
			cat = (int)i;
	if (strcmp(name, "allow.txt") == 0)
		cat = ALLOW;
	lx->files = xreallocarray(lx->files, lx->nfiles + 1,
	    sizeof(*lx->files));
	w.file = lx->files[lx->nfiles++] = xstrdup(shown);
	lx->open_class = -1;
	for (; line < text + len; line = end + (end < text + len)) {
		if ((end = memchr(line, '\n', (size_t)(text + len - line))) ==
		    NULL)
			end = text + len;
		w.line++;
		n = (size_t)(end - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		pos = 0;
		if (next_token(line, n, &pos, &tok) == 0)
			continue;
		if (*tok == '|' && tok > line) {
			if (lx->open_class < 0)
				return fail(&w, "'|' line without a class "
				    "above");
			if (alternatives(lx, (uint32_t)lx->open_class, line, n,
			    pos, &w) < 0)
				return -1;
			continue;
		}
		lx->open_class = -1;
		if (*tok == '@' && is_class_line(line, n)) {
			if (class_line(lx, tok, n - (size_t)(tok - line),
			    &w) < 0)
				return -1;
		} else if (cat == -2)
			return fail(&w, "patterns belong in the category "
			    "files and allow.txt");
		else if (rule_line(lx, cat, line, n, &w) < 0)
			return -1;
	}
	return 0;
}

int
lexicon_load(struct lexicon *lx, const char *dir, struct buf *why)
{
	const struct embed_file *f;
	struct buf path, text;
	size_t i;
	int rc = 0;

	buf_init(&path);
	buf_init(&text);
	for (i = 0; i < LEXICON_NFILES && rc == 0; i++) {
		buf_reset(&path);
		buf_reset(&text);
		if (dir != NULL)
			buf_printf(&path, "%s/%s", dir, lexicon_files[i]);
		else
			buf_printf(&path, "safety/%s", lexicon_files[i]);
		errno = 0;
		if (dir == NULL) {
			if ((f = embed_find(path.data)) == NULL) {
				buf_printf(why, "%s: not compiled in",
				    path.data);
				rc = -1;
			} else
				buf_add(&text, f->data, f->len);
		} else if (jsonfile_read(path.data, &text) < 0) {
			buf_printf(why, "%s: %s", path.data, strerror(errno));
			rc = -1;
		}
		if (rc == 0 && lexicon_add(lx, lexicon_files[i], path.data,
		    buf_str(&text), text.len, why) < 0) {
			errno = 0;
			rc = -1;
		}
	}
	buf_release(&path);
	buf_release(&text);
	if (rc == 0 && lexicon_finish(lx, why) < 0) {
		errno = 0;
		rc = -1;
	}
	return rc;
}

/* --- Finishing: classes checked, patterns indexed ----------------- */

static int class_check(struct lexicon *lx, uint32_t c, struct buf *why);

/* Returns 1 when elements s can match no words at all, -1 on error. */
static int
seq_nullable(struct lexicon *lx, struct seq s, struct buf *why)
{
	const struct elem *e;
	uint32_t i;

	for (i = 0; i < s.n; i++) {
		e = &lx->elems[s.first + i];
		if (e->kind == E_CLASS && class_check(lx, e->id, why) < 0)
			return -1;
		if (!e->optional && (e->kind != E_CLASS ||
		    !lx->classes[e->id].nullable))
			return 0;
	}
	return 1;
}

/* Checks class c and what it uses: defined, no cycle; sets nullable. */
static int
class_check(struct lexicon *lx, uint32_t c, struct buf *why)
{
	struct klass *k = &lx->classes[c];
	uint32_t a;
	int r;

	if (k->state == 2)
		return 0;
	if (k->state == 1) {
		buf_printf(why, "%s:%u: class '@%s' refers to itself", k->file,
		    k->line, lx->classnames.str[c]);
		return -1;
	}
	if (!k->defined) {
		buf_printf(why, "%s:%u: unknown class '@%s'", k->file, k->line,
		    lx->classnames.str[c]);
		return -1;
	}
	k->state = 1;
	for (a = k->first; a < k->first + k->n; a++) {
		if ((r = seq_nullable(lx, lx->alts[a], why)) < 0)
			return -1;
		k = &lx->classes[c];
		k->nullable |= r;
	}
	k->state = 2;
	return 0;
}

struct pairs {
	uint64_t *p;		/* word << 32 | rule */
	size_t n, cap;
};

static void
add_pair(struct pairs *ps, uint32_t word, uint32_t rule)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap == 0 ? 1024 : ps->cap * 2;
		ps->p = xreallocarray(ps->p, ps->cap, sizeof(*ps->p));
	}
	ps->p[ps->n++] = (uint64_t)word << 32 | rule;
}

/*
 * Adds the words elements s can start with, for rule r. Returns 1 when s
 * can match nothing, 0 otherwise, -1 when it can start with *.
 */
static int
first_words(struct lexicon *lx, struct seq s, uint32_t r, struct pairs *ps)
{
	const struct elem *e;
	const struct klass *k;
	uint32_t i, a;

	for (i = 0; i < s.n; i++) {
		e = &lx->elems[s.first + i];
		if (e->kind == E_ANY)
			return -1;
		if (e->kind == E_WORD)
			add_pair(ps, e->id, r);
		else {
			k = &lx->classes[e->id];
			for (a = k->first; a < k->first + k->n; a++)
				if (first_words(lx, lx->alts[a], r, ps) < 0)
					return -1;
		}
		if (!e->optional && (e->kind != E_CLASS ||
		    !lx->classes[e->id].nullable))
			return 0;
	}
	return 1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts ps from index from on and drops repeats; returns the new count. */
static size_t
sort_unique(struct pairs *ps, size_t from)
{
	size_t i, j;

	qsort(ps->p + from, ps->n - from, sizeof(*ps->p), cmp_u64);
	for (i = j = from; i < ps->n; i++)
		if (j == from || ps->p[i] != ps->p[j - 1])
			ps->p[j++] = ps->p[i];
	ps->n = j;
	return j - from;
}

/*
 * Indexes each class's alternatives by every word they can start with,
 * nested classes included, so that matching a class tries only the
 * alternatives that can start with the word at hand: the group and slur
 * classes have hundreds.
 */
static void
index_classes(struct lexicon *lx)
{
	struct pairs ps = { NULL, 0, 0 };
	size_t c, no = 0, from;
	struct klass *k;
	uint32_t a;

	lx->others = xcalloc(lx->nalts + 1, sizeof(*lx->others));
	for (c = 0; c < lx->classnames.n; c++) {
		k = &lx->classes[c];
		k->other = (uint32_t)no;
		from = ps.n;
		for (a = k->first; a < k->first + k->n; a++)
			if (first_words(lx, lx->alts[a], a, &ps) != 0)
				lx->others[no++] = a;
		k->key = (uint32_t)from;
		k->nkey = (uint32_t)sort_unique(&ps, from);
		k->nother = (uint32_t)no - k->other;
	}
	lx->keys = ps.p;
	lx->nkeys = ps.n;
}

/* Largest group of anchor words kept; a bigger one filters little. */
#define ANCHOR_MAX 128

static void
add_anchor(struct lexicon *lx, uint32_t v, size_t *cap)
{
	if (lx->nanchors == *cap) {
		*cap = *cap == 0 ? 1024 : *cap * 2;
		lx->anchors = xreallocarray(lx->anchors, *cap,
		    sizeof(*lx->anchors));
	}
	lx->anchors[lx->nanchors++] = v;
}

/*
 * Gives each rule its anchors: for each required element after the first,
 * the words it can start with. A text that lacks all the words of one
 * group cannot match the rule, which is then not tried at all. Stored as
 * a count followed by the words, group after group.
 */
static void
anchor_rules(struct lexicon *lx)
{
	struct pairs ps = { NULL, 0, 0 };
	struct rule *r;
	struct seq one;
	size_t i, j, n, cap = 0;
	uint32_t k;

	for (i = 0; i < lx->nrules; i++) {
		r = &lx->rules[i];
		r->anchor = (uint32_t)lx->nanchors;
		r->nanchor = 0;
		for (k = 1; k < r->s.n; k++) {
			one.first = r->s.first + k;
			one.n = 1;
			ps.n = 0;
			if (first_words(lx, one, 0, &ps) != 0 ||
			    (n = sort_unique(&ps, 0)) > ANCHOR_MAX)
				continue;
			add_anchor(lx, (uint32_t)n, &cap);
			for (j = 0; j < n; j++)
				add_anchor(lx, (uint32_t)(ps.p[j] >> 32), &cap);
			r->nanchor++;
		}
	}
	free(ps.p);
}

/*
 * Words too common in ordinary text to key a rule by: a key word found
 * in a text makes its rules be checked. Which group keys a rule changes
 * only the speed, never a result.
 */
static const char *const common_words[] = {
	"a", "about", "all", "am", "an", "and", "any", "are", "as", "at",
	"be", "been", "but", "by", "can", "come", "d", "day", "do", "don",
	"down", "each", "every", "for", "free", "from", "get", "go", "going",
	"good", "got", "great", "had", "has", "have", "he", "her", "here",
	"him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
	"just", "know", "life", "like", "ll", "love", "m", "make", "me",
	"more", "my", "need", "new", "no", "not", "now", "of", "off", "on",
	"one", "only", "or", "our", "out", "over", "re", "really", "s",
	"save", "see", "she", "should", "so", "some", "t", "take", "than",
	"that", "the", "their", "them", "then", "there", "these", "they",
	"this", "those", "time", "to", "too", "u", "up", "us", "very", "want",
	"was", "way", "we", "were", "what", "when", "where", "which", "who",
	"why", "will", "with", "would", "you", "your", "yours", "ve",
	"welcome", "same", "people", "less", "problem", "find", "let",
	"lets", "watch", "someone", "nothing", "end", "set", "under",
	"little", "white", "black", "back", "open", "line", "best", "deal",
	"today", "home", "work", "first", "last", "world", "help", "use",
};

/*
 * A set of words one of which every match of a class contains, found by
 * key_rules: the needs of its alternatives together. An alternative needs
 * what its required element of the fewest common words needs.
 */
struct need {
	uint32_t *w;		/* words, sorted, no repeats */
	size_t n;
	unsigned long cost;	/* the words' commonness */
	int state;		/* 0 not yet, 1 found, -1 none (a * or
				 * nothing required in an alternative) */
};

/* The commonness of word id in ordinary text, as a key's cost. */
static unsigned long
word_cost(const struct lexicon *lx, const uint8_t *common, uint32_t id)
{
	size_t len = lx->vocab.len[id];

	return common[id] ? 1000 : len <= 2 ? 50 : len < 10 ? 12 - len : 2;
}

static const struct need *class_need(struct lexicon *lx,
    struct need *needs, const uint8_t *common, uint32_t c);

/* Appends a group of n words w to rule r's gates. */
static void
add_gate(struct lexicon *lx, struct rule *r, const uint32_t *w, size_t n)
{
	if (lx->ngates + n + 1 > lx->capgates) {
		while (lx->ngates + n + 1 > lx->capgates)
			lx->capgates = lx->capgates == 0 ? 1024 :
			    lx->capgates * 2;
		lx->gates = xreallocarray(lx->gates, lx->capgates,
		    sizeof(*lx->gates));
	}
	lx->gates[lx->ngates++] = (uint32_t)n;
	memcpy(lx->gates + lx->ngates, w, n * sizeof(*w));
	lx->ngates += n;
	r->ngate++;
}

/*
 * Returns the cheapest set of words that a match of elements s must
 * contain one of; its words in *w, *n (one word is written to one). Returns
 * ~0UL when there is none.
 */
static unsigned long
seq_need(struct lexicon *lx, struct need *needs, const uint8_t *common,
    struct seq s, uint32_t *one, const uint32_t **w, size_t *n,
    struct rule *gated)
{
	unsigned long best = ~0UL, cost;
	const struct need *nd;
	const struct elem *e;
	uint32_t i;

	for (i = 0; i < s.n; i++) {
		e = &lx->elems[s.first + i];
		if (e->optional || e->kind == E_ANY || (e->kind == E_CLASS &&
		    lx->classes[e->id].nullable))
			continue;
		if (e->kind == E_WORD) {
			if (gated != NULL)
				add_gate(lx, gated, &e->id, 1);
			cost = word_cost(lx, common, e->id);
			if (cost < best) {
				best = cost;
				*one = e->id;
				*w = one;
				*n = 1;
			}
			continue;
		}
		nd = class_need(lx, needs, common, e->id);
		if (nd->state > 0 && gated != NULL)
			add_gate(lx, gated, nd->w, nd->n);
		if (nd->state > 0 && nd->cost < best) {
			best = nd->cost;
			*w = nd->w;
			*n = nd->n;
		}
	}
	return best;
}

static const struct need *
class_need(struct lexicon *lx, struct need *needs, const uint8_t *common,
    uint32_t c)
{
	struct need *nd = &needs[c];
	const struct klass *k = &lx->classes[c];
	struct pairs ps = { NULL, 0, 0 };
	const uint32_t *w;
	uint32_t a, one;
	size_t n, i;

	if (nd->state != 0)
		return nd;
	nd->state = -1;
	for (a = k->first; a < k->first + k->n; a++) {
		if (seq_need(lx, needs, common, lx->alts[a], &one, &w, &n,
		    NULL) == ~0UL) {
			free(ps.p);
			return nd;
		}
		for (i = 0; i < n; i++)
			add_pair(&ps, w[i], 0);
	}
	n = sort_unique(&ps, 0);
	nd->w = xcalloc(n + 1, sizeof(*nd->w));
	for (i = 0; i < n; i++) {
		nd->w[i] = (uint32_t)(ps.p[i] >> 32);
		nd->cost += word_cost(lx, common, nd->w[i]);
	}
	nd->n = n;
	nd->state = 1;
	free(ps.p);
	return nd;
}

/*
 * Keys each rule of a category by the words it needs (key_start,
 * key_rule); a rule that needs no word in particular is keyed by all the
 * words it can start with.
 */
static void
key_rules(struct lexicon *lx)
{
	struct pairs ps = { NULL, 0, 0 };
	size_t nw = lx->vocab.n, i, j, n;
	uint8_t *common = xcalloc(nw + 1, 1);
	struct need *needs = xcalloc(lx->classnames.n + 1, sizeof(*needs));
	struct rule *r;
	const uint32_t *w;
	uint32_t one;
	long id;

	for (i = 0; i < sizeof(common_words) / sizeof(*common_words); i++)
		if ((id = strtab_find(&lx->vocab, common_words[i],
		    strlen(common_words[i]))) >= 0)
			common[id] = 1;
	for (i = 0; i < lx->nrules; i++) {
		r = &lx->rules[i];
		r->gate = (uint32_t)lx->ngates;
		r->ngate = 0;
		if (r->cat == ALLOW)
			continue;
		if (seq_need(lx, needs, common, r->s, &one, &w, &n, r) == ~0UL)
			first_words(lx, r->s, (uint32_t)i, &ps);
		else
			for (j = 0; j < n; j++)
				add_pair(&ps, w[j], (uint32_t)i);
	}
	for (i = 0; i < lx->classnames.n; i++)
		free(needs[i].w);
	free(needs);
	free(common);
	qsort(ps.p, ps.n, sizeof(*ps.p), cmp_u64);
	lx->key_start = xcalloc(nw + 1, sizeof(*lx->key_start));
	lx->key_rule = xcalloc(ps.n + 1, sizeof(*lx->key_rule));
	for (i = j = 0; i < ps.n; i++) {
		if (j > 0 && ps.p[i] == ps.p[i - 1])
			continue;
		lx->key_rule[j++] = (uint32_t)ps.p[i];
		lx->key_start[(ps.p[i] >> 32) + 1] = (uint32_t)j;
	}
	for (i = 1; i <= nw; i++)
		if (lx->key_start[i] < lx->key_start[i - 1])
			lx->key_start[i] = lx->key_start[i - 1];
	free(ps.p);
}

struct lexicon *
lexicon_open(const char *dir, struct buf *why)
{
	struct lexicon *lx = lexicon_new();
	int saved;

	if (dir == NULL && access("data/safety", F_OK) == 0)
		dir = "data/safety";
	if (lexicon_load(lx, dir, why) == 0)
		return lx;
	saved = errno;
	lexicon_free(lx);
	errno = saved;
	return NULL;
}

/* A hash of the word w (len bytes), eight bytes at a step. */
static uint64_t
word_hash(const char *w, size_t len)
{
	uint64_t h = len * 0x9e3779b97f4a7c15ULL, x;
	size_t i;

	for (; len >= 8; w += 8, len -= 8) {
		memcpy(&x, w, 8);
		h = (h ^ x) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	for (x = 0, i = 0; i < len; i++)
		x |= (uint64_t)(unsigned char)w[i] << (8 * i);
	h = (h ^ x) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ h >> 29;
}

/* The bit of word w (len > 0 bytes) in the shape filter. */
static inline size_t
shape_bit(const char *w, size_t len)
{
	uint32_t x = (uint32_t)(unsigned char)w[0] |
	    (uint32_t)(unsigned char)w[len > 1] << 8 |
	    (uint32_t)(unsigned char)w[len - 1] << 16 |
	    (uint32_t)(len < 255 ? len : 255) << 24;

	return (x * 0x9e3779b1u) >> (32 - 16);
}

/* Word w of len (1 to 8) bytes packed into an integer. */
static inline uint64_t
pack(const char *w, size_t len)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < len; i++)
		x |= (uint64_t)(unsigned char)w[i] << (8 * i);
	return x;
}

/* The slot of packed word x in a table of mask + 1 slots. */
static inline size_t
pack_slot(uint64_t x, size_t mask)
{
	x *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(x >> 40) & mask;
}

/* Builds lx->vhash and lx->vslot, a quarter full at most. */
static void
hash_vocabulary(struct lexicon *lx)
{
	size_t cap = 16, i, k;
	uint64_t h, x;

	while (cap < 4 * lx->vocab.n)
		cap *= 2;
	lx->vhash = xcalloc(cap, sizeof(*lx->vhash));
	lx->vslot = xcalloc(cap, sizeof(*lx->vslot));
	lx->vmask = cap - 1;
	for (i = 0; i < lx->vocab.n; i++) {
		h = word_hash(lx->vocab.str[i], lx->vocab.len[i]);
		for (k = h & lx->vmask; lx->vslot[k] != 0; k = (k + 1) &
		    lx->vmask)
			;
		lx->vhash[k] = h;
		lx->vslot[k] = (uint32_t)i + 1;
	}
	lx->spack = xcalloc(cap, sizeof(*lx->spack));
	lx->sslot = xcalloc(cap, sizeof(*lx->sslot));
	lx->smask = cap - 1;
	for (i = 0; i < lx->vocab.n; i++) {
		if (lx->vocab.len[i] == 0 || lx->vocab.len[i] > 8)
			continue;
		x = pack(lx->vocab.str[i], lx->vocab.len[i]);
		for (k = pack_slot(x, lx->smask); lx->sslot[k] != 0;
		    k = (k + 1) & lx->smask)
			;
		lx->spack[k] = x;
		lx->sslot[k] = (uint32_t)i + 1;
	}
}

int
lexicon_finish(struct lexicon *lx, struct buf *why)
{
	struct pairs ps = { NULL, 0, 0 };
	const struct rule *r;
	size_t i, j, k, nw = lx->vocab.n;
	const char *w;
	int rc;

	for (i = 0; i < lx->classnames.n; i++)
		if (class_check(lx, (uint32_t)i, why) < 0)
			return -1;
	for (i = 0; i < lx->nrules; i++) {
		r = &lx->rules[i];
		rc = first_words(lx, r->s, (uint32_t)i, &ps);
		if (rc != 0) {
			buf_printf(why, "%s:%u: %s", r->file, r->line,
			    rc < 0 ? "a pattern cannot start with *" :
			    "a pattern must match at least one word");
			free(ps.p);
			return -1;
		}
	}
	qsort(ps.p, ps.n, sizeof(*ps.p), cmp_u64);
	index_classes(lx);
	anchor_rules(lx);
	key_rules(lx);
	lx->index_start = xcalloc(nw + 1, sizeof(*lx->index_start));
	lx->index_rule = xcalloc(ps.n + 1, sizeof(*lx->index_rule));
	for (i = j = 0; i < ps.n; i++) {
		if (j > 0 && ps.p[i] == ps.p[i - 1])
			continue;
		lx->index_rule[j++] = (uint32_t)ps.p[i];
		lx->index_start[(ps.p[i] >> 32) + 1] = (uint32_t)j;
	}
	for (i = 1; i <= nw; i++)
		if (lx->index_start[i] < lx->index_start[i - 1])
			lx->index_start[i] = lx->index_start[i - 1];
	free(ps.p);
	for (i = 0; i < nw; i++) {
		w = lx->vocab.str[i];
		k = shape_bit(w, lx->vocab.len[i]);
		lx->shape[k / 64] |= 1ULL << (k % 64);
	}
	hash_vocabulary(lx);
	return 0;
}

/* --- Screening ------------------------------------------------------ */

struct lexicon_scan *
lexicon_scan_new(void)
{
	struct lexicon_scan *sc = xcalloc(1, sizeof(*sc));

	textnorm_init(&sc->tn);
	buf_init(&sc->joined);
	buf_init(&sc->memo_text);
	sc->memo = xcalloc(MEMO_SLOTS, sizeof(*sc->memo));
	sc->owner = xcalloc(2 * TEXTNORM_MAXWORD + 1, sizeof(*sc->owner));
	return sc;
}

void
lexicon_scan_free(struct lexicon_scan *sc)
{
	if (sc == NULL)
		return;
	textnorm_release(&sc->tn);
	free(sc->e);
	free(sc->order);
	free(sc->out);
	free(sc->tried);
	free(sc->allow);
	free(sc->hits);
	free(sc->owner);
	free(sc->words);
	free(sc->present);
	free(sc->checked);
	free(sc->viable);
	free(sc->wchecked);
	free(sc->live);
	buf_release(&sc->joined);
	buf_release(&sc->memo_text);
	free(sc->memo);
	free(sc);
}

/* The number of the word of eight bytes or fewer packed in x, or -1. */
static inline long
lookup_packed(const struct lexicon *lx, uint64_t x)
{
	size_t k;
	uint32_t id;

	for (k = pack_slot(x, lx->smask); (id = lx->sslot[k]) != 0;
	    k = (k + 1) & lx->smask)
		if (lx->spack[k] == x)
			return (long)id - 1;
	return -1;
}

/* lookup's hash table part, for words that pass the shape test. */
static long
lookup_hashed(const struct lexicon *lx, const char *w, size_t len)
{
	uint64_t h;
	size_t k;
	uint32_t id;

	if (len <= 8)
		return lookup_packed(lx, pack(w, len));
	h = word_hash(w, len);
	for (k = h & lx->vmask; (id = lx->vslot[k]) != 0;
	    k = (k + 1) & lx->vmask)
		if (lx->vhash[k] == h && lx->vocab.len[id - 1] == len &&
		    memcmp(lx->vocab.str[id - 1], w, len) == 0)
			return (long)id - 1;
	return -1;
}

/*
 * Returns the number of word w (len bytes), or -1 when it is no word of
 * the lexicon. The shape test, inline, rejects most words without
 * hashing.
 */
static inline long
lookup(const struct lexicon *lx, const char *w, size_t len)
{
	size_t k;

	if (len == 0 || !((w[0] >= 'a' && w[0] <= 'z') ||
	    (w[0] >= '0' && w[0] <= '9')))
		return -1;
	k = shape_bit(w, len);
	if (!(lx->shape[k / 64] >> (k % 64) & 1))
		return -1;
	return lookup_hashed(lx, w, len);
}

/*
 * lookup for the word of a plain token (1 to TEXTNORM_MAXWORD letters,
 * zero bytes after them): a short one is packed by one load.
 */
static inline long
lookup_token(const struct lexicon *lx, const struct textnorm_token *tk)
{
	size_t k = shape_bit(tk->word, tk->len);
	uint64_t x;

	if (!(lx->shape[k / 64] >> (k % 64) & 1))
		return -1;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (tk->len <= 8) {
		/* The bytes in order, zero-padded: what pack makes. */
		memcpy(&x, tk->word, 8);
		return lookup_packed(lx, x);
	}
#else
	(void)x;
#endif
	return lookup_hashed(lx, tk->word, tk->len);
}

static struct edge *
new_edge(struct lexicon_scan *sc, uint32_t from, uint32_t to, size_t start,
    size_t end, int brk)
{
	struct edge *e;

	if (sc->ne == sc->cape) {
		sc->cape = sc->cape == 0 ? 256 : sc->cape * 2;
		sc->e = xreallocarray(sc->e, sc->cape, sizeof(*sc->e));
	}
	e = &sc->e[sc->ne++];
	e->from = from;
	e->to = to;
	e->start = start;
	e->end = end;
	e->brk = (uint8_t)brk;
	e->nids = 0;
	return e;
}

/* Lists word id (when not -1) in sc->words. */
static void
note_word(struct lexicon_scan *sc, long id)
{
	if (id < 0)
		return;
	if (sc->nwords == sc->capwords) {
		sc->capwords = sc->capwords == 0 ? 64 : sc->capwords * 2;
		sc->words = xreallocarray(sc->words, sc->capwords,
		    sizeof(*sc->words));
	}
	sc->words[sc->nwords++] = (uint32_t)id;
}

/* Gives edge e word id (when not -1), and lists it in sc->words. */
static void
add_id(struct lexicon_scan *sc, struct edge *e, long id)
{
	uint8_t i;

	if (id < 0)
		return;
	for (i = 0; i < e->nids; i++)
		if (e->ids[i] == (uint32_t)id)
			return;
	if (e->nids == TEXTNORM_FORMS)
		return;
	e->ids[e->nids++] = (uint32_t)id;
	note_word(sc, id);
}

/*
 * Splits s (len bytes) into the fewest lexicon words, preferring a longer
 * first word; stores the ends of the words in cut[] and returns their
 * number, or 0 when it cannot be done.
 */
static size_t
segment(const struct lexicon *lx, const char *s, size_t len, size_t *cut)
{
	uint8_t best[2 * TEXTNORM_MAXWORD + 1], from[2 * TEXTNORM_MAXWORD + 1];
	size_t i, j, n;

	if (len > 2 * TEXTNORM_MAXWORD)
		return 0;
	memset(best, 0xff, sizeof(best));
	best[len] = 0;
	/* Right to left, so that ties go to the longer first word. */
	for (i = len; i-- > 0;)
		for (j = i + 1; j <= len && j - i <= lx->maxword; j++)
			if (best[j] != 0xff && best[j] + 1 < best[i] &&
			    lookup(lx, s + i, j - i) >= 0) {
				best[i] = (uint8_t)(best[j] + 1);
				from[i] = (uint8_t)j;
			}
	if (best[0] == 0xff)
		return 0;
	for (i = 0, n = 0; i < len; i = from[i])
		cut[n++] = from[i];
	return n;
}

/* Squeezes runs of three or more of a letter in b to at most keep. */
static int
squeeze(struct buf *b, size_t keep)
{
	size_t i, j, o = 0, k;
	int changed = 0;

	for (i = 2; i < b->len; i++)
		if (b->data[i] == b->data[i - 1] &&
		    b->data[i] == b->data[i - 2])
			break;
	if (i >= b->len)
		return 0;
	for (i = 0; i < b->len; i = j) {
		for (j = i + 1; j < b->len && b->data[j] == b->data[i]; j++)
			;
		k = j - i >= 3 ? keep : j - i;
		changed |= k != j - i;
		memmove(b->data + o, b->data + i, k);
		o += k;
	}
	b->len = o;
	return changed;
}

/*
 * Adds edges for pieces a .. b-1 read as one string: the words it splits
 * into, over new nodes between them, unless those are just the pieces.
 */
static void
join_run(const struct lexicon *lx, struct lexicon_scan *sc, size_t a,
    size_t b, uint32_t *nodes)
{
	const struct textnorm_piece *p = sc->tn.p;
	size_t cut[2 * TEXTNORM_MAXWORD], n = 0, i, k, c0, keep;
	struct buf *j = &sc->joined;
	const char *f;
	uint32_t from, to;
	struct edge *e;

	buf_reset(j);
	for (i = a; i < b; i++) {
		f = textnorm_form(&sc->tn, &p[i], 0);
		if (j->len + p[i].len > 2 * TEXTNORM_MAXWORD)
			return;
		for (k = 0; k < p[i].len; k++)
			sc->owner[j->len + k] = (uint16_t)(i - a);
		buf_add(j, f, p[i].len);
	}
	for (keep = 3; keep-- > 1;) {
		if ((n = segment(lx, j->data, j->len, cut)) > 0)
			break;
		/* Squeezing loses owner alignment; offsets stay approximate. */
		if (!squeeze(j, keep))
			break;
	}
	if (n == 0)
		return;
	if (n == b - a) {
		for (i = 0, c0 = 0; i < n; c0 = cut[i++])
			if (cut[i] - c0 != p[a + i].len ||
			    memcmp(j->data + c0, textnorm_form(&sc->tn,
			    &p[a + i], 0), p[a + i].len) != 0)
				break;
		if (i == n)
			return;
	}
	for (i = 0, c0 = 0, from = (uint32_t)a; i < n; c0 = cut[i++]) {
		to = i + 1 == n ? (uint32_t)b : (*nodes)++;
		e = new_edge(sc, from, to,
		    p[a + sc->owner[c0 < j->len ? c0 : j->len - 1]].start,
		    p[a + sc->owner[cut[i] - 1 < j->len ? cut[i] - 1 :
		    j->len - 1]].end, i == 0 && p[a].brk);
		add_id(sc, e, lookup(lx, j->data + c0, cut[i] - c0));
		from = to;
	}
}

/* Can piece i be read together with piece i - 1? */
static int
joinable(const struct textnorm_piece *p, size_t i)
{
	if (p[i].brk)
		return 0;
	return p[i].glued || (p[i].len == 1 && p[i - 1].len == 1);
}

/*
 * Builds the lattice of the text split into sc->tn; returns its nodes.
 * Unless full, only adds the words of the pieces to sc->words, all of
 * them (a piece's edge keeps TEXTNORM_FORMS at most), with no edges for
 * the pieces: most texts are done when their words are known.
 */
static uint32_t
build(const struct lexicon *lx, struct lexicon_scan *sc, int full)
{
	const struct textnorm_piece *p = sc->tn.p;
	size_t n = sc->tn.n, i, a, k;
	uint32_t nodes = (uint32_t)n + 1;
	struct edge *e;
	const char *f;

	sc->ne = 0;
	if (full)
		sc->nwords = 0;
	for (i = 0; i < n && !full; i++) {
		f = sc->tn.forms.data + p[i].form;
		note_word(sc, lookup(lx, f, p[i].len));
		for (k = 1, f += p[i].len + 1; k < p[i].nforms;
		    k++, f += strlen(f) + 1)
			note_word(sc, lookup(lx, f, strlen(f)));
	}
	for (i = 0; i < n && full; i++) {
		e = new_edge(sc, (uint32_t)i, (uint32_t)i + 1, p[i].start,
		    p[i].end, p[i].brk);
		f = sc->tn.forms.data + p[i].form;
		add_id(sc, e, lookup(lx, f, p[i].len));
		for (k = 1, f += p[i].len + 1; k < p[i].nforms;
		    k++, f += strlen(f) + 1)
			add_id(sc, e, lookup(lx, f, strlen(f)));
	}
	for (a = 0; a < n; a = i) {
		for (i = a + 1; i < n && joinable(p, i); i++)
			;
		if (i - a >= 2)
			join_run(lx, sc, a, i, &nodes);
	}
	return nodes;
}

/*
 * Adds the words of the tokens text[from, to) to sc->words as build does
 * (the range starts and ends where no run of pieces to join crosses);
 * the last token is tk. One plain token is looked up without a split.
 */
static void
range_words(const struct lexicon *lx, struct lexicon_scan *sc,
    const char *text, size_t from, size_t to,
    const struct textnorm_token *tk)
{
	if (tk->plain && tk->start == from) {
		note_word(sc, lookup_token(lx, tk));
		return;
	}
	textnorm_split(&sc->tn, text + from, to - from);
	build(lx, sc, 0);
}

/* A run of tokens whose words are not listed yet: text[from, to). */
struct pending {
	size_t from, to;
	int any;
	struct textnorm_token last;
};

/* Lists the words of the pending tokens, if any. */
static void
flush_pending(const struct lexicon *lx, struct lexicon_scan *sc,
    const char *text, struct pending *pd)
{
	if (pd->any)
		range_words(lx, sc, text, pd->from, pd->to, &pd->last);
	pd->any = 0;
}

/*
 * Takes the next token of text: a plain token of two letters or more is
 * one piece joined to no other, and is looked up straight away; runs of
 * the other tokens wait, to go through textnorm_split together (in
 * marketing copy that is seldom needed).
 */
static void
take_token(const struct lexicon *lx, struct lexicon_scan *sc,
    const char *text, struct pending *pd, const struct textnorm_token *tk)
{
	if (tk->plain && tk->len >= 2) {
		flush_pending(lx, sc, text, pd);
		note_word(sc, lookup_token(lx, tk));
		return;
	}
	/* Punctuation alone makes no piece. */
	if (tk->plain && tk->len == 0)
		return;
	if (!pd->any)
		pd->from = tk->start;
	pd->any = 1;
	pd->to = tk->end;
	pd->last = *tk;
}

/*
 * Lists the words of the text in sc->words: the words build(lx, sc, 0)
 * lists after textnorm_split, some perhaps more than once and in another
 * order, which the key and anchor checks do not mind.
 */
static void
list_words(const struct lexicon *lx, struct lexicon_scan *sc,
    const char *text, size_t len)
{
	struct textnorm_token tk;
	struct pending pd;
	size_t pos = 0;

	pd.any = 0;
	sc->nwords = 0;
	while (textnorm_token(text, len, &pos, &tk))
		take_token(lx, sc, text, &pd, &tk);
	flush_pending(lx, sc, text, &pd);
}

/* Orders the edges of the lattice by their first node (sc->out). */
static void
order_edges(struct lexicon_scan *sc, uint32_t nodes)
{
	size_t i;

	/*
	 * Order the edges by their first node (counting sort): counts go
	 * two places up, so that placing the edges leaves out[k] at the
	 * start of node k's edges, with no shift afterwards.
	 */
	if (nodes + 2 > sc->capnodes) {
		sc->capnodes = nodes + 2;
		sc->out = xreallocarray(sc->out, sc->capnodes,
		    sizeof(*sc->out));
	}
	if (sc->cape > sc->caporder) {
		sc->caporder = sc->cape;
		sc->order = xreallocarray(sc->order, sc->caporder,
		    sizeof(*sc->order));
	}
	memset(sc->out, 0, (nodes + 2) * sizeof(*sc->out));
	for (i = 0; i < sc->ne; i++)
		sc->out[sc->e[i].from + 2]++;
	for (i = 2; i <= nodes + 1; i++)
		sc->out[i] += sc->out[i - 1];
	for (i = 0; i < sc->ne; i++)
		sc->order[sc->out[sc->e[i].from + 1]++] = (uint32_t)i;
}

/* What is left of a pattern to match: a stack of element sequences. */
struct cont {
	const struct elem *e;
	uint32_t k, n;
	const struct cont *up;
};

struct walk {
	const struct lexicon *lx;
	const struct lexicon_scan *sc;
	size_t start, end;	/* the words matched so far */
	int words;
	unsigned budget;
};

static int
has_id(const struct edge *e, uint32_t id)
{
	uint8_t i;

	for (i = 0; i < e->nids; i++)
		if (e->ids[i] == id)
			return 1;
	return 0;
}

static int walk(struct walk *w, const struct cont *c, uint32_t node);

/* Matches alternative a of a class, then the rest of the pattern, up. */
static int
walk_alt(struct walk *w, uint32_t a, const struct cont *up, uint32_t node)
{
	struct cont sub;

	sub.e = w->lx->elems + w->lx->alts[a].first;
	sub.k = 0;
	sub.n = w->lx->alts[a].n;
	sub.up = up;
	return walk(w, &sub, node);
}

/* Tries the alternatives of class k that start with word id. */
static int
walk_keyed(struct walk *w, const struct klass *k, uint32_t id,
    const struct cont *up, uint32_t node)
{
	const uint64_t *keys = w->lx->keys + k->key;
	size_t lo = 0, hi = k->nkey, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (keys[mid] >> 32 < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < k->nkey && keys[lo] >> 32 == id; lo++)
		if (walk_alt(w, (uint32_t)keys[lo], up, node))
			return 1;
	return 0;
}

/* Returns 1 when the rest of the pattern, c, matches from node on. */
static int
walk(struct walk *w, const struct cont *c, uint32_t node)
{
	const struct lexicon *lx = w->lx;
	const struct lexicon_scan *sc = w->sc;
	const struct elem *el;
	const struct edge *ed;
	const struct klass *k;
	struct cont next;
	size_t start, end;
	uint32_t i, a;
	uint8_t j;

	while (c != NULL && c->k == c->n)
		c = c->up;
	if (c == NULL)
		return w->words > 0;
	if (w->budget == 0)
		return 0;
	w->budget--;
	el = &c->e[c->k];
	next.e = c->e;
	next.k = c->k + 1;
	next.n = c->n;
	next.up = c->up;
	if (el->kind == E_CLASS) {
		k = &lx->classes[el->id];
		for (a = 0; a < k->nother; a++)
			if (walk_alt(w, lx->others[k->other + a], &next, node))
				return 1;
		for (i = sc->out[node]; i < sc->out[node + 1]; i++) {
			ed = &sc->e[sc->order[i]];
			if (w->words > 0 && ed->brk)
				continue;
			for (j = 0; j < ed->nids; j++)
				if (walk_keyed(w, k, ed->ids[j], &next, node))
					return 1;
		}
	} else {
		for (i = sc->out[node]; i < sc->out[node + 1]; i++) {
			ed = &sc->e[sc->order[i]];
			if ((w->words > 0 && ed->brk) ||
			    (el->kind == E_WORD && !has_id(ed, el->id)))
				continue;
			start = w->start;
			end = w->end;
			if (w->words++ == 0)
				w->start = ed->start;
			w->end = ed->end;
			if (walk(w, &next, ed->to))
				return 1;
			w->words--;
			w->start = start;
			w->end = end;
		}
	}
	return el->optional && walk(w, &next, node);
}

static void
try_rule(const struct lexicon *lx, struct lexicon_scan *sc, uint32_t r,
    uint32_t node)
{
	const struct rule *rule = &lx->rules[r];
	struct walk w = { lx, sc, 0, 0, 0, BUDGET };
	struct cont c = { lx->elems + rule->s.first, 0, rule->s.n, NULL };

	if (!walk(&w, &c, node))
		return;
	if (rule->cat == ALLOW) {
		if (sc->nallow == sc->capallow) {
			sc->capallow = sc->capallow == 0 ? 16 :
			    sc->capallow * 2;
			sc->allow = xreallocarray(sc->allow, sc->capallow,
			    sizeof(*sc->allow));
		}
		sc->allow[sc->nallow].start = w.start;
		sc->allow[sc->nallow++].end = w.end;
		return;
	}
	if (sc->nhits == sc->caphits) {
		sc->caphits = sc->caphits == 0 ? 16 : sc->caphits * 2;
		sc->hits = xreallocarray(sc->hits, sc->caphits,
		    sizeof(*sc->hits));
	}
	sc->hits[sc->nhits].rule = r;
	sc->hits[sc->nhits].start = w.start;
	sc->hits[sc->nhits++].end = w.end;
}

/*
 * Is the match cancelled by an idiom? It is when it ends inside one: the
 * threat it seemed to be runs on into a benign phrase ("we'll beat
 * anyone's price", "I'll shoot you a note"), while a threat that ends
 * before the idiom starts still counts ("I will kill you. Shoot us an
 * email").
 */
static int
allowed(const struct lexicon_scan *sc, const struct hit *h)
{
	size_t i;

	for (i = 0; i < sc->nallow; i++)
		if (sc->allow[i].start < h->end && h->end <= sc->allow[i].end)
			return 1;
	return 0;
}

/* Sets (on) or clears the presence bits of the words of the lattice. */
static void
mark_words(struct lexicon_scan *sc, int on)
{
	size_t i;
	uint32_t w;

	for (i = 0; i < sc->nwords; i++) {
		w = sc->words[i];
		if (on)
			sc->present[w / 64] |= 1ULL << (w % 64);
		else
			sc->present[w / 64] = 0;
	}
}

static int viable(const struct lexicon *, struct lexicon_scan *, uint32_t);

/* Can any rule that starts with word id match the text? Once a text. */
static int
live_word(const struct lexicon *lx, struct lexicon_scan *sc, uint32_t id)
{
	uint32_t k;

	if (sc->wchecked[id] == sc->text)
		return sc->live[id];
	sc->wchecked[id] = sc->text;
	sc->live[id] = 0;
	for (k = lx->index_start[id]; k < lx->index_start[id + 1]; k++)
		if (viable(lx, sc, lx->index_rule[k]))
			return sc->live[id] = 1;
	return 0;
}

/* Can rule r match the text at all? Its anchor words say, once a text. */
static int
viable(const struct lexicon *lx, struct lexicon_scan *sc, uint32_t r)
{
	const struct rule *rule = &lx->rules[r];
	uint32_t i, w, g, a, n;

	if (sc->checked[r] == sc->text)
		return sc->viable[r];
	sc->checked[r] = sc->text;
	sc->viable[r] = 0;
	for (g = 0, a = rule->anchor; g < rule->nanchor; g++, a += n + 1) {
		n = lx->anchors[a];
		for (i = 0; i < n; i++) {
			w = lx->anchors[a + 1 + i];
			if (sc->present[w / 64] >> (w % 64) & 1)
				break;
		}
		if (i == n)
			return 0;
	}
	return sc->viable[r] = 1;
}

/* Does the text have a word of the group of anchor words at g? */
static int
has_one(const struct lexicon_scan *sc, const uint32_t *g)
{
	uint32_t i, w;

	for (i = 0; i < g[0]; i++) {
		w = g[1 + i];
		if (sc->present[w / 64] >> (w % 64) & 1)
			return 1;
	}
	return 0;
}

/* Has the text a word of each of rule's gates? */
static int
gates_open(const struct lexicon *lx, const struct lexicon_scan *sc,
    const struct rule *rule)
{
	const uint32_t *g = lx->gates + rule->gate;
	uint32_t i;

	for (i = 0; i < rule->ngate; i++, g += g[0] + 1)
		if (!has_one(sc, g))
			return 0;
	return 1;
}

/*
 * Can any rule of a category match the text? Only those keyed by one of
 * its words can, and only when the text has all the words they need.
 */
static int
any_possible(const struct lexicon *lx, struct lexicon_scan *sc)
{
	size_t i, k;
	uint32_t id;

	for (i = 0; i < sc->nwords; i++) {
		id = sc->words[i];
		for (k = lx->key_start[id]; k < lx->key_start[id + 1]; k++)
			if (gates_open(lx, sc, &lx->rules[lx->key_rule[k]]))
				return 1;
	}
	return 0;
}

static int
by_start(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Sizes the scan's per-rule and per-word tables for lx, once. */
static void
fit_scan(const struct lexicon *lx, struct lexicon_scan *sc)
{
	if (sc->ntried < lx->nrules) {
		sc->tried = xreallocarray(sc->tried, lx->nrules,
		    sizeof(*sc->tried));
		sc->checked = xreallocarray(sc->checked, lx->nrules,
		    sizeof(*sc->checked));
		sc->viable = xreallocarray(sc->viable, lx->nrules,
		    sizeof(*sc->viable));
		memset(sc->tried, 0, lx->nrules * sizeof(*sc->tried));
		memset(sc->checked, 0, lx->nrules * sizeof(*sc->checked));
		sc->ntried = lx->nrules;
		sc->stamp = sc->text = 0;
		free(sc->present);
		sc->present = xcalloc(lx->vocab.n / 64 + 1,
		    sizeof(*sc->present));
		free(sc->wchecked);
		free(sc->live);
		sc->wchecked = xcalloc(lx->vocab.n + 1, sizeof(*sc->wchecked));
		sc->live = xcalloc(lx->vocab.n + 1, sizeof(*sc->live));
	}
}

static void
classify_text(const struct lexicon *lx, struct lexicon_scan *sc,
    const char *text, size_t len, int severity[SAFETY_NCATEGORIES],
    void (*on_match)(void *arg, const struct lexicon_match *m), void *arg)
{
	uint32_t nodes, node, i, r, id;
	const struct edge *e;
	const struct rule *rule;
	struct lexicon_match m;
	size_t k;
	uint8_t j;

	for (k = 0; k < SAFETY_NCATEGORIES; k++)
		severity[k] = 0;
	list_words(lx, sc, text, len);
	fit_scan(lx, sc);
	if (++sc->text == 0) {
		memset(sc->checked, 0, lx->nrules * sizeof(*sc->checked));
		memset(sc->wchecked, 0, (lx->vocab.n + 1) *
		    sizeof(*sc->wchecked));
		sc->text = 1;
	}
	mark_words(sc, 1);
	sc->nallow = sc->nhits = 0;
	if (!any_possible(lx, sc)) {
		mark_words(sc, 0);
		return;
	}
	mark_words(sc, 0);
	textnorm_split(&sc->tn, text, len);
	nodes = build(lx, sc, 1);
	mark_words(sc, 1);
	order_edges(sc, nodes);
	for (node = 0; node < nodes; node++) {
		if (sc->out[node] == sc->out[node + 1])
			continue;
		if (++sc->stamp == 0) {
			memset(sc->tried, 0, lx->nrules * sizeof(*sc->tried));
			sc->stamp = 1;
		}
		for (i = sc->out[node]; i < sc->out[node + 1]; i++) {
			e = &sc->e[sc->order[i]];
			for (j = 0; j < e->nids; j++) {
				id = e->ids[j];
				if (!live_word(lx, sc, id))
					continue;
				for (k = lx->index_start[id];
				    k < lx->index_start[id + 1]; k++) {
					r = lx->index_rule[k];
					if (sc->tried[r] == sc->stamp)
						continue;
					sc->tried[r] = sc->stamp;
					if (viable(lx, sc, r))
						try_rule(lx, sc, r, node);
				}
			}
		}
	}
	mark_words(sc, 0);
	if (on_match != NULL && sc->nhits > 1)
		qsort(sc->hits, sc->nhits, sizeof(*sc->hits), by_start);
	for (k = 0; k < sc->nhits; k++) {
		if (allowed(sc, &sc->hits[k]))
			continue;
		rule = &lx->rules[sc->hits[k].rule];
		if (rule->severity > severity[rule->cat])
			severity[rule->cat] = rule->severity;
		if (on_match == NULL)
			continue;
		m.category = (enum safety_category)rule->cat;
		m.severity = rule->severity;
		m.file = rule->file;
		m.line = rule->line;
		m.start = sc->hits[k].start;
		m.end = sc->hits[k].end;
		on_match(arg, &m);
	}
}

/*
 * Returns the length of the first sentence of s (len bytes), cut only
 * where lib/textnorm surely ends one: after a newline, or after . ? ; or
 * : with a blank next. Cutting at fewer places than textnorm does is
 * safe; cutting at more would not be.
 */
/* Ones in every byte, and a byte's top bit in every byte. */
#define ONES 0x0101010101010101ULL
#define TOPS 0x8080808080808080ULL

/* Has x a byte that is c? */
static inline uint64_t
has_byte(uint64_t x, unsigned char c)
{
	x ^= ONES * c;
	return (x - ONES) & ~x & TOPS;
}

static size_t
sentence_len(const char *s, size_t len)
{
	size_t i = 0;
	uint64_t x;
	char c;

	/* Eight bytes at a step past those that can end no sentence. */
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, s + i, 8);
		if (has_byte(x, '.') | has_byte(x, '?') | has_byte(x, ';') |
		    has_byte(x, ':') | has_byte(x, '\n'))
			break;
	}
	for (; i < len; i++) {
		/* Letters (most bytes) are past all of these. */
		if ((unsigned char)(c = s[i]) > '?')
			continue;
		if (c == '\n')
			return i + 1;
		if ((c == '.' || c == '?' || c == ';' || c == ':') &&
		    i + 1 < len && (s[i + 1] == ' ' || s[i + 1] == '\t' ||
		    s[i + 1] == '\r' || s[i + 1] == '\v' || s[i + 1] == '\f'))
			return i + 1;
	}
	return len;
}

/*
 * sentence_len and a hash of the sentence (for the memo, where it is all
 * that matters) in one pass: the eight-byte steps that end no sentence
 * are hashed as they are passed.
 */
static size_t
sentence_hash(const char *s, size_t len, uint64_t *h)
{
	uint64_t acc = 0x9e3779b97f4a7c15ULL, x;
	size_t i = 0, n, k;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, s + i, 8);
		if (has_byte(x, '.') | has_byte(x, '?') | has_byte(x, ';') |
		    has_byte(x, ':') | has_byte(x, '\n'))
			break;
		acc = (acc ^ x) * 0xff51afd7ed558ccdULL;
		acc ^= acc >> 32;
	}
	/* No sentence ends before i: the rest of the scan starts there. */
	n = i + sentence_len(s + i, len - i);
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		acc = (acc ^ x) * 0xff51afd7ed558ccdULL;
		acc ^= acc >> 32;
	}
	for (x = 0, k = 0; i + k < n; k++)
		x |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
	acc = (acc ^ x ^ n) * 0xc4ceb9fe1a85ec53ULL;
	*h = acc ^ acc >> 29;
	return n;
}

/* Are the len bytes at a and b the same? Eight at a time. */
static int
same_bytes(const char *a, const char *b, size_t len)
{
	uint64_t x, y;

	for (; len >= 8; a += 8, b += 8, len -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
	}
	while (len-- > 0)
		if (*a++ != *b++)
			return 0;
	return 1;
}

/* Empties the sentence memo. */
static void
memo_clear(struct lexicon_scan *sc)
{
	memset(sc->memo, 0, MEMO_SLOTS * sizeof(*sc->memo));
	sc->nmemo = 0;
	buf_reset(&sc->memo_text);
}

/*
 * Screens one sentence, or takes its severities from the memo, keyed by
 * its bytes (compared in full, so a hash collision cannot let a sentence
 * through).
 */
static void
classify_sentence(const struct lexicon *lx, struct lexicon_scan *sc,
    const char *text, size_t len, uint64_t h,
    int severity[SAFETY_NCATEGORIES])
{
	struct memo *m;
	size_t k;
	int i;

	sc->lookups += len;
	for (k = h & (MEMO_SLOTS - 1); (m = &sc->memo[k])->used;
	    k = (k + 1) & (MEMO_SLOTS - 1))
		if (m->hash == h && m->len == len &&
		    same_bytes(sc->memo_text.data + m->off, text, len)) {
			for (i = 0; i < SAFETY_NCATEGORIES; i++)
				severity[i] = m->severity[i];
			sc->found += len;
			return;
		}
	classify_text(lx, sc, text, len, severity, NULL, NULL);
	if (len > MEMO_BYTES)
		return;
	if (sc->nmemo + 1 > MEMO_SLOTS / 2 ||
	    sc->memo_text.len + len > MEMO_BYTES) {
		memo_clear(sc);
		for (k = h & (MEMO_SLOTS - 1); sc->memo[k].used;
		    k = (k + 1) & (MEMO_SLOTS - 1))
			;
		m = &sc->memo[k];
	}
	m->used = 1;
	m->hash = h;
	m->off = (uint32_t)sc->memo_text.len;
	m->len = (uint32_t)len;
	for (i = 0; i < SAFETY_NCATEGORIES; i++)
		m->severity[i] = (int8_t)severity[i];
	buf_add(&sc->memo_text, text, len);
	sc->nmemo++;
}

/*
 * Should this text go through the memo? Every text while the memo finds
 * sentences, one in MEMO_SAMPLE while it does not; judged again every
 * MEMO_JUDGE bytes looked up. Which way a text goes changes only the
 * speed.
 */
static int
use_memo(struct lexicon_scan *sc)
{
	if (sc->lookups >= MEMO_JUDGE) {
		sc->sparse = sc->found * MEMO_RARE < sc->lookups;
		sc->lookups = sc->found = 0;
	}
	if (!sc->sparse)
		return 1;
	if (sc->countdown > 0) {
		sc->countdown--;
		return 0;
	}
	sc->countdown = MEMO_SAMPLE - 1;
	return 1;
}

/*
 * A pattern never runs across the end of a sentence, nor does an idiom's
 * cancelling reach past it, so a text's severities are the highest of
 * its sentences'. Sentences repeat across messages (the same approved
 * content, the same template lines), so each is screened once while the
 * memo holds it; when they do not, most texts are screened without it.
 * Explanations take the whole text at once, for offsets.
 */
void
lexicon_classify(const struct lexicon *lx, struct lexicon_scan *sc,
    const char *text, size_t len, int severity[SAFETY_NCATEGORIES],
    void (*on_match)(void *arg, const struct lexicon_match *m), void *arg)
{
	int part[SAFETY_NCATEGORIES], i, memo;
	size_t n, next;
	uint64_t h, hnext = 0;

	if (on_match != NULL) {
		classify_text(lx, sc, text, len, severity, on_match, arg);
		return;
	}
	for (i = 0; i < SAFETY_NCATEGORIES; i++)
		severity[i] = 0;
	if (len == 0)
		return;
	memo = use_memo(sc);
	next = memo ? sentence_hash(text, len, &hnext) :
	    sentence_len(text, len);
	/*
	 * The memo is bigger than the caches: each sentence's slot is
	 * fetched while the sentence before it is screened. A text not
	 * screened through the memo is still screened sentence by sentence:
	 * the words a rule needs are found together in a whole text far
	 * more often than in one sentence, and each such find costs a walk.
	 */
	for (; len > 0; text += n, len -= n) {
		n = next;
		h = hnext;
		if (n < len && memo) {
			next = sentence_hash(text + n, len - n, &hnext);
			__builtin_prefetch(&sc->memo[hnext & (MEMO_SLOTS - 1)]);
		} else if (n < len)
			next = sentence_len(text + n, len - n);
		if (memo)
			classify_sentence(lx, sc, text, n, h, part);
		else
			classify_text(lx, sc, text, n, part, NULL, NULL);
		for (i = 0; i < SAFETY_NCATEGORIES; i++)
			if (part[i] > severity[i])
				severity[i] = part[i];
	}
}
