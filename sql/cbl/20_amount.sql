-- cbl.amount: an exact monetary amount in one ISO 4217 currency (src/amount.c).

CREATE TYPE cbl.amount;

CREATE FUNCTION cbl.amount_in(cstring) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_out(cbl.amount) RETURNS cstring
  AS 'MODULE_PATHNAME', 'cbl_amount_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_recv(internal) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_send(cbl.amount) RETURNS bytea
  AS 'MODULE_PATHNAME', 'cbl_amount_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- ANALYZE gathers no statistics on amount columns: the standard ones sort
-- with "<", which refuses to compare amounts in different currencies.
CREATE FUNCTION cbl.amount_analyze(internal) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_analyze' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE cbl.amount (
  INPUT = cbl.amount_in,
  OUTPUT = cbl.amount_out,
  RECEIVE = cbl.amount_recv,
  SEND = cbl.amount_send,
  ANALYZE = cbl.amount_analyze,
  INTERNALLENGTH = 16,
  ALIGNMENT = double,
  STORAGE = plain
);
COMMENT ON TYPE cbl.amount IS
  'exact monetary amount in one ISO 4217 currency, e.g. ''1234.56 USD''; six decimals, range +/-9223372036854.775807';
COMMENT ON FUNCTION cbl.amount_in(cstring) IS 'input function of cbl.amount';
COMMENT ON FUNCTION cbl.amount_out(cbl.amount) IS 'output function of cbl.amount';
COMMENT ON FUNCTION cbl.amount_recv(internal) IS 'binary input function of cbl.amount';
COMMENT ON FUNCTION cbl.amount_send(cbl.amount) IS 'binary output function of cbl.amount';
COMMENT ON FUNCTION cbl.amount_analyze(internal) IS 'ANALYZE support of cbl.amount: no statistics (amounts in different currencies do not sort)';

-- Constructor and accessors.
CREATE FUNCTION cbl.amount(value numeric, currency text) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.amount(numeric, text) IS
  'the amount of value in an ISO 4217 currency; more than six nonzero decimals is an error';
CREATE FUNCTION cbl.currency(cbl.amount) RETURNS text
  AS 'MODULE_PATHNAME', 'cbl_amount_currency' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.currency(cbl.amount) IS 'ISO 4217 code of the amount''s currency';
CREATE FUNCTION cbl.value(cbl.amount) RETURNS numeric
  AS 'MODULE_PATHNAME', 'cbl_amount_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.value(cbl.amount) IS
  'the amount as numeric, with at least the currency''s minor-unit decimals';

-- Arithmetic.
CREATE FUNCTION cbl.amount_add(cbl.amount, cbl.amount) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_sub(cbl.amount, cbl.amount) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_sub' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_neg(cbl.amount) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_neg' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.abs(cbl.amount) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_abs' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_mul(cbl.amount, numeric) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_mul' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_mul(numeric, cbl.amount) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_mul_rev' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_div(cbl.amount, numeric) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_div' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_ratio(cbl.amount, cbl.amount) RETURNS numeric
  AS 'MODULE_PATHNAME', 'cbl_amount_ratio' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.amount_add(cbl.amount, cbl.amount) IS 'implementation of + (same currency only)';
COMMENT ON FUNCTION cbl.amount_sub(cbl.amount, cbl.amount) IS 'implementation of - (same currency only)';
COMMENT ON FUNCTION cbl.amount_neg(cbl.amount) IS 'implementation of unary -';
COMMENT ON FUNCTION cbl.abs(cbl.amount) IS 'absolute value of an amount';
COMMENT ON FUNCTION cbl.amount_mul(cbl.amount, numeric) IS
  'implementation of amount * numeric: exact, rounded half-even to the micro-unit';
COMMENT ON FUNCTION cbl.amount_mul(numeric, cbl.amount) IS
  'implementation of numeric * amount: exact, rounded half-even to the micro-unit';
COMMENT ON FUNCTION cbl.amount_div(cbl.amount, numeric) IS
  'implementation of amount / numeric: exact, rounded half-even to the micro-unit';
COMMENT ON FUNCTION cbl.amount_ratio(cbl.amount, cbl.amount) IS
  'implementation of amount / amount (same currency only): their ratio as numeric';

CREATE OPERATOR cbl.+ (LEFTARG = cbl.amount, RIGHTARG = cbl.amount,
  FUNCTION = cbl.amount_add, COMMUTATOR = OPERATOR(cbl.+));
CREATE OPERATOR cbl.- (LEFTARG = cbl.amount, RIGHTARG = cbl.amount,
  FUNCTION = cbl.amount_sub);
CREATE OPERATOR cbl.- (RIGHTARG = cbl.amount, FUNCTION = cbl.amount_neg);
CREATE OPERATOR cbl.* (LEFTARG = cbl.amount, RIGHTARG = numeric,
  FUNCTION = cbl.amount_mul, COMMUTATOR = OPERATOR(cbl.*));
CREATE OPERATOR cbl.* (LEFTARG = numeric, RIGHTARG = cbl.amount,
  FUNCTION = cbl.amount_mul, COMMUTATOR = OPERATOR(cbl.*));
CREATE OPERATOR cbl./ (LEFTARG = cbl.amount, RIGHTARG = numeric,
  FUNCTION = cbl.amount_div);
CREATE OPERATOR cbl./ (LEFTARG = cbl.amount, RIGHTARG = cbl.amount,
  FUNCTION = cbl.amount_ratio);
COMMENT ON OPERATOR cbl.+ (cbl.amount, cbl.amount) IS 'sum of two amounts in one currency';
COMMENT ON OPERATOR cbl.- (cbl.amount, cbl.amount) IS 'difference of two amounts in one currency';
COMMENT ON OPERATOR cbl.- (NONE, cbl.amount) IS 'negated amount';
COMMENT ON OPERATOR cbl.* (cbl.amount, numeric) IS 'amount times a number, rounded half-even to the micro-unit';
COMMENT ON OPERATOR cbl.* (numeric, cbl.amount) IS 'number times an amount, rounded half-even to the micro-unit';
COMMENT ON OPERATOR cbl./ (cbl.amount, numeric) IS 'amount divided by a number, rounded half-even to the micro-unit';
COMMENT ON OPERATOR cbl./ (cbl.amount, cbl.amount) IS 'ratio of two amounts in one currency';

-- Comparison: = and <> hold across currencies (they are simply unequal);
-- ordering amounts in different currencies raises an error.
CREATE FUNCTION cbl.amount_eq(cbl.amount, cbl.amount) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_eq' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION cbl.amount_ne(cbl.amount, cbl.amount) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_ne' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION cbl.amount_lt(cbl.amount, cbl.amount) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_le(cbl.amount, cbl.amount) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_gt(cbl.amount, cbl.amount) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_ge(cbl.amount, cbl.amount) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_cmp(cbl.amount, cbl.amount) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_amount_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_hash(cbl.amount) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_amount_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_hash_extended(cbl.amount, bigint) RETURNS bigint
  AS 'MODULE_PATHNAME', 'cbl_amount_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.amount_eq(cbl.amount, cbl.amount) IS 'implementation of =';
COMMENT ON FUNCTION cbl.amount_ne(cbl.amount, cbl.amount) IS 'implementation of <>';
COMMENT ON FUNCTION cbl.amount_lt(cbl.amount, cbl.amount) IS 'implementation of < (same currency only)';
COMMENT ON FUNCTION cbl.amount_le(cbl.amount, cbl.amount) IS 'implementation of <= (same currency only)';
COMMENT ON FUNCTION cbl.amount_gt(cbl.amount, cbl.amount) IS 'implementation of > (same currency only)';
COMMENT ON FUNCTION cbl.amount_ge(cbl.amount, cbl.amount) IS 'implementation of >= (same currency only)';
COMMENT ON FUNCTION cbl.amount_cmp(cbl.amount, cbl.amount) IS 'btree comparison function (same currency only)';
COMMENT ON FUNCTION cbl.amount_hash(cbl.amount) IS 'hash function';
COMMENT ON FUNCTION cbl.amount_hash_extended(cbl.amount, bigint) IS 'seeded 64-bit hash function';

CREATE OPERATOR cbl.= (LEFTARG = cbl.amount, RIGHTARG = cbl.amount,
  FUNCTION = cbl.amount_eq, COMMUTATOR = OPERATOR(cbl.=), NEGATOR = OPERATOR(cbl.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR cbl.<> (LEFTARG = cbl.amount, RIGHTARG = cbl.amount,
  FUNCTION = cbl.amount_ne, COMMUTATOR = OPERATOR(cbl.<>), NEGATOR = OPERATOR(cbl.=),
  RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR cbl.< (LEFTARG = cbl.amount, RIGHTARG = cbl.amount,
  FUNCTION = cbl.amount_lt, COMMUTATOR = OPERATOR(cbl.>), NEGATOR = OPERATOR(cbl.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR cbl.<= (LEFTARG = cbl.amount, RIGHTARG = cbl.amount,
  FUNCTION = cbl.amount_le, COMMUTATOR = OPERATOR(cbl.>=), NEGATOR = OPERATOR(cbl.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR cbl.> (LEFTARG = cbl.amount, RIGHTARG = cbl.amount,
  FUNCTION = cbl.amount_gt, COMMUTATOR = OPERATOR(cbl.<), NEGATOR = OPERATOR(cbl.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR cbl.>= (LEFTARG = cbl.amount, RIGHTARG = cbl.amount,
  FUNCTION = cbl.amount_ge, COMMUTATOR = OPERATOR(cbl.<=), NEGATOR = OPERATOR(cbl.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR cbl.= (cbl.amount, cbl.amount) IS 'same value and same currency';
COMMENT ON OPERATOR cbl.<> (cbl.amount, cbl.amount) IS 'different value or different currency';
COMMENT ON OPERATOR cbl.< (cbl.amount, cbl.amount) IS 'less than (same currency only)';
COMMENT ON OPERATOR cbl.<= (cbl.amount, cbl.amount) IS 'less than or equal (same currency only)';
COMMENT ON OPERATOR cbl.> (cbl.amount, cbl.amount) IS 'greater than (same currency only)';
COMMENT ON OPERATOR cbl.>= (cbl.amount, cbl.amount) IS 'greater than or equal (same currency only)';

CREATE OPERATOR CLASS cbl.amount_ops DEFAULT FOR TYPE cbl.amount USING btree AS
  OPERATOR 1 cbl.< , OPERATOR 2 cbl.<= , OPERATOR 3 cbl.= ,
  OPERATOR 4 cbl.>= , OPERATOR 5 cbl.> ,
  FUNCTION 1 cbl.amount_cmp(cbl.amount, cbl.amount);
CREATE OPERATOR CLASS cbl.amount_hash_ops DEFAULT FOR TYPE cbl.amount USING hash AS
  OPERATOR 1 cbl.= ,
  FUNCTION 1 cbl.amount_hash(cbl.amount),
  FUNCTION 2 cbl.amount_hash_extended(cbl.amount, bigint);
COMMENT ON OPERATOR CLASS cbl.amount_ops USING btree IS
  'btree order of amounts within one currency; mixing currencies in one index or sort raises an error';
COMMENT ON OPERATOR CLASS cbl.amount_hash_ops USING hash IS
  'hashing of amounts (value and currency), for hash joins, hash aggregation and hash partitioning';

-- Rounding: always explicit.
CREATE FUNCTION cbl.round(cbl.amount) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_round' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.round(cbl.amount, mode text) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_round_mode' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.round(cbl.amount, decimals integer, mode text) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_round_scale' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.round(cbl.amount) IS
  'rounded to the currency''s minor unit, half-even (banker''s rounding)';
COMMENT ON FUNCTION cbl.round(cbl.amount, text) IS
  'rounded to the currency''s minor unit with mode half_even, half_up, down (toward zero) or up (away from zero)';
COMMENT ON FUNCTION cbl.round(cbl.amount, integer, text) IS
  'rounded to 0..6 decimals with mode half_even, half_up, down or up';
