/*
 * fuzz_rate_card.c
 *	  libFuzzer target for rate card definitions (src/rate_card_parse.c,
 *	  jansson) and the evaluator (src/rating.c).
 *
 * Arbitrary bytes go to RateCardCompile.  Properties, abort() on violation:
 *   - a refused definition says why, and the message starts with a JSON
 *     path ("$...: ");
 *   - a card that compiles rates a few fixed shipments (kg/cm and lb/in,
 *     pieces or totals, containers, flags, tiers, postcodes, dates) in
 *     currencies of 0, 2 and 3 decimals without crashing; a shipment it
 *     cannot rate gets a status and a message;
 *   - every line amount is a whole number of the currency's minor unit,
 *     within cbl.amount's range, of the sign its group calls for; a line
 *     with a unit price is quantity x unit price rounded the card's way;
 *     the total is the sum of the lines; rating with and without basis
 *     texts gives the same lines;
 *   - nothing leaks (LeakSanitizer): RateCardFree frees the whole card.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rate_card_parse.h"
#include "rating.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIB(x) ((int64_t) (x) * RATE_UNIT)

static const RatingPiece pieces_metric[] = {
	{.weight = MIB(12) + 300000, .has_dims = true, .dims = {MIB(50), MIB(40), MIB(30)}, .count = 1},
	{.weight = MIB(75), .has_dims = true, .dims = {MIB(130), MIB(60), MIB(55)}, .count = 2},
	{.weight = 250000, .has_dims = false, .count = 3},
};

static const RatingPiece pieces_imperial[] = {
	{.weight = MIB(10), .has_dims = true, .dims = {MIB(12), MIB(12), MIB(12)}, .count = 1},
	{.weight = MIB(151), .has_dims = true, .dims = {MIB(49), MIB(20), MIB(20)}, .count = 1},
};

static const RatingContainer containers[] = {
	{.type = 3, .count = 2},		/* 40HC */
	{.type = 5, .count = 1},		/* 20RF */
};

static const RatingText flags[] = {
	{"dangerous_goods", 15}, {"residential", 11}, {"remote", 6}, {"x", 1}
};

static void
Check(const RateCard *card, const RatingShipment *s, int decimals)
{
	static RatingResult with,
				without;
	int64_t		minor = 1;
	__int128	sum = 0;
	bool		ok1 = RateShipment(card, decimals, s, true, &with);
	bool		ok2 = RateShipment(card, decimals, s, false, &without);

	if (ok1 != ok2)
		abort();
	if (!ok1)
	{
		if (with.status == RATING_OK || with.message[0] == '\0' ||
			without.status != with.status)
			abort();
		return;
	}
	for (int i = decimals; i < 6; i++)
		minor *= 10;
	if (with.nlines != without.nlines || with.total != without.total ||
		with.nlines < 1 || with.nlines > RATING_MAX_OUT_LINES)
		abort();
	for (int i = 0; i < with.nlines; i++)
	{
		const RatingLine *l = &with.lines[i];
		const RatingLine *m = &without.lines[i];

		if (l->amount != m->amount || l->quantity != m->quantity ||
			l->has_unit_price != m->has_unit_price || l->code != m->code)
			abort();
		if (l->amount % minor != 0 || l->amount == INT64_MIN)
			abort();
		if ((l->group == RATE_GROUP_DISCOUNT) ? l->amount > 0 : l->amount < 0)
			abort();
		if (l->quantity < 0 || l->code == NULL || l->description == NULL ||
			memchr(l->basis, '\0', RATING_BASIS_LEN) == NULL || l->basis[0] == '\0')
			abort();
		if (l->has_unit_price)
		{
			__int128	expect = DivRound((__int128) l->quantity * l->unit_price,
											  (__int128) RATE_UNIT * minor, card->rounding) * minor;

			if (expect != l->amount || l->unit_price < 0)
				abort();
		}
		sum += l->amount;
	}
	if (sum != with.total)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	RateCardError err;
	RateCard   *card = RateCardCompile((const char *) data, size, &err);
	RatingShipment s;
	RatingText	tier;

	if (card == NULL)
	{
		if (err.message[0] == '\0' || (!err.out_of_memory && err.message[0] != '$'))
			abort();
		return 0;
	}
	if (card->nzones < 1 || card->nrules < 1 || card->freight_code == NULL)
		abort();

	/* a tier the card knows, when it has one */
	tier.s = card->ntiers > 0 ? card->tiers[0].name : "gold";
	tier.len = strlen(tier.s);

	for (int variant = 0; variant < 6; variant++)
	{
		memset(&s, 0, sizeof(s));
		s.date = 9500 + variant * 40;	/* 2026-01-05 onwards */
		switch (variant)
		{
			case 0:				/* express parcel to Germany, kg/cm */
				memcpy(s.destination, "DE", 2);
				memcpy(s.origin, "CN", 2);
				s.postcode = (RatingText) {"18565", 5};
				s.pieces = pieces_metric;
				s.npieces = 3;
				s.nflags = 2;
				s.flags = flags;
				s.tier = tier;
				s.customs_lines = 7;
				break;
			case 1:				/* US domestic in lb/in */
				memcpy(s.destination, "US", 2);
				memcpy(s.origin, "US", 2);
				s.postcode = (RatingText) {"99501-1234", 10};
				s.origin_postcode = (RatingText) {"10001", 5};
				s.weight_unit = RATE_LB;
				s.length_unit = RATE_IN;
				s.pieces = pieces_imperial;
				s.npieces = 2;
				s.nflags = 4;
				s.flags = flags;
				break;
			case 2:				/* LCL by totals */
				memcpy(s.destination, "GB", 2);
				s.postcode = (RatingText) {"SW1A 1AA", 8};
				s.has_weight = true;
				s.weight = MIB(1830);
				s.has_volume = true;
				s.volume = MIB(4) + 250000;
				s.tier = tier;
				break;
			case 3:				/* FCL */
				memcpy(s.destination, "CN", 2);
				memcpy(s.origin, "DE", 2);
				s.containers = containers;
				s.ncontainers = 2;
				s.has_weight = true;
				s.weight = MIB(20000);
				s.customs_lines = 40;
				break;
			case 4:				/* nothing to weigh */
				memcpy(s.destination, "FR", 2);
				s.tier = tier;
				break;
			case 5:				/* heavy air freight */
				memcpy(s.destination, "JP", 2);
				memcpy(s.origin, "DE", 2);
				s.has_weight = true;
				s.weight = MIB(99) + 500000;
				s.has_volume = true;
				s.volume = MIB(1);
				s.nflags = 1;
				s.flags = flags;
				break;
		}
		Check(card, &s, 2);
		Check(card, &s, variant % 2 ? 0 : 3);
	}
	RateCardFree(card);
	return 0;
}
