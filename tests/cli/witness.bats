#!/usr/bin/env bats
# witness.bats - partners witness each other's audit logs (DESIGN.md
# invariant 10): the signed head of each gateway's log travels in its
# receipts with an RFC 6962 consistency proof, the other keeps it and
# echoes it back.  Two gateways (CA and TX) through a real OpenSSH sshd; an
# administrator who cuts CA's log and deletes its checkpoints is caught by
# what TX holds.

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
	mkdir -p "$ASPOOL/outgoing/TX" "$BSPOOL/outgoing/CA"
}

# batch_for FOLDER N K: a locate request extract of N records, batch
# number K, dropped into FOLDER/locate-request.
batch_for() {
	gen_locate "$2" "$BATS_TEST_TMPDIR/lr0.txt"
	mkdir -p "$1/locate-request"
	sed "1s/^\(.........\)....../\1$(printf %06d "$3")/" "$BATS_TEST_TMPDIR/lr0.txt" \
		>"$1/locate-request/.lr$3.tmp"
	mv "$1/locate-request/.lr$3.tmp" "$1/locate-request/lr$3.txt"
}

# exchange_round N K: CA sends TX a locate batch of N records (batch
# number K) and TX sends CA one, each acknowledges the other's, and both
# take the receipts: four cycles, their logs in a.log and b.log (the
# tests read what happened there).
exchange_round() {
	batch_for "$ASPOOL/outgoing/TX" "$1" "$2"
	batch_for "$BSPOOL/outgoing/CA" "$1" "$2"
	"$CSGW" -c "$A" run --once >>"$BATS_TEST_TMPDIR/a.log" 2>&1 || true
	"$CSGW" -c "$B" run --once >>"$BATS_TEST_TMPDIR/b.log" 2>&1 || true
	"$CSGW" -c "$A" run --once >>"$BATS_TEST_TMPDIR/a.log" 2>&1 || true
	"$CSGW" -c "$B" run --once >>"$BATS_TEST_TMPDIR/b.log" 2>&1 || true
}

@test "each receipt carries its maker's signed log head; the other keeps it, proven consistent, and echoes it back" {
	exchange_round 3 1
	grep -q 'TX: first head of its audit log kept' "$BATS_TEST_TMPDIR/a.log"
	grep -q 'CA: first head of its audit log kept' "$BATS_TEST_TMPDIR/b.log"
	exchange_round 2 2
	grep -q 'TX: its audit log grew from [0-9]* to [0-9]* entries, proven consistent' "$BATS_TEST_TMPDIR/a.log"
	grep -q 'CA: its audit log grew from [0-9]* to [0-9]* entries, proven consistent' "$BATS_TEST_TMPDIR/b.log"
	! grep -E 'ALERT|HELD|not adopted|not good|error' "$BATS_TEST_TMPDIR/a.log" "$BATS_TEST_TMPDIR/b.log"

	# The receipt as the partner filed it: both heads, the proof, and the
	# schema's agreement (xmllint, not csgw).
	r=$(ls -t "$ASPOOL"/done/*/receipt.xml | head -1)
	xmllint --noout --schema "$CSGW_MAPPINGS/receipt/receipt.xsd" "$r"
	grep -q '<kind>H</kind>' "$r"
	grep -q '<kind>E</kind>' "$r"
	grep -q '<origin>csgw/48/audit</origin>' "$r"
	grep -q '<proofHash>' "$r"

	# Each keeps the other's heads and its own as the other holds them.
	[ "$(ls "$PKI"/tx48-pair-audit/witnesses/CA/theirs/*.checkpoint | wc -l)" -ge 2 ]
	[ "$(ls "$PKI"/ca06-pair-audit/witnesses/TX/ours/*.checkpoint | wc -l)" -ge 1 ]
	run "$CSGW" -c "$A" audit witnesses
	[ "$status" -eq 0 ]
	[[ "$output" == *"partner TX:"*"its audit log, as we hold it: "*" entries, root "* ]]
	[[ "$output" == *"our audit log, as it holds it: "*" entries"* ]]
	[[ "$output" != *HELD* ]]
	run "$CSGW" -c "$A" audit verify --witnesses
	[ "$status" -eq 0 ]
	[[ "$output" == *"head(s) partners hold agree"*"good"* ]]
	run "$CSGW" -c "$A" status
	[[ "$output" == *"nothing needs a person"* ]]
}

@test "an administrator cuts CA's log, recomputes its head and deletes its checkpoints: verify --witnesses catches it, TX holds CA's files" {
	exchange_round 3 1
	exchange_round 2 2
	exchange_round 2 3
	held=$(ls "$PKI"/tx48-pair-audit/witnesses/CA/theirs/ | tail -1)
	before=$(ls "$BSPOOL"/inbox/locate | grep -c '^CA-.*xml$')

	# The attack: CA's log cut back to its first 4 entries, its tree head
	# recomputed (no secret needed), every checkpoint deleted.
	"$CSGW_TOP"/tests/cli/rollback.py "$PKI"/ca06-pair-audit/audit.db 4
	rm -f "$PKI"/ca06-pair-audit/*.checkpoint
	run "$CSGW" -c "$A" audit verify
	[ "$status" -eq 1 ]
	[[ "$output" == *"WARNING: 4 entries and no signed checkpoint"* ]]
	# What TX echoed back is still here, and the cut log does not hold it.
	run "$CSGW" -c "$A" audit verify --witnesses
	[ "$status" -eq 65 ]
	[[ "$output" == *"the head a partner holds, "*"/witnesses/TX/ours/"*"entries were deleted"* ]]

	# TX sends CA a batch; CA takes it and sends TX its receipt and a batch
	# of its own.  TX's next fetch from CA: the receipt (taken first)
	# carries a head that does not extend the one TX holds, so CA's batch
	# that came with it waits.
	: >"$BATS_TEST_TMPDIR/a.log"
	: >"$BATS_TEST_TMPDIR/b.log"
	batch_for "$BSPOOL/outgoing/CA" 2 4
	"$CSGW" -c "$B" run --once >>"$BATS_TEST_TMPDIR/b.log" 2>&1
	batch_for "$ASPOOL/outgoing/TX" 2 4
	run "$CSGW" -c "$A" run --once
	# CA itself says so: TX holds a head of its log longer than the log.
	[ "$status" -eq 74 ]
	[[ "$output" == *"ALERT: TX holds a head of our audit log of "*"entries, but our newest has "* ]]
	"$CSGW" -c "$B" run --once >>"$BATS_TEST_TMPDIR/b.log" 2>&1 || true
	grep -q 'ALERT: CA is HELD: its audit log' "$BATS_TEST_TMPDIR/b.log"
	[ "$(ls "$BSPOOL"/inbox/locate | grep -c '^CA-.*xml$')" -eq "$before" ]
	ls "$BSPOOL"/incoming/CA/06-locate-*.xml
	[ -f "$PKI/tx48-pair-audit/witnesses/CA/theirs/$held" ]
	run "$CSGW" -c "$B" status
	[ "$status" -eq 1 ]
	[[ "$output" == *"CA: HELD: its audit log"*"received file(s) wait in"*"incoming/CA/"* ]]
	run "$CSGW" -c "$B" audit witnesses CA
	[ "$status" -eq 1 ]
	[[ "$output" == *"HELD: its audit log"* ]]
	# Held: the next cycle still takes nothing in and sends nothing.
	run "$CSGW" -c "$B" run --once
	[[ "$output" == *"CA is HELD: "*"nothing is sent to it"* ]]
	ls "$BSPOOL"/incoming/CA/06-locate-*.xml

	# A person lifts the hold, with a reason the log keeps.
	run "$CSGW" -c "$B" audit witness-release CA
	[ "$status" -eq 64 ]
	run "$CSGW" -c "$B" audit witness-release CA --reason "CA restored its log from backup, ticket 4411"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CA: released"* ]]
	ls -d "$PKI"/tx48-pair-audit/witnesses/CA/theirs-before-*
	run "$CSGW" -c "$B" audit search --decision witness-release --format csv
	[[ "$output" == *"ticket 4411"* ]]
	run "$CSGW" -c "$B" run --once
	[[ "$output" == *"delivered to inbox/locate/"* ]]
	[ "$(ls "$BSPOOL"/inbox/locate | grep -c '^CA-.*xml$')" -gt "$before" ]
}

@test "witness = no for a partner on an older release: our receipts carry no heads, theirs are still witnessed" {
	a=$(pair_variant "$A" witness no partner)
	batch_for "$BSPOOL/outgoing/CA" 2 1
	"$CSGW" -c "$B" run --once >>"$BATS_TEST_TMPDIR/b.log" 2>&1 || true
	"$CSGW" -c "$a" run --once >>"$BATS_TEST_TMPDIR/a.log" 2>&1 || true
	# CA's receipt on the wire, for TX: no checkpoint records at all.
	r=$(ls "$TO_TX"/*-receipt-*.xml | head -1)
	xmllint --noout --schema "$CSGW_MAPPINGS/receipt/receipt.xsd" "$r"
	! grep -q '<checkpoint>' "$r"
	"$CSGW" -c "$B" run --once >>"$BATS_TEST_TMPDIR/b.log" 2>&1 || true
	grep -q 'carries no head of CA.s audit log: not witnessed' "$BATS_TEST_TMPDIR/b.log"
	! grep -E 'ALERT|HELD|QUARANTINED' "$BATS_TEST_TMPDIR/b.log"
	run "$CSGW" -c "$B" status
	[[ "$output" == *"nothing needs a person"* ]]
}
