/* SPDX-License-Identifier: MIT */
/*
 * The progress line on a terminal. It is drawn with a carriage return and
 * padded with blanks over a longer previous line, and cleared the same
 * way, rather than with ANSI erase codes, so it works on any terminal.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

/* Monotonic seconds: the wall clock may jump while a job runs. */
static double
monotonic_seconds(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_init(struct progress *p, FILE *out, int quiet)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->clock = monotonic_seconds;
	p->on = !quiet && out != NULL && isatty(fileno(out));
}

/* Appends "M:SS" or "H:MM:SS" for s seconds, rounded up. */
static size_t
format_duration(double s, char *out, size_t size)
{
	unsigned long t = s > 0 ? (unsigned long)s + (s > (unsigned long)s) :
	    0;
	int n;

	if (t >= 3600)
		n = snprintf(out, size, "%lu:%02lu:%02lu", t / 3600,
		    t / 60 % 60, t % 60);
	else
		n = snprintf(out, size, "%lu:%02lu", t / 60, t % 60);
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

size_t
progress_format(const struct progress *p, unsigned long done, double elapsed,
    char *out, size_t size)
{
	double rate = elapsed > 0 ? (double)done / elapsed : 0;
	const char *label = p->label != NULL ? p->label : "progress";
	char left[32];
	size_t n = 0;
	int w;

	if (size == 0)
		return 0;
	/* A stage that counts nothing (a fit) or has not started yet. */
	if (done == 0) {
		w = snprintf(out, size, "%s...", label);
		return w < 0 ? 0 : (size_t)w < size ? (size_t)w : size - 1;
	}
	/* Below 10 a second (network calls) a decimal says something. */
	if (p->total > 0)
		w = snprintf(out, size, "%s: %lu/%lu records (%lu%%), %.*f/s",
		    label, done, p->total,
		    (unsigned long)((double)done * 100 / (double)p->total),
		    rate < 10 ? 1 : 0, rate);
	else
		w = snprintf(out, size, "%s: %lu records, %.*f/s", label, done,
		    rate < 10 ? 1 : 0, rate);
	if (w < 0)
		return 0;
	n = (size_t)w < size ? (size_t)w : size - 1;
	if (p->total > 0 && done < p->total && rate > 0) {
		format_duration((double)(p->total - done) / rate, left,
		    sizeof(left));
		w = snprintf(out + n, size - n, ", %s left", left);
		if (w > 0)
			n += (size_t)w < size - n ? (size_t)w : size - n - 1;
	}
	return n;
}

/* Writes "\r", text, and blanks over what is left of a longer old line. */
static void
draw(struct progress *p, const char *text, size_t len)
{
	size_t i;

	fputc('\r', p->out);
	fwrite(text, 1, len, p->out);
	for (i = len; i < p->shown; i++)
		fputc(' ', p->out);
	fflush(p->out);
	p->shown = len > 0 ? len : 1;
}

static void
redraw(struct progress *p, double now)
{
	char line[256];
	size_t len;

	len = progress_format(p, p->done, now - p->start, line, sizeof(line));
	draw(p, line, len);
	p->last = now;
}

void
progress_begin(struct progress *p, const char *label, unsigned long total)
{
	if (!p->on)
		return;
	p->label = label;
	p->total = total;
	p->done = 0;
	p->start = p->last = p->clock();
	if (p->shown > 0)
		redraw(p, p->start);
}

void
progress_update(struct progress *p, unsigned long done)
{
	double now;

	if (!p->on)
		return;
	p->done = done;
	now = p->clock();
	if (now - p->last >= PROGRESS_INTERVAL)
		redraw(p, now);
}

void
progress_clear(struct progress *p)
{
	size_t i;

	if (!p->on || p->shown == 0)
		return;
	fputc('\r', p->out);
	for (i = 0; i < p->shown; i++)
		fputc(' ', p->out);
	fputc('\r', p->out);
	fflush(p->out);
	p->shown = 0;
}

void
progress_end(struct progress *p)
{
	progress_clear(p);
	p->on = 0;
}
