# Connection probe for `appliance network verify` (run as: perl -e "$(cat this)" TOKEN SPEC...).
# SPEC is tcp:ADDRESS:PORT or udp:ADDRESS:PORT. All TCP connects run at once (non-blocking)
# and get 2-3 seconds (whole seconds: Time::HiRes is not in perl-base); prints "tcp ADDRESS PORT open|refused|timeout|error". UDP datagrams
# carrying TOKEN are sent twice and printed as "udp ADDRESS PORT sent"; the far side's
# listener log says whether they arrived.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Socket qw(SOL_SOCKET SO_ERROR);
use Errno qw(EINPROGRESS ECONNREFUSED);

my ($token, @specs) = @ARGV;
my (%pending, @udp);
my $wsel = IO::Select->new;
for my $spec (@specs) {
  my ($proto, $addr, $port) = $spec =~ /^(tcp|udp):([\d.]+):(\d+)$/ or die "bad spec $spec\n";
  if ($proto eq 'udp') { push @udp, [$addr, $port]; next; }
  my $s = IO::Socket::INET->new(Proto => 'tcp', Blocking => 0) or do { print "tcp $addr $port error\n"; next; };
  my $ok = CORE::connect($s, Socket::pack_sockaddr_in($port, Socket::inet_aton($addr)));
  if ($ok) { print "tcp $addr $port open\n"; close $s; next; }
  if ($! != EINPROGRESS) { print "tcp $addr $port " . ($! == ECONNREFUSED ? 'refused' : 'error') . "\n"; next; }
  $pending{fileno $s} = [$s, $addr, $port];
  $wsel->add($s);
}
my $deadline = time + 3;
while (%pending && time < $deadline) {
  for my $s ($wsel->can_write(0.5)) {
    my ($sock, $addr, $port) = @{ delete $pending{fileno $s} };
    $wsel->remove($s);
    my $err = unpack('i', getsockopt($sock, SOL_SOCKET, SO_ERROR));
    print "tcp $addr $port " . ($err == 0 ? 'open' : $err == ECONNREFUSED ? 'refused' : 'error') . "\n";
    close $sock;
  }
}
print "tcp $_->[1] $_->[2] timeout\n" for values %pending;
for my $u (@udp) {
  my ($addr, $port) = @$u;
  my $s = IO::Socket::INET->new(PeerAddr => $addr, PeerPort => $port, Proto => 'udp');
  if ($s) { $s->send("$token\n") for 1 .. 2; close $s; print "udp $addr $port sent\n"; }
  else { print "udp $addr $port error\n"; }
}
