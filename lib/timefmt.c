/* SPDX-License-Identifier: MIT */
/*
 * SOURCE_DATE_EPOCH handling per reproducible-builds.org/specs/source-date-epoch.
 */
#include <string.h>
#include <time.h>

#include "numparse.h"
#include "timefmt.h"

int
timefmt_choose(const char *sde, time_t now, time_t *out)
{
	long long v;

	if (sde == NULL || *sde == '\0') {
		*out = now;
		return 0;
	}
	if (sde[0] == '+' || sde[0] == '-' ||
	    num_parse_int(sde, strlen(sde), 0, 253402300799LL, &v) != NUM_OK)
		return -1;
	*out = (time_t)v;
	return 0;
}

void
timefmt_iso(time_t t, char *out)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, TIMEFMT_ISO_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
