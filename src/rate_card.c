/*
 * rate_card.c
 *	  The PostgreSQL side of rating: the trigger that checks a rate card's
 *	  definition and keeps versions from overlapping, the per-backend cache
 *	  of compiled cards, cbl.rate(), cbl.rate_total() and the helpers.
 *
 * Definitions are compiled by rate_card_parse.c (jansson) and shipments
 * are rated by rating.c (pure C); this file turns a shipment jsonb into a
 * RatingShipment with the Jsonb API directly (no text round trip) and the
 * lines into SQL values.
 *
 * The cache.  Compiled cards live in a hash by card code, with all versions
 * of the code.  The trigger on cbl.rate_card sends a relcache invalidation
 * for the table whenever a row changes; the relcache callback registered
 * here only bumps a generation counter (it may run in the middle of a
 * lookup, while we are loading); the next lookup sees the new generation
 * and drops everything.  Cards are loaded with the latest snapshot, like
 * catalog rows, so a backend never keeps a version that was replaced
 * before it loaded it.  In parallel mode, where a new snapshot cannot be
 * taken, a load uses the active snapshot and is kept for the current
 * transaction only.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"

#include "amount.h"
#include "cbl_errors.h"
#include "rate_card_parse.h"
#include "rating.h"

#define CARD_CODE_MAX	63			/* the table's check allows 1..63 bytes */
#define LOCK_KEY_RATE_CARD 0x43424C52	/* "CBLR": advisory lock space of card codes */

PG_FUNCTION_INFO_V1(cbl_rate_card_trigger);
PG_FUNCTION_INFO_V1(cbl_rate_card_problem);
PG_FUNCTION_INFO_V1(cbl_rate);
PG_FUNCTION_INFO_V1(cbl_rate_total);
PG_FUNCTION_INFO_V1(cbl_rate_card_version);
PG_FUNCTION_INFO_V1(cbl_chargeable_weight);

/* ---- numbers ------------------------------------------------------------- */

/*
 * A numeric as micro-units, exactly: false if it has nonzero digits beyond
 * six decimals, is NaN or infinite, or is beyond int64.
 *
 * This reads the numeric's stored form directly (sign, weight and base-10000
 * digits, as src/backend/utils/adt/numeric.c lays it out), because this runs
 * for every number of every shipment rated and numeric_out + parsing would
 * cost more than the rating itself.  The stored form is fixed across
 * releases (pg_upgrade keeps numeric data as it is).  The field layout is
 * repeated here since numeric.c keeps it private.
 */
#define NUMERIC_SIGN_MASK		0xC000
#define NUMERIC_NEG				0x4000
#define NUMERIC_SHORT			0x8000
#define NUMERIC_SPECIAL			0xC000
#define NUMERIC_SHORT_SIGN_MASK 0x2000
#define NUMERIC_SHORT_WEIGHT_SIGN_MASK 0x0040
#define NUMERIC_SHORT_WEIGHT_MASK 0x003F

static inline bool
NumericMicros(Numeric num, int64 *out)
{
	const char *p = VARDATA_ANY(num);
	Size		len = VARSIZE_ANY_EXHDR(num);
	uint16		header;
	int			weight;
	bool		negative;
	const char *digits;
	int			ndigits;

	if (len < sizeof(uint16))
		return false;
	memcpy(&header, p, sizeof(uint16));
	if ((header & NUMERIC_SIGN_MASK) == NUMERIC_SPECIAL)
		return false;			/* NaN, +/-Infinity */
	if ((header & NUMERIC_SIGN_MASK) == NUMERIC_SHORT)
	{
		negative = (header & NUMERIC_SHORT_SIGN_MASK) != 0;
		weight = (header & NUMERIC_SHORT_WEIGHT_MASK);
		if (header & NUMERIC_SHORT_WEIGHT_SIGN_MASK)
			weight |= ~NUMERIC_SHORT_WEIGHT_MASK;
		digits = p + sizeof(uint16);
		ndigits = (len - sizeof(uint16)) / sizeof(int16);
	}
	else
	{
		int16		w;

		if (len < 2 * sizeof(uint16))
			return false;
		negative = (header & NUMERIC_SIGN_MASK) == NUMERIC_NEG;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		digits = p + 2 * sizeof(uint16);
		ndigits = (len - 2 * sizeof(uint16)) / sizeof(int16);
	}
	/*
	 * value = sum of digit[i] * 10000^(weight - i); in micro-units a digit
	 * of place 10000^e counts 10^(4e + 6): 10^18 at most before overflow,
	 * and at e = -2 only hundreds of a digit remain whole.
	 */
	{
		static const int64 place[5] = {
			INT64CONST(100), INT64CONST(1000000), INT64CONST(10000000000),
			INT64CONST(100000000000000), INT64CONST(1000000000000000000)
		};
		int64		acc = 0;

		for (int i = 0; i < ndigits; i++)
		{
			int16		d;
			int			e = weight - i;
			int64		t;

			memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
			if (d == 0)
				continue;
			if (e == -2)
			{
				if (d % 100 != 0)
					return false;	/* a seventh or eighth decimal */
				t = d / 100;
			}
			else if (e < -2 || e > 3)
				return false;	/* beyond eight decimals, or at least 1e16 */
			else if (__builtin_mul_overflow((int64) d, place[e + 1], &t))
				return false;
			if (__builtin_add_overflow(acc, t, &acc))
				return false;
		}
		*out = negative ? -acc : acc;
	}
	return true;
}

/* micro-units as an exact numeric with no trailing zeros */
static Datum
MicrosToNumeric(int64 micros)
{
	char		buf[40];

	RateFormatMicros(micros, buf, sizeof(buf));
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* A numeric argument of a helper as micro-units in [0, max]. */
static int64
ArgMicros(Numeric n, const char *what, int64 max)
{
	int64		m;

	if (!NumericMicros(n, &m) || m < 0 || m > max)
	{
		char		hi[32];

		RateFormatMicros(max, hi, sizeof(hi));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %s is out of range",
						what, DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)))),
				 errdetail("It must be between 0 and %s, with at most six decimals.", hi)));
	}
	return m;
}

/* ---- the shipment document ----------------------------------------------- */

/*
 * Reading jsonb.  A shipment is decoded for every row rated, so each object
 * is read in one pass over its entries (the layout jsonb.h documents: keys,
 * sorted, then values, each with a length or an end offset) rather than by
 * a binary search per key.
 */
/* Which field a key is (an enum of the caller), or -1: see ShipmentKey. */
typedef int (*JbClassify) (const char *key, uint32 len);

/* A key of length len is the literal: constant sizes, so compilers inline it. */
#define KEY_IS(lit) (len == sizeof(lit) - 1 && memcmp(k, lit, sizeof(lit) - 1) == 0)

/* Fill v from the entry at [start, end) of a container's data. */
static inline void
JbFill(JEntry e, char *base, uint32 start, uint32 end, JsonbValue *v)
{
	if (JBE_ISNULL(e))
		v->type = jbvNull;
	else if (JBE_ISSTRING(e))
	{
		v->type = jbvString;
		v->val.string.val = base + start;
		v->val.string.len = end - start;
	}
	else if (JBE_ISNUMERIC(e))
	{
		v->type = jbvNumeric;
		v->val.numeric = (Numeric) (base + INTALIGN(start));
	}
	else if (JBE_ISBOOL_TRUE(e) || JBE_ISBOOL_FALSE(e))
	{
		v->type = jbvBool;
		v->val.boolean = JBE_ISBOOL_TRUE(e);
	}
	else
	{
		v->type = jbvBinary;
		v->val.binary.data = (JsonbContainer *) (base + INTALIGN(start));
		v->val.binary.len = end - INTALIGN(start);
	}
}

/*
 * The values of the keys of an object that classify() knows, in one pass:
 * vals[f] is the value of field f, jbvNull when absent.  Other keys are
 * skipped.
 */
static pg_attribute_always_inline void
JbScanObject(JsonbContainer *c, JbClassify classify, int nfields, JsonbValue *vals)
{
	int			n = JsonContainerSize(c);
	char	   *base = (char *) &c->children[n * 2];
	uint32		offset = 0;
	int8		local[64];
	int8	   *which = n <= 64 ? local : palloc(n);

	for (int f = 0; f < nfields; f++)
		vals[f].type = jbvNull;
	for (int i = 0; i < n; i++)
	{
		uint32		start = offset;

		JBE_ADVANCE_OFFSET(offset, c->children[i]);
		which[i] = (int8) classify(base + start, offset - start);
	}
	for (int i = 0; i < n; i++)
	{
		uint32		start = offset;

		JBE_ADVANCE_OFFSET(offset, c->children[n + i]);
		if (which[i] >= 0)
			JbFill(c->children[n + i], base, start, offset, &vals[which[i]]);
	}
	if (which != local)
		pfree(which);
}

#define LOCAL_PIECES 16
#define LOCAL_FLAGS 16

typedef struct ShipmentScratch
{
	RatingPiece pieces[LOCAL_PIECES];
	RatingText	flags[LOCAL_FLAGS];
	RatingContainer containers[RATE_NCONTAINER_TYPES];
} ShipmentScratch;

/* Where in the document a value is: "$" or "$.pieces[3]", and the key. */
typedef struct Where
{
	int			piece;			/* -1: top level */
	const char *key;
} Where;

static void BadShipment(Where w, const char *fmt,...)
			pg_attribute_printf(2, 3) pg_attribute_noreturn();

static void
BadShipment(Where w, const char *fmt,...)
{
	char		msg[256];
	char		path[64];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w.piece >= 0)
		snprintf(path, sizeof(path), "$.pieces[%d]", w.piece);
	else
		strcpy(path, "$");
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid shipment: %s%s%s: %s", path, w.key ? "." : "", w.key ? w.key : "", msg),
			 errhint("docs/rate-cards.md lists the fields of a shipment document.")));
}

static const char *
JsonbKindName(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "an array" : "an object";
		default:
			return "a value";
	}
}

static inline int64
NumberValue(Where w, const JsonbValue *v, int64 max)
{
	int64		m;

	if (v->type != jbvNumeric)
		BadShipment(w, "expected a number, not %s", JsonbKindName(v));
	if (!NumericMicros(v->val.numeric, &m) || m < 0 || m > max)
	{
		char		hi[32];

		RateFormatMicros(max, hi, sizeof(hi));
		BadShipment(w, "%s is not a number from 0 to %s with at most six decimals",
					DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric))),
					hi);
	}
	return m;
}

static int64
CountValue(Where w, const JsonbValue *v, int64 min)
{
	int64		m = NumberValue(w, v, RATE_MAX_COUNT * RATE_UNIT);

	if (m % RATE_UNIT != 0 || m < min * RATE_UNIT)
		BadShipment(w, "expected a whole number from %lld to %lld",
					(long long) min, (long long) RATE_MAX_COUNT);
	return m / RATE_UNIT;
}

static void
TextValue(Where w, const JsonbValue *v, RatingText *out)
{
	if (v->type != jbvString)
		BadShipment(w, "expected a string, not %s", JsonbKindName(v));
	out->s = v->val.string.val;
	out->len = v->val.string.len;
}

/* ISO 3166 validity by RateCountryIndex, filled once: a lookup per row. */
static bool
CountryValid(const char *s)
{
	static bool filled = false;
	static bool valid[676];
	int			ix = RateCountryIndex(s);

	if (!filled)
	{
		for (int i = 0; i < 676; i++)
		{
			char		cc[3] = {(char) ('A' + i / 26), (char) ('A' + i % 26), '\0'};

			valid[i] = CountryCodeIsValid(cc);
		}
		filled = true;
	}
	return ix >= 0 && valid[ix];
}

static void
CountryValue(Where w, const JsonbValue *v, char *out)
{
	if (v->type != jbvString)
		BadShipment(w, "expected a country code, not %s", JsonbKindName(v));
	if (v->val.string.len == 2 && CountryValid(v->val.string.val))
	{
		memcpy(out, v->val.string.val, 2);
		return;
	}
	BadShipment(w, "\"%.*s\" is not an ISO 3166 country",
				Min((int) v->val.string.len, 20), v->val.string.val);
}

/* The units seen so far: every weight in one unit, every length in one. */
typedef struct Units
{
	bool		weight_set;
	bool		length_set;
} Units;

/* A weight given as kg or lb (vals[0], vals[1]); false when neither. */
static bool
WeightValue(Where w, const JsonbValue *kg, const JsonbValue *lb, RatingShipment *s, Units *u,
			int64 *out)
{
	RateWeightUnit unit;

	if (kg->type != jbvNull && lb->type != jbvNull)
	{
		w.key = "weight_lb";
		BadShipment(w, "give \"weight_kg\" or \"weight_lb\", not both");
	}
	if (kg->type == jbvNull && lb->type == jbvNull)
		return false;
	unit = kg->type != jbvNull ? RATE_KG : RATE_LB;
	w.key = unit == RATE_KG ? "weight_kg" : "weight_lb";
	if (u->weight_set && s->weight_unit != unit)
		BadShipment(w, "the shipment mixes kg and lb; give every weight in one unit");
	s->weight_unit = unit;
	u->weight_set = true;
	*out = NumberValue(w, unit == RATE_KG ? kg : lb, RATE_MAX_WEIGHT);
	return true;
}

enum
{
	P_WEIGHT_KG, P_WEIGHT_LB, P_LENGTH_CM, P_WIDTH_CM, P_HEIGHT_CM,
	P_LENGTH_IN, P_WIDTH_IN, P_HEIGHT_IN, P_COUNT, P_N
};

static const char *const piece_keys[P_N] = {
	"weight_kg", "weight_lb", "length_cm", "width_cm", "height_cm", "length_in", "width_in",
	"height_in", "count"
};

static int
PieceKey(const char *k, uint32 len)
{
	switch (len)
	{
		case 5:
			return KEY_IS("count") ? P_COUNT : -1;
		case 8:
			return KEY_IS("width_cm") ? P_WIDTH_CM : KEY_IS("width_in") ? P_WIDTH_IN : -1;
		case 9:
			switch (k[0])
			{
				case 'w':
					return KEY_IS("weight_kg") ? P_WEIGHT_KG : KEY_IS("weight_lb") ? P_WEIGHT_LB : -1;
				case 'l':
					return KEY_IS("length_cm") ? P_LENGTH_CM : KEY_IS("length_in") ? P_LENGTH_IN : -1;
				case 'h':
					return KEY_IS("height_cm") ? P_HEIGHT_CM : KEY_IS("height_in") ? P_HEIGHT_IN : -1;
			}
			return -1;
	}
	return -1;
}

static void
DecodePiece(JsonbContainer *obj, int index, RatingShipment *s, Units *u, RatingPiece *p)
{
	JsonbValue	v[P_N];
	Where		w = {index, NULL};
	int			cm = 0,
				in = 0;

	JbScanObject(obj, PieceKey, P_N, v);
	memset(p, 0, sizeof(*p));
	if (!WeightValue(w, &v[P_WEIGHT_KG], &v[P_WEIGHT_LB], s, u, &p->weight))
		BadShipment(w, "a piece needs \"weight_kg\" (or \"weight_lb\")");
	for (int k = 0; k < 3; k++)
	{
		cm += v[P_LENGTH_CM + k].type != jbvNull;
		in += v[P_LENGTH_IN + k].type != jbvNull;
	}
	if (cm + in > 0)
	{
		RateLengthUnit unit = cm > 0 ? RATE_CM : RATE_IN;
		int			first = unit == RATE_CM ? P_LENGTH_CM : P_LENGTH_IN;

		if (cm > 0 && in > 0)
			BadShipment(w, "the piece mixes cm and in");
		if (cm + in < 3)
			BadShipment(w, "give all three of length, width and height, or none");
		if (u->length_set && s->length_unit != unit)
			BadShipment(w, "the shipment mixes cm and in; give every dimension in one unit");
		s->length_unit = unit;
		u->length_set = true;
		for (int k = 0; k < 3; k++)
		{
			w.key = piece_keys[first + k];
			p->dims[k] = NumberValue(w, &v[first + k], RATE_MAX_LENGTH);
		}
		p->has_dims = true;
	}
	w.key = "count";
	p->count = v[P_COUNT].type != jbvNull ? CountValue(w, &v[P_COUNT], 1) : 1;
}

enum
{
	S_DESTINATION, S_ORIGIN, S_POSTCODE, S_ORIGIN_POSTCODE, S_TIER, S_CUSTOMS_LINES,
	S_VOLUME_M3, S_PIECES, S_WEIGHT_KG, S_WEIGHT_LB, S_CONTAINERS, S_FLAGS, S_N
};

static const char *const shipment_keys[S_N] = {
	"destination", "origin", "postcode", "origin_postcode", "tier", "customs_lines", "volume_m3",
	"pieces", "weight_kg", "weight_lb", "containers", "flags"
};

static int
ShipmentKey(const char *k, uint32 len)
{
	switch (len)
	{
		case 4:
			return KEY_IS("tier") ? S_TIER : -1;
		case 5:
			return KEY_IS("flags") ? S_FLAGS : -1;
		case 6:
			return KEY_IS("pieces") ? S_PIECES : KEY_IS("origin") ? S_ORIGIN : -1;
		case 8:
			return KEY_IS("postcode") ? S_POSTCODE : -1;
		case 9:
			return KEY_IS("weight_kg") ? S_WEIGHT_KG : KEY_IS("volume_m3") ? S_VOLUME_M3
				: KEY_IS("weight_lb") ? S_WEIGHT_LB : -1;
		case 10:
			return KEY_IS("containers") ? S_CONTAINERS : -1;
		case 11:
			return KEY_IS("destination") ? S_DESTINATION : -1;
		case 13:
			return KEY_IS("customs_lines") ? S_CUSTOMS_LINES : -1;
		case 15:
			return KEY_IS("origin_postcode") ? S_ORIGIN_POSTCODE : -1;
	}
	return -1;
}

/*
 * Decode a shipment document into *s.  Strings point into the jsonb, which
 * must outlive the rating.  Unknown keys are ignored: the document may be
 * the application's own shipment record.
 */
static void
DecodeShipment(Jsonb *jb, DateADT date, ShipmentScratch *sc, RatingShipment *s)
{
	JsonbValue	v[S_N];
	Units		u = {false, false};
	Where		w = {-1, NULL};

	memset(s, 0, sizeof(*s));
	s->date = date;
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid shipment: a shipment is a JSON object"),
				 errhint("docs/rate-cards.md lists the fields of a shipment document.")));
	JbScanObject(&jb->root, ShipmentKey, S_N, v);

#define KEY(k) (w.key = shipment_keys[k], w)
	if (v[S_DESTINATION].type != jbvNull)
		CountryValue(KEY(S_DESTINATION), &v[S_DESTINATION], s->destination);
	if (v[S_ORIGIN].type != jbvNull)
		CountryValue(KEY(S_ORIGIN), &v[S_ORIGIN], s->origin);
	if (v[S_POSTCODE].type != jbvNull)
		TextValue(KEY(S_POSTCODE), &v[S_POSTCODE], &s->postcode);
	if (v[S_ORIGIN_POSTCODE].type != jbvNull)
		TextValue(KEY(S_ORIGIN_POSTCODE), &v[S_ORIGIN_POSTCODE], &s->origin_postcode);
	if (v[S_TIER].type != jbvNull)
		TextValue(KEY(S_TIER), &v[S_TIER], &s->tier);
	if (v[S_CUSTOMS_LINES].type != jbvNull)
		s->customs_lines = CountValue(KEY(S_CUSTOMS_LINES), &v[S_CUSTOMS_LINES], 0);
	if (v[S_VOLUME_M3].type != jbvNull)
	{
		s->has_volume = true;
		s->volume = NumberValue(KEY(S_VOLUME_M3), &v[S_VOLUME_M3], RATE_MAX_VOLUME);
	}

	if (v[S_PIECES].type != jbvNull)
	{
		JsonbContainer *arr;
		int			n;
		char	   *base;
		uint32		offset = 0;
		int64		total = 0;
		RatingPiece *pieces;

		if (v[S_PIECES].type != jbvBinary || !JsonContainerIsArray(v[S_PIECES].val.binary.data))
			BadShipment(KEY(S_PIECES), "expected an array of pieces, not %s", JsonbKindName(&v[S_PIECES]));
		arr = v[S_PIECES].val.binary.data;
		n = JsonContainerSize(arr);
		if (n > RATE_MAX_COUNT)
			BadShipment(KEY(S_PIECES), "more than %lld pieces", (long long) RATE_MAX_COUNT);
		pieces = n <= LOCAL_PIECES ? sc->pieces : palloc(n * sizeof(RatingPiece));
		base = (char *) &arr->children[n];
		for (int i = 0; i < n; i++)
		{
			uint32		start = offset;
			JsonbValue	e;
			Where		pw = {i, NULL};

			JBE_ADVANCE_OFFSET(offset, arr->children[i]);
			JbFill(arr->children[i], base, start, offset, &e);
			if (e.type != jbvBinary || !JsonContainerIsObject(e.val.binary.data))
				BadShipment(pw, "expected a piece object, not %s", JsonbKindName(&e));
			DecodePiece(e.val.binary.data, i, s, &u, &pieces[i]);
			total += pieces[i].count;
			if (total > RATE_MAX_COUNT)
			{
				pw.key = "count";
				BadShipment(pw, "the shipment has more than %lld pieces", (long long) RATE_MAX_COUNT);
			}
		}
		s->pieces = pieces;
		s->npieces = n;
	}
	if (s->npieces == 0)
		s->has_weight = WeightValue(w, &v[S_WEIGHT_KG], &v[S_WEIGHT_LB], s, &u, &s->weight);

	if (v[S_CONTAINERS].type != jbvNull)
	{
		JsonbContainer *obj;
		int			n;
		char	   *base;
		uint32		offset = 0;
		uint32		keyoff[RATE_NCONTAINER_TYPES];
		uint32		keylen[RATE_NCONTAINER_TYPES];

		if (v[S_CONTAINERS].type != jbvBinary || !JsonContainerIsObject(v[S_CONTAINERS].val.binary.data))
			BadShipment(KEY(S_CONTAINERS), "expected an object such as {\"40HC\": 2}, not %s",
						JsonbKindName(&v[S_CONTAINERS]));
		obj = v[S_CONTAINERS].val.binary.data;
		n = JsonContainerSize(obj);
		base = (char *) &obj->children[2 * n];
		for (int i = 0; i < n; i++)
		{
			uint32		start = offset;
			int			t;

			JBE_ADVANCE_OFFSET(offset, obj->children[i]);
			t = RateContainerType(base + start, offset - start);
			if (t < 0)
				BadShipment(KEY(S_CONTAINERS), "\"%.*s\" is not a container type (20GP, 20HC, 40GP, 40HC, 45HC, 20RF, 40RF, 40RH, 20OT, 40OT, 20FR, 40FR, 20TK)",
							Min((int) (offset - start), 20), base + start);
			/* keys are distinct, so there are at most as many as types */
			keyoff[i] = start;
			keylen[i] = offset - start;
			sc->containers[i].type = t;
		}
		s->ncontainers = 0;
		for (int i = 0; i < n; i++)
		{
			uint32		start = offset;
			JsonbValue	e;
			char		key[16];
			Where		cw = {-1, key};

			JBE_ADVANCE_OFFSET(offset, obj->children[n + i]);
			JbFill(obj->children[n + i], base, start, offset, &e);
			if (e.type == jbvNull)
				continue;
			snprintf(key, sizeof(key), "containers.%.*s", (int) keylen[i], base + keyoff[i]);
			sc->containers[s->ncontainers].type = sc->containers[i].type;
			sc->containers[s->ncontainers].count = CountValue(cw, &e, 1);
			s->ncontainers++;
		}
		s->containers = sc->containers;
	}

	if (v[S_FLAGS].type != jbvNull)
	{
		JsonbContainer *arr;
		int			n;
		char	   *base;
		uint32		offset = 0;
		RatingText *flags;

		if (v[S_FLAGS].type != jbvBinary || !JsonContainerIsArray(v[S_FLAGS].val.binary.data))
			BadShipment(KEY(S_FLAGS), "expected an array of flag names, not %s", JsonbKindName(&v[S_FLAGS]));
		arr = v[S_FLAGS].val.binary.data;
		n = JsonContainerSize(arr);
		flags = n <= LOCAL_FLAGS ? sc->flags : palloc(n * sizeof(RatingText));
		base = (char *) &arr->children[n];
		for (int i = 0; i < n; i++)
		{
			uint32		start = offset;
			JsonbValue	e;

			JBE_ADVANCE_OFFSET(offset, arr->children[i]);
			JbFill(arr->children[i], base, start, offset, &e);
			if (e.type != jbvString)
			{
				char		key[24];
				Where		fw = {-1, key};

				snprintf(key, sizeof(key), "flags[%d]", i);
				BadShipment(fw, "expected a flag name, not %s", JsonbKindName(&e));
			}
			flags[i].s = e.val.string.val;
			flags[i].len = e.val.string.len;
		}
		s->flags = flags;
		s->nflags = n;
	}
#undef KEY
}

/* ---- the cache of compiled cards ----------------------------------------- */

typedef struct CardVersion
{
	int32		version;
	bool		lower_inf;
	DateADT		lower;			/* inclusive */
	bool		upper_inf;
	DateADT		upper;			/* exclusive */
	CurrencyCode currency;
	int			decimals;
	RateCard   *card;			/* malloc'd; NULL when the stored definition is invalid */
	char	   *problem;		/* why it is invalid */
} CardVersion;

typedef struct CardEntry
{
	char		code[CARD_CODE_MAX + 1];	/* hash key */
	LocalTransactionId lxid;	/* valid in this transaction only, or Invalid: always */
	int			nversions;
	CardVersion *versions;		/* by validity */
} CardEntry;

static HTAB *card_cache = NULL;
static MemoryContext cache_context = NULL;
static uint64 cache_generation = 1;		/* bumped by every invalidation */
static uint64 cache_built_generation = 0;	/* the generation the hash holds */
static Oid	rate_card_relid = InvalidOid;
static bool callback_registered = false;

static void
RateCardRelcacheCallback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == rate_card_relid)
	{
		cache_generation++;
		/* looked up again: the table may have been dropped and created anew */
		rate_card_relid = InvalidOid;
	}
}

static void
FlushCache(void)
{
	if (card_cache != NULL)
	{
		HASH_SEQ_STATUS status;
		CardEntry  *e;

		hash_seq_init(&status, card_cache);
		while ((e = hash_seq_search(&status)) != NULL)
			for (int i = 0; i < e->nversions; i++)
				RateCardFree(e->versions[i].card);
		hash_destroy(card_cache);
		card_cache = NULL;
	}
	if (cache_context != NULL)
		MemoryContextReset(cache_context);
}

static Oid
RateCardRelid(void)
{
	if (!OidIsValid(rate_card_relid))
	{
		Oid			nsp = get_namespace_oid("cbl", false);

		rate_card_relid = get_relname_relid("rate_card", nsp);
		if (!OidIsValid(rate_card_relid))
			elog(ERROR, "cbl.rate_card does not exist");
	}
	return rate_card_relid;
}

/* Make sure the cache holds the current generation: drop it if not. */
static void
CacheCheck(void)
{
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(RateCardRelcacheCallback, (Datum) 0);
		callback_registered = true;
	}
	if (cache_built_generation != cache_generation)
	{
		FlushCache();
		cache_built_generation = cache_generation;
	}
	if (cache_context == NULL)
		cache_context = AllocSetContextCreate(CacheMemoryContext, "cbl rate cards",
											  ALLOCSET_SMALL_SIZES);
	if (card_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = CARD_CODE_MAX + 1;
		ctl.entrysize = sizeof(CardEntry);
		ctl.hcxt = cache_context;
		card_cache = hash_create("cbl rate cards", 64, &ctl,
								 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
}

static void
RaiseDefinitionError(const RateCardError *err)
{
	if (err->out_of_memory)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Compiling a rate card definition failed.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid rate card definition: %s", err->message),
			 err->hint[0] ? errhint("%s", err->hint)
			 : errhint("docs/rate-cards.md describes the definition format.")));
}

/* Load every version of a card code from cbl.rate_card, compiling each. */
static void
LoadCard(CardEntry *e)
{
	static SPIPlanPtr plan = NULL;
	Datum		arg = CStringGetTextDatum(e->code);
	Snapshot	snap;
	bool		parallel = IsInParallelMode();
	MemoryContext caller = CurrentMemoryContext;
	int			n;

	SPI_connect();
	if (plan == NULL)
	{
		Oid			argtypes[1] = {TEXTOID};
		SPIPlanPtr	p = SPI_prepare("SELECT version, pg_catalog.lower_inf(validity), pg_catalog.lower(validity), "
									"pg_catalog.upper_inf(validity), pg_catalog.upper(validity), currency, "
									"definition::pg_catalog.text "
									"FROM cbl.rate_card WHERE code OPERATOR(pg_catalog.=) $1 "
									"ORDER BY pg_catalog.lower(validity) NULLS FIRST",
									1, argtypes);

		if (p == NULL)
			elog(ERROR, "could not prepare the rate card query: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plan = p;
	}
	/* catalog-like: the latest committed rows, unless that cannot be had */
	snap = parallel ? GetActiveSnapshot() : GetLatestSnapshot();
	if (SPI_execute_snapshot(plan, &arg, NULL, snap, InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read cbl.rate_card");
	n = (int) SPI_processed;
	e->lxid = parallel ? MyProc->lxid : InvalidLocalTransactionId;
	e->versions = MemoryContextAllocZero(cache_context, Max(n, 1) * sizeof(CardVersion));
	e->nversions = 0;
	for (int i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		CardVersion *v = &e->versions[i];
		bool		isnull;
		char	   *ccy;
		char	   *def;
		const CurrencyInfo *info;
		RateCardError err;

		v->version = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		v->lower_inf = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
		v->lower = v->lower_inf ? 0 : DatumGetDateADT(SPI_getbinval(tup, desc, 3, &isnull));
		v->upper_inf = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
		v->upper = v->upper_inf ? 0 : DatumGetDateADT(SPI_getbinval(tup, desc, 5, &isnull));
		ccy = SPI_getvalue(tup, desc, 6);
		def = SPI_getvalue(tup, desc, 7);
		info = ccy ? CurrencyLookup(ccy, strlen(ccy)) : NULL;
		e->nversions = i + 1;
		if (info == NULL || info->minor_unit < 0)
		{
			v->problem = MemoryContextStrdup(cache_context, "its currency has no minor unit");
			continue;
		}
		v->currency = CurrencyPack(info);
		v->decimals = info->minor_unit;
		v->card = RateCardCompile(def, strlen(def), &err);
		if (v->card == NULL)
		{
			if (err.out_of_memory)
				RaiseDefinitionError(&err);
			v->problem = MemoryContextStrdup(cache_context, err.message);
		}
	}
	SPI_finish();
	MemoryContextSwitchTo(caller);
}

static CardEntry *
LookupCard(const char *code)
{
	CardEntry  *e;
	bool		found;

	CacheCheck();
	if (pg_class_aclcheck(RateCardRelid(), GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table rate_card")));
	e = hash_search(card_cache, code, HASH_FIND, &found);
	if (e != NULL && e->lxid != InvalidLocalTransactionId && e->lxid != MyProc->lxid)
	{
		/* kept for another transaction: start over (invalidating memos) */
		cache_generation++;
		CacheCheck();
		e = NULL;
	}
	if (e == NULL)
	{
		e = hash_search(card_cache, code, HASH_ENTER, &found);
		e->nversions = 0;
		e->versions = NULL;
		e->lxid = InvalidLocalTransactionId;
		PG_TRY();
		{
			LoadCard(e);
		}
		PG_CATCH();
		{
			for (int i = 0; i < e->nversions; i++)
				RateCardFree(e->versions[i].card);
			hash_search(card_cache, code, HASH_REMOVE, NULL);
			PG_RE_THROW();
		}
		PG_END_TRY();

		/*
		 * An invalidation that arrived while loading has changed the
		 * generation: this entry serves the current call, and the next
		 * lookup drops it.
		 */
	}
	return e;
}

static bool
VersionCovers(const CardVersion *v, DateADT date)
{
	return (v->lower_inf || date >= v->lower) && (v->upper_inf || date < v->upper);
}

/* A date as YYYY-MM-DD whatever DateStyle says: messages read the same everywhere. */
static void
FormatDate(DateADT date, char *buf, size_t len)
{
	int			y,
				m,
				d;

	if (DATE_IS_NOBEGIN(date))
		snprintf(buf, len, "-infinity");
	else if (DATE_IS_NOEND(date))
		snprintf(buf, len, "infinity");
	else
	{
		j2date(date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
		snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
	}
}

/* The version of a card valid on a date, or an error that says why none is. */
static CardVersion *
FindVersion(CardEntry *e, DateADT date)
{
	char		day[32];
	StringInfoData list;

	for (int i = 0; i < e->nversions; i++)
	{
		CardVersion *v = &e->versions[i];

		if (!VersionCovers(v, date))
			continue;
		if (v->card == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("rate card \"%s\" version %d has an invalid definition", e->code, v->version),
					 errdetail("%s", v->problem),
					 errhint("The definition was stored while the check trigger was disabled; correct it with UPDATE.")));
		return v;
	}
	FormatDate(date, day, sizeof(day));
	if (e->nversions == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CBL_NO_RATE_CARD),
				 errmsg("no rate card \"%s\" valid on %s", e->code, day),
				 errdetail("cbl.rate_card has no card with code \"%s\".", e->code),
				 errhint("Card codes are the code column of cbl.rate_card.")));
	initStringInfo(&list);
	for (int i = 0; i < e->nversions; i++)
	{
		char		lo[32] = "",
					hi[32] = "";

		if (!e->versions[i].lower_inf)
			FormatDate(e->versions[i].lower, lo, sizeof(lo));
		if (!e->versions[i].upper_inf)
			FormatDate(e->versions[i].upper, hi, sizeof(hi));
		appendStringInfo(&list, "%sversion %d [%s,%s)", i ? ", " : "", e->versions[i].version, lo, hi);
	}
	ereport(ERROR,
			(errcode(ERRCODE_CBL_NO_RATE_CARD),
			 errmsg("no rate card \"%s\" valid on %s", e->code, day),
			 errdetail("Card \"%s\" has %s.", e->code, list.data),
			 errhint("Add a version whose validity covers the date, or rate on another date.")));
	return NULL;
}

/* A card code argument as a C string (it cannot match if it is too long). */
static void
CodeArg(text *t, char *buf)
{
	int			len = VARSIZE_ANY_EXHDR(t);

	if (len > CARD_CODE_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_CBL_NO_RATE_CARD),
				 errmsg("no rate card \"%.*s...\"", 20, VARDATA_ANY(t)),
				 errdetail("Card codes have at most %d bytes.", CARD_CODE_MAX)));
	memcpy(buf, VARDATA_ANY(t), len);
	buf[len] = '\0';
}

/*
 * What one call site (FmgrInfo) remembers between rows: the card version
 * it used last, while the cache's generation holds, and room to rate.
 */
typedef struct RateMemo
{
	uint64		generation;
	int			codelen;
	char		code[CARD_CODE_MAX + 1];
	CardVersion *version;
	ShipmentScratch scratch;
	RatingResult result;
} RateMemo;

static CardVersion *
ResolveCard(FunctionCallInfo fcinfo, text *code_arg, DateADT date, RateMemo **memo_out)
{
	RateMemo   *memo = fcinfo->flinfo->fn_extra;
	int			len = VARSIZE_ANY_EXHDR(code_arg);
	char		code[CARD_CODE_MAX + 1];
	CardEntry  *e;

	if (memo == NULL)
	{
		memo = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RateMemo));
		fcinfo->flinfo->fn_extra = memo;
	}
	*memo_out = memo;
	if (memo->version != NULL && memo->generation == cache_generation &&
		cache_built_generation == cache_generation && memo->codelen == len &&
		memcmp(memo->code, VARDATA_ANY(code_arg), len) == 0 &&
		VersionCovers(memo->version, date))
		return memo->version;

	memo->version = NULL;
	CodeArg(code_arg, code);
	e = LookupCard(code);
	memo->version = FindVersion(e, date);
	memo->generation = cache_generation;
	memo->codelen = len;
	memcpy(memo->code, code, len + 1);
	return memo->version;
}

/* Rate, or raise the rating's error with its SQLSTATE. */
static void
RateOrRaise(const char *code, CardVersion *v, RatingShipment *s, bool with_basis, RatingResult *r)
{
	int			sqlstate;

	if (RateShipment(v->card, v->decimals, s, with_basis, r))
		return;
	switch (r->status)
	{
		case RATING_NO_ZONE:
			sqlstate = ERRCODE_CBL_NO_ZONE;
			break;
		case RATING_NO_PRICE:
			sqlstate = ERRCODE_CBL_NO_PRICE;
			break;
		case RATING_OUT_OF_RANGE:
			sqlstate = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
			break;
		default:
			sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
	}
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("cannot rate with card \"%s\" version %d: %s", code, v->version, r->message),
			 r->detail[0] ? errdetail("%s", r->detail) : 0,
			 r->hint[0] ? errhint("%s", r->hint) : 0));
}

/* cbl.rate_total(card, shipment, on_date): the sum of the lines. */
Datum
cbl_rate_total(PG_FUNCTION_ARGS)
{
	text	   *code = PG_GETARG_TEXT_PP(0);
	Jsonb	   *jb = PG_GETARG_JSONB_P(1);
	DateADT		date = PG_GETARG_DATEADT(2);
	RateMemo   *memo;
	CardVersion *v;
	RatingShipment s;

	/* arguments are detoasted above, before the cache is consulted */
	v = ResolveCard(fcinfo, code, date, &memo);
	DecodeShipment(jb, date, &memo->scratch, &s);
	RateOrRaise(memo->code, v, &s, false, &memo->result);
	PG_RETURN_AMOUNT_P(MakeAmount(memo->result.total, v->currency));
}

/* cbl.rate(card, shipment, on_date): the lines. */
Datum
cbl_rate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *code = PG_GETARG_TEXT_PP(0);
	Jsonb	   *jb = PG_GETARG_JSONB_P(1);
	DateADT		date = PG_GETARG_DATEADT(2);
	RateMemo   *memo;
	CardVersion *v;
	RatingShipment s;
	RatingResult *r;

	InitMaterializedSRF(fcinfo, 0);
	v = ResolveCard(fcinfo, code, date, &memo);
	DecodeShipment(jb, date, &memo->scratch, &s);
	r = &memo->result;
	RateOrRaise(memo->code, v, &s, true, r);
	for (int i = 0; i < r->nlines; i++)
	{
		RatingLine *l = &r->lines[i];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(l->code);
		values[1] = CStringGetTextDatum(l->description);
		values[2] = CStringGetTextDatum(l->basis);
		values[3] = MicrosToNumeric(l->quantity);
		if (l->has_unit_price)
			values[4] = AmountPGetDatum(MakeAmount(l->unit_price, v->currency));
		else
			nulls[4] = true;
		values[5] = AmountPGetDatum(MakeAmount(l->amount, v->currency));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* cbl.rate_card_version(card, on_date): the version valid on the date. */
Datum
cbl_rate_card_version(PG_FUNCTION_ARGS)
{
	char		code[CARD_CODE_MAX + 1];
	CardEntry  *e;

	CodeArg(PG_GETARG_TEXT_PP(0), code);
	e = LookupCard(code);
	PG_RETURN_INT32(FindVersion(e, PG_GETARG_DATEADT(1))->version);
}

/* ---- definitions --------------------------------------------------------- */

/* cbl.rate_card_problem(definition): NULL if it compiles, else why not. */
Datum
cbl_rate_card_problem(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	char	   *text = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	RateCardError err;
	RateCard   *card = RateCardCompile(text, strlen(text), &err);

	if (card != NULL)
	{
		RateCardFree(card);
		PG_RETURN_NULL();
	}
	if (err.out_of_memory)
		RaiseDefinitionError(&err);
	PG_RETURN_TEXT_P(cstring_to_text(err.message));
}

/* Take the transaction lock that serialises writers of one card code. */
static void
LockCardCode(const char *code)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, LOCK_KEY_RATE_CARD,
						 (uint32) hash_bytes((const unsigned char *) code, strlen(code)), 2);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

static int
AttnumOf(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i + 1;
	}
	elog(ERROR, "cbl.rate_card has no column \"%s\"", name);
	return 0;
}

/*
 * The trigger on cbl.rate_card.  Every change invalidates the cached cards
 * of every backend.  A new or changed row has its definition compiled
 * (refused with the JSON path of what is wrong), its currency checked, its
 * version numbered when not given (one more than the code's highest), and
 * its validity checked against the code's other versions.  Writers of one
 * code are serialised by a transaction lock, and the other versions are
 * read with the latest snapshot, so two concurrent writers cannot both
 * add overlapping versions.
 */
Datum
cbl_rate_card_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tuple;
	int			att_code,
				att_version,
				att_currency,
				att_validity,
				att_definition;
	bool		isnull;
	char	   *code;
	char	   *ccy;
	Datum		validity;
	Datum		version;
	bool		version_null;
	Jsonb	   *jb;
	char	   *def;
	RateCard   *card;
	RateCardError err;
	const CurrencyInfo *info;
	static SPIPlanPtr next_plan = NULL;
	static SPIPlanPtr overlap_plan = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "cbl_rate_card_trigger: not called as a trigger");
	rel = td->tg_relation;
	CacheInvalidateRelcache(rel);
	/* on a Citus shard of it, also the table the caches listen for (docs/scaling.md) */
	{
		Oid			nsp = get_namespace_oid("cbl", true);
		Oid			own = OidIsValid(nsp) ? get_relname_relid("rate_card", nsp) : InvalidOid;

		if (OidIsValid(own) && own != RelationGetRelid(rel))
			CacheInvalidateRelcacheByRelid(own);
	}
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))
		return PointerGetDatum(NULL);
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return PointerGetDatum(td->tg_trigtuple);
	if (!TRIGGER_FIRED_BEFORE(td->tg_event))
		elog(ERROR, "cbl_rate_card_trigger: must be a BEFORE trigger for rows");

	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	desc = RelationGetDescr(rel);
	att_code = AttnumOf(desc, "code");
	att_version = AttnumOf(desc, "version");
	att_currency = AttnumOf(desc, "currency");
	att_validity = AttnumOf(desc, "validity");
	att_definition = AttnumOf(desc, "definition");

	/* NOT NULL constraints come after BEFORE triggers: leave NULLs to them */
	code = SPI_getvalue(tuple, desc, att_code);
	ccy = SPI_getvalue(tuple, desc, att_currency);
	validity = SPI_getbinval(tuple, desc, att_validity, &isnull);
	if (code == NULL || isnull)
		return PointerGetDatum(tuple);
	version = SPI_getbinval(tuple, desc, att_version, &version_null);

	/* the definition */
	{
		Datum		d = SPI_getbinval(tuple, desc, att_definition, &isnull);

		if (isnull)
			return PointerGetDatum(tuple);
		jb = DatumGetJsonbP(d);
	}
	def = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	card = RateCardCompile(def, strlen(def), &err);
	if (card == NULL)
	{
		if (err.out_of_memory)
			RaiseDefinitionError(&err);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid rate card definition: %s", err.message),
				 errdetail("Rate card \"%s\"%s%s is refused.", code,
						   version_null ? "" : " version ",
						   version_null ? "" : psprintf("%d", DatumGetInt32(version))),
				 err.hint[0] ? errhint("%s", err.hint)
				 : errhint("docs/rate-cards.md describes the definition format.")));
	}
	RateCardFree(card);
	pfree(def);

	info = ccy ? CurrencyLookup(ccy, strlen(ccy)) : NULL;
	if (info != NULL && info->minor_unit < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rate card \"%s\" cannot be in %s", code, ccy),
				 errdetail("ISO 4217 defines no minor unit for %s, and every line of a rate card is rounded to one.", ccy),
				 errhint("Price the card in a currency such as USD or EUR.")));

	LockCardCode(code);
	SPI_connect();
	if (version_null)
	{
		Datum		arg = CStringGetTextDatum(code);

		if (next_plan == NULL)
		{
			Oid			types[1] = {TEXTOID};
			SPIPlanPtr	p = SPI_prepare("SELECT coalesce(pg_catalog.max(version), 0) OPERATOR(pg_catalog.+) 1 FROM cbl.rate_card "
										"WHERE code OPERATOR(pg_catalog.=) $1", 1, types);

			if (p == NULL)
				elog(ERROR, "could not prepare the next version query");
			SPI_keepplan(p);
			next_plan = p;
		}
		if (SPI_execute_snapshot(next_plan, &arg, NULL, GetLatestSnapshot(), InvalidSnapshot,
								 true, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not number the rate card version");
		version = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	}
	{
		Datum		args[4];
		char		nulls[4] = {' ', ' ', 'n', 'n'};

		if (overlap_plan == NULL)
		{
			Oid			types[4] = {TEXTOID, DATERANGEOID, TEXTOID, INT4OID};
			SPIPlanPtr	p = SPI_prepare("SELECT version, validity::pg_catalog.text FROM cbl.rate_card "
							"WHERE code OPERATOR(pg_catalog.=) $1 "
							"AND validity OPERATOR(pg_catalog.&&) $2 "
							"AND ($3 IS NULL OR code OPERATOR(pg_catalog.<>) $3 "
							"OR version OPERATOR(pg_catalog.<>) $4) "
							"ORDER BY version LIMIT 1", 4, types);
			if (p == NULL)
				elog(ERROR, "could not prepare the overlap query");
			SPI_keepplan(p);
			overlap_plan = p;
		}
		args[0] = CStringGetTextDatum(code);
		args[1] = validity;
		args[2] = args[3] = (Datum) 0;
		if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		{
			char	   *old_code = SPI_getvalue(td->tg_trigtuple, desc, att_code);

			args[2] = CStringGetTextDatum(old_code);
			args[3] = SPI_getbinval(td->tg_trigtuple, desc, att_version, &isnull);
			nulls[2] = nulls[3] = ' ';
		}
		if (SPI_execute_snapshot(overlap_plan, args, nulls, GetLatestSnapshot(), InvalidSnapshot,
								 true, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not check the rate card versions");
		if (SPI_processed > 0)
		{
			bool		n;
			int32		other = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
															SPI_tuptable->tupdesc, 1, &n));
			char	   *other_validity = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
			char	   *mine = SPI_getvalue(tuple, desc, att_validity);

			ereport(ERROR,
					(errcode(ERRCODE_EXCLUSION_VIOLATION),
					 errmsg("rate card \"%s\" version %d overlaps version %d",
							code, DatumGetInt32(version), other),
					 errdetail("Version %d is valid %s and version %d is valid %s; the versions of a card must not overlap.",
							   DatumGetInt32(version), mine, other, other_validity),
					 errhint("End the earlier version where the new one starts, e.g. UPDATE cbl.rate_card SET validity = daterange(lower(validity), <start>) ...")));
		}
	}
	SPI_finish();

	if (version_null)
	{
		int			cols[1] = {att_version};
		Datum		vals[1] = {version};
		bool		nls[1] = {false};

		tuple = heap_modify_tuple_by_cols(tuple, desc, 1, cols, vals, nls);
	}
	return PointerGetDatum(tuple);
}

/* ---- helpers ------------------------------------------------------------- */

/* cbl.chargeable_weight(actual_kg, length_cm, width_cm, height_cm, divisor, step) */
Datum
cbl_chargeable_weight(PG_FUNCTION_ARGS)
{
	int64		actual = ArgMicros(PG_GETARG_NUMERIC(0), "actual weight", RATE_MAX_WEIGHT);
	int64		l = ArgMicros(PG_GETARG_NUMERIC(1), "length", RATE_MAX_LENGTH);
	int64		w = ArgMicros(PG_GETARG_NUMERIC(2), "width", RATE_MAX_LENGTH);
	int64		h = ArgMicros(PG_GETARG_NUMERIC(3), "height", RATE_MAX_LENGTH);
	int64		divisor = ArgMicros(PG_GETARG_NUMERIC(4), "divisor", INT64CONST(1000000) * RATE_UNIT);
	int64		step = ArgMicros(PG_GETARG_NUMERIC(5), "step", INT64CONST(10000) * RATE_UNIT);
	int64		cw;
	const char *why;

	if (!RateChargeableWeight(actual, l, w, h, divisor, step, &cw, &why))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot compute a chargeable weight"),
				 errdetail("%s", why)));
	PG_RETURN_DATUM(MicrosToNumeric(cw));
}
