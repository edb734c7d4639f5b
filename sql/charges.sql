-- Charges: fee codes and groups, the billing columns of parties, commission
-- rules, cbl.add_charge and cbl.void_charge, and the rule that a settled
-- (or voided) charge never changes.  Errors are shown with their SQLSTATE
-- through pg_temp.try().
SET search_path = "$user", public, cbl;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.try(statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  -- charge numbers depend on what ran before
  RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '(charge|no charge) -?\d+', '\1 N');
END $$;

-- Shipped fee groups and codes; every code is in a group.
SELECT fee_group, string_agg(code, ' ' ORDER BY code) AS codes
  FROM cbl.fee WHERE builtin GROUP BY fee_group ORDER BY fee_group;
SELECT count(*) AS groups_without_codes
  FROM cbl.fee_group g WHERE NOT EXISTS (SELECT 1 FROM cbl.fee f WHERE f.fee_group = g.code);
-- Shipped rows are read-only; users add their own, which pg_dump keeps.
SELECT pg_temp.try($$UPDATE cbl.fee SET description = 'x' WHERE code = 'FRT'$$) AS update_shipped;
SELECT pg_temp.try($$DELETE FROM cbl.fee_group WHERE code = 'fuel'$$) AS delete_shipped;
SET client_min_messages = warning;   -- (the notices would list the tables that refer to cbl.fee)
SELECT pg_temp.try($$TRUNCATE cbl.fee CASCADE$$) AS truncate_fees;
RESET client_min_messages;
SELECT pg_temp.try($$INSERT INTO cbl.fee (code, fee_group, description, builtin) VALUES ('XX', 'other', 'x', true)$$) AS insert_builtin;
SELECT pg_temp.try($$INSERT INTO cbl.fee (code, fee_group, description) VALUES ('frt', 'freight', 'lower case')$$) AS lower_case_code;
SELECT pg_temp.try($$INSERT INTO cbl.fee (code, fee_group, description) VALUES ('PAL', 'pallets', 'no such group')$$) AS unknown_group;
INSERT INTO cbl.fee_group (code, description) VALUES ('packing', 'packing and crating');
INSERT INTO cbl.fee (code, fee_group, description) VALUES ('PAL', 'packing', 'pallets');
SELECT c.relname AS dumped, x.cond
  FROM pg_extension e
 CROSS JOIN LATERAL unnest(e.extconfig, e.extcondition) AS x(oid, cond)
  JOIN pg_class c ON c.oid = x.oid
 WHERE e.extname = 'cbl' AND c.relname IN ('fee', 'fee_group', 'charge', 'charge_default', 'charge_charge_no_seq', 'commission_rule')
 ORDER BY 1;

-- Parties: billing currency, sell card, tier.
INSERT INTO cbl.party (kind, code, name, billing_currency, sell_card, tier) VALUES
  ('customer', 'CHG-ACME', 'Acme Retail', 'EUR', 'EXP-DE', 'gold'),
  ('carrier', 'CHG-FAST', 'Fast Freight', NULL, NULL, NULL),
  ('agent', 'CHG-FAST', 'Fast Freight as agent', NULL, NULL, NULL),
  ('broker', 'CHG-BROKER', 'Border Brokers', NULL, NULL, NULL);
SELECT pg_temp.try($$INSERT INTO cbl.party (kind, code, name, billing_currency) VALUES ('customer', 'CHG-X', 'x', 'EURO')$$) AS bad_currency;
SELECT pg_temp.try($$INSERT INTO cbl.party (kind, code, name, sell_card) VALUES ('customer', 'CHG-X', 'x', 'no spaces')$$) AS bad_card;
SELECT pg_temp.try($$INSERT INTO cbl.party (kind, code, name, tier) VALUES ('customer', 'CHG-X', 'x', '')$$) AS empty_tier;

-- Commission rules belong to agents.
INSERT INTO cbl.commission_rule (agent_id, basis, percent, fee_group, valid, note)
VALUES (cbl.party_id('agent', 'CHG-FAST'), 'margin', 12.5, NULL, '[2026-01-01,)', 'contract 2026'),
       (cbl.party_id('agent', 'CHG-FAST'), 'revenue', 1, 'freight', '[2026-01-01,2027-01-01)', NULL);
SELECT basis, percent, fee_group, valid FROM cbl.commission_rule
 WHERE agent_id = cbl.party_id('agent', 'CHG-FAST') ORDER BY rule_no;
SELECT pg_temp.try(format($$INSERT INTO cbl.commission_rule (agent_id, basis, percent, valid) VALUES (%s, 'margin', 5, '[2026-01-01,)')$$,
                          cbl.party_id('customer', 'CHG-ACME'))) AS customer_as_agent;
SELECT pg_temp.try(format($$INSERT INTO cbl.commission_rule (agent_id, basis, percent, valid) VALUES (%s, 'margin', 101, '[2026-01-01,)')$$,
                          cbl.party_id('agent', 'CHG-FAST'))) AS over_100_percent;
SELECT pg_temp.try(format($$INSERT INTO cbl.commission_rule (agent_id, basis, percent, valid) VALUES (%s, 'profit', 5, '[2026-01-01,)')$$,
                          cbl.party_id('agent', 'CHG-FAST'))) AS bad_basis;
SELECT pg_temp.try(format($$INSERT INTO cbl.commission_rule (agent_id, basis, percent, valid) VALUES (%s, 'margin', 5, 'empty')$$,
                          cbl.party_id('agent', 'CHG-FAST'))) AS empty_range;

SELECT cbl.create_shipment('CHG-1', 'express_parcel', 'CHG-ACME', 'CHG-FAST', refs => '{"awb": "176-12345675"}') AS s1 \gset
SELECT cbl.create_shipment('CHG-2', 'export_only', 'CHG-ACME') AS s2 \gset

-- A receivable defaults to the customer, a payable to the carrier; the
-- shipment may be named by any reference; the reference is trimmed.
SELECT charge_no AS c1 FROM cbl.add_charge('CHG-1', NULL, 'receivable', 'FRT', '120.00 EUR', '2026-03-02 10:00+00') \gset
SELECT charge_no AS c2 FROM cbl.add_charge('17612345675', NULL, 'payable', 'FRT', '80.00 EUR', '2026-03-02 10:00+00',
                                           reference => '  CSQU3054383 ', note => 'by AWB') \gset
SELECT charge_no AS c3 FROM cbl.add_charge('CHG-1', 'CHG-BROKER', 'payable', 'CUS', '35.00 EUR', '2026-03-03 09:00+00') \gset
SELECT c.charge_no = :c1 AS first, p.code AS party, c.direction, c.fee_code, c.amount, c.accrued_at, c.origin,
       c.reference, c.note, cbl.charge_status(c) AS status, c.trigger_key IS NULL AS manual
  FROM cbl.charge c JOIN cbl.party p ON p.id = c.party_id
 WHERE c.shipment_id = :s1 ORDER BY c.charge_no;

-- What cannot be charged.
SELECT pg_temp.try($$SELECT cbl.add_charge('NO-SUCH', NULL, 'receivable', 'FRT', '1 EUR')$$) AS unknown_shipment;
SELECT pg_temp.try($$SELECT cbl.add_charge('CHG-1', NULL, 'receivable', 'NOPE', '1 EUR')$$) AS unknown_fee;
SELECT pg_temp.try($$SELECT cbl.add_charge('CHG-1', 'NOBODY', 'payable', 'FRT', '1 EUR')$$) AS unknown_party;
SELECT pg_temp.try($$SELECT cbl.add_charge('CHG-1', 'CHG-FAST', 'payable', 'FRT', '1 EUR')$$) AS ambiguous_party;
SELECT p.kind FROM cbl.add_charge('CHG-1', 'CHG-FAST', 'payable', 'COM', '3.00 EUR', '2026-03-05 00:00+00',
                                  party_kind => 'agent', origin => 'commission') c
  JOIN cbl.party p ON p.id = c.party_id;
SELECT pg_temp.try($$SELECT cbl.add_charge('CHG-2', NULL, 'payable', 'FRT', '1 EUR')$$) AS no_carrier;
SELECT pg_temp.try($$SELECT cbl.add_charge('CHG-1', NULL, 'owed', 'FRT', '1 EUR')$$) AS bad_direction;
SELECT pg_temp.try($$SELECT cbl.add_charge('CHG-1', NULL, 'receivable', 'FRT', '1 EUR', origin => 'rated')$$) AS rated_by_hand;
SELECT pg_temp.try($$SELECT cbl.add_charge('CHG-1', NULL, 'receivable', 'FRT', '1 EUR', origin => 'adjustment')$$) AS adjustment_of_nothing;
SELECT pg_temp.try($$SELECT cbl.add_charge('CHG-1', NULL, 'receivable', 'FRT', '1 EUR', origin => 'adjustment', adjusts_charge_no => -1)$$) AS adjustment_of_no_charge;
SELECT pg_temp.try($$SELECT cbl.add_charge('CHG-1', NULL, 'receivable', 'FRT', NULL)$$) AS no_amount;

-- Voiding an open charge marks it.
SELECT cbl.charge_status(v) AS status, v.void_reason, v.voided_at IS NOT NULL AS voided_at_set
  FROM cbl.void_charge(:s1, :c3, 'broker waived it') v;
SELECT pg_temp.try(format('SELECT cbl.void_charge(%s, %s, %L)', :s1, :c3, 'again')) AS void_twice;
SELECT pg_temp.try(format('SELECT cbl.void_charge(%s, %s, %L)', :s1, -1, 'x')) AS void_unknown;
SELECT pg_temp.try(format('SELECT cbl.void_charge(%s, %s, %L)', :s1, :c1, ' ')) AS void_without_reason;
-- A voided charge stays as it is.
SELECT pg_temp.try(format('UPDATE cbl.charge SET amount = %L WHERE shipment_id = %s AND charge_no = %s', '1 EUR', :s1, :c3)) AS edit_voided;
SELECT pg_temp.try(format('DELETE FROM cbl.charge WHERE shipment_id = %s AND charge_no = %s', :s1, :c3)) AS delete_voided;

-- Settlement writes a mark per party (88_settlement.sql; here by hand):
-- the party's charges numbered up to it and accrued before the period's
-- end are settled.  An April charge numbered before it stays open.
SELECT charge_no AS c5 FROM cbl.add_charge('CHG-1', NULL, 'receivable', 'STO', '5.00 EUR', '2026-04-02 10:00+00') \gset
INSERT INTO cbl.period (period_start, time_zone) VALUES ('2026-03-01', 'UTC');
INSERT INTO cbl.settlement_mark (party_id, period_start, charges_through, settled_before)
VALUES (cbl.party_id('customer', 'CHG-ACME'), '2026-03-01', :c5, '2026-04-01 00:00+00'),
       (cbl.party_id('carrier', 'CHG-FAST'), '2026-03-01', :c5, '2026-04-01 00:00+00');
SELECT c.charge_no = :c1 AS c1, c.charge_no = :c5 AS c5, cbl.charge_status(c) AS status, v.status AS in_v_charge
  FROM cbl.charge c JOIN cbl.v_charge v ON v.shipment_id = c.shipment_id AND v.charge_no = c.charge_no
 WHERE c.shipment_id = :s1 AND c.charge_no IN (:c1, :c2, :c3, :c5) ORDER BY c.charge_no;
-- A settled charge never changes: amount, party, time, void ...
SELECT pg_temp.try(format('UPDATE cbl.charge SET amount = %L WHERE shipment_id = %s AND charge_no = %s', '121 EUR', :s1, :c1)) AS edit_amount;
SELECT pg_temp.try(format('UPDATE cbl.charge SET party_id = %s WHERE shipment_id = %s AND charge_no = %s',
                          cbl.party_id('broker', 'CHG-BROKER'), :s1, :c1)) AS edit_party;
SELECT pg_temp.try(format('UPDATE cbl.charge SET accrued_at = accrued_at + interval %L WHERE shipment_id = %s AND charge_no = %s', '1 month', :s1, :c1)) AS edit_time;
SELECT pg_temp.try(format('UPDATE cbl.charge SET voided_at = now(), void_reason = %L WHERE shipment_id = %s AND charge_no = %s', 'by hand', :s1, :c1)) AS void_by_hand;
SELECT pg_temp.try(format('DELETE FROM cbl.charge WHERE shipment_id = %s AND charge_no = %s', :s1, :c1)) AS delete_settled;
-- ... nor does an open charge move into what a settlement took ...
SELECT pg_temp.try(format('UPDATE cbl.charge SET accrued_at = %L WHERE shipment_id = %s AND charge_no = %s', '2026-03-20 10:00+00', :s1, :c5)) AS move_into_settled;
SELECT pg_temp.try(format('UPDATE cbl.charge SET amount = %L WHERE shipment_id = %s AND charge_no = %s', '6.00 EUR', :s1, :c5)) AS edit_open_april;
-- ... while the note may be written.
SELECT pg_temp.try(format('UPDATE cbl.charge SET note = %L WHERE shipment_id = %s AND charge_no = %s', 'on statement 1', :s1, :c1)) AS edit_note;

-- Voiding a settled charge leaves it alone and adds an open adjustment
-- with the negated amount, dated like it.
SELECT c.amount, c.origin, cbl.charge_status(c) AS status, c.adjusts_charge_no = :c2 AS adjusts_it, c.accrued_at,
       c.party_id = o.party_id AND c.fee_code = o.fee_code AND c.reference = o.reference AS same_fee,
       c.note = 'reverses settled charge ' || :c2 || ': carrier credit note' AS note_says_why
  FROM cbl.void_charge(:s1, :c2, 'carrier credit note') c
  JOIN cbl.charge o ON o.shipment_id = c.shipment_id AND o.charge_no = :c2;
SELECT cbl.charge_status(c) AS status, c.amount FROM cbl.charge c WHERE c.shipment_id = :s1 AND c.charge_no = :c2;
SELECT pg_temp.try(format('SELECT cbl.void_charge(%s, %s, %L)', :s1, :c2, 'again')) AS void_settled_twice;
-- An open charge may be changed or deleted (by its owner).
SELECT pg_temp.try(format('UPDATE cbl.charge SET amount = %L WHERE shipment_id = %s AND fee_code = %L', '3.50 EUR', :s1, 'COM')) AS edit_open;
SELECT pg_temp.try(format('DELETE FROM cbl.charge WHERE shipment_id = %s AND fee_code = %L', :s1, 'COM')) AS delete_open;
-- The table's own rules.
SELECT pg_temp.try(format($$INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin, voided_at)
                            VALUES (%s, %s, 'receivable', 'FRT', '1 EUR', now(), 'manual', now())$$,
                          :s1, cbl.party_id('customer', 'CHG-ACME'))) AS voided_without_reason;
SELECT pg_temp.try(format($$INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin, rate_card_version)
                            VALUES (%s, %s, 'receivable', 'FRT', '1 EUR', now(), 'manual', 1)$$,
                          :s1, cbl.party_id('customer', 'CHG-ACME'))) AS version_without_card;

-- An adjustment names a charge of its shipment (checked at commit; here
-- at once); a charge with adjustments is not deleted.
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
SELECT pg_temp.try(format($$INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin, adjusts_charge_no)
                            VALUES (%s, %s, 'receivable', 'FRT', '1 EUR', now(), 'adjustment', -1)$$,
                          :s1, cbl.party_id('customer', 'CHG-ACME'))) AS adjusts_no_charge;
ROLLBACK;
SELECT charge_no AS c4 FROM cbl.add_charge('CHG-1', NULL, 'receivable', 'DOC', '10.00 EUR', '2026-03-06 00:00+00') \gset
SELECT origin FROM cbl.add_charge('CHG-1', NULL, 'receivable', 'DOC', '-2.00 EUR', '2026-03-06 00:00+00',
                                  origin => 'adjustment', adjusts_charge_no => :c4);
SELECT pg_temp.try(format('DELETE FROM cbl.charge WHERE shipment_id = %s AND charge_no = %s', :s1, :c4)) AS delete_adjusted;

-- Nothing here is for PUBLIC.
SELECT has_function_privilege('public', 'cbl.add_charge(text, text, text, text, cbl.amount, timestamptz, text, text, text, text, bigint)', 'EXECUTE') AS public_adds,
       has_function_privilege('public', 'cbl.void_charge(bigint, bigint, text)', 'EXECUTE') AS public_voids,
       has_table_privilege('public', 'cbl.charge', 'SELECT') AS public_reads_charges,
       has_table_privilege('public', 'cbl.fee', 'SELECT') AS public_reads_fees;

-- Clean up (settled and voided charges are kept by a trigger: lift it).
ALTER TABLE cbl.charge DISABLE TRIGGER charge_guard;
DELETE FROM cbl.charge WHERE shipment_id IN (:s1, :s2);
ALTER TABLE cbl.charge ENABLE TRIGGER charge_guard;
ALTER TABLE cbl.settlement_mark DISABLE TRIGGER settlement_mark_guard;
DELETE FROM cbl.settlement_mark WHERE period_start = '2026-03-01';
ALTER TABLE cbl.settlement_mark ENABLE TRIGGER settlement_mark_guard;
DELETE FROM cbl.period WHERE period_start = '2026-03-01';
DELETE FROM cbl.shipment WHERE id IN (:s1, :s2);
DELETE FROM cbl.commission_rule WHERE agent_id = cbl.party_id('agent', 'CHG-FAST');
DELETE FROM cbl.party WHERE code IN ('CHG-ACME', 'CHG-FAST', 'CHG-BROKER');
DELETE FROM cbl.fee WHERE code = 'PAL';
DELETE FROM cbl.fee_group WHERE code = 'packing';
