/*
 * currency.c
 *	  Look-ups in the compiled-in ISO 4217 and ISO 3166 tables.
 *
 * Pure C: no PostgreSQL headers, so the fuzz targets can link it.
 */
#include <stdlib.h>
#include <string.h>

#include "currency.h"

static const CurrencyInfo currencies[] = {
#define ISO4217_ENTRY(code, num, minor, billable) {code, num, minor, billable},
#include "iso4217_table.h"
#undef ISO4217_ENTRY
};

#define N_CURRENCIES ((int) (sizeof(currencies) / sizeof(currencies[0])))

static const char countries[][3] = {
#define ISO3166_ENTRY(code) code,
#include "iso3166_table.h"
#undef ISO3166_ENTRY
};

#define N_COUNTRIES ((int) (sizeof(countries) / sizeof(countries[0])))

/* Packed code -> index, built on first use (the table is sorted by code). */
static int16_t by_packed[26 * 26 * 26 + 1];
static bool by_packed_ready = false;

static CurrencyCode
PackLetters(const char *s)
{
	return (CurrencyCode) ((s[0] - 'A') * 676 + (s[1] - 'A') * 26 + (s[2] - 'A') + 1);
}

static void
BuildIndex(void)
{
	memset(by_packed, -1, sizeof(by_packed));
	for (int i = 0; i < N_CURRENCIES; i++)
		by_packed[PackLetters(currencies[i].code)] = (int16_t) i;
	by_packed_ready = true;
}

const CurrencyInfo *
CurrencyLookup(const char *code, int len)
{
	if (len != 3)
		return NULL;
	for (int i = 0; i < 3; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return NULL;
	return CurrencyFromCode(PackLetters(code));
}

const CurrencyInfo *
CurrencyFromCode(CurrencyCode code)
{
	if (code == CURRENCY_NONE || code > 26 * 26 * 26)
		return NULL;
	if (!by_packed_ready)
		BuildIndex();
	return by_packed[code] < 0 ? NULL : &currencies[by_packed[code]];
}

CurrencyCode
CurrencyPack(const CurrencyInfo *info)
{
	return PackLetters(info->code);
}

int
CurrencyCount(void)
{
	return N_CURRENCIES;
}

const CurrencyInfo *
CurrencyAt(int i)
{
	return (i >= 0 && i < N_CURRENCIES) ? &currencies[i] : NULL;
}

static int
CompareCountry(const void *key, const void *elem)
{
	return memcmp(key, elem, 2);
}

bool
CountryCodeIsValid(const char *code)
{
	if (code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z')
		return false;
	return bsearch(code, countries, N_COUNTRIES, sizeof(countries[0]),
				   CompareCountry) != NULL;
}
