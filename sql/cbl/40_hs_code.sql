-- cbl.hs_code: a Harmonized System code of 2, 4, 6, 8 or 10 digits.
-- Pass-by-value int8 packed as (digits right-padded to 10) * 16 + length, so
-- that int8 order is the lexical order of the digits with prefixes first
-- (src/hs_code_parse.h).  As in contrib/isn, equality, ordering and hashing
-- are PostgreSQL's own int8 functions; only I/O and the HS-specific helpers
-- are C in cbl.  See docs/hs-code.md.

CREATE TYPE cbl.hs_code;

CREATE FUNCTION cbl.hs_code_in(cstring) RETURNS cbl.hs_code
  AS 'MODULE_PATHNAME', 'cbl_hs_code_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.hs_code_in(cstring) IS
  'input function of cbl.hs_code: 2, 4, 6, 8 or 10 digits, optionally grouped by dots or single spaces';

CREATE FUNCTION cbl.hs_code_out(cbl.hs_code) RETURNS cstring
  AS 'MODULE_PATHNAME', 'cbl_hs_code_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.hs_code_out(cbl.hs_code) IS
  'output function of cbl.hs_code: canonical form, e.g. 8517.13.00';

CREATE FUNCTION cbl.hs_code_recv(internal) RETURNS cbl.hs_code
  AS 'MODULE_PATHNAME', 'cbl_hs_code_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.hs_code_recv(internal) IS
  'binary input function of cbl.hs_code: the packed int8, validated like text input';

CREATE FUNCTION cbl.hs_code_send(cbl.hs_code) RETURNS bytea
  AS 'int8send'
  LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.hs_code_send(cbl.hs_code) IS
  'binary output function of cbl.hs_code: the packed int8';

CREATE TYPE cbl.hs_code (
  INPUT   = cbl.hs_code_in,
  OUTPUT  = cbl.hs_code_out,
  RECEIVE = cbl.hs_code_recv,
  SEND    = cbl.hs_code_send,
  LIKE    = pg_catalog.int8
);
COMMENT ON TYPE cbl.hs_code IS
  'Harmonized System code: chapter (2 digits), heading (4), subheading (6) or national tariff line (8 or 10), e.g. 8517.13.00';

-- Comparison: the int8 functions, valid because the packing preserves order.

CREATE FUNCTION cbl.hs_code_eq(cbl.hs_code, cbl.hs_code) RETURNS boolean
  AS 'int8eq' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_eq(cbl.hs_code, cbl.hs_code) IS
  'implementation of = for cbl.hs_code';

CREATE FUNCTION cbl.hs_code_ne(cbl.hs_code, cbl.hs_code) RETURNS boolean
  AS 'int8ne' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_ne(cbl.hs_code, cbl.hs_code) IS
  'implementation of <> for cbl.hs_code';

CREATE FUNCTION cbl.hs_code_lt(cbl.hs_code, cbl.hs_code) RETURNS boolean
  AS 'int8lt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_lt(cbl.hs_code, cbl.hs_code) IS
  'implementation of < for cbl.hs_code';

CREATE FUNCTION cbl.hs_code_le(cbl.hs_code, cbl.hs_code) RETURNS boolean
  AS 'int8le' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_le(cbl.hs_code, cbl.hs_code) IS
  'implementation of <= for cbl.hs_code';

CREATE FUNCTION cbl.hs_code_gt(cbl.hs_code, cbl.hs_code) RETURNS boolean
  AS 'int8gt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_gt(cbl.hs_code, cbl.hs_code) IS
  'implementation of > for cbl.hs_code';

CREATE FUNCTION cbl.hs_code_ge(cbl.hs_code, cbl.hs_code) RETURNS boolean
  AS 'int8ge' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_ge(cbl.hs_code, cbl.hs_code) IS
  'implementation of >= for cbl.hs_code';

CREATE FUNCTION cbl.hs_code_cmp(cbl.hs_code, cbl.hs_code) RETURNS integer
  AS 'btint8cmp' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_cmp(cbl.hs_code, cbl.hs_code) IS
  'btree comparison function of cbl.hs_code: lexical order of the digits, a prefix first';

CREATE FUNCTION cbl.hs_code_hash(cbl.hs_code) RETURNS integer
  AS 'hashint8' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_hash(cbl.hs_code) IS
  'hash function of cbl.hs_code';

CREATE FUNCTION cbl.hs_code_hash_extended(cbl.hs_code, bigint) RETURNS bigint
  AS 'hashint8extended' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_hash_extended(cbl.hs_code, bigint) IS
  'seeded 64-bit hash function of cbl.hs_code (hash partitioning)';

CREATE OPERATOR cbl.= (
  LEFTARG = cbl.hs_code, RIGHTARG = cbl.hs_code, FUNCTION = cbl.hs_code_eq,
  COMMUTATOR = OPERATOR(cbl.=), NEGATOR = OPERATOR(cbl.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
COMMENT ON OPERATOR cbl.= (cbl.hs_code, cbl.hs_code) IS 'equal';

CREATE OPERATOR cbl.<> (
  LEFTARG = cbl.hs_code, RIGHTARG = cbl.hs_code, FUNCTION = cbl.hs_code_ne,
  COMMUTATOR = OPERATOR(cbl.<>), NEGATOR = OPERATOR(cbl.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR cbl.<> (cbl.hs_code, cbl.hs_code) IS 'not equal';

CREATE OPERATOR cbl.< (
  LEFTARG = cbl.hs_code, RIGHTARG = cbl.hs_code, FUNCTION = cbl.hs_code_lt,
  COMMUTATOR = OPERATOR(cbl.>), NEGATOR = OPERATOR(cbl.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR cbl.< (cbl.hs_code, cbl.hs_code) IS
  'less than (lexical order of the digits, a prefix first)';

CREATE OPERATOR cbl.<= (
  LEFTARG = cbl.hs_code, RIGHTARG = cbl.hs_code, FUNCTION = cbl.hs_code_le,
  COMMUTATOR = OPERATOR(cbl.>=), NEGATOR = OPERATOR(cbl.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR cbl.<= (cbl.hs_code, cbl.hs_code) IS
  'less than or equal (lexical order of the digits, a prefix first)';

CREATE OPERATOR cbl.> (
  LEFTARG = cbl.hs_code, RIGHTARG = cbl.hs_code, FUNCTION = cbl.hs_code_gt,
  COMMUTATOR = OPERATOR(cbl.<), NEGATOR = OPERATOR(cbl.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR cbl.> (cbl.hs_code, cbl.hs_code) IS
  'greater than (lexical order of the digits, a prefix first)';

CREATE OPERATOR cbl.>= (
  LEFTARG = cbl.hs_code, RIGHTARG = cbl.hs_code, FUNCTION = cbl.hs_code_ge,
  COMMUTATOR = OPERATOR(cbl.<=), NEGATOR = OPERATOR(cbl.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR cbl.>= (cbl.hs_code, cbl.hs_code) IS
  'greater than or equal (lexical order of the digits, a prefix first)';

-- btint8sortsupport and btequalimage work unchanged on the packed int8: fast
-- sorts, and btree deduplication (equal values are bitwise equal).
CREATE OPERATOR CLASS cbl.hs_code_ops
  DEFAULT FOR TYPE cbl.hs_code USING btree AS
    OPERATOR 1 cbl.<,
    OPERATOR 2 cbl.<=,
    OPERATOR 3 cbl.=,
    OPERATOR 4 cbl.>=,
    OPERATOR 5 cbl.>,
    FUNCTION 1 cbl.hs_code_cmp(cbl.hs_code, cbl.hs_code),
    FUNCTION 2 pg_catalog.btint8sortsupport(internal),
    FUNCTION 4 pg_catalog.btequalimage(oid);
COMMENT ON OPERATOR CLASS cbl.hs_code_ops USING btree IS
  'default btree operator class of cbl.hs_code';

CREATE OPERATOR CLASS cbl.hs_code_hash_ops
  DEFAULT FOR TYPE cbl.hs_code USING hash AS
    OPERATOR 1 cbl.=,
    FUNCTION 1 cbl.hs_code_hash(cbl.hs_code),
    FUNCTION 2 cbl.hs_code_hash_extended(cbl.hs_code, bigint);
COMMENT ON OPERATOR CLASS cbl.hs_code_hash_ops USING hash IS
  'default hash operator class of cbl.hs_code';

-- Containment: a code contains itself and every longer code under it.

CREATE FUNCTION cbl.hs_code_contains(cbl.hs_code, cbl.hs_code) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_hs_code_contains'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_contains(cbl.hs_code, cbl.hs_code) IS
  'implementation of @> for cbl.hs_code: is the second code the first or a code under it?';

CREATE FUNCTION cbl.hs_code_contained_by(cbl.hs_code, cbl.hs_code) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_hs_code_contained_by'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.hs_code_contained_by(cbl.hs_code, cbl.hs_code) IS
  'implementation of <@ for cbl.hs_code: is the first code the second or a code under it?';

CREATE OPERATOR cbl.@> (
  LEFTARG = cbl.hs_code, RIGHTARG = cbl.hs_code, FUNCTION = cbl.hs_code_contains,
  COMMUTATOR = OPERATOR(cbl.<@),
  RESTRICT = contsel, JOIN = contjoinsel
);
COMMENT ON OPERATOR cbl.@> (cbl.hs_code, cbl.hs_code) IS
  'contains: the right code is the left one or starts with its digits, e.g. 85 @> 8517.13.00';

CREATE OPERATOR cbl.<@ (
  LEFTARG = cbl.hs_code, RIGHTARG = cbl.hs_code, FUNCTION = cbl.hs_code_contained_by,
  COMMUTATOR = OPERATOR(cbl.@>),
  RESTRICT = contsel, JOIN = contjoinsel
);
COMMENT ON OPERATOR cbl.<@ (cbl.hs_code, cbl.hs_code) IS
  'is contained by: the left code is the right one or starts with its digits, e.g. 8517.13.00 <@ 85';

-- Hierarchy helpers.

CREATE FUNCTION cbl.hs_chapter(cbl.hs_code) RETURNS cbl.hs_code
  AS 'MODULE_PATHNAME', 'cbl_hs_code_chapter'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.hs_chapter(cbl.hs_code) IS
  'the chapter (first 2 digits) of an HS code, e.g. 85 for 8517.13.00';

CREATE FUNCTION cbl.hs_heading(cbl.hs_code) RETURNS cbl.hs_code
  AS 'MODULE_PATHNAME', 'cbl_hs_code_heading'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.hs_heading(cbl.hs_code) IS
  'the heading (first 4 digits) of an HS code, e.g. 8517 for 8517.13.00; NULL for a chapter';

CREATE FUNCTION cbl.hs_subheading(cbl.hs_code) RETURNS cbl.hs_code
  AS 'MODULE_PATHNAME', 'cbl_hs_code_subheading'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.hs_subheading(cbl.hs_code) IS
  'the subheading (first 6 digits) of an HS code, e.g. 8517.13 for 8517.13.00; NULL for a chapter or heading';

CREATE FUNCTION cbl.hs_length(cbl.hs_code) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_hs_code_length'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.hs_length(cbl.hs_code) IS
  'number of digits of an HS code: 2, 4, 6, 8 or 10';

CREATE FUNCTION cbl.hs_digits(cbl.hs_code) RETURNS text
  AS 'MODULE_PATHNAME', 'cbl_hs_code_digits'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.hs_digits(cbl.hs_code) IS
  'the plain digits of an HS code, e.g. 851713 for 8517.13';

CREATE FUNCTION cbl.hs_prefixes(cbl.hs_code) RETURNS cbl.hs_code[]
  AS 'MODULE_PATHNAME', 'cbl_hs_code_prefixes'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.hs_prefixes(cbl.hs_code) IS
  'the code and its prefixes at 2, 4, 6, 8 digits, shortest first, for longest-prefix look-ups: WHERE code = ANY (cbl.hs_prefixes($1))';

CREATE FUNCTION cbl.is_valid_hs_code(text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_is_valid_hs_code'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.is_valid_hs_code(text) IS
  'would the text be accepted as a cbl.hs_code? never raises';
