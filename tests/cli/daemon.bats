#!/usr/bin/env bats
# daemon.bats - csgw run, status and queue: two gateways (CA and TX) that
# exchange through a real OpenSSH sshd on 127.0.0.1.  Round trips with
# receipts, fixed-width drops, what is not taken, quarantine, retries while
# the server is down, holds, rejecting receipts, bad signatures, resends,
# the daemon's signals and systemd notifications.  The crash tests (kill
# -9) are in crash.bats.

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

teardown() {
	[ -z "${DAEMON_PID:-}" ] || kill -9 "$DAEMON_PID" 2>/dev/null || true
}

# A locate request batch (XML) of N records, made from the sample.
locate_xml() {
	gen_locate "$1" "$BATS_TEST_TMPDIR/lr.txt"
	csgw_test map locate-request "$BATS_TEST_TMPDIR/lr.txt" -o "$2" >/dev/null
}

@test "round trip: CA sends, TX delivers once and acknowledges, CA's entry is done" {
	locate_xml 20 lr.xml
	drop "$ASPOOL" TX lr.xml
	run "$CSGW" -c "$A" run --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"taken from outgoing/TX/lr.xml"* ]]
	[[ "$output" == *"20 allowed, 0 redacted, 0 denied"* ]]
	[[ "$output" == *"waiting for its receipt"* ]]
	[ "$(entries "$ASPOOL" sent | wc -l)" -eq 1 ]
	id=$(entries "$ASPOOL" sent)
	# Signed: openssl agrees on the file as it is on the server.
	f=$(ls "$TO_TX"/*.xml)
	openssl_verify "$f" "$f.p7s"

	run "$CSGW" -c "$B" run --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"delivered to inbox/locate/"* ]]
	[[ "$output" == *"receipt for"*"(accepted), queued"* ]]
	ls "$BSPOOL"/inbox/locate/*.xml
	[ "$(ls "$BSPOOL"/inbox/locate | grep -vc "\.p7s$")" -eq 1 ]
	got=$(ls "$BSPOOL"/inbox/locate/*.xml)
	csgw_test validate "$got"
	# The signature stays beside the delivered file: who sent it is provable.
	openssl_verify "$got" "$got.p7s"
	[ "$(member_ids "$got" | sort -u | wc -l)" -eq 20 ]
	[ -z "$(ls "$BSPOOL/incoming/CA")" ]

	run "$CSGW" -c "$A" run --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"$id: acknowledged by TX"*"done"* ]]
	[ -f "$ASPOOL/done/$id/receipt.xml" ]
	openssl_verify "$ASPOOL/done/$id/receipt.xml" "$ASPOOL/done/$id/receipt.xml.p7s"
	run "$CSGW" -c "$A" status
	[ "$status" -eq 0 ]
	[[ "$output" == *"active 0, deferred 0, sent 0, done 1, hold 0, quarantine 0"* ]]
	[[ "$output" == *"nothing needs a person"* ]]
	"$CSGW" -c "$A" audit verify >/dev/null
	"$CSGW" -c "$B" audit verify >/dev/null
	# Every decision and the upload are in CA's log; the receipt in TX's.
	run "$CSGW" -c "$A" audit search --partner TX --format csv
	[ "$(grep -c ',allow,' <<<"$output")" -ge 20 ]
	[[ "$output" == *",sent,"* ]]
}

@test "a fixed-width extract dropped in outgoing/TX/TYPE is mapped, decided and sent" {
	"$CSGW" -c "$A" run --once >/dev/null # makes the TYPE folders
	[ -d "$ASPOOL/outgoing/TX/referral" ]
	cp "$DATA/referral.txt" "$ASPOOL/outgoing/TX/referral/case-57.txt"
	run "$CSGW" -c "$A" run --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"taken from outgoing/TX/referral/case-57.txt"* ]]
	[[ "$output" == *"referral batch 000057 for TX"* ]]
	[ "$(ls "$TO_TX"/06-referral-*.xml | wc -l)" -eq 1 ]
	# The producer's file name goes nowhere near the partner.
	! ls "$TO_TX" | grep -q case-57 || false
	# Decided straight from the extract, byte for byte what map and then
	# policy apply make of it.
	csgw_test map referral "$DATA/referral.txt" -o ref.xml >/dev/null
	"$CSGW" -c "$A" policy apply ref.xml --partner TX --purpose child-support -o expect.xml >/dev/null
	cmp expect.xml "$TO_TX"/06-referral-*.xml
}

@test "a bad fixed-width extract is quarantined with the reason, its SSNs masked" {
	"$CSGW" -c "$A" run --once >/dev/null
	gen_locate 3 lr.txt
	set_field lr.txt 3 60 20231345 # dateOfBirth of record 2: month 13
	cp lr.txt "$ASPOOL/outgoing/TX/locate-request/bad.txt"
	run "$CSGW" -c "$A" run --once
	id=$(entries "$ASPOOL" quarantine)
	[ -n "$id" ]
	reason=$(cat "$ASPOOL/quarantine/$id/reason")
	[[ "$reason" == *"locate-request/bad.txt is not a good locate-request extract"*"dateOfBirth"* ]]
	# No SSN of the extract in the reason or the log.
	! grep -qE '9[0-9]{8}' <<<"$reason$output" || false
	[ -z "$(ls "$TO_TX")" ]
}

@test "hidden, .tmp and .part drops, and files younger than drop_min_age, are left alone" {
	locate_xml 3 lr.xml
	young=$(pair_variant "$A" drop_min_age 1h)
	out=$ASPOOL/outgoing/TX
	cp lr.xml "$out/.hidden.xml"
	cp lr.xml "$out/being-written.tmp"
	cp lr.xml "$out/being-written.part"
	cp lr.xml "$out/written-in-place.xml"
	run "$CSGW" -c "$young" run --once
	[ "$status" -eq 0 ]
	[ -z "$(entries "$ASPOOL" active)$(entries "$ASPOOL" sent)" ]
	[ "$(ls -A "$out" | grep -c .)" -ge 4 ]
	run "$CSGW" -c "$young" status
	[[ "$output" == *"outgoing 1 file(s) not taken yet"* ]]
	# Once old enough (here: no minimum), the complete one goes.
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"taken from outgoing/TX/written-in-place.xml"* ]]
	[ -f "$out/.hidden.xml" ] && [ -f "$out/being-written.tmp" ] && [ -f "$out/being-written.part" ]
}

@test "bad content is quarantined with a reason, never retried, and shown as needing a person" {
	printf '<?xml version="1.0"?>\n<notABatch/>\n' >bad.xml
	drop "$ASPOOL" TX bad.xml
	run "$CSGW" -c "$A" run --once
	[ "$status" -eq 0 ]
	id=$(entries "$ASPOOL" quarantine)
	[ -n "$id" ]
	[[ "$(cat "$ASPOOL/quarantine/$id/reason")" == *"bad.xml is not a good batch"* ]]
	[ -f "$ASPOOL/quarantine/$id/source" ]
	[ -z "$(ls "$TO_TX")" ]
	run "$CSGW" -c "$A" run --once
	[[ "$output" != *"$id"* ]]
	run "$CSGW" -c "$A" status
	[ "$status" -eq 1 ]
	[[ "$output" == *"needs a person:"*"$id"*"quarantine"*"not a good batch"* ]]
	run "$CSGW" -c "$A" status --json
	[ "$status" -eq 1 ]
	python3 -c 'import json,sys; d=json.load(sys.stdin); a=d["attention"]; assert a[0]["state"]=="quarantine", a; assert d["partners"][0]["states"]["quarantine"]["count"]==1' <<<"$output"
}

@test "a batch the policy withholds entirely, or of a family the partner does not take, is quarantined" {
	# A purpose the class does not serve: every record denied.
	wrong=$(pair_variant "$A" purpose custody-visitation partner)
	locate_xml 2 lr.xml
	drop "$ASPOOL" TX lr.xml
	run "$CSGW" -c "$wrong" run --once
	id=$(entries "$ASPOOL" quarantine)
	[ -n "$id" ]
	[[ "$(cat "$ASPOOL/quarantine/$id/reason")" == *"nothing of lr.xml may go to TX for custody-visitation: 2 records, 2 denied"* ]]
	# The denials are in the log even though nothing went.
	run "$CSGW" -c "$A" audit search --partner TX --format csv
	[ "$(grep -c ',deny,' <<<"$output")" -eq 2 ]

	csgw_test map fcr-input "$DATA/fcr-input.txt" -o fcr.xml >/dev/null
	drop "$ASPOOL" TX fcr.xml
	narrow=$(pair_variant "$A" families locate)
	run "$CSGW" -c "$narrow" run --once
	[[ "$output" == *"QUARANTINED"* ]]
	grep -l "partner TX takes only: locate" "$ASPOOL"/quarantine/*/reason || grep -l "nothing of fcr.xml" "$ASPOOL"/quarantine/*/reason
	[ -z "$(ls "$TO_TX")" ]
}

@test "server down: entries are deferred with the reason, then delivered when it is back" {
	locate_xml 5 lr.xml
	"$SSHD_SH" stop "$PSSHD"
	drop "$ASPOOL" TX lr.xml
	run "$CSGW" -c "$A" run --once
	[ "$status" -eq 75 ]
	[[ "$output" == *"deferred (attempt 1)"*"next attempt in"* ]]
	id=$(entries "$ASPOOL" deferred)
	[ -n "$id" ]
	run "$CSGW" -c "$A" status
	[[ "$output" == *"deferred 1"* ]]
	[[ "$output" == *"last failure"* ]]
	run "$CSGW" -c "$A" queue show "$id"
	[[ "$output" == *"attempts      1"* ]]
	[[ "$output" == *"next attempt"* ]]
	"$SSHD_SH" restart "$PSSHD" >/dev/null
	sleep 1.2 # retry_min
	run "$CSGW" -c "$A" run --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"$id: sent to TX"* ]]
	[ -d "$ASPOOL/sent/$id" ]
}

@test "an upload of ours left unfinished on the partner's server (both ends killed mid-upload) is removed after an hour; a newer one stays" {
	# What kill -9 of the daemon and of the SSH server at once once left:
	# a receipt's .part that no entry will ever finish.
	for f in 06-receipt-lost.xml.part 06-receipt-lost.xml.p7s.part recent.xml.part; do
		echo "partial" >"$TO_TX/$f"
	done
	touch -d '2 hours ago' "$TO_TX/06-receipt-lost.xml.part" "$TO_TX/06-receipt-lost.xml.p7s.part"
	locate_xml 5 lr.xml
	drop "$ASPOOL" TX lr.xml
	run "$CSGW" -c "$A" run --once
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$TO_TX/06-receipt-lost.xml.part: removed, the unfinished upload of a file no longer waiting to be sent (8 bytes)"* ]]
	[[ "$output" == *"$TO_TX/06-receipt-lost.xml.p7s.part: removed"* ]]
	[ ! -e "$TO_TX/06-receipt-lost.xml.part" ]
	[ ! -e "$TO_TX/06-receipt-lost.xml.p7s.part" ]
	# Younger than an hour: a person's interrupted csgw send may resume it.
	[ -e "$TO_TX/recent.xml.part" ]
	[[ "$output" != *"recent.xml.part"* ]]
	# The work of the run went as usual.
	[ "$(ls "$TO_TX"/*.xml | wc -l)" -eq 1 ]
	rm -f "$TO_TX/recent.xml.part"
}

@test "retried past hold_after: held with the reason, never dropped; release sends it" {
	locate_xml 2 lr.xml
	short=$(pair_variant "$A" hold_after 1s)
	"$SSHD_SH" stop "$PSSHD"
	drop "$ASPOOL" TX lr.xml
	run "$CSGW" -c "$short" run --once
	sleep 1.1
	run "$CSGW" -c "$short" run --once
	id=$(entries "$ASPOOL" hold)
	[ -n "$id" ]
	# Two attempts, or one when the first run alone outlived hold_after.
	[[ "$(cat "$ASPOOL/hold/$id/reason")" =~ "not delivered after "[12]" attempt" ]]
	"$SSHD_SH" restart "$PSSHD" >/dev/null
	run "$CSGW" -c "$A" run --once
	[ -d "$ASPOOL/hold/$id" ] # held stays held
	run "$CSGW" -c "$A" queue release "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$id: hold -> active"* ]]
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"$id: sent to TX"* ]]
}

@test "a rejecting receipt moves the file to hold with the partner's reasons" {
	locate_xml 4 lr.xml
	drop "$ASPOOL" TX lr.xml
	"$CSGW" -c "$A" run --once >/dev/null
	id=$(entries "$ASPOOL" sent)
	f=$(ls "$TO_TX"/*.xml)
	# TX rejects record 2 by hand, with its own tools.
	"$CSGW" -c "$B" receipt make "$f" --partner CA --reject "2:RC014:SSN NOT ON FILE" \
		-o "$TO_CA/48-receipt-by-hand.xml" >/dev/null
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"$id: HELD: records rejected by TX"*"record 2: RC014 SSN NOT ON FILE"* ]]
	[ -f "$ASPOOL/hold/$id/receipt.xml" ]
	run "$CSGW" -c "$A" queue list --state hold
	[[ "$output" == *"$id"*"RC014"* ]]
	run "$CSGW" -c "$A" status
	[ "$status" -eq 1 ]
	# Corrected at TX's end: released, it goes out again (the rejection
	# kept beside it, not taken for its answer).
	run "$CSGW" -c "$A" queue release "$id"
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"$id: sent to TX"* ]]
	[ -d "$ASPOOL/sent/$id" ]
	[ -f "$ASPOOL/sent/$id/receipt-1.xml" ]
}

@test "an inbound file with a bad signature is quarantined with a reason, and nothing delivered" {
	locate_xml 2 lr.xml
	cp lr.xml "$TO_CA/48-locate-bad.xml"
	# Signed by CA, not by TX.
	"$CSGW" -c "$A" sign "$TO_CA/48-locate-bad.xml" >/dev/null
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"signature REJECTED"* ]]
	[ -f "$ASPOOL/quarantine/TX/48-locate-bad.xml" ]
	ls "$ASPOOL"/quarantine/TX/*.reason
	[ -z "$(ls "$ASPOOL/inbox/locate" 2>/dev/null)" ]
	run "$CSGW" -c "$A" status
	[ "$status" -eq 1 ]
	[[ "$output" == *"1 received file(s) quarantined"* ]]
}

@test "a signed file that is not a good batch: quarantined, and a rejecting receipt goes back" {
	printf '<?xml version="1.0"?>\n<notABatch/>\n' >"$TO_CA/48-junk.xml"
	"$CSGW" -c "$B" sign "$TO_CA/48-junk.xml" >/dev/null
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"48-junk.xml: QUARANTINED"*"not a good batch"* ]]
	[[ "$output" == *"REJECTED: CS001"* ]]
	r=$(ls "$TO_TX"/06-receipt-*.xml)
	run "$CSGW" -c "$B" receipt check "$r" --partner CA
	[ "$status" -eq 0 ]
	[[ "$output" == *"REJECTED"* || "$output" == *"rejected"* ]]
}

@test "a large signed batch bad near its end, parsed as it downloads: quarantined naming the line, record and field csgw validate names" {
	# 20,000 records (~10 MB); record 19,990's member id too long for its
	# field.  The daemon parses it while the bytes arrive, not afterwards.
	locate_xml 20000 "$BATS_TEST_TMPDIR/big.xml"
	awk '/<memberId>/ && ++n == 19990 { sub(/<memberId>[^<]*/, "<memberId>M00000000000000000000000") } { print }' \
		"$BATS_TEST_TMPDIR/big.xml" >"$TO_CA/48-late.xml"
	cp "$TO_CA/48-late.xml" "$BATS_TEST_TMPDIR/late.xml"
	"$CSGW" -c "$B" sign "$TO_CA/48-late.xml" >/dev/null
	run csgw_test validate "$BATS_TEST_TMPDIR/late.xml"
	[ "$status" -eq 65 ]
	problem=$(printf '%s\n' "$output" | grep -o ':[0-9]*: record 19990 (locateRequest): field memberId: .*')
	[ -n "$problem" ]
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"48-late.xml: QUARANTINED"*"not a good batch"* ]]
	reason=$(cat "$ASPOOL/quarantine/TX/48-late.xml.reason")
	[[ "$reason" == *"48-late.xml$problem"* ]]
	# Kept whole, with its signature; nothing delivered.
	cmp "$BATS_TEST_TMPDIR/late.xml" "$ASPOOL/quarantine/TX/48-late.xml"
	[ -f "$ASPOOL/quarantine/TX/48-late.xml.p7s" ]
	[ -z "$(ls "$ASPOOL/inbox/locate" 2>/dev/null)" ]
	# No partner data in what it said: the batch's SSNs never appear.
	! grep -qE '9[0-9]{8}' "$ASPOOL/quarantine/TX/48-late.xml.reason" || false
}

@test "a batch parsed as it downloads is delivered on that parse, not parsed a second time" {
	locate_xml 2000 "$TO_CA/48-once.xml"
	"$CSGW" -c "$B" sign "$TO_CA/48-once.xml" >/dev/null
	# Every program the run starts, its children's too.  (LeakSanitizer,
	# in make test SANITIZE=1, stops the world through ptrace, which strace
	# holds: leaks are looked for by every other test.)
	run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -s 512 -e trace=execve -e signal=none -o "$BATS_TEST_TMPDIR/exec.log" \
		"$CSGW" -c "$A" run --once
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"48-once.xml"*"delivered to inbox/locate/"* ]]
	# One sandboxed parser for the batch: the one fed while it arrived.
	# (Were its verdict not matched to the file, take_file would start
	# another to parse the file again.)
	grep '"parse-child"' "$BATS_TEST_TMPDIR/exec.log" >"$BATS_TEST_TMPDIR/parsers.log" || true
	cat "$BATS_TEST_TMPDIR/parsers.log"
	[ "$(grep -c '"48-once.xml"' "$BATS_TEST_TMPDIR/parsers.log")" -eq 1 ]
}

@test "received files that fail are all kept: a second one of the same name does not replace the first" {
	printf '<?xml version="1.0"?>\n<notABatch/>\n' >"$TO_CA/48-junk.xml"
	"$CSGW" -c "$B" sign "$TO_CA/48-junk.xml" >/dev/null
	"$CSGW" -c "$A" run --once >/dev/null
	printf '<?xml version="1.0"?>\n<stillNotABatch/>\n' >"$TO_CA/48-junk.xml"
	"$CSGW" -c "$B" sign "$TO_CA/48-junk.xml" >/dev/null
	"$CSGW" -c "$A" run --once >/dev/null
	grep -q notABatch "$ASPOOL/quarantine/TX/48-junk.xml"
	grep -q stillNotABatch "$ASPOOL/quarantine/TX/48-junk.xml.1"
	[ -f "$ASPOOL/quarantine/TX/48-junk.xml.1.reason" ] && [ -f "$ASPOOL/quarantine/TX/48-junk.xml.1.p7s" ]
}

@test "a batch of a family the partner does not exchange is quarantined and rejected (CS003)" {
	csgw_test map fcr-input "$DATA/fcr-input.txt" -o "$TO_CA/48-fcr.xml" >/dev/null
	"$CSGW" -c "$B" sign "$TO_CA/48-fcr.xml" >/dev/null
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"48-fcr.xml: QUARANTINED"*"a fcr batch; partner TX exchanges only: locate referral"* ]]
	[[ "$output" == *"REJECTED: CS003"* ]]
	[ -z "$(ls "$ASPOOL/inbox/fcr" 2>/dev/null)" ]
}

@test "a partner's resend is acknowledged again but delivered once (same name, other name, same batch)" {
	locate_xml 3 lr.xml
	cp lr.xml "$TO_CA/48-locate-1.xml"
	"$CSGW" -c "$B" sign "$TO_CA/48-locate-1.xml" >/dev/null
	cp "$TO_CA/48-locate-1.xml" "$TO_CA/48-locate-1.xml.p7s" .
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"delivered to inbox/locate/"* ]]
	# Same name again.
	cp 48-locate-1.xml 48-locate-1.xml.p7s "$TO_CA/"
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"acknowledged again, not delivered twice"* ]]
	# Same bytes under another name.
	cp 48-locate-1.xml "$TO_CA/48-locate-again.xml"
	cp 48-locate-1.xml.p7s "$TO_CA/48-locate-again.xml.p7s"
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"48-locate-again.xml: already delivered"*"acknowledged again"* ]]
	[ "$(ls "$ASPOOL"/inbox/locate | grep -vc "\.p7s$")" -eq 1 ]
	# Three receipts went back, each acknowledging the same file.
	[ "$(ls "$TO_TX"/06-receipt-*.xml | wc -l)" -eq 3 ]
	# The same batch number with other content needs a person.
	sed 's/M00000000000001/M00000000000999/' lr.xml >"$TO_CA/48-locate-redone.xml"
	"$CSGW" -c "$B" sign "$TO_CA/48-locate-redone.xml" >/dev/null
	run "$CSGW" -c "$A" run --once
	[[ "$output" == *"48-locate-redone.xml: QUARANTINED"*"delivered before with other content"* ]]
	[ "$(ls "$ASPOOL"/inbox/locate | grep -vc "\.p7s$")" -eq 1 ]
}

@test "a receipt overdue past receipt_timeout is an alert in the log and in status" {
	locate_xml 1 lr.xml
	# Times are kept in whole seconds: with 1s, a cycle that crosses a
	# second boundary between its upload and its end would alert at once.
	quick=$(pair_variant "$A" receipt_timeout 3s)
	drop "$ASPOOL" TX lr.xml
	run "$CSGW" -c "$quick" run --once
	[[ "$output" == *"waiting for its receipt"* ]]
	[[ "$output" != *"ALERT"* ]]
	id=$(entries "$ASPOOL" sent)
	[ -n "$id" ]
	sleep 3.1
	run "$CSGW" -c "$quick" run --once
	[[ "$output" == *"$id: ALERT: no receipt from TX"* ]]
	run "$CSGW" -c "$quick" run --once
	[[ "$output" != *"ALERT"* ]] # said once
	run "$CSGW" -c "$quick" status
	[ "$status" -eq 1 ]
	[[ "$output" == *"$id"*"sent"*"no receipt from TX after"* ]]
}

# Under systemd ($JOURNAL_STREAM names the daemon's output, as systemd.exec(5)
# sets it) every line starts with its priority; elsewhere lines are plain.
journal_run() {
	: >"$2"
	JOURNAL_STREAM=$(stat -c %d:%i "$2") "$CSGW" -c "$1" run --once >>"$2" 2>&1 || true
}

@test "under journald each log line has its priority; what status says needs a person is a warning or error" {
	quick=$(pair_variant "$A" receipt_timeout 3s)
	printf '<?xml version="1.0"?>\n<notABatch/>\n' >bad.xml
	drop "$ASPOOL" TX bad.xml
	locate_xml 1 lr.xml
	drop "$ASPOOL" TX lr.xml
	printf '<?xml version="1.0"?>\n<notABatch/>\n' >"$TO_CA/48-junk.xml"
	"$CSGW" -c "$B" sign "$TO_CA/48-junk.xml" >/dev/null
	journal_run "$quick" j1.log
	sleep 3.1
	journal_run "$quick" j2.log
	cat j1.log j2.log >journal.log
	# Every line has one, and only the four levels of util/log.h.
	run grep -vE '^<[3456]>' journal.log
	[ "$status" -eq 1 ] || { echo "lines without a priority: $output"; false; }
	grep -qE '^<6>.*taken from outgoing/TX/lr.xml' journal.log
	grep -qE '^<6>.*sent to TX' journal.log
	grep -qE '^<4>.*QUARANTINED.*bad.xml is not a good batch' journal.log
	grep -qE '^<4>.*48-junk.xml: QUARANTINED' journal.log
	grep -qE '^<4>.*ALERT: no receipt from TX' journal.log
	# Whatever status lists for a person is a warning or an error in the
	# log, and every warning names something status lists.
	run "$CSGW" -c "$quick" status --json
	[ "$status" -eq 1 ]
	echo "$output" >status.json
	python3 - journal.log status.json <<'PY'
import json, re, sys
status = json.load(open(sys.argv[2]))
lines = open(sys.argv[1]).read().splitlines()
loud = [l for l in lines if re.match(r"<[34]>", l)]
names = [a["id"] for a in status["attention"]]
assert len(names) == 2, status["attention"]
assert status["partners"][0]["quarantined_inbound"] == 1, status["partners"]
names.append("48-junk.xml")
for n in names:
    assert any(n in l for l in loud), "status lists %s; no warning names it" % n
for l in loud:
    assert any(n in l for n in names), "a warning status does not list: %s" % l
PY
	# Not under systemd, or another stream: plain lines.
	drop "$ASPOOL" TX bad.xml
	: >other.log
	JOURNAL_STREAM=$(stat -c %d:%i other.log) "$CSGW" -c "$A" run --once >plain.log 2>&1 || true
	grep -q "QUARANTINED" plain.log
	run grep -E '^<[0-9]>' plain.log
	[ "$status" -eq 1 ]
}

@test "queue: list, show, hold, retry, release, purge, and refusals" {
	locate_xml 1 lr.xml
	"$SSHD_SH" stop "$PSSHD"
	drop "$ASPOOL" TX lr.xml
	"$CSGW" -c "$A" run --once >/dev/null || true
	id=$(entries "$ASPOOL" deferred)
	run "$CSGW" -c "$A" queue list
	[[ "$output" == *"$id"*"deferred"*"TX"*"locate"* ]]
	run "$CSGW" -c "$A" queue retry "$id"
	[[ "$output" == *"deferred -> active"* ]]
	run "$CSGW" -c "$A" queue hold "$id" --reason "checking with TX"
	[[ "$output" == *"active -> hold"* ]]
	run "$CSGW" -c "$A" queue show "$id"
	[[ "$output" == *"held by an operator: checking with TX"* ]]
	run "$CSGW" -c "$A" queue retry "$id"
	[ "$status" -eq 65 ]
	run "$CSGW" -c "$A" queue show 20990101T000000Z-1-1
	[ "$status" -eq 66 ]
	run "$CSGW" -c "$A" queue show ../../etc
	[ "$status" -eq 66 ]
	run "$CSGW" -c "$A" queue frobnicate "$id"
	[ "$status" -eq 64 ]
	run "$CSGW" -c "$A" queue purge "$id"
	[ "$status" -eq 0 ]
	[ ! -e "$ASPOOL/hold/$id" ]
	run "$CSGW" -c "$A" audit search --format csv
	[[ "$output" == *",purged,"* ]]
	"$CSGW" -c "$A" audit verify >/dev/null
}

# live_conf FILE: CA's conf with absolute paths, for a daemon started
# from the test's own folder.
live_conf() {
	sed "s|^spool = |spool = $PKI/|; s|^audit_db = |audit_db = $PKI/|; s|^checkpoint_dir = |checkpoint_dir = $PKI/|; s|= pki/|= $PKI/pki/|" "$A" >"$1"
}

# notify_listener SOCKET LOG: a datagram socket like systemd's, writing what
# it receives to LOG; prints its PID.
notify_listener() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode() + "\n")
' "$1" "$2" </dev/null >/dev/null 2>&1 3>&- &
	echo $!
}

@test "csgw run as a daemon: READY, notices a drop at once, RELOADING on SIGHUP (bad file kept out), STOPPING and exit 0 on SIGTERM" {
	locate_xml 2 lr.xml
	sock=$BATS_TEST_TMPDIR/notify.sock
	lpid=$(notify_listener "$sock" notify.log)
	wait_for "[ -S '$sock' ]"
	conf=$BATS_TEST_TMPDIR/live.conf
	live_conf "$conf"
	NOTIFY_SOCKET=$sock "$CSGW" -c "$conf" run >run.log 2>&1 &
	DAEMON_PID=$!
	wait_for "grep -q READY=1 notify.log"
	drop "$ASPOOL" TX lr.xml
	wait_for "ls '$TO_TX'/*.xml >/dev/null 2>&1"
	grep -q "sent to TX" run.log
	# A broken configuration is refused; the old one keeps running.
	echo "this is not ini" >>"$conf"
	kill -HUP "$DAEMON_PID"
	wait_for "grep -q 'still running with the old one' run.log"
	kill -0 "$DAEMON_PID"
	grep -q RELOADING=1 notify.log
	# A good one is taken.
	sed -i '$d' "$conf"
	kill -HUP "$DAEMON_PID"
	wait_for "grep -q 'reloaded' run.log"
	[ "$(grep -c READY=1 notify.log)" -ge 3 ]
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
	kill "$lpid"
	[ "$rc" -eq 0 ]
	grep -q STOPPING=1 notify.log
	grep -q "stopping (signal)" run.log
}

@test "one daemon per spool: a second csgw run is refused (75)" {
	conf=$BATS_TEST_TMPDIR/live.conf
	live_conf "$conf"
	"$CSGW" -c "$conf" run >run.log 2>&1 &
	DAEMON_PID=$!
	wait_for "grep -q serving run.log"
	run "$CSGW" -c "$conf" run --once
	[ "$status" -eq 75 ]
	[[ "$output" == *"another csgw run serves"* ]]
	run "$CSGW" -c "$conf" status
	[[ "$output" == *"csgw run is running"* ]]
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID"
	DAEMON_PID=
}

@test "the spool file system fills up: a clear error, nothing lost or half-written, work resumes when space is freed" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a small tmpfs"
	locate_xml 200 lr.xml
	mnt=$BATS_TEST_TMPDIR/small
	mkdir -p "$mnt"
	mount -t tmpfs -o size=600k tmpfs "$mnt" || skip "cannot mount tmpfs here"
	small=$(pair_variant "$A" spool "$mnt/spool")
	"$CSGW" -c "$small" run --once >/dev/null 2>&1 || true
	drop "$mnt/spool" TX lr.xml
	# Fill it, leaving room for the entry's folder but not for its batch.
	avail=$(df -k --output=avail "$mnt" | tail -1)
	dd if=/dev/zero of="$mnt/filler" bs=1k count=$((avail - 40)) 2>/dev/null || true
	run "$CSGW" -c "$small" run --once
	echo "$output"
	# 74: work is left where it is because of this machine's disk.
	[ "$status" -eq 74 ]
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *"tried again next cycle"* ]]
	# Nothing went, nothing half-written, the drop is kept.
	[ -z "$(ls "$TO_TX")" ]
	[ -z "$(find "$mnt/spool" -name '*.tmp' -o -name '.*.tmp*' | grep -v outgoing)" ] || { find "$mnt/spool"; false; }
	find "$mnt/spool" -name source -o -name lr.xml | grep -q .
	rm -f "$mnt/filler"
	run "$CSGW" -c "$small" run --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"sent to TX"* ]]
	[ "$(member_ids "$TO_TX"/*.xml | sort -u | wc -l)" -eq 200 ]
	umount "$mnt"
}

@test "the partner's server stops while the daemon runs: the entry is deferred, and delivered by the daemon itself once the server is back" {
	locate_xml 3 lr.xml
	conf=$BATS_TEST_TMPDIR/live.conf
	live_conf "$conf"
	"$CSGW" -c "$conf" run >run.log 2>&1 &
	DAEMON_PID=$!
	wait_for "grep -q serving run.log"
	"$SSHD_SH" kill "$PSSHD" >/dev/null
	drop "$ASPOOL" TX lr.xml
	wait_for "grep -q 'deferred (attempt 1)' run.log"
	[ -n "$(entries "$ASPOOL" deferred)" ]
	"$SSHD_SH" restart "$PSSHD" >/dev/null
	wait_for "grep -q 'sent to TX' run.log"
	[ -n "$(entries "$ASPOOL" sent)" ]
	[ "$(ls "$TO_TX"/*.xml | wc -l)" -eq 1 ]
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID"
	DAEMON_PID=
}
