/*
 * fmt_common.c
 *	  The batch of FmtEvents the format parsers fill, its string storage,
 *	  and small helpers they share (hashing, dates).
 *
 * Pure C (see fmt.h).  Out of memory never crashes: a string that cannot be
 * copied comes back NULL, and the parsers reject the event it belonged to.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fmt.h"
#include "owned_strings.h"

struct FmtBatch
{
	FmtEvent   *events;
	size_t		n;
	size_t		cap;
	OwnedStrings owned;			/* the events' strings */
};

FmtBatch *
FmtBatchNew(void)
{
	return calloc(1, sizeof(FmtBatch));
}

void
FmtBatchFree(FmtBatch *batch)
{
	if (batch == NULL)
		return;
	OwnedStringsFree(&batch->owned);
	free(batch->events);
	free(batch);
}

size_t
FmtBatchSize(const FmtBatch *batch)
{
	return batch->n;
}

const FmtEvent *
FmtBatchGet(const FmtBatch *batch, size_t i)
{
	return i < batch->n ? &batch->events[i] : NULL;
}

FmtEvent *
FmtAdd(FmtBatch *batch, int position)
{
	FmtEvent   *ev;

	if (batch->n == batch->cap)
	{
		size_t		cap = batch->cap ? batch->cap * 2 : 16;
		FmtEvent   *grown = realloc(batch->events, cap * sizeof(FmtEvent));

		if (grown == NULL)
			return NULL;
		batch->events = grown;
		batch->cap = cap;
	}
	ev = &batch->events[batch->n++];
	memset(ev, 0, sizeof(*ev));
	ev->ok = true;
	ev->position = position;
	ev->qualifier = "";
	return ev;
}

const char *
FmtOwn(FmtBatch *batch, char *s)
{
	return OwnedStringsKeep(&batch->owned, s);
}

const char *
FmtStrN(FmtBatch *batch, const char *s, size_t n)
{
	char	   *copy;

	if (s == NULL)
		return NULL;
	copy = malloc(n + 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, s, n);
	copy[n] = '\0';
	return FmtOwn(batch, copy);
}

const char *
FmtStr(FmtBatch *batch, const char *s)
{
	return s == NULL ? NULL : FmtStrN(batch, s, strlen(s));
}

const char *
FmtPrintf(FmtBatch *batch, const char *fmt,...)
{
	va_list		ap;
	int			n;
	char	   *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = malloc((size_t) n + 1);
	if (s == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t) n + 1, fmt, ap);
	va_end(ap);
	return FmtOwn(batch, s);
}

void
FmtReject(FmtEvent *ev, const char *fmt,...)
{
	va_list		ap;

	if (!ev->ok)
		return;					/* keep the first reason */
	ev->ok = false;
	va_start(ap, fmt);
	vsnprintf(ev->reason, sizeof(ev->reason), fmt, ap);
	va_end(ap);
}

uint64_t
FmtHash(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
	{
		h ^= b[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/* H. Hinnant's days_from_civil. */
int64_t
FmtDaysFromCivil(int y, int m, int d)
{
	int			era;
	unsigned	yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned) (y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t) era * 146097 + (int64_t) doe - 719468;
}

bool
FmtValidDate(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool		leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
		d <= mdays[m - 1] + (m == 2 && leap);
}

int64_t
FmtWallClock(int y, int mo, int d, int h, int mi, int s)
{
	return ((FmtDaysFromCivil(y, mo, d) - 10957) * 86400 + h * 3600 + mi * 60 + s) *
		INT64_C(1000000);
}

bool
FmtIsUnLocode(const char *s)
{
	if (s == NULL || strlen(s) != 5)
		return false;
	for (int i = 0; i < 5; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (i < 2 ? !(c >= 'A' && c <= 'Z') : !((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '9')))
			return false;
	}
	return true;
}

bool
FmtHasControl(const char *s)
{
	for (; s != NULL && *s; s++)
		if ((unsigned char) *s < 0x20)
			return true;
	return false;
}

bool
FmtTextOk(const char *s)
{
	size_t		n;

	if (s == NULL)
		return false;
	n = strlen(s);
	return n > 0 && n <= FMT_MAX_TEXT;
}

json_t *
FmtJson(const char *s)
{
	json_t	   *j;
	char	   *copy;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	if (j != NULL)
		return j;
	copy = strdup(s);
	if (copy == NULL)
		return json_null();
	for (char *p = copy; *p; p++)
		if ((unsigned char) *p >= 0x80 || (unsigned char) *p < 0x20)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j ? j : json_null();
}

size_t
FmtUtf8Cut(const char *s, size_t len, size_t n)
{
	if (len <= n)
		return len;
	while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

json_t *
FmtJsonObject(void)
{
	return json_pack("{}");
}
