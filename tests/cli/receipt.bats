#!/usr/bin/env bats
# receipt.bats - signed receipts: TX acknowledges a batch that CA sent it,
# CA checks the receipt. Checked with xmllint --schema and openssl cms too.

load helpers
load pki

setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
}

setup() {
	use_pki
	"$CSGW" --environment test map referral "$DATA/referral.txt" -o sent.xml >/dev/null
}

@test "TX's receipt for CA's batch: schema-valid, signed, and checked by CA" {
	run "$CSGW" -c "$TX" receipt make sent.xml --partner CA -o r.xml
	[ "$status" -eq 0 ]
	[[ "$output" == "r.xml: receipt for sent.xml (batch 000057, sha256 $(sha256sum sent.xml | cut -c1-64)): accepted, 13 accepted, 0 rejected; signed in r.xml.p7s" ]]
	run xmllint --noout --schema "$CSGW_TOP/mappings/receipt/receipt.xsd" r.xml
	[ "$status" -eq 0 ]
	run openssl_verify r.xml r.xml.p7s
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$CA" receipt check r.xml --partner TX --for sent.xml
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "r.xml: authentic receipt from partner TX (state 48)" ]]
	[[ "$output" == *"file      sent.xml"* ]]
	[[ "$output" == *"sha256    $(sha256sum sent.xml | cut -c1-64)"* ]]
	[[ "$output" == *"batch     000057"* ]]
	[[ "$output" == *"received  $(date -u +%Y-%m-%d) "* ]]
	[[ "$output" == *"status    accepted: 13 records accepted, 0 rejected"* ]]
}

@test "a received file whose name has spaces: the receipt names it with '_' (the digest is what counts)" {
	cp sent.xml "sent from tx.xml"
	run "$CSGW" -c "$TX" receipt make "sent from tx.xml" --partner CA -o r.xml
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$CA" receipt check r.xml --partner TX --for "sent from tx.xml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"file      sent_from_tx.xml"* ]]
}

@test "rejected records carry their codes and messages; the trailer counts them" {
	"$CSGW" -c "$TX" receipt make sent.xml --partner CA -o r.xml \
		--reject "3:RC014:LOCAL CASE ID NOT FOUND" --reject "3:RW002:OTHER CASE ID MISSING" \
		--reject "7:RC020:UNKNOWN REASON CODE"
	run "$CSGW" -c "$CA" receipt check r.xml --partner TX --for sent.xml
	[ "$status" -eq 0 ]
	[[ "$output" == *"status    accepted: 11 records accepted, 2 rejected"* ]]
	[[ "$output" == *"record 3: RC014 LOCAL CASE ID NOT FOUND; RW002 OTHER CASE ID MISSING"* ]]
	[[ "$output" == *"record 7: RC020 UNKNOWN REASON CODE"* ]]
	grep -q '<recordCount>2</recordCount>' r.xml
}

@test "a file rejected as a whole, with batch facts given for a file csgw cannot read" {
	printf 'not a batch\n' >junk.bin
	run "$CSGW" -c "$TX" receipt make junk.bin --partner CA
	[ "$status" -eq 65 ]
	[[ "$output" == *"junk.bin is not a batch csgw can read (above); give --batch and --records"* ]]
	[ ! -e junk.bin.receipt.xml ]
	run "$CSGW" -c "$TX" receipt make junk.bin --partner CA --batch 000123 --records 0 \
		--reject-file "BADXM:NOT WELL-FORMED XML"
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$CA" receipt check junk.bin.receipt.xml --partner TX --for junk.bin
	[ "$status" -eq 0 ]
	[[ "$output" == *"status    REJECTED: 0 records accepted, 0 rejected"* ]]
	[[ "$output" == *"the file: BADXM NOT WELL-FORMED XML"* ]]
}

@test "a receipt changed after signing, or for another file, or from the wrong partner: exit 65" {
	"$CSGW" -c "$TX" receipt make sent.xml --partner CA -o r.xml
	cp r.xml good.xml
	sed -i 's|<status>A</status>|<status>R</status>|' r.xml
	run "$CSGW" -c "$CA" receipt check r.xml --partner TX
	[ "$status" -eq 65 ]
	[[ "$output" == *"r.xml: the content does not match its signature r.xml.p7s"* ]]

	cp good.xml r.xml
	cp "$DATA/referral.txt" other.txt
	run "$CSGW" -c "$CA" receipt check r.xml --partner TX --for other.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"r.xml acknowledges sha256 $(sha256sum sent.xml | cut -c1-64); other.txt has sha256 $(sha256sum other.txt | cut -c1-64): not this file"* ]]

	run "$CSGW" -c "$CA" verify r.xml --partner OCSE
	[ "$status" -eq 65 ]
	[[ "$output" == *"not by the partner's certificate"* ]]
	# Receipts name states: a partner without one fails closed.
	run "$CSGW" -c "$CA" receipt check r.xml --partner OCSE
	[ "$status" -eq 78 ]
	[[ "$output" == *"checking a receipt needs [gateway] state and [partner OCSE] state"* ]]

	# Signed by TX, but made for a file TX received from someone else.
	run "$CSGW" -c "$TX" receipt check r.xml --partner CA
	[ "$status" -eq 65 ]
}

@test "a signed file that is not a receipt is refused" {
	"$CSGW" -c "$TX" sign sent.xml
	run "$CSGW" -c "$CA" receipt check sent.xml --partner TX
	[ "$status" -eq 65 ]
	[[ "$output" == *"a referral batch, not a receipt"* ]]
}

@test "bad reasons are refused by the receipt's field rules, and nothing is written" {
	run "$CSGW" -c "$TX" receipt make sent.xml --partner CA -o r.xml --reject "2:rc014:lower case"
	[ "$status" -eq 65 ]
	[[ "$output" == *"errorCode1"* ]]
	[ ! -e r.xml ] && [ ! -e r.xml.p7s ]
	run "$CSGW" -c "$TX" receipt make sent.xml --partner CA -o r.xml --reject "99:RC014:NO SUCH RECORD"
	[ "$status" -eq 64 ]
	[[ "$output" == *"--reject 99: sent.xml has 13 records"* ]]
	run "$CSGW" -c "$TX" receipt make sent.xml --partner CA -o r.xml --reject "RC014"
	[ "$status" -eq 64 ]
	[ ! -e r.xml ]
}

@test "receipt make: -o -, a batch number that is not 6 digits, over-long codes: refused, nothing cut short" {
	run "$CSGW" -c "$TX" receipt make sent.xml --partner CA -o -
	[ "$status" -eq 64 ]
	[[ "$output" == *"not standard output"* ]]
	printf 'x\n' >junk.bin
	run "$CSGW" -c "$TX" receipt make junk.bin --partner CA --batch 1234567 --records 0
	[ "$status" -eq 64 ]
	[[ "$output" == *"--batch '1234567': expected the 6-digit batch number"* ]]
	run "$CSGW" -c "$TX" receipt make sent.xml --partner CA -o r.xml --reject "2:RC01499:TOO LONG"
	[ "$status" -eq 64 ]
	long=$(printf 'A%.0s' $(seq 51))
	run "$CSGW" -c "$TX" receipt make sent.xml --partner CA -o r.xml --reject "2:RC014:$long"
	[ "$status" -eq 64 ]
	[[ "$output" == *"a message of at most 50 characters"* ]]
	[ ! -e r.xml ]
	! ls -A | grep -q 'tmp$' || false
}

@test "a failed receipt leaves the earlier receipt and signature as they were" {
	"$CSGW" -c "$TX" receipt make sent.xml --partner CA -o r.xml
	cp r.xml r.before
	cp r.xml.p7s p7s.before
	run "$CSGW" -c "$TX" receipt make sent.xml --partner CA -o r.xml --reject "2:rc:lower case"
	[ "$status" -eq 65 ]
	cmp r.xml r.before
	cmp r.xml.p7s p7s.before
	! ls -A | grep -q 'tmp$' || false
}

@test "receipt check parses exactly the bytes it verified: a FIFO cannot serve two versions" {
	"$CSGW" -c "$TX" receipt make sent.xml --partner CA -o good.xml
	mkfifo r.xml
	cp good.xml.p7s r.xml.p7s
	run "$CSGW" -c "$CA" receipt check r.xml --partner TX
	[ "$status" -eq 66 ]
	[[ "$output" == *"r.xml: not a regular file"* ]]
}

@test "a partner without a state code cannot be named in a receipt: configuration error" {
	run "$CSGW" -c "$TX" receipt make sent.xml --partner OCSE
	[ "$status" -eq 78 ]
	[[ "$output" == *"a receipt needs [gateway] state and [partner OCSE] state"* ]]
	run "$CSGW" receipt --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: csgw"*"receipt make"* ]]
}
