#!/usr/bin/env bats
# progress.bats - map, validate and policy apply show their progress on a
# terminal (a pseudo-terminal made by script(1)), nothing otherwise, and
# nothing with --quiet.  send and fetch: transfer.bats.

load helpers
load pki

setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
	# Big enough that the meter redraws with a rate (it waits 0.25 s).
	"$CSGW_TOP/tests/bench/gen-ndnh.sh" 200000 "$BATS_FILE_TMPDIR/big.txt"
}

setup() {
	use_pki
	cd "$BATS_TEST_TMPDIR"
}

# on_terminal FILE COMMAND...: runs COMMAND with its stdin, stdout and
# stderr on a pseudo-terminal; what the terminal got goes to FILE, its exit
# code to $rc.
on_terminal() {
	local out=$1
	shift
	rc=0
	script -qec "$(printf '%q ' "$@")" /dev/null >"$out" || rc=$?
}

# The progress lines in a typescript: each redraw starts with a carriage return.
progress_lines() {
	tr '\r' '\n' <"$1" | grep -E 'MiB of [0-9.]+ MiB \([0-9]+%\)' || true
}

@test "map on a terminal: a line redrawn with bytes, percent, rate and time left; cleared before the summary" {
	on_terminal ts.txt "$CSGW" --environment test map ndnh-report "$BATS_FILE_TMPDIR/big.txt" -o big.xml
	progress_lines ts.txt >lines.txt
	[ "$(wc -l <lines.txt)" -ge 2 ] || { cat -v ts.txt; false; }
	grep -qE 'big.txt: [0-9.]+ MiB of [0-9.]+ MiB \([0-9]+%\), [0-9.]+ [KMG]iB/s, [0-9]+ s left' lines.txt
	# Erased (ESC [ K) before the summary, which stands on a clean line.
	grep -q $'\r\e\\[Kcsgw map: wrote big.xml: ndnh-report batch (family ndnh), 200000 records' ts.txt
	[ -f big.xml ]
}

@test "map without a terminal, or with --quiet: no progress at all" {
	"$CSGW" --environment test map ndnh-report "$BATS_FILE_TMPDIR/big.txt" -o big.xml 2>err.txt
	[ "$(cat err.txt)" = "csgw map: wrote big.xml: ndnh-report batch (family ndnh), 200000 records (W4 200000)" ]
	on_terminal ts.txt "$CSGW" --environment test map --quiet ndnh-report "$BATS_FILE_TMPDIR/big.txt" -o big2.xml
	[ -z "$(progress_lines ts.txt)" ]
	grep -q "csgw map: wrote big2.xml" ts.txt
	on_terminal ts2.txt "$CSGW" --quiet --environment test validate big.xml
	[ -z "$(progress_lines ts2.txt)" ]
	grep -q "valid: big.xml" ts2.txt
}

@test "validate on a terminal: progress; problems reported on lines of their own" {
	"$CSGW" --environment test map ndnh-report "$BATS_FILE_TMPDIR/big.txt" -o big.xml 2>/dev/null
	on_terminal ts.txt "$CSGW" --environment test validate big.xml
	[ "$(progress_lines ts.txt | wc -l)" -ge 1 ] || { cat -v ts.txt; false; }
	grep -q "valid: big.xml: ndnh-report batch" ts.txt
	# A bad record near the end: its report line starts clean, not after a
	# half-drawn progress line.
	sed -i '$!{/<totalCount>/!b};s/<totalCount>200000</<totalCount>200001</' big.xml
	on_terminal bad.txt "$CSGW" --environment test validate big.xml
	grep -q "invalid, 1 problem(s)" bad.txt
	tr '\r' '\n' <bad.txt | grep -E $'^(\e\\[K)?big.xml:[0-9]+: .*totalCount' || { cat -v bad.txt; false; }
}

@test "policy apply on a terminal: progress over the batch, then the counts" {
	"$CSGW" --environment test map ndnh-report "$BATS_FILE_TMPDIR/big.txt" -o big.xml 2>/dev/null
	on_terminal ts.txt "$CSGW" -c "$CA" policy apply big.xml --partner TX --purpose child-support -o out.xml
	[ "$(progress_lines ts.txt | wc -l)" -ge 1 ] || { cat -v ts.txt; false; }
	grep -q "big.xml: 200000 records for TX" ts.txt
	"$CSGW" -c "$CA" policy apply big.xml --partner TX --purpose child-support -o out2.xml >out.txt 2>err.txt || true
	[ ! -s err.txt ] || { cat err.txt; false; }
}
