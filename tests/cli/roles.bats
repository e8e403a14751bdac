#!/usr/bin/env bats
# roles.bats - people under their own names (issue 15).  Real Unix accounts,
# made here and removed afterwards: a service account that owns the
# gateway's keys, databases and spool and runs csgw run; a caseworker, a
# supervisor, a compliance officer, an operator (each in the role group
# [roles] names) and a person in no role group.  They run csgw as
# themselves (runuser); their commands reach the daemon through its
# control socket, which acts as them with their role's rights only.  The
# partner TX is a real OpenSSH sshd.

load helpers
load pki
load sftp
load daemon

SVC=csgwt-svc
CW=csgwt-cw
SUP=csgwt-sup
COMP=csgwt-comp
OPER=csgwt-oper
NOROLE=csgwt-none
ROLE_GROUPS="csgwt-caseworkers csgwt-supervisors csgwt-compliance csgwt-operators"

remove_accounts() {
	local u g
	for u in $SVC $CW $SUP $COMP $OPER $NOROLE; do
		pkill -KILL -u "$u" 2>/dev/null || true
		userdel "$u" 2>/dev/null || true
	done
	for g in $ROLE_GROUPS $SVC; do
		groupdel "$g" 2>/dev/null || true
	done
}

add_accounts() {
	local g
	for g in $ROLE_GROUPS; do
		groupadd "$g"
	done
	useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$SVC"
	useradd --no-create-home --groups csgwt-caseworkers "$CW"
	useradd --no-create-home --groups csgwt-supervisors "$SUP"
	useradd --no-create-home --groups csgwt-compliance "$COMP"
	useradd --no-create-home --groups csgwt-operators "$OPER"
	useradd --no-create-home "$NOROLE"
}

# The gateway as a state installs it: its files owned by the service
# account, owner-only; the configuration, the binary and the mappings
# readable by everyone; the socket's folder open to all (roles decide).
install_gateway() {
	local g=$1 sshd=$BATS_FILE_TMPDIR/pair-sshd
	mkdir -p "$g/pki" "$g/state/audit" "$g/run" "$sshd/remote/federal-in" "$sshd/remote/federal-out"
	chmod 755 "$g" "$g/run"
	install -m 0755 "$CSGW" "$g/csgw"
	install -m 0755 "$CSGW_TOP/tests/cli/control-send.py" "$g/control-send.py"
	cp -R "$CSGW_MAPPINGS" "$g/mappings"
	cp -R "$BATS_FILE_TMPDIR/pki/ca06" "$g/pki/"
	cp "$sshd/known_hosts" "$g/known_hosts"
	chown -R "$SVC:" "$g/pki" "$g/state" "$g/known_hosts" "$g/run"
	chmod 700 "$g/state" "$g/pki"
	cat >"$g/gateway.conf" <<-EOF
		[gateway]
		state = 06
		environment = test
		mappings = mappings
		spool = state/spool
		audit_db = state/audit/audit.db
		checkpoint_dir = state/audit
		signing_cert = pki/ca06/local/signing.pem
		signing_key = pki/ca06/private/signing.key
		ca_bundle = pki/ca06/trusted/ca.pem
		subject_key = pki/ca06/private/subject.key
		control_socket = run/control.sock
		drop_min_age = 0
		retry_min = 1s
		retry_max = 2s

		[roles]
		caseworker = csgwt-caseworkers
		supervisor = csgwt-supervisors
		compliance = csgwt-compliance
		operator = csgwt-operators

		[partner TX]
		class = iv-d-agency
		state = 48
		families = locate referral
		cert = pki/ca06/partners/tx48.pem
		host = 127.0.0.1
		port = $(cat "$sshd/port")
		user = $(id -un)
		ssh_key = pki/ca06/private/ssh_ed25519
		known_hosts = known_hosts
		remote_inbox = $sshd/remote/inbound
		remote_outbox = $sshd/remote/outbound
		connect_timeout = 5
		io_timeout = 10
		schedule = every 1s
	EOF
	chmod 644 "$g/gateway.conf"
}

start_daemon() {
	runuser -u "$SVC" -- "$GW/csgw" -c "$GW/gateway.conf" run >>"$GW/daemon.log" 2>&1 &
	echo $! >"$GW/daemon.pid"
	wait_for "[ -S '$GW/run/control.sock' ]" || {
		cat "$GW/daemon.log"
		return 1
	}
}

stop_daemon() {
	local pid
	pid=$(cat "$GW/daemon.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	wait_for "! kill -0 $pid 2>/dev/null"
	rm -f "$GW/daemon.pid"
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: it creates Unix accounts"
	make_pki "$BATS_FILE_TMPDIR"
	start_pair "$BATS_FILE_TMPDIR"
	remove_accounts
	add_accounts
	GW=$(mktemp -d /tmp/csgw-roles.XXXXXX)
	export GW
	install_gateway "$GW"
	start_daemon
}

teardown_file() {
	stop_daemon
	"$SSHD_SH" stop "$BATS_FILE_TMPDIR/pair-sshd"
	remove_accounts
	rm -rf "$GW"
}

# as USER csgw ARGS...: csgw run by that person, as they would type it.
as() {
	local user=$1
	shift
	runuser -u "$user" -- "$GW/csgw" -c "$GW/gateway.conf" "$@"
}

# The gateway's own view (root): the audit log, for checking.
audit_csv() {
	"$GW/csgw" -c "$GW/gateway.conf" audit search --format csv "$@"
}

# The value of column NAME in the CSV rows on standard input.
column_of() {
	python3 -c 'import csv, sys
for row in csv.DictReader(sys.stdin): print(row[sys.argv[1]])' "$1"
}

@test "a caseworker asks where a parent is and reads it back, under their own name" {
	run as "$CW" locate request --partner TX --case CW0001 --ssn 900-55-0001 \
		--name "Doe, Jane" --purpose child-support
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "L-000001: locate request for case CW0001 (subject ***-**-0001) to TX"* ]]
	# The daemon, not the caseworker, sends it: it reaches TX's server.
	wait_for "ls '$BATS_FILE_TMPDIR/pair-sshd/remote/inbound' | grep -q '\\.xml\$'"
	run as "$CW" locate list --mine
	[ "$status" -eq 0 ]
	[[ "$output" == *"L-000001"* ]]
	run as "$CW" locate show L-000001
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"by $CW (uid $(id -u "$CW"))"* ]]
	# Every entry the request caused names the caseworker, never the
	# service account, with their uid and role.
	audit_csv --case CW0001 >"$BATS_TEST_TMPDIR/rows"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/rows")" -ge 2 ] # a header and the decision
	[ "$(column_of actor <"$BATS_TEST_TMPDIR/rows" | sort -u)" = "$CW" ]
	[ "$(column_of actor_uid <"$BATS_TEST_TMPDIR/rows" | sort -u)" = "$(id -u "$CW")" ]
	[ "$(column_of role <"$BATS_TEST_TMPDIR/rows" | sort -u)" = caseworker ]
	run "$GW/csgw" -c "$GW/gateway.conf" audit search --actor "$CW"
	[[ "$output" == *"referral/TH"*"$CW"* ]]
}

@test "a caseworker cannot open the keys, the subject key or a database: the kernel refuses" {
	local f
	for f in pki/ca06/private/signing.key pki/ca06/private/subject.key \
		state/audit/audit.db state/audit/ledger.db; do
		[ -e "$GW/$f" ]
		run runuser -u "$CW" -- cat "$GW/$f"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Permission denied"* ]]
	done
	# Nor through the daemon: it opens no path a person names, only files
	# the person's csgw passed open.
	run as "$CW" refer --to TX --function ENF --action R --reason GSPUR --case CW0001 \
		/proc/self/fd/9
	echo "$output"
	[ "$status" -eq 77 ]
	[[ "$output" == "csgw: /proc/self/fd/9: the daemon opens no path a person names"* ]]
	run as "$CW" refer --to TX --function ENF --action R --reason GSPUR --case CW0001 -
	[ "$status" -eq 77 ]
	audit_csv --actor "$CW" --decision refused | grep -q "PATH-REFUSED.*refer: a file operand not passed open"
}

@test "a person's own file (only they can read it) travels to the daemon open" {
	local home
	home=$(mktemp -d /tmp/csgw-cw.XXXXXX)
	# The first transaction of the sample referral extract, as a batch.
	awk '/^TH/ { n++ } n <= 1 && !/^RT/ { print; if (!/^RH/) c++ }
		END { printf "RT%08d%08d%s\n", 1, c, sprintf("%382s", "") }' \
		"$DATA/referral.txt" >"$home/one.txt"
	"$CSGW" --environment test map referral "$home/one.txt" -o "$home/one.xml"
	chown -R "$CW" "$home"
	chmod 700 "$home"
	chmod 600 "$home/one.xml"
	run runuser -u "$SVC" -- cat "$home/one.xml"
	[ "$status" -ne 0 ] # the gateway's account cannot read it
	run as "$CW" refer --to TX --action R --reason FRINF --case CW0004 "$home/one.xml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "060000000"*": CSI R FRINF to TX for case CW0004"* ]]
	# Compliance explains a batch of their own the same way.
	chown -R "$COMP" "$home"
	run as "$COMP" policy explain "$home/one.xml" --partner TX --purpose child-support
	echo "$output"
	rm -rf "$home"
	[ "$status" -eq 0 ]
	[[ "$output" == *"allow"* ]]
}

@test "what a person types cannot forge a log line or skip the audit entry" {
	run as "$CW" case $'x\ncontrol: root (uid 0): queue purge'
	[ "$status" -eq 77 ]
	! grep -q "^control: root (uid 0): queue purge" "$GW/daemon.log" || false
	audit_csv --actor "$CW" --decision refused | grep -q "case x?control"
	run as "$SUP" locate request --partner TX --case CW0005 --ssn 900-55-0006 \
		--name "Poe, Al" --purpose child-support --requester court --order ""
	[ "$status" -eq 64 ]
	run as "$SUP" locate request --partner TX --case CW0005 --ssn 900-55-0006 \
		--name "Poe, Al" --purpose child-support --requester court --order $'A1\nx'
	[ "$status" -eq 64 ]
	run as "$CW" --environment production locate list
	[ "$status" -eq 64 ]
	[[ "$output" == *"--environment and --mappings are the gateway's to set"* ]]
}

@test "a caseworker may not remove a protection or search the audit log; each refusal is logged" {
	run as "$CW" protect remove --ssn 900-55-0002 --flag family-violence --reason "just because"
	echo "$output"
	[ "$status" -eq 77 ]
	[[ "$output" == "csgw: $CW may not run 'protect remove': it needs the supervisor role"* ]]
	[ "${#lines[@]}" -eq 1 ]
	run as "$CW" audit search
	[ "$status" -eq 77 ]
	[[ "$output" == *"needs the compliance role"* ]]
	audit_csv --actor "$CW" --decision refused >"$BATS_TEST_TMPDIR/rows"
	[ "$(column_of detail <"$BATS_TEST_TMPDIR/rows" | grep -E '^(audit search|protect remove):' | sort | tr '\n' '|')" = \
		"audit search: needs the compliance role|protect remove: needs the supervisor role|" ]
	[ "$(column_of rule_id <"$BATS_TEST_TMPDIR/rows" | sort -u | tr '\n' ' ')" = \
		"PATH-REFUSED ROLE-REQUIRED " ]
}

@test "compliance searches and verifies the log, and cannot send anything" {
	run as "$COMP" audit verify
	echo "$output"
	[ "$status" -eq 0 ]
	run as "$COMP" audit search --case CW0001
	[ "$status" -eq 0 ]
	[[ "$output" == *"CW0001"* ]]
	run as "$COMP" locate request --partner TX --case CW0002 --ssn 900-55-0003 \
		--name "Roe, Ann" --purpose child-support
	[ "$status" -eq 77 ]
	run as "$COMP" refer --to TX --function ENF --action R --reason GSPUR --case CW0002
	[ "$status" -eq 77 ]
	[[ "$output" == *"needs the caseworker or supervisor role"* ]]
	[ -z "$(audit_csv --case CW0002 --decision allow)" ]
}

@test "retention: compliance counts what a purge would remove, only an operator purges, under their name" {
	run as "$COMP" purge --dry-run
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "csgw purge: would remove "*" sent, "*" inbox, "*" answers, "*" audit-personal as of "* ]]
	run as "$COMP" purge
	[ "$status" -eq 77 ]
	[[ "$output" == *"needs the operator role"* ]]
	run as "$CW" purge --dry-run
	[ "$status" -eq 77 ]
	run as "$OPER" purge
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "csgw purge: nothing has expired as of $(date -u +%Y-%m-%d)" ]]
	[ "$(audit_csv --actor "$COMP" --decision refused | column_of detail | grep -c '^purge: needs the operator role')" -eq 1 ]
	# The daemon purged once as it started (and will once a day).
	grep -q "^csgw purge: nothing has expired as of " "$GW/daemon.log"
}

@test "compliance writes the disclosure review into their own folder; the daemon never opens it by name" {
	local home=$GW/home-comp
	mkdir -p "$home"
	chown "$COMP:" "$home"
	chmod 700 "$home"
	# Two refusals at least: a table of more than one row.
	as "$CW" audit search >/dev/null 2>&1 || true
	as "$OPER" audit search >/dev/null 2>&1 || true
	run runuser -u "$COMP" -- sh -c "cd '$home' && '$GW/csgw' -c '$GW/gateway.conf' audit report -o review.html --rows 1"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"csgw audit report: review.html: "*" entries in the period; the log verifies"* ]]
	# Made by the person's csgw, as the person: the service account could
	# not have opened it (its folder is the person's alone).
	[ "$(stat -c %U:%a "$home/review.html")" = "$COMP:600" ]
	grep -q 'id="integrity-result" data-verified="yes"' "$home/review.html"
	# --rows 1: the tables of more than one row are in the CSV beside it.
	[ "$(stat -c %U "$home/review.csv")" = "$COMP" ]
	[ "$(head -c 11 "$home/review.csv")" = "section,id," ]
	[ -z "$(find "$home" -name '.*.tmp')" ]
	audit_csv --actor "$COMP" --decision reported >"$BATS_TEST_TMPDIR/rows"
	[ "$(column_of rule_id <"$BATS_TEST_TMPDIR/rows")" = AUDIT-REPORT ]
	[ "$(column_of role <"$BATS_TEST_TMPDIR/rows")" = compliance ]
	# A caseworker may not, and leaves nothing behind.
	mkdir -p "$GW/home-cw"
	chown "$CW:" "$GW/home-cw"
	run runuser -u "$CW" -- sh -c "cd '$GW/home-cw' && '$GW/csgw' -c '$GW/gateway.conf' audit report -o review.html"
	[ "$status" -eq 77 ]
	[[ "$output" == *"needs the compliance role"* ]]
	[ -z "$(ls -A "$GW/home-cw")" ]
	# The accounting of disclosures for one person, also as themselves:
	# a caseworker's locate request about them, sent by the daemon.
	local sent
	sent=$(audit_csv --decision sent | wc -l)
	as "$CW" locate request --partner TX --case CW0009 --ssn 900-55-0009 \
		--name "Poe, Ed" --purpose child-support >/dev/null
	wait_for "[ \"\$(audit_csv --decision sent | wc -l)\" -gt $sent ]"
	run runuser -u "$COMP" -- sh -c "cd '$home' && '$GW/csgw' -c '$GW/gateway.conf' audit accounting --ssn 900-55-0009 --format json -o acc.json"
	echo "$output"
	[ "$status" -eq 0 ]
	# Its record is a disclosure, and the file that held it was sent.
	python3 - "$home/acc.json" <<-'EOF'
		import json, sys
		rows = json.load(open(sys.argv[1]))
		assert rows and all(r["partner"] == "TX" for r in rows), rows
		assert any(r["sent"] for r in rows), rows
	EOF
	[ "$(stat -c %U "$home/acc.json")" = "$COMP" ]
	# The forms -oFILE and --detail=FILE are files their csgw makes too.
	run runuser -u "$COMP" -- sh -c "cd '$home' && '$GW/csgw' -c '$GW/gateway.conf' audit report -or2.html --rows 1 --detail=r2-rows.csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$home/r2.html" ] && [ -s "$home/r2-rows.csv" ] && [ ! -e "$home/r2.csv" ]
	# A descriptor to write that is not a regular file, or not for -o or
	# --detail, is refused: the daemon writes only where it should.
	local kind
	for kind in pipe-output write-input; do
		run runuser -u "$COMP" -- python3 "$GW/control-send.py" "$GW/run/control.sock" "$kind"
		echo "$kind: $output"
		[ "$output" = "csgw-control 1 exit 77" ]
	done
}

@test "a person in no role group is refused by name, and the refusal is logged" {
	run as "$NOROLE" status
	echo "$output"
	[ "$status" -eq 77 ]
	[[ "$output" == *"$NOROLE may not run 'status': it needs the operator role ($NOROLE has no role of [roles])"* ]]
	audit_csv --actor "$NOROLE" >"$BATS_TEST_TMPDIR/rows"
	[ "$(column_of decision <"$BATS_TEST_TMPDIR/rows")" = refused ]
	run as "$OPER" status
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ] # 1: something needs a person
	[[ "$output" == *"TX"* ]]
}

@test "acting for a court needs the supervisor role and the order's reference" {
	run as "$CW" locate request --partner TX --case CW0003 --ssn 900-55-0004 \
		--name "Poe, Al" --purpose child-support --requester court --order CO-2026-17
	echo "$output"
	[ "$status" -eq 77 ]
	[[ "$output" == *"may not ask for a court requester"* ]]
	run as "$SUP" locate request --partner TX --case CW0003 --ssn 900-55-0004 \
		--name "Poe, Al" --purpose child-support --requester court
	[ "$status" -eq 64 ]
	[[ "$output" == *"--order NUMBER (42 U.S.C. 663)"* ]]
	run as "$SUP" locate request --partner TX --case CW0003 --ssn 900-55-0004 \
		--name "Poe, Al" --purpose child-support --requester court --order CO-2026-17
	echo "$output"
	[ "$status" -eq 0 ]
	id=$(echo "$output" | cut -d: -f1)
	run as "$SUP" locate show "$id"
	[[ "$output" == *"for a court requester under order CO-2026-17"* ]]
	audit_csv --actor "$SUP" --case CW0003 | grep -q "COURT-ORDER.*under order CO-2026-17"
}

@test "a supervisor removes a protection only with a reason, kept in the audit log" {
	run as "$SUP" protect add --ssn 900-55-0005 --flag family-violence
	[ "$status" -eq 0 ]
	run as "$SUP" protect remove --ssn 900-55-0005 --flag family-violence
	[ "$status" -eq 64 ]
	[[ "$output" == *"--reason TEXT is needed"* ]]
	run as "$SUP" protect remove --ssn 900-55-0005 --flag family-violence \
		--reason "order of protection vacated"
	echo "$output"
	[ "$status" -eq 0 ]
	audit_csv --actor "$SUP" --decision protect-remove | grep -q "order of protection vacated"
	run as "$SUP" case set CW0001 --enforcement closed
	[ "$status" -eq 64 ]
	run as "$CW" case show CW0001
	[ "$status" -eq 0 ]
}

@test "a supervisor closes a case as themselves: a non-opener's request refused and logged under their name" {
	run as "$SUP" case set CW0007 --opened-by court --assistance none --arrears-family 600
	[ "$status" -eq 0 ]
	run as "$CW" case set CW0007 --enforcement closed --requested-by court --reason "court asked"
	[ "$status" -eq 77 ]
	run as "$SUP" case set CW0007 --enforcement closed --requested-by noncustodial-parent \
		--reason "parent asked by letter"
	echo "$output"
	[ "$status" -eq 77 ]
	[[ "$output" == *"closure refused: only the party who opened the case (court) may ask"* ]]
	audit_csv --actor "$SUP" --decision closure-refused | grep -q "CW0007"
	run as "$SUP" case set CW0007 --enforcement closed --requested-by court \
		--reason "court ended the order"
	echo "$output"
	[ "$status" -eq 0 ]
	audit_csv --actor "$SUP" --decision enforcement-closed | grep -q "CW0007.*requested by court"
	run as "$CW" case show CW0007
	[[ "$output" == *"enforcement closed"*"by $SUP"* ]]
}

@test "the control socket answers garbage with an error and keeps serving" {
	local kind sock=$GW/run/control.sock
	for kind in oversized truncated garbled version no-fds many-fds bad-file empty; do
		run runuser -u "$NOROLE" -- python3 "$GW/control-send.py" "$sock" "$kind"
		echo "$kind: $output"
		[[ "$output" == "csgw-control 1 error "* ]] || [ "$output" = closed ]
		kill -0 "$(cat "$GW/daemon.pid")"
	done
	# Well-formed, it is answered (the person has no role: 77).
	run runuser -u "$NOROLE" -- python3 "$GW/control-send.py" "$sock" good-status
	[ "$output" = "csgw-control 1 exit 77" ]
	run as "$OPER" status
	[[ "$output" == *"TX"* ]]
}

@test "with the daemon down, a person's csgw says so in one line (exit 69)" {
	stop_daemon
	run as "$CW" locate list
	echo "$output"
	[ "$status" -eq 69 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "csgw: the csgw daemon is not running ("*"start it (systemctl start csgw)"* ]]
	# What needs no secret still runs as the person.
	run as "$CW" mapping list
	[ "$status" -eq 0 ]
	start_daemon
}
