/* SPDX-License-Identifier: MIT */
/*
 * Sentence splitting by rule, not by model: the texts are short, edited
 * marketing passages, where the only traps are abbreviations with periods
 * ("9 a.m. Eastern"), decimals ("2.4 GHz"), which never have a blank after
 * the period, and e-mail addresses at the end of a sentence, which must
 * still end it ("care@brightleaf.example. We answer").
 */
#include <ctype.h>
#include <string.h>

#include "sentence.h"

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* Closing punctuation after a sentence's last mark: " ' ) ] and U+201D/9. */
static size_t
closer_len(const char *s, size_t len)
{
	if (len >= 1 && (s[0] == '"' || s[0] == '\'' || s[0] == ')' ||
	    s[0] == ']'))
		return 1;
	if (len >= 3 && (unsigned char)s[0] == 0xe2 &&
	    (unsigned char)s[1] == 0x80 &&
	    ((unsigned char)s[2] == 0x9d || (unsigned char)s[2] == 0x99))
		return 3;
	return 0;
}

/* Can a sentence start with the byte c? Non-ASCII counts as a letter. */
static int
is_opener(int c)
{
	return isupper(c) || isdigit(c) || c == '"' || c == '\'' || c == '(' ||
	    c == '[' || c >= 0x80;
}

static const char *const abbreviations[] = {
	"approx", "ave", "dr", "jr", "mr", "mrs", "ms", "mt", "prof", "sr",
	"st", "vs"
};

/* Does the word ending just before the period at s[dot] abbreviate? */
static int
is_abbreviation(const char *s, size_t dot)
{
	size_t start = dot, i, n;
	int letters = 0, periods = 0;

	while (start > 0 && !is_blank((unsigned char)s[start - 1]) &&
	    s[start - 1] != '(')
		start--;
	n = dot - start;
	if (n == 1 && isalpha((unsigned char)s[start]))
		return 1;
	/* "a.m", "e.g", "U.S": single letters between periods. */
	for (i = start; i < dot; i++) {
		if (s[i] == '.') {
			if (letters != 1)
				break;
			periods++;
			letters = 0;
		} else if (isalpha((unsigned char)s[i]))
			letters++;
		else
			break;
	}
	if (i == dot && periods > 0 && letters == 1)
		return 1;
	/* "No. 5", but not "say no. Then". */
	if (n == 2 && strncasecmp(s + start, "no", 2) == 0) {
		for (i = dot + 1; is_blank((unsigned char)s[i]); i++)
			;
		return isdigit((unsigned char)s[i]);
	}
	for (i = 0; i < sizeof(abbreviations) / sizeof(abbreviations[0]); i++)
		if (strlen(abbreviations[i]) == n &&
		    strncasecmp(abbreviations[i], s + start, n) == 0)
			return 1;
	return 0;
}

size_t
sentence_split(const char *text, size_t len, struct sentence *out,
    size_t max)
{
	size_t n = 0, start = 0, i = 0, end, c;

	while (start < len && is_blank((unsigned char)text[start]))
		start++;
	i = start;
	while (i < len) {
		if (text[i] != '.' && text[i] != '!' && text[i] != '?') {
			i++;
			continue;
		}
		end = i + 1;
		while (end < len && (c = closer_len(text + end, len - end)) > 0)
			end += c;
		if (end < len && !is_blank((unsigned char)text[end])) {
			i = end;
			continue;
		}
		c = end;
		while (c < len && is_blank((unsigned char)text[c]))
			c++;
		if ((c < len && !is_opener((unsigned char)text[c])) ||
		    (text[i] == '.' && c < len && is_abbreviation(text, i))) {
			i = end;
			continue;
		}
		if (n < max) {
			out[n].off = start;
			out[n].len = end - start;
		}
		n++;
		start = i = c;
	}
	while (len > start && is_blank((unsigned char)text[len - 1]))
		len--;
	if (start < len) {
		if (n < max) {
			out[n].off = start;
			out[n].len = len - start;
		}
		n++;
	}
	return n;
}

size_t
sentence_words(const char *text, size_t len)
{
	size_t i, n = 0;
	int in = 0;

	for (i = 0; i < len; i++) {
		if (is_blank((unsigned char)text[i]))
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/* The longest phrase below, in words, and the longest word kept. */
#define PHRASE_WORDS 3
#define WORD_LEN 16

/* Is w one of list? The first letter is compared inline: this is hot. */
static int
in_list(const char *w, const char *const *list)
{
	for (; *list != NULL; list++)
		if ((*list)[0] == w[0] && strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/*
 * Does a phrase end with the newest of the last n words? The words are a
 * ring, the newest at cur. Phrases are compared as words joined by single
 * spaces.
 */
static int
ends_phrase(char ring[PHRASE_WORDS][WORD_LEN], size_t cur, size_t n,
    const char *const *phrases)
{
	char joined[PHRASE_WORDS * WORD_LEN];
	const char *w;
	size_t k, i, len;

	for (k = 1; k <= n; k++) {
		len = 0;
		for (i = k; i-- > 0;) {
			w = ring[(cur + PHRASE_WORDS - i) % PHRASE_WORDS];
			if (len > 0)
				joined[len++] = ' ';
			memcpy(joined + len, w, strlen(w));
			len += strlen(w);
		}
		joined[len] = '\0';
		if (in_list(joined, phrases))
			return 1;
	}
	return 0;
}

/*
 * Reads the next word of text (len bytes) from *i into w, in lower case
 * and cut to WORD_LEN - 1 bytes, as sentence_is_instruction reads words;
 * moves *i past it. Returns its length (cut), or 0 at the end.
 */
static size_t
next_word(const char *text, size_t len, size_t *i, char *w)
{
	size_t k = 0;

	while (*i < len && !isalnum((unsigned char)text[*i]))
		(*i)++;
	for (; *i < len && isalnum((unsigned char)text[*i]); (*i)++)
		if (k < WORD_LEN - 1)
			w[k++] = (char)tolower((unsigned char)text[*i]);
	w[k] = '\0';
	return k;
}

/* What sentence_is_instruction looks for. */
static const char *const verbs[] = {
	"ignore", "disregard", "forget", "override", "bypass", NULL
};
static const char *const objects[] = {
	"instruction", "instructions", "prompt", "prompts",
	"directive", "directives", "guidelines", "rules", NULL
};
static const char *const phrases[] = {
	"system prompt", "system message", "you are now",
	"language model", "as an ai", "developer mode", "jailbreak",
	"do anything now", "new instructions", "previous instructions",
	"prior instructions", "above instructions", NULL
};
/* The last words of the phrases: only they can end one. */
static const char *const finals[] = {
	"prompt", "message", "now", "model", "ai", "mode", "jailbreak",
	"instructions", NULL
};

int
sentence_is_instruction(const char *text, size_t len)
{
	char ring[PHRASE_WORDS][WORD_LEN], *w;
	size_t i = 0, n = 0, cur = 0;
	int verb = 0, object = 0;

	for (;;) {
		cur = (cur + 1) % PHRASE_WORDS;
		w = ring[cur];
		if (next_word(text, len, &i, w) == 0)
			break;
		if (n < PHRASE_WORDS)
			n++;
		verb |= in_list(w, verbs);
		object |= in_list(w, objects);
		if ((verb && object) || (in_list(w, finals) &&
		    ends_phrase(ring, cur, n, phrases)))
			return 1;
	}
	return 0;
}

/* Does a word of text (len bytes) belong to list or to other? */
static int
has_listed_word(const char *text, size_t len, const char *const *list,
    const char *const *other)
{
	char w[WORD_LEN];
	size_t i = 0;

	while (next_word(text, len, &i, w) > 0)
		if (in_list(w, list) || in_list(w, other))
			return 1;
	return 0;
}

int
sentence_has_command_word(const char *text, size_t len)
{
	return has_listed_word(text, len, verbs, objects);
}

/* The words of the phrases above, for sentence_has_phrase_word. */
static const char *const phrase_words[] = {
	"system", "prompt", "message", "you", "are", "now", "language",
	"model", "as", "an", "ai", "developer", "mode", "jailbreak", "do",
	"anything", "new", "instructions", "previous", "prior", "above", NULL
};

int
sentence_has_phrase_word(const char *text, size_t len)
{
	return has_listed_word(text, len, phrase_words, phrase_words);
}

int
sentence_abbreviation_at(const char *text, size_t dot)
{
	return is_abbreviation(text, dot);
}
