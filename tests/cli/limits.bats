#!/usr/bin/env bats
# limits.bats - partner XML that costs libxml2 too much, or that would put
# SSN digits into messages, is stopped before it does.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "a start tag with 200,000 attributes is refused at once, not after seconds of CPU" {
	{
		printf '<ndnhReportBatch xmlns="urn:csgw:ndnh:v1"'
		seq 1 200000 | sed 's/.*/ a&="1"/' | tr -d '\n'
		printf '/>'
	} >attrs.xml
	run timeout 10 /usr/bin/time -f 'cpu %U' "$CSGW" --environment test validate attrs.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"attrs.xml:1: a start tag has more attributes than the limit"* ]]
	cpu=$(echo "$output" | sed -n 's/^cpu //p')
	awk -v c="$cpu" 'BEGIN { exit !(c < 1.0) }'
}

@test "the same attack through namespace declarations, and an endless start tag" {
	{
		printf '<ndnhReportBatch xmlns="urn:csgw:ndnh:v1"'
		seq 1 200000 | sed 's/.*/ xmlns:p&="urn:x"/' | tr -d '\n'
		printf '/>'
	} >ns.xml
	run timeout 10 "$CSGW" --environment test validate ns.xml
	[ "$status" -eq 65 ]
	[[ "$output" == *"more attributes than the limit"* ]]
	{
		printf '<ndnhReportBatch xmlns="urn:csgw:ndnh:v1" a="'
		head -c 200000 /dev/zero | tr '\0' 'x'
		printf '"/>'
	} >long.xml
	run timeout 10 "$CSGW" --environment test validate long.xml
	[ "$status" -eq 65 ]
	[[ "$output" == *"a start tag is longer than 64 KiB"* ]]
}

@test "comments, PIs and CDATA holding '<' and '=' do not trip the start-tag scan" {
	csgw_test map ndnh-report "$DATA/ndnh-report.txt" -o good.xml
	eq=$(printf 'a=b %.0s' $(seq 1 200))
	awk -v eq="$eq" '/<\/header>/ { print; print "<!-- <x " eq " > -->"; print "<?pi " eq " ??>"; next } { print }' good.xml >commented.xml
	sed -i '0,/<firstName>\([A-Z]*\)<\/firstName>/s//<firstName><![CDATA[\1]]><\/firstName>/' commented.xml
	grep -q 'CDATA' commented.xml
	csgw_test validate commented.xml
	xmllint --noout --schema <("$CSGW" mapping xsd ndnh) commented.xml
}

@test "a blank CDATA section between records is refused, as xmllint refuses it" {
	csgw_test map ndnh-report "$DATA/ndnh-report.txt" -o good.xml
	sed 's|</header>|</header><![CDATA[ ]]>|' good.xml >cdata.xml
	run csgw_test validate cdata.xml
	[ "$status" -eq 65 ]
	[[ "$output" == *"a CDATA section is not allowed directly inside <ndnhReportBatch>"* ]]
	run xmllint --noout --schema <("$CSGW" mapping xsd ndnh) cdata.xml
	[ "$status" -ne 0 ]
}

@test "an encoding error inside an SSN shows no bytes of it" {
	csgw_test map ndnh-report "$DATA/ndnh-report.txt" -o good.xml
	ssn=$(sed -n 's|.*<ssn>\([0-9]*\)</ssn>.*|\1|p' good.xml | head -1)
	printf '%s' "$ssn" | grep -qE '^9[0-9]{8}$'
	sed "0,/<ssn>$ssn/s//<ssn>${ssn:0:2}\\xe9${ssn:2}/" good.xml >enc.xml
	run csgw_test validate enc.xml
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"not well-formed XML"* ]]
	[[ "$output" != *"Bytes:"* ]]
	[[ "$output" != *"0x3"* ]]
	[[ "$output" != *"${ssn:2:3}"* ]]
}
