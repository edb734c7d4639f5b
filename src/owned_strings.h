/*
 * owned_strings.h: malloc'd strings kept until they are freed together.
 *
 * The pure-C parsers hand out strings (from json_dumps, strdup ...) that live
 * as long as the parsed batch: each batch keeps them in one of these lists
 * and frees the list with the batch.  No PostgreSQL headers: the fuzz
 * targets link it.
 */
#ifndef CBL_OWNED_STRINGS_H
#define CBL_OWNED_STRINGS_H

#include <stddef.h>

typedef struct OwnedStrings
{
	char	  **items;
	size_t		n;
	size_t		cap;
} OwnedStrings;

/* Keep s until OwnedStringsFree; returns s (NULL for NULL; out of memory: s is freed, NULL). */
extern char *OwnedStringsKeep(OwnedStrings *list, char *s);

/* Free every string kept, and the list's own array (the list is then empty). */
extern void OwnedStringsFree(OwnedStrings *list);

#endif							/* CBL_OWNED_STRINGS_H */
