/* SPDX-License-Identifier: MIT */
/*
 * The experiment report: one self-contained HTML page (inline CSS and SVG,
 * no scripts, no external files) made from an experiment metrics document,
 * as cpo-lift writes it or in the seed's shape (arms as an object keyed by
 * name, segment arms as metrics_by_arm, test_type for the test).
 *
 * The page has the experiment's facts and the SRM verdict at the top, the
 * arm table, a forest plot per metric of every treatment's relative lift
 * with its interval, the lift table, the segment breakdown, the sample
 * ratio and fallback checks, and the test and correction used. Only arms
 * (a non-empty array or object of arms, each with arm_name and
 * sample_size) is required; every other part is shown when present and
 * said to be missing when not. Every string from the document is escaped.
 */
#ifndef CPO_REPORT_H
#define CPO_REPORT_H

#include "buf.h"
#include "json.h"

/*
 * Appends the page for doc (borrowed) to out; generator ("cpo-report (cpo)
 * 0.1.0") goes in the footer and a meta tag. The page depends only on the
 * arguments: the same document gives the same bytes. Returns 0, or -1
 * after appending the problem with the document to err as expdoc_read
 * describes it; out is then left as it was.
 */
int report_html(const cJSON *doc, const char *generator, struct buf *out,
    struct buf *err);

#endif
