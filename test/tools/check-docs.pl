#!/usr/bin/env perl
# Docs are part of the feature: every SQL statement in a ```sql block of
# docs/*.md and README.md must be run, word for word, by some pg_regress test
# in sql/*.sql (whitespace and trailing "-- comments" aside).  Prints one line
# per page, "docs PAGE ... ok" or "... FAILED" with the missing statements,
# and exits non-zero if any page fails.
use strict;
use warnings;
use File::Basename qw(dirname);

my $root = dirname(dirname(dirname(__FILE__)));
chdir $root or die "cannot enter $root: $!";

sub normalise {
	my ($sql) = @_;
	$sql =~ s/--[^\n]*//g;      # comments (none of our examples has -- in a string)
	$sql =~ s/\s+/ /g;
	$sql =~ s/^ | $//g;
	return $sql;
}

# A test's text, with the files it includes (\i path) read in place.
sub test_text {
	my ($f) = @_;
	open my $fh, '<', $f or die "$f: $!";
	local $/;
	my $text = <$fh>;
	$text =~ s{^\\i\s+(\S+)\s*$}{-f $1 ? test_text($1) : ''}gme;
	return $text;
}

my $tests = '';
$tests .= ' ' . normalise(test_text($_)) for glob('sql/*.sql');

my $failed = 0;
for my $page (sort(glob('docs/*.md')), 'README.md') {
	next unless -f $page;
	open my $fh, '<', $page or die "$page: $!";
	local $/;
	my $text = <$fh>;
	my @missing;
	my $count = 0;
	while ($text =~ /```sql\n(.*?)```/gs) {
		for my $stmt (split /;\s*(?:--[^\n]*)?\n/, $1 . "\n") {
			my $n = normalise($stmt);
			next if $n eq '';
			$count++;
			push @missing, $n unless index($tests, "$n;") >= 0;
		}
	}
	if (@missing) {
		$failed++;
		print "docs $page ... FAILED\n";
		print "    not run by any test in sql/: $_\n" for @missing;
	} else {
		print "docs $page ... ok ($count statements)\n";
	}
}
exit($failed ? 1 : 0);
