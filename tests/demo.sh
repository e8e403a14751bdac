#!/bin/sh
# demo.sh - what csgw does today, on the sample extracts of tests/data.
#
# usage: tests/demo.sh PATH_TO_CSGW
# For every batch type: map the fixed-width extract to XML, validate it
# with csgw and with xmllint against the generated schema, unmap it and
# compare with the original.  Then one bad extract, refused.
# Then an exchange between two states, CA (06) and TX (48), with a
# development PKI (certs/init-dev.sh, not for production) and TX's SFTP
# server (a real OpenSSH sshd on 127.0.0.1, tests/sshd.sh, stopped at the
# end): CA checks the connection, signs and uploads its referral batch; TX
# verifies it (csgw and openssl cms) and leaves a signed receipt in its
# outbox; CA fetches the receipt, verifying TX's signature, and checks it
# against the file it sent.  CA flags a parent with family violence and
# sends its locate responses to TX through the disclosure policy: the IRS
# address is withheld (federal tax information), the flagged parent's
# response becomes a "disclosure prohibited" notice, every decision is in
# CA's audit log.  A changed file and a signature by the wrong partner are
# refused.
# Everything is written under demo-out/ (git-ignored).
set -eu
csgw=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/demo-out"
rm -rf "$out"
mkdir -p "$out"
cd "$out"

say() { printf '\n== %s\n' "$*"; }

say "csgw $("$csgw" --version | cut -d' ' -f2): families and batch types (csgw mapping list)"
"$csgw" mapping list

for f in "$top"/tests/data/*.txt; do
	type=$(basename "$f" .txt)
	family=${type%%-*}
	say "$type: $(wc -l <"$f") fixed-width lines -> XML -> fixed width"
	"$csgw" --environment test map "$type" "$f" -o "$type.xml"
	"$csgw" mapping xsd "$family" >"$family.xsd"
	"$csgw" --environment test validate "$type.xml"
	xmllint --noout --schema "$family.xsd" "$type.xml" 2>&1 | sed 's/^/xmllint: /'
	"$csgw" --environment test unmap "$type.xml" -o "$type.back.txt"
	cmp "$f" "$type.back.txt" && echo "round trip: $type.back.txt is byte for byte the original"
done

say "a bad extract: one new-hire record with an impossible date and an SSN with serial 0000"
cp "$top/tests/data/ndnh-report.txt" bad.txt
awk 'NR == 2 { $0 = substr($0, 1, 2) "900120000" substr($0, 12, 260) "20230229" substr($0, 280) } { print }' \
	bad.txt >bad.tmp && mv bad.tmp bad.txt
if "$csgw" --environment test map ndnh-report bad.txt -o bad.xml; then
	echo "demo: the bad extract was accepted; that is a bug" >&2
	exit 1
fi
[ ! -e bad.xml ] && echo "(exit 65; no bad.xml was written; the SSN is masked)"

say "signing: a development PKI (NOT FOR PRODUCTION) for CA (06), TX (48) and OCSE"
"$top/certs/init-dev.sh" pki | sed 's/^/  /'

# TX's SFTP server, which accepts CA's SSH key; stopped however the demo ends.
"$top/tests/sshd.sh" start "$out/tx-sftp" --authorize pki/ca06/private/ssh_ed25519.pub \
	--authorize pki/tx48/private/ssh_ed25519.pub --owner $$ >/dev/null
trap '"$top/tests/sshd.sh" stop "$out/tx-sftp"' EXIT
sftp_port=$(cat "$out/tx-sftp/port")

# conf PARTY STATE PEER PEER_STATE PEER_NAME INBOX OUTBOX: the gateway.conf
# of one state; TX uploads where CA downloads and the other way round.
conf() {
	mkdir -p "$1-spool" "$1-audit"
	cat >"$1.conf" <<EOF
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
drop_min_age = 0                ; the demo's producers rename files into place

[partner $5]
class = iv-d-agency
state = $4
host = 127.0.0.1
port = $sftp_port
user = $(id -un)
ssh_key = pki/$1/private/ssh_ed25519
known_hosts = tx-sftp/known_hosts
remote_inbox = $out/tx-sftp/remote/$6
remote_outbox = $out/tx-sftp/remote/$7
families = locate referral
cert = pki/$1/partners/$3.pem
EOF
}
conf ca06 06 tx48 48 TX inbound outbound
conf tx48 48 ca06 06 CA outbound inbound

inbox=tx-sftp/remote/inbound
outbox=tx-sftp/remote/outbound
say "CA checks its connection to TX's SFTP server (csgw partner check TX)"
"$csgw" -c ca06.conf partner check TX
say "CA signs its referral batch and uploads it to TX's inbox (csgw send TX)"
"$csgw" -c ca06.conf send TX referral.xml
say "TX verifies it: CA's own certificate, its chain, dates and key usage (csgw verify --partner CA)"
"$csgw" -c tx48.conf verify --partner CA "$inbox/referral.xml"
printf 'openssl agrees: '
openssl cms -verify -binary -inform DER -content "$inbox/referral.xml" \
	-in "$inbox/referral.xml.p7s" -CAfile pki/tx48/trusted/ca.pem -purpose any -out /dev/null
say "TX acknowledges it in its outbox: accepted, record 3 rejected (csgw receipt make)"
"$csgw" -c tx48.conf receipt make "$inbox/referral.xml" --partner CA \
	-o "$outbox/referral.receipt.xml" --reject "3:RC014:LOCAL CASE ID NOT FOUND"
say "CA fetches the receipt, verifying TX's signature (csgw fetch TX)"
"$csgw" -c ca06.conf fetch TX
say "CA checks TX's receipt against the file it sent (csgw receipt check --for)"
"$csgw" -c ca06.conf receipt check ca06-spool/incoming/TX/referral.receipt.xml --partner TX \
	--for referral.xml

say "CA's caseworker records a family violence indicator for one parent (csgw protect add)"
"$csgw" -c ca06.conf protect add --ssn 906-54-3210 --flag family-violence
say "what of CA's locate responses may go to TX for child support (csgw policy explain)"
"$csgw" -c ca06.conf policy explain locate-response.xml --partner TX --purpose child-support |
	grep -E '^record|^  (subject|decision|reason|notice)'
say "CA sends what may go, every decision logged (csgw policy apply; csgw send TX)"
"$csgw" -c ca06.conf policy apply locate-response.xml --partner TX --purpose child-support \
	-o locate-to-tx.xml
"$csgw" -c ca06.conf send TX locate-to-tx.xml
"$csgw" -c tx48.conf verify --partner CA "$inbox/locate-to-tx.xml"
printf 'at TX: %s responses, %s notices, %s IRS addresses\n' \
	"$(grep -c '<locateResponse>' "$inbox/locate-to-tx.xml")" \
	"$(grep -c '<disclosureProhibited>' "$inbox/locate-to-tx.xml")" \
	"$(grep -A14 '<agencyCode>C01<' "$inbox/locate-to-tx.xml" | grep -c '<addressLine1>' || true)"

say "CA's disclosure audit log: every decision, the receipt, the protection (csgw audit search, verify)"
"$csgw" -c ca06.conf audit search --partner TX
"$csgw" -c ca06.conf audit verify

say "refused: the signed batch with one byte changed"
cp referral.xml changed.xml
cp referral.xml.p7s changed.xml.p7s
printf '9' | dd of=changed.xml bs=1 seek=200 conv=notrunc 2>/dev/null
if "$csgw" -c tx48.conf verify --partner CA changed.xml; then
	echo "demo: a changed file verified; that is a bug" >&2
	exit 1
fi
say "refused: a good signature, but made with OCSE's key where CA's is expected"
"$csgw" -c ca06.conf sign --cert pki/ocse/local/signing.pem --key pki/ocse/private/signing.key \
	ndnh-report.xml >/dev/null
if "$csgw" -c tx48.conf verify --partner CA ndnh-report.xml; then
	echo "demo: a signature by the wrong partner verified; that is a bug" >&2
	exit 1
fi

say "the daemons: a producer drops a locate request batch into CA's outgoing spool; CA's csgw run takes it, decides and logs every record, signs and uploads it, and waits for TX's receipt"
# The files of the steps above are set aside: csgw run would take what
# csgw fetch left in CA's incoming folder (and quarantine the receipt of a
# file it did not send itself).
rm -f "$inbox"/* "$outbox"/*
mkdir -p manual-fetch && mv ca06-spool/incoming manual-fetch/
mkdir -p ca06-spool/outgoing/TX
cp locate-request.xml ca06-spool/outgoing/TX/.requests.tmp
mv ca06-spool/outgoing/TX/.requests.tmp ca06-spool/outgoing/TX/requests.xml
"$csgw" -c ca06.conf run --once
say "TX's csgw run fetches it, verifies CA's signature, checks it, delivers it to TX's inbox once, and sends a signed receipt"
"$csgw" -c tx48.conf run --once
ls tx48-spool/inbox/locate
say "CA's csgw run fetches the receipt: the entry is done (csgw queue list; csgw status)"
"$csgw" -c ca06.conf run --once
"$csgw" -c ca06.conf queue list
"$csgw" -c ca06.conf status

say "where to look next"
echo "XML batches, generated schemas and round-trip copies: $out"
echo "record layouts: $csgw mapping show ndnh    configuration: gateway/gateway.conf.example"
echo "signatures, the two gateway.conf files: $out/*.p7s, *.conf"
echo "the disclosure policy: mappings/policy/policy.xml (mappings/policy/README.md); $csgw policy explain --help"
echo "what crossed the wire: $out/tx-sftp/remote (TX's server), $out/ca06-spool/incoming/TX (CA's side)"
echo "TX's server log: $out/tx-sftp/sshd.log"
echo "the spools: $out/ca06-spool, $out/tx48-spool (spool/README.md); csgw run --help, csgw queue --help"
echo "the development PKI: $out/pki (layout: certs/README.md)"
