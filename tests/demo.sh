#!/bin/sh
# demo.sh - what csgw does today, on the sample extracts of tests/data.
#
# usage: tests/demo.sh PATH_TO_CSGW
# For every batch type: map the fixed-width extract to XML, validate it
# with csgw and with xmllint against the generated schema, unmap it and
# compare with the original.  Then one bad extract, refused.
# Everything is written under demo-out/ (git-ignored).
set -eu
csgw=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/demo-out"
rm -rf "$out"
mkdir -p "$out"
cd "$out"

say() { printf '\n== %s\n' "$*"; }

say "csgw $("$csgw" --version | cut -d' ' -f2): families and batch types (csgw mapping list)"
"$csgw" mapping list

for f in "$top"/tests/data/*.txt; do
	type=$(basename "$f" .txt)
	family=${type%%-*}
	say "$type: $(wc -l <"$f") fixed-width lines -> XML -> fixed width"
	"$csgw" --environment test map "$type" "$f" -o "$type.xml"
	"$csgw" mapping xsd "$family" >"$family.xsd"
	"$csgw" --environment test validate "$type.xml"
	xmllint --noout --schema "$family.xsd" "$type.xml" 2>&1 | sed 's/^/xmllint: /'
	"$csgw" --environment test unmap "$type.xml" -o "$type.back.txt"
	cmp "$f" "$type.back.txt" && echo "round trip: $type.back.txt is byte for byte the original"
done

say "a bad extract: one new-hire record with an impossible date and an SSN with serial 0000"
cp "$top/tests/data/ndnh-report.txt" bad.txt
awk 'NR == 2 { $0 = substr($0, 1, 2) "900120000" substr($0, 12, 260) "20230229" substr($0, 280) } { print }' \
	bad.txt >bad.tmp && mv bad.tmp bad.txt
if "$csgw" --environment test map ndnh-report bad.txt -o bad.xml; then
	echo "demo: the bad extract was accepted; that is a bug" >&2
	exit 1
fi
[ ! -e bad.xml ] && echo "(exit 65; no bad.xml was written; the SSN is masked)"

say "where to look next"
echo "XML batches, generated schemas and round-trip copies: $out"
echo "record layouts: $csgw mapping show ndnh    configuration: gateway/gateway.conf.example"
