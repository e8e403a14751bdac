#!/usr/bin/env bats
# purge.bats - retention as policy data (mappings/policy/retention.xml):
# csgw purge with the clock set ahead (CSGW_NOW, test environment only)
# removes what has expired from every place it was, touches nothing
# younger than its period, and leaves an audit log whose entries, proofs
# and checkpoints still verify.  Two gateways (CA and TX) through a real
# OpenSSH sshd; TX also answers CA as the FPLS would.

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
}

# The day N months from today, for CSGW_NOW.
months_ahead() {
	date -u -d "+$1 months" +%Y-%m-%d
}

# What CA holds after a day of work: a locate batch TX acknowledged
# (done/, family locate), TX's locate batch delivered to CA's inbox, and
# the FPLS's answers to a caseworker's request (ledger and inbox).
a_day_of_work() {
	gen_locate 3 lr.txt
	drop "$ASPOOL" TX/locate-request lr.txt
	drop "$BSPOOL" CA/locate-request lr.txt
	"$CSGW" -c "$A" run --once >>log 2>&1
	"$CSGW" -c "$B" run --once >>log 2>&1
	"$CSGW" -c "$A" run --once >>log 2>&1

	F=$(fpls_conf)
	"$CSGW" -c "$F" locate request --case CASE0010 --ssn 900-12-3460 --name "Doe, Jane" \
		--dob 1985-06-07 --purpose child-support --sources SSA >>log
	"$CSGW" -c "$F" run --once >>log 2>&1 || true
	awk -v c="CASE0010       " -v m="L-000001       " '
		/^FA/ { print; next }
		/^FF/ && n < 2 { print substr($0, 1, 188) c m substr($0, 219); n++; next }
		/^FZ/ { printf "FZ%08d%s\n", 2, substr($0, 11) }' \
		"$DATA/locate-response.txt" >resp.txt
	csgw_test map locate-response resp.txt -o resp.xml
	"$CSGW" -c "$B" send CA resp.xml >>log
	"$CSGW" -c "$F" run --once >>log 2>&1 || true
}

@test "what expired goes from every place it was; younger data, the log and its proofs stay good" {
	a_day_of_work
	[ "$(entries "$ASPOOL" done | wc -l)" -ge 1 ]
	[ "$(ls "$ASPOOL/inbox/locate" | grep -vc '\.p7s$')" -ge 2 ]
	run "$CSGW" -c "$F" locate show L-000001
	[[ "$output" == *"answer from OCSE"*"ACME WIDGET"* ]]
	ledger=$PKI/ca06-pair-audit/ledger.db
	[ "$(sqlite3 "$ledger" 'SELECT count(*) FROM responses')" -ge 2 ]
	"$CSGW" -c "$A" audit checkpoint
	# A proof of an entry about the case, taken while it is whole.
	id=$(sqlite3 "$PKI/ca06-pair-audit/audit.db" \
		"SELECT id FROM entries WHERE case_id = 'CASE0010' ORDER BY id LIMIT 1")
	[ -n "$id" ]
	"$CSGW" -c "$A" audit proof "$id" >before.proof
	run "$CSGW" -c "$A" audit check-proof before.proof
	[ "$status" -eq 0 ]
	[[ "$output" == *"case_id=CASE0010"* ]]

	# Today nothing has expired.
	run "$CSGW" -c "$A" purge
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "csgw purge: nothing has expired as of $(date -u +%Y-%m-%d)" ]]

	# The real clock wins outside the test environment.
	p=$(pair_variant "$A" environment production)
	run env CSGW_NOW="$(months_ahead 100)" "$CSGW" -c "$p" purge --dry-run
	[[ "$output" == "csgw purge: would remove 0 sent, 0 inbox, 0 answers, 0 audit-personal as of $(date -u +%Y-%m-%d)" ]]

	# 25 months on: NDNH-bearing locate data (24 months) would go; a dry
	# run removes and logs nothing.
	export CSGW_NOW=$(months_ahead 25)
	entries_before=$(sqlite3 "$PKI/ca06-pair-audit/audit.db" 'SELECT count(*) FROM entries')
	run "$CSGW" -c "$A" purge --dry-run
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "csgw purge: would remove 0 sent, "*" inbox, "*" answers, 0 audit-personal as of $CSGW_NOW" ]]
	[[ "$output" == *"inbox"*"locate"*"(24 months: 42 U.S.C. 653(i)(2)(A))"* ]]
	[ "$(ls "$ASPOOL/inbox/locate" | grep -vc '\.p7s$')" -ge 2 ]
	[ "$(sqlite3 "$PKI/ca06-pair-audit/audit.db" 'SELECT count(*) FROM entries')" -eq "$entries_before" ]

	run "$CSGW" -c "$A" purge
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "csgw purge: removed 0 sent, "*" inbox, "*" answers, 0 audit-personal as of $CSGW_NOW"* ]]
	# Gone from the inbox and the ledger, its bytes too; the acknowledged
	# batch (36 months) and the audit entries (84 months) are younger.
	[ -z "$(ls "$ASPOOL/inbox/locate")" ]
	[ "$(sqlite3 "$ledger" 'SELECT count(*) FROM responses')" -eq 0 ]
	! grep -a -q 'ACME WIDGET' "$ledger" "$ledger-wal" 2>/dev/null
	run "$CSGW" -c "$F" locate show L-000001
	[[ "$output" != *"ACME WIDGET"* ]]
	[ "$(entries "$ASPOOL" done | wc -l)" -ge 1 ]
	run "$CSGW" -c "$A" audit search --case CASE0010
	[[ "$output" == *CASE0010* ]]
	# The purge is an entry, with its counts, written by the one who ran it.
	run "$CSGW" -c "$A" audit search --decision purge --format csv
	echo "$output"
	[[ "$output" == *"registry"*"purge"*"$(id -un)"*"0 sent, "*" inbox, "*" answers, 0 audit-personal expired on $CSGW_NOW"* ]]
	run "$CSGW" -c "$A" audit verify
	[ "$status" -eq 0 ]

	# 37 months on: the acknowledged batch goes too.
	export CSGW_NOW=$(months_ahead 37)
	run "$CSGW" -c "$A" purge
	echo "$output"
	[[ "$output" == "csgw purge: removed "*" sent, 0 inbox, 0 answers, 0 audit-personal as of $CSGW_NOW"* ]]
	[ -z "$(entries "$ASPOOL" done)" ]

	# 85 months on: the audit entries lose their personal columns, and the
	# log, its checkpoints and the proof taken before all still verify.
	export CSGW_NOW=$(months_ahead 85)
	run "$CSGW" -c "$A" purge
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "csgw purge: removed 0 sent, 0 inbox, 0 answers, "*" audit-personal as of $CSGW_NOW"* ]]
	run "$CSGW" -c "$A" audit verify
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" entries ("*" with personal columns purged), root "*"; good" ]]
	run "$CSGW" -c "$A" audit search --case CASE0010
	[[ "$output" != *CASE0010* ]]
	! grep -a -q CASE0010 "$PKI/ca06-pair-audit/audit.db" "$PKI/ca06-pair-audit/audit.db-wal" 2>/dev/null
	run "$CSGW" -c "$A" audit check-proof before.proof
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$A" audit proof "$id"
	echo "$output" >after.proof
	run "$CSGW" -c "$A" audit check-proof after.proof
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"its personal columns were purged; personal= commits to them"* ]]
	[[ "$output" != *CASE0010* ]]
}

@test "a purge's proof cannot be bent: personal columns put back or changed are named" {
	gen_locate 4 lr.txt
	csgw_test map locate-request lr.txt -o lr.xml
	"$CSGW" -c "$A" policy apply lr.xml --partner TX --purpose child-support -o out.xml >/dev/null
	"$CSGW" -c "$A" audit checkpoint
	db=$PKI/ca06-pair-audit/audit.db
	# A changed case id, while the entry is whole: verify names the entry.
	cp "$db" keep.db
	sqlite3 "$db" "UPDATE entries SET case_id = 'C99' WHERE id = 2"
	run "$CSGW" -c "$A" audit verify
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"entry 2 has personal columns that differ from those it was written with"* ]]
	# Personal columns cleared by hand, passed off as purged by an entry
	# that is no purge, or by itself: named.
	cp keep.db "$db"
	sqlite3 "$db" "UPDATE entries SET record_id = '', case_id = '', subject_key = '', personal_salt = '', purged = '3' WHERE id = 2"
	run "$CSGW" -c "$A" audit verify
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"entry 2 "*"is marked purged by entry 3, which is not a purge: its personal columns were cleared by hand"* ]]
	sqlite3 "$db" "UPDATE entries SET purged = '2' WHERE id = 2"
	run "$CSGW" -c "$A" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"entry 2 is marked purged by '2', which is no later entry"* ]]
	cp keep.db "$db"
	CSGW_NOW=$(months_ahead 85) "$CSGW" -c "$A" purge >/dev/null
	"$CSGW" -c "$A" audit verify
	# Put back after the purge: named too.
	sqlite3 "$db" "UPDATE entries SET case_id = 'C00000000000002' WHERE id = 2"
	run "$CSGW" -c "$A" audit verify
	[ "$status" -eq 65 ]
	[[ "$output" == *"entry 2 holds personal columns again after they were purged"* ]]
}

@test "kill -9 in the middle of a purge leaves a log that verifies, purged whole or not at all" {
	gen_locate 20000 big.txt
	csgw_test map locate-request big.txt -o big.xml
	"$CSGW" -c "$A" policy apply big.xml --partner TX --purpose child-support -o out.xml >/dev/null
	"$CSGW" -c "$A" audit checkpoint
	db=$PKI/ca06-pair-audit/audit.db
	n=$(sqlite3 "$db" 'SELECT count(*) FROM entries')
	[ "$n" -ge 20000 ]
	# Each try starts from this log and its checkpoints (a later
	# checkpoint would rightly refuse the copy as a rollback).
	cp "$db" whole.db
	mkdir checkpoints
	cp "$PKI"/ca06-pair-audit/*.checkpoint checkpoints/
	killed=0
	for delay in 0.02 0.05 0.1 0.15 0.2 0.3; do
		cp whole.db "$db"
		rm -f "$db-wal" "$db-shm" "$PKI"/ca06-pair-audit/*.checkpoint
		cp checkpoints/* "$PKI/ca06-pair-audit/"
		CSGW_NOW=$(months_ahead 85) "$CSGW" -c "$A" purge >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
		wait "$pid" 2>/dev/null || true
		run "$CSGW" -c "$A" audit verify
		echo "after $delay s: $output"
		[ "$status" -eq 0 ]
		purged=$(sqlite3 "$db" "SELECT count(*) FROM entries WHERE purged <> ''")
		[ "$purged" -eq 0 ] || [ "$purged" -ge 20000 ]
	done
	# At least one kill landed while it ran.
	[ "$killed" -ge 1 ]
}

@test "retention periods are checked data: each problem on its line, and nothing is purged (78)" {
	run "$CSGW" policy check
	[ "$status" -eq 0 ]
	[[ "$output" == *"retention.xml: ok: 9 retention periods"* ]]
	cp -r "$CSGW_MAPPINGS" maps
	sed -i -e 's/data="inbox" family="ndnh"/data="inbox" family="nhdn"/' \
		-e 's/data="sent" months="36"/data="sent" family="ndnh" months="36"/' maps/policy/retention.xml
	run "$CSGW" --mappings maps policy check
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"retention.xml:"[0-9]*": no such family in the mappings"* ]]
	[[ "$output" == *"retention.xml:"[0-9]*": a second period for the same data and family"* ]]
	cp -r "$CSGW_MAPPINGS" maps2
	sed -i 's/months="84"/months="0"/' maps2/policy/retention.xml
	run "$CSGW" --mappings maps2 -c "$A" purge
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"retention.xml:"[0-9]*": "*"months"* ]]
}
