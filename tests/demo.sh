#!/bin/sh
# demo.sh - the main job: two state gateways exchange for real.
#
# usage: tests/demo.sh PATH_TO_CSGW
# One OpenSSH sshd on 127.0.0.1 (tests/sshd.sh) holds the mailboxes: TX's
# inbox and outbox for California, and a federal mailbox (OCSE).  Two
# gateways, CA (06) and TX (48), each with its own gateway.conf, keys
# (certs/init-dev.sh: a development PKI, NOT for production), spool,
# registry, ledger and audit log, all under demo-out/ (git-ignored):
#
#   1. CA's batch jobs drop an FCR registration extract, an NDNH new
#      hire report and a Federal Offset Program certification; a CA caseworker, a real Unix account made for the demo,
#      asks TX where two parents are (one of them protected by a family
#      violence indicator in CA) and refers an enforcement case to TX: as
#      themselves, through CA's running daemon (its control socket);
#   2. CA's daemon decides, logs, signs and sends all of it;
#   3. TX's daemon fetches, verifies, delivers to TX's inbox, acknowledges
#      (A transactions and signed receipts); TX's caseworker answers both
#      quick locates;
#   4. CA's daemon takes the answers and the receipts; the caseworker reads
#      them: one address, and one "disclosure prohibited, court only";
#   5. the noncustodial parent asks CA to close the case and is refused
#      (only the opener may ask); the custodial party, who opened it, asks:
#      the offset delete (which ends the passport denial) goes to OCSE, TX
#      is told (MSC), the license suspension's release goes to CA's own
#      inbox, and a new enforcement transaction is refused by the policy;
#      CA closes a TANF case whose federal tax refund offset continues;
#   6. both sides' status and audit verify; CA's compliance officer (a
#      second account) verifies and searches the log, which names the
#      caseworker in every entry their requests caused;
#   7. the compliance officer writes the disclosure review (HTML) into a
#      folder of their own; where to look next.
# It stops its sshd and CA's daemon and removes the two accounts however
# it ends, and runs again from scratch.  Not run as root, the people's
# steps run as the invoking user instead (no account can be made).
set -eu
csgw=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
out="${CSGW_DEMO_OUT:-$top/demo-out}"
start=$(date +%s)
rm -rf "$out"
mkdir -p "$out"
cd "$out"

say() { printf '\n== %s\n' "$*"; }
# A command as the transcript shows it, then its output indented.
show() {
	printf '$ csgw %s\n' "$*" | sed "s|$out/||g"
	"$csgw" "$@" 2>&1 | sed 's/^/  /'
}
ca() { show -c ca06.conf "$@"; }
tx() { show -c tx48.conf "$@"; }
# as USER ARGS: csgw as that person would type it (the transcript shows
# who); their csgw hands it to CA's daemon, which acts as them.
as() {
	user=$1
	shift
	printf '%s$ csgw -c ca06.conf %s\n' "$user" "$*"
	if $as_root; then
		runuser -u "$user" -- "$people/csgw" -c "$people/ca06.conf" "$@" 2>&1 | sed 's/^/  /'
	else
		"$csgw" -c ca06.conf "$@" 2>&1 | sed 's/^/  /'
	fi
}
# CA's daemon, running while people work (csgw run; its log in
# ca06-daemon.log, shown as a cycle's is).
daemon_start() {
	"$csgw" -c ca06.conf run >ca06-daemon.log 2>&1 &
	echo $! >ca06-daemon.pid
	for _ in $(seq 100); do
		[ -S "$people/ca06.sock" ] && return 0
		sleep 0.1
	done
	cat ca06-daemon.log >&2
	echo "demo: CA's daemon did not start" >&2
	exit 1
}
daemon_stop() {
	[ -f ca06-daemon.pid ] || return 0
	kill "$(cat ca06-daemon.pid)" 2>/dev/null || true
	while kill -0 "$(cat ca06-daemon.pid)" 2>/dev/null; do sleep 0.1; done
	rm -f ca06-daemon.pid
}
daemon_log() {
	printf '$ csgw -c ca06.conf run   (running meanwhile; its log)\n'
	grep -v '^control: ' ca06-daemon.log | sed -e 's/ (sha256 [0-9a-f]*)//' \
		-e 's/, sha256 [0-9a-f]*//' -e "s|$out/||g" -e "s|$people/||g" -e 's/^/  /'
	echo "  (its control log, one line per person's command:)"
	grep '^control: ' ca06-daemon.log | sed 's/^/  /'
}
# A daemon's cycle: its log, without the long digests.
cycle() {
	printf '$ csgw -c %s run --once\n' "$1"
	"$csgw" -c "$1" run --once 2>&1 | sed -e 's/ (sha256 [0-9a-f]*)//' -e 's/, sha256 [0-9a-f]*//' \
		-e "s|$out/||g" -e '/: received as /s/ (.*//' -e 's/^/  /'
}

say "csgw $("$csgw" --version | cut -d' ' -f2): a development PKI for CA (06), TX (48) and OCSE (NOT FOR PRODUCTION)"
"$top/certs/init-dev.sh" pki >/dev/null
echo "  $out/pki"

"$top/tests/sshd.sh" start "$out/sftp" --authorize pki/ca06/private/ssh_ed25519.pub \
	--authorize pki/tx48/private/ssh_ed25519.pub --owner $$ >/dev/null
# Its --owner watchdog goes too: left behind, it would stop the server of
# the demo's next run, which uses the same folder.
stop_sftp() {
	kill "$(cat "$out/sftp/watchdog" 2>/dev/null)" 2>/dev/null || true
	"$top/tests/sshd.sh" stop "$out/sftp"
}
# CA's people: a caseworker and a compliance officer, in the role groups
# of ca06.conf's [roles].  They reach the daemon through a socket in a
# folder anyone may enter, with a copy of csgw and of the configuration
# (demo-out may be inside a private home folder).
CW=csgwdemo-cw
COMP=csgwdemo-comp
people=$(mktemp -d /tmp/csgw-demo.XXXXXX)
chmod 755 "$people"
install -m 0755 "$csgw" "$people/csgw"
remove_people() {
	for u in $CW $COMP; do userdel "$u" 2>/dev/null || true; done
	for g in csgwdemo-caseworkers csgwdemo-compliance; do groupdel "$g" 2>/dev/null || true; done
}
as_root=false
if [ "$(id -u)" -eq 0 ]; then
	as_root=true
	remove_people
	groupadd csgwdemo-caseworkers && groupadd csgwdemo-compliance
	useradd --no-create-home --groups csgwdemo-caseworkers "$CW"
	useradd --no-create-home --groups csgwdemo-compliance "$COMP"
fi
cleanup() {
	if [ -f ca06-daemon.pid ]; then
		kill "$(cat ca06-daemon.pid)" 2>/dev/null || true
		sleep 0.5
	fi
	stop_sftp
	if $as_root; then remove_people; fi
	rm -rf "$people"
}
trap cleanup EXIT
port=$(cat "$out/sftp/port")
mkdir -p sftp/remote/to-tx sftp/remote/to-ca sftp/remote/federal-in sftp/remote/federal-out
echo "  an OpenSSH sshd on 127.0.0.1:$port holds the mailboxes (sftp/remote)"

# gateway PARTY STATE: the [gateway] section of one state's gateway.conf.
gateway() {
	mkdir -p "$1-spool" "$1-audit"
	cat <<-EOF
		[gateway]
		state = $2
		environment = test
		spool = $1-spool
		audit_db = $1-audit/audit.db
		checkpoint_dir = $1-audit
		signing_cert = pki/$1/local/signing.pem
		signing_key = pki/$1/private/signing.key
		ca_bundle = pki/$1/trusted/ca.pem
		subject_key = pki/$1/private/subject.key
		drop_min_age = 0

	EOF
}
# partner PARTY NAME CLASS STATE PEER INBOX OUTBOX FAMILIES: one [partner].
partner() {
	cat <<-EOF
		[partner $2]
		class = $3
		${4:+state = $4}
		host = 127.0.0.1
		port = $port
		user = $(id -un)
		ssh_key = pki/$1/private/ssh_ed25519
		known_hosts = sftp/known_hosts
		remote_inbox = $out/sftp/remote/$6
		remote_outbox = $out/sftp/remote/$7
		families = $8
		acknowledge = yes
		cert = pki/$1/partners/$5.pem

	EOF
}
{
	gateway ca06 06
	cat <<-EOF
		control_socket = $people/ca06.sock

		[roles]
		caseworker = csgwdemo-caseworkers
		compliance = csgwdemo-compliance

	EOF
	partner ca06 TX iv-d-agency 48 tx48 to-tx to-ca "locate referral"
	partner ca06 OCSE federal-office "" ocse federal-in federal-out "fcr locate ndnh offset"
} >ca06.conf
{
	gateway tx48 48
	partner tx48 CA iv-d-agency 06 ca06 to-ca to-tx "locate referral"
} >tx48.conf
ca check-config
tx check-config
# What a person's csgw reads: where the daemon listens.
cp ca06.conf "$people/ca06.conf"
chmod 644 "$people/ca06.conf"

say "1. CA's batch jobs drop an FCR registration, NDNH new hires and offset certifications for OCSE"
# The offset sample's first two cases as CA0003 (non-TANF, over the passport
# threshold) and CA0004 (TANF, arrears owed to the state).
sed -n 1,2p "$top/tests/data/offset-submission.txt" |
	sed -e 's/CS2026000101/CA0003      /' -e 's/CS2026000102/CA0004      /' >offset-submission.txt
for t in fcr-input ndnh-report offset-submission; do
	src=$top/tests/data/$t.txt
	[ "$t" != offset-submission ] || src=$out/offset-submission.txt
	mkdir -p "ca06-spool/outgoing/OCSE/$t"
	cp "$src" "ca06-spool/outgoing/OCSE/$t/.$t.tmp"
	mv "ca06-spool/outgoing/OCSE/$t/.$t.tmp" "ca06-spool/outgoing/OCSE/$t/$t.txt"
	echo "  ca06-spool/outgoing/OCSE/$t/$t.txt ($(wc -l <"$src") fixed-width lines)"
done

say "1. CA recorded a family violence indicator for a parent; CA's daemon starts"
ca protect add --ssn 906-54-3210 --flag family-violence
daemon_start
echo "  csgw run serves people's commands at $(basename "$people")/ca06.sock"
say "1. CA's caseworker ($CW, a Unix account) asks TX where two parents are, as themselves"
as $CW locate request --partner TX --case CA0001 --ssn 900-12-3456 --name "Doe, John" \
	--dob 1980-02-03 --purpose child-support
as $CW locate request --partner TX --case CA0002 --ssn 906-54-3210 --name "Roe, Richard" \
	--purpose child-support
say "1. ... and refers an enforcement case to TX, with the support order"
as $CW refer --to TX --function ENF --action R --reason FRINF --case CA0003 --ssn 900-55-1234 \
	--name "Poe, Edgar" --field supportOrder.orderNumber=SO-2024-77 \
	--field supportOrder.amount=350.00 --field supportOrder.frequency=M
as $CW refer list
say "1. the caseworker may not read the audit log, nor lift a protection"
as $CW audit search --case CA0001
as $CW protect remove --ssn 906-54-3210 --flag family-violence --reason "asked by phone"

say "2. CA's daemon: every record decided and logged, signed, sent (csgw run)"
for _ in $(seq 100); do
	[ "$(find sftp/remote/to-tx sftp/remote/federal-in -name '*.xml' | wc -l)" -ge 6 ] && break
	sleep 0.1
done
daemon_stop
daemon_log
set -- sftp/remote/to-tx/*.xml
n_tx=$#
set -- sftp/remote/federal-in/*.xml
echo "  on the server: $n_tx file(s) for TX, $# for OCSE, each with its .p7s"

say "3. TX's daemon: fetches, verifies CA's signature, delivers to TX's inbox, acknowledges"
cycle tx48.conf
tx locate list --inbound
tx refer list --inbound

say "3. TX's caseworker answers both quick locates, from TX's records"
tx locate answer CA-060000000001 --reason LSALL \
	--field "ncpLocate.residentialAddressLine1=1400 CONGRESS AVE" \
	--field ncpLocate.residentialCity=AUSTIN --field ncpLocate.residentialState=TX \
	--field ncpLocate.residentialZip=78701 --field ncpLocate.residentialAddressConfirmed=Y \
	--field "ncpLocate.employerName=LONE STAR FREIGHT" --field ncpLocate.employerConfirmed=Y
tx locate answer CA-060000000002 --reason LSADR \
	--field "ncpLocate.residentialAddressLine1=77 RIVER RD" --field ncpLocate.residentialCity=WACO \
	--field ncpLocate.residentialState=TX --field ncpLocate.residentialZip=76701
cycle tx48.conf

say "4. CA's daemon: TX's receipts settle CA's files, the answers are matched to the requests"
cycle ca06.conf
daemon_start
as $CW locate list
say "4. the caseworker reads the answers (csgw locate show)"
as $CW locate show L-000001
as $CW locate show L-000002
daemon_stop

say "5. CA's registry: who opened each case, assistance, arrears, remedies in force"
ca case set CA0003 --opened-by custodial-party --assistance none --arrears-family 3100 \
	--remedy license-suspension
ca case set CA0004 --opened-by tanf-referral --assistance none --arrears-state 1200
ca case show CA0003
say "5. the noncustodial parent asks to close CA0003: only the party who opened it may"
ca case set CA0003 --enforcement closed --requested-by noncustodial-parent \
	--reason "parent asks to end enforcement"
say "5. the custodial party, who opened it, asks: every remedy is released, TX is told (MSC)"
ca case set CA0003 --enforcement closed --requested-by custodial-party \
	--reason "custodial party asked to close; obligation paid"
sed 's/^/  /' ca06-spool/inbox/release/closure-CA0003-*.txt
say "5. CA closes TANF case CA0004 (assistance ended): the tax refund offset continues"
ca case set CA0004 --enforcement closed --reason "cash assistance ended"
say "5. enforcement stops for CA0003"
printf '$ csgw -c ca06.conf refer --to TX --function ENF --action M --reason FRINF --case CA0003\n'
if "$csgw" -c ca06.conf refer --to TX --function ENF --action M --reason FRINF --case CA0003 \
	>refused.txt 2>&1; then
	echo "demo: an enforcement transaction for a closed case was accepted; that is a bug" >&2
	exit 1
fi
sed 's/^/  /' refused.txt
echo "  (exit 77: refused by the policy)"
cycle ca06.conf
cycle tx48.conf
say "5. what OCSE now holds for CA0003 and CA0004 (offset delete and exclusions sent)"
ca case show CA0003
ca case show CA0004

say "6. where each side stands (csgw status) and its audit log (csgw audit verify)"
ca status || true
tx status || true
tx audit verify
say "6. CA's compliance officer ($COMP) verifies CA's log and sees who did what"
daemon_start
as $COMP audit verify
as $COMP audit search --actor $CW
as $COMP locate request --partner TX --case CA0009 --ssn 900-12-9999 --name "Ray, Al" \
	--purpose child-support
say "7. CA's compliance officer writes the disclosure review (HTML, for a browser)"
review=$out/ca06-review.html
if $as_root; then
	# Into a folder of their own: their csgw makes the file, the daemon
	# writes it through the descriptor.
	mkdir "$people/comp" && chown "$COMP" "$people/comp" && chmod 700 "$people/comp"
	(cd "$people/comp" && as $COMP audit report -o review.html)
	cp "$people/comp/review.html" "$review"
else
	as $COMP audit report -o "$review"
fi
daemon_stop

say "where to look next"
echo "the two gateways: $out/ca06.conf, $out/tx48.conf (keys: gateway/gateway.conf.example)"
echo "what crossed the wire: $out/sftp/remote (signed XML and .p7s); TX's server log: $out/sftp/sshd.log"
echo "TX's inbox: $out/tx48-spool/inbox; the spools: spool/README.md; csgw queue --help"
echo "requests and answers: csgw -c $out/ca06.conf locate list / refer list / locate show ID"
echo "every disclosure: csgw -c $out/ca06.conf audit search --case CA0001"
echo "the compliance review: $review (csgw audit report --help)"
echo "the disclosure policy: mappings/policy/policy.xml (mappings/policy/README.md)"
echo "record layouts: csgw mapping show referral; all tests: make test"
echo "(demo done in $(($(date +%s) - start)) s)"
