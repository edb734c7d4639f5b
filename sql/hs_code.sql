-- cbl.hs_code: Harmonized System codes (docs/hs-code.md).

-- The operators live in schema cbl: without it on the search_path, write
-- OPERATOR(cbl.@>) (or add cbl to the path, as the rest of this test does).
SELECT '85'::cbl.hs_code OPERATOR(cbl.@>) '8517.13.00' AS qualified;
SELECT '85'::cbl.hs_code = '85';

SET search_path = public, cbl;

--
-- Input and canonical output.
--
SELECT '8517.13'::hs_code, '851713'::hs_code, '8517.13.00.00'::hs_code,
       '6109.10.0012'::hs_code, '6109 10 00'::hs_code;

SELECT input, input::hs_code AS code
  FROM (VALUES ('85'), ('8517'), ('85.17'), ('8517.13'), ('8517.13.00'),
               ('8517.13.00.12'), ('8517130012'), ('85.17.13.00.12'),
               ('8517 13 00 12'), ('85171300.12'), ('0101.21'), ('01'),
               ('9706'), ('97'), ('98'), ('9801.00.10'), ('99'),
               ('9903.88.03')) AS t(input);

-- Surrounding whitespace (spaces, tabs, newlines) is trimmed.
SELECT E' \t8517.13\n '::hs_code AS trimmed, '  85  '::hs_code AS chapter;

-- Text casts go through the I/O functions.
SELECT '851713'::text::hs_code AS from_text, '8517.13'::hs_code::text AS to_text;

-- Equal however written.
SELECT '8517.13'::hs_code = '851713' AS eq1,
       '6109.10.0012'::hs_code = '6109 10 00 12' AS eq2,
       '8517.13'::hs_code = '8517.13.00' AS eq3;

--
-- Invalid input: 22P02 with a DETAIL saying what is wrong.
--
SELECT '85171'::hs_code;
\echo :LAST_ERROR_SQLSTATE
SELECT '8517.1'::hs_code;
SELECT '851713000012'::hs_code;
SELECT '8'::hs_code;
SELECT '123456789012345678901234567890123456789012345'::hs_code;
SELECT '77'::hs_code;
\echo :LAST_ERROR_SQLSTATE
SELECT '7701.10'::hs_code;
SELECT '00'::hs_code;
SELECT '0012.34'::hs_code;
SELECT '85x17'::hs_code;
SELECT 'HS 8517'::hs_code;
SELECT '-8517'::hs_code;
SELECT '8517,13'::hs_code;
SELECT E'8517\t13'::hs_code;
SELECT '８５１７'::hs_code;
SELECT E'8517\u00a013'::hs_code;
SELECT ''::hs_code;
SELECT '   '::hs_code;
SELECT '.8517'::hs_code;
SELECT '8517.'::hs_code;
SELECT '8517..13'::hs_code;
SELECT '8517  13'::hs_code;
SELECT '8517. 13'::hs_code;
SELECT '851.713'::hs_code;
SELECT '8517.13 00'::hs_code;
SELECT '8517130000.00'::hs_code;

-- Chapters 98 and 99 (national use) are accepted; a CHECK can exclude them.
CREATE TABLE hs_international (code hs_code CHECK (hs_chapter(code) < '98'));
INSERT INTO hs_international VALUES ('8517.13'), ('9706');
INSERT INTO hs_international VALUES ('9903.88.03');
SELECT code FROM hs_international ORDER BY code;

--
-- cbl.is_valid_hs_code: the same verdict, never an error.
--
SELECT input, is_valid_hs_code(input)
  FROM (VALUES ('8517.13'), ('6109 10 00'), (' 85 '), ('98'), ('99'),
               ('85171'), ('77'), ('00'), ('7701'), ('85x17'), (''),
               ('8517..13'), ('851.713'), ('8517.13 00'), ('８５'),
               (NULL)) AS t(input);

--
-- Hierarchy helpers.
--
SELECT code, hs_length(code), hs_digits(code), hs_chapter(code),
       hs_heading(code), hs_subheading(code), hs_prefixes(code)
  FROM (VALUES ('85'::hs_code), ('8517'), ('8517.13'), ('8517.13.00'),
               ('8517.13.00.12')) AS t(code);

-- The results are codes again, so they compose.
SELECT hs_chapter(hs_heading('6109.10.0012')) AS chapter_of_heading,
       hs_heading('85') IS NULL AS heading_of_chapter_is_null,
       hs_subheading('8517') IS NULL AS subheading_of_heading_is_null,
       pg_typeof(hs_prefixes('8517.13')) AS prefixes_type,
       hs_digits('0101.21.00') AS leading_zero_kept;

--
-- Containment: a code contains itself and every longer code under it.
--
SELECT '85'::hs_code @> '8517.13.00' AS chapter_contains_line,
       '8517.13.00'::hs_code <@ '85' AS line_in_chapter;

SELECT a, b, a @> b AS contains, a <@ b AS contained_by
  FROM (VALUES ('85'::hs_code, '85'::hs_code),
               ('85', '8517'),
               ('85', '8517.13.00.12'),
               ('8517', '8517.13'),
               ('8517.13', '8517'),
               ('8517', '8518.10'),
               ('85', '84'),
               ('8500', '85'),
               ('85', '8500'),
               ('8517.13.00', '8517.13.00.12'),
               ('8517.13.00', '8517.13.01.12')) AS t(a, b);

--
-- Ordering: lexical order of the digits, a prefix just before what it
-- contains, whatever the lengths.
--
CREATE TABLE hs_sample (code hs_code);
INSERT INTO hs_sample VALUES
  ('8517.13.00.12'), ('85'), ('8518'), ('8517'), ('8501.10'), ('8500'),
  ('8517.13'), ('0101.21'), ('9999.99.99.99'), ('8517.13.00'), ('84'),
  ('8517.62'), ('01'), ('8501'), ('99'), ('8517.13.00.00'), ('8517.13.00');
SELECT code, hs_length(code) FROM hs_sample ORDER BY code;
SELECT code FROM hs_sample ORDER BY code DESC LIMIT 3;
SELECT code
  FROM unnest('{8518,85,8517.13.00.12,0101.21,8517,99,8501.10,8500}'::hs_code[]) AS code
 ORDER BY code;

-- The same order as the plain digit strings sorted bytewise.
SELECT array_agg(code ORDER BY code) = array_agg(code ORDER BY hs_digits(code) COLLATE "C")
       AS same_order
  FROM hs_sample;

-- Every comparison operator.
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le,
       a > b AS gt, a >= b AS ge
  FROM (VALUES ('85'::hs_code, '85'::hs_code),
               ('85', '8500'),
               ('8500', '8501'),
               ('8517.13', '8517'),
               ('8518', '8517.99.99.99')) AS t(a, b);
SELECT count(*) AS codes, count(DISTINCT code) AS distinct_codes FROM hs_sample;

--
-- Longest-prefix look-up against a tariff table.
--
CREATE TABLE tariff (
  code      hs_code PRIMARY KEY,
  duty_rate numeric NOT NULL,
  label     text NOT NULL
);
INSERT INTO tariff VALUES
  ('85',            3.0,  'Chapter 85 default'),
  ('8517',          2.0,  'Telephone sets'),
  ('8517.13',       0.0,  'Smartphones'),
  ('6109',         12.0,  'T-shirts, knitted'),
  ('6109.10',      16.5,  'T-shirts of cotton'),
  ('6109.10.00.12', 16.5, 'Men''s or boys'' cotton T-shirts');
ANALYZE tariff;

SELECT code, duty_rate, label
  FROM tariff
 WHERE code = ANY (cbl.hs_prefixes('8517.13.00.00'))
 ORDER BY cbl.hs_length(code) DESC
 LIMIT 1;

PREPARE tariff_for(cbl.hs_code) AS
  SELECT code, duty_rate, label
    FROM tariff
   WHERE code = ANY (cbl.hs_prefixes($1))
   ORDER BY cbl.hs_length(code) DESC
   LIMIT 1;
EXECUTE tariff_for('8517.62.00');
EXECUTE tariff_for('8504.40');
EXECUTE tariff_for('6109.10.0012');
EXECUTE tariff_for('0101.21');

-- Many shipments at once.
SELECT s.code AS shipment_code, t.code AS tariff_code, t.duty_rate
  FROM (VALUES ('8517.13.00.00'::cbl.hs_code), ('8517.62.00'), ('8504.40'),
               ('6109.10.0012'), ('6109.90'), ('0101.21')) AS s(code)
  LEFT JOIN LATERAL (
        SELECT code, duty_rate
          FROM tariff
         WHERE code = ANY (cbl.hs_prefixes(s.code))
         ORDER BY cbl.hs_length(code) DESC
         LIMIT 1) AS t ON true
 ORDER BY s.code;

-- Everything under heading 8517 is one btree range.
SELECT code FROM tariff WHERE code BETWEEN '8517' AND '8517.99.99.99' ORDER BY code;
SELECT code FROM tariff WHERE '8517' @> code ORDER BY code;

-- The look-ups use the primary-key btree index.
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF)
SELECT * FROM tariff WHERE code = '8517.13';
EXPLAIN (COSTS OFF)
SELECT code, duty_rate, label
  FROM tariff
 WHERE code = ANY (cbl.hs_prefixes('8517.13.00.00'))
 ORDER BY cbl.hs_length(code) DESC
 LIMIT 1;
EXPLAIN (COSTS OFF) EXECUTE tariff_for('8517.62.00');
EXPLAIN (COSTS OFF)
SELECT code FROM tariff WHERE code BETWEEN '8517' AND '8517.99.99.99';
SELECT code FROM tariff WHERE code = '8517.13';
RESET enable_seqscan;
RESET enable_bitmapscan;

--
-- Hash index, hash join, hash aggregate, merge join.
--
CREATE TABLE shipment (id integer, code hs_code);
INSERT INTO shipment VALUES
  (1, '8517.13'), (2, '851713'), (3, '6109 10 00 12'), (4, '85'),
  (5, '8517.13.00'), (6, '0101.21'), (7, '8517.13');
CREATE INDEX shipment_code_hash ON shipment USING hash (code);
ANALYZE shipment;

SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM shipment WHERE code = '8517.13';
SELECT id FROM shipment WHERE code = '8517.13' ORDER BY id;
RESET enable_seqscan;
RESET enable_bitmapscan;

SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT s.id, t.label FROM shipment s JOIN tariff t ON t.code = s.code;
SELECT s.id, t.label FROM shipment s JOIN tariff t ON t.code = s.code ORDER BY s.id;
RESET enable_mergejoin;
RESET enable_nestloop;

SET enable_hashjoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT s.id, t.label FROM shipment s JOIN tariff t ON t.code = s.code;
SELECT s.id, t.label FROM shipment s JOIN tariff t ON t.code = s.code ORDER BY s.id;
RESET enable_hashjoin;
RESET enable_nestloop;

SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT code, count(*) FROM shipment GROUP BY code;
RESET enable_sort;
SELECT code, count(*) FROM shipment GROUP BY code ORDER BY code;
SELECT hs_chapter(code) AS chapter, count(*) FROM shipment GROUP BY 1 ORDER BY 1;

-- Hash partitioning uses the extended hash function (FUNCTION 2).
CREATE TABLE shipment_part (code hs_code) PARTITION BY HASH (code);
CREATE TABLE shipment_part_0 PARTITION OF shipment_part FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE shipment_part_1 PARTITION OF shipment_part FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO shipment_part SELECT code FROM hs_sample;
SELECT count(*) AS total,
       count(*) FILTER (WHERE tableoid = 'shipment_part_0'::regclass)
         + count(*) FILTER (WHERE tableoid = 'shipment_part_1'::regclass) AS routed
  FROM shipment_part;
EXPLAIN (COSTS OFF) SELECT count(*) FROM shipment_part WHERE code = '8517.13.00';
SELECT count(*) AS found FROM shipment_part WHERE code = '8517.13.00';

--
-- Binary I/O: the packed int8 round-trips, and recv validates like input.
--
SELECT '/tmp/cbl_hs_code_' || pg_backend_pid() || '.bin' AS binfile \gset
COPY hs_sample TO :'binfile' WITH (FORMAT binary);
CREATE TABLE hs_sample_copy (code hs_code);
COPY hs_sample_copy FROM :'binfile' WITH (FORMAT binary);
SELECT (SELECT array_agg(code ORDER BY code) FROM hs_sample)
     = (SELECT array_agg(code ORDER BY code) FROM hs_sample_copy) AS round_trip;

-- The wire value is the packed int8: (digits padded to 10) * 16 + length.
COPY (SELECT code FROM hs_sample WHERE code IN ('85', '8500', '8517.13', '8517.13.00.12'))
  TO :'binfile' WITH (FORMAT binary);
CREATE TABLE packed (v bigint);
COPY packed FROM :'binfile' WITH (FORMAT binary);
SELECT v, v / 16 AS padded_digits, v % 16 AS length FROM packed ORDER BY v;

-- A valid packed int8 loads as that code.
COPY (SELECT 8517130000::bigint * 16 + 6) TO :'binfile' WITH (FORMAT binary);
COPY hs_sample_copy FROM :'binfile' WITH (FORMAT binary);
SELECT code FROM hs_sample_copy WHERE hs_length(code) = 6 ORDER BY code;

-- Corrupted packed values are rejected: a length nibble that is not
-- 2/4/6/8/10, digits beyond the length, chapters 00 and 77, more than 10
-- digits, a negative value.
COPY (SELECT 8517130000::bigint * 16 + 5) TO :'binfile' WITH (FORMAT binary);
COPY hs_sample_copy FROM :'binfile' WITH (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT 8517130000::bigint * 16 + 0) TO :'binfile' WITH (FORMAT binary);
COPY hs_sample_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 8517130000::bigint * 16 + 4) TO :'binfile' WITH (FORMAT binary);
COPY hs_sample_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 7701000000::bigint * 16 + 4) TO :'binfile' WITH (FORMAT binary);
COPY hs_sample_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 12000000::bigint * 16 + 6) TO :'binfile' WITH (FORMAT binary);
COPY hs_sample_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 85171300000::bigint * 16 + 10) TO :'binfile' WITH (FORMAT binary);
COPY hs_sample_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT -1::bigint) TO :'binfile' WITH (FORMAT binary);
COPY hs_sample_copy FROM :'binfile' WITH (FORMAT binary);
SELECT count(*) AS rows_after_rejects FROM hs_sample_copy;
-- Remove the scratch file (zero rows: the program only runs rm).
\set rm_binfile 'rm -f ' :binfile
COPY (SELECT WHERE false) TO PROGRAM :'rm_binfile';

--
-- Catalog: every function IMMUTABLE, STRICT, PARALLEL SAFE; every object
-- commented; btree and hash are the default operator classes.
--
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict,
       p.proparallel, p.proleakproof,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
  FROM pg_proc p
 WHERE p.pronamespace = 'cbl'::regnamespace
   AND (p.proname LIKE 'hs\_%' OR p.proname = 'is_valid_hs_code')
 ORDER BY p.proname COLLATE "C", p.oid::regprocedure::text COLLATE "C";

SELECT o.oid::regoperator AS operator, o.oprcanhash, o.oprcanmerge,
       o.oprcom::regoperator AS commutator, o.oprnegate::regoperator AS negator,
       obj_description(o.oid, 'pg_operator') IS NOT NULL AS commented
  FROM pg_operator o
 WHERE o.oprleft = 'cbl.hs_code'::regtype
 ORDER BY o.oprname COLLATE "C";

SELECT am.amname, c.opcname, c.opcdefault,
       obj_description(c.oid, 'pg_opclass') IS NOT NULL AS commented
  FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod
 WHERE c.opcintype = 'cbl.hs_code'::regtype
 ORDER BY am.amname COLLATE "C";

SELECT t.typname, t.typlen, t.typbyval, t.typalign,
       obj_description(t.oid, 'pg_type') IS NOT NULL AS commented
  FROM pg_type t
 WHERE t.oid = 'cbl.hs_code'::regtype;

DROP TABLE hs_sample, hs_sample_copy, packed, tariff, shipment, shipment_part,
  hs_international;
DEALLOCATE tariff_for;
RESET search_path;
