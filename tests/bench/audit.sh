#!/bin/sh
# audit.sh - 'make bench', audit log part: 1,000,000 decisions appended to
# the audit log (hashed into the RFC 6962 tree, 1000 per transaction as the
# daemon will batch them), the whole log verified, and, the floor in the
# same run, the same rows inserted into a plain SQLite table without hashing
# in one transaction.  Each under GNU time (elapsed, peak RSS).  Then csgw
# audit report over a varied log of as many entries (a quarter: 90 days,
# four partners, 5% denials).
#
# usage: tests/bench/audit.sh BUILD_DIR [SCRATCH_DIR]   (AUDIT_BENCH_N=N)
# Targets: append at least 0.5x the plain insert rate; verify 1M entries in
# under 5 s; the report in under 30 s; peak RSS under 64 MiB.  Reported,
# not fatal.
set -eu

die() {
	echo "bench-audit: $*" >&2
	exit 1
}

[ $# -ge 1 ] || die "usage: tests/bench/audit.sh BUILD_DIR [SCRATCH_DIR]"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
case "$1" in
/*) build=$1 ;;
*) build=$top/$1 ;;
esac
bench=$build/bench/audit_bench
[ -x "$bench" ] || die "$bench missing; run 'make $1/bench/audit_bench'"
out=${2:-$top/bench-out}/audit
n=${AUDIT_BENCH_N:-1000000}
rm -rf "$out"
mkdir -p "$out"

# run NAME MODE: prints "NAME seconds rss_kib" from GNU time.
run() {
	/usr/bin/time -f '%e %M' -o "$out/$1.time" "$bench" "$out" "$n" "$2" >"$out/$1.log" 2>&1 ||
		die "FAILED: $1 (log: $out/$1.log)"
	echo "$1 $(cat "$out/$1.time")"
}

{
	run plain plain
	run append append
	run verify verify
} >"$out/results.txt"
grep -q ' good' "$out/verify.log" || die "verify did not say good: $(cat "$out/verify.log")"

# The review report over a quarter's varied log of N entries: written
# with csgw itself, as compliance staff would (a gateway.conf with the dev
# PKI: the report signs a checkpoint after its own entry).
mixed=$out/mixed
mkdir -p "$mixed"
"$bench" "$mixed" "$n" mixed >"$out/mixed.log" 2>&1 || die "FAILED: mixed log (log: $out/mixed.log)"
"$top/certs/init-dev.sh" "$mixed/pki" >/dev/null
cat >"$mixed/gateway.conf" <<EOF
[gateway]
state = 06
environment = test
spool = spool
audit_db = audit.db
checkpoint_dir = checkpoints
signing_cert = pki/ca06/local/signing.pem
signing_key = pki/ca06/private/signing.key
ca_bundle = pki/ca06/trusted/ca.pem
subject_key = pki/ca06/private/subject.key
EOF
/usr/bin/time -f '%e %M' -o "$out/report.time" "$build/csgw" -c "$mixed/gateway.conf" \
	audit report -o "$mixed/report.html" >"$out/report.log" 2>&1 ||
	die "FAILED: audit report (log: $out/report.log)"
report_kib=$(($(stat -c %s "$mixed/report.html") / 1024))
csv_rows=$(($(wc -l <"$mixed/report.csv") - 1))

awk -v n="$n" '
	{ sec[$1] = $2; rss[$1] = $3 }
	END {
		for (k = 1; k <= 3; k++) {
			t = k == 1 ? "plain" : k == 2 ? "append" : "verify"
			printf "bench-audit: %-7s %8d rows %7.2f s %10.0f rows/s %7.1f MiB RSS\n",
				t, n, sec[t], n / sec[t], rss[t] / 1024
		}
		r = sec["plain"] / sec["append"]
		printf "  append / plain insert (rate)     %5.2f   target >= 0.5  %s\n", r, (r >= 0.5 ? "PASS" : "MISS")
		printf "  verify of %d entries             %5.2f s target < 5 s  %s\n", n, sec["verify"], (sec["verify"] < 5 ? "PASS" : "MISS")
		m = rss["append"] > rss["verify"] ? rss["append"] : rss["verify"]
		printf "  peak RSS (append, verify)        %5.1f MiB target < 64 MiB %s\n", m / 1024, (m < 65536 ? "PASS" : "MISS")
	}' "$out/results.txt"
read -r rsec rrss <"$out/report.time"
awk -v n="$n" -v s="$rsec" -v r="$rrss" -v k="$report_kib" -v c="$csv_rows" 'BEGIN {
	printf "bench-audit: report  %8d entries %6.2f s %7.1f MiB RSS; page %d KiB, %d rows in its CSV\n", n, s, r / 1024, k, c
	printf "  audit report of %d entries      %5.2f s target < 30 s %s\n", n, s, (s < 30 ? "PASS" : "MISS")
	printf "  peak RSS of the report           %5.1f MiB target < 64 MiB %s\n", r / 1024, (r < 65536 ? "PASS" : "MISS")
}'
