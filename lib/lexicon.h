/* SPDX-License-Identifier: MIT */
/*
 * The offline safety classifier: phrase patterns per harm category and
 * severity, matched over normalised words (lib/textnorm), with benign
 * idioms that cancel what they contain.
 *
 * A lexicon is read from six files (data/safety/ in the source tree,
 * compiled in): classes.txt, allow.txt, hate.txt, violence.txt,
 * self_harm.txt and sexual.txt. Their lines are
 *
 *   # a comment, or a blank line
 *   @name = ALT | ALT ...   a word class; an ALT is one or more tokens.
 *       | ALT ...           A line starting with blanks and | goes on
 *                           with the class above. Classes may be
 *                           defined in any file and used in all.
 *   N TOKEN ...             in a category file: a pattern of severity
 *                           N (2, 4 or 6)
 *   TOKEN ...               in allow.txt: a benign idiom
 *
 * A TOKEN is a word (matched whole, after normalisation: "don't" is the
 * two words don t), @name for any alternative of a class, or * for any
 * one word; a ? after a token makes it optional. A pattern matches a run
 * of consecutive words within one sentence. Words split by separators
 * ("k.i.l.l", "k i l l") are also tried joined, and split into lexicon
 * words when they run together ("killyou").
 *
 * A text's severity in a category is the highest severity of the
 * category's patterns that match it, except matches that end inside a
 * match of an allow.txt idiom: "I'll shoot you" is cancelled by "shoot you
 * a note" when the text goes on that way.
 */
#ifndef CPO_LEXICON_H
#define CPO_LEXICON_H

#include <stddef.h>

#include "buf.h"
#include "safety.h"

/* The six files, in the order they are read. */
#define LEXICON_NFILES 6
extern const char *const lexicon_files[LEXICON_NFILES];

struct lexicon;
struct lexicon_scan;

/* A pattern that matched, for explanations. */
struct lexicon_match {
	enum safety_category category;
	int severity;
	const char *file;	/* the pattern's file and line */
	unsigned line;
	size_t start, end;	/* the bytes of the text it matched */
};

/* Returns an empty lexicon. Only the allocator can fail, and it exits. */
struct lexicon *lexicon_new(void);

/* Frees lx; NULL is fine. */
void lexicon_free(struct lexicon *lx);

/*
 * Adds the lines of one file: name is one of lexicon_files (it says what
 * the file holds), shown is the name used in messages (a path), text has
 * len bytes. Returns 0, or -1 after appending "SHOWN:LINE: what is wrong"
 * to why; the lexicon is then unusable.
 */
int lexicon_add(struct lexicon *lx, const char *name, const char *shown,
    const char *text, size_t len, struct buf *why);

/*
 * Reads the six files from directory dir, or, when dir is NULL, the
 * compiled-in copies ("safety/NAME" in lib/embed), and finishes the
 * lexicon. Returns 0; or -1 after appending the reason to why, which for
 * a file that cannot be read is "PATH: strerror" with errno set, and for
 * a bad line "PATH:LINE: ..." with errno 0.
 */
int lexicon_load(struct lexicon *lx, const char *dir, struct buf *why);

/*
 * Returns the lexicon of directory dir; when dir is NULL, of data/safety
 * in the current directory if there is one (data/ overrides the copy
 * compiled in, as for every program), else the compiled-in copy. Returns
 * NULL after appending the reason to why, as lexicon_load does (errno
 * set when a file could not be read).
 */
struct lexicon *lexicon_open(const char *dir, struct buf *why);

/*
 * Resolves the classes and indexes the patterns, after the last
 * lexicon_add. Returns 0, or -1 after appending what is wrong to why (an
 * unknown or self-referring class, a pattern that can match nothing or
 * starts with *).
 */
int lexicon_finish(struct lexicon *lx, struct buf *why);

/* Scratch space for lexicon_classify; one per thread. */
struct lexicon_scan *lexicon_scan_new(void);
void lexicon_scan_free(struct lexicon_scan *sc);

/*
 * Screens len bytes of text: sets severity[c] for each category (0 when
 * nothing matched). When on_match is not NULL, calls it for every match
 * that counts, in text order. Can't fail.
 */
void lexicon_classify(const struct lexicon *lx, struct lexicon_scan *sc,
    const char *text, size_t len, int severity[SAFETY_NCATEGORIES],
    void (*on_match)(void *arg, const struct lexicon_match *m), void *arg);

#endif
