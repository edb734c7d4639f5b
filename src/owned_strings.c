/*
 * owned_strings.c: malloc'd strings kept until they are freed together
 * (owned_strings.h).
 */
#include <stdlib.h>

#include "owned_strings.h"

char *
OwnedStringsKeep(OwnedStrings *list, char *s)
{
	if (s == NULL)
		return NULL;
	if (list->n == list->cap)
	{
		size_t		cap = list->cap ? list->cap * 2 : 64;
		char	  **grown = realloc(list->items, cap * sizeof(char *));

		if (grown == NULL)
		{
			free(s);
			return NULL;
		}
		list->items = grown;
		list->cap = cap;
	}
	list->items[list->n++] = s;
	return s;
}

void
OwnedStringsFree(OwnedStrings *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = list->cap = 0;
}
