#!/bin/sh
# edge-certs.sh - certificates that must be refused, for the tests of csgw
# sign and verify.  FOR TESTS ONLY, NOT FOR PRODUCTION.
#
# usage: certs/edge-certs.sh CA_DIR OUTDIR
# CA_DIR is the ca/ folder of certs/init-dev.sh (CA_DIR/ca.pem and
# CA_DIR/private/ca.key).  OUTDIR is created if needed (mode 0700); the
# files below are (re)written in it, each NAME.pem + NAME.key, keys ECDSA
# P-256, PEM PKCS#8, mode 0600:
#   expired     issued by the CA, valid 2020-01-01 to 2021-01-01
#   notyet      issued by the CA, valid 2099-01-01 to 2100-01-01
#   nodigsig    issued by the CA, valid now, keyUsage keyEncipherment only
#   tlsonly     issued by the CA, valid now, digitalSignature, but extended
#               key usage serverAuth only (a TLS server's certificate)
#   rogue-ca    a second, untrusted, self-signed CA
#   rogue       a signing certificate issued by rogue-ca, valid now
#   encrypted   a signing certificate issued by the CA, valid now, whose key
#               is encrypted (AES-256) under the passphrase in
#               encrypted.pass ("correct horse"); wrong.pass holds "wrong"
# Only the openssl command line is used (openssl ca sets exact dates).
set -eu
umask 077

usage() {
	echo "usage: certs/edge-certs.sh CA_DIR OUTDIR"
}

case "${1:-}" in
-h | --help) usage; exit 0 ;;
esac
if [ $# -ne 2 ]; then
	usage >&2
	exit 64
fi
ca_dir=$1
out=$2
for f in "$ca_dir/ca.pem" "$ca_dir/private/ca.key"; do
	if [ ! -r "$f" ]; then
		echo "edge-certs.sh: $f: cannot read; CA_DIR is the ca/ folder made by certs/init-dev.sh" >&2
		exit 66
	fi
done
if ! command -v openssl >/dev/null 2>&1; then
	echo "edge-certs.sh: 'openssl' not found; install the Debian package openssl" >&2
	exit 69
fi

tmp=""
cleanup() {
	if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

tmp=$(mktemp -d "${TMPDIR:-/tmp}/csgw-edge-certs.XXXXXX")
mkdir -p "$out"
chmod 700 "$out"

# quiet CMD...: run CMD; show its chatter only when it fails.
quiet() {
	if ! "$@" >"$tmp/log" 2>&1; then
		cat "$tmp/log" >&2
		echo "edge-certs.sh: failed: $*" >&2
		exit 1
	fi
}

# A throwaway CA database for openssl ca, which can set exact dates.
mkdir "$tmp/new"
: >"$tmp/index.txt"
cnf=$tmp/openssl.cnf
# The shared profiles (v3_ca, signing), then openssl ca's own settings and
# the profiles of the certificates that must be refused.
cp "$(dirname "$0")/dev-extensions.cnf" "$cnf"
cat >>"$cnf" <<EOF
[ca]
default_ca = edge

[edge]
database = $tmp/index.txt
new_certs_dir = $tmp/new
rand_serial = yes
unique_subject = no
default_md = sha256
default_days = 825
policy = policy_any
copy_extensions = none
email_in_dn = no

[policy_any]
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[nodigsig]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer

[tlsonly]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EOF

# genkey FILE [OPENSSL-ARGS...]: a new ECDSA P-256 key, PEM PKCS#8, 0600.
genkey() {
	g_key=$1
	shift
	quiet openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-pkeyopt ec_param_enc:named_curve -out "$g_key" "$@"
	chmod 600 "$g_key"
}

# issue NAME CA_CERT CA_KEY EXTENSIONS [OPENSSL-CA-ARGS...]: a new key
# OUTDIR/NAME.key and its certificate OUTDIR/NAME.pem.
issue() {
	i_name=$1 i_cert=$2 i_key=$3 i_ext=$4
	shift 4
	genkey "$out/$i_name.key"
	quiet openssl req -new -config "$cnf" -key "$out/$i_name.key" \
		-subj "/O=csgw development/OU=edge/CN=csgw test $i_name - NOT FOR PRODUCTION" \
		-out "$tmp/$i_name.csr"
	quiet openssl ca -batch -config "$cnf" -cert "$i_cert" -keyfile "$i_key" \
		-extensions "$i_ext" -notext -in "$tmp/$i_name.csr" -out "$out/$i_name.pem" "$@"
}

ca_cert=$ca_dir/ca.pem
ca_key=$ca_dir/private/ca.key

issue expired "$ca_cert" "$ca_key" signing -startdate 20200101000000Z -enddate 20210101000000Z
issue notyet "$ca_cert" "$ca_key" signing -startdate 20990101000000Z -enddate 21000101000000Z
issue nodigsig "$ca_cert" "$ca_key" nodigsig
issue tlsonly "$ca_cert" "$ca_key" tlsonly

# The rogue CA: self-signed, trusted by nobody, and a signer under it.
genkey "$out/rogue-ca.key"
quiet openssl req -x509 -new -config "$cnf" -extensions v3_ca -key "$out/rogue-ca.key" \
	-subj "/O=csgw development/CN=csgw ROGUE CA - UNTRUSTED, TESTS ONLY" \
	-days 3650 -sha256 -set_serial "0x$(openssl rand -hex 16)" -out "$out/rogue-ca.pem"
issue rogue "$out/rogue-ca.pem" "$out/rogue-ca.key" signing

# A signing key encrypted under a passphrase, and a wrong passphrase.
printf 'correct horse\n' >"$out/encrypted.pass"
printf 'wrong\n' >"$out/wrong.pass"
chmod 600 "$out/encrypted.pass" "$out/wrong.pass"
genkey "$out/encrypted.key" -aes-256-cbc -pass "file:$out/encrypted.pass"
quiet openssl req -new -config "$cnf" -key "$out/encrypted.key" \
	-passin "file:$out/encrypted.pass" \
	-subj "/O=csgw development/OU=edge/CN=csgw test encrypted - NOT FOR PRODUCTION" \
	-out "$tmp/encrypted.csr"
quiet openssl ca -batch -config "$cnf" -cert "$ca_cert" -keyfile "$ca_key" \
	-extensions signing -notext -in "$tmp/encrypted.csr" -out "$out/encrypted.pem"

echo "edge-case certificates (FOR TESTS ONLY, NOT FOR PRODUCTION) in $out:"
echo "  expired notyet nodigsig tlsonly rogue-ca rogue encrypted (+ encrypted.pass, wrong.pass)"
