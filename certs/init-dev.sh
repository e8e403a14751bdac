#!/bin/sh
# init-dev.sh - a development PKI for csgw: a test CA and, for the states
# ca06 and tx48 and the federal office ocse, a signing certificate and key,
# an HMAC subject key and an SSH client key, laid out as certs/README.md
# describes a gateway's certs folder.
#
# FOR DEVELOPMENT AND TESTS ONLY, NOT FOR PRODUCTION: the CA key lies next
# to the certificates it signed and nothing here is protected.
#
# usage: certs/init-dev.sh [--rsa] [--force] [OUTDIR]
#   OUTDIR   default certs/dev at the repository top
#   --rsa    RSA-3072 keys instead of ECDSA P-256 (SSH keys stay ed25519)
#   --force  replace an existing OUTDIR made by this script
# Only the openssl and ssh-keygen command lines are used.  The PKI is built
# in a temporary folder next to OUTDIR and renamed into place at the end:
# a failed run leaves no half-made OUTDIR and an old one as it was.
set -eu
umask 077

parties="ca06 tx48 ocse"
top=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	echo "usage: certs/init-dev.sh [--rsa] [--force] [OUTDIR]   (default OUTDIR: certs/dev)"
}

rsa=0
force=0
out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--rsa) rsa=1 ;;
	--force) force=1 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) echo "init-dev.sh: unknown option '$1'" >&2; usage >&2; exit 64 ;;
	*)
		if [ -n "$out" ]; then
			echo "init-dev.sh: one OUTDIR only ('$out' and '$1')" >&2
			usage >&2
			exit 64
		fi
		out=$1
		;;
	esac
	shift
done
if [ $# -gt 0 ]; then
	if [ -n "$out" ] || [ $# -gt 1 ]; then
		usage >&2
		exit 64
	fi
	out=$1
fi
[ -n "$out" ] || out=$top/certs/dev

for tool in openssl ssh-keygen; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "init-dev.sh: '$tool' not found; install the Debian packages openssl and openssh-client (make certs does)" >&2
		exit 69
	fi
done

if [ -e "$out" ] || [ -L "$out" ]; then
	if [ "$force" -eq 0 ]; then
		echo "init-dev.sh: $out already exists; nothing was changed (--force replaces it)" >&2
		exit 73
	fi
	# --force removes only what this script made (or an empty folder).
	if [ -L "$out" ] || [ ! -d "$out" ] ||
		{ [ ! -e "$out/NOT-FOR-PRODUCTION.txt" ] && [ -n "$(ls -A "$out")" ]; }; then
		echo "init-dev.sh: $out is not a development PKI made by this script (no NOT-FOR-PRODUCTION.txt); remove it yourself" >&2
		exit 73
	fi
fi

tmp=""
stage=""
cleanup() {
	if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
	if [ -n "$stage" ]; then rm -rf "$stage"; fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

tmp=$(mktemp -d "${TMPDIR:-/tmp}/csgw-init-dev.XXXXXX")
parent=$(dirname "$out")
mkdir -p "$parent"
stage=$(mktemp -d "$parent/.init-dev.XXXXXX")
chmod 700 "$stage"

# quiet CMD...: run CMD; show its chatter only when it fails.
quiet() {
	if ! "$@" >"$tmp/log" 2>&1; then
		cat "$tmp/log" >&2
		echo "init-dev.sh: failed: $*" >&2
		exit 1
	fi
}

# genkey FILE: a new private key, PEM PKCS#8, unencrypted, mode 0600.
genkey() {
	if [ "$rsa" -eq 1 ]; then
		quiet openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$1"
	else
		quiet openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-pkeyopt ec_param_enc:named_curve -out "$1"
	fi
	chmod 600 "$1"
}

serial() {
	echo "0x$(openssl rand -hex 16)"
}

cnf=$top/certs/dev-extensions.cnf

cat >"$stage/NOT-FOR-PRODUCTION.txt" <<'EOF'
THIS PKI IS FOR DEVELOPMENT AND TESTS ONLY, NOT FOR PRODUCTION.

It was made by certs/init-dev.sh.  The CA private key (ca/private/ca.key)
lies next to everything it signed, nothing is protected by a passphrase,
and anyone with a copy of this folder can sign as any party in it.
Never configure a production gateway with these files, and never commit
them.  A production gateway uses keys and certificates issued by the real
CA of the exchange (certs/README.md).
EOF

# The CA: 10 years.
mkdir -p "$stage/ca/private"
genkey "$stage/ca/private/ca.key"
quiet openssl req -x509 -new -config "$cnf" -extensions v3_ca -key "$stage/ca/private/ca.key" \
	-subj "/O=csgw development/CN=csgw DEVELOPMENT CA - NOT FOR PRODUCTION" \
	-days 3650 -sha256 -set_serial "$(serial)" -out "$stage/ca/ca.pem"

# Each party: a signing certificate (825 days), its keys, the CA.
for p in $parties; do
	d=$stage/$p
	mkdir -p "$d/local" "$d/private" "$d/trusted" "$d/partners"
	genkey "$d/private/signing.key"
	quiet openssl req -new -config "$cnf" -key "$d/private/signing.key" \
		-subj "/O=csgw development/OU=$p/CN=csgw dev signing $p" -out "$tmp/$p.csr"
	quiet openssl x509 -req -in "$tmp/$p.csr" -CA "$stage/ca/ca.pem" \
		-CAkey "$stage/ca/private/ca.key" -set_serial "$(serial)" -days 825 -sha256 \
		-extfile "$cnf" -extensions signing -out "$d/local/signing.pem"
	openssl rand -hex 32 >"$d/private/subject.key"
	chmod 600 "$d/private/subject.key"
	quiet ssh-keygen -q -t ed25519 -N '' -C "csgw-dev-$p" -f "$d/private/ssh_ed25519"
	chmod 600 "$d/private/ssh_ed25519"
	cp "$stage/ca/ca.pem" "$d/trusted/ca.pem"
done

# Each party knows the signing certificate of every other one.
for p in $parties; do
	for o in $parties; do
		[ "$o" = "$p" ] || cp "$stage/$o/local/signing.pem" "$stage/$p/partners/$o.pem"
	done
done

if [ -e "$out" ]; then
	rm -rf "$out"
fi
mv "$stage" "$out"
stage=""

if [ "$rsa" -eq 1 ]; then kind="RSA-3072"; else kind="ECDSA P-256"; fi
cat <<EOF
*** FOR DEVELOPMENT AND TESTS ONLY, NOT FOR PRODUCTION ***
Development PKI ($kind) in $out: a test CA and the parties $parties
(see $out/NOT-FOR-PRODUCTION.txt and certs/README.md).
EOF
