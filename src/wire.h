/*
 * wire.h
 *	  The binary forms (send/recv) of cbl's scalar types, in pure C.
 *
 * PostgreSQL hands a receive function a StringInfo.  The SQL-facing recv
 * functions pass its unread bytes here and advance the cursor by what was
 * used, so the byte decoding and the validation of what was decoded have no
 * PostgreSQL header and test/fuzz/fuzz_recv.c drives exactly what recv runs.
 * Integers are big-endian (network order), as pq_getmsgint64 reads them.
 *
 *	 cbl.amount			int64 micro-units, then the packed currency as int16
 *	 cbl.hs_code, cbl.awb, cbl.container_no, cbl.s10
 *						the packed value as an int8 (what int8send writes)
 *	 cbl.milestone_state	milestone_wire.h
 *
 * Nothing here raises.  A decoder returns WIRE_SHORT when the message ends
 * before the value does (recv then raises what pq_getmsgint would:
 * "insufficient data left in message", SQLSTATE 08P01) and WIRE_INVALID,
 * with err filled, when the bytes are there but are not a value text input
 * could have produced (SQLSTATE 22P03).
 */
#ifndef CBL_WIRE_H
#define CBL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "currency.h"
#include "parse_error.h"

typedef enum WireResult
{
	WIRE_OK,
	WIRE_SHORT,					/* the message ends before the value */
	WIRE_INVALID				/* decoded, but not a valid value: see err */
} WireResult;

/* Unread bytes of a message. */
typedef struct WireReader
{
	const uint8_t *data;
	size_t		len;
	size_t		pos;			/* bytes used so far */
} WireReader;

static inline void
WireReaderInit(WireReader *r, const void *data, size_t len)
{
	r->data = (const uint8_t *) data;
	r->len = len;
	r->pos = 0;
}

/* Big-endian reads; false (nothing read) when fewer bytes are left. */
extern bool WireGetUint8(WireReader *r, uint8_t *out);
extern bool WireGetUint16(WireReader *r, uint16_t *out);
extern bool WireGetUint32(WireReader *r, uint32_t *out);
extern bool WireGetUint64(WireReader *r, uint64_t *out);

/* Big-endian writes into out, which has room for the value. */
extern void WirePutUint16(uint8_t *out, uint16_t v);
extern void WirePutUint32(uint8_t *out, uint32_t v);
extern void WirePutUint64(uint8_t *out, uint64_t v);

/* cbl.amount: 10 bytes. */
#define AMOUNT_WIRE_LEN 10
extern WireResult AmountWireDecode(WireReader *r, int64_t *micros, CurrencyCode *currency,
								   ParseError *err);
extern void AmountWireEncode(int64_t micros, CurrencyCode currency, uint8_t *out);

/*
 * The int8-backed types: 8 bytes, accepted when validate (the type's
 * *ValidatePacked, which says what is wrong) accepts the value.
 */
#define PACKED_WIRE_LEN 8
extern WireResult PackedWireDecode(WireReader *r, bool (*validate) (int64_t, ParseError *),
								   int64_t *out, ParseError *err);
extern void PackedWireEncode(int64_t v, uint8_t *out);

#endif							/* CBL_WIRE_H */
