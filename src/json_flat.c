/*
 * json_flat.c
 *	  The flat-object scanner of json_flat.h: one pass over the bytes, no
 *	  tree, strings copied once.  Whatever it is unsure of, it gives up on.
 */
#include <string.h>

#include "json_flat.h"

#define FLAT_MAX_KEYS	32
#define FLAT_MAX_DIGITS 18		/* 10^18 - 1 fits in int64 without a check */

static bool
IsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Skip white space; false at the end of the text. */
static bool
Skip(const char *text, size_t len, size_t *pos)
{
	while (*pos < len && IsSpace(text[*pos]))
		(*pos)++;
	return *pos < len;
}

/*
 * A string without escapes that starts at text[*pos] == '"': its bytes in
 * [*start, *start + *n).  false for an escape, a control character, a byte
 * above 0x7F or no closing quote.
 */
static bool
PlainString(const char *text, size_t len, size_t *pos, size_t *start, size_t *n)
{
	size_t		p = *pos + 1;

	*start = p;
	for (; p < len; p++)
	{
		unsigned char c = (unsigned char) text[p];

		if (c == '"')
		{
			*n = p - *start;
			*pos = p + 1;
			return true;
		}
		if (c < 0x20 || c == '\\' || c >= 0x80)
			return false;
	}
	return false;
}

/* A literal (true, false, null) at text[*pos]. */
static bool
Literal(const char *text, size_t len, size_t *pos, const char *word)
{
	size_t		n = strlen(word);

	if (len - *pos < n || memcmp(text + *pos, word, n) != 0)
		return false;
	*pos += n;
	return true;
}

/* -?(0|[1-9][0-9]*) with no fraction or exponent, at most 18 digits. */
static bool
PlainInteger(const char *text, size_t len, size_t *pos, int64_t *out)
{
	size_t		p = *pos;
	bool		negative = false;
	int64_t		v = 0;
	int			digits = 0;

	if (p < len && text[p] == '-')
	{
		negative = true;
		p++;
	}
	if (p >= len || text[p] < '0' || text[p] > '9')
		return false;
	if (text[p] == '0' && p + 1 < len && text[p + 1] >= '0' && text[p + 1] <= '9')
		return false;			/* a leading zero: not JSON */
	while (p < len && text[p] >= '0' && text[p] <= '9')
	{
		if (++digits > FLAT_MAX_DIGITS)
			return false;
		v = v * 10 + (text[p] - '0');
		p++;
	}
	if (p < len && (text[p] == '.' || text[p] == 'e' || text[p] == 'E'))
		return false;			/* a real: jansson's to read */
	*out = negative ? -v : v;
	*pos = p;
	return true;
}

static int
KeyIndex(const char *const *keys, const char *name, size_t n)
{
	for (int k = 0; keys[k] != NULL; k++)
		if (keys[k][0] == name[0] && strncmp(keys[k], name, n) == 0 && keys[k][n] == '\0')
			return k;
	return -1;
}

bool
JsonFlatScan(const char *text, size_t len, const char *const *keys,
			 FlatValue *values, void *(*alloc) (void *, size_t), void *arg,
			 size_t *consumed)
{
	size_t		pos = 0;
	int			nkeys = 0;

	while (keys[nkeys] != NULL)
		nkeys++;
	if (nkeys > FLAT_MAX_KEYS)
		return false;
	memset(values, 0, nkeys * sizeof(FlatValue));

	if (len == 0 || text[0] != '{')
		return false;
	pos = 1;
	if (!Skip(text, len, &pos))
		return false;
	if (text[pos] == '}')
	{
		*consumed = pos + 1;
		return true;
	}
	for (;;)
	{
		size_t		start,
					n;
		int			k;
		FlatValue  *v;

		/* "key" : */
		if (text[pos] != '"' || !PlainString(text, len, &pos, &start, &n) || n == 0)
			return false;
		k = KeyIndex(keys, text + start, n);
		if (k < 0 || values[k].type != FLAT_ABSENT)
			return false;		/* unknown or repeated: jansson says what is wrong */
		v = &values[k];
		if (!Skip(text, len, &pos) || text[pos] != ':')
			return false;
		pos++;
		if (!Skip(text, len, &pos))
			return false;

		/* the value */
		switch (text[pos])
		{
			case '"':
				{
					char	   *copy;

					if (!PlainString(text, len, &pos, &start, &n))
						return false;
					copy = alloc(arg, n + 1);
					if (copy == NULL)
						return false;
					memcpy(copy, text + start, n);
					copy[n] = '\0';
					v->type = FLAT_STRING;
					v->str = copy;
					v->len = n;
					break;
				}
			case 't':
				if (!Literal(text, len, &pos, "true"))
					return false;
				v->type = FLAT_TRUE;
				break;
			case 'f':
				if (!Literal(text, len, &pos, "false"))
					return false;
				v->type = FLAT_FALSE;
				break;
			case 'n':
				if (!Literal(text, len, &pos, "null"))
					return false;
				v->type = FLAT_NULL;
				break;
			default:
				if (!PlainInteger(text, len, &pos, &v->integer))
					return false;
				v->type = FLAT_INTEGER;
				break;
		}

		/* , or } */
		if (!Skip(text, len, &pos))
			return false;
		if (text[pos] == '}')
		{
			*consumed = pos + 1;
			return true;
		}
		if (text[pos] != ',')
			return false;
		pos++;
		if (!Skip(text, len, &pos))
			return false;
	}
}
