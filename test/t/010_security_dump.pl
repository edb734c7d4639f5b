# Row-level security survives pg_dump / pg_restore (docs/security.md).
# pg_dump keeps the grants of cbl's objects but not the policies of an
# extension's tables: cbl writes them again when it is installed into a
# cluster where its roles exist.  A database with cbl's roles, a partner
# login and its mapping is dumped and restored into a fresh database of the
# same cluster: the restore reports no error, row-level security and the
# policies are there, and the partner sees exactly its rows, the operator
# all of them.  A fresh CREATE EXTENSION in that cluster has the policies
# too, and cbl.setup_roles() changes nothing after the restore.
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
SELECT count(*) FROM cbl.setup_roles();
CREATE ROLE acme_portal LOGIN;
CREATE ROLE ops_alice LOGIN;
GRANT cbl_partner TO acme_portal;
GRANT cbl_operator TO ops_alice;
INSERT INTO cbl.party (kind, code, name) VALUES
  ('customer', 'ACME', 'Acme'), ('customer', 'BOLT', 'Bolt'), ('carrier', 'DHL', 'DHL');
SELECT cbl.map_login('acme_portal', 'customer', 'ACME');
SELECT cbl.create_shipment('TD-1', 'express_parcel', 'ACME', 'DHL');
SELECT cbl.create_shipment('TD-2', 'express_parcel', 'BOLT', 'DHL');
SELECT cbl.ingest_events('[
  {"source": "dhl", "event_id": "1", "shipment": "TD-1", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T08:00:00Z"},
  {"source": "dhl", "event_id": "2", "shipment": "TD-2", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-03-01T09:00:00Z"}
]');
});

my $sees = q{
SELECT (SELECT string_agg(reference, ',' ORDER BY reference) FROM cbl.shipment),
       (SELECT count(*) FROM cbl.event),
       (SELECT string_agg(reference, ',' ORDER BY reference) FROM cbl.v_shipment_status),
       (SELECT string_agg(code, ',' ORDER BY code) FROM cbl.party)
};
my $security = q{
SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'cbl'::regnamespace AND relrowsecurity),
       (SELECT count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
         WHERE c.relnamespace = 'cbl'::regnamespace)
};

sub as_role
{
	my ($db, $role, $sql) = @_;
	return $node->safe_psql($db, "SET ROLE $role; $sql");
}

is(as_role('src', 'acme_portal', $sees), 'TD-1|1|TD-1|ACME,DHL',
	'before the dump, the partner sees its shipment, event, view row and parties');
is(as_role('src', 'ops_alice', $sees), 'TD-1,TD-2|2|TD-1,TD-2|ACME,BOLT,DHL',
	'before the dump, the operator sees everything');
my $security_before = $node->safe_psql('src', $security);
my ($rls_tables, $rls_policies) = split /\|/, $security_before;
ok($rls_tables >= 7 && $rls_policies == 2 * $rls_tables,
	"the shipment-keyed tables and the money tables under row-level security, two policies each ($security_before)");

dump_restore($node, 'src', 'dst');

is($node->safe_psql('dst', $security), $security_before,
	'after the restore, row-level security and the policies are back');
is(as_role('dst', 'acme_portal', $sees), 'TD-1|1|TD-1|ACME,DHL',
	'after the restore, the partner sees exactly its rows');
is(as_role('dst', 'ops_alice', $sees), 'TD-1,TD-2|2|TD-1,TD-2|ACME,BOLT,DHL',
	'after the restore, the operator sees everything');
is($node->safe_psql('dst', q{SELECT login || ':' || party_kind FROM cbl.login_party}),
	'acme_portal:customer', 'the login mapping came back');

my $acl = q{
SELECT md5(string_agg(c.relname || coalesce(c.relacl::text, ''), ',' ORDER BY c.relname))
  FROM pg_class c WHERE c.relnamespace = 'cbl'::regnamespace
};
is($node->safe_psql('dst', $acl), $node->safe_psql('src', $acl),
	'the grants of every table and view came back');
is($node->safe_psql('dst',
	q{SELECT count(*) FILTER (WHERE action = 'created role') FROM cbl.setup_roles()}),
	'0', 'cbl.setup_roles() after the restore creates no role');
is($node->safe_psql('dst', $security), $security_before,
	'and leaves the same row-level security');

# A fresh install in a cluster that has the roles has the policies at once.
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION cbl');
is($node->safe_psql('fresh', $security), $security_before,
	'CREATE EXTENSION in a cluster with the roles writes the policies');

$node->stop;
done_testing();
