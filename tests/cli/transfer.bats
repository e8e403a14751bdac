#!/usr/bin/env bats
# transfer.bats - csgw partner check, send and fetch against a real OpenSSH
# sshd on 127.0.0.1 (tests/sshd.sh): round trips with digest checks, the
# publishing order, resume after the server dies mid-transfer, dedup, and
# every refusal (host key, login, folders, names, signatures) with its exit
# code.  No fake SFTP layer: the server is OpenSSH's.

load helpers
load pki
load sftp

setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
	start_sftp "$BATS_FILE_TMPDIR"
}

teardown_file() {
	stop_sftp "$BATS_FILE_TMPDIR"
}

setup() {
	use_sftp
}

teardown() {
	# A test that stopped or changed the server leaves it as it was.
	sed -i '/host_ecdsa_key/d' "$SSHD/sshd_config"
	"$SSHD_SH" restart "$SSHD" >/dev/null 2>&1 || true
	[ ! -d "$PKI/sshd-ro" ] || "$SSHD_SH" stop "$PKI/sshd-ro"
}

sha() {
	sha256sum "$1" | cut -c1-64
}

@test "partner check: host key fingerprint as ssh-keygen shows it, login, inbox writable, outbox readable" {
	touch "$OUTBOX/waiting"
	run "$CSGW" -c "$GW" partner check TX
	[ "$status" -eq 0 ]
	[[ "$output" == *"host key:  ssh-ed25519 $(host_fingerprint) (matches known_hosts)"* ]]
	[[ "$output" == *"login:     ok"* ]]
	[[ "$output" == *"inbox:     $INBOX writable"* ]]
	[[ "$output" == *"outbox:    $OUTBOX readable, 1 file(s) there"* ]]
	# The probe file is gone again.
	[ -z "$(ls -A "$INBOX")" ]
}

@test "send: a name with spaces arrives whole, with its signature, which openssl verifies" {
	random_file "locate batch 7.xml" 3000001
	run "$CSGW" -c "$GW" send TX "locate batch 7.xml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"locate batch 7.xml: sent to $INBOX/locate batch 7.xml (3000001 bytes)"* ]]
	[ "$(sha "$INBOX/locate batch 7.xml")" = "$(sha "locate batch 7.xml")" ]
	# Signed by this gateway, as the partner will check it.
	run openssl cms -verify -binary -inform DER -in "$INBOX/locate batch 7.xml.p7s" \
		-content "$INBOX/locate batch 7.xml" -CAfile "$PKI/pki/ca/ca.pem" -out /dev/null
	[ "$status" -eq 0 ]
	[ "$(ls -A "$INBOX" | wc -l)" -eq 2 ] # no .part left
}

@test "send and fetch on a terminal show each file's progress (bytes, rate, time left); --quiet and pipes see none" {
	random_file big.bin $((192 << 20))
	rc=0
	script -qec "$(printf '%q ' "$CSGW" -c "$GW" send TX big.bin)" /dev/null >send.txt || rc=$?
	[ "$rc" -eq 0 ] || { cat -v send.txt; false; }
	tr '\r' '\n' <send.txt | grep -E "inbound/big.bin: [0-9.]+ MiB of 192.0 MiB \([0-9]+%\)" ||
		{ cat -v send.txt; false; }
	tr '\r' '\n' <send.txt | grep -E "[0-9.]+ MiB/s, [0-9]+ s left"
	grep -q "big.bin: sent to $INBOX/big.bin" send.txt
	random_file offered.bin $((192 << 20))
	offer_from_tx offered.bin
	script -qec "$(printf '%q ' "$CSGW" -c "$GW" fetch TX)" /dev/null >fetch.txt || true
	tr '\r' '\n' <fetch.txt | grep -E "offered.bin: [0-9.]+ MiB of 192.0 MiB \([0-9]+%\)" ||
		{ cat -v fetch.txt; false; }
	grep -q "1 received" fetch.txt
	# Not a terminal, or --quiet on one: no progress line.
	random_file small.bin $((64 << 20))
	"$CSGW" -c "$GW" send TX small.bin >out.txt 2>err.txt
	! grep -q "MiB of" out.txt err.txt || false
	random_file quiet.bin $((64 << 20))
	script -qec "$(printf '%q ' "$CSGW" -c "$GW" send --quiet TX quiet.bin)" /dev/null >quiet.txt
	! grep -q "MiB of" quiet.txt || false
	grep -q "quiet.bin: sent to" quiet.txt
}

@test "a new config whose spool and audit folders do not exist yet: protect add and fetch make them 0700, their files 0600, whatever the umask" {
	rm -rf "$PKI/fresh-spool" "$PKI/fresh-audit"
	sed -e 's|^spool = .*|spool = fresh-spool|' -e 's|^audit_db = .*|audit_db = fresh-audit/audit.db|' \
		-e 's|^checkpoint_dir = .*|checkpoint_dir = fresh-audit/checkpoints|' "$GW" >"$PKI/fresh.conf"
	run "$CSGW" -c "$PKI/fresh.conf" check-config
	echo "$output"
	[ "$status" -eq 0 ]
	random_file offered.bin 1000
	offer_from_tx offered.bin
	(
		umask 022
		"$CSGW" -c "$PKI/fresh.conf" protect add --ssn 900-12-3456 --flag family-violence
		"$CSGW" -c "$PKI/fresh.conf" fetch TX
	)
	[ -f "$PKI/fresh-spool/incoming/TX/offered.bin" ]
	[ -f "$PKI/fresh-audit/audit.db" ]
	[ -f "$PKI/fresh-audit/registry.db" ]
	ls "$PKI"/fresh-audit/checkpoints/*.checkpoint
	# Nothing group or others may read or enter.
	run find "$PKI/fresh-spool" "$PKI/fresh-audit" -perm /077
	echo "$output"
	[ -z "$output" ]
	[ "$(stat -c %a "$PKI/fresh-spool" "$PKI/fresh-audit" | sort -u)" = 700 ]
	[ "$(stat -c %a "$PKI/fresh-audit/audit.db")" = 600 ]
}

@test "send: the signature is published before the data file (inotify on the server's folder)" {
	random_file order.bin 100000
	inotifywait -q -m -e create -e moved_to --format '%e %f' "$INBOX" >events &
	watcher=$!
	sleep 0.3 # until its watch is set
	"$CSGW" -c "$GW" send TX order.bin
	sleep 0.3
	kill "$watcher"
	# OpenSSH renames by link() then unlink(): the final names appear as CREATE.
	grep -v '\.part$' events >published
	[ "$(sed -n 1p published)" = "CREATE order.bin.p7s" ]
	[ "$(sed -n 2p published)" = "CREATE order.bin" ]
	[ "$(wc -l <published)" -eq 2 ]
}

@test "send: a 0-byte file, and a file already on the server is not sent twice" {
	: >empty.txt
	run "$CSGW" -c "$GW" send TX empty.txt
	[ "$status" -eq 0 ]
	[ -f "$INBOX/empty.txt" ] && [ ! -s "$INBOX/empty.txt" ]
	[ -s "$INBOX/empty.txt.p7s" ]
	run "$CSGW" -c "$GW" send TX empty.txt
	[ "$status" -eq 0 ]
	[[ "$output" == *"already on the server"* ]]
	# A different file under the same name is not overwritten: 73.
	echo changed >empty.txt
	run "$CSGW" -c "$GW" send TX empty.txt
	[ "$status" -eq 73 ]
	[[ "$output" == *"empty.txt on the server is another file (0 bytes, ours 8); not overwritten"* ]]
	[ ! -s "$INBOX/empty.txt" ]
}

@test "send: a different file of the same size and name is not taken for ours (73)" {
	echo AAAA >same.txt
	"$CSGW" -c "$GW" send TX same.txt
	echo BBBB >same.txt
	run "$CSGW" -c "$GW" send TX same.txt
	[ "$status" -eq 73 ]
	[[ "$output" == *"same.txt: changed since same.txt.p7s was made; signing it again"* ]]
	[[ "$output" == *"is another file (5 bytes, ours 5); not overwritten"* ]]
	[ "$(cat "$INBOX/same.txt")" = AAAA ]
}

@test "send: a name the protocol uses is refused before anything is signed (64)" {
	echo x >x.p7s
	run "$CSGW" -c "$GW" send TX x.p7s
	[ "$status" -eq 64 ]
	[[ "$output" == *"x.p7s: cannot send a file of this name"* ]]
	[ ! -e x.p7s.p7s ]
	[ -z "$(ls -A "$INBOX")" ]
}

@test "send and fetch wait for each other: a second run on the same partner exits 75" {
	echo x >x.txt
	(
		flock -n 9 || exit 1
		run "$CSGW" -c "$GW" send TX x.txt
		[ "$status" -eq 75 ]
		[[ "$output" == *"another csgw is exchanging files with partner TX"* ]]
		run "$CSGW" -c "$GW" fetch TX
		[ "$status" -eq 75 ]
	) 9>"$PKI/sftp-spool/.partner-TX.lock"
	[ -z "$(ls -A "$INBOX")" ]
	run "$CSGW" -c "$GW" send TX x.txt
	[ "$status" -eq 0 ]
}

@test "send: a stale signature beside the file is replaced by a fresh one" {
	echo one >data.txt
	"$CSGW" -c "$GW" sign data.txt >/dev/null
	echo two >data.txt
	run "$CSGW" -c "$GW" send TX data.txt
	[ "$status" -eq 0 ]
	[[ "$output" == *"data.txt: changed since data.txt.p7s was made; signing it again"* ]]
	[[ "$output" == *"data.txt: sent to $INBOX/data.txt (4 bytes"* ]] # the data resumed
	run "$CSGW" -c "$TX" verify --partner CA "$INBOX/data.txt"
	[ "$status" -eq 0 ]
}

@test "fetch: a signed file from TX is verified, delivered, recorded and removed from the server" {
	random_file "referral 1.xml" 2500000
	offer_from_tx "referral 1.xml"
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 0 ]
	[[ "$output" == *"received as $INCOMING/referral 1.xml (2500000 bytes, sha256 $(sha "referral 1.xml"), signed by '"*"tx48"*"')"* ]]
	[[ "$output" == *"fetch TX: 1 received, 0 already received before"* ]]
	[ "$(sha "$INCOMING/referral 1.xml")" = "$(sha "referral 1.xml")" ]
	[ -s "$INCOMING/referral 1.xml.p7s" ]
	[ -z "$(ls -A "$OUTBOX")" ]
	grep -qx "$(sha "referral 1.xml") 2500000 referral 1.xml" "$INCOMING/.received"
	# Nothing of ours is left behind: no .part files.
	[ -z "$(find "$INCOMING" -name '*.part')" ]
}

@test "fetch: the same file offered again is recognised by name and SHA-256, not delivered twice" {
	echo "batch 42" >b42.txt
	offer_from_tx b42.txt
	"$CSGW" -c "$GW" fetch TX
	mv "$INCOMING/b42.txt" consumed.txt # the gateway has moved it on
	offer_from_tx b42.txt
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 0 ]
	[[ "$output" == *"already received (sha256 $(sha b42.txt)); not delivered again"* ]]
	[ ! -e "$INCOMING/b42.txt" ]
	[ -z "$(ls -A "$OUTBOX")" ]
	[ "$(grep -c ' b42.txt$' "$INCOMING/.received")" -eq 1 ]
}

@test "fetch: new data beside an old signature already received is read, quarantined, never removed unread" {
	echo "batch 44 of 1000 records" >b44.txt
	offer_from_tx b44.txt
	"$CSGW" -c "$GW" fetch TX >/dev/null
	cp b44.txt.p7s old.p7s
	# The partner puts new data of the same size under the name, but its
	# tool leaves the old signature: the data must not vanish.
	echo "batch 44 of 2000 records" >"$OUTBOX/b44.txt"
	cp old.p7s "$OUTBOX/b44.txt.p7s"
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 65 ]
	[[ "$output" == *"b44.txt: signature REJECTED"*"quarantined"* ]]
	grep -q "of 2000 records" "$QUARANTINE/b44.txt"
	grep -q "signature rejected" "$QUARANTINE/b44.txt.reason"
}

@test "fetch: a file that grows while it is read waits for the next run; the others come" {
	echo "an ordinary batch" >ok.txt
	offer_from_tx ok.txt
	# 32 MiB: reading it takes long enough that the writer below appends
	# while it is read, whenever the listing was taken.
	random_file grow.txt 33554432
	"$CSGW" -c "$TX" sign grow.txt >/dev/null
	cp grow.txt grow.txt.p7s "$OUTBOX/"
	# A writer that keeps appending while fetch lists and reads: paced, so
	# it is still at work however slowly fetch starts (at most 3000 steps
	# of 64 KiB, 15 s or more), and under way before fetch begins.
	(for _ in $(seq 3000); do
		head -c 65536 /dev/zero >>"$OUTBOX/grow.txt"
		sleep 0.005
	done) &
	writer=$!
	while [ "$(stat -c %s "$OUTBOX/grow.txt")" -le 33554432 ]; do sleep 0.01; done
	run "$CSGW" -c "$GW" fetch TX
	kill "$writer" 2>/dev/null || true
	wait "$writer" 2>/dev/null || true
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"grow.txt: longer than the "*" bytes the listing said; it changed on the server, left there for the next run"* ]]
	[ -f "$INCOMING/ok.txt" ]
	[ ! -e "$INCOMING/grow.txt" ]
	[ -f "$OUTBOX/grow.txt" ]
}

@test "fetch: a crash after delivery but before the ledger line is recognised too" {
	echo "batch 43" >b43.txt
	offer_from_tx b43.txt
	mkdir -p "$INCOMING"
	cp b43.txt "$INCOMING/b43.txt" # delivered, then the run died
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 0 ]
	[[ "$output" == *"already received"* ]]
	[ -z "$(ls -A "$OUTBOX")" ]
	grep -q " b43.txt$" "$INCOMING/.received"
}

@test "fetch: with remote_done, fetched files move there instead of being removed" {
	mkdir "$SSHD/remote/done"
	echo "batch 44" >b44.txt
	offer_from_tx b44.txt
	run "$CSGW" -c "$(variant remote_done "$SSHD/remote/done")" fetch TX
	[ "$status" -eq 0 ]
	[ -f "$SSHD/remote/done/b44.txt" ] && [ -f "$SSHD/remote/done/b44.txt.p7s" ]
	[ -z "$(ls -A "$OUTBOX")" ]
	rm -r "$SSHD/remote/done"
}

@test "fetch: when remote_done already holds that name, the fetched file is removed instead" {
	mkdir "$SSHD/remote/done"
	echo "an earlier b45" >"$SSHD/remote/done/b45.txt"
	echo "batch 45" >b45.txt
	offer_from_tx b45.txt
	run "$CSGW" -c "$(variant remote_done "$SSHD/remote/done")" fetch TX
	[ "$status" -eq 0 ]
	[[ "$output" == *"$OUTBOX/b45.txt: $SSHD/remote/done/b45.txt is taken; removed instead"* ]]
	[ -z "$(ls -A "$OUTBOX")" ]
	[ "$(cat "$SSHD/remote/done/b45.txt")" = "an earlier b45" ]
	cmp b45.txt "$INCOMING/b45.txt"
	rm -r "$SSHD/remote/done"
}

@test "fetch: .part, hidden and unsigned files are left alone" {
	echo partial >"$OUTBOX/coming.xml.part"
	echo hidden >"$OUTBOX/.hidden"
	echo unsigned >"$OUTBOX/unsigned.xml"
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 0 ]
	[[ "$output" == *"unsigned.xml: no signature beside it yet; skipped"* ]]
	[[ "$output" == *"0 received"*"1 skipped"* ]]
	[ "$(ls -A "$OUTBOX" | wc -l)" -eq 3 ]
	[ -z "$(ls -A "$INCOMING")" ]
}

@test "fetch: names with a newline or '..' are refused and left on the server; others still come" {
	echo evil >evil
	"$CSGW" -c "$TX" sign evil >/dev/null
	cp evil "$OUTBOX/new"$'\n'"line.xml"
	cp evil.p7s "$OUTBOX/new"$'\n'"line.xml.p7s"
	cp evil "$OUTBOX/a..b"
	cp evil.p7s "$OUTBOX/a..b.p7s"
	echo good >good.txt
	offer_from_tx good.txt
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 65 ]
	[[ "$output" == *'refused the remote name "new\x0aline.xml"'* ]]
	[[ "$output" == *'refused the remote name "a..b"'* ]]
	[[ "$output" == *"fetch TX: 1 received"*"4 refused"* ]] # each name and its .p7s
	[ -f "$INCOMING/good.txt" ]
	[ "$(ls "$INCOMING" | wc -l)" -eq 2 ] # good.txt and its signature only
	[ -f "$OUTBOX/a..b" ]
}

@test "fetch: a file signed by someone other than TX is quarantined with a reason" {
	echo "not from TX" >forged.txt
	"$CSGW" -c "$GW" sign forged.txt >/dev/null # signed by CA, not TX
	cp forged.txt forged.txt.p7s "$OUTBOX/"
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 65 ]
	[[ "$output" == *"forged.txt: signature REJECTED: "*"quarantined"* ]]
	[ ! -e "$INCOMING/forged.txt" ]
	cmp forged.txt "$QUARANTINE/forged.txt"
	grep -q "reason: signature rejected" "$QUARANTINE/forged.txt.reason"
	[ -z "$(ls -A "$OUTBOX")" ]
}

@test "fetch: a partial download of another file is not spliced into this one" {
	random_file r.bin 1000000
	offer_from_tx r.bin
	mkdir -p "$INCOMING"
	# Left by an earlier run: another head, the same bytes before 500000.
	{ head -c 400000 /dev/zero; tail -c +400001 r.bin | head -c 100000; } >"$INCOMING/.r.bin.part"
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 0 ]
	[ "$(sha "$INCOMING/r.bin")" = "$(sha r.bin)" ]
	[ ! -d "$QUARANTINE" ] || [ -z "$(ls -A "$QUARANTINE")" ]
}

@test "fetch: a file whose name is still taken in incoming by another file waits on the server" {
	mkdir -p "$INCOMING"
	echo "earlier, not taken yet" >"$INCOMING/n.txt"
	echo "the next one" >n.txt
	offer_from_tx n.txt
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 0 ]
	[[ "$output" == *"n.txt: waits on the server: $INCOMING/n.txt is an earlier file of that name, not taken yet"* ]]
	[ "$(cat "$INCOMING/n.txt")" = "earlier, not taken yet" ]
	[ -f "$OUTBOX/n.txt" ] && [ -f "$OUTBOX/n.txt.p7s" ]
	[ -z "$(find "$INCOMING" -name '*.part')" ]
}

@test "fetch: an expired partner certificate is refused (78) and nothing is fetched or removed" {
	echo "from TX" >t.txt
	offer_from_tx t.txt
	run "$CSGW" -c "$(variant cert "$PKI/edge/expired.pem")" fetch TX
	[ "$status" -eq 78 ]
	[[ "$output" == *"partner TX: "*"expired"*"nothing fetched"* ]]
	[ -f "$OUTBOX/t.txt" ]
	[ ! -e "$INCOMING/t.txt" ] && [ ! -d "$QUARANTINE" ]
}

@test "a server with ed25519 and ECDSA host keys: the one known_hosts holds is asked for" {
	ssh-keygen -q -t ecdsa -N '' -f "$SSHD/host_ecdsa_key"
	echo "HostKey $SSHD/host_ecdsa_key" >>"$SSHD/sshd_config"
	"$SSHD_SH" restart "$SSHD" >/dev/null
	# known_hosts has the ed25519 key only, as ssh records it.
	run "$CSGW" -c "$GW" partner check TX
	[ "$status" -eq 0 ]
	[[ "$output" == *"host key:  ssh-ed25519 $(host_fingerprint) (matches known_hosts)"* ]]
	# Only the ECDSA key known: that one.
	echo "[127.0.0.1]:$(cat "$SSHD/port") $(cut -d' ' -f1,2 "$SSHD/host_ecdsa_key.pub")" >ecdsa_known
	run "$CSGW" -c "$(variant known_hosts "$PWD/ecdsa_known")" partner check TX
	[ "$status" -eq 0 ]
	[[ "$output" == *"host key:  ecdsa-sha2-nistp256 $(ssh-keygen -lf "$SSHD/host_ecdsa_key.pub" | cut -d' ' -f2) (matches known_hosts)"* ]]
}

@test "unknown host: refused, exit 78, the fingerprint shown as ssh shows it, and how to trust it" {
	: >"$PKI/empty_known_hosts"
	run "$CSGW" -c "$(variant known_hosts "$PKI/empty_known_hosts")" partner check TX
	[ "$status" -eq 78 ]
	[[ "$output" == *"unknown host [127.0.0.1]:$(cat "$SSHD/port"): it offered ssh-ed25519 $(host_fingerprint)"* ]]
	# The advice shows the fingerprint before anything is added, and it works.
	advice=${output#*then add the key: }
	[[ "$advice" == "ssh-keyscan -p $(cat "$SSHD/port") -t ssh-ed25519 127.0.0.1 > key.pub; ssh-keygen -lf key.pub (must show $(host_fingerprint)); cat key.pub >> $PKI/empty_known_hosts"* ]]
	ssh-keyscan -p "$(cat "$SSHD/port")" -t ssh-ed25519 127.0.0.1 >key.pub 2>/dev/null
	[[ "$(ssh-keygen -lf key.pub)" == *"$(host_fingerprint)"* ]]
	# Never trusted silently: the file is unchanged.
	[ ! -s "$PKI/empty_known_hosts" ]
}

@test "no known_hosts and no pinned fingerprint: refused, exit 78" {
	echo x >x.txt
	run "$CSGW" -c "$(variant known_hosts -)" send TX x.txt
	[ "$status" -eq 78 ]
	[[ "$output" == *"no known_hosts or host_fingerprint configured"*"$(host_fingerprint)"* ]]
	[ -z "$(ls -A "$INBOX")" ]
}

@test "a pinned host_fingerprint: the right one connects, a wrong one is refused (69)" {
	grep -v '^known_hosts = ' "$GW" >"$PKI/pinned.conf"
	echo "host_fingerprint = $(host_fingerprint)" >>"$PKI/pinned.conf"
	run "$CSGW" -c "$PKI/pinned.conf" partner check TX
	[ "$status" -eq 0 ]
	[[ "$output" == *"(matches host_fingerprint)"* ]]
	run "$CSGW" -c "$(variant host_fingerprint SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)" partner check TX
	[ "$status" -eq 69 ]
	[[ "$output" == *"HOST KEY CHANGED"*"$(host_fingerprint)"* ]]
}

@test "host key changed: refused with exit 69 and the new fingerprint; nothing sent" {
	"$SSHD_SH" rekey "$SSHD" >/dev/null
	echo x >x.txt
	run "$CSGW" -c "$GW" send TX x.txt
	[ "$status" -eq 69 ]
	[[ "$output" == *"HOST KEY CHANGED for [127.0.0.1]:$(cat "$SSHD/port"): it offered ssh-ed25519 $(host_fingerprint)"* ]]
	[ -z "$(ls -A "$INBOX")" ]
	# Trust the new key again for the tests after this one.
	echo "[127.0.0.1]:$(cat "$SSHD/port") $(cut -d' ' -f1,2 "$SSHD/host_ed25519_key.pub")" >"$SSHD/known_hosts"
}

@test "a host known only by a key of another type is refused (69), with no advice to add the one offered" {
	ssh-keygen -q -t ecdsa -N '' -f other_host_key
	port=$(cat "$SSHD/port")
	cp "$SSHD/known_hosts" known_hosts.saved
	echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 other_host_key.pub)" >"$SSHD/known_hosts"
	echo x >x.txt
	run "$CSGW" -c "$GW" send TX x.txt
	cp known_hosts.saved "$SSHD/known_hosts"
	[ "$status" -eq 69 ]
	[[ "$output" == *"offers none of the host key types we know for it (ecdsa-sha2-nistp256)"*"If its host key changed, confirm the new one with the partner out of band"* ]]
	[[ "$output" != *ssh-keyscan* ]]
	[ -z "$(ls -A "$INBOX")" ]
}

@test "a host listed only by a wildcard pattern libssh2 cannot match is refused (78), the pattern named" {
	port=$(cat "$SSHD/port")
	cp "$SSHD/known_hosts" known_hosts.saved
	echo "[127.0.0.*]:$port $(cut -d' ' -f1,2 "$SSHD/host_ed25519_key.pub")" >"$SSHD/known_hosts"
	run "$CSGW" -c "$GW" partner check TX
	cp known_hosts.saved "$SSHD/known_hosts"
	[ "$status" -eq 78 ]
	[[ "$output" == *"host [127.0.0.1]:$port is listed in $SSHD/known_hosts only by a pattern csgw cannot check"*"(ssh-ed25519); it offered ssh-ed25519 $(host_fingerprint)"* ]]
	[[ "$output" != *ssh-keyscan* ]]
}

@test "a client key the server does not accept: exit 77, named" {
	run "$CSGW" -c "$(variant ssh_key pki/tx48/private/ssh_ed25519)" partner check TX
	[ "$status" -eq 77 ]
	[[ "$output" == *"refused our key $PKI/pki/tx48/private/ssh_ed25519 for user $(id -un)"* ]]
}

@test "an ECDSA client key works; an RSA key's refusal explains libssh2 1.10's ssh-rsa" {
	ssh-keygen -q -t ecdsa -N '' -f ecdsa_key
	ssh-keygen -q -t rsa -b 3072 -N '' -f rsa_key
	cat ecdsa_key.pub rsa_key.pub >>"$SSHD/authorized_keys"
	run "$CSGW" -c "$(variant ssh_key "$PWD/ecdsa_key")" partner check TX
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$(variant ssh_key "$PWD/rsa_key")" partner check TX
	[ "$status" -eq 77 ]
	[[ "$output" == *"this is an RSA key: libssh2 1.10 signs with ssh-rsa"* ]]
}

@test "an encrypted client key with ssh_key_passphrase works; without it, exit 78" {
	ssh-keygen -q -t ed25519 -N 'open sesame' -f enc_key
	cat enc_key.pub >>"$SSHD/authorized_keys"
	printf 'open sesame\n' >enc.pass
	chmod 600 enc.pass
	sed "s|^ssh_key = .*|ssh_key = $PWD/enc_key\nssh_key_passphrase = $PWD/enc.pass|" "$GW" >"$PKI/enc.conf"
	run "$CSGW" -c "$PKI/enc.conf" partner check TX
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$(variant ssh_key "$PWD/enc_key")" partner check TX
	[ "$status" -eq 78 ]
	[[ "$output" == *"cannot use SSH key $PWD/enc_key"* ]]
}

@test "remote inbox missing: exit 78, the folder named" {
	echo x >x.txt
	run "$CSGW" -c "$(variant remote_inbox /nonexistent/inbound)" send TX x.txt
	[ "$status" -eq 78 ]
	[[ "$output" == *"/nonexistent/inbound"*"no such file or folder on the server"* ]]
}

@test "permission denied on the remote inbox: exit 77; partner check shows it" {
	"$SSHD_SH" start "$PKI/sshd-ro" --read-only --authorize "$PKI/pki/ca06/private/ssh_ed25519.pub" --owner "$$" >/dev/null
	write_sftp_conf "$PKI" "$PKI/sshd-ro" "$PKI/ro.conf"
	run "$CSGW" -c "$PKI/ro.conf" partner check TX
	[ "$status" -eq 77 ]
	[[ "$output" == *"inbox:     $PKI/sshd-ro/remote/inbound NOT WRITABLE"* ]]
	[[ "$output" == *"outbox:    $PKI/sshd-ro/remote/outbound readable"* ]]
	echo x >x.txt
	run "$CSGW" -c "$PKI/ro.conf" send TX x.txt
	[ "$status" -eq 77 ]
	[[ "$output" == *"permission denied by the server"* ]]
}

@test "server not listening: exit 75 (try later), quickly" {
	"$SSHD_SH" stop "$SSHD" >/dev/null
	echo x >x.txt
	SECONDS=0
	run "$CSGW" -c "$GW" send TX x.txt
	[ "$status" -eq 75 ]
	[[ "$output" == *"cannot connect to 127.0.0.1 port $(cat "$SSHD/port"): Connection refused; will retry"* ]]
	[ "$SECONDS" -lt 5 ]
}

@test "a server that accepts but never answers: exit 75 after connect_timeout, no hang" {
	kill -STOP "$(cat "$SSHD/pid")"
	echo x >x.txt
	SECONDS=0
	run "$CSGW" -c "$(variant connect_timeout 2)" send TX x.txt
	kill -CONT "$(cat "$SSHD/pid")"
	[ "$status" -eq 75 ]
	[[ "$output" == *"no answer from 127.0.0.1 for 2 s; will retry"* ]]
	[ "$SECONDS" -lt 8 ]
}

@test "a server that stops answering mid-upload: exit 75 after io_timeout, nothing published" {
	random_file big.bin 400000000
	"$CSGW" -c "$GW" sign big.bin >/dev/null
	"$CSGW" -c "$(variant io_timeout 2)" send TX big.bin >send.out 2>&1 &
	wait_size "$INBOX/big.bin.part" 30000000
	# Freeze this server's session processes (those holding its port).
	pids=$(ss -Htnp "( sport = :$(cat "$SSHD/port") )" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
	[ -n "$pids" ]
	kill -STOP $pids
	SECONDS=0
	wait $! && status=0 || status=$?
	kill -CONT $pids
	[ "$status" -eq 75 ]
	[ "$SECONDS" -lt 8 ]
	grep -q "no answer from 127.0.0.1 for 2 s; will retry" send.out
	[ ! -e "$INBOX/big.bin" ]
}

@test "server killed mid-upload: 75, nothing published; the next send resumes and the file is intact" {
	random_file big.bin 400000000
	"$CSGW" -c "$GW" sign big.bin >/dev/null
	"$CSGW" -c "$GW" send TX big.bin >send1.out 2>&1 &
	wait_size "$INBOX/big.bin.part" 50000000
	"$SSHD_SH" kill "$SSHD"
	wait $! && status=0 || status=$?
	[ "$status" -eq 75 ]
	[ ! -e "$INBOX/big.bin" ] # never a partial file under the final name
	[ -e "$INBOX/big.bin.part" ]
	"$SSHD_SH" restart "$SSHD" >/dev/null
	run "$CSGW" -c "$GW" send TX big.bin
	[ "$status" -eq 0 ]
	[[ "$output" =~ "sent to $INBOX/big.bin (400000000 bytes, resumed at "[1-9] ]]
	[ "$(sha "$INBOX/big.bin")" = "$(sha big.bin)" ]
	[ "$(ls -A "$INBOX" | wc -l)" -eq 2 ]
}

@test "send: a signature by another key beside the file is replaced by ours" {
	echo three >other.txt
	"$CSGW" -c "$TX" sign other.txt >/dev/null
	run "$CSGW" -c "$GW" send TX other.txt
	[ "$status" -eq 0 ]
	[[ "$output" == *"other.txt.p7s: not a good signature of ours ("*"); signing again"* ]]
	run "$CSGW" -c "$TX" verify --partner CA "$INBOX/other.txt"
	[ "$status" -eq 0 ]
}

@test "a partial upload of another version is rewritten, not resumed, even when its tail matches" {
	random_file f.bin 1000000
	# An earlier version: another head, the same bytes before offset 500000,
	# and its own signature on the server.
	{ head -c 400000 /dev/zero; tail -c +400001 f.bin | head -c 100000; } >"$INBOX/f.bin.part"
	echo "an older signature" >"$INBOX/f.bin.p7s"
	run "$CSGW" -c "$GW" send TX f.bin
	[ "$status" -eq 0 ]
	[[ "$output" != *"resumed"* ]]
	[ "$(sha "$INBOX/f.bin")" = "$(sha f.bin)" ]
	run "$CSGW" -c "$TX" verify --partner CA "$INBOX/f.bin"
	[ "$status" -eq 0 ]
}

@test "server killed mid-download: 75, nothing delivered; the next fetch resumes, delivers once" {
	random_file big.bin 400000000
	offer_from_tx big.bin
	"$CSGW" -c "$GW" fetch TX >fetch1.out 2>&1 &
	wait_size "$INCOMING/.big.bin.part" 50000000
	"$SSHD_SH" kill "$SSHD"
	wait $! && status=0 || status=$?
	[ "$status" -eq 75 ]
	[ ! -e "$INCOMING/big.bin" ]
	"$SSHD_SH" restart "$SSHD" >/dev/null
	run "$CSGW" -c "$GW" fetch TX
	[ "$status" -eq 0 ]
	[[ "$output" =~ "(400000000 bytes, resumed at "[1-9] ]]
	[ "$(sha "$INCOMING/big.bin")" = "$(sha big.bin)" ]
	[ -z "$(ls -A "$OUTBOX")" ]
	[ "$(grep -c ' big.bin$' "$INCOMING/.received")" -eq 1 ]
	[ -z "$(find "$INCOMING" -name '*.part')" ]
}

@test "1 GiB up and down, digests equal" {
	random_file gib.bin 1073741824
	run "$CSGW" -c "$GW" send TX gib.bin
	[ "$status" -eq 0 ]
	[ "$(sha "$INBOX/gib.bin")" = "$(sha gib.bin)" ]
	mv "$INBOX/gib.bin" "$INBOX/gib.bin.p7s" "$OUTBOX/"
	# Signed by CA, so fetch it with CA's own certificate as TX's.
	run "$CSGW" -c "$(variant cert pki/ca06/local/signing.pem)" fetch TX
	[ "$status" -eq 0 ]
	[ "$(sha "$INCOMING/gib.bin")" = "$(sha gib.bin)" ]
	rm -f gib.bin "$INCOMING/gib.bin"
}

@test "check-config knows the transport keys and their limits" {
	run "$CSGW" -c "$(variant transfer_buffer 45000)" check-config
	[ "$status" -ne 0 ]
	[[ "$output" == *"transfer_buffer: '45000' bytes; expected a multiple of 30000"* ]]
	run "$CSGW" -c "$(variant host_fingerprint MD5:aa:bb)" check-config
	[[ "$output" == *"host_fingerprint: 'MD5:aa:bb' is not a host key fingerprint"* ]]
	run "$CSGW" -c "$(variant io_timeout 0)" check-config
	[[ "$output" == *"io_timeout: '0' is not a number of seconds; expected 1 to 3600"* ]]
	run "$CSGW" -c "$GW" check-config
	[ "$status" -eq 0 ]
}
