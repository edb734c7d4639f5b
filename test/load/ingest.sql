-- cbl load test, ingest client (test/t/011_load.pl runs 8 of them).
-- One transaction: `width` (1 to :width) consecutive shipments from a
-- random one, :per random reports each, some re-sent, some changed, out of
-- order, as canonical JSON and as a DCSA message (ld.ingest in setup.sql).
-- The clients pick their shipments at random from the same :shipments, so
-- their batches overlap.  Serialization failures and deadlocks, if any, are
-- retried by pgbench (--max-tries).
\set first random(1, :shipments)
\set width random(1, :width)
SELECT ld.ingest(:client_id, :first, :width, :per);
