#!/bin/sh
# sign.sh - 'make bench', signing part: csgw sign and verify against the
# openssl command line on the same files, same run.
#
# usage: tests/bench/sign.sh BUILD_DIR [SCRATCH_DIR]
#
# Files of 100 MiB and 1 GiB (random bytes). Each command runs 3 times
# under GNU time; the fastest run counts (the file is in the page cache
# after the first). Floors:
#   openssl cms -sign -binary -stream -outform DER   (the issue's floor; in
#       OpenSSL 3.0 -stream with DER output embeds the content, so it also
#       writes a copy of the file)
#   openssl cms -sign -binary -outform DER           (detached, like csgw)
#   openssl cms -verify -binary -content FILE
# Targets: csgw within 1.2x of openssl's time for sign and verify; peak RSS
# under 32 MiB, and the same at 100 MiB and 1 GiB. The script measures; a
# missed target is reported, not fatal.
set -eu

die() {
	echo "bench-sign: $*" >&2
	exit 1
}

[ $# -ge 1 ] || die "usage: tests/bench/sign.sh BUILD_DIR [SCRATCH_DIR]"
case "$1" in
/*) build=$1 ;;
*) build=$(pwd)/$1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
csgw=$build/csgw
out=${2:-$top/bench-out}/sign
[ -x "$csgw" ] || die "$csgw not found; run 'make' first"
command -v openssl >/dev/null || die "openssl missing (Debian package openssl)"
rm -rf "$out"
mkdir -p "$out/logs"

"$top/certs/init-dev.sh" "$out/pki" >/dev/null || die "FAILED: certs/init-dev.sh"
cert=$out/pki/ca06/local/signing.pem
key=$out/pki/ca06/private/signing.key
cafile=$out/pki/ca06/trusted/ca.pem

results=$out/results.txt
: >"$results"
# run LABEL MiB CMD...: fastest of 3; appends "MiB LABEL seconds KiB".
run() {
	label=$1 mib=$2
	shift 2
	best=""
	best_kib=0
	for i in 1 2 3; do
		tf=$out/logs/$mib-$label.$i.time
		if ! /usr/bin/time -f '%e %M' -o "$tf" "$@" >"$out/logs/$mib-$label.log" 2>&1; then
			cat "$out/logs/$mib-$label.log" >&2
			die "FAILED: $*"
		fi
		last=$(tail -n 1 "$tf")
		s=${last% *} k=${last#* }
		if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$s
		fi
		[ "$k" -gt "$best_kib" ] && best_kib=$k
	done
	printf 'bench-sign: %5s MiB %-22s %6.2f s  %6.1f MiB RSS\n' "$mib" "$label" "$best" \
		"$(awk -v k="$best_kib" 'BEGIN { print k / 1024 }')"
	echo "$mib $label $best $best_kib" >>"$results"
}

for mib in 100 1024; do
	f=$out/data-$mib.bin
	head -c "$((mib * 1024 * 1024))" /dev/urandom >"$f"
	cat "$f" >/dev/null
	run csgw-sign "$mib" "$csgw" sign --cert "$cert" --key "$key" "$f"
	run csgw-verify "$mib" "$csgw" verify --ca-bundle "$cafile" "$f"
	run openssl-sign-stream "$mib" openssl cms -sign -binary -stream -outform DER -md sha256 \
		-signer "$cert" -inkey "$key" -in "$f" -out "$f.openssl-stream.p7s"
	run openssl-sign "$mib" openssl cms -sign -binary -outform DER -md sha256 \
		-signer "$cert" -inkey "$key" -in "$f" -out "$f.openssl.p7s"
	run openssl-verify "$mib" openssl cms -verify -binary -inform DER -content "$f" \
		-in "$f.p7s" -CAfile "$cafile" -purpose any -out /dev/null
	# The figures mean nothing unless the signatures are good both ways.
	"$csgw" verify --ca-bundle "$cafile" --signature "$f.openssl.p7s" "$f" >/dev/null ||
		die "FAILED: csgw does not verify openssl's signature"
	grep -q 'good signature' "$out/logs/$mib-csgw-verify.log" ||
		die "FAILED: csgw verify did not say 'good signature'"
	grep -q 'Verification successful' "$out/logs/$mib-openssl-verify.log" ||
		die "FAILED: openssl did not verify csgw's signature"
	rm -f "$f" "$f".*
done

echo
awk '
	{ sec[$1, $2] = $3; kib[$1, $2] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
	function verdict(ok) { return ok ? "PASS" : "MISS" }
	function ratio(name, a, b, target) {
		if (b <= 0) { printf "  %-48s   n/a\n", name; return }
		printf "  %-48s %6.2f   target <= %-4s %s\n", name, a / b, target, verdict(a / b <= target)
	}
	END {
		printf "signing (fastest of 3 runs; MB/s = 10^6 bytes per second)\n"
		printf "%8s  %-22s %8s %8s %13s\n", "MiB", "command", "seconds", "MB/s", "peak RSS MiB"
		split("csgw-sign openssl-sign-stream openssl-sign csgw-verify openssl-verify", labels, " ")
		for (i = 1; i <= n; i++) {
			m = order[i]
			for (j = 1; j <= 5; j++) {
				l = labels[j]; s = sec[m, l]
				printf "%8s  %-22s %8.2f %8s %13.1f\n", m, l, s, (s > 0 ? sprintf("%.0f", m * 1048576 / 1e6 / s) : "inf"), kib[m, l] / 1024
			}
			print ""
		}
		for (i = 1; i <= n; i++) {
			m = order[i]
			printf "targets at %s MiB:\n", m
			ratio("csgw sign / openssl cms -sign -stream (time)", sec[m, "csgw-sign"], sec[m, "openssl-sign-stream"], "1.2")
			ratio("csgw sign / openssl cms -sign, detached (time)", sec[m, "csgw-sign"], sec[m, "openssl-sign"], "1.2")
			ratio("csgw verify / openssl cms -verify (time)", sec[m, "csgw-verify"], sec[m, "openssl-verify"], "1.2")
			for (k = 1; k <= 2; k++) {
				l = k == 1 ? "csgw-sign" : "csgw-verify"
				r = kib[m, l] / 1024
				printf "  %-48s %6.1f   target <  32   %s\n", l " peak RSS (MiB)", r, verdict(r < 32)
			}
		}
		if (n >= 2) {
			printf "flat memory (%s MiB vs %s MiB):\n", order[n], order[1]
			ratio("csgw sign RSS ratio", kib[order[n], "csgw-sign"], kib[order[1], "csgw-sign"], "1.1")
			ratio("csgw verify RSS ratio", kib[order[n], "csgw-verify"], kib[order[1], "csgw-verify"], "1.1")
		}
	}' "$results" | tee "$out/report.txt"
