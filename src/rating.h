/*
 * rating.h
 *	  Rate cards, compiled: the C structure a JSON definition becomes
 *	  (rate_card_parse.c), the plain C shipment it prices, and the evaluator
 *	  that turns the two into charge lines (rating.c).
 *
 * Pure C: no PostgreSQL header and no jansson, so the hot path can be
 * tested and fuzzed without a backend.  Every quantity is an exact decimal
 * held as a whole number of micro-units (millionths): money in micro-units
 * of the card's currency, weights in micro-kilograms or micro-pounds,
 * lengths in micro-centimetres or micro-inches, volumes in micro-cubic
 * metres, percentages in micro-percent.  Products and quotients are worked
 * in 128 bits and rounded once, explicitly; there is no floating point.
 * docs/rate-cards.md describes the definition format.
 */
#ifndef CBL_RATING_H
#define CBL_RATING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rounding.h"

#define RATE_UNIT			INT64_C(1000000)	/* one whole unit in micro-units */

/* ---- limits -------------------------------------------------------------- */

#define RATE_MAX_MONEY		(INT64_C(1000000000) * RATE_UNIT)	/* a price: 1e9 */
#define RATE_MAX_WEIGHT		(INT64_C(10000000) * RATE_UNIT) /* one piece, a threshold: 1e7 */
#define RATE_MAX_LENGTH		(INT64_C(10000) * RATE_UNIT)	/* one dimension: 10 000 cm or in */
#define RATE_MAX_VOLUME		(INT64_C(10000000) * RATE_UNIT) /* a shipment's volume_m3: 1e7 */
#define RATE_MAX_PERCENT	(INT64_C(1000) * RATE_UNIT)
#define RATE_MAX_COUNT		INT64_C(1000000)	/* pieces, containers, customs lines */
#define RATE_MAX_CODE		20			/* line codes: [A-Z0-9_-], 1..20 */
#define RATE_MAX_NAME		40			/* zone, tier and flag names */
#define RATE_MAX_PREFIX		10			/* postcode prefixes, after normalising */
#define RATE_MAX_POSTCODE	16
#define RATE_MAX_ZONES		256
#define RATE_MAX_RULES		1000		/* zone and remote-area entries */
#define RATE_MAX_ROWS		1000		/* price rows or air breaks in a zone */
#define RATE_MAX_LINES		100			/* surcharges plus fees */
#define RATE_MAX_FLAGS		64
#define RATE_MAX_TIERS		100
#define RATE_MAX_DISCOUNTS	16			/* per tier */
#define RATE_MAX_OF			32			/* codes in one "of" list */

/* ---- units and modes ----------------------------------------------------- */

typedef enum RateWeightUnit
{
	RATE_KG,
	RATE_LB						/* 0.45359237 kg, exactly */
} RateWeightUnit;

typedef enum RateLengthUnit
{
	RATE_CM,
	RATE_IN						/* 2.54 cm, exactly */
} RateLengthUnit;

typedef enum RateBasis
{
	RATE_BASIS_WEIGHT,			/* chargeable weight: actual vs volumetric */
	RATE_BASIS_REVENUE_TON,		/* weight/measure (LCL) */
	RATE_BASIS_CONTAINER		/* per container (FCL) */
} RateBasis;

typedef enum RateDimRounding
{
	RATE_DIM_EXACT,				/* dimensions as measured */
	RATE_DIM_NEAREST,			/* each to the nearest whole unit, halves up */
	RATE_DIM_UP					/* each up to the next whole unit */
} RateDimRounding;

/* Container types a card can price (shipments name them the same way). */
#define RATE_NCONTAINER_TYPES 13
extern const char *const RateContainerTypes[RATE_NCONTAINER_TYPES];

/* The index of a container type ("40HC"), or -1 when it is not one. */
extern int	RateContainerType(const char *s, size_t len);

/* ---- the compiled card --------------------------------------------------- */

typedef struct RatePrefix
{
	uint8_t		len;
	char		s[RATE_MAX_PREFIX + 1];
} RatePrefix;

/* One entry of "zones" or of "remote_areas". */
typedef struct RateZoneRule
{
	int			zone;			/* index into RateCard.zone_names; -1 for a remote area */
	int			nprefixes;
	const RatePrefix *prefixes; /* destination postcode prefixes; none: any */
	int			norigins;
	const uint16_t *origins;	/* origin countries (RateCountryIndex); none: any */
	int			norigin_prefixes;
	const RatePrefix *origin_prefixes;
} RateZoneRule;

/* Rules that can match a destination country, in definition order. */
typedef struct RateRuleIndex
{
	uint32_t	first[676];		/* per country: start in ids */
	uint16_t	count[676];
	const uint16_t *ids;
	int			nwild;			/* rules with "countries": ["*"] */
	const uint16_t *wild;
} RateRuleIndex;

typedef struct RatePriceRow
{
	int64_t		up_to;			/* weight */
	bool		per_unit;		/* price per weight unit, else a flat price */
	int64_t		price;
} RatePriceRow;

typedef struct RateAirBreak
{
	int64_t		from;			/* weight; 0 is the normal rate */
	int64_t		rate;			/* per weight unit */
} RateAirBreak;

typedef struct RateZonePrice
{
	bool		has_minimum;
	int64_t		minimum;
	/* weight basis, "rates": */
	int			nrows;
	const RatePriceRow *rows;
	bool		has_additional;
	int64_t		add_every;
	int64_t		add_price;
	/* weight basis, "air": breaks[0] is the normal rate (from 0) */
	int			nbreaks;
	const RateAirBreak *breaks;
	/* revenue-ton basis */
	int64_t		per_rt;
	/* container basis: price per type; has_container[t] says it is priced */
	bool		has_container[RATE_NCONTAINER_TYPES];
	int64_t		container[RATE_NCONTAINER_TYPES];
} RateZonePrice;

typedef struct RateCondition
{
	uint64_t	flags;			/* every flag (bit in RateCard.flag_names) required */
	int8_t		remote;			/* -1: either; 0: not remote; 1: remote */
	bool		has_zones;
	uint64_t	zones[RATE_MAX_ZONES / 64]; /* bit set of zone indexes */
	bool		has_from;
	int32_t		from;			/* days since 2000-01-01, inclusive */
	bool		has_to;
	int32_t		to;				/* inclusive */
} RateCondition;

typedef enum RateLineKind
{
	RATE_LINE_PERCENT,
	RATE_LINE_PER_WEIGHT,
	RATE_LINE_PER_RT,
	RATE_LINE_PER_SHIPMENT,
	RATE_LINE_PER_PIECE,
	RATE_LINE_PER_CONTAINER,
	RATE_LINE_PER_CUSTOMS_LINE
} RateLineKind;

typedef enum RateGroup
{
	RATE_GROUP_FREIGHT,
	RATE_GROUP_SURCHARGE,
	RATE_GROUP_FEE,
	RATE_GROUP_DISCOUNT
} RateGroup;

/*
 * A surcharge or a fee.  Lines are numbered in slots: slot 0 is freight,
 * slot i + 1 is lines[i] (surcharges first, then fees, in definition order).
 */
typedef struct RateLineDef
{
	const char *code;
	const char *description;
	RateGroup	group;
	RateLineKind kind;
	int64_t		price;			/* per unit, or micro-percent for RATE_LINE_PERCENT */
	int			nof;			/* percent: the slots it is a percentage of */
	const uint16_t *of;
	const char *of_text;		/* "FRT, RAS", for the basis */
	int64_t		over_weight;	/* per piece: only pieces heavier than this (0: any) */
	int64_t		over_length;	/* per piece: or with a side longer than this (0: any) */
	uint32_t	container_types;	/* per container: bit set of types (0: all) */
	bool		has_minimum;
	int64_t		minimum;
	bool		has_maximum;
	int64_t		maximum;
	bool		has_when;
	RateCondition when;
} RateLineDef;

typedef struct RateDiscount
{
	const char *code;
	const char *description;
	int64_t		percent;		/* micro-percent, 0 < p <= 100 */
	int			nof;
	const uint16_t *of;
	const char *of_text;
} RateDiscount;

typedef struct RateTier
{
	const char *name;
	int			ndiscounts;
	const RateDiscount *discounts;
} RateTier;

typedef struct RateArena RateArena;

typedef struct RateCard
{
	RateArena  *arena;			/* owns everything below */
	RoundMode	rounding;
	RateBasis	basis;

	/* weight basis */
	RateWeightUnit weight_unit;
	RateLengthUnit length_unit;
	bool		has_divisor;
	int64_t		divisor;		/* volume units per weight unit (cm3/kg, in3/lb) */
	RateDimRounding dim_rounding;
	int64_t		step;			/* chargeable weight rounds up to a multiple */
	bool		per_piece;

	/* revenue-ton basis */
	int64_t		kg_per_m3;
	int64_t		rt_minimum;
	int64_t		rt_step;

	/* zones */
	int			nzones;
	const char *const *zone_names;
	const RateZonePrice *zone_prices;
	int			nrules;
	const RateZoneRule *rules;
	RateRuleIndex zone_index;
	int			nremote;
	const RateZoneRule *remote;
	RateRuleIndex remote_index;

	/* lines */
	const char *freight_code;
	const char *freight_description;
	int			nlines;
	const RateLineDef *lines;
	int			nflags;
	const char *const *flag_names;
	int			ntiers;
	const RateTier *tiers;
} RateCard;

/* Country code "DE" as 0..675, or -1 when not two upper-case letters. */
static inline int
RateCountryIndex(const char *cc)
{
	if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
		return -1;
	return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

/* ---- the shipment -------------------------------------------------------- */

typedef struct RatingPiece
{
	int64_t		weight;			/* micro-units of RatingShipment.weight_unit */
	bool		has_dims;
	int64_t		dims[3];		/* micro-units of RatingShipment.length_unit */
	int64_t		count;			/* identical pieces, >= 1 */
} RatingPiece;

typedef struct RatingContainer
{
	int			type;			/* index into RateContainerTypes */
	int64_t		count;
} RatingContainer;

typedef struct RatingText
{
	const char *s;
	size_t		len;
} RatingText;

/*
 * What a shipment document carries, already checked for type and range by
 * whoever decoded it (rate_card.c from jsonb); the evaluator checks the
 * ranges again and never trusts them.  Strings are not NUL-terminated.
 */
typedef struct RatingShipment
{
	char		origin[2];		/* ISO 3166 alpha-2; origin[0] == 0 when absent */
	char		destination[2];
	RatingText	postcode;		/* destination; len 0 when absent */
	RatingText	origin_postcode;
	RateWeightUnit weight_unit;
	RateLengthUnit length_unit;
	int			npieces;
	const RatingPiece *pieces;
	bool		has_weight;		/* total weight, used when there are no pieces */
	int64_t		weight;
	bool		has_volume;		/* volume_m3: wins over the pieces' dimensions */
	int64_t		volume;			/* micro-cubic metres */
	int			ncontainers;
	const RatingContainer *containers;
	int			nflags;
	const RatingText *flags;
	int64_t		customs_lines;
	RatingText	tier;			/* len 0: none */
	int32_t		date;			/* days since 2000-01-01 */
} RatingShipment;

/* ---- the result ---------------------------------------------------------- */

#define RATING_BASIS_LEN 96
#define RATING_MAX_OUT_LINES (1 + RATE_NCONTAINER_TYPES + RATE_MAX_LINES + RATE_MAX_DISCOUNTS)

typedef struct RatingLine
{
	const char *code;			/* points into the card */
	const char *description;
	RateGroup	group;
	int64_t		quantity;		/* micro-units: weight, pieces, revenue tons, base amount ... */
	bool		has_unit_price;
	int64_t		unit_price;		/* micro-units of money */
	int64_t		amount;			/* micro-units, rounded to the currency's minor unit */
	char		basis[RATING_BASIS_LEN];	/* filled only when asked for */
} RatingLine;

typedef enum RatingStatus
{
	RATING_OK,
	RATING_BAD_SHIPMENT,		/* the shipment lacks what the card needs */
	RATING_NO_ZONE,				/* no zone covers origin/destination */
	RATING_NO_PRICE,			/* outside the zone's price table */
	RATING_OUT_OF_RANGE			/* an amount or quantity beyond the limits */
} RatingStatus;

typedef struct RatingResult
{
	RatingStatus status;
	char		message[200];	/* what went wrong (lower case, no full stop) */
	char		detail[256];	/* a full sentence, or "" */
	char		hint[200];		/* a full sentence, or "" */
	const char *zone;			/* the zone used, once known */
	int64_t		chargeable;		/* chargeable weight, revenue tons or containers */
	int			nlines;
	RatingLine	lines[RATING_MAX_OUT_LINES];
	int64_t		total;			/* sum of the rounded lines */
} RatingResult;

/*
 * Rate a shipment with a card whose currency has `decimals` minor-unit
 * decimals (0..6).  with_basis fills RatingLine.basis (cbl.rate); without
 * it the evaluator skips all text (cbl.rate_total).  Returns false with
 * status, message, detail and hint set when the shipment cannot be rated.
 */
extern bool RateShipment(const RateCard *card, int decimals, const RatingShipment *s,
						 bool with_basis, RatingResult *out);

/*
 * Chargeable weight of one piece, as cbl.chargeable_weight: the greater of
 * the actual weight and length * width * height / divisor, rounded up to a
 * multiple of step.  All in micro-units; false (with *why) when an input is
 * out of range.
 */
extern bool RateChargeableWeight(int64_t actual, int64_t length, int64_t width,
								 int64_t height, int64_t divisor, int64_t step,
								 int64_t *out, const char **why);

/* Write micro-units as a trimmed decimal ("12.5", "-0.000001"); returns length. */
extern int	RateFormatMicros(int64_t micros, char *buf, size_t buflen);

#endif							/* CBL_RATING_H */
