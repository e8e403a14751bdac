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

teardown() {
	local pid
	for pid in ${DAEMONS:-}; do
		kill -9 "$pid" 2>/dev/null || true
	done
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
	"$CSGW" -c "$A" locate request --partner TX --case CASE0001 --ssn 900-12-3456 \
		--name "Doe, John Q" --dob 1980-02-03 --purpose child-support "$@" |
		sed -n 's/^\(L-[0-9]*\): .*/\1/p'
}

@test "quick locate: CA asks TX, TX answers with a reason code, CA sees the answer" {
	id=$(quick_locate)
	[ "$id" = L-000001 ]
	run "$CSGW" -c "$A" locate list
	[ "$status" -eq 0 ]
	[[ "$output" == *"L-000001"*"TX"*"CASE0001"*"LO1 R LRALL"*"***-**-3456"*"pending"* ]]
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
	[[ "$output" == *"CA-060000000001"*"in"*"CA"*"CASE0001"*"received"* ]]
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

@test "a person with the family violence indicator: the answer shows only the prohibition" {
	"$CSGW" -c "$A" protect add --ssn 900-12-3456 --flag family-violence >/dev/null
	id=$(quick_locate)
	cycle "$A"
	cycle "$B"
	"$CSGW" -c "$B" locate answer CA-060000000001 --reason LSEMP \
		--field "ncpLocate.employerName=ACME TOOLS" >/dev/null
	cycle "$B"
	cycle "$A"
	run "$CSGW" -c "$A" locate show "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"DISCLOSURE PROHIBITED, COURT ONLY"*"Only a court may receive"* ]]
	[[ "$output" == *"L-FAMILY-VIOLENCE"* ]]
	[[ "$output" == *"status        prohibited"* ]]
	run "$CSGW" -c "$A" locate list --status prohibited
	[[ "$output" == *"$id"* ]]
	[[ "$output" != *"ACME"* ]]
	# A court requester may see it (42 U.S.C. 653(b)(2)): the same answer
	# is kept, only shown through the policy.
	run "$CSGW" -c "$A" locate request --partner TX --case CASE0001 --ssn 900-12-3456 \
		--name "Doe, John" --purpose custody-visitation --requester court --order CV-2026-0042
	[ "$status" -eq 77 ]
	[[ "$output" == *"PURPOSE-NOT-AUTHORIZED"* ]]
}

@test "a locate for a purpose the requester is not authorized for is refused and logged" {
	run "$CSGW" -c "$A" locate request --partner TX --case CASE0002 --ssn 900-12-3457 \
		--name "Roe, Richard" --purpose custody-visitation
	echo "$output"
	[ "$status" -eq 77 ]
	[[ "$output" == *"not authorized for a iv-d-agency requester (42 U.S.C. 653(c)(1))"* ]]
	[[ "$output" != *"900123457"* ]]
	[ -z "$(entries "$ASPOOL" active)" ]
	run "$CSGW" -c "$A" audit search --case CASE0002 --format csv
	[[ "$output" == *"refused"*"PURPOSE-NOT-AUTHORIZED"* ]]
	run "$CSGW" -c "$A" locate list
	[[ "$output" == *"no locate requests yet"* ]]
	# Unknown purposes and classes are usage errors.
	run "$CSGW" -c "$A" locate request --partner TX --case C --ssn 900-12-3457 \
		--name "Roe, R" --purpose fishing
	[ "$status" -eq 64 ]
	[[ "$output" == *"--purpose fishing: not a purpose of the policy"* ]]
}

@test "referral: an unknown reason code is named, nothing is queued" {
	run "$CSGW" -c "$A" refer --to TX --function ENF --action R --reason XXXXX --case CASE0003
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"transaction.reasonCode: 'XXXXX'"* ]]
	[ -z "$(entries "$ASPOOL" active)" ]
	run "$CSGW" -c "$A" refer --to TX --function ENF --action R --reason FRINF --case CASE0003 \
		--field ncpIdentification.eyeColor=GREEN --field supportOrder.frequency=Q
	[ "$status" -eq 65 ]
	[[ "$output" == *"supportOrder.frequency: 'Q'"* ]]
	run "$CSGW" -c "$A" refer --to TX --function ENF --action P --reason FRINF --case CASE0003
	[ "$status" -eq 64 ]
	[[ "$output" == *"carries the serial of the request it answers"* ]]
	run "$CSGW" -c "$A" refer --to NOPE --function ENF --action R --reason FRINF --case C
	[ "$status" -eq 64 ]
	[[ "$output" == *"no [partner NOPE]"* ]]
}

@test "referral by FIPS code, acknowledged by a partner that asks for it, answered by serial" {
	b=$(pair_variant "$B" acknowledge yes partner)
	run "$CSGW" -c "$A" refer --to 48 --function ENF --action R --reason FRINF \
		--case CASE0004 --ssn 900-12-3458 --name "Poe, Edgar" \
		--field supportOrder.orderNumber=ORD123 --field supportOrder.amount=250.00 \
		--field supportOrder.frequency=M
	echo "$output"
	[ "$status" -eq 0 ]
	serial=${output%%:*}
	[[ "$serial" =~ ^06[0-9]{10}$ ]]
	cycle "$A"
	cycle "$b"
	[[ "$output" == *"ENF R FRINF from CA: recorded as CA-$serial"* ]]
	[[ "$output" == *"acknowledgement (A) queued"* ]]
	# Delivered to TX's inbox as XML, the transaction and its blocks.
	f=$(ls "$BSPOOL"/inbox/referral/*.xml)
	grep -q "<orderNumber>ORD123</orderNumber>" "$f"
	cycle "$b"
	cycle "$A"
	[[ "$output" == *"ENF A FRINF answers $serial"* ]]
	run "$CSGW" -c "$A" refer show "$serial"
	[[ "$output" == *"status        acknowledged"* ]]
	# TX provides; CA matches it by serial.
	run "$CSGW" -c "$B" refer --respond-to "CA-$serial" --action P --reason FSINF
	[ "$status" -eq 0 ]
	cycle "$B"
	cycle "$A"
	run "$CSGW" -c "$A" refer show "$serial"
	echo "$output"
	[[ "$output" == *"status        answered"* ]]
	[[ "$output" == *"answer from TX"*"A FRINF"* ]]
	[[ "$output" == *"answer from TX"*"P FSINF"* ]]
	run "$CSGW" -c "$A" refer list --outbound
	[[ "$output" == *"$serial"*"ENF R FRINF"*"answered"*"2"* ]]
}

@test "inbound transactions can be delivered fixed-width too (inbox_format = fixed)" {
	b=$(pair_variant "$B" inbox_format fixed)
	"$CSGW" -c "$A" refer --to TX --function CSI --action R --reason FRINF --case CASE0005 \
		>/dev/null
	cycle "$A"
	cycle "$b"
	f=$(ls "$BSPOOL"/inbox/referral/*.xml.txt)
	grep -q "^TH06.*CASE0005" "$f"
	# Byte for byte what csgw unmap makes of the signed XML beside it.
	csgw_test unmap "${f%.txt}" -o "$BATS_TEST_TMPDIR/u.txt"
	cmp "$f" "$BATS_TEST_TMPDIR/u.txt"
}

@test "case closure: MSC goes to the partner state on the case, then no enforcement for it" {
	run "$CSGW" -c "$A" refer --to TX --function ENF --action R --reason FRINF --case CASE0006
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$A" case set CASE0006 --enforcement closed --reason "child emancipated"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"closure (MSC U GSCLO, serial "*") queued for TX"* ]]
	run "$CSGW" -c "$A" refer --to TX --function ENF --action R --reason FRINF --case CASE0006
	echo "$output"
	[ "$status" -eq 77 ]
	[[ "$output" == *"denied by L-ENFORCEMENT-CLOSED (45 CFR 303.11; DOMAIN.md 5.7)"* ]]
	# Collection goes on.
	run "$CSGW" -c "$A" refer --to TX --function COL --action P --reason FSINF --case CASE0006 \
		--serial 480000000009
	[ "$status" -eq 0 ]
	cycle "$A"
	cycle "$B"
	[[ "$output" == *"MSC U GSCLO from CA"* ]]
	f=$(grep -l "<functionCode>MSC</functionCode>" "$BSPOOL"/inbox/referral/*.xml)
	grep -q "<statusChange>C</statusChange>" "$f"
	# The COL answer matched nothing TX sent: kept, and it needs a person.
	[[ "$output" == *"WARN: COL P FSINF serial 480000000009 answers no transaction we sent"* ]]
}

@test "an answer for an unknown serial number is kept, logged and shown in status" {
	run "$CSGW" -c "$B" refer --to CA --function LO1 --action P --reason LSADR --case X1 \
		--serial 069999999999
	[ "$status" -eq 0 ]
	cycle "$B"
	cycle "$A"
	[[ "$output" == *"WARN: LO1 P LSADR serial 069999999999 answers no transaction we sent to TX"* ]]
	ls "$ASPOOL"/inbox/referral/*.xml
	run "$CSGW" -c "$A" status
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"TX: 1 answer(s) matched no request"* ]]
	run "$CSGW" -c "$A" status --json
	[[ "$output" == *'"unmatched_answers":1'* ]]
	# A person looks at it, deals with it, and dismisses it.
	run "$CSGW" -c "$A" refer unmatched
	[[ "$output" == *"TX"*"referral"*"P LSADR"*"069999999999"*"TX-48-referral-"* ]]
	n=$(awk 'NR == 2 { print $1 }' <<<"$output")
	run "$CSGW" -c "$A" refer dismiss "$n"
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$A" refer dismiss "$n"
	[ "$status" -eq 66 ]
	run "$CSGW" -c "$A" status
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing needs a person"* ]]
}

@test "a partner that never answers: the request is overdue in status and the lists" {
	a=$(pair_variant "$A" answer_within 1s)
	"$CSGW" -c "$a" locate request --partner TX --case CASE0007 --ssn 900-12-3459 \
		--name "Loe, Ann" --purpose child-support >/dev/null
	cycle "$a"
	sleep 2
	run "$CSGW" -c "$a" status
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"L-000001"*"overdue"*"TX"*"LO1 R LRALL for case CASE0007: no answer"* ]]
	[[ "$output" == *"1 waiting for an answer (1 overdue)"* ]]
	# The daemon's log says it once, as a warning (a person must act): on
	# whichever cycle first saw it overdue (the first one, when slow), never again.
	cycle "$a"
	cycle "$a"
	[[ "$(cat "$BATS_TEST_TMPDIR/log")" == *"L-000001: OVERDUE: LO1 R LRALL to TX for case CASE0007: no answer, due "*" ago"* ]]
	[ "$(grep -c OVERDUE "$BATS_TEST_TMPDIR/log")" -eq 1 ]
	run "$CSGW" -c "$a" locate list --overdue
	[[ "$output" == *"L-000001"*"pending, OVERDUE"* ]]
	run "$CSGW" -c "$a" locate list --status answered
	[[ "$output" == *"no locate requests match"* ]]
	# The caseworker gives up on it: no longer overdue.
	run "$CSGW" -c "$a" locate close L-000001
	[ "$status" -eq 0 ]
	[[ "$output" == *"L-000001: closed (was pending)"* ]]
	run "$CSGW" -c "$a" status
	[ "$status" -eq 0 ]
}

@test "FPLS locate: the request is an FP record; answers per source matched, FTI marked" {
	a=$(fpls_conf)
	run "$CSGW" -c "$a" locate request --case CASE0010 --ssn 900-12-3460 --name "Doe, Jane" \
		--dob 1985-06-07 --purpose child-support --sources SSA,IRS
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "L-000001: locate request for case CASE0010 (subject ***-**-3460) to OCSE for child-support"* ]]
	"$CSGW" -c "$a" locate request --case CASE0011 --ssn 900-12-3461 --name "Roe, Ann" \
		--purpose child-support >/dev/null
	cycle "$a"
	f=$(grep -l "CASE0010" "$TO_TX"/*.xml)
	xmllint --noout --schema "$CSGW_TOP/mappings/locate/locate.xsd" "$f"
	grep -q "<locateRequestType>CS</locateRequestType>" "$f"
	grep -q "<userField>L-000001</userField>" "$f" || grep -q "<userField>L000001</userField>" "$f"
	grep -q "<locateSource2>IRS</locateSource2>" "$f"

	# The FPLS answers: the IRS (C01) and SSA (E01), one record each.
	awk -v c="CASE0010       " -v m="L-000001       " '
		/^FA/ { print; next }
		/^FF/ && n < 2 { print substr($0, 1, 188) c m substr($0, 219); n++; next }
		/^FZ/ { printf "FN06%-15s%-15sFVCRT%461s\n", "CASE0011", "L-000002", ""
			printf "FZ%08d%s\n", 3, substr($0, 11) }' \
		"$DATA/locate-response.txt" >"$BATS_TEST_TMPDIR/resp.txt"
	csgw_test map locate-response "$BATS_TEST_TMPDIR/resp.txt" -o "$BATS_TEST_TMPDIR/resp.xml"
	"$CSGW" -c "$B" send CA "$BATS_TEST_TMPDIR/resp.xml" >/dev/null
	cycle "$a"
	[[ "$output" == *"locate response for L-000001 (case CASE0010)"* ]]
	[[ "$output" == *"disclosure-prohibited notice for L-000002 (case CASE0011)"* ]]
	run "$CSGW" -c "$a" locate show L-000001
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"status        answered"* ]]
	[[ "$output" == *"answer from OCSE"*": C01"* ]]
	[[ "$output" == *"answer from OCSE"*": E01"* ]]
	[[ "$output" == *"locateResponse.addressLine1"*"[FTI: federal tax information"* ]]
	[ "$(grep -c "FTI: federal tax information" <<<"$output")" -ge 1 ]
	# Only the IRS answer is FTI: SSA's employer is not marked.
	[[ "$output" == *"ACME WIDGET"* ]]
	[[ "$(grep "ACME WIDGET" <<<"$output")" != *FTI* ]]
	# Seeing FTI is an access the audit log records.
	run "$CSGW" -c "$a" audit search --case CASE0010 --format csv
	[[ "$output" == *"access"*"fti"*"shown"*"FTI-ACCESS"* ]]
	run "$CSGW" -c "$a" audit verify
	[ "$status" -eq 0 ]
	# The FPLS's own "disclosure prohibited" notice for the second.
	run "$CSGW" -c "$a" locate list --status prohibited
	[[ "$output" == *"L-000002"*"CASE0011"*"prohibited"*"1"* ]]
	run "$CSGW" -c "$a" locate show L-000002
	[[ "$output" == *"answer from OCSE"*"FN"*"DISCLOSURE PROHIBITED, COURT ONLY"* ]]
}

# The FPLS conf, also exchanging fcr and ndnh.
federal_conf() {
	local out=${A%.conf}-federal.conf
	sed -e 's/^families = .*/families = fcr locate ndnh/' "$(fpls_conf)" >"$out"
	echo "$out"
}

@test "national reports: NDNH and FCR batches, federal acknowledgements matched, rejections held with codes" {
	a=$(federal_conf)
	mkdir -p "$ASPOOL/outgoing/OCSE/ndnh-report" "$ASPOOL/outgoing/OCSE/fcr-input"
	cp "$DATA/ndnh-report.txt" "$ASPOOL/outgoing/OCSE/ndnh-report/nh.txt"
	cp "$DATA/fcr-input.txt" "$ASPOOL/outgoing/OCSE/fcr-input/fcr.txt"
	cycle "$a"
	[ "$(entries "$ASPOOL" done | wc -l)" -eq 2 ]
	ls "$TO_TX"/06-ndnh-*.xml "$TO_TX"/06-fcr-*.xml

	# NDNH's control record for batch 004711: 1 of 5 rejected.
	awk '/^H4/ { print; next }
		/^R4/ && !n { print substr($0, 1, 43) "00000000001" substr($0, 55, 33) "E001" substr($0, 92); n++ }
		/^T4/ { printf "T4%011d%011d%011d%011d%s\n", 0, 0, 0, 1, substr($0, 47) }' \
		"$DATA/ndnh-control.txt" >"$BATS_TEST_TMPDIR/r4.txt"
	csgw_test map ndnh-control "$BATS_TEST_TMPDIR/r4.txt" -o "$BATS_TEST_TMPDIR/r4.xml"
	# FCR's acknowledgement of batch 000123: one case rejected.
	sed -e '1s/^FA2400150000124/FA2400150000123/' "$DATA/fcr-output.txt" >"$BATS_TEST_TMPDIR/fd.txt"
	csgw_test map fcr-output "$BATS_TEST_TMPDIR/fd.txt" -o "$BATS_TEST_TMPDIR/fd.xml"
	"$CSGW" -c "$B" send CA "$BATS_TEST_TMPDIR/r4.xml" "$BATS_TEST_TMPDIR/fd.xml" >/dev/null
	cycle "$a"
	echo "$output"
	[[ "$output" == *"ndnh batch 004711: 1 of 5 records rejected; held for a person"* ]]
	[[ "$output" == *"fcr batch 000123: 1 of 4 records rejected; held"* ]]
	run "$CSGW" -c "$a" status
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"hold"*"OCSE"*"rejected 1 of 5 records of ndnh batch 004711"*"batch error code E001"* ]]
	[[ "$output" == *"REJCT case CS2024000240: TE002 PREVIOUS CASE ID NOT ON THE FCR"* ]]
	id=$(entries "$ASPOOL" hold | head -1)
	run "$CSGW" -c "$a" queue show "$id"
	[[ "$output" == *"rejected"* ]]
	ls "$ASPOOL"/hold/*/federal-ack-*.txt
	# No SSN in what status says.
	[[ "$output" != *"901234567"* ]]
}

@test "referral from a file: its blocks go, with a new serial and CA's routing" {
	# The first transaction of the sample (CSI P FSINF, with case data,
	# NCP, participants and an order), as a batch of its own.
	awk '/^TH/ { n++ } n <= 1 && !/^RT/ { print; if (!/^RH/) c++ }
		END { printf "RT%08d%08d%s\n", 1, c, sprintf("%382s", "") }' \
		"$DATA/referral.txt" >one.txt
	csgw_test map referral one.txt -o one.xml
	run "$CSGW" -c "$A" refer --to TX --action R --reason FRINF --case CASE0008 one.xml
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "060000000001: CSI R FRINF to TX for case CASE0008"* ]]
	cycle "$A"
	f=$(ls "$TO_TX"/*.xml)
	xmllint --noout --schema "$CSGW_TOP/mappings/referral/referral.xsd" "$f"
	[ "$(grep -c "<participant>" "$f")" -eq 2 ]
	grep -q "<transactionSerialNumber>060000000001</transactionSerialNumber>" "$f"
	grep -q "<localCaseId>CASE0008</localCaseId>" "$f"
	# A file of two transactions is refused.
	csgw_test map referral "$DATA/referral.txt" -o two.xml
	run "$CSGW" -c "$A" refer --to TX --case CASE0009 two.xml
	[ "$status" -eq 65 ]
	[[ "$output" == *"expected a referral batch with one transaction"* ]]
}

@test "with both daemons running, a request goes out at once and its answer comes back" {
	# Absolute paths: the daemons run from the test's folder.
	for party in A B; do
		sed "s|^spool = |spool = $PKI/|; s|^audit_db = |audit_db = $PKI/|; s|^checkpoint_dir = |checkpoint_dir = $PKI/|; s|= pki/|= $PKI/pki/|" \
			"${!party}" >"$party.conf"
	done
	"$CSGW" -c A.conf run >a.log 2>&1 3>&- &
	DAEMONS="$!"
	"$CSGW" -c B.conf run >b.log 2>&1 3>&- &
	DAEMONS="$DAEMONS $!"
	wait_for "grep -q serving a.log && grep -q serving b.log"
	run "$CSGW" -c A.conf locate request --partner TX --case CASE0012 --ssn 900-12-3462 \
		--name "Live, Olive" --purpose child-support
	[ "$status" -eq 0 ]
	wait_for "grep -q 'LO1 R LRALL from CA: recorded as CA-060000000001' b.log"
	run "$CSGW" -c B.conf locate answer CA-060000000001 --reason LUALL
	[ "$status" -eq 0 ]
	wait_for "grep -q 'LO1 P LUALL answers L-000001' a.log" || { cat a.log b.log; false; }
	run "$CSGW" -c A.conf locate show L-000001
	[[ "$output" == *"status        answered"* ]]
	[[ "$output" == *"answer from TX"*"P LUALL"* ]]
	for pid in $DAEMONS; do
		kill -TERM "$pid"
		wait "$pid"
	done
	DAEMONS=
}
