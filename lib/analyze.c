/* SPDX-License-Identifier: MIT */
/*
 * Tokenizer, English stop words and the Porter stemmer.
 *
 * The stemmer follows M.F. Porter, "An algorithm for suffix stripping",
 * Program 14(3), 1980, as its author's reference C implementation does,
 * including that implementation's two documented departures from the paper
 * (step 2 maps -bli to -ble rather than -abli to -able, and -logi to -log),
 * so that it reproduces the published vocabulary and output lists.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

/*
 * NLTK's English stop word list, less the forms with apostrophes: the
 * tokenizer splits "don't" into "don" and "t", and both are on the list.
 * Sorted (strcmp order) for bsearch.
 */
static const char *const stopwords[] = {
	"a", "about", "above", "after", "again", "against", "ain", "all", "am",
	"an", "and", "any", "are", "aren", "as", "at", "be", "because", "been",
	"before", "being", "below", "between", "both", "but", "by", "can",
	"couldn", "d", "did", "didn", "do", "does", "doesn", "doing", "don",
	"down", "during", "each", "few", "for", "from", "further", "had",
	"hadn", "has", "hasn", "have", "haven", "having", "he", "her", "here",
	"hers", "herself", "him", "himself", "his", "how", "i", "if", "in",
	"into", "is", "isn", "it", "its", "itself", "just", "ll", "m", "ma",
	"me", "mightn", "more", "most", "mustn", "my", "myself", "needn", "no",
	"nor", "not", "now", "o", "of", "off", "on", "once", "only", "or",
	"other", "our", "ours", "ourselves", "out", "over", "own", "re", "s",
	"same", "shan", "she", "should", "shouldn", "so", "some", "such", "t",
	"than", "that", "the", "their", "theirs", "them", "themselves", "then",
	"there", "these", "they", "this", "those", "through", "to", "too",
	"under", "until", "up", "ve", "very", "was", "wasn", "we", "were",
	"weren", "what", "when", "where", "which", "while", "who", "whom",
	"why", "will", "with", "won", "wouldn", "y", "you", "your", "yours",
	"yourself", "yourselves"
};

struct stopkey {
	const char *w;
	size_t len;
};

static int
stopcmp(const void *key, const void *elem)
{
	const struct stopkey *k = key;
	const char *s = *(const char *const *)elem;
	size_t n = strlen(s);
	int c = memcmp(k->w, s, k->len < n ? k->len : n);

	if (c != 0)
		return c;
	return k->len < n ? -1 : k->len > n;
}

int
analyze_is_stop(const char *w, size_t len)
{
	struct stopkey k = { w, len };

	return bsearch(&k, stopwords, sizeof(stopwords) / sizeof(stopwords[0]),
	    sizeof(stopwords[0]), stopcmp) != NULL;
}

/*
 * The stemmer's working state, named as in Porter's C code: the word is
 * b[0..k], and j marks the end of the stem left by the last successful
 * ends().
 */
struct porter {
	char *b;
	int k, j;
};

/* Is b[i] a consonant? y is one at the start or after a vowel. */
static int
cons(const struct porter *p, int i)
{
	switch (p->b[i]) {
	case 'a': case 'e': case 'i': case 'o': case 'u':
		return 0;
	case 'y':
		return i == 0 ? 1 : !cons(p, i - 1);
	default:
		return 1;
	}
}

/*
 * The measure m of b[0..j]: the number of vowel-consonant sequences in
 * [C](VC){m}[V].
 */
static int
measure(const struct porter *p)
{
	int n = 0, i = 0;

	for (;;) {
		if (i > p->j)
			return n;
		if (!cons(p, i))
			break;
		i++;
	}
	i++;
	for (;;) {
		for (;;) {
			if (i > p->j)
				return n;
			if (cons(p, i))
				break;
			i++;
		}
		i++;
		n++;
		for (;;) {
			if (i > p->j)
				return n;
			if (!cons(p, i))
				break;
			i++;
		}
		i++;
	}
}

/* Does b[0..j] contain a vowel? */
static int
vowel_in_stem(const struct porter *p)
{
	int i;

	for (i = 0; i <= p->j; i++)
		if (!cons(p, i))
			return 1;
	return 0;
}

/* Do b[i-1] and b[i] form a double consonant? */
static int
double_cons(const struct porter *p, int i)
{
	return i >= 1 && p->b[i] == p->b[i - 1] && cons(p, i);
}

/*
 * Is b[i-2..i] consonant-vowel-consonant with the last not w, x or y? This
 * is the condition for restoring an e (hop(e), fil(e)).
 */
static int
cvc(const struct porter *p, int i)
{
	int ch;

	if (i < 2 || !cons(p, i) || cons(p, i - 1) || !cons(p, i - 2))
		return 0;
	ch = p->b[i];
	return ch != 'w' && ch != 'x' && ch != 'y';
}

/* Does b[0..k] end with s? If so, sets j to the end of the stem. */
static int
ends(struct porter *p, const char *s)
{
	int len = (int)strlen(s);

	if (len > p->k + 1 || memcmp(p->b + p->k - len + 1, s, len) != 0)
		return 0;
	p->j = p->k - len;
	return 1;
}

/* Replaces b[j+1..k] with s. */
static void
set_to(struct porter *p, const char *s)
{
	int len = (int)strlen(s);

	memcpy(p->b + p->j + 1, s, len);
	p->k = p->j + len;
}

/* Replaces the suffix with s when the stem's measure is positive. */
static void
replace(struct porter *p, const char *s)
{
	if (measure(p) > 0)
		set_to(p, s);
}

/* Step 1ab: plurals and -ed or -ing. */
static void
step1ab(struct porter *p)
{
	if (p->b[p->k] == 's') {
		if (ends(p, "sses"))
			p->k -= 2;
		else if (ends(p, "ies"))
			set_to(p, "i");
		else if (p->k >= 1 && p->b[p->k - 1] != 's')
			p->k--;
	}
	if (ends(p, "eed")) {
		if (measure(p) > 0)
			p->k--;
	} else if ((ends(p, "ed") || ends(p, "ing")) && vowel_in_stem(p)) {
		p->k = p->j;
		if (ends(p, "at"))
			set_to(p, "ate");
		else if (ends(p, "bl"))
			set_to(p, "ble");
		else if (ends(p, "iz"))
			set_to(p, "ize");
		else if (double_cons(p, p->k)) {
			p->k--;
			if (strchr("lsz", p->b[p->k]) != NULL)
				p->k++;
		} else if (measure(p) == 1 && cvc(p, p->k))
			set_to(p, "e");	/* j == k here: m of the whole stem */
	}
}

/* Step 1c: y to i when there is another vowel in the stem. */
static void
step1c(struct porter *p)
{
	if (ends(p, "y") && vowel_in_stem(p))
		p->b[p->k] = 'i';
}

/*
 * A suffix rule of steps 2 and 3: a word ending with from ends with to
 * instead when the stem's measure is positive. The steps stop at the first
 * suffix that matches, whether or not the measure allows the change.
 */
struct rule {
	const char *from, *to;
};

static void
apply_first(struct porter *p, const struct rule *r)
{
	for (; r->from != NULL; r++) {
		if (ends(p, r->from)) {
			replace(p, r->to);
			return;
		}
	}
}

/* Step 2: double suffixes to single ones (-ization to -ize ...). */
static void
step2(struct porter *p)
{
	static const struct rule rules[] = {
		{ "ational", "ate" }, { "tional", "tion" }, { "enci", "ence" },
		{ "anci", "ance" }, { "izer", "ize" }, { "bli", "ble" },
		{ "alli", "al" }, { "entli", "ent" }, { "eli", "e" },
		{ "ousli", "ous" }, { "ization", "ize" }, { "ation", "ate" },
		{ "ator", "ate" }, { "alism", "al" }, { "iveness", "ive" },
		{ "fulness", "ful" }, { "ousness", "ous" }, { "aliti", "al" },
		{ "iviti", "ive" }, { "biliti", "ble" }, { "logi", "log" },
		{ NULL, NULL }
	};

	/*
	 * The reference code switches on the penultimate letter, so that only
	 * suffixes sharing it are tried; among those the order above is its
	 * order. No two suffixes with different penultimate letters can both
	 * match, so trying them all in this order gives the same result.
	 */
	apply_first(p, rules);
}

/* Step 3: -ic-, -full, -ness and the like. */
static void
step3(struct porter *p)
{
	static const struct rule rules[] = {
		{ "icate", "ic" }, { "ative", "" }, { "alize", "al" },
		{ "iciti", "ic" }, { "ical", "ic" }, { "ful", "" },
		{ "ness", "" }, { NULL, NULL }
	};

	apply_first(p, rules);
}

/* Step 4: strips -ant, -ence and the like from stems of measure over 1. */
static void
step4(struct porter *p)
{
	static const char *const suffixes[] = {
		"al", "ance", "ence", "er", "ic", "able", "ible", "ant",
		"ement", "ment", "ent", "ion", "ou", "ism", "ate", "iti", "ous",
		"ive", "ize", NULL
	};
	const char *const *s;

	if (p->k < 1)
		return;
	for (s = suffixes; *s != NULL; s++) {
		if (!ends(p, *s))
			continue;
		/* -ion comes off only after s or t (adoption, not onion). */
		if (strcmp(*s, "ion") == 0 &&
		    (p->j < 0 || (p->b[p->j] != 's' && p->b[p->j] != 't')))
			continue;
		if (measure(p) > 1)
			p->k = p->j;
		return;
	}
}

/* Step 5: a final -e, and -ll to -l, on long enough stems. */
static void
step5(struct porter *p)
{
	int m;

	p->j = p->k;
	if (p->b[p->k] == 'e') {
		m = measure(p);
		if (m > 1 || (m == 1 && !cvc(p, p->k - 1)))
			p->k--;
	}
	if (p->b[p->k] == 'l' && double_cons(p, p->k) && measure(p) > 1)
		p->k--;
}

size_t
analyze_stem(char *w, size_t len)
{
	struct porter p;

	if (len <= 2)
		return len;
	p.b = w;
	p.k = (int)len - 1;
	p.j = 0;
	step1ab(&p);
	if (p.k > 0) {
		step1c(&p);
		step2(&p);
		step3(&p);
		step4(&p);
		step5(&p);
	}
	return (size_t)p.k + 1;
}

void
analyze_init_english(struct analyzer *a)
{
	a->stop = 1;
	a->stem = 1;
}

void
analyze_init_plain(struct analyzer *a)
{
	a->stop = 0;
	a->stem = 0;
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

size_t
analyze_token(const char *text, size_t len, size_t *pos, char *tok)
{
	size_t i = *pos, n = 0;
	char c;

	while (i < len && !is_alnum((unsigned char)text[i]))
		i++;
	for (; i < len && is_alnum((unsigned char)text[i]); i++) {
		c = text[i];
		if (n < ANALYZE_TOKEN_MAX)
			tok[n++] = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
	}
	tok[n] = '\0';
	*pos = i;
	return n;
}

size_t
analyze_term(const struct analyzer *a, char *tok, size_t len)
{
	size_t i;

	if (a->stop && analyze_is_stop(tok, len))
		return 0;
	if (!a->stem)
		return len;
	/* Porter's rules are for words; "1990s" and "b747" stay. */
	for (i = 0; i < len; i++)
		if (tok[i] >= '0' && tok[i] <= '9')
			return len;
	len = analyze_stem(tok, len);
	tok[len] = '\0';
	return len;
}

size_t
analyze_text(const struct analyzer *a, const char *text, size_t len,
    analyze_fn *fn, void *arg)
{
	char tok[ANALYZE_TOKEN_MAX + 1];
	size_t pos = 0, n, count = 0;

	while ((n = analyze_token(text, len, &pos, tok)) > 0) {
		if ((n = analyze_term(a, tok, n)) == 0)
			continue;
		fn(arg, tok, n);
		count++;
	}
	return count;
}
