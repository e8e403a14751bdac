#!/bin/sh
# scale.sh - 'make bench-scale': csgw at ten times the size of 'make bench'.
# NDNH extracts of 1,000,000 and 10,000,000 W4 records go through csgw map,
# csgw policy apply (every decision logged) and csgw run end to end
# (tests/bench/e2e.sh: two daemons through a real sshd on loopback).
#
# usage: tests/bench/scale.sh BUILD_DIR     (SCALE_SIZES="N1 N2", smallest first)
#
# Targets, reported and not fatal: the peak RSS of every process under
# 64 MiB and, at the largest size, within 1.1x of the smallest; time per
# record at the largest size within 1.1x of the smallest (linear growth).
# Scratch: bench-out/scale; the largest size needs about 45 GB of disk on
# the way (the extract, its XML, the spools and the server's copy), which
# each step removes when it is done.  It takes several minutes per 10^6.
set -eu

die() {
	echo "bench-scale: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: tests/bench/scale.sh BUILD_DIR"
case "$1" in
/*) build=$1 ;;
*) build=$(pwd)/$1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
csgw=$build/csgw
[ -x "$csgw" ] || die "$csgw not found; run 'make' first"
/usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null ||
	die "/usr/bin/time is not GNU time (Debian package 'time')"
sizes=${SCALE_SIZES:-1000000 10000000}

out=$top/bench-out/scale
rm -rf "$out"
mkdir -p "$out/logs"
echo "bench-scale: scratch folder $out; sizes $sizes"

# A gateway for policy apply, as in run.sh: its federal office may receive
# every field of a W4 record, so every record is decided, written and logged.
"$top/certs/init-dev.sh" "$out/pki" >/dev/null || die "FAILED: certs/init-dev.sh"
cat >"$out/gateway.conf" <<CONF
[gateway]
state = 06
environment = test
spool = spool
audit_db = audit/audit.db
checkpoint_dir = audit
signing_cert = pki/ca06/local/signing.pem
signing_key = pki/ca06/private/signing.key
ca_bundle = pki/ca06/trusted/ca.pem
subject_key = pki/ca06/private/subject.key

[partner OCSE]
class = federal-office
CONF

results=$out/results.txt
: >"$results"
# measure N LABEL CMD...: once under GNU time; "N LABEL seconds KiB" to results.
measure() {
	n=$1 label=$2
	shift 2
	log=$out/logs/$n-$label.log
	printf 'bench-scale: %-9s %-14s ' "$n" "$label"
	/usr/bin/time -f '%e %M' -o "$log.time" "$@" >"$log" 2>&1 || {
		echo FAILED
		tail -n 20 "$log" >&2
		die "FAILED: $* (log: $log)"
	}
	read -r secs kib <"$log.time"
	echo "$secs s, $(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
	echo "$n $label $secs $kib" >>"$results"
}

for n in $sizes; do
	"$here/gen-ndnh.sh" "$n" "$out/ndnh.txt" || die "FAILED to generate $n records"
	measure "$n" map "$csgw" --environment test map ndnh-report "$out/ndnh.txt" -o "$out/ndnh.xml"
	rm -f "$out/ndnh.txt"
	rm -rf "$out/spool" "$out/audit"
	mkdir -p "$out/spool" "$out/audit"
	(cd "$out" && measure "$n" policy-apply "$csgw" -c gateway.conf policy apply ndnh.xml \
		--partner OCSE --purpose child-support -o sent.xml)
	grep -q "$n records for OCSE (federal-office) for child-support: $n allowed" \
		"$out/logs/$n-policy-apply.log" ||
		die "FAILED: policy apply did not allow $n records: $(cat "$out/logs/$n-policy-apply.log")"
	rm -f "$out/ndnh.xml" "$out/sent.xml"
	# csgw run end to end: e2e.sh prints the total and both daemons' peak RSS.
	printf 'bench-scale: %-9s %-14s ' "$n" "csgw-run"
	E2E_BENCH_N=$n "$here/e2e.sh" "$build" >"$out/logs/$n-e2e.log" 2>&1 ||
		die "FAILED: e2e.sh with $n records (log: $out/logs/$n-e2e.log)"
	total=$(sed -n 's/^ *TOTAL *\([0-9.]*\) s$/\1/p' "$out/logs/$n-e2e.log")
	rss=$(sed -n 's/.*peak RSS of the daemons: CA \([0-9.]*\) MiB, FED \([0-9.]*\) MiB.*/\1 \2/p' \
		"$out/logs/$n-e2e.log")
	if [ -z "$total" ] || [ -z "$rss" ]; then
		die "FAILED: no TOTAL or peak RSS in $out/logs/$n-e2e.log"
	fi
	ca=${rss% *} fed=${rss#* }
	worst=$(awk -v a="$ca" -v b="$fed" 'BEGIN { print (a > b ? a : b) * 1024 }')
	echo "$total s, CA $ca MiB, FED $fed MiB"
	echo "$n csgw-run $total $worst" >>"$results"
done

echo
awk '
	function verdict(ok) { return ok ? "PASS" : "MISS" }
	{
		n = $1; l = $2; sec[n, l] = $3; kib[n, l] = $4
		if (!(n in seen)) { seen[n] = 1; order[++nsizes] = n }
		if (!(l in lseen)) { lseen[l] = 1; labels[++nlabels] = l }
	}
	END {
		small = order[1]; big = order[nsizes]
		printf "%12s  %-14s %9s %14s %13s\n", "records", "command", "seconds", "us per record", "peak RSS MiB"
		for (i = 1; i <= nsizes; i++)
			for (j = 1; j <= nlabels; j++) {
				n = order[i]; l = labels[j]
				printf "%12d  %-14s %9.2f %14.2f %13.1f\n", n, l, sec[n, l], sec[n, l] / n * 1e6, kib[n, l] / 1024
			}
		print ""
		for (j = 1; j <= nlabels; j++) {
			l = labels[j]
			m = kib[big, l] / 1024
			printf "  %-14s %-40s %7.1f   target <  64   %s\n", l, sprintf("peak RSS at %d (MiB)", big), m, verdict(m < 64)
			if (small == big)
				continue
			r = kib[big, l] / kib[small, l]
			printf "  %-14s %-40s %7.2f   target <= 1.1  %s\n", l, sprintf("RSS(%d) / RSS(%d)", big, small), r, verdict(r <= 1.1)
			r = (sec[big, l] / big) / (sec[small, l] / small)
			printf "  %-14s %-40s %7.2f   target <= 1.1  %s\n", l, sprintf("time per record, %d / %d", big, small), r, verdict(r <= 1.1)
		}
	}' "$results" | tee "$out/report.txt"
echo "bench-scale: done; logs and report in $out"
