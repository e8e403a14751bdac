#!/bin/sh
# run.sh - build the libFuzzer targets and run each for a bounded time.
#
# usage: tests/fuzz/run.sh [--keep] [SECONDS]   (default 30 per target)
# Each target starts from its kept corpus, tests/fuzz/corpus/TARGET/
# (committed), and from seeds made here: the sample extracts (map), their
# XML batches (validate), signatures by csgw and openssl over a fixed file
# (signature), control socket requests (control), and the sandboxed
# parser's answers about those batches (answer).  What finds new
# coverage goes to build-fuzz/new-TARGET/, emptied each run (make fuzz);
# with --keep, into the kept corpus itself (make fuzz-long), which then
# grows: see what git status shows and commit what is worth keeping.  To
# cut a grown corpus to the inputs that add coverage, from the top folder
# after a run (the signature target trusts the PKI made here):
#   mkdir cut && CSGW_FUZZ_PKI=build-fuzz/pki \
#     build-fuzz/fuzz_TARGET -merge=1 cut tests/fuzz/corpus/TARGET
# then put cut's files in place of tests/fuzz/corpus/TARGET's.  The kept
# signatures are by a throwaway development PKI: they reach the parser and
# the chain check; the seeds made here also reach a good signature.
# csgw makes the seeds: $CSGW, else build/csgw.
# A crash, leak or sanitizer report fails the run and keeps the input.
set -eu
keep=false
if [ "${1:-}" = --keep ]; then
	keep=true
	shift
fi
seconds=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build-fuzz"
cd "$top"
export CSGW_MAPPINGS="$top/mappings"
csgw=${CSGW:-build/csgw}
# The libraries the Makefile links (its PKGS line).
pkgs=$(sed -n 's/^PKGS = //p' Makefile)

# shellcheck disable=SC2086 # $pkgs is a list of names
flags="-g -O1 -std=c11 -D_GNU_SOURCE -Igateway -Itests/fuzz $(pkg-config --cflags $pkgs)"
# shellcheck disable=SC2086
libs="$(pkg-config --libs $pkgs)"
# A fresh object folder: an object of a source since removed would be linked.
rm -rf "$out/obj"
mkdir -p "$out/obj" "$out/seed-map" "$out/seed-validate" "$out/seed-signature" \
	"$out/seed-control" "$out/seed-answer" "$out/crashes"
# shellcheck disable=SC2086 # $flags and $libs are option lists: split them
for src in gateway/util/*.c gateway/io/*.c gateway/core/*.c tests/fuzz/fuzz_common.c; do
	obj="$out/obj/$(echo "$src" | tr / _).o"
	clang $flags -fsanitize=fuzzer-no-link,address,undefined -c -o "$obj" "$src"
done
# shellcheck disable=SC2086
for target in validate map signature control answer; do
	clang $flags -fsanitize=fuzzer,address,undefined -o "$out/fuzz_$target" \
		"tests/fuzz/fuzz_$target.c" "$out"/obj/*.o $libs
done

# Seeds: byte 0 of a map seed picks the batch type (any value works).
i=0
for f in tests/data/*.txt; do
	# shellcheck disable=SC2059 # the format is the octal escape of byte i
	{ printf "\\$(printf '%03o' "$i")"; cat "$f"; } >"$out/seed-map/$(basename "$f")"
	"$csgw" --environment test map "$(basename "$f" .txt)" "$f" \
		-o "$out/seed-validate/$(basename "$f" .txt).xml" 2>/dev/null
	i=$((i + 1))
done

# What the sandboxed parser answers the daemon, for good batches and bad.
printf '<?xml version="1.0"?>\n<notABatch/>\n' >"$out/seed-answer.xml"
for f in "$out"/seed-validate/*.xml "$out/seed-answer.xml"; do
	name=$(basename "$f" .xml)
	"$csgw" --mappings mappings --environment test parse-child "$name.xml" 0 0 20 \
		<"$f" >"$out/seed-answer/$name"
done

# The signature target trusts a development CA and checks a fixed file.
rm -rf "$out/pki"
certs/init-dev.sh "$out/pki" >/dev/null
export CSGW_FUZZ_PKI="$out/pki"
cp tests/data/receipt.txt "$out/pki/content.txt"
p=$out/pki/ca06
"$csgw" sign --cert "$p/local/signing.pem" --key "$p/private/signing.key" \
	"$out/pki/content.txt" >/dev/null
mv "$out/pki/content.txt.p7s" "$out/seed-signature/csgw.p7s"
for opts in "" "-noattr" "-nocerts" "-md sha384"; do
	# shellcheck disable=SC2086 # $opts is an option list
	openssl cms -sign -binary -outform DER $opts -signer "$p/local/signing.pem" \
		-inkey "$p/private/signing.key" -in "$out/pki/content.txt" \
		-out "$out/seed-signature/openssl$(echo "$opts" | tr -d ' ').p7s"
done

# What the signature checker answers the daemon, for each of those (good,
# and refused by the partner's certificate).
for sig in "$out"/seed-signature/*.p7s; do
	name=$(basename "$sig" .p7s)
	for cert in "" "$out/pki/tx48/local/signing.pem"; do
		answer=$out/seed-answer/verdict-$name${cert:+-refused}
		"$csgw" --environment test verify-child "$out/pki/ca/ca.pem" "$cert" "" \
			"$name.p7s" content.txt <"$sig" 3<"$out/pki/content.txt" >"$answer" || true
	done
done

# Control requests as csgw sends them, and the shapes a person might try.
printf 'csgw-control 1 2 0\nlocate\000list\000' >"$out/seed-control/list"
printf 'csgw-control 1 3 1\nrefer\000--case\000a.xml\0002\000' >"$out/seed-control/file"
printf 'csgw-control 1 1 0\nstatus\000' >"$out/seed-control/status"

rc=0
for target in validate map signature control answer; do
	corpus=tests/fuzz/corpus/$target
	mkdir -p "$corpus"
	before=$(find "$corpus" -type f | wc -l)
	# libFuzzer writes what it finds into the first folder and only reads
	# the others.
	if $keep; then
		dirs="$corpus $out/seed-$target"
	else
		rm -rf "$out/new-$target"
		mkdir -p "$out/new-$target"
		dirs="$out/new-$target $corpus $out/seed-$target"
	fi
	echo "fuzz_$target: ${seconds}s"
	# shellcheck disable=SC2086 # $dirs is a list of folders
	if ! "$out/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
		-rss_limit_mb=512 -artifact_prefix="$out/crashes/$target-" -print_final_stats=0 \
		$dirs >"$out/fuzz_$target.log" 2>&1; then
		tail -40 "$out/fuzz_$target.log"
		echo "not ok - fuzz_$target found a failure (input in $out/crashes)"
		rc=1
	else
		echo "ok - fuzz_$target: $(grep -c 'NEW' "$out/fuzz_$target.log") new coverage inputs, no failure"
	fi
	if $keep; then
		echo "  $corpus: $before -> $(find "$corpus" -type f | wc -l) files"
	fi
done
exit "$rc"
