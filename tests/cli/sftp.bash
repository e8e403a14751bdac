# sftp.bash - a real OpenSSH sshd (tests/sshd.sh) and a gateway that uses it.
#
# start_sftp DIR: after make_pki DIR, starts sshd in DIR/sshd accepting the
# ca06 gateway's SSH key, and writes DIR/gw.conf: gateway CA (state 06)
# whose partner TX is that server (remote inbox DIR/sshd/remote/inbound,
# outbox .../outbound), TX's signing certificate the one from the dev PKI.
# stop_sftp DIR stops the server (the harness also stops it when the test
# run is gone).

SSHD_SH=$CSGW_TOP/tests/sshd.sh

write_sftp_conf() {
	local dir=$1 sshd=$2 conf=$3
	cat >"$conf" <<-EOF
		[gateway]
		state = 06
		environment = test
		spool = sftp-spool
		audit_db = sftp-audit/audit.db
		checkpoint_dir = sftp-audit
		signing_cert = pki/ca06/local/signing.pem
		signing_key = pki/ca06/private/signing.key
		ca_bundle = pki/ca06/trusted/ca.pem
		subject_key = pki/ca06/private/subject.key

		[partner TX]
		class = iv-d-agency
		state = 48
		families = locate referral
		cert = pki/ca06/partners/tx48.pem
		host = 127.0.0.1
		port = $(cat "$sshd/port")
		user = $(id -un)
		ssh_key = pki/ca06/private/ssh_ed25519
		known_hosts = $sshd/known_hosts
		remote_inbox = $sshd/remote/inbound
		remote_outbox = $sshd/remote/outbound
		connect_timeout = 5
		io_timeout = 10
	EOF
}

start_sftp() {
	local dir=$1
	mkdir -p "$dir/sftp-spool" "$dir/sftp-audit"
	"$SSHD_SH" start "$dir/sshd" --authorize "$dir/pki/ca06/private/ssh_ed25519.pub" \
		--owner "$$" >/dev/null
	write_sftp_conf "$dir" "$dir/sshd" "$dir/gw.conf"
}

stop_sftp() {
	"$SSHD_SH" stop "$1/sshd"
}

# use_sftp: in a test, GW (the gateway's conf), INBOX and OUTBOX (the
# remote folders, emptied), INCOMING and QUARANTINE (where fetch delivers
# partner TX's files, emptied), and the test's own folder as working
# directory.
use_sftp() {
	use_pki
	GW=$PKI/gw.conf
	SSHD=$PKI/sshd
	INBOX=$SSHD/remote/inbound
	OUTBOX=$SSHD/remote/outbound
	INCOMING=$PKI/sftp-spool/incoming/TX
	QUARANTINE=$PKI/sftp-spool/quarantine/TX
	find "$INBOX" "$OUTBOX" -mindepth 1 -delete
	rm -rf "$PKI/sftp-spool/incoming" "$PKI/sftp-spool/quarantine"
}

# variant KEY VALUE: a copy of gw.conf (same folder, so relative paths
# still resolve) with KEY set to VALUE in [partner TX], or removed when
# VALUE is "-"; prints its path.
variant() {
	local conf=$PKI/variant-$BATS_TEST_NUMBER.conf
	if [ "$2" = "-" ]; then
		grep -v "^$1 = " "$GW" >"$conf"
	elif grep -q "^$1 = " "$GW"; then
		sed "s|^$1 = .*|$1 = $2|" "$GW" >"$conf"
	else
		{ cat "$GW"; echo "$1 = $2"; } >"$conf"
	fi
	echo "$conf"
}

# A file from partner TX, signed by TX's key, waiting in the remote outbox.
offer_from_tx() {
	local file=$1
	"$CSGW" -c "$TX" sign "$file" >/dev/null
	cp "$file" "$file.p7s" "$OUTBOX/"
}

# Bytes that look random, made fast: AES-CTR of zeros.
random_file() {
	head -c "$2" /dev/zero | openssl enc -aes-128-ctr -nosalt -pass "pass:$1$2" 2>/dev/null |
		head -c "$2" >"$1"
}

# wait_size FILE BYTES: until FILE holds at least BYTES (10 s at most).
wait_size() {
	local i
	for i in $(seq 200); do
		[ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	echo "# $1 never reached $2 bytes" >&2
	return 1
}

# The SHA-256 fingerprint of the server's host key, as ssh-keygen shows it.
host_fingerprint() {
	ssh-keygen -lf "$SSHD/host_ed25519_key.pub" | cut -d' ' -f2
}
