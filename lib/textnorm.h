/* SPDX-License-Identifier: MIT */
/*
 * Text normalisation for the safety lexicon: splits text into word pieces
 * and gives each piece the spellings ("forms") it may stand for, undoing the
 * usual evasions:
 *
 *   case and accents     "KÍLL" -> kill; ß -> ss, æ -> ae
 *   look-alike letters   Cyrillic and Greek letters that look Latin, fullwidth
 *                        and mathematical letters, circled letters -> a-z
 *   invisible characters zero-width spaces and joiners, soft hyphens,
 *                        combining marks: dropped, the word stays whole
 *   leetspeak            0 o, 1 i or l, 3 e, 4 a, 5 s, 7 t, 8 b, 9 g, @ a,
 *                        $ s, ! i, | l or i, inside a word with a letter
 *   repeated letters     a run of three or more: once and twice
 *                        ("kiiilll" -> kil, kill, kiil, kiill)
 *
 * Separators inside words ("k.i.l.l", "k-i-l-l", "k i l l") are not undone
 * here: each piece says whether it is glued to the one before (punctuation
 * but no blank between them), which the lexicon uses to try the pieces
 * joined. A piece also says whether a sentence ends before it, so that
 * phrases are not matched across sentences.
 *
 * A piece is a maximal run of letters and digits (and leet symbols inside a
 * word); its first form is the plain lower-case spelling, with the most
 * likely reading of each leet character. A word that needs no undoing has
 * that one form.
 */
#ifndef CPO_TEXTNORM_H
#define CPO_TEXTNORM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Most forms one piece gets; readings past this are dropped. */
#define TEXTNORM_FORMS 8

/* Pieces longer than this (in form characters) are cut into several. */
#define TEXTNORM_MAXWORD 64

struct textnorm_piece {
	size_t start, end;	/* the bytes of the text it covers */
	size_t form;		/* offset of its first form in forms */
	uint8_t nforms;		/* forms, one after the other, NUL-ended */
	uint8_t glued;		/* only punctuation, no blank, before it */
	uint8_t brk;		/* a sentence ends between it and the last */
	uint8_t len;		/* length of the first form */
};

struct textnorm {
	struct textnorm_piece *p;	/* the pieces, in text order */
	size_t n, cap;
	struct buf forms;
	char word[TEXTNORM_MAXWORD + 2];	/* the piece being read */
	size_t wlen;
	int odd;			/* it has a character not a-z */
};

/* Initializes an empty splitter; allocates nothing. Can't fail. */
void textnorm_init(struct textnorm *t);

/* Frees t's memory; t is then empty and reusable. */
void textnorm_release(struct textnorm *t);

/*
 * Splits len bytes of text (any bytes; what is not valid UTF-8 separates
 * words) into t->p, replacing what t held. Can't fail.
 */
void textnorm_split(struct textnorm *t, const char *text, size_t len);

/*
 * A token: bytes between ASCII blanks. It is plain when it is ASCII
 * punctuation, then letters (no letter three times in a row), then
 * punctuation or !: textnorm_split makes of it one piece of one form, its
 * letters in lower case, or no piece when it has no letter. A piece of a
 * plain token is glued to no other (blanks are around it), so with two
 * letters or more it is joined to none either.
 */
struct textnorm_token {
	size_t start, end;	/* its bytes in the text */
	int plain;
	size_t len;		/* plain: letters in word (0: punctuation) */
	/* plain: the letters, lower-case, then eight zero bytes */
	char word[TEXTNORM_MAXWORD + 8];
};

/*
 * Reads the token of text (len bytes) that starts at or after *pos into
 * tk and moves *pos past it; returns 0, tk untouched, when only blanks
 * are left. For screening a text's words without textnorm_split when
 * most of them are plain, as in marketing copy.
 */
int textnorm_token(const char *text, size_t len, size_t *pos,
    struct textnorm_token *tk);

/* Returns form k (0 <= k < nforms) of piece p of t, NUL-terminated. */
const char *textnorm_form(const struct textnorm *t,
    const struct textnorm_piece *p, size_t k);

#endif
