#!/bin/sh
# mutate.sh - mutants of a valid csgw XML batch, for tests/cli/agreement.bats.
#
# usage: tests/cli/mutate.sh FAMILY VALID.xml OUTDIR
#        (CSGW = the binary, CSGW_MAPPINGS = the mappings folder)
#
# Writes OUTDIR/NAME.xml, one file per mutant, and prints one line
# "NAME<TAB>what was changed" per mutant.  Each mutant changes one thing of
# VALID.xml: some make it invalid, some keep it valid (both verdicts must
# occur).  The test only compares csgw's verdict with xmllint's, so no
# mutant carries an expected verdict.
#
# VALID.xml must be laid out as 'csgw map' writes it: a field on a line of
# its own as <name>value</name>, the start and end tags of the root and of
# each record on lines of their own.  Field types, lengths, code lists and
# charsets come from the family's mapping (mappings/FAMILY/FAMILY.map.xml,
# one start tag per line) and code values from its generated XSD.
#
# The counts of trailers and groups are a csgw rule beyond the XSD: no
# mutant changes a counted field's value within what the XSD allows, and
# the mutants that add whole records fix the counts they change.
# Mutants named xsi-type-* use xsi:type; agreement.bats runs them apart.
set -eu

family=$1
src=$2
out=$3
: "${CSGW:?CSGW must name the csgw binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
mappings=${CSGW_MAPPINGS:-$top/mappings}
map="$mappings/$family/$family.map.xml"
codes="$mappings/codes/codes.xml"

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fields=$work/fields   # one line per field element of VALID.xml
records=$work/records # one line per record element (and the root)
children=$work/children
xsd=$work/family.xsd
"$CSGW" mapping xsd "$family" >"$xsd"

# --- index VALID.xml -------------------------------------------------------
#
# fields:   line role record inst name type req len codes charset counts value
# records:  inst role element id start end parent
# children: lead-element child-element child-id max
# (tab-separated; role: root, header, trailer, data, child; inst numbers
# the record elements in document order, the root is 1)
awk -v FIELDS="$fields" -v RECORDS="$records" -v CHILDREN="$children" '
function attr(s, a) {
	if (match(s, "[ \t]" a "=\"[^\"]*\""))
		return substr(s, RSTART + length(a) + 3, RLENGTH - length(a) - 4)
	return ""
}
function tag(s) { sub(/^[ \t]*<\/?/, "", s); sub(/[ >].*/, "", s); return s }
FNR == NR {   # the mapping
	if ($0 ~ /<batch /) {   # which records head and end a batch (none: a data record)
		bhead[attr($0, "element")] = attr($0, "header"); btrail[attr($0, "element")] = attr($0, "trailer")
	} else if ($0 ~ /<record /) {
		el = attr($0, "element"); id[el] = attr($0, "id"); element_of[id[el]] = el
	} else if ($0 ~ /<child /) {
		nch++; ch_lead[nch] = el; ch_id[nch] = attr($0, "record"); ch_max[nch] = attr($0, "max")
	} else if ($0 ~ /<field / && attr($0, "name") != "") {
		k = el SUBSEP attr($0, "name")
		ftype[k] = attr($0, "type"); freq[k] = attr($0, "required") == "true" ? 1 : 0
		flen[k] = attr($0, "len"); fcodes[k] = attr($0, "codes")
		fcharset[k] = attr($0, "charset"); fcounts[k] = attr($0, "counts")
	}
	next
}
/^[ \t]*<[A-Za-z][A-Za-z0-9]*>[^<]*<\/[A-Za-z][A-Za-z0-9]*>[ \t]*$/ {   # a field
	name = tag($0)
	value = $0; sub(/^[^>]*>/, "", value); sub(/<.*/, "", value)
	k = stack[depth] SUBSEP name
	if (!(k in ftype)) { print "mutate.sh: line " FNR ": <" name "> is no field of <" stack[depth] ">" > "/dev/stderr"; exit 2 }
	n++; f_line[n] = FNR; f_inst[n] = inst[depth]; f_key[n] = k; f_name[n] = name; f_value[n] = value
	next
}
/^[ \t]*<[A-Za-z][A-Za-z0-9]*( [^>]*)?>[ \t]*$/ {   # a record (or the root) starts
	depth++; stack[depth] = tag($0); nrec++; inst[depth] = nrec
	r_el[nrec] = stack[depth]; r_start[nrec] = FNR; r_depth[nrec] = depth
	r_parent[nrec] = depth > 1 ? inst[depth - 1] : 0
	next
}
/^[ \t]*<\/[A-Za-z][A-Za-z0-9]*>[ \t]*$/ { r_end[inst[depth]] = FNR; depth--; next }
/^<\?xml / && FNR == 1 { next }
{ print "mutate.sh: line " FNR ": not laid out as csgw map writes" > "/dev/stderr"; exit 2 }
END {
	for (r = 1; r <= nrec; r++) {
		if (r_depth[r] == 2 && first == "") first = r
		if (r_depth[r] == 2) last = r
	}
	for (r = 1; r <= nrec; r++) {
		is_id = id[r_el[r]]
		role[r] = r_depth[r] == 1 ? "root" : r_depth[r] > 2 ? "child" : r == first && is_id == bhead[r_el[1]] ? "header" : r == last && is_id == btrail[r_el[1]] ? "trailer" : "data"
		printf "%d\t%s\t%s\t%s\t%d\t%d\t%d\n", r, role[r], r_el[r], id[r_el[r]], r_start[r], r_end[r], r_parent[r] > RECORDS
	}
	for (i = 1; i <= n; i++) {
		k = f_key[i]; r = f_inst[i]
		printf "%d\t%s\t%s\t%d\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", f_line[i], role[r], r_el[r], r, f_name[i], ftype[k], freq[k], flen[k], fcodes[k], fcharset[k], fcounts[k], f_value[i] > FIELDS
	}
	for (c = 1; c <= nch; c++)
		printf "%s\t%s\t%s\t%s\n", ch_lead[c], element_of[ch_id[c]], ch_id[c], ch_max[c] > CHILDREN
}' "$map" "$src"

# --- looking things up -----------------------------------------------------

# pick CONDITION: the line of the first field for which the awk CONDITION
# holds, over the columns named as in 'fields' above; empty when none.
pick() {
	awk -F '\t' "{ line = \$1; role = \$2; record = \$3; inst = \$4; name = \$5; type = \$6
		req = \$7; len = \$8; codes = \$9; charset = \$10; counts = \$11; value = \$12 }
		$1 { print line; exit }" "$fields"
}

# col LINE N: column N of the field on LINE.
col() { awk -F '\t' -v l="$1" -v c="$2" '$1 == l { print $c; exit }' "$fields"; }
name_of() { col "$1" 5; }
value_of() { col "$1" 12; }
len_of() { col "$1" 8; }

# rec INST N: column N of record INST.
rec() { awk -F '\t' -v i="$1" -v c="$2" '$1 == i { print $c; exit }' "$records"; }

indent_of() { sed -n "$1{s/<.*//;p;q}" "$src"; }

# The values of code list LIST, one a line, from the generated XSD.
code_values() {
	sed -n "/<xs:simpleType name=\"code-$1\">/,/<\/xs:simpleType>/s/.*<xs:enumeration value=\"\([^\"]*\)\".*/\1/p" "$xsd"
}

# The characters of CHARSET other than letters, digits and space.
charset_specials() {
	sed -n "s/.*<charset name=\"$1\"[^>]*>\([^<]*\)<.*/\1/p" "$codes" |
		sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&amp;/\&/g' |
		tr -d 'A-Za-z0-9 '
}

xml_escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g'; }

# repeat TEXT N
repeat() { awk -v t="$1" -v n="$2" 'BEGIN { s = ""; for (i = 0; i < n; i++) s = s t; print s }'; }

# --- writing mutants -------------------------------------------------------
#
# Every writer reads $base (VALID.xml unless a mutant starts from a copy
# with fixed counts) and prints the mutant; emit stores it.

base=$src

# emit NAME WHAT: stores the mutant on standard input as OUTDIR/NAME.xml.
# (It may run in a subshell: a failure is also noted in $work/failed.)
emit() {
	cat >"$out/$1.xml"
	if cmp -s "$src" "$out/$1.xml"; then
		echo "mutate.sh: mutant $1 is VALID.xml unchanged" >&2
		rm -f "$out/$1.xml"
		: >"$work/failed"
		exit 1
	fi
	printf '%s\t%s\n' "$1" "$2"
}

# A value as one line: newline and tab written \n and \t.
one_line() { printf '%s' "$1" | awk 'BEGIN { ORS = "" } NR > 1 { print "\\n" } { gsub(/\t/, "\\t"); print }'; }

# replace_lines FIRST LAST TEXT: lines FIRST..LAST become TEXT (literal, may
# hold newlines).
replace_lines() {
	T=$3 awk -v a="$1" -v b="$2" 'NR == a { print ENVIRON["T"] } NR >= a && NR <= b { next } { print }' "$base"
}
replace_line() { replace_lines "$1" "$1" "$2"; }
delete_lines() { awk -v a="$1" -v b="$2" 'NR < a || NR > b' "$base"; }
# insert_after LINE TEXT / insert_before LINE TEXT
insert_after() { T=$2 awk -v n="$1" '{ print } NR == n { print ENVIRON["T"] }' "$base"; }
insert_before() { T=$2 awk -v n="$1" 'NR == n { print ENVIRON["T"] } { print }' "$base"; }
# move_lines FIRST LAST BEFORE: lines FIRST..LAST moved to before line BEFORE.
move_lines() {
	awk -v a="$1" -v b="$2" -v t="$3" '
		FNR == NR { if (FNR >= a && FNR <= b) block = block $0 "\n"; next }
		FNR == t { printf "%s", block }
		FNR >= a && FNR <= b { next }
		{ print }' "$base" "$base"
}
# field LINE TEXT: the field on LINE as <name>TEXT</name> (TEXT is raw XML).
field() {
	fname=$(name_of "$1")
	replace_line "$1" "$(indent_of "$1")<$fname>$2</$fname>"
}
# start_tag LINE ATTRS: the start tag on LINE (a field or a record) gets ATTRS.
start_tag() { A=$2 awk -v n="$1" 'NR == n { sub(/>/, " " ENVIRON["A"] ">") } { print }' "$base"; }

# value mutants, when a field of the kind is present:
#   mutate_value NAME LINE NEW-VALUE WHAT
mutate_value() {
	[ -n "$2" ] || return 0
	field "$2" "$3" | emit "$1" "<$(name_of "$2")> (line $2): '$(value_of "$2")' -> '$(one_line "$3")': $4"
}

XSI='xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
ns=$(sed -n 's/.* xmlns="\([^"]*\)".*/\1/p' "$src" | head -n 1)
root_line=$(rec 1 5)
root=$(rec 1 3)
header_end=$(awk -F '\t' '$2 == "header" { print $6; exit }' "$records")
trailer_start=$(awk -F '\t' '$2 == "trailer" { print $5; exit }' "$records")
trailer_end=$(awk -F '\t' '$2 == "trailer" { print $6; exit }' "$records")
data_start=$(awk -F '\t' '$2 == "data" { print $5; exit }' "$records")
data_end=$(awk -F '\t' '$2 == "data" { print $6; exit }' "$records")
has_trailer=${trailer_start:+yes}
trailer_start=${trailer_start:-$(rec 1 6)} # no trailer: "before the trailer" is before the root ends

# --- structure of records --------------------------------------------------

l=$(pick 'role == "data" && req && counts == ""')
[ -z "$l" ] || delete_lines "$l" "$l" | emit delete-required-field "required <$(name_of "$l")> (line $l) deleted"
l=$(pick 'role == "data" && !req')
[ -z "$l" ] || delete_lines "$l" "$l" | emit delete-optional-field "optional <$(name_of "$l")> (line $l) deleted"
l=$(pick 'role == "header" && req')
[ -z "$l" ] || delete_lines "$l" "$l" | emit delete-header-field "header <$(name_of "$l")> (line $l) deleted"
l=$(pick 'role == "trailer"')
[ -z "$l" ] || delete_lines "$l" "$l" | emit delete-trailer-field "trailer <$(name_of "$l")> (line $l) deleted"

# The first two adjacent fields of one record, swapped.
l=$(awk -F '\t' 'prev != "" && $1 == prev + 1 && $4 == inst { print prev; exit } { prev = $1; inst = $4 }' "$fields")
move_lines $((l + 1)) $((l + 1)) "$l" |
	emit swap-adjacent-fields "<$(name_of "$l")> and the next field (lines $l-$((l + 1))) swapped"

l=$(pick 'role == "data" && req')
insert_after "$l" "$(sed -n "${l}p" "$src")" | emit duplicate-required-field "<$(name_of "$l")> (line $l) twice"
l=$(pick 'role == "data" && !req')
[ -z "$l" ] || insert_after "$l" "$(sed -n "${l}p" "$src")" |
	emit duplicate-optional-field "<$(name_of "$l")> (line $l) twice"

l=$(pick 'role == "data" && name ~ /[A-Z]/')
lower=$(name_of "$l" | tr '[:upper:]' '[:lower:]')
replace_line "$l" "$(indent_of "$l")<$lower>$(value_of "$l")</$lower>" |
	emit element-name-lower-case "<$(name_of "$l")> (line $l) written <$lower>"
l=$(pick 'role == "data"')
insert_after "$l" "$(indent_of "$l")<unknownField>X</unknownField>" |
	emit unknown-field "<unknownField> after line $l"
insert_after "$l" "$(indent_of "$l")<x:note xmlns:x=\"urn:example:other\">X</x:note>" |
	emit foreign-namespace-field "<x:note> of another namespace after line $l"
replace_line "$l" "$(indent_of "$l")<$(name_of "$l") xmlns=\"\">$(value_of "$l")</$(name_of "$l")>" |
	emit field-in-no-namespace "<$(name_of "$l") xmlns=\"\"> (line $l)"
replace_line "$l" "$(indent_of "$l")<p:$(name_of "$l") xmlns:p=\"$ns\">$(value_of "$l")</p:$(name_of "$l")>" |
	emit field-prefixed-same-namespace "<p:$(name_of "$l")> in the family namespace by a prefix (line $l)"
insert_after "$l" "$(indent_of "$l")X" | emit text-between-fields "text X after line $l, between fields"
insert_after "$l" "$(printf '\t \t')" | emit blank-between-fields "tabs and spaces after line $l, between fields"
insert_after "$l" "$(indent_of "$l")<!-- a comment -->" | emit comment-between-fields "a comment after line $l"
insert_after "$l" "$(indent_of "$l")<?csgw note?>" | emit pi-between-fields "a processing instruction after line $l"

# --- structure of the batch ------------------------------------------------

insert_after "$data_end" '  <!-- a comment between records -->' |
	emit comment-between-records "a comment after line $data_end"
insert_after "$data_end" '  <?csgw between records?>' |
	emit pi-between-records "a processing instruction after line $data_end"
insert_before "$root_line" '<!-- before the root -->' | emit comment-before-root "a comment before the root"
{ cat "$base"; echo '<!-- after the root -->'; } | emit comment-after-root "a comment after the root"
insert_before "$root_line" '<?xml-stylesheet type="text/xsl" href="x.xsl"?>' |
	emit pi-before-root "a processing instruction before the root"
n=$(awk -F '\t' '$2 == "data" { n++ } END { print n + 0 }' "$records")
if [ "$n" -ge 2 ]; then
	# Data records may come in any order: the first one moved to the end.
	move_lines "$data_start" "$data_end" "$trailer_start" |
		emit data-records-reordered "the first data record (lines $data_start-$data_end) moved before the trailer"
fi
if [ -n "$header_end" ]; then
	delete_lines "$(rec 2 5)" "$header_end" | emit header-missing "the header deleted"
	insert_after "$header_end" "$(sed -n "$(rec 2 5),${header_end}p" "$src")" | emit header-twice "a second header"
fi
[ -z "$has_trailer" ] ||
	move_lines "$trailer_start" "$trailer_end" "$data_start" | emit trailer-first "the trailer moved before the data records"
replace_line "$root_line" "<$root xmlns=\"$ns\"/>" | sed "$((root_line + 1)),\$d" | emit empty-root "an empty root element"

# --- the root element ------------------------------------------------------

sed "${root_line}s|$ns|${ns%:v*}:v9|" "$base" | emit root-namespace-v9 "root namespace ${ns%:v*}:v9"
sed "${root_line}s| xmlns=\"[^\"]*\"||" "$base" | emit root-no-namespace "no namespace on the root"
other=$(for f in "$mappings"/*/*.map.xml; do sed -n 's/.*<family [^>]*namespace="\([^"]*\)".*/\1/p' "$f"; done | grep -v -x -F "$ns" | head -n 1)
sed "s|xmlns=\"$ns\"|xmlns=\"$other\"|" "$base" | emit root-other-family-namespace "every element in namespace $other"
sed -e "s|<\([a-zA-Z]\)|<c:\1|g" -e "s|</\([a-zA-Z]\)|</c:\1|g" -e "${root_line}s|xmlns=|xmlns:c=|" "$base" |
	emit all-prefixed "every element prefixed c: in the family namespace"
sed -e "${root_line}s|<$root |<${root}X |" -e "s|</$root>|</${root}X>|" "$base" |
	emit root-wrong-name "root element <${root}X>"
start_tag "$root_line" "$XSI xsi:schemaLocation=\"$ns $family.xsd\"" |
	emit root-schema-location "xsi:schemaLocation on the root"
start_tag "$root_line" "$XSI xsi:noNamespaceSchemaLocation=\"$family.xsd\"" |
	emit root-no-namespace-schema-location "xsi:noNamespaceSchemaLocation on the root"
start_tag "$root_line" "$XSI xsi:schemaLocation=\"odd\"" |
	emit root-schema-location-odd "xsi:schemaLocation=\"odd\" (not pairs) on the root"
start_tag "$root_line" "$XSI xsi:other=\"1\"" | emit root-xsi-other "xsi:other, no XSI attribute, on the root"
start_tag "$root_line" 'xmlns:unused="urn:example:unused"' |
	emit root-unused-namespace "a namespace declared on the root and never used"
start_tag "$root_line" 'xmlns:o="urn:example:other" o:tag="1"' |
	emit root-foreign-attribute "an attribute of another namespace on the root"
start_tag "$root_line" 'version="1"' | emit root-attribute "an attribute version=\"1\" on the root"

# --- attributes ------------------------------------------------------------

start_tag "$data_start" 'id="1"' | emit record-attribute "id=\"1\" on the record of line $data_start"
start_tag "$data_start" "xmlns=\"$ns\"" |
	emit record-namespace-redeclared "the same default namespace declared again on line $data_start"
l=$(pick 'role == "data"')
start_tag "$l" 'code="1"' | emit field-attribute "code=\"1\" on <$(name_of "$l")> (line $l)"
start_tag "$l" 'xml:lang="en"' | emit field-xml-lang "xml:lang on <$(name_of "$l")> (line $l)"
start_tag "$l" "$XSI xsi:schemaLocation=\"$ns $family.xsd\"" |
	emit field-schema-location "xsi:schemaLocation on <$(name_of "$l")> (line $l)"
start_tag "$l" "$XSI xsi:nil=\"false\"" | emit field-xsi-nil "xsi:nil=\"false\" on <$(name_of "$l")> (line $l)"
# xsi:type naming the type the XSD declares, or another one.
l=$(pick 'type == "ssn"')
[ -z "$l" ] || start_tag "$l" "$XSI xmlns:t=\"$ns\" xsi:type=\"t:ssn\"" |
	emit xsi-type-declared-ssn "xsi:type=\"t:ssn\" (its declared type) on <$(name_of "$l")> (line $l)"
l=$(pick 'type == "date"')
[ -z "$l" ] || start_tag "$l" "$XSI xmlns:t=\"$ns\" xsi:type=\"t:date\"" |
	emit xsi-type-declared-date "xsi:type=\"t:date\" (its declared type) on <$(name_of "$l")> (line $l)"
start_tag "$data_start" "$XSI xmlns:t=\"$ns\" xsi:type=\"t:record-$(rec 3 4)\"" |
	emit xsi-type-declared-record "xsi:type=\"t:record-$(rec 3 4)\" (its declared type) on the record of line $data_start"
start_tag "$data_start" "$XSI xmlns:t=\"$ns\" xsi:type=\"t:record-$(rec 2 4)\"" |
	emit xsi-type-other-record "xsi:type=\"t:record-$(rec 2 4)\" (the header's type) on the record of line $data_start"
l=$(pick 'type == "text"')
start_tag "$l" "$XSI xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xsi:type=\"xs:string\"" |
	emit xsi-type-string "xsi:type=\"xs:string\" on <$(name_of "$l")> (line $l)"

# --- the XML declaration and encoding --------------------------------------

sed 1d "$base" | emit no-xml-declaration "no XML declaration"
{ printf '\357\273\277'; cat "$base"; } | emit byte-order-mark "a UTF-8 byte order mark"
sed '1s/UTF-8/ISO-8859-1/' "$base" | emit latin1-declared "encoding ISO-8859-1 declared (all ASCII)"
sed '1s/"UTF-8"/"UTF-8" standalone="yes"/' "$base" | emit standalone "standalone=\"yes\""
sed 's/$/\r/' "$base" | emit crlf "CR LF line ends"

# --- text ------------------------------------------------------------------

l=$(pick 'type == "text" && role == "data" && value ~ /[A-Z][A-Z]/ && value !~ /&/')
v=$(value_of "$l")
len=$(len_of "$l")
mutate_value text-lower-case "$l" "$(printf '%s' "$v" | tr '[:upper:]' '[:lower:]')" "lower case"
l2=$(pick 'charset == "name" && value ~ /[A-Z][A-Z]/')
[ -z "$l2" ] || mutate_value name-lower-case "$l2" "$(value_of "$l2" | cut -c1)$(value_of "$l2" | cut -c2- | tr '[:upper:]' '[:lower:]')" "a name in mixed case"
mutate_value text-leading-space "$l" " $v" "leading space"
mutate_value text-trailing-space "$l" "$v " "trailing space"
mutate_value text-inner-spaces "$l" "$(printf '%s' "$v" | cut -c1)  $(printf '%s' "$v" | cut -c2-)" "two spaces inside"
mutate_value text-tab-inside "$l" "$(printf '%s' "$v" | cut -c1)	$(printf '%s' "$v" | cut -c2-)" "a tab inside"
mutate_value text-newline-inside "$l" "$(printf '%s\n%s' "$(printf '%s' "$v" | cut -c1)" "$(printf '%s' "$v" | cut -c2-)")" "a newline inside"
[ "${#v}" -ge "$len" ] || mutate_value text-max-length "$l" "$v$(repeat X $((len - ${#v})))" "exactly $len characters"
mutate_value text-too-long "$l" "$v$(repeat X $((len - ${#v} + 1)))" "$((len + 1)) characters, max $len"
mutate_value text-outside-charset "$l" "$(printf '%s' "$v" | cut -c1)~" "'~' is in no charset"
mutate_value text-non-ascii "$l" "$(printf '%s' "$v" | cut -c1)Ä" "a non-ASCII letter"
mutate_value text-nbsp "$l" "&#xA0;$v" "a no-break space by reference"
mutate_value text-lt "$l" "$(printf '%s' "$v" | cut -c1)&lt;" "'<' by reference"
mutate_value text-char-reference "$l" "&#$(printf '%d' "'$(printf '%s' "$v" | cut -c1)");$(printf '%s' "$v" | cut -c2-)" "first letter as a character reference"
mutate_value text-cdata "$l" "<![CDATA[$v]]>" "the value in a CDATA section"
mutate_value text-cdata-space "$l" "<![CDATA[ $v]]>" "a CDATA section with a leading space"
mutate_value text-split-by-comment "$l" "$(printf '%s' "$v" | cut -c1)<!-- c -->$(printf '%s' "$v" | cut -c2-)" "a comment inside the value"
mutate_value text-split-by-pi "$l" "$(printf '%s' "$v" | cut -c1)<?pi x?>$(printf '%s' "$v" | cut -c2-)" "a processing instruction inside the value"
mutate_value text-empty-cdata "$l" "<![CDATA[]]>" "an empty CDATA section"
mutate_value text-split-by-cdata "$l" "$(printf '%s' "$v" | cut -c1)<![CDATA[$(printf '%s' "$v" | cut -c2-)]]>" "the value half in CDATA"
l=$(pick 'req && (type == "text" || type == "digits")')
replace_line "$l" "$(indent_of "$l")<$(name_of "$l")/>" | emit empty-required "<$(name_of "$l")/> (line $l), a required field"
l=$(pick '!req && type == "text"')
[ -z "$l" ] || replace_line "$l" "$(indent_of "$l")<$(name_of "$l")/>" |
	emit empty-optional "<$(name_of "$l")/> (line $l), an optional field"
[ -z "$l" ] || mutate_value empty-optional-pair "$l" "" "an optional field as <x></x>"
[ -z "$l" ] || mutate_value blank-optional "$l" "   " "an optional field of spaces"

# Every special character of each charset in use, in its longest field.
# shellcheck disable=SC2013 # charset names are single words
for cs in $(cut -f 10 "$fields" | sort -u); do
	l=$(awk -F '\t' -v cs="$cs" '$10 == cs && $8 > best { best = $8; l = $1 } END { print l }' "$fields")
	specials=$(charset_specials "$cs")
	[ -n "$specials" ] || continue
	v=$(printf 'A%s' "$specials" | cut -c1-"$(len_of "$l")")
	mutate_value "text-specials-$cs" "$l" "$(xml_escape "$v")" "the specials of charset $cs"
done

# --- dates -----------------------------------------------------------------

l=$(pick 'type == "date"')
mutate_value date-spaces "$l" "  $(printf '\n\t')$(value_of "$l") $(printf '\t')" "white space around (xs:date collapses it)"
mutate_value date-space-references "$l" "&#x20;&#xD;$(value_of "$l")&#xA;&#x9;" "white space around, by character references"
mutate_value date-split-by-comment "$l" "$(value_of "$l" | cut -c1-4)<!-- c -->$(value_of "$l" | cut -c5-)" "a comment inside the date"
mutate_value date-nbsp "$l" "&#xA0;$(value_of "$l")" "a no-break space (not XML white space) before"
mutate_value date-impossible "$l" 2023-02-29 "no 29 February in 2023"
mutate_value date-leap-day "$l" 2024-02-29 "a real leap day"
mutate_value date-2100-02-29 "$l" 2100-02-29 "2100 is no leap year"
mutate_value date-2000-02-29 "$l" 2000-02-29 "2000 is a leap year"
mutate_value date-april-31 "$l" 2024-04-31 "April has 30 days"
mutate_value date-month-13 "$l" 2024-13-01 "month 13"
mutate_value date-unpadded "$l" 2024-2-9 "month and day not padded"
mutate_value date-timezone "$l" 2024-02-09Z "a time zone"
mutate_value date-compact "$l" 20240209 "CCYYMMDD"
mutate_value date-year-0 "$l" 0000-01-01 "year 0"
mutate_value date-year-1 "$l" 0001-01-01 "year 1"
mutate_value date-5-digit-year "$l" 12024-01-01 "a five-digit year"

# --- numbers and amounts ---------------------------------------------------

# Counted fields too: leading zeros and excess digits are refused by both.
l=$(pick 'type == "number"')
v=$(value_of "$l")
mutate_value number-leading-zero "$l" "0$v" "a leading zero"
mutate_value number-too-long "$l" "1$(repeat 0 "$(len_of "$l")")" "$(($(len_of "$l") + 1)) digits, max $(len_of "$l")"
mutate_value number-negative "$l" "-$v" "negative"
mutate_value number-plus "$l" "+$v" "a plus sign"
mutate_value number-decimal "$l" "$v.0" "a decimal point"
mutate_value number-spaces "$l" " $v " "spaces around"
l=$(pick 'type == "number" && counts == "" && role != "trailer"')
[ -z "$l" ] || mutate_value number-other "$l" "$(($(value_of "$l") + 1))" "another valid number"

l=$(pick 'type == "amount" && value != "0.00"')
if [ -n "$l" ]; then
	v=$(value_of "$l")
	mutate_value amount-no-decimals "$l" "${v%.*}" "no decimals"
	mutate_value amount-one-decimal "$l" "${v%?}" "one decimal"
	mutate_value amount-three-decimals "$l" "${v}0" "three decimals"
	mutate_value amount-leading-zero "$l" "0$v" "a leading zero"
	mutate_value amount-negative "$l" "-$v" "negative"
	mutate_value amount-comma "$l" "1,$v" "a thousands separator"
	mutate_value amount-zero "$l" "0.00" "zero"
	mutate_value amount-other "$l" "12.34" "another valid amount"
	mutate_value amount-no-whole "$l" ".50" "no whole digits"
fi

# --- SSNs ------------------------------------------------------------------

l=$(pick 'type == "ssn"')
if [ -n "$l" ]; then
	v=$(value_of "$l")
	area=$(printf '%s' "$v" | cut -c1-3)
	group=$(printf '%s' "$v" | cut -c4-5)
	serial=$(printf '%s' "$v" | cut -c6-9)
	mutate_value ssn-area-000 "$l" "000$group$serial" "area 000"
	mutate_value ssn-area-666 "$l" "666$group$serial" "area 666"
	mutate_value ssn-group-00 "$l" "${area}00$serial" "group 00"
	mutate_value ssn-serial-0000 "$l" "$area${group}0000" "serial 0000"
	mutate_value ssn-8-digits "$l" "$area$group$(printf '%s' "$serial" | cut -c1-3)" "8 digits"
	mutate_value ssn-10-digits "$l" "${v}1" "10 digits"
	mutate_value ssn-dashes "$l" "$area-$group-$serial" "with dashes"
	mutate_value ssn-other-test-area "$l" 987654321 "another test-area SSN"
fi

# --- codes and digits ------------------------------------------------------

l=$(pick 'type == "code" && role == "data"')
[ -n "$l" ] || l=$(pick 'type == "code"')
list=$(col "$l" 9)
v=$(value_of "$l")
other=$(code_values "$list" | grep -v -x -F "$v" | tail -n 1)
unknown=$(for c in Z Q 9 X; do
	u=$(repeat "$c" "$(len_of "$l")")
	code_values "$list" | grep -q -x -F "$u" || { echo "$u"; break; }
done)
mutate_value code-unknown "$l" "$unknown" "not in list $list"
[ -z "$other" ] || mutate_value code-other "$l" "$other" "another code of list $list"
mutate_value code-trailing-space "$l" "$v " "a trailing space"
l=$(pick 'type == "code" && value ~ /[A-Z]/')
[ -z "$l" ] || mutate_value code-lower-case "$l" "$(value_of "$l" | tr '[:upper:]' '[:lower:]')" "lower case"

l=$(pick 'type == "digits"')
v=$(value_of "$l")
mutate_value digits-short "$l" "$(printf '%s' "$v" | cut -c2-)" "one digit short"
mutate_value digits-long "$l" "${v}0" "one digit more"
mutate_value digits-letter "$l" "$(printf '%s' "$v" | cut -c2-)A" "a letter"
mutate_value digits-space "$l" " $(printf '%s' "$v" | cut -c2-)" "a leading space instead of a digit"

# --- child records (groups) ------------------------------------------------

# recount LEAD-INST CHILD-ID DELTA: $base with the counts that count
# CHILD-ID records raised by DELTA, in the lead record and in the trailer.
recount() {
	awk -F '\t' -v lead="$1" -v id="$2" -v d="$3" '
		function counts_it(c) { return (" " c " ") ~ (" (\\*|" id ") ") }
		($4 == lead || $2 == "trailer") && $11 != "" && counts_it($11) { print $1, $12 + d }' "$fields" >"$work/recount"
	awk 'FNR == NR { v[$1] = $2; next }
		FNR in v { sub(/>[^<]*</, ">" v[FNR] "<") } { print }' "$work/recount" "$base"
}

# Only when the sample has child records (a mapping may declare them for a
# record the sample lacks: a receipt without its checkpoint).
if awk -F '\t' '$2 == "child" { found = 1 } END { exit !found }' "$records"; then
	# The lead record with the most kinds of child record.
	lead=$(awk -F '\t' '$2 == "child" { k = $7 SUBSEP $3; if (!(k in seen)) { seen[k]; n[$7]++ } }
		END { for (i in n) if (n[i] > best) { best = n[i]; lead = i } print lead }' "$records")
	first_child=$(awk -F '\t' -v p="$lead" '$7 == p { print $1; exit }' "$records")
	last_child=$(awk -F '\t' -v p="$lead" '$7 == p { i = $1 } END { print i }' "$records")
	# Of its children, the kind that may repeat most; its first record.
	el=$(awk -F '\t' 'FNR == NR { max[$2] = $4; next }
		$7 == p && max[$3] > best { best = max[$3]; el = $3 } END { print el }' p="$lead" "$children" "$records")
	first=$(awk -F '\t' -v p="$lead" -v c="$el" '$7 == p && $3 == c { print $1; exit }' "$records")
	id=$(rec "$first" 4)
	max=$(awk -F '\t' -v c="$el" '$2 == c { print $4; exit }' "$children")
	have=$(awk -F '\t' -v p="$lead" -v c="$el" '$7 == p && $3 == c { n++ } END { print n }' "$records")
	block=$(sed -n "$(rec "$first" 5),$(rec "$first" 6)p" "$src")
	# The child record repeated up to its max, then once more; counts fixed
	# (a count too big for its field is refused by both).
	for want in "$max" $((max + 1)); do
		extra=$((want - have))
		[ "$extra" -gt 0 ] || continue
		more=$(for _ in $(seq "$extra"); do printf '%s\n' "$block"; done)
		recount "$lead" "$id" "$extra" >"$work/counted"
		base=$work/counted
		insert_after "$(rec "$first" 6)" "$more" |
			emit "child-$el-x$want" "$want <$el> in the <$(rec "$lead" 3)> of line $(rec "$lead" 5) (max $max), counts fixed"
		base=$src
	done
	# The last child record moved before the first one (order matters).
	if [ "$(rec "$last_child" 3)" != "$(rec "$first_child" 3)" ]; then
		move_lines "$(rec "$last_child" 5)" "$(rec "$last_child" 6)" "$(rec "$first_child" 5)" |
			emit child-out-of-order "<$(rec "$last_child" 3)> moved before <$(rec "$first_child" 3)> in the record of line $(rec "$lead" 5)"
	fi
	# Two adjacent child records of one kind swapped.
	next_one=$((first + 1))
	if [ "$(rec "$next_one" 3)" = "$el" ] && [ "$(rec "$next_one" 7)" = "$lead" ]; then
		move_lines "$(rec "$next_one" 5)" "$(rec "$next_one" 6)" "$(rec "$first" 5)" |
			emit child-same-kind-swapped "two <$el> (lines $(rec "$first" 5) and $(rec "$next_one" 5)) swapped"
	fi
	# The last field of the lead moved after its child records.
	l=$(awk -F '\t' -v p="$lead" '$4 == p { l = $1 } END { print l }' "$fields")
	move_lines "$l" "$l" "$(rec "$lead" 6)" |
		emit lead-field-after-children "<$(name_of "$l")> (line $l) moved after the child records"
	# A child record outside its lead, between data records.
	move_lines "$(rec "$first" 5)" "$(rec "$first" 6)" "$trailer_start" |
		emit child-outside-lead "<$el> (line $(rec "$first" 5)) moved out of its lead, before the trailer"
fi

[ ! -e "$work/failed" ]
