# helpers.bash - shared by the bats CLI tests.
#
# CSGW (the binary), CSGW_TOP (repo top) and CSGW_MAPPINGS come from
# tests/run.sh; running a .bats file alone falls back to the build tree.

: "${CSGW_TOP:=$(cd "$(dirname "${BATS_TEST_FILENAME}")/../.." && pwd)}"
: "${CSGW:=$CSGW_TOP/build/csgw}"
: "${CSGW_MAPPINGS:=$CSGW_TOP/mappings}"
export CSGW CSGW_TOP CSGW_MAPPINGS
DATA="$CSGW_TOP/tests/data"

# csgw in the test environment (SSN areas 900-999 are test data).
csgw_test() {
	"$CSGW" --environment test "$@"
}

# set_field FILE LINE POS TEXT: overwrite TEXT at 1-based POS of line LINE.
set_field() {
	awk -v l="$2" -v p="$3" -v t="$4" 'NR == l { $0 = substr($0, 1, p - 1) t substr($0, p + length(t)) } { print }' \
		"$1" >"$1.new" && mv "$1.new" "$1"
}

# The number of the first line whose record id is ID.
line_of() {
	grep -n "^$2" "$1" | head -1 | cut -d: -f1
}

# No output and no temporary file of ours left in a folder.
assert_nothing_written() {
	local dir=$1 out=$2
	[ ! -e "$out" ] || { echo "output $out exists"; return 1; }
	if ls -A "$dir" | grep -q '\.tmp$'; then
		echo "temporary files left: $(ls -A "$dir")"
		return 1
	fi
}
