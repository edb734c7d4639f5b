/*
 * rating.c
 *	  Evaluate a compiled rate card on a shipment: chargeable weight, zone,
 *	  freight, surcharges, fees and tier discounts, each line rounded to
 *	  the currency's minor unit with the card's mode.
 *
 * Pure C (see rating.h): no PostgreSQL header, no jansson, no allocation.
 * Quantities are micro-units in int64; products and quotients go through
 * __int128 and are rounded once, where the card says.  Every input range
 * is checked here again, so any RatingShipment is safe to rate.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rating.h"

typedef __int128 int128;

const char *const RateContainerTypes[RATE_NCONTAINER_TYPES] = {
	"20GP", "20HC", "40GP", "40HC", "45HC", "20RF", "40RF", "40RH",
	"20OT", "40OT", "20FR", "40FR", "20TK"
};

/* Chargeable weight or revenue tons beyond this (1e9 units) is an error. */
#define RATE_MAX_CHARGEABLE (INT64_C(1000000000) * RATE_UNIT)
#define RATE_MAX_AMOUNT		INT64_MAX	/* the range of cbl.amount */

static const char *const weight_unit_name[] = {"kg", "lb"};

int
RateContainerType(const char *s, size_t len)
{
	if (len != 4)
		return -1;
	for (int i = 0; i < RATE_NCONTAINER_TYPES; i++)
		if (memcmp(RateContainerTypes[i], s, 4) == 0)
			return i;
	return -1;
}

/* ---- exact arithmetic ---------------------------------------------------- */

/* ceil(a * b / d) for a >= 0, b >= 1, d >= 1, without forming a * b whole. */
static int128
MulDivCeil(int128 a, int128 b, int128 d)
{
	int128		q;
	int128		r;

	if (a <= INT64_MAX && b <= INT32_MAX && d <= INT64_MAX)
	{
		int128		ab = a * b;

		if (ab <= INT64_MAX)
			return ((int64_t) ab + (int64_t) d - 1) / (int64_t) d;
	}
	q = a / d;
	r = a % d;

	return q * b + (r * b + d - 1) / d;
}

/* x rounded up to a multiple of step (x >= 0, step >= 1). */
static int128
CeilStep(int128 x, int64_t step)
{
	if (x <= INT64_MAX - step)
		return ((int64_t) x + step - 1) / step * step;
	return (x + step - 1) / step * step;
}

int
RateFormatMicros(int64_t micros, char *buf, size_t buflen)
{
	uint64_t	a = micros < 0 ? (uint64_t) 0 - (uint64_t) micros : (uint64_t) micros;
	uint64_t	whole = a / 1000000;
	uint64_t	frac = a % 1000000;
	char		digits[8];
	int			n;

	if (frac == 0)
		return snprintf(buf, buflen, "%s%llu", micros < 0 ? "-" : "",
						(unsigned long long) whole);
	snprintf(digits, sizeof(digits), "%06llu", (unsigned long long) frac);
	n = 6;
	while (n > 0 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	return snprintf(buf, buflen, "%s%llu.%s", micros < 0 ? "-" : "",
					(unsigned long long) whole, digits);
}

/* ---- unit conversion ----------------------------------------------------- */

/* Factor num/den taking a weight in unit from to unit to. */
static void
WeightFactor(RateWeightUnit from, RateWeightUnit to, int64_t *num, int64_t *den)
{
	*num = *den = 1;
	if (from == RATE_KG && to == RATE_LB)
		*num = 100000000, *den = 45359237;
	else if (from == RATE_LB && to == RATE_KG)
		*num = 45359237, *den = 100000000;
}

/* Factor num/den taking a length in unit from to unit to. */
static void
LengthFactor(RateLengthUnit from, RateLengthUnit to, int64_t *num, int64_t *den)
{
	*num = *den = 1;
	if (from == RATE_CM && to == RATE_IN)
		*num = 100, *den = 254;
	else if (from == RATE_IN && to == RATE_CM)
		*num = 254, *den = 100;
}

/* Factor num/den taking a volume in unit from cubed to unit to cubed. */
static void
VolumeFactor(RateLengthUnit from, RateLengthUnit to, int64_t *num, int64_t *den)
{
	*num = *den = 1;
	if (from == RATE_CM && to == RATE_IN)
		*num = 1000000, *den = 16387064;
	else if (from == RATE_IN && to == RATE_CM)
		*num = 16387064, *den = 1000000;
}

/* ---- errors -------------------------------------------------------------- */

static bool
Fail(RatingResult *out, RatingStatus status, const char *detail, const char *hint,
	 const char *fmt,...) __attribute__((format(printf, 5, 6)));

static bool
Fail(RatingResult *out, RatingStatus status, const char *detail, const char *hint,
	 const char *fmt,...)
{
	va_list		ap;

	out->status = status;
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
	snprintf(out->detail, sizeof(out->detail), "%s", detail ? detail : "");
	snprintf(out->hint, sizeof(out->hint), "%s", hint ? hint : "");
	return false;
}

static bool
OutOfRange(RatingResult *out, const char *what)
{
	return Fail(out, RATING_OUT_OF_RANGE, NULL,
				"Split the shipment, or check the units of its quantities.",
				"%s is out of range", what);
}

/* ---- the shipment's measures --------------------------------------------- */

/* Check the shipment's ranges; the evaluator never trusts its decoder. */
static bool
CheckShipment(const RatingShipment *s, RatingResult *out)
{
	int64_t		pieces = 0;
	int64_t		containers = 0;

	if (s->npieces < 0 || s->ncontainers < 0 || s->nflags < 0 ||
		(s->npieces > 0 && s->pieces == NULL) ||
		(s->ncontainers > 0 && s->containers == NULL) ||
		(s->nflags > 0 && s->flags == NULL) ||
		(s->weight_unit != RATE_KG && s->weight_unit != RATE_LB) ||
		(s->length_unit != RATE_CM && s->length_unit != RATE_IN))
		return Fail(out, RATING_BAD_SHIPMENT, NULL, NULL, "the shipment is malformed");
	for (int i = 0; i < s->npieces; i++)
	{
		const RatingPiece *p = &s->pieces[i];

		if (p->weight < 0 || p->weight > RATE_MAX_WEIGHT || p->count < 1 ||
			p->count > RATE_MAX_COUNT)
			return OutOfRange(out, "a piece's weight or count");
		pieces += p->count;
		if (pieces > RATE_MAX_COUNT)
			return OutOfRange(out, "the number of pieces");
		if (p->has_dims)
			for (int d = 0; d < 3; d++)
				if (p->dims[d] < 0 || p->dims[d] > RATE_MAX_LENGTH)
					return OutOfRange(out, "a piece's dimension");
	}
	for (int i = 0; i < s->ncontainers; i++)
	{
		if (s->containers[i].type < 0 || s->containers[i].type >= RATE_NCONTAINER_TYPES)
			return Fail(out, RATING_BAD_SHIPMENT, NULL, NULL, "unknown container type");
		if (s->containers[i].count < 1 || s->containers[i].count > RATE_MAX_COUNT)
			return OutOfRange(out, "a number of containers");
		containers += s->containers[i].count;
		if (containers > RATE_MAX_COUNT)
			return OutOfRange(out, "the number of containers");
	}
	if ((s->has_weight && (s->weight < 0 || s->weight > RATE_MAX_WEIGHT)) ||
		(s->has_volume && (s->volume < 0 || s->volume > RATE_MAX_VOLUME)))
		return OutOfRange(out, "the shipment's weight or volume");
	if (s->customs_lines < 0 || s->customs_lines > RATE_MAX_COUNT)
		return OutOfRange(out, "the number of customs lines");
	if ((s->postcode.len > 0 && s->postcode.s == NULL) ||
		(s->origin_postcode.len > 0 && s->origin_postcode.s == NULL) ||
		(s->tier.len > 0 && s->tier.s == NULL))
		return Fail(out, RATING_BAD_SHIPMENT, NULL, NULL, "the shipment is malformed");
	for (int i = 0; i < s->nflags; i++)
		if (s->flags[i].len > 0 && s->flags[i].s == NULL)
			return Fail(out, RATING_BAD_SHIPMENT, NULL, NULL, "the shipment is malformed");
	return true;
}

/*
 * Volume of one piece as V / kd in micro-units cubed of unit *unit: exact
 * in the shipment's unit, or (when the card rounds dimensions) in whole
 * card units.
 */
static int128
PieceVolume(const RateCard *card, const RatingShipment *s, const RatingPiece *p,
			RateLengthUnit *unit)
{
	int128		v = 1;

	if (card->dim_rounding == RATE_DIM_EXACT)
	{
		*unit = s->length_unit;
		for (int d = 0; d < 3; d++)
			v *= p->dims[d];
		return v;
	}
	*unit = card->length_unit;
	for (int d = 0; d < 3; d++)
	{
		int64_t		ln,
					ld;
		int128		whole;

		LengthFactor(s->length_unit, card->length_unit, &ln, &ld);
		/* the dimension in card units is dims * ln / (ld * 1e6) */
		whole = DivRound((int128) p->dims[d] * ln, (int128) ld * RATE_UNIT,
							 card->dim_rounding == RATE_DIM_UP ? ROUND_UP
							 : ROUND_HALF_UP);
		v *= whole * RATE_UNIT;
	}
	return v;
}

/* Volumetric weight (micro card weight units, rounded up) of V micro-units^3 of unit. */
static int128
VolumetricWeight(const RateCard *card, int128 v, RateLengthUnit unit)
{
	int64_t		kn,
				kd;

	VolumeFactor(unit, card->length_unit, &kn, &kd);
	/* (v * kn / kd) / 1e18 card units^3, / (divisor / 1e6), * 1e6 micro-units */
	return MulDivCeil(v, kn, (int128) kd * card->divisor * RATE_UNIT);
}

/* Actual weight W (micro shipment units) in micro card units, rounded up. */
static int128
ActualWeight(const RateCard *card, const RatingShipment *s, int128 w)
{
	int64_t		wn,
				wd;

	WeightFactor(s->weight_unit, card->weight_unit, &wn, &wd);
	return MulDivCeil(w, wn, wd);
}

/* The virtual piece of a shipment given by total weight only. */
static bool
Pieces(const RatingShipment *s, const RatingPiece **pieces, int *n, RatingPiece *single)
{
	if (s->npieces > 0)
	{
		*pieces = s->pieces;
		*n = s->npieces;
		return true;
	}
	if (!s->has_weight)
		return false;
	memset(single, 0, sizeof(*single));
	single->weight = s->weight;
	single->count = 1;
	*pieces = single;
	*n = 1;
	return true;
}

static bool
NoWeight(RatingResult *out)
{
	return Fail(out, RATING_BAD_SHIPMENT,
				"The card prices by weight, and the shipment has no pieces and no total weight.",
				"Give \"pieces\" with \"weight_kg\" (or \"weight_lb\"), or \"weight_kg\" for the whole shipment.",
				"the shipment has no weight");
}

/* Chargeable weight, in micro card weight units. */
static bool
ChargeableWeight(const RateCard *card, const RatingShipment *s, int64_t *cw, RatingResult *out)
{
	const RatingPiece *pieces;
	RatingPiece single;
	int			n;
	int128		total = 0;

	if (!Pieces(s, &pieces, &n, &single))
		return NoWeight(out);
	if (card->per_piece)
	{
		for (int i = 0; i < n; i++)
		{
			const RatingPiece *p = &pieces[i];
			int128		a = ActualWeight(card, s, p->weight);
			int128		v = 0;
			RateLengthUnit unit = s->length_unit;

			if (card->has_divisor && p->has_dims)
			{
				int128		vol = PieceVolume(card, s, p, &unit);

				v = VolumetricWeight(card, vol, unit);
			}
			else if (card->has_divisor && p == &single && s->has_volume)
				v = VolumetricWeight(card, (int128) s->volume * RATE_UNIT * RATE_UNIT * RATE_UNIT,
									 RATE_CM);
			total += CeilStep(a > v ? a : v, card->step) * p->count;
			if (total > RATE_MAX_CHARGEABLE)
				return OutOfRange(out, "the chargeable weight");
		}
	}
	else
	{
		int128		w = 0;
		int128		vol = 0;
		int128		a;
		int128		v = 0;
		RateLengthUnit unit = s->length_unit;

		for (int i = 0; i < n; i++)
			w += (int128) pieces[i].weight * pieces[i].count;
		a = ActualWeight(card, s, w);
		if (card->has_divisor)
		{
			if (s->has_volume)
			{
				/* m3 in micro-units is cm3 * 1e-6, i.e. micro-cm^3 * 1e18 / 1e6 */
				vol = (int128) s->volume * RATE_UNIT * RATE_UNIT * RATE_UNIT;
				unit = RATE_CM;
			}
			else
			{
				for (int i = 0; i < n; i++)
					if (pieces[i].has_dims)
						vol += PieceVolume(card, s, &pieces[i], &unit) * pieces[i].count;
				if (card->dim_rounding != RATE_DIM_EXACT)
					unit = card->length_unit;
			}
			v = VolumetricWeight(card, vol, unit);
		}
		total = CeilStep(a > v ? a : v, card->step);
	}
	if (total > RATE_MAX_CHARGEABLE)
		return OutOfRange(out, "the chargeable weight");
	*cw = (int64_t) total;
	return true;
}

/* Weight/measure: revenue tons in micro-units. */
static bool
RevenueTons(const RateCard *card, const RatingShipment *s, int64_t *rt, RatingResult *out)
{
	const RatingPiece *pieces;
	RatingPiece single;
	int			n;
	int128		w = 0;
	int128		by_weight;
	int128		by_volume = 0;
	int128		r;
	int64_t		wn,
				wd;

	if (!Pieces(s, &pieces, &n, &single))
		return NoWeight(out);
	for (int i = 0; i < n; i++)
		w += (int128) pieces[i].weight * pieces[i].count;
	WeightFactor(s->weight_unit, RATE_KG, &wn, &wd);
	/* kg / kg_per_m3, in micro-units */
	by_weight = MulDivCeil(w * wn, RATE_UNIT, (int128) wd * card->kg_per_m3);
	if (s->has_volume)
		by_volume = s->volume;
	else
	{
		int128		vol = 0;

		for (int i = 0; i < n; i++)
			if (pieces[i].has_dims)
				vol += (int128) pieces[i].dims[0] * pieces[i].dims[1] * pieces[i].dims[2] *
					pieces[i].count;
		/* micro-cm^3 * 1e-18 = cm3 = 1e-6 m3; micro-in^3 * 16.387064e-18 cm3 */
		if (s->length_unit == RATE_CM)
			by_volume = MulDivCeil(vol, 1, (int128) RATE_UNIT * RATE_UNIT * RATE_UNIT);
		else
			by_volume = MulDivCeil(vol, 16387064, (int128) RATE_UNIT * RATE_UNIT * RATE_UNIT * RATE_UNIT);
	}
	r = by_weight > by_volume ? by_weight : by_volume;
	if (r < card->rt_minimum)
		r = card->rt_minimum;
	r = CeilStep(r, card->rt_step);
	if (r > RATE_MAX_CHARGEABLE)
		return OutOfRange(out, "the revenue tons");
	*rt = (int64_t) r;
	return true;
}

/* ---- zones --------------------------------------------------------------- */

/* Upper-case letters and digits of a postcode, at most RATE_MAX_POSTCODE. */
static int
NormalisePostcode(const RatingText *t, char *buf)
{
	int			n = 0;

	for (size_t i = 0; i < t->len && n < RATE_MAX_POSTCODE; i++)
	{
		char		c = t->s[i];

		if (c >= 'a' && c <= 'z')
			c = (char) (c - 'a' + 'A');
		if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			buf[n++] = c;
	}
	buf[n] = '\0';
	return n;
}

/* Longest of the prefixes that starts pc (0 if none; -1 if none match). */
static int
LongestPrefix(const RatePrefix *prefixes, int n, const char *pc, int pclen)
{
	int			best = -1;

	for (int i = 0; i < n; i++)
		if (prefixes[i].len <= pclen && prefixes[i].len > best &&
			memcmp(prefixes[i].s, pc, prefixes[i].len) == 0)
			best = prefixes[i].len;
	return best;
}

typedef struct Where
{
	int			dest;			/* destination country index */
	int			origin;			/* -1 when absent */
	char		pc[RATE_MAX_POSTCODE + 1];
	int			pclen;
	char		opc[RATE_MAX_POSTCODE + 1];
	int			opclen;
} Where;

/*
 * The best-matching rule of a rule set for a place, or -1: the longest
 * destination postcode prefix wins, then the longest origin postcode
 * prefix, then a rule naming origins over one that does not, then the
 * earlier rule.
 */
static int
MatchRule(const RateZoneRule *rules, const RateRuleIndex *ix, const Where *w)
{
	int			best = -1;
	int			best_key[3] = {0, 0, 0};

	for (int pass = 0; pass < 2; pass++)
	{
		int			n = pass == 0 ? ix->count[w->dest] : ix->nwild;
		const uint16_t *ids = pass == 0 ? ix->ids + ix->first[w->dest] : ix->wild;

		for (int k = 0; k < n; k++)
		{
			const RateZoneRule *r = &rules[ids[k]];
			int			key[3] = {0, 0, r->norigins > 0};
			bool		better;

			if (r->norigins > 0)
			{
				bool		found = false;

				for (int o = 0; o < r->norigins && !found; o++)
					found = r->origins[o] == w->origin;
				if (!found)
					continue;
			}
			if (r->norigin_prefixes > 0 &&
				(key[1] = LongestPrefix(r->origin_prefixes, r->norigin_prefixes,
										w->opc, w->opclen)) < 0)
				continue;
			if (r->nprefixes > 0 &&
				(key[0] = LongestPrefix(r->prefixes, r->nprefixes, w->pc, w->pclen)) < 0)
				continue;
			if (best < 0)
				better = true;
			else if (key[0] != best_key[0])
				better = key[0] > best_key[0];
			else if (key[1] != best_key[1])
				better = key[1] > best_key[1];
			else if (key[2] != best_key[2])
				better = key[2] > best_key[2];
			else
				better = ids[k] < best;
			if (better)
			{
				best = ids[k];
				memcpy(best_key, key, sizeof(key));
			}
		}
	}
	return best;
}

/* ---- lines --------------------------------------------------------------- */

typedef struct Ctx
{
	const RateCard *card;
	const RatingShipment *s;
	RatingResult *out;
	bool		with_basis;
	int64_t		minor;			/* micro-units in one minor unit: 10^(6 - decimals) */
	int			zone;
	bool		remote;
	uint64_t	flags;
	int64_t		cw;				/* chargeable weight (weight basis) */
	int64_t		rt;				/* revenue tons (revenue-ton basis) */
	int128		slot[RATE_MAX_LINES + 1];	/* rounded amount of each slot */
	int128		total;
} Ctx;

/* Add a line whose exact amount is num / den (den > 0), rounded as the card says. */
static bool
AddLine(Ctx *c, const char *code, const char *description, RateGroup group, int slot,
		int128 num, int128 den, int128 quantity, bool has_unit_price, int64_t unit_price)
{
	RatingLine *l;
	int128		amount;

	if (c->out->nlines >= RATING_MAX_OUT_LINES)
		return OutOfRange(c->out, "the number of lines");
	amount = DivRound(num, den * c->minor, c->card->rounding) * c->minor;
	if (amount > RATE_MAX_AMOUNT || amount < -RATE_MAX_AMOUNT ||
		quantity > RATE_MAX_AMOUNT || quantity < -RATE_MAX_AMOUNT)
		return OutOfRange(c->out, "a line's amount");
	l = &c->out->lines[c->out->nlines++];
	l->code = code;
	l->description = description;
	l->group = group;
	l->quantity = (int64_t) quantity;
	l->has_unit_price = has_unit_price;
	l->unit_price = has_unit_price ? unit_price : 0;
	l->amount = (int64_t) amount;
	l->basis[0] = '\0';
	if (slot >= 0)
		c->slot[slot] += amount;
	c->total += amount;
	return true;
}

/* The basis text of the line just added (only when asked for: see Basis). */
static void
BasisText(Ctx *c, const char *fmt,...) __attribute__((format(printf, 2, 3)));

#define Basis(c, ...) do { if ((c)->with_basis) BasisText((c), __VA_ARGS__); } while (0)

static void
BasisText(Ctx *c, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(c->out->lines[c->out->nlines - 1].basis, RATING_BASIS_LEN, fmt, ap);
	va_end(ap);
}

/* micro-units as text, for basis strings; rotates over four buffers */
static const char *
Num(int64_t micros)
{
	static __thread char bufs[4][32];
	static __thread int next;
	char	   *b = bufs[next++ % 4];

	RateFormatMicros(micros, b, 32);
	return b;
}

/* Clamp num/den to a minimum and maximum (micro-units); which one applied. */
static int
Clamp(int128 *num, int128 den, bool has_min, int64_t min, bool has_max, int64_t max)
{
	if (has_min && *num < (int128) min * den)
	{
		*num = (int128) min * den;
		return -1;
	}
	if (has_max && *num > (int128) max * den)
	{
		*num = (int128) max * den;
		return 1;
	}
	return 0;
}

/* "what" (e.g. "350 kg", "container type 45HC") has no price in the zone. */
static bool
NoPrice(Ctx *c, const char *what)
{
	char		detail[256];

	snprintf(detail, sizeof(detail), "Zone %s of the card has no price for %s.",
			 c->card->zone_names[c->zone], what);
	return Fail(c->out, RATING_NO_PRICE, detail,
				"Add a price for it to the card (see docs/rate-cards.md), or rate with another card.",
				"no price for %s in zone %s", what, c->card->zone_names[c->zone]);
}

static bool
FreightWeight(Ctx *c, const RateZonePrice *zp)
{
	const RateCard *card = c->card;
	const char *unit = weight_unit_name[card->weight_unit];
	int64_t		cw = c->cw;
	int128		num;
	int128		quantity = cw;
	bool		has_unit = false;
	int64_t		unit_price = 0;
	char		label[RATING_BASIS_LEN];
	int			clamped;

	label[0] = '\0';

	if (zp->nbreaks > 0)
	{
		/* air: the applicable rate, or a higher break when that is cheaper */
		int			i = 0;
		int			used;

		while (i + 1 < zp->nbreaks && zp->breaks[i + 1].from <= cw)
			i++;
		used = i;
		num = (int128) cw * zp->breaks[i].rate;
		for (int j = i + 1; j < zp->nbreaks; j++)
		{
			int128		at_break = (int128) zp->breaks[j].from * zp->breaks[j].rate;

			if (at_break < num)
			{
				num = at_break;
				used = j;
				quantity = zp->breaks[j].from;
			}
		}
		has_unit = true;
		unit_price = zp->breaks[used].rate;
		if (c->with_basis)
		{
			if (used == 0)
				snprintf(label, sizeof(label), "per %s, normal rate", unit);
			else
				snprintf(label, sizeof(label), "per %s, %s %s rate%s", unit,
						 Num(zp->breaks[used].from), unit,
						 used > i ? " (higher weight break)" : "");
		}
	}
	else
	{
		/* the first row whose up_to covers the weight: rows ascend */
		int			lo = 0,
					hi = zp->nrows;
		int			i;

		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (zp->rows[mid].up_to < cw)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
		if (i < zp->nrows)
		{
			const RatePriceRow *row = &zp->rows[i];

			if (row->per_unit)
			{
				num = (int128) cw * row->price;
				has_unit = true;
				unit_price = row->price;
				if (c->with_basis)
					snprintf(label, sizeof(label), "per %s, up to %s %s", unit, Num(row->up_to), unit);
			}
			else
			{
				num = (int128) row->price * RATE_UNIT;
				if (c->with_basis)
					snprintf(label, sizeof(label), "flat rate up to %s %s", Num(row->up_to), unit);
			}
		}
		else if (zp->has_additional && zp->nrows > 0)
		{
			const RatePriceRow *last = &zp->rows[zp->nrows - 1];
			int128		steps = (cw - last->up_to + zp->add_every - 1) / zp->add_every;

			num = last->per_unit ? (int128) last->up_to * last->price
				: (int128) last->price * RATE_UNIT;
			num += steps * zp->add_price * RATE_UNIT;
			if (c->with_basis)
				snprintf(label, sizeof(label), "rate up to %s %s + %lld x %s %s",
						 Num(last->up_to), unit, (long long) steps,
						 Num(zp->add_every), unit);
		}
		else
		{
			char		what[64];

			snprintf(what, sizeof(what), "%s %s", Num(cw), unit);
			return NoPrice(c, what);
		}
	}
	clamped = Clamp(&num, RATE_UNIT, zp->has_minimum, zp->minimum, false, 0);
	if (clamped)
		has_unit = false;
	if (!AddLine(c, card->freight_code, card->freight_description, RATE_GROUP_FREIGHT, 0,
				 num, RATE_UNIT, quantity, has_unit, unit_price))
		return false;
	if (clamped)
		Basis(c, "minimum charge");
	else
		Basis(c, "%s", label);
	return true;
}

static bool
Freight(Ctx *c)
{
	const RateCard *card = c->card;
	const RateZonePrice *zp = &card->zone_prices[c->zone];

	switch (card->basis)
	{
		case RATE_BASIS_WEIGHT:
			return FreightWeight(c, zp);
		case RATE_BASIS_REVENUE_TON:
			{
				int128		num = (int128) c->rt * zp->per_rt;
				int			clamped = Clamp(&num, RATE_UNIT, zp->has_minimum, zp->minimum, false, 0);

				if (!AddLine(c, card->freight_code, card->freight_description, RATE_GROUP_FREIGHT,
							 0, num, RATE_UNIT, c->rt, !clamped, zp->per_rt))
					return false;
				Basis(c, clamped ? "minimum charge" : "per revenue ton");
				return true;
			}
		case RATE_BASIS_CONTAINER:
			if (c->s->ncontainers == 0)
				return Fail(c->out, RATING_BAD_SHIPMENT,
							"The card prices per container, and the shipment has no \"containers\".",
							"Give \"containers\", e.g. {\"40HC\": 2}.",
							"the shipment has no containers");
			for (int i = 0; i < c->s->ncontainers; i++)
			{
				const RatingContainer *k = &c->s->containers[i];
				const char *type = RateContainerTypes[k->type];

				if (!zp->has_container[k->type])
				{
					char		what[64];

					snprintf(what, sizeof(what), "container type %s", type);
					return NoPrice(c, what);
				}
				if (!AddLine(c, card->freight_code, card->freight_description, RATE_GROUP_FREIGHT,
							 0, (int128) k->count * zp->container[k->type], 1,
							 (int128) k->count * RATE_UNIT, true, zp->container[k->type]))
					return false;
				Basis(c, "per %s container", type);
			}
			return true;
	}
	return false;
}

static bool
ConditionHolds(const Ctx *c, const RateCondition *w)
{
	if ((c->flags & w->flags) != w->flags)
		return false;
	if (w->remote >= 0 && (w->remote == 1) != c->remote)
		return false;
	if (w->has_zones && (w->zones[c->zone / 64] & (UINT64_C(1) << (c->zone % 64))) == 0)
		return false;
	if (w->has_from && c->s->date < w->from)
		return false;
	if (w->has_to && c->s->date > w->to)
		return false;
	return true;
}

/* Pieces (counted) over a line's weight or length threshold. */
static int64_t
PiecesOver(const Ctx *c, const RateLineDef *d)
{
	const RatingPiece *pieces;
	RatingPiece single;
	int			n;
	int64_t		count = 0;
	int64_t		wn,
				wd,
				ln,
				ld;

	if (!Pieces(c->s, &pieces, &n, &single))
		return 0;
	WeightFactor(c->s->weight_unit, c->card->weight_unit, &wn, &wd);
	LengthFactor(c->s->length_unit, c->card->length_unit, &ln, &ld);
	for (int i = 0; i < n; i++)
	{
		const RatingPiece *p = &pieces[i];
		bool		over;

		if (d->over_weight == 0 && d->over_length == 0)
			over = true;
		else
		{
			over = d->over_weight > 0 &&
				(int128) p->weight * wn > (int128) d->over_weight * wd;
			if (!over && d->over_length > 0 && p->has_dims)
			{
				int64_t		longest = p->dims[0];

				for (int k = 1; k < 3; k++)
					if (p->dims[k] > longest)
						longest = p->dims[k];
				over = (int128) longest * ln > (int128) d->over_length * ld;
			}
		}
		if (over)
			count += p->count;
	}
	return count;
}

static int128
SlotSum(const Ctx *c, const uint16_t *of, int nof)
{
	int128		base = 0;

	for (int i = 0; i < nof; i++)
		base += c->slot[of[i]];
	return base;
}

static bool
Line(Ctx *c, int index)
{
	const RateLineDef *d = &c->card->lines[index];
	const char *wunit = weight_unit_name[c->card->weight_unit];
	int128		quantity;
	int128		num = 0;
	int128		den = RATE_UNIT;
	bool		has_unit = true;
	int			clamped;
	char		label[RATING_BASIS_LEN];

	label[0] = '\0';
	if (d->has_when && !ConditionHolds(c, &d->when))
		return true;
	switch (d->kind)
	{
		case RATE_LINE_PERCENT:
			quantity = SlotSum(c, d->of, d->nof);
			if (quantity == 0)
				return true;
			num = quantity * d->price;
			den = INT64_C(100) * RATE_UNIT;
			has_unit = false;
			if (c->with_basis)
				snprintf(label, sizeof(label), "%s%% of %s", Num(d->price), d->of_text);
			break;
		case RATE_LINE_PER_WEIGHT:
			quantity = c->cw;
			if (c->with_basis)
				snprintf(label, sizeof(label), "per %s", wunit);
			break;
		case RATE_LINE_PER_RT:
			quantity = c->rt;
			if (c->with_basis)
				snprintf(label, sizeof(label), "per revenue ton");
			break;
		case RATE_LINE_PER_SHIPMENT:
			quantity = RATE_UNIT;
			if (c->with_basis)
				snprintf(label, sizeof(label), "per shipment");
			break;
		case RATE_LINE_PER_PIECE:
			quantity = (int128) PiecesOver(c, d) * RATE_UNIT;
			if (c->with_basis)
			{
				if (d->over_weight > 0 && d->over_length > 0)
					snprintf(label, sizeof(label), "per piece over %s %s or %s %s",
							 Num(d->over_weight), wunit, Num(d->over_length),
							 c->card->length_unit == RATE_CM ? "cm" : "in");
				else if (d->over_weight > 0)
					snprintf(label, sizeof(label), "per piece over %s %s", Num(d->over_weight), wunit);
				else if (d->over_length > 0)
					snprintf(label, sizeof(label), "per piece over %s %s", Num(d->over_length),
							 c->card->length_unit == RATE_CM ? "cm" : "in");
				else
					snprintf(label, sizeof(label), "per piece");
			}
			break;
		case RATE_LINE_PER_CONTAINER:
			quantity = 0;
			for (int i = 0; i < c->s->ncontainers; i++)
				if (d->container_types == 0 ||
					(d->container_types & (UINT32_C(1) << c->s->containers[i].type)) != 0)
					quantity += (int128) c->s->containers[i].count * RATE_UNIT;
			if (c->with_basis)
				snprintf(label, sizeof(label), "per container");
			break;
		case RATE_LINE_PER_CUSTOMS_LINE:
			quantity = (int128) c->s->customs_lines * RATE_UNIT;
			if (c->with_basis)
				snprintf(label, sizeof(label), "per customs line");
			break;
		default:
			return true;
	}
	if (quantity == 0)
		return true;
	if (d->kind != RATE_LINE_PERCENT)
		num = quantity * d->price;
	clamped = Clamp(&num, den, d->has_minimum, d->minimum, d->has_maximum, d->maximum);
	if (clamped)
		has_unit = false;
	if (!AddLine(c, d->code, d->description, d->group, index + 1, num, den, quantity,
				 has_unit, d->price))
		return false;
	Basis(c, "%s%s", label, clamped < 0 ? ", minimum" : clamped > 0 ? ", maximum" : "");
	return true;
}

static bool
Discounts(Ctx *c)
{
	const RateTier *tier = NULL;

	if (c->s->tier.len == 0)
		return true;
	for (int i = 0; i < c->card->ntiers && tier == NULL; i++)
		if (strlen(c->card->tiers[i].name) == c->s->tier.len &&
			memcmp(c->card->tiers[i].name, c->s->tier.s, c->s->tier.len) == 0)
			tier = &c->card->tiers[i];
	if (tier == NULL)
		return true;			/* a tier this card does not know: no discount */
	for (int i = 0; i < tier->ndiscounts; i++)
	{
		const RateDiscount *d = &tier->discounts[i];
		int128		base = SlotSum(c, d->of, d->nof);

		if (base == 0)
			continue;
		if (!AddLine(c, d->code, d->description, RATE_GROUP_DISCOUNT, -1,
					 -(base * d->percent), INT64_C(100) * RATE_UNIT, base, false, 0))
			return false;
		Basis(c, "%s%% of %s", Num(d->percent), d->of_text);
	}
	return true;
}

bool
RateShipment(const RateCard *card, int decimals, const RatingShipment *s,
			 bool with_basis, RatingResult *out)
{
	Ctx			c;
	Where		w;

	out->status = RATING_OK;
	out->message[0] = out->detail[0] = out->hint[0] = '\0';
	out->nlines = 0;
	out->total = 0;
	out->zone = NULL;
	out->chargeable = 0;
	if (decimals < 0 || decimals > 6)
		return Fail(out, RATING_OUT_OF_RANGE, NULL, NULL, "currency decimals out of range");
	if (!CheckShipment(s, out))
		return false;

	/* only the slots in use are zeroed: the context is large */
	c.card = card;
	c.zone = 0;
	c.remote = false;
	c.flags = 0;
	c.cw = 0;
	c.rt = 0;
	c.total = 0;
	if (card->nlines < 0 || card->nlines > RATE_MAX_LINES)
		return Fail(out, RATING_OUT_OF_RANGE, NULL, NULL, "the card has too many lines");
	for (int i = 0; i <= card->nlines; i++)
		c.slot[i] = 0;
	c.s = s;
	c.out = out;
	c.with_basis = with_basis;
	c.minor = 1;
	for (int i = decimals; i < 6; i++)
		c.minor *= 10;

	/* where: zone and remote area */
	w.dest = s->destination[0] ? RateCountryIndex(s->destination) : -1;
	w.origin = s->origin[0] ? RateCountryIndex(s->origin) : -1;
	if (w.dest < 0)
		return Fail(out, RATING_BAD_SHIPMENT, NULL,
					"Give \"destination\" as an ISO 3166-1 alpha-2 country code such as \"DE\".",
					"the shipment has no destination country");
	w.pclen = NormalisePostcode(&s->postcode, w.pc);
	w.opclen = NormalisePostcode(&s->origin_postcode, w.opc);
	{
		int			rule = MatchRule(card->rules, &card->zone_index, &w);

		if (rule < 0)
		{
			char		detail[256];
			char		origin[16] = "";

			if (w.origin >= 0)
				snprintf(origin, sizeof(origin), " from %.2s", s->origin);
			snprintf(detail, sizeof(detail),
					 "No entry of the card's \"zones\" matches destination %.2s%s%s%s.",
					 s->destination, w.pclen ? " postcode " : "", w.pc, origin);
			return Fail(out, RATING_NO_ZONE, detail,
						"Add the destination to a zone of the card, or rate with another card.",
						"no zone of the card covers destination %.2s", s->destination);
		}
		c.zone = card->rules[rule].zone;
		out->zone = card->zone_names[c.zone];
	}
	c.remote = card->nremote > 0 && MatchRule(card->remote, &card->remote_index, &w) >= 0;
	for (int i = 0; i < s->nflags; i++)
		for (int f = 0; f < card->nflags; f++)
			if (strlen(card->flag_names[f]) == s->flags[i].len &&
				memcmp(card->flag_names[f], s->flags[i].s, s->flags[i].len) == 0)
				c.flags |= UINT64_C(1) << f;

	/* what is charged for */
	if (card->basis == RATE_BASIS_WEIGHT)
	{
		if (!ChargeableWeight(card, s, &c.cw, out))
			return false;
		out->chargeable = c.cw;
	}
	else if (card->basis == RATE_BASIS_REVENUE_TON)
	{
		if (!RevenueTons(card, s, &c.rt, out))
			return false;
		out->chargeable = c.rt;
	}

	if (!Freight(&c))
		return false;
	for (int i = 0; i < card->nlines; i++)
		if (!Line(&c, i))
			return false;
	if (!Discounts(&c))
		return false;
	if (c.total > RATE_MAX_AMOUNT || c.total < -RATE_MAX_AMOUNT)
		return OutOfRange(out, "the total");
	out->total = (int64_t) c.total;
	return true;
}

bool
RateChargeableWeight(int64_t actual, int64_t length, int64_t width, int64_t height,
					 int64_t divisor, int64_t step, int64_t *out, const char **why)
{
	int128		v;
	int128		a = actual;
	int128		cw;

	if (actual < 0 || actual > RATE_MAX_WEIGHT)
	{
		*why = "The actual weight must be between 0 and 10000000.";
		return false;
	}
	if (length < 0 || width < 0 || height < 0 || length > RATE_MAX_LENGTH ||
		width > RATE_MAX_LENGTH || height > RATE_MAX_LENGTH)
	{
		*why = "Each dimension must be between 0 and 10000.";
		return false;
	}
	if (divisor < RATE_UNIT || divisor > INT64_C(1000000) * RATE_UNIT)
	{
		*why = "The divisor must be between 1 and 1000000.";
		return false;
	}
	if (step < 1 || step > INT64_C(10000) * RATE_UNIT)
	{
		*why = "The step must be above 0 and at most 10000.";
		return false;
	}
	v = MulDivCeil((int128) length * width * height, 1, (int128) divisor * RATE_UNIT);
	cw = CeilStep(a > v ? a : v, step);
	if (cw > RATE_MAX_CHARGEABLE)
	{
		*why = "The chargeable weight is above 1000000000.";
		return false;
	}
	*out = (int64_t) cw;
	return true;
}
