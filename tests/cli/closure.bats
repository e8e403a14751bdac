#!/usr/bin/env bats
# closure.bats - closing an enforcement case as the law says (DOMAIN.md
# 5.7, 5.9): only the party who opened it may ask, never while there is
# current cash assistance or Medicaid; an accepted closure queues the
# Federal Offset Program records that release the case (a delete for the
# non-TANF certification, for TANF arrears owed to the state every remedy
# but the tax refund offset excluded), the MSC notice to the partner state
# and a release notice of license suspensions and bank liens, whole or not
# at all even under kill -9; payment processing goes on.

load helpers
load pki
load sftp
load daemon

CASE=CS2026000102

setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
	start_pair "$BATS_FILE_TMPDIR"
}

teardown_file() {
	"$SSHD_SH" stop "$BATS_FILE_TMPDIR/pair-sshd"
}

setup() {
	use_pair
	C=$(offset_conf)
	rm -rf "$PSSHD"/remote/ocse-in/* "$PSSHD"/remote/ocse-out/*
}

# certified_case [ID]: the case (default $CASE), certified to OCSE
# (non-TANF and TANF), referred to TX, with a license suspension and a
# bank lien: what a closure must release.
certified_case() {
	local id=${1:-$CASE}
	"$CSGW" -c "$C" case set "$id" --opened-by custodial-party --assistance none \
		--arrears-family 3100 --arrears-state 1200 --remedy license-suspension
	"$CSGW" -c "$C" case set "$id" --remedy bank-lien
	sed -n 1,2p "$DATA/offset-submission.txt" | sed "s/CS202600010[12]/$id/" >cert.txt
	drop "$ASPOOL" OCSE/offset-submission cert.txt
	run "$CSGW" -c "$C" run --once --partner OCSE
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$ASPOOL/certified/$id.N" ]
	[ -f "$ASPOOL/certified/$id.A" ]
	run "$CSGW" -c "$C" refer --to TX --function ENF --action R --reason FRINF --case "$id"
	[ "$status" -eq 0 ]
}

# The source of every queue entry there is, one per line.
queued_sources() {
	cat "$ASPOOL"/{active,deferred,sent,done,hold,quarantine}/*/meta 2>/dev/null |
		sed -n 's/^source=//p' | sort
}

# The offset records of the OCSE entry the closure queued, one line each:
# transaction, case type, exclusion indicators.
offset_records() {
	local f
	f=$(grep -l 'urn:csgw:offset:v1' "$ASPOOL"/active/*/disclosed.xml)
	xmllint --noout --schema "$CSGW_TOP/mappings/offset/offset.xsd" "$f" 2>/dev/null ||
		{ echo "$f does not validate"; return 1; }
	xmllint --xpath '//*[local-name()="caseSubmission"]' "$f" |
		awk '/<transactionType>/ { gsub(/<[^>]*>| /, ""); t = $0 }
			/<caseType>/ { gsub(/<[^>]*>| /, ""); c = $0 }
			/<exclusion[0-9]>/ { gsub(/<[^>]*>| /, ""); x = x " " $0 }
			/<\/caseSubmission>/ { print t " " c x; x = "" }'
}

@test "case show: the facts, the passport threshold, the remedies in force" {
	certified_case
	run "$CSGW" -c "$C" case show $CASE
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"opened by: custodial-party"* ]]
	[[ "$output" == *"arrears: \$3100 owed to the family, \$1200 owed to the state"* ]]
	[[ "$output" == *"passport denial threshold: \$4300 combined, over \$2500"* ]]
	[[ "$output" == *"passport denial (non-TANF certification)"*"in force"* ]]
	[[ "$output" == *"federal tax refund offset (TANF certification)"*"in force"* ]]
	[[ "$output" == *"license-suspension"*"in force"* ]]
	# the TANF certification excludes vendor offset: not in force
	[[ "$output" != *"vendor payment offset (TANF"* ]]
	[[ "$output" != *900110101* ]]
}

@test "the noncustodial parent may not close it: refused, told why, logged, nothing queued" {
	certified_case
	before=$(queued_sources)
	run "$CSGW" -c "$C" case set $CASE --enforcement closed --requested-by noncustodial-parent \
		--reason "parent asks to stop enforcement"
	echo "$output"
	[ "$status" -eq 77 ]
	[[ "$output" == *"closure refused: only the party who opened the case (custodial-party) may ask to close it; a noncustodial parent may not, and a private attorney can advise"* ]]
	[ "$(queued_sources)" = "$before" ]
	[ ! -e "$ASPOOL/inbox/release" ]
	run "$CSGW" -c "$C" case show $CASE
	[[ "$output" == *"enforcement open"* ]]
	db=$PKI/ca06-pair-audit/audit.db
	[ "$(sqlite3 "$db" "SELECT count(*) FROM entries WHERE decision = 'closure-refused' AND rule_id = 'closure-requester' AND case_id = '$CASE'")" -eq 1 ]
}

@test "current cash assistance: no closure, even for the opener" {
	"$CSGW" -c "$C" case set CS2026000777 --opened-by custodial-party --assistance tanf
	run "$CSGW" -c "$C" case set CS2026000777 --enforcement closed --requested-by custodial-party \
		--reason "custodial party asks"
	echo "$output"
	[ "$status" -eq 77 ]
	[[ "$output" == *"current cash assistance (TANF), so it may not be closed"* ]]
}

@test "the opener's closure queues the offset releases, the MSC and the release notice; collections go on" {
	certified_case
	run "$CSGW" -c "$C" case set $CASE --enforcement closed --requested-by custodial-party \
		--reason "custodial party asked to close"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"case $CASE: offset release of case $CASE queued for OCSE as "* ]]
	[[ "$output" == *"closure (MSC U GSCLO, serial "*") queued for TX as "* ]]
	[[ "$output" == *"the federal tax refund offset continues"* ]]
	# exactly what OCSE gets: TANF keeps TAX only, non-TANF deleted
	run offset_records
	echo "$output"
	[ "${lines[0]}" = "R A ADM RET VEN SAL PAS FIN INS DCK" ]
	[ "${lines[1]}" = "D N" ]
	[ "${#lines[@]}" -eq 2 ]
	notice=$(ls "$ASPOOL"/inbox/release/closure-$CASE-*.txt)
	grep -qx "release=license-suspension" "$notice"
	grep -qx "release=bank-lien" "$notice"
	grep -qx "case=$CASE" "$notice"
	# csgw run sends it; what it certifies now is what case show says
	run "$CSGW" -c "$C" run --once
	echo "$output"
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$C" case show $CASE
	echo "$output"
	[[ "$output" == *"enforcement closed"* ]]
	[[ "$output" == *"federal tax refund offset (TANF certification)"*"in force"* ]]
	[[ "$output" != *"passport denial (TANF certification)"* ]]
	[[ "$output" == *"passport denial (non-TANF certification)"*"released 20"* ]]
	[[ "$output" == *"bank-lien"*"released 20"* ]]
	# enforcement is over; collection and payment processing are not
	run "$CSGW" -c "$C" refer --to TX --function ENF --action R --reason FRINF --case $CASE
	[ "$status" -eq 77 ]
	run "$CSGW" -c "$C" refer --to TX --function COL --action P --reason FSINF --case $CASE \
		--serial 480000000009
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$C" case set $CASE --payment-processing closed --requested-by custodial-party \
		--reason "custodial party asks"
	[ "$status" -eq 77 ]
	[[ "$output" == *"payment processing closes only when the obligation ends or a court or another agency asks"* ]]
	run "$CSGW" -c "$C" case set $CASE --payment-processing closed --requested-by court \
		--reason "court order ended the obligation"
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$C" audit verify
	[ "$status" -eq 0 ]
}

# close_crashing ID POINT: the opener's closure of case ID, killed at POINT.
close_crashing() {
	CSGW_CRASH_POINT=$2 run "$CSGW" -c "$C" case set "$1" --enforcement closed \
		--requested-by custodial-party --reason "custodial party asked to close"
	[ "$status" -eq 137 ]
}

@test "kill -9 between the closure's audit entry and its queued files: all of them or none" {
	db=$PKI/ca06-pair-audit/audit.db
	logged() {
		sqlite3 "$db" "SELECT count(*) FROM entries WHERE decision = 'enforcement-closed' AND case_id = '$1'"
	}
	closure_entries() {
		queued_sources | grep -c -x -e "offset release of case $1" -e "closure of case $1 for TX" || true
	}
	# Killed with everything staged, before the entry: none, once recovered.
	certified_case CS2026000201
	close_crashing CS2026000201 closure-staged
	[ "$(logged CS2026000201)" -eq 0 ]
	[ "$(closure_entries CS2026000201)" -eq 0 ]
	run "$CSGW" -c "$C" run --once --partner OCSE
	[ -z "$(ls "$ASPOOL/closing" | grep -v -x lock)" ]
	[ "$(closure_entries CS2026000201)" -eq 0 ]
	[ ! -e "$ASPOOL/inbox/release" ]
	run "$CSGW" -c "$C" case show CS2026000201
	[[ "$output" == *"enforcement open"* ]]
	# Killed after the entry, or after the first file was queued: all of
	# them, each once, whether csgw run finishes it or the supervisor asks
	# again.
	n=1
	for point in closure-logged closure-queued; do
		id=CS202600020$((++n))
		certified_case $id
		close_crashing $id $point
		[ "$(logged $id)" -eq 1 ]
		if [ $point = closure-logged ]; then
			run "$CSGW" -c "$C" run --once --partner OCSE
		else
			run "$CSGW" -c "$C" case set $id --enforcement closed \
				--requested-by custodial-party --reason "asked again"
			[[ "$output" == *"case $id: enforcement already closed"* ]]
		fi
		echo "$output"
		[ "$(logged $id)" -eq 1 ]
		[ -z "$(ls "$ASPOOL/closing" | grep -v -x lock)" ]
		[ "$(closure_entries $id)" -eq 2 ]
		ls "$ASPOOL"/inbox/release/closure-$id-*.txt
		run "$CSGW" -c "$C" case show $id
		[[ "$output" == *"enforcement closed"* ]]
	done
}

# from_ocse TYPE FILE: an OCSE return file of TYPE, as XML signed by the
# partner's certificate, in OCSE's remote outbox.
from_ocse() {
	csgw_test map "$1" "$2" -o "$BATS_TEST_TMPDIR/$1.xml" >/dev/null
	"$CSGW" -c "$B" sign "$BATS_TEST_TMPDIR/$1.xml" >/dev/null
	mv "$BATS_TEST_TMPDIR/$1.xml" "$BATS_TEST_TMPDIR/$1.xml.p7s" "$PSSHD/remote/ocse-out/"
}

@test "OCSE's reject file holds the offset batch with a rejected case, settles the others; collections reach the inbox" {
	# Two batches wait for OCSE's run: the sample (cases ...101 to ...104)
	# and one certifying CS2026000102's case types again.
	drop "$ASPOOL" OCSE/offset-submission "$DATA/offset-submission.txt"
	run "$CSGW" -c "$C" run --once --partner OCSE
	[ "$status" -eq 0 ]
	certified_case CS2026000401
	first=$(grep -l 'offset-submission.txt' "$ASPOOL"/done/*/meta | xargs dirname | xargs basename)
	second=$(grep -l 'cert.txt' "$ASPOOL"/done/*/meta | xargs dirname | xargs basename)
	# The run rejected CS2026000103's modify (error 40) and ...101's add
	# (error 05 beside its warning 47); the add never took.
	cp "$DATA/offset-rejects.txt" rejects.txt
	set_field rejects.txt 1 75 "05"
	[ -f "$ASPOOL/certified/CS2026000101.N" ]
	from_ocse offset-rejects rejects.txt
	run "$CSGW" -c "$C" run --once --partner OCSE
	echo "$output"
	[[ "$output" == *"$first: offset batch: 2 of 5 records rejected; held for a person"* ]]
	[ ! -e "$ASPOOL/certified/CS2026000101.N" ]
	[ -f "$ASPOOL/certified/CS2026000102.A" ]
	[[ "$output" == *"$second: offset batch acknowledged: 2 records, none rejected"* ]]
	[ -d "$ASPOOL/hold/$first" ]
	grep -q "RJ case CS2026000103 type N transaction M: error 40" "$ASPOOL/hold/$first/reason"
	grep -q "RJ case CS2026000101 type N transaction A: error 05 warning 47" "$ASPOOL/hold/$first/reason"
	! grep -q 90011 "$ASPOOL/hold/$first/reason"
	[ -f "$ASPOOL/done/$second/offset-answered" ]
	ls "$ASPOOL"/inbox/offset/*.xml
	# A later reject file answers only what was sent since.
	sed -n 3p "$DATA/offset-rejects.txt" | sed 's/^\(.\{5\}\).\{54\}/\1000000000000000000000000000000000000000000000000000000/' >clean.txt
	from_ocse offset-rejects clean.txt
	run "$CSGW" -c "$C" run --once --partner OCSE
	echo "$output"
	[[ "$output" == *"WARN: answers offset batches, but none we sent to OCSE waits for an answer"* ]]
	# Collection and adjustment records: for the state's distribution.
	from_ocse offset-collections "$DATA/offset-collections.txt"
	run "$CSGW" -c "$C" run --once --partner OCSE
	[ "$status" -eq 0 ]
	grep -l "urn:csgw:offset:v1" "$ASPOOL"/inbox/offset/*.xml | xargs grep -l "<collection>"
}

@test "the policy denies a new offset certification for a closed case, and lets its delete go" {
	"$CSGW" -c "$C" case set CS2026000301 --opened-by court --assistance none --arrears-family 900
	run "$CSGW" -c "$C" case set CS2026000301 --enforcement closed --reason "order terminated"
	[ "$status" -eq 0 ]
	sed -n 1p "$DATA/offset-submission.txt" | sed "s/CS2026000101/CS2026000301/" >add.txt
	sed 's/\(.\{72\}\)A/\1D/' add.txt >delete.txt
	for t in add delete; do
		csgw_test map offset-submission $t.txt -o $t.xml
	done
	run "$CSGW" -c "$C" policy explain add.xml --partner OCSE --purpose child-support
	echo "$output"
	[[ "$output" == *"decision: deny, rule L-OFFSET-CERTIFICATION-CLOSED (45 CFR 303.11; 45 CFR 303.72"* ]]
	run "$CSGW" -c "$C" policy explain delete.xml --partner OCSE --purpose child-support
	echo "$output"
	[[ "$output" == *"decision: allow"* ]]
	[[ "$output" != *"L-OFFSET-CERTIFICATION-CLOSED"* ]]
	[[ "$output" == *"arrearageAmount"*"allow    G-FEDERAL-OFFSET"* ]]
}
