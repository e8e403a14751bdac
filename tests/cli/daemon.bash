# daemon.bash - two gateways (CA, state 06, and TX, state 48) that exchange
# through one real OpenSSH sshd (tests/sshd.sh), for the csgw run tests.
#
# start_pair DIR: after make_pki DIR, starts sshd in DIR/pair-sshd accepting
# both gateways' SSH keys, and writes DIR/a.conf (CA, partner TX: uploads to
# remote/inbound, downloads from remote/outbound) and DIR/b.conf (TX,
# partner CA: the other way round).  Retries are quick (retry_min 1s) and
# drops are taken at once (drop_min_age 0) unless a test says otherwise.

pair_conf() {
	local dir=$1 party=$2 state=$3 other=$4 ostate=$5 oname=$6 inbox=$7 outbox=$8
	local sshd=$dir/pair-sshd
	mkdir -p "$dir/$party-pair-audit"
	cat >"$dir/$party-pair.conf" <<-EOF
		[gateway]
		state = $state
		environment = test
		spool = $party-pair-spool
		audit_db = $party-pair-audit/audit.db
		checkpoint_dir = $party-pair-audit
		signing_cert = pki/$party/local/signing.pem
		signing_key = pki/$party/private/signing.key
		ca_bundle = pki/$party/trusted/ca.pem
		subject_key = pki/$party/private/subject.key
		retry_min = 1s
		retry_max = 2s
		drop_min_age = 0
		control_socket = $party-pair-audit/control.sock

		[partner $oname]
		class = iv-d-agency
		state = $ostate
		families = locate referral
		cert = pki/$party/partners/$other.pem
		host = 127.0.0.1
		port = $(cat "$sshd/port")
		user = $(id -un)
		ssh_key = pki/$party/private/ssh_ed25519
		known_hosts = $sshd/known_hosts
		remote_inbox = $sshd/remote/$inbox
		remote_outbox = $sshd/remote/$outbox
		connect_timeout = 5
		io_timeout = 10
		schedule = every 1s
	EOF
}

start_pair() {
	local dir=$1
	"$SSHD_SH" start "$dir/pair-sshd" --owner "$$" \
		--authorize "$dir/pki/ca06/private/ssh_ed25519.pub" \
		--authorize "$dir/pki/tx48/private/ssh_ed25519.pub" >/dev/null
	pair_conf "$dir" ca06 06 tx48 48 TX inbound outbound
	pair_conf "$dir" tx48 48 ca06 06 CA outbound inbound
}

# use_pair: in a test, A and B (the two confs), their spools ASPOOL and
# BSPOOL, the remote folders TO_TX and TO_CA, all emptied; and the test's
# own folder as working directory.
use_pair() {
	use_pki
	A=$PKI/ca06-pair.conf
	B=$PKI/tx48-pair.conf
	PSSHD=$PKI/pair-sshd
	ASPOOL=$PKI/ca06-pair-spool
	BSPOOL=$PKI/tx48-pair-spool
	TO_TX=$PSSHD/remote/inbound
	TO_CA=$PSSHD/remote/outbound
	find "$TO_TX" "$TO_CA" -mindepth 1 -delete
	rm -rf "$ASPOOL" "$BSPOOL" "$PKI"/ca06-pair-audit/* "$PKI"/tx48-pair-audit/*
	mkdir -p "$ASPOOL/outgoing/TX" "$BSPOOL/outgoing/CA"
}

# pair_variant CONF KEY VALUE [partner]: a copy of CONF with KEY = VALUE,
# replaced where it is, else added to [gateway] (or, with "partner", to
# the partner's section, which is last); prints its path.
pair_variant() {
	local conf=$1 key=$2 value=$3 out
	out=${1%.conf}-v$BATS_TEST_NUMBER-$key.conf
	if grep -q "^$key = " "$conf"; then
		sed "s|^$key = .*|$key = $value|" "$conf" >"$out"
	elif [ "${4:-}" = partner ]; then
		{ cat "$conf"; echo "$key = $value"; } >"$out"
	else
		sed "s|^\[gateway\]|[gateway]\n$key = $value|" "$conf" >"$out"
	fi
	echo "$out"
}

# fpls_conf: a copy of A whose partner TX stands in for the federal
# office (OCSE, no state); TX's gateway then answers as the FPLS would,
# signing with its key.  Prints its path.
fpls_conf() {
	local out=${A%.conf}-fpls.conf
	sed -e 's/^\[partner TX\]/[partner OCSE]/' -e 's/^class = iv-d-agency/class = federal-office/' \
		-e '/^state = 48/d' "$A" >"$out"
	echo "$out"
}

# gen_locate N FILE: a locate-request extract of N FP records made from the
# sample's first FP record, each with its own case id, member id (M and
# the record number, zero-filled) and SSN (area 900-999: test data).
gen_locate() {
	awk -v n="$1" '
		/^FA/ && h == "" { h = $0 }
		/^FP/ && r == "" { r = $0 }
		/^FZ/ && t == "" { t = $0 }
		END {
			print h
			for (i = 1; i <= n; i++) {
				ssn = sprintf("9%02d%02d%04d", int(i / 990000) % 100, int(i / 9999) % 99 + 1, i % 9999 + 1)
				printf "%s%s%s%s%s%s%s\n", substr(r, 1, 3), sprintf("C%014d", i), substr(r, 19, 25),
					sprintf("M%014d", i), substr(r, 59, 9), ssn, substr(r, 77)
			}
			printf "FZ%08d%s\n", n, substr(t, 11)
		}' "$DATA/locate-request.txt" >"$2"
}

# drop CONF_SPOOL PARTNER FILE [NAME]: as producers should, under a hidden
# name first, then renamed into the outgoing folder.
drop() {
	local spool=$1 partner=$2 file=$3 name=${4:-$(basename "$3")}
	mkdir -p "$spool/outgoing/$partner"
	cp "$file" "$spool/outgoing/$partner/.$name.tmp"
	mv "$spool/outgoing/$partner/.$name.tmp" "$spool/outgoing/$partner/$name"
}

# The ids of the entries of SPOOL in STATE.
entries() {
	ls "$1/$2" 2>/dev/null | grep -E '^[0-9]{8}T' || true
}

# member_ids FILE...: the memberId of every FP record in locate batches.
member_ids() {
	local f
	for f in "$@"; do
		csgw_test unmap "$f" -o - | awk '/^FP/ { print substr($0, 44, 15) }'
	done
}

# wait_for COMMAND: until it succeeds, at most 10 seconds.
wait_for() {
	local i
	for i in $(seq 100); do
		eval "$1" && return 0
		sleep 0.1
	done
	echo "# never: $1" >&2
	return 1
}

# offset_conf: a copy of A with a second partner, OCSE (class
# federal-office), that takes the offset family; its remote folders are
# remote/ocse-in and remote/ocse-out of the pair's sshd.
offset_conf() {
	local out=${A%.conf}-offset.conf
	mkdir -p "$PSSHD/remote/ocse-in" "$PSSHD/remote/ocse-out"
	{
		cat "$A"
		echo
		sed -n '/^\[partner TX\]/,$p' "$A" | sed -e 's/^\[partner TX\]/[partner OCSE]/' \
			-e 's/^class = .*/class = federal-office/' -e '/^state = /d' \
			-e 's/^families = .*/families = offset/' \
			-e "s|^remote_inbox = .*|remote_inbox = $PSSHD/remote/ocse-in|" \
			-e "s|^remote_outbox = .*|remote_outbox = $PSSHD/remote/ocse-out|"
	} >"$out"
	echo "$out"
}
