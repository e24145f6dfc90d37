/*
 * server-time timestamps: calendar arithmetic on days since 1970-01-01 of
 * the proleptic Gregorian calendar, in both directions.
 */
#include "servertime.h"

#include <stdbool.h>
#include <string.h>

#define MS_PER_DAY      86400000LL
/* 10000-01-01T00:00:00.000Z: the first time with a five-digit year. */
#define SERVERTIME_END  253402300800000LL

static const int month_days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

/* n decimal digits at s, or -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d. */
static int64_t
days_since_epoch(int y, int m, int d)
{
	/* Leap days of the years before y, less those before 1970. */
	int64_t days = (int64_t)(y - 1970) * 365 +
	    ((y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400);

	for (int i = 0; i < m - 1; i++)
		days += month_days[i];
	return days + (m > 2 && is_leap(y)) + d - 1;
}

int
servertime_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, milli;

	if (s == NULL || strlen(s) != SERVERTIME_SIZE - 1 || s[4] != '-' ||
	    s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != '.' || s[23] != 'Z')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	milli = digits(s + 20, 3);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 59 || milli < 0)
		return -1;
	if (d > month_days[mo - 1] + (mo == 2 && is_leap(y)))
		return -1;
	*ms = ((days_since_epoch(y, mo, d) * 24 + h) * 60 + mi) * 60000 +
	    (int64_t)sec * 1000 + milli;
	return 0;
}

/* v as n decimal digits, zero-padded, at p. */
static void
put(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
servertime_format(int64_t ms, char out[SERVERTIME_SIZE])
{
	unsigned doe, yoe, doy, mp, y, m, d, rem;
	int64_t days;

	if (ms < 0)
		ms = 0;
	if (ms >= SERVERTIME_END)
		ms = SERVERTIME_END - 1;
	days = ms / MS_PER_DAY;
	rem = (unsigned)(ms % MS_PER_DAY);
	/*
	 * The date of a day count, by years that start on March 1 (so that a
	 * leap day is the last day of its year) in eras of 400 years (146,097
	 * days). The epoch is day 719,468 of era 0 (0000-03-01).
	 */
	days += 719468;
	doe = (unsigned)(days % 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + (unsigned)(days / 146097) * 400 + (m <= 2);
	memcpy(out, "0000-00-00T00:00:00.000Z", SERVERTIME_SIZE);
	put(out, y, 4);
	put(out + 5, m, 2);
	put(out + 8, d, 2);
	put(out + 11, rem / 3600000, 2);
	put(out + 14, rem / 60000 % 60, 2);
	put(out + 17, rem / 1000 % 60, 2);
	put(out + 20, rem % 1000, 3);
}
