-- Distribute a cbl database on Citus (docs/scaling.md, "Citus").
-- Run on the coordinator, in the cbl database, once CREATE EXTENSION cbl has
-- been run on the coordinator and on every worker and the workers have been
-- added (citus_add_node): psql -v ON_ERROR_STOP=1 -1 -f distribute.sql
-- The pg_regress test citus_ready runs this file, word for word, against
-- stand-ins of the Citus functions; test/citus/run.sh runs it on a cluster.
SET citus.enable_unsafe_triggers TO on;
SET citus.multi_shard_modify_mode TO 'sequential';

-- What a distributed database cannot keep.
ALTER TABLE cbl.statement DROP CONSTRAINT statement_year_seq_key;
ALTER TABLE cbl.reference_lookup DROP CONSTRAINT reference_lookup_shipment_reference_fkey;
ALTER TABLE cbl.carrier_invoice_line DROP CONSTRAINT carrier_invoice_line_shipment_id_fkey;
DROP TRIGGER milestone_delete_check ON cbl.milestone;
DROP TRIGGER carrier_invoice_results ON cbl.carrier_invoice;

-- Reference tables: a copy on every node; referenced tables first.
SELECT create_reference_table('cbl.currency');
SELECT create_reference_table('cbl.country');
SELECT create_reference_table('cbl.setting');
SELECT create_reference_table('cbl.fx_rate');
SELECT create_reference_table('cbl.milestone');
SELECT create_reference_table('cbl.framework');
SELECT create_reference_table('cbl.framework_step');
SELECT create_reference_table('cbl.party');
SELECT create_reference_table('cbl.login_party');
SELECT create_reference_table('cbl.source');
SELECT create_reference_table('cbl.code_map');
SELECT create_reference_table('cbl.location_zone');
SELECT create_reference_table('cbl.event_pending');
SELECT create_reference_table('cbl.event_reject');
SELECT create_reference_table('cbl.rate_card');
SELECT create_reference_table('cbl.incoterm_rule');
SELECT create_reference_table('cbl.tariff');
SELECT create_reference_table('cbl.import_rule');
SELECT create_reference_table('cbl.fee_group');
SELECT create_reference_table('cbl.fee');
SELECT create_reference_table('cbl.commission_rule');
SELECT create_reference_table('cbl.billing_trigger');
SELECT create_reference_table('cbl.carrier_invoice');
SELECT create_reference_table('cbl.period');
SELECT create_reference_table('cbl.statement_counter');
SELECT create_reference_table('cbl.settlement_run');

-- Shipment-keyed tables: by shipment id, co-located with cbl.shipment.
SELECT create_distributed_table('cbl.shipment', 'id', colocate_with => 'none');
SELECT create_distributed_table('cbl.shipment_reference', 'shipment_id', colocate_with => 'cbl.shipment');
SELECT create_distributed_table('cbl.event', 'shipment_id', colocate_with => 'cbl.shipment');
SELECT create_distributed_table('cbl.event_conflict', 'shipment_id', colocate_with => 'cbl.shipment');
SELECT create_distributed_table('cbl.shipment_state', 'shipment_id', colocate_with => 'cbl.shipment');
SELECT create_distributed_table('cbl.exception', 'shipment_id', colocate_with => 'cbl.shipment');
SELECT create_distributed_table('cbl.charge', 'shipment_id', colocate_with => 'cbl.shipment');
SELECT create_distributed_table('cbl.billing_accrual', 'shipment_id', colocate_with => 'cbl.shipment');
SELECT create_distributed_table('cbl.shipment_rating_input', 'shipment_id', colocate_with => 'cbl.shipment');

-- Party-keyed tables: by party id, co-located with cbl.statement.
SELECT create_distributed_table('cbl.statement', 'party_id', colocate_with => 'none');
SELECT create_distributed_table('cbl.statement_line', 'party_id', colocate_with => 'cbl.statement');
SELECT create_distributed_table('cbl.settlement_mark', 'party_id', colocate_with => 'cbl.statement');

-- Invoice-keyed tables: by invoice id, co-located with each other.
SELECT create_distributed_table('cbl.carrier_invoice_line', 'invoice_id', colocate_with => 'none');
SELECT create_distributed_table('cbl.invoice_reconciliation', 'invoice_id', colocate_with => 'cbl.carrier_invoice_line');

-- The reference look-up: by the reference itself.
SELECT create_distributed_table('cbl.reference_lookup', 'value', colocate_with => 'none');
