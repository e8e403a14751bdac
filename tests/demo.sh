#!/bin/sh
# demo.sh - what csgw does today, on the sample extracts of tests/data.
#
# usage: tests/demo.sh PATH_TO_CSGW
# For every batch type: map the fixed-width extract to XML, validate it
# with csgw and with xmllint against the generated schema, unmap it and
# compare with the original.  Then one bad extract, refused.
# Then the signing of the exchange between two states, CA (06) and TX
# (48), with a development PKI (certs/init-dev.sh, not for production):
# CA signs its batches, TX verifies them (csgw and openssl cms), TX sends
# back a signed receipt, CA checks it; a changed file and a signature by
# the wrong partner are refused.
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
# conf PARTY STATE PEER PEER_STATE PEER_NAME: the gateway.conf of one state.
conf() {
	mkdir -p "$1-spool" "$1-audit"
	: >known_hosts
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

[partner $5]
class = iv-d-agency
state = $4
host = 127.0.0.1
user = csgw
ssh_key = pki/$1/private/ssh_ed25519
known_hosts = known_hosts
remote_inbox = /inbound
remote_outbox = /outbound
families = locate referral
cert = pki/$1/partners/$3.pem
EOF
}
conf ca06 06 tx48 48 TX
conf tx48 48 ca06 06 CA

say "CA signs its referral batch for TX (csgw sign: detached CMS, SHA-256)"
"$csgw" -c ca06.conf sign referral.xml
say "TX verifies it: CA's own certificate, its chain, dates and key usage (csgw verify --partner CA)"
"$csgw" -c tx48.conf verify --partner CA referral.xml
printf 'openssl agrees: '
openssl cms -verify -binary -inform DER -content referral.xml -in referral.xml.p7s \
	-CAfile pki/tx48/trusted/ca.pem -purpose any -out /dev/null
say "TX acknowledges it: accepted, record 3 rejected (csgw receipt make)"
"$csgw" -c tx48.conf receipt make referral.xml --partner CA -o referral.receipt.xml \
	--reject "3:RC014:LOCAL CASE ID NOT FOUND"
say "CA checks TX's receipt against the file it sent (csgw receipt check --for)"
"$csgw" -c ca06.conf receipt check referral.receipt.xml --partner TX --for referral.xml

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

say "where to look next"
echo "XML batches, generated schemas and round-trip copies: $out"
echo "record layouts: $csgw mapping show ndnh    configuration: gateway/gateway.conf.example"
echo "signatures, receipt, the two gateway.conf files: $out/*.p7s, referral.receipt.xml, *.conf"
echo "the development PKI: $out/pki (layout: certs/README.md)"
