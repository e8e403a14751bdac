#!/usr/bin/env bats
# agreement.bats - csgw and xmllint judge the same documents the same.
#
# A family's XSD is generated from the mapping csgw validates with, so
# 'csgw validate' (test environment) must accept exactly the documents that
# 'xmllint --schema' accepts, for documents without a DOCTYPE.  Each sample
# extract tests/data/TYPE.txt is mapped to a valid batch; tests/cli/mutate.sh
# makes mutants of it (each changes one thing; some stay valid, some do not)
# and both judge every mutant.  A family passes when they agree on all of
# them and both verdicts occur.  The trailer and group counts, the one rule
# csgw applies beyond the XSD, are left intact by every mutant.
#
# Mutants using xsi:type are judged in a test of their own, so that a
# disagreement there does not hide the rest.

load helpers

MUTATE="$BATS_TEST_DIRNAME/mutate.sh"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# The family of a batch type, from 'csgw mapping list'.
family_of() {
	"$CSGW" mapping list | awk -v t="$1" '
		$1 == "batch" { if ($2 == t) print family; next }
		$1 != "namespace" { family = $1 }'
}

# Every family, from 'csgw mapping list'.
families() {
	"$CSGW" mapping list | awk 'NF && $1 != "namespace" && $1 != "batch" { print $1 }'
}

# The batch types of FAMILY that have a sample extract.
samples_of() {
	local f t
	for f in "$DATA"/*.txt; do
		t=$(basename "$f" .txt)
		[ "$(family_of "$t")" = "$1" ] && echo "$t"
	done
	return 0
}

# judge XSD FILE: prints "csgw-verdict xmllint-verdict" (accept, reject, or
# "error:STATUS" for an exit that is neither), their outputs in FILE.csgw
# and FILE.xmllint.
judge() {
	local xsd=$1 file=$2 c=0 x=0 cv xv
	timeout 60 "$CSGW" --environment test validate "$file" >"$file.csgw" 2>&1 || c=$?
	timeout 60 xmllint --noout --nonet --schema "$xsd" "$file" >"$file.xmllint" 2>&1 || x=$?
	case $c in 0) cv=accept ;; 65) cv=reject ;; *) cv=error:$c ;; esac
	case $x in 0) xv=accept ;; [1-9]) xv=reject ;; *) xv=error:$x ;; esac
	echo "$cv $xv"
}

# agree FAMILY WHICH: maps every sample of FAMILY, makes its mutants, and
# has csgw and xmllint judge each one.  WHICH is 'main' (every mutant but
# xsi-type-*) or 'xsi-type'.  Reports the tally on the TAP stream; fails on
# any disagreement, on an exit that is neither verdict, or when the main
# corpus lacks accepted or rejected mutants.
agree() {
	local family=$1 which=$2 xsd=$BATS_TEST_TMPDIR/$1.xsd
	local t dir name what verdict accepted=0 rejected=0 bad=0 n
	"$CSGW" mapping xsd "$family" >"$xsd"
	: >disagreements
	: >disagreed
	for t in $(samples_of "$family"); do
		csgw_test map "$t" "$DATA/$t.txt" -o "$t.xml" 2>/dev/null
		verdict=$(judge "$xsd" "$t.xml")
		if [ "$verdict" != "accept accept" ]; then
			echo "the valid sample $t.xml is not accepted by both: $verdict"
			cat "$t.xml.csgw" "$t.xml.xmllint"
			return 1
		fi
		dir=$BATS_TEST_TMPDIR/$t
		"$MUTATE" "$family" "$t.xml" "$dir" >"$t.manifest"
		n=0
		while IFS="$(printf '\t')" read -r name what; do
			case $which:$name in
			main:xsi-type-*) continue ;;
			xsi-type:xsi-type-*) ;;
			xsi-type:*) continue ;;
			esac
			n=$((n + 1))
			verdict=$(judge "$xsd" "$dir/$name.xml")
			case $verdict in
			"accept accept") accepted=$((accepted + 1)) ;;
			"reject reject") rejected=$((rejected + 1)) ;;
			*)
				bad=$((bad + 1))
				echo "$t/$name: csgw ${verdict% *}, xmllint ${verdict#* }" >>disagreed
				[ "$bad" -le 5 ] || continue
				{
					echo "=== DISAGREEMENT $t/$name: csgw ${verdict% *}, xmllint ${verdict#* }"
					echo "mutant: $what"
					diff -u "$t.xml" "$dir/$name.xml" | tail -n +3 | head -n 40 || true
					echo "--- csgw validate:"
					head -n 20 "$dir/$name.xml.csgw"
					echo "--- xmllint --schema:"
					head -n 20 "$dir/$name.xml.xmllint"
				} >>disagreements
				;;
			esac
		done <"$t.manifest"
		if [ "$which" = main ] && [ "$n" -lt 24 ]; then
			echo "only $n mutants of $t; expected a few dozen"
			return 1
		fi
	done
	echo "# $family ($which): $((accepted + rejected + bad)) mutants; both accepted $accepted, both rejected $rejected, disagreed $bad" >&3
	if [ "$bad" -gt 0 ]; then
		echo "$family: csgw and xmllint disagree on $bad mutants:"
		cat disagreed
		echo "The first ones in full:"
		cat disagreements
		return 1
	fi
	if [ "$which" = main ] && { [ "$accepted" -eq 0 ] || [ "$rejected" -eq 0 ]; }; then
		echo "$family: both verdicts must occur (accepted $accepted, rejected $rejected)"
		return 1
	fi
}

@test "every family has a sample extract (agreement covers them all)" {
	local family
	for family in $(families); do
		[ -n "$(samples_of "$family")" ] || {
			echo "no tests/data sample for family $family"
			return 1
		}
	done
}

@test "fcr: csgw validate and xmllint --schema agree on every mutant" {
	agree fcr main
}

@test "locate: csgw validate and xmllint --schema agree on every mutant" {
	agree locate main
}

@test "ndnh: csgw validate and xmllint --schema agree on every mutant" {
	agree ndnh main
}

@test "offset: csgw validate and xmllint --schema agree on every mutant" {
	agree offset main
}

@test "receipt: csgw validate and xmllint --schema agree on every mutant" {
	agree receipt main
}

@test "referral: csgw validate and xmllint --schema agree on every mutant" {
	agree referral main
}

@test "xsi:type (the declared type, another type): csgw and xmllint agree, every family" {
	local family failed=0
	for family in $(families); do
		agree "$family" xsi-type || failed=1
	done
	[ "$failed" -eq 0 ]
}
