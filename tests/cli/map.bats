#!/usr/bin/env bats
# map.bats - csgw map and unmap: good extracts round-trip, bad ones are
# refused with the line, field, value and rule, and nothing is written.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp "$DATA/ndnh-report.txt" in.txt
	W4=$(line_of in.txt W4)
}

# Runs map on in.txt, expects exit 65, the message, and no output.
refused_with() {
	run csgw_test map ndnh-report in.txt -o out.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"$1"* ]]
	assert_nothing_written . out.xml
}

@test "every sample extract maps, validates with xmllint, and unmaps byte for byte" {
	for f in "$DATA"/*.txt; do
		t=$(basename "$f" .txt)
		csgw_test map "$t" "$f" -o "$t.xml"
		"$CSGW" mapping xsd "${t%%-*}" >"$t.xsd"
		xmllint --noout --schema "$t.xsd" "$t.xml"
		csgw_test validate "$t.xml"
		csgw_test unmap "$t.xml" -o "$t.back"
		cmp "$f" "$t.back"
	done
}

@test "map prints what it wrote, with the counts per record" {
	run csgw_test map ndnh-report in.txt -o out.xml
	[ "$status" -eq 0 ]
	[[ "$output" == *"wrote out.xml: ndnh-report batch (family ndnh), 5 records (W4 2, QW 2, UI 1)"* ]]
}

@test "map defaults the output to the input name with .xml" {
	csgw_test map ndnh-report in.txt
	[ -s in.xml ]
}

@test "wrong record length names the line, the length expected" {
	set_field in.txt "$W4" 500 "XYZ"
	refused_with "in.txt:$W4: record 1 (newHire): is 502 characters long; expected 500 (record W4)"
}

@test "unknown record id lists what was expected" {
	set_field in.txt "$W4" 1 "ZZ"
	refused_with "in.txt:$W4: unknown record id 'ZZ' here; expected W4 QW UI or trailer T4"
}

@test "non-numeric SSN: masked value and the rule" {
	set_field in.txt "$W4" 3 "90012345X"
	refused_with "field ssn (positions 3-11): value '***-**-345X' is not a valid SSN: must be 9 digits"
	[[ "$output" != *90012345X* ]]
}

@test "structurally invalid SSNs: area 666, group 00, serial 0000" {
	set_field in.txt "$W4" 3 "666123456"
	refused_with "value '***-**-3456' is not a valid SSN: area 666 is never issued"
	cp "$DATA/ndnh-report.txt" in.txt
	set_field in.txt "$W4" 3 "900003456"
	refused_with "group 00 is never issued"
	cp "$DATA/ndnh-report.txt" in.txt
	set_field in.txt "$W4" 3 "900120000"
	refused_with "serial 0000 is never issued"
}

@test "SSN area 900-999 is test data: refused in production" {
	run "$CSGW" --environment production map ndnh-report in.txt -o out.xml
	[ "$status" -eq 65 ]
	[[ "$output" == *"area 900-999 is never issued (allowed only with environment = test)"* ]]
	assert_nothing_written . out.xml
}

@test "impossible date" {
	set_field in.txt "$W4" 272 "20230229"
	refused_with "field dateOfBirth (positions 272-279): value '20230229' is not a real date; expected CCYYMMDD"
}

@test "unknown code" {
	set_field in.txt "$W4" 219 "QQ"
	refused_with "field state (positions 219-220): value 'QQ' is not a code of list 'usps-state'"
}

@test "lower case and leading spaces in text" {
	set_field in.txt "$W4" 12 "John"
	refused_with "field firstName (positions 12-27): value 'John"
	[[ "$output" == *"has lower case; expected upper case"* ]]
	cp "$DATA/ndnh-report.txt" in.txt
	set_field in.txt "$W4" 44 " "
	refused_with "field lastName (positions 44-73)"
	[[ "$output" == *"starts with a space; expected left-justified text"* ]]
}

@test "trailer count mismatch" {
	t=$(line_of in.txt T4)
	sed -i "${W4}d" in.txt # one W4 fewer, trailer unchanged
	t=$((t - 1))
	refused_with "in.txt:$t: trailer: field w4Count says 2; the batch has 1"
}

@test "missing header, missing trailer, record after the trailer" {
	sed -i 1d in.txt
	refused_with "in.txt:1: missing header: the first record is 'W4'; expected header H4"
	cp "$DATA/ndnh-report.txt" in.txt
	sed -i '$d' in.txt
	refused_with "missing trailer: the file ends without a T4 record"
	cp "$DATA/ndnh-report.txt" in.txt
	sed -n "${W4}p" in.txt >>in.txt
	refused_with "record 'W4' after the trailer; expected the end of the file"
}

@test "DOS line ends are named" {
	sed -i 's/$/\r/' in.txt
	refused_with "in.txt:1: line ends with CR (a DOS line end); expected LF only"
}

@test "every bad record is reported, not just the first" {
	set_field in.txt "$W4" 272 "20230229"
	q=$(line_of in.txt QW)
	set_field in.txt "$q" 3 "666123456"
	run csgw_test map ndnh-report in.txt -o out.xml
	[ "$status" -eq 65 ]
	[[ "$output" == *"in.txt:$W4:"* ]]
	[[ "$output" == *"in.txt:$q:"* ]]
	[[ "$output" == *"2 problem(s); nothing written"* ]]
}

@test "an existing output is left as it was when the input is bad" {
	echo "previous" >out.xml
	set_field in.txt "$W4" 3 "666123456"
	run csgw_test map ndnh-report in.txt -o out.xml
	[ "$status" -eq 65 ]
	[ "$(cat out.xml)" = previous ]
}

@test "a binary file with a huge line is refused without reading it into memory" {
	head -c 50000000 /dev/zero >in.txt
	run timeout 60 /usr/bin/time -f 'maxrss %M' "$CSGW" --environment test map ndnh-report in.txt -o out.xml
	echo "$output"
	[ "$status" -eq 65 ]
	rss=$(echo "$output" | sed -n 's/^maxrss //p')
	[ "$rss" -lt 50000 ]
	assert_nothing_written . out.xml
}

@test "unknown TYPE lists the batch types; missing input is exit 66" {
	run csgw_test map nosuch in.txt
	[ "$status" -eq 64 ]
	[[ "$output" == *"unknown TYPE 'nosuch'; expected one of: fcr-input fcr-output"* ]]
	run csgw_test map ndnh-report missing.txt -o out.xml
	[ "$status" -eq 66 ]
	[[ "$output" == *"missing.txt: cannot open: No such file or directory"* ]]
}

@test "an output folder that does not exist is an I/O error, exit 74" {
	run csgw_test map ndnh-report in.txt -o nodir/out.xml
	[ "$status" -eq 74 ]
	[[ "$output" == *"nodir/out.xml: cannot create the output"* ]]
}

@test "unmap refuses a batch with a bad value and writes nothing" {
	csgw_test map ndnh-report in.txt -o good.xml
	sed 's|<dateOfBirth>\([0-9-]*\)</dateOfBirth>|<dateOfBirth>2023-02-29</dateOfBirth>|' good.xml >bad.xml
	run csgw_test unmap bad.xml -o back.txt
	[ "$status" -eq 65 ]
	[[ "$output" == *"bad.xml:"*"record 1 (newHire): field dateOfBirth: value '2023-02-29' is not a real date; expected CCYY-MM-DD"* ]]
	assert_nothing_written . back.txt
}

@test "map and unmap work through pipes ('-')" {
	csgw_test map ndnh-report - -o - <in.txt >piped.xml
	csgw_test unmap - -o - <piped.xml >back.txt
	cmp in.txt back.txt
}

@test "NUL bytes inside records are refused by field, not a crash" {
	t=$(line_of in.txt T4)
	# Put NUL bytes into the trailer's filler and a W4 name.
	awk -v t="$t" -v w="$W4" 'NR == t || NR == w { $0 = substr($0, 1, 60) "\001\001" substr($0, 63) } { print }' in.txt |
		sed 's/\x01/\x00/g' >nul.txt
	[ "$(wc -c <nul.txt)" -eq "$(wc -c <in.txt)" ]
	run csgw_test map ndnh-report nul.txt -o out.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"nul.txt:$W4: record 1 (newHire): field lastName (positions 44-73): value '"*'\x00\x00'*"has a control or non-ASCII byte outside charset name"* ]]
	[[ "$output" == *"nul.txt:$t: trailer: field filler"* ]]
	assert_nothing_written . out.xml
}

@test "a transaction's block counts are checked, in map and in validate" {
	cp "$DATA/referral.txt" ref.txt
	set_field ref.txt 2 80 "3" # says 3 participants; it has 2
	run csgw_test map referral ref.txt -o out.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"ref.txt:2: record 1 (transaction): field participantCount says 3; the group has 2"* ]]
	assert_nothing_written . out.xml
	csgw_test map referral "$DATA/referral.txt" -o good.xml
	awk '/<participantCount>2</ && !done { sub(/>2</, ">3<"); done = 1 } { print }' good.xml >bad.xml
	run csgw_test validate bad.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"record 1 (transaction): field participantCount says 3; the record holds 2"* ]]
}

@test "with -o -, a refused input puts nothing on standard output" {
	set_field in.txt "$W4" 3 "666123456"
	csgw_test map ndnh-report in.txt -o - >stdout.txt 2>stderr.txt && false
	[ ! -s stdout.txt ]
	grep -q "nothing written" stderr.txt
}

@test "the output may not be the input; standard input needs -o" {
	csgw_test map ndnh-report in.txt -o batch.txt
	run csgw_test unmap batch.txt
	[ "$status" -eq 64 ]
	[[ "$output" == *"batch.txt would overwrite the input batch.txt; give another -o"* ]]
	grep -q '<ndnhReportBatch' batch.txt
	run csgw_test map ndnh-report - <in.txt
	[ "$status" -eq 64 ]
	[[ "$output" == *"reading standard input needs -o OUTPUT"* ]]
	[ ! -e ./-.xml ]
}

@test "outputs are created readable by their owner only (they hold SSNs)" {
	csgw_test map ndnh-report in.txt -o out.xml
	[ "$(stat -c %a out.xml)" = 600 ]
}

@test "a full disk during unmap is an I/O error (74), not bad data, and leaves nothing" {
	awk 'NR == 1 { print; next } /^W4/ && !w { w = $0 } /^T4/ { t = $0 }
		END { for (i = 1; i <= 3000; i++) print w; printf "T4%011d%011d%011d%011d%s\n", 3000, 0, 0, 3000, substr(t, 47) }' \
		in.txt >big.txt
	csgw_test map ndnh-report big.txt -o big.xml
	run bash -c "trap '' XFSZ; ulimit -f 100; \"$CSGW\" --environment test unmap big.xml -o back.txt"
	echo "$output"
	[ "$status" -eq 74 ]
	[[ "$output" == *"back.txt: cannot write the output: File too large"* ]]
	[[ "$output" != *"problem"* ]]
	assert_nothing_written . back.txt
}

@test "a transaction's blocks keep their order and their maximum" {
	cp "$DATA/referral.txt" ref.txt
	nl=$(line_of ref.txt NL)
	pt=$(line_of ref.txt PT)
	[ "$pt" -eq $((nl + 1)) ]
	# Swap the NCP locate block and the first participant.
	awk -v a="$nl" -v b="$pt" 'NR == a { x = $0; next } NR == b { print; print x; next } { print }' ref.txt >swapped.txt
	run csgw_test map referral swapped.txt -o out.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"swapped.txt:$pt: record "*" (ncpLocate): comes after PT records; expected it before them"* ]]
	assert_nothing_written . out.xml
	# A second case-data block where one is the most.
	cd_line=$(line_of ref.txt CD)
	awk -v a="$cd_line" 'NR == a { print } { print }' ref.txt >twice.txt
	run csgw_test map referral twice.txt -o out.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"(caseData): is one too many: at most 1 per TH"* ]]
	assert_nothing_written . out.xml
}

# Federal Offset Program files carry no record id: positions 1-2 hold the
# state, and a control record has CTL where data records have a local code.

@test "offset: a submission without header or trailer maps, and a bad value names its field" {
	cp "$DATA/offset-submission.txt" sub.txt
	run csgw_test map offset-submission sub.txt -o sub.xml
	[ "$status" -eq 0 ]
	[[ "$output" == *"5 records (CS 5)"* ]]
	set_field sub.txt 2 73 "Q"
	set_field sub.txt 3 177 "XYZ"
	run csgw_test map offset-submission sub.txt -o out.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"sub.txt:2: record 2 (caseSubmission): field transactionType (positions 73-73): value 'Q' is not a code of list 'offset-transaction'"* ]]
	[[ "$output" == *"sub.txt:3: record 3 (caseSubmission): field exclusion1 (positions 177-179): value 'XYZ' is not a code of list 'offset-exclusion'"* ]]
	assert_nothing_written . out.xml
}

@test "offset: the control record is told by CTL, must come last, and its counts are checked" {
	cp "$DATA/offset-collections.txt" col.txt
	# the control record first: data after it is refused
	{ tail -n 1 col.txt; head -n 2 col.txt; } >moved.txt
	run csgw_test map offset-collections moved.txt -o out.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"moved.txt:2: record"*"after the trailer; expected the end of the file"* ]]
	# a collection record dropped: the control record's count disagrees
	sed 1d col.txt >short.txt
	run csgw_test map offset-collections short.txt -o out.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"recordCount says 2"* ]]
	# no control record at all
	head -n 2 col.txt >none.txt
	run csgw_test map offset-collections none.txt -o out.xml
	[ "$status" -eq 65 ]
	[[ "$output" == *"missing trailer: the file ends without a CC record"* ]]
	assert_nothing_written . out.xml
}
