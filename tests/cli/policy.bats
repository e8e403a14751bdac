#!/usr/bin/env bats
# policy.bats - the disclosure policy (mappings/policy/policy.xml) through
# csgw policy explain: one test for each outcome the law requires
# (DOMAIN.md section 5), each a table of cases
#   "BATCH RECORD | OPTIONS | expected record decision and rule | FIELD=decision/rule ..."
# run against the sample batches and variants of them.  Protections and
# case status go through csgw protect and csgw case into a real registry.

load helpers
load pki

setup_file() {
	make_pki "$BATS_FILE_TMPDIR"
	local d=$BATS_FILE_TMPDIR
	"$CSGW" --environment test map locate-response "$DATA/locate-response.txt" -o "$d/lr.xml" >/dev/null
	"$CSGW" --environment test map referral "$DATA/referral.txt" -o "$d/ref.xml" >/dev/null
	"$CSGW" --environment test map ndnh-report "$DATA/ndnh-report.txt" -o "$d/ndnh.xml" >/dev/null
	# The same referrals, the enforcement transaction (record 2) turned
	# into a collection (COL), so its IRS intercept travels inside one.
	cp "$DATA/referral.txt" "$d/col.txt"
	set_field "$d/col.txt" 9 37 COL
	"$CSGW" --environment test map referral "$d/col.txt" -o "$d/col.xml" >/dev/null
	# The CSI transaction (record 1) with a nondisclosure finding.
	cp "$DATA/referral.txt" "$d/nd.txt"
	set_field "$d/nd.txt" 3 363 Y
	"$CSGW" --environment test map referral "$d/nd.txt" -o "$d/nd.xml" >/dev/null
	# The locate responses, record 3 (SSN 906-54-3210) with its address and
	# employer blanked: name and SSN only (positions 228-448); batch 000132.
	cp "$DATA/locate-response.txt" "$d/fvid.txt"
	set_field "$d/fvid.txt" 4 228 "$(printf '%221s' '')"
	set_field "$d/fvid.txt" 1 10 000132
	"$CSGW" --environment test map locate-response "$d/fvid.txt" -o "$d/fvid.xml" >/dev/null
	# Several addresses of one person (one FF record per source and
	# address), far apart:   1: 906-54-3210 residence 2024-01-10;
	# 2: 901-23-4567 residence (IRS); 3: 901-23-4567 employer, undated;
	# 4: 906-54-3210 residence 2025-03-01 (the most recent); 5: 901-23-4567
	# employer 2024-06-01 (the most recent); 6: 906-54-3210 residence,
	# undated; 7: no address.
	local n
	for n in 1 4 2 3 4 3 4 5 6; do sed -n "${n}p" "$DATA/locate-response.txt"; done >"$d/recent.txt"
	set_field "$d/recent.txt" 5 230 "$(printf '%-40s' '88 HARBOR RD')"
	set_field "$d/recent.txt" 5 386 20250301
	set_field "$d/recent.txt" 6 230 "$(printf '%-40s' 'BAYSIDE FREIGHT LLC')"
	set_field "$d/recent.txt" 6 386 20240601
	set_field "$d/recent.txt" 6 394 "$(printf '%-45s' 'BAYSIDE FREIGHT LLC')"
	set_field "$d/recent.txt" 7 386 "$(printf '%8s' '')"
	set_field "$d/recent.txt" 9 3 00000007
	"$CSGW" --environment test map locate-response "$d/recent.txt" -o "$d/recent.xml" >/dev/null
}

setup() {
	use_pki
	rm -f "$PKI"/ca06-audit/registry.db*
}

# explain BATCH RECORD OPTIONS...: csgw policy explain as state CA (06).
explain() {
	local batch=$1 record=$2
	shift 2
	"$CSGW" -c "$CA" policy explain "$PKI/$batch.xml" --record "$record" "$@" 2>/dev/null
}

# check_case "BATCH RECORD | OPTIONS | EFFECT RULE | FIELD=EFFECT/RULE ...":
# the record's decision and rule, and each listed field's.
check_case() {
	local spec=$1 where opts want fields out
	IFS='|' read -r where opts want fields <<<"$spec"
	# shellcheck disable=SC2086 # the options are words on purpose
	out=$(explain $where $opts) || { echo "explain failed: $spec"; return 1; }
	read -r effect rule <<<"$want"
	if ! grep -q "^  decision: $effect, rule $rule " <<<"$out"; then
		echo "case: $spec"
		echo "$out" | sed -n 1,6p
		return 1
	fi
	local f
	for f in $fields; do
		local name=${f%%=*} decision=${f#*=}
		if ! awk -v n="$name" -v d="${decision%%/*}" -v r="${decision#*/}" \
			'$2 == n && $4 == d && $5 == r { found = 1 } END { exit !found }' <<<"$out"; then
			echo "case: $spec"
			echo "field $name: expected $decision; got:"
			awk -v n="$name" '$2 == n' <<<"$out"
			return 1
		fi
	done
}

check_cases() {
	local c
	for c in "$@"; do
		check_case "$c" || return 1
	done
}

@test "policy check: the shipped policy is consistent" {
	run "$CSGW" policy check
	[ "$status" -eq 0 ]
	[[ "$output" == *"policy.xml: ok: 7 classes, 5 purposes, "* ]]
}

@test "policy check: a broken policy is refused with each problem on its line (78)" {
	cp -r "$CSGW_MAPPINGS" maps
	sed -i 's/class="court" purposes="child-support"/class="judge" purposes="child-support"/' maps/policy/policy.xml
	sed -i 's/<when subject="family-violence" class-not="court"\/>/<when purpose="fishing"\/>/' maps/policy/policy.xml
	sed -i 's/field="agencyCode" values="C01"/field="agencyKode" values="C01"/' maps/policy/policy.xml
	run "$CSGW" --mappings maps policy check
	[ "$status" -eq 78 ]
	[[ "$output" == *"policy.xml:"*": class 'judge' is not defined"* ]]
	[[ "$output" == *"policy.xml:"*": purpose 'fishing' is not defined"* ]]
	[[ "$output" == *"policy.xml:"*": record FF of locate has no field agencyKode"* ]]
	# A field of an unknown category fails the schema, with its line.
	cp -r "$CSGW_MAPPINGS" maps2
	sed -i 's/categories="control case identity ssn address employer locate">location only/categories="control whereabouts">location only/' maps2/policy/policy.xml
	run "$CSGW" --mappings maps2 policy check
	[ "$status" -eq 78 ]
	[[ "$output" == *"policy.xml:"[0-9]*": "*"whereabouts"* ]]
}

@test "1. family violence: no whereabouts to anyone but a court; the requester gets the notice" {
	run "$CSGW" -c "$CA" --environment test protect add --ssn 901-23-4567 --flag family-violence
	[ "$status" -eq 0 ]
	[[ "$output" == "protected ***-**-4567: family-violence in every case" ]]
	check_cases \
		"lr 2 | --class iv-d-agency --purpose child-support | prohibit L-FAMILY-VIOLENCE | addressLine1=redact/L-FAMILY-VIOLENCE employerName=redact/L-FAMILY-VIOLENCE" \
		"lr 2 | --partner TX --purpose child-support | prohibit L-FAMILY-VIOLENCE |" \
		"lr 2 | --class resident-parent --purpose child-support | prohibit L-FAMILY-VIOLENCE |" \
		"lr 2 | --class custody-authority --purpose parental-kidnapping | prohibit L-FAMILY-VIOLENCE |" \
		"lr 2 | --class court --purpose child-support | allow G-COURT | addressLine1=allow/G-COURT employerName=allow/G-COURT" \
		"lr 3 | --class iv-d-agency --purpose child-support | allow G-IVD | addressLine1=allow/G-IVD"
	out=$(explain lr 2 --class iv-d-agency --purpose child-support)
	[[ "$out" == *"subject: family-violence"* ]]
	[[ "$out" == *"notice sent instead: Disclosure prohibited: "*"Only a court may receive this information."* ]]
	# The flag a record carries itself counts too (FCR person record FV).
	run "$CSGW" -c "$CA" --environment test protect remove --ssn 901-23-4567 --flag family-violence --reason "court order vacated"
	[ "$status" -eq 0 ]
	check_case "lr 2 | --class iv-d-agency --purpose child-support | allow G-IVD |"
}

@test "1b. family violence: a locate answer with only name and SSN is no less prohibited (653(b)(2))" {
	# Without the flag, the answer goes as it is.
	check_case "fvid 3 | --class iv-d-agency --purpose child-support | allow G-IVD | ssn=allow/G-IVD lastName=allow/G-IVD"
	run "$CSGW" -c "$CA" --environment test protect add --ssn 906-54-3210 --flag family-violence
	[ "$status" -eq 0 ]
	check_cases \
		"fvid 3 | --class iv-d-agency --purpose child-support | prohibit L-FAMILY-VIOLENCE-ANSWER | ssn=redact/L-FAMILY-VIOLENCE-ANSWER lastName=redact/L-FAMILY-VIOLENCE-ANSWER" \
		"fvid 3 | --partner TX --purpose child-support | prohibit L-FAMILY-VIOLENCE-ANSWER |" \
		"fvid 3 | --class resident-parent --purpose child-support | prohibit L-FAMILY-VIOLENCE-ANSWER |" \
		"fvid 3 | --class custody-authority --purpose custody-visitation | prohibit L-FAMILY-VIOLENCE-ANSWER |" \
		"fvid 3 | --class court --purpose child-support | allow G-COURT | ssn=allow/G-COURT lastName=allow/G-COURT" \
		"fvid 3 | --class court --purpose custody-visitation | redact DEFAULT-DENY | lastName=allow/G-663" \
		"lr 3 | --class iv-d-agency --purpose child-support | prohibit L-FAMILY-VIOLENCE | addressLine1=redact/L-FAMILY-VIOLENCE" \
		"fvid 2 | --class iv-d-agency --purpose child-support | allow G-IVD |"
	out=$(explain fvid 3 --partner TX --purpose child-support)
	[[ "$out" == *"notice sent instead: Disclosure prohibited: "*"Only a court may receive this information."* ]]
	# What leaves: the notice, not the record (no SSN, no name).
	run "$CSGW" -c "$CA" policy apply "$PKI/fvid.xml" --partner TX --purpose child-support -o out.xml
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 prohibited (1 notices)"* ]]
	[ "$(xmllint --xpath 'count(//*[local-name()="disclosureProhibited"])' out.xml)" -eq 1 ]
	[ "$(xmllint --xpath 'string(//*[local-name()="disclosureProhibited"]/*[local-name()="caseId"])' out.xml)" = PK2024000008 ]
	! grep -q -e 906543210 -e KAREN -e DOE-EXAMPLE out.xml || false
	# The state's own reports to the federal office keep the indicator and go.
	run "$CSGW" -c "$CA" --environment test protect add --ssn 900-12-3456 --flag family-violence
	[ "$status" -eq 0 ]
	"$CSGW" --environment test map fcr-input "$DATA/fcr-input.txt" -o fcr.xml
	run "$CSGW" -c "$CA" policy explain fcr.xml --partner OCSE --purpose child-support --record 2
	[ "$status" -eq 0 ]
	[[ "$output" == *"subject: family-violence"* ]]
	[[ "$output" == *"decision: allow, rule G-FEDERAL "* ]]
}

@test "2. nondisclosure finding or protective order: no whereabouts to the other party" {
	check_cases \
		"nd 1 | --class resident-parent --purpose child-support | redact L-PROTECTED-PARTY | residentialAddressLine1=redact/L-PROTECTED-PARTY" \
		"nd 1 | --partner TX --purpose child-support | allow G-IVD |" \
		"ref 1 | --class resident-parent --purpose child-support | redact DEFAULT-DENY |"
	# A protective order recorded for the NCP in this case only.
	run "$CSGW" -c "$CA" --environment test protect add --ssn 901234567 --case CS2024000117 --flag protective-order
	[ "$status" -eq 0 ]
	check_cases \
		"ref 1 | --class resident-parent --purpose child-support | redact L-PROTECTED-PARTY | residentialAddressLine1=redact/L-PROTECTED-PARTY" \
		"lr 4 | --class resident-parent --purpose child-support | allow G-RESIDENT-PARENT |"
}

@test "3. federal tax information: IV-D agencies only; another state only inside collection" {
	check_cases \
		"lr 1 | --class iv-d-agency --purpose child-support | allow G-IVD | addressLine1=allow/G-IVD" \
		"lr 1 | --partner TX --purpose child-support | redact L-FTI-INTERSTATE | addressLine1=redact/L-FTI-INTERSTATE caseId=allow/G-IVD" \
		"lr 1 | --class resident-parent --purpose child-support | redact L-FTI-RECIPIENT | addressLine1=redact/L-FTI-RECIPIENT" \
		"lr 1 | --class court --purpose child-support | redact L-FTI-RECIPIENT | addressLine1=redact/L-FTI-RECIPIENT" \
		"lr 1 | --class custody-authority --purpose custody-visitation | redact L-FTI-RECIPIENT | addressLine1=redact/L-FTI-RECIPIENT" \
		"lr 1 | --class state-program --purpose program-eligibility | redact L-FTI-RECIPIENT | addressLine1=redact/L-FTI-RECIPIENT" \
		"lr 2 | --partner TX --purpose child-support | allow G-IVD | addressLine1=allow/G-IVD" \
		"ref 2 | --partner TX --purpose child-support | redact L-FTI-INTERSTATE | amount=redact/L-FTI-INTERSTATE" \
		"col 2 | --partner TX --purpose child-support | allow G-IVD | amount=allow/G-IVD" \
		"col 2 | --class court --purpose child-support | redact L-FTI-RECIPIENT | amount=redact/L-FTI-RECIPIENT"
	# The IRS collection is FTI, the wage withholding beside it is not.
	out=$(explain ref 2 --partner TX --purpose child-support)
	[ "$(grep -c '^  CL   amount  *collection,fti  *redact  *L-FTI-INTERSTATE ' <<<"$out")" -eq 1 ]
	[ "$(grep -c '^  CL   amount  *collection  *allow  *G-IVD ' <<<"$out")" -eq 1 ]
}

@test "4. kidnapping and custody: address and employer only, only to 663(d)(2) recipients, no IRS data" {
	check_cases \
		"lr 2 | --class custody-authority --purpose parental-kidnapping | redact DEFAULT-DENY | addressLine1=allow/G-663-AUTHORITY employerName=allow/G-663-AUTHORITY ssn=redact/DEFAULT-DENY" \
		"lr 2 | --class court --purpose custody-visitation | redact DEFAULT-DENY | addressLine1=allow/G-663 ssn=redact/DEFAULT-DENY" \
		"lr 1 | --class custody-authority --purpose custody-visitation | redact L-FTI-RECIPIENT | addressLine1=redact/L-FTI-RECIPIENT" \
		"ref 2 | --class custody-authority --purpose custody-visitation | deny L-FTI-RECIPIENT |" \
		"lr 2 | --class iv-d-agency --purpose parental-kidnapping | deny PURPOSE-NOT-AUTHORIZED |" \
		"lr 2 | --class resident-parent --purpose custody-visitation | deny PURPOSE-NOT-AUTHORIZED |"
}

@test "4b. kidnapping and custody: the most recent address and place of employment, not every one (663(c))" {
	local cv="--class custody-authority --purpose custody-visitation"
	check_cases \
		"recent 1 | $cv | deny L-663-MOST-RECENT |" \
		"recent 2 | $cv | redact L-FTI-RECIPIENT | addressLine1=redact/L-FTI-RECIPIENT" \
		"recent 3 | $cv | deny L-663-MOST-RECENT |" \
		"recent 4 | $cv | redact DEFAULT-DENY | addressLine1=allow/G-663-AUTHORITY dateOfAddress=allow/G-663-AUTHORITY ssn=redact/DEFAULT-DENY" \
		"recent 5 | $cv | redact DEFAULT-DENY | employerName=allow/G-663-AUTHORITY addressLine1=allow/G-663-AUTHORITY" \
		"recent 6 | $cv | deny L-663-MOST-RECENT |" \
		"recent 7 | $cv | allow G-663-AUTHORITY |" \
		"recent 1 | --class court --purpose parental-kidnapping | deny L-663-MOST-RECENT |" \
		"recent 4 | --class court --purpose parental-kidnapping | redact DEFAULT-DENY | addressLine1=allow/G-663" \
		"recent 1 | --class iv-d-agency --purpose child-support | allow G-IVD | addressLine1=allow/G-IVD" \
		"recent 3 | --class iv-d-agency --purpose child-support | allow G-IVD | employerName=allow/G-IVD" \
		"recent 6 | --class iv-d-agency --purpose child-support | allow G-IVD | addressLine1=allow/G-IVD" \
		"recent 1 | --class court --purpose child-support | allow G-COURT | addressLine1=allow/G-COURT"
	# --record decides within the whole batch all the same.
	out=$("$CSGW" -c "$CA" policy explain "$PKI/recent.xml" $cv --record 1 2>/dev/null)
	[[ "$out" == *"decision: deny, rule L-663-MOST-RECENT (42 U.S.C. 663(c))"* ]]
	[[ "$out" == *"reason: "*"most recent"* ]]

	printf '\n[partner CUSTODY]\nclass = custody-authority\n' >custody.part
	cat "$CA" custody.part >custody.conf
	sed -i "s|= pki/|= $PKI/pki/|; s|= ca06-|= $PKI/ca06-|" custody.conf
	run "$CSGW" -c custody.conf policy apply "$PKI/recent.xml" --partner CUSTODY --purpose custody-visitation -o out.xml
	[ "$status" -eq 0 ]
	[[ "$output" == *"7 records for CUSTODY (custody-authority) for custody-visitation: 1 allowed, 3 redacted, 3 denied, 0 prohibited"* ]]
	xmllint --noout --schema "$CSGW_MAPPINGS/locate/locate.xsd" out.xml
	[ "$(xmllint --xpath 'count(//*[local-name()="locateResponse"])' out.xml)" -eq 4 ]
	[ "$(xmllint --xpath '//*[local-name()="addressLine1"]/text()' out.xml | tr '\n' '|')" = "88 HARBOR RD|BAYSIDE FREIGHT LLC|" ]
	! grep -q -e 'UNIT 2050' -e 'ACME' out.xml || false
	db=$PKI/ca06-audit/audit.db
	sha=$(sha256sum out.xml | cut -d' ' -f1)
	[ "$(sqlite3 "$db" "SELECT group_concat(record_id || ':' || decision || ':' || rule_id, ' ') FROM entries WHERE direction = 'out' AND file_sha256 = '$sha'")" = "1:deny:L-663-MOST-RECENT 2:redact:L-FTI-RECIPIENT 3:deny:L-663-MOST-RECENT 4:redact:DEFAULT-DENY 5:redact:DEFAULT-DENY 6:deny:L-663-MOST-RECENT 7:allow:G-663-AUTHORITY" ]
	[ "$(sqlite3 "$db" "SELECT citation FROM entries WHERE file_sha256 = '$sha' AND record_id = '1'")" = "42 U.S.C. 663(c)" ]
	! ls -A . | grep -q csgw-disclose || false
	# An IV-D agency, for child support, gets every address.
	run "$CSGW" -c "$CA" policy apply "$PKI/recent.xml" --partner TX --purpose child-support -o all.xml
	[ "$status" -eq 0 ]
	[[ "$output" == *"7 records for TX (iv-d-agency) for child-support: 6 allowed, 1 redacted, 0 denied"* ]]
	[ "$(grep -c 'UNIT 2050' all.xml)" -eq 2 ]
	[ "$(xmllint --xpath 'count(//*[local-name()="addressLine1"])' all.xml)" -eq 5 ]
}

@test "5. resident parent (653(c)(3)): location only, nothing financial, no FTI" {
	check_cases \
		"lr 2 | --class resident-parent --purpose child-support | allow G-RESIDENT-PARENT | addressLine1=allow/G-RESIDENT-PARENT employerName=allow/G-RESIDENT-PARENT" \
		"lr 1 | --class resident-parent --purpose child-support | redact L-FTI-RECIPIENT | addressLine1=redact/L-FTI-RECIPIENT" \
		"col 2 | --class resident-parent --purpose child-support | deny L-FTI-RECIPIENT |" \
		"ref 1 | --class resident-parent --purpose child-support | redact DEFAULT-DENY | residentialAddressLine1=allow/G-RESIDENT-PARENT amount=redact/DEFAULT-DENY"
}

@test "6. state programs: no unverified NDNH or FCR data, never bank match, never IRS data" {
	local recent
	recent=$(date -u -d '1 month ago' +%F)
	check_cases \
		"ndnh 1 | --class state-program --purpose program-eligibility --entered $recent | deny L-UNVERIFIED-PROGRAM |" \
		"ndnh 1 | --class state-program --purpose program-eligibility --entered $recent --verified | allow G-STATE-PROGRAM |" \
		"ref 1 | --class state-program --purpose program-eligibility --entered $recent --tag employerName=ndnh | redact L-UNVERIFIED-PROGRAM | employerName=redact/L-UNVERIFIED-PROGRAM" \
		"ref 1 | --class state-program --purpose program-eligibility --tag employerName=fidm | redact L-FIDM-PROGRAM | employerName=redact/L-FIDM-PROGRAM" \
		"ref 1 | --class state-program --purpose program-eligibility --verified --tag employerName=fidm | redact L-FIDM-PROGRAM | employerName=redact/L-FIDM-PROGRAM" \
		"lr 1 | --class state-program --purpose program-eligibility --verified | redact L-FTI-RECIPIENT | addressLine1=redact/L-FTI-RECIPIENT" \
		"ndnh 1 | --class state-program --purpose child-support | deny PURPOSE-NOT-AUTHORIZED |"
}

@test "7. NDNH data: never after 24 months; wage and UI data not after 12 months unless matched" {
	local d23 d25 d11 d13
	d23=$(date -u -d '23 months ago' +%F)
	d25=$(date -u -d '25 months ago' +%F)
	d11=$(date -u -d '11 months ago' +%F)
	d13=$(date -u -d '13 months ago' +%F)
	check_cases \
		"ndnh 1 | --class iv-d-agency --purpose child-support --entered $d23 | allow G-IVD |" \
		"ndnh 1 | --class iv-d-agency --purpose child-support --entered $d25 | deny L-NDNH-24-MONTHS | ssn=redact/L-NDNH-24-MONTHS" \
		"ndnh 1 | --class court --purpose child-support --entered $d25 | deny L-NDNH-24-MONTHS |" \
		"ref 1 | --class iv-d-agency --purpose child-support --entered $d25 --tag employerName=ndnh | redact L-NDNH-24-MONTHS | employerName=redact/L-NDNH-24-MONTHS residentialAddressLine1=allow/G-IVD" \
		"ndnh 3 | --class iv-d-agency --purpose child-support --entered $d11 | allow G-IVD |" \
		"ndnh 3 | --class iv-d-agency --purpose child-support --entered $d13 | deny L-QW-UI-12-MONTHS | wageAmount=redact/L-QW-UI-12-MONTHS" \
		"ndnh 3 | --class iv-d-agency --purpose child-support --entered $d13 --matched | allow G-IVD |" \
		"ndnh 5 | --class iv-d-agency --purpose child-support --entered $d13 | deny L-QW-UI-12-MONTHS |" \
		"ndnh 1 | --class iv-d-agency --purpose child-support --entered $d13 | allow G-IVD |" \
		"ndnh 1 | --class federal-office --purpose child-support --entered $d25 | allow G-FEDERAL |"
	# Without --entered, the batch's date stamp (2024-03-01) dates its data.
	check_cases \
		"ndnh 1 | --class iv-d-agency --purpose child-support | deny L-NDNH-24-MONTHS |" \
		"ndnh 1 | --partner OCSE --purpose child-support | allow G-FEDERAL |"
	# Data whose origin only the caller knows needs its date.
	run "$CSGW" -c "$CA" policy explain "$PKI/ref.xml" --class iv-d-agency --purpose child-support --tag employerName=ndnh
	[ "$status" -eq 64 ]
	[[ "$output" == *"--tag employerName=ndnh needs --entered"* ]]
}

@test "8. enforcement closed: no enforcement transactions; collection goes on; offset only for state-owed arrears" {
	check_case "ref 2 | --partner TX --purpose child-support | redact L-FTI-INTERSTATE |"
	run "$CSGW" -c "$CA" case set CS2024000240 --enforcement closed --reason "obligation paid in full"
	[ "$status" -eq 0 ]
	[[ "$output" == "case CS2024000240: enforcement closed (set "*" by "*")" ]]
	check_cases \
		"ref 2 | --partner TX --purpose child-support | deny L-ENFORCEMENT-CLOSED |" \
		"col 2 | --partner TX --purpose child-support | allow G-IVD |" \
		"ref 1 | --partner TX --purpose child-support | allow G-IVD |" \
		"col 2 | --partner TX --purpose child-support --transaction tax-refund-offset | deny L-OFFSET-CLOSED |"
	run "$CSGW" -c "$CA" case set CS2024000240 --enforcement closed --reason "obligation paid in full" --state-owed-arrears
	[ "$status" -eq 0 ]
	[[ "$output" == *"past-due support owed to the state remains"* ]]
	check_cases \
		"col 2 | --partner TX --purpose child-support --transaction tax-refund-offset | allow G-IVD |" \
		"ref 2 | --partner TX --purpose child-support | deny L-ENFORCEMENT-CLOSED |"
	run "$CSGW" -c "$CA" case set CS2024000240 --enforcement open
	[ "$status" -eq 0 ]
	check_case "ref 2 | --partner TX --purpose child-support | redact L-FTI-INTERSTATE |"
	run "$CSGW" -c "$CA" case show CS2024000240
	[[ "$output" == "case CS2024000240: enforcement open, past-due support owed to the state remains (set "* ]]
}

@test "9. a purpose the requester's class is not authorized for: denied, with the reason" {
	check_cases \
		"lr 2 | --class resident-parent --purpose parental-kidnapping | deny PURPOSE-NOT-AUTHORIZED |" \
		"lr 2 | --class child-welfare --purpose child-support | deny PURPOSE-NOT-AUTHORIZED |" \
		"lr 2 | --class state-program --purpose child-support | deny PURPOSE-NOT-AUTHORIZED |" \
		"lr 2 | --class custody-authority --purpose child-support | deny PURPOSE-NOT-AUTHORIZED |" \
		"lr 2 | --class child-welfare --purpose child-welfare | allow G-CHILD-WELFARE |" \
		"lr 2 | --class nobody --purpose child-support | deny DEFAULT-DENY |" \
		"lr 2 | --class court --purpose fishing | deny DEFAULT-DENY |"
	out=$(explain lr 2 --class resident-parent --purpose parental-kidnapping)
	[[ "$out" == *"reason: resident-parent is not authorized to receive data for parental-kidnapping (42 U.S.C. 653(c)(3))"* ]]
	[[ "$out" == *"categories sent: (none)"* ]]
}

@test "explain shows no values, and every record of a batch without --record" {
	out=$("$CSGW" -c "$CA" policy explain "$PKI/lr.xml" --partner TX --purpose child-support 2>/dev/null)
	[ "$(grep -c '^record [0-9]*: locateResponse (FF)$' <<<"$out")" -eq 4 ]
	! grep -q -e 901234567 -e 4567 -e SAMPLE -e JOHN <<<"$out" || false
	run "$CSGW" -c "$CA" policy explain "$PKI/lr.xml" --partner TX --purpose child-support --record 9
	[ "$status" -eq 64 ]
	[[ "$output" == *"there is no record 9 (the batch has 4)"* ]]
	run "$CSGW" -c "$CA" policy explain "$PKI/lr.xml" --partner NOPE --purpose child-support
	[ "$status" -eq 78 ]
	run "$CSGW" -c "$CA" policy explain "$PKI/lr.xml" --partner TX --class court --purpose child-support
	[ "$status" -eq 64 ]
	run "$CSGW" -c "$CA" policy explain "$PKI/lr.xml" --partner TX --purpose child-support --tag ssn=secret
	[ "$status" -eq 64 ]
	[[ "$output" == *"'secret' is not a data category"* ]]
	# What the caller states must be something the policy and mappings know.
	run "$CSGW" -c "$CA" policy explain "$PKI/lr.xml" --partner TX --purpose child-support --tag adress=fti
	[ "$status" -eq 64 ]
	[[ "$output" == *"--tag adress: no record of any family has that field"* ]]
	run "$CSGW" -c "$CA" policy explain "$PKI/lr.xml" --partner TX --purpose child-support --transaction collection
	[ "$status" -eq 64 ]
	[[ "$output" == *"--transaction collection: expected a kind the record cannot show: tax-refund-offset"* ]]
}

@test "a policy whose limit names an unknown kind or record id is refused: it would never apply" {
	cp -r "$CSGW_MAPPINGS" maps
	sed -i 's/transaction="enforcement"/transaction="enforcment"/; s/record="QW UI"/record="QW UJ"/' maps/policy/policy.xml
	run "$CSGW" --mappings maps policy check
	[ "$status" -eq 78 ]
	[[ "$output" == *"transaction kind 'enforcment' is neither read from records"* ]]
	[[ "$output" == *"no family has a record UJ"* ]]
	# A <most-recent> needs a date field to compare and fields that exist.
	cp -r "$CSGW_MAPPINGS" maps2
	sed -i 's/date="dateOfAddress" per="ssn addressType"/date="addressType" per="ssn adressType"/' maps2/policy/policy.xml
	run "$CSGW" --mappings maps2 policy check
	[ "$status" -eq 78 ]
	[[ "$output" == *"policy.xml:"*": record FF of locate has no date field addressType"* ]]
	[[ "$output" == *"policy.xml:"*": record FF of locate has no field adressType"* ]]
}

@test "a protection recorded for a case covers the record even when the protected person's SSN is not in it" {
	check_case "lr 2 | --class resident-parent --purpose child-support | allow G-RESIDENT-PARENT |"
	run "$CSGW" -c "$CA" --environment test protect add --ssn 900-55-6666 --case CS2024000117 --flag protective-order
	[ "$status" -eq 0 ]
	check_case "lr 2 | --class resident-parent --purpose child-support | redact L-PROTECTED-PARTY | addressLine1=redact/L-PROTECTED-PARTY"
	check_case "lr 3 | --class resident-parent --purpose child-support | allow G-RESIDENT-PARENT |"
	run "$CSGW" -c "$CA" --environment test protect add --ssn 900-55-6666 --case CS2024000117 --flag family-violence
	[ "$status" -eq 64 ]
	[[ "$output" == *"holds for the person in every case"* ]]
}

@test "a partner whose state is not given is taken for another state (FTI stays home)" {
	sed 's/^state = 48$//' "$CA" >nostate.conf
	sed -i "s|= pki/|= $PKI/pki/|; s|= ca06-|= $PKI/ca06-|" nostate.conf
	run "$CSGW" -c nostate.conf policy explain "$PKI/lr.xml" --partner TX --purpose child-support --record 1
	[ "$status" -eq 0 ]
	[[ "$output" == *"(iv-d-agency, another state)"* ]]
	[[ "$output" == *"decision: redact, rule L-FTI-INTERSTATE "* ]]
}

@test "an invalid batch is refused as validate refuses it (65), nothing explained" {
	sed 's/<agencyCode>C01</<agencyCode>ZZZ</' "$PKI/lr.xml" >bad.xml
	run "$CSGW" -c "$CA" policy explain bad.xml --partner TX --purpose child-support
	[ "$status" -eq 65 ]
	[[ "$output" == *"bad.xml:"* ]]
	[[ "$output" != *"decision:"* ]]
}

@test "protect and case changes: in the registry by keyed hash only, each an audit entry, log verifies" {
	run "$CSGW" -c "$CA" --environment test protect add --ssn 900-11-2222 --case CS2024000117 --flag nondisclosure
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$CA" --environment test protect add --ssn 900-11-2222 --case CS2024000117 --flag nondisclosure
	[ "$status" -eq 0 ]
	[[ "$output" == *"(no change: it was already recorded)"* ]]
	run "$CSGW" -c "$CA" --environment test protect list --ssn 900112222
	[ "$status" -eq 0 ]
	[[ "$output" == *"***-**-2222"*"CS2024000117"*"nondisclosure"* ]]
	run "$CSGW" -c "$CA" protect list
	[[ "$output" == *"key "*"CS2024000117"*"nondisclosure"* ]]
	[[ "$output" != *2222* ]]
	run "$CSGW" -c "$CA" case set CS2024000117 --enforcement closed --reason "obligation paid in full"
	[ "$status" -eq 0 ]
	reg=$PKI/ca06-audit/registry.db
	[ "$(stat -c %a "$reg")" = 600 ]
	! sqlite3 "$reg" .dump | grep -q -e 900112222 -e 900-11-2222 || false
	db=$PKI/ca06-audit/audit.db
	[ "$(sqlite3 "$db" "SELECT count(*) FROM entries WHERE direction = 'registry' AND decision = 'protect-add' AND rule_id = 'nondisclosure' AND case_id = 'CS2024000117' AND length(subject_key) = 64")" -ge 1 ]
	[ "$(sqlite3 "$db" "SELECT count(*) FROM entries WHERE direction = 'registry' AND record_type = 'case' AND decision = 'enforcement-closed'")" -ge 1 ]
	! sqlite3 "$db" .dump | grep -q 900112222 || false
	run "$CSGW" -c "$CA" --environment test audit search --ssn 900-11-2222
	[[ "$output" == *"protect-add"* ]]
	run "$CSGW" -c "$CA" audit checkpoint
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$CA" audit verify
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$CA" --environment test protect remove --ssn 900-11-2222 --case CS2024000117 --flag nondisclosure --reason "finding expired"
	[ "$status" -eq 0 ]
	run "$CSGW" -c "$CA" --environment test protect list --ssn 900-11-2222
	[ "$output" = "no protections recorded" ]
}

@test "protect and case refuse bad input before touching anything (64)" {
	run "$CSGW" -c "$CA" protect add --ssn 123-45-678 --flag family-violence
	[ "$status" -eq 64 ]
	[[ "$output" == *"--ssn ***-**-"*": "* ]]
	run "$CSGW" -c "$CA" --environment test protect add --ssn 900-11-2222 --flag nosy
	[ "$status" -eq 64 ]
	run "$CSGW" -c "$CA" --environment test protect add --ssn 900-11-2222
	[ "$status" -eq 64 ]
	run "$CSGW" -c "$CA" case set 'bad case' --enforcement closed --reason 'testing a bad id'
	[ "$status" -eq 64 ]
	run "$CSGW" -c "$CA" case set CS1 --enforcement maybe
	[ "$status" -eq 64 ]
	[ ! -e "$PKI/ca06-audit/registry.db" ]
}

# ---- policy apply: the batch that may go, and one audit entry per decision ----

@test "apply: FTI redacted for another state, FVI records replaced by notices; xmllint agrees; every decision logged" {
	"$CSGW" -c "$CA" --environment test protect add --ssn 906543210 --flag family-violence >/dev/null
	run "$CSGW" -c "$CA" policy apply "$PKI/lr.xml" --partner TX --purpose child-support -o out.xml
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 records for TX (iv-d-agency) for child-support: 2 allowed, 1 redacted, 0 denied, 1 prohibited (1 notices); each decision logged"* ]]
	xmllint --noout --schema "$CSGW_MAPPINGS/locate/locate.xsd" out.xml
	# Record 1 (IRS, C01) went without its address; record 2 (SSA) with it.
	[ "$(xmllint --xpath 'count(//*[local-name()="locateResponse"])' out.xml)" -eq 3 ]
	[ "$(xmllint --xpath 'count(//*[local-name()="locateResponse"][*[local-name()="agencyCode"]="C01"]/*[local-name()="addressLine1"])' out.xml)" -eq 0 ]
	[ "$(xmllint --xpath 'count(//*[local-name()="locateResponse"][*[local-name()="agencyCode"]="E01"]/*[local-name()="addressLine1"])' out.xml)" -eq 1 ]
	# Record 3 (FVI) is a notice with no whereabouts and no source.
	[ "$(xmllint --xpath 'string(//*[local-name()="disclosureProhibited"]/*[local-name()="noticeCode"])' out.xml)" = FVCRT ]
	[ "$(xmllint --xpath 'string(//*[local-name()="disclosureProhibited"]/*[local-name()="caseId"])' out.xml)" = PK2024000008 ]
	[ "$(xmllint --xpath '//*[local-name()="disclosureProhibited"]/*' out.xml | sed 's/>.*//; s/<//' | tr '\n' ' ')" = "transmitterState caseId memberId noticeCode " ]
	[ "$(xmllint --xpath 'string(//*[local-name()="recordCount"])' out.xml)" -eq 4 ]
	# The fixed-width form of what went: csgw reads its own output back.
	run csgw_test unmap out.xml -o out.txt
	[ "$status" -eq 0 ]
	db=$PKI/ca06-audit/audit.db
	sha=$(sha256sum out.xml | cut -d' ' -f1)
	[ "$(sqlite3 "$db" "SELECT group_concat(record_id || ':' || decision || ':' || rule_id, ' ') FROM entries WHERE direction = 'out' AND file_sha256 = '$sha'")" = "1:redact:L-FTI-INTERSTATE 2:allow:G-IVD 3:prohibit:L-FAMILY-VIOLENCE 4:allow:G-IVD" ]
	[ "$(sqlite3 "$db" "SELECT DISTINCT partner || ' ' || partner_class || ' ' || purpose || ' ' || family || ' ' || batch FROM entries WHERE file_sha256 = '$sha'")" = "TX iv-d-agency child-support locate 000131" ]
	[ "$(sqlite3 "$db" "SELECT categories FROM entries WHERE file_sha256 = '$sha' AND record_id = '1'")" = "control case identity ssn locate" ]
	[ "$(sqlite3 "$db" "SELECT categories FROM entries WHERE file_sha256 = '$sha' AND record_id = '3'")" = "control case identity" ]
	[ "$(sqlite3 "$db" "SELECT citation FROM entries WHERE file_sha256 = '$sha' AND record_id = '1'")" = "IRC 6103(l)(8); IRS Publication 1075" ]
	! sqlite3 "$db" .dump | grep -q -e 901234567 -e 906543210 || false
	run "$CSGW" -c "$CA" audit verify
	[ "$status" -eq 0 ]
	[[ "$output" == *"signed checkpoint(s) agree"* ]]
	run "$CSGW" -c "$CA" --environment test audit search --ssn 906-54-3210 --format csv
	[[ "$output" == *",prohibit,L-FAMILY-VIOLENCE,"* ]]
	! ls -A . | grep -q csgw-disclose || false
}

@test "apply: a referral to a resident parent under a nondisclosure finding goes without whereabouts" {
	printf '\n[partner PARENT]\nclass = resident-parent\n' >>"$CA.parent"
	cat "$CA" "$CA.parent" >parent.conf
	sed -i "s|= pki/|= $PKI/pki/|; s|= ca06-|= $PKI/ca06-|" parent.conf
	run "$CSGW" -c parent.conf policy apply "$PKI/nd.xml" --partner PARENT --purpose child-support -o out.xml
	[ "$status" -eq 0 ]
	xmllint --noout --schema "$CSGW_MAPPINGS/referral/referral.xsd" out.xml
	[ "$(xmllint --xpath 'count(//*[local-name()="residentialAddressLine1"] | //*[local-name()="employerName"] | //*[local-name()="contactName"])' out.xml)" -eq 0 ]
	[ "$(xmllint --xpath 'count(//*[local-name()="transaction"])' out.xml)" -ge 1 ]
}

@test "apply: nothing may go (65): no output, and the denials are logged all the same" {
	run "$CSGW" -c "$CA" policy apply "$PKI/lr.xml" --partner OCSE --purpose program-eligibility -o out.xml
	[ "$status" -eq 65 ]
	[[ "$output" == *"0 allowed, 0 redacted, 4 denied"* ]]
	[[ "$output" == *"nothing may be sent: no output written"* ]]
	[ ! -e out.xml ]
	! ls -A . | grep -q csgw-disclose || false
	db=$PKI/ca06-audit/audit.db
	[ "$(sqlite3 "$db" "SELECT count(*) FROM entries WHERE partner = 'OCSE' AND decision = 'deny' AND rule_id = 'PURPOSE-NOT-AUTHORIZED' AND file_sha256 = ''")" -eq 4 ]
}

@test "apply: a missing registry is created (empty), and from then on explain reads it" {
	reg=$PKI/ca06-audit/registry.db
	run "$CSGW" -c "$CA" policy explain "$PKI/lr.xml" --partner TX --purpose child-support --record 2
	[ "$status" -eq 0 ]
	[[ "$output" == *"registry.db does not exist yet: no protection or case status has been recorded"* ]]
	[ ! -e "$reg" ]
	run "$CSGW" -c "$CA" policy apply "$PKI/lr.xml" --partner TX --purpose child-support -o out.xml
	[ "$status" -eq 0 ]
	[ -f "$reg" ]
	[ "$(stat -c %a "$reg")" = 600 ]
}

@test "apply: every SSN of a referral is a subject of its entries; audit search finds each" {
	run "$CSGW" -c "$CA" policy apply "$PKI/ref.xml" --partner TX --purpose child-support -o out.xml
	[ "$status" -eq 0 ]
	sha=$(sha256sum out.xml | cut -d' ' -f1)
	# Record 1 names the NCP (901-23-4567) and a participant (900-12-3456).
	run "$CSGW" -c "$CA" --environment test audit search --ssn 900-12-3456 --format csv
	[[ "$output" == *",referral,TH,1,CS2024000117,"*",$sha,"* ]]
	run "$CSGW" -c "$CA" --environment test audit search --ssn 901-23-4567 --format csv
	[[ "$output" == *",referral,TH,1,CS2024000117,"*",$sha,"* ]]
	db=$PKI/ca06-audit/audit.db
	# Three subject keys: the NCP, the NCP's alias SSN, the participant.
	[ "$(sqlite3 "$db" "SELECT length(subject_key) FROM entries WHERE file_sha256 = '$sha' AND record_id = '1'")" -eq $((3 * 64 + 2)) ]
}

@test "apply: an unreadable registry refuses the batch (74): no output, nothing logged" {
	echo "not a database" >"$PKI/ca06-audit/registry.db"
	db=$PKI/ca06-audit/audit.db
	before=$(sqlite3 "$db" "SELECT count(*) FROM entries" 2>/dev/null || echo 0)
	run "$CSGW" -c "$CA" policy apply "$PKI/lr.xml" --partner TX --purpose child-support -o out.xml
	[ "$status" -eq 74 ]
	[ ! -e out.xml ]
	[ "$(sqlite3 "$db" "SELECT count(*) FROM entries" 2>/dev/null || echo 0)" -eq "$before" ]
	run "$CSGW" -c "$CA" policy explain "$PKI/lr.xml" --partner TX --purpose child-support
	[ "$status" -eq 74 ]
}

@test "apply: an invalid batch (65) writes nothing and logs nothing" {
	sed 's/<agencyCode>E01</<agencyCode>ZZZ</' "$PKI/lr.xml" >bad.xml
	db=$PKI/ca06-audit/audit.db
	before=$(sqlite3 "$db" "SELECT count(*) FROM entries" 2>/dev/null || echo 0)
	run "$CSGW" -c "$CA" policy apply bad.xml --partner TX --purpose child-support -o out.xml
	[ "$status" -eq 65 ]
	[ ! -e out.xml ]
	! ls -A . | grep -q csgw-disclose || false
	[ "$(sqlite3 "$db" "SELECT count(*) FROM entries" 2>/dev/null || echo 0)" -eq "$before" ]
}
