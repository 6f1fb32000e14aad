/* SPDX-License-Identifier: MIT */
/*
 * A progress line for long-running programs: on stderr, only when stderr is
 * a terminal, redrawn in place with a carriage return at most a few times a
 * second, and cleared when the work ends, so that it never mixes with the
 * diagnostics or ends up in a log. It shows the records done and the rate,
 * and with a known total the percentage and the time left:
 *
 *     cpo-generate: 1200/5000 records (24%), 41.7/s, 1:31 left
 *     cpo-segment: reading: 81920 records, 51234/s
 *
 * Usage, with p a struct progress the caller owns (on the stack is fine):
 *
 *     progress_init(&p, stderr, opt.quiet);
 *     progress_begin(&p, "cpo-generate", total);	// total 0: unknown
 *     for each record:
 *             ... work ...
 *             progress_update(&p, ndone);
 *     progress_end(&p);			// before the closing summary
 *
 * Call progress_clear before printing a diagnostic in the loop, so that the
 * message does not run into the line.
 *
 * A program with several stages calls progress_begin again for each (the
 * count and rate start over); progress_end once at the end. progress_update
 * costs a branch when the line is off (not a terminal, or --quiet) and a
 * clock read when it is on, so it may be called for every record. No call
 * can fail. Nothing here writes to stdout or touches the records, so the
 * output stays byte-identical whether the line is shown or not.
 */
#ifndef CPO_PROGRESS_H
#define CPO_PROGRESS_H

#include <stdio.h>

/* Redraw at most this often, in seconds: often enough to look alive. */
#define PROGRESS_INTERVAL 0.25

struct progress {
	FILE *out;		/* the terminal, normally stderr */
	int on;			/* out is a terminal and not --quiet */
	const char *label;	/* the stage's name, borrowed */
	unsigned long total;	/* records in the stage, 0 when unknown */
	unsigned long done;	/* records done as last reported */
	double start;		/* when the stage began, in seconds */
	double last;		/* when the line was last drawn */
	size_t shown;		/* width of the line on screen, 0 if none */
	/* The clock, seconds from any fixed point; tests may replace it. */
	double (*clock)(void);
};

/*
 * Sets p up to draw on out (borrowed) when out is a terminal and quiet is
 * 0; otherwise every other call does nothing. Can't fail.
 */
void progress_init(struct progress *p, FILE *out, int quiet);

/*
 * Starts a stage named label (borrowed until the next progress_begin or
 * progress_end; the program name, or "cpo-segment: reading") of total
 * records, 0 when the total is not known. If a line is on screen it is
 * redrawn at once with the new label, so a stage that reports nothing (a
 * k-means fit) still shows what is going on.
 */
void progress_begin(struct progress *p, const char *label,
    unsigned long total);

/*
 * Notes that done records of the stage are finished, and redraws the line
 * if PROGRESS_INTERVAL has passed since it was last drawn (or since the
 * stage began, so that work quicker than that never shows a line). The
 * line reads "LABEL..." until the first record of a stage is done.
 */
void progress_update(struct progress *p, unsigned long done);

/*
 * Clears the line, if one is on screen, so that a diagnostic can be printed
 * on a line of its own; the next progress_update draws it again.
 */
void progress_clear(struct progress *p);

/* Clears the line for good: later calls draw nothing. */
void progress_end(struct progress *p);

/*
 * Formats the line for done records after elapsed seconds into out (size
 * bytes, always NUL-terminated). Exposed for tests and for callers that
 * want the text elsewhere; returns the length written.
 */
size_t progress_format(const struct progress *p, unsigned long done,
    double elapsed, char *out, size_t size);

#endif
