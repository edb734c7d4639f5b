-- cbl load test, settling client (test/t/011_load.pl runs one, alongside
-- the ingest clients).  One transaction: in the earliest month of 2025 not
-- closed yet, settle one party (a customer, or the carrier for 0) with
-- cbl.settle(month, party); one time in :close_every, then run the monthly
-- settlement of that month (CALL cbl.run_monthly_settlement), which settles
-- the other parties party by party and closes the month.  Charges that
-- ingest accrues in a month after its party was settled, or after the month
-- closed, stay open and go to a later statement as adjustments.
-- Then the exception scan of a tenth of the shipments (from a random one),
-- as of a fixed time after every event, while ingest changes the states it
-- reads.
-- :pause (milliseconds) spaces the transactions out so that the months are
-- settled while ingest goes on.
\set p random(0, :customers)
\set r random(1, :close_every)
SELECT quote_literal(ld.open_month()) AS month \gset
SELECT count(*) AS statements FROM cbl.settle(CAST(:month AS date), ld.party(:p));
\if :r = 1
CALL cbl.run_monthly_settlement(CAST(:month AS date));
\endif
\set w random(1, :shipments)
SELECT opened, resolved, still_open
  FROM cbl.scan_exceptions(timestamptz '2026-01-01 00:00+00', ld.shipment_ids(:w, :shipments / 10 + 1));
\sleep :pause ms
