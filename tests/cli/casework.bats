#!/usr/bin/env bats
# casework.bats - the workflows people start, between two gateways (CA and
# TX) through a real OpenSSH sshd: a caseworker's locate (to another state
# as a quick locate, and to the FPLS), interstate referrals with their
# acknowledgements and answers matched by serial number, case closure, and
# the bad paths: an unknown reason code, a referral for a closed
# enforcement case, a locate for an unauthorized purpose, an answer for an
# unknown serial number, a partner that never answers.

load helpers
load pki
load sftp
load daemon

setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
	start_pair "$BATS_FILE_TMPDIR"
}

teardown_file() {
	"$SSHD_SH" stop "$BATS_FILE_TMPDIR/pair-sshd"
}

setup() {
	use_pair
	rm -f "$PKI"/ca06-pair-audit/*.db* "$PKI"/tx48-pair-audit/*.db*
}

# One cycle of each gateway, A first: what A queued reaches B, and back.
cycle() {
	run "$CSGW" -c "${1:-$A}" run --once
	echo "$output" >>"$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 0 ]
}

# A quick locate from CA to TX for a subject; prints the request id.
quick_locate() {
	"$CSGW" -c "$A" locate request --partner TX --case CASE-0001 --ssn 900-12-3456 \
		--name "Doe, John Q" --dob 1980-02-03 --purpose child-support "$@" |
		sed -n 's/^\(L-[0-9]*\): .*/\1/p'
}

@test "quick locate: CA asks TX, TX answers with a reason code, CA sees the answer" {
	id=$(quick_locate)
	[ "$id" = L-000001 ]
	run "$CSGW" -c "$A" locate list
	[ "$status" -eq 0 ]
	[[ "$output" == *"L-000001"*"TX"*"CASE-0001"*"LO1 R LRALL"*"***-**-3456"*"pending"* ]]
	cycle "$A"
	# The transaction on the wire: an LO1 request with a 12-digit serial
	# that starts with CA's FIPS code, signed, valid for the schema.
	f=$(ls "$TO_TX"/*.xml)
	xmllint --noout --schema "$CSGW_TOP/mappings/referral/referral.xsd" "$f"
	grep -q '<functionCode>LO1</functionCode>' "$f"
	grep -q '<transactionSerialNumber>060000000001</transactionSerialNumber>' "$f"
	openssl_verify "$f" "$f.p7s"

	cycle "$B"
	[[ "$output" == *"LO1 R LRALL from CA: recorded as CA-060000000001"* ]]
	run "$CSGW" -c "$B" locate list --inbound
	[[ "$output" == *"CA-060000000001"*"in"*"CA"*"CASE-0001"*"received"* ]]
	run "$CSGW" -c "$B" locate show CA-060000000001
	echo "$output"
	[[ "$output" == *"ncpIdentification.lastName"*"DOE"* ]]
	[[ "$output" == *"ncpIdentification.ssn"*"***-**-3456"* ]]
	[[ "$output" != *"900123456"* ]]

	run "$CSGW" -c "$B" locate answer CA-060000000001 --reason LSADR \
		--field "ncpLocate.residentialAddressLine1=12 MAIN ST" \
		--field ncpLocate.residentialCity=AUSTIN --field ncpLocate.residentialState=TX \
		--field ncpLocate.residentialZip=73301 --field ncpLocate.residentialAddressConfirmed=Y
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"060000000001: LO1 P LSADR to CA"* ]]
	run "$CSGW" -c "$B" locate list --inbound
	[[ "$output" == *"CA-060000000001"*"answered"* ]]
	cycle "$B"
	cycle "$A"
	[[ "$output" == *"LO1 P LSADR answers L-000001"* ]] || [[ "$output" == *"answers 060000000001"* ]]
	run "$CSGW" -c "$A" locate show L-000001
	echo "$output"
	[[ "$output" == *"status        answered"* ]]
	[[ "$output" == *"answer from TX"*"P LSADR"* ]]
	[[ "$output" == *"ncpLocate.residentialAddressLine1"*"12 MAIN ST"* ]]
	run "$CSGW" -c "$A" locate list --status answered
	[[ "$output" == *"L-000001"* ]]
}
