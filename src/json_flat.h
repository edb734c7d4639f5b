/*
 * json_flat.h
 *	  A scanner for the simplest JSON objects: one level of known keys with
 *	  plain scalar values.  It is the fast path in front of jansson for
 *	  canonical events (event_parse.c): nearly every event a feed sends has
 *	  this shape, and scanning it costs a tenth of building jansson's tree.
 *
 * The scanner never decides anything jansson would decide differently: it
 * accepts only text that is valid JSON and that it reads exactly as jansson
 * does, and gives up (returns false) on everything else, leaving that
 * element to jansson.  It gives up on: anything but an object; a key that
 * is not in the caller's list, or that appears twice, or holds an escape;
 * a string with an escape, a control character or a byte above 0x7F (so no
 * UTF-8 needs checking); a number that is not a plain integer of at most 18
 * digits; a nested object or array.
 *
 * Pure C, no PostgreSQL or jansson headers (the fuzz targets link it).
 */
#ifndef CBL_JSON_FLAT_H
#define CBL_JSON_FLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum FlatType
{
	FLAT_ABSENT = 0,			/* the key is not in the object */
	FLAT_NULL,
	FLAT_STRING,
	FLAT_INTEGER,
	FLAT_TRUE,
	FLAT_FALSE,
	FLAT_OTHER					/* a real, object or array: only a general parser yields it */
} FlatType;

/* One member's value. */
typedef struct FlatValue
{
	FlatType	type;
	const char *str;			/* FLAT_STRING: NUL-terminated, len bytes */
	size_t		len;
	int64_t		integer;		/* FLAT_INTEGER */
	const void *other;			/* FLAT_OTHER: the general parser's value */
} FlatValue;

/*
 * Scan the object at the start of text[0, len).  keys: the known keys, NULL
 * terminated, at most 32; values: one per key, all set (FLAT_ABSENT for keys
 * not present).  Strings are copied, NUL-terminated, into memory from
 * alloc(arg, size).  On success *consumed is the length of the object (up
 * to and including its '}'), as jansson reports it with
 * JSON_DISABLE_EOF_CHECK.  false: the text is not of the simple shape (or
 * alloc failed); nothing is promised about values then.
 */
extern bool JsonFlatScan(const char *text, size_t len, const char *const *keys,
						 FlatValue *values, void *(*alloc) (void *, size_t), void *arg,
						 size_t *consumed);

#endif							/* CBL_JSON_FLAT_H */
