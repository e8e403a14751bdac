#!/usr/bin/env bats
# hostile.bats - partner XML that csgw must refuse cleanly.
#
# Every case builds its input in a folder of its own, then runs both
# 'csgw validate FILE' and 'csgw unmap FILE -o OUT' (test environment) and
# asserts, for each: exit 65 (66 for a missing file), no crash (exit < 128),
# no timeout, the words that explain the problem on stderr, one line per
# problem, and that unmap left neither OUT nor a temporary '.OUT.*.tmp'.

load helpers

# Seconds a command may take, and the memory it may use (KiB, max RSS).
LIMIT_SECONDS=60
LIMIT_RSS_KIB=100000

setup() {
	cd "$BATS_TEST_TMPDIR"
	mkdir in log
	csgw_test map ndnh-report "$DATA/ndnh-report.txt" -o valid.xml 2>/dev/null
	HOSTILE=$BATS_TEST_TMPDIR/in/batch.xml
	OUT=$BATS_TEST_TMPDIR/in/out.txt
}

# run_csgw NAME SECONDS ARGS...: runs csgw --environment test ARGS under
# 'timeout SECONDS' (and /usr/bin/time when there is one); leaves the exit
# status in log/NAME.rc, the streams in log/NAME.out and log/NAME.err, and
# the max RSS in KiB in log/NAME.rss (empty without /usr/bin/time).
run_csgw() {
	local name=$1 secs=$2 rc=0
	shift 2
	: >"log/$name.rss"
	if [ -x /usr/bin/time ]; then
		timeout "$secs" /usr/bin/time -o "log/$name.time" -f '%M' \
			"$CSGW" --environment test "$@" >"log/$name.out" 2>"log/$name.err" || rc=$?
		tail -n 1 "log/$name.time" 2>/dev/null | grep -E '^[0-9]+$' >"log/$name.rss" || true
	else
		timeout "$secs" "$CSGW" --environment test "$@" \
			>"log/$name.out" 2>"log/$name.err" || rc=$?
	fi
	echo "$rc" >"log/$name.rc"
}

show() {
	local name=$1
	echo "--- csgw $name: exit $(cat "log/$name.rc"), max RSS $(cat "log/$name.rss") KiB"
	echo "--- stdout:"
	head -c 4000 "log/$name.out"
	echo "--- stderr:"
	head -c 4000 "log/$name.err"
}

# Every line on stderr is one problem "FILE:LINE: ...", a line about the
# whole file "FILE: ..." (such as "N more problems not shown"), or csgw's
# closing summary: one line per problem (gateway/core/report.h).
assert_one_line_per_problem() {
	local name=$1 file=$2 bad
	bad=$(awk -v f="$file" '
		index($0, f ":") == 1 && substr($0, length(f) + 2) ~ /^[0-9]+: ./ { next }
		index($0, f ": ") == 1 { next }
		/^csgw (validate|unmap): / { next }
		{ print }' "log/$name.err")
	if [ -n "$bad" ]; then
		show "$name"
		echo "FAIL: csgw $name: stderr lines that are not 'FILE:LINE: problem':"
		echo "$bad"
		return 1
	fi
}

# refused EXPECTED_STATUS SECONDS FILE ERE...: validate and unmap both exit
# with EXPECTED_STATUS within SECONDS, and stderr matches every ERE.
refused() {
	local want=$1 secs=$2 file=$3 cmd rc pattern
	shift 3
	for cmd in validate unmap; do
		if [ "$cmd" = validate ]; then
			run_csgw "$cmd" "$secs" validate "$file"
		else
			run_csgw "$cmd" "$secs" unmap "$file" -o "$OUT"
		fi
		rc=$(cat "log/$cmd.rc")
		if [ "$rc" -eq 124 ]; then
			show "$cmd"
			echo "FAIL: csgw $cmd did not finish within $secs seconds"
			return 1
		fi
		if [ "$rc" -ge 128 ]; then
			show "$cmd"
			echo "FAIL: csgw $cmd crashed (exit $rc)"
			return 1
		fi
		if [ "$rc" -ne "$want" ]; then
			show "$cmd"
			echo "FAIL: csgw $cmd exited $rc; expected $want"
			return 1
		fi
		for pattern in "$@"; do
			if ! grep -Eq -- "$pattern" "log/$cmd.err"; then
				show "$cmd"
				echo "FAIL: csgw $cmd: stderr does not match /$pattern/"
				return 1
			fi
		done
		assert_one_line_per_problem "$cmd" "$file"
	done
	assert_no_output
}

# Nothing but the input is left in its folder: no OUT, no .OUT.*.tmp.
assert_no_output() {
	local left
	left=$(cd "$(dirname "$OUT")" && ls -A | grep -vx -F "$(basename "$HOSTILE")" || true)
	if [ -e "$OUT" ] || [ -n "$left" ]; then
		echo "FAIL: unmap left files next to its input: $left"
		return 1
	fi
}

assert_rss_below_limit() {
	local cmd rss
	if [ ! -x /usr/bin/time ]; then
		echo "# no /usr/bin/time: memory not measured" >&3
		return 0
	fi
	for cmd in validate unmap; do
		rss=$(cat "log/$cmd.rss")
		if [ -z "$rss" ] || [ "$rss" -ge "$LIMIT_RSS_KIB" ]; then
			show "$cmd"
			echo "FAIL: csgw $cmd used ${rss:-an unknown amount of} KiB; limit $LIMIT_RSS_KIB"
			return 1
		fi
	done
}

# Neither stream of either command contains TEXT.
assert_not_in_output() {
	local text=$1 cmd
	for cmd in validate unmap; do
		if grep -F -q -- "$text" "log/$cmd.out" "log/$cmd.err"; then
			show "$cmd"
			echo "FAIL: csgw $cmd printed '$text'"
			return 1
		fi
	done
}

# edit SED-SCRIPT: the valid batch with SED-SCRIPT applied, as the hostile
# input; fails when the script changed nothing.
edit() {
	sed -e "$1" valid.xml >"$HOSTILE"
	if cmp -s valid.xml "$HOSTILE"; then
		echo "FAIL: the edit '$1' changed nothing; the sample changed?"
		return 1
	fi
}

@test "the valid sample itself passes validate and unmap (baseline)" {
	cp valid.xml "$HOSTILE"
	run_csgw validate "$LIMIT_SECONDS" validate "$HOSTILE"
	run_csgw unmap "$LIMIT_SECONDS" unmap "$HOSTILE" -o "$OUT"
	show validate
	show unmap
	[ "$(cat log/validate.rc)" -eq 0 ]
	[ "$(cat log/unmap.rc)" -eq 0 ]
	cmp "$DATA/ndnh-report.txt" "$OUT"
}

@test "truncated XML: a batch cut in the middle of a record" {
	# Up to and including the first record's <lastName> line: <newHire> and
	# the root are never closed.
	local cut
	cut=$(grep -n '<lastName>' valid.xml | head -1 | cut -d: -f1)
	head -n "$cut" valid.xml >"$HOSTILE"
	grep -q '<newHire>' "$HOSTILE"
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" 'not well-formed XML' \
		'([Pp]remature end|truncated|ends before|not a complete|incomplete|unclosed|not closed|never closed)'
}

@test "wrong namespace on the root: names it and lists the known ones" {
	edit 's|xmlns="urn:csgw:ndnh:v1"|xmlns="urn:csgw:ndnh:v9"|'
	local known=() ns
	while read -r ns; do known+=("$ns"); done < <("$CSGW" mapping list | awk '$1 == "namespace" { print $2 }')
	[ "${#known[@]}" -ge 5 ]
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" "namespace 'urn:csgw:ndnh:v9'" "${known[@]}"
}

@test "DOCTYPE with internal entities (billion laughs, 10 x 10): refused for the DOCTYPE, fast, small" {
	local i
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<!DOCTYPE ndnhReportBatch ['
		echo '  <!ENTITY lol0 "lol">'
		for i in 1 2 3 4 5 6 7 8 9; do
			printf '  <!ENTITY lol%d "' "$i"
			for _ in 1 2 3 4 5 6 7 8 9 10; do printf '&lol%d;' $((i - 1)); done
			printf '">\n'
		done
		echo ']>'
		sed -e 1d -e 's|<firstName>PAT</firstName>|<firstName>\&lol9;</firstName>|' valid.xml
	} >"$HOSTILE"
	grep -q '&lol9;</firstName>' "$HOSTILE"
	refused 65 10 "$HOSTILE" 'DOCTYPE is not allowed'
	assert_rss_below_limit
}

@test "external entity naming a local file: refused, and nothing of the file leaks" {
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
		sed -e 1d -e 's|<firstName>PAT</firstName>|<firstName>\&e;</firstName>|' valid.xml
	} >"$HOSTILE"
	grep -q '&e;</firstName>' "$HOSTILE"
	refused 65 10 "$HOSTILE" 'DOCTYPE is not allowed'
	assert_not_in_output 'root:'
}

@test "an entity reference without any DOCTYPE: not well-formed" {
	edit 's|<firstName>PAT</firstName>|<firstName>\&e;</firstName>|'
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" 'not well-formed XML' "[Ee]ntity 'e'"
}

@test "a 100 MB text node inside a field: refused, in small memory" {
	# Streamed to the file; never held in the shell.
	local line
	line=$(grep -n '<firstName>PAT</firstName>' valid.xml | head -1 | cut -d: -f1)
	{
		head -n $((line - 1)) valid.xml
		printf '    <firstName>'
		head -c 104857600 /dev/zero | tr '\0' 'A'
		printf '</firstName>\n'
		tail -n +$((line + 1)) valid.xml
	} >"$HOSTILE"
	[ "$(stat -c %s "$HOSTILE")" -gt 104857600 ]
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" 'text .*longer than'
	assert_rss_below_limit
}

@test "elements nested 10,000 deep inside a record: refused" {
	local line
	line=$(grep -n '<ssn>' valid.xml | head -1 | cut -d: -f1)
	{
		head -n "$line" valid.xml
		yes '<d>' | head -n 10000 | tr -d '\n'
		yes '</d>' | head -n 10000 | tr -d '\n'
		echo
		tail -n +$((line + 1)) valid.xml
	} >"$HOSTILE"
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" 'nest deeper'
}

@test "invalid UTF-8 bytes inside a field value: refused" {
	# 0xC3 followed by '(' is no UTF-8 sequence.
	edit 's|<firstName>PAT</firstName>|<firstName>P\xc3(T</firstName>|'
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" 'not well-formed XML' 'UTF-8'
}

@test "an unknown element inside a record: names it and the record" {
	edit 's|<middleName>J</middleName>|&<shoeSize>9</shoeSize>|'
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" \
		'record 1 \(newHire\): unexpected element <shoeSize>; expected <lastName>'
}

@test "an attribute on a record element: refused" {
	edit '0,/<newHire>/s|<newHire>|<newHire id="1">|'
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" "<newHire>: attribute 'id' is not allowed"
}

@test "text directly inside the batch root: refused" {
	edit '0,/<\/newHire>/s|</newHire>|&hello|'
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" 'text is not allowed directly inside <ndnhReportBatch>'
}

@test "a second header: refused" {
	# The header block, once more, right after the first one.
	sed -n '/<header>/,/<\/header>/p' valid.xml >header.xml
	sed -e '/<\/header>/r header.xml' valid.xml >"$HOSTILE"
	[ "$(grep -c '<header>' "$HOSTILE")" -eq 2 ]
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" 'unexpected element <header>'
}

@test "a record after the trailer: refused" {
	# The last data record, once more, after the trailer.
	sed -n '/<unemployment>/,/<\/unemployment>/p' valid.xml >record.xml
	sed -e '/<\/trailer>/r record.xml' valid.xml >"$HOSTILE"
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" '<unemployment> after the trailer'
}

@test "a missing trailer: refused" {
	edit '/<trailer>/,/<\/trailer>/d'
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" 'missing <trailer>'
}

@test "a missing required field: named, and no present field called missing" {
	# The first record loses <lastName>; its <city> (also required) is there.
	edit '0,/<lastName>/{/<lastName>/d}'
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" 'record 1 \(newHire\): missing required field <lastName>'
	local cmd
	for cmd in validate unmap; do
		if grep -q 'missing required field <city>' "log/$cmd.err"; then
			show "$cmd"
			echo "FAIL: csgw $cmd says <city> is missing; the record has it"
			return 1
		fi
	done
}

@test "a trailer count that does not match: names the field and both numbers" {
	edit 's|<w4Count>2</w4Count>|<w4Count>3</w4Count>|'
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" 'field w4Count says 3; the batch holds 2'
}

@test "a file that does not exist: exit 66" {
	refused 66 "$LIMIT_SECONDS" "$HOSTILE" 'cannot open' 'No such file'
}

@test "an invalid SSN is reported masked and never in full" {
	# Serial 0000 is never issued; the area (900) is test data.
	edit 's|<ssn>907112233</ssn>|<ssn>900120000</ssn>|'
	refused 65 "$LIMIT_SECONDS" "$HOSTILE" \
		"record 1 \(newHire\): field ssn: value '\*\*\*-\*\*-0000' is not a valid SSN: serial 0000"
	assert_not_in_output '900120000'
}
