#!/usr/bin/env bats
# audit.bats - the disclosure audit log's tamper evidence: entries written
# by real fetches (a real sshd), checkpoints signed with the gateway key,
# and every kind of tampering the issue names, each done with the sqlite3
# command line and each found by csgw audit verify.

load helpers
load pki
load sftp

setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
	start_sftp "$BATS_FILE_TMPDIR"
}

teardown_file() {
	stop_sftp "$BATS_FILE_TMPDIR"
}

setup() {
	use_sftp
	rm -rf "$PKI/sftp-audit"
	mkdir "$PKI/sftp-audit"
	DB=$PKI/sftp-audit/audit.db
}

# fetch_files N: N signed files from TX fetched, so N audit entries and a
# checkpoint at the new size.
fetch_files() {
	local i
	for i in $(seq "$1"); do
		echo "file $i of $1, $RANDOM" >"f$i.txt"
		offer_from_tx "f$i.txt"
	done
	"$CSGW" -c "$GW" fetch TX >/dev/null
	rm -rf "$INCOMING"
}

@test "each received file is an entry; fetch signs a checkpoint; verify agrees" {
	fetch_files 3
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM entries')" -eq 3 ]
	[ "$(sqlite3 "$DB" "SELECT DISTINCT direction || ' ' || partner || ' ' || partner_class || ' ' || decision FROM entries")" = "in TX iv-d-agency received" ]
	[ "$(sqlite3 "$DB" 'PRAGMA journal_mode')" = wal ]
	[ -f "$PKI/sftp-audit/00000000000000000003.checkpoint" ]
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 0 ]
	[[ "$output" == *"audit.db: 3 entries, root "*"; 1 signed checkpoint(s) agree (latest at 3); good" ]]
}

@test "the checkpoint is a C2SP note whose signature openssl verifies with the gateway certificate" {
	fetch_files 2
	cp="$PKI/sftp-audit/00000000000000000002.checkpoint"
	[ "$(sed -n 1p "$cp")" = "csgw/06/audit" ]
	[ "$(sed -n 2p "$cp")" = 2 ]
	[ -z "$(sed -n 4p "$cp")" ]
	[[ "$(sed -n 5p "$cp")" == "— csgw/06/audit "* ]]
	head -3 "$cp" >body
	sed -n 5p "$cp" | cut -d' ' -f3 | base64 -d | tail -c +5 >sig
	openssl x509 -in "$PKI/pki/ca06/local/signing.pem" -pubkey -noout >pub.pem
	run openssl dgst -sha256 -verify pub.pem -signature sig body
	[ "$status" -eq 0 ]
}

@test "one column of one row changed: found, the entry named" {
	fetch_files 3
	sqlite3 "$DB" "UPDATE entries SET partner = 'OCSE' WHERE id = 2"
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"entry 2 was changed after it was written"* ]]
}

@test "a row deleted: found" {
	fetch_files 3
	sqlite3 "$DB" "DELETE FROM entries WHERE id = 2"
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"entry 2 is missing (the next row is 3)"* ]]
}

@test "the tail after a checkpoint deleted: found" {
	fetch_files 3
	sqlite3 "$DB" "DELETE FROM entries WHERE id = 3"
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"the log has 2 entries, but "*"00000000000000000003.checkpoint was signed at 3"* ]]
}

@test "two rows swapped, leaf hashes and all: found by the signed root" {
	fetch_files 3
	sqlite3 "$DB" "UPDATE entries SET id = -1 WHERE id = 1; UPDATE entries SET id = 1 WHERE id = 2; UPDATE entries SET id = 2 WHERE id = -1"
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"entries 1 to 3 do not match the signed checkpoint"* ]]
}

@test "the database replaced with an older copy: found" {
	fetch_files 2
	sqlite3 "$DB" ".backup older.db"
	fetch_files 2
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 0 ]
	cp older.db "$DB"
	rm -f "$DB-wal" "$DB-shm"
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"the log has 2 entries, but "*"00000000000000000004.checkpoint was signed at 4"* ]]
}

@test "a checkpoint with a forged root or signature: found" {
	fetch_files 2
	cp="$PKI/sftp-audit/00000000000000000002.checkpoint"
	# Another root: its first character changed (A, or B if it was A).
	awk 'NR == 3 { $0 = (substr($0, 1, 1) == "A" ? "B" : "A") substr($0, 2) } { print }' "$cp" >forged
	cp forged "$cp"
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"00000000000000000002.checkpoint: "* ]]
}

@test "a checkpoint note is read exactly: bytes after its signature, or a second signature line, are refused" {
	fetch_files 2
	cp="$PKI/sftp-audit/00000000000000000002.checkpoint"
	cp "$cp" good
	printf 'extra\n' >>"$cp"
	run "$CSGW" -c "$GW" audit verify
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"00000000000000000002.checkpoint: not a checkpoint note: something after its one signature line"* ]]
	{ cat good; tail -n 1 good; } >"$cp"
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"something after its one signature line"* ]]
	printf '%s' "$(cat good)" >"$cp" # its last line end cut
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 65 ]
	cp good "$cp"
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 0 ]
}

@test "every checkpoint deleted: not good, a warning and exit 1" {
	fetch_files 2
	rm "$PKI"/sftp-audit/*.checkpoint
	run "$CSGW" -c "$GW" audit verify
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"WARNING: 2 entries and no signed checkpoint: nothing outside the database vouches for them"* ]]
	[[ "$output" != *"good"* ]]
	"$CSGW" -c "$GW" audit checkpoint
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 0 ]
}

@test "an inclusion proof of one entry checks without the database, and a changed one does not" {
	fetch_files 5
	run "$CSGW" -c "$GW" audit proof 4
	[ "$status" -eq 0 ]
	echo "$output" >proof.txt
	rm -f "$DB" "$DB-wal" "$DB-shm" # the auditor has no database
	run "$CSGW" audit check-proof proof.txt --cert "$PKI/pki/ca06/local/signing.pem"
	[ "$status" -eq 0 ]
	[[ "$output" == "proof.txt: entry 4 is in the signed log of 5 entries:"* ]]
	[[ "$output" == *"decision=received"* ]]
	# The same proof claiming another entry text (partner changed).
	text=$(sed -n 's/^entry-text //p' proof.txt | base64 -d | sed 's/^partner=TX$/partner=OCSE/' | base64 -w0)
	sed "s|^entry-text .*|entry-text $text|" proof.txt >forged.txt
	run "$CSGW" audit check-proof forged.txt --cert "$PKI/pki/ca06/local/signing.pem"
	[ "$status" -eq 65 ]
	[[ "$output" == *"entry 4 is NOT in the log that the checkpoint signed"* ]]
	# And checked with another gateway's certificate: refused.
	run "$CSGW" audit check-proof proof.txt --cert "$PKI/pki/tx48/local/signing.pem"
	[ "$status" -eq 65 ]
}

@test "a proof of an entry not yet under a checkpoint is refused (65)" {
	fetch_files 2
	run "$CSGW" -c "$GW" audit proof 3
	[ "$status" -eq 65 ]
	[[ "$output" == *"entry 3 is not under a signed checkpoint (latest at 2)"* ]]
}

@test "search: by partner, decision and dates, as a table, CSV or JSON" {
	fetch_files 3
	run "$CSGW" -c "$GW" audit search --partner TX --decision received
	[ "$status" -eq 0 ]
	[[ "$output" == "ID     TIME "* ]]
	[[ "${lines[3]}" == "3      "*" in  TX "*" received "* ]]
	[ "${lines[4]}" = "# 3 entries" ]
	run "$CSGW" -c "$GW" audit search --partner OCSE
	[ "$output" = "# 0 entries" ]
	run "$CSGW" -c "$GW" audit search --format csv
	[ "${lines[0]}" = "id,time,direction,partner,partner_class,purpose,family,record_type,record_id,case_id,subject_key,categories,decision,rule_id,citation,file_sha256,batch,actor,actor_uid,role,detail,purged" ]
	[ "${#lines[@]}" -eq 4 ]
	run "$CSGW" -c "$GW" audit search --format json
	[[ "$output" == '[{"id": 1, "time": "'* ]]
	[[ "$output" == *'"decision": "received"'*']' ]]
	run "$CSGW" -c "$GW" audit search --since "$(date -u -d tomorrow +%F)"
	[ "$output" = "# 0 entries" ]
	run "$CSGW" -c "$GW" audit search --until "$(date -u +%F)"
	[ "${lines[4]}" = "# 3 entries" ]
}

@test "search: --ssn is checked and masked, and the SSN is nowhere in the log" {
	fetch_files 1
	run "$CSGW" -c "$GW" audit search --ssn 900-12-345
	[ "$status" -eq 64 ]
	[[ "$output" == *"--ssn ***-**-"* ]]
	[[ "$output" != *"900-12"* ]]
	run "$CSGW" -c "$GW" audit search --ssn 900-12-3456
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "# subject ***-**-3456" ]
	[[ "$output" != *"900"* ]]
}

@test "a value changed behind a NUL, or stored as another type, is found" {
	fetch_files 2
	sqlite3 "$DB" "UPDATE entries SET partner = CAST(partner || X'00' || 'EVIL' AS TEXT) WHERE id = 1"
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"entry 1: partner is not plain text: changed outside csgw"* ]]
}

@test "a decoy file under the next checkpoint's name does not stop checkpoints" {
	fetch_files 2
	cp "$PKI/sftp-audit/00000000000000000002.checkpoint" "$PKI/sftp-audit/00000000000000000003.checkpoint"
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"00000000000000000003.checkpoint: signed for size 2, named for another"* ]]
	# The next fetch makes entry 3: its checkpoint is refused, loudly.
	echo "one more" >more.txt
	offer_from_tx more.txt
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 74 ]
	[[ "$output" == *"00000000000000000003.checkpoint is not this log's checkpoint"* ]]
	# Once the decoy is gone, the checkpoint is signed and all verifies.
	rm "$PKI/sftp-audit/00000000000000000003.checkpoint"
	run "$CSGW" -c "$GW" audit checkpoint
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$GW" audit verify
	[ "$status" -eq 0 ]
	[[ "$output" == *"3 entries"*"2 signed checkpoint(s) agree (latest at 3)"* ]]
}
