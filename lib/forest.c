/* SPDX-License-Identifier: MIT */
/*
 * The forest plot. Coordinates are printed with one decimal, and the axis
 * is chosen from the data alone, so the same rows give the same bytes.
 * Colours are attributes rather than CSS so that the SVG still reads
 * right when it is cut out of the page.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "forest.h"
#include "html.h"

/* The layout, in SVG user units (CSS pixels at 100%). */
enum {
	WIDTH = 760,
	LABEL_RIGHT = 150,	/* labels end here */
	PLOT_LEFT = 164, PLOT_RIGHT = 540,
	TEXT_LEFT = 556,	/* the estimate and interval as text */
	TOP = 14, ROW = 30, CAP = 6, MARK = 9
};

static const char ink[] = "#24292f";
static const char grey[] = "#6e7781";
static const char up[] = "#1a7f37";	/* significant gain */
static const char down[] = "#cf222e";	/* significant loss */

void
forest_number(struct buf *b, double v, int decimals, int plus)
{
	char text[64], *p;
	int zero = 1;

	if (!isfinite(v)) {
		buf_puts(b, "n/a");
		return;
	}
	snprintf(text, sizeof(text), plus ? "%+.*f" : "%.*f", decimals, v);
	for (p = text; *p != '\0'; p++)
		if (*p >= '1' && *p <= '9')
			zero = 0;
	/* A value that rounds to zero has no sign. */
	buf_puts(b, zero && (text[0] == '-' || text[0] == '+') ? text + 1 :
	    text);
}

/* The axis: from lo to hi in steps of step, all round numbers. */
struct axis {
	double lo, hi, step;
	int decimals;
};

/*
 * Picks a step of 1, 2, 2.5 or 5 times a power of ten giving about five
 * intervals, as plotting programs commonly do (Heckbert, "Nice numbers
 * for graph labels", Graphics Gems, 1990, uses 1, 2 and 5).
 */
static void
axis_fit(struct axis *a, double lo, double hi)
{
	double raw, mag, norm, scaled;

	if (!(hi > lo)) {
		lo -= 10;
		hi += 10;
	}
	raw = (hi - lo) / 5;
	mag = pow(10, floor(log10(raw)));
	norm = raw / mag;
	a->step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 :
	    norm <= 5 ? 5 : 10) * mag;
	a->lo = floor(lo / a->step) * a->step;
	a->hi = ceil(hi / a->step) * a->step;
	for (a->decimals = 0; a->decimals < 6; a->decimals++) {
		scaled = a->step * pow(10, a->decimals);
		if (fabs(scaled - round(scaled)) < 1e-6)
			break;
	}
}

static double
axis_x(const struct axis *a, double v)
{
	return PLOT_LEFT + (v - a->lo) / (a->hi - a->lo) *
	    (PLOT_RIGHT - PLOT_LEFT);
}

/* The span every estimate, interval and 0 must fit in. */
static void
data_range(const struct forest_row *row, size_t n, double *lo, double *hi)
{
	const double *v[3];
	size_t i, j;

	*lo = *hi = 0;
	for (i = 0; i < n; i++) {
		v[0] = &row[i].estimate;
		v[1] = &row[i].lower;
		v[2] = &row[i].upper;
		for (j = 0; j < 3; j++) {
			if (!isfinite(*v[j]))
				continue;
			if (*v[j] < *lo)
				*lo = *v[j];
			if (*v[j] > *hi)
				*hi = *v[j];
		}
	}
}

/* The estimate and interval as words, for the text column and title. */
static void
row_text(struct buf *b, const struct forest_row *r)
{
	if (!isfinite(r->estimate)) {
		buf_puts(b, "not estimable");
		return;
	}
	forest_number(b, r->estimate, 1, 1);
	buf_putc(b, '%');
	if (isfinite(r->lower) && isfinite(r->upper)) {
		buf_puts(b, " [");
		forest_number(b, r->lower, 1, 1);
		buf_puts(b, ", ");
		forest_number(b, r->upper, 1, 1);
		buf_putc(b, ']');
	} else
		buf_puts(b, " (no interval)");
	if (r->significant)
		buf_puts(b, " *");
}

static void
draw_axis(struct buf *b, const struct axis *a, double bottom,
    const char *axis_label)
{
	double v, x;
	int i, nticks = (int)lround((a->hi - a->lo) / a->step);

	buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
	    "stroke=\"%s\"/>\n", PLOT_LEFT, bottom, PLOT_RIGHT, bottom, ink);
	for (i = 0; i <= nticks; i++) {
		v = a->lo + i * a->step;
		x = axis_x(a, v);
		buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"%s\"/>\n", x, bottom, x, bottom + 4,
		    ink);
		buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
		    "text-anchor=\"middle\" fill=\"%s\">", x, bottom + 16, ink);
		forest_number(b, v, a->decimals, 0);
		buf_puts(b, "</text>\n");
	}
	buf_printf(b, "<text class=\"axis-label\" x=\"%d\" y=\"%.1f\" "
	    "font-size=\"12\" text-anchor=\"middle\" fill=\"%s\">",
	    (PLOT_LEFT + PLOT_RIGHT) / 2, bottom + 34, ink);
	html_puts(b, axis_label);
	buf_puts(b, "</text>\n");
}

static void
draw_row(struct buf *b, const struct axis *a, const struct forest_row *r,
    double y)
{
	const char *colour = !r->significant ? grey : r->estimate < 0 ? down :
	    up;
	double x0, x1, x;

	buf_printf(b, "<g class=\"row%s\">\n<title>",
	    r->significant ? " significant" : "");
	html_puts(b, r->label);
	buf_puts(b, ": ");
	row_text(b, r);
	buf_puts(b, "</title>\n");
	buf_printf(b, "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" "
	    "text-anchor=\"end\" fill=\"%s\"%s>", LABEL_RIGHT, y + 4, ink,
	    r->significant ? " font-weight=\"bold\"" : "");
	html_puts_max(b, r->label, FOREST_LABEL_MAX);
	buf_puts(b, "</text>\n");
	if (isfinite(r->estimate) && isfinite(r->lower) &&
	    isfinite(r->upper)) {
		x0 = axis_x(a, r->lower);
		x1 = axis_x(a, r->upper);
		buf_printf(b, "<path d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1f"
		    "M%.1f %.1fV%.1f\" stroke=\"%s\" stroke-width=\"2\" "
		    "fill=\"none\"/>\n", x0, y, x1, x0, y - CAP / 2.0,
		    y + CAP / 2.0, x1, y - CAP / 2.0, y + CAP / 2.0, colour);
	}
	if (isfinite(r->estimate)) {
		x = axis_x(a, r->estimate);
		buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" "
		    "height=\"%d\" fill=\"%s\" stroke=\"%s\" "
		    "stroke-width=\"2\"/>\n", x - MARK / 2.0, y - MARK / 2.0,
		    MARK, MARK, r->significant ? colour : "#ffffff", colour);
	}
	buf_printf(b, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" "
	    "fill=\"%s\">", TEXT_LEFT, y + 4, r->significant ? colour : ink);
	row_text(b, r);
	buf_puts(b, "</text>\n</g>\n");
}

void
forest_svg(struct buf *b, const char *title, const char *axis_label,
    const struct forest_row *row, size_t n)
{
	double lo, hi, bottom = TOP + (double)n * ROW + 6, zero;
	struct axis a;
	size_t i;

	data_range(row, n, &lo, &hi);
	axis_fit(&a, lo, hi);
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "class=\"forest\" role=\"img\" width=\"%d\" height=\"%.0f\" "
	    "viewBox=\"0 0 %d %.0f\" font-family=\"sans-serif\">\n<title>",
	    WIDTH, bottom + 44, WIDTH, bottom + 44);
	html_puts(b, title);
	buf_puts(b, "</title>\n");
	zero = axis_x(&a, 0);
	buf_printf(b, "<line class=\"zero\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
	    "y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"4 3\"/>\n", zero,
	    TOP - 8, zero, bottom, ink);
	for (i = 0; i < n; i++)
		draw_row(b, &a, &row[i], TOP + (double)i * ROW + ROW / 2.0);
	draw_axis(b, &a, bottom, axis_label);
	buf_puts(b, "</svg>\n");
}
