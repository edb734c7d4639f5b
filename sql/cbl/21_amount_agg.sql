-- Aggregates over cbl.amount (src/amount_agg.c, src/amount.c).
-- Every aggregate combines partial states, so parallel query and Citus can
-- split the work; the sum/avg state is a real type that round-trips as text.

CREATE TYPE cbl.amount_accum;
CREATE FUNCTION cbl.amount_accum_in(cstring) RETURNS cbl.amount_accum
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_accum_out(cbl.amount_accum) RETURNS cstring
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_accum_recv(internal) RETURNS cbl.amount_accum
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_accum_send(cbl.amount_accum) RETURNS bytea
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE cbl.amount_accum (
  INPUT = cbl.amount_accum_in,
  OUTPUT = cbl.amount_accum_out,
  RECEIVE = cbl.amount_accum_recv,
  SEND = cbl.amount_accum_send,
  INTERNALLENGTH = 32,
  ALIGNMENT = double,
  STORAGE = plain
);
COMMENT ON TYPE cbl.amount_accum IS
  'state of sum(cbl.amount) and avg(cbl.amount): (count, exact sum of micro-units, currency)';
COMMENT ON FUNCTION cbl.amount_accum_in(cstring) IS 'input function of cbl.amount_accum';
COMMENT ON FUNCTION cbl.amount_accum_out(cbl.amount_accum) IS 'output function of cbl.amount_accum';
COMMENT ON FUNCTION cbl.amount_accum_recv(internal) IS 'binary input function of cbl.amount_accum';
COMMENT ON FUNCTION cbl.amount_accum_send(cbl.amount_accum) IS 'binary output function of cbl.amount_accum';

-- Order and hashing of the state (currency, then count, then sum), so that
-- cbl.amount_accum has default btree and hash operator classes like every cbl type:
-- partial states can be grouped, sorted and hashed (Citus, docs/scaling.md).
CREATE FUNCTION cbl.amount_accum_cmp(cbl.amount_accum, cbl.amount_accum) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION cbl.amount_accum_hash(cbl.amount_accum) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION cbl.amount_accum_hash_extended(cbl.amount_accum, bigint) RETURNS bigint
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.amount_accum_cmp(cbl.amount_accum, cbl.amount_accum) IS 'btree comparison function of cbl.amount_accum';
COMMENT ON FUNCTION cbl.amount_accum_hash(cbl.amount_accum) IS 'hash function of cbl.amount_accum';
COMMENT ON FUNCTION cbl.amount_accum_hash_extended(cbl.amount_accum, bigint) IS 'seeded 64-bit hash function of cbl.amount_accum';
CREATE FUNCTION cbl.amount_accum_eq(cbl.amount_accum, cbl.amount_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.amount_accum_eq(cbl.amount_accum, cbl.amount_accum) IS 'implementation of the = operator on cbl.amount_accum';
CREATE OPERATOR cbl.= (
  LEFTARG = cbl.amount_accum, RIGHTARG = cbl.amount_accum, FUNCTION = cbl.amount_accum_eq,
  COMMUTATOR = OPERATOR(cbl.=), NEGATOR = OPERATOR(cbl.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
COMMENT ON OPERATOR cbl.= (cbl.amount_accum, cbl.amount_accum) IS 'equal';
CREATE FUNCTION cbl.amount_accum_ne(cbl.amount_accum, cbl.amount_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.amount_accum_ne(cbl.amount_accum, cbl.amount_accum) IS 'implementation of the <> operator on cbl.amount_accum';
CREATE OPERATOR cbl.<> (
  LEFTARG = cbl.amount_accum, RIGHTARG = cbl.amount_accum, FUNCTION = cbl.amount_accum_ne,
  COMMUTATOR = OPERATOR(cbl.<>), NEGATOR = OPERATOR(cbl.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR cbl.<> (cbl.amount_accum, cbl.amount_accum) IS 'not equal';
CREATE FUNCTION cbl.amount_accum_lt(cbl.amount_accum, cbl.amount_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.amount_accum_lt(cbl.amount_accum, cbl.amount_accum) IS 'implementation of the < operator on cbl.amount_accum';
CREATE OPERATOR cbl.< (
  LEFTARG = cbl.amount_accum, RIGHTARG = cbl.amount_accum, FUNCTION = cbl.amount_accum_lt,
  COMMUTATOR = OPERATOR(cbl.>), NEGATOR = OPERATOR(cbl.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR cbl.< (cbl.amount_accum, cbl.amount_accum) IS 'less than';
CREATE FUNCTION cbl.amount_accum_le(cbl.amount_accum, cbl.amount_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.amount_accum_le(cbl.amount_accum, cbl.amount_accum) IS 'implementation of the <= operator on cbl.amount_accum';
CREATE OPERATOR cbl.<= (
  LEFTARG = cbl.amount_accum, RIGHTARG = cbl.amount_accum, FUNCTION = cbl.amount_accum_le,
  COMMUTATOR = OPERATOR(cbl.>=), NEGATOR = OPERATOR(cbl.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR cbl.<= (cbl.amount_accum, cbl.amount_accum) IS 'less than or equal';
CREATE FUNCTION cbl.amount_accum_gt(cbl.amount_accum, cbl.amount_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.amount_accum_gt(cbl.amount_accum, cbl.amount_accum) IS 'implementation of the > operator on cbl.amount_accum';
CREATE OPERATOR cbl.> (
  LEFTARG = cbl.amount_accum, RIGHTARG = cbl.amount_accum, FUNCTION = cbl.amount_accum_gt,
  COMMUTATOR = OPERATOR(cbl.<), NEGATOR = OPERATOR(cbl.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR cbl.> (cbl.amount_accum, cbl.amount_accum) IS 'greater than';
CREATE FUNCTION cbl.amount_accum_ge(cbl.amount_accum, cbl.amount_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.amount_accum_ge(cbl.amount_accum, cbl.amount_accum) IS 'implementation of the >= operator on cbl.amount_accum';
CREATE OPERATOR cbl.>= (
  LEFTARG = cbl.amount_accum, RIGHTARG = cbl.amount_accum, FUNCTION = cbl.amount_accum_ge,
  COMMUTATOR = OPERATOR(cbl.<=), NEGATOR = OPERATOR(cbl.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR cbl.>= (cbl.amount_accum, cbl.amount_accum) IS 'greater than or equal';
CREATE OPERATOR CLASS cbl.amount_accum_ops
  DEFAULT FOR TYPE cbl.amount_accum USING btree AS
    OPERATOR 1 cbl.<,
    OPERATOR 2 cbl.<=,
    OPERATOR 3 cbl.=,
    OPERATOR 4 cbl.>=,
    OPERATOR 5 cbl.>,
    FUNCTION 1 cbl.amount_accum_cmp(cbl.amount_accum, cbl.amount_accum);
COMMENT ON OPERATOR CLASS cbl.amount_accum_ops USING btree IS 'default btree operator class of cbl.amount_accum';
CREATE OPERATOR CLASS cbl.amount_accum_hash_ops
  DEFAULT FOR TYPE cbl.amount_accum USING hash AS
    OPERATOR 1 cbl.=,
    FUNCTION 1 cbl.amount_accum_hash(cbl.amount_accum),
    FUNCTION 2 cbl.amount_accum_hash_extended(cbl.amount_accum, bigint);
COMMENT ON OPERATOR CLASS cbl.amount_accum_hash_ops USING hash IS 'default hash operator class of cbl.amount_accum';

CREATE FUNCTION cbl.amount_accum_add(cbl.amount_accum, cbl.amount) RETURNS cbl.amount_accum
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_accum_combine(cbl.amount_accum, cbl.amount_accum) RETURNS cbl.amount_accum
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_accum_sum(cbl.amount_accum) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_sum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_accum_avg(cbl.amount_accum) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_accum_avg' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_smaller(cbl.amount, cbl.amount) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.amount_larger(cbl.amount, cbl.amount) RETURNS cbl.amount
  AS 'MODULE_PATHNAME', 'cbl_amount_larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.amount_accum_add(cbl.amount_accum, cbl.amount) IS
  'transition function of sum and avg over cbl.amount';
COMMENT ON FUNCTION cbl.amount_accum_combine(cbl.amount_accum, cbl.amount_accum) IS
  'combine function of sum and avg over cbl.amount';
COMMENT ON FUNCTION cbl.amount_accum_sum(cbl.amount_accum) IS 'final function of sum(cbl.amount)';
COMMENT ON FUNCTION cbl.amount_accum_avg(cbl.amount_accum) IS
  'final function of avg(cbl.amount): the mean rounded half-even to the micro-unit';
COMMENT ON FUNCTION cbl.amount_smaller(cbl.amount, cbl.amount) IS 'the smaller of two amounts in one currency';
COMMENT ON FUNCTION cbl.amount_larger(cbl.amount, cbl.amount) IS 'the larger of two amounts in one currency';

CREATE AGGREGATE cbl.sum(cbl.amount) (
  SFUNC = cbl.amount_accum_add, STYPE = cbl.amount_accum, INITCOND = '(0,0,)',
  FINALFUNC = cbl.amount_accum_sum, COMBINEFUNC = cbl.amount_accum_combine,
  PARALLEL = SAFE);
CREATE AGGREGATE cbl.avg(cbl.amount) (
  SFUNC = cbl.amount_accum_add, STYPE = cbl.amount_accum, INITCOND = '(0,0,)',
  FINALFUNC = cbl.amount_accum_avg, COMBINEFUNC = cbl.amount_accum_combine,
  PARALLEL = SAFE);
CREATE AGGREGATE cbl.min(cbl.amount) (
  SFUNC = cbl.amount_smaller, STYPE = cbl.amount, COMBINEFUNC = cbl.amount_smaller,
  SORTOP = OPERATOR(cbl.<), PARALLEL = SAFE);
CREATE AGGREGATE cbl.max(cbl.amount) (
  SFUNC = cbl.amount_larger, STYPE = cbl.amount, COMBINEFUNC = cbl.amount_larger,
  SORTOP = OPERATOR(cbl.>), PARALLEL = SAFE);
COMMENT ON AGGREGATE cbl.sum(cbl.amount) IS
  'exact sum of amounts in one currency; mixing currencies raises an error';
COMMENT ON AGGREGATE cbl.avg(cbl.amount) IS
  'mean of amounts in one currency, rounded half-even to the micro-unit';
COMMENT ON AGGREGATE cbl.min(cbl.amount) IS 'smallest of amounts in one currency';
COMMENT ON AGGREGATE cbl.max(cbl.amount) IS 'largest of amounts in one currency';
