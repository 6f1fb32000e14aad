/* SPDX-License-Identifier: MIT */
/*
 * Text analysis for search: text in, index terms out. A token is a run of
 * ASCII letters and digits, lower-cased; every other byte (punctuation,
 * blanks, bytes of non-ASCII characters) separates tokens. The English
 * analyzer then drops stop words and reduces each word to its Porter stem;
 * the plain one keeps every token as it is.
 */
#ifndef CPO_ANALYZE_H
#define CPO_ANALYZE_H

#include <stddef.h>

/* Longest token kept; longer runs are cut to this many bytes. */
#define ANALYZE_TOKEN_MAX 64

struct analyzer {
	int stop;	/* drop English stop words */
	int stem;	/* reduce words to their Porter stem */
};

/*
 * Called once per term, in text order. term is lower-case, NUL-terminated
 * and len bytes long; it is valid only during the call.
 */
typedef void analyze_fn(void *arg, const char *term, size_t len);

/* Sets a up as the English analyzer (stop words and stemming). */
void analyze_init_english(struct analyzer *a);

/* Sets a up as the plain analyzer: lower-cased tokens only. */
void analyze_init_plain(struct analyzer *a);

/*
 * Splits text (len bytes) into terms and calls fn(arg, term, len) for each
 * one that the analyzer keeps. Returns the number of terms passed to fn.
 */
size_t analyze_text(const struct analyzer *a, const char *text, size_t len,
    analyze_fn *fn, void *arg);

/*
 * The two halves of analyze_text, for callers that cache the analysis of
 * each distinct token.
 *
 * analyze_token finds the next token of text (len bytes) at or after *pos,
 * writes it lower-cased and NUL-terminated to tok (ANALYZE_TOKEN_MAX + 1
 * bytes), moves *pos past it and returns its length; returns 0 when the
 * text has no more tokens.
 *
 * analyze_term turns the token tok (len bytes, as analyze_token left it)
 * into its term in place, NUL-terminated, and returns the term's length, or
 * 0 when the analyzer drops the token.
 */
size_t analyze_token(const char *text, size_t len, size_t *pos, char *tok);
size_t analyze_term(const struct analyzer *a, char *tok, size_t len);

/*
 * Returns 1 if the lower-case word w (len bytes) is an English stop word,
 * else 0.
 */
int analyze_is_stop(const char *w, size_t len);

/*
 * Reduces the lower-case word w (len bytes, modified in place) to its stem
 * with the Porter stemmer and returns the stem's length, which is at most
 * len. Words of one or two letters are left alone. The stem is not
 * NUL-terminated by this function.
 */
size_t analyze_stem(char *w, size_t len);

#endif
