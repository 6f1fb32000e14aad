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

#endif
