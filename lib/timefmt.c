/* SPDX-License-Identifier: MIT */
/*
 * SOURCE_DATE_EPOCH handling per reproducible-builds.org/specs/source-date-epoch,
 * and ISO 8601 timestamps written and read.
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

/* Reads exactly n digits at *s into *v and moves *s past them. */
static int
digits(const char **s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return 0;
}

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (the days_from_civil algorithm of the public "chrono-compatible
 * low-level date algorithms"), so no timegm is needed.
 */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
month_days(int y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

int
timefmt_parse_iso(const char *s, time_t *t)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;

	if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 ||
	    *s++ != '-' || digits(&s, 2, &d) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return -1;
	if (*s == 'T') {
		s++;
		if (digits(&s, 2, &h) < 0 || *s++ != ':' ||
		    digits(&s, 2, &mi) < 0)
			return -1;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &sec) < 0)
				return -1;
			if (*s == '.') {
				s++;
				if (*s < '0' || *s > '9')
					return -1;
				while (*s >= '0' && *s <= '9')
					s++;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (*s == 'Z')
			s++;
		else if (*s == '+' || *s == '-') {
			sign = *s++ == '+' ? 1 : -1;
			if (digits(&s, 2, &oh) < 0 || *s++ != ':' ||
			    digits(&s, 2, &om) < 0 || oh > 23 || om > 59)
				return -1;
		} else
			return -1;
	}
	if (*s != '\0')
		return -1;
	*t = (time_t)(days_from_civil(y, mo, d) * 86400LL + h * 3600LL +
	    mi * 60LL + sec - sign * (oh * 3600LL + om * 60LL));
	return 0;
}
