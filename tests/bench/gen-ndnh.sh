#!/bin/sh
# gen-ndnh.sh N FILE - an NDNH new hire extract of N W4 records, for the
# benchmarks: the sample's H4 line, N copies of its first W4 line with SSN
# 9AAGGSSSS (positions 3-11) derived from the record number (area 900-999,
# group 01-99, serial 0001-9999: all distinct up to 99,990,000 records), and
# its T4 line with w4Count=N, qwCount=0, uiCount=0, totalCount=N (positions
# 3-13, 14-24, 25-35, 36-46, zero-filled; see 'csgw mapping show ndnh').
set -eu
[ $# -eq 2 ] || { echo "usage: tests/bench/gen-ndnh.sh N FILE" >&2; exit 1; }
sample=$(cd "$(dirname "$0")/../data" && pwd)/ndnh-report.txt
awk -v n="$1" '
	/^H4/ && h == "" { h = $0 }
	/^W4/ && w == "" { w = $0 }
	/^T4/ && t == "" { t = $0 }
	END {
		if (h == "" || w == "" || t == "") { print "bench: sample lacks H4, W4 or T4" > "/dev/stderr"; exit 1 }
		if (length(w) != 500 || length(t) != 500) { print "bench: sample records are not 500 characters" > "/dev/stderr"; exit 1 }
		print h
		rest = substr(w, 12)
		for (i = 0; i < n; i++) {
			serial = i % 9999 + 1
			j = int(i / 9999)
			group = j % 99 + 1
			area = 900 + int(j / 99)
			printf "W4%03d%02d%04d%s\n", area, group, serial, rest
		}
		printf "T4%011d%011d%011d%011d%s\n", n, 0, 0, n, substr(t, 47)
	}' "$sample" >"$2"
