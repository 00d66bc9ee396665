# Temporary listeners for `appliance network verify` (run as: perl -e "$(cat this)" LOG SECONDS SPEC...).
# SPEC is tcp:PORT or udp:PORT. Binds every port it can (a port already taken means a real
# service listens there, which is just as good for a TCP probe), prints one status line per
# spec, then detaches and serves until SECONDS pass or it is killed: TCP connections are
# accepted and closed; UDP datagrams are logged to LOG as "udp PORT SOURCE TEXT".
# Perl because perl-base is on every Debian/Ubuntu host, and busybox nc has no UDP.
use strict;
use warnings;
use IO::Socket::INET;
use Socket ();
use IO::Select;
use POSIX qw(setsid);

my ($log, $seconds, @specs) = @ARGV;
die "usage: LOG SECONDS SPEC...\n" unless defined $seconds && $seconds =~ /^\d+$/;
my $sel = IO::Select->new;
my %kind;
for my $spec (@specs) {
  my ($proto, $port) = $spec =~ /^(tcp|udp):(\d+)$/ or die "bad spec $spec\n";
  my $s = $proto eq 'tcp'
    ? IO::Socket::INET->new(LocalPort => $port, Proto => 'tcp', Listen => 64, ReuseAddr => 1)
    : IO::Socket::INET->new(LocalPort => $port, Proto => 'udp');
  if ($s) { $sel->add($s); $kind{fileno $s} = [$proto, $port]; print "listening $spec\n"; }
  else { print "busy $spec $!\n"; }
}
open(my $fh, '>>', $log) or die "cannot write $log: $!\n";
$fh->autoflush(1);
STDOUT->flush;
my $pid = fork();
die "fork: $!\n" unless defined $pid;
if ($pid) { print "pid $pid\n"; exit 0; }
setsid();
open STDIN, '<', '/dev/null'; open STDOUT, '>', '/dev/null'; open STDERR, '>', '/dev/null';
my $end = time + $seconds;
while (time < $end) {
  for my $s ($sel->can_read(0.5)) {
    my ($proto, $port) = @{ $kind{fileno $s} };
    if ($proto eq 'tcp') { my $c = $s->accept; close $c if $c; next; }
    my $buf = '';
    my $from = $s->recv($buf, 512);
    next unless defined $from;
    my ($sport, $saddr) = Socket::unpack_sockaddr_in($from);
    $buf =~ s/[^\w.:-]//g;
    print $fh "udp $port " . Socket::inet_ntoa($saddr) . " $buf\n";
  }
}
