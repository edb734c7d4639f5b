/*
 * rate_card_parse.c
 *	  Rate card definitions: JSON (jansson) to a compiled RateCard.
 *
 * Pure C (see rate_card_parse.h).  The compiler walks the definition once,
 * checks every value, and builds the card in one arena, so freeing it is
 * one call.  Every refusal names the JSON path of the value at fault.
 * docs/rate-cards.md documents the format this file accepts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "currency.h"
#include "rate_card_parse.h"

#define NUMBER_MARK		'\001'	/* first byte of a string that was a number */
#define MAX_DESCRIPTION 200

/* ---- arena --------------------------------------------------------------- */

typedef struct Chunk
{
	struct Chunk *next;
	size_t		used;
	size_t		size;
	_Alignas(16) unsigned char data[];
} Chunk;

struct RateArena
{
	Chunk	   *head;
};

static void *
ArenaAlloc(RateArena *a, size_t n)
{
	Chunk	   *c = a->head;
	void	   *p;

	n = (n + 15) & ~(size_t) 15;
	if (n == 0)
		n = 16;
	if (c == NULL || c->size - c->used < n)
	{
		size_t		size = n > 16384 ? n : 16384;

		c = malloc(sizeof(Chunk) + size);
		if (c == NULL)
			return NULL;
		c->next = a->head;
		c->used = 0;
		c->size = size;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

static void
ArenaFree(RateArena *a)
{
	Chunk	   *c;

	if (a == NULL)
		return;
	c = a->head;
	while (c != NULL)
	{
		Chunk	   *next = c->next;

		free(c);
		c = next;
	}
	free(a);
}

void
RateCardFree(RateCard *card)
{
	if (card != NULL)
		ArenaFree(card->arena);
}

/* ---- the compiler's state ------------------------------------------------ */

typedef struct Code
{
	const char *code;
	int			slot;
	RateGroup	group;
} Code;

typedef struct Compiler
{
	RateCard   *card;
	RateArena  *arena;
	RateCardError *err;
	char		path[256];
	size_t		pathlen;
	/* zone names, in order of first use in "zones" */
	int			nzones;
	const char *zones[RATE_MAX_ZONES];
	/* flag names used in "when" */
	int			nflags;
	const char *flags[RATE_MAX_FLAGS];
	/* line codes defined so far: freight, surcharges, fees */
	int			ncodes;
	Code		codes[RATE_MAX_LINES + 1];
} Compiler;

/* Refuse the definition: "path: message". */
static bool
Err(Compiler *c, const char *hint, const char *fmt,...) __attribute__((format(printf, 3, 4)));

static bool
Err(Compiler *c, const char *hint, const char *fmt,...)
{
	va_list		ap;
	int			n;

	n = snprintf(c->err->message, sizeof(c->err->message), "%s: ", c->pathlen ? c->path : "$");
	if (n < 0 || (size_t) n >= sizeof(c->err->message))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->err->message + n, sizeof(c->err->message) - n, fmt, ap);
	va_end(ap);
	snprintf(c->err->hint, sizeof(c->err->hint), "%s", hint ? hint : "");
	return false;
}

static bool
NoMemory(Compiler *c)
{
	c->err->out_of_memory = true;
	snprintf(c->err->message, sizeof(c->err->message), "out of memory");
	c->err->hint[0] = '\0';
	return false;
}

/* Path segments: push returns the length to pop back to. */
static size_t
PushKey(Compiler *c, const char *key)
{
	size_t		old = c->pathlen;
	bool		plain = (key[0] >= 'a' && key[0] <= 'z') || (key[0] >= 'A' && key[0] <= 'Z') ||
		key[0] == '_';
	char		seg[96];
	int			n;

	for (const char *k = key; *k && plain; k++)
		plain = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
			(*k >= '0' && *k <= '9') || *k == '_';
	if (plain)
		n = snprintf(seg, sizeof(seg), ".%.60s", key);
	else
	{
		/* ."key" with quotes and backslashes escaped */
		int			o = 0;

		seg[o++] = '.';
		seg[o++] = '"';
		for (const char *k = key; *k && o < 80; k++)
		{
			if (*k == '"' || *k == '\\')
				seg[o++] = '\\';
			seg[o++] = (unsigned char) *k < 0x20 ? '?' : *k;
		}
		seg[o++] = '"';
		seg[o] = '\0';
		n = o;
	}
	if (c->pathlen + n < sizeof(c->path))
	{
		memcpy(c->path + c->pathlen, seg, n + 1);
		c->pathlen += n;
	}
	return old;
}

static size_t
PushIndex(Compiler *c, size_t i)
{
	size_t		old = c->pathlen;
	int			n = snprintf(c->path + c->pathlen, sizeof(c->path) - c->pathlen, "[%zu]", i);

	if (n > 0 && c->pathlen + n < sizeof(c->path))
		c->pathlen += n;
	else
		c->path[c->pathlen] = '\0';
	return old;
}

static void
Pop(Compiler *c, size_t old)
{
	c->pathlen = old;
	c->path[old] = '\0';
}

static char *
CopyString(Compiler *c, const char *s, size_t len)
{
	char	   *p = ArenaAlloc(c->arena, len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* ---- values -------------------------------------------------------------- */

static bool
IsNumber(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 0 &&
		json_string_value(v)[0] == NUMBER_MARK;
}

static const char *
TypeName(const json_t *v)
{
	if (IsNumber(v))
		return "a number";
	switch (json_typeof(v))
	{
		case JSON_OBJECT:
			return "an object";
		case JSON_ARRAY:
			return "an array";
		case JSON_STRING:
			return "a string";
		case JSON_TRUE:
		case JSON_FALSE:
			return "a boolean";
		case JSON_NULL:
			return "null";
		default:
			return "a number";
	}
}

/* Refuse any key of obj not in allowed (NULL-terminated). */
static bool
OnlyKeys(Compiler *c, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t	   *v;

	json_object_foreach(obj, key, v)
	{
		bool		known = false;

		for (int i = 0; allowed[i] != NULL && !known; i++)
			known = strcmp(key, allowed[i]) == 0;
		if (!known)
		{
			char		list[256] = "";
			size_t		o = 0;

			for (int i = 0; allowed[i] != NULL && o < sizeof(list) - 40; i++)
				o += snprintf(list + o, sizeof(list) - o, "%s\"%s\"", i ? ", " : "", allowed[i]);
			PushKey(c, key);
			return Err(c, NULL, "unknown key; expected one of %s", list);
		}
	}
	return true;
}

static bool
ExpectObject(Compiler *c, json_t *v)
{
	if (!json_is_object(v))
		return Err(c, NULL, "expected an object, not %s", TypeName(v));
	return true;
}

static bool
ExpectArray(Compiler *c, json_t *v, bool nonempty)
{
	if (!json_is_array(v))
		return Err(c, NULL, "expected an array, not %s", TypeName(v));
	if (nonempty && json_array_size(v) == 0)
		return Err(c, NULL, "must not be empty");
	return true;
}

/* A string value (not a number) of 1..maxlen bytes without control characters. */
static bool
ExpectString(Compiler *c, json_t *v, size_t maxlen, const char **out)
{
	const char *s;

	if (!json_is_string(v) || IsNumber(v))
		return Err(c, NULL, "expected a string, not %s", TypeName(v));
	s = json_string_value(v);
	if (json_string_length(v) == 0)
		return Err(c, NULL, "must not be empty");
	if (json_string_length(v) > maxlen)
		return Err(c, NULL, "is longer than %zu bytes", maxlen);
	for (const char *p = s; *p; p++)
		if ((unsigned char) *p < 0x20)
			return Err(c, NULL, "contains a control character");
	*out = s;
	return true;
}

/*
 * A number as micro-units: an optional minus, digits, at most six decimals
 * (trailing zeros aside), no exponent, within [min, max].
 */
static bool
ExpectNumber(Compiler *c, json_t *v, int64_t min, int64_t max, int64_t *out)
{
	const char *s;
	const char *p;
	bool		negative = false;
	__int128	m = 0;
	int			intdigits = 0;
	int			fracdigits = 0;
	int			significant = 0;	/* decimals up to the last nonzero one */
	char		lo[32],
				hi[32];

	if (!IsNumber(v))
		return Err(c, NULL, "expected a number, not %s", TypeName(v));
	s = json_string_value(v) + 1;
	p = s;
	if (*p == '-')
		negative = true, p++;
	for (; *p >= '0' && *p <= '9'; p++)
	{
		if (m != 0 || *p != '0')
			intdigits++;
		if (intdigits <= 20)
			m = m * 10 + (*p - '0');
	}
	if (p == s + negative)
		return Err(c, NULL, "expected a number, not %.40s", s);
	if (*p == '.')
	{
		for (p++; *p >= '0' && *p <= '9'; p++)
		{
			fracdigits++;
			if (*p != '0')
				significant = fracdigits;
			if (fracdigits <= 6)
				m = m * 10 + (*p - '0');
		}
	}
	if (*p == 'e' || *p == 'E')
		return Err(c, NULL, "write %.40s without an exponent", s);
	if (*p != '\0')
		return Err(c, NULL, "expected a number, not %.40s", s);
	if (significant > 6)
		return Err(c, "Prices, weights and percentages have at most six decimals.",
				   "%.40s has more than six decimals", s);
	for (int i = fracdigits; i < 6; i++)
		m *= 10;
	if (intdigits > 20)
		m = (__int128) INT64_MAX + 1;
	if (negative)
		m = -m;
	if (m < min || m > max)
	{
		RateFormatMicros(min, lo, sizeof(lo));
		RateFormatMicros(max, hi, sizeof(hi));
		if (min == 1)
			return Err(c, NULL, "%.40s must be above 0 and at most %s", s, hi);
		return Err(c, NULL, "%.40s must be between %s and %s", s, lo, hi);
	}
	*out = (int64_t) m;
	return true;
}

/* obj[key] as a number, if present; *present says whether it was. */
static bool
OptNumber(Compiler *c, json_t *obj, const char *key, int64_t min, int64_t max,
		  bool *present, int64_t *out)
{
	json_t	   *v = json_object_get(obj, key);
	size_t		old;
	bool		ok;

	if (present)
		*present = v != NULL;
	if (v == NULL)
		return true;
	old = PushKey(c, key);
	ok = ExpectNumber(c, v, min, max, out);
	if (ok)
		Pop(c, old);
	return ok;
}

static bool
Money(Compiler *c, json_t *obj, const char *key, bool *present, int64_t *out)
{
	return OptNumber(c, obj, key, 0, RATE_MAX_MONEY, present, out);
}

static bool
Required(Compiler *c, json_t *obj, const char *key)
{
	if (json_object_get(obj, key) == NULL)
		return Err(c, NULL, "\"%s\" is required", key);
	return true;
}

/* One of the names, as its index; -1 with an error otherwise. */
static int
Choice(Compiler *c, json_t *obj, const char *key, const char *const *names, int dflt)
{
	json_t	   *v = json_object_get(obj, key);
	size_t		old;
	const char *s;
	char		list[160] = "";
	size_t		o = 0;

	if (v == NULL)
		return dflt;
	old = PushKey(c, key);
	if (!ExpectString(c, v, 40, &s))
		return -1;
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0)
		{
			Pop(c, old);
			return i;
		}
	for (int i = 0; names[i] != NULL; i++)
		o += snprintf(list + o, sizeof(list) - o, "%s\"%s\"", i ? ", " : "", names[i]);
	Err(c, NULL, "\"%.40s\" is not one of %s", s, list);
	return -1;
}

static bool
Name(Compiler *c, json_t *v, const char **out)
{
	return ExpectString(c, v, RATE_MAX_NAME, out);
}

/* A line code: 1..20 of A-Z 0-9 _ -, starting with a letter or digit. */
static bool
ExpectCode(Compiler *c, json_t *v, const char **out)
{
	const char *s;

	if (!ExpectString(c, v, RATE_MAX_CODE, &s))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			  (p != s && (*p == '_' || *p == '-'))))
			return Err(c, "Line codes are 1 to 20 upper-case letters, digits, \"_\" and \"-\", such as \"FSC\".",
					   "\"%s\" is not a line code", s);
	*out = s;
	return true;
}

static bool
ExpectCountry(Compiler *c, json_t *v, bool wildcard, int *out)
{
	const char *s;

	if (!json_is_string(v) || IsNumber(v))
		return Err(c, NULL, "expected a country code, not %s", TypeName(v));
	s = json_string_value(v);
	if (wildcard && strcmp(s, "*") == 0)
	{
		*out = -1;
		return true;
	}
	if (json_string_length(v) != 2 || !CountryCodeIsValid(s))
		return Err(c, "Countries are ISO 3166-1 alpha-2 codes in upper case, such as \"DE\" or \"CN\".",
				   "\"%.20s\" is not an ISO 3166 country", s);
	*out = RateCountryIndex(s);
	return true;
}

/* Normalise a postcode prefix: upper-case letters and digits only. */
static bool
ExpectPrefix(Compiler *c, json_t *v, RatePrefix *out)
{
	const char *s;
	int			n = 0;

	if (!json_is_string(v) || IsNumber(v))
		return Err(c, "Write postcode prefixes as strings, such as \"75\" or \"SW1\".",
				   "expected a postcode prefix as a string, not %s", TypeName(v));
	s = json_string_value(v);
	for (const char *p = s; *p; p++)
	{
		char		ch = *p;

		if (ch >= 'a' && ch <= 'z')
			ch = (char) (ch - 'a' + 'A');
		if ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
		{
			if (n >= RATE_MAX_PREFIX)
				return Err(c, NULL, "\"%.20s\" is longer than %d letters and digits", s, RATE_MAX_PREFIX);
			out->s[n++] = ch;
		}
		else if (ch != ' ' && ch != '-')
			return Err(c, NULL, "\"%.20s\" is not a postcode prefix", s);
	}
	if (n == 0)
		return Err(c, NULL, "\"%.20s\" is not a postcode prefix", s);
	out->s[n] = '\0';
	out->len = (uint8_t) n;
	return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian); H. Hinnant's algorithm. */
static int64_t
DaysFromCivil(int y, int m, int d)
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

/* "YYYY-MM-DD" as days since 2000-01-01. */
static bool
ExpectDate(Compiler *c, json_t *v, int32_t *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *s;
	int			y,
				m,
				d;
	bool		leap;

	if (!json_is_string(v) || IsNumber(v))
		return Err(c, NULL, "expected a date such as \"2026-12-31\", not %s", TypeName(v));
	s = json_string_value(v);
	if (json_string_length(v) != 10 || s[4] != '-' || s[7] != '-')
		return Err(c, NULL, "\"%.20s\" is not a date such as \"2026-12-31\"", s);
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return Err(c, NULL, "\"%.20s\" is not a date such as \"2026-12-31\"", s);
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
		return Err(c, NULL, "\"%s\" is not a day of the calendar", s);
	*out = (int32_t) (DaysFromCivil(y, m, d) - 10957);
	return true;
}

/* ---- top level: rounding and chargeable ---------------------------------- */

static const char *const rounding_names[] = {"half_even", "half_up", "down", "up", NULL};
static const char *const basis_names[] = {"weight", "revenue_ton", "container", NULL};
static const char *const weight_unit_names[] = {"kg", "lb", NULL};
static const char *const length_unit_names[] = {"cm", "in", NULL};
static const char *const dim_names[] = {"exact", "nearest", "up", NULL};
static const char *const per_names[] = {"consignment", "piece", NULL};

static bool
Chargeable(Compiler *c, json_t *v)
{
	static const char *const weight_keys[] = {
		"basis", "unit", "dimension_unit", "divisor", "dimensions", "step", "per", NULL
	};
	static const char *const rt_keys[] = {"basis", "kg_per_m3", "minimum", "step", NULL};
	static const char *const container_keys[] = {"basis", NULL};
	RateCard   *card = c->card;
	int			i;

	card->basis = RATE_BASIS_WEIGHT;
	card->weight_unit = RATE_KG;
	card->length_unit = RATE_CM;
	card->step = RATE_UNIT / 2;
	card->kg_per_m3 = 1000 * RATE_UNIT;
	card->rt_minimum = RATE_UNIT;
	card->rt_step = RATE_UNIT / 1000;
	if (v == NULL)
		return true;
	if (!ExpectObject(c, v))
		return false;
	if ((i = Choice(c, v, "basis", basis_names, 0)) < 0)
		return false;
	card->basis = (RateBasis) i;
	if (card->basis == RATE_BASIS_WEIGHT)
	{
		bool		has_step;

		if (!OnlyKeys(c, v, weight_keys))
			return false;
		if ((i = Choice(c, v, "unit", weight_unit_names, 0)) < 0)
			return false;
		card->weight_unit = (RateWeightUnit) i;
		if ((i = Choice(c, v, "dimension_unit", length_unit_names,
						card->weight_unit == RATE_LB ? RATE_IN : RATE_CM)) < 0)
			return false;
		card->length_unit = (RateLengthUnit) i;
		if (!OptNumber(c, v, "divisor", RATE_UNIT, INT64_C(1000000) * RATE_UNIT,
					   &card->has_divisor, &card->divisor))
			return false;
		if ((i = Choice(c, v, "dimensions", dim_names, 0)) < 0)
			return false;
		card->dim_rounding = (RateDimRounding) i;
		if (!OptNumber(c, v, "step", 1, INT64_C(10000) * RATE_UNIT, &has_step, &card->step))
			return false;
		if (!has_step)
			card->step = card->weight_unit == RATE_LB ? RATE_UNIT : RATE_UNIT / 2;
		if ((i = Choice(c, v, "per", per_names, 0)) < 0)
			return false;
		card->per_piece = i == 1;
	}
	else if (card->basis == RATE_BASIS_REVENUE_TON)
	{
		if (!OnlyKeys(c, v, rt_keys) ||
			!OptNumber(c, v, "kg_per_m3", 1, INT64_C(1000000) * RATE_UNIT, NULL, &card->kg_per_m3) ||
			!OptNumber(c, v, "minimum", 0, INT64_C(1000000) * RATE_UNIT, NULL, &card->rt_minimum) ||
			!OptNumber(c, v, "step", 1, INT64_C(1000) * RATE_UNIT, NULL, &card->rt_step))
			return false;
	}
	else if (!OnlyKeys(c, v, container_keys))
		return false;
	return true;
}

/* ---- zones and remote areas ---------------------------------------------- */

static int
ZoneIndex(Compiler *c, const char *name)
{
	for (int i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i], name) == 0)
			return i;
	return -1;
}

static bool
Prefixes(Compiler *c, json_t *obj, const char *key, int *n, const RatePrefix **out)
{
	json_t	   *v = json_object_get(obj, key);
	RatePrefix *p;
	size_t		old;

	*n = 0;
	*out = NULL;
	if (v == NULL)
		return true;
	old = PushKey(c, key);
	if (!ExpectArray(c, v, true))
		return false;
	if (json_array_size(v) > 10000)
		return Err(c, NULL, "has more than 10000 prefixes");
	p = ArenaAlloc(c->arena, json_array_size(v) * sizeof(RatePrefix));
	if (p == NULL)
		return NoMemory(c);
	for (size_t i = 0; i < json_array_size(v); i++)
	{
		size_t		o = PushIndex(c, i);

		if (!ExpectPrefix(c, json_array_get(v, i), &p[i]))
			return false;
		Pop(c, o);
	}
	*n = (int) json_array_size(v);
	*out = p;
	Pop(c, old);
	return true;
}

/*
 * The entries of "zones" (with_zone) or "remote_areas", and the index of
 * them by destination country.
 */
static bool
Rules(Compiler *c, json_t *v, bool with_zone, int *nrules, const RateZoneRule **out,
	  RateRuleIndex *ix)
{
	static const char *const zone_keys[] = {"zone", "countries", "postcodes", "origins",
	"origin_postcodes", NULL};
	static const char *const area_keys[] = {"countries", "postcodes", NULL};
	size_t		n;
	RateZoneRule *rules;
	uint16_t   *wild;
	uint16_t   *ids;
	uint32_t	total = 0;
	uint32_t	fill[676];

	if (!ExpectArray(c, v, with_zone))
		return false;
	n = json_array_size(v);
	if (n > RATE_MAX_RULES)
		return Err(c, NULL, "has more than %d entries", RATE_MAX_RULES);
	rules = ArenaAlloc(c->arena, (n ? n : 1) * sizeof(RateZoneRule));
	wild = ArenaAlloc(c->arena, (n ? n : 1) * sizeof(uint16_t));
	if (rules == NULL || wild == NULL)
		return NoMemory(c);
	memset(ix, 0, sizeof(*ix));

	/* first pass: check each entry, count countries */
	for (size_t i = 0; i < n; i++)
	{
		json_t	   *e = json_array_get(v, i);
		RateZoneRule *r = &rules[i];
		json_t	   *countries;
		size_t		old = PushIndex(c, i);

		if (!ExpectObject(c, e) || !OnlyKeys(c, e, with_zone ? zone_keys : area_keys))
			return false;
		r->zone = -1;
		if (with_zone)
		{
			const char *name;
			size_t		o;

			if (!Required(c, e, "zone"))
				return false;
			o = PushKey(c, "zone");
			if (!Name(c, json_object_get(e, "zone"), &name))
				return false;
			r->zone = ZoneIndex(c, name);
			if (r->zone < 0)
			{
				if (c->nzones >= RATE_MAX_ZONES)
					return Err(c, NULL, "more than %d zones", RATE_MAX_ZONES);
				if ((c->zones[c->nzones] = CopyString(c, name, strlen(name))) == NULL)
					return NoMemory(c);
				r->zone = c->nzones++;
			}
			Pop(c, o);
		}
		if (!Required(c, e, "countries"))
			return false;
		countries = json_object_get(e, "countries");
		{
			size_t		o = PushKey(c, "countries");
			bool		is_wild = false;
			bool		seen[676] = {false};

			if (!ExpectArray(c, countries, true))
				return false;
			if (json_array_size(countries) > 676)
				return Err(c, NULL, "has more than 676 entries");
			for (size_t k = 0; k < json_array_size(countries); k++)
			{
				size_t		o2 = PushIndex(c, k);
				int			cc;

				if (!ExpectCountry(c, json_array_get(countries, k), with_zone, &cc))
					return false;
				if (cc < 0)
				{
					if (json_array_size(countries) != 1)
						return Err(c, NULL, "\"*\" (every country) must be the only entry");
					is_wild = true;
				}
				else if (!seen[cc])
				{
					/* a country listed twice counts once: at most one id per rule */
					seen[cc] = true;
					ix->count[cc]++;
					total++;
				}
				Pop(c, o2);
			}
			if (is_wild)
				wild[ix->nwild++] = (uint16_t) i;
			Pop(c, o);
		}
		if (!Prefixes(c, e, "postcodes", &r->nprefixes, &r->prefixes))
			return false;
		if (with_zone)
		{
			json_t	   *origins = json_object_get(e, "origins");

			if (!Prefixes(c, e, "origin_postcodes", &r->norigin_prefixes, &r->origin_prefixes))
				return false;
			if (origins != NULL)
			{
				size_t		o = PushKey(c, "origins");
				uint16_t   *list;

				if (!ExpectArray(c, origins, true))
					return false;
				if (json_array_size(origins) > 1000)
					return Err(c, NULL, "has more than 1000 entries");
				list = ArenaAlloc(c->arena, json_array_size(origins) * sizeof(uint16_t));
				if (list == NULL)
					return NoMemory(c);
				for (size_t k = 0; k < json_array_size(origins); k++)
				{
					size_t		o2 = PushIndex(c, k);
					int			cc;

					if (!ExpectCountry(c, json_array_get(origins, k), false, &cc))
						return false;
					list[k] = (uint16_t) cc;
					Pop(c, o2);
				}
				r->origins = list;
				r->norigins = (int) json_array_size(origins);
				Pop(c, o);
			}
		}
		Pop(c, old);
	}

	/* second pass: the index by country */
	ids = ArenaAlloc(c->arena, (total ? total : 1) * sizeof(uint16_t));
	if (ids == NULL)
		return NoMemory(c);
	for (int k = 0, at = 0; k < 676; k++)
	{
		ix->first[k] = (uint32_t) at;
		fill[k] = (uint32_t) at;
		at += ix->count[k];
	}
	for (size_t i = 0; i < n; i++)
	{
		json_t	   *countries = json_object_get(json_array_get(v, i), "countries");
		bool		seen[676] = {false};

		for (size_t k = 0; k < json_array_size(countries); k++)
		{
			const char *s = json_string_value(json_array_get(countries, k));
			int			cc = strcmp(s, "*") == 0 ? -1 : RateCountryIndex(s);

			if (cc >= 0 && !seen[cc])
			{
				seen[cc] = true;
				ids[fill[cc]++] = (uint16_t) i;
			}
		}
	}
	ix->ids = ids;
	ix->wild = wild;
	*nrules = (int) n;
	*out = rules;
	return true;
}

/* ---- freight ------------------------------------------------------------- */

/* The name of a per-weight-unit key for this card: "per_kg" or "per_lb". */
static const char *
PerWeightKey(const RateCard *card)
{
	return card->weight_unit == RATE_LB ? "per_lb" : "per_kg";
}

/* A per-weight price: the key that fits the card, refusing the other unit's. */
static bool
PerWeight(Compiler *c, json_t *obj, bool *present, int64_t *out)
{
	const char *other = c->card->weight_unit == RATE_LB ? "per_kg" : "per_lb";

	if (json_object_get(obj, other) != NULL)
	{
		PushKey(c, other);
		return Err(c, NULL, "this card weighs in %s; write \"%s\"",
				   c->card->weight_unit == RATE_LB ? "lb" : "kg", PerWeightKey(c->card));
	}
	return Money(c, obj, PerWeightKey(c->card), present, out);
}

static bool
Rows(Compiler *c, json_t *v, RateZonePrice *zp)
{
	static const char *const row_keys[] = {"up_to", "price", "per_kg", "per_lb", NULL};
	size_t		n;
	RatePriceRow *rows;

	if (!ExpectArray(c, v, true))
		return false;
	n = json_array_size(v);
	if (n > RATE_MAX_ROWS)
		return Err(c, NULL, "has more than %d rows", RATE_MAX_ROWS);
	rows = ArenaAlloc(c->arena, n * sizeof(RatePriceRow));
	if (rows == NULL)
		return NoMemory(c);
	for (size_t i = 0; i < n; i++)
	{
		json_t	   *row = json_array_get(v, i);
		size_t		old = PushIndex(c, i);
		bool		flat,
					per;
		int64_t		price = 0,
					rate = 0;

		if (!ExpectObject(c, row) || !OnlyKeys(c, row, row_keys) || !Required(c, row, "up_to") ||
			!OptNumber(c, row, "up_to", 1, RATE_MAX_WEIGHT, NULL, &rows[i].up_to) ||
			!Money(c, row, "price", &flat, &price) || !PerWeight(c, row, &per, &rate))
			return false;
		if (flat == per)
			return Err(c, NULL, "give either \"price\" (a flat price) or \"%s\" (a price per %s)",
					   PerWeightKey(c->card), c->card->weight_unit == RATE_LB ? "lb" : "kg");
		rows[i].per_unit = per;
		rows[i].price = per ? rate : price;
		if (i > 0 && rows[i].up_to <= rows[i - 1].up_to)
		{
			char		a[32],
						b[32];

			RateFormatMicros(rows[i].up_to, a, sizeof(a));
			RateFormatMicros(rows[i - 1].up_to, b, sizeof(b));
			PushKey(c, "up_to");
			return Err(c, "List the rows by weight, lightest first.",
					   "%s is not above the previous row's %s", a, b);
		}
		Pop(c, old);
	}
	zp->rows = rows;
	zp->nrows = (int) n;
	return true;
}

static bool
Air(Compiler *c, json_t *v, RateZonePrice *zp)
{
	static const char *const air_keys[] = {"normal", "breaks", NULL};
	static const char *const break_keys[] = {"from", "per_kg", "per_lb", NULL};
	json_t	   *breaks;
	size_t		n;
	RateAirBreak *b;

	if (!ExpectObject(c, v) || !OnlyKeys(c, v, air_keys) || !Required(c, v, "normal"))
		return false;
	breaks = json_object_get(v, "breaks");
	n = 0;
	if (breaks != NULL)
	{
		size_t		old = PushKey(c, "breaks");

		if (!ExpectArray(c, breaks, false))
			return false;
		n = json_array_size(breaks);
		if (n > RATE_MAX_ROWS)
			return Err(c, NULL, "has more than %d breaks", RATE_MAX_ROWS);
		Pop(c, old);
	}
	b = ArenaAlloc(c->arena, (n + 1) * sizeof(RateAirBreak));
	if (b == NULL)
		return NoMemory(c);
	if (!Money(c, v, "normal", NULL, &b[0].rate))
		return false;
	for (size_t i = 0; i < n; i++)
	{
		json_t	   *e = json_array_get(breaks, i);
		size_t		old = PushKey(c, "breaks");
		bool		has_rate;

		PushIndex(c, i);
		if (!ExpectObject(c, e) || !OnlyKeys(c, e, break_keys) || !Required(c, e, "from") ||
			!OptNumber(c, e, "from", 1, RATE_MAX_WEIGHT, NULL, &b[i + 1].from) ||
			!PerWeight(c, e, &has_rate, &b[i + 1].rate))
			return false;
		if (!has_rate)
			return Err(c, NULL, "\"%s\" is required", PerWeightKey(c->card));
		if (i > 0 && b[i + 1].from <= b[i].from)
		{
			PushKey(c, "from");
			return Err(c, "List the breaks by weight, lightest first (45, 100, 300 ...).",
					   "a break must be above the previous one");
		}
		Pop(c, old);
	}
	zp->breaks = b;
	zp->nbreaks = (int) n + 1;
	return true;
}

static bool
ZonePrice(Compiler *c, json_t *v, RateZonePrice *zp, bool has_default_min, int64_t default_min)
{
	static const char *const weight_keys[] = {"rates", "additional", "air", "minimum", NULL};
	static const char *const rt_keys[] = {"per_rt", "minimum", NULL};
	static const char *const container_keys[] = {"containers", NULL};
	static const char *const additional_keys[] = {"every", "price", NULL};
	RateCard   *card = c->card;

	if (!ExpectObject(c, v))
		return false;
	if (!Money(c, v, "minimum", &zp->has_minimum, &zp->minimum))
		return false;
	if (!zp->has_minimum && has_default_min)
	{
		zp->has_minimum = true;
		zp->minimum = default_min;
	}
	switch (card->basis)
	{
		case RATE_BASIS_WEIGHT:
			{
				json_t	   *rates = json_object_get(v, "rates");
				json_t	   *air = json_object_get(v, "air");
				json_t	   *add = json_object_get(v, "additional");
				size_t		old;

				if (!OnlyKeys(c, v, weight_keys))
					return false;
				if ((rates == NULL) == (air == NULL))
					return Err(c, NULL, "give either \"rates\" (weight rows) or \"air\" (IATA rate classes)");
				if (air != NULL)
				{
					if (add != NULL)
					{
						PushKey(c, "additional");
						return Err(c, NULL, "goes with \"rates\", not with \"air\"");
					}
					old = PushKey(c, "air");
					if (!Air(c, air, zp))
						return false;
					Pop(c, old);
					return true;
				}
				old = PushKey(c, "rates");
				if (!Rows(c, rates, zp))
					return false;
				Pop(c, old);
				if (add != NULL)
				{
					old = PushKey(c, "additional");
					if (!ExpectObject(c, add) || !OnlyKeys(c, add, additional_keys) ||
						!Required(c, add, "every") || !Required(c, add, "price") ||
						!OptNumber(c, add, "every", 1, RATE_MAX_WEIGHT, NULL, &zp->add_every) ||
						!Money(c, add, "price", NULL, &zp->add_price))
						return false;
					zp->has_additional = true;
					Pop(c, old);
				}
				return true;
			}
		case RATE_BASIS_REVENUE_TON:
			return OnlyKeys(c, v, rt_keys) && Required(c, v, "per_rt") &&
				Money(c, v, "per_rt", NULL, &zp->per_rt);
		case RATE_BASIS_CONTAINER:
			{
				json_t	   *k = json_object_get(v, "containers");
				const char *key;
				json_t	   *price;
				size_t		old;

				if (!OnlyKeys(c, v, container_keys) || !Required(c, v, "containers"))
					return false;
				old = PushKey(c, "containers");
				if (!ExpectObject(c, k))
					return false;
				if (json_object_size(k) == 0)
					return Err(c, NULL, "must not be empty");
				json_object_foreach(k, key, price)
				{
					int			t = RateContainerType(key, strlen(key));
					size_t		o = PushKey(c, key);

					if (t < 0)
						return Err(c, "Container types are 20GP, 20HC, 40GP, 40HC, 45HC, 20RF, 40RF, 40RH, 20OT, 40OT, 20FR, 40FR and 20TK.",
								   "\"%.20s\" is not a container type", key);
					if (!ExpectNumber(c, price, 0, RATE_MAX_MONEY, &zp->container[t]))
						return false;
					zp->has_container[t] = true;
					Pop(c, o);
				}
				Pop(c, old);
				return true;
			}
	}
	return false;
}

static bool
Freight(Compiler *c, json_t *v)
{
	static const char *const keys[] = {"code", "description", "minimum", "zones", NULL};
	RateCard   *card = c->card;
	RateZonePrice *prices;
	json_t	   *zones;
	const char *key;
	json_t	   *zv;
	bool		has_min;
	int64_t		min = 0;
	const char *s;

	if (!ExpectObject(c, v) || !OnlyKeys(c, v, keys) || !Required(c, v, "zones"))
		return false;
	card->freight_code = "FRT";
	card->freight_description = "Freight";
	if (json_object_get(v, "code") != NULL)
	{
		size_t		o = PushKey(c, "code");

		if (!ExpectCode(c, json_object_get(v, "code"), &s))
			return false;
		if ((card->freight_code = CopyString(c, s, strlen(s))) == NULL)
			return NoMemory(c);
		Pop(c, o);
	}
	if (json_object_get(v, "description") != NULL)
	{
		size_t		o = PushKey(c, "description");

		if (!ExpectString(c, json_object_get(v, "description"), MAX_DESCRIPTION, &s))
			return false;
		if ((card->freight_description = CopyString(c, s, strlen(s))) == NULL)
			return NoMemory(c);
		Pop(c, o);
	}
	c->codes[0].code = card->freight_code;
	c->codes[0].slot = 0;
	c->codes[0].group = RATE_GROUP_FREIGHT;
	c->ncodes = 1;
	if (card->basis == RATE_BASIS_CONTAINER && json_object_get(v, "minimum") != NULL)
	{
		PushKey(c, "minimum");
		return Err(c, NULL, "a card priced per container has no minimum charge");
	}
	if (!Money(c, v, "minimum", &has_min, &min))
		return false;

	zones = json_object_get(v, "zones");
	PushKey(c, "zones");
	if (!ExpectObject(c, zones))
		return false;
	prices = ArenaAlloc(c->arena, (c->nzones ? c->nzones : 1) * sizeof(RateZonePrice));
	if (prices == NULL)
		return NoMemory(c);
	json_object_foreach(zones, key, zv)
	{
		int			z = ZoneIndex(c, key);
		size_t		o = PushKey(c, key);

		if (z < 0)
			return Err(c, "Every zone priced here must be named by an entry of \"zones\".",
					   "zone \"%.40s\" is not named in $.zones", key);
		if (card->basis == RATE_BASIS_CONTAINER && json_object_get(zv, "minimum") != NULL)
		{
			PushKey(c, "minimum");
			return Err(c, NULL, "a card priced per container has no minimum charge");
		}
		if (!ZonePrice(c, zv, &prices[z], has_min, min))
			return false;
		Pop(c, o);
	}
	for (int z = 0; z < c->nzones; z++)
		if (json_object_get(zones, c->zones[z]) == NULL)
			return Err(c, "Give each zone named in \"zones\" its prices here.",
					   "zone \"%s\" has no prices", c->zones[z]);
	card->zone_prices = prices;
	card->nzones = c->nzones;
	return true;
}

/* ---- surcharges, fees and tiers ------------------------------------------ */

static const Code *
FindCode(Compiler *c, const char *code)
{
	for (int i = 0; i < c->ncodes; i++)
		if (strcmp(c->codes[i].code, code) == 0)
			return &c->codes[i];
	return NULL;
}

/*
 * An "of" list: codes of lines defined before (and, with groups, the
 * groups "freight", "surcharges" and "fees"), as distinct slots.
 */
static bool
Of(Compiler *c, json_t *obj, bool groups, int *nof, const uint16_t **out, const char **text)
{
	json_t	   *v = json_object_get(obj, "of");
	size_t		n;
	uint16_t   *slots;
	bool		seen[RATE_MAX_LINES + 1] = {false};
	int			count = 0;
	char		buf[512];
	size_t		o = 0;
	size_t		old;

	if (!Required(c, obj, "of"))
		return false;
	old = PushKey(c, "of");
	if (!ExpectArray(c, v, true))
		return false;
	n = json_array_size(v);
	if (n > RATE_MAX_OF)
		return Err(c, NULL, "has more than %d entries", RATE_MAX_OF);
	slots = ArenaAlloc(c->arena, (RATE_MAX_LINES + 1) * sizeof(uint16_t));
	if (slots == NULL)
		return NoMemory(c);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
	{
		json_t	   *e = json_array_get(v, i);
		size_t		o2 = PushIndex(c, i);
		const char *s;

		if (!json_is_string(e) || IsNumber(e))
			return Err(c, NULL, "expected a line code, not %s", TypeName(e));
		s = json_string_value(e);
		if (groups && (strcmp(s, "freight") == 0 || strcmp(s, "surcharges") == 0 ||
					   strcmp(s, "fees") == 0))
		{
			RateGroup	g = s[0] == 'f' ? (s[1] == 'r' ? RATE_GROUP_FREIGHT : RATE_GROUP_FEE)
				: RATE_GROUP_SURCHARGE;

			for (int k = 0; k < c->ncodes; k++)
				if (c->codes[k].group == g && !seen[c->codes[k].slot])
				{
					seen[c->codes[k].slot] = true;
					slots[count++] = (uint16_t) c->codes[k].slot;
				}
		}
		else
		{
			const Code *code = FindCode(c, s);

			if (code == NULL)
				return Err(c, groups ? "Name line codes of the card, or the groups \"freight\", \"surcharges\" and \"fees\"."
						   : "A percentage applies to lines computed before it: freight, then surcharges and fees in their order.",
						   "\"%.30s\" is not the code of %s line", s, groups ? "a" : "an earlier");
			if (!seen[code->slot])
			{
				seen[code->slot] = true;
				slots[count++] = (uint16_t) code->slot;
			}
		}
		if (o < sizeof(buf) - 40)
			o += snprintf(buf + o, sizeof(buf) - o, "%s%.30s", i ? ", " : "", s);
		Pop(c, o2);
	}
	if ((*text = CopyString(c, buf, strlen(buf))) == NULL)
		return NoMemory(c);
	*nof = count;
	*out = slots;
	Pop(c, old);
	return true;
}

static bool
Condition(Compiler *c, json_t *v, RateCondition *w)
{
	static const char *const keys[] = {"flags", "remote", "zones", "from", "to", NULL};
	json_t	   *flags = json_object_get(v, "flags");
	json_t	   *remote = json_object_get(v, "remote");
	json_t	   *zones = json_object_get(v, "zones");
	json_t	   *from = json_object_get(v, "from");
	json_t	   *to = json_object_get(v, "to");

	memset(w, 0, sizeof(*w));
	w->remote = -1;
	if (!ExpectObject(c, v) || !OnlyKeys(c, v, keys))
		return false;
	if (flags != NULL)
	{
		size_t		old = PushKey(c, "flags");

		if (!ExpectArray(c, flags, true))
			return false;
		for (size_t i = 0; i < json_array_size(flags); i++)
		{
			size_t		o = PushIndex(c, i);
			const char *s;
			int			f = -1;

			if (!Name(c, json_array_get(flags, i), &s))
				return false;
			for (const char *p = s; *p; p++)
				if (!((*p >= 'a' && *p <= 'z') || (p != s && ((*p >= '0' && *p <= '9') || *p == '_'))))
					return Err(c, "Flags are lower-case names such as \"dangerous_goods\" or \"residential\".",
							   "\"%s\" is not a flag name", s);
			for (int k = 0; k < c->nflags && f < 0; k++)
				if (strcmp(c->flags[k], s) == 0)
					f = k;
			if (f < 0)
			{
				if (c->nflags >= RATE_MAX_FLAGS)
					return Err(c, NULL, "the card uses more than %d flags", RATE_MAX_FLAGS);
				if ((c->flags[c->nflags] = CopyString(c, s, strlen(s))) == NULL)
					return NoMemory(c);
				f = c->nflags++;
			}
			w->flags |= UINT64_C(1) << f;
			Pop(c, o);
		}
		Pop(c, old);
	}
	if (remote != NULL)
	{
		size_t		old = PushKey(c, "remote");

		if (!json_is_boolean(remote))
			return Err(c, NULL, "expected true or false, not %s", TypeName(remote));
		if (c->card->nremote == 0)
			return Err(c, "List the remote postcodes in \"remote_areas\".",
					   "the card has no \"remote_areas\"");
		w->remote = json_is_true(remote) ? 1 : 0;
		Pop(c, old);
	}
	if (zones != NULL)
	{
		size_t		old = PushKey(c, "zones");

		if (!ExpectArray(c, zones, true))
			return false;
		w->has_zones = true;
		for (size_t i = 0; i < json_array_size(zones); i++)
		{
			size_t		o = PushIndex(c, i);
			const char *s;
			int			z;

			if (!Name(c, json_array_get(zones, i), &s))
				return false;
			if ((z = ZoneIndex(c, s)) < 0)
				return Err(c, NULL, "zone \"%s\" is not named in $.zones", s);
			w->zones[z / 64] |= UINT64_C(1) << (z % 64);
			Pop(c, o);
		}
		Pop(c, old);
	}
	if (from != NULL)
	{
		size_t		old = PushKey(c, "from");

		if (!ExpectDate(c, from, &w->from))
			return false;
		w->has_from = true;
		Pop(c, old);
	}
	if (to != NULL)
	{
		size_t		old = PushKey(c, "to");

		if (!ExpectDate(c, to, &w->to))
			return false;
		w->has_to = true;
		if (w->has_from && w->to < w->from)
			return Err(c, NULL, "the period ends before it starts");
		Pop(c, old);
	}
	return true;
}

static const char *const kind_keys[] = {
	"percent", "per_kg", "per_lb", "per_rt", "per_shipment", "per_piece", "per_container",
	"per_customs_line", NULL
};

static bool
LineDef(Compiler *c, json_t *v, RateGroup group, RateLineDef *d, int slot)
{
	static const char *const keys[] = {
		"code", "description", "percent", "per_kg", "per_lb", "per_rt", "per_shipment",
		"per_piece", "per_container", "per_customs_line", "of", "over_kg", "over_lb",
		"over_cm", "over_in", "types", "minimum", "maximum", "when", NULL
	};
	RateCard   *card = c->card;
	const char *kind = NULL;
	const char *s;
	size_t		o;

	if (!ExpectObject(c, v) || !OnlyKeys(c, v, keys) || !Required(c, v, "code"))
		return false;
	o = PushKey(c, "code");
	if (!ExpectCode(c, json_object_get(v, "code"), &s))
		return false;
	if (FindCode(c, s) != NULL)
		return Err(c, "Give every line of the card its own code.",
				   "line code \"%s\" is already used", s);
	if ((d->code = CopyString(c, s, strlen(s))) == NULL)
		return NoMemory(c);
	Pop(c, o);
	d->description = d->code;
	if (json_object_get(v, "description") != NULL)
	{
		o = PushKey(c, "description");
		if (!ExpectString(c, json_object_get(v, "description"), MAX_DESCRIPTION, &s))
			return false;
		if ((d->description = CopyString(c, s, strlen(s))) == NULL)
			return NoMemory(c);
		Pop(c, o);
	}
	d->group = group;
	for (int i = 0; kind_keys[i] != NULL; i++)
		if (json_object_get(v, kind_keys[i]) != NULL)
		{
			if (kind != NULL)
				return Err(c, NULL, "give only one of \"%s\" and \"%s\"", kind, kind_keys[i]);
			kind = kind_keys[i];
		}
	if (kind == NULL)
		return Err(c, "A surcharge or fee is one of \"percent\", \"per_kg\", \"per_shipment\", \"per_piece\", \"per_container\", \"per_customs_line\" (see docs/rate-cards.md).",
				   "says neither how much nor per what");

	if (strcmp(kind, "percent") == 0)
	{
		d->kind = RATE_LINE_PERCENT;
		if (!OptNumber(c, v, "percent", 0, RATE_MAX_PERCENT, NULL, &d->price) ||
			!Of(c, v, false, &d->nof, &d->of, &d->of_text))
			return false;
	}
	else
	{
		if (json_object_get(v, "of") != NULL)
		{
			PushKey(c, "of");
			return Err(c, NULL, "goes with \"percent\" only");
		}
		if (strcmp(kind, "per_kg") == 0 || strcmp(kind, "per_lb") == 0)
		{
			if (card->basis != RATE_BASIS_WEIGHT)
			{
				PushKey(c, kind);
				return Err(c, NULL, "the card does not price by weight");
			}
			d->kind = RATE_LINE_PER_WEIGHT;
			if (!PerWeight(c, v, NULL, &d->price))
				return false;
		}
		else if (strcmp(kind, "per_rt") == 0)
		{
			if (card->basis != RATE_BASIS_REVENUE_TON)
			{
				PushKey(c, kind);
				return Err(c, NULL, "the card does not price by revenue ton");
			}
			d->kind = RATE_LINE_PER_RT;
		}
		else if (strcmp(kind, "per_shipment") == 0)
			d->kind = RATE_LINE_PER_SHIPMENT;
		else if (strcmp(kind, "per_piece") == 0)
			d->kind = RATE_LINE_PER_PIECE;
		else if (strcmp(kind, "per_container") == 0)
			d->kind = RATE_LINE_PER_CONTAINER;
		else
			d->kind = RATE_LINE_PER_CUSTOMS_LINE;
		if (d->kind != RATE_LINE_PER_WEIGHT && !Money(c, v, kind, NULL, &d->price))
			return false;
	}

	/* per piece: thresholds */
	{
		static const char *const over[] = {"over_kg", "over_lb", "over_cm", "over_in"};
		const char *wkey = card->weight_unit == RATE_LB ? "over_lb" : "over_kg";
		const char *lkey = card->length_unit == RATE_IN ? "over_in" : "over_cm";

		for (int i = 0; i < 4; i++)
			if (json_object_get(v, over[i]) != NULL)
			{
				if (d->kind != RATE_LINE_PER_PIECE)
				{
					PushKey(c, over[i]);
					return Err(c, NULL, "goes with \"per_piece\" only");
				}
				if (strcmp(over[i], wkey) != 0 && strcmp(over[i], lkey) != 0)
				{
					PushKey(c, over[i]);
					return Err(c, NULL, "this card measures in %s and %s; write \"%s\" or \"%s\"",
							   card->weight_unit == RATE_LB ? "lb" : "kg",
							   card->length_unit == RATE_IN ? "in" : "cm", wkey, lkey);
				}
			}
		if (!OptNumber(c, v, wkey, 1, RATE_MAX_WEIGHT, NULL, &d->over_weight) ||
			!OptNumber(c, v, lkey, 1, RATE_MAX_LENGTH, NULL, &d->over_length))
			return false;
	}
	/* per container: types */
	if (json_object_get(v, "types") != NULL)
	{
		json_t	   *types = json_object_get(v, "types");

		o = PushKey(c, "types");
		if (d->kind != RATE_LINE_PER_CONTAINER)
			return Err(c, NULL, "goes with \"per_container\" only");
		if (!ExpectArray(c, types, true))
			return false;
		for (size_t i = 0; i < json_array_size(types); i++)
		{
			json_t	   *e = json_array_get(types, i);
			size_t		o2 = PushIndex(c, i);
			int			t;

			if (!json_is_string(e) || IsNumber(e) ||
				(t = RateContainerType(json_string_value(e), json_string_length(e))) < 0)
				return Err(c, "Container types are 20GP, 20HC, 40GP, 40HC, 45HC, 20RF, 40RF, 40RH, 20OT, 40OT, 20FR, 40FR and 20TK.",
						   "%s%.20s%s is not a container type", json_is_string(e) && !IsNumber(e) ? "\"" : "",
						   json_is_string(e) && !IsNumber(e) ? json_string_value(e) : TypeName(e),
						   json_is_string(e) && !IsNumber(e) ? "\"" : "");
			d->container_types |= UINT32_C(1) << t;
			Pop(c, o2);
		}
		Pop(c, o);
	}
	if (!Money(c, v, "minimum", &d->has_minimum, &d->minimum) ||
		!Money(c, v, "maximum", &d->has_maximum, &d->maximum))
		return false;
	if (d->has_minimum && d->has_maximum && d->maximum < d->minimum)
	{
		PushKey(c, "maximum");
		return Err(c, NULL, "the maximum is below the minimum");
	}
	if (json_object_get(v, "when") != NULL)
	{
		o = PushKey(c, "when");
		if (!Condition(c, json_object_get(v, "when"), &d->when))
			return false;
		d->has_when = true;
		Pop(c, o);
	}
	c->codes[c->ncodes].code = d->code;
	c->codes[c->ncodes].slot = slot;
	c->codes[c->ncodes].group = group;
	c->ncodes++;
	return true;
}

static bool
Lines(Compiler *c, json_t *surcharges, json_t *fees)
{
	size_t		ns = 0,
				nf = 0;
	RateLineDef *lines;

	if (surcharges != NULL)
	{
		PushKey(c, "surcharges");
		if (!ExpectArray(c, surcharges, false))
			return false;
		ns = json_array_size(surcharges);
		Pop(c, 1);
	}
	if (fees != NULL)
	{
		PushKey(c, "fees");
		if (!ExpectArray(c, fees, false))
			return false;
		nf = json_array_size(fees);
		Pop(c, 1);
	}
	if (ns + nf > RATE_MAX_LINES)
		return Err(c, NULL, "more than %d surcharges and fees", RATE_MAX_LINES);
	lines = ArenaAlloc(c->arena, (ns + nf + 1) * sizeof(RateLineDef));
	if (lines == NULL)
		return NoMemory(c);
	for (size_t i = 0; i < ns + nf; i++)
	{
		bool		is_fee = i >= ns;

		PushKey(c, is_fee ? "fees" : "surcharges");
		PushIndex(c, is_fee ? i - ns : i);
		if (!LineDef(c, json_array_get(is_fee ? fees : surcharges, is_fee ? i - ns : i),
					 is_fee ? RATE_GROUP_FEE : RATE_GROUP_SURCHARGE, &lines[i], (int) i + 1))
			return false;
		Pop(c, 1);
	}
	c->card->lines = lines;
	c->card->nlines = (int) (ns + nf);
	return true;
}

static bool
Tiers(Compiler *c, json_t *v)
{
	static const char *const keys[] = {"code", "description", "percent", "of", NULL};
	const char *name;
	json_t	   *list;
	RateTier   *tiers;
	int			n = 0;

	if (!ExpectObject(c, v))
		return false;
	if (json_object_size(v) > RATE_MAX_TIERS)
		return Err(c, NULL, "has more than %d tiers", RATE_MAX_TIERS);
	tiers = ArenaAlloc(c->arena, (json_object_size(v) + 1) * sizeof(RateTier));
	if (tiers == NULL)
		return NoMemory(c);
	json_object_foreach(v, name, list)
	{
		size_t		old = PushKey(c, name);
		RateTier   *t = &tiers[n];
		RateDiscount *ds;
		char		dflt[96];

		if (name[0] == '\0' || strlen(name) > RATE_MAX_NAME)
			return Err(c, NULL, "a tier name has 1 to %d bytes", RATE_MAX_NAME);
		if ((t->name = CopyString(c, name, strlen(name))) == NULL)
			return NoMemory(c);
		if (!ExpectArray(c, list, true))
			return false;
		if (json_array_size(list) > RATE_MAX_DISCOUNTS)
			return Err(c, NULL, "has more than %d discounts", RATE_MAX_DISCOUNTS);
		ds = ArenaAlloc(c->arena, json_array_size(list) * sizeof(RateDiscount));
		if (ds == NULL)
			return NoMemory(c);
		snprintf(dflt, sizeof(dflt), "Tier %s discount", t->name);
		for (size_t i = 0; i < json_array_size(list); i++)
		{
			json_t	   *e = json_array_get(list, i);
			RateDiscount *d = &ds[i];
			size_t		o = PushIndex(c, i);
			const char *s;

			if (!ExpectObject(c, e) || !OnlyKeys(c, e, keys) || !Required(c, e, "percent") ||
				!OptNumber(c, e, "percent", 1, 100 * RATE_UNIT, NULL, &d->percent) ||
				!Of(c, e, true, &d->nof, &d->of, &d->of_text))
				return false;
			d->code = "DISCOUNT";
			if (json_object_get(e, "code") != NULL)
			{
				size_t		o2 = PushKey(c, "code");

				if (!ExpectCode(c, json_object_get(e, "code"), &s))
					return false;
				if ((d->code = CopyString(c, s, strlen(s))) == NULL)
					return NoMemory(c);
				Pop(c, o2);
			}
			s = dflt;
			if (json_object_get(e, "description") != NULL)
			{
				size_t		o2 = PushKey(c, "description");

				if (!ExpectString(c, json_object_get(e, "description"), MAX_DESCRIPTION, &s))
					return false;
				Pop(c, o2);
			}
			if ((d->description = CopyString(c, s, strlen(s))) == NULL)
				return NoMemory(c);
			Pop(c, o);
		}
		t->discounts = ds;
		t->ndiscounts = (int) json_array_size(list);
		n++;
		Pop(c, old);
	}
	c->card->tiers = tiers;
	c->card->ntiers = n;
	return true;
}

/* ---- numbers, exactly ---------------------------------------------------- */

/*
 * Copy JSON text, turning every number literal outside strings into a string
 * that starts with NUMBER_MARK, so that jansson never makes it a double.
 * Refuses strings that hold U+0001 themselves (the mark must be ours).
 * Returns NULL with *why on failure; the input is valid JSON already.
 */
static char *
MarkNumbers(const char *text, size_t len, size_t *outlen, const char **why)
{
	size_t		numbers = 0;
	char	   *out;
	size_t		o = 0;
	bool		in_string = false;

	for (size_t i = 0; i < len; i++)
	{
		char		ch = text[i];

		if (in_string)
		{
			if (ch == '\\' && i + 1 < len)
			{
				if (text[i + 1] == 'u' && i + 5 < len && text[i + 2] == '0' &&
					text[i + 3] == '0' && text[i + 4] == '0' && text[i + 5] == '1')
				{
					*why = "a string contains the control character U+0001";
					return NULL;
				}
				i++;
			}
			else if (ch == '"')
				in_string = false;
		}
		else if (ch == '"')
			in_string = true;
		else if (ch == '-' || (ch >= '0' && ch <= '9'))
		{
			numbers++;
			while (i + 1 < len && (text[i + 1] == '-' || text[i + 1] == '+' || text[i + 1] == '.' ||
								   text[i + 1] == 'e' || text[i + 1] == 'E' ||
								   (text[i + 1] >= '0' && text[i + 1] <= '9')))
				i++;
		}
	}
	if (numbers > (SIZE_MAX - len - 1) / 8)
	{
		*why = "out of memory";
		return NULL;
	}
	out = malloc(len + numbers * 8 + 1);
	if (out == NULL)
	{
		*why = "out of memory";
		return NULL;
	}
	in_string = false;
	for (size_t i = 0; i < len; i++)
	{
		char		ch = text[i];

		if (in_string)
		{
			out[o++] = ch;
			if (ch == '\\' && i + 1 < len)
				out[o++] = text[++i];
			else if (ch == '"')
				in_string = false;
		}
		else if (ch == '"')
		{
			in_string = true;
			out[o++] = ch;
		}
		else if (ch == '-' || (ch >= '0' && ch <= '9'))
		{
			/* the mark, written \u0001: a raw control byte is not valid JSON */
			memcpy(out + o, "\"\\u0001", 7);
			o += 7;
			out[o++] = ch;
			while (i + 1 < len && (text[i + 1] == '-' || text[i + 1] == '+' || text[i + 1] == '.' ||
								   text[i + 1] == 'e' || text[i + 1] == 'E' ||
								   (text[i + 1] >= '0' && text[i + 1] <= '9')))
				out[o++] = text[++i];
			out[o++] = '"';
		}
		else
			out[o++] = ch;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* ---- entry points -------------------------------------------------------- */

static bool
Compile(Compiler *c, json_t *root)
{
	static const char *const keys[] = {
		"description", "rounding", "chargeable", "zones", "remote_areas", "freight",
		"surcharges", "fees", "tiers", NULL
	};
	RateCard   *card = c->card;
	json_t	   *v;
	int			i;

	if (!json_is_object(root))
		return Err(c, NULL, "a rate card definition is a JSON object, not %s", TypeName(root));
	if (!OnlyKeys(c, root, keys))
		return false;
	if ((v = json_object_get(root, "description")) != NULL)
	{
		const char *s;

		PushKey(c, "description");
		if (!ExpectString(c, v, 1000, &s))
			return false;
		Pop(c, 1);
	}
	if ((i = Choice(c, root, "rounding", rounding_names, 0)) < 0)
		return false;
	card->rounding = (RoundMode) i;

	PushKey(c, "chargeable");
	if (!Chargeable(c, json_object_get(root, "chargeable")))
		return false;
	Pop(c, 1);

	if (!Required(c, root, "zones") || !Required(c, root, "freight"))
		return false;
	PushKey(c, "zones");
	if (!Rules(c, json_object_get(root, "zones"), true, &card->nrules, &card->rules,
			   &card->zone_index))
		return false;
	Pop(c, 1);
	if ((v = json_object_get(root, "remote_areas")) != NULL)
	{
		PushKey(c, "remote_areas");
		if (!Rules(c, v, false, &card->nremote, &card->remote, &card->remote_index))
			return false;
		Pop(c, 1);
	}
	card->zone_names = c->zones;	/* replaced by an arena copy below */

	PushKey(c, "freight");
	if (!Freight(c, json_object_get(root, "freight")))
		return false;
	Pop(c, 1);

	if (!Lines(c, json_object_get(root, "surcharges"), json_object_get(root, "fees")))
		return false;
	if ((v = json_object_get(root, "tiers")) != NULL)
	{
		PushKey(c, "tiers");
		if (!Tiers(c, v))
			return false;
		Pop(c, 1);
	}

	/* name tables into the arena */
	{
		const char **zones = ArenaAlloc(c->arena, (c->nzones + 1) * sizeof(char *));
		const char **flags = ArenaAlloc(c->arena, (c->nflags + 1) * sizeof(char *));

		if (zones == NULL || flags == NULL)
			return NoMemory(c);
		memcpy(zones, c->zones, c->nzones * sizeof(char *));
		memcpy(flags, c->flags, c->nflags * sizeof(char *));
		card->zone_names = zones;
		card->flag_names = flags;
		card->nflags = c->nflags;
	}
	return true;
}

RateCard *
RateCardCompile(const char *json, size_t len, RateCardError *err)
{
	Compiler   *c;
	RateArena  *arena;
	RateCard   *card;
	json_error_t jerr;
	json_t	   *root;
	char	   *marked;
	size_t		marked_len = 0;
	const char *why = NULL;
	bool		ok;

	memset(err, 0, sizeof(*err));
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL)
	{
		snprintf(err->message, sizeof(err->message), "$: not valid JSON: line %d, column %d: %s",
				 jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	json_decref(root);
	marked = MarkNumbers(json, len, &marked_len, &why);
	if (marked == NULL)
	{
		snprintf(err->message, sizeof(err->message), "$: %s", why);
		err->out_of_memory = strcmp(why, "out of memory") == 0;
		return NULL;
	}
	root = json_loadb(marked, marked_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	free(marked);
	if (root == NULL)
	{
		snprintf(err->message, sizeof(err->message), "$: not valid JSON: %s", jerr.text);
		return NULL;
	}

	arena = calloc(1, sizeof(RateArena));
	c = calloc(1, sizeof(Compiler));
	card = arena ? ArenaAlloc(arena, sizeof(RateCard)) : NULL;
	if (arena == NULL || c == NULL || card == NULL)
	{
		json_decref(root);
		ArenaFree(arena);
		free(c);
		err->out_of_memory = true;
		snprintf(err->message, sizeof(err->message), "out of memory");
		return NULL;
	}
	card->arena = arena;
	c->card = card;
	c->arena = arena;
	c->err = err;
	strcpy(c->path, "$");
	c->pathlen = 1;

	ok = Compile(c, root);
	json_decref(root);
	free(c);
	if (!ok)
	{
		ArenaFree(arena);
		return NULL;
	}
	return card;
}
