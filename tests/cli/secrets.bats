#!/usr/bin/env bats
# secrets.bats - keys and passphrase files (io/secret.h): a secret that is
# open to group or others, or a symbolic link, is refused with exit 78
# naming the file, by check-config (every problem at once) and by the
# command that would use it, before anything is sent or written.

load helpers
load pki

setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
}

setup() {
	use_pki
	# A gateway of its own (the keys are changed), from CA's.
	cp -R "$PKI/pki/ca06" keys
	chmod 600 keys/private/*
	sed -e "s|pki/ca06/|$PWD/keys/|" -e "s|= ca06-|= $PKI/ca06-|" \
		-e "s|^known_hosts = known_hosts|known_hosts = $PKI/known_hosts|" "$CA" >gw.conf
	echo 'sekret' >keys/private/ssh.pass
	chmod 600 keys/private/ssh.pass
	sed -i 's|^ssh_key = .*|&\nssh_key_passphrase = '"$PWD"'/keys/private/ssh.pass|' gw.conf
}

@test "the keys as they should be: check-config is good" {
	run "$CSGW" -c gw.conf check-config
	echo "$output"
	[[ "$output" != *"keys/private"* ]]
}

@test "check-config names every secret that is open, or a link, at once" {
	chmod 644 keys/private/ssh_ed25519
	chmod 620 keys/private/ssh.pass
	mv keys/private/subject.key keys/private/subject.real
	ln -s subject.real keys/private/subject.key
	run "$CSGW" -c gw.conf check-config
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"[partner TX] ssh_key: $PWD/keys/private/ssh_ed25519: the private key is open to group or others (mode 0644); csgw refuses it: chmod 600 $PWD/keys/private/ssh_ed25519"* ]]
	[[ "$output" == *"[partner TX] ssh_key_passphrase: $PWD/keys/private/ssh.pass: the passphrase file is open to group or others (mode 0620)"* ]]
	[[ "$output" == *"[gateway] subject_key: $PWD/keys/private/subject.key: the private key is a symbolic link; csgw refuses it"* ]]
}

@test "an SSH key open to others, or a link: partner check and fetch refuse it (78), naming it" {
	chmod 644 keys/private/ssh_ed25519
	for cmd in "partner check TX" "fetch TX" "send TX gw.conf"; do
		# shellcheck disable=SC2086 # the command's words
		run "$CSGW" -c gw.conf $cmd
		echo "$cmd: $output"
		[ "$status" -eq 78 ]
		[[ "$output" == *"[partner TX] ssh_key: $PWD/keys/private/ssh_ed25519: the SSH key is open to group or others (mode 0644)"* ]]
	done
	chmod 600 keys/private/ssh_ed25519
	mv keys/private/ssh_ed25519 elsewhere
	ln -s "$PWD/elsewhere" keys/private/ssh_ed25519
	run "$CSGW" -c gw.conf fetch TX
	[ "$status" -eq 78 ]
	[[ "$output" == *"ssh_key: $PWD/keys/private/ssh_ed25519: the SSH key is a symbolic link"* ]]
}

@test "an SSH key passphrase file open to others: refused (78), naming it" {
	chmod 644 keys/private/ssh.pass
	run "$CSGW" -c gw.conf partner check TX
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"[partner TX] ssh_key_passphrase: $PWD/keys/private/ssh.pass: the passphrase file is open to group or others (mode 0644)"* ]]
}

@test "a subject key open to others, or a link: protect and audit search refuse it (78), nothing recorded" {
	chmod 644 keys/private/subject.key
	run "$CSGW" -c gw.conf protect add --ssn 900-12-3456 --flag family-violence
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"subject_key: $PWD/keys/private/subject.key: "*"open to group or others (mode 0644)"* ]]
	chmod 600 keys/private/subject.key
	mv keys/private/subject.key elsewhere.key
	ln -s "$PWD/elsewhere.key" keys/private/subject.key
	run "$CSGW" -c gw.conf audit search --ssn 900-12-3456
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"subject_key: $PWD/keys/private/subject.key: "*"symbolic link"* ]]
	rm keys/private/subject.key
	mv elsewhere.key keys/private/subject.key
	run "$CSGW" -c gw.conf protect list
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"3456"* ]]
}
