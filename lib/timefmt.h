/* SPDX-License-Identifier: MIT */
/*
 * Timestamps for records. Programs pass in the clock reading; lib/ never
 * reads the clock itself, so runs can be reproduced byte for byte.
 */
#ifndef CPO_TIMEFMT_H
#define CPO_TIMEFMT_H

#include <time.h>

/* Length of "YYYY-MM-DDTHH:MM:SSZ" plus the NUL. */
#define TIMEFMT_ISO_SIZE 21

/*
 * Chooses the time to stamp on records: SOURCE_DATE_EPOCH when source_date_epoch
 * (the variable's value, or NULL when unset) is set, else now. Returns 0 and
 * stores the time in *out; returns -1 when the variable is set but is not a
 * non-negative decimal integer (the reproducible-builds specification says
 * to fail rather than guess).
 */
int timefmt_choose(const char *source_date_epoch, time_t now, time_t *out);

/* Writes t as UTC "YYYY-MM-DDTHH:MM:SSZ" into out (TIMEFMT_ISO_SIZE bytes). */
void timefmt_iso(time_t t, char *out);

/*
 * Parses an ISO 8601 date ("2025-11-01") or UTC date and time
 * ("2025-11-01T00:00:00Z", seconds optional, a fraction of a second and an
 * offset such as "+02:00" allowed) into *t. Returns 0, or -1 if s is not
 * one.
 */
int timefmt_parse_iso(const char *s, time_t *t);

#endif
