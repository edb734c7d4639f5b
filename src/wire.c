/*
 * wire.c
 *	  The binary forms (send/recv) of cbl's scalar types, in pure C: big-endian
 *	  reads and writes, and the decoders the recv functions run (wire.h).
 */
#include "wire.h"

#include "amount_parse.h"

bool
WireGetUint8(WireReader *r, uint8_t *out)
{
	if (r->len - r->pos < 1)
		return false;
	*out = r->data[r->pos++];
	return true;
}

bool
WireGetUint16(WireReader *r, uint16_t *out)
{
	const uint8_t *p = r->data + r->pos;

	if (r->len - r->pos < 2)
		return false;
	*out = (uint16_t) ((p[0] << 8) | p[1]);
	r->pos += 2;
	return true;
}

bool
WireGetUint32(WireReader *r, uint32_t *out)
{
	const uint8_t *p = r->data + r->pos;

	if (r->len - r->pos < 4)
		return false;
	*out = ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
	r->pos += 4;
	return true;
}

bool
WireGetUint64(WireReader *r, uint64_t *out)
{
	uint64_t	v = 0;

	if (r->len - r->pos < 8)
		return false;
	for (int k = 0; k < 8; k++)
		v = (v << 8) | r->data[r->pos + k];
	r->pos += 8;
	*out = v;
	return true;
}

void
WirePutUint16(uint8_t *out, uint16_t v)
{
	out[0] = (uint8_t) (v >> 8);
	out[1] = (uint8_t) v;
}

void
WirePutUint32(uint8_t *out, uint32_t v)
{
	for (int k = 3; k >= 0; k--, v >>= 8)
		out[k] = (uint8_t) v;
}

void
WirePutUint64(uint8_t *out, uint64_t v)
{
	for (int k = 7; k >= 0; k--, v >>= 8)
		out[k] = (uint8_t) v;
}

/* ---- cbl.amount ---------------------------------------------------------- */

WireResult
AmountWireDecode(WireReader *r, int64_t *micros, CurrencyCode *currency, ParseError *err)
{
	uint64_t	m;
	uint16_t	c;

	if (r->len - r->pos < AMOUNT_WIRE_LEN)
		return WIRE_SHORT;
	(void) WireGetUint64(r, &m);
	(void) WireGetUint16(r, &c);
	if (!AmountValidatePacked((int64_t) m, (CurrencyCode) c, err))
		return WIRE_INVALID;
	*micros = (int64_t) m;
	*currency = (CurrencyCode) c;
	return WIRE_OK;
}

void
AmountWireEncode(int64_t micros, CurrencyCode currency, uint8_t *out)
{
	WirePutUint64(out, (uint64_t) micros);
	WirePutUint16(out + 8, currency);
}

/* ---- the int8-backed types ----------------------------------------------- */

WireResult
PackedWireDecode(WireReader *r, bool (*validate) (int64_t, ParseError *), int64_t *out,
				 ParseError *err)
{
	uint64_t	v;

	if (!WireGetUint64(r, &v))
		return WIRE_SHORT;
	if (!validate((int64_t) v, err))
		return WIRE_INVALID;
	*out = (int64_t) v;
	return WIRE_OK;
}

void
PackedWireEncode(int64_t v, uint8_t *out)
{
	WirePutUint64(out, (uint64_t) v);
}
