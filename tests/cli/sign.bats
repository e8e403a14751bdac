#!/usr/bin/env bats
# sign.bats - csgw sign and verify, cross-checked with the openssl command
# line both ways, and every bad input of the signing issue: each a clear
# one-line reason, exit 65 (78 for an unusable key), and nothing changed.

load helpers
load pki

setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
}

setup() {
	use_pki
	cp "$DATA/referral.txt" batch.txt
}

# Verifies as CA (state 06) what partner TX signed.
verify_from_tx() {
	run "$CSGW" -c "$CA" verify --partner TX "$@"
}

@test "csgw's signature verifies with openssl cms -verify, and with csgw" {
	run "$CSGW" -c "$TX" sign batch.txt
	[ "$status" -eq 0 ]
	[[ "$output" == "batch.txt.p7s: signed batch.txt (sha256 $(sha256sum batch.txt | cut -c1-64))" ]]
	run openssl_verify batch.txt batch.txt.p7s
	[ "$status" -eq 0 ]
	verify_from_tx batch.txt
	[ "$status" -eq 0 ]
	[[ "$output" == "batch.txt: good signature by '"*"tx48"*"', partner TX, signed "*"Z, sha256 $(sha256sum batch.txt | cut -c1-64)" ]]
}

@test "the signature is DER SignedData, SHA-256, detached, with the signer certificate and signing time" {
	"$CSGW" -c "$TX" sign batch.txt
	run openssl cms -cmsout -print -inform DER -in batch.txt.p7s
	[ "$status" -eq 0 ]
	[[ "$output" == *"contentType: pkcs7-signedData"* ]]
	[[ "$output" == *"eContent: <ABSENT>"* ]]
	[[ "$output" == *"digestAlgorithm: "*"algorithm: sha256"* ]]
	[[ "$output" == *"object: signingTime"* ]]
	[[ "$output" == *"object: messageDigest"* ]]
	[[ "$output" == *"subject: "*"tx48"* ]]
	# Its certificate is the one gateway.conf names.
	openssl cms -verify -binary -inform DER -content batch.txt -in batch.txt.p7s \
		-CAfile "$PKI/pki/ca/ca.pem" -out /dev/null -signer signer.pem
	cmp <(openssl x509 -outform DER -in signer.pem) \
		<(openssl x509 -outform DER -in "$PKI/pki/tx48/local/signing.pem")
}

@test "openssl's signatures verify with csgw: -binary -outform DER, with and without -stream" {
	local tx=$PKI/pki/tx48
	openssl cms -sign -binary -outform DER -md sha256 -in batch.txt -out plain.p7s \
		-signer "$tx/local/signing.pem" -inkey "$tx/private/signing.key"
	openssl cms -sign -binary -stream -outform DER -md sha256 -in batch.txt -out stream.p7s \
		-signer "$tx/local/signing.pem" -inkey "$tx/private/signing.key"
	verify_from_tx --signature plain.p7s batch.txt
	[ "$status" -eq 0 ]
	verify_from_tx --signature stream.p7s batch.txt
	[ "$status" -eq 0 ]
	# A signature made without the certificate inside still names its signer.
	openssl cms -sign -binary -outform DER -nocerts -in batch.txt -out nocerts.p7s \
		-signer "$tx/local/signing.pem" -inkey "$tx/private/signing.key"
	verify_from_tx --signature nocerts.p7s batch.txt
	[ "$status" -eq 0 ]
	# Without signed attributes, and with another digest: verified through
	# OpenSSL's own content digest rather than csgw's SHA-256 pass.
	openssl cms -sign -binary -outform DER -noattr -in batch.txt -out noattr.p7s \
		-signer "$tx/local/signing.pem" -inkey "$tx/private/signing.key"
	verify_from_tx --signature noattr.p7s batch.txt
	[ "$status" -eq 0 ]
	[[ "$output" == *"no signing time, sha256 $(sha256sum batch.txt | cut -c1-64)" ]]
	openssl cms -sign -binary -outform DER -md sha384 -in batch.txt -out sha384.p7s \
		-signer "$tx/local/signing.pem" -inkey "$tx/private/signing.key"
	verify_from_tx --signature sha384.p7s batch.txt
	[ "$status" -eq 0 ]
	[[ "$output" == *"sha256 $(sha256sum batch.txt | cut -c1-64)" ]]
	# The one byte changed is caught on openssl's signatures too, by both paths.
	printf 'X' | dd of=batch.txt bs=1 seek=100 conv=notrunc 2>/dev/null
	for sig in stream.p7s noattr.p7s sha384.p7s; do
		verify_from_tx --signature $sig batch.txt
		[ "$status" -eq 65 ]
		[[ "$output" == *"does not match its signature"* ]]
	done
}

@test "RSA-3072 keys from the dev PKI sign and verify both ways" {
	"$CSGW_TOP/certs/init-dev.sh" --rsa rsa >/dev/null
	run openssl pkey -in rsa/tx48/private/signing.key -noout -text
	[[ "$output" == *"3072 bit"* ]]
	"$CSGW" -c "$TX" sign --cert rsa/tx48/local/signing.pem --key rsa/tx48/private/signing.key batch.txt
	openssl cms -verify -binary -inform DER -content batch.txt -in batch.txt.p7s \
		-CAfile rsa/ca/ca.pem -out /dev/null
	run "$CSGW" -c "$CA" verify --ca-bundle rsa/ca/ca.pem batch.txt
	[ "$status" -eq 0 ]
}

@test "missing, empty, truncated and garbage signatures: exit 65, one line each" {
	verify_from_tx batch.txt
	[ "$status" -eq 65 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"batch.txt.p7s: no signature: the file does not exist"* ]]

	: >batch.txt.p7s
	verify_from_tx batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"batch.txt.p7s: the signature file is empty"* ]]

	"$CSGW" -c "$TX" sign batch.txt
	head -c 200 batch.txt.p7s >cut.p7s
	verify_from_tx --signature cut.p7s batch.txt
	[ "$status" -eq 65 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"cut.p7s: not a DER CMS signature (truncated, damaged, or another format)"* ]]

	head -c 3000 /dev/urandom >garbage.p7s
	verify_from_tx --signature garbage.p7s batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"garbage.p7s: not a DER CMS signature"* ]]

	# A PEM signature is another format.
	openssl cms -sign -binary -outform PEM -in batch.txt -out pem.p7s \
		-signer "$PKI/pki/tx48/local/signing.pem" -inkey "$PKI/pki/tx48/private/signing.key"
	verify_from_tx --signature pem.p7s batch.txt
	[ "$status" -eq 65 ]
}

@test "content changed by one byte, or emptied: exit 65" {
	"$CSGW" -c "$TX" sign batch.txt
	cp batch.txt orig.txt
	printf 'Z' | dd of=batch.txt bs=1 seek=1000 conv=notrunc 2>/dev/null
	! cmp -s batch.txt orig.txt || false
	verify_from_tx batch.txt
	[ "$status" -eq 65 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"batch.txt: the content does not match its signature batch.txt.p7s (changed since it was signed)"* ]]
	run openssl_verify batch.txt batch.txt.p7s
	[ "$status" -ne 0 ]

	: >batch.txt
	verify_from_tx batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"(changed since it was signed; it is empty)"* ]]
}

@test "an empty file can be signed and verified: zero bytes are content too" {
	: >empty.xml
	"$CSGW" -c "$TX" sign empty.xml
	openssl_verify empty.xml empty.xml.p7s
	verify_from_tx empty.xml
	[ "$status" -eq 0 ]
	[[ "$output" == *"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" ]]
}

@test "a good signature by another trusted partner is a failure" {
	"$CSGW" -c "$TX" sign batch.txt
	run "$CSGW" -c "$CA" verify --partner OCSE batch.txt
	[ "$status" -eq 65 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"batch.txt.p7s: signed by '"*"tx48"*"', not by the partner's certificate "*"/partners/ocse.pem"* ]]
	# Without --partner, any signer chaining to the CA is good.
	run "$CSGW" -c "$CA" verify batch.txt
	[ "$status" -eq 0 ]
}

@test "a signature by an untrusted CA: exit 65" {
	local e=$PKI/edge
	openssl cms -sign -binary -outform DER -in batch.txt -out batch.txt.p7s \
		-signer "$e/rogue.pem" -inkey "$e/rogue.key" -certfile "$e/rogue-ca.pem"
	run "$CSGW" -c "$CA" verify batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"does not lead to a CA of the trusted bundle"* ]]
	# Even when the partner entry names the rogue certificate itself.
	sed "s|^cert = .*tx48.pem|cert = $e/rogue.pem|" "$CA" >rogue.conf
	sed -i "s|= pki/|= $PKI/pki/|; s|= ca06-|= $PKI/ca06-|; s|= known_hosts|= $PKI/known_hosts|" rogue.conf
	run "$CSGW" -c rogue.conf verify --partner TX batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"does not lead to a CA of the trusted bundle"* ]]
}

@test "expired and not-yet-valid signer certificates: exit 65 with the date" {
	local e=$PKI/edge
	openssl cms -sign -binary -outform DER -in batch.txt -out old.p7s \
		-signer "$e/expired.pem" -inkey "$e/expired.key"
	run "$CSGW" -c "$CA" verify --signature old.p7s batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"expired on 2021-01-01"* ]]
	openssl cms -sign -binary -outform DER -in batch.txt -out new.p7s \
		-signer "$e/notyet.pem" -inkey "$e/notyet.key"
	run "$CSGW" -c "$CA" verify --signature new.p7s batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"is not valid yet: its validity begins 2099-01-01"* ]]
	# csgw itself refuses to sign with an expired certificate.
	run "$CSGW" -c "$CA" sign --cert "$e/expired.pem" --key "$e/expired.key" batch.txt
	[ "$status" -eq 78 ]
	[[ "$output" == *"expired on 2021-01-01"*"nothing was signed"* ]]
	[ ! -e batch.txt.p7s ]
}

@test "a certificate without digitalSignature key usage: exit 65, and csgw will not sign with it" {
	local e=$PKI/edge
	openssl cms -sign -binary -outform DER -in batch.txt -out batch.txt.p7s \
		-signer "$e/nodigsig.pem" -inkey "$e/nodigsig.key"
	run "$CSGW" -c "$CA" verify batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"does not allow digital signatures (its keyUsage lacks digitalSignature)"* ]]
	rm batch.txt.p7s
	run "$CSGW" -c "$CA" sign --cert "$e/nodigsig.pem" --key "$e/nodigsig.key" batch.txt
	[ "$status" -eq 78 ]
	[ ! -e batch.txt.p7s ]
}

@test "a certificate for another purpose (TLS server only) does not sign files: exit 65" {
	local e=$PKI/edge
	openssl cms -sign -binary -outform DER -in batch.txt -out batch.txt.p7s \
		-signer "$e/tlsonly.pem" -inkey "$e/tlsonly.key"
	run "$CSGW" -c "$CA" verify batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"tlsonly"*"unsuitable certificate purpose"* ]]
	run openssl_verify batch.txt batch.txt.p7s
	[ "$status" -ne 0 ]
}

@test "signatures over another content type, or with SHA-1, are refused" {
	local tx=$PKI/pki/tx48
	openssl cms -sign -binary -outform DER -econtent_type id-smime-ct-TSTInfo -in batch.txt \
		-out tst.p7s -signer "$tx/local/signing.pem" -inkey "$tx/private/signing.key"
	verify_from_tx --signature tst.p7s batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"tst.p7s: signs content of another type than data"* ]]
	openssl cms -sign -binary -outform DER -md sha1 -in batch.txt -out sha1.p7s \
		-signer "$tx/local/signing.pem" -inkey "$tx/private/signing.key"
	verify_from_tx --signature sha1.p7s batch.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"sha1.p7s: digest SHA1 is not accepted; expected SHA-256, SHA-384 or SHA-512"* ]]
}

@test "a group- or world-readable private key is refused, naming the chmod; nothing written" {
	cp "$PKI/pki/tx48/private/signing.key" key.pem
	chmod 644 key.pem
	run "$CSGW" -c "$TX" sign --cert "$PKI/pki/tx48/local/signing.pem" --key key.pem batch.txt
	[ "$status" -eq 78 ]
	[[ "$output" == *"key.pem: the private key is open to group or others (mode 0644); csgw refuses it: chmod 600 key.pem; nothing was signed"* ]]
	[ ! -e batch.txt.p7s ]
	chmod 640 key.pem
	run "$CSGW" -c "$TX" sign --cert "$PKI/pki/tx48/local/signing.pem" --key key.pem batch.txt
	[ "$status" -eq 78 ]
	chmod 600 key.pem
	run "$CSGW" -c "$TX" sign --cert "$PKI/pki/tx48/local/signing.pem" --key key.pem batch.txt
	[ "$status" -eq 0 ]
}

@test "an encrypted key: its passphrase file works, a wrong one or none is a clear error" {
	local e=$PKI/edge
	run "$CSGW" -c "$TX" sign --cert "$e/encrypted.pem" --key "$e/encrypted.key" \
		--passphrase-file "$e/wrong.pass" batch.txt
	[ "$status" -eq 78 ]
	[[ "$output" == *"encrypted.key: cannot decrypt the private key with the passphrase in $e/wrong.pass (wrong passphrase?)"* ]]
	[ ! -e batch.txt.p7s ]
	run "$CSGW" -c "$TX" sign --cert "$e/encrypted.pem" --key "$e/encrypted.key" batch.txt </dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"the private key is encrypted; name a file holding its passphrase"* ]]
	run "$CSGW" -c "$TX" sign --cert "$e/encrypted.pem" --key "$e/encrypted.key" \
		--passphrase-file "$e/encrypted.pass" batch.txt
	[ "$status" -eq 0 ]
	openssl_verify batch.txt batch.txt.p7s
	# The passphrase file is a secret too.
	cp "$e/encrypted.pass" open.pass
	chmod 644 open.pass
	run "$CSGW" -c "$TX" sign --cert "$e/encrypted.pem" --key "$e/encrypted.key" \
		--passphrase-file open.pass batch.txt
	[ "$status" -eq 78 ]
	[[ "$output" == *"open.pass: the passphrase file is open to group or others"* ]]
}

@test "a key that is not the certificate's is refused" {
	run "$CSGW" -c "$TX" sign --cert "$PKI/pki/tx48/local/signing.pem" \
		--key "$PKI/pki/ca06/private/signing.key" batch.txt
	[ "$status" -eq 78 ]
	[[ "$output" == *"this private key does not belong to the certificate"* ]]
}

@test "a failed signing leaves an existing signature as it was, and no temporary file" {
	"$CSGW" -c "$TX" sign batch.txt
	cp batch.txt.p7s before.p7s
	cp "$PKI/pki/tx48/private/signing.key" open.key
	chmod 644 open.key
	run "$CSGW" -c "$TX" sign --cert "$PKI/pki/tx48/local/signing.pem" --key open.key batch.txt
	[ "$status" -eq 78 ]
	cmp before.p7s batch.txt.p7s
	run "$CSGW" -c "$TX" sign no-such-file.txt
	[ "$status" -eq 66 ]
	[[ "$output" == *"no-such-file.txt: cannot read: No such file or directory; no-such-file.txt.p7s was not written"* ]]
	[ ! -e no-such-file.txt.p7s ]
	! ls -A | grep -q '\.tmp$' || false
}

@test "verify: a missing file is 66, an unknown partner or CA bundle 78" {
	run "$CSGW" -c "$CA" verify nothing.txt
	[ "$status" -eq 66 ]
	"$CSGW" -c "$TX" sign batch.txt
	run "$CSGW" -c "$CA" verify --partner NOPE batch.txt
	[ "$status" -eq 78 ]
	[[ "$output" == *"no partner 'NOPE'"* ]]
	run "$CSGW" -c "$CA" verify --ca-bundle /nonexistent.pem batch.txt
	[ "$status" -eq 78 ]
	[[ "$output" == *"/nonexistent.pem: cannot load the CA bundle"* ]]
}

@test "sign and verify have --help; check-config knows signing_key_passphrase" {
	run "$CSGW" sign --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: csgw"*"sign"* ]]
	run "$CSGW" verify --help
	[ "$status" -eq 0 ]
	run "$CSGW" sign
	[ "$status" -eq 64 ]
	cp "$PKI/edge/wrong.pass" "$PKI/pass.txt"
	chmod 644 "$PKI/pass.txt"
	sed 's|^subject_key = .*|&\nsigning_key_passphrase = pass.txt|' "$CA" >"$PKI/pass.conf"
	run "$CSGW" -c "$PKI/pass.conf" check-config
	[[ "$output" == *"signing_key_passphrase: $PKI/pass.txt: the passphrase file is open to group or others"* ]]
	[[ "$output" != *"unknown key 'signing_key_passphrase'"* ]]
}
