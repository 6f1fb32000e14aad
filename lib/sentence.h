/* SPDX-License-Identifier: MIT */
/*
 * Plain-text measures for messages: sentences, words, and text that reads
 * like an instruction to a language model rather than marketing copy.
 */
#ifndef CPO_SENTENCE_H
#define CPO_SENTENCE_H

#include <stddef.h>

struct sentence {
	size_t off, len;	/* in the text; no surrounding blanks */
};

/*
 * Splits len bytes of text into sentences and stores the first max of them
 * in out. Returns how many there are (which may exceed max). A sentence
 * ends at '.', '!' or '?', possibly followed by closing quotes or
 * parentheses, then a blank and a capital letter, a digit, an opening quote
 * or parenthesis, or the end of the text. A period does not end a sentence
 * after a single letter ("J."), a run of letters and periods ("a.m.",
 * "e.g.", "U.S.") or a common abbreviation ("Mr.", "Dr.", "St.", "vs.").
 */
size_t sentence_split(const char *text, size_t len, struct sentence *out,
    size_t max);

/* Returns the number of words: runs of bytes other than blanks. */
size_t sentence_words(const char *text, size_t len);

/*
 * Returns 1 when len bytes of text read like an instruction to a model
 * ("Ignore previous instructions and ...", "you are now ...", "system
 * prompt"): a verb of dismissal (ignore, disregard, forget, override,
 * bypass) with an object such as instructions or prompt, or one of a few
 * telltale phrases. Case does not matter. Else returns 0.
 */
int sentence_is_instruction(const char *text, size_t len);

/*
 * Does text (len bytes) hold one of the verbs or objects that
 * sentence_is_instruction looks for anywhere in a sentence ("ignore",
 * "rules")? Its phrases ("you are now") are words side by side: the
 * caller looks for them in the few words around a word it adds.
 */
int sentence_has_command_word(const char *text, size_t len);

/* Does text (len bytes) hold a word of one of those phrases ("now")? */
int sentence_has_phrase_word(const char *text, size_t len);

/*
 * Does the period at text[dot] end an abbreviation ("Mt.", "a.m.", "No.
 * 5"), so that sentence_split goes on past it? text must go on after the
 * period (a NUL will do).
 */
int sentence_abbreviation_at(const char *text, size_t dot);

#endif
