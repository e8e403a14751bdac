#!/usr/bin/env bats
# sandbox.bats - what a partner sends is parsed by a child that holds
# nothing (core/isolated.h, io/sandbox.h): a live child is under seccomp
# with only its input and its pipe open; a child killed in the middle of a
# batch costs that batch (quarantined with the reason), never the daemon.
#
# The child is caught alive by stopping the daemon (SIGSTOP) once the child
# is under its filter: the child then waits for input, or fills its pipe.
# A batch is parsed while it downloads: the child's input is a socket the
# daemon feeds with the bytes as they come, and its verdict stands.

load helpers
load pki
load sftp
load daemon

setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
	start_pair "$BATS_FILE_TMPDIR"
	# A large locate request batch from TX (300,000 records, ~150 MB):
	# parsing it takes long enough to catch its parser alive.
	gen_locate 300000 "$BATS_FILE_TMPDIR/big.txt"
	csgw_test map locate-request "$BATS_FILE_TMPDIR/big.txt" -o "$BATS_FILE_TMPDIR/big.xml" >/dev/null
	rm "$BATS_FILE_TMPDIR/big.txt"
}

teardown_file() {
	"$SSHD_SH" stop "$BATS_FILE_TMPDIR/pair-sshd"
}

setup() {
	use_pair
	cp "$BATS_FILE_TMPDIR/big.xml" "$TO_CA/48-big.xml"
	if [[ "$BATS_TEST_DESCRIPTION" == *"signature"* ]]; then
		sign_noattr
	else
		"$CSGW" -c "$B" sign "$TO_CA/48-big.xml" >/dev/null
	fi
	# The daemon runs from the test's folder: absolute paths.
	sed "s|^spool = |spool = $PKI/|; s|^audit_db = |audit_db = $PKI/|; s|^checkpoint_dir = |checkpoint_dir = $PKI/|; s|= pki/|= $PKI/pki/|" \
		"$A" >live.conf
	"$CSGW" -c live.conf run >run.log 2>&1 3>&- &
	DAEMON_PID=$!
}

teardown() {
	kill -CONT "$DAEMON_PID" 2>/dev/null || true
	kill -9 "$DAEMON_PID" 2>/dev/null || true
	pkill -9 -f 'parse-child 48-big' 2>/dev/null || true
	pkill -9 -f 'verify-child .*48-big' 2>/dev/null || true
}

# The daemon's parser child for 48-big.xml once under its filter: its pid
# (10 seconds at most).
parser_child() {
	local i c
	for i in $(seq 1000); do
		c=$(pgrep -P "$DAEMON_PID" -f 'parse-child 48-big\.xml' | head -1)
		if [ -n "$c" ] && grep -qE '^Seccomp:\s+2$' "/proc/$c/status" 2>/dev/null; then
			echo "$c"
			return 0
		fi
		sleep 0.01
	done
	echo "# no parser child under seccomp; the daemon said:" >&2
	cat run.log >&2
	return 1
}

# The inode of the socket at the other end of unix socket 'inode' (ss).
socket_peer() {
	ss -xa | awk -v me="$1" '$6 == me { print $8 }'
}

# The processes that hold unix socket 'inode' open.
socket_holders() {
	local f
	for f in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = "socket:[$1]" ] && echo "$f"
	done | cut -d/ -f3 | sort -u
}

@test "a live parser child is under seccomp (filter mode) with only its input and its pipe open" {
	child=$(parser_child)
	kill -STOP "$DAEMON_PID"
	# Seccomp 2: a filter; no new privileges either.
	grep -E '^Seccomp:\s+2$' "/proc/$child/status"
	grep -E '^NoNewPrivs:\s+1$' "/proc/$child/status"
	# Descriptors: 0, its input (no key, no database, not even standard
	# error), and 1, a pipe.
	[ "$(ls "/proc/$child/fd" | sort -n | tr '\n' ' ')" = "0 1 " ]
	[[ "$(readlink "/proc/$child/fd/1")" == pipe:* ]]
	# Its input is the download itself: a socket whose other end only the
	# daemon holds, fed with the file's bytes as they arrive.
	input=$(readlink "/proc/$child/fd/0")
	[[ "$input" == socket:* ]]
	inode=${input//[^0-9]/}
	peer=$(socket_peer "$inode")
	[ -n "$peer" ]
	[ "$(socket_holders "$peer")" = "$DAEMON_PID" ]
	# The daemon holds what the child does not: its audit database.
	ls -l "/proc/$DAEMON_PID/fd" | grep -q 'audit\.db'
	# Not a copy of the daemon's memory: a fresh csgw, started for the file.
	tr '\0' ' ' <"/proc/$child/cmdline" | grep -q 'parse-child 48-big.xml'
	kill -CONT "$DAEMON_PID"
}

@test "the parser child killed in the middle of a large batch: the batch is quarantined with the reason, the daemon delivers the next one" {
	child=$(parser_child)
	kill -9 "$child"
	wait_for "[ -f '$ASPOOL/quarantine/TX/48-big.xml.reason' ]" || { cat run.log; false; }
	grep -q 'the parser of partner files was killed by signal 9' "$ASPOOL/quarantine/TX/48-big.xml.reason"
	# Kept whole, with its signature.
	cmp "$BATS_FILE_TMPDIR/big.xml" "$ASPOOL/quarantine/TX/48-big.xml"
	[ -f "$ASPOOL/quarantine/TX/48-big.xml.p7s" ]
	grep -q '48-big.xml: QUARANTINED' run.log
	# The daemon goes on: the next batch is delivered.
	kill -0 "$DAEMON_PID"
	locate_small=$BATS_TEST_TMPDIR/small.txt
	gen_locate 3 "$locate_small"
	csgw_test map locate-request "$locate_small" -o "$TO_CA/48-next.xml" >/dev/null
	"$CSGW" -c "$B" sign "$TO_CA/48-next.xml" >/dev/null
	wait_for "grep -q '48-next.xml: delivered to inbox/locate/' run.log" || { cat run.log; false; }
	kill -0 "$DAEMON_PID"
	run "$CSGW" -c live.conf status
	[[ "$output" == *"1 received file(s) quarantined"* ]]
	# No partner data in the log: the batch's SSNs (all 900-...) never appear.
	! grep -qE '(^|[^0-9a-f])900-?[0-9]{2}-?[0-9]{4}([^0-9a-f]|$)' run.log || false
}

# The same big batch signed without signed attributes (openssl cms
# -noattr): its content is then hashed by the signature checker itself,
# long enough to catch it alive.
sign_noattr() {
	openssl cms -sign -binary -outform DER -noattr -in "$TO_CA/48-big.xml" \
		-signer "$PKI/pki/tx48/local/signing.pem" -inkey "$PKI/pki/tx48/private/signing.key" \
		-out "$TO_CA/48-big.xml.p7s"
}

# The daemon's signature checker for 48-big.xml under its filter, stopped
# where it is: its pid (10 seconds at most).
checker_child() {
	local i c
	for i in $(seq 2000); do
		c=$(pgrep -P "$DAEMON_PID" -f 'verify-child .*48-big\.xml' | head -1)
		if [ -n "$c" ] && grep -qE '^Seccomp:\s+2$' "/proc/$c/status" 2>/dev/null; then
			kill -STOP "$c"
			echo "$c"
			return 0
		fi
		sleep 0.005
	done
	echo "# no signature checker under seccomp; the daemon said:" >&2
	cat run.log >&2
	return 1
}

@test "a partner's signature is checked by a child under seccomp with only the signature, its pipe and the content open" {
	child=$(checker_child)
	grep -E '^NoNewPrivs:\s+1$' "/proc/$child/status"
	# 0, the signature; 1, the pipe; 3, the content it hashes: nothing else.
	[ "$(ls "/proc/$child/fd" | sort -n | tr '\n' ' ')" = "0 1 3 " ]
	[ "$(readlink "/proc/$child/fd/0")" = "$ASPOOL/incoming/TX/.48-big.xml.p7s.part" ]
	[[ "$(readlink "/proc/$child/fd/1")" == pipe:* ]]
	[ "$(readlink "/proc/$child/fd/3")" = "$ASPOOL/incoming/TX/.48-big.xml.part" ]
	kill -CONT "$child"
	# Checked there, the batch goes on as usual.
	wait_for "grep -q '48-big.xml: delivered to inbox/locate/' run.log" || { cat run.log; false; }
}

@test "the signature checker killed while it hashes a large file: quarantined with the reason, the daemon delivers the next one" {
	child=$(checker_child)
	kill -9 "$child"
	kill -CONT "$child" 2>/dev/null || true
	wait_for "[ -f '$ASPOOL/quarantine/TX/48-big.xml.reason' ]" || { cat run.log; false; }
	grep -q 'the checker of partner signatures was killed by signal 9' "$ASPOOL/quarantine/TX/48-big.xml.reason"
	cmp "$BATS_FILE_TMPDIR/big.xml" "$ASPOOL/quarantine/TX/48-big.xml"
	grep -q 'signature REJECTED' run.log
	kill -0 "$DAEMON_PID"
	gen_locate 3 "$BATS_TEST_TMPDIR/small.txt"
	csgw_test map locate-request "$BATS_TEST_TMPDIR/small.txt" -o "$TO_CA/48-next.xml" >/dev/null
	"$CSGW" -c "$B" sign "$TO_CA/48-next.xml" >/dev/null
	wait_for "grep -q '48-next.xml: delivered to inbox/locate/' run.log" || { cat run.log; false; }
}
