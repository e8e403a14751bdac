#!/usr/bin/env bats
# mapping.bats - mapping definitions are data: listed, shown, turned into
# the XSDs partners receive; a broken one is reported by file and line;
# adding a field needs no rebuild.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp -R "$CSGW_MAPPINGS" maps
}

# Runs csgw against the copied mappings; expects exit 78 and the message.
broken_with() {
	run "$CSGW" --mappings maps mapping list
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$1"* ]]
	[[ "$output" == *"the mapping definitions in maps have problems"* ]]
}

@test "the XSDs in mappings/ are what the definitions generate (run 'make xsd' after an edit)" {
	for m in "$CSGW_MAPPINGS"/*/*.map.xml; do
		f=$(basename "$m" .map.xml)
		"$CSGW" mapping xsd "$f" >fresh.xsd
		diff -u "$CSGW_MAPPINGS/$f/$f.xsd" fresh.xsd
	done
}

@test "mapping list names every family, its namespace and batch types" {
	run "$CSGW" mapping list
	[ "$status" -eq 0 ]
	for f in fcr locate ndnh offset referral receipt; do
		[[ "$output" == *"namespace urn:csgw:$f:v1"* ]]
	done
	[[ "$output" == *"batch offset-submission (no header) ... (no trailer), records: CS"* ]]
	[[ "$output" == *"batch ndnh-report      H4 ... T4, records: W4 QW UI"* ]]
}

@test "mapping show gives positions, types and data categories" {
	run "$CSGW" mapping show ndnh
	[ "$status" -eq 0 ]
	[[ "$output" == *"3-11   ssn                          ssn     required  ssn ndnh"* ]]
	run "$CSGW" mapping show nosuch
	[ "$status" -eq 64 ]
	[[ "$output" == *"no family 'nosuch'"* ]]
}

@test "a field without a data category is refused (the policy decides on categories)" {
	sed -i '0,/ category="ssn ndnh"/s///' maps/ndnh/ndnh.map.xml
	broken_with "record W4: field ssn needs a category"
}

@test "a gap between fields is reported with file, line and positions" {
	sed -i 's|<field at="33" len="468" type="filler"/>|<field at="34" len="467" type="filler"/>|' maps/ndnh/ndnh.map.xml
	line=$(grep -n 'at="34" len="467"' maps/ndnh/ndnh.map.xml | cut -d: -f1)
	broken_with "maps/ndnh/ndnh.map.xml:$line: record H4: field filler starts at 34; expected 33 (fields must tile the record)"
}

@test "an unknown charset and a schema violation are reported with their lines" {
	sed -i '0,/charset="name"/s//charset="nosuch"/' maps/ndnh/ndnh.map.xml
	broken_with "charset 'nosuch' is not in codes.xml"
	cp "$CSGW_MAPPINGS/ndnh/ndnh.map.xml" maps/ndnh/ndnh.map.xml
	sed -i '0,/type="ssn"/s//type="social"/' maps/ndnh/ndnh.map.xml
	line=$(grep -n 'type="social"' maps/ndnh/ndnh.map.xml | cut -d: -f1)
	broken_with "maps/ndnh/ndnh.map.xml:$line: Element '{urn:csgw:mapping:v1}field', attribute 'type': [facet 'enumeration'] The value 'social' is not an element of the set"
}

@test "a definition that is not well-formed XML is reported with its line" {
	printf '<family\n  name="x"\n  <oops>\n' >maps/ndnh/ndnh.map.xml
	broken_with "maps/ndnh/ndnh.map.xml:3:"
}

@test "duplicate record ids, a code too long for its field, an unknown child" {
	sed -i 's|<record id="QW"|<record id="W4"|' maps/ndnh/ndnh.map.xml
	broken_with "record W4 is defined twice"
	cp "$CSGW_MAPPINGS/ndnh/ndnh.map.xml" maps/ndnh/ndnh.map.xml
	sed -i 's|<code value="CH">|<code value="CHX">|' maps/codes/codes.xml
	broken_with "list participant-type has codes of 3 characters; the field has 2"
	cp "$CSGW_MAPPINGS/codes/codes.xml" maps/codes/codes.xml
	sed -i '0,/<child record="PT"/s//<child record="PX"/' maps/referral/referral.map.xml
	broken_with "child record PX is not defined"
}

@test "records are told apart by their literals: one record of a batch may have none" {
	# the control record without its CTL: two records without literals
	sed -i 's|<field at="3" len="3" type="literal" value="CTL"/>|<field name="notCtl" at="3" len="3" type="text" category="control" charset="alnum"/>|' maps/offset/offset.map.xml
	broken_with "batch offset-rejects: a header or trailer needs a literal to be told apart"
	cp "$CSGW_MAPPINGS/offset/offset.map.xml" maps/offset/offset.map.xml
	sed -i 's|records="RJ"|records="RJ CS"|' maps/offset/offset.map.xml
	broken_with "batch offset-rejects: records RJ and CS both have no literal, so their lines cannot be told apart"
	cp "$CSGW_MAPPINGS/offset/offset.map.xml" maps/offset/offset.map.xml
	sed -i 's|<field at="1" len="2" type="literal" value="W4"/>|<field at="1" len="2" type="literal" value="WX"/>|' maps/ndnh/ndnh.map.xml
	broken_with "record W4: its literal id in positions 1-2 must be W4"
}

@test "a new field needs only a data edit: no rebuild" {
	# Take 20 characters of the H4 filler for a new optional field.
	sed -i 's|<field at="33" len="468" type="filler"/>|<field name="submitterReference" at="33" len="20" type="text" charset="alnum" category="control"/>\n    <field at="53" len="448" type="filler"/>|' maps/ndnh/ndnh.map.xml
	cp "$DATA/ndnh-report.txt" in.txt
	set_field in.txt 1 33 "REF-2024-03"
	"$CSGW" --mappings maps --environment test map ndnh-report in.txt -o out.xml
	grep -q '<submitterReference>REF-2024-03</submitterReference>' out.xml
	"$CSGW" --mappings maps mapping xsd ndnh >new.xsd
	xmllint --noout --schema new.xsd out.xml
	"$CSGW" --mappings maps --environment test unmap out.xml -o back.txt
	cmp in.txt back.txt
	# The shipped definition refuses the same extract: the filler is not blank.
	run csgw_test map ndnh-report in.txt -o old.xml
	[ "$status" -eq 65 ]
	[[ "$output" == *"field filler (positions 33-500)"*"is filler; expected spaces"* ]]
}

@test "mapping xsd for an unknown family, and usage errors" {
	run "$CSGW" mapping xsd nosuch
	[ "$status" -eq 64 ]
	run "$CSGW" mapping
	[ "$status" -eq 64 ]
	run "$CSGW" mapping list extra
	[ "$status" -eq 64 ]
}

@test "groups are one level deep, and a child belongs to its lead only" {
	# Give the case-data block (CD) a child of its own.
	awk '/<record id="CD"/ { incd = 1 } incd && /<\/record>/ { print "    <child record=\"NI\"/>"; incd = 0 } { print }' \
		maps/referral/referral.map.xml >x && mv x maps/referral/referral.map.xml
	broken_with "record TH: child CD has children of its own; groups are one level deep"
	cp "$CSGW_MAPPINGS/referral/referral.map.xml" maps/referral/referral.map.xml
	sed -i 's|records="TH"|records="TH PT"|' maps/referral/referral.map.xml
	broken_with "record TH: child PT is also a record of batch referral"
}
