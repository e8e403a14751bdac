#!/usr/bin/env bats
# unit.bats - gateway/csgw.service is sandboxed as a state's security office
# expects: systemd-analyze security rates its exposure 2.0 or lower, systemd
# reads every line of it without a warning, and the sandbox leaves what the
# daemon needs (people's real uids, partners anywhere, its folders).
#
# systemd cannot run here (no PID 1 systemd), so the unit is rated and
# parsed offline: a copy whose ExecStart is $CSGW (verify wants a binary
# that exists).  Package systemd (gateway/deps.sh test); systemd 252
# (Debian 12) has 'security --offline'.

load helpers
bats_require_minimum_version 1.5.0

MAX_EXPOSURE=2.0

setup() {
	command -v systemd-analyze >/dev/null ||
		skip "systemd-analyze is not installed (package systemd; gateway/deps.sh test installs it)"
	UNIT=$BATS_TEST_TMPDIR/csgw.service
	sed "s|^ExecStart=/usr/local/bin/csgw |ExecStart=$CSGW |" "$CSGW_TOP/gateway/csgw.service" >"$UNIT"
	grep -q "^ExecStart=$CSGW " "$UNIT" || {
		echo "no 'ExecStart=/usr/local/bin/csgw ' line in gateway/csgw.service"
		return 1
	}
}

# What systemd said about a line of the unit: "FILE:LINE: ..." warnings.
unit_warnings() {
	grep -F "$UNIT:" <<<"$1" || true
}

@test "systemd-analyze security: the unit's exposure is $MAX_EXPOSURE or lower" {
	systemd-analyze security --help 2>&1 | grep -q -- '--offline' ||
		skip "this systemd-analyze has no 'security --offline' (systemd 252 or later)"
	run systemd-analyze security --offline=true --no-pager "$UNIT"
	# Exit 0 whatever the figure (no --threshold); the figure decides.
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	local figure
	figure=$(sed -n 's/.*Overall exposure level for csgw\.service: \([0-9.]*\).*/\1/p' <<<"$output")
	[ -n "$figure" ] || { echo "no overall exposure level in:"; echo "$output"; return 1; }
	echo "exposure $figure (at most $MAX_EXPOSURE); still exposed:"
	grep '✗' <<<"$output" || true
	[ -z "$(unit_warnings "$output")" ] || { unit_warnings "$output"; return 1; }
	awk -v f="$figure" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(f + 0 <= max + 0) }'
}

@test "systemd-analyze verify: every line of the unit is understood" {
	run systemd-analyze verify "$UNIT"
	echo "$output"
	[ "$status" -eq 0 ]
	# A misspelt or unknown directive is only a warning, "ignoring".
	[ -z "$(unit_warnings "$output")" ]
}

@test "the sandbox keeps what the daemon needs" {
	local u=$CSGW_TOP/gateway/csgw.service
	# People's real uids on the control socket (SO_PEERCRED) and their
	# groups: no user namespace.  Partners' SFTP servers are anywhere.
	run ! grep -nE '^(PrivateUsers|PrivateNetwork)=(yes|true|1|on)|^IPAddress(Deny|Allow)=' "$u"
	grep -qx 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' "$u"
	# Its folders, and the control socket's.
	grep -qx 'ReadWritePaths=/var/lib/csgw /var/spool/csgw /etc/csgw' "$u"
	grep -qx 'RuntimeDirectory=csgw' "$u"
	# It execs /proc/self/exe for each request: /proc/self must stay.
	run ! grep -nE '^ProcSubset=all|^ProtectProc=(noaccess|ptraceable)' "$u"
	# An unexpected call fails (EPERM) rather than killing a transfer.
	grep -qx 'SystemCallErrorNumber=EPERM' "$u"
}
