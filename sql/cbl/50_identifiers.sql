-- Check-digit identifiers: cbl.awb (IATA air waybill number),
-- cbl.container_no (ISO 6346 container number) and cbl.s10 (UPU S10 postal
-- item identifier).  See docs/identifiers.md.
--
-- Each is an 8-byte pass-by-value type (LIKE int8, as contrib/isn), packed by
-- src/check_digit.c so that integer order is the order of the canonical text.
-- Parsing, formatting and binary receive (which validates like input) are in
-- C; comparison, hashing and send reuse PostgreSQL's int8 functions.

-- ---------------------------------------------------------------------------
-- cbl.awb: IATA air waybill number

CREATE TYPE cbl.awb;

CREATE FUNCTION cbl.awb_in(cstring) RETURNS cbl.awb
  AS 'MODULE_PATHNAME', 'cbl_awb_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.awb_in(cstring) IS
  'input function of cbl.awb: accepts 176-12345675, 17612345675 or 176 12345675, ignoring surrounding white space';

CREATE FUNCTION cbl.awb_out(cbl.awb) RETURNS cstring
  AS 'MODULE_PATHNAME', 'cbl_awb_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.awb_out(cbl.awb) IS
  'output function of cbl.awb: the canonical text 176-12345675';

CREATE FUNCTION cbl.awb_recv(internal) RETURNS cbl.awb
  AS 'MODULE_PATHNAME', 'cbl_awb_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.awb_recv(internal) IS
  'binary input function of cbl.awb: an int8, rejected unless it is the packed form of a valid identifier';

CREATE FUNCTION cbl.awb_send(cbl.awb) RETURNS bytea
  AS 'int8send'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.awb_send(cbl.awb) IS
  'binary output function of cbl.awb: the packed value as an int8';

CREATE TYPE cbl.awb (
  INPUT = cbl.awb_in,
  OUTPUT = cbl.awb_out,
  RECEIVE = cbl.awb_recv,
  SEND = cbl.awb_send,
  LIKE = pg_catalog.int8
);
COMMENT ON TYPE cbl.awb IS
  'IATA air waybill number: 3-digit airline prefix and 8-digit serial whose last digit is the first seven modulo 7; shown as 176-12345675, stored as an int8 in the order of that text';

CREATE FUNCTION cbl.awb_eq(cbl.awb, cbl.awb) RETURNS boolean
  AS 'int8eq'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.awb_eq(cbl.awb, cbl.awb) IS 'implementation of the = operator on cbl.awb';

CREATE FUNCTION cbl.awb_ne(cbl.awb, cbl.awb) RETURNS boolean
  AS 'int8ne'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.awb_ne(cbl.awb, cbl.awb) IS 'implementation of the <> operator on cbl.awb';

CREATE FUNCTION cbl.awb_lt(cbl.awb, cbl.awb) RETURNS boolean
  AS 'int8lt'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.awb_lt(cbl.awb, cbl.awb) IS 'implementation of the < operator on cbl.awb';

CREATE FUNCTION cbl.awb_le(cbl.awb, cbl.awb) RETURNS boolean
  AS 'int8le'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.awb_le(cbl.awb, cbl.awb) IS 'implementation of the <= operator on cbl.awb';

CREATE FUNCTION cbl.awb_gt(cbl.awb, cbl.awb) RETURNS boolean
  AS 'int8gt'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.awb_gt(cbl.awb, cbl.awb) IS 'implementation of the > operator on cbl.awb';

CREATE FUNCTION cbl.awb_ge(cbl.awb, cbl.awb) RETURNS boolean
  AS 'int8ge'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.awb_ge(cbl.awb, cbl.awb) IS 'implementation of the >= operator on cbl.awb';

CREATE FUNCTION cbl.awb_cmp(cbl.awb, cbl.awb) RETURNS integer
  AS 'btint8cmp'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.awb_cmp(cbl.awb, cbl.awb) IS
  'btree comparison function of cbl.awb: -1, 0 or 1, in the order of the canonical text';

CREATE FUNCTION cbl.awb_sortsupport(internal) RETURNS void
  AS 'btint8sortsupport'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.awb_sortsupport(internal) IS
  'btree sort support function of cbl.awb (int8 sort support)';

CREATE FUNCTION cbl.awb_hash(cbl.awb) RETURNS integer
  AS 'hashint8'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.awb_hash(cbl.awb) IS
  'hash function of cbl.awb (the int8 hash of the packed value)';

CREATE FUNCTION cbl.awb_hash_extended(cbl.awb, bigint) RETURNS bigint
  AS 'hashint8extended'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.awb_hash_extended(cbl.awb, bigint) IS
  'seeded 64-bit hash function of cbl.awb (the int8 extended hash of the packed value)';

CREATE OPERATOR cbl.= (
  LEFTARG = cbl.awb,
  RIGHTARG = cbl.awb,
  FUNCTION = cbl.awb_eq,
  COMMUTATOR = OPERATOR(cbl.=),
  NEGATOR = OPERATOR(cbl.<>),
  RESTRICT = pg_catalog.eqsel,
  JOIN = pg_catalog.eqjoinsel,
  HASHES, MERGES
);
COMMENT ON OPERATOR cbl.= (cbl.awb, cbl.awb) IS 'equal';

CREATE OPERATOR cbl.<> (
  LEFTARG = cbl.awb,
  RIGHTARG = cbl.awb,
  FUNCTION = cbl.awb_ne,
  COMMUTATOR = OPERATOR(cbl.<>),
  NEGATOR = OPERATOR(cbl.=),
  RESTRICT = pg_catalog.neqsel,
  JOIN = pg_catalog.neqjoinsel
);
COMMENT ON OPERATOR cbl.<> (cbl.awb, cbl.awb) IS 'not equal';

CREATE OPERATOR cbl.< (
  LEFTARG = cbl.awb,
  RIGHTARG = cbl.awb,
  FUNCTION = cbl.awb_lt,
  COMMUTATOR = OPERATOR(cbl.>),
  NEGATOR = OPERATOR(cbl.>=),
  RESTRICT = pg_catalog.scalarltsel,
  JOIN = pg_catalog.scalarltjoinsel
);
COMMENT ON OPERATOR cbl.< (cbl.awb, cbl.awb) IS 'less than (in the order of the canonical text)';

CREATE OPERATOR cbl.<= (
  LEFTARG = cbl.awb,
  RIGHTARG = cbl.awb,
  FUNCTION = cbl.awb_le,
  COMMUTATOR = OPERATOR(cbl.>=),
  NEGATOR = OPERATOR(cbl.>),
  RESTRICT = pg_catalog.scalarlesel,
  JOIN = pg_catalog.scalarlejoinsel
);
COMMENT ON OPERATOR cbl.<= (cbl.awb, cbl.awb) IS 'less than or equal (in the order of the canonical text)';

CREATE OPERATOR cbl.> (
  LEFTARG = cbl.awb,
  RIGHTARG = cbl.awb,
  FUNCTION = cbl.awb_gt,
  COMMUTATOR = OPERATOR(cbl.<),
  NEGATOR = OPERATOR(cbl.<=),
  RESTRICT = pg_catalog.scalargtsel,
  JOIN = pg_catalog.scalargtjoinsel
);
COMMENT ON OPERATOR cbl.> (cbl.awb, cbl.awb) IS 'greater than (in the order of the canonical text)';

CREATE OPERATOR cbl.>= (
  LEFTARG = cbl.awb,
  RIGHTARG = cbl.awb,
  FUNCTION = cbl.awb_ge,
  COMMUTATOR = OPERATOR(cbl.<=),
  NEGATOR = OPERATOR(cbl.<),
  RESTRICT = pg_catalog.scalargesel,
  JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR cbl.>= (cbl.awb, cbl.awb) IS 'greater than or equal (in the order of the canonical text)';

CREATE OPERATOR CLASS cbl.awb_ops
  DEFAULT FOR TYPE cbl.awb USING btree AS
    OPERATOR 1 cbl.< ,
    OPERATOR 2 cbl.<= ,
    OPERATOR 3 cbl.= ,
    OPERATOR 4 cbl.>= ,
    OPERATOR 5 cbl.> ,
    FUNCTION 1 cbl.awb_cmp(cbl.awb, cbl.awb),
    FUNCTION 2 cbl.awb_sortsupport(internal),
    FUNCTION 4 pg_catalog.btequalimage(oid);
COMMENT ON OPERATOR CLASS cbl.awb_ops USING btree IS
  'default btree operator class of cbl.awb: order of the canonical text';
COMMENT ON OPERATOR FAMILY cbl.awb_ops USING btree IS
  'btree operators of cbl.awb';

CREATE OPERATOR CLASS cbl.awb_ops
  DEFAULT FOR TYPE cbl.awb USING hash AS
    OPERATOR 1 cbl.= ,
    FUNCTION 1 cbl.awb_hash(cbl.awb),
    FUNCTION 2 cbl.awb_hash_extended(cbl.awb, bigint);
COMMENT ON OPERATOR CLASS cbl.awb_ops USING hash IS
  'default hash operator class of cbl.awb';
COMMENT ON OPERATOR FAMILY cbl.awb_ops USING hash IS
  'hash operators of cbl.awb';

CREATE FUNCTION cbl.is_valid_awb(text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_is_valid_awb'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.is_valid_awb(text) IS
  'true if the text is a valid cbl.awb (same rules as the input function, but returns false instead of raising an error)';

CREATE FUNCTION cbl.airline_prefix(cbl.awb) RETURNS text
  AS 'MODULE_PATHNAME', 'cbl_awb_airline_prefix'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.airline_prefix(cbl.awb) IS
  'the 3-digit IATA airline prefix of an air waybill number: ''176'' for 176-12345675';

-- ---------------------------------------------------------------------------
-- cbl.container_no: ISO 6346 container number

CREATE TYPE cbl.container_no;

CREATE FUNCTION cbl.container_no_in(cstring) RETURNS cbl.container_no
  AS 'MODULE_PATHNAME', 'cbl_container_no_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.container_no_in(cstring) IS
  'input function of cbl.container_no: accepts CSQU3054383 in either case, with one space or hyphen allowed between the owner code, category identifier, serial number and check digit, ignoring surrounding white space';

CREATE FUNCTION cbl.container_no_out(cbl.container_no) RETURNS cstring
  AS 'MODULE_PATHNAME', 'cbl_container_no_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.container_no_out(cbl.container_no) IS
  'output function of cbl.container_no: the canonical text CSQU3054383';

CREATE FUNCTION cbl.container_no_recv(internal) RETURNS cbl.container_no
  AS 'MODULE_PATHNAME', 'cbl_container_no_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.container_no_recv(internal) IS
  'binary input function of cbl.container_no: an int8, rejected unless it is the packed form of a valid identifier';

CREATE FUNCTION cbl.container_no_send(cbl.container_no) RETURNS bytea
  AS 'int8send'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.container_no_send(cbl.container_no) IS
  'binary output function of cbl.container_no: the packed value as an int8';

CREATE TYPE cbl.container_no (
  INPUT = cbl.container_no_in,
  OUTPUT = cbl.container_no_out,
  RECEIVE = cbl.container_no_recv,
  SEND = cbl.container_no_send,
  LIKE = pg_catalog.int8
);
COMMENT ON TYPE cbl.container_no IS
  'ISO 6346 container number: 3-letter owner code, category identifier U, J or Z, 6-digit serial and check digit; shown as CSQU3054383, stored as an int8 in the order of that text';

CREATE FUNCTION cbl.container_no_eq(cbl.container_no, cbl.container_no) RETURNS boolean
  AS 'int8eq'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.container_no_eq(cbl.container_no, cbl.container_no) IS 'implementation of the = operator on cbl.container_no';

CREATE FUNCTION cbl.container_no_ne(cbl.container_no, cbl.container_no) RETURNS boolean
  AS 'int8ne'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.container_no_ne(cbl.container_no, cbl.container_no) IS 'implementation of the <> operator on cbl.container_no';

CREATE FUNCTION cbl.container_no_lt(cbl.container_no, cbl.container_no) RETURNS boolean
  AS 'int8lt'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.container_no_lt(cbl.container_no, cbl.container_no) IS 'implementation of the < operator on cbl.container_no';

CREATE FUNCTION cbl.container_no_le(cbl.container_no, cbl.container_no) RETURNS boolean
  AS 'int8le'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.container_no_le(cbl.container_no, cbl.container_no) IS 'implementation of the <= operator on cbl.container_no';

CREATE FUNCTION cbl.container_no_gt(cbl.container_no, cbl.container_no) RETURNS boolean
  AS 'int8gt'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.container_no_gt(cbl.container_no, cbl.container_no) IS 'implementation of the > operator on cbl.container_no';

CREATE FUNCTION cbl.container_no_ge(cbl.container_no, cbl.container_no) RETURNS boolean
  AS 'int8ge'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.container_no_ge(cbl.container_no, cbl.container_no) IS 'implementation of the >= operator on cbl.container_no';

CREATE FUNCTION cbl.container_no_cmp(cbl.container_no, cbl.container_no) RETURNS integer
  AS 'btint8cmp'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.container_no_cmp(cbl.container_no, cbl.container_no) IS
  'btree comparison function of cbl.container_no: -1, 0 or 1, in the order of the canonical text';

CREATE FUNCTION cbl.container_no_sortsupport(internal) RETURNS void
  AS 'btint8sortsupport'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.container_no_sortsupport(internal) IS
  'btree sort support function of cbl.container_no (int8 sort support)';

CREATE FUNCTION cbl.container_no_hash(cbl.container_no) RETURNS integer
  AS 'hashint8'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.container_no_hash(cbl.container_no) IS
  'hash function of cbl.container_no (the int8 hash of the packed value)';

CREATE FUNCTION cbl.container_no_hash_extended(cbl.container_no, bigint) RETURNS bigint
  AS 'hashint8extended'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.container_no_hash_extended(cbl.container_no, bigint) IS
  'seeded 64-bit hash function of cbl.container_no (the int8 extended hash of the packed value)';

CREATE OPERATOR cbl.= (
  LEFTARG = cbl.container_no,
  RIGHTARG = cbl.container_no,
  FUNCTION = cbl.container_no_eq,
  COMMUTATOR = OPERATOR(cbl.=),
  NEGATOR = OPERATOR(cbl.<>),
  RESTRICT = pg_catalog.eqsel,
  JOIN = pg_catalog.eqjoinsel,
  HASHES, MERGES
);
COMMENT ON OPERATOR cbl.= (cbl.container_no, cbl.container_no) IS 'equal';

CREATE OPERATOR cbl.<> (
  LEFTARG = cbl.container_no,
  RIGHTARG = cbl.container_no,
  FUNCTION = cbl.container_no_ne,
  COMMUTATOR = OPERATOR(cbl.<>),
  NEGATOR = OPERATOR(cbl.=),
  RESTRICT = pg_catalog.neqsel,
  JOIN = pg_catalog.neqjoinsel
);
COMMENT ON OPERATOR cbl.<> (cbl.container_no, cbl.container_no) IS 'not equal';

CREATE OPERATOR cbl.< (
  LEFTARG = cbl.container_no,
  RIGHTARG = cbl.container_no,
  FUNCTION = cbl.container_no_lt,
  COMMUTATOR = OPERATOR(cbl.>),
  NEGATOR = OPERATOR(cbl.>=),
  RESTRICT = pg_catalog.scalarltsel,
  JOIN = pg_catalog.scalarltjoinsel
);
COMMENT ON OPERATOR cbl.< (cbl.container_no, cbl.container_no) IS 'less than (in the order of the canonical text)';

CREATE OPERATOR cbl.<= (
  LEFTARG = cbl.container_no,
  RIGHTARG = cbl.container_no,
  FUNCTION = cbl.container_no_le,
  COMMUTATOR = OPERATOR(cbl.>=),
  NEGATOR = OPERATOR(cbl.>),
  RESTRICT = pg_catalog.scalarlesel,
  JOIN = pg_catalog.scalarlejoinsel
);
COMMENT ON OPERATOR cbl.<= (cbl.container_no, cbl.container_no) IS 'less than or equal (in the order of the canonical text)';

CREATE OPERATOR cbl.> (
  LEFTARG = cbl.container_no,
  RIGHTARG = cbl.container_no,
  FUNCTION = cbl.container_no_gt,
  COMMUTATOR = OPERATOR(cbl.<),
  NEGATOR = OPERATOR(cbl.<=),
  RESTRICT = pg_catalog.scalargtsel,
  JOIN = pg_catalog.scalargtjoinsel
);
COMMENT ON OPERATOR cbl.> (cbl.container_no, cbl.container_no) IS 'greater than (in the order of the canonical text)';

CREATE OPERATOR cbl.>= (
  LEFTARG = cbl.container_no,
  RIGHTARG = cbl.container_no,
  FUNCTION = cbl.container_no_ge,
  COMMUTATOR = OPERATOR(cbl.<=),
  NEGATOR = OPERATOR(cbl.<),
  RESTRICT = pg_catalog.scalargesel,
  JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR cbl.>= (cbl.container_no, cbl.container_no) IS 'greater than or equal (in the order of the canonical text)';

CREATE OPERATOR CLASS cbl.container_no_ops
  DEFAULT FOR TYPE cbl.container_no USING btree AS
    OPERATOR 1 cbl.< ,
    OPERATOR 2 cbl.<= ,
    OPERATOR 3 cbl.= ,
    OPERATOR 4 cbl.>= ,
    OPERATOR 5 cbl.> ,
    FUNCTION 1 cbl.container_no_cmp(cbl.container_no, cbl.container_no),
    FUNCTION 2 cbl.container_no_sortsupport(internal),
    FUNCTION 4 pg_catalog.btequalimage(oid);
COMMENT ON OPERATOR CLASS cbl.container_no_ops USING btree IS
  'default btree operator class of cbl.container_no: order of the canonical text';
COMMENT ON OPERATOR FAMILY cbl.container_no_ops USING btree IS
  'btree operators of cbl.container_no';

CREATE OPERATOR CLASS cbl.container_no_ops
  DEFAULT FOR TYPE cbl.container_no USING hash AS
    OPERATOR 1 cbl.= ,
    FUNCTION 1 cbl.container_no_hash(cbl.container_no),
    FUNCTION 2 cbl.container_no_hash_extended(cbl.container_no, bigint);
COMMENT ON OPERATOR CLASS cbl.container_no_ops USING hash IS
  'default hash operator class of cbl.container_no';
COMMENT ON OPERATOR FAMILY cbl.container_no_ops USING hash IS
  'hash operators of cbl.container_no';

CREATE FUNCTION cbl.is_valid_container_no(text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_is_valid_container_no'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.is_valid_container_no(text) IS
  'true if the text is a valid cbl.container_no (same rules as the input function, but returns false instead of raising an error)';

CREATE FUNCTION cbl.owner_code(cbl.container_no) RETURNS text
  AS 'MODULE_PATHNAME', 'cbl_container_no_owner_code'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.owner_code(cbl.container_no) IS
  'the 4-letter owner prefix registered with the BIC, the owner code and its category identifier: ''CSQU'' for CSQU3054383';

-- ---------------------------------------------------------------------------
-- cbl.s10: UPU S10 item identifier

CREATE TYPE cbl.s10;

CREATE FUNCTION cbl.s10_in(cstring) RETURNS cbl.s10
  AS 'MODULE_PATHNAME', 'cbl_s10_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.s10_in(cstring) IS
  'input function of cbl.s10: accepts RR123456785CN in either case, with single spaces allowed after the service indicator, the third and sixth serial digits, the serial number and the check digit, ignoring surrounding white space';

CREATE FUNCTION cbl.s10_out(cbl.s10) RETURNS cstring
  AS 'MODULE_PATHNAME', 'cbl_s10_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.s10_out(cbl.s10) IS
  'output function of cbl.s10: the canonical text RR123456785CN';

CREATE FUNCTION cbl.s10_recv(internal) RETURNS cbl.s10
  AS 'MODULE_PATHNAME', 'cbl_s10_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.s10_recv(internal) IS
  'binary input function of cbl.s10: an int8, rejected unless it is the packed form of a valid identifier';

CREATE FUNCTION cbl.s10_send(cbl.s10) RETURNS bytea
  AS 'int8send'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.s10_send(cbl.s10) IS
  'binary output function of cbl.s10: the packed value as an int8';

CREATE TYPE cbl.s10 (
  INPUT = cbl.s10_in,
  OUTPUT = cbl.s10_out,
  RECEIVE = cbl.s10_recv,
  SEND = cbl.s10_send,
  LIKE = pg_catalog.int8
);
COMMENT ON TYPE cbl.s10 IS
  'UPU S10 postal item identifier: 2-letter service indicator, 8-digit serial, check digit and ISO 3166-1 alpha-2 country; shown as RR123456785CN, stored as an int8 in the order of that text';

CREATE FUNCTION cbl.s10_eq(cbl.s10, cbl.s10) RETURNS boolean
  AS 'int8eq'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.s10_eq(cbl.s10, cbl.s10) IS 'implementation of the = operator on cbl.s10';

CREATE FUNCTION cbl.s10_ne(cbl.s10, cbl.s10) RETURNS boolean
  AS 'int8ne'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.s10_ne(cbl.s10, cbl.s10) IS 'implementation of the <> operator on cbl.s10';

CREATE FUNCTION cbl.s10_lt(cbl.s10, cbl.s10) RETURNS boolean
  AS 'int8lt'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.s10_lt(cbl.s10, cbl.s10) IS 'implementation of the < operator on cbl.s10';

CREATE FUNCTION cbl.s10_le(cbl.s10, cbl.s10) RETURNS boolean
  AS 'int8le'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.s10_le(cbl.s10, cbl.s10) IS 'implementation of the <= operator on cbl.s10';

CREATE FUNCTION cbl.s10_gt(cbl.s10, cbl.s10) RETURNS boolean
  AS 'int8gt'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.s10_gt(cbl.s10, cbl.s10) IS 'implementation of the > operator on cbl.s10';

CREATE FUNCTION cbl.s10_ge(cbl.s10, cbl.s10) RETURNS boolean
  AS 'int8ge'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.s10_ge(cbl.s10, cbl.s10) IS 'implementation of the >= operator on cbl.s10';

CREATE FUNCTION cbl.s10_cmp(cbl.s10, cbl.s10) RETURNS integer
  AS 'btint8cmp'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.s10_cmp(cbl.s10, cbl.s10) IS
  'btree comparison function of cbl.s10: -1, 0 or 1, in the order of the canonical text';

CREATE FUNCTION cbl.s10_sortsupport(internal) RETURNS void
  AS 'btint8sortsupport'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.s10_sortsupport(internal) IS
  'btree sort support function of cbl.s10 (int8 sort support)';

CREATE FUNCTION cbl.s10_hash(cbl.s10) RETURNS integer
  AS 'hashint8'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.s10_hash(cbl.s10) IS
  'hash function of cbl.s10 (the int8 hash of the packed value)';

CREATE FUNCTION cbl.s10_hash_extended(cbl.s10, bigint) RETURNS bigint
  AS 'hashint8extended'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.s10_hash_extended(cbl.s10, bigint) IS
  'seeded 64-bit hash function of cbl.s10 (the int8 extended hash of the packed value)';

CREATE OPERATOR cbl.= (
  LEFTARG = cbl.s10,
  RIGHTARG = cbl.s10,
  FUNCTION = cbl.s10_eq,
  COMMUTATOR = OPERATOR(cbl.=),
  NEGATOR = OPERATOR(cbl.<>),
  RESTRICT = pg_catalog.eqsel,
  JOIN = pg_catalog.eqjoinsel,
  HASHES, MERGES
);
COMMENT ON OPERATOR cbl.= (cbl.s10, cbl.s10) IS 'equal';

CREATE OPERATOR cbl.<> (
  LEFTARG = cbl.s10,
  RIGHTARG = cbl.s10,
  FUNCTION = cbl.s10_ne,
  COMMUTATOR = OPERATOR(cbl.<>),
  NEGATOR = OPERATOR(cbl.=),
  RESTRICT = pg_catalog.neqsel,
  JOIN = pg_catalog.neqjoinsel
);
COMMENT ON OPERATOR cbl.<> (cbl.s10, cbl.s10) IS 'not equal';

CREATE OPERATOR cbl.< (
  LEFTARG = cbl.s10,
  RIGHTARG = cbl.s10,
  FUNCTION = cbl.s10_lt,
  COMMUTATOR = OPERATOR(cbl.>),
  NEGATOR = OPERATOR(cbl.>=),
  RESTRICT = pg_catalog.scalarltsel,
  JOIN = pg_catalog.scalarltjoinsel
);
COMMENT ON OPERATOR cbl.< (cbl.s10, cbl.s10) IS 'less than (in the order of the canonical text)';

CREATE OPERATOR cbl.<= (
  LEFTARG = cbl.s10,
  RIGHTARG = cbl.s10,
  FUNCTION = cbl.s10_le,
  COMMUTATOR = OPERATOR(cbl.>=),
  NEGATOR = OPERATOR(cbl.>),
  RESTRICT = pg_catalog.scalarlesel,
  JOIN = pg_catalog.scalarlejoinsel
);
COMMENT ON OPERATOR cbl.<= (cbl.s10, cbl.s10) IS 'less than or equal (in the order of the canonical text)';

CREATE OPERATOR cbl.> (
  LEFTARG = cbl.s10,
  RIGHTARG = cbl.s10,
  FUNCTION = cbl.s10_gt,
  COMMUTATOR = OPERATOR(cbl.<),
  NEGATOR = OPERATOR(cbl.<=),
  RESTRICT = pg_catalog.scalargtsel,
  JOIN = pg_catalog.scalargtjoinsel
);
COMMENT ON OPERATOR cbl.> (cbl.s10, cbl.s10) IS 'greater than (in the order of the canonical text)';

CREATE OPERATOR cbl.>= (
  LEFTARG = cbl.s10,
  RIGHTARG = cbl.s10,
  FUNCTION = cbl.s10_ge,
  COMMUTATOR = OPERATOR(cbl.<=),
  NEGATOR = OPERATOR(cbl.<),
  RESTRICT = pg_catalog.scalargesel,
  JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR cbl.>= (cbl.s10, cbl.s10) IS 'greater than or equal (in the order of the canonical text)';

CREATE OPERATOR CLASS cbl.s10_ops
  DEFAULT FOR TYPE cbl.s10 USING btree AS
    OPERATOR 1 cbl.< ,
    OPERATOR 2 cbl.<= ,
    OPERATOR 3 cbl.= ,
    OPERATOR 4 cbl.>= ,
    OPERATOR 5 cbl.> ,
    FUNCTION 1 cbl.s10_cmp(cbl.s10, cbl.s10),
    FUNCTION 2 cbl.s10_sortsupport(internal),
    FUNCTION 4 pg_catalog.btequalimage(oid);
COMMENT ON OPERATOR CLASS cbl.s10_ops USING btree IS
  'default btree operator class of cbl.s10: order of the canonical text';
COMMENT ON OPERATOR FAMILY cbl.s10_ops USING btree IS
  'btree operators of cbl.s10';

CREATE OPERATOR CLASS cbl.s10_ops
  DEFAULT FOR TYPE cbl.s10 USING hash AS
    OPERATOR 1 cbl.= ,
    FUNCTION 1 cbl.s10_hash(cbl.s10),
    FUNCTION 2 cbl.s10_hash_extended(cbl.s10, bigint);
COMMENT ON OPERATOR CLASS cbl.s10_ops USING hash IS
  'default hash operator class of cbl.s10';
COMMENT ON OPERATOR FAMILY cbl.s10_ops USING hash IS
  'hash operators of cbl.s10';

CREATE FUNCTION cbl.is_valid_s10(text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_is_valid_s10'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.is_valid_s10(text) IS
  'true if the text is a valid cbl.s10 (same rules as the input function, but returns false instead of raising an error)';

CREATE FUNCTION cbl.s10_service(cbl.s10) RETURNS text
  AS 'MODULE_PATHNAME', 'cbl_s10_service'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.s10_service(cbl.s10) IS
  'the 2-letter service indicator of an S10 item identifier: ''RR'' for RR123456785CN';

CREATE FUNCTION cbl.s10_country(cbl.s10) RETURNS text
  AS 'MODULE_PATHNAME', 'cbl_s10_country'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.s10_country(cbl.s10) IS
  'the ISO 3166-1 alpha-2 country code of the postal operator that issued an S10 item identifier: ''CN'' for RR123456785CN';
