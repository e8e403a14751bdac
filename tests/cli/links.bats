#!/usr/bin/env bats
# links.bats - the spool trusts nothing it finds: a symbolic link planted
# at a name csgw reads or writes (a download's .NAME.part and
# .NAME.p7s.part, the file's final name, the .received ledger, a drop in
# outgoing) points to a victim file outside the spool.  The victim is
# never written nor sent, the link is moved into quarantine with a reason
# and said in the log, and the run goes on with the real work.

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
	"$SSHD_SH" restart "$PSSHD" >/dev/null 2>&1 || true
}

# victim NAME: a file outside the spool, and a copy to compare it with.
victim() {
	echo "victim $1: not the spool's" >"$BATS_TEST_TMPDIR/$1"
	cp "$BATS_TEST_TMPDIR/$1" "$BATS_TEST_TMPDIR/$1.orig"
	echo "$BATS_TEST_TMPDIR/$1"
}

unchanged() {
	cmp "$BATS_TEST_TMPDIR/$1" "$BATS_TEST_TMPDIR/$1.orig"
}

@test "links at every name a download uses: nothing written through them, moved aside, the file delivered" {
	gen_locate 3 lr.txt
	csgw_test map locate-request lr.txt -o "$TO_CA/48-locate-1.xml" >/dev/null
	"$CSGW" -c "$B" sign "$TO_CA/48-locate-1.xml" >/dev/null
	in=$ASPOOL/incoming/TX
	mkdir -p "$in"
	ln -s "$(victim part)" "$in/.48-locate-1.xml.part"
	ln -s "$(victim sigpart)" "$in/.48-locate-1.xml.p7s.part"
	ln -s "$(victim final)" "$in/48-locate-1.xml"
	ln -s "$(victim ledger)" "$in/.received"
	run "$CSGW" -c "$A" run --once
	echo "$output"
	[ "$status" -eq 0 ]
	for v in part sigpart final ledger; do unchanged "$v"; done
	[[ "$output" == *"a symbolic link to $BATS_TEST_TMPDIR/part was found at $in/.48-locate-1.xml.part"*"never followed"* ]]
	[[ "$output" == *"a symbolic link to $BATS_TEST_TMPDIR/ledger was found at $in/.received"* ]]
	# Moved, as links, with their reasons.
	q=$ASPOOL/quarantine/TX
	for f in .48-locate-1.xml.part .48-locate-1.xml.p7s.part 48-locate-1.xml .received; do
		[ -L "$q/$f" ]
		grep -q "never followed" "$q/$f.reason"
	done
	# The run went on: the batch was fetched, checked and delivered.
	[[ "$output" == *"48-locate-1.xml: delivered to inbox/locate/"* ]]
	[ -f "$in/.received" ] && [ ! -L "$in/.received" ]
	run "$CSGW" -c "$A" status
	[[ "$output" == *"received file(s) quarantined"* ]]
}

@test "a link dropped in outgoing is not sent, nor what it points to: moved aside; the file beside it goes" {
	ln -s "$(victim secret)" "$ASPOOL/outgoing/TX/lr.xml"
	locate_xml=$BATS_TEST_TMPDIR/ok.txt
	gen_locate 2 "$locate_xml"
	csgw_test map locate-request "$locate_xml" -o ok.xml >/dev/null
	drop "$ASPOOL" TX ok.xml
	run "$CSGW" -c "$A" run --once
	echo "$output"
	[ "$status" -eq 0 ]
	unchanged secret
	[[ "$output" == *"lr.xml: MOVED ASIDE"*"a symbolic link to $BATS_TEST_TMPDIR/secret was found at $ASPOOL/outgoing/TX/lr.xml"* ]]
	[ -L "$ASPOOL/quarantine/TX/lr.xml" ]
	# Only the real drop went to TX; the victim's bytes are nowhere there.
	[ "$(ls "$TO_TX"/*.xml | wc -l)" -eq 1 ]
	! grep -rq "victim secret" "$TO_TX" "$ASPOOL/sent" || false
	[[ "$output" == *"taken from outgoing/TX/ok.xml"* ]]
}

@test "a FIFO or a link found in incoming is moved aside, never opened (no hang)" {
	in=$ASPOOL/incoming/TX
	mkdir -p "$in"
	mkfifo "$in/48-fifo.xml"
	ln -s "$(victim incoming)" "$in/48-link.xml"
	run timeout 60 "$CSGW" -c "$A" run --once
	echo "$output"
	[ "$status" -eq 0 ]
	unchanged incoming
	[[ "$output" == *"48-fifo.xml: MOVED ASIDE"*"a FIFO was found at $in/48-fifo.xml"* ]]
	[[ "$output" == *"48-link.xml: MOVED ASIDE"* ]]
	[ -p "$ASPOOL/quarantine/TX/48-fifo.xml" ]
	[ -L "$ASPOOL/quarantine/TX/48-link.xml" ]
	[ ! -e "$in/48-fifo.xml" ] && [ ! -e "$in/48-link.xml" ]
}

@test "a link at the audit log, the ledger or the registry is refused and named (74), never written through" {
	for db in audit.db ledger.db registry.db; do
		use_pair
		# Empty: SQLite following the link would make its database in it.
		: >"$BATS_TEST_TMPDIR/$db"
		ln -s "$BATS_TEST_TMPDIR/$db" "$PKI/ca06-pair-audit/$db"
		run "$CSGW" -c "$A" run --once
		echo "$output"
		[ "$status" -eq 74 ]
		[[ "$output" == *"ca06-pair-audit/$db: cannot open: a symbolic link to $BATS_TEST_TMPDIR/$db is there, not a database file"* ]]
		[ ! -s "$BATS_TEST_TMPDIR/$db" ]
		[ -L "$PKI/ca06-pair-audit/$db" ]
		rm "$PKI/ca06-pair-audit/$db"
	done
}

@test "a partner's own folder in the spool replaced by a link (outgoing/TX, incoming/TX): moved aside, the folder it points to untouched" {
	# Outgoing: a folder of someone else's files that would be taken (moved
	# into the spool) and sent; incoming: a folder downloads would land in.
	mkdir "$BATS_TEST_TMPDIR/theirs" "$BATS_TEST_TMPDIR/elsewhere"
	gen_locate 2 lr.txt
	csgw_test map locate-request lr.txt -o "$BATS_TEST_TMPDIR/theirs/lr.xml" >/dev/null
	csgw_test map locate-request lr.txt -o "$TO_CA/48-locate-1.xml" >/dev/null
	"$CSGW" -c "$B" sign "$TO_CA/48-locate-1.xml" >/dev/null
	rm -rf "$ASPOOL/outgoing/TX" "$ASPOOL/incoming/TX"
	mkdir -p "$ASPOOL/outgoing" "$ASPOOL/incoming"
	ln -s "$BATS_TEST_TMPDIR/theirs" "$ASPOOL/outgoing/TX"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$ASPOOL/incoming/TX"
	run "$CSGW" -c "$A" run --once
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"TX: MOVED ASIDE"*"a symbolic link to $BATS_TEST_TMPDIR/theirs was found at $ASPOOL/outgoing/TX"* ]]
	[[ "$output" == *"a symbolic link to $BATS_TEST_TMPDIR/elsewhere was found at $ASPOOL/incoming/TX"* ]]
	# Nothing taken from, nothing written into the folders they point to.
	[ -f "$BATS_TEST_TMPDIR/theirs/lr.xml" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/elsewhere")" ]
	[ -z "$(ls "$TO_TX" | grep -v -- -receipt-)" ]
	# The run went on in a folder of its own.
	[ -d "$ASPOOL/incoming/TX" ] && [ ! -L "$ASPOOL/incoming/TX" ]
	[[ "$output" == *"48-locate-1.xml: delivered to inbox/locate/"* ]]
	# Its quarantine a link: nothing can be set aside safely, so nothing
	# is exchanged with TX until a person looks (74).
	mv "$ASPOOL/quarantine/TX" "$BATS_TEST_TMPDIR/q"
	ln -s "$BATS_TEST_TMPDIR/q" "$ASPOOL/quarantine/TX"
	drop "$ASPOOL" TX "$BATS_TEST_TMPDIR/theirs/lr.xml"
	run "$CSGW" -c "$A" run --once
	echo "$output"
	[ "$status" -eq 74 ]
	[[ "$output" == *"$ASPOOL/quarantine/TX: a symbolic link to $BATS_TEST_TMPDIR/q is there, not a folder; nothing is exchanged with TX until a person removes it"* ]]
	[ -f "$ASPOOL/outgoing/TX/lr.xml" ]
}
