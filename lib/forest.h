/* SPDX-License-Identifier: MIT */
/*
 * Forest plots in inline SVG: one row per comparison, a square at the
 * estimate and a line over its interval, on a shared axis with the line of
 * no effect drawn. cpo-report draws one for each metric, of the relative
 * lift of every treatment arm over control.
 */
#ifndef CPO_FOREST_H
#define CPO_FOREST_H

#include <stddef.h>

#include "buf.h"

/* One comparison. Labels are borrowed and may hold anything: escaped. */
struct forest_row {
	const char *label;	/* e.g. the treatment arm's name */
	double estimate;	/* in percent; NAN when not estimable */
	double lower, upper;	/* its interval; NAN when there is none */
	int significant;	/* drawn in colour, filled, with a star */
};

/* Longest label drawn whole; longer ones are cut (the title has it all). */
#define FOREST_LABEL_MAX 20

/*
 * Appends an <svg> element (no XML declaration; for inline use in HTML) of
 * the n rows, titled title, with axis_label under the axis. The axis spans
 * 0 and every estimate and interval, with round ticks; estimates and
 * intervals are in percent and labelled so. Output depends only on the
 * arguments. Can't fail.
 */
void forest_svg(struct buf *b, const char *title, const char *axis_label,
    const struct forest_row *row, size_t n);

/*
 * Appends v with decimals digits after the point, with a sign when
 * plus is 1 ("+3.4", "-0.5", "0.0": never "-0.0" or "+0.0"), or "n/a"
 * when v is not finite.
 */
void forest_number(struct buf *b, double v, int decimals, int plus);

#endif
