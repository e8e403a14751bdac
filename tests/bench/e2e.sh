#!/bin/sh
# e2e.sh - part of 'make bench': csgw run end to end on loopback, against
# the sum of its floors measured in the same run.
#
# usage: tests/bench/e2e.sh BUILD_DIR      (E2E_BENCH_N=N records, default 1000000)
#
# Two gateways, each a 'csgw run' daemon, exchange through a real OpenSSH
# sshd on 127.0.0.1 (tests/sshd.sh): the state (CA, 06) and a receiving
# gateway standing in for the federal office (class federal-office, so the
# policy lets NDNH data go; csgw receipts name states, so it uses code 11
# here).  Both fetch every second.
#
# 1. End to end: an NDNH new hire extract of N W4 records is renamed into
#    CA's SPOOL/outgoing/FED/ndnh-report/; measured until the receiving
#    gateway has delivered the batch to its inbox and CA holds its receipt
#    (the entry is 'done').  Stages come from the daemons' log lines,
#    time-stamped as they appear.  Floors, same run, same XML batch:
#    xmllint --stream parse, openssl cms -sign and -verify (detached,
#    binary, DER) and an OpenSSH sftp upload of the same bytes.  Target:
#    total <= 1.5x the sum of the floors.
# 2. Latency: a single locate request renamed into CA's outgoing folder
#    until its file is published (final name) on the partner's server, with
#    the daemon running; 5 times.  Target: under 1 s.
# 3. The same for a caseworker's `csgw locate request`, run as a real
#    account (made here, when run as root) through the daemon's control
#    socket, from the command to the file published.  Target: under 1 s.
set -eu

die() {
	echo "bench-e2e: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: tests/bench/e2e.sh BUILD_DIR"
case "$1" in
/*) build=$1 ;;
*) build=$(pwd)/$1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
csgw=$build/csgw
n=${E2E_BENCH_N:-1000000}
[ -x "$csgw" ] || die "$csgw not found; run 'make' first"
command -v xmllint >/dev/null || die "xmllint missing (Debian package libxml2-utils)"
command -v sftp >/dev/null || die "sftp missing (Debian package openssh-client)"
command -v perl >/dev/null || die "perl missing"

out=$top/bench-out/e2e
rm -rf "$out"
mkdir -p "$out"
cd "$out"
echo "bench-e2e: scratch folder $out"

daemons() {
	pgrep -f "csgw -c $out/(ca|fed).conf run" || true
}
cleanup() {
	for p in $(daemons); do kill -TERM "$p" 2>/dev/null || true; done
	for i in $(seq 50); do
		[ -z "$(daemons)" ] && break
		sleep 0.1
	done
	"$top/tests/sshd.sh" stop "$out/sshd" >/dev/null 2>&1 || true
	if [ "${BENCH_KEEP:-0}" != 1 ]; then
		rm -f "$out"/*.txt "$out"/*.xml "$out"/*.p7s
		rm -rf "$out"/ca-spool "$out"/fed-spool "$out"/sshd/remote
	fi
}
trap cleanup EXIT INT TERM

"$top/certs/init-dev.sh" "$out/pki" >/dev/null || die "FAILED: certs/init-dev.sh"
"$top/tests/sshd.sh" start "$out/sshd" --owner $$ \
	--authorize "$out/pki/ca06/private/ssh_ed25519.pub" \
	--authorize "$out/pki/ocse/private/ssh_ed25519.pub" >/dev/null ||
	die "FAILED: tests/sshd.sh start"
port=$(cat "$out/sshd/port")
user=$(id -un)

# conf NAME STATE PKI PARTNER PARTNER_STATE CLASS PARTNER_CERT INBOX OUTBOX
conf() {
	mkdir -p "$out/$1-audit"
	cat >"$out/$1.conf" <<CONF
[gateway]
state = $2
environment = test
spool = $1-spool
audit_db = $1-audit/audit.db
checkpoint_dir = $1-audit
signing_cert = pki/$3/local/signing.pem
signing_key = pki/$3/private/signing.key
ca_bundle = pki/$3/trusted/ca.pem
subject_key = pki/$3/private/subject.key
drop_min_age = 0
control_socket = $1-audit/control.sock

[partner $4]
class = $6
state = $5
families = ndnh locate
cert = pki/$3/partners/$7.pem
host = 127.0.0.1
port = $port
user = $user
ssh_key = pki/$3/private/ssh_ed25519
known_hosts = sshd/known_hosts
remote_inbox = $out/sshd/remote/$8
remote_outbox = $out/sshd/remote/$9
schedule = every 1s
io_timeout = 120
CONF
}
conf ca 06 ca06 FED 11 federal-office ocse inbound outbound
conf fed 11 ocse CA 06 iv-d-agency ca06 outbound inbound

# --- input and floors -----------------------------------------------------
echo "bench-e2e: generating $n W4 records"
"$here/gen-ndnh.sh" "$n" "$out/newhire.txt"
"$csgw" --environment test map ndnh-report "$out/newhire.txt" -o "$out/newhire.xml" >/dev/null ||
	die "FAILED: csgw map"
bytes=$(wc -c <"$out/newhire.xml")
cat "$out/newhire.xml" >/dev/null

# timed LABEL CMD...: seconds into $out/LABEL.sec
timed() {
	label=$1
	shift
	/usr/bin/time -f '%e' -o "$out/$label.sec" "$@" >"$out/$label.log" 2>&1 ||
		die "FAILED: $* (log: $out/$label.log)"
	printf 'bench-e2e: floor %-16s %s s\n' "$label" "$(cat "$out/$label.sec")"
}
cert=$out/pki/ca06/local/signing.pem
key=$out/pki/ca06/private/signing.key
timed xmllint-stream xmllint --stream --noout "$out/newhire.xml"
timed openssl-sign openssl cms -sign -binary -outform DER -md sha256 -signer "$cert" \
	-inkey "$key" -in "$out/newhire.xml" -out "$out/newhire.xml.p7s"
timed openssl-verify openssl cms -verify -binary -inform DER -content "$out/newhire.xml" \
	-in "$out/newhire.xml.p7s" -CAfile "$out/pki/ca/ca.pem" -purpose any -out /dev/null
printf 'put "%s" "%s"\n' "$out/newhire.xml" "$out/sshd/remote/inbound/floor.bin" >"$out/sftp.batch"
timed sftp-upload sftp -q -b "$out/sftp.batch" -F /dev/null \
	-i "$out/pki/ca06/private/ssh_ed25519" -o IdentitiesOnly=yes \
	-o UserKnownHostsFile="$out/sshd/known_hosts" -o StrictHostKeyChecking=yes \
	-o BatchMode=yes -P "$port" "$user@127.0.0.1"
rm -f "$out/sshd/remote/inbound/floor.bin" "$out/newhire.xml.p7s"

# --- the daemons ----------------------------------------------------------
# Each line of their logs, prefixed with the time it appeared.
stamp() {
	perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%.3f %s", time, $_'
}
"$csgw" -c "$out/ca.conf" run --once >/dev/null 2>&1 || true # spool folders
"$csgw" -c "$out/fed.conf" run --once >/dev/null 2>&1 || true
("$csgw" -c "$out/ca.conf" run 2>&1 | stamp >"$out/ca.log") &
("$csgw" -c "$out/fed.conf" run 2>&1 | stamp >"$out/fed.log") &
for i in $(seq 100); do
	grep -q serving "$out/ca.log" 2>/dev/null && grep -q serving "$out/fed.log" 2>/dev/null && break
	sleep 0.1
done

drop_dir=$out/ca-spool/outgoing/FED/ndnh-report
mkdir -p "$drop_dir"
cp "$out/newhire.txt" "$drop_dir/.newhire.tmp"
t0=$(perl -MTime::HiRes=time -e 'printf "%.3f", time')
mv "$drop_dir/.newhire.tmp" "$drop_dir/newhire.txt"
limit=$((n / 2500 + 120)) # 0.2 s each: 100 s for 10^6 records
while ! grep -q "acknowledged by FED" "$out/ca.log"; do
	sleep 0.2
	limit=$((limit - 1))
	[ "$limit" -gt 0 ] || die "FAILED: no receipt in time; logs: $out/ca.log $out/fed.log"
done
csgw_pid=$(pgrep -f "csgw -c $out/ca.conf run" | head -1)
fed_pid=$(pgrep -f "csgw -c $out/fed.conf run" | head -1)
ca_rss=$(awk '/VmHWM/ { print $2 }' "/proc/$csgw_pid/status" 2>/dev/null || echo 0)
fed_rss=$(awk '/VmHWM/ { print $2 }' "/proc/$fed_pid/status" 2>/dev/null || echo 0)
grep -q "delivered to inbox/ndnh/" "$out/fed.log" || die "FAILED: the receiving gateway did not deliver"
grep -q "$n records, $n allowed" "$out/ca.log" || die "FAILED: not all $n records were allowed"

# at FILE PATTERN: the time of the first line matching PATTERN.
at() {
	grep -m1 -- "$2" "$1" | cut -d' ' -f1
}
t_taken=$(at ca.log "taken from outgoing")
t_decided=$(at ca.log "each decision logged")
t_signed=$(at ca.log "ready to send")
t_sent=$(at ca.log "sent to FED")
t_received=$(at fed.log ": received as")
t_delivered=$(at fed.log "delivered to inbox")
t_receipt=$(at fed.log "sent to CA as")
t_done=$(at ca.log "acknowledged by FED")

# published COUNT_BEFORE: waits until a new 06-locate-*.xml is on the
# partner's server, and prints the time it appeared.
published() {
	perl -MTime::HiRes=time,sleep -e '
		my ($dir, $before) = @ARGV;
		for (1 .. 10000) {
			opendir(my $h, $dir) or die; my $c = grep { /^06-locate-.*\.xml$/ } readdir($h);
			if ($c > $before) { printf "%.4f", time; exit 0 }
			sleep 0.001;
		}
		exit 1' "$out/sshd/remote/inbound" "$1"
}

# --- latency of a single locate request ------------------------------------
"$csgw" --environment test map locate-request "$top/tests/data/locate-request.txt" \
	-o "$out/one.xml" >/dev/null
# The receiving daemon stops first: it would take the files off the server.
for p in $(pgrep -f "csgw -c $out/fed.conf run"); do kill -TERM "$p"; done
while pgrep -f "csgw -c $out/fed.conf run" >/dev/null; do sleep 0.1; done
lat=""
for i in 1 2 3 4 5; do
	d=$out/ca-spool/outgoing/FED
	cp "$out/one.xml" "$d/.one-$i.tmp"
	before=$(find "$out/sshd/remote/inbound" -maxdepth 1 -name '06-locate-*.xml' | wc -l)
	s=$(perl -MTime::HiRes=time -e 'printf "%.4f", time')
	mv "$d/.one-$i.tmp" "$d/one-$i.xml"
	e=$(published "$before") || die "FAILED: locate request $i never published"
	lat="$lat $(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", b - a }')"
	sleep 0.3
done

# --- a caseworker's locate request, through the daemon's control socket ------
# A real account (root only: it is created here and removed) in the
# caseworker group: csgw locate request, as typed, until the FP batch is
# published on the partner's server.
sock_lat=""
if [ "$(id -u)" -eq 0 ]; then
	cw=csgwbench-cw
	userdel "$cw" 2>/dev/null || true
	groupdel "$cw" 2>/dev/null || true
	useradd --no-create-home --user-group "$cw"
	printf '\n[roles]\ncaseworker = %s\n' "$cw" >>"$out/ca.conf"
	for i in 1 2 3 4 5; do
		before=$(find "$out/sshd/remote/inbound" -maxdepth 1 -name '06-locate-*.xml' | wc -l)
		s=$(perl -MTime::HiRes=time -e 'printf "%.4f", time')
		runuser -u "$cw" -- "$csgw" -c "$out/ca.conf" locate request --partner FED \
			--case "BENCH$i" --ssn "900-44-000$i" --name "Doe, Jane" --purpose child-support \
			>/dev/null || die "FAILED: locate request through the socket"
		e=$(published "$before") || die "FAILED: socket request $i never published"
		sock_lat="$sock_lat $(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", b - a }')"
		sleep 0.3
	done
	userdel "$cw" 2>/dev/null || true
	groupdel "$cw" 2>/dev/null || true
fi

# --- report -----------------------------------------------------------------
echo
awk -v n="$n" -v bytes="$bytes" -v t0="$t0" -v taken="$t_taken" -v decided="$t_decided" \
	-v signed="$t_signed" -v sent="$t_sent" -v received="$t_received" \
	-v delivered="$t_delivered" -v receipt="$t_receipt" -v done="$t_done" \
	-v xl="$(cat "$out/xmllint-stream.sec")" -v os="$(cat "$out/openssl-sign.sec")" \
	-v ov="$(cat "$out/openssl-verify.sec")" -v su="$(cat "$out/sftp-upload.sec")" \
	-v ca_rss="$ca_rss" -v fed_rss="$fed_rss" -v lat="$lat" -v sock_lat="$sock_lat" '
	function stage(name, from, to) { printf "  %-58s %7.2f s\n", name, to - from }
	BEGIN {
		printf "End to end, csgw run on loopback: %d W4 records, %.0f MiB of XML (2 cores, same run)\n", n, bytes / 1048576
		stage("noticed and taken into the spool (CA)", t0, taken)
		stage("mapped, decided by the policy, every decision logged (CA)", taken, decided)
		stage("signed (CA)", decided, signed)
		stage("uploaded (CA)", signed, sent)
		stage("fetched: its schedule (every 1s), download, signature (FED)", sent, received)
		stage("parsed, checked, delivered to the inbox (FED)", received, delivered)
		stage("receipt made, signed and uploaded (FED)", delivered, receipt)
		stage("receipt fetched, checked, entry done (CA)", receipt, done)
		total = done - t0
		floors = xl + os + ov + su
		printf "  %-58s %7.2f s\n", "TOTAL", total
		printf "Floors: xmllint --stream %.2f s + openssl cms -sign %.2f s + -verify %.2f s + sftp put %.2f s = %.2f s\n", xl, os, ov, su, floors
		r = total / floors
		printf "  total / sum of floors %25s %6.2f   target <= 1.5  %s\n", "", r, r <= 1.5 ? "PASS" : "MISS"
		printf "  peak RSS of the daemons: CA %.1f MiB, FED %.1f MiB\n", ca_rss / 1024, fed_rss / 1024
		m = split(lat, l, " ")
		worst = 0
		for (i = 1; i <= m; i++) if (l[i] > worst) worst = l[i]
		printf "Latency, one locate request from outgoing to published on the partner'"'"'s server:%s s\n", lat
		printf "  worst of %d %45.3f s   target < 1     %s\n", m, worst, worst < 1 ? "PASS" : "MISS"
		m = split(sock_lat, l, " ")
		worst = 0
		for (i = 1; i <= m; i++) if (l[i] > worst) worst = l[i]
		if (m == 0)
			print "Latency through the control socket: not measured (needs root to create the caseworker account)"
		else {
			printf "Latency, a caseworker'"'"'s csgw locate request (through the control socket) to published:%s s\n", sock_lat
			printf "  worst of %d %45.3f s   target < 1     %s\n", m, worst, worst < 1 ? "PASS" : "MISS"
		}
	}'
