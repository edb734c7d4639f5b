/*
 * fmt_fsu.c
 *	  Cargo-IMP FSU (freight status update) text messages to FmtEvents.
 *
 * Pure C with jansson for the payload (see fmt.h).  The layout read, per
 * the Cargo-IMP manual:
 *
 *	 QD FRAFMLH                        Type B address lines: ignored
 *	 .FRAFMLH 161020
 *	 FSU/13                            message type and version
 *	 020-12345675FRAJFK/T10K250.0      AWB, origin, destination, quantity
 *	 RCS/15OCT1030/FRA/T10K250.0       status lines, one status each
 *	 MAN/LH400/16OCT/FRAJFK/T10K250.0
 *	 DEP/LH400/16OCT/FRAJFK/P4K100.0T10/A1745
 *	 /ACME FORWARDING                  a line starting "/" continues the one before
 *	 OSI/CALL ON ARRIVAL               other service information: payload
 *
 * Several messages may follow each other; each starts with its FSU line.
 * Quantity: shipment description code (T total, P part, S split, D divided),
 * pieces, weight code (K or L) and weight; after P, S or D the total pieces
 * of the consignment follow as "T" and a number.
 *
 * Status lines name their fields by shape, so the order inside the line may
 * vary by carrier: a flight ("LH400", carrier then number), a day and month
 * with an optional time ("16OCT", "16OCT1745"), an airport ("FRA") or an
 * airport pair ("FRAJFK"), a quantity, a time ("A1745" actual, "E..."
 * estimated, "S..." scheduled, optionally "AD1745"/"EA2010" with D or A for
 * departure or arrival), a discrepancy code (DIS lines: MSCA, FDCA, OFLD ...)
 * and free text (names, other details) kept in the payload.
 *
 * What an event gets:
 *	 - shipment reference: the AWB (check digit verified);
 *	 - code map keys: standard IATA, version the FSU version, code the
 *	   status code, qualifier the place against the AWB: ORIGIN, DESTINATION
 *	   or TRANSIT (DIS lines: the discrepancy code);
 *	 - place: departures, manifests and bookings at the first airport of the
 *	   pair, arrivals at the airport given (or the second of the pair);
 *	 - time: local at that airport (FSU times are airport-local), the year
 *	   being the one that puts the date nearest the reference time (FSU
 *	   dates have none); zone_keys and airport are the airport, which
 *	   cbl.location_zone turns into a time zone and a UN/LOCODE;
 *	 - classifier: EST or PLN when the time is marked E or S, else the code
 *	   map's;
 *	 - partial: the status covers fewer pieces than the AWB;
 *	 - event_id: the AWB, the code and a hash of the status line, so the
 *	   same status sent again is a duplicate.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check_digit.h"
#include "fmt.h"

#define MAX_FIELDS	32

static const char *const months[] = {
	"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"
};

static bool
IsUpper(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z'))
			return false;
	return true;
}

static bool
IsDigits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char) s[i]))
			return false;
	return true;
}

typedef struct Quantity
{
	bool		ok;
	char		code;			/* T, P, S, D */
	int			pieces;
	char		weight_code;	/* K, L or 0 */
	char		weight[16];
	int			total;			/* total pieces after P/S/D, or 0 */
} Quantity;

/* "T10K250.0", "P4K100T10", "T10". */
static bool
ParseQuantity(const char *s, Quantity *q)
{
	const char *p = s;
	int			n = 0;

	memset(q, 0, sizeof(*q));
	if (*p != 'T' && *p != 'P' && *p != 'S' && *p != 'D')
		return false;
	q->code = *p++;
	if (!isdigit((unsigned char) *p))
		return false;
	while (isdigit((unsigned char) *p) && n < 5)
		q->pieces = q->pieces * 10 + (*p++ - '0'), n++;
	if (isdigit((unsigned char) *p))
		return false;
	if (*p == 'K' || *p == 'L')
	{
		size_t		k = 0;

		q->weight_code = *p++;
		if (!isdigit((unsigned char) *p))
			return false;
		while ((isdigit((unsigned char) *p) || *p == '.') && k < sizeof(q->weight) - 1)
			q->weight[k++] = *p++;
		if (isdigit((unsigned char) *p) || *p == '.')
			return false;
	}
	if (*p == 'T' && q->code != 'T')
	{
		p++;
		n = 0;
		if (!isdigit((unsigned char) *p))
			return false;
		while (isdigit((unsigned char) *p) && n < 5)
			q->total = q->total * 10 + (*p++ - '0'), n++;
	}
	/* volume and other trailing details ("MC1.2") are not read */
	if (*p != '\0' && !(p[0] == 'M' && p[1] == 'C') && !(p[0] == 'D' && p[1] == 'G'))
		return false;
	q->ok = true;
	return true;
}

/* "16OCT" or "16OCT1745": day, month (1-12), time or -1. */
static bool
ParseDayMonth(const char *s, int *day, int *month, int *hh, int *mm)
{
	size_t		n = strlen(s);

	*hh = *mm = -1;
	if ((n != 5 && n != 9) || !IsDigits(s, 2) || !(s[2] >= 'A' && s[2] <= 'Z'))
		return false;
	*day = (s[0] - '0') * 10 + (s[1] - '0');
	*month = 0;
	for (int i = 0; i < 12; i++)
		if (strncmp(s + 2, months[i], 3) == 0)
			*month = i + 1;
	if (*month == 0)
		return false;
	if (n == 9)
	{
		if (!IsDigits(s + 5, 4))
			return false;
		*hh = (s[5] - '0') * 10 + (s[6] - '0');
		*mm = (s[7] - '0') * 10 + (s[8] - '0');
		if (*hh > 23 || *mm > 59)
			return false;
	}
	return *day >= 1 && *day <= 31;
}

/* A flight: two characters of carrier (letters or digits, not both digits), 1-5 digits, an optional letter. */
static bool
IsFlight(const char *s)
{
	size_t		n = strlen(s),
				k = 2;

	if (n < 3 || n > 8 || !isalnum((unsigned char) s[0]) || !isalnum((unsigned char) s[1]) ||
		(isdigit((unsigned char) s[0]) && isdigit((unsigned char) s[1])) ||
		islower((unsigned char) s[0]) || islower((unsigned char) s[1]))
		return false;
	if (!isdigit((unsigned char) s[k]))
		return false;
	while (k < n && isdigit((unsigned char) s[k]) && k < 7)
		k++;
	if (k < n && s[k] >= 'A' && s[k] <= 'Z')
		k++;
	return k == n;
}

/* "A1745", "E1745", "S1745", "AD1745", "EA2010". */
static bool
IsTime(const char *s, char *kind, int *hh, int *mm)
{
	size_t		n = strlen(s);
	const char *d;

	if (n != 5 && n != 6)
		return false;
	if (s[0] != 'A' && s[0] != 'E' && s[0] != 'S')
		return false;
	if (n == 6 && s[1] != 'D' && s[1] != 'A')
		return false;
	d = s + n - 4;
	if (!IsDigits(d, 4))
		return false;
	*kind = s[0];
	*hh = (d[0] - '0') * 10 + (d[1] - '0');
	*mm = (d[2] - '0') * 10 + (d[3] - '0');
	return *hh <= 23 && *mm <= 59;
}

/* The year that puts day/month nearest to ref (microseconds since 2000). */
static bool
NearestDate(int day, int month, int64_t ref, int *year)
{
	int64_t		ref_days = ref / (INT64_C(86400) * 1000000) + 10957;	/* days since 1970 */
	int			y0;
	int64_t		best = -1;

	if (ref < 0)
		ref_days = (ref - (INT64_C(86400) * 1000000 - 1)) / (INT64_C(86400) * 1000000) + 10957;
	/* the calendar year of ref */
	y0 = (int) (1970 + ref_days / 365);
	while (FmtDaysFromCivil(y0, 1, 1) > ref_days)
		y0--;
	while (FmtDaysFromCivil(y0 + 1, 1, 1) <= ref_days)
		y0++;
	for (int y = y0 - 1; y <= y0 + 1; y++)
	{
		int64_t		dist;

		if (!FmtValidDate(y, month, day))
			continue;
		dist = FmtDaysFromCivil(y, month, day) - ref_days;
		if (dist < 0)
			dist = -dist;
		if (best < 0 || dist < best)
		{
			best = dist;
			*year = y;
		}
	}
	return best >= 0;
}

typedef struct Awb
{
	char		number[16];		/* 020-12345675 */
	char		origin[4];
	char		destination[4];
	Quantity	qty;
} Awb;

/* "020-12345675FRAJFK/T10K250.0" */
static bool
ParseAwbLine(const char *line, Awb *awb, char *why, size_t whylen)
{
	char		num[16];
	int64_t		packed;
	ParseError	err;
	const char *slash;

	memset(awb, 0, sizeof(*awb));
	if (strlen(line) < 18 || line[3] != '-' || !IsDigits(line, 3) || !IsDigits(line + 4, 8))
	{
		snprintf(why, whylen, "The consignment line does not start with an air waybill number such as 020-12345675.");
		return false;
	}
	memcpy(num, line, 12);
	num[12] = '\0';
	if (!AwbParse(num, &packed, &err) || AwbFormat(packed, awb->number, sizeof(awb->number)) < 0)
	{
		snprintf(why, whylen, "Air waybill %s: %s", num, err.detail);
		return false;
	}
	if (!(isupper((unsigned char) line[12]) && isupper((unsigned char) line[13]) && isupper((unsigned char) line[14]) &&
		  isupper((unsigned char) line[15]) && isupper((unsigned char) line[16]) && isupper((unsigned char) line[17])))
	{
		snprintf(why, whylen, "The consignment line has no origin and destination airports after the air waybill number.");
		return false;
	}
	memcpy(awb->origin, line + 12, 3);
	memcpy(awb->destination, line + 15, 3);
	slash = line + 18;
	if (*slash == '/')
	{
		char		q[48];
		const char *e = strchr(slash + 1, '/');
		size_t		m = e ? (size_t) (e - slash - 1) : strlen(slash + 1);

		if (m >= sizeof(q))
			m = sizeof(q) - 1;
		memcpy(q, slash + 1, m);
		q[m] = '\0';
		if (!ParseQuantity(q, &awb->qty))
		{
			snprintf(why, whylen, "The consignment line's quantity \"%.40s\" is not a quantity such as T10K250.0.", q);
			return false;
		}
	}
	else if (*slash != '\0')
	{
		snprintf(why, whylen, "The consignment line has text after the airports that is not a quantity.");
		return false;
	}
	return true;
}

static void
ParseStatus(FmtBatch *batch, const Awb *awb, const char *version, const char *line,
			const char *osi, int position, const FmtOptions *opt)
{
	FmtEvent   *ev = FmtAdd(batch, position);
	char		buf[512];
	char	   *field[MAX_FIELDS];
	int			nf = 0;
	char		code[4];
	const char *flight = NULL,
			   *pair = NULL,
			   *airport = NULL,
			   *discrepancy = NULL;
	int			day = -1,
				month = -1,
				hh = -1,
				mm = -1,
				year;
	char		tkind = 0;
	Quantity	qty = {.ok = false};
	json_t	   *payload,
			   *extra;
	const char *place;
	uint64_t	h;

	if (ev == NULL)
		return;
	ev->source = opt->source ? opt->source : "iata-fsu";
	ev->standard = "IATA";
	ev->version = version;
	ev->raw = FmtStr(batch, line);
	ev->shipment = FmtStr(batch, awb->number);

	if (strlen(line) >= sizeof(buf))
	{
		FmtReject(ev, "The status line is longer than %d characters.", (int) sizeof(buf) - 1);
		return;
	}
	strcpy(buf, line);
	field[nf++] = buf;
	for (char *p = buf; *p && nf < MAX_FIELDS; p++)
		if (*p == '/')
		{
			*p = '\0';
			field[nf++] = p + 1;
		}
	if (!IsUpper(field[0], 3))
	{
		FmtReject(ev, "A status line starts with a three-letter status code and \"/\".");
		return;
	}
	memcpy(code, field[0], 4);
	ev->code = FmtStr(batch, code);

	payload = FmtJsonObject();
	extra = json_array();
	for (int i = 1; i < nf; i++)
	{
		const char *f = field[i];
		int			d,
					m,
					th,
					tm;
		char		k;
		Quantity	q;

		if (f[0] == '\0')
			continue;
		if (day < 0 && ParseDayMonth(f, &d, &m, &th, &tm))
		{
			day = d, month = m;
			if (th >= 0)
				hh = th, mm = tm;
		}
		else if (flight == NULL && IsFlight(f))
			flight = f;
		else if (pair == NULL && airport == NULL && IsUpper(f, 6))
			pair = f;
		else if (airport == NULL && pair == NULL && IsUpper(f, 3))
			airport = f;
		else if (!qty.ok && ParseQuantity(f, &q))
			qty = q;
		else if (tkind == 0 && IsTime(f, &k, &th, &tm))
		{
			tkind = k;
			hh = th, mm = tm;
		}
		else if (discrepancy == NULL && strcmp(code, "DIS") == 0 && IsUpper(f, 4))
			discrepancy = f;
		else
			json_array_append_new(extra, FmtJson(f));
	}

	/* a line that stops in the middle of a field shows up here */
	if (day < 0)
	{
		FmtReject(ev, "The %s status has no day and month such as 16OCT (is the line cut off?).", code);
		goto done;
	}
	if (!NearestDate(day, month, opt->has_reference_time ? opt->reference_time : 0, &year))
	{
		FmtReject(ev, "The day %d of month %d does not exist.", day, month);
		goto done;
	}
	if (!opt->has_reference_time)
	{
		FmtReject(ev, "No reference time to take the year of %02d/%02d from.", day, month);
		goto done;
	}

	/* where it happened */
	if (strcmp(code, "ARR") == 0 || strcmp(code, "RCF") == 0 || strcmp(code, "AWR") == 0)
		place = airport ? airport : (pair ? pair + 3 : NULL);
	else
		place = airport ? airport : pair;	/* the first of a pair */
	if (place == NULL)
	{
		FmtReject(ev, "The %s status names no airport.", code);
		goto done;
	}
	ev->airport = FmtStrN(batch, place, 3);
	ev->zone_keys = ev->airport;
	if (discrepancy != NULL)
	{
		ev->qualifier = FmtStr(batch, discrepancy);
		ev->reason_code = ev->qualifier;
	}
	else if (strncmp(place, awb->origin, 3) == 0)
		ev->qualifier = "ORIGIN";
	else if (strncmp(place, awb->destination, 3) == 0)
		ev->qualifier = "DESTINATION";
	else
		ev->qualifier = "TRANSIT";

	/* when */
	ev->local_time = true;
	ev->occurred_at = FmtWallClock(year, month, day, hh < 0 ? 0 : hh, mm < 0 ? 0 : mm, 0);
	if (strcmp(code, "BKD") != 0 && tkind == 'E')	/* a booking is a fact, whatever its flight's times */
		memcpy(ev->classifier, "EST", 4);
	else if (strcmp(code, "BKD") != 0 && tkind == 'S')
		memcpy(ev->classifier, "PLN", 4);

	/* how much */
	if (qty.ok)
	{
		int			total = awb->qty.ok ? (awb->qty.total ? awb->qty.total : awb->qty.pieces) : 0;

		ev->partial = qty.code != 'T' || (total > 0 && qty.pieces < total);
		json_object_set_new(payload, "pieces", json_integer(qty.pieces));
		if (qty.weight_code)
		{
			json_object_set_new(payload, "weight", FmtJson(qty.weight));
			json_object_set_new(payload, "weight_unit", json_string(qty.weight_code == 'K' ? "kg" : "lb"));
		}
		if (total > 0)
			json_object_set_new(payload, "awb_pieces", json_integer(total));
	}
	else if (awb->qty.ok && (awb->qty.code != 'T'))
		ev->partial = true;

	if (flight)
		json_object_set_new(payload, "flight", FmtJson(flight));
	json_object_set_new(payload, "airport", FmtJson(ev->airport));
	if (pair)
		json_object_set_new(payload, "route", FmtJson(pair));
	if (hh < 0)
		json_object_set_new(payload, "time_given", json_false());
	if (tkind)
	{
		char		k[2] = {tkind, '\0'};

		json_object_set_new(payload, "time_kind", json_string(k));
	}
	if (json_array_size(extra) > 0)
		json_object_set(payload, "details", extra);
	if (osi != NULL)
		json_object_set_new(payload, "osi", FmtJson(osi));
	json_object_set_new(payload, "awb_route", json_pack("s+", awb->origin, awb->destination));
	ev->payload = FmtOwn(batch, json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS));

	/* identity: the AWB, the code and the line */
	h = FmtHash(awb->number, strlen(awb->number), FMT_HASH_SEED);
	h = FmtHash(line, strlen(line), h);
	ev->event_id = FmtPrintf(batch, "%s-%s-%016llx", awb->number, code, (unsigned long long) h);
	if (ev->event_id == NULL || ev->payload == NULL || ev->raw == NULL || ev->airport == NULL ||
		ev->shipment == NULL ||
		ev->qualifier == NULL || ev->code == NULL)
		FmtReject(ev, "Out of memory while reading the status.");
done:
	json_decref(extra);
	json_decref(payload);
}

/* A line of the message: its text without the line break and trailing blanks. */
typedef struct Line
{
	const char *start;
	size_t		len;
} Line;

static const char *
LineText(FmtBatch *batch, Line l)
{
	return FmtStrN(batch, l.start, l.len);
}

static void
ParseMessage(FmtBatch *batch, Line *lines, int n, int *position, const FmtOptions *opt)
{
	const char *header = LineText(batch, lines[0]);
	const char *version = "";
	Awb			awb;
	char		why[256];
	const char *awbline;
	int			statuses = 0;

	if (header == NULL)
		return;
	if (strlen(header) > 4)
		version = FmtStr(batch, header + 4);
	if (version == NULL || strlen(version) > 4 || !IsDigits(version, strlen(version)))
		version = "";
	awbline = n > 1 ? LineText(batch, lines[1]) : NULL;
	if (awbline == NULL || !ParseAwbLine(awbline, &awb, why, sizeof(why)))
	{
		FmtEvent   *ev = FmtAdd(batch, ++(*position));
		size_t		span = (size_t) ((lines[n - 1].start + lines[n - 1].len) - lines[0].start);

		if (ev == NULL)
			return;
		ev->source = opt->source ? opt->source : "iata-fsu";

		ev->raw = FmtStrN(batch, lines[0].start, FmtUtf8Cut(lines[0].start, span, 4096));
		FmtReject(ev, "%s", awbline == NULL ? "The FSU message has no consignment line after its header." : why);
		return;
	}
	for (int i = 2; i < n; i++)
	{
		char		text[512];
		size_t		len = 0;
		const char *osi = NULL;

		if (lines[i].len == 0)
			continue;
		if (lines[i].start[0] == '/')
			continue;			/* joined to the line before */
		if (lines[i].len >= 4 && (memcmp(lines[i].start, "OSI/", 4) == 0 ||
								  memcmp(lines[i].start, "OCI/", 4) == 0))
			continue;			/* read with the status it follows */
		/* the line and its continuations */
		for (int j = i; j < n && (j == i || (lines[j].len > 0 && lines[j].start[0] == '/')); j++)
		{
			size_t		m = lines[j].len;

			if (len + m >= sizeof(text))
				m = sizeof(text) - 1 - len;
			memcpy(text + len, lines[j].start, m);
			len += m;
		}
		text[len] = '\0';
		/* other service information after it */
		for (int j = i + 1; j < n; j++)
		{
			if (lines[j].len > 0 && lines[j].start[0] == '/')
				continue;
			if (lines[j].len >= 4 && memcmp(lines[j].start, "OSI/", 4) == 0)
				osi = FmtStrN(batch, lines[j].start + 4, lines[j].len - 4);
			break;
		}
		ParseStatus(batch, &awb, version, text, osi, ++(*position), opt);
		statuses++;
	}
	if (statuses == 0)
	{
		FmtEvent   *ev = FmtAdd(batch, ++(*position));

		if (ev != NULL)
		{
			ev->source = opt->source ? opt->source : "iata-fsu";
			ev->raw = awbline;
			FmtReject(ev, "The FSU message for %s has no status line.", awb.number);
		}
	}
}

bool
FmtParseFsu(FmtBatch *batch, const char *text, size_t len, const FmtOptions *opt,
			char *errbuf, size_t errlen)
{
	Line	   *lines = NULL;
	int			n = 0,
				cap = 0,
				start = -1,
				position = 0;
	const char *p = text,
			   *end = text + len;

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end)
	{
		const char *e = p;
		Line		l;

		while (e < end && *e != '\n' && *e != '\r')
			e++;
		l.start = p;
		l.len = (size_t) (e - p);
		while (l.len > 0 && (l.start[l.len - 1] == ' ' || l.start[l.len - 1] == '\t' ||
							 l.start[l.len - 1] == '\0'))
			l.len--;
		while (l.len > 0 && (l.start[0] == ' ' || l.start[0] == '\t'))
			l.start++, l.len--;
		if (memchr(l.start, '\0', l.len) != NULL)
			l.len = strnlen(l.start, l.len);
		if (n == cap)
		{
			int			c = cap ? cap * 2 : 64;
			Line	   *g = realloc(lines, (size_t) c * sizeof(Line));

			if (g == NULL)
			{
				free(lines);
				snprintf(errbuf, errlen, "out of memory");
				return false;
			}
			lines = g;
			cap = c;
		}
		lines[n++] = l;
		if (e < end && *e == '\r' && e + 1 < end && e[1] == '\n')
			e++;
		p = e + 1;
	}

	/* a message runs from its FSU line to a blank line or the next FSU line */
	for (int i = 0; i <= n; i++)
	{
		bool		header = i < n && lines[i].len >= 4 && memcmp(lines[i].start, "FSU/", 4) == 0;

		if (start >= 0 && (i == n || header || lines[i].len == 0))
		{
			ParseMessage(batch, lines + start, i - start, &position, opt);
			start = -1;
		}
		if (header)
			start = i;
	}
	free(lines);
	if (position == 0)
	{
		snprintf(errbuf, errlen, "no FSU message: a message starts with a line such as \"FSU/13\"");
		return false;
	}
	return true;
}
