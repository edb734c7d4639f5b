# pg_dump keeps the rows users add to the format tables and leaves out the
# shipped ones: a code map row that overrides a shipped one and a place of
# one's own in cbl.location_zone come back exactly once after a restore, the
# shipped rows come back from CREATE EXTENSION, and ingest after the restore
# uses the user's rows.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CblTap;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql(
	'src', q{
CREATE EXTENSION cbl;
INSERT INTO cbl.code_map (standard, code, qualifier, milestone, classifier, description)
VALUES ('IATA', 'TGC', '', 'CUSTOMS_HOLD', 'ACT', 'our airline reports holds as TGC'),
       ('ACMEPARCEL', 'OUT', '', 'OUT_FOR_DELIVERY', 'ACT', 'a carrier code list of our own');
INSERT INTO cbl.code_map (standard, code, reason_code, classifier, raises, description)
VALUES ('ACMEPARCEL', 'STK', 'STK', 'ACT', 'delayed', 'stuck in the depot: no milestone, raises a delay');
INSERT INTO cbl.location_zone (code, kind, timezone, description)
VALUES ('LOCKBOURNE', 'place', 'America/New_York', 'Rickenbacker intermodal terminal');
});

my $sql = q{
SELECT standard, code, qualifier, milestone, raises, builtin FROM cbl.code_map
 WHERE (standard, code) IN (('IATA', 'TGC'), ('ACMEPARCEL', 'OUT'), ('ACMEPARCEL', 'STK')) ORDER BY 1, 2, 6;
SELECT count(*) FILTER (WHERE builtin), count(*) FILTER (WHERE NOT builtin) FROM cbl.code_map;
SELECT code, timezone, builtin FROM cbl.location_zone WHERE NOT builtin;
};
my $before = $node->safe_psql('src', $sql);
like($before, qr/IATA\|TGC\|\|CUSTOMS_HOLD\|\|f/, 'a user row overrides a shipped code');
like($before, qr/ACMEPARCEL\|STK\|\|\|delayed\|f/, 'a user row may say what its code raises');

dump_restore($node, 'src', 'dst');
is($node->safe_psql('dst', $sql), $before,
	'the users\' rows come back once, the shipped ones from CREATE EXTENSION');

$node->safe_psql(
	'dst', q{
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'ACME', 'Acme');
SELECT cbl.create_shipment('AIR-9', 'air', 'ACME', refs => '{"awb": "020-12345675"}');
});
my $res = $node->safe_psql(
	'dst', q{
SELECT accepted FROM cbl.ingest_events('iata-fsu', E'FSU/14\n020-12345675FRAJFK/T10K250.0\nTGC/JFK/17OCT1300/T10K250.0',
                                       received_at => '2025-10-20');
SELECT milestone, reason_code IS NULL FROM cbl.event;
});
is($res, "1\nCUSTOMS_HOLD|t", 'ingest after the restore uses the user\'s code map row');

$node->stop;
done_testing();
