#!/usr/bin/env bats
# demo.bats - make demo's script, the main job, runs end to end (twice:
# it cleans up after itself) and shows what it promises.

load helpers

@test "the demo: two gateways exchange for real, and it runs again cleanly" {
	export CSGW_DEMO_OUT=$BATS_TEST_TMPDIR/demo
	for round in 1 2; do
		run "$CSGW_TOP/tests/demo.sh" "$CSGW"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
	done
	[[ "$output" == *"LO1 P LSALL answers L-000001 (case CA0001)"* ]]
	[[ "$output" == *"ncpLocate.residentialAddressLine1      1400 CONGRESS AVE"* ]]
	[[ "$output" == *"DISCLOSURE PROHIBITED, COURT ONLY"* ]]
	[[ "$output" == *"ENF A FRINF answers 060000000003"* ]]
	[[ "$output" == *"denied by L-ENFORCEMENT-CLOSED"* ]]
	[[ "$output" == *"MSC U GSCLO from CA"* ]]
	[[ "$output" == *"closure refused: only the party who opened the case (custodial-party) may ask"* ]]
	[[ "$output" == *"case CA0003: offset release of case CA0003 queued for OCSE as "* ]]
	[[ "$output" == *"case CA0003: to OCSE: D, delete of the non-TANF certification: every offset remedy released, the passport denial with it"* ]]
	[[ "$output" == *"release=license-suspension"* ]]
	[[ "$output" == *"case CA0004: the federal tax refund offset continues"* ]]
	[[ "$output" == *"passport denial (non-TANF certification)"*"released 20"* ]]
	[[ "$output" == *"federal tax refund offset (TANF certification)"*"in force"* ]]
	[[ "$output" == *"sent to OCSE as 06-offset-"* ]]
	[[ "$output" == *"sent to OCSE as 06-ndnh-"* ]]
	[ "$(grep -c "signed checkpoint(s) agree" <<<"$output")" -eq 2 ]
	[[ "$output" == *"csgw audit report: review.html: "*"; the log verifies"* ]]
	grep -q 'data-verified="yes"' "$CSGW_DEMO_OUT/ca06-review.html"
	[[ "$output" != *"900123456"* && "$output" != *"906543210"* ]]
	# Its sshd is gone.
	! pgrep -f "$CSGW_DEMO_OUT/sftp" >/dev/null || false
}
