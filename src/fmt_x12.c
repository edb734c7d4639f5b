/*
 * fmt_x12.c
 *	  ANSI X12 315 (Status Details, Ocean) and 214 (Transportation Carrier
 *	  Shipment Status) interchanges to FmtEvents.
 *
 * Pure C with jansson for the payload (see fmt.h).
 *
 * Reading: a message holds one or more interchanges (ISA ... IEA), each with
 * its own separators: the element separator is the byte after "ISA", the
 * sub-element separator is ISA16, and the segment terminator is what
 * follows ISA16 up to a line break or the next "GS" (so "~", "~" plus CRLF,
 * a newline alone, or a multi-byte "…" all work).  A byte-order mark,
 * leading blanks and line breaks inside segments (when the terminator is
 * not a line break) are ignored, so an ISA split over two lines and a file
 * on one line both read.
 *
 * Envelopes: ST/SE (SE01 counts the segments, SE02 repeats ST02), GS/GE
 * (GE01 counts the sets, GE02 repeats GS06) and ISA/IEA (IEA01 counts the
 * groups, IEA02 repeats ISA13) are checked.  A transaction set whose own
 * envelope, or whose group's or interchange's, is broken becomes one
 * rejected FmtEvent with the reason and the set's text; the other sets go
 * on.  (A broken group or interchange trailer rejects the sets inside it:
 * X12 acknowledgements reject a group whose count is wrong.)
 *
 * 315: one status per set.  B4 gives the status code (B403), date and time
 * (B404, B405), status location (B406, or B411 with qualifier B412) and the
 * equipment (B407 + B408 + check digit B413); N9 BM, BN, MB, EQ, FN give
 * references; R4 gives ports with their function (L loading, D discharge,
 * E delivery, R receipt, I interim ...): the function of the port where the
 * status happened is the code map qualifier.  B4 times are local at the
 * status location: zone_keys are the location (UN/LOCODE, or the code as
 * given) and its country.
 *
 * 214: one status per AT7.  B10 and L11 (BM, BN, CN, MB, SI, FN, AW) give
 * references; AT7 gives the status code (AT701, or the appointment code
 * AT703), reason (AT702, NS = normal is dropped), date, time and time code
 * (AT705-AT707); MS1 after it the city, state and country; MS2 the
 * equipment; the AT8 of its LX loop the weight and lading quantity (in
 * the payload).  Time codes: UT/GM are UTC, ES/CS/MS/PS/... fixed offsets,
 * ET/CT/MT/PT/... US zones with daylight saving, LT local at the MS1 place
 * (zone_keys "US-VT", then the country).
 *
 * Event ids: sender (ISA06), ISA13, GS06, ST02, the status's number in the
 * set and a hash of the set's text, so the same file sent again gives the
 * same ids.  updated_at is GS04 + GS05 read as UTC (X12 gives no zone): it
 * only orders messages of one sender.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fmt.h"

#define MAX_ELEMENTS	64

typedef struct Seg
{
	char	   *text;			/* the segment without terminator or line breaks */
	char		tag[4];
} Seg;

typedef struct Interchange
{
	char		esep;
	char		ssep;
	char		term[8];
	int			termlen;
	char		sender[32];
	char		isa13[32];
	Seg		   *segs;			/* after the ISA, up to and including the IEA */
	int			nsegs;
	int			capsegs;
	bool		truncated;		/* ended without IEA */
	const char *fatal;			/* the ISA itself is unreadable */
} Interchange;

/* Split a segment into elements (in place on a copy); returns the count. */
static int
Elements(char *s, char sep, char **el, int max)
{
	int			n = 0;

	el[n++] = s;
	for (char *p = s; *p && n < max; p++)
		if (*p == sep)
		{
			*p = '\0';
			el[n++] = p + 1;
		}
	return n;
}

static const char *
El(char **el, int n, int i)
{
	return i < n ? el[i] : "";
}

static bool
AllDigits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char) s[i]))
			return false;
	return true;
}

static void
Trim(char *s)
{
	size_t		n = strlen(s);
	char	   *p = s;

	while (n > 0 && isspace((unsigned char) s[n - 1]))
		s[--n] = '\0';
	while (*p && isspace((unsigned char) *p))
		p++;
	memmove(s, p, strlen(p) + 1);
}

static bool
AddSeg(Interchange *ic, const char *start, size_t n)
{
	char	   *text = malloc(n + 1);
	size_t		k = 0;
	Seg		   *seg;

	if (text == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (start[i] != '\r' && start[i] != '\n')
			text[k++] = start[i];
	text[k] = '\0';
	/* blanks around a segment (indentation, trailing spaces) are not data */
	while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t'))
		text[--k] = '\0';
	{
		size_t		lead = strspn(text, " \t");

		if (lead > 0)
			memmove(text, text + lead, k - lead + 1);
	}
	if (text[0] == '\0')
	{
		free(text);
		return true;
	}
	if (ic->nsegs == ic->capsegs)
	{
		int			cap = ic->capsegs ? ic->capsegs * 2 : 32;
		Seg		   *grown = realloc(ic->segs, (size_t) cap * sizeof(Seg));

		if (grown == NULL)
		{
			free(text);
			return false;
		}
		ic->segs = grown;
		ic->capsegs = cap;
	}
	seg = &ic->segs[ic->nsegs++];
	seg->text = text;
	memset(seg->tag, 0, sizeof(seg->tag));
	for (int i = 0; i < 3 && text[i] && text[i] != ic->esep; i++)
		seg->tag[i] = text[i];
	return true;
}

static void
FreeInterchange(Interchange *ic)
{
	for (int i = 0; i < ic->nsegs; i++)
		free(ic->segs[i].text);
	free(ic->segs);
	memset(ic, 0, sizeof(*ic));
}

/*
 * Read the ISA at p (which starts "ISA"), its separators, and the segments
 * up to the IEA.  Returns where reading stopped.
 */
static const char *
ReadInterchange(Interchange *ic, const char *p, const char *end)
{
	const char *q = p + 3;
	char		isa[16][32];
	int			nel = 0,
				len = 0;

	memset(isa, 0, sizeof(isa));
	if (q >= end)
	{
		ic->fatal = "The ISA segment is cut off.";
		return end;
	}
	ic->esep = *q++;
	if (isalnum((unsigned char) ic->esep) || ic->esep == ' ' || ic->esep == '\r' ||
		ic->esep == '\n' || ic->esep == '\0')
	{
		ic->fatal = "The ISA segment does not start with an element separator.";
		return end;
	}
	/* 16 elements; line breaks inside the ISA are not data */
	while (q < end && nel < 16)
	{
		if (*q == '\r' || *q == '\n')
		{
			q++;
			continue;
		}
		if (*q == ic->esep)
		{
			nel++;
			len = 0;
			q++;
			continue;
		}
		if (nel == 15)
			break;				/* ISA16 is one byte: handled below */
		if (len < 31)
			isa[nel][len++] = *q;
		q++;
	}
	while (q < end && (*q == '\r' || *q == '\n'))
		q++;
	if (nel != 15 || q >= end)
	{
		ic->fatal = "The ISA segment does not have 16 elements.";
		return end;
	}
	ic->ssep = *q++;
	/* the terminator: up to a line break or the next GS */
	ic->termlen = 0;
	while (q + ic->termlen < end && ic->termlen < 4 &&
		   q[ic->termlen] != '\r' && q[ic->termlen] != '\n' &&
		   !(end - (q + ic->termlen) >= 3 && q[ic->termlen] == 'G' && q[ic->termlen + 1] == 'S' &&
			 q[ic->termlen + 2] == ic->esep))
		ic->termlen++;
	if (ic->termlen == 4)
	{
		ic->fatal = "The ISA segment is not followed by a segment terminator.";
		return end;
	}
	if (ic->termlen == 0)
	{
		if (q < end && (*q == '\r' || *q == '\n'))
		{
			ic->term[0] = '\n';
			ic->termlen = 1;
		}
		else
		{
			ic->fatal = "The ISA segment is not followed by a segment terminator.";
			return end;
		}
	}
	else
		memcpy(ic->term, q, ic->termlen);
	q += ic->term[0] == '\n' ? 0 : ic->termlen;
	if (ic->ssep == ic->esep || (ic->termlen == 1 && (ic->term[0] == ic->esep || ic->term[0] == ic->ssep)))
	{
		ic->fatal = "The ISA declares the same character for two separators.";
		return end;
	}

	for (int i = 0; i < 15; i++)
		Trim(isa[i]);
	snprintf(ic->sender, sizeof(ic->sender), "%s", isa[5]);
	snprintf(ic->isa13, sizeof(ic->isa13), "%s", isa[12]);
	if (ic->sender[0] == '\0')
	{
		ic->fatal = "The ISA has no sender id (ISA06).";
		return end;
	}
	if (!AllDigits(ic->isa13, 9))
	{
		ic->fatal = "The interchange control number (ISA13) is not 9 digits.";
		return end;
	}

	/* segments up to the IEA */
	for (;;)
	{
		const char *s = q;
		const char *t = NULL;

		if (ic->term[0] == '\n')
		{
			for (const char *r = q; r < end; r++)
				if (*r == '\n')
				{
					t = r;
					break;
				}
		}
		else
		{
			for (const char *r = q; r + ic->termlen <= end; r++)
				if (memcmp(r, ic->term, ic->termlen) == 0)
				{
					t = r;
					break;
				}
		}
		if (t == NULL)
		{
			/* the rest, if anything, is a segment without terminator */
			if (!AddSeg(ic, s, (size_t) (end - s)))
				ic->fatal = "Out of memory.";
			q = end;
		}
		else
		{
			if (!AddSeg(ic, s, (size_t) (t - s)))
				ic->fatal = "Out of memory.";
			q = t + ic->termlen;
		}
		if (ic->fatal)
			return end;
		if (ic->nsegs > 0 && strcmp(ic->segs[ic->nsegs - 1].tag, "IEA") == 0)
			return q;
		if (ic->nsegs > 0 && strcmp(ic->segs[ic->nsegs - 1].tag, "ISA") == 0)
		{
			/* the next interchange began without an IEA: give it back */
			free(ic->segs[--ic->nsegs].text);
			ic->truncated = true;
			return s + strspn(s, "\r\n \t");
		}
		if (q >= end)
		{
			ic->truncated = true;
			return end;
		}
	}
}

/* ---- dates and times ------------------------------------------------------- */

static bool
ParseDate(const char *s, int *y, int *m, int *d)
{
	if (AllDigits(s, 8))
	{
		*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		s += 4;
	}
	else if (AllDigits(s, 6))
		*y = 2000 + (s[0] - '0') * 10 + (s[1] - '0'), s += 2;
	else
		return false;
	*m = (s[0] - '0') * 10 + (s[1] - '0');
	*d = (s[2] - '0') * 10 + (s[3] - '0');
	return FmtValidDate(*y, *m, *d);
}

/* HHMM, HHMMSS, HHMMSSD or HHMMSSDD; "" is midnight. */
static bool
ParseTime(const char *s, int *h, int *mi, int *sec)
{
	size_t		n = strlen(s);

	*h = *mi = *sec = 0;
	if (n == 0)
		return true;
	if (n != 4 && n != 6 && n != 7 && n != 8)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char) s[i]))
			return false;
	*h = (s[0] - '0') * 10 + (s[1] - '0');
	*mi = (s[2] - '0') * 10 + (s[3] - '0');
	if (n >= 6)
		*sec = (s[4] - '0') * 10 + (s[5] - '0');
	return *h <= 23 && *mi <= 59 && *sec <= 59;
}

/*
 * X12 time code (element 623): a fixed offset in minutes (*fixed), an IANA
 * zone (*zone), or local (LT: both unset).  False for codes not known.
 */
static bool
TimeCode(const char *code, bool *has_fixed, int *fixed, const char **zone)
{
	static const struct
	{
		const char *code;
		int			minutes;
		const char *zone;
	}			codes[] = {
		{"UT", 0, NULL}, {"GM", 0, NULL}, {"Z", 0, NULL},
		{"ED", -240, NULL}, {"ES", -300, NULL}, {"ET", 0, "America/New_York"},
		{"CD", -300, NULL}, {"CS", -360, NULL}, {"CT", 0, "America/Chicago"},
		{"MD", -360, NULL}, {"MS", -420, NULL}, {"MT", 0, "America/Denver"},
		{"PD", -420, NULL}, {"PS", -480, NULL}, {"PT", 0, "America/Los_Angeles"},
		{"AD", -480, NULL}, {"AS", -540, NULL}, {"AT", 0, "America/Anchorage"},
		{"HD", -540, NULL}, {"HS", -600, NULL}, {"HT", 0, "Pacific/Honolulu"},
		{"TD", -180, NULL}, {"TS", -240, NULL}, {"TT", 0, "America/Halifax"},
		{"ND", -150, NULL}, {"NS", -210, NULL}, {"NT", 0, "America/St_Johns"},
	};

	*has_fixed = false;
	*zone = NULL;
	if (code[0] == '\0' || strcmp(code, "LT") == 0)
		return true;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i].code) == 0)
		{
			*zone = codes[i].zone;
			*has_fixed = codes[i].zone == NULL;
			*fixed = codes[i].minutes;
			return true;
		}
	return false;
}

/* ---- one transaction set --------------------------------------------------- */

typedef struct SetCtx
{
	FmtBatch   *batch;
	const FmtOptions *opt;
	const Interchange *ic;
	const char *gs06;
	const char *st02;
	const char *set_id;
	const char *version;		/* GS08, e.g. 004010 */
	const char *raw;
	uint64_t	hash;
	int			position;
	bool		has_updated;
	int64_t		updated;
} SetCtx;

typedef struct RefList
{
	char		buf[1024];
	size_t		len;
	bool		overflow;
} RefList;

static void
AddRef(RefList *r, const char *v)
{
	size_t		n;
	const char *p;

	if (v == NULL || v[0] == '\0')
		return;
	n = strlen(v);
	if (n > FMT_MAX_TEXT || FmtHasControl(v))
	{
		r->overflow = true;
		return;
	}
	p = r->buf;
	while (p < r->buf + r->len)
	{
		const char *e = strchr(p, FMT_SEP[0]);
		size_t		m = e ? (size_t) (e - p) : strlen(p);

		if (m == n && memcmp(p, v, n) == 0)
			return;
		p += m + 1;
	}
	if (r->len + n + 2 > sizeof(r->buf))
	{
		r->overflow = true;
		return;
	}
	if (r->len)
		r->buf[r->len++] = FMT_SEP[0];
	memcpy(r->buf + r->len, v, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

static FmtEvent *
NewEvent(SetCtx *c, int n)
{
	FmtEvent   *ev = FmtAdd(c->batch, c->position);

	if (ev == NULL)
		return NULL;
	ev->source = c->opt->source ? c->opt->source : (strcmp(c->set_id, "315") == 0 ? "x12-315" : "x12-214");
	ev->standard = strcmp(c->set_id, "315") == 0 ? "X12-315" : "X12-214";
	ev->version = c->version;
	ev->raw = c->raw;
	ev->event_id = FmtPrintf(c->batch, "%s-%s-%s-%s-%d-%016llx", c->ic->sender, c->ic->isa13,
							 c->gs06, c->st02, n, (unsigned long long) c->hash);
	ev->has_updated_at = c->has_updated;
	ev->updated_at = c->updated;
	if (ev->event_id == NULL || (c->raw == NULL))
		FmtReject(ev, "Out of memory while reading the transaction set.");
	return ev;
}

static void
Finish(SetCtx *c, FmtEvent *ev, json_t *payload, RefList *refs)
{
	if (payload != NULL)
	{
		json_object_set_new(payload, "interchange", FmtJson(c->ic->isa13));
		json_object_set_new(payload, "sender", FmtJson(c->ic->sender));
		ev->payload = FmtOwn(c->batch, json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS));
		json_decref(payload);
		if (ev->payload == NULL)
			FmtReject(ev, "Out of memory while reading the transaction set.");
	}
	if (refs->overflow)
		FmtReject(ev, "A reference is longer than %d characters or holds a control character.", FMT_MAX_TEXT);
	else if (refs->len == 0)
		FmtReject(ev, "The transaction set names no reference to find its shipment by.");
	else
		ev->shipment = FmtStr(c->batch, refs->buf);
}

/* Set the time of ev from a date, a time and what zone they are in. */
static bool
SetTime(SetCtx *c, FmtEvent *ev, const char *date, const char *time, const char *tcode,
		const char *keys)
{
	int			y,
				m,
				d,
				h,
				mi,
				s,
				fixed = 0;
	bool		has_fixed;
	const char *zone;

	if (!ParseDate(date, &y, &m, &d))
	{
		FmtReject(ev, "The date \"%.20s\" is not a valid CCYYMMDD date.", date);
		return false;
	}
	if (!ParseTime(time, &h, &mi, &s))
	{
		FmtReject(ev, "The time \"%.20s\" is not a valid HHMM time.", time);
		return false;
	}
	if (!TimeCode(tcode, &has_fixed, &fixed, &zone))
	{
		FmtReject(ev, "The time code \"%.10s\" is not supported; use LT, UT or a US zone code.", tcode);
		return false;
	}
	ev->occurred_at = FmtWallClock(y, m, d, h, mi, s);
	if (has_fixed)
		ev->occurred_at -= (int64_t) fixed * 60 * INT64_C(1000000);
	else if (zone != NULL)
	{
		ev->local_time = true;
		ev->zone = zone;
	}
	else
	{
		ev->local_time = true;
		if (keys == NULL || keys[0] == '\0')
		{
			FmtReject(ev, "The time is local but the status names no place to take its time zone from.");
			return false;
		}
		ev->zone_keys = FmtStr(c->batch, keys);
	}
	return true;
}

/*
 * The zone keys of a 315 place: a UN/LOCODE and its country, or the place
 * as given; "" for none or one that cannot be a key.
 */
static void
PlaceKeys(const char *place, char *keys, size_t len)
{
	keys[0] = '\0';
	if (place[0] == '\0' || strlen(place) >= 60 || FmtHasControl(place))
		return;
	if (FmtIsUnLocode(place))
		snprintf(keys, len, "%s" FMT_SEP "%.2s", place, place);
	else
		snprintf(keys, len, "%s", place);
}

/*
 * An order-independent hash of a set's references, so that the same
 * shipment gives its port dates the same ids whatever order the N9s come in.
 */
static uint64_t
RefsHash(const RefList *r)
{
	uint64_t	h = 0;
	const char *p = r->buf;

	while (p < r->buf + r->len)
	{
		const char *e = strchr(p, FMT_SEP[0]);
		size_t		m = e ? (size_t) (e - p) : strlen(p);

		h += FmtHash(p, m, FMT_HASH_SEED);
		p += m + 1;
	}
	return h;
}

/*
 * 315 port dates: each DTM of an R4 loop (estimated or actual times at a
 * port: 139 estimated, 140 actual, 369 - 372 departure and arrival) is an
 * event of its own, code map standard X12-315-DTM, code DTM01, qualifier
 * the R4 port function.  Carriers repeat these dates in every 315 they
 * send, so the id is the date's own key, not the set's: sender, DTM01,
 * port function, the port and the set's bills of lading (or, without one,
 * all its references).  The same date sent again is a duplicate, or from a
 * later group (GS04/GS05) the event's next revision.
 */
static void
Parse315Dates(SetCtx *c, Seg *segs, int n, const RefList *refs)
{
	char	   *el[MAX_ELEMENTS];
	int			ne;
	char		vessel[64] = "",
				voyage[64] = "";
	char		fn[8] = "",
				port_q[8] = "",
				port[64] = "",
				port_name[64] = "";
	bool		in_r4 = false;
	int			k = 1;
	RefList		bills = {.len = 0};
	uint64_t	refs_hash;

	for (int i = 0; i < n; i++)
	{
		char	   *copy;

		if (strcmp(segs[i].tag, "Q2") != 0 && strcmp(segs[i].tag, "N9") != 0)
			continue;
		copy = strdup(segs[i].text);
		if (copy == NULL)
			return;
		ne = Elements(copy, c->ic->esep, el, MAX_ELEMENTS);
		if (strcmp(segs[i].tag, "N9") == 0)
		{
			if (strcmp(El(el, ne, 1), "BM") == 0)
				AddRef(&bills, El(el, ne, 2));
		}
		else if (vessel[0] == '\0' && voyage[0] == '\0')
		{
			snprintf(vessel, sizeof(vessel), "%s", El(el, ne, 13));
			snprintf(voyage, sizeof(voyage), "%s", El(el, ne, 9));
		}
		free(copy);
	}
	/*
	 * The bills of lading key a date: the other references (a booking, a
	 * customs number) come and go between 315s of one shipment.
	 */
	refs_hash = RefsHash(bills.len > 0 && !bills.overflow ? &bills : refs);

	for (int i = 0; i < n; i++)
	{
		char	   *copy;
		FmtEvent   *ev;
		json_t	   *payload;
		const char *q,
				   *date,
				   *time,
				   *tcode;
		char		keys[128] = "";
		uint64_t	h;

		if (strcmp(segs[i].tag, "R4") != 0 && strcmp(segs[i].tag, "DTM") != 0)
			continue;
		copy = strdup(segs[i].text);
		if (copy == NULL)
			return;
		ne = Elements(copy, c->ic->esep, el, MAX_ELEMENTS);
		if (strcmp(segs[i].tag, "R4") == 0)
		{
			in_r4 = true;
			snprintf(fn, sizeof(fn), "%s", El(el, ne, 1));
			snprintf(port_q, sizeof(port_q), "%s", El(el, ne, 2));
			snprintf(port, sizeof(port), "%s", El(el, ne, 3));
			snprintf(port_name, sizeof(port_name), "%s", El(el, ne, 4));
			free(copy);
			continue;
		}
		if (!in_r4)
		{
			/* a DTM before any R4 belongs to no port: the 315 has none such */
			free(copy);
			continue;
		}
		q = El(el, ne, 1);
		date = El(el, ne, 2);
		time = El(el, ne, 3);
		tcode = El(el, ne, 4);

		h = FmtHash(port, strlen(port), refs_hash);
		ev = FmtAdd(c->batch, c->position);
		if (ev == NULL)
		{
			free(copy);
			return;
		}
		ev->source = c->opt->source ? c->opt->source : "x12-315";
		ev->standard = "X12-315-DTM";
		ev->version = c->version;
		ev->raw = c->raw;
		ev->has_updated_at = c->has_updated;
		ev->updated_at = c->updated;
		ev->event_id = FmtIsUnLocode(port)
			? FmtPrintf(c->batch, "%s-DTM%.3s-%.3s-%s-%016llx", c->ic->sender, q, fn, port,
						(unsigned long long) h)
			: FmtPrintf(c->batch, "%s-DTM%.3s-%.3s-%016llx", c->ic->sender, q, fn,
						(unsigned long long) h);
		if (ev->event_id == NULL)
			FmtReject(ev, "Out of memory while reading the transaction set.");
		else if (q[0] == '\0' || strlen(q) > 3 || FmtHasControl(q))
			FmtReject(ev, "DTM number %d of the set has no valid DTM01 (date/time qualifier).", k);
		else if (fn[0] == '\0' || strlen(fn) > 3 || FmtHasControl(fn))
			FmtReject(ev, "The R4 before DTM number %d has no valid R401 (port function).", k);
		else if (date[0] == '\0')
			FmtReject(ev, "DTM number %d has no DTM02 date; date ranges (DTM05, DTM06) are not read.", k);
		ev->code = FmtStr(c->batch, q);
		ev->qualifier = FmtStr(c->batch, fn);
		memcpy(ev->classifier, "", 1);

		PlaceKeys(port, keys, sizeof(keys));
		if (FmtIsUnLocode(port))
			ev->location = FmtStr(c->batch, port);
		if (ev->ok)
			SetTime(c, ev, date, time, tcode, keys);

		payload = FmtJsonObject();
		json_object_set_new(payload, "date_qualifier", FmtJson(q));
		json_object_set_new(payload, "port_function", FmtJson(fn));
		json_object_set_new(payload, "port", FmtJson(port));
		if (port_q[0])
			json_object_set_new(payload, "port_qualifier", FmtJson(port_q));
		if (port_name[0])
			json_object_set_new(payload, "port_name", FmtJson(port_name));
		if (tcode[0])
			json_object_set_new(payload, "time_code", FmtJson(tcode));
		json_object_set_new(payload, "time_given", json_boolean(time[0] != '\0'));
		if (vessel[0])
			json_object_set_new(payload, "vessel_name", FmtJson(vessel));
		if (voyage[0])
			json_object_set_new(payload, "voyage", FmtJson(voyage));
		/* no interchange number: a date sent again must be the same content */
		json_object_set_new(payload, "sender", FmtJson(c->ic->sender));
		ev->payload = FmtOwn(c->batch, json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS));
		json_decref(payload);
		if (ev->payload == NULL || ev->code == NULL || ev->qualifier == NULL)
			FmtReject(ev, "Out of memory while reading the transaction set.");
		ev->shipment = FmtStr(c->batch, refs->buf);
		free(copy);
		k++;
	}
}

static void
Parse315(SetCtx *c, Seg *segs, int n)
{
	FmtEvent   *ev;
	json_t	   *payload = FmtJsonObject();
	RefList		refs = {.len = 0};
	char	   *el[MAX_ELEMENTS];
	int			ne;
	char	   *b4 = NULL;
	const char *status_loc = NULL;
	char		keys[128] = "";
	json_t	   *ports = json_array();

	ev = NewEvent(c, 1);
	if (ev == NULL)
	{
		json_decref(payload);
		json_decref(ports);
		return;
	}
	for (int i = 0; i < n; i++)
	{
		char	   *copy = strdup(segs[i].text);

		if (copy == NULL)
		{
			FmtReject(ev, "Out of memory while reading the transaction set.");
			break;
		}
		ne = Elements(copy, c->ic->esep, el, MAX_ELEMENTS);
		if (strcmp(segs[i].tag, "B4") == 0 && b4 == NULL)
		{
			b4 = strdup(segs[i].text);
		}
		else if (strcmp(segs[i].tag, "N9") == 0)
		{
			const char *q = El(el, ne, 1);

			if (strcmp(q, "BM") == 0 || strcmp(q, "BN") == 0 || strcmp(q, "MB") == 0 ||
				strcmp(q, "EQ") == 0 || strcmp(q, "FN") == 0)
				AddRef(&refs, El(el, ne, 2));
		}
		else if (strcmp(segs[i].tag, "Q2") == 0)
		{
			if (El(el, ne, 1)[0])
				json_object_set_new(payload, "vessel_code", FmtJson(El(el, ne, 1)));
			if (El(el, ne, 9)[0])
				json_object_set_new(payload, "voyage", FmtJson(El(el, ne, 9)));
			if (El(el, ne, 13)[0])
				json_object_set_new(payload, "vessel_name", FmtJson(El(el, ne, 13)));
		}
		else if (strcmp(segs[i].tag, "R4") == 0)
		{
			json_t	   *port = FmtJsonObject();

			json_object_set_new(port, "function", FmtJson(El(el, ne, 1)));
			json_object_set_new(port, "qualifier", FmtJson(El(el, ne, 2)));
			json_object_set_new(port, "location", FmtJson(El(el, ne, 3)));
			if (El(el, ne, 4)[0])
				json_object_set_new(port, "name", FmtJson(El(el, ne, 4)));
			if (El(el, ne, 5)[0])
				json_object_set_new(port, "country", FmtJson(El(el, ne, 5)));
			json_array_append_new(ports, port);
		}
		free(copy);
	}
	if (json_array_size(ports) > 0)
		json_object_set(payload, "ports", ports);

	if (b4 == NULL)
	{
		if (ev->ok)
			FmtReject(ev, "The 315 has no B4 segment.");
	}
	else if (ev->ok)
	{
		const char *code,
				   *date,
				   *time;
		char		equipment[32] = "";

		ne = Elements(b4, c->ic->esep, el, MAX_ELEMENTS);
		code = El(el, ne, 3);
		date = El(el, ne, 4);
		time = El(el, ne, 5);
		if (code[0] == '\0' || strlen(code) > 2)
			FmtReject(ev, "B403 (shipment status code) is missing.");
		ev->code = FmtStr(c->batch, code);
		json_object_set_new(payload, "status", FmtJson(code));

		/* equipment: initial + number + check digit */
		if (El(el, ne, 7)[0] && El(el, ne, 8)[0])
		{
			snprintf(equipment, sizeof(equipment), "%.4s%.10s%.1s", El(el, ne, 7), El(el, ne, 8),
					 El(el, ne, 13));
			AddRef(&refs, equipment);
			json_object_set_new(payload, "equipment", FmtJson(equipment));
		}
		if (El(el, ne, 9)[0])
			json_object_set_new(payload, "equipment_status", FmtJson(El(el, ne, 9)));

		/* where: B406, or B411 qualified by B412 */
		if (El(el, ne, 11)[0])
		{
			status_loc = El(el, ne, 11);
			json_object_set_new(payload, "status_location", FmtJson(status_loc));
			if (El(el, ne, 12)[0])
				json_object_set_new(payload, "status_location_qualifier", FmtJson(El(el, ne, 12)));
		}
		else if (El(el, ne, 6)[0])
		{
			status_loc = El(el, ne, 6);
			json_object_set_new(payload, "status_location", FmtJson(status_loc));
		}
		if (status_loc != NULL)
		{
			size_t		i;
			json_t	   *port;

			if (FmtIsUnLocode(status_loc))
				ev->location = FmtStr(c->batch, status_loc);
			/* the port function of the status location is the qualifier */
			json_array_foreach(ports, i, port)
			{
				const char *loc = json_string_value(json_object_get(port, "location"));

				const char *fn = json_string_value(json_object_get(port, "function"));

				if (loc && fn && strlen(fn) <= 3 && strcmp(loc, status_loc) == 0)
				{
					ev->qualifier = FmtStr(c->batch, fn);
					break;
				}
			}
			PlaceKeys(status_loc, keys, sizeof(keys));
		}
		if (ev->ok)
			SetTime(c, ev, date, time, "", keys);
		if (ev->qualifier == NULL)
			FmtReject(ev, "Out of memory while reading the transaction set.");
	}
	free(b4);
	json_decref(ports);
	memcpy(ev->classifier, "", 1);
	Finish(c, ev, payload, &refs);
	/* a set whose status is rejected is kept whole: its dates come with it */
	if (ev->ok)
		Parse315Dates(c, segs, n, &refs);
}

static void
Parse214(SetCtx *c, Seg *segs, int n)
{
	RefList		head = {.len = 0};
	char	   *el[MAX_ELEMENTS];
	int			ne;
	int			k = 0;
	int			lx_start = -1;

	/* references of the whole set: B10 and L11 before the first LX */
	for (int i = 0; i < n; i++)
	{
		char	   *copy;

		if (strcmp(segs[i].tag, "LX") == 0)
		{
			lx_start = i;
			break;
		}
		if (strcmp(segs[i].tag, "B10") != 0 && strcmp(segs[i].tag, "L11") != 0)
			continue;
		copy = strdup(segs[i].text);
		if (copy == NULL)
			continue;
		ne = Elements(copy, c->ic->esep, el, MAX_ELEMENTS);
		if (strcmp(segs[i].tag, "B10") == 0)
		{
			AddRef(&head, El(el, ne, 1));
			AddRef(&head, El(el, ne, 2));
		}
		else
		{
			const char *q = El(el, ne, 2);

			if (strcmp(q, "BM") == 0 || strcmp(q, "BN") == 0 || strcmp(q, "CN") == 0 ||
				strcmp(q, "MB") == 0 || strcmp(q, "SI") == 0 || strcmp(q, "FN") == 0 ||
				strcmp(q, "AW") == 0)
				AddRef(&head, El(el, ne, 1));
		}
		free(copy);
	}

	/* each AT7 is a status; MS1/MS2/L11 after it (up to the next AT7 or LX) belong to it */
	for (int i = lx_start < 0 ? 0 : lx_start; i < n; i++)
	{
		FmtEvent   *ev;
		json_t	   *payload;
		RefList		refs;
		char	   *at7;
		const char *code,
				   *city = "",
				   *state = "",
				   *country = "";
		char	   *ms1 = NULL;
		char		keys[96] = "";
		char	   *ael[MAX_ELEMENTS];
		int			ane;

		if (strcmp(segs[i].tag, "AT7") != 0)
			continue;
		ev = NewEvent(c, ++k);
		if (ev == NULL)
			return;
		payload = FmtJsonObject();
		refs = head;
		at7 = strdup(segs[i].text);
		if (at7 == NULL)
		{
			FmtReject(ev, "Out of memory while reading the transaction set.");
			json_decref(payload);
			continue;
		}
		ane = Elements(at7, c->ic->esep, ael, MAX_ELEMENTS);
		for (int j = i + 1; j < n && strcmp(segs[j].tag, "AT7") != 0 &&
			 strcmp(segs[j].tag, "LX") != 0 && strcmp(segs[j].tag, "SE") != 0; j++)
		{
			char	   *copy = strdup(segs[j].text);

			if (copy == NULL)
				continue;
			ne = Elements(copy, c->ic->esep, el, MAX_ELEMENTS);
			if (strcmp(segs[j].tag, "MS1") == 0 && ms1 == NULL)
			{
				ms1 = strdup(segs[j].text);
			}
			else if (strcmp(segs[j].tag, "MS2") == 0)
			{
				if (El(el, ne, 1)[0])
					json_object_set_new(payload, "equipment_scac", FmtJson(El(el, ne, 1)));
				if (El(el, ne, 2)[0])
					json_object_set_new(payload, "equipment", FmtJson(El(el, ne, 2)));
			}
			else if (strcmp(segs[j].tag, "L11") == 0)
			{
				const char *q = El(el, ne, 2);

				if (strcmp(q, "BM") == 0 || strcmp(q, "BN") == 0 || strcmp(q, "CN") == 0 ||
					strcmp(q, "MB") == 0 || strcmp(q, "SI") == 0 || strcmp(q, "FN") == 0 ||
					strcmp(q, "AW") == 0)
					AddRef(&refs, El(el, ne, 1));
			}
			free(copy);
		}
		/*
		 * the L11s of an LX loop that come after its last AT7 belong to the
		 * loop, and so does its AT8 (weight and quantity of the shipment)
		 */
		for (int j = i + 1; j < n && strcmp(segs[j].tag, "LX") != 0 && strcmp(segs[j].tag, "SE") != 0; j++)
		{
			char	   *copy;

			if (strcmp(segs[j].tag, "L11") != 0 && strcmp(segs[j].tag, "AT8") != 0)
				continue;
			copy = strdup(segs[j].text);
			if (copy == NULL)
				continue;
			ne = Elements(copy, c->ic->esep, el, MAX_ELEMENTS);
			if (strcmp(segs[j].tag, "AT8") == 0)
			{
				/* AT801 weight qualifier, AT802 unit (L, K), AT803 weight, AT804 lading quantity */
				static const char *const at8[] = {NULL, "weight_qualifier", "weight_unit", "weight", "lading_quantity"};

				for (int f = 1; f <= 4; f++)
					if (El(el, ne, f)[0] && !json_object_get(payload, at8[f]))
						json_object_set_new(payload, at8[f], FmtJson(El(el, ne, f)));
				free(copy);
				continue;
			}
			{
				const char *q = El(el, ne, 2);

				if (strcmp(q, "BM") == 0 || strcmp(q, "BN") == 0 || strcmp(q, "CN") == 0 ||
					strcmp(q, "MB") == 0 || strcmp(q, "SI") == 0 || strcmp(q, "FN") == 0 ||
					strcmp(q, "AW") == 0)
					AddRef(&refs, El(el, ne, 1));
			}
			free(copy);
		}

		code = El(ael, ane, 1);
		if (code[0] == '\0')
			code = El(ael, ane, 3);
		if (code[0] == '\0' || strlen(code) > 3)
			FmtReject(ev, "AT7 gives no shipment status code (AT701) or appointment status code (AT703).");
		ev->code = FmtStr(c->batch, code);
		json_object_set_new(payload, "status", FmtJson(code));
		if (El(ael, ane, 2)[0])
		{
			json_object_set_new(payload, "reason", FmtJson(El(ael, ane, 2)));
			if (strcmp(El(ael, ane, 2), "NS") != 0)
				ev->reason_code = FmtStr(c->batch, El(ael, ane, 2));
		}
		if (ms1 != NULL)
		{
			char	   *mel[MAX_ELEMENTS];
			int			mne = Elements(ms1, c->ic->esep, mel, MAX_ELEMENTS);

			city = El(mel, mne, 1);
			state = El(mel, mne, 2);
			country = El(mel, mne, 3);
			if (city[0])
				json_object_set_new(payload, "city", FmtJson(city));
			if (state[0])
				json_object_set_new(payload, "state", FmtJson(state));
			if (country[0])
				json_object_set_new(payload, "country", FmtJson(country));
			if (strlen(state) <= 3 && strlen(country) <= 3 && !FmtHasControl(state) && !FmtHasControl(country))
			{
				const char *cc = country[0] ? country : "US";

				if (state[0])
					snprintf(keys, sizeof(keys), "%s-%s" FMT_SEP "%s", cc, state, cc);
				else if (country[0])
					snprintf(keys, sizeof(keys), "%s", cc);
			}
		}
		if (El(ael, ane, 7)[0])
			json_object_set_new(payload, "time_code", FmtJson(El(ael, ane, 7)));
		if (ev->ok)
			SetTime(c, ev, El(ael, ane, 5), El(ael, ane, 6), El(ael, ane, 7), keys);
		free(ms1);
		free(at7);
		Finish(c, ev, payload, &refs);
	}
	if (k == 0)
	{
		FmtEvent   *ev = NewEvent(c, 1);

		if (ev != NULL)
			FmtReject(ev, "The 214 has no AT7 status segment.");
	}
}

/* ---- the whole message ----------------------------------------------------- */

static char *
SetText(const Interchange *ic, Seg *segs, int n)
{
	size_t		len = 1;
	char	   *s,
			   *p;
	bool		nl = ic->term[0] != '\n';

	for (int i = 0; i < n; i++)
		len += strlen(segs[i].text) + (size_t) ic->termlen + 1;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	p = s;
	for (int i = 0; i < n; i++)
	{
		size_t		m = strlen(segs[i].text);

		memcpy(p, segs[i].text, m);
		p += m;
		memcpy(p, ic->term, (size_t) ic->termlen);
		p += ic->termlen;
		if (nl && i < n - 1)
			*p++ = '\n';
	}
	*p = '\0';
	return s;
}

static void
RejectPart(FmtBatch *batch, const Interchange *ic, Seg *segs, int n, int position,
		   const char *source, const char *reason)
{
	FmtEvent   *ev = FmtAdd(batch, position);

	if (ev == NULL)
		return;
	ev->source = source;
	ev->raw = FmtOwn(batch, SetText(ic, segs, n));
	FmtReject(ev, "%s", reason);
}

/* Element i of a segment, copied into buf. */
static const char *
SegEl(const Interchange *ic, const Seg *seg, int i, char *buf, size_t buflen)
{
	const char *p = seg->text;

	for (int k = 0; k < i; k++)
	{
		p = strchr(p, ic->esep);
		if (p == NULL)
		{
			buf[0] = '\0';
			return buf;
		}
		p++;
	}
	{
		const char *e = strchr(p, ic->esep);
		size_t		m = e ? (size_t) (e - p) : strlen(p);

		if (m >= buflen)
			m = buflen - 1;
		memcpy(buf, p, m);
		buf[m] = '\0';
	}
	Trim(buf);
	return buf;
}

static void
Walk(FmtBatch *batch, Interchange *ic, const char *set_id, const FmtOptions *opt, int *position)
{
	Seg		   *segs = ic->segs;
	int			n = ic->nsegs;
	const char *source = opt->source ? opt->source : (strcmp(set_id, "315") == 0 ? "x12-315" : "x12-214");
	char		ic_problem[200] = "";
	int			ngroups = 0;
	int			i = 0;

	/* interchange trailer */
	if (ic->truncated || n == 0 || strcmp(segs[n - 1].tag, "IEA") != 0)
		snprintf(ic_problem, sizeof(ic_problem),
				 "Interchange %s has no IEA trailer: the file is cut off.", ic->isa13);
	else
	{
		char		a[32],
					b[32];
		int			groups = 0;

		for (int k = 0; k < n; k++)
			groups += strcmp(segs[k].tag, "GS") == 0;
		SegEl(ic, &segs[n - 1], 1, a, sizeof(a));
		SegEl(ic, &segs[n - 1], 2, b, sizeof(b));
		if (strcmp(b, ic->isa13) != 0)
			snprintf(ic_problem, sizeof(ic_problem),
					 "Interchange %s: IEA02 is %.20s, not the ISA13 control number.", ic->isa13, b);
		else if (atoi(a) != groups || !AllDigits(a, strlen(a)) || a[0] == '\0')
			snprintf(ic_problem, sizeof(ic_problem),
					 "Interchange %s: IEA01 counts %.20s functional groups, but it has %d.",
					 ic->isa13, a, groups);
	}

	while (i < n)
	{
		int			gs = i,
					ge = -1,
					nsets = 0;
		char		g_problem[200] = "";
		char		gs06[32],
					ge01[32],
					ge02[32],
					version[16],
					gdate[16],
					gtime[16];
		bool		has_updated = false;
		int64_t		updated = 0;

		if (strcmp(segs[i].tag, "IEA") == 0)
		{
			i++;
			continue;
		}
		if (strcmp(segs[i].tag, "GS") != 0)
		{
			/* a segment outside any group */
			int			j = i;

			while (j < n && strcmp(segs[j].tag, "GS") != 0 && strcmp(segs[j].tag, "IEA") != 0)
				j++;
			RejectPart(batch, ic, segs + i, j - i, ++(*position), source,
					   "Segments outside a functional group (GS ... GE).");
			i = j;
			continue;
		}
		ngroups++;
		SegEl(ic, &segs[gs], 6, gs06, sizeof(gs06));
		SegEl(ic, &segs[gs], 8, version, sizeof(version));
		SegEl(ic, &segs[gs], 4, gdate, sizeof(gdate));
		SegEl(ic, &segs[gs], 5, gtime, sizeof(gtime));
		{
			int			y,
						m,
						d,
						h,
						mi,
						s;

			if (ParseDate(gdate, &y, &m, &d) && ParseTime(gtime, &h, &mi, &s))
			{
				has_updated = true;
				updated = FmtWallClock(y, m, d, h, mi, s);
			}
		}
		for (int j = gs + 1; j < n; j++)
		{
			if (strcmp(segs[j].tag, "GE") == 0)
			{
				ge = j;
				break;
			}
			if (strcmp(segs[j].tag, "GS") == 0 || strcmp(segs[j].tag, "IEA") == 0)
				break;
			nsets += strcmp(segs[j].tag, "ST") == 0;
		}
		if (gs06[0] == '\0')
			snprintf(g_problem, sizeof(g_problem), "The functional group has no control number (GS06).");
		else if (ge < 0)
			snprintf(g_problem, sizeof(g_problem),
					 "Functional group %.20s has no GE trailer.", gs06);
		else
		{
			SegEl(ic, &segs[ge], 1, ge01, sizeof(ge01));
			SegEl(ic, &segs[ge], 2, ge02, sizeof(ge02));
			if (strcmp(ge02, gs06) != 0)
				snprintf(g_problem, sizeof(g_problem),
						 "Functional group %.20s: GE02 is %.20s, not the GS06 control number.", gs06, ge02);
			else if (ge01[0] == '\0' || !AllDigits(ge01, strlen(ge01)) || atoi(ge01) != nsets)
				snprintf(g_problem, sizeof(g_problem),
						 "Functional group %.20s: GE01 counts %.20s transaction sets, but it has %d.",
						 gs06, ge01, nsets);
		}

		/* the sets, up to the GE (or, without one, the next GS or IEA) */
		{
			int			end = ge;
			int			j = gs + 1;

			if (end < 0)
			{
				end = gs + 1;
				while (end < n && strcmp(segs[end].tag, "GS") != 0 && strcmp(segs[end].tag, "IEA") != 0)
					end++;
			}

			while (j < end)
			{
				int			st = j,
							se = -1;
				char		st01[16],
							st02[32],
							se01[32],
							se02[32];
				char		problem[256] = "";
				char	   *raw;
				int			setlen;

				if (strcmp(segs[j].tag, "ST") != 0)
				{
					int			k = j;

					while (k < end && strcmp(segs[k].tag, "ST") != 0)
						k++;
					if (strcmp(segs[j].tag, "GS") == 0 || strcmp(segs[j].tag, "IEA") == 0)
						break;
					RejectPart(batch, ic, segs + j, k - j, ++(*position), source,
							   "Segments outside a transaction set (ST ... SE).");
					j = k;
					continue;
				}
				for (int k = st + 1; k < end; k++)
				{
					if (strcmp(segs[k].tag, "SE") == 0)
					{
						se = k;
						break;
					}
					if (strcmp(segs[k].tag, "ST") == 0 || strcmp(segs[k].tag, "GS") == 0 ||
						strcmp(segs[k].tag, "IEA") == 0)
						break;
				}
				SegEl(ic, &segs[st], 1, st01, sizeof(st01));
				SegEl(ic, &segs[st], 2, st02, sizeof(st02));
				if (se < 0)
				{
					int			k = st + 1;

					while (k < end && strcmp(segs[k].tag, "ST") != 0 && strcmp(segs[k].tag, "GS") != 0 &&
						   strcmp(segs[k].tag, "IEA") != 0)
						k++;
					setlen = k - st;
					snprintf(problem, sizeof(problem),
							 "Transaction set %.20s has no SE trailer: it is cut off.", st02);
				}
				else
				{
					setlen = se - st + 1;
					SegEl(ic, &segs[se], 1, se01, sizeof(se01));
					SegEl(ic, &segs[se], 2, se02, sizeof(se02));
					if (st02[0] == '\0')
						snprintf(problem, sizeof(problem), "The transaction set has no control number (ST02).");
					else if (strcmp(se02, st02) != 0)
						snprintf(problem, sizeof(problem),
								 "Transaction set %.20s: SE02 is %.20s, not the ST02 control number.",
								 st02, se02);
					else if (se01[0] == '\0' || !AllDigits(se01, strlen(se01)) || atoi(se01) != setlen)
						snprintf(problem, sizeof(problem),
								 "Transaction set %.20s: SE01 counts %.20s segments, but it has %d.",
								 st02, se01, setlen);
				}
				if (problem[0] == '\0' && strcmp(st01, set_id) != 0)
					snprintf(problem, sizeof(problem),
							 "Transaction set %.20s is a %.10s, not a %s.", st02, st01, set_id);
				if (problem[0] == '\0' && g_problem[0])
					snprintf(problem, sizeof(problem), "%s", g_problem);
				if (problem[0] == '\0' && ic_problem[0])
					snprintf(problem, sizeof(problem), "%s", ic_problem);

				raw = SetText(ic, segs + st, setlen);
				++(*position);
				if (problem[0] || raw == NULL)
				{
					FmtEvent   *ev = FmtAdd(batch, *position);

					if (ev != NULL)
					{
						ev->source = source;
						ev->raw = FmtOwn(batch, raw);
						FmtReject(ev, "%s", problem[0] ? problem : "Out of memory.");
					}
					else
						free(raw);
				}
				else
				{
					SetCtx		c = {
						.batch = batch,.opt = opt,.ic = ic,.set_id = set_id,
						.position = *position,.has_updated = has_updated,.updated = updated
					};

					c.raw = FmtOwn(batch, raw);
					c.gs06 = FmtStr(batch, gs06);
					c.st02 = FmtStr(batch, st02);
					c.version = FmtStr(batch, version);
					c.hash = FmtHash(ic->sender, strlen(ic->sender), FMT_HASH_SEED);
					if (c.raw)
						c.hash = FmtHash(c.raw, strlen(c.raw), c.hash);
					if (c.gs06 == NULL || c.st02 == NULL || c.version == NULL)
						c.gs06 = c.st02 = c.version = "";
					if (strcmp(set_id, "315") == 0)
						Parse315(&c, segs + st, setlen);
					else
						Parse214(&c, segs + st, setlen);
				}
				j = st + setlen;
				if (se < 0 && j < end && strcmp(segs[j].tag, "ST") != 0)
					break;
			}
			i = ge < 0 ? end : ge + 1;
		}
	}
	(void) ngroups;
}

bool
FmtParseX12(FmtBatch *batch, const char *text, size_t len, const char *set_id,
			const FmtOptions *opt, char *errbuf, size_t errlen)
{
	const char *p = text;
	const char *end = text + len;
	int			position = 0;
	int			interchanges = 0;

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	for (;;)
	{
		Interchange ic;

		while (p < end && (isspace((unsigned char) *p) || *p == '\0'))
			p++;
		if (p >= end)
			break;
		if (end - p < 3 || memcmp(p, "ISA", 3) != 0)
		{
			if (interchanges == 0)
			{
				snprintf(errbuf, errlen, "an X12 message starts with an ISA segment");
				return false;
			}
			/* text after the last interchange */
			{
				FmtEvent   *ev = FmtAdd(batch, ++position);
				size_t		m = (size_t) (end - p);

				if (ev != NULL)
				{
					ev->source = opt->source ? opt->source : (strcmp(set_id, "315") == 0 ? "x12-315" : "x12-214");
					ev->raw = FmtStrN(batch, p, FmtUtf8Cut(p, m, 4096));
					FmtReject(ev, "Text after the last interchange does not start with ISA.");
				}
			}
			break;
		}
		memset(&ic, 0, sizeof(ic));
		p = ReadInterchange(&ic, p, end);
		interchanges++;
		if (ic.fatal)
		{
			if (interchanges == 1)
			{
				snprintf(errbuf, errlen, "%s", ic.fatal);
				if (errbuf[0] >= 'A' && errbuf[0] <= 'Z')
					errbuf[0] = (char) (errbuf[0] - 'A' + 'a');
				FreeInterchange(&ic);
				return false;
			}
			{
				FmtEvent   *ev = FmtAdd(batch, ++position);

				if (ev != NULL)
				{
					ev->source = opt->source ? opt->source : (strcmp(set_id, "315") == 0 ? "x12-315" : "x12-214");
					ev->raw = "ISA";
					FmtReject(ev, "%s", ic.fatal);
				}
			}
			FreeInterchange(&ic);
			break;
		}
		Walk(batch, &ic, set_id, opt, &position);
		FreeInterchange(&ic);
	}
	if (interchanges == 0)
	{
		snprintf(errbuf, errlen, "the message is empty");
		return false;
	}
	return true;
}
