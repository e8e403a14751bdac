#!/usr/bin/env bats
# crash.bats - kill -9 both gateways at random instants while they exchange
# a batch of 1000 records through a real OpenSSH sshd, restart them each
# time, and check at the end that every record was delivered exactly once,
# that no temporary file is left, and that both audit logs verify.

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

teardown() {
	kill -9 ${APID:-} ${BPID:-} 2>/dev/null || true
}

start_both() {
	"$CSGW" -c "$A" run >>a.log 2>&1 3>&- &
	APID=$!
	"$CSGW" -c "$B" run >>b.log 2>&1 3>&- &
	BPID=$!
}

# Temporary files of ours anywhere in either spool or on the server.
leftovers() {
	find "$ASPOOL" "$BSPOOL" "$TO_TX" "$TO_CA" \
		\( -name '*.tmp' -o -name '*.part' -o -name '.csgw-*' -o -name 'receipt.tmp' \) \
		-not -path '*/outgoing/*'
}

# Work CA has not finished: drops not taken, entries not acknowledged.
pending() {
	[ -n "$(ls "$ASPOOL/outgoing/TX" | grep -v '^[a-z-]*$')" ] ||
		[ -n "$(entries "$ASPOOL" active)$(entries "$ASPOOL" deferred)$(entries "$ASPOOL" sent)" ]
}

@test "kill -9 at random instants while 1000 records are exchanged (20+ kills with work in flight): each delivered exactly once, no temp files, audit verifies" {
	# 1000 records: a batch of 500 at once, then twenty of 25, one per round,
	# so that the kills fall on every step (taking, deciding, signing,
	# uploading, fetching, delivering, acknowledging).
	gen_locate 1000 all.txt
	head -1 all.txt >head.txt
	tail -1 all.txt >tail.txt
	chunk() { # chunk FIRST COUNT NAME
		{
			cat head.txt
			sed -n "$(($1 + 1)),$(($1 + $2))p" all.txt
			printf 'FZ%08d%s\n' "$2" "$(cut -c11- tail.txt)"
		} >"$3.txt"
		# Each its own batch number (a partner's resend is known by it).
		sed -i "1s/^\(.\{9\}\)....../\1$(printf %06d "$4")/" "$3.txt"
		csgw_test map locate-request "$3.txt" -o "$3.xml" >/dev/null
	}
	chunk 1 500 big 500
	for k in $(seq 20); do chunk $((501 + (k - 1) * 25)) 25 small$k $((500 + k)); done
	drop "$ASPOOL" TX big.xml
	busy=0 round=0
	while [ $round -lt 24 ] || { pending && [ $round -lt 80 ]; }; do
		round=$((round + 1))
		[ $round -gt 21 ] || [ $round -lt 2 ] || drop "$ASPOOL" TX small$((round - 1)).xml
		start_both
		sleep "0.$(printf %03d $((RANDOM % 300)))"
		pending && busy=$((busy + 1))
		case $((round % 3)) in
		0) kill -9 "$APID" "$BPID" ;;
		1) kill -9 "$APID" && kill -TERM "$BPID" ;;
		2) kill -9 "$BPID" && kill -TERM "$APID" ;;
		esac
		wait "$APID" "$BPID" 2>/dev/null || true
	done
	echo "# $round rounds, $busy of them killed with work in flight" >&3
	[ "$busy" -ge 20 ]
	# Then left alone until CA holds every receipt.
	start_both
	for t in $(seq 300); do
		! pending && break
		sleep 0.1
	done
	sleep 1.5 # one more fetch each: any duplicate receipt is settled
	kill -TERM "$APID" "$BPID"
	wait "$APID" "$BPID"
	APID= BPID=

	# CA: 21 entries, all acknowledged; nothing queued, held or quarantined.
	[ "$(entries "$ASPOOL" done | wc -l)" -eq 21 ] || { tail -40 a.log; false; }
	for st in active deferred sent hold quarantine; do
		[ -z "$(entries "$ASPOOL" $st)" ] || { echo "CA $st: $(entries "$ASPOOL" $st)"; false; }
	done
	# TX: every record delivered exactly once.
	member_ids $(ls "$BSPOOL"/inbox/locate/* | grep -v "\.p7s$") | sort >delivered.txt
	[ "$(wc -l <delivered.txt)" -eq 1000 ] || { wc -l delivered.txt; tail -40 b.log; false; }
	[ "$(uniq <delivered.txt | wc -l)" -eq 1000 ]
	[ -z "$(ls -A "$BSPOOL/incoming/CA" | grep -v '^\.received$')" ]
	[ -z "$(ls -A "$BSPOOL/quarantine/CA" 2>/dev/null)" ]
	# No temporary file anywhere.
	[ -z "$(leftovers)" ] || { leftovers; false; }
	"$CSGW" -c "$A" audit verify >/dev/null
	"$CSGW" -c "$B" audit verify >/dev/null
	# Every record's decision is in CA's log (more than once when a kill
	# fell between logging and publishing the decided batch).
	[ "$("$CSGW" -c "$A" audit search --partner TX --format csv | grep -c ',allow,')" -ge 1000 ]
}

# once CONF: one cycle of csgw run; its exit code in $rc (137: killed).
once() {
	rc=0
	"$CSGW" -c "$1" run --once >>"$2" 2>&1 || rc=$?
}

@test "a crash at each named point between two durable steps: nothing lost, nothing delivered twice, no temp file, audit verifies" {
	gen_locate 1000 all.txt
	csgw_test map locate-request all.txt -o lr.xml >/dev/null
	for point in taking decided named signed moving uploaded fetched-unrecorded delivering \
		moved-in delivered receipt-created receipt-published acknowledged \
		filing-receipt receipt-filed; do
		use_pair
		drop "$ASPOOL" TX "$BATS_TEST_TMPDIR/lr.xml"
		log=$BATS_TEST_TMPDIR/$point.log
		died=0
		for conf in "$A" "$B" "$A"; do
			CSGW_CRASH_POINT=$point once "$conf" "$log"
			[ "$rc" -ne 137 ] || died=1
		done
		[ "$died" -eq 1 ] || { echo "crash point $point was never reached"; cat "$log"; false; }
		for round in 1 2 3 4; do
			once "$A" "$log"
			once "$B" "$log"
			once "$A" "$log"
			[ -n "$(entries "$ASPOOL" done)" ] && break
			sleep 1 # the partners' schedules (every 1s)
		done
		[ "$(entries "$ASPOOL" done | wc -l)" -eq 1 ] || { echo "$point: not done"; cat "$log"; false; }
		for st in active deferred sent hold quarantine; do
			[ -z "$(entries "$ASPOOL" $st)" ] || { echo "$point: CA $st"; cat "$log"; false; }
		done
		n=$(member_ids $(ls "$BSPOOL"/inbox/locate/* | grep -v "\.p7s$") | sort | uniq | wc -l)
		all=$(member_ids $(ls "$BSPOOL"/inbox/locate/* | grep -v "\.p7s$") | wc -l)
		[ "$n" -eq 1000 ] && [ "$all" -eq 1000 ] ||
			{ echo "$point: $all records delivered, $n distinct"; cat "$log"; false; }
		[ -z "$(leftovers)" ] || { echo "$point: left"; leftovers; false; }
		"$CSGW" -c "$A" audit verify >/dev/null
		"$CSGW" -c "$B" audit verify >/dev/null
	done
}

@test "a crash right after a delivery, and the inbox reader takes the file before the restart: not delivered again, still acknowledged" {
	gen_locate 10 ten.txt
	csgw_test map locate-request ten.txt -o ten.xml >/dev/null
	drop "$ASPOOL" TX ten.xml
	once "$A" a.log
	CSGW_CRASH_POINT=moved-in once "$B" b.log
	[ "$rc" -eq 137 ]
	# The state's system takes what was delivered while the gateway is down.
	f=$(ls "$BSPOOL"/inbox/locate/*.xml)
	mv "$f" "$f.p7s" "$BATS_TEST_TMPDIR/"
	once "$B" b.log
	[ -z "$(ls -A "$BSPOOL/inbox/locate")" ] || { ls -l "$BSPOOL/inbox/locate"; cat b.log; false; }
	grep -q "delivered to inbox/locate/.* by a cycle cut short" b.log
	once "$A" a.log
	[ "$(entries "$ASPOOL" done | wc -l)" -eq 1 ] || { cat a.log b.log; false; }
}

@test "a delivery cut short is finished for a partner file whose name has spaces" {
	gen_locate 5 five.txt
	csgw_test map locate-request five.txt -o five.xml >/dev/null
	for point in delivering moved-in; do
		use_pair
		cp five.xml "$TO_CA/48 locate five.xml"
		"$CSGW" -c "$B" sign "$TO_CA/48 locate five.xml" >/dev/null
		CSGW_CRASH_POINT=$point once "$A" a.log
		[ "$rc" -eq 137 ]
		once "$A" a.log
		[ "$(ls "$ASPOOL/inbox/locate" | grep -vc '\.p7s$')" -eq 1 ] || { echo "$point"; cat a.log; false; }
		[ -f "$ASPOOL/inbox/locate/TX-48 locate five.xml.p7s" ]
		[ -z "$(ls "$ASPOOL/delivered/TX/pending")" ] || { echo "$point"; cat a.log; false; }
		[ "$(ls "$TO_TX"/06-receipt-*.xml | wc -l)" -eq 1 ]
		[ -z "$(leftovers)" ]
	done
}
