#!/usr/bin/env bats
# config.bats - csgw check-config: every problem at once, FILE:LINE each.

load helpers

setup_file() {
	local g
	"$CSGW_TOP/certs/init-dev.sh" "$BATS_FILE_TMPDIR/pki" >/dev/null
	"$CSGW_TOP/certs/edge-certs.sh" "$BATS_FILE_TMPDIR/pki/ca" "$BATS_FILE_TMPDIR/edge" >/dev/null
	# The example's role groups ([roles]), as a state makes them once;
	# those made here are removed after the file's tests.
	[ "$(id -u)" -eq 0 ] || skip "needs root to create the example's role groups"
	for g in csgw-caseworkers csgw-supervisors csgw-compliance csgw-operators; do
		if ! getent group "$g" >/dev/null; then
			groupadd "$g"
			echo "$g" >>"$BATS_FILE_TMPDIR/made-groups"
		fi
	done
}

teardown_file() {
	local g
	for g in $(cat "$BATS_FILE_TMPDIR/made-groups" 2>/dev/null); do
		groupdel "$g" 2>/dev/null || true
	done
}

# The example's layout (certs/README.md), filled from the dev PKI's state 06.
setup() {
	PKI=$BATS_FILE_TMPDIR/pki
	EDGE=$BATS_FILE_TMPDIR/edge
	cd "$BATS_TEST_TMPDIR"
	mkdir -p g/spool g/audit/checkpoints
	cp -R "$PKI/ca06" g/certs
	cd g
	cp certs/partners/tx48.pem certs/partners/tx.pem
	key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
	echo "sftp.tx.example $key" >certs/known_hosts
	echo "sftp.ocse.example $key" >>certs/known_hosts
	cp "$CSGW_TOP/gateway/gateway.conf.example" gateway.conf
}

@test "the shipped example is good once the files and groups it names exist" {
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"gateway.conf: configuration is good"* ]]
}

@test "[roles]: a group that does not exist, an unknown class or key is reported" {
	sed -i 's/^caseworker = csgw-caseworkers .*/caseworker = csgw-nosuchgroup/' gateway.conf
	sed -i 's/^; caseworker_requesters = iv-d-agency .*/caseworker_requesters = iv-d-agency friend/' gateway.conf
	sed -i 's/^\[roles\]$/[roles]\nauditor = csgw-compliance/' gateway.conf
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"[roles] caseworker: group 'csgw-nosuchgroup' does not exist on this machine (groupadd csgw-nosuchgroup)"* ]]
	[[ "$output" == *"[roles] caseworker_requesters: 'friend' is not a recipient class"* ]]
	[[ "$output" == *"[roles] unknown key 'auditor'; expected one of: caseworker, supervisor"* ]]
}

@test "every problem is reported at once, each as FILE:LINE" {
	sed -i 's/^state = 06 .*/state = 99/' gateway.conf
	sed -i 's/^environment = production .*/environment = staging/' gateway.conf
	sed -i 's/^port = 22$/port = 70000/' gateway.conf
	sed -i 's/^schedule = every 15m .*/schedule = sometimes/' gateway.conf
	sed -i 's/^families = locate referral .*/families = locate gossip/' gateway.conf
	sed -i 's/^class = iv-d-agency .*/class = friend/' gateway.conf
	echo "signing_kye = x" >>gateway.conf
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"gateway.conf:9: [gateway] state: '99' is not a 2-digit FIPS state code"* ]]
	[[ "$output" == *"gateway.conf:10: [gateway] environment: 'staging' is not known; expected production or test"* ]]
	[[ "$output" == *"[partner TX] port: '70000' is not a port; expected 1 to 65535"* ]]
	[[ "$output" == *"[partner TX] schedule: 'sometimes' is not a schedule"* ]]
	[[ "$output" == *"[partner TX] families: 'gossip' is not a family in mappings/"* ]]
	[[ "$output" == *"[partner TX] class: 'friend' is not a recipient class"* ]]
	[[ "$output" == *"[partner OCSE] unknown key 'signing_kye'; expected one of: class, state, host"* ]]
	[[ "$output" == *"gateway.conf: 7 problem(s)"* ]]
}

@test "a private key readable by others is refused with the chmod that fixes it" {
	chmod 644 certs/private/signing.key
	run "$CSGW" -c gateway.conf check-config
	[ "$status" -eq 78 ]
	[[ "$output" == *"[gateway] signing_key: $PWD/certs/private/signing.key: the private key is open to group or others (mode 0644); csgw refuses it: chmod 600 $PWD/certs/private/signing.key"* ]]
}

@test "certificates are checked: a partner's must be valid and chain to ca_bundle; ours must fit our key" {
	cp "$EDGE/expired.pem" certs/partners/tx.pem
	cp "$EDGE/rogue.pem" certs/partners/ocse.pem
	cp "$PKI/tx48/private/signing.key" certs/private/signing.key
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"[partner TX] cert: the certificate $PWD/certs/partners/tx.pem expired on 2021-01-01 00:00:00Z"* ]]
	[[ "$output" == *"[partner OCSE] cert: the certificate $PWD/certs/partners/ocse.pem does not lead to a CA of the trusted bundle"* ]]
	[[ "$output" == *"[gateway] signing: $PWD/certs/private/signing.key: this private key does not belong to the certificate $PWD/certs/local/signing.pem"* ]]
	[[ "$output" == *"gateway.conf: 3 problem(s)"* ]]
}

@test "a certificate that expires within 30 days is a warning, not a problem" {
	openssl req -new -key certs/private/signing.key -subj "/CN=soon" -out soon.csr 2>/dev/null
	printf 'keyUsage = critical, digitalSignature\n' >ext.cnf
	openssl x509 -req -in soon.csr -CA "$PKI/ca/ca.pem" -CAkey "$PKI/ca/private/ca.key" \
		-days 10 -extfile ext.cnf -out certs/local/signing.pem 2>/dev/null
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: [gateway] signing_cert expires in 9 day(s); renew it before then"* ]] ||
		[[ "$output" == *"warning: [gateway] signing_cert expires in 10 day(s); renew it before then"* ]]
	[[ "$output" == *"configuration is good"* ]]
}

@test "missing files and a missing required key" {
	rm certs/partners/tx.pem
	sed -i '/^audit_db/d' gateway.conf
	run "$CSGW" -c gateway.conf check-config
	[ "$status" -eq 78 ]
	[[ "$output" == *"[partner TX] cert: $PWD/certs/partners/tx.pem: No such file or directory"* ]]
	[[ "$output" == *"gateway.conf:8: [gateway] has no 'audit_db'; expected audit database path"* ]]
}

@test "spool and audit folders that do not exist yet are made on first use; ones that cannot be made are problems" {
	rm -rf spool audit
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 0 ]
	sed -i -e 's|^spool = spool |spool = gateway.conf/spool |' \
		-e 's|^audit_db = audit/audit.db |audit_db = certs/known_hosts/audit/audit.db |' gateway.conf
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"[gateway] spool: $PWD/gateway.conf/spool does not exist and cannot be made: $PWD/gateway.conf is not a folder this user may write"* ]]
	[[ "$output" == *"[gateway] audit_db: $PWD/certs/known_hosts/audit/audit.db cannot be made: $PWD/certs/known_hosts is not a folder this user may write"* ]]
}

@test "a host missing from known_hosts is a problem; hashed entries and [host]:port count" {
	key=$(cut -d' ' -f2- certs/known_hosts | head -1)
	echo "sftp.tx.example $key" >certs/known_hosts
	run "$CSGW" -c gateway.conf check-config
	[ "$status" -eq 78 ]
	[[ "$output" == *"[partner OCSE] known_hosts: $PWD/certs/known_hosts does not know host sftp.ocse.example port 22"* ]]
	# Plain [host]:port, and a CA marker line that must not count.
	sed -i 's/^port = 22$/port = 2222/' gateway.conf
	printf '[sftp.tx.example]:2222 %s\n@cert-authority * %s\n' "$key" "$key" >certs/known_hosts
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" != *"[partner TX] known_hosts"* ]]
	[[ "$output" == *"[partner OCSE] known_hosts: $PWD/certs/known_hosts does not know host sftp.ocse.example port 22"* ]]
	# Hashed, as 'ssh-keygen -H' writes them, and on another port.
	sed -i 's/^port = 22$/port = 2222/' gateway.conf
	printf '[sftp.tx.example]:2222 %s\nsftp.ocse.example %s\n' "$key" "$key" >certs/known_hosts
	ssh-keygen -H -f certs/known_hosts >/dev/null 2>&1
	! grep -q example certs/known_hosts || false
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "syntax errors, unknown and duplicate sections, keys outside sections" {
	printf 'orphan = 1\n' | cat - gateway.conf >g2 && mv g2 gateway.conf
	printf 'this is not a setting\n[partner TX]\nhost = x\n[mystery]\n' >>gateway.conf
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"gateway.conf:1: key 'orphan' before any section"* ]]
	[[ "$output" == *"not a '[section]' or 'key = value' line"* ]]
	[[ "$output" == *"section [partner TX] appears twice"* ]]
	[[ "$output" == *"unknown section [mystery]; expected [gateway], [roles] or [partner NAME]"* ]]
}

@test "no configuration file anywhere is exit 78 with where it looked" {
	mkdir empty && cd empty
	run env -u CSGW_CONF "$CSGW" check-config
	[ "$status" -eq 78 ]
	[[ "$output" == *"no configuration file: give -c FILE, set CSGW_CONF, or create ./gateway.conf"* ]]
	run "$CSGW" -c nosuch.conf check-config
	[ "$status" -eq 78 ]
	[[ "$output" == *"nosuch.conf: cannot read the configuration"* ]]
}

@test "environment = test in the file lets map accept test SSNs; --environment overrides it" {
	sed -i 's/^environment = production .*/environment = test/' gateway.conf
	"$CSGW" -c gateway.conf map ndnh-report "$DATA/ndnh-report.txt" -o out.xml
	run "$CSGW" -c gateway.conf --environment production map ndnh-report "$DATA/ndnh-report.txt" -o out2.xml
	[ "$status" -eq 65 ]
	CSGW_CONF=gateway.conf "$CSGW" map ndnh-report "$DATA/ndnh-report.txt" -o out3.xml
}

@test "a line longer than the INI reader takes is named, and the lines after it keep their numbers" {
	long=$(printf 'x%.0s' $(seq 1 250))
	sed -i "s|^spool = spool .*|spool = $long|" gateway.conf
	run "$CSGW" -c gateway.conf check-config
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"gateway.conf:11: line is longer than 199 characters"* ]]
	[[ "$output" != *"not a '[section]'"* ]]
	run "$CSGW" -c gateway.conf --environment test map ndnh-report "$DATA/ndnh-report.txt" -o out.xml
	[ "$status" -eq 78 ]
}
