#!/usr/bin/env bats
# man.bats - the manual pages in doc/: clean under mandoc's lint, and in
# step with the binary (the keys check-config accepts, the commands --help
# lists, the environment variables the code reads).

load helpers

DOC="$CSGW_TOP/doc"
PAGES="csgw.8 gateway.conf.5 csgw-policy.5 csgw-mappings.5"

# The items of the top-level lists of a page (nested lists are skipped):
# "SECTION KEY" for each '.It Cm KEY' under '.Ss [SECTION ...]' of
# gateway.conf.5; sorted.
doc_keys() {
	awk '
		/^\.Bl/ { depth++ }
		/^\.El/ { depth-- }
		/^\.S[hs] / { sec = "" }
		/^\.Ss \[/ { sec = $2; gsub(/[][]/, "", sec) }
		sec != "" && depth == 1 && /^\.It Cm / { print sec, $3 }
	' "$DOC/gateway.conf.5" | sort
}

# The commands documented under COMMANDS of csgw.8: the first word of each
# item, '.It Cm NAME' or '.It Xo' then '.Cm NAME'; sorted, once each.
doc_commands() {
	awk '
		/^\.Sh / { cmds = ($2 == "COMMANDS"); depth = 0 }
		!cmds { next }
		/^\.Bl/ { depth++ }
		/^\.El/ { depth-- }
		depth != 1 { next }
		/^\.It Cm / { print $3; xo = 0; next }
		/^\.It Xo/ { xo = 1; next }
		xo && /^\.Cm / { print $2; xo = 0 }
	' "$DOC/csgw.8" | sort -u
}

# The commands 'csgw --help' lists; sorted.
help_commands() {
	"$CSGW" --help | awk '/^commands:/ { c = 1; next } c && /^$/ { c = 0 } c { print $1 }' | sort
}

# Lines only in $1 ("<") or only in $2 (">"); nothing when the sets agree.
difference() {
	comm -3 <(echo "$1") <(echo "$2") | sed -e 's/^\t/> /' -e 's/^\([^>]\)/< \1/'
}

@test "every page is clean under mandoc -T lint -W warning" {
	local p n=0
	for p in $PAGES; do
		[ -f "$DOC/$p" ] || { echo "missing: doc/$p"; return 1; }
	done
	for p in "$DOC"/*.[58]; do
		run mandoc -T lint -W warning "$p"
		echo "$output"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		n=$((n + 1))
	done
	[ "$n" -ge 4 ]
}

@test "check-config --keys needs no configuration file and prints SECTION KEY lines" {
	cd "$BATS_TEST_TMPDIR"
	CSGW_CONF=/nonexistent/gateway.conf run "$CSGW" check-config --keys
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 40 ]
	[ -z "$(printf '%s\n' "${lines[@]}" | grep -Ev '^(gateway|roles|partner) [a-z_]+$')" ]
	[[ "$output" == *"gateway control_socket"* ]]
	[[ "$output" == *"roles order_required"* ]]
	[[ "$output" == *"partner host_fingerprint"* ]]
	run "$CSGW" check-config --help
	[[ "$output" == *"--keys"* ]]
}

@test "gateway.conf.5 documents exactly the keys check-config accepts" {
	local documented accepted
	documented=$(doc_keys)
	accepted=$("$CSGW" check-config --keys | sort)
	[ -n "$accepted" ]
	echo "< only in doc/gateway.conf.5, > only in csgw check-config --keys:"
	difference "$documented" "$accepted"
	[ "$documented" = "$accepted" ]
}

@test "csgw.8 documents exactly the commands csgw --help lists" {
	local documented listed
	documented=$(doc_commands)
	listed=$(help_commands)
	[ "$(echo "$listed" | wc -l)" -ge 20 ]
	echo "< only in doc/csgw.8, > only in csgw --help:"
	difference "$documented" "$listed"
	[ "$documented" = "$listed" ]
}

@test "csgw.8 documents every environment variable the code reads" {
	local v missing=""
	for v in $(grep -rhoE 'getenv\("[A-Za-z_]+"\)' "$CSGW_TOP/gateway" | sed -E 's/getenv\("(.*)"\)/\1/' | sort -u); do
		grep -q "^\.It Ev $v\$" "$DOC/csgw.8" || missing="$missing $v"
	done
	echo "not under ENVIRONMENT in doc/csgw.8:$missing"
	[ -z "$missing" ]
}

@test "the pages render: csgw.8 with its sections, exit codes and files" {
	local p out codes
	for p in $PAGES; do
		out=$(mandoc -T utf8 "$DOC/$p" | col -bx)
		[[ "$out" == *NAME*DESCRIPTION*"SEE ALSO"* ]] || { echo "$p: $out"; return 1; }
	done
	out=$(mandoc -T utf8 "$DOC/csgw.8" | col -bx)
	for s in SYNOPSIS COMMANDS ENVIRONMENT FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		echo "$out" | grep -qx "$s" || { echo "no section $s"; return 1; }
	done
	# Each sysexits code of README, as an item of EXIT STATUS.
	codes=$(echo "$out" | sed -n '/^EXIT STATUS$/,/^[A-Z]/p' | grep -oE '^     [0-9]+' | tr -d ' ' | tr '\n' ' ')
	[ "$codes" = "0 1 64 65 66 69 73 74 75 77 78 " ] || { echo "exit codes: $codes"; return 1; }
	for f in /etc/csgw/gateway.conf /var/lib/csgw /var/spool/csgw /run/csgw/control.sock /usr/share/csgw/mappings; do
		echo "$out" | sed -n '/^FILES$/,/^[A-Z]/p' | grep -q "^     $f\$" || { echo "FILES lacks $f"; return 1; }
	done
	for v in CSGW_CONF JOURNAL_STREAM; do
		echo "$out" | sed -n '/^ENVIRONMENT$/,/^[A-Z]/p' | grep -q "^     $v\$" || { echo "ENVIRONMENT lacks $v"; return 1; }
	done
	for x in gateway.conf csgw-policy csgw-mappings; do
		[[ "$out" == *"$x(5)"* ]] || { echo "SEE ALSO lacks $x(5)"; return 1; }
	done
	# The journal priorities, as sd-daemon writes them.
	for p in "<3>" "<4>" "<5>" "<6>"; do
		[[ "$out" == *"$p"* ]] || { echo "no priority $p"; return 1; }
	done
}

@test "man -l renders every page through groff without a warning (as lintian checks)" {
	local p warnings out
	for p in $PAGES; do
		warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
			man --warnings -E UTF-8 -l -Tutf8 -Z "$DOC/$p" 2>&1 >/dev/null)
		[ -z "$warnings" ] || { echo "$p: $warnings"; return 1; }
	done
	out=$(MANWIDTH=80 MANPAGER=cat man -l "$DOC/csgw.8" | col -bx)
	[[ "$out" == *"EXIT STATUS"*"SEE ALSO"* ]] || { echo "$out"; return 1; }
	[[ "$out" == *"check-config [--keys]"* ]] || { echo "$out"; return 1; }
}
