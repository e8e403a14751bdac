#!/bin/sh
# run.sh - build the libFuzzer targets and run each for a bounded time.
#
# usage: tests/fuzz/run.sh [SECONDS]   (default 30 per target)
# Seeds: the sample extracts (map), their XML batches (validate),
# signatures by csgw and openssl over a fixed file (signature), and
# control socket requests (control).
# A crash, leak or sanitizer report fails the run and keeps the input.
set -eu
seconds=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build-fuzz"
cd "$top"
export CSGW_MAPPINGS="$top/mappings"

flags="-g -O1 -std=c11 -D_GNU_SOURCE -Igateway -Itests/fuzz $(pkg-config --cflags libxml-2.0)"
libs="$(pkg-config --libs libxml-2.0 libcrypto libssh2 sqlite3 inih)"
mkdir -p "$out/obj" "$out/seed-map" "$out/seed-validate" "$out/seed-signature" \
	"$out/seed-control" "$out/crashes"
# shellcheck disable=SC2086 # $flags and $libs are option lists: split them
for src in gateway/util/*.c gateway/io/*.c gateway/core/*.c tests/fuzz/fuzz_common.c; do
	obj="$out/obj/$(echo "$src" | tr / _).o"
	clang $flags -fsanitize=fuzzer-no-link,address,undefined -c -o "$obj" "$src"
done
# shellcheck disable=SC2086
for target in validate map signature control; do
	clang $flags -fsanitize=fuzzer,address,undefined -o "$out/fuzz_$target" \
		"tests/fuzz/fuzz_$target.c" "$out"/obj/*.o $libs
done

# Seeds: byte 0 of a map seed picks the batch type (any value works).
i=0
for f in tests/data/*.txt; do
	# shellcheck disable=SC2059 # the format is the octal escape of byte i
	{ printf "\\$(printf '%03o' "$i")"; cat "$f"; } >"$out/seed-map/$(basename "$f")"
	build/csgw --environment test map "$(basename "$f" .txt)" "$f" \
		-o "$out/seed-validate/$(basename "$f" .txt).xml" 2>/dev/null
	i=$((i + 1))
done

# The signature target trusts a development CA and checks a fixed file.
rm -rf "$out/pki"
certs/init-dev.sh "$out/pki" >/dev/null
export CSGW_FUZZ_PKI="$out/pki"
cp tests/data/receipt.txt "$out/pki/content.txt"
p=$out/pki/ca06
build/csgw sign --cert "$p/local/signing.pem" --key "$p/private/signing.key" \
	"$out/pki/content.txt" >/dev/null
mv "$out/pki/content.txt.p7s" "$out/seed-signature/csgw.p7s"
for opts in "" "-noattr" "-nocerts" "-md sha384"; do
	# shellcheck disable=SC2086 # $opts is an option list
	openssl cms -sign -binary -outform DER $opts -signer "$p/local/signing.pem" \
		-inkey "$p/private/signing.key" -in "$out/pki/content.txt" \
		-out "$out/seed-signature/openssl$(echo "$opts" | tr -d ' ').p7s"
done

# Control requests as csgw sends them, and the shapes a person might try.
printf 'csgw-control 1 2 0\nlocate\000list\000' >"$out/seed-control/list"
printf 'csgw-control 1 3 1\nrefer\000--case\000a.xml\0002\000' >"$out/seed-control/file"
printf 'csgw-control 1 1 0\nstatus\000' >"$out/seed-control/status"

rc=0
for target in validate map signature control; do
	echo "fuzz_$target: ${seconds}s"
	if ! "$out/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
		-rss_limit_mb=512 -artifact_prefix="$out/crashes/$target-" -print_final_stats=0 \
		"$out/seed-$target" >"$out/fuzz_$target.log" 2>&1; then
		tail -40 "$out/fuzz_$target.log"
		echo "not ok - fuzz_$target found a failure (input in $out/crashes)"
		rc=1
	else
		echo "ok - fuzz_$target: $(grep -c 'NEW' "$out/fuzz_$target.log") new coverage inputs, no failure"
	fi
done
exit "$rc"
