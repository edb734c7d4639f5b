-- cbl.round: explicit rounding to the currency's minor unit.
SET search_path = cbl, public;

-- The issue's examples: half-even by default.
SELECT cbl.round('10.005 USD') AS a, cbl.round('10.015 USD') AS b,
       cbl.round('100.5 JPY') AS c, cbl.round('101.5 JPY') AS d,
       cbl.round('1.2345 KWD') AS e, cbl.round('1.23455 KWD') AS f,
       cbl.round('-10.005 USD') AS g, cbl.round('-10.015 USD') AS h;

-- Every mode on ties, near-ties and negatives.
SELECT v, cbl.round(v::amount, 'half_even') AS half_even, cbl.round(v::amount, 'half_up') AS half_up,
       cbl.round(v::amount, 'down') AS down, cbl.round(v::amount, 'up') AS up
  FROM (VALUES ('2.345 EUR'), ('2.355 EUR'), ('2.345001 EUR'), ('2.344999 EUR'),
               ('-2.345 EUR'), ('-2.355 EUR'), ('-2.341 EUR'), ('2.341 EUR'),
               ('2.34 EUR'), ('0.005 EUR'), ('-0.005 EUR'), ('0.5 JPY'),
               ('1.5 JPY'), ('-0.5 JPY'), ('0.0005 BHD'), ('0.00005 CLF')) AS t(v);

-- To a chosen number of decimals (0..6).
SELECT cbl.round('1234.5678 USD', 0, 'half_even') AS whole,
       cbl.round('1234.5678 USD', 3, 'half_up') AS three,
       cbl.round('1234.567891 USD', 6, 'down') AS six,
       cbl.round('2.5 XAU', 0, 'half_even') AS gold;

-- Errors.
SELECT cbl.round('1 USD', 'bankers');
SELECT cbl.round('1 USD', 7, 'half_even');
SELECT cbl.round('1 USD', -1, 'half_even');
SELECT cbl.round('1.5 XAU');
-- Rounding up at the very top of the range overflows cleanly.
SELECT cbl.round('9223372036854.775807 USD');
SELECT cbl.round('9223372036854.775807 USD', 'down');
