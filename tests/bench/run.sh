#!/bin/sh
# run.sh - 'make bench': csgw speed and memory against xmllint and a bare
# libxml2 SAX parse, on generated NDNH W4 extracts of 100,000 and 1,000,000
# records.
#
# usage: tests/bench/run.sh BUILD_DIR      (BUILD_DIR holds csgw)
#
# Scratch folder: bench-out/ at the repo top, removed at the start of each
# run. The big extracts and XML files are deleted at the end (they are
# several hundred MB); set BENCH_KEEP=1 to keep them. Logs and timings stay.
#
# Each command runs once under GNU time (elapsed seconds, peak RSS). A
# command that fails makes the script fail; a missed target is only reported
# (the benchmark measures, it does not gate).
set -eu

die() {
	echo "bench: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: tests/bench/run.sh BUILD_DIR"
case "$1" in
/*) build=$1 ;;
*) build=$(pwd)/$1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
csgw=$build/csgw
[ -x "$csgw" ] || die "$csgw not found; run 'make' first"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (Debian package 'time')"
/usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null ||
	die "/usr/bin/time is not GNU time (Debian package 'time')"
command -v xmllint >/dev/null || die "xmllint missing (Debian package libxml2-utils)"
command -v pkg-config >/dev/null || die "pkg-config missing"
cc=${CC:-cc}

cd "$top"
out=$top/bench-out
rm -rf "$out"
mkdir -p "$out"
echo "bench: scratch folder $out"

sample=tests/data/ndnh-report.txt
[ -r "$sample" ] || die "$sample missing"

# --- tools ----------------------------------------------------------------
# shellcheck disable=SC2046 # pkg-config output is meant to be split
"$cc" -O2 -o "$out/sax_floor" "$here/sax_floor.c" $(pkg-config --cflags --libs libxml-2.0) ||
	die "FAILED to compile tests/bench/sax_floor.c"
xsd=$out/ndnh.xsd
"$csgw" mapping xsd ndnh >"$xsd" || die "FAILED: $csgw mapping xsd ndnh"

# --- input ----------------------------------------------------------------
# gen N FILE: an NDNH new hire extract of N W4 records (gen-ndnh.sh).
gen() {
	"$here/gen-ndnh.sh" "$1" "$2"
}

# A gateway for csgw policy apply: a dev PKI and a conf whose OCSE
# partner (federal office) may receive every field of a W4 record, so the
# whole batch is decided, written again and logged (an entry per record).
"$top/certs/init-dev.sh" "$out/pki" >/dev/null || die "FAILED: certs/init-dev.sh"
mkdir -p "$out/policy-audit"
cat >"$out/gateway.conf" <<CONF
[gateway]
state = 06
environment = test
spool = policy-audit
audit_db = policy-audit/audit.db
checkpoint_dir = policy-audit
signing_cert = pki/ca06/local/signing.pem
signing_key = pki/ca06/private/signing.key
ca_bundle = pki/ca06/trusted/ca.pem
subject_key = pki/ca06/private/subject.key

[partner OCSE]
class = federal-office
CONF

sizes="100000 1000000"
gen_start=$(date +%s.%N)
for n in $sizes; do
	gen "$n" "$out/ndnh-$n.txt" || die "FAILED to generate $n records"
done
gen_end=$(date +%s.%N)
echo "bench: generated $(echo "$sizes" | sed 's/ / and /') records in $(awk -v a="$gen_start" -v b="$gen_end" 'BEGIN { printf "%.1f", b - a }') s"

# --- measure --------------------------------------------------------------
# run LABEL N BYTES CMD...: time CMD once; append "N LABEL seconds KiB bytes"
# to results. Output goes to $out/logs/N-LABEL.log.
results=$out/results.txt
: >"$results"
mkdir -p "$out/logs"
run() {
	label=$1 n=$2 bytes=$3
	shift 3
	log=$out/logs/$n-$label.log
	tf=$out/logs/$n-$label.time
	printf 'bench: %-8s %-16s ' "$n" "$label"
	rc=0
	/usr/bin/time -f '%e %M' -o "$tf" "$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAILED"
		{
			echo
			echo "================================================================"
			echo "bench: FAILED (exit $rc): $*"
			echo "---- last lines of $log:"
			tail -n 20 "$log"
			echo "---- /usr/bin/time:"
			cat "$tf"
			echo "bench: the data stays in $out for a look; the next run removes it"
			echo "================================================================"
		} >&2
		exit 1
	fi
	last=$(tail -n 1 "$tf")
	secs=${last% *} kib=${last#* }
	echo "$secs s, $(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
	echo "$n $label $secs $kib $bytes" >>"$results"
}

for n in $sizes; do
	txt=$out/ndnh-$n.txt
	xml=$out/ndnh-$n.xml
	run "csgw-map" "$n" "$(wc -c <"$txt")" \
		"$csgw" --environment test map ndnh-report "$txt" -o "$xml"
	xbytes=$(wc -c <"$xml")
	run "csgw-validate" "$n" "$xbytes" "$csgw" --environment test validate "$xml"
	run "xmllint-stream" "$n" "$xbytes" xmllint --stream --noout "$xml"
	run "xmllint-schema" "$n" "$xbytes" xmllint --stream --noout --schema "$xsd" "$xml"
	run "sax-floor" "$n" "$xbytes" "$out/sax_floor" "$xml"
	run "csgw-policy" "$n" "$xbytes" "$csgw" -c "$out/gateway.conf" policy apply "$xml" \
		--partner OCSE --purpose child-support -o "$out/ndnh-$n.sent.xml"
	grep -q "$n records for OCSE (federal-office) for child-support: $n allowed" \
		"$out/logs/$n-csgw-policy.log" ||
		die "FAILED: csgw policy apply did not allow $n records: $(cat "$out/logs/$n-csgw-policy.log")"
	cmp -s "$xml" "$out/ndnh-$n.sent.xml" ||
		die "FAILED: what policy apply let through differs from the batch, though all was allowed"
	rm -f "$out/ndnh-$n.sent.xml"
	# Part of policy apply's floor: as many entries appended to a fresh
	# audit log alone (tests/bench/audit_bench.c).
	mkdir -p "$out/audit-alone"
	run "audit-append" "$n" "$xbytes" "$build/bench/audit_bench" "$out/audit-alone" "$n" append
	rm -rf "$out/audit-alone"
	run "sha256sum" "$n" "$xbytes" sha256sum "$xml"
	# The counts must say what was generated, or the figures mean nothing.
	grep -q "$n records (W4 $n)" "$out/logs/$n-csgw-map.log" ||
		die "FAILED: csgw map did not report $n W4 records: $(cat "$out/logs/$n-csgw-map.log")"
	grep -q "$n records (W4 $n)" "$out/logs/$n-csgw-validate.log" ||
		die "FAILED: csgw validate did not report $n W4 records: $(cat "$out/logs/$n-csgw-validate.log")"
	grep -q "validates" "$out/logs/$n-xmllint-schema.log" ||
		die "FAILED: xmllint --schema did not say 'validates': $(tail -n 5 "$out/logs/$n-xmllint-schema.log")"
	if [ "${BENCH_KEEP:-0}" != 1 ]; then
		rm -f "$txt" "$xml"
	fi
done

# --- report ---------------------------------------------------------------
echo
awk -v cores="$(nproc 2>/dev/null || echo '?')" '
	function group(x,   s) {
		x = sprintf("%.0f", x); s = ""
		while (length(x) > 3) { s = "," substr(x, length(x) - 2) s; x = substr(x, 1, length(x) - 3) }
		return x s
	}
	{
		n = $1; l = $2; sec[n, l] = $3; kib[n, l] = $4; bytes[n, l] = $5
		if (!(n in seen)) { seen[n] = 1; order[++nsizes] = n }
		if (!(l in lseen)) { lseen[l] = 1; lorder[++nlabels] = l }
	}
	function verdict(ok) { return ok ? "PASS" : "MISS" }
	function ratio(name, a, b, target, cmp,   r, ok) {
		if (b <= 0) { printf "  %-52s   n/a (zero time)\n", name; return }
		r = a / b
		ok = (cmp == "<=") ? (r <= target) : (r < target)
		printf "  %-52s %6.2f   target %s %-5s %s\n", name, r, cmp, target, verdict(ok)
	}
	END {
		name["csgw-map"] = "csgw map"
		name["csgw-validate"] = "csgw validate"
		name["xmllint-stream"] = "xmllint --stream"
		name["xmllint-schema"] = "xmllint --stream --schema"
		name["sax-floor"] = "sax_floor (bare SAX2 parse)"
		name["csgw-policy"] = "csgw policy apply (+ audit)"
		name["audit-append"] = "audit append alone"
		name["sha256sum"] = "sha256sum (coreutils)"
		printf "csgw bench (%s cores). MB = 10^6 bytes of the file read (extract for map, XML otherwise).\n\n", cores
		printf "%10s  %-28s %9s %12s %9s %10s %13s\n", "records", "command", "seconds", "records/s", "MB/s", "input MB", "peak RSS MiB"
		for (i = 1; i <= nsizes; i++) {
			n = order[i]
			for (j = 1; j <= nlabels; j++) {
				l = lorder[j]
				if (!((n, l) in sec)) continue
				s = sec[n, l]
				rps = s > 0 ? group(n / s) : "inf"
				mbs = s > 0 ? sprintf("%.1f", bytes[n, l] / 1e6 / s) : "inf"
				printf "%10s  %-28s %9.2f %12s %9s %10.1f %13.1f\n", group(n), name[l], s, rps, mbs, bytes[n, l] / 1e6, kib[n, l] / 1024
			}
			print ""
		}
		big = order[nsizes]; small = order[1]
		for (i = 1; i <= nsizes; i++) {
			n = order[i]
			printf "targets at %s records:\n", group(n)
			ratio("csgw validate / xmllint --stream --schema (time)", sec[n, "csgw-validate"], sec[n, "xmllint-schema"], "0.50", "<=")
			ratio("csgw validate / sax_floor (time, stretch)", sec[n, "csgw-validate"], sec[n, "sax-floor"], "1.3", "<=")
			ratio("csgw map / xmllint --stream --schema (time)", sec[n, "csgw-map"], sec[n, "xmllint-schema"], "1.0", "<=")
			# policy apply reads the batch, decides every record, writes it
			# again through the map engine and logs every decision: deciding
			# should cost next to nothing beside writing the batch (csgw map)
			# and appending as many audit entries, each measured alone in
			# this run.  The wider floor adds the read (validate) and hash.
			ratio("policy apply / (map+audit append)", sec[n, "csgw-policy"], sec[n, "csgw-map"] + sec[n, "audit-append"], "1.1", "<=")
			ratio("policy apply / (validate+map+sha256sum+audit)", sec[n, "csgw-policy"], sec[n, "csgw-validate"] + sec[n, "csgw-map"] + sec[n, "sha256sum"] + sec[n, "audit-append"], "1.0", "<=")
			print ""
		}
		printf "memory:\n"
		for (k = 1; k <= 3; k++) {
			l = (k == 1) ? "csgw-map" : (k == 2) ? "csgw-validate" : "csgw-policy"
			m = kib[big, l] / 1024
			printf "  %-52s %6.1f   target <  %-5s %s\n", name[l] " peak RSS at " group(big) " (MiB)", m, "64", verdict(m < 64)
			if (small != big && kib[small, l] > 0)
				ratio(name[l] " RSS(" group(big) ") / RSS(" group(small) ")", kib[big, l], kib[small, l], "1.10", "<=")
		}
	}' "$results" | tee "$out/report.txt"
echo
# --- a repeatable figure --------------------------------------------------
# Elapsed-time ratios move with whatever else the 2 cores are doing (the
# bare parse has measured 2.9 s and 4.3 s on the same file). Instruction
# counts under callgrind do not: the same binary and input give the same
# count. 20,000 records keep this under a minute.
if command -v valgrind >/dev/null 2>&1; then
	n=20000
	gen "$n" "$out/ndnh-$n.txt"
	"$csgw" --environment test map ndnh-report "$out/ndnh-$n.txt" -o "$out/ndnh-$n.xml" \
		>/dev/null 2>&1 || die "FAILED: csgw map of the $n-record extract"
	instructions() {
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
			sed -n 's/.*Collected : //p'
	}
	i_map=$(instructions "$csgw" --environment test map ndnh-report "$out/ndnh-$n.txt" -o "$out/x.xml")
	i_validate=$(instructions "$csgw" --environment test validate "$out/ndnh-$n.xml")
	i_floor=$(instructions "$out/sax_floor" "$out/ndnh-$n.xml")
	# The same batch with an apostrophe in every employer's name (DINER'S):
	# text like this takes other paths of the scan ahead of the parser.
	sed "s/DINER,/DINER'S,/" "$out/ndnh-$n.xml" >"$out/quoted-$n.xml"
	grep -q "DINER'S," "$out/quoted-$n.xml" || die "FAILED: no apostrophe put in the batch"
	"$csgw" --environment test validate "$out/quoted-$n.xml" >/dev/null 2>&1 ||
		die "FAILED: csgw validate of the batch with apostrophes"
	i_quoted=$(instructions "$csgw" --environment test validate "$out/quoted-$n.xml")
	i_quoted_floor=$(instructions "$out/sax_floor" "$out/quoted-$n.xml")
	echo
	echo "instructions (callgrind, $n records; repeatable):"
	awk -v m="$i_map" -v v="$i_validate" -v f="$i_floor" -v q="$i_quoted" -v qf="$i_quoted_floor" 'BEGIN {
		printf "  csgw map %15.0f   csgw validate %15.0f   sax_floor %15.0f\n", m, v, f
		printf "  csgw validate / sax_floor (instructions)              %.3f   target <= 1.5   %s\n",
			v / f, (v / f <= 1.5 ? "PASS" : "MISS")
		printf "  with an apostrophe in each record: %.0f / %.0f\n", q, qf
		printf "  csgw validate / sax_floor, apostrophes (instructions) %.3f   target <= 1.5   %s\n",
			q / qf, (q / qf <= 1.5 ? "PASS" : "MISS")
	}' | tee -a "$out/report.txt"
	rm -f "$out/ndnh-$n.txt" "$out/ndnh-$n.xml" "$out/quoted-$n.xml" "$out/x.xml"
fi

echo "bench: done; logs and report in $out"
