# pki.bash - a development PKI and two gateway configurations for tests.
#
# make_pki DIR: the dev PKI of certs/init-dev.sh in DIR/pki (states ca06
# and tx48, the federal office ocse), the edge-case certificates of
# certs/edge-certs.sh in DIR/edge, and gateway.conf files DIR/ca06.conf and
# DIR/tx48.conf in which each state has the other as partner (TX and CA)
# and both have OCSE.

# write_conf DIR PARTY STATE OTHER OTHER_STATE OTHER_NAME
write_conf() {
	local dir=$1 party=$2 state=$3 other=$4 other_state=$5 other_name=$6
	local p=$dir/pki/$party
	mkdir -p "$dir/$party-spool" "$dir/$party-audit"
	: >"$dir/known_hosts"
	cat >"$dir/$party.conf" <<-EOF
		[gateway]
		state = $state
		environment = test
		spool = $party-spool
		audit_db = $party-audit/audit.db
		checkpoint_dir = $party-audit
		signing_cert = pki/$party/local/signing.pem
		signing_key = pki/$party/private/signing.key
		ca_bundle = pki/$party/trusted/ca.pem
		subject_key = pki/$party/private/subject.key

		[partner $other_name]
		class = iv-d-agency
		state = $other_state
		host = 127.0.0.1
		user = csgw
		ssh_key = pki/$party/private/ssh_ed25519
		known_hosts = known_hosts
		remote_inbox = /inbound
		remote_outbox = /outbound
		families = locate referral
		cert = pki/$party/partners/$other.pem

		[partner OCSE]
		class = federal-office
		host = 127.0.0.1
		user = csgw
		ssh_key = pki/$party/private/ssh_ed25519
		known_hosts = known_hosts
		remote_inbox = /fcr/in
		remote_outbox = /fcr/out
		families = fcr locate ndnh
		cert = pki/$party/partners/ocse.pem
	EOF
}

make_pki() {
	local dir=$1
	"$CSGW_TOP/certs/init-dev.sh" "$dir/pki" >/dev/null
	"$CSGW_TOP/certs/edge-certs.sh" "$dir/pki/ca" "$dir/edge" >/dev/null
	write_conf "$dir" ca06 06 tx48 48 TX
	write_conf "$dir" tx48 48 ca06 06 CA
}

# use_pki: in a test, PKI (the folder of make_pki), CA and TX (the two
# gateway.conf files), and the test's own folder as working directory.
use_pki() {
	PKI=$BATS_FILE_TMPDIR
	CA=$PKI/ca06.conf
	TX=$PKI/tx48.conf
	cd "$BATS_TEST_TMPDIR" || return 1
}

# openssl's own verdict on a detached signature, trusting the dev CA (its
# default purpose, S/MIME signing, as csgw's).
openssl_verify() {
	openssl cms -verify -binary -inform DER -content "$1" -in "$2" \
		-CAfile "$PKI/pki/ca/ca.pem" -out /dev/null
}
