-- cbl.milestone_state: a shipment's milestones as derived from its events
-- (src/milestone_state.c).  Order-independent: merge is a semilattice join.

CREATE TYPE cbl.milestone_state;
CREATE FUNCTION cbl.milestone_state_in(cstring) RETURNS cbl.milestone_state
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.milestone_state_out(cbl.milestone_state) RETURNS cstring
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.milestone_state_recv(internal) RETURNS cbl.milestone_state
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.milestone_state_send(cbl.milestone_state) RETURNS bytea
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE cbl.milestone_state (
  INPUT = cbl.milestone_state_in,
  OUTPUT = cbl.milestone_state_out,
  RECEIVE = cbl.milestone_state_recv,
  SEND = cbl.milestone_state_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);
COMMENT ON TYPE cbl.milestone_state IS
  'what is known of a shipment''s milestones: per milestone and classifier (PLN, EST, ACT) the winning report; the same events in any order give the same state';
COMMENT ON FUNCTION cbl.milestone_state_in(cstring) IS 'input function of cbl.milestone_state';
COMMENT ON FUNCTION cbl.milestone_state_out(cbl.milestone_state) IS 'output function of cbl.milestone_state';
COMMENT ON FUNCTION cbl.milestone_state_recv(internal) IS 'binary input function of cbl.milestone_state';
COMMENT ON FUNCTION cbl.milestone_state_send(cbl.milestone_state) IS 'binary output function of cbl.milestone_state';

CREATE FUNCTION cbl.milestone_state(framework_id integer, milestone_id integer, classifier text,
                                    at timestamptz, issued_at timestamptz, priority integer,
                                    event_key bigint) RETURNS cbl.milestone_state
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_make' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cbl.milestone_state(integer, integer, text, timestamptz, timestamptz, integer, bigint) IS
  'the state of one report: a milestone (by id) with classifier PLN, EST or ACT at a time, issued at a time (NULL if unknown) by a source of a priority, with a key of the event';

CREATE FUNCTION cbl.milestone_merge(cbl.milestone_state, cbl.milestone_state) RETURNS cbl.milestone_state
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.milestone_merge(cbl.milestone_state, cbl.milestone_state) IS
  'merge two states: per milestone and classifier the report of the higher-priority source, then the later-issued, then the later time, then the smaller event key wins';
CREATE OPERATOR cbl.|| (LEFTARG = cbl.milestone_state, RIGHTARG = cbl.milestone_state,
  FUNCTION = cbl.milestone_merge, COMMUTATOR = OPERATOR(cbl.||));
COMMENT ON OPERATOR cbl.|| (cbl.milestone_state, cbl.milestone_state) IS 'merge of two milestone states';

CREATE AGGREGATE cbl.milestone_agg(cbl.milestone_state) (
  SFUNC = cbl.milestone_merge, STYPE = cbl.milestone_state, INITCOND = '0',
  COMBINEFUNC = cbl.milestone_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE cbl.milestone_agg(cbl.milestone_state) IS
  'the state of a set of reports (usually one shipment''s live events); independent of order and of duplicates';

CREATE FUNCTION cbl.milestone_entries(cbl.milestone_state,
    OUT milestone_id smallint, OUT classifier text, OUT at timestamptz,
    OUT issued_at timestamptz, OUT priority integer, OUT event_key bigint)
  RETURNS SETOF record
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_entries' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION cbl.milestone_entries(cbl.milestone_state) IS
  'the reports a state holds, one row per milestone and classifier';
CREATE FUNCTION cbl.framework_id(cbl.milestone_state) RETURNS smallint
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_framework_id' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.framework_id(cbl.milestone_state) IS
  'id of the framework the state follows, NULL for the empty state';

-- Equality and hashing on the canonical bytes (state changes, DISTINCT, joins);
-- the btree order is arbitrary but total.
CREATE FUNCTION cbl.milestone_state_eq(cbl.milestone_state, cbl.milestone_state) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.milestone_state_ne(cbl.milestone_state, cbl.milestone_state) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.milestone_state_cmp(cbl.milestone_state, cbl.milestone_state) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.milestone_state_lt(cbl.milestone_state, cbl.milestone_state) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN cbl.milestone_state_cmp($1, $2) < 0;
CREATE FUNCTION cbl.milestone_state_le(cbl.milestone_state, cbl.milestone_state) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN cbl.milestone_state_cmp($1, $2) <= 0;
CREATE FUNCTION cbl.milestone_state_gt(cbl.milestone_state, cbl.milestone_state) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN cbl.milestone_state_cmp($1, $2) > 0;
CREATE FUNCTION cbl.milestone_state_ge(cbl.milestone_state, cbl.milestone_state) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN cbl.milestone_state_cmp($1, $2) >= 0;
CREATE FUNCTION cbl.milestone_state_hash(cbl.milestone_state) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.milestone_state_hash_extended(cbl.milestone_state, bigint) RETURNS bigint
  AS 'MODULE_PATHNAME', 'cbl_milestone_state_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.milestone_state_eq(cbl.milestone_state, cbl.milestone_state) IS 'implementation of =';
COMMENT ON FUNCTION cbl.milestone_state_ne(cbl.milestone_state, cbl.milestone_state) IS 'implementation of <>';
COMMENT ON FUNCTION cbl.milestone_state_cmp(cbl.milestone_state, cbl.milestone_state) IS 'btree comparison function (an arbitrary total order)';
COMMENT ON FUNCTION cbl.milestone_state_lt(cbl.milestone_state, cbl.milestone_state) IS 'implementation of <';
COMMENT ON FUNCTION cbl.milestone_state_le(cbl.milestone_state, cbl.milestone_state) IS 'implementation of <=';
COMMENT ON FUNCTION cbl.milestone_state_gt(cbl.milestone_state, cbl.milestone_state) IS 'implementation of >';
COMMENT ON FUNCTION cbl.milestone_state_ge(cbl.milestone_state, cbl.milestone_state) IS 'implementation of >=';
COMMENT ON FUNCTION cbl.milestone_state_hash(cbl.milestone_state) IS 'hash function';
COMMENT ON FUNCTION cbl.milestone_state_hash_extended(cbl.milestone_state, bigint) IS 'seeded 64-bit hash function';

CREATE OPERATOR cbl.= (LEFTARG = cbl.milestone_state, RIGHTARG = cbl.milestone_state,
  FUNCTION = cbl.milestone_state_eq, COMMUTATOR = OPERATOR(cbl.=), NEGATOR = OPERATOR(cbl.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR cbl.<> (LEFTARG = cbl.milestone_state, RIGHTARG = cbl.milestone_state,
  FUNCTION = cbl.milestone_state_ne, COMMUTATOR = OPERATOR(cbl.<>), NEGATOR = OPERATOR(cbl.=),
  RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR cbl.< (LEFTARG = cbl.milestone_state, RIGHTARG = cbl.milestone_state,
  FUNCTION = cbl.milestone_state_lt, COMMUTATOR = OPERATOR(cbl.>), NEGATOR = OPERATOR(cbl.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR cbl.<= (LEFTARG = cbl.milestone_state, RIGHTARG = cbl.milestone_state,
  FUNCTION = cbl.milestone_state_le, COMMUTATOR = OPERATOR(cbl.>=), NEGATOR = OPERATOR(cbl.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR cbl.> (LEFTARG = cbl.milestone_state, RIGHTARG = cbl.milestone_state,
  FUNCTION = cbl.milestone_state_gt, COMMUTATOR = OPERATOR(cbl.<), NEGATOR = OPERATOR(cbl.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR cbl.>= (LEFTARG = cbl.milestone_state, RIGHTARG = cbl.milestone_state,
  FUNCTION = cbl.milestone_state_ge, COMMUTATOR = OPERATOR(cbl.<=), NEGATOR = OPERATOR(cbl.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR cbl.= (cbl.milestone_state, cbl.milestone_state) IS 'identical states';
COMMENT ON OPERATOR cbl.<> (cbl.milestone_state, cbl.milestone_state) IS 'different states';
COMMENT ON OPERATOR cbl.< (cbl.milestone_state, cbl.milestone_state) IS 'arbitrary total order, for sorting';
COMMENT ON OPERATOR cbl.<= (cbl.milestone_state, cbl.milestone_state) IS 'arbitrary total order, for sorting';
COMMENT ON OPERATOR cbl.> (cbl.milestone_state, cbl.milestone_state) IS 'arbitrary total order, for sorting';
COMMENT ON OPERATOR cbl.>= (cbl.milestone_state, cbl.milestone_state) IS 'arbitrary total order, for sorting';
CREATE OPERATOR CLASS cbl.milestone_state_ops DEFAULT FOR TYPE cbl.milestone_state USING btree AS
  OPERATOR 1 cbl.< , OPERATOR 2 cbl.<= , OPERATOR 3 cbl.= , OPERATOR 4 cbl.>= , OPERATOR 5 cbl.> ,
  FUNCTION 1 cbl.milestone_state_cmp(cbl.milestone_state, cbl.milestone_state);
CREATE OPERATOR CLASS cbl.milestone_state_hash_ops DEFAULT FOR TYPE cbl.milestone_state USING hash AS
  OPERATOR 1 cbl.= ,
  FUNCTION 1 cbl.milestone_state_hash(cbl.milestone_state),
  FUNCTION 2 cbl.milestone_state_hash_extended(cbl.milestone_state, bigint);
COMMENT ON OPERATOR CLASS cbl.milestone_state_ops USING btree IS 'an arbitrary total order of states, for sorting and DISTINCT';
COMMENT ON OPERATOR CLASS cbl.milestone_state_hash_ops USING hash IS 'hashing of states';
